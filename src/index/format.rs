//! The index file: encoding, decoding and its checks, and why a file is
//! refused ([`IndexError`]). The layout is in the [module docs](super).

use super::model::{Index, IndexedDoc, MAX_DOCUMENTS};
use super::params::{hash_algorithm, IndexParams};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

/// The first bytes of every index file. The high first byte and the CR LF /
/// EOF bytes catch 7-bit and line-ending mangling, as PNG's magic does.
pub const MAGIC: [u8; 16] = *b"\x89NEARDUP-IDX\r\n\x1a\n";

/// The format version this neardup writes (it also reads versions 1 and
/// 2).
pub const FORMAT_VERSION: u32 = 3;

/// Version 2: the sections of version 3 but [`Sec::Fine`], each verified
/// in [`BLOCK`]s whose checksums are in the directory.
pub(super) const V2: u32 = 2;

/// Version 1: one checksummed postcard payload, decoded whole.
pub(super) const V1: u32 = 1;

/// Bytes before a version 1 payload: magic, version, payload length,
/// checksum.
const V1_PREFIX_LEN: usize = 16 + 4 + 8 + 8;

/// Bytes before a version 2 directory: magic, version, a reserved zero
/// word, directory length, directory checksum.
pub(super) const PREFIX_LEN: usize = 16 + 4 + 4 + 8 + 8;

/// A version 2 section, and the [`Sec::Fine`] section of version 3, is
/// checksummed in blocks of this many bytes (the checksums in the
/// directory), each verified the first time a mapped index reads it.
pub(super) const BLOCK: usize = 4096;

/// Every other version 3 section is checksummed in blocks of this many
/// bytes, the checksums in [`Sec::Fine`]: a look-up verifies the few
/// hundred bytes around it, not 4 KiB, and the directory stays small.
pub(super) const FINE: usize = 512;

/// Bytes per document in the metadata section.
pub(super) const META_ROW: usize = 64;

/// The sections of a version 2 file, in file order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sec {
    /// Per document, [`META_ROW`] bytes: content hash, size, mtime seconds
    /// (u64 each), mtime nanoseconds, words, flags (bit 0: has band keys),
    /// zero (u32 each), then the end offsets of its path (bytes), its
    /// fingerprints and its repeated fingerprints (u64 entries).
    Meta,
    /// The paths, concatenated (UTF-8).
    Paths,
    /// The documents' fingerprints, concatenated.
    Fps,
    /// The documents' repeated fingerprints, concatenated.
    Reps,
    /// `bands` keys per document (zeros when it has none).
    Bands,
    /// Fingerprint postings, sorted by (hash, document): the hashes...
    FpHash,
    /// ... and the documents (u32).
    FpDoc,
    /// Band-key postings: keys...
    BandHash,
    /// ... and documents.
    BandDoc,
    /// Repeated fingerprints that two or more documents repeat: hashes...
    RepManyHash,
    /// ... and documents.
    RepManyDoc,
    /// Repeated fingerprints that one document repeats: hashes...
    RepOneHash,
    /// ... and documents.
    RepOneDoc,
    /// Version 3: the xxh3-64 of each [`FINE`] bytes of every section
    /// above, section after section (the last block of each may be shorter).
    Fine,
}

/// Every section of a version 3 file, in file order (version 2 has all but
/// the last).
pub(super) const SECTIONS: [Sec; 14] = [
    Sec::Meta,
    Sec::Paths,
    Sec::Fps,
    Sec::Reps,
    Sec::Bands,
    Sec::FpHash,
    Sec::FpDoc,
    Sec::BandHash,
    Sec::BandDoc,
    Sec::RepManyHash,
    Sec::RepManyDoc,
    Sec::RepOneHash,
    Sec::RepOneDoc,
    Sec::Fine,
];

/// The sections of a file of `version` (2 or 3), in file order.
pub(super) fn sections_in(version: u32) -> &'static [Sec] {
    if version >= 3 {
        &SECTIONS
    } else {
        &SECTIONS[..SECTIONS.len() - 1]
    }
}

/// The checksums of `b` in blocks of `size` bytes.
fn block_sums(b: &[u8], size: usize) -> Vec<u64> {
    b.par_chunks(size).map(xxh3_64).collect()
}

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

/// The header in front of the documents.
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct Header {
    pub(super) writer: String,
    pub(super) hash_algorithm: String,
    k: u32,
    window: u32,
    num_perm: u32,
    bands: u32,
    rows: u32,
}

impl Header {
    fn new(writer: &str, algorithm: &str, p: &IndexParams) -> Header {
        Header {
            writer: writer.to_string(),
            hash_algorithm: algorithm.to_string(),
            // validate() bounds all of these by u32::MAX.
            k: p.k as u32,
            window: p.window as u32,
            num_perm: p.num_perm as u32,
            bands: p.bands as u32,
            rows: p.rows as u32,
        }
    }
}

