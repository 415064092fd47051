//! A version 2 or 3 index read in place: the file is memory-mapped and a
//! check reads only the blocks it looks at, each verified against its
//! checksum the first time it is read.
//!
//! Opening reads the prefix and the directory (header, section places,
//! block checksums) and checks them: `O(1)` in the documents but for the
//! checksum list, 1/32768 of a version 3 file (8 bytes per 4 KiB of the
//! [`Sec::Fine`] checksums, which are 8 bytes per 512 bytes of the rest;
//! version 2: 8 bytes per 4 KiB of the file). Everything else is read on
//! demand. A block whose checksum does not match, or an offset
//! that points outside its section (possible only in a file whose
//! checksums were recomputed over bad contents), is recorded as damage:
//! [`IndexView::damage`] reports it, and the caller must not use what was
//! read.
//!
//! The writer replaces an index by renaming a new file over it
//! (`atomic.rs`), so a mapped file is never modified while mapped.

#[cfg(test)]
use super::format::FINE;
use super::format::{io_error, layout, version, Layout, Sec, META_ROW, V1};
use super::model::{Index, IndexedDoc};
use super::params::IndexParams;
use super::view::{CutPostings, IndexView, IndexedStat, RunCut, Take};
use super::IndexError;
use crate::postings::Posting;
use ahash::AHashSet;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use xxhash_rust::xxh3::xxh3_64;

/// A version 2 or 3 index file, mapped (see the [module docs](self)).
pub struct MappedIndex {
    map: memmap2::Mmap,
    path: PathBuf,
    layout: Layout,
    /// Per section, the number of blocks before it (its first bit in
    /// `verified`).
    first_block: Vec<usize>,
    /// Per section, its first checksum in [`Sec::Fine`] (version 3).
    fine_first: Vec<usize>,
    /// One bit per block: verified.
    verified: Vec<AtomicU64>,
    /// Per section, its [`Guide`], sampled on the section's first look-up.
    guides: Vec<OnceLock<Guide>>,
    /// Damage found (the first few).
    damage: Mutex<Vec<String>>,
}

impl std::fmt::Debug for MappedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedIndex")
            .field("path", &self.path)
            .field("docs", &self.layout.docs)
            .finish_non_exhaustive()
    }
}

/// Opens the index at `path` for reading as a check reads it: a version 2
/// or 3 file mapped ([`MappedIndex`]), a version 1 file decoded whole; refused,
/// as [`Index::load`] refuses it, unless built with `expected` parameters
/// and this build's hash algorithm.
pub fn open_view(path: &Path, expected: &IndexParams) -> Result<Box<dyn IndexView>, IndexError> {
    if cfg!(target_endian = "little") {
        match MappedIndex::open(path, expected)? {
            Opened::Mapped(m) => Ok(m),
            Opened::V1 => Ok(Box::new(Index::load(path, expected)?)),
        }
    } else {
        // The sections are little-endian and read in place.
        Ok(Box::new(Index::load(path, expected)?))
    }
}

enum Opened {
    Mapped(Box<MappedIndex>),
    V1,
}

