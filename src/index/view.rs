//! What a survey and a check read of an index ([`IndexView`]), whether it
//! is held in memory ([`Index`]) or mapped from its file
//! ([`MappedIndex`](super::MappedIndex)).

use super::model::{Index, IndexedDoc};
use super::params::IndexParams;
use super::IndexError;
use crate::postings::Posting;
use ahash::AHashSet;
use rayon::prelude::*;

/// What the stat fast path and the content-hash test compare with a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexedStat {
    /// xxh3-64 of the file bytes.
    pub content_hash: u64,
    /// File size in bytes.
    pub size: u64,
    /// Settled mtime, `(0, 0)` when unknown (see [`IndexedDoc::mtime`]).
    pub mtime: (i64, u32),
}

impl IndexedStat {
    /// As [`IndexedDoc::unchanged`].
    pub fn unchanged(&self, size: u64, mtime: (i64, u32)) -> bool {
        self.mtime != (0, 0) && self.mtime == mtime && self.size == size
    }
}

/// Read access to an index, by document id (position in path order).
///
/// The postings look-ups return, for the hashes asked about, every
/// `(hash, id)` of a document `live` accepts, sorted: what the check's
/// candidate stage needs, whatever the index's representation. A mapped
/// index verifies the checksum of each block it reads the first time it
/// reads it; damage found that way is kept and reported by
/// [`IndexView::damage`] (the answers given meanwhile are then not to be
/// used), since the look-ups themselves do not fail.
pub trait IndexView: Sync {
    /// The parameters the index was built with.
    fn params(&self) -> &IndexParams;
    /// Number of documents.
    fn len(&self) -> usize;
    /// Whether there are no documents.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The id of the document at `path`.
    fn position(&self, path: &str) -> Option<u32>;
    /// Document `id`'s content hash, size and mtime.
    fn stat(&self, id: u32) -> IndexedStat;
    /// Document `id`'s path.
    fn path(&self, id: u32) -> &str;
    /// Document `id`'s word count.
    fn words(&self, id: u32) -> u32;
    /// Document `id`'s distinct passage fingerprints, sorted.
    fn fingerprints(&self, id: u32) -> &[u64];
    /// The fingerprints document `id` repeats, sorted.
    fn repeated(&self, id: u32) -> &[u64];
    /// Document `id` whole.
    fn doc(&self, id: u32) -> IndexedDoc;
    /// Sorted fingerprint postings of `hashes` over the live documents.
    fn fingerprint_postings(
        &self,
        hashes: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
    ) -> Vec<Posting>;
    /// [`IndexView::fingerprint_postings`], each run given as `cut` says
    /// ([`Take`]), so that a run is read only as far as the caller needs.
    /// The default gives every run whole, which is always a right answer
    /// (the caller asks to leave out only what it does not use); a mapped
    /// index cuts.
    fn fingerprint_postings_cut(
        &self,
        hashes: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
        cut: &RunCut<'_>,
    ) -> CutPostings {
        let _ = cut;
        CutPostings {
            postings: self.fingerprint_postings(hashes, live),
            lengths: Vec::new(),
        }
    }
    /// Sorted band-key postings of `keys` over the live documents.
    fn band_postings(
        &self,
        keys: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
    ) -> Vec<Posting>;
    /// The repeated fingerprints chrome detection needs: of every hash that
    /// two live documents repeat, and of every hash of `new_repeated` (what
    /// the new documents repeat) that one live document repeats, one entry
    /// per live document repeating it. A hash only one document repeats in
    /// all (index and new documents) is chrome in no case, so leaving it
    /// out changes no chrome.
    fn repeated_hashes(
        &self,
        new_repeated: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
    ) -> Vec<u64>;
    /// Damage found while reading (a block whose checksum does not match,
    /// an offset out of bounds), if any.
    fn damage(&self) -> Option<IndexError>;
}

