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
//! The parts: the index in memory (`model`: [`Index`], [`IndexedDoc`]), what
//! it is built with (`params`: [`IndexParams`], [`hash_algorithm`]), the
//! file and why one is refused (`format`: [`IndexError`]), the stat stamps
//! that let an update skip unchanged files (`stamp`: [`mtime_of`]), and a
//! corpus compared with an index ([`survey`], [`jsonl`] for JSON Lines).
//!
//! # File layout (format version 3)
//!
//! ```text
//! offset  size  field
//!      0    16  magic  b"\x89NEARDUP-IDX\r\n\x1a\n"
//!     16     4  format version, u32 little-endian (3)
//!     20     4  zero
//!     24     8  directory length in bytes, u64 little-endian
//!     32     8  xxh3-64 of the directory
//!     40     d  directory: postcard(header, document count, 14 sections
//!               as (offset, length, block checksums: empty but for the
//!               last section's, xxh3-64 of each of its 4 KiB blocks))
//!      …        the sections, each at a multiple of 8, zero padding between
//! ```
//!
//! The sections are fixed-width little-endian arrays, in this order: a
//! 64-byte row per document (content hash, size, mtime, words, flags, and
//! the end offsets of its path, fingerprints and repeated fingerprints),
//! the paths concatenated, the fingerprints concatenated, the repeated
//! fingerprints concatenated, `bands` keys per document, then sorted
//! postings as a hash array and a document array each: fingerprints, band
//! keys, repeated fingerprints two or more documents repeat, and those one
//! document repeats, and last the fine checksums: the xxh3-64 of each
//! 512-byte block of every other section, section after section. A check
//! maps the file ([`MappedIndex`], through
//! [`open_view`]) and binary-searches the postings, reading and verifying
//! only the blocks it touches (a 512-byte block after the 4 KiB block of
//! fine checksums that holds its checksum); `index update` decodes it whole
//! ([`Index::load`]), checking every block and that the bytes are exactly
//! what saving the decoded index writes (so postings can never disagree
//! with the documents). Version 2 (the same sections without the fine
//! checksums, every section checksummed per 4 KiB in the directory) is
//! still read, mapped or whole, and version 1 (one postcard payload behind
//! a single checksum), whole; both are written as version 3 by the next
//! update.
//!
//! The header records the parameters the index was built with
//! ([`IndexParams`]), the hash algorithm identifier ([`hash_algorithm`]) and
//! the neardup version that wrote it (informational).
//!
//! Loading checks, in order: magic ([`IndexError::Foreign`]), format version
//! ([`IndexError::Version`]), the directory's length and checksum and the
//! sections' places ([`IndexError::Corrupt`]), hash algorithm and
//! parameters ([`IndexError::Incompatible`]); then, decoding whole, every
//! block and document; mapped, each block when first read
//! ([`IndexView::damage`]). No byte input panics or loads as anything but
//! the index that was saved.

mod format;
pub mod jsonl;
mod mapped;
mod model;
mod params;
mod stamp;
pub mod survey;
mod view;

pub use format::{IndexError, FORMAT_VERSION, MAGIC};
pub use mapped::{open_view, MappedIndex};
pub use model::{Index, IndexedDoc, UnfitDocument, MAX_DOCUMENTS};
pub use params::{hash_algorithm, IndexParams, InvalidParams};
pub use stamp::{mtime_of, settled_mtime, MTIME_SETTLE_SECS};
pub use survey::index_key;
pub use view::{CutPostings, IndexView, IndexedStat, RunCut, Take};

/// The LSH band keys stored per document are the engine's own
/// ([`crate::candidates::band_keys`]), so indexed and new documents collide
/// exactly as they would in one scan.
pub use crate::candidates::band_keys;

/// Index parameters and documents for the tests of every part.
#[cfg(test)]
mod testing {
    use super::{Index, IndexParams, IndexedDoc};
    use crate::config::ScanOptions;
    use crate::sketch::mix64;
    use std::sync::OnceLock;

    pub fn params() -> IndexParams {
        // optimal_params integrates the S-curve: slow in debug, so once.
        static P: OnceLock<IndexParams> = OnceLock::new();
        *P.get_or_init(|| IndexParams::from_options(&ScanOptions::default()))
    }

    /// A synthetic entry with `n_fps` random fingerprints.
    pub fn synth(path: &str, seed: u64, n_fps: usize, p: &IndexParams) -> IndexedDoc {
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
    pub fn small() -> Index {
        let p = params();
        let mut ix = Index::new(p).unwrap();
        ix.upsert(synth("b.txt", 2, 6, &p)).unwrap();
        ix.upsert(synth("a.txt", 1, 5, &p)).unwrap();
        ix.upsert(IndexedDoc {
            path: "c/empty.txt".into(),
            content_hash: 7,
            size: 3,
            mtime: (0, 0),
            words: 0,
            band_keys: vec![],
            fingerprints: vec![],
            repeated: vec![],
        })
        .unwrap();
        ix
    }

    /// Pseudo-random words from a vocabulary of 2000.
    pub fn words(seed: u64, n: usize) -> Vec<String> {
        (0..n as u64)
            .map(|i| format!("w{}", mix64(seed ^ (i << 32)) % 2000))
            .collect()
    }
}
