//! The persisted corpus index: what `neardup index build` / `index update`
//! write and `neardup check` reads.
//!
//! An index holds, per document (ordered by path), what is needed to decide
//! without the corpus text whether a new document may repeat an indexed one:
//! its LSH band keys, its distinct passage fingerprints and its repeated
//! (chrome) fingerprints, plus the content hash, size and mtime that let an
//! update skip unchanged files. Signatures and texts are not stored: a check
//! finds candidates here and verifies them by reading the indexed files.
//!
//! # File layout (format version 1)
//!
//! ```text
//! offset  size  field
//!      0    16  magic  b"\x89NEARDUP-IDX\r\n\x1a\n"
//!     16     4  format version, u32 little-endian (1)
//!     20     8  payload length in bytes, u64 little-endian
//!     28     8  xxh3-64 of the payload, u64 little-endian
//!     36     n  payload: postcard(Header) then postcard(Vec<IndexedDoc>)
//! ```
//!
//! The header records the parameters the index was built with
//! ([`IndexParams`]), the hash algorithm identifier ([`hash_algorithm`]) and
//! the neardup version that wrote it (informational). Fixed-width hashes are
//! stored as raw little-endian bytes, not varints (a random u64 is 10 varint
//! bytes, 8 raw ones), which also makes decoding them a copy.
//!
//! Loading checks, in order: magic ([`IndexError::Foreign`]), format version
//! ([`IndexError::Version`]), length and checksum ([`IndexError::Corrupt`]),
//! hash algorithm and parameters ([`IndexError::Incompatible`]), then decodes
//! and validates every document (sorted unique paths, one key per band,
//! sorted fingerprints; [`IndexError::Corrupt`]). No byte input panics or
//! loads as anything but the index that was saved.

pub mod jsonl;

use crate::config::ScanOptions;
use crate::sketch::{DocSketch, Scratch, SketchParams};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};
use xxhash_rust::xxh3::xxh3_64;

/// The first bytes of every index file. The high first byte and the CR LF /
/// EOF bytes catch 7-bit and line-ending mangling, as PNG's magic does.
pub const MAGIC: [u8; 16] = *b"\x89NEARDUP-IDX\r\n\x1a\n";

/// The format version this neardup writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Bytes before the payload: magic, version, payload length, checksum.
const PREFIX_LEN: usize = 16 + 4 + 8 + 8;

/// How recent (in seconds, relative to when a document is indexed) an mtime
/// may be and still be trusted by the stat fast path. Covers filesystems
/// with coarse timestamps (FAT: 2 s): a file rewritten within the same tick
/// it was indexed in keeps its mtime, so such a document is re-hashed on the
/// next update instead ("racily clean", as git calls it).
pub const MTIME_SETTLE_SECS: i64 = 2;

/// Why an index could not be loaded or saved. Every message names the file
/// and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// There is no file at the path.
    #[error("{}: no index here; create one with `neardup index build`", path.display())]
    NotFound {
        /// The index path.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("{}: {op} the index failed ({source}); check the path and its permissions", path.display())]
    Io {
        /// The index path.
        path: PathBuf,
        /// `"reading"` or `"writing"`.
        op: &'static str,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with the index magic.
    #[error(
        "{}: not a neardup index (unrecognized header); give the path of a file written by \
         `neardup index build`, or remove this file and rebuild it with `neardup index build`",
        path.display()
    )]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// The file is an index of another format version.
    #[error(
        "{}: index format version {found}, but this neardup reads version {supported}; \
         rebuild it with `neardup index build`",
        path.display()
    )]
    Version {
        /// The index path.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The index was built with other parameters or hash functions.
    #[error(
        "{}: index was built with {what}; rebuild it with `neardup index build` \
         (or run with the settings it was built with)",
        path.display()
    )]
    Incompatible {
        /// The index path.
        path: PathBuf,
        /// What differs, e.g. `shingle size 5 (this run: 7)`.
        what: String,
    },
    /// The file is damaged: truncated, checksum mismatch, undecodable.
    #[error("{}: index is damaged ({detail}); rebuild it with `neardup index build`", path.display())]
    Corrupt {
        /// The index path.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

impl IndexError {
    /// The index file this error is about.
    pub fn path(&self) -> &Path {
        match self {
            IndexError::NotFound { path }
            | IndexError::Io { path, .. }
            | IndexError::Foreign { path }
            | IndexError::Version { path, .. }
            | IndexError::Incompatible { path, .. }
            | IndexError::Corrupt { path, .. } => path,
        }
    }
}

/// The parameters an index is built with. A check must sketch new documents
/// with the same ones, so loading compares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IndexParams {
    /// Words per shingle.
    pub k: usize,
    /// Winnowing window, in shingles.
    pub window: usize,
    /// Signature bins.
    pub num_perm: usize,
    /// LSH bands.
    pub bands: usize,
    /// LSH rows per band.
    pub rows: usize,
}

impl IndexParams {
    /// The parameters a scan with `opts` uses (bands and rows from
    /// [`crate::candidates::optimal_params`]).
    pub fn from_options(opts: &ScanOptions) -> IndexParams {
        let (bands, rows) = opts.bands_rows();
        let s = opts.sketch_params();
        IndexParams {
            k: s.k,
            window: s.window,
            num_perm: s.num_perm,
            bands,
            rows,
        }
    }

    /// The sketch-stage parameters.
    pub fn sketch_params(&self) -> SketchParams {
        SketchParams {
            k: self.k,
            window: self.window,
            num_perm: self.num_perm,
        }
    }

    /// Checks that the parameters can be sketched and banded with.
    pub fn validate(&self) -> Result<(), String> {
        // The ranges a scan is checked against (`config::RANGES`).
        crate::config::validate_sketch(&self.sketch_params()).map_err(|e| e.to_string())?;
        if self.bands == 0 || self.rows == 0 || self.bands.saturating_mul(self.rows) > self.num_perm
        {
            return Err(format!(
                "{} bands x {} rows do not fit {} signature bins",
                self.bands, self.rows, self.num_perm
            ));
        }
        Ok(())
    }

