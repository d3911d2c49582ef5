//! `dendrite predict`: inputs read, predicted and written a chunk of rows at a time, so that
//! memory stays bounded whatever the input's size.

use std::io::{IsTerminal, Write};
use std::path::Path;

use dendrite_model::{AtomicFile, LossKind, Model, Workspace};
use dendrite_tensor::Matrix;

use crate::inputs::InputChunks;
use crate::{CliError, CliResult};

/// Rows per chunk. Memory is this many rows of input, of every layer's activations and of
/// output text, whatever the input's length.
pub(crate) const CHUNK_ROWS: usize = 4096;

/// What each output line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Print {
    /// The class index (values for a regression model).
    Classes,
    /// The class name.
    Names,
    /// The output values (class probabilities).
    Probabilities,
}

/// `dendrite predict`: predictions for every row of `input`, to `output` (replaced atomically
/// when complete) or standard output, with a progress bar on a terminal.
pub(crate) fn predict(model: &Path, input: &Path, output: Option<&Path>, print: Print) -> CliResult<()> {
    let model = Model::load(model).map_err(CliError::model(model))?;
    if print == Print::Names && model.class_names().is_none() {
        return Err(CliError::Mismatch(format!(
            "{}: the model has no class names (--names needs a model built with them)",
            input.display()
        )));
    }
    let mut chunks = InputChunks::open(input)?;
    let bar = progress_bar(chunks.progress_total());
    let written = match output {
        Some(path) => {
            let write_error = |source| CliError::Write { path: path.to_owned(), source };
            let mut file = AtomicFile::create(path).map_err(write_error)?;
            stream(&model, &mut chunks, print, &mut file, input, bar.as_ref())?;
            file.commit().map_err(write_error)
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            stream(&model, &mut chunks, print, &mut out, input, bar.as_ref())?;
            out.flush().map_err(|source| CliError::Write { path: "standard output".into(), source })
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    written
}

/// Every chunk of `chunks` through the model into `out`.
pub(crate) fn stream(
    model: &Model,
    chunks: &mut InputChunks,
    print: Print,
    out: &mut impl Write,
    input: &Path,
    bar: Option<&indicatif::ProgressBar>,
) -> CliResult<()> {
    let (mut workspace, mut outputs, mut classes) = (Workspace::new(), Matrix::zeros(0, 0), Vec::new());
    let mut text = String::new();
    let write_error = |source| CliError::Write { path: "the output".into(), source };
    // Several sigmoid outputs under binary cross-entropy are labels of their own (0 or 1 each),
    // not one class among many.
    let multi_label = model.loss() == LossKind::BinaryCrossEntropy && model.output_width() > 1;
    let classify = print != Print::Probabilities && model.class_count().is_some() && !multi_label;
    let mut first_row = 0;
    while let Some(x) = chunks.next_chunk(CHUNK_ROWS)? {
        text.clear();
        let mismatch = |e: dendrite_model::Error| {
            CliError::Mismatch(format!("{} (the chunk from row {}): {e}", input.display(), first_row + 1))
        };
        if classify {
            model.predict_classes_into(&x, &mut workspace, &mut outputs, &mut classes).map_err(mismatch)?;
            classes_text(&classes, print, model.class_names(), &mut text);
        } else {
            model.predict_into(&x, &mut workspace, &mut outputs).map_err(mismatch)?;
            if multi_label && print != Print::Probabilities {
                outputs.apply(|p| *p = if *p > 0.5 { 1.0 } else { 0.0 });
            }
            rows_text(&outputs, &mut text);
        }
        out.write_all(text.as_bytes()).map_err(write_error)?;
        first_row += x.nrows();
        if let Some(bar) = bar {
            bar.set_position(chunks.progress());
        }
    }
    Ok(())
}

/// One line per row: the class index or its name.
fn classes_text(classes: &[usize], print: Print, names: Option<&[String]>, text: &mut String) {
    use std::fmt::Write as _;
    for &c in classes {
        match (print, names) {
            (Print::Names, Some(names)) => {
                csv_cell(&names[c], text);
                text.push('\n');
            }
            _ => {
                let _ = writeln!(text, "{c}");
            }
        }
    }
}

/// One line per row: comma-separated values.
pub(crate) fn rows_text(m: &Matrix, text: &mut String) {
    use std::fmt::Write as _;
    for row in m.row_iter() {
        for (j, v) in row.iter().enumerate() {
            if j > 0 {
                text.push(',');
            }
            let _ = write!(text, "{v}");
        }
        text.push('\n');
    }
}

/// `cell` as one CSV field: quoted (with quotes doubled) when it holds a comma, a quote or a
/// line break.
fn csv_cell(cell: &str, text: &mut String) {
    if cell.contains([',', '"', '\n', '\r']) {
        text.push('"');
        text.push_str(&cell.replace('"', "\"\""));
        text.push('"');
    } else {
        text.push_str(cell);
    }
}

/// A progress bar of `total` units on standard error, when it is a terminal.
fn progress_bar(total: u64) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} read, {eta} left")
    {
        bar.set_style(style);
    }
    Some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dendrite_model::LossKind;
    use dendrite_tensor::kernels::alloc::peak_during;

    /// A CSV file of `rows` rows of 16 columns.
    fn table(path: &Path, rows: usize) -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(file, "{}", (0..16).map(|j| format!("x{j}")).collect::<Vec<_>>().join(","))?;
        for i in 0..rows {
            let row: Vec<String> =
                (0..16).map(|j| format!("{:.4}", ((i * 16 + j) % 997) as f32 / 97.0)).collect();
            writeln!(file, "{}", row.join(","))?;
        }
        file.flush()
    }

    /// The peak of heap bytes while `path` streams through `model` to nowhere.
    fn peak(model: &Model, path: &Path) -> Result<usize, Box<dyn std::error::Error>> {
        let mut result = Ok(());
        let bytes = peak_during(|| {
            result = InputChunks::open(path).and_then(|mut chunks| {
                stream(model, &mut chunks, Print::Probabilities, &mut std::io::sink(), path, None)
            });
        });
        result?;
        Ok(bytes)
    }

    /// Memory does not grow with the input: ten times the rows, the same peak, which is far
    /// below the file's size. (A 2,000,000-row file peaks where these do.)
    #[test]
    fn memory_stays_bounded_whatever_the_inputs_length() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("dendrite-cli-peak-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let model = Model::builder(16)
            .dense(64)
            .relu()
            .dense(32)
            .relu()
            .dense(4)
            .softmax()
            .loss(LossKind::CategoricalCrossEntropy)
            .build()?;
        let (small, large) = (dir.join("small.csv"), dir.join("large.csv"));
        table(&small, 20_000)?;
        table(&large, 200_000)?;
        let (small_peak, large_peak) = (peak(&model, &small)?, peak(&model, &large)?);
        let file_size = std::fs::metadata(&large)?.len() as usize;
        std::fs::remove_dir_all(&dir)?;
        assert!(large_peak <= small_peak + small_peak / 10, "{large_peak} bytes against {small_peak}");
        assert!(large_peak < 8 << 20, "{large_peak} bytes");
        assert!(large_peak < file_size / 4, "{large_peak} bytes for a file of {file_size}");
        Ok(())
    }

    #[test]
    fn names_are_quoted_only_when_they_must_be() {
        let mut text = String::new();
        for name in ["plain", "a,b", "say \"hi\""] {
            csv_cell(name, &mut text);
            text.push('|');
        }
        assert_eq!(text, "plain|\"a,b\"|\"say \"\"hi\"\"\"|");
    }
}
