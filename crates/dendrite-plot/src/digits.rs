//! A grid of grey-scale images captioned with their predicted and true classes.

use std::path::Path;

use dendrite_tensor::Matrix;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::canvas::{Canvas, MAX_SIDE, render_png};
use crate::{Error, Result, font::FAMILY, palette};

/// An image is enlarged by a whole factor to about this many pixels on its longer side.
const TILE: usize = 112;
/// The least width of a cell, so that its caption fits.
const MIN_CELL_WIDTH: usize = 100;
/// Space around each image, in pixels.
const PAD: usize = 8;
/// Height of a caption line.
const CAPTION: usize = 26;
/// Height of the title band.
const TITLE: usize = 48;
/// Margin of the picture.
const MARGIN: usize = 12;
/// The least width of the picture, so that its title fits.
const MIN_WIDTH: usize = 480;

/// The pixel layout of a grid.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Layout {
    scale: usize,
    columns: usize,
    rows: usize,
    cell_width: usize,
    cell_height: usize,
    width: usize,
    height: usize,
    /// Left edge of the grid (it is centred in a picture widened for the title).
    left: usize,
}

impl Layout {
    fn new(count: usize, image_rows: usize, image_cols: usize, columns: usize) -> Result<Self> {
        let scale = (TILE / image_rows.max(image_cols)).max(1);
        let columns = columns.min(count);
        let rows = count.div_ceil(columns);
        let big = |what: Option<usize>| what.filter(|&v| v <= MAX_SIDE).unwrap_or(MAX_SIDE + 1);
        let cell_width = big(image_cols.checked_mul(scale)).max(MIN_CELL_WIDTH) + 2 * PAD;
        let cell_height = big(image_rows.checked_mul(scale)) + CAPTION + 2 * PAD;
        let grid_width = big(columns.checked_mul(cell_width));
        let width = (grid_width + 2 * MARGIN).max(MIN_WIDTH);
        let height = big(rows.checked_mul(cell_height)).saturating_add(TITLE + MARGIN);
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(Error::TooLarge { width, height, max: MAX_SIDE });
        }
        let left = (width - grid_width) / 2;
        Ok(Self { scale, columns, rows, cell_width, cell_height, width, height, left })
    }

    /// The top-left pixel of cell `k`.
    fn cell(&self, k: usize) -> (usize, usize) {
        (self.left + (k % self.columns) * self.cell_width, TITLE + (k / self.columns) * self.cell_height)
    }
}

/// Draws `images` as a grid of grey-scale pictures, `columns` to a row, into one PNG file at
/// `path`, each captioned `p:7 t:7` with its predicted and true class: black when they agree,
/// red (and framed in red) when the prediction is wrong. A title counts the wrong predictions.
///
/// Each row of `images` is one image of `image_rows × image_cols` raw pixel values, row-major
/// (MNIST's layout): 0 is black, 255 white, values outside `0..=255` are clamped. Small images
/// are enlarged by a whole factor to about 112 pixels a side (28×28 digits by 4).
///
/// The file is replaced atomically: if anything fails, an existing file at `path` is left as
/// it was.
///
/// # Errors
/// - [`Error::InvalidSetting`] for zero image rows, image columns or grid columns;
/// - [`Error::Empty`] when `images` has no rows;
/// - [`Error::SizeMismatch`] when a row of `images` does not hold `image_rows · image_cols`
///   pixels, or `predicted` or `truth` has not one class per image;
/// - [`Error::NonFinite`] for a NaN or infinite pixel;
/// - [`Error::TooLarge`] when the picture would be over 16,384 pixels on a side;
/// - [`Error::Io`] when the file cannot be written.
///
/// # Example
/// ```
/// use dendrite_plot::plot_digit_grid;
/// use dendrite_tensor::Matrix;
/// # fn main() -> dendrite_plot::Result<()> {
/// // Two 4×4 "images": a bright square and its negative.
/// let square = [0., 0., 0., 0., 0., 255., 255., 0., 0., 255., 255., 0., 0., 0., 0., 0.];
/// let negative = square.map(|v| 255.0 - v);
/// let images = Matrix::from_row_slice(2, 16, &[square, negative].concat());
/// let path = std::env::temp_dir().join("dendrite-plot-doc-digits.png");
/// plot_digit_grid(&images, 4, 4, &[1, 0], &[1, 1], 2, &path)?;
/// assert!(std::fs::metadata(&path)?.len() > 0);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn plot_digit_grid(
    images: &Matrix,
    image_rows: usize,
    image_cols: usize,
    predicted: &[usize],
    truth: &[usize],
    columns: usize,
    path: impl AsRef<Path>,
) -> Result<()> {
    if image_rows == 0 || image_cols == 0 {
        return Err(Error::InvalidSetting(format!("images of {image_rows}x{image_cols} pixels")));
    }
    if columns == 0 {
        return Err(Error::InvalidSetting("a grid of 0 columns".to_owned()));
    }
    let count = images.nrows();
    if count == 0 {
        return Err(Error::Empty { what: "images" });
    }
    let pixels = image_rows
        .checked_mul(image_cols)
        .ok_or_else(|| Error::InvalidSetting(format!("images of {image_rows}x{image_cols} pixels")))?;
    if images.ncols() != pixels {
        return Err(Error::SizeMismatch { what: "pixels per image", expected: pixels, got: images.ncols() });
    }
    if predicted.len() != count {
        return Err(Error::SizeMismatch { what: "predicted classes", expected: count, got: predicted.len() });
    }
    if truth.len() != count {
        return Err(Error::SizeMismatch { what: "true classes", expected: count, got: truth.len() });
    }
    if let Some(k) = images.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { what: "images", row: k % count, col: k / count, value: images[k] });
    }
    let layout = Layout::new(count, image_rows, image_cols, columns)?;
    let wrong = predicted.iter().zip(truth).filter(|(p, t)| p != t).count();

    render_png(layout.width, layout.height, path.as_ref(), |root| {
        let title = format!("predicted (p) and true (t) classes: {wrong} of {count} wrong");
        let centre = (layout.width / 2) as i32;
        root.draw(&Text::new(title, (centre, (TITLE / 2) as i32), title_style()))?;
        for (k, (&p, &t)) in predicted.iter().zip(truth).enumerate() {
            draw_cell(root, &layout, images, (image_rows, image_cols), k, p, t)?;
        }
        Ok(())
    })
}

