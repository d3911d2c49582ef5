//! Training curves: loss, accuracy and learning rate per epoch.

use std::path::Path;

use dendrite_model::{EpochRecord, History};
use plotters::prelude::*;

use crate::canvas::{Canvas, render_png};
use crate::ticks::TickFormat;
use crate::{Error, Result, font::FAMILY, palette};

/// The picture's size in pixels.
const WIDTH: usize = 1200;
const HEIGHT: usize = 900;

/// Markers are drawn on the points of a curve with at most this many points, so that a
/// validation run every few epochs, or a single one, shows.
const MAX_MARKED_POINTS: usize = 60;

/// About how many labels a y axis has.
const Y_LABELS: usize = 6;

/// One line of a panel.
pub(crate) struct Curve {
    pub(crate) label: String,
    pub(crate) colour: RGBColor,
    pub(crate) points: Vec<(i64, f64)>,
}

impl Curve {
    /// The finite values of `value` over the epochs that have one.
    pub(crate) fn new(
        label: &str,
        colour: RGBColor,
        history: &History,
        value: impl Fn(&EpochRecord) -> Option<f64>,
    ) -> Self {
        let points = history
            .epochs
            .iter()
            .filter_map(|r| value(r).filter(|v| v.is_finite()).map(|v| (epoch_coordinate(r.epoch), v)))
            .collect();
        Self { label: label.to_owned(), colour, points }
    }
}

/// One chart of the picture.
pub(crate) struct Panel {
    pub(crate) title: &'static str,
    pub(crate) y_desc: &'static str,
    pub(crate) legend: SeriesLabelPosition,
    /// The values the y axis shows at least, such as 0 to 1 for an accuracy.
    pub(crate) y_floor: (f64, f64),
    pub(crate) curves: Vec<Curve>,
}

/// Draws the curves of a training run into one PNG file at `path`, 1200×900 pixels: three
/// panels over the epochs, each with a title, labelled axes and a legend:
///
/// - **loss**: the training loss, the data loss when a regularization penalty was ever
///   non-zero, and the validation loss where validation ran;
/// - **accuracy**: training and validation accuracy;
/// - **learning rate**: the optimizer's learning rate at the end of each epoch.
///
/// Values that are not finite (a diverged run) are left out. The file is replaced atomically:
/// if anything fails, an existing file at `path` is left as it was.
///
/// # Errors
/// [`Error::Empty`] for a history without epochs; [`Error::Io`] when the file cannot be
/// written; [`Error::Drawing`] and [`Error::Png`] if drawing or encoding fails.
///
/// # Example
/// ```
/// use dendrite_model::{EpochRecord, History};
/// use dendrite_plot::plot_history;
/// # fn main() -> dendrite_plot::Result<()> {
/// let mut history = History::default();
/// for epoch in 0..50 {
///     let t = epoch as f64;
///     history.epochs.push(EpochRecord {
///         epoch, loss: 1.1 / (1.0 + 0.1 * t), data_loss: 1.0 / (1.0 + 0.1 * t),
///         regularization_loss: 0.1 / (1.0 + 0.1 * t), accuracy: 0.9 - 0.5 / (1.0 + 0.1 * t),
///         learning_rate: 0.05 / (1.0 + 0.01 * t),
///         validation_loss: Some(1.2 / (1.0 + 0.08 * t)), validation_accuracy: Some(0.85 - 0.5 / (1.0 + 0.1 * t)),
///         ..EpochRecord::default()
///     });
/// }
/// let path = std::env::temp_dir().join("dendrite-plot-doc-history.png");
/// plot_history(&history, &path)?;
/// assert!(std::fs::metadata(&path)?.len() > 0);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn plot_history(history: &History, path: impl AsRef<Path>) -> Result<()> {
    let epochs = history.epochs.iter().map(|r| epoch_coordinate(r.epoch));
    let (Some(first), Some(last)) = (epochs.clone().min(), epochs.max()) else {
        return Err(Error::Empty { what: "the history" });
    };
    // A range of one epoch would divide by zero; the epoch goes in the middle instead.
    let epochs = if first == last { (first - 1, last + 1) } else { (first, last) };
    let regularized = history.epochs.iter().any(|r| r.regularization_loss != 0.0);
    let mut loss = vec![Curve::new("training loss", palette::strong(0), history, |r| Some(r.loss))];
    if regularized {
        loss.push(Curve::new("training data loss", palette::strong(2), history, |r| Some(r.data_loss)));
    }
    loss.push(Curve::new("validation loss", palette::strong(1), history, |r| r.validation_loss));
    let panels = [
        Panel {
            title: "loss per epoch",
            y_desc: "loss",
            legend: SeriesLabelPosition::UpperRight,
            y_floor: (0.0, 0.0),
            curves: loss,
        },
        Panel {
            title: "accuracy per epoch",
            y_desc: "accuracy",
            legend: SeriesLabelPosition::LowerRight,
            y_floor: (0.0, 1.0),
            curves: vec![
                Curve::new("training accuracy", palette::strong(0), history, |r| Some(r.accuracy)),
                Curve::new("validation accuracy", palette::strong(1), history, |r| r.validation_accuracy),
            ],
        },
        Panel {
            title: "learning rate per epoch",
            y_desc: "learning rate",
            legend: SeriesLabelPosition::LowerLeft,
            y_floor: (0.0, 0.0),
            curves: vec![Curve::new("learning rate", palette::strong(4), history, |r| Some(r.learning_rate))],
        },
    ];
    render_png(WIDTH, HEIGHT, path.as_ref(), |root| {
        let areas = root.split_evenly((panels.len(), 1));
        for (area, panel) in areas.iter().zip(&panels) {
            draw_panel(area, panel, epochs)?;
        }
        Ok(())
    })
}

