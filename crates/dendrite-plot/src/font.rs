//! The embedded font, registered with plotters' text renderer.
//!
//! Plotters draws text with `ab_glyph` here (its default `ttf` feature would need fontconfig and
//! freetype on the machine), and `ab_glyph` only knows the fonts registered at run time. This
//! registers DejaVu Sans, embedded in the crate (see `assets/README.md`), under plotters'
//! `sans-serif` family, once per process.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

use crate::{Error, Result};

/// DejaVu Sans 2.37 (Bitstream Vera license, `assets/DejaVuSans-LICENSE.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The font family every plot uses: plotters' own default family, so that the texts plotters
/// draws with its default style find the font too.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers the embedded font for [`FAMILY`], the first time it is called.
///
/// Other styles (bold, italic) fall back to the registered normal style.
///
/// # Errors
/// [`Error::Font`] when the embedded bytes are not a font `ab_glyph` can read.
pub(crate) fn ensure_registered() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok { Ok(()) } else { Err(Error::Font) }
}

#[cfg(test)]
mod tests {
    use plotters::style::{FontDesc, IntoFont};

    use super::*;

    #[test]
    fn the_embedded_font_registers_and_measures_text() -> Result<()> {
        ensure_registered()?;
        ensure_registered()?;
        let font: FontDesc<'_> = (FAMILY, 20.0).into_font();
        let (w, h) = font.box_size("epoch").map_err(|e| Error::Drawing(Box::new(e)))?;
        assert!(w > 30 && h > 10, "{w}x{h}");
        // A wider text is wider: the glyphs come from a real font, not a fallback box.
        let (wide, _) = font.box_size("learning rate").map_err(|e| Error::Drawing(Box::new(e)))?;
        assert!(wide > w);
        Ok(())
    }
}
