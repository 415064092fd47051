//! Errors that carry the place where they happened.

use std::path::PathBuf;

/// An error tied to an input or output file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than the configured limit.
    #[error("{path}: file is {size} bytes, over the {limit}-byte limit (raise --max-filesize)")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit in force.
        limit: u64,
    },
    /// Walking a directory failed.
    #[error("{0}")]
    Walk(String),
    /// A record of a JSON Lines file could not be used (the rest of the
    /// file is still read).
    #[error("{path}:{line}: {reason}")]
    Record {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the record.
        line: u64,
        /// Why.
        reason: String,
    },
    /// A known-boilerplate or other auxiliary input could not be used.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// The path this error is about, when there is one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::Io { path, .. }
            | Error::TooLarge { path, .. }
            | Error::Record { path, .. }
            | Error::Invalid { path, .. } => Some(path),
            Error::Walk(_) => None,
        }
    }

    /// The line of a JSON Lines record this error is about.
    pub fn line(&self) -> Option<u64> {
        match self {
            Error::Record { line, .. } => Some(*line),
            _ => None,
        }
    }
}
