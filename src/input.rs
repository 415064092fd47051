//! Finding and reading the documents.
//!
//! Directories are walked with the `ignore` crate: `.gitignore`, `.ignore`
//! and hidden files are honoured as ripgrep does (hidden files and
//! directories are skipped unless asked for), and `--glob` patterns include
//! or (with a leading `!`) exclude. Files named explicitly are always read.
//! Every file read is checked: too large, not UTF-8 or unreadable is an
//! error naming the file; binary (a NUL byte) or empty is skipped with a
//! note. Either way the run goes on with the rest.

use crate::error::Error;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// A document: where it came from and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The path as the user named it, joined with the walked relative path.
    pub path: String,
    /// The full text; every span is a byte range into it.
    pub text: String,
}

/// How to find the documents.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Read hidden files and directories too.
    pub hidden: bool,
    /// Do not honour `.gitignore` / `.ignore` files.
    pub no_ignore: bool,
    /// Include globs, and exclude globs with a leading `!`.
    pub globs: Vec<String>,
    /// Files larger than this many bytes are refused.
    pub max_filesize: u64,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            hidden: false,
            no_ignore: false,
            globs: Vec::new(),
            max_filesize: 256 << 20,
        }
    }
}

/// A file passed over without error, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: String,
    /// Why it was not read as a document.
    pub reason: String,
}

/// The documents read, in path order, and what went wrong on the way.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Documents, sorted by path, each path once.
    pub docs: Vec<Document>,
    /// Files that could not be used (the run still goes on).
    pub errors: Vec<Error>,
    /// Files passed over (binary, empty).
    pub skipped: Vec<Skipped>,
    /// JSON Lines records whose id an earlier record has (a warning: both
    /// are scanned).
    pub duplicate_ids: Vec<crate::jsonl::DuplicateId>,
}

/// Walks `roots` and reads every file found.
///
/// Fails only when a glob is invalid; problems with single files end up in
/// [`Inputs::errors`] and [`Inputs::skipped`].
pub fn read_inputs(roots: &[PathBuf], opts: &WalkOptions) -> Result<Inputs, Error> {
    let mut errors = Vec::new();
    let files = find_files(roots, opts, &mut errors)?;
    let results: Vec<Result<Option<Document>, Fault>> = files
        .par_iter()
        .map(|p| read_document(p, opts.max_filesize))
        .collect();
    let mut inputs = Inputs {
        errors,
        ..Inputs::default()
    };
    for (r, path) in results.into_iter().zip(&files) {
        match r {
            Ok(Some(doc)) => inputs.docs.push(doc),
            Ok(None) => {}
            Err(Fault::Error(e)) => inputs.errors.push(e),
            Err(Fault::Skip(reason)) => inputs.skipped.push(Skipped {
                path: display(path),
                reason,
            }),
        }
    }
    inputs.docs.sort_by(|a, b| a.path.cmp(&b.path));
    inputs.docs.dedup_by(|a, b| a.path == b.path);
    Ok(inputs)
}

/// Walks `roots` and reads every file found as JSON Lines: one document per
/// record, named `file:line`, in file then line order. A malformed line is
/// an error naming the file and line; the rest is still read.
pub fn read_jsonl_inputs(
    roots: &[PathBuf],
    opts: &WalkOptions,
    text_field: &str,
    id_field: &str,
) -> Result<Inputs, Error> {
    let mut errors = Vec::new();
    let files = find_files(roots, opts, &mut errors)?;
    let per_file: Vec<_> = files
        .par_iter()
        .map(|p| crate::jsonl::read_jsonl(p, text_field, id_field))
        .collect();
    let mut inputs = Inputs {
        errors,
        ..Inputs::default()
    };
    let names: Vec<String> = files.iter().map(|p| display(p)).collect();
    inputs.duplicate_ids = crate::jsonl::duplicate_ids(
        names
            .iter()
            .zip(&per_file)
            .map(|(n, (records, _))| (n.as_str(), records.as_slice())),
    );
    for ((records, bad), name) in per_file.into_iter().zip(names) {
        inputs
            .docs
            .extend(records.into_iter().map(|r| r.into_document(&name)));
        inputs.errors.extend(bad.into_iter().map(|e| {
            if e.line == 0 {
                Error::Invalid {
                    path: PathBuf::from(e.path),
                    reason: e.reason,
                }
            } else {
                Error::Record {
                    path: PathBuf::from(e.path),
                    line: e.line,
                    reason: e.reason,
                }
            }
        }));
    }
    Ok(inputs)
}