    /// The settings that differ from `other`, worded as "mine (other: ...)".
    fn differences(&self, other: &IndexParams) -> Vec<String> {
        let pairs = [
            ("shingle size", self.k, other.k),
            ("window", self.window, other.window),
            ("num-perm", self.num_perm, other.num_perm),
            ("LSH bands", self.bands, other.bands),
            ("LSH rows", self.rows, other.rows),
        ];
        pairs
            .iter()
            .filter(|(_, a, b)| a != b)
            .map(|(name, a, b)| format!("{name} {a} (this run: {b})"))
            .collect()
    }
}

/// The LSH band keys stored per document are the engine's own
/// ([`crate::candidates::band_keys`]), so indexed and new documents collide exactly
/// as they would in one scan.
pub use crate::candidates::band_keys;

/// The hash algorithm identifier stored in every index, e.g.
/// `xxh3-64;word-seed=0x...;shingle-seed=0x...;oph+winnow;check=...`.
///
/// Besides the word and shingle seeds it carries a digest of the sketch of a
/// fixed multi-script text (signature, fingerprints, band keys), so any
/// change to tokenizing, normalizing, hashing, MinHash or band keys gives a
/// different identifier and old indexes are refused rather than silently
/// matching nothing.
pub fn hash_algorithm() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        format!(
            "xxh3-64;word-seed={:#018x};shingle-seed={:#018x};oph+winnow;check={:016x}",
            crate::normalize::WORD_SEED,
            crate::shingle::SHINGLE_SEED,
            sketch_check()
        )
    })
}

/// A digest of the whole sketch pipeline's output on a fixed text.
fn sketch_check() -> u64 {
    const TEXT: &str = "The Quick brown fox, jumps over the LAZY dog! Ｆｕｌｌｗｉｄｔｈ ﬁnal \
        café cafe\u{301} Straße İstanbul 東京都の ひらがな カタカナ Ελληνικά русский 12345 x². \
        Please accept cookies to continue. The Quick brown fox, jumps over the LAZY dog! \
        Please accept cookies to continue.";
    let p = SketchParams {
        k: 3,
        window: 4,
        num_perm: 64,
    };
    let s = crate::sketch::sketch(TEXT, &p, &mut Scratch::default());
    let mut buf = Vec::new();
    buf.extend(s.signature.iter().flat_map(|v| v.to_le_bytes()));
    for list in [&s.fingerprints, &s.repeated, &band_keys(&s.signature, 8, 8)] {
        buf.extend((list.len() as u64).to_le_bytes());
        buf.extend(list.iter().flat_map(|v| v.to_le_bytes()));
    }
    buf.extend(s.words.to_le_bytes());
    xxh3_64(&buf)
}

/// A file's mtime as (seconds, nanoseconds) since the Unix epoch, seconds
/// rounded down (so times before the epoch have negative seconds and
/// non-negative nanoseconds); `(0, 0)` when the platform does not know it.
pub fn mtime_of(meta: &std::fs::Metadata) -> (i64, u32) {
    meta.modified().map(stamp).unwrap_or((0, 0))
}

fn stamp(t: SystemTime) -> (i64, u32) {
    let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (secs(d), d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            match d.subsec_nanos() {
                0 => (-secs(d), 0),
                n => (-secs(d) - 1, 1_000_000_000 - n),
            }
        }
    }
}

/// The mtime to store for a document indexed at `now`: `mtime` itself, or
/// `(0, 0)` ("unknown": always re-hash) when it is within
/// [`MTIME_SETTLE_SECS`] of `now` or later, since the file may still change
/// without its mtime changing.
pub fn settled_mtime(mtime: (i64, u32), now: SystemTime) -> (i64, u32) {
    let now = stamp(now);
    if mtime.0 >= now.0.saturating_sub(MTIME_SETTLE_SECS) {
        (0, 0)
    } else {
        mtime
    }
}

/// One indexed document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedDoc {
    /// The document's path, as the input stage names it (the sort key).
    pub path: String,
    /// xxh3-64 of the file bytes.
    #[serde(with = "fixed_u64")]
    pub content_hash: u64,
    /// File size in bytes.
    pub size: u64,
    /// Modification time (seconds, nanoseconds since the Unix epoch); `(0,
    /// 0)` when unknown or too recent to trust (see [`settled_mtime`]).
    pub mtime: (i64, u32),
    /// Number of words.
    pub words: u32,
    /// LSH band keys ([`band_keys`]), one per band; empty for a document
    /// without words.
    #[serde(with = "u64_array")]
    pub band_keys: Vec<u64>,
    /// Distinct passage fingerprints, sorted.
    #[serde(with = "u64_array")]
    pub fingerprints: Vec<u64>,
    /// Fingerprints this document repeats at places that do not overlap
    /// (chrome), sorted.
    #[serde(with = "u64_array")]
    pub repeated: Vec<u64>,
}

impl IndexedDoc {
    /// The entry for a document: `content` is the file's bytes (hashed here;
    /// its length is the size), `mtime` the file's mtime ([`mtime_of`],
    /// taken before reading), `sketch` its sketch under `params`. The mtime is
    /// stored only once settled (see [`settled_mtime`]).
    pub fn new(
        path: impl Into<String>,
        content: &[u8],
        mtime: (i64, u32),
        sketch: &DocSketch,
        params: &IndexParams,
    ) -> IndexedDoc {
        IndexedDoc {
            path: path.into(),
            content_hash: xxh3_64(content),
            size: content.len() as u64,
            mtime: settled_mtime(mtime, SystemTime::now()),
            words: sketch.words,
            band_keys: band_keys(&sketch.signature, params.bands, params.rows),
            fingerprints: sketch.fingerprints.clone(),
            repeated: sketch.repeated.clone(),
        }
    }

    /// The stat fast path: whether a file of `size` bytes modified at `mtime`
    /// can be taken as unchanged without reading it. False whenever the
    /// stored mtime is unknown.
    pub fn unchanged(&self, size: u64, mtime: (i64, u32)) -> bool {
        self.mtime != (0, 0) && self.mtime == mtime && self.size == size
    }

