//! Helpers of the crate's tests: scratch folders and decoded pictures.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::Result;

/// An empty folder of its own for one test.
pub(crate) fn scratch(name: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("dendrite-plot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A decoded 8-bit RGB picture.
pub(crate) struct Picture {
    pub(crate) width: usize,
    pub(crate) height: usize,
    rgb: Vec<u8>,
}

impl Picture {
    /// The colour at column `x`, row `y`.
    pub(crate) fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let k = (y * self.width + x) * 3;
        (self.rgb[k], self.rgb[k + 1], self.rgb[k + 2])
    }

    /// Every pixel's colour.
    pub(crate) fn pixels(&self) -> impl Iterator<Item = (u8, u8, u8)> + '_ {
        self.rgb.chunks_exact(3).map(|p| (p[0], p[1], p[2]))
    }

    /// The number of distinct colours.
    pub(crate) fn distinct_colours(&self) -> usize {
        self.pixels().collect::<HashSet<_>>().len()
    }

    /// The number of pixels of exactly `colour`.
    pub(crate) fn count(&self, colour: (u8, u8, u8)) -> usize {
        self.pixels().filter(|&p| p == colour).count()
    }
}

/// Decodes the PNG file at `path`, which must be 8-bit RGB.
pub(crate) fn decode(path: &Path) -> Result<Picture> {
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut reader = png::Decoder::new(file).read_info().map_err(std::io::Error::other)?;
    let size = reader.output_buffer_size().ok_or_else(|| std::io::Error::other("picture too large"))?;
    let mut rgb = vec![0; size];
    let info = reader.next_frame(&mut rgb).map_err(std::io::Error::other)?;
    assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
    rgb.truncate(info.buffer_size());
    Ok(Picture { width: info.width as usize, height: info.height as usize, rgb })
}