impl MappedIndex {
    fn open(path: &Path, expected: &IndexParams) -> Result<Opened, IndexError> {
        let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
        let meta = file.metadata().map_err(|e| io_error(path, e))?;
        if meta.is_dir() {
            return Err(io_error(path, std::io::Error::other("is a directory")));
        }
        if meta.len() == 0 {
            version(&[], path)?;
        }
        // SAFETY: the map is read-only and private; index files are
        // replaced by rename, never written in place (`atomic.rs`), so the
        // bytes do not change under the map. Every read is bounds-checked.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| io_error(path, e))?;
        if version(&map, path)? == V1 {
            return Ok(Opened::V1);
        }
        let layout = layout(&map, path, Some(expected))?;
        let mut first_block = Vec::with_capacity(layout.sections.len());
        let mut blocks = 0;
        for (e, s) in layout.sections.iter().zip(super::format::SECTIONS) {
            first_block.push(blocks);
            blocks += (e.len as usize).div_ceil(layout.unit(s));
        }
        Ok(Opened::Mapped(Box::new(MappedIndex {
            map,
            path: path.to_path_buf(),
            fine_first: layout.fine_first(),
            layout,
            first_block,
            verified: (0..blocks.div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect(),
            guides: super::format::SECTIONS
                .iter()
                .map(|_| OnceLock::new())
                .collect(),
            damage: Mutex::new(Vec::new()),
        })))
    }

    fn damaged(&self, detail: String) {
        let mut d = self.damage.lock().unwrap_or_else(|e| e.into_inner());
        if d.len() < 16 {
            d.push(detail);
        }
    }

    /// Bytes `range` of section `s`, their blocks verified; empty (and the
    /// damage recorded) when the range is outside the section.
    fn bytes(&self, s: Sec, range: std::ops::Range<usize>) -> &[u8] {
        let sec = &self.map[self.layout.range(s)];
        if range.start > range.end || range.end > sec.len() {
            self.damaged(format!("section {s:?}: an offset is out of bounds"));
            return &[];
        }
        if range.is_empty() {
            return &[];
        }
        let unit = self.layout.unit(s);
        let fine = self.layout.version >= 3 && s != Sec::Fine;
        for b in range.start / unit..=(range.end - 1) / unit {
            let g = self.first_block[s as usize] + b;
            let (word, bit) = (&self.verified[g / 64], 1u64 << (g % 64));
            if word.load(Ordering::Relaxed) & bit == 0 {
                let block = &sec[b * unit..((b + 1) * unit).min(sec.len())];
                let want = if fine {
                    // Read through this function: the checksum's own
                    // block is verified first.
                    let i = self.fine_first[s as usize] + b;
                    self.u64s(Sec::Fine, i..i + 1).first().copied()
                } else {
                    self.layout.sections[s as usize].sums.get(b).copied()
                };
                if want != Some(xxh3_64(block)) {
                    self.damaged(format!("checksum mismatch in section {s:?}, block {b}"));
                }
                word.fetch_or(bit, Ordering::Relaxed);
            }
        }
        &sec[range]
    }

    /// `u64` entries `range` of section `s`.
    fn u64s(&self, s: Sec, range: std::ops::Range<usize>) -> &[u64] {
        let b = self.bytes(
            s,
            range.start.saturating_mul(8)..range.end.saturating_mul(8),
        );
        // SAFETY: any 8 bytes are a u64; sections start at multiples of 8
        // in a page-aligned map, which `align_to` checks.
        let (head, v, tail) = unsafe { b.align_to::<u64>() };
        if !head.is_empty() || !tail.is_empty() {
            self.damaged(format!("section {s:?} is misaligned"));
            return &[];
        }
        v
    }

    /// Section `s` as `u64`s, not verified: only to search in, with what
    /// is found then read through [`MappedIndex::u64s`].
    fn raw_u64s(&self, s: Sec) -> &[u64] {
        let b = &self.map[self.layout.range(s)];
        // SAFETY: as in `u64s`.
        let (head, v, tail) = unsafe { b.align_to::<u64>() };
        if !head.is_empty() || !tail.is_empty() {
            self.damaged(format!("section {s:?} is misaligned"));
            return &[];
        }
        v
    }

    fn u32_at(&self, s: Sec, i: usize) -> u32 {
        let b = self.bytes(s, 4 * i..4 * i + 4);
        b.try_into().map(u32::from_le_bytes).unwrap_or(0)
    }

    /// Document `id`'s metadata row.
    fn row(&self, id: u32) -> &[u64] {
        let i = id as usize * (META_ROW / 8);
        let r = self.u64s(Sec::Meta, i..i + META_ROW / 8);
        if r.len() == META_ROW / 8 {
            r
        } else {
            &[0; META_ROW / 8]
        }
    }

    /// The range of document `id`'s entries in a concatenated section, from
    /// the end offsets in word `col` of the rows.
    fn span(&self, id: u32, col: usize) -> std::ops::Range<usize> {
        const W: usize = META_ROW / 8;
        let i = id as usize;
        if i == 0 {
            return 0..self.row(0)[col] as usize;
        }
        // Both rows at once.
        let r = self.u64s(Sec::Meta, (i - 1) * W..(i + 1) * W);
        if r.len() != 2 * W {
            return 0..0;
        }
        r[col] as usize..r[W + col] as usize
    }

    fn path_bytes(&self, id: u32) -> &[u8] {
        self.bytes(Sec::Paths, self.span(id, 5))
    }

    fn entries(&self) -> usize {
        self.layout.docs
    }

    /// Postings count of a hash/document section pair.
    fn postings_len(&self, h: Sec) -> usize {
        self.layout.sections[h as usize].len as usize / 8
    }

    /// Sorted postings of `hashes` (themselves sorted) in the posting
    /// sections `(h, d)`, over the live documents: a binary search per
    /// hash, reading only the blocks it probes.
    ///
    /// With `cut`, each run is given as it says: a cut run is read from
    /// its end, a block at a time, only as far as it needs; a run given by
    /// its length has none of its documents read.
    fn lookup(
        &self,
        h: Sec,
        d: Sec,
        hashes: &[u64],
        live: &(dyn Fn(u32) -> bool + Sync),
        cut: Option<&RunCut<'_>>,
    ) -> CutPostings {
        let n = self.postings_len(h);
        let docs = self.entries() as u32;
        let raw = self.raw_u64s(h);
        let guide = self.guides[h as usize].get_or_init(|| Guide::of(raw));
        let runs: Vec<(Vec<Posting>, Option<usize>)> = hashes
            .par_iter()
            .map(|&x| {
                // The search reads the section unverified; the blocks
                // around where it lands are verified and must bracket the
                // run of `x`. Since the written array is sorted, that
                // proves the run is the one saved, whichever blocks the
                // probes crossed.
                // Only the run's two ends are read verified: what lies
                // between is x in the sorted array written, and only the
                // run's documents are used (read verified below). A long
                // run (a hash many documents carry) is then not read whole.
                let lo = guide.partition_point(raw, x);
                let hi = run_end(raw, lo, x);
                let from = lo.saturating_sub(1);
                let to = (hi + 1).min(n);
                let (head, tail) = if hi - lo <= 2 * GUIDE_FINISH {
                    (self.u64s(h, from..to), &[][..])
                } else {
                    (self.u64s(h, from..lo + 1), self.u64s(h, hi - 1..to))
                };
                let ends = |v: &[u64], want: usize| v.len() == want;
                let brackets = if tail.is_empty() {
                    ends(head, to - from)
                        && (lo == 0 || head[0] < x)
                        && head[lo - from..hi - from].iter().all(|&y| y == x)
                        && (hi == n || head[hi - from] > x)
                } else {
                    ends(head, lo + 1 - from)
                        && ends(tail, to - (hi - 1))
                        && (lo == 0 || head[0] < x)
                        && head[lo - from] == x
                        && tail[0] == x
                        && (hi == n || tail[1] > x)
                };
                if !brackets {
                    self.damaged(format!("section {h:?}: not sorted around a look-up"));
                    return (Vec::new(), None);
                }
                let known = |doc: u32| {
                    if doc >= docs {
                        self.damaged(format!("section {d:?}: document {doc} out of range"));
                        false
                    } else {
                        live(doc)
                    }
                };
                let whole = || {
                    self.doc_ids(d, lo..hi)
                        .filter(|&doc| known(doc))
                        .map(|doc| (x, doc))
                        .collect()
                };
                match cut.map_or(Take::Whole, |c| (c.take)(hi - lo)) {
                    _ if hi == lo => (Vec::new(), None),
                    Take::Whole => (whole(), None),
                    Take::Last(keep) => (self.run_tail(d, x, lo..hi, keep, cut, known), None),
                    Take::Length => (Vec::new(), Some(hi - lo)),
                    Take::Nothing => (Vec::new(), None),
                }
            })
            .collect();
        let lengths = hashes
            .iter()
            .zip(&runs)
            .filter_map(|(&x, r)| r.1.map(|len| (x, len)))
            .collect();
        let mut v: Vec<Posting> = runs
            .par_iter()
            .flat_map_iter(|r| r.0.iter().copied())
            .collect();
        // Each hash's run is in document order; hashes were sorted.
        debug_assert!(v.windows(2).all(|w| w[0] <= w[1]) || self.damage().is_some());
        v.par_sort_unstable();
        CutPostings {
            postings: v,
            lengths,
        }
    }

    /// The document ids of entries `range` of document section `d`.
    fn doc_ids(&self, d: Sec, range: std::ops::Range<usize>) -> impl Iterator<Item = u32> + '_ {
        self.bytes(d, 4 * range.start..4 * range.end)
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
    }

