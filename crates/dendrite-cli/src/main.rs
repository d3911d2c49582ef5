//! `dendrite`: inspect, predict with, evaluate and export saved Dendrite models.
//!
//! ```text
//! dendrite inspect model.dnd [--json]
//! dendrite predict --model model.dnd --input inputs.csv [--output predictions.txt] [--probabilities | --names]
//! dendrite evaluate --model model.dnd --input t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz [--json]
//! dendrite export --model model.dnd [--safetensors model.safetensors] [--onnx model.onnx]
//! ```
//!
//! Every failure is one line on standard error and a non-zero exit status (2 for bad usage, 1
//! for anything else); never a panic message.

mod commands;
mod error;
mod inputs;
mod predict;

// Unit tests measure the heap: `predict` streams in bounded memory.
#[cfg(test)]
#[global_allocator]
static GLOBAL: dendrite_tensor::kernels::alloc::Counting = dendrite_tensor::kernels::alloc::Counting;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub(crate) use error::{CliError, CliResult};

/// Inspect, predict with, evaluate and export saved Dendrite models.
#[derive(Parser, Debug)]
#[command(name = "dendrite", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Layers, shapes, parameter count, format version and checksum state of a model file.
    Inspect {
        /// The model file.
        model: std::path::PathBuf,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// One prediction per input row: the class index (or name), or the values for regression.
    /// The input is read, predicted and written 4,096 rows at a time, so memory stays bounded
    /// whatever its size.
    Predict {
        /// The model file.
        #[arg(long)]
        model: std::path::PathBuf,
        /// CSV rows of raw features, or IDX images (`.idx3-ubyte`, optionally `.gz`).
        #[arg(long)]
        input: std::path::PathBuf,
        /// Write the predictions here instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        /// Print the output values (class probabilities) instead of class indices.
        #[arg(long, conflicts_with = "names")]
        probabilities: bool,
        /// Print the class names the model carries instead of class indices.
        #[arg(long)]
        names: bool,
    },
    /// Loss and accuracy on labelled data.
    Evaluate {
        /// The model file.
        #[arg(long)]
        model: std::path::PathBuf,
        /// CSV rows of raw features, or IDX images.
        #[arg(long)]
        input: std::path::PathBuf,
        /// The labels: an IDX labels file, or CSV with one row per input row.
        #[arg(long)]
        labels: std::path::PathBuf,
        /// One JSON object `{"samples": N, "loss": L, "accuracy": A}`.
        #[arg(long)]
        json: bool,
    },
    /// Write the weights as safetensors in PyTorch's naming and layout, the whole model as ONNX,
    /// or both.
    #[command(group(clap::ArgGroup::new("format").required(true).multiple(true).args(["safetensors", "onnx"])))]
    Export {
        /// The model file.
        #[arg(long)]
        model: std::path::PathBuf,
        /// The safetensors file to write.
        #[arg(long)]
        safetensors: Option<std::path::PathBuf>,
        /// The ONNX file to write (opset 17): input `input` of raw features, outputs `output`
        /// and, for a classifier, `classes`.
        #[arg(long)]
        onnx: Option<std::path::PathBuf>,
    },
}

/// A usage error as one line: its text up to the first blank line (before clap's usage and
/// help hints), joined, without the `error:` prefix.
fn one_line(rendered: &str) -> String {
    let text: Vec<&str> = rendered.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
    let joined = text.join(" ");
    joined.strip_prefix("error: ").unwrap_or(&joined).to_owned()
}

fn run(cli: Cli) -> CliResult<()> {
    match cli.command {
        Command::Inspect { model, json } => commands::inspect(&model, json),
        Command::Predict { model, input, output, probabilities, names } => {
            let print = match (probabilities, names) {
                (true, _) => predict::Print::Probabilities,
                (_, true) => predict::Print::Names,
                _ => predict::Print::Classes,
            };
            predict::predict(&model, &input, output.as_deref(), print)
        }
        Command::Evaluate { model, input, labels, json } => commands::evaluate(&model, &input, &labels, json),
        Command::Export { model, safetensors, onnx } => {
            commands::export(&model, safetensors.as_deref(), onnx.as_deref())
        }
    }
}

fn main() -> ExitCode {
    // A bug must still end in one line, not a panic report.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".to_owned());
        eprintln!("dendrite: internal error: {message}");
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("dendrite: {}", one_line(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dendrite: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ dendrite …` line of the crate's README (its examples) is a command line the
    /// parser takes, and every subcommand of the parser appears there.
    #[test]
    fn the_readmes_examples_are_valid_command_lines() {
        let readme = include_str!("../README.md");
        let mut seen = Vec::new();
        for line in readme.lines().filter_map(|l| l.strip_prefix("$ dendrite ")) {
            // Up to a shell redirection.
            let args: Vec<&str> = line.split_whitespace().take_while(|a| !a.starts_with('>')).collect();
            let parsed = Cli::try_parse_from(std::iter::once("dendrite").chain(args.iter().copied()));
            assert!(parsed.is_ok(), "`dendrite {line}`: {:?}", parsed.err().map(|e| e.to_string()));
            seen.push(args[0].to_owned());
        }
        for command in ["inspect", "predict", "evaluate", "export"] {
            assert!(seen.iter().any(|s| s == command), "the README shows no `dendrite {command}`");
        }
    }
}
