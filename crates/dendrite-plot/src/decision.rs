//! Decision regions of a classifier of points in the plane.

use std::collections::BTreeSet;
use std::path::Path;

use dendrite_model::Model;
use dendrite_tensor::{Matrix, argmax_rows};
use plotters::prelude::*;

use crate::canvas::render_png;
use crate::ticks::TickFormat;
use crate::{Error, Result, font::FAMILY, palette};

/// The picture's size in pixels.
const WIDTH: usize = 900;
const HEIGHT: usize = 900;

/// Cells per side of the grid the model classifies.
const GRID: usize = 300;

/// The margin around the data, as a fraction of its extent.
const MARGIN: f64 = 0.1;

/// About how many labels an axis has.
const LABELS: usize = 10;

/// Radius of a data point, in pixels.
const POINT_RADIUS: i32 = 4;

/// Draws the decision regions of a classifier of 2-D points into one PNG file at `path`
/// (900×900 pixels), with the data on top.
///
/// The model classifies a 300×300 grid of cells over the data's range plus a 10% margin, in
/// one batched [`Model::predict`]; each cell takes a light shade of its predicted class (the
/// argmax of the model's output, or for a single output column a probability, class 1 where it
/// is at least 0.5). The points `x` are drawn on top in their labels' strong colours with a
/// black outline. The chart is titled "decision regions", its axes are "x0" and "x1", and its
/// legend names each class that appears in the labels or the regions.
///
/// The file is replaced atomically: if anything fails, an existing file at `path` is left as
/// it was.
///
/// # Errors
/// - [`Error::SizeMismatch`] when the model does not take 2 inputs, `x` does not have 2
///   columns, or `labels` has not one label per row of `x`;
/// - [`Error::Empty`] when `x` has no rows; [`Error::NonFinite`] for a NaN or infinity in `x`;
/// - [`Error::LabelOutOfRange`] for a label the model cannot predict;
/// - [`Error::Model`] when the model fails to predict; [`Error::Io`] when the file cannot be
///   written.
///
/// # Example
/// ```
/// use dendrite_data::spiral_data;
/// use dendrite_model::{LossKind, Model};
/// use dendrite_plot::plot_decision_regions;
/// use dendrite_tensor::Rng;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (x, y) = spiral_data(100, 3, &mut Rng::seed_from_u64(0));
/// let mut model = Model::builder(2).dense(16).relu().dense(3).softmax()
///     .loss(LossKind::CategoricalCrossEntropy)
///     .build()?;
/// let path = std::env::temp_dir().join("dendrite-plot-doc-regions.png");
/// plot_decision_regions(&mut model, &x, &y, &path)?;
/// assert!(std::fs::metadata(&path)?.len() > 0);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn plot_decision_regions(
    model: &mut Model,
    x: &Matrix,
    labels: &[usize],
    path: impl AsRef<Path>,
) -> Result<()> {
    check_inputs(model, x, labels)?;
    let classes = class_count(model);
    if let Some((row, &label)) = labels.iter().enumerate().find(|&(_, &l)| l >= classes) {
        return Err(Error::LabelOutOfRange { row, label, classes });
    }
    let xs = padded_range(x.column(0).iter().copied());
    let ys = padded_range(x.column(1).iter().copied());
    let cells = predict_grid(model, xs, ys)?;
    let shown: BTreeSet<usize> = labels.iter().chain(&cells).copied().collect();

    let (x_format, y_format) =
        (TickFormat::for_range(xs.0, xs.1, LABELS), TickFormat::for_range(ys.0, ys.1, LABELS));
    render_png(WIDTH, HEIGHT, path.as_ref(), |root| {
        let mut chart = ChartBuilder::on(&root.margin(10, 10, 10, 24))
            .caption("decision regions", (FAMILY, 28))
            .x_label_area_size(50)
            .y_label_area_size(64)
            .build_cartesian_2d(xs.0..xs.1, ys.0..ys.1)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x0")
            .y_desc("x1")
            .axis_desc_style((FAMILY, 20))
            .label_style((FAMILY, 16))
            .x_labels(LABELS)
            .y_labels(LABELS)
            .x_label_formatter(&|v| x_format.label(*v))
            .y_label_formatter(&|v| y_format.label(*v))
            .draw()?;

        // Cell (i, j) spans the i-th x step and the j-th y step; neighbours share their edges.
        let (dx, dy) = ((xs.1 - xs.0) / GRID as f64, (ys.1 - ys.0) / GRID as f64);
        chart.draw_series(cells.iter().enumerate().map(|(k, &class)| {
            let (i, j) = ((k % GRID) as f64, (k / GRID) as f64);
            let corner = (xs.0 + i * dx, ys.0 + j * dy);
            let opposite = (xs.0 + (i + 1.0) * dx, ys.0 + (j + 1.0) * dy);
            Rectangle::new([corner, opposite], palette::light(class).filled())
        }))?;

        for &class in &shown {
            let colour = palette::strong(class);
            let points = labels
                .iter()
                .enumerate()
                .filter(move |&(_, &l)| l == class)
                .map(|(row, _)| (f64::from(x[(row, 0)]), f64::from(x[(row, 1)])));
            chart
                .draw_series(points.map(|p| {
                    EmptyElement::at(p)
                        + Circle::new((0, 0), POINT_RADIUS, colour.filled())
                        + Circle::new((0, 0), POINT_RADIUS, BLACK.stroke_width(1))
                }))?
                .label(format!("class {class}"))
                .legend(move |(px, py)| {
                    EmptyElement::at((px + 8, py))
                        + Rectangle::new([(-9, -9), (9, 9)], palette::light(class).filled())
                        + Circle::new((0, 0), POINT_RADIUS + 1, colour.filled())
                        + Circle::new((0, 0), POINT_RADIUS + 1, BLACK.stroke_width(1))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FAMILY, 17))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .margin(12)
            .draw()?;
        Ok(())
    })
}

/// Checks the model's input width and the data's shape, size and values.
fn check_inputs(model: &Model, x: &Matrix, labels: &[usize]) -> Result<()> {
    if model.input_width() != 2 {
        return Err(Error::SizeMismatch { what: "model input width", expected: 2, got: model.input_width() });
    }
    if x.ncols() != 2 {
        return Err(Error::SizeMismatch { what: "columns of x", expected: 2, got: x.ncols() });
    }
    if x.nrows() == 0 {
        return Err(Error::Empty { what: "x" });
    }
    if labels.len() != x.nrows() {
        return Err(Error::SizeMismatch { what: "labels", expected: x.nrows(), got: labels.len() });
    }
    if let Some(k) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { what: "x", row: k % x.nrows(), col: k / x.nrows(), value: x[k] });
    }
    Ok(())
}

