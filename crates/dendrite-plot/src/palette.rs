//! Class colours: a strong shade for data points and a light one for decision regions.

use plotters::style::{Color, HSLColor, RGBColor};

/// The first ten classes take the "tab10" colours of matplotlib, a palette made to tell
/// categories apart.
const TAB10: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// How much of white the light shade mixes in.
const LIGHTEN: f64 = 0.6;

/// The red of wrong predictions.
pub(crate) const WRONG: RGBColor = RGBColor(214, 39, 40);

/// The strong colour of `class`: tab10, then hues a golden angle apart.
pub(crate) fn strong(class: usize) -> RGBColor {
    if let Some(&(r, g, b)) = TAB10.get(class) {
        return RGBColor(r, g, b);
    }
    // The golden angle spreads any number of hues without repeating.
    let hue = ((class - TAB10.len()) as f64 * 0.381_966).fract();
    let (r, g, b) = HSLColor(hue, 0.65, 0.45).rgb();
    RGBColor(r, g, b)
}

/// The light shade of `class`: its strong colour mixed with white.
pub(crate) fn light(class: usize) -> RGBColor {
    let RGBColor(r, g, b) = strong(class);
    let mix = |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * LIGHTEN).round() as u8;
    RGBColor(mix(r), mix(g), mix(b))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn shades_differ_between_classes_and_from_white() {
        let mut seen = HashSet::new();
        for class in 0..40 {
            let (s, l) = (strong(class), light(class));
            assert!(seen.insert((s.0, s.1, s.2)), "strong colour of class {class} repeats");
            assert!(seen.insert((l.0, l.1, l.2)), "light colour of class {class} repeats");
            assert_ne!((l.0, l.1, l.2), (255, 255, 255));
            let brightness = |c: RGBColor| u32::from(c.0) + u32::from(c.1) + u32::from(c.2);
            assert!(brightness(l) > brightness(s), "class {class}");
        }
        assert_eq!(strong(0), RGBColor(31, 119, 180));
        assert_eq!(light(0), RGBColor(165, 201, 225));
    }
}