/// Draws one panel: axes over `epochs` and the finite range of its curves, the curves that
/// have points (validation curves only when validation ran), and their legend.
pub(crate) fn draw_panel(area: &Canvas<'_>, panel: &Panel, epochs: (i64, i64)) -> Result<()> {
    let curves: Vec<&Curve> = panel.curves.iter().filter(|c| !c.points.is_empty()).collect();
    let (y_lo, y_hi) = value_range(curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)), panel.y_floor);
    let y_format = TickFormat::for_range(y_lo, y_hi, Y_LABELS);
    let mut chart = ChartBuilder::on(&area.margin(6, 6, 12, 24))
        .caption(panel.title, (FAMILY, 24))
        .x_label_area_size(44)
        .y_label_area_size(86)
        .build_cartesian_2d(epochs.0..epochs.1, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(panel.y_desc)
        .axis_desc_style((FAMILY, 18))
        .label_style((FAMILY, 15))
        .x_labels(12)
        .y_labels(Y_LABELS)
        .x_label_formatter(&|e| if *e < 0 { String::new() } else { e.to_string() })
        .y_label_formatter(&|v| y_format.label(*v))
        .max_light_lines(1)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    for curve in &curves {
        let colour = curve.colour;
        let style = colour.stroke_width(2);
        chart
            .draw_series(LineSeries::new(curve.points.iter().copied(), style))?
            .label(curve.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        if curve.points.len() <= MAX_MARKED_POINTS {
            chart.draw_series(curve.points.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
        }
    }
    if !curves.is_empty() {
        chart
            .configure_series_labels()
            .position(panel.legend.clone())
            .label_font((FAMILY, 15))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .margin(10)
            .draw()?;
    }
    Ok(())
}

/// An epoch as an x coordinate: signed, so that a single epoch 0 can sit in the middle of
/// the range −1 to 1 (whose negative labels are left blank).
pub(crate) fn epoch_coordinate(epoch: usize) -> i64 {
    i64::try_from(epoch).unwrap_or(i64::MAX - 1)
}

/// The y range of a panel: the values' range joined with `floor`, padded by 5% at the top (and
/// at the bottom when it is below 0), and one unit tall when all values are equal.
fn value_range(values: impl Iterator<Item = f64>, floor: (f64, f64)) -> (f64, f64) {
    let (lo, hi) = values.fold(floor, |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = hi - lo;
    if span <= 0.0 || !span.is_finite() {
        let unit = if lo == 0.0 || !lo.is_finite() { 1.0 } else { lo.abs() };
        return (lo - 0.1 * unit, lo + 0.1 * unit);
    }
    let pad = 0.05 * span;
    (if lo < 0.0 || floor.0 > lo { lo - pad } else { lo }, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode, scratch};

    fn record(epoch: usize) -> EpochRecord {
        let t = epoch as f64;
        EpochRecord {
            epoch,
            loss: 1.2 * (-t / 40.0).exp() + 0.1,
            data_loss: 1.1 * (-t / 40.0).exp() + 0.05,
            regularization_loss: 0.1 * (-t / 40.0).exp() + 0.05,
            accuracy: 0.95 - 0.6 * (-t / 30.0).exp(),
            learning_rate: 0.05 / (1.0 + 0.01 * t),
            validation_loss: epoch.is_multiple_of(10).then(|| 1.25 * (-t / 50.0).exp() + 0.15),
            validation_accuracy: epoch.is_multiple_of(10).then(|| 0.9 - 0.6 * (-t / 35.0).exp()),
            ..EpochRecord::default()
        }
    }

    fn history(epochs: impl Iterator<Item = usize>) -> History {
        History { epochs: epochs.map(record).collect() }
    }

    #[test]
    fn draws_three_panels_with_every_curve() -> Result<()> {
        let dir = scratch("history")?;
        let path = dir.join("history.png");
        plot_history(&history(0..=200), &path)?;
        let picture = decode(&path)?;
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        assert!(picture.distinct_colours() >= 50, "{} colours", picture.distinct_colours());
        // The curves' colours: training (blue), validation (orange), data loss (green), rate.
        for class in [0, 1, 2, 4] {
            let RGBColor(r, g, b) = palette::strong(class);
            assert!(picture.count((r, g, b)) > 200, "colour of class {class}");
        }
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn a_single_epoch_without_validation_draws() -> Result<()> {
        let dir = scratch("history-one")?;
        let path = dir.join("one.png");
        let mut h = history(3..4);
        h.epochs[0].validation_loss = None;
        h.epochs[0].regularization_loss = 0.0;
        plot_history(&h, &path)?;
        let picture = decode(&path)?;
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        assert!(picture.distinct_colours() >= 20);
        let RGBColor(r, g, b) = palette::strong(0);
        assert!(picture.count((r, g, b)) > 0, "the single point is marked");
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn non_finite_values_are_left_out() -> Result<()> {
        let dir = scratch("history-nan")?;
        let path = dir.join("nan.png");
        let mut h = history(0..20);
        h.epochs[5].loss = f64::NAN;
        h.epochs[6].learning_rate = f64::INFINITY;
        for r in &mut h.epochs {
            r.accuracy = f64::NAN;
        }
        plot_history(&h, &path)?;
        assert_eq!(decode(&path)?.width, WIDTH);
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn an_empty_history_is_an_error() -> Result<()> {
        let dir = scratch("history-empty")?;
        let path = dir.join("empty.png");
        let err = plot_history(&History::default(), &path).unwrap_err();
        assert!(matches!(err, Error::Empty { what: "the history" }), "{err}");
        assert_eq!(err.to_string(), "nothing to plot: the history is empty");
        assert!(!path.exists());
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn value_ranges() {
        assert_eq!(value_range([0.2, 0.8].into_iter(), (0.0, 1.0)), (0.0, 1.05));
        let (lo, hi) = value_range([0.05, 0.05].into_iter(), (0.05, 0.05));
        assert!(lo < 0.05 && hi > 0.05);
        assert_eq!(value_range(std::iter::empty(), (0.0, 0.0)), (-0.1, 0.1));
    }
}