/// A version 2 section: where it is and its block checksums.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct SectionEntry {
    /// Byte offset in the file (a multiple of 8).
    #[serde(with = "fixed_u64")]
    pub(super) offset: u64,
    /// Length in bytes.
    #[serde(with = "fixed_u64")]
    pub(super) len: u64,
    /// xxh3-64 of each [`BLOCK`] bytes of the section (the last block may be
    /// shorter); empty for a version 3 section other than [`Sec::Fine`].
    #[serde(with = "u64_array")]
    pub(super) sums: Vec<u64>,
}

/// The version 2 directory: header, document count, sections.
#[derive(Serialize, Deserialize)]
pub(super) struct Directory {
    pub(super) header: Header,
    #[serde(with = "fixed_u64")]
    pub(super) docs: u64,
    pub(super) sections: Vec<SectionEntry>,
}

/// A version 2 file's directory, checked against the file's length; the
/// sections' contents are not read.
pub(super) struct Layout {
    /// 2 or 3.
    pub(super) version: u32,
    pub(super) params: IndexParams,
    pub(super) writer: String,
    pub(super) algorithm: String,
    pub(super) docs: usize,
    pub(super) sections: Vec<SectionEntry>,
}

impl Layout {
    /// The block size section `s` is verified in.
    pub(super) fn unit(&self, s: Sec) -> usize {
        if self.version >= 3 && s != Sec::Fine {
            FINE
        } else {
            BLOCK
        }
    }

    /// Per section, the index of its first checksum in [`Sec::Fine`]
    /// (version 3; zeros for version 2).
    pub(super) fn fine_first(&self) -> Vec<usize> {
        let mut at = 0;
        self.sections
            .iter()
            .map(|e| {
                let first = at;
                if self.version >= 3 {
                    at += (e.len as usize).div_ceil(FINE);
                }
                first
            })
            .collect()
    }

    /// The byte range of section `s`.
    pub(super) fn range(&self, s: Sec) -> std::ops::Range<usize> {
        let e = &self.sections[s as usize];
        e.offset as usize..(e.offset + e.len) as usize
    }
}