    /// The postings of `x` over the documents `run` of section `d` that
    /// `known` accepts (live, in range), from the end of the run back to
    /// the `keep`-th that `cut.counts` accepts (or to the run's start): read
    /// [`TAIL_ENTRIES`] entries at a time.
    fn run_tail(
        &self,
        d: Sec,
        x: u64,
        run: std::ops::Range<usize>,
        keep: usize,
        cut: Option<&RunCut<'_>>,
        known: impl Fn(u32) -> bool,
    ) -> Vec<Posting> {
        let counts = cut.map_or(&(|_, _| true) as &(dyn Fn(u64, u32) -> bool + Sync), |c| {
            c.counts
        });
        let mut out = Vec::with_capacity(keep);
        let (mut end, mut counted) = (run.end, 0);
        'run: while end > run.start {
            let from = end.saturating_sub(TAIL_ENTRIES).max(run.start);
            let ids: Vec<u32> = self.doc_ids(d, from..end).collect();
            for &doc in ids.iter().rev() {
                if known(doc) {
                    out.push((x, doc));
                    if counts(x, doc) {
                        counted += 1;
                        if counted == keep {
                            break 'run;
                        }
                    }
                }
            }
            end = from;
        }
        out.reverse();
        out
    }
}

/// Entries of a cut run read at once from its end: a 512-byte block of
/// document ids (the candidate stage keeps 33 of them).
const TAIL_ENTRIES: usize = 128;

/// The end of the run of `x` starting at `lo` in sorted `raw` (`lo` itself
/// when `raw[lo]` is not `x`): a galloping search, so a long run is probed
/// in a few places, not read whole.
fn run_end(raw: &[u64], lo: usize, x: u64) -> usize {
    let n = raw.len();
    if lo >= n || raw[lo] != x {
        return lo;
    }
    // raw[lo..=known] are x; the run ends before `past` (or at n).
    let (mut known, mut step) = (lo, 1usize);
    let mut past = loop {
        let probe = known.saturating_add(step);
        if probe >= n {
            break n;
        }
        if raw[probe] != x {
            break probe;
        }
        known = probe;
        step = step.saturating_mul(2);
    };
    // The first entry after `known` that is not x is at or before `past`.
    let mut first = known + 1;
    while first < past {
        let mid = first + (past - first) / 2;
        if raw[mid] == x {
            first = mid + 1;
        } else {
            past = mid;
        }
    }
    first
}

/// Entries a [`Guide`] samples of a section (at most): 2 KiB in memory,
/// and as many pages of the section touched once.
const GUIDE_SAMPLES: usize = 256;

