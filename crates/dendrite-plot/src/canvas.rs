//! Rendering into memory and writing the PNG atomically.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, IntoDrawingArea, WHITE};

use crate::{Error, Result, font};

/// The largest width or height of a picture, in pixels.
pub(crate) const MAX_SIDE: usize = 16_384;

/// The drawing area of a picture being rendered, in pixel coordinates.
pub(crate) type Canvas<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Renders a `width × height` picture on a white background with `draw`, encodes it as PNG
/// and writes it to `path` atomically: a failure at any point leaves an existing file at
/// `path` as it was.
///
/// # Errors
/// [`Error::TooLarge`] for a side over [`MAX_SIDE`] (or zero); what `draw` returns;
/// [`Error::Png`] and [`Error::Io`] when encoding or writing fails.
pub(crate) fn render_png(
    width: usize,
    height: usize,
    path: &Path,
    draw: impl FnOnce(&Canvas<'_>) -> Result<()>,
) -> Result<()> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(Error::TooLarge { width, height, max: MAX_SIDE });
    }
    font::ensure_registered()?;
    // Both sides are at most MAX_SIDE, so they fit in u32 and the buffer size in usize.
    let (w, h) = (width as u32, height as u32);
    let mut rgb = vec![255u8; width * height * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    let png = encode_png(&rgb, w, h)?;
    dendrite_model::write_atomic(path, &png)?;
    Ok(())
}

/// Encodes 8-bit RGB pixels, row by row, as a PNG file's bytes.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use plotters::prelude::*;

    use super::*;
    use crate::testing::{decode, scratch};

    #[test]
    fn renders_a_png_of_the_requested_size() -> Result<()> {
        let dir = scratch("canvas-size")?;
        let path = dir.join("square.png");
        render_png(40, 30, &path, |root| {
            root.draw(&Rectangle::new([(5, 5), (14, 9)], RED.filled()))?;
            Ok(())
        })?;
        let picture = decode(&path)?;
        assert_eq!((picture.width, picture.height), (40, 30));
        assert_eq!(picture.pixel(0, 0), (255, 255, 255));
        assert_eq!(picture.pixel(10, 7), (255, 0, 0));
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn a_failed_drawing_keeps_the_old_file() -> Result<()> {
        let dir = scratch("canvas-keep")?;
        let path = dir.join("plot.png");
        std::fs::write(&path, b"the old picture")?;
        let err = render_png(40, 30, &path, |_| Err(Error::InvalidSetting("stop".to_owned()))).unwrap_err();
        assert_eq!(err.to_string(), "invalid setting: stop");
        assert_eq!(std::fs::read(&path)?, b"the old picture");
        assert_eq!(std::fs::read_dir(&dir)?.count(), 1, "no temporary file is left");
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }

    #[test]
    fn absurd_sizes_and_missing_folders_are_errors() -> Result<()> {
        let dir = scratch("canvas-errors")?;
        let path = dir.join("p.png");
        let err = render_png(MAX_SIDE + 1, 10, &path, |_| Ok(())).unwrap_err();
        assert!(matches!(err, Error::TooLarge { width, .. } if width == MAX_SIDE + 1), "{err}");
        assert!(matches!(render_png(0, 10, &path, |_| Ok(())), Err(Error::TooLarge { .. })));
        let missing = dir.join("no/such/folder/p.png");
        assert!(matches!(render_png(10, 10, &missing, |_| Ok(())), Err(Error::Io(_))));
        std::fs::remove_dir_all(dir)?;
        Ok(())
    }
}