/// How a look-up gives the run of one hash's postings
/// ([`IndexView::fingerprint_postings_cut`]), decided from its number of
/// entries (live and stale) before its documents are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// Every live posting.
    Whole,
    /// The live postings from the end back to the `n`-th that
    /// [`RunCut::counts`] accepts; all of them when fewer are accepted.
    Last(usize),
    /// No postings: the number of entries, in [`CutPostings::lengths`].
    Length,
    /// Nothing.
    Nothing,
}

/// What a look-up needs of each run ([`IndexView::fingerprint_postings_cut`]):
/// a caller that needs no more of a long run than its last documents, or
/// than its length, says so, and a hash many documents carry then costs
/// a look-up what a rare one does.
pub struct RunCut<'a> {
    /// How to give a run of this many entries.
    pub take: &'a (dyn Fn(usize) -> Take + Sync),
    /// For [`Take::Last`]: whether live document `doc` counts, for the
    /// run's hash: `counts(hash, doc)`.
    pub counts: &'a (dyn Fn(u64, u32) -> bool + Sync),
}

/// The answer of [`IndexView::fingerprint_postings_cut`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CutPostings {
    /// The postings given, sorted.
    pub postings: Vec<Posting>,
    /// `(hash, entries)` of the runs given as [`Take::Length`], sorted.
    pub lengths: Vec<(u64, usize)>,
}

impl IndexView for Index {
    fn params(&self) -> &IndexParams {
        &self.params
    }
    fn len(&self) -> usize {
        self.docs.len()
    }
    fn position(&self, path: &str) -> Option<u32> {
        Index::position(self, path)
    }
    fn stat(&self, id: u32) -> IndexedStat {
        let d = &self.docs[id as usize];
        IndexedStat {
            content_hash: d.content_hash,
            size: d.size,
            mtime: d.mtime,
        }
    }
    fn path(&self, id: u32) -> &str {
        &self.docs[id as usize].path
    }
    fn words(&self, id: u32) -> u32 {
        self.docs[id as usize].words
    }
    fn fingerprints(&self, id: u32) -> &[u64] {
        &self.docs[id as usize].fingerprints
    }
    fn repeated(&self, id: u32) -> &[u64] {
        &self.docs[id as usize].repeated
    }
    fn doc(&self, id: u32) -> IndexedDoc {
        self.docs[id as usize].clone()
    }
    // In memory there are no postings: one pass over the documents.
    fn fingerprint_postings(
        &self,
        hashes: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
    ) -> Vec<Posting> {
        postings_of(&self.docs, |d| &d.fingerprints, hashes, live)
    }
    fn band_postings(
        &self,
        keys: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
    ) -> Vec<Posting> {
        postings_of(&self.docs, |d| &d.band_keys, keys, live)
    }
    fn repeated_hashes(
        &self,
        _new_repeated: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
    ) -> Vec<u64> {
        // All of them: a superset changes no chrome.
        self.docs
            .iter()
            .enumerate()
            .filter(|&(i, _)| live(i as u32))
            .flat_map(|(_, d)| d.repeated.iter().copied())
            .collect()
    }
    fn damage(&self) -> Option<IndexError> {
        None
    }
}

/// Sorted postings `(hash, doc)` of the live in-memory documents for the
/// hashes in `wanted`, from the list `list` picks of each document.
fn postings_of(
    docs: &[IndexedDoc],
    list: impl Fn(&IndexedDoc) -> &Vec<u64> + Sync,
    wanted: &AHashSet<u64>,
    live: &(dyn Fn(u32) -> bool + Sync),
) -> Vec<Posting> {
    let mut v: Vec<Posting> = docs
        .par_iter()
        .enumerate()
        .filter(|&(i, _)| live(i as u32))
        .flat_map_iter(|(i, d)| {
            list(d)
                .iter()
                .filter(move |h| wanted.contains(*h))
                .map(move |&h| (h, i as u32))
        })
        .collect();
    v.par_sort_unstable();
    v
}
