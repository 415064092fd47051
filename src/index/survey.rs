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
    /// Indexed documents taken as unchanged without being walked to
    /// ([`unwalked`]): index positions, with their indexed stat.
    pub kept: Vec<u32>,
}

impl Survey {
    /// Index positions of the documents seen unchanged (the files found
    /// unchanged, then those [`Survey::kept`]).
    pub fn unchanged(&self) -> impl Iterator<Item = u32> + '_ {
        self.files
            .iter()
            .filter_map(|s| match s {
                Status::Unchanged { id, .. } => Some(*id),
                Status::New { .. } => None,
            })
            .chain(self.kept.iter().copied())
    }

    /// Number of documents in the corpus surveyed: its usable files and
    /// the documents kept without a walk.
    pub fn len(&self) -> usize {
        self.files.len() + self.kept.len()
    }

    /// Whether the survey found no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

    /// The listed keys, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.keys.iter().map(String::as_str)
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

/// What a corpus is without a walk (`--no-walk`), trusting `changed` to
/// list every file added, changed or deleted under `roots` since the index
/// was written: `files`, to survey ([`survey_listed`] with `changed`), are
/// the roots that are files and, under the roots that are directories, the
/// listed files a walk would find (a walk that reads only the directories
/// on the way to a listed path, so globs, hidden files and ignore files
/// apply as in a full walk); `kept` are the indexed documents under those
/// directories that the list does not name (unchanged, with their indexed
/// stat, neither `stat`ed nor read). With a right list the survey is the
/// one a walk gives; the work is that of the listed paths and their
/// directories, whatever the corpus's size.
pub struct Unwalked {
    /// Files to survey, in walk order.
    pub files: Vec<PathBuf>,
    /// Index positions of the documents kept as indexed.
    pub kept: Vec<u32>,
}

/// [`Unwalked`] of `roots` against `index`; roots that do not exist, and
/// directories the walk cannot read, go to `errors`, as in
/// [`crate::input::find_files`].
pub fn unwalked(
    roots: &[PathBuf],
    index: &dyn IndexView,
    opts: &WalkOptions,
    changed: &Changed,
    errors: &mut Vec<Error>,
) -> Result<Unwalked, Error> {
    // The listed files, and every directory above one (so the walk goes
    // down to them and nowhere else).
    let mut on_the_way: std::collections::HashSet<String> = std::collections::HashSet::new();
    for key in changed.keys() {
        let mut at = key.len();
        while let Some(i) = key[..at].rfind('/') {
            if i == 0 || !on_the_way.insert(key[..i].to_string()) {
                break;
            }
            at = i;
        }
    }
    let (listed, dirs) = (changed.clone(), std::sync::Arc::new(on_the_way));
    let within: crate::input::Within = std::sync::Arc::new(move |path: &Path, is_dir: bool| {
        let key = index_key(&path.to_string_lossy());
        if is_dir {
            dirs.contains(&key)
        } else {
            listed.contains(&key)
        }
    });
    // A directory with no listed path under it is not read at all.
    let to_walk: Vec<PathBuf> = roots
        .iter()
        .filter(|root| {
            !std::fs::metadata(root).is_ok_and(|m| m.is_dir()) || {
                let root = index_key(&root.to_string_lossy());
                changed.keys().any(|k| is_under(k, &root))
            }
        })
        .cloned()
        .collect();
    let files = crate::input::find_files_within(&to_walk, opts, Some(&within), errors)?;
    let mut listed: Vec<u32> = changed.keys().filter_map(|k| index.position(k)).collect();
    listed.sort_unstable();
    let mut kept = Vec::new();
    for root in roots {
        if !std::fs::metadata(root).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        for range in under(index, &index_key(&root.to_string_lossy())) {
            let mut skip = listed.iter().copied().peekable();
            for id in range {
                while skip.next_if(|&s| s < id).is_some() {}
                if skip.next_if_eq(&id).is_none() {
                    kept.push(id);
                }
            }
        }
    }
    Ok(Unwalked { files, kept })
}

