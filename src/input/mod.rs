//! Finding and reading the documents.
//!
//! Directories are walked with the `ignore` crate: `.gitignore`, `.ignore`
//! and hidden files are honoured as ripgrep does (hidden files and
//! directories are skipped unless asked for), and `--glob` patterns include
//! or (with a leading `!`) exclude. Files named explicitly are always read.
//! Every file read is checked: too large or unreadable is an error naming
//! the file; binary (a NUL byte) or empty is skipped with a note. Either way
//! the run goes on with the rest. A file that is not UTF-8 is still read
//! ([`crate::input::decode`]): its document carries a [`Decoding`] that maps the
//! text's offsets back to the file's bytes, and a note for the user.

pub mod decode;
pub mod jsonl;
pub mod location;
pub mod stubs;

use crate::error::Error;
use crate::input::location::{LineIndex, Location};
use decode::{Decoding, Encoding};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
pub use stubs::Stubs;

/// A document: where it came from and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The path as the user named it, joined with the walked relative path.
    pub path: String,
    /// The full text (decoded, always UTF-8); the engine's spans are byte
    /// ranges into it.
    pub text: String,
    /// How `text` relates to the file's bytes ([`Document::decoding`]).
    read: Read,
}

/// How a document's text relates to the bytes it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Read {
    /// The text is the bytes as they are (a UTF-8 file without byte order
    /// mark, or a text that comes from no file, such as a JSON Lines
    /// record).
    Bytes,
    /// The text was decoded ([`Decoding`]).
    Decoded(Box<Decoding>),
    /// The text was let go ([`Document::without_text`]) and was the bytes as
    /// they were: their size and xxh3-64, without a [`Decoding`] on the heap
    /// (a scan holds one of these per document for the whole run).
    Dropped {
        /// The file's size in bytes.
        original_len: u64,
        /// xxh3-64 of the file's bytes.
        content_hash: u64,
    },
}

impl Document {
    /// A document whose text is its bytes (no decoding).
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Document {
        Document {
            path: path.into(),
            text: text.into(),
            read: Read::Bytes,
        }
    }

    /// A document whose text was decoded from the file's bytes as
    /// `decoding` says (`None`: the text is the bytes).
    pub fn decoded(
        path: impl Into<String>,
        text: impl Into<String>,
        decoding: Option<Decoding>,
    ) -> Document {
        Document {
            path: path.into(),
            text: text.into(),
            read: decoding.map_or(Read::Bytes, |d| Read::Decoded(Box::new(d))),
        }
    }

    /// How [`Document::text`] was decoded from the file, when it is not the
    /// file's bytes as they are (`None` for a UTF-8 file without byte order
    /// mark, for texts that come from no file, such as JSON Lines records,
    /// and for such a document [without its text](Document::without_text)).
    pub fn decoding(&self) -> Option<&Decoding> {
        match &self.read {
            Read::Decoded(d) => Some(d),
            Read::Bytes | Read::Dropped { .. } => None,
        }
    }

    /// The file offset of `offset` in [`Document::text`] (a character
    /// boundary): what reports show.
    pub fn original_offset(&self, offset: usize) -> usize {
        match self.decoding() {
            Some(d) => d.map.original(offset),
            None => offset,
        }
    }

    /// The offset in [`Document::text`] of file offset `offset` (the
    /// inverse of [`Document::original_offset`]).
    pub fn text_offset(&self, offset: usize) -> usize {
        match self.decoding() {
            Some(d) => d.map.decoded(offset),
            None => offset,
        }
    }

    /// The text of a reported location (whose offsets are the file's), or
    /// `None` when it does not fall on characters of this document.
    pub fn span_text(&self, loc: &Location) -> Option<&str> {
        let (s, e) = (self.text_offset(loc.start), self.text_offset(loc.end));
        self.text.get(s..e)
    }