/// The files under `roots`, in a deterministic order.
pub fn find_files(
    roots: &[PathBuf],
    opts: &WalkOptions,
    errors: &mut Vec<Error>,
) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for root in roots {
        match std::fs::metadata(root) {
            Err(source) => {
                errors.push(Error::Io {
                    path: root.clone(),
                    source,
                });
                continue;
            }
            Ok(m) if !m.is_dir() => {
                files.push(root.clone());
                continue;
            }
            Ok(_) => {}
        }
        let mut ov = ignore::overrides::OverrideBuilder::new(root);
        for g in &opts.globs {
            ov.add(g)
                .map_err(|e| Error::Walk(format!("invalid glob {g:?}: {e}")))?;
        }
        let overrides = ov
            .build()
            .map_err(|e| Error::Walk(format!("invalid globs: {e}")))?;
        let walk = ignore::WalkBuilder::new(root)
            .hidden(!opts.hidden)
            .git_ignore(!opts.no_ignore)
            .git_global(!opts.no_ignore)
            .git_exclude(!opts.no_ignore)
            .ignore(!opts.no_ignore)
            .parents(!opts.no_ignore)
            .require_git(false)
            .overrides(overrides)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walk {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => files.push(e.into_path()),
                Ok(_) => {}
                Err(e) => errors.push(walk_error(e)),
            }
        }
    }
    Ok(files)
}

/// Why a file is not a document.
#[derive(Debug)]
pub enum Fault {
    /// It could not be used: an error naming the file.
    Error(Error),
    /// It was passed over (binary, empty), with the reason.
    Skip(String),
}

