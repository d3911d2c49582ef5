//! Reading inputs and labels from CSV or IDX files.

use std::path::Path;

use dendrite_data::{CsvOptions, read_csv, read_idx_images, read_idx_labels};
use dendrite_tensor::Matrix;

use crate::{CliError, CliResult};

/// Whether a file is an IDX file, by its name (`…-ubyte`, `….idx3`, optionally `.gz`).
fn is_idx(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with("ubyte") || name.contains(".idx") || name.ends_with(".idx1") || name.ends_with(".idx3")
}

/// Raw features: CSV rows (a header is detected), or IDX images as rows of pixel values.
pub(crate) fn read_inputs(path: &Path) -> CliResult<Matrix> {
    if is_idx(path) {
        Ok(read_idx_images(path).map_err(CliError::data(path))?.to_matrix())
    } else {
        Ok(read_csv(path, &CsvOptions::default()).map_err(CliError::data(path))?.x)
    }
}

/// Labels as a matrix of values, one row per sample: IDX labels (one class per row) or CSV.
pub(crate) fn read_labels(path: &Path) -> CliResult<Matrix> {
    if is_idx(path) {
        let labels = read_idx_labels(path).map_err(CliError::data(path))?;
        Ok(Matrix::from_iterator(labels.len(), 1, labels.iter().map(|&l| f32::from(l))))
    } else {
        Ok(read_csv(path, &CsvOptions::default()).map_err(CliError::data(path))?.x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_idx_names() {
        assert!(is_idx(Path::new("t10k-images-idx3-ubyte.gz")));
        assert!(is_idx(Path::new("data/train-labels-idx1-ubyte")));
        assert!(!is_idx(Path::new("inputs.csv")));
    }
}