    /// Why this document cannot be in an index with `params`, if it cannot.
    fn check(&self, params: &IndexParams) -> Result<(), String> {
        if !self.band_keys.is_empty() && self.band_keys.len() != params.bands {
            return Err(format!(
                "{}: {} band keys for {} bands",
                self.path,
                self.band_keys.len(),
                params.bands
            ));
        }
        if self.mtime.1 >= 1_000_000_000 {
            return Err(format!("{}: mtime nanoseconds out of range", self.path));
        }
        for (name, v) in [
            ("fingerprints", &self.fingerprints),
            ("repeated fingerprints", &self.repeated),
        ] {
            if !v.windows(2).all(|w| w[0] < w[1]) {
                return Err(format!("{}: {name} not sorted", self.path));
            }
        }
        Ok(())
    }
}

/// The corpus index: documents ordered by path.
///
/// Document ids (`u32`) are positions in [`Index::docs`]; they change when
/// the index is modified.
#[derive(Clone)]
pub struct Index {
    params: IndexParams,
    docs: Vec<IndexedDoc>,
    /// The neardup version that wrote a loaded index.
    written_by: Option<String>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("params", &self.params)
            .field("docs", &self.docs.len())
            .field("written_by", &self.written_by)
            .finish_non_exhaustive()
    }
}

/// Equal parameters and documents (the writer version is not compared).
impl PartialEq for Index {
    fn eq(&self, other: &Index) -> bool {
        self.params == other.params && self.docs == other.docs
    }
}

/// The header in front of the documents.
#[derive(Serialize, Deserialize)]
struct Header {
    writer: String,
    hash_algorithm: String,
    k: u32,
    window: u32,
    num_perm: u32,
    bands: u32,
    rows: u32,
}

impl Index {
    /// An empty index.
    ///
    /// # Panics
    ///
    /// When `params` are invalid ([`IndexParams::validate`]).
    pub fn new(params: IndexParams) -> Index {
        if let Err(e) = params.validate() {
            panic!("invalid index parameters: {e}");
        }
        Index {
            params,
            docs: Vec::new(),
            written_by: None,
        }
    }

    /// The parameters the index was built with.
    pub fn params(&self) -> &IndexParams {
        &self.params
    }

    /// The documents, ordered by path, each path once.
    pub fn docs(&self) -> &[IndexedDoc] {
        &self.docs
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there are no documents.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The neardup version that wrote the file this index was loaded from.
    pub fn written_by(&self) -> Option<&str> {
        self.written_by.as_deref()
    }

    /// The document at `path`.
    pub fn get(&self, path: &str) -> Option<&IndexedDoc> {
        self.position(path).map(|i| &self.docs[i as usize])
    }

    /// The id of the document at `path`.
    pub fn position(&self, path: &str) -> Option<u32> {
        self.docs
            .binary_search_by(|d| d.path.as_str().cmp(path))
            .ok()
            .map(|i| i as u32)
    }

    /// Replaces the document with the same path, or inserts it in path order.
    ///
    /// # Panics
    ///
    /// When the document does not fit the parameters (band key count) or
    /// its fingerprints are not sorted and distinct: it could not be loaded
    /// back.
    pub fn upsert(&mut self, doc: IndexedDoc) {
        self.admit(&doc);
        match self
            .docs
            .binary_search_by(|d| d.path.as_str().cmp(&doc.path))
        {
            Ok(i) => self.docs[i] = doc,
            Err(i) => self.docs.insert(i, doc),
        }
    }

    /// [`Index::upsert`] for many documents at once, in `O(n log n)` rather
    /// than a shift per insert; a later document replaces an earlier one of
    /// the same path.
    ///
    /// # Panics
    ///
    /// As [`Index::upsert`].
    pub fn upsert_many(&mut self, docs: impl IntoIterator<Item = IndexedDoc>) {
        let before = self.docs.len();
        for d in docs {
            self.admit(&d);
            self.docs.push(d);
        }
        if self.docs.len() == before {
            return;
        }
        // Stable, so among equal paths the later (newer) comes last; the
        // existing part is one sorted run, which the sort detects.
        self.docs.sort_by(|a, b| a.path.cmp(&b.path));
        self.docs.dedup_by(|later, kept| {
            let same = later.path == kept.path;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
    }

    fn admit(&self, doc: &IndexedDoc) {
        if let Err(e) = doc.check(&self.params) {
            panic!("document does not fit the index: {e}");
        }
        assert!(
            self.docs.len() < u32::MAX as usize,
            "an index holds at most u32::MAX documents"
        );
    }

    /// Keeps the documents whose path `keep` accepts (deleted files drop
    /// out on update).
    pub fn retain_paths(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let before = self.docs.len();
        self.docs.retain(|d| keep(&d.path));
        if self.docs.len() != before {}
    }

    /// Records a newer mtime for an unchanged document (same content hash,
    /// new stat), settled as in [`IndexedDoc::new`]. Returns whether the path
    /// is indexed. Lookups are not invalidated.
    pub fn refresh_stat(&mut self, path: &str, size: u64, mtime: (i64, u32)) -> bool {
        match self.position(path) {
            Some(i) => {
                let d = &mut self.docs[i as usize];
                d.size = size;
                d.mtime = settled_mtime(mtime, SystemTime::now());
                true
            }
            None => false,
        }
    }

    /// Writes the index to `path` atomically (a temporary file renamed into
    /// place): a crash or error leaves the previous file intact.
    pub fn save(&self, path: &Path) -> Result<(), IndexError> {
        let bytes = self.encode(hash_algorithm());
        crate::atomic::write_atomic(path, |w| w.write_all(&bytes)).map_err(|source| {
            IndexError::Io {
                path: path.to_path_buf(),
                op: "writing",
                source,
            }
        })
    }

    /// Loads the index at `path`, refusing it unless it was built with
    /// `expected` parameters and this build's [`hash_algorithm`].
    pub fn load(path: &Path, expected: &IndexParams) -> Result<Index, IndexError> {
        decode(&read(path)?, path, Some(expected))
    }

    /// Loads the index at `path` with whatever parameters it was built with
    /// (see [`Index::params`]); the format, checksum and hash algorithm are
    /// still checked.
    pub fn open(path: &Path) -> Result<Index, IndexError> {
        decode(&read(path)?, path, None)
    }

    /// Decodes index file bytes as [`Index::open`] does a file (format,
    /// checksum, hash algorithm and every document checked); errors name
    /// the file as `<bytes>`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Index, IndexError> {
        decode(bytes, Path::new("<bytes>"), None)
    }

    /// The file bytes of this index, naming as writer the neardup version
    /// that wrote it when it was loaded (this one otherwise): an index
    /// decoded from bytes neardup wrote encodes back to the same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let writer = self
            .written_by
            .as_deref()
            .unwrap_or(env!("CARGO_PKG_VERSION"));
        self.encode_as(writer, hash_algorithm())
    }

    /// The file bytes, with `algorithm` as the hash algorithm identifier.
    fn encode(&self, algorithm: &str) -> Vec<u8> {
        self.encode_as(env!("CARGO_PKG_VERSION"), algorithm)
    }

    /// The file bytes, naming `writer` and `algorithm` in the header.
    fn encode_as(&self, writer: &str, algorithm: &str) -> Vec<u8> {
        let p = &self.params;
        let header = Header {
            writer: writer.to_string(),
            hash_algorithm: algorithm.to_string(),
            // validate() bounds all of these by u32::MAX.
            k: p.k as u32,
            window: p.window as u32,
            num_perm: p.num_perm as u32,
            bands: p.bands as u32,
            rows: p.rows as u32,
        };
        let estimate: usize = self
            .docs
            .iter()
            .map(|d| {
                48 + d.path.len()
                    + 8 * (d.band_keys.len() + d.fingerprints.len() + d.repeated.len())
            })
            .sum();
        let mut out = Vec::with_capacity(PREFIX_LEN + 256 + estimate);
        out.extend_from_slice(&[0; PREFIX_LEN]);
        // Serializing these types into memory cannot fail: no maps, no
        // sequences of unknown length, no custom errors.
        let out = postcard::to_extend(&header, out).expect("header serializes");
        let mut out = postcard::to_extend(&self.docs, out).expect("documents serialize");
        let payload_len = (out.len() - PREFIX_LEN) as u64;
        let checksum = xxh3_64(&out[PREFIX_LEN..]);
        out[..16].copy_from_slice(&MAGIC);
        out[16..20].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        out[20..28].copy_from_slice(&payload_len.to_le_bytes());
        out[28..36].copy_from_slice(&checksum.to_le_bytes());
        out
    }
}

fn read(path: &Path) -> Result<Vec<u8>, IndexError> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            IndexError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            IndexError::Io {
                path: path.to_path_buf(),
                op: "reading",
                source,
            }
        }
    })
}

