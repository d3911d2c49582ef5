//! The book's printout: its line formats and Python's way of printing floats.

/// A float as Python's `repr` prints it: the shortest string that reads back as the same
/// double, in scientific notation below 1e-4 and from 1e16 (`1e-05`, `0.0334459346466437`).
///
/// # Example
/// ```
/// use dendrite_model::py_repr;
/// assert_eq!(py_repr(0.05), "0.05");
/// assert_eq!(py_repr(1.0), "1.0");
/// assert_eq!(py_repr(5e-5), "5e-05");
/// ```
#[must_use]
pub fn py_repr(x: f64) -> String {
    let a = x.abs();
    if x != 0.0 && x.is_finite() && !(1e-4..1e16).contains(&a) {
        let s = format!("{x:e}");
        match s.split_once('e') {
            Some((mantissa, exp)) => {
                let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => s,
        }
    } else if x.is_nan() {
        "nan".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".to_owned() } else { "-inf".to_owned() }
    } else {
        format!("{x:?}")
    }
}

/// `acc: …, loss: … (data_loss: …, reg_loss: …), lr: …`, the body of the book's progress lines.
pub(crate) fn stats(accuracy: f64, data_loss: f64, reg_loss: f64, lr: f64) -> String {
    format!(
        "acc: {accuracy:.3}, loss: {:.3} (data_loss: {data_loss:.3}, reg_loss: {reg_loss:.3}), lr: {}",
        data_loss + reg_loss,
        py_repr(lr)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        // Values printed by Python 3: repr(x).
        assert_eq!(py_repr(0.03333444448148271), "0.03333444448148271");
        assert_eq!(py_repr(0.001), "0.001");
        assert_eq!(py_repr(0.0001), "0.0001");
        assert_eq!(py_repr(9.99e-05), "9.99e-05");
        assert_eq!(py_repr(1e16), "1e+16");
        assert_eq!(py_repr(123.0), "123.0");
        assert_eq!(py_repr(0.0), "0.0");
    }

    #[test]
    fn stats_line_has_the_books_shape() {
        assert_eq!(
            stats(0.9126, 0.2304, 0.0481, 0.0334459346466437),
            "acc: 0.913, loss: 0.278 (data_loss: 0.230, reg_loss: 0.048), lr: 0.0334459346466437"
        );
    }
}
