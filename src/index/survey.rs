//! A corpus of files compared with an index: each file unchanged (by its
//! stat stamp, or else by its content hash) or new, and how a path is keyed.
//! [`super::jsonl`] is the JSON Lines counterpart.

use super::stamp::mtime_of;
use super::view::IndexView;
use crate::error::Error;
use crate::input::{read_document, Document, Fault, Skipped, WalkOptions};
use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};

/// The key of a path in the index: the path as spelled, without `.`
/// components, so that `corpus/a.txt` and `./corpus/./a.txt` are one
/// document. (No symlinks are resolved and relative paths stay relative:
/// the index is meant to be used from the same directory.)
pub fn index_key(path: &str) -> String {
    if is_plain(path) {
        return path.to_string();
    }
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        if c != Component::CurDir {
            out.push(c);
        }
    }
    if out.as_os_str().is_empty() {
        return path.to_string();
    }
    out.to_string_lossy().into_owned()
}

/// Whether `path` has no `.` component, empty component (`a//b`) or
/// trailing separator: [`index_key`] leaves it as it is (the common case,
/// without building a `PathBuf`).
fn is_plain(path: &str) -> bool {
    let sep = |c: char| c == '/' || (cfg!(windows) && c == '\\');
    !path.is_empty()
        && !path.ends_with(sep)
        && path
            .split(sep)
            .enumerate()
            .all(|(i, c)| c != "." && (!c.is_empty() || i == 0))
}

/// One file of the corpus, as the survey found it.
#[derive(Debug)]
pub enum Status {
    /// Same as indexed document `id`; `stat` is its current size and mtime.
    Unchanged {
        /// Index position.
        id: u32,
        /// Current size and mtime (to refresh the index's stat cache).
        stat: (u64, (i64, u32)),
    },
    /// New or changed: read now.
    New {
        /// The document.
        doc: Document,
        /// Its mtime before reading.
        mtime: (i64, u32),
        /// Its key in the index ([`index_key`] of its path; for a JSON
        /// Lines record, [`super::jsonl::record_key`]).
        key: String,
    },
}

/// What a survey of the corpus against an index found.
#[derive(Debug, Default)]
pub struct Survey {
    /// One entry per usable file, in path order.
    pub files: Vec<Status>,
    /// Files that could not be used.
    pub errors: Vec<Error>,
    /// Files passed over.
    pub skipped: Vec<Skipped>,
}

impl Survey {
    /// Index positions of the documents seen unchanged.
    pub fn unchanged(&self) -> impl Iterator<Item = u32> + '_ {
        self.files.iter().filter_map(|s| match s {
            Status::Unchanged { id, .. } => Some(*id),
            Status::New { .. } => None,
        })
    }

    /// The new or changed documents.
    pub fn new_docs(&self) -> impl Iterator<Item = &Document> + '_ {
        self.files.iter().filter_map(|s| match s {
            Status::New { doc, .. } => Some(doc),
            Status::Unchanged { .. } => None,
        })
    }
}

/// The paths a run is told have changed (`--changed-from`): every other
/// indexed file is taken as unchanged without a `stat`.
#[derive(Clone, Debug, Default)]
pub struct Changed {
    /// Index keys ([`index_key`]) of the listed paths.
    keys: std::collections::HashSet<String>,
}

impl Changed {
    /// The paths of a list: one per line (`git diff --name-only`; a CR
    /// before the LF is dropped), or NUL-separated when the list holds a
    /// NUL (`git diff --name-only -z`); empty entries are ignored. Bytes
    /// that are not UTF-8 are read as the walk names such paths (lossily).
    pub fn parse(list: &[u8]) -> Changed {
        let sep = if list.contains(&0) { b'\0' } else { b'\n' };
        let keys = list
            .split(|&b| b == sep)
            .map(|p| p.strip_suffix(b"\r").unwrap_or(p))
            .filter(|p| !p.is_empty())
            .map(|p| index_key(&String::from_utf8_lossy(p)))
            .collect();
        Changed { keys }
    }

    /// Whether `key` (an index key) is listed.
    pub fn contains(&self, key: &str) -> bool {
        self.keys.contains(key)
    }

