//! Errors that carry the place where they happened: the file, and for a
//! JSON Lines record its line.

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
    /// A line of a JSON Lines file could not be used (the rest of the file
    /// is still read).
    #[error("{path}:{line}: {problem}")]
    Record {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// Why.
        problem: RecordProblem,
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

/// Why a line of a JSON Lines file is not a record (see
/// [`crate::input::jsonl`]).
#[derive(Debug, thiserror::Error)]
pub enum RecordProblem {
    /// Reading the file failed at this line.
    #[error("read error: {0}")]
    Read(std::io::Error),
    /// The line is not UTF-8.
    #[error("not valid UTF-8 (first bad byte at offset {offset} of the line)")]
    NotUtf8 {
        /// The byte offset in the line.
        offset: usize,
    },
    /// The line is not JSON.
    #[error("invalid JSON: {message} at column {column}")]
    InvalidJson {
        /// What the parser said.
        message: String,
        /// The 1-based column.
        column: usize,
    },
    /// The line is JSON, but not an object (`not a JSON object (found an
    /// array)`).
    #[error("{0}")]
    NotObject(String),
    /// The object has no text field.
    #[error("no \"{field}\" field")]
    NoText {
        /// The text field's name.
        field: String,
    },
    /// The text field is not a string.
    #[error("\"{field}\" is not a string (found {found})")]
    TextNotString {
        /// The text field's name.
        field: String,
        /// What it is, with its article (`a number`).
        found: &'static str,
    },
    /// The text is longer than the engine can address (`u32::MAX` bytes).
    #[error("\"{field}\" is {bytes} bytes, too long to scan")]
    TooLong {
        /// The text field's name.
        field: String,
        /// The text's length.
        bytes: usize,
    },
}
