//! The plot crate's error type.

/// What can go wrong when drawing a plot.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Nothing to draw: an empty history, no samples, no images.
    #[error("nothing to plot: {what} is empty")]
    Empty {
        /// What was empty (`the history`, `x`, `images`).
        what: &'static str,
    },
    /// A size that does not fit another one: a column count, a number of labels.
    #[error("{what}: expected {expected}, got {got}")]
    SizeMismatch {
        /// What was counted (`columns of x`, `labels`, `model input width`).
        what: &'static str,
        /// The size it has to be.
        expected: usize,
        /// The size it is.
        got: usize,
    },
    /// A setting that cannot work, such as zero columns of images.
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// A NaN or an infinity where a finite number is needed.
    #[error("{what} at row {row}, column {col} is {value}")]
    NonFinite {
        /// The matrix (`x`, `images`).
        what: &'static str,
        /// The row of the value.
        row: usize,
        /// The column of the value.
        col: usize,
        /// The value.
        value: f32,
    },
    /// A class label the model cannot predict.
    #[error("label {label} of sample {row} is out of range for {classes} classes")]
    LabelOutOfRange {
        /// The sample.
        row: usize,
        /// Its label.
        label: usize,
        /// The number of classes the model predicts.
        classes: usize,
    },
    /// A picture too large to allocate sensibly.
    #[error("the picture would be {width}x{height} pixels, more than {max} on a side")]
    TooLarge {
        /// Its width in pixels.
        width: usize,
        /// Its height in pixels.
        height: usize,
        /// The largest side allowed.
        max: usize,
    },
    /// The embedded font could not be registered with the text renderer.
    #[error("the embedded font could not be loaded")]
    Font,
    /// Drawing failed (an error of the plotting library).
    #[error("drawing failed: {0}")]
    Drawing(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// PNG encoding failed.
    #[error("png encoding failed: {0}")]
    Png(#[from] png::EncodingError),
    /// Writing the file failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The model failed to predict.
    #[error(transparent)]
    Model(#[from] dendrite_model::Error),
}

impl<E> From<plotters::drawing::DrawingAreaErrorKind<E>> for Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        Self::Drawing(Box::new(e))
    }
}

/// Result with the plot crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase_without_a_period() {
        let errors = [
            Error::Empty { what: "the history" },
            Error::SizeMismatch { what: "labels", expected: 3, got: 2 },
            Error::NonFinite { what: "x", row: 1, col: 0, value: f32::NAN },
            Error::LabelOutOfRange { row: 4, label: 5, classes: 3 },
            Error::TooLarge { width: 20_000, height: 10, max: 16_384 },
            Error::Font,
        ];
        for e in errors {
            let m = e.to_string();
            assert!(m.starts_with(|c: char| c.is_lowercase()), "{m}");
            assert!(!m.ends_with('.'), "{m}");
        }
        assert_eq!(
            Error::SizeMismatch { what: "labels", expected: 3, got: 2 }.to_string(),
            "labels: expected 3, got 2"
        );
    }
}
