//! Tick labels without float noise, in one format along an axis.

/// How the labels of one axis are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TickFormat {
    /// Fixed-point with this many decimals at most (trailing zeros dropped): `0.25`, `1200`.
    Fixed(usize),
    /// Scientific with one decimal at most: `1.5e-4`, `2e6`.
    Scientific,
}

impl TickFormat {
    /// The format for an axis over `lo..hi` with about `ticks` labels: scientific for values
    /// below 0.001 or from 100,000 up, else as many decimals as the spacing of the labels needs.
    pub(crate) fn for_range(lo: f64, hi: f64, ticks: usize) -> Self {
        let magnitude = lo.abs().max(hi.abs());
        if !(lo.is_finite() && hi.is_finite()) || magnitude == 0.0 {
            return Self::Fixed(1);
        }
        if !(1e-3..1e5).contains(&magnitude) {
            return Self::Scientific;
        }
        let step = (hi - lo).abs() / ticks.max(1) as f64;
        if step <= 0.0 || !step.is_finite() {
            return Self::Fixed(3);
        }
        // One more decimal than the step's leading digit, for steps such as 0.25.
        Self::Fixed((1 - step.log10().floor() as i32).clamp(0, 12) as usize)
    }

    /// The label of `v`.
    pub(crate) fn label(self, v: f64) -> String {
        let s = match self {
            Self::Fixed(decimals) => {
                let s = format!("{v:.decimals$}");
                if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
            }
            Self::Scientific if v == 0.0 => "0".to_owned(),
            Self::Scientific => format!("{v:.1e}").replace(".0e", "e"),
        };
        // Rounding leaves "-0" for tiny negative values.
        if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') { "0".to_owned() } else { s }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_axis_range() {
        let unit = TickFormat::for_range(0.0, 1.05, 6);
        assert_eq!(unit, TickFormat::Fixed(2));
        assert_eq!(unit.label(0.2), "0.2");
        assert_eq!(unit.label(0.30000000000000004), "0.3");
        assert_eq!(unit.label(1.0), "1");
        assert_eq!(unit.label(-0.0001), "0");
        let rate = TickFormat::for_range(0.0, 0.00105, 6);
        assert_eq!(rate.label(0.0008), "0.0008");
        assert_eq!(rate.label(0.001), "0.001");
        let tiny = TickFormat::for_range(0.0, 0.0002, 6);
        assert_eq!(tiny, TickFormat::Scientific);
        assert_eq!(tiny.label(0.00015), "1.5e-4");
        assert_eq!(tiny.label(0.0001), "1e-4");
        assert_eq!(tiny.label(0.0), "0");
        let epochs = TickFormat::for_range(0.0, 2000.0, 6);
        assert_eq!(epochs.label(1500.0), "1500");
        let plane = TickFormat::for_range(-1.2, 1.2, 10);
        assert_eq!(plane.label(-0.0), "0");
        assert_eq!(plane.label(-0.4), "-0.4");
        assert_eq!(TickFormat::for_range(0.0, 0.0, 6).label(0.0), "0");
        assert_eq!(TickFormat::for_range(f64::NAN, 1.0, 6), TickFormat::Fixed(1));
    }
}
