//! The command's error type: every failure becomes one line.

use std::path::PathBuf;

/// What can go wrong in a command.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// A model file that cannot be read or used.
    #[error("{path}: {source}")]
    Model {
        path: PathBuf,
        #[source]
        source: dendrite_model::Error,
    },
    /// An input or labels file that cannot be read.
    #[error("{path}: {source}")]
    Data {
        path: PathBuf,
        #[source]
        source: dendrite_data::Error,
    },
    /// Inputs or labels that do not fit the model.
    #[error("{0}")]
    Mismatch(String),
    /// Writing the output failed.
    #[error("{path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) type CliResult<T> = Result<T, CliError>;

impl CliError {
    pub(crate) fn model(path: &std::path::Path) -> impl FnOnce(dendrite_model::Error) -> CliError + '_ {
        move |source| CliError::Model { path: path.to_owned(), source }
    }

    pub(crate) fn data(path: &std::path::Path) -> impl FnOnce(dendrite_data::Error) -> CliError + '_ {
        move |source| CliError::Data { path: path.to_owned(), source }
    }
}
