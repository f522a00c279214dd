//! The one error type of the klaim core.

use std::path::PathBuf;

/// Everything that can go wrong in klaim's core.
///
/// Variants that concern a file carry its path and, where it makes sense, the
/// 1-based line, so that a user can go straight to the bad record.
#[derive(Debug, thiserror::Error)]
pub enum KlaimError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}:{line}: {message}")]
    Data {
        path: PathBuf,
        line: usize,
        message: String,
    },

    #[error("{path}: {message}")]
    Dataset { path: PathBuf, message: String },

    #[error("invalid hyperparameter: {0}")]
    InvalidParams(String),

    #[error("invalid input: {0}")]
    InvalidInput(String),

    #[error("{path}: not a klaim model: {message}")]
    BadModel { path: PathBuf, message: String },

    #[error("training failed: {0}")]
    Training(String),
}

impl KlaimError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        KlaimError::Io { path: path.into(), source }
    }

    pub(crate) fn data(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        KlaimError::Data { path: path.into(), line, message: message.into() }
    }
}

pub type Result<T, E = KlaimError> = std::result::Result<T, E>;