    /// Lines and columns of this document's text, locating spans with the
    /// file's byte offsets (see [`LineIndex::locate`]).
    pub fn line_index(&self) -> LineIndex<'_> {
        LineIndex::of(&self.text, self.decoding().map(|d| &d.map))
    }

    /// The size of the file in bytes.
    pub fn original_len(&self) -> usize {
        match &self.read {
            Read::Bytes => self.text.len(),
            Read::Decoded(d) => d.original_len,
            Read::Dropped { original_len, .. } => *original_len as usize,
        }
    }

    /// xxh3-64 of the file's bytes, as the index stores it.
    pub fn content_hash(&self) -> u64 {
        match &self.read {
            Read::Bytes => xxhash_rust::xxh3::xxh3_64(self.text.as_bytes()),
            Read::Decoded(d) => d.content_hash,
            Read::Dropped { content_hash, .. } => *content_hash,
        }
    }

    /// What the user should be told about how the file was read (a byte
    /// order mark, bytes that were not UTF-8), if anything.
    pub fn note(&self) -> Option<&str> {
        self.decoding().and_then(|d| d.note.as_deref())
    }

    /// This document without its text (and offset map): its path, file size
    /// ([`Document::original_len`]), [`Document::content_hash`] and
    /// [`Document::note`] stay, which is what a report needs of a document
    /// whose text it does not show. A document whose text was its bytes
    /// holds its path and 16 bytes more (no [`Decoding`]); one decoded keeps
    /// its encoding and note in a [`Decoding`] without offset map.
    pub fn without_text(self) -> Document {
        let (original_len, content_hash) = (self.original_len(), self.content_hash());
        let read = match self.read {
            Read::Bytes => Read::Dropped {
                original_len: original_len as u64,
                content_hash,
            },
            Read::Decoded(d) => Read::Decoded(Box::new(Decoding {
                encoding: d.encoding,
                map: decode::OffsetMap::default(),
                original_len,
                content_hash,
                note: d.note,
            })),
            dropped @ Read::Dropped { .. } => dropped,
        };
        let mut path = self.path;
        path.shrink_to_fit();
        Document {
            path,
            text: String::new(),
            read,
        }
    }
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
    /// Decode every file with this encoding (`--encoding`) instead of
    /// detecting UTF-8 / UTF-16 by byte order mark.
    pub encoding: Option<&'static Encoding>,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            hidden: false,
            no_ignore: false,
            globs: Vec::new(),
            max_filesize: 256 << 20,
            encoding: None,
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
    pub duplicate_ids: Vec<crate::input::jsonl::DuplicateId>,
}

/// Walks `roots` and reads every file found.
///
/// Fails only when a glob is invalid; problems with single files end up in
/// [`Inputs::errors`] and [`Inputs::skipped`].
pub fn read_inputs(roots: &[PathBuf], opts: &WalkOptions) -> Result<Inputs, Error> {
    read_inputs_with_progress(roots, opts, &crate::observe::NoProgress)
}