/// Parses index file bytes; `path` only names the file in errors.
fn decode(bytes: &[u8], path: &Path, expected: Option<&IndexParams>) -> Result<Index, IndexError> {
    let corrupt = |detail: String| IndexError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    let n = bytes.len();
    if n < MAGIC.len() {
        return Err(if n == 0 {
            corrupt("the file is empty".into())
        } else if MAGIC.starts_with(bytes) {
            corrupt(format!("truncated to {n} bytes"))
        } else {
            IndexError::Foreign {
                path: path.to_path_buf(),
            }
        });
    }
    if bytes[..16] != MAGIC {
        return Err(IndexError::Foreign {
            path: path.to_path_buf(),
        });
    }
    if n < 20 {
        return Err(corrupt(format!("truncated to {n} bytes")));
    }
    let found = u32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes"));
    if found != FORMAT_VERSION {
        return Err(IndexError::Version {
            path: path.to_path_buf(),
            found,
            supported: FORMAT_VERSION,
        });
    }
    if n < PREFIX_LEN {
        return Err(corrupt(format!("truncated to {n} bytes")));
    }
    let declared = u64::from_le_bytes(bytes[20..28].try_into().expect("8 bytes"));
    let checksum = u64::from_le_bytes(bytes[28..36].try_into().expect("8 bytes"));
    let payload = &bytes[PREFIX_LEN..];
    let actual = payload.len() as u64;
    if actual < declared {
        return Err(corrupt(format!(
            "truncated: {actual} of {declared} data bytes present"
        )));
    }
    if actual > declared {
        return Err(corrupt(format!(
            "{} unexpected bytes after the {declared} data bytes",
            actual - declared
        )));
    }
    if xxh3_64(payload) != checksum {
        return Err(corrupt("checksum mismatch".into()));
    }

    let (header, rest) = postcard::take_from_bytes::<Header>(payload)
        .map_err(|e| corrupt(format!("undecodable header: {e}")))?;
    if header.hash_algorithm != hash_algorithm() {
        return Err(IndexError::Incompatible {
            path: path.to_path_buf(),
            what: format!(
                "hash algorithm `{}` by neardup {} (this neardup: `{}`)",
                header.hash_algorithm,
                header.writer,
                hash_algorithm()
            ),
        });
    }
    let params = IndexParams {
        k: header.k as usize,
        window: header.window as usize,
        num_perm: header.num_perm as usize,
        bands: header.bands as usize,
        rows: header.rows as usize,
    };
    params
        .validate()
        .map_err(|e| corrupt(format!("invalid parameters: {e}")))?;
    if let Some(expected) = expected {
        let diff = params.differences(expected);
        if !diff.is_empty() {
            return Err(IndexError::Incompatible {
                path: path.to_path_buf(),
                what: diff.join(", "),
            });
        }
    }

    let (docs, rest) = postcard::take_from_bytes::<Vec<IndexedDoc>>(rest)
        .map_err(|e| corrupt(format!("undecodable documents: {e}")))?;
    if !rest.is_empty() {
        return Err(corrupt(format!(
            "{} bytes after the last document",
            rest.len()
        )));
    }
    if docs.len() >= u32::MAX as usize {
        return Err(corrupt("too many documents".into()));
    }
    for (i, d) in docs.iter().enumerate() {
        d.check(&params).map_err(&corrupt)?;
        if i > 0 && docs[i - 1].path >= d.path {
            return Err(corrupt(format!(
                "documents out of path order at {}",
                d.path
            )));
        }
    }
    Ok(Index {
        params,
        docs,
        written_by: Some(header.writer),
    })
}