/// Entries left to a plain binary search: 512 bytes, one small block.
const GUIDE_FINISH: usize = 64;

/// A look-up's way into a sorted hash section without a binary search over
/// all of it. A binary search over `n` entries probes `log2 n` places, and
/// those below the top levels land on pages of their own: a look-up in a
/// 10 times larger index touched ~3 more pages, so the pages a drop's
/// look-ups map grew with the index. The guide is every `stride`-th entry
/// (at most [`GUIDE_SAMPLES`], taken on the section's first look-up, a
/// fixed cost): a look-up searches it in memory for its bucket, then
/// interpolates on the hash values inside the bucket (hashes are close to
/// uniform within so small a share of the range: the winnowed minima are
/// skewed low over the whole range, smoothly), each guess checked with a
/// second probe [`GUIDE_FINISH`] entries to the other side, so a guess
/// close to the answer closes the range at once; a few rounds, then a
/// binary search over what is left (which is all of the bucket in the worst
/// case: no worse than before). A look-up then touches a page or two of
/// the section whatever its size.
///
/// The samples are read unverified, like every probe of the search: only
/// the run found is read verified, and it must be bracketed by smaller and
/// larger hashes (`lookup`), so a damaged sample can misdirect the search
/// but not make it return a wrong run unnoticed.
#[derive(Debug)]
struct Guide {
    stride: usize,
    samples: Vec<u64>,
}

impl Guide {
    fn of(raw: &[u64]) -> Guide {
        let stride = raw.len().div_ceil(GUIDE_SAMPLES).max(1);
        Guide {
            stride,
            samples: raw.iter().step_by(stride).copied().collect(),
        }
    }

    /// `raw.partition_point(|&y| y < x)` for the sorted `raw` the guide was
    /// sampled from.
    fn partition_point(&self, raw: &[u64], x: u64) -> usize {
        self.search(raw.len(), |i| raw[i], x)
    }

    /// [`Guide::partition_point`] over `n` entries read through `at`.
    fn search(&self, n: usize, mut at: impl FnMut(usize) -> u64, x: u64) -> usize {
        let j = self.samples.partition_point(|&s| s < x);
        if j == 0 {
            return 0;
        }
        // The answer is in lo..=hi: entry lo - 1 < x, and entry hi >= x
        // unless hi == n.
        let mut lo = (j - 1) * self.stride + 1;
        let mut hi = (j * self.stride).min(n);
        // Entries lo - 1 and hi (u64::MAX past the end): samples at first.
        let mut a = self.samples[j - 1];
        let mut b = self.samples.get(j).copied().unwrap_or(u64::MAX);
        for _ in 0..4 {
            if hi - lo <= 2 * GUIDE_FINISH {
                break;
            }
            if b <= a || x <= a {
                // Not sorted (a damaged section): the search stays in
                // bounds, and the run found is checked (`lookup`).
                break;
            }
            let step = (x - a) as u128 * (hi - lo) as u128 / (b - a) as u128;
            let g = (lo + step as usize).min(hi - 1);
            let at_g = at(g);
            if at_g < x {
                (lo, a) = (g + 1, at_g);
                let t = (g + GUIDE_FINISH).min(hi.saturating_sub(1));
                if t >= lo {
                    let at_t = at(t);
                    if at_t >= x {
                        (hi, b) = (t, at_t);
                    } else {
                        (lo, a) = (t + 1, at_t);
                    }
                }
            } else {
                (hi, b) = (g, at_g);
                let t = g.saturating_sub(GUIDE_FINISH).max(lo);
                if t < hi {
                    let at_t = at(t);
                    if at_t < x {
                        (lo, a) = (t + 1, at_t);
                    } else {
                        (hi, b) = (t, at_t);
                    }
                }
            }
        }
        first_not(lo, hi, |i| at(i) < x)
    }
}