/// The title's text style, centred on its anchor.
fn title_style() -> TextStyle<'static> {
    (FAMILY, 22).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Center))
}

/// Draws image `k` (its pixels, its caption and, when `p ≠ t`, a red frame) in its cell.
fn draw_cell(
    root: &Canvas<'_>,
    layout: &Layout,
    images: &Matrix,
    (image_rows, image_cols): (usize, usize),
    k: usize,
    p: usize,
    t: usize,
) -> Result<()> {
    let (cell_x, cell_y) = layout.cell(k);
    let tile_width = image_cols * layout.scale;
    let tile_height = image_rows * layout.scale;
    // The image is centred in its cell, which may be wider for the caption's sake.
    let x0 = cell_x + (layout.cell_width - tile_width) / 2;
    let y0 = cell_y + PAD;
    for r in 0..image_rows {
        for c in 0..image_cols {
            let v = images[(k, r * image_cols + c)].clamp(0.0, 255.0).round() as u8;
            let grey = RGBColor(v, v, v);
            let (px, py) = (x0 + c * layout.scale, y0 + r * layout.scale);
            for dy in 0..layout.scale {
                for dx in 0..layout.scale {
                    root.draw_pixel(((px + dx) as i32, (py + dy) as i32), &grey)?;
                }
            }
        }
    }
    let colour = if p == t { BLACK } else { palette::WRONG };
    if p != t {
        let (l, top) = (x0 as i32 - 3, y0 as i32 - 3);
        let (r, bottom) = ((x0 + tile_width) as i32 + 2, (y0 + tile_height) as i32 + 2);
        root.draw(&Rectangle::new([(l, top), (r, bottom)], colour.stroke_width(2)))?;
    }
    let caption_at =
        ((cell_x + layout.cell_width / 2) as i32, (y0 + tile_height + PAD / 2 + CAPTION / 2) as i32);
    let style = (FAMILY, 18).into_font().color(&colour).pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(format!("p:{p} t:{t}"), caption_at, style))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode, scratch};

    /// `n` 28×28 images: a bar whose position depends on the image, on a black background.
    fn bars(n: usize) -> Matrix {
        Matrix::from_fn(n, 28 * 28, |k, p| {
            let (r, c) = (p / 28, p % 28);
            if (4..24).contains(&r) && c.abs_diff(6 + k % 16) < 3 { 255.0 } else { 0.0 }
        })
    }

    #[test]
    fn draws_a_grid_with_red_captions_for_wrong_predictions() -> Result<()> {
        let dir = scratch("digits")?;
        let path = dir.join("digits.png");
        let images = bars(10);
        let truth: Vec<usize> = (0..10).collect();
        let mut predicted = truth.clone();
        predicted[3] = 8;
        predicted[7] = 1;
        plot_digit_grid(&images, 28, 28, &predicted, &truth, 4, &path)?;
        let picture = decode(&path)?;
        let layout = Layout::new(10, 28, 28, 4)?;
        assert_eq!(layout.scale, 4);
        assert_eq!((layout.columns, layout.rows), (4, 3));
        assert_eq!((picture.width, picture.height), (layout.width, layout.height));
        assert!(picture.distinct_colours() >= 10, "{} colours", picture.distinct_colours());
        // Every image's black background and white bar: 10 images of 28×28 pixels, 4×4 each.
        assert!(picture.count((0, 0, 0)) > 10 * 16 * 28 * 20, "black pixels");
        assert!(picture.count((255, 255, 255)) > 10 * 16 * 20 * 5);
        let RGBColor(r, g, b) = palette::WRONG;
        assert!(picture.count((r, g, b)) > 2 * 4 * 112, "two red frames and captions");
        // The first image's bar, at columns 4..=8 of rows 4..24, in its cell.
        let (cx, cy) = layout.cell(0);
        let x0 = cx + (layout.cell_width - 112) / 2;
        assert_eq!(picture.pixel(x0 + 6 * 4 + 1, cy + PAD + 10 * 4), (255, 255, 255));
        assert_eq!(picture.pixel(x0 + 20 * 4, cy + PAD + 10 * 4), (0, 0, 0));
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn pixels_are_clamped_and_odd_shapes_draw() -> Result<()> {
        let dir = scratch("digits-odd")?;
        let path = dir.join("odd.png");
        let images = Matrix::from_row_slice(1, 6, &[-50.0, 0.0, 100.0, 255.0, 300.0, 128.0]);
        plot_digit_grid(&images, 2, 3, &[0], &[0], 5, &path)?;
        let picture = decode(&path)?;
        let layout = Layout::new(1, 2, 3, 5)?;
        assert_eq!(layout.columns, 1);
        assert_eq!(layout.width, MIN_WIDTH);
        assert_eq!((picture.width, picture.height), (layout.width, layout.height));
        assert!(picture.count((100, 100, 100)) > 0);
        assert!(picture.count((128, 128, 128)) > 0);
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn size_mismatches_and_bad_settings_are_errors() -> Result<()> {
        let dir = scratch("digits-errors")?;
        let path = dir.join("bad.png");
        let images = bars(3);
        let ok = [0, 1, 2];
        let msg = |r: Result<()>| r.unwrap_err().to_string();
        assert_eq!(
            msg(plot_digit_grid(&images, 28, 27, &ok, &ok, 2, &path)),
            "pixels per image: expected 756, got 784"
        );
        assert_eq!(
            msg(plot_digit_grid(&images, 28, 28, &[0, 1], &ok, 2, &path)),
            "predicted classes: expected 3, got 2"
        );
        assert_eq!(
            msg(plot_digit_grid(&images, 28, 28, &ok, &[0], 2, &path)),
            "true classes: expected 3, got 1"
        );
        assert_eq!(
            msg(plot_digit_grid(&images, 28, 28, &ok, &ok, 0, &path)),
            "invalid setting: a grid of 0 columns"
        );
        assert!(matches!(plot_digit_grid(&images, 0, 28, &ok, &ok, 2, &path), Err(Error::InvalidSetting(_))));
        let none = Matrix::zeros(0, 784);
        assert!(matches!(
            plot_digit_grid(&none, 28, 28, &[], &[], 2, &path),
            Err(Error::Empty { what: "images" })
        ));
        let mut nan = images.clone();
        nan[(2, 5)] = f32::NAN;
        assert!(matches!(
            plot_digit_grid(&nan, 28, 28, &ok, &ok, 2, &path),
            Err(Error::NonFinite { what: "images", row: 2, col: 5, .. })
        ));
        // 1,000 images in one row would be 128,000 pixels wide.
        let many = Matrix::zeros(1000, 4);
        let classes = vec![0; 1000];
        let err = plot_digit_grid(&many, 2, 2, &classes, &classes, 1000, &path).unwrap_err();
        assert!(matches!(err, Error::TooLarge { .. }), "{err}");
        // Overflowing image sizes are errors too, not panics.
        let huge = plot_digit_grid(&images, usize::MAX, 2, &ok, &ok, 2, &path).unwrap_err();
        assert!(matches!(huge, Error::InvalidSetting(_)), "{huge}");
        assert!(!path.exists());
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }
}