impl Index {
    /// Writes the index to `path` atomically (a temporary file renamed into
    /// place): a crash or error leaves the previous file intact. Written a
    /// section at a time ([`Index::write_to`]): the file is never whole in
    /// memory.
    pub fn save(&self, path: &Path) -> Result<(), IndexError> {
        let write = |w: &mut dyn crate::atomic::WriteSeek| {
            self.write_to(
                w,
                env!("CARGO_PKG_VERSION"),
                hash_algorithm(),
                FORMAT_VERSION,
            )
        };
        crate::atomic::write_atomic_seekable(path, write).map_err(|source| IndexError::Io {
            path: path.to_path_buf(),
            op: "writing",
            source,
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
    #[cfg(test)]
    fn encode(&self, algorithm: &str) -> Vec<u8> {
        self.encode_as(env!("CARGO_PKG_VERSION"), algorithm)
    }

    /// The file bytes (format version [`FORMAT_VERSION`]), naming `writer`
    /// and `algorithm` in the header.
    pub(super) fn encode_as(&self, writer: &str, algorithm: &str) -> Vec<u8> {
        self.encode_version(writer, algorithm, FORMAT_VERSION)
    }

    /// The file bytes in format `version` (2 or 3: a test writes version 2
    /// files with it).
    pub(super) fn encode_version(&self, writer: &str, algorithm: &str, version: u32) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        self.write_to(&mut out, writer, algorithm, version)
            .expect("writing to memory cannot fail");
        out.into_inner()
    }

    /// Writes the file in format `version` (2 or 3), naming `writer` and
    /// `algorithm` in the header. The sections' lengths are known from the
    /// documents, so the prefix and directory are first written as zeros
    /// of their final length; each section is then built, checksummed and
    /// written on its own (the largest, the fingerprint postings, is what a
    /// save holds at most besides the documents), and the directory, with
    /// the checksums, written over the zeros at the end.
    pub(super) fn write_to(
        &self,
        w: &mut dyn crate::atomic::WriteSeek,
        writer: &str,
        algorithm: &str,
        version: u32,
    ) -> std::io::Result<()> {
        use std::io::SeekFrom;
        let fine = version >= 3;
        let mut plan = SectionPlan::new(&self.docs, self.params.bands);
        let secs = sections_in(version);
        let mut lens: Vec<usize> = secs
            .iter()
            .filter(|&&s| s != Sec::Fine)
            .map(|&s| plan.len(s))
            .collect();
        if fine {
            lens.push(lens.iter().map(|l| 8 * l.div_ceil(FINE)).sum());
        }
        let mut dir = Directory {
            header: Header::new(writer, algorithm, &self.params),
            docs: self.docs.len() as u64,
            sections: lens
                .iter()
                .zip(secs)
                .map(|(&len, &s)| SectionEntry {
                    offset: 0,
                    len: len as u64,
                    sums: if fine && s != Sec::Fine {
                        Vec::new()
                    } else {
                        vec![0; len.div_ceil(BLOCK)]
                    },
                })
                .collect(),
        };
        // Offsets and checksums are fixed-width: the directory's length
        // does not depend on their values.
        let dir_len = postcard::to_stdvec(&dir)
            .expect("directory serializes")
            .len();
        let mut at = PREFIX_LEN + dir_len;
        let mut pads = Vec::with_capacity(lens.len());
        for e in &mut dir.sections {
            let start = at.next_multiple_of(8);
            pads.push(start - at);
            e.offset = start as u64;
            at = start + e.len as usize;
        }
        // The prefix and directory go first, once their checksums are known.
        w.seek(SeekFrom::Start((PREFIX_LEN + dir_len) as u64))?;
        let mut fine_sums = Vec::new();
        for (i, &s) in secs.iter().enumerate() {
            let b = if s == Sec::Fine {
                std::mem::take(&mut fine_sums)
            } else {
                plan.section(s)
            };
            debug_assert_eq!(b.len(), lens[i], "{s:?}");
            if fine && s != Sec::Fine {
                put_u64s(&mut fine_sums, block_sums(&b, FINE));
            } else {
                dir.sections[i].sums = block_sums(&b, BLOCK);
            }
            w.write_all(&[0; 8][..pads[i]])?;
            w.write_all(&b)?;
        }
        let dir_bytes = postcard::to_stdvec(&dir).expect("directory serializes");
        debug_assert_eq!(dir_bytes.len(), dir_len);
        let mut head = Vec::with_capacity(PREFIX_LEN + dir_len);
        head.extend_from_slice(&MAGIC);
        head.extend_from_slice(&version.to_le_bytes());
        head.extend_from_slice(&0u32.to_le_bytes());
        head.extend_from_slice(&(dir_len as u64).to_le_bytes());
        head.extend_from_slice(&xxh3_64(&dir_bytes).to_le_bytes());
        head.extend_from_slice(&dir_bytes);
        let end = w.stream_position()?;
        w.seek(SeekFrom::Start(0))?;
        w.write_all(&head)?;
        w.seek(SeekFrom::Start(end))?;
        Ok(())
    }

    /// The version 1 file bytes (a test writes old indexes with it).
    #[cfg(test)]
    pub(super) fn encode_v1(&self, writer: &str, algorithm: &str) -> Vec<u8> {
        let header = Header::new(writer, algorithm, &self.params);
        let mut out = vec![0; V1_PREFIX_LEN];
        out = postcard::to_extend(&header, out).expect("header serializes");
        let mut out = postcard::to_extend(&self.docs, out).expect("documents serialize");
        let payload_len = (out.len() - V1_PREFIX_LEN) as u64;
        let checksum = xxh3_64(&out[V1_PREFIX_LEN..]);
        out[..16].copy_from_slice(&MAGIC);
        out[16..20].copy_from_slice(&V1.to_le_bytes());
        out[20..28].copy_from_slice(&payload_len.to_le_bytes());
        out[28..36].copy_from_slice(&checksum.to_le_bytes());
        out
    }
}

fn put_u64s(out: &mut Vec<u8>, v: impl IntoIterator<Item = u64>) {
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// The sections of `docs` (sorted by path), built one at a time
/// ([`SectionPlan::section`]), with their lengths known beforehand
/// ([`SectionPlan::len`]).
struct SectionPlan<'d> {
    docs: &'d [IndexedDoc],
    bands: usize,
    paths: usize,
    fps: usize,
    reps: usize,
    band_keys: usize,
    /// The repeated-fingerprint postings (short: most documents repeat
    /// none) that two or more documents share, and the rest.
    rep_many: Vec<(u64, u32)>,
    rep_one: Vec<(u64, u32)>,
    /// The fingerprint or band-key postings of the hash section just
    /// built, for its document section next.
    last: Option<(Sec, Vec<(u64, u32)>)>,
}

impl<'d> SectionPlan<'d> {
    fn new(docs: &'d [IndexedDoc], bands: usize) -> SectionPlan<'d> {
        let sum = |f: &dyn Fn(&IndexedDoc) -> usize| docs.iter().map(f).sum::<usize>();
        let rep = postings(docs, |d| &d.repeated);
        let (mut rep_many, mut rep_one) = (Vec::new(), Vec::new());
        for same in rep.chunk_by(|x, y| x.0 == y.0) {
            if same.len() >= 2 {
                rep_many.extend_from_slice(same);
            } else {
                rep_one.extend_from_slice(same);
            }
        }
        SectionPlan {
            docs,
            bands,
            paths: sum(&|d| d.path.len()),
            fps: sum(&|d| d.fingerprints.len()),
            reps: sum(&|d| d.repeated.len()),
            band_keys: sum(&|d| d.band_keys.len()),
            rep_many,
            rep_one,
            last: None,
        }
    }

    /// The length in bytes of section `s` (not [`Sec::Fine`]).
    fn len(&self, s: Sec) -> usize {
        match s {
            Sec::Meta => META_ROW * self.docs.len(),
            Sec::Paths => self.paths,
            Sec::Fps | Sec::FpHash => 8 * self.fps,
            Sec::FpDoc => 4 * self.fps,
            Sec::Reps => 8 * self.reps,
            Sec::Bands => 8 * self.bands * self.docs.len(),
            Sec::BandHash => 8 * self.band_keys,
            Sec::BandDoc => 4 * self.band_keys,
            Sec::RepManyHash => 8 * self.rep_many.len(),
            Sec::RepManyDoc => 4 * self.rep_many.len(),
            Sec::RepOneHash => 8 * self.rep_one.len(),
            Sec::RepOneDoc => 4 * self.rep_one.len(),
            Sec::Fine => unreachable!("the checksum section is built by the writer"),
        }
    }

    /// The bytes of section `s` (not [`Sec::Fine`]).
    fn section(&mut self, s: Sec) -> Vec<u8> {
        let docs = self.docs;
        // Each postings list is sorted once, for its hashes and then its
        // documents.
        let mut out = Vec::with_capacity(self.len(s));
        let mut last = self.last.take();
        let mut sorted = |hashes: Sec, list: fn(&IndexedDoc) -> &[u64]| match last.take() {
            Some((h, v)) if h == hashes => v,
            _ => postings(docs, list),
        };
        let mut keep = None;
        match s {
            Sec::Meta => {
                let (mut path_end, mut fp_end, mut rep_end) = (0u64, 0u64, 0u64);
                for d in docs {
                    path_end += d.path.len() as u64;
                    fp_end += d.fingerprints.len() as u64;
                    rep_end += d.repeated.len() as u64;
                    let has_bands = !d.band_keys.is_empty();
                    put_u64s(&mut out, [d.content_hash, d.size, d.mtime.0 as u64]);
                    for w in [d.mtime.1, d.words, has_bands as u32, 0] {
                        out.extend_from_slice(&w.to_le_bytes());
                    }
                    put_u64s(&mut out, [path_end, fp_end, rep_end]);
                }
            }
            Sec::Paths => docs
                .iter()
                .for_each(|d| out.extend_from_slice(d.path.as_bytes())),
            Sec::Fps => docs
                .iter()
                .for_each(|d| put_u64s(&mut out, d.fingerprints.iter().copied())),
            Sec::Reps => docs
                .iter()
                .for_each(|d| put_u64s(&mut out, d.repeated.iter().copied())),
            Sec::Bands => {
                for d in docs {
                    if d.band_keys.is_empty() {
                        out.resize(out.len() + 8 * self.bands, 0);
                    } else {
                        put_u64s(&mut out, d.band_keys.iter().copied());
                    }
                }
            }
            Sec::FpHash | Sec::BandHash => {
                let list: fn(&IndexedDoc) -> &[u64] = if s == Sec::FpHash {
                    |d| &d.fingerprints
                } else {
                    |d| &d.band_keys
                };
                let v = sorted(s, list);
                put_hashes(&mut out, &v);
                keep = Some((s, v));
            }
            Sec::FpDoc => put_docs(&mut out, &sorted(Sec::FpHash, |d| &d.fingerprints)),
            Sec::BandDoc => put_docs(&mut out, &sorted(Sec::BandHash, |d| &d.band_keys)),
            Sec::RepManyHash => put_hashes(&mut out, &self.rep_many),
            Sec::RepManyDoc => put_docs(&mut out, &self.rep_many),
            Sec::RepOneHash => put_hashes(&mut out, &self.rep_one),
            Sec::RepOneDoc => put_docs(&mut out, &self.rep_one),
            Sec::Fine => unreachable!("the checksum section is built by the writer"),
        }
        self.last = keep;
        out
    }
}

/// The postings of one of each document's hash lists, sorted by (hash,
/// document).
fn postings(docs: &[IndexedDoc], list: impl Fn(&IndexedDoc) -> &[u64] + Sync) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = docs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, d)| list(d).iter().map(move |&h| (h, i as u32)))
        .collect();
    v.par_sort_unstable();
    v
}