    /// Number of distinct paths listed.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no path is listed.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Compares the files found with the index (or with an empty one).
pub fn survey(files: &[PathBuf], index: Option<&dyn IndexView>, opts: &WalkOptions) -> Survey {
    survey_listed(files, index, opts, None)
}

/// [`survey`], trusting `changed` when given: an indexed file it does not
/// list is unchanged, with its indexed stat, and is neither `stat`ed nor
/// read; a listed file is read and compared by content hash. Files the
/// index lacks are read either way, and deleted files are those the walk no
/// longer finds, so the list only saves work: a list that misses a change
/// hides that change, nothing else.
pub fn survey_listed(
    files: &[PathBuf],
    index: Option<&dyn IndexView>,
    opts: &WalkOptions,
    changed: Option<&Changed>,
) -> Survey {
    let results: Vec<Result<Status, Fault>> = files
        .par_iter()
        .map(|path| survey_one(path, index, opts, changed))
        .collect();
    let mut out = Survey::default();
    for (r, path) in results.into_iter().zip(files) {
        match r {
            Ok(s) => out.files.push(s),
            Err(Fault::Error(e)) => out.errors.push(e),
            Err(Fault::Skip(reason)) => out.skipped.push(Skipped {
                path: path.to_string_lossy().into_owned(),
                reason,
            }),
        }
    }
    out
}

fn survey_one(
    path: &Path,
    index: Option<&dyn IndexView>,
    opts: &WalkOptions,
    changed: Option<&Changed>,
) -> Result<Status, Fault> {
    let name = index_key(&path.to_string_lossy());
    if let (Some(ix), Some(changed)) = (index, changed) {
        if !changed.contains(&name) {
            if let Some(id) = ix.position(&name) {
                let d = ix.stat(id);
                return Ok(Status::Unchanged {
                    id,
                    stat: (d.size, d.mtime),
                });
            }
        }
    }
    let meta = std::fs::metadata(path).map_err(|source| {
        Fault::Error(Error::Io {
            path: path.to_path_buf(),
            source,
        })
    })?;
    let (size, mtime) = (meta.len(), mtime_of(&meta));
    let known = index.and_then(|ix| ix.position(&name).map(|id| (id, ix.stat(id))));
    if let Some((id, d)) = known {
        if d.unchanged(size, mtime) {
            return Ok(Status::Unchanged {
                id,
                stat: (size, mtime),
            });
        }
    }
    let doc = read_document(path, opts)?;
    if let Some((id, d)) = known {
        if d.content_hash == doc.content_hash() {
            return Ok(Status::Unchanged {
                id,
                stat: (size, mtime),
            });
        }
    }
    Ok(Status::New {
        key: index_key(&doc.path),
        doc,
        mtime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_ignore_dot_components() {
        assert_eq!(index_key("./corpus/./a.txt"), "corpus/a.txt");
        assert_eq!(index_key("corpus/a.txt"), "corpus/a.txt");
        assert_eq!(index_key("/abs/./x"), "/abs/x");
        assert_eq!(index_key("."), ".");
        // The fast path gives what the components give.
        for p in [
            "a", "a/b.txt", "/abs/x", "a//b", "a/./b", "./a", "a/", "a/.", "/", "//x", "..",
            "../a", "a/../b", ".a/b.", "a/.b/c", "", "x/ /y",
        ] {
            let slow: PathBuf = Path::new(p)
                .components()
                .filter(|c| *c != Component::CurDir)
                .collect();
            let slow = if slow.as_os_str().is_empty() {
                p.to_string()
            } else {
                slow.to_string_lossy().into_owned()
            };
            assert_eq!(index_key(p), slow, "{p:?}");
        }
    }

    #[test]
    fn changed_lists() {
        let c = Changed::parse(b"corpus/a.txt\r\n./corpus/./b.txt\n\ncorpus/a.txt\n");
        assert_eq!(c.len(), 2);
        assert!(c.contains("corpus/a.txt") && c.contains("corpus/b.txt"));
        assert!(!c.contains("corpus/c.txt"));
        let z = Changed::parse(b"x\ny.txt\0z.txt\0");
        assert!(z.contains("x\ny.txt") && z.contains("z.txt") && z.len() == 2);
        assert!(Changed::parse(b"").is_empty());
    }
}