/// [`read_inputs`], reporting the stage [`crate::observe::stages::READING`]
/// with one unit per file found.
pub fn read_inputs_with_progress(
    roots: &[PathBuf],
    opts: &WalkOptions,
    progress: &dyn crate::observe::Progress,
) -> Result<Inputs, Error> {
    let mut errors = Vec::new();
    let files = find_files(roots, opts, &mut errors)?;
    progress.stage(crate::observe::stages::READING, files.len() as u64);
    let results: Vec<Result<Document, Fault>> = files
        .par_iter()
        .map(|p| {
            let r = read_document(p, opts);
            progress.inc(1);
            r
        })
        .collect();
    let mut inputs = Inputs {
        errors,
        ..Inputs::default()
    };
    for (r, path) in results.into_iter().zip(&files) {
        match r {
            Ok(doc) => inputs.docs.push(doc),
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

/// Where a document read by [`stream_inputs`] or [`stream_jsonl_inputs`]
/// is read again from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A whole file whose path is the document's path (`Path::new(&doc.path)`,
    /// the same bytes; read with the walk's options): nothing more to hold.
    Named,
    /// A whole file whose path is not the document's (read with the walk's
    /// options): a path that is not UTF-8, which the document's path shows
    /// with replacement characters.
    File(PathBuf),
    /// A JSON Lines record: its file, the byte offset of its line, and its
    /// 1-based line ([`jsonl::read_record_at`]).
    Record {
        /// The file.
        file: std::sync::Arc<Path>,
        /// The byte offset of the record's line.
        offset: u64,
        /// The 1-based line.
        line: u64,
    },
}

/// Files read at a time by [`stream_inputs`]: the texts it holds at once.
pub const STREAM_FILES: usize = 1024;

/// [`read_inputs_with_progress`] without holding the texts: the documents
/// are read [`STREAM_FILES`] files at a time, in the order
/// [`read_inputs`] gives them, and each chunk is handed to `each` before
/// the next is read. The [`Inputs`] returned hold the same errors and skips
/// in the same order, and no documents: the [`Stubs`] hold them, [without
/// their text](Document::without_text), with where each was read from.
pub fn stream_inputs(
    roots: &[PathBuf],
    opts: &WalkOptions,
    progress: &dyn crate::observe::Progress,
    each: impl FnMut(&[Document]),
) -> Result<(Inputs, Stubs), Error> {
    stream_chunks(roots, opts, progress, STREAM_FILES, each)
}

/// [`stream_inputs`], `chunk` files at a time.
fn stream_chunks(
    roots: &[PathBuf],
    opts: &WalkOptions,
    progress: &dyn crate::observe::Progress,
    chunk: usize,
    mut each: impl FnMut(&[Document]),
) -> Result<(Inputs, Stubs), Error> {
    let mut errors = Vec::new();
    let mut files = find_files(roots, opts, &mut errors)?;
    crate::scan::stage_mark("walk");
    progress.stage(crate::observe::stages::READING, files.len() as u64);
    // read_inputs sorts its documents by path (stably: of two files with
    // one name the first found is kept); reading them in that order gives
    // the same documents, and the faults go back to the walk's order.
    let mut order: Vec<usize> = (0..files.len()).collect();
    {
        // The names only sort: held through the reading, they were as
        // much memory again as the paths (~9 MB at 100,000 files).
        let names: Vec<String> = files.iter().map(|p| display(p)).collect();
        order.sort_by(|&a, &b| names[a].cmp(&names[b]));
    }
    // With the name of a file skipped: the paths go as they are read.
    let mut faults: Vec<(usize, Fault, String)> = Vec::new();
    // Reserved whole: grown by doubling, they would hold up to twice this
    // (and copy themselves) for the run.
    let mut stubs = Stubs::with_capacity(files.len());
    crate::scan::stage_mark("order");
    for chunk in order.chunks(chunk.max(1)) {
        let read: Vec<Result<Document, Fault>> = chunk
            .par_iter()
            .map(|&i| {
                let r = read_document(&files[i], opts);
                progress.inc(1);
                r
            })
            .collect();
        let mut batch: Vec<Document> = Vec::with_capacity(chunk.len());
        let mut batch_from: Vec<Origin> = Vec::with_capacity(chunk.len());
        for (&i, r) in chunk.iter().zip(read) {
            match r {
                Ok(doc) => {
                    let last = match batch.last() {
                        Some(d) => Some(d.path.as_str()),
                        None => stubs.len().checked_sub(1).map(|i| stubs.path(i)),
                    };
                    if last != Some(doc.path.as_str()) {
                        batch_from.push(if files[i].as_os_str() == doc.path.as_str() {
                            Origin::Named
                        } else {
                            Origin::File(files[i].clone())
                        });
                        batch.push(doc);
                    }
                }
                Err(f) => faults.push((i, f, display(&files[i]))),
            }
        }
        each(&batch);
        // The texts hashed and let go on the pool, not one after another
        // on this thread while the pool waits for the next chunk (`push`
        // then finds each document without its text).
        let batch: Vec<Document> = batch.into_par_iter().map(Document::without_text).collect();
        for (doc, origin) in batch.into_iter().zip(batch_from) {
            stubs.push(doc, origin);
        }
        // Read: held to the end, they were ~5 MB at 100,000 files.
        for &i in chunk {
            files[i] = PathBuf::new();
        }
    }
    crate::scan::stage_mark("read+sketch");
    faults.sort_by_key(|f| f.0);
    let mut inputs = Inputs {
        errors,
        ..Inputs::default()
    };
    for (_, f, path) in faults {
        match f {
            Fault::Error(e) => inputs.errors.push(e),
            Fault::Skip(reason) => inputs.skipped.push(Skipped { path, reason }),
        }
    }
    stubs.shrink_to_fit();
    Ok((inputs, stubs))
}

/// Records handed on at a time by [`stream_jsonl_inputs`].
pub const STREAM_RECORDS: usize = 4096;

/// [`read_jsonl_inputs`] without holding the texts: records are read one
/// file after another, and handed to `each` [`STREAM_RECORDS`] at a time,
/// in the order [`read_jsonl_inputs`] gives them. The [`Inputs`] returned
/// hold the same errors and repeated ids, and no documents: the [`Stubs`]
/// hold them, [without their text](Document::without_text), with where
/// each record was read from.
pub fn stream_jsonl_inputs(
    roots: &[PathBuf],
    opts: &WalkOptions,
    text_field: &str,
    id_field: &str,
    mut each: impl FnMut(&[Document]),
) -> Result<(Inputs, Stubs), Error> {
    let mut errors = Vec::new();
    let files = find_files(roots, opts, &mut errors)?;
    let mut inputs = Inputs {
        errors,
        ..Inputs::default()
    };
    let mut stubs = Stubs::default();
    // Ids (and lines) of every record, for the repeated ids.
    let mut ids: Vec<(String, Vec<jsonl::Record>)> = Vec::new();
    let mut batch: Vec<(Document, Origin)> = Vec::with_capacity(STREAM_RECORDS);
    let flush = |batch: &mut Vec<(Document, Origin)>,
                 stubs: &mut Stubs,
                 each: &mut dyn FnMut(&[Document])| {
        let (docs, from): (Vec<Document>, Vec<Origin>) = batch.drain(..).unzip();
        each(&docs);
        for (doc, origin) in docs.into_iter().zip(from) {
            stubs.push(doc, origin);
        }
    };
    for path in &files {
        let name = display(path);
        let file: std::sync::Arc<Path> = path.as_path().into();
        let mut these = Vec::new();
        let bad = match std::fs::File::open(path) {
            Ok(f) => jsonl::for_each_record(
                std::io::BufReader::with_capacity(1 << 16, f),
                path,
                text_field,
                id_field,
                |r, offset| {
                    let origin = Origin::Record {
                        file: file.clone(),
                        offset,
                        line: r.line,
                    };
                    these.push(jsonl::Record {
                        id: r.id.clone(),
                        line: r.line,
                        text: String::new(),
                    });
                    batch.push((r.into_document(&name), origin));
                    if batch.len() >= STREAM_RECORDS {
                        flush(&mut batch, &mut stubs, &mut each);
                    }
                },
            ),
            Err(source) => vec![Error::Io {
                path: path.to_path_buf(),
                source,
            }],
        };
        inputs.errors.extend(bad);
        ids.push((name, these));
    }
    flush(&mut batch, &mut stubs, &mut each);
    stubs.shrink_to_fit();
    inputs.duplicate_ids =
        jsonl::duplicate_ids(ids.iter().map(|(n, r)| (n.as_str(), r.as_slice())));
    Ok((inputs, stubs))
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
        .map(|p| crate::input::jsonl::read_jsonl(p, text_field, id_field))
        .collect();
    let mut inputs = Inputs {
        errors,
        ..Inputs::default()
    };
    let names: Vec<String> = files.iter().map(|p| display(p)).collect();
    inputs.duplicate_ids = crate::input::jsonl::duplicate_ids(
        names
            .iter()
            .zip(&per_file)
            .map(|(n, (records, _))| (n.as_str(), records.as_slice())),
    );
    for ((records, bad), name) in per_file.into_iter().zip(names) {
        inputs
            .docs
            .extend(records.into_iter().map(|r| r.into_document(&name)));
        inputs.errors.extend(bad);
    }
    Ok(inputs)
}

/// The files under `roots`, in a deterministic order.
pub fn find_files(
    roots: &[PathBuf],
    opts: &WalkOptions,
    errors: &mut Vec<Error>,
) -> Result<Vec<PathBuf>, Error> {
    find_files_within(roots, opts, None, errors)
}

/// Which entries of a walk to look at: `wanted(path, is_dir)`; a directory
/// it refuses is not descended into. (The walk's own filters, globs,
/// hidden files and ignore files, apply first.)
pub type Within = std::sync::Arc<dyn Fn(&Path, bool) -> bool + Send + Sync>;

/// [`find_files`] of the entries `within` accepts (all when `None`): the
/// files of the whole walk that it accepts, in the walk's order, having
/// read only the directories it accepts.
pub fn find_files_within(
    roots: &[PathBuf],
    opts: &WalkOptions,
    within: Option<&Within>,
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
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .hidden(!opts.hidden)
            .git_ignore(!opts.no_ignore)
            .git_global(!opts.no_ignore)
            .git_exclude(!opts.no_ignore)
            .ignore(!opts.no_ignore)
            .parents(!opts.no_ignore)
            .require_git(false)
            .overrides(overrides);
        if let Some(within) = within {
            let within = within.clone();
            builder
                .filter_entry(move |e| within(e.path(), e.file_type().is_some_and(|t| t.is_dir())));
        }
        let (from, errors_from) = (files.len(), errors.len());
        for entry in builder.build() {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => files.push(e.into_path()),
                Ok(_) => {}
                Err(e) => errors.push(walk_error(e)),
            }
        }
        // The walk is unsorted (walkdir's sort by name parses both paths
        // from the back at every comparison: 9 G of a 1 M-file check's 20 G
        // instructions); sorting its files by `walk_order_key` once gives
        // the order of a walk with every directory sorted by name.
        files[from..].sort_by_cached_key(|p| walk_order_key(p));
        errors[errors_from..].sort_by_cached_key(|e| e.to_string());
    }
    Ok(files)
}