/// A postings section's hashes...
fn put_hashes(out: &mut Vec<u8>, v: &[(u64, u32)]) {
    put_u64s(out, v.iter().map(|p| p.0));
}

/// ... and its documents.
fn put_docs(out: &mut Vec<u8>, v: &[(u64, u32)]) {
    for p in v {
        out.extend_from_slice(&p.1.to_le_bytes());
    }
}

fn read(path: &Path) -> Result<Vec<u8>, IndexError> {
    std::fs::read(path).map_err(|source| io_error(path, source))
}

/// An I/O failure reading the index at `path`: `NotFound` when it is not
/// there.
pub(super) fn io_error(path: &Path, source: std::io::Error) -> IndexError {
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
}

/// The error for damage found in the index at `path`.
fn corrupt_at(path: &Path) -> impl Fn(String) -> IndexError + '_ {
    move |detail| IndexError::Corrupt {
        path: path.to_path_buf(),
        detail,
    }
}

/// The little-endian `u64` at `at` of `bytes` (which hold it).
fn le_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Parses index file bytes, any version this neardup reads; `path` only
/// names the file in errors.
fn decode(bytes: &[u8], path: &Path, expected: Option<&IndexParams>) -> Result<Index, IndexError> {
    match version(bytes, path)? {
        V1 => decode_v1(bytes, path, expected),
        _ => decode_v2(bytes, path, expected),
    }
}