/// The first index of `lo..hi` at which `below` is false, for a `below`
/// true then false over the range (`hi` if it is true throughout): a
/// binary search over indices, each probed through `below`.
fn first_not(mut lo: usize, mut hi: usize, mut below: impl FnMut(usize) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn sorted(set: &AHashSet<u64>) -> Vec<u64> {
    let mut v: Vec<u64> = set.iter().copied().collect();
    v.par_sort_unstable();
    v
}

impl IndexView for MappedIndex {
    fn params(&self) -> &IndexParams {
        &self.layout.params
    }
    fn len(&self) -> usize {
        self.entries()
    }
    fn position(&self, path: &str) -> Option<u32> {
        // As in `lookup`: the search reads rows and paths unverified; the
        // paths where it lands are then read verified and must bracket the
        // key (the written paths are sorted).
        let key = path.as_bytes();
        let n = self.entries();
        let (rows, paths) = (
            self.raw_u64s(Sec::Meta),
            &self.map[self.layout.range(Sec::Paths)],
        );
        let raw_path = |i: usize| -> &[u8] {
            let w = META_ROW / 8;
            let end = rows.get(i * w + 5).copied().unwrap_or(0) as usize;
            let start = match i {
                0 => 0,
                _ => rows.get((i - 1) * w + 5).copied().unwrap_or(0) as usize,
            };
            paths.get(start..end).unwrap_or(&[])
        };
        let lo = first_not(0, n, |i| raw_path(i) < key);
        let below = lo == 0 || self.path_bytes(lo as u32 - 1) < key;
        let at = (lo < n).then(|| self.path_bytes(lo as u32));
        if !below || at.is_some_and(|p| p < key) {
            self.damaged("section Paths: not sorted around a look-up".into());
            return None;
        }
        (at == Some(key)).then_some(lo as u32)
    }
    fn stat(&self, id: u32) -> IndexedStat {
        let r = self.row(id);
        IndexedStat {
            content_hash: r[0],
            size: r[1],
            mtime: (r[2] as i64, r[3] as u32),
        }
    }
    fn path(&self, id: u32) -> &str {
        match std::str::from_utf8(self.path_bytes(id)) {
            Ok(p) => p,
            Err(_) => {
                self.damaged(format!("document {id}: path is not UTF-8"));
                ""
            }
        }
    }
    fn words(&self, id: u32) -> u32 {
        (self.row(id)[3] >> 32) as u32
    }
    fn fingerprints(&self, id: u32) -> &[u64] {
        self.u64s(Sec::Fps, self.span(id, 6))
    }
    fn repeated(&self, id: u32) -> &[u64] {
        self.u64s(Sec::Reps, self.span(id, 7))
    }
    fn doc(&self, id: u32) -> IndexedDoc {
        let s = self.stat(id);
        let bands = self.layout.params.bands;
        let has_bands = self.row(id)[4] & 1 == 1;
        IndexedDoc {
            path: self.path(id).to_string(),
            content_hash: s.content_hash,
            size: s.size,
            mtime: s.mtime,
            words: self.words(id),
            band_keys: if has_bands {
                let i = id as usize * bands;
                self.u64s(Sec::Bands, i..i + bands).to_vec()
            } else {
                Vec::new()
            },
            fingerprints: self.fingerprints(id).to_vec(),
            repeated: self.repeated(id).to_vec(),
        }
    }
    fn fingerprint_postings(
        &self,
        hashes: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
    ) -> Vec<Posting> {
        self.lookup(Sec::FpHash, Sec::FpDoc, &sorted(hashes), live, None)
            .postings
    }
    fn fingerprint_postings_cut(
        &self,
        hashes: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
        cut: &RunCut<'_>,
    ) -> CutPostings {
        self.lookup(Sec::FpHash, Sec::FpDoc, &sorted(hashes), live, Some(cut))
    }
    fn band_postings(
        &self,
        keys: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
    ) -> Vec<Posting> {
        self.lookup(Sec::BandHash, Sec::BandDoc, &sorted(keys), live, None)
            .postings
    }
    fn repeated_hashes(
        &self,
        new_repeated: &AHashSet<u64>,
        live: &(dyn Fn(u32) -> bool + Sync),
    ) -> Vec<u64> {
        // Hashes two indexed documents repeat: all of them (chrome of the
        // index itself, few); hashes one repeats: those the new ones do.
        let n = self.postings_len(Sec::RepManyHash);
        let hashes = self.u64s(Sec::RepManyHash, 0..n);
        let docs = self.entries() as u32;
        let mut v: Vec<u64> = hashes
            .iter()
            .enumerate()
            .filter(|&(i, _)| {
                let d = self.u32_at(Sec::RepManyDoc, i);
                d < docs && live(d)
            })
            .map(|(_, &h)| h)
            .collect();
        let one = self
            .lookup(
                Sec::RepOneHash,
                Sec::RepOneDoc,
                &sorted(new_repeated),
                live,
                None,
            )
            .postings;
        v.extend(one.into_iter().map(|p| p.0));
        v
    }
    fn damage(&self) -> Option<IndexError> {
        let mut d = self
            .damage
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        // Whatever order the threads found it in: a checksum mismatch (the
        // cause) before what it led to, then by text.
        d.sort_by_key(|x| (!x.starts_with("checksum"), x.clone()));
        d.first().map(|detail| IndexError::Corrupt {
            path: self.path.clone(),
            detail: detail.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::testing::{params, small, synth};

    fn big() -> Index {
        let p = params();
        let mut ix = Index::new(p).unwrap();
        // Shared fingerprints and band keys across documents, repeated
        // ones by one and by several documents, a document without words.
        ix.upsert_many((0..300u64).map(|i| {
            let mut d = synth(&format!("d/{:04}.txt", (i * 7919) % 1000), i, 60, &p);
            d.fingerprints.extend([1_000 + i % 5, 2_000 + i % 50]);
            d.fingerprints.sort_unstable();
            d.fingerprints.dedup();
            d.repeated = vec![1_000 + i % 5, 9_000_000 + i];
            d.repeated.sort_unstable();
            d.band_keys[3] = 77 + i % 4;
            if i == 17 {
                d.words = 0;
                d.band_keys.clear();
            }
            d
        }))
        .unwrap();
        ix
    }

    /// `ix` written in format `version` and mapped.
    fn mapped(ix: &Index, version: u32) -> (tempfile::TempDir, MappedIndex) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ix");
        let algorithm = crate::index::hash_algorithm();
        std::fs::write(&path, ix.encode_version("0.1.0", algorithm, version)).unwrap();
        // Decoded whole, the file is the index.
        assert_eq!(Index::load(&path, ix.params()).unwrap().docs(), ix.docs());
        match MappedIndex::open(&path, ix.params()).unwrap() {
            Opened::Mapped(m) => (dir, *m),
            Opened::V1 => panic!("saved as version 1"),
        }
    }

    /// `ix` saved: its folder, path, bytes and layout.
    fn saved(ix: &Index) -> (tempfile::TempDir, PathBuf, Vec<u8>, Layout) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ix");
        ix.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let l = layout(&bytes, &path, None).unwrap();
        (dir, path, bytes, l)
    }

    impl MappedIndex {
        /// Blocks verified so far.
        fn verified_blocks(&self) -> u32 {
            self.verified
                .iter()
                .map(|w| w.load(Ordering::Relaxed).count_ones())
                .sum()
        }
    }

    #[test]
    fn the_mapped_index_answers_as_the_one_in_memory() {
        for (ix, version) in [big(), small(), Index::new(params()).unwrap()]
            .into_iter()
            .flat_map(|ix| [(ix.clone(), 2), (ix, super::super::FORMAT_VERSION)])
        {
            let (_dir, m) = mapped(&ix, version);
            assert_eq!(m.layout.version, version);
            assert_eq!(IndexView::len(&m), ix.len());
            for (i, d) in ix.docs().iter().enumerate() {
                let id = i as u32;
                assert_eq!(m.doc(id), *d);
                assert_eq!(IndexView::position(&m, &d.path), Some(id));
                assert_eq!(m.stat(id), IndexView::stat(&ix, id));
                assert_eq!(m.path(id), d.path);
                assert_eq!(m.words(id), d.words);
                assert_eq!(IndexView::fingerprints(&m, id), d.fingerprints);
                assert_eq!(IndexView::repeated(&m, id), d.repeated);
            }
            assert_eq!(IndexView::position(&m, "d/0000.txx"), None);
            assert_eq!(IndexView::position(&m, ""), None);
            let live = |d: u32| d % 3 != 1;
            let all: AHashSet<u64> = ix
                .docs()
                .iter()
                .flat_map(|d| d.fingerprints.iter().chain(&d.band_keys).copied())
                .chain([5, 1_000, 2_003, 77, 78])
                .step_by(3)
                .collect();
            assert_eq!(
                m.fingerprint_postings(&all, &live),
                ix.fingerprint_postings(&all, &live)
            );
            assert_eq!(m.band_postings(&all, &live), ix.band_postings(&all, &live));
            // The chrome the repeated hashes make is the same.
            let new_rep: AHashSet<u64> = [9_000_004, 9_000_005, 1_001, 3].into();
            let chrome = |mut v: Vec<u64>| {
                v.extend(new_rep.iter().copied());
                v.sort_unstable();
                let mut twice: Vec<u64> = v
                    .chunk_by(|a, b| a == b)
                    .filter(|c| c.len() >= 2)
                    .map(|c| c[0])
                    .collect();
                twice.dedup();
                twice
            };
            assert_eq!(
                chrome(m.repeated_hashes(&new_rep, &live)),
                chrome(ix.repeated_hashes(&new_rep, &live))
            );
            assert!(m.damage().is_none());
        }
    }

    proptest::proptest! {
        /// The guided search finds what a binary search finds, in sorted
        /// sections of any size, spread and repetition, for hashes in them
        /// and between them.
        #[test]
        fn the_guide_finds_what_a_binary_search_finds(
            mut raw in proptest::collection::vec(proptest::num::u64::ANY, 0..5000),
            skew in 0u32..4,
            repeat in 1usize..4,
            probes in proptest::collection::vec(proptest::num::u64::ANY, 1..50),
        ) {
            // Skewed low like winnowed minima (skew 0: uniform), and each
            // value `repeat` times like a hash many documents share.
            for v in &mut raw {
                *v >>= skew * 8;
            }
            let mut raw: Vec<u64> = raw.iter().flat_map(|&v| [v; 4].into_iter().take(repeat)).collect();
            raw.sort_unstable();
            let g = Guide::of(&raw);
            let mut xs = probes;
            xs.extend(raw.iter().step_by(7).copied());
            xs.extend(raw.iter().step_by(11).map(|v| v.wrapping_add(1)));
            xs.extend([0, u64::MAX]);
            for x in xs {
                let lo = raw.partition_point(|&y| y < x);
                proptest::prop_assert_eq!(g.partition_point(&raw, x), lo, "x = {}", x);
                let hi = lo + raw[lo..].iter().take_while(|&&y| y == x).count();
                proptest::prop_assert_eq!(run_end(&raw, lo, x), hi, "x = {}", x);
            }
        }
    }

    #[test]
    fn the_guide_probes_a_few_places_in_a_large_uniform_section() {
        // 4 M hashes (32 MB): a binary search probes 22 places, most on
        // pages of their own; the guided one lands next to the answer.
        let raw: Vec<u64> = {
            let mut v: Vec<u64> = (0..4_000_000u64).map(crate::sketch::mix64).collect();
            v.sort_unstable();
            v
        };
        let g = Guide::of(&raw);
        // Pages (4 KiB: 512 entries) the guided search reads outside its
        // samples, over 1,000 look-ups of present hashes, against those of
        // a binary search over the whole section.
        let pages_of = |probed: &mut Vec<usize>| {
            probed.iter_mut().for_each(|i| *i /= 512);
            probed.sort_unstable();
            probed.dedup();
            probed.len()
        };
        let (mut pages, mut binary) = (0usize, 0usize);
        for i in (0..raw.len()).step_by(4_000) {
            let x = raw[i];
            let mut probed = Vec::new();
            let at = g.search(
                raw.len(),
                |i| {
                    probed.push(i);
                    raw[i]
                },
                x,
            );
            assert_eq!(at, raw.partition_point(|&y| y < x));
            pages += pages_of(&mut probed);
            let mut all = Vec::new();
            first_not(0, raw.len(), |mid| {
                all.push(mid);
                raw[mid] < x
            });
            binary += pages_of(&mut all);
        }
        let (per, per_binary) = (pages as f64 / 1_000.0, binary as f64 / 1_000.0);
        assert!(
            per <= 2.0 && per_binary >= 10.0,
            "{per} pages per look-up, {per_binary} binary"
        );
    }

    #[test]
    fn a_damaged_block_is_found_when_read_and_only_then() {
        let ix = big();
        let (_dir, path, bytes, l) = saved(&ix);
        // Damage the second block of the fingerprint postings.
        let at = l.range(Sec::FpHash).start + l.unit(Sec::FpHash) + 5;
        let mut b = bytes.clone();
        b[at] ^= 0x40;
        std::fs::write(&path, &b).unwrap();
        let Opened::Mapped(m) = MappedIndex::open(&path, &params()).unwrap() else {
            panic!("version 2")
        };
        // Documents and their lists are intact.
        assert_eq!(m.doc(3), ix.docs()[3]);
        assert!(m.damage().is_none());
        // Looking up every hash reads the damaged block.
        let all: AHashSet<u64> = ix
            .docs()
            .iter()
            .flat_map(|d| d.fingerprints.iter().copied())
            .collect();
        let _ = m.fingerprint_postings(&all, &|_| true);
        let e = m.damage().expect("damage found");
        assert!(matches!(e, IndexError::Corrupt { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("checksum mismatch in section FpHash, block 1")
                && msg.contains("neardup index build"),
            "{msg}"
        );
        // Decoding it whole finds it at once.
        assert!(matches!(
            Index::load(&path, &params()),
            Err(IndexError::Corrupt { .. })
        ));
        // A damaged directory is refused at open.
        let mut b = bytes.clone();
        b[super::super::format::PREFIX_LEN + 3] ^= 1;
        std::fs::write(&path, &b).unwrap();
        assert!(matches!(
            open_view(&path, &params()),
            Err(IndexError::Corrupt { .. })
        ));
    }

    #[test]
    fn open_view_reads_version_1_and_refuses_what_load_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ix");
        let ix = small();
        std::fs::write(&path, ix.encode_v1("0.0.9", crate::index::hash_algorithm())).unwrap();
        let v = open_view(&path, &params()).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v.doc(1), ix.docs()[1]);
        let missing = dir.path().join("missing");
        assert!(matches!(
            open_view(&missing, &params()),
            Err(IndexError::NotFound { .. })
        ));
        assert!(matches!(
            open_view(dir.path(), &params()),
            Err(IndexError::Io { .. })
        ));
        for bad in [&b""[..], b"hello", b"\x89NEARDUP-IDX\r\n\x1a\n\x04\0\0\0"] {
            std::fs::write(&path, bad).unwrap();
            let e = open_view(&path, &params()).err().unwrap();
            let l = Index::load(&path, &params()).unwrap_err();
            assert_eq!(e.to_string(), l.to_string());
        }
        ix.save(&path).unwrap();
        let other = IndexParams { k: 7, ..params() };
        let e = open_view(&path, &other).err().unwrap();
        assert!(matches!(e, IndexError::Incompatible { .. }), "{e}");
    }

    #[test]
    fn a_look_up_verifies_only_the_small_blocks_around_it() {
        // 3,000 documents: postings of many 512-byte blocks.
        let p = params();
        let mut ix = Index::new(p).unwrap();
        ix.upsert_many((0..3000u64).map(|i| synth(&format!("d/{i:05}.txt"), i, 60, &p)))
            .unwrap();
        let (_dir, m) = mapped(&ix, super::super::FORMAT_VERSION);
        let fp_blocks = m.layout.sections[Sec::FpHash as usize].len as usize / FINE;
        assert!(fp_blocks > 100, "{fp_blocks} blocks");
        let one: AHashSet<u64> = [ix.docs()[1234].fingerprints[7]].into();
        let found = m.fingerprint_postings(&one, &|_| true);
        assert!(found.iter().any(|&(_, d)| d == 1234));
        // The hash run and its neighbours (one or two blocks), the
        // documents (one or two), and the block of fine checksums each
        // needed (one or two): not the whole section.
        let v = m.verified_blocks();
        assert!((3..=6).contains(&v), "{v} blocks verified");
        assert!(m.damage().is_none());
    }

    /// `n` documents, each with the hash `u64::MAX / 3` among its own.
    fn one_hash_in_all(n: u64) -> Index {
        let p = params();
        let mut ix = Index::new(p).unwrap();
        ix.upsert_many((0..n).map(|i| {
            let mut d = synth(&format!("d/{i:05}.txt"), i, 60, &p);
            d.fingerprints.push(u64::MAX / 3);
            d.fingerprints.sort_unstable();
            d
        }))
        .unwrap();
        ix
    }

    #[test]
    fn a_long_run_is_read_verified_at_its_ends_and_its_documents() {
        // One hash in all 3,000 documents: 24 KB of hashes, 12 KB of
        // document ids.
        let ix = one_hash_in_all(3000);
        let (_dir, m) = mapped(&ix, super::super::FORMAT_VERSION);
        let one: AHashSet<u64> = [u64::MAX / 3].into();
        let found = m.fingerprint_postings(&one, &|d| d % 2 == 0);
        assert_eq!(found, ix.fingerprint_postings(&one, &|d| d % 2 == 0));
        assert_eq!(found.len(), 1500);
        // The documents' 24 blocks, the run's two ends (two to four
        // blocks) and their fine checksums: not the run's 47 blocks.
        let v = m.verified_blocks();
        assert!((26..=34).contains(&v), "{v} blocks verified");
        assert!(m.damage().is_none());
    }

    #[test]
    fn a_cut_run_is_read_from_its_end_only_as_far_as_it_is_given() {
        let ix = one_hash_in_all(3000);
        let one: AHashSet<u64> = [u64::MAX / 3].into();
        let even = |d: u32| d.is_multiple_of(2);
        let whole = ix.fingerprint_postings(&one, &even);
        let cut = |take: Take| {
            let (dir, m) = mapped(&ix, super::super::FORMAT_VERSION);
            let got = m.fingerprint_postings_cut(
                &one,
                &even,
                &RunCut {
                    take: &move |n| {
                        assert_eq!(n, 3000, "entries, live or not");
                        take
                    },
                    counts: &|h, d| h == u64::MAX / 3 && d % 8 == 0,
                },
            );
            assert!(m.damage().is_none());
            let blocks = m.verified_blocks();
            drop(dir);
            (got, blocks)
        };
        // The end of the live postings, from the 40th counted one back.
        let (last, blocks) = cut(Take::Last(40));
        assert!(last.lengths.is_empty());
        assert!(whole.ends_with(&last.postings));
        let counted = |v: &[Posting]| v.iter().filter(|p| p.1 % 8 == 0).count();
        assert_eq!(counted(&last.postings), 40);
        assert_eq!(last.postings[0].1 % 8, 0);
        // Even documents from 2680 (the 40th multiple of 8 from the end) to
        // 2998.
        assert_eq!(last.postings.len(), 160);
        // A block or two of the run's documents, not 24.
        assert!(blocks <= 12, "{blocks} blocks verified");
        // More than there are: all of them.
        let (all, _) = cut(Take::Last(1000));
        assert_eq!(all.postings, whole);
        let (all, _) = cut(Take::Whole);
        assert_eq!(all.postings, whole);
        // By length: no document read.
        let (length, blocks) = cut(Take::Length);
        assert!(length.postings.is_empty());
        assert_eq!(length.lengths, vec![(u64::MAX / 3, 3000)]);
        assert!(blocks <= 10, "{blocks} blocks verified");
        let (nothing, _) = cut(Take::Nothing);
        assert_eq!(nothing, CutPostings::default());
    }

    #[test]
    fn damaged_fine_checksums_are_found_when_read() {
        let ix = big();
        let (_dir, path, bytes, l) = saved(&ix);
        assert_eq!(l.version, 3);
        // The checksum of the first block of the fingerprint postings.
        let at = l.range(Sec::Fine).start + 8 * l.fine_first()[Sec::FpHash as usize] + 2;
        let mut b = bytes.clone();
        b[at] ^= 0x10;
        std::fs::write(&path, &b).unwrap();
        let Opened::Mapped(m) = MappedIndex::open(&path, &params()).unwrap() else {
            panic!("version 3")
        };
        let all: AHashSet<u64> = ix
            .docs()
            .iter()
            .flat_map(|d| d.fingerprints.iter().copied())
            .collect();
        let _ = m.fingerprint_postings(&all, &|_| true);
        let msg = m.damage().expect("damage found").to_string();
        let block = 8 * l.fine_first()[Sec::FpHash as usize] / super::super::format::BLOCK;
        assert!(
            msg.contains(&format!("checksum mismatch in section Fine, block {block}")),
            "{msg}"
        );
        let whole = Index::load(&path, &params()).unwrap_err().to_string();
        assert!(
            whole.contains("checksum mismatch in section Fine"),
            "{whole}"
        );
    }
}