/// Whether a walk of directory `root` (an index key) can find the file of
/// index key `key`: as [`under`] for one key.
fn is_under(key: &str, root: &str) -> bool {
    if root == "." {
        return !key.starts_with("../") && !key.starts_with('/');
    }
    match key.strip_prefix(root) {
        Some(rest) => root.ends_with('/') || rest.starts_with('/'),
        None => false,
    }
}

/// The index positions of the documents a walk of directory `root` (an
/// index key) finds: keys `root/...`, all of them relative keys outside
/// `..` when `root` is `.`. Positions are in path order, so each is a
/// range.
fn under(index: &dyn IndexView, root: &str) -> Vec<std::ops::Range<u32>> {
    // The first position whose key is not below `key`.
    let first = |key: &str| -> u32 {
        let (mut lo, mut hi) = (0u32, index.len() as u32);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if index.path(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    // Keys starting with `prefix` (ending with '/'): up to the first key
    // with '0', the byte after '/', in its place.
    let starting = |prefix: &str| -> std::ops::Range<u32> {
        let end = format!("{}0", &prefix[..prefix.len() - 1]);
        first(prefix)..first(&end)
    };
    if root == "." {
        let (up, abs) = (starting("../"), starting("/"));
        return vec![0..up.start, up.end..abs.start, abs.end..index.len() as u32];
    }
    let prefix = if root.ends_with('/') {
        root.to_string()
    } else {
        format!("{root}/")
    };
    vec![starting(&prefix)]
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

    /// An index of these paths (one-word texts: only the paths matter).
    fn index_of(paths: &[&str]) -> crate::index::Index {
        let docs = paths
            .iter()
            .map(|p| Document::new(*p, format!("text of {p}")))
            .collect();
        let opts = crate::ScanOptions::default();
        crate::check::in_memory(docs, Vec::new(), &opts).unwrap().1
    }

    #[test]
    fn the_documents_under_a_root_are_those_a_plain_filter_finds() {
        let keys = [
            "..a/x", "../up/x", "/abs/x", "/abs0", "/abs/y/z", "a", "a/b", "a/b/c", "a-b/c",
            "a.txt", "a0", "ab/c", "b/a/x", "z",
        ];
        // Index keys, as the walk makes them.
        assert!(keys.iter().all(|k| index_key(k) == *k));
        let ix = index_of(&keys);
        for root in [
            ".", "a", "a/b", "/abs", "/", "b", "..", "nope", "a-b", "/abs/y",
        ] {
            let got: Vec<&str> = under(&ix, root)
                .into_iter()
                .flatten()
                .map(|id| IndexView::path(&ix, id))
                .collect();
            let want: Vec<&str> = (0..ix.len() as u32)
                .map(|id| IndexView::path(&ix, id))
                .filter(|k| is_under(k, root))
                .collect();
            assert_eq!(got, want, "root {root:?}");
            // What a walk of the directory would name.
            for k in &want {
                let walked = if root == "." {
                    k.to_string()
                } else {
                    format!(
                        "{}/{}",
                        root.trim_end_matches('/'),
                        &k[root.len()..].trim_start_matches('/')
                    )
                };
                assert_eq!(index_key(&walked), *k, "{root:?} {k:?}");
            }
        }
        assert!(is_under("a/b", "a") && !is_under("a", "a") && !is_under("ab", "a"));
        assert!(is_under("x", ".") && !is_under("../x", ".") && !is_under("/x", "."));
    }

    /// Without a walk, a right list gives the survey a walk gives: the same
    /// unchanged documents and the same new files, with globs, hidden files
    /// and ignore files applied to the listed paths as the walk applies
    /// them.
    #[test]
    fn a_survey_without_a_walk_is_the_walk_s_when_the_list_is_right() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("corpus");
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        let article = |i: usize| format!("article {i}: {}\n", "words of an article ".repeat(20));
        for i in 0..12 {
            write(&format!("d{}/f{i}.txt", i % 3), &article(i));
        }
        write("d1/deep/er/f.txt", &article(50));
        write(".ignore", "skipped/\n*.log\n");
        write("d2/.gitignore", "local.txt\n");
        let mut walk = WalkOptions::default();
        let key = |p: &Path| index_key(&p.to_string_lossy());
        let roots = [root.clone()];
        let files = crate::input::find_files(&roots, &walk, &mut Vec::new()).unwrap();
        let docs: Vec<Document> = files
            .iter()
            .map(|p| read_document(p, &walk).ok().unwrap())
            .collect();
        assert_eq!(docs.len(), 13);
        let opts = crate::ScanOptions::default();
        let ix = crate::check::in_memory(docs, Vec::new(), &opts).unwrap().1;

        // Changes: one edited, one deleted, added files (some the walk
        // passes over: ignored, hidden, a log, a file globs leave out).
        write("d0/f3.txt", &article(99));
        std::fs::remove_file(root.join("d1/f4.txt")).unwrap();
        let added = [
            "d0/new.txt",
            "new/sub/n.txt",
            "skipped/s.txt",
            "d2/local.txt",
            "d0/x.log",
            ".hidden/h.txt",
            "d1/.h.txt",
            "d1/deep/er/g.md",
        ];
        for rel in added {
            write(rel, &article(rel.len()));
        }
        let mut list: Vec<String> = ["d0/f3.txt", "d1/f4.txt", "not/there.txt"]
            .iter()
            .chain(&added)
            .map(|rel| key(&root.join(rel)))
            .collect();
        list.push("elsewhere/x.txt".into());
        let changed = Changed::parse(list.join("\n").as_bytes());
        let summary = |s: &Survey| {
            let mut unchanged: Vec<u32> = s.unchanged().collect();
            unchanged.sort_unstable();
            let new: Vec<String> = s.new_docs().map(|d| d.path.clone()).collect();
            (unchanged, new, s.len())
        };
        for globs in [vec![], vec!["!*.md".to_string()]] {
            walk.globs = globs;
            let mut errors = Vec::new();
            let files = crate::input::find_files(&roots, &walk, &mut errors).unwrap();
            let walked = survey_listed(&files, Some(&ix), &walk, Some(&changed));
            let u = unwalked(&roots, &ix, &walk, &changed, &mut errors).unwrap();
            assert!(errors.is_empty(), "{errors:?}");
            assert!(
                u.files.len() < 6,
                "only listed files are walked to: {:?}",
                u.files
            );
            let mut not_walked = survey_listed(&u.files, Some(&ix), &walk, Some(&changed));
            not_walked.kept = u.kept;
            assert_eq!(
                summary(&not_walked),
                summary(&walked),
                "globs {:?}",
                walk.globs
            );
            let (unchanged, new, _) = summary(&walked);
            assert_eq!(unchanged.len(), 11, "13 indexed, one edited, one deleted");
            let has = |rel: &str| new.contains(&key(&root.join(rel)));
            assert!(has("d0/f3.txt") && has("d0/new.txt") && has("new/sub/n.txt"));
            assert!(!has("skipped/s.txt") && !has("d2/local.txt") && !has("d0/x.log"));
            assert!(!has(".hidden/h.txt") && !has("d1/.h.txt"));
            assert_eq!(has("d1/deep/er/g.md"), walk.globs.is_empty());
        }
        // A root with nothing listed under it is not read; a missing root
        // is an error, as in a walk.
        let other = dir.path().join("other");
        std::fs::create_dir_all(&other).unwrap();
        let mut errors = Vec::new();
        let u = unwalked(
            &[other, dir.path().join("gone")],
            &ix,
            &walk,
            &changed,
            &mut errors,
        )
        .unwrap();
        assert!(u.files.is_empty() && u.kept.is_empty());
        assert_eq!(errors.len(), 1, "{errors:?}");
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