/// The format version of index file bytes, after the magic: an error
/// unless it is one this neardup reads.
pub(super) fn version(bytes: &[u8], path: &Path) -> Result<u32, IndexError> {
    let corrupt = corrupt_at(path);
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
    if found != FORMAT_VERSION && found != V2 && found != V1 {
        return Err(IndexError::Version {
            path: path.to_path_buf(),
            found,
            supported: FORMAT_VERSION,
        });
    }
    Ok(found)
}

/// The parameters of a header, checked against this build's hash
/// algorithm and, when given, the `expected` parameters.
fn header_params(
    header: &Header,
    path: &Path,
    expected: Option<&IndexParams>,
) -> Result<IndexParams, IndexError> {
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
    params.validate().map_err(|e| IndexError::Corrupt {
        path: path.to_path_buf(),
        detail: format!("invalid parameters: {e}"),
    })?;
    if let Some(expected) = expected {
        let diff = params.differences(expected);
        if !diff.is_empty() {
            return Err(IndexError::Incompatible {
                path: path.to_path_buf(),
                what: diff.join(", "),
            });
        }
    }
    Ok(params)
}

/// Every document fits `params` and the paths are sorted and distinct.
fn validate_docs(docs: &[IndexedDoc], params: &IndexParams, path: &Path) -> Result<(), IndexError> {
    let corrupt = corrupt_at(path);
    if docs.len() > MAX_DOCUMENTS {
        return Err(corrupt("too many documents".into()));
    }
    for (i, d) in docs.iter().enumerate() {
        d.fits(params).map_err(|e| corrupt(e.to_string()))?;
        if i > 0 && docs[i - 1].path >= d.path {
            return Err(corrupt(format!(
                "documents out of path order at {}",
                d.path
            )));
        }
    }
    Ok(())
}

/// Reads the prefix and the directory of version 2 or 3 file bytes and
/// checks the sections' places against the file (in order, aligned, the
/// padding between them zero, sizes that agree with the document count),
/// reading none of their contents: `O(sections + blocks / 512)`, the
/// blocks of version 3 being those of [`Sec::Fine`] (1/32768 of the file).
pub(super) fn layout(
    bytes: &[u8],
    path: &Path,
    expected: Option<&IndexParams>,
) -> Result<Layout, IndexError> {
    let corrupt = corrupt_at(path);
    let n = bytes.len();
    if n < PREFIX_LEN {
        return Err(corrupt(format!("truncated to {n} bytes")));
    }
    if bytes[20..24] != [0; 4] {
        return Err(corrupt("reserved header bytes are not zero".into()));
    }
    let file_version = u32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes"));
    let sections = sections_in(file_version);
    let dir_len = le_u64(bytes, 24);
    let checksum = le_u64(bytes, 32);
    let present = (n - PREFIX_LEN) as u64;
    if present < dir_len {
        return Err(corrupt(format!(
            "truncated: {present} of {dir_len} directory bytes present"
        )));
    }
    let dir_bytes = &bytes[PREFIX_LEN..PREFIX_LEN + dir_len as usize];
    if xxh3_64(dir_bytes) != checksum {
        return Err(corrupt("directory checksum mismatch".into()));
    }
    let (dir, rest) = postcard::take_from_bytes::<Directory>(dir_bytes)
        .map_err(|e| corrupt(format!("undecodable directory: {e}")))?;
    if !rest.is_empty() {
        return Err(corrupt(format!("{} bytes after the directory", rest.len())));
    }
    let params = header_params(&dir.header, path, expected)?;
    if dir.sections.len() != sections.len() {
        return Err(corrupt(format!(
            "{} sections, not {}",
            dir.sections.len(),
            sections.len()
        )));
    }
    if dir.docs > MAX_DOCUMENTS as u64 {
        return Err(corrupt("too many documents".into()));
    }
    let docs = dir.docs as usize;
    let mut at = (PREFIX_LEN as u64) + dir_len;
    let mut fine_blocks = 0u64;
    for (e, &s) in dir.sections.iter().zip(sections) {
        let bad = |what: &str| corrupt(format!("section {s:?}: {what}"));
        if e.offset < at || e.offset % 8 != 0 || e.offset - at >= 8 {
            return Err(bad("misplaced"));
        }
        let end = e.offset.checked_add(e.len).ok_or_else(|| bad("too long"))?;
        let in_directory = if file_version >= 3 && s != Sec::Fine {
            fine_blocks += e.len.div_ceil(FINE as u64);
            0
        } else {
            e.len.div_ceil(BLOCK as u64)
        };
        if e.sums.len() as u64 != in_directory {
            return Err(bad("wrong number of block checksums"));
        }
        let fits = match s {
            Sec::Meta => e.len == (META_ROW * docs) as u64,
            Sec::Bands => e.len == (8 * params.bands * docs) as u64,
            Sec::Paths => true,
            Sec::Fine => e.len == 8 * fine_blocks,
            _ => {
                e.len % 8 == 0
                    || matches!(
                        s,
                        Sec::FpDoc | Sec::BandDoc | Sec::RepManyDoc | Sec::RepOneDoc
                    )
            }
        };
        if !fits {
            return Err(bad("wrong length"));
        }
        if end > n as u64 {
            // The padding before the section, if present, still counts.
            return Err(corrupt(format!(
                "truncated: {n} of {} bytes present",
                dir.sections.last().map_or(end, |l| l.offset + l.len)
            )));
        }
        if bytes[at as usize..e.offset as usize]
            .iter()
            .any(|&b| b != 0)
        {
            return Err(bad("padding is not zero"));
        }
        at = end;
    }
    if (n as u64) > at {
        return Err(corrupt(format!(
            "{} unexpected bytes after the last section",
            n as u64 - at
        )));
    }
    for (h, d) in [
        (Sec::FpHash, Sec::FpDoc),
        (Sec::BandHash, Sec::BandDoc),
        (Sec::RepManyHash, Sec::RepManyDoc),
        (Sec::RepOneHash, Sec::RepOneDoc),
    ] {
        if dir.sections[h as usize].len != 2 * dir.sections[d as usize].len {
            return Err(corrupt(format!("sections {h:?} and {d:?} disagree")));
        }
    }
    Ok(Layout {
        version: file_version,
        params,
        writer: dir.header.writer,
        algorithm: dir.header.hash_algorithm,
        docs,
        sections: dir.sections,
    })
}