/// A `u64` as 8 raw little-endian bytes (a varint takes 10 for a hash).
mod fixed_u64 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        v.to_le_bytes().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        <[u8; 8]>::deserialize(d).map(u64::from_le_bytes)
    }
}

/// A `Vec<u64>` as one byte string of little-endian `u64`s.
mod u64_array {
    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        s.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        d.deserialize_bytes(U64s)
    }

    struct U64s;

    impl Visitor<'_> for U64s {
        type Value = Vec<u64>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a byte string of little-endian u64s")
        }

        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u64>, E> {
            if !v.len().is_multiple_of(8) {
                return Err(E::invalid_length(v.len(), &self));
            }
            Ok(v.chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidates;
    use crate::sketch::mix64;
    use std::io::Write;

    fn params() -> IndexParams {
        // optimal_params integrates the S-curve: slow in debug, so once.
        static P: OnceLock<IndexParams> = OnceLock::new();
        *P.get_or_init(|| IndexParams::from_options(&ScanOptions::default()))
    }

    /// A synthetic entry with `n_fps` random fingerprints.
    fn synth(path: &str, seed: u64, n_fps: usize, p: &IndexParams) -> IndexedDoc {
        let mut fingerprints: Vec<u64> = (0..n_fps as u64)
            .map(|i| mix64(seed.wrapping_mul(0x9e37_79b9) ^ (i << 40) ^ i))
            .collect();
        fingerprints.sort_unstable();
        fingerprints.dedup();
        IndexedDoc {
            path: path.to_string(),
            content_hash: mix64(!seed),
            size: 2400 + seed % 100,
            mtime: (1_700_000_000 + (seed % 1000) as i64, 5),
            words: 400,
            band_keys: (0..p.bands as u64)
                .map(|b| mix64(seed ^ (b << 50)))
                .collect(),
            repeated: fingerprints.iter().copied().step_by(17).collect(),
            fingerprints,
        }
    }

    /// A small index: three documents, one of them without words.
    fn small() -> Index {
        let p = params();
        let mut ix = Index::new(p);
        ix.upsert(synth("b.txt", 2, 6, &p));
        ix.upsert(synth("a.txt", 1, 5, &p));
        ix.upsert(IndexedDoc {
            path: "c/empty.txt".into(),
            content_hash: 7,
            size: 3,
            mtime: (0, 0),
            words: 0,
            band_keys: vec![],
            fingerprints: vec![],
            repeated: vec![],
        });
        ix
    }

    /// Pseudo-random words from a vocabulary of 2000.
    fn words(seed: u64, n: usize) -> Vec<String> {
        (0..n as u64)
            .map(|i| format!("w{}", mix64(seed ^ (i << 32)) % 2000))
            .collect()
    }

    fn decode_err(bytes: &[u8]) -> IndexError {
        match decode(bytes, Path::new("x.idx"), Some(&params())) {
            Ok(_) => panic!("decoded damaged bytes"),
            Err(e) => e,
        }
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("corpus.idx");
        let ix = small();
        ix.save(&path).unwrap();
        let back = Index::load(&path, &params()).unwrap();
        assert_eq!(back, ix);
        assert_eq!(back.written_by(), Some(env!("CARGO_PKG_VERSION")));
        assert_eq!(ix.written_by(), None);
        assert_eq!(Index::open(&path).unwrap(), ix);
        // Saving again gives the same bytes.
        assert_eq!(back.encode(hash_algorithm()), std::fs::read(&path).unwrap());
        // An empty index too.
        let empty = Index::new(params());
        empty.save(&path).unwrap();
        assert_eq!(Index::load(&path, &params()).unwrap(), empty);
    }

    #[test]
    fn every_byte_flip_is_detected_and_classified() {
        let bytes = small().encode(hash_algorithm());
        for pos in 0..bytes.len() {
            for x in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[pos] ^= x;
                match (pos, decode_err(&b)) {
                    (0..16, IndexError::Foreign { .. }) => {}
                    (16..20, IndexError::Version { found, .. }) => assert_ne!(found, 1),
                    (20.., IndexError::Corrupt { .. }) => {}
                    (pos, e) => panic!("flip at {pos}: {e}"),
                }
            }
        }
    }

    #[test]
    fn every_truncation_is_corrupt() {
        let bytes = small().encode(hash_algorithm());
        for len in 0..bytes.len() {
            match decode_err(&bytes[..len]) {
                IndexError::Corrupt { detail, .. } => {
                    assert!(
                        detail.contains("truncated") || detail.contains("empty"),
                        "{detail}"
                    )
                }
                e => panic!("truncated to {len}: {e}"),
            }
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(decode_err(&longer), IndexError::Corrupt { .. }));
    }

    #[test]
    fn other_files_are_foreign_and_messages_say_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("report.json");
        std::fs::write(&json, br#"{"schema": 1, "findings": []}"#).unwrap();
        let e = Index::load(&json, &params()).unwrap_err();
        assert!(matches!(e, IndexError::Foreign { .. }), "{e}");
        assert_eq!(e.path(), json);
        let msg = e.to_string();
        assert!(
            msg.contains("report.json") && msg.contains("not a neardup index"),
            "{msg}"
        );
        assert!(msg.contains("neardup index build"), "{msg}");
        assert!(matches!(decode_err(b"hi"), IndexError::Foreign { .. }));

        let missing = dir.path().join("missing.idx");
        let e = Index::load(&missing, &params()).unwrap_err();
        assert!(matches!(e, IndexError::NotFound { .. }), "{e}");
        assert!(e.to_string().contains("missing.idx") && e.to_string().contains("index build"));

        // A directory is neither missing nor readable.
        let e = Index::open(dir.path()).unwrap_err();
        assert!(matches!(e, IndexError::Io { op: "reading", .. }), "{e}");
        assert!(e.to_string().contains(&*dir.path().to_string_lossy()));
    }

    #[test]
    fn to_bytes_keeps_the_writer_it_was_read_with() {
        let ix = small();
        let other = ix.encode_as("0.0.1-other", hash_algorithm());
        let back = Index::from_bytes(&other).unwrap();
        assert_eq!(back, ix);
        assert_eq!(back.to_bytes(), other);
        // A new index names this neardup.
        assert_eq!(ix.to_bytes(), ix.encode(hash_algorithm()));
        assert!(matches!(
            Index::from_bytes(b"nope"),
            Err(IndexError::Foreign { .. })
        ));
    }

    #[test]
    fn version_bump_is_refused() {
        let mut bytes = small().encode(hash_algorithm());
        bytes[16..20].copy_from_slice(&2u32.to_le_bytes());
        let e = decode_err(&bytes);
        assert!(
            matches!(
                e,
                IndexError::Version {
                    found: 2,
                    supported: 1,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().contains("x.idx: index format version 2"),
            "{e}"
        );
        assert!(e.to_string().contains("neardup index build"), "{e}");
    }

    #[test]
    fn other_parameters_or_hashes_are_incompatible() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.idx");
        small().save(&path).unwrap();
        let other = IndexParams { k: 7, ..params() };
        let e = Index::load(&path, &other).unwrap_err();
        match &e {
            IndexError::Incompatible { what, .. } => {
                assert_eq!(what, "shingle size 5 (this run: 7)")
            }
            e => panic!("{e}"),
        }
        assert!(e.to_string().contains("c.idx") && e.to_string().contains("index build"));
        let other = IndexParams {
            bands: params().bands - 1,
            window: 4,
            ..params()
        };
        let e = Index::load(&path, &other).unwrap_err().to_string();
        assert!(e.contains("window 8 (this run: 4), LSH bands"), "{e}");
        // open() takes the parameters from the file.
        assert_eq!(Index::open(&path).unwrap().params(), &params());

        let bytes = small().encode("xxh3-64;word-seed=0x1;shingle-seed=0x2");
        for expected in [Some(&params()), None] {
            let e = decode(&bytes, Path::new("c.idx"), expected).unwrap_err();
            match &e {
                IndexError::Incompatible { what, .. } => {
                    assert!(what.contains("word-seed=0x1") && what.contains(hash_algorithm()))
                }
                e => panic!("{e}"),
            }
        }
    }

    #[test]
    fn hash_algorithm_names_the_seeds() {
        let id = hash_algorithm();
        assert!(id.starts_with("xxh3-64;word-seed=0x6e656172647570"), "{id}");
        assert!(id.contains("shingle-seed=0x7368696e676c6531"), "{id}");
        assert!(id.contains(";check="), "{id}");
        assert_eq!(id, hash_algorithm());
        assert_eq!(sketch_check(), sketch_check());
    }

    #[test]
    fn failed_write_leaves_the_old_index_loadable() {
        struct FailAfter<'a> {
            inner: &'a mut dyn std::io::Write,
            left: usize,
        }
        impl std::io::Write for FailAfter<'_> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.left == 0 {
                    return Err(std::io::Error::other("disk full (injected)"));
                }
                let n = buf.len().min(self.left);
                self.left -= n;
                self.inner.write(&buf[..n])
            }
            fn flush(&mut self) -> std::io::Result<()> {
                self.inner.flush()
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.idx");
        let old = small();
        old.save(&path).unwrap();
        let mut new = small();
        new.upsert(synth("d.txt", 4, 500, &params()));
        let bytes = new.encode(hash_algorithm());
        let r = crate::atomic::write_atomic(&path, |w| {
            let left = bytes.len() / 2;
            FailAfter { inner: w, left }.write_all(&bytes)
        });
        assert!(r.is_err());
        assert_eq!(Index::load(&path, &params()).unwrap(), old);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let e = old.save(&dir.path().join("no/such/dir/c.idx")).unwrap_err();
        assert!(matches!(e, IndexError::Io { op: "writing", .. }), "{e}");
        assert!(e.to_string().contains("no/such/dir/c.idx"), "{e}");
    }

    #[test]
    fn valid_checksum_with_bad_contents_is_corrupt() {
        let reframe = |payload: &[u8]| {
            let mut b = MAGIC.to_vec();
            b.extend(FORMAT_VERSION.to_le_bytes());
            b.extend((payload.len() as u64).to_le_bytes());
            b.extend(xxh3_64(payload).to_le_bytes());
            b.extend(payload);
            b
        };
        let header = |p: &IndexParams| {
            postcard::to_stdvec(&Header {
                writer: "test".into(),
                hash_algorithm: hash_algorithm().into(),
                k: p.k as u32,
                window: p.window as u32,
                num_perm: p.num_perm as u32,
                bands: p.bands as u32,
                rows: p.rows as u32,
            })
            .unwrap()
        };
        let detail = |b: &[u8]| match decode_err(b) {
            IndexError::Corrupt { detail, .. } => detail,
            e => panic!("{e}"),
        };
        // A header only, and a claim of 2^40 documents: no allocation storm.
        let mut p = header(&params());
        assert!(detail(&reframe(&p)).contains("undecodable documents"));
        p.extend([0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
        assert!(detail(&reframe(&p)).contains("undecodable documents"));
        // Out of order, duplicated, wrong band count, unsorted fingerprints.
        let pr = params();
        let cases: Vec<(Vec<IndexedDoc>, &str)> = vec![
            (
                vec![synth("b", 1, 3, &pr), synth("a", 2, 3, &pr)],
                "path order",
            ),
            (
                vec![synth("a", 1, 3, &pr), synth("a", 2, 3, &pr)],
                "path order",
            ),
            (
                vec![IndexedDoc {
                    band_keys: vec![1, 2],
                    ..synth("a", 1, 3, &pr)
                }],
                "band keys",
            ),
            (
                vec![IndexedDoc {
                    fingerprints: vec![3, 2],
                    ..synth("a", 1, 3, &pr)
                }],
                "not sorted",
            ),
            (
                vec![IndexedDoc {
                    mtime: (1, 1_000_000_000),
                    ..synth("a", 1, 3, &pr)
                }],
                "nanoseconds",
            ),
        ];
        for (docs, want) in cases {
            let mut p = header(&pr);
            p = postcard::to_extend(&docs, p).unwrap();
            let d = detail(&reframe(&p));
            assert!(d.contains(want), "{d}");
            p.push(0);
            assert!(detail(&reframe(&p)).contains("after the last document"));
        }
        // Parameters that cannot be used.
        let bad = IndexParams { bands: 200, ..pr };
        let mut p = header(&bad);
        p = postcard::to_extend(&Vec::<IndexedDoc>::new(), p).unwrap();
        assert!(detail(&reframe(&p)).contains("invalid parameters"));
    }

    #[test]
    fn upsert_and_retain_keep_path_order() {
        let p = params();
        let mut ix = Index::new(p);
        for (i, name) in ["m", "c", "x", "a", "q"].iter().enumerate() {
            ix.upsert(synth(name, i as u64, 20, &p));
        }
        let paths = |ix: &Index| ix.docs().iter().map(|d| d.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&ix), ["a", "c", "m", "q", "x"]);
        assert_eq!(ix.get("m"), Some(&synth("m", 0, 20, &p)));
        assert_eq!(ix.position("q"), Some(3));
        assert_eq!(ix.get("b"), None);

        // Replace "m"; positions shift on insert of "b".
        let mut m2 = synth("m", 10, 20, &p);
        let fa = ix.get("a").unwrap().fingerprints[0];
        m2.fingerprints.push(fa);
        m2.fingerprints.sort_unstable();
        ix.upsert(m2.clone());
        assert_eq!(ix.len(), 5);
        assert_eq!(ix.get("m"), Some(&m2));
        ix.upsert(synth("b", 11, 20, &p));
        assert_eq!(paths(&ix), ["a", "b", "c", "m", "q", "x"]);
        assert_eq!(ix.position("m"), Some(3));

        ix.retain_paths(|path| path != "a" && path != "q");
        assert_eq!(paths(&ix), ["b", "c", "m", "x"]);
        assert_eq!((ix.position("a"), ix.position("m")), (None, Some(2)));

        // upsert_many: sorted, later of equal paths wins.
        ix.upsert_many([
            synth("z", 20, 5, &p),
            synth("c", 21, 5, &p),
            synth("a", 22, 5, &p),
            synth("c", 23, 5, &p),
        ]);
        assert_eq!(paths(&ix), ["a", "b", "c", "m", "x", "z"]);
        assert_eq!(ix.get("c"), Some(&synth("c", 23, 5, &p)));
        assert_eq!(ix.get("m"), Some(&m2));
        ix.upsert_many([]);
        assert_eq!(ix.len(), 6);
    }

    #[test]
    #[should_panic(expected = "band keys for")]
    fn upsert_refuses_documents_that_would_not_load() {
        let mut ix = Index::new(params());
        ix.upsert(IndexedDoc {
            band_keys: vec![1],
            ..synth("a", 1, 3, &params())
        });
    }

    #[test]
    fn band_keys_reproduce_lsh_candidates() {
        // Signatures agreeing on some bands: pairs sharing a key must be
        // exactly the pairs candidates::signature_candidates finds.
        for (bands, rows, m) in [(16, 8, 128), (3, 70, 256), (1, 130, 130), (9, 13, 128)] {
            let base: Vec<u32> = (0..m as u64).map(|i| mix64(i) as u32).collect();
            let sigs: Vec<Vec<u32>> = (0..20u64)
                .map(|d| {
                    base.iter()
                        .enumerate()
                        .map(|(i, &v)| {
                            // Doc d keeps band (i / rows) of base when that
                            // band's bit in mix64(d) is set.
                            if (mix64(d + 99) >> ((i / rows) % 64)) & 1 == 1 && d % 5 != 0 {
                                v
                            } else {
                                mix64((d << 20) ^ i as u64) as u32
                            }
                        })
                        .collect()
                })
                .chain([Vec::new()])
                .collect();
            let refs: Vec<&[u32]> = sigs.iter().map(|s| s.as_slice()).collect();
            let keys: Vec<Vec<u64>> = refs.iter().map(|s| band_keys(s, bands, rows)).collect();
            let posts = crate::postings::build(keys.iter().map(|k| k.as_slice()), 0);
            let want = candidates::candidates(&[], &posts, |_| false, |_| true, 1);
            let mut got = Vec::new();
            for a in 0..keys.len() {
                for b in a + 1..keys.len() {
                    if keys[a].iter().any(|k| keys[b].contains(k)) {
                        got.push((a as u32, b as u32));
                    }
                }
            }
            assert!(!want.is_empty(), "{bands}x{rows}");
            assert_eq!(got, want, "{bands}x{rows}");
            assert!(keys[20].is_empty());
        }
    }

    #[test]
    fn indexed_doc_from_a_sketch() {
        let p = params();
        let text = words(5, 400).join(" ");
        let s = crate::sketch::sketch(&text, &p.sketch_params(), &mut Scratch::default());
        let old = (1_600_000_000, 123);
        let d = IndexedDoc::new("x", text.as_bytes(), old, &s, &p);
        assert_eq!(d.content_hash, xxh3_64(text.as_bytes()));
        assert_eq!(d.size, text.len() as u64);
        assert_eq!(d.mtime, old);
        assert_eq!(d.words, 400);
        assert_eq!(d.band_keys.len(), p.bands);
        assert_eq!(d.fingerprints, s.fingerprints);
        assert!(d.unchanged(text.len() as u64, old));
        assert!(!d.unchanged(text.len() as u64 + 1, old));
        assert!(!d.unchanged(text.len() as u64, (old.0, 124)));
        // A just-written file's mtime is not trusted.
        let now = stamp(SystemTime::now());
        let fresh = IndexedDoc::new("x", text.as_bytes(), now, &s, &p);
        assert_eq!(fresh.mtime, (0, 0));
        assert!(!fresh.unchanged(fresh.size, (0, 0)));

        let mut ix = Index::new(p);
        ix.upsert(fresh);
        assert!(ix.refresh_stat("x", 9, old));
        assert_eq!(ix.get("x").unwrap().mtime, old);
        assert!(ix.get("x").unwrap().unchanged(9, old));
        assert!(!ix.refresh_stat("y", 9, old));
    }

    #[test]
    fn mtimes() {
        let t = |s: i64, n: u32| {
            if s >= 0 {
                UNIX_EPOCH + std::time::Duration::new(s as u64, n)
            } else {
                UNIX_EPOCH - std::time::Duration::new((-s) as u64, 0)
                    + std::time::Duration::new(0, n)
            }
        };
        assert_eq!(stamp(t(1_700_000_000, 5)), (1_700_000_000, 5));
        assert_eq!(stamp(t(-10, 0)), (-10, 0));
        assert_eq!(stamp(t(-10, 250)), (-10, 250));
        let now = t(1_000, 0);
        assert_eq!(settled_mtime((990, 7), now), (990, 7));
        assert_eq!(settled_mtime((998, 0), now), (0, 0));
        assert_eq!(settled_mtime((5_000, 0), now), (0, 0));
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "x").unwrap();
        let m = mtime_of(&std::fs::metadata(&f).unwrap());
        assert!(m.0 > 1_600_000_000 && m.1 < 1_000_000_000);
    }

    #[test]
    fn typical_document_size_on_disk() {
        // 400-word documents with default parameters and ~40-byte paths.
        let p = params();
        let mut ix = Index::new(p);
        let mut fps = 0;
        ix.upsert_many((0..200).map(|i| {
            let text = words(i, 400).join(" ");
            let s = crate::sketch::sketch(&text, &p.sketch_params(), &mut Scratch::default());
            fps += s.fingerprints.len();
            IndexedDoc::new(
                format!("corpus/section-{:02}/document-{i:06}.txt", i % 13),
                text.as_bytes(),
                (1_700_000_000, 0),
                &s,
                &p,
            )
        }));
        let per_doc = ix.encode(hash_algorithm()).len() / 200;
        eprintln!(
            "{}x{} bands, {} fingerprints/doc, {per_doc} bytes/doc",
            p.bands,
            p.rows,
            fps / 200
        );
        let expect = 40 + 8 * (p.bands + fps / 200) + 30;
        assert!(per_doc <= expect, "{per_doc} > {expect}");
    }

    /// `cargo test --release --lib index::tests::load_100k -- --ignored --nocapture`
    #[test]
    #[ignore = "timing; run in release"]
    fn load_100k() {
        use std::time::Instant;
        let p = params();
        let mut ix = Index::new(p);
        ix.upsert_many((0..100_000u64).map(|i| {
            synth(
                &format!("corpus/section-{:02}/document-{i:06}.txt", i % 13),
                i,
                90,
                &p,
            )
        }));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.idx");
        let t = Instant::now();
        ix.save(&path).unwrap();
        let save = t.elapsed();
        let size = std::fs::metadata(&path).unwrap().len();
        let t = Instant::now();
        let bytes = std::fs::read(&path).unwrap();
        let read = t.elapsed();
        let t = Instant::now();
        let _ = xxh3_64(&bytes);
        let checksum = t.elapsed();
        let t = Instant::now();
        let back = Index::load(&path, &p).unwrap();
        let load = t.elapsed();
        eprintln!(
            "100k docs: {:.1} MB, save {save:?}, load {load:?} (read {read:?}, checksum \
             {checksum:?})",
            size as f64 / 1e6
        );
        assert_eq!(back, ix);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        #[test]
        fn random_bytes_never_load(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600), framed in proptest::prelude::any::<bool>()) {
            let mut b = Vec::new();
            if framed {
                b.extend(MAGIC);
                b.extend(FORMAT_VERSION.to_le_bytes());
            }
            b.extend(bytes);
            proptest::prop_assert!(decode(&b, Path::new("r"), None).is_err());
        }

        #[test]
        fn written_bytes_decode_and_re_encode_to_themselves(
            docs in proptest::collection::vec(("\\PC{0,12}", 0u64..1000, 0usize..40), 0..6),
        ) {
            let p = params();
            let mut ix = Index::new(p);
            ix.upsert_many(docs.iter().map(|(path, seed, n)| synth(path, *seed, *n, &p)));
            let bytes = ix.to_bytes();
            proptest::prop_assert_eq!(&bytes, &ix.encode(hash_algorithm()));
            let back = Index::from_bytes(&bytes).unwrap();
            proptest::prop_assert_eq!(&back, &ix);
            proptest::prop_assert_eq!(back.to_bytes(), bytes);
        }

        #[test]
        fn random_payload_with_valid_frame_never_panics(payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let mut b = MAGIC.to_vec();
            b.extend(FORMAT_VERSION.to_le_bytes());
            b.extend((payload.len() as u64).to_le_bytes());
            b.extend(xxh3_64(&payload).to_le_bytes());
            b.extend(&payload);
            let _ = decode(&b, Path::new("r"), None);
        }

        #[test]
        fn damaged_indexes_never_load(
            docs in proptest::collection::vec(("\\PC{0,12}", 0u64..1000, 0usize..40), 0..6),
            cut in proptest::prelude::any::<proptest::sample::Index>(),
            flip in proptest::prelude::any::<proptest::sample::Index>(),
            x in 1u8..=255,
        ) {
            let p = params();
            let mut ix = Index::new(p);
            ix.upsert_many(docs.iter().map(|(path, seed, n)| synth(path, *seed, *n, &p)));
            let bytes = ix.encode(hash_algorithm());
            let back = decode(&bytes, Path::new("r"), Some(&p)).unwrap();
            proptest::prop_assert_eq!(&back, &ix);
            let len = cut.index(bytes.len());
            proptest::prop_assert!(decode(&bytes[..len], Path::new("r"), None).is_err());
            let mut b = bytes.clone();
            b[flip.index(bytes.len())] ^= x;
            proptest::prop_assert!(decode(&b, Path::new("r"), None).is_err());
        }
    }
}