/// Reads one file as a document, with the checks [`read_inputs`] applies.
pub fn read_document(path: &Path, max_filesize: u64) -> Result<Option<Document>, Fault> {
    let io = |source| {
        Fault::Error(Error::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > max_filesize {
        return Err(Fault::Error(Error::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: max_filesize,
        }));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    if bytes.len() as u64 > max_filesize || bytes.len() > u32::MAX as usize {
        let size = bytes.len() as u64;
        return Err(Fault::Error(Error::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: max_filesize,
        }));
    }
    let text = check_text(path, bytes)?;
    Ok(Some(Document {
        path: display(path),
        text,
    }))
}

/// Turns file bytes into text, or says why they are not a document.
fn check_text(path: &Path, bytes: Vec<u8>) -> Result<String, Fault> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Fault::Skip("empty".into()));
    }
    if let Some(i) = memchr::memchr(0, &bytes[..bytes.len().min(64 << 10)]) {
        return Err(Fault::Skip(format!("binary (NUL byte at offset {i})")));
    }
    String::from_utf8(bytes).map_err(|e| {
        Fault::Error(Error::NotUtf8 {
            path: path.to_path_buf(),
            offset: e.utf8_error().valid_up_to(),
        })
    })
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn walk_error(e: ignore::Error) -> Error {
    fn find(e: &ignore::Error) -> (Option<PathBuf>, Option<std::io::ErrorKind>) {
        match e {
            ignore::Error::WithPath { path, err } => (Some(path.clone()), find(err).1),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                find(err)
            }
            ignore::Error::Io(io) => (None, Some(io.kind())),
            _ => (None, None),
        }
    }
    match find(&e) {
        (Some(path), Some(kind)) => Error::Io {
            path,
            source: std::io::Error::new(kind, e.to_string()),
        },
        _ => Error::Walk(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn walks_skips_and_reports() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("b.txt"), "hello world").unwrap();
        fs::write(d.join("a.txt"), "first doc").unwrap();
        fs::write(d.join("empty.txt"), "  \n").unwrap();
        fs::write(d.join("bin.dat"), b"abc\0def").unwrap();
        fs::write(d.join("latin1.txt"), b"caf\xe9").unwrap();
        fs::write(d.join(".hidden.txt"), "secret").unwrap();
        fs::create_dir(d.join("sub")).unwrap();
        fs::write(d.join("sub/c.md"), "third").unwrap();
        fs::write(d.join(".gitignore"), "ignored.txt\n").unwrap();
        fs::write(d.join("ignored.txt"), "nope").unwrap();

        let inputs = read_inputs(&[d.to_path_buf()], &WalkOptions::default()).unwrap();
        let names: Vec<String> = inputs
            .docs
            .iter()
            .map(|x| {
                x.path
                    .strip_prefix(&*d.to_string_lossy())
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["/a.txt", "/b.txt", "/sub/c.md"]);
        assert_eq!(inputs.errors.len(), 1);
        assert!(inputs.errors[0].to_string().contains("latin1.txt"));
        assert!(inputs.errors[0].to_string().contains("offset 3"));
        let mut skipped: Vec<&str> = inputs.skipped.iter().map(|s| s.reason.as_str()).collect();
        skipped.sort();
        assert_eq!(skipped, ["binary (NUL byte at offset 3)", "empty"]);

        let opts = WalkOptions {
            hidden: true,
            globs: vec!["*.txt".into(), "!b*".into()],
            ..Default::default()
        };
        let inputs = read_inputs(&[d.to_path_buf()], &opts).unwrap();
        let names: Vec<&str> = inputs
            .docs
            .iter()
            .map(|x| x.path.rsplit('/').next().unwrap())
            .collect();
        // As in ripgrep, an including glob takes precedence over .gitignore.
        assert_eq!(names, [".hidden.txt", "a.txt", "ignored.txt"]);
    }

    #[test]
    fn missing_and_too_large_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.txt");
        fs::write(&big, "word ".repeat(100)).unwrap();
        let opts = WalkOptions {
            max_filesize: 100,
            ..Default::default()
        };
        let inputs = read_inputs(&[big, dir.path().join("missing")], &opts).unwrap();
        assert!(inputs.docs.is_empty());
        let msgs: Vec<String> = inputs.errors.iter().map(|e| e.to_string()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("big.txt") && m.contains("over the 100-byte limit")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("missing")), "{msgs:?}");
    }

    #[test]
    fn jsonl_records_are_documents_and_bad_lines_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("part.jsonl");
        let lines: Vec<String> = (1..=11)
            .map(|i| {
                if i == 3 {
                    "{broken".to_string()
                } else {
                    format!(r#"{{"id": {i}, "text": "record {i}"}}"#)
                }
            })
            .collect();
        fs::write(&f, lines.join("\n")).unwrap();
        let inputs = read_jsonl_inputs(&[f], &WalkOptions::default(), "text", "id").unwrap();
        let names: Vec<&str> = inputs
            .docs
            .iter()
            .map(|d| d.path.rsplit('/').next().unwrap())
            .collect();
        // Line order, not string order: line 10 comes after line 9.
        assert_eq!(names.len(), 10);
        assert_eq!(names[8..], ["part.jsonl:10", "part.jsonl:11"]);
        assert_eq!(inputs.docs[1].text, "record 2");
        assert_eq!(inputs.errors.len(), 1);
        assert!(
            inputs.errors[0].to_string().contains("part.jsonl:3"),
            "{}",
            inputs.errors[0]
        );
    }

    #[test]
    fn invalid_glob_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let opts = WalkOptions {
            globs: vec!["a[".into()],
            ..Default::default()
        };
        assert!(read_inputs(&[dir.path().to_path_buf()], &opts).is_err());
    }
}