/// Little-endian `u64` `i` of `b`, if there.
fn u64_at(b: &[u8], i: usize) -> Option<u64> {
    let s = b.get(8 * i..8 * i + 8)?;
    Some(u64::from_le_bytes(s.try_into().expect("8 bytes")))
}

/// Decodes version 2 or 3 file bytes whole: every block checksum, every
/// document, and the postings, which must be those of the documents (the
/// bytes must be what saving the decoded index writes).
fn decode_v2(
    bytes: &[u8],
    path: &Path,
    expected: Option<&IndexParams>,
) -> Result<Index, IndexError> {
    let corrupt = corrupt_at(path);
    let layout = layout(bytes, path, expected)?;
    let sections = sections_in(layout.version);
    // Version 3: the fine checksums are verified by the directory's, then
    // every other section by them.
    let fine_first = layout.fine_first();
    let fine = (layout.version >= 3).then(|| &bytes[layout.range(Sec::Fine)]);
    for (i, &s) in sections.iter().enumerate().rev() {
        let sec = &bytes[layout.range(s)];
        let unit = layout.unit(s);
        let mismatch = sec.chunks(unit).enumerate().find(|&(b, block)| {
            let want = match fine {
                Some(f) if s != Sec::Fine => u64_at(f, fine_first[i] + b),
                _ => layout.sections[i].sums.get(b).copied(),
            };
            want != Some(xxh3_64(block))
        });
        if let Some((b, _)) = mismatch {
            return Err(corrupt(format!(
                "checksum mismatch in section {s:?}, block {b}"
            )));
        }
    }
    let sec = |s: Sec| &bytes[layout.range(s)];
    let (meta, paths, fps, reps, bands) = (
        sec(Sec::Meta),
        sec(Sec::Paths),
        sec(Sec::Fps),
        sec(Sec::Reps),
        sec(Sec::Bands),
    );
    let b = layout.params.bands;
    let mut docs = Vec::with_capacity(layout.docs);
    let (mut path_at, mut fp_at, mut rep_at) = (0usize, 0usize, 0usize);
    for i in 0..layout.docs {
        let row = &meta[META_ROW * i..META_ROW * (i + 1)];
        let w = |j: usize| u32::from_le_bytes(row[24 + 4 * j..28 + 4 * j].try_into().expect("4"));
        let q = |j: usize| u64_at(row, j).expect("in the row");
        let bad = || corrupt(format!("document {i}: offsets out of bounds"));
        let (path_end, fp_end, rep_end) = (q(5) as usize, q(6) as usize, q(7) as usize);
        if path_end < path_at || fp_end < fp_at || rep_end < rep_at || w(2) > 1 || w(3) != 0 {
            return Err(bad());
        }
        let name = paths.get(path_at..path_end).ok_or_else(bad)?;
        let name = std::str::from_utf8(name)
            .map_err(|_| corrupt(format!("document {i}: path is not UTF-8")))?;
        let list = |b: &[u8], from: usize, to: usize| -> Option<Vec<u64>> {
            (from..to).map(|j| u64_at(b, j)).collect()
        };
        docs.push(IndexedDoc {
            path: name.to_string(),
            content_hash: q(0),
            size: q(1),
            mtime: (q(2) as i64, w(0)),
            words: w(1),
            band_keys: if w(2) == 1 {
                list(bands, b * i, b * (i + 1)).ok_or_else(bad)?
            } else {
                Vec::new()
            },
            fingerprints: list(fps, fp_at, fp_end).ok_or_else(bad)?,
            repeated: list(reps, rep_at, rep_end).ok_or_else(bad)?,
        });
        (path_at, fp_at, rep_at) = (path_end, fp_end, rep_end);
    }
    validate_docs(&docs, &layout.params, path)?;
    let index = Index {
        params: layout.params,
        docs,
        written_by: Some(layout.writer.clone()),
    };
    // Compared as it is written, without a second copy of the file.
    let mut cmp = Compare {
        bytes,
        pos: 0,
        end: 0,
        same: true,
    };
    let wrote = index.write_to(&mut cmp, &layout.writer, &layout.algorithm, layout.version);
    if wrote.is_err() || !cmp.same || cmp.end != bytes.len() as u64 {
        return Err(corrupt(
            "the sections do not agree with the documents (postings, lengths or padding)".into(),
        ));
    }
    Ok(index)
}