/// A key that orders paths under one root as a depth-first walk with each
/// directory's entries sorted by name does: component by component, bytes
/// compared, a separator before any byte a name can hold.
fn walk_order_key(p: &Path) -> Vec<u8> {
    p.as_os_str()
        .as_encoded_bytes()
        .iter()
        .map(|&b| {
            if b.is_ascii() && std::path::is_separator(b as char) {
                0
            } else {
                b
            }
        })
        .collect()
}

/// Why a file is not a document.
#[derive(Debug)]
pub enum Fault {
    /// It could not be used: an error naming the file.
    Error(Error),
    /// It was passed over (binary, empty), with the reason.
    Skip(String),
}

/// The bytes [`read_document`] first reads a file into (a buffer per
/// thread, kept): a file shorter than this is read without asking its size.
const FIRST_READ: usize = 64 << 10;

thread_local! {
    static FIRST_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads one file as a document, with the checks [`read_inputs`] applies
/// (`opts.max_filesize` and `opts.encoding`).
pub fn read_document(path: &Path, opts: &WalkOptions) -> Result<Document, Fault> {
    let max_filesize = opts.max_filesize;
    let io = |source| {
        Fault::Error(Error::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let too_large = |size| {
        Fault::Error(Error::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: max_filesize,
        })
    };
    // One path lookup: the size comes from the open file. A file that cannot
    // be opened is still said to be too large when it is.
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return Err(match std::fs::metadata(path) {
                Ok(m) if m.len() > max_filesize => too_large(m.len()),
                _ => io(e),
            })
        }
    };
    // A file is first read into a buffer of the thread's without asking its
    // size: one shorter than the buffer ([`FIRST_READ`] bytes, nearly every
    // text file) is copied out at its exact length. That saves the `statx`
    // of the five system calls a read took (open, size, read, read to the
    // end, close); a scan reads each document two or three times. A file
    // that fills the buffer is sized from the open file, and the rest read
    // through `Take`, whose `read_to_end` reads into the capacity reserved
    // (`File`'s own asks the size again (`statx`) and the position
    // (`lseek`)).
    let bytes = FIRST_BUFFER.with_borrow_mut(|first| {
        // Zeroed once per thread, then kept at its full length.
        first.resize(FIRST_READ, 0);
        let mut n = 0;
        while n < FIRST_READ {
            match std::io::Read::read(&mut file, &mut first[n..]) {
                Ok(0) => return Ok(first[..n].to_vec()),
                Ok(m) => n += m,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(e)),
            }
        }
        let size = file.metadata().map_err(io)?.len();
        if size > max_filesize {
            return Err(too_large(size));
        }
        let mut bytes = Vec::with_capacity((size as usize).max(n));
        bytes.extend_from_slice(first);
        std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, u64::MAX), &mut bytes)
            .map_err(io)?;
        Ok(bytes)
    })?;
    drop(file);
    if bytes.len() as u64 > max_filesize || bytes.len() > u32::MAX as usize {
        return Err(too_large(bytes.len() as u64));
    }
    let mut doc = check_text(bytes, opts.encoding)?;
    if doc.text.len() > u32::MAX as usize {
        return Err(Fault::Error(Error::Invalid {
            path: path.to_path_buf(),
            reason: format!("decoded text is {} bytes, too long to scan", doc.text.len()),
        }));
    }
    doc.path = display(path);
    Ok(doc)
}