/// The classes the model tells apart: its output width, or 2 for a single probability.
fn class_count(model: &Model) -> usize {
    model.output_width().max(2)
}

/// The range of `values` widened by [`MARGIN`] of its extent on each side (by 1 on each side
/// when all values are equal).
fn padded_range(values: impl Iterator<Item = f32>) -> (f64, f64) {
    let (lo, hi) = values
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(f64::from(v)), hi.max(f64::from(v))));
    let pad = if hi > lo { MARGIN * (hi - lo) } else { 1.0 };
    (lo - pad, hi + pad)
}

/// The predicted class of each cell of the grid over `xs × ys`, cell `(i, j)` (x step `i`,
/// y step `j`) at index `j · GRID + i`, from one batched prediction at the cells' centres.
fn predict_grid(model: &mut Model, xs: (f64, f64), ys: (f64, f64)) -> Result<Vec<usize>> {
    let centre = |(lo, hi): (f64, f64), i: usize| (lo + (i as f64 + 0.5) * (hi - lo) / GRID as f64) as f32;
    let grid =
        Matrix::from_fn(
            GRID * GRID,
            2,
            |k, col| {
                if col == 0 { centre(xs, k % GRID) } else { centre(ys, k / GRID) }
            },
        );
    let output = model.predict(&grid)?;
    if output.ncols() == 1 {
        Ok(output.iter().map(|&p| usize::from(p >= 0.5)).collect())
    } else {
        Ok(argmax_rows(&output))
    }
}

#[cfg(test)]
mod tests {
    use dendrite_data::spiral_data;
    use dendrite_model::LossKind;
    use dendrite_tensor::{Parameterized, Rng};

    use super::*;
    use crate::testing::{decode, scratch};