/// A writer that compares what is written with `bytes` at the same place.
struct Compare<'b> {
    bytes: &'b [u8],
    pos: u64,
    /// The furthest byte written.
    end: u64,
    same: bool,
}

impl std::io::Write for Compare<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let at = self.pos as usize;
        self.same = self.same && self.bytes.get(at..at + buf.len()) == Some(buf);
        self.pos += buf.len() as u64;
        self.end = self.end.max(self.pos);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl std::io::Seek for Compare<'_> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.pos = match to {
            std::io::SeekFrom::Start(p) => p,
            std::io::SeekFrom::Current(0) => self.pos,
            _ => return Err(std::io::Error::other("only seeks from the start")),
        };
        Ok(self.pos)
    }
}

/// Decodes version 1 file bytes (magic and version already checked).
fn decode_v1(
    bytes: &[u8],
    path: &Path,
    expected: Option<&IndexParams>,
) -> Result<Index, IndexError> {
    let corrupt = corrupt_at(path);
    let n = bytes.len();
    if n < V1_PREFIX_LEN {
        return Err(corrupt(format!("truncated to {n} bytes")));
    }
    let declared = le_u64(bytes, 20);
    let checksum = le_u64(bytes, 28);
    let payload = &bytes[V1_PREFIX_LEN..];
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
    let params = header_params(&header, path, expected)?;
    let (docs, rest) = postcard::take_from_bytes::<Vec<IndexedDoc>>(rest)
        .map_err(|e| corrupt(format!("undecodable documents: {e}")))?;
    if !rest.is_empty() {
        return Err(corrupt(format!(
            "{} bytes after the last document",
            rest.len()
        )));
    }
    validate_docs(&docs, &params, path)?;
    Ok(Index {
        params,
        docs,
        written_by: Some(header.writer),
    })
}

/// A `u64` as 8 raw little-endian bytes (a varint takes 10 for a hash).
pub(super) mod fixed_u64 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        v.to_le_bytes().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        <[u8; 8]>::deserialize(d).map(u64::from_le_bytes)
    }
}