/// Turns file bytes into a document (without its path), or says why they
/// are not one.
fn check_text(bytes: Vec<u8>, encoding: Option<&'static Encoding>) -> Result<Document, Fault> {
    const SNIFF: usize = 64 << 10;
    let ascii = decode::ascii_compatible(&bytes, encoding);
    if ascii {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Fault::Skip("empty".into()));
        }
        if let Some(i) = memchr::memchr(0, &bytes[..bytes.len().min(SNIFF)]) {
            return Err(Fault::Skip(format!("binary (NUL byte at offset {i})")));
        }
    }
    let (text, decoding) = decode::decode(bytes, encoding);
    let doc = Document::decoded(String::new(), text, decoding);
    // A byte order mark alone is empty too.
    if doc.text.bytes().all(|b| b.is_ascii_whitespace()) {
        return Err(Fault::Skip("empty".into()));
    }
    if !ascii {
        let head = &doc.text.as_bytes()[..doc.text.len().min(SNIFF)];
        if let Some(i) = memchr::memchr(0, head) {
            let at = doc.original_offset(i);
            return Err(Fault::Skip(format!(
                "binary (NUL character at offset {at})"
            )));
        }
    }
    Ok(doc)
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

    /// Files shorter than, as long as, and longer than the first read's
    /// buffer come back byte for byte, read in turn from two directories
    /// and one directory after the other (the thread's buffer reused), and
    /// the size limit holds on both sides of the buffer.
    #[test]
    fn reads_give_the_bytes_at_every_length_and_the_limit_holds() {
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (dir.path().join("one"), dir.path().join("two"));
        fs::create_dir(&one).unwrap();
        fs::create_dir(&two).unwrap();
        let lens = [
            1,
            100,
            FIRST_READ - 1,
            FIRST_READ,
            FIRST_READ + 1,
            3 * FIRST_READ + 7,
        ];
        let text = |n: usize, seed: usize| -> Vec<u8> {
            (0..n)
                .map(|i| {
                    if (i + seed).is_multiple_of(7) {
                        b' '
                    } else {
                        b'a' + ((i * 31 + seed) % 26) as u8
                    }
                })
                .collect()
        };
        let mut files = Vec::new();
        for (i, &n) in lens.iter().enumerate() {
            for (j, d) in [&one, &two].into_iter().enumerate() {
                let f = d.join(format!("{i}.txt"));
                let bytes = text(n, 2 * i + j + 1);
                fs::write(&f, &bytes).unwrap();
                files.push((f, bytes));
            }
        }
        // Alternating directories, then one directory after the other.
        let mut in_turn: Vec<&(PathBuf, Vec<u8>)> = files.iter().collect();
        in_turn.extend(files.iter().step_by(2));
        in_turn.extend(files.iter().skip(1).step_by(2));
        for (f, bytes) in in_turn {
            let doc = read_document(f, &WalkOptions::default()).unwrap();
            assert_eq!(doc.text.as_bytes(), bytes.as_slice(), "{}", f.display());
            assert_eq!(doc.path, f.display().to_string());
            for max_filesize in [bytes.len() as u64 - 1, bytes.len() as u64] {
                let opts = WalkOptions {
                    max_filesize,
                    ..Default::default()
                };
                match read_document(f, &opts) {
                    Ok(d) => {
                        assert_eq!(max_filesize, bytes.len() as u64);
                        assert_eq!(d.text.as_bytes(), bytes.as_slice());
                    }
                    Err(Fault::Error(Error::TooLarge { size, limit, .. })) => {
                        assert_eq!((size, limit), (bytes.len() as u64, max_filesize));
                    }
                    Err(e) => panic!("{}: {e:?}", f.display()),
                }
            }
        }
    }

    #[test]
    fn files_come_in_the_order_of_a_walk_sorted_by_name() {
        // Names where byte order of whole paths and order by component
        // differ ('.' and '-' sort before '/'), nesting, case, non-ASCII.
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for p in [
            "a/b.txt",
            "a.b/c.txt",
            "a-b.txt",
            "a/z/y.txt",
            "ab/c.txt",
            "B.txt",
            "b.txt",
            "a/b/c.txt",
            "é.txt",
            "a.txt",
            "0/1.txt",
        ] {
            let f = d.join(p);
            fs::create_dir_all(f.parent().unwrap()).unwrap();
            fs::write(f, "x").unwrap();
        }
        let mut errors = Vec::new();
        let found = find_files(&[d.to_path_buf()], &WalkOptions::default(), &mut errors).unwrap();
        // The oracle: the walker sorting each directory by name.
        let sorted: Vec<PathBuf> = ignore::WalkBuilder::new(d)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(|e| e.into_path())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(found.len(), 11);
        assert_eq!(found, sorted);
    }

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
        // latin1.txt is read (é as Windows-1252), with a note.
        assert_eq!(names, ["/a.txt", "/b.txt", "/latin1.txt", "/sub/c.md"]);
        assert!(inputs.errors.is_empty(), "{:?}", inputs.errors);
        let latin1 = &inputs.docs[2];
        assert_eq!(latin1.text, "café");
        assert_eq!(
            latin1.note(),
            Some("not valid UTF-8: 1 byte read as windows-1252 (first at offset 3)")
        );
        assert_eq!((latin1.original_len(), latin1.original_offset(5)), (4, 4));
        assert!(inputs.docs[0].decoding().is_none(), "UTF-8 needs no map");
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
        assert_eq!(names, [".hidden.txt", "a.txt", "ignored.txt", "latin1.txt"]);
    }

    #[test]
    fn utf16_files_are_text_and_nul_characters_binary() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let utf16 = |s: &str| -> Vec<u8> {
            let mut v = vec![0xFF, 0xFE];
            v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
            v
        };
        fs::write(d.join("a.txt"), utf16("héllo wörld\n")).unwrap();
        fs::write(d.join("bin.txt"), utf16("ab\0cd")).unwrap();
        fs::write(d.join("blank.txt"), utf16(" \n ")).unwrap();
        fs::write(d.join("bom.txt"), b"\xef\xbb\xbf").unwrap();
        let inputs = read_inputs(&[d.to_path_buf()], &WalkOptions::default()).unwrap();
        assert_eq!(inputs.docs.len(), 1);
        let a = &inputs.docs[0];
        assert_eq!(a.text, "héllo wörld\n");
        assert_eq!(a.note(), Some("decoded as UTF-16LE (byte order mark)"));
        // "wörld" starts at character 6, byte 2 + 2 * 6 of the file.
        assert_eq!(a.original_offset(a.text.find('w').unwrap()), 14);
        assert_eq!(a.original_len(), 2 + 2 * 12);
        let mut skipped: Vec<(String, &str)> = inputs
            .skipped
            .iter()
            .map(|s| {
                (
                    s.path.rsplit('/').next().unwrap().to_string(),
                    s.reason.as_str(),
                )
            })
            .collect();
        skipped.sort();
        assert_eq!(
            skipped,
            [
                ("bin.txt".to_string(), "binary (NUL character at offset 6)"),
                ("blank.txt".to_string(), "empty"),
                ("bom.txt".to_string(), "empty"),
            ]
        );
    }

    #[test]
    fn a_forced_encoding_reads_every_file_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("sjis.txt");
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("日本語のテキスト");
        fs::write(&f, &bytes).unwrap();
        let opts = WalkOptions {
            encoding: Some(encoding_rs::SHIFT_JIS),
            ..Default::default()
        };
        let doc = read_document(&f, &opts).unwrap();
        assert_eq!(doc.text, "日本語のテキスト");
        assert_eq!(doc.note(), None, "decoded cleanly as asked");
        assert_eq!(doc.content_hash(), xxhash_rust::xxh3::xxh3_64(&bytes));
        assert_eq!(doc.original_offset(doc.text.len()), bytes.len());
        // By default the same bytes are not UTF-8: Windows-1252, noted.
        let doc = read_document(&f, &WalkOptions::default()).unwrap();
        assert!(doc.note().unwrap().starts_with("not valid UTF-8: "));
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
    fn streaming_reads_what_read_inputs_reads_without_holding_texts() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (name, bytes) in [
            ("b.txt", &b"hello world"[..]),
            ("a.txt", b"first doc"),
            ("empty.txt", b"  \n"),
            ("bin.dat", b"abc\0def"),
            ("latin1.txt", b"caf\xe9 au lait"),
            ("big.txt", &[b'x'; 200]),
            ("c.txt", b"third"),
            ("d.txt", b"fourth"),
        ] {
            fs::write(d.join(name), bytes).unwrap();
        }
        let opts = WalkOptions {
            max_filesize: 100,
            ..WalkOptions::default()
        };
        // a.txt is named twice (once through the directory), and a missing
        // file once.
        let roots = [
            d.join("d.txt"),
            d.to_path_buf(),
            d.join("a.txt"),
            d.join("gone.txt"),
        ];
        let want = read_inputs(&roots, &opts).unwrap();
        for chunk in [1, 2, 3, 100] {
            let mut seen = Vec::new();
            let (got, packed) =
                stream_chunks(&roots, &opts, &crate::observe::NoProgress, chunk, |docs| {
                    assert!(docs.len() <= chunk);
                    seen.extend(docs.iter().cloned())
                })
                .unwrap();
            assert_eq!(seen, want.docs, "chunk {chunk}");
            let stubs: Vec<Document> = want
                .docs
                .iter()
                .cloned()
                .map(Document::without_text)
                .collect();
            assert!(got.docs.is_empty());
            let (docs, from) = (packed.documents(), packed.origins());
            assert_eq!(docs, stubs);
            for (s, w) in docs.iter().zip(&want.docs) {
                assert!(s.text.is_empty());
                assert_eq!(
                    (s.original_len(), s.content_hash(), s.note()),
                    (w.original_len(), w.content_hash(), w.note())
                );
            }
            let show = |e: &[Error]| e.iter().map(|e| e.to_string()).collect::<Vec<_>>();
            assert_eq!(show(&got.errors), show(&want.errors));
            assert_eq!(got.skipped, want.skipped);
            assert_eq!(from.len(), docs.len());
            for (p, doc) in from.iter().zip(&docs) {
                // UTF-8 paths: the document's path is the file's.
                assert_eq!(*p, Origin::Named, "{}", doc.path);
                assert!(Path::new(&doc.path).is_file());
            }
        }
        assert_eq!(want.errors.len(), 2, "{:?}", want.errors);
        assert_eq!(want.skipped.len(), 2);
        assert!(want.docs.iter().any(|d| d.note().is_some()));
    }

    #[test]
    fn streaming_json_lines_reads_what_read_jsonl_inputs_reads() {
        let dir = tempfile::tempdir().unwrap();
        let mut lines: Vec<String> = (0..STREAM_RECORDS + 10)
            .map(|i| {
                format!(
                    "{{\"id\": {}, \"text\": \"record {i}\\nline two\"}}",
                    i % 5000
                )
            })
            .collect();
        lines[3] = "not json".into();
        lines[7] = String::new();
        fs::write(
            dir.path().join("a.jsonl"),
            format!("\u{feff}{}\r\n", lines.join("\r\n")),
        )
        .unwrap();
        fs::write(
            dir.path().join("b.jsonl"),
            "{\"id\": 1, \"text\": \"again\"}\n{\"text\": 3}\n",
        )
        .unwrap();
        let roots = [dir.path().to_path_buf()];
        let opts = WalkOptions::default();
        let want = read_jsonl_inputs(&roots, &opts, "text", "id").unwrap();
        let mut seen = Vec::new();
        let mut chunks = 0;
        let (got, packed) = stream_jsonl_inputs(&roots, &opts, "text", "id", |docs| {
            assert!(docs.len() <= STREAM_RECORDS);
            chunks += 1;
            seen.extend(docs.iter().cloned())
        })
        .unwrap();
        assert!(chunks >= 2);
        assert_eq!(seen, want.docs);
        let stubs: Vec<Document> = want
            .docs
            .iter()
            .cloned()
            .map(Document::without_text)
            .collect();
        assert!(got.docs.is_empty());
        assert_eq!(packed.documents(), stubs);
        let from = packed.origins();
        let show = |e: &[Error]| e.iter().map(|e| e.to_string()).collect::<Vec<_>>();
        assert_eq!(show(&got.errors), show(&want.errors));
        assert_eq!(got.duplicate_ids, want.duplicate_ids);
        assert!(!got.duplicate_ids.is_empty());
        // Each record read again from its offset is the record.
        assert_eq!(from.len(), want.docs.len());
        for (o, d) in from
            .iter()
            .zip(&want.docs)
            .step_by(97)
            .chain(from.iter().zip(&want.docs).take(3))
        {
            let Origin::Record { file, offset, line } = o else {
                panic!("{o:?}")
            };
            let r = jsonl::read_record_at(file, *offset, *line, "text", "id").unwrap();
            assert_eq!(r.text, d.text);
            assert_eq!(jsonl::document_name(&display(file), &r), d.path);
        }
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