    /// A 2 → 3 softmax classifier whose classes are three sectors of 120° around the origin:
    /// the logit of class k is the projection on the unit vector at 90° + 120°·k.
    fn sector_model() -> Result<Model> {
        let mut model =
            Model::builder(2).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).build()?;
        model.visit_params_mut(&mut |p| {
            if p.name() == "weight" {
                for k in 0..3 {
                    let angle = std::f32::consts::FRAC_PI_2 + k as f32 * 2.0 * std::f32::consts::PI / 3.0;
                    p.value[(0, k)] = 4.0 * angle.cos();
                    p.value[(1, k)] = 4.0 * angle.sin();
                }
            } else {
                p.value.fill(0.0);
            }
        });
        Ok(model)
    }

    fn rgb(c: RGBColor) -> (u8, u8, u8) {
        (c.0, c.1, c.2)
    }

    #[test]
    fn the_three_sectors_and_the_points_show() -> Result<()> {
        let dir = scratch("regions")?;
        let path = dir.join("regions.png");
        let (x, y) = spiral_data(100, 3, &mut Rng::seed_from_u64(0));
        let mut model = sector_model()?;
        plot_decision_regions(&mut model, &x, &y, &path)?;
        let picture = decode(&path)?;
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        assert!(picture.distinct_colours() >= 20, "{} colours", picture.distinct_colours());
        for class in 0..3 {
            let region = picture.count(rgb(palette::light(class)));
            assert!(region > 50_000, "region of class {class}: {region} pixels");
            let points = picture.count(rgb(palette::strong(class)));
            assert!(points > 500, "points of class {class}: {points} pixels");
        }
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn the_grid_is_classified_by_sector() -> Result<()> {
        let mut model = sector_model()?;
        let cells = predict_grid(&mut model, (-1.0, 1.0), (-1.0, 1.0))?;
        assert_eq!(cells.len(), GRID * GRID);
        // Top middle (j high, i middle) is class 0 (90°); lower left is class 1 (210°); lower
        // right class 2 (330°).
        assert_eq!(cells[(GRID - 1) * GRID + GRID / 2], 0);
        assert_eq!(cells[GRID / 4 * GRID + 1], 1);
        assert_eq!(cells[GRID / 4 * GRID + GRID - 2], 2);
        Ok(())
    }

    #[test]
    fn an_untrained_model_shows_at_least_two_classes() -> Result<()> {
        let dir = scratch("regions-untrained")?;
        let path = dir.join("untrained.png");
        let (x, y) = spiral_data(50, 3, &mut Rng::seed_from_u64(1));
        let mut model =
            Model::builder(2).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).seed(3).build()?;
        plot_decision_regions(&mut model, &x, &y, &path)?;
        let picture = decode(&path)?;
        let regions = (0..3).filter(|&c| picture.count(rgb(palette::light(c))) > 1000).count();
        assert!(regions >= 2, "{regions} classes in the regions");
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn a_single_probability_output_is_two_classes() -> Result<()> {
        let dir = scratch("regions-binary")?;
        let path = dir.join("binary.png");
        let x = Matrix::from_row_slice(4, 2, &[-1.0, 0.0, -0.5, 0.3, 0.5, -0.2, 1.0, 0.1]);
        let mut model = Model::builder(2).dense(1).sigmoid().loss(LossKind::BinaryCrossEntropy).build()?;
        model.visit_params_mut(&mut |p| {
            p.value.fill(0.0);
            if p.name() == "weight" {
                p.value[(0, 0)] = 5.0;
            }
        });
        plot_decision_regions(&mut model, &x, &[0, 0, 1, 1], &path)?;
        let picture = decode(&path)?;
        for class in 0..2 {
            assert!(picture.count(rgb(palette::light(class))) > 50_000, "class {class}");
        }
        let err = plot_decision_regions(&mut model, &x, &[0, 0, 1, 2], &path).unwrap_err();
        assert!(matches!(err, Error::LabelOutOfRange { row: 3, label: 2, classes: 2 }), "{err}");
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn bad_inputs_are_errors_and_write_nothing() -> Result<()> {
        let dir = scratch("regions-errors")?;
        let path = dir.join("bad.png");
        let mut model = sector_model()?;
        let x = Matrix::from_row_slice(2, 2, &[0.0, 1.0, 1.0, 0.0]);

        let mut wide =
            Model::builder(3).dense(3).softmax().loss(LossKind::CategoricalCrossEntropy).build()?;
        let err = plot_decision_regions(&mut wide, &x, &[0, 1], &path).unwrap_err();
        assert_eq!(err.to_string(), "model input width: expected 2, got 3");

        let x3 = Matrix::zeros(2, 3);
        let err = plot_decision_regions(&mut model, &x3, &[0, 1], &path).unwrap_err();
        assert_eq!(err.to_string(), "columns of x: expected 2, got 3");

        let err = plot_decision_regions(&mut model, &x, &[0], &path).unwrap_err();
        assert_eq!(err.to_string(), "labels: expected 2, got 1");

        let err = plot_decision_regions(&mut model, &Matrix::zeros(0, 2), &[], &path).unwrap_err();
        assert!(matches!(err, Error::Empty { what: "x" }), "{err}");

        let mut nan = x.clone();
        nan[(1, 0)] = f32::NAN;
        let err = plot_decision_regions(&mut model, &nan, &[0, 1], &path).unwrap_err();
        assert!(matches!(err, Error::NonFinite { what: "x", row: 1, col: 0, .. }), "{err}");

        let err = plot_decision_regions(&mut model, &x, &[0, 3], &path).unwrap_err();
        assert_eq!(err.to_string(), "label 3 of sample 1 is out of range for 3 classes");

        assert!(!path.exists());
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn equal_points_get_a_unit_margin() {
        assert_eq!(padded_range([0.5f32, 0.5].into_iter()), (-0.5, 1.5));
        let (lo, hi) = padded_range([0.0f32, 2.0].into_iter());
        assert!((lo + 0.2).abs() < 1e-12 && (hi - 2.2).abs() < 1e-12);
    }
}