/// A `Vec<u64>` as one byte string of little-endian `u64`s.
pub(super) mod u64_array {
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
    use crate::index::testing::{params, small, synth, words};
    use crate::sketch::Scratch;
    use std::io::Write;

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
        let empty = Index::new(params()).unwrap();
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
                    (16..20, IndexError::Version { found, .. }) => {
                        assert!(![V1, V2, FORMAT_VERSION].contains(&found))
                    }
                    // A version this neardup also reads: its layout differs.
                    (16..20, IndexError::Corrupt { .. })
                        if [V1, V2]
                            .contains(&(FORMAT_VERSION ^ ((x as u32) << (8 * (pos - 16))))) => {}
                    (20.., IndexError::Corrupt { .. }) => {}
                    (pos, e) => panic!("flip at {pos}: {e}"),
                }
            }
        }
    }

    #[test]
    fn version_2_files_are_read_and_written_back_as_version_3() {
        let ix = small();
        let v2 = ix.encode_version("0.1.0", hash_algorithm(), V2);
        assert_eq!(v2[16..20], V2.to_le_bytes());
        let back = Index::from_bytes(&v2).unwrap();
        assert_eq!(back.docs(), ix.docs());
        let v3 = back.to_bytes();
        assert_eq!(v3[16..20], FORMAT_VERSION.to_le_bytes());
        assert!(v3.len() > v2.len());
        assert_eq!(Index::from_bytes(&v3).unwrap().docs(), ix.docs());
        // Damage past the prefix of a version 2 file is still found.
        for pos in (40..v2.len()).step_by(7) {
            let mut b = v2.clone();
            b[pos] ^= 0x20;
            assert!(
                matches!(decode_err(&b), IndexError::Corrupt { .. }),
                "flip at {pos}"
            );
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
    fn a_version_1_index_is_still_read() {
        let ix = small();
        let v1 = ix.encode_v1("0.0.9", hash_algorithm());
        let back = decode(&v1, Path::new("old.idx"), Some(&params())).unwrap();
        assert_eq!(back, ix);
        assert_eq!(back.written_by(), Some("0.0.9"));
        // Saved again, it is version 2.
        assert_eq!(back.to_bytes()[16..20], FORMAT_VERSION.to_le_bytes());
        assert_eq!(Index::from_bytes(&back.to_bytes()).unwrap(), ix);
    }

    #[test]
    fn version_bump_is_refused() {
        let mut bytes = small().encode(hash_algorithm());
        bytes[16..20].copy_from_slice(&4u32.to_le_bytes());
        let e = decode_err(&bytes);
        assert!(
            matches!(
                e,
                IndexError::Version {
                    found: 4,
                    supported: 3,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().contains("x.idx: index format version 4"),
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
        new.upsert(synth("d.txt", 4, 500, &params())).unwrap();
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
        // Version 1 documents, decoded whole.
        let reframe = |payload: &[u8]| {
            let mut b = MAGIC.to_vec();
            b.extend(V1.to_le_bytes());
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
    fn typical_document_size_on_disk() {
        // 400-word documents with default parameters and ~40-byte paths.
        let p = params();
        let mut ix = Index::new(p).unwrap();
        let mut fps = 0;
        ix.upsert_many((0..200).map(|i| {
            let text = words(i, 400).join(" ");
            let s = crate::sketch::sketch(&text, &p.sketch_params(), &mut Scratch::default());
            fps += s.fingerprints().len();
            IndexedDoc::new(
                format!("corpus/section-{:02}/document-{i:06}.txt", i % 13),
                text.as_bytes(),
                (1_700_000_000, 0),
                &s,
                &p,
            )
        }))
        .unwrap();
        let per_doc = ix.encode(hash_algorithm()).len() / 200;
        eprintln!(
            "{}x{} bands, {} fingerprints/doc, {per_doc} bytes/doc",
            p.bands,
            p.rows,
            fps / 200
        );
        // Stored twice, per document and as postings (8 + 4 bytes each),
        // plus the 64-byte metadata row, and the fine checksums (8 bytes
        // per 512).
        let expect = (40 + 20 * (p.bands + fps / 200) + 64 + 30) * 65 / 64;
        assert!(per_doc <= expect, "{per_doc} > {expect}");
    }

    /// `cargo test --release --lib index::tests::load_100k -- --ignored --nocapture`
    #[test]
    #[ignore = "timing; run in release"]
    fn load_100k() {
        use std::time::Instant;
        let p = params();
        let mut ix = Index::new(p).unwrap();
        ix.upsert_many((0..100_000u64).map(|i| {
            synth(
                &format!("corpus/section-{:02}/document-{i:06}.txt", i % 13),
                i,
                90,
                &p,
            )
        }))
        .unwrap();
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
            let mut ix = Index::new(p).unwrap();
            ix.upsert_many(docs.iter().map(|(path, seed, n)| synth(path, *seed, *n, &p))).unwrap();
            let bytes = ix.to_bytes();
            proptest::prop_assert_eq!(&bytes, &ix.encode(hash_algorithm()));
            let back = Index::from_bytes(&bytes).unwrap();
            proptest::prop_assert_eq!(&back, &ix);
            proptest::prop_assert_eq!(back.to_bytes(), bytes);
        }

        #[test]
        fn random_payload_with_valid_frame_never_panics(payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let mut b = MAGIC.to_vec();
            b.extend(V1.to_le_bytes());
            b.extend((payload.len() as u64).to_le_bytes());
            b.extend(xxh3_64(&payload).to_le_bytes());
            b.extend(&payload);
            let _ = decode(&b, Path::new("r"), None);
        }

        #[test]
        fn random_directory_with_valid_checksum_never_panics(
            dir in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        ) {
            let mut b = MAGIC.to_vec();
            b.extend(FORMAT_VERSION.to_le_bytes());
            b.extend(0u32.to_le_bytes());
            b.extend((dir.len() as u64).to_le_bytes());
            b.extend(xxh3_64(&dir).to_le_bytes());
            b.extend(&dir);
            b.extend(&tail);
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
            let mut ix = Index::new(p).unwrap();
            ix.upsert_many(docs.iter().map(|(path, seed, n)| synth(path, *seed, *n, &p))).unwrap();
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
