//! Candidate pairs: the one place that proposes the pairs to verify, for a
//! scan ([`propose`]) and for a check against an index ([`Proposal`]).
//!
//! Pairs come from banded LSH over signatures and from shared passage
//! fingerprints. With `b` bands of `r` rows, two documents of Jaccard
//! similarity `s` share a band with probability `1 - (1 - s^r)^b` (the
//! S-curve). [`optimal_params`] picks `b x r <= m` minimizing the area of
//! false positives below the threshold plus false negatives above it, as
//! datasketch does.
//!
//! Passage candidates are pairs that share at least `min_shared` non-chrome
//! fingerprints, or one that no other document carries. A fingerprint in
//! more than [`MAX_FULL_BUCKET`] documents pairs each document with the
//! next one only, which keeps the work linear while the clusters still join
//! them all.

use crate::boilerplate::{content_fingerprints, Chrome};
use crate::postings::{self, merged_runs, Posting, Run};
use crate::sketch::{DocSketch, Fingerprint};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Fingerprint buckets up to this size emit all their pairs; larger ones a
/// chain.
pub const MAX_FULL_BUCKET: usize = 32;

/// Band buckets up to this size emit all their pairs (their documents agree
/// on a whole band: a family of near copies, each pair of them a finding);
/// larger ones a chain.
pub const MAX_FULL_BAND_BUCKET: usize = 128;

/// Pairs proposed by shared band keys: [`candidates`] with no skipping and
/// buckets of up to [`MAX_FULL_BAND_BUCKET`] documents emitting every pair.
pub fn band_candidates(old: &[Posting], new: &[Posting]) -> Vec<Pair> {
    candidates_capped(old, new, |_| false, |_| true, 1, MAX_FULL_BAND_BUCKET)
}

/// A candidate pair of document indices, `a < b`.
pub type Pair = (u32, u32);

/// Probability that two documents of similarity `s` share a band.
pub fn collision_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

/// Bands and rows for a threshold and `m` signature bins.
///
/// The answer is remembered for the process (a scan asks for it from the
/// options' check, the command and the candidate stage): the integration
/// costs tens of millions of instructions, on the main thread.
pub fn optimal_params(threshold: f64, m: usize) -> (usize, usize) {
    type Known = Vec<((u64, usize), (usize, usize))>;
    static KNOWN: std::sync::Mutex<Known> = std::sync::Mutex::new(Vec::new());
    let key = (threshold.to_bits(), m);
    let lock = || KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&(_, best)) = lock().iter().find(|(k, _)| *k == key) {
        return best;
    }
    let best = integrate_params(threshold, m);
    lock().push((key, best));
    best
}

/// [`optimal_params`] computed: the first `(b, r)` in `(b, r)` order with
/// the least error (each band count's rows on the pool, then the band
/// counts in order, so the result is the serial loop's).
fn integrate_params(threshold: f64, m: usize) -> (usize, usize) {
    let integrate = |f: &dyn Fn(f64) -> f64, lo: f64, hi: f64| {
        let n = 200;
        let h = (hi - lo) / n as f64;
        (0..n)
            .map(|i| f(lo + (i as f64 + 0.5) * h) * h)
            .sum::<f64>()
    };
    let error = |b: usize, r: usize| {
        let fp = integrate(&|s| collision_probability(s, b, r), 0.0, threshold);
        let fnr = integrate(&|s| 1.0 - collision_probability(s, b, r), threshold, 1.0);
        0.5 * fp + 0.5 * fnr
    };
    let by_bands: Vec<(f64, usize)> = (1..=m)
        .into_par_iter()
        .map(|b| {
            let mut best = (f64::INFINITY, 0);
            for r in 1..=m / b {
                let err = error(b, r);
                if err < best.0 {
                    best = (err, r);
                }
            }
            best
        })
        .collect();
    let mut best = (1, m);
    let mut best_err = f64::INFINITY;
    for (b, &(err, r)) in (1..=m).zip(&by_bands) {
        if err < best_err {
            best_err = err;
            best = (b, r);
        }
    }
    best
}

/// The LSH band keys of a signature: one stable hash per band (xxh3 of the
/// band's little-endian rows, seeded with the band number). Empty for an
/// empty signature, so a document without words collides with nothing.
///
/// # Panics
///
/// When `bands x rows` exceeds a non-empty signature: the bands were made
/// for other signatures (callers band with the parameters they sketched
/// with, which [`optimal_params`] and `IndexParams::validate` keep within
/// the signature).
pub fn band_keys(signature: &[u32], bands: usize, rows: usize) -> Vec<u64> {
    if signature.is_empty() {
        return Vec::new();
    }
    assert!(
        bands * rows <= signature.len(),
        "bands x rows exceeds the signature"
    );
    let mut buf = [0u8; 4 * 64];
    (0..bands)
        .map(|band| {
            let mut key = band as u64;
            for chunk in signature[band * rows..(band + 1) * rows].chunks(64) {
                for (dst, v) in buf.chunks_exact_mut(4).zip(chunk) {
                    dst.copy_from_slice(&v.to_le_bytes());
                }
                key = xxh3_64_with_seed(&buf[..4 * chunk.len()], key);
            }
            key
        })
        .collect()
}

/// Pairs proposed by shared hashes (band keys or fingerprints), each pair
/// involving at least one new document: `old` and `new` are sorted postings
/// with disjoint document ids. Runs for which `skip` holds (chrome) are
/// ignored; a pair needs `min_shared` shared hashes, or one hash only the
/// two of them carry. Pairs are `(a, b)` with `a < b`, sorted.
pub fn candidates(
    old: &[Posting],
    new: &[Posting],
    skip: impl Fn(&Run) -> bool,
    keep_old: impl Fn(&Posting) -> bool,
    min_shared: usize,
) -> Vec<Pair> {
    candidates_capped(old, new, skip, keep_old, min_shared, MAX_FULL_BUCKET)
}

fn candidates_capped(
    old: &[Posting],
    new: &[Posting],
    skip: impl Fn(&Run) -> bool,
    keep_old: impl Fn(&Posting) -> bool,
    min_shared: usize,
    max_full: usize,
) -> Vec<Pair> {
    let mut pairs = Vec::new();
    emit_pairs(old, new, skip, keep_old, min_shared, max_full, &mut pairs);
    count_pairs(pairs, min_shared)
}

/// The pairs of every run of `old` and `new` (see [`candidates`]) appended
/// to `pairs`, a pair once per hash it shares: what [`count_pairs`] counts.
/// Hash ranges may be emitted one at a time into the same list.
fn emit_pairs(
    old: &[Posting],
    new: &[Posting],
    skip: impl Fn(&Run) -> bool,
    keep_old: impl Fn(&Posting) -> bool,
    min_shared: usize,
    max_full: usize,
    pairs: &mut Vec<Pair>,
) {
    let mut kept: Vec<Posting> = Vec::new();
    // A hash only the two documents of a pair carry is evidence enough on
    // its own: it counts `min_shared` times. (An edited copy may keep a
    // single fingerprint; a phrase many documents share is weaker.)
    let exclusive = min_shared.saturating_sub(1);
    if old.is_empty() {
        // A scan's lists: only the runs of two or more, found at a
        // comparison a posting.
        for run in postings::shared_runs(new) {
            let run = Run {
                hash: run[0].0,
                old: &[],
                new: run,
            };
            if !skip(&run) {
                emit_run(&run, max_full, exclusive, pairs);
            }
        }
        return;
    }
    for run in merged_runs(old, new) {
        if run.new.is_empty() || run.df() < 2 || skip(&run) {
            continue;
        }
        if run.old.iter().all(&keep_old) {
            emit_run(&run, max_full, exclusive, pairs);
        } else {
            kept.clear();
            kept.extend(run.old.iter().filter(|p| keep_old(p)));
            let run = Run { old: &kept, ..run };
            if run.df() >= 2 {
                emit_run(&run, max_full, exclusive, pairs);
            }
        }
    }
}

/// The distinct pairs of `pairs` emitted at least `min_shared` times,
/// sorted.
fn count_pairs(pairs: Vec<Pair>, min_shared: usize) -> Vec<Pair> {
    let mut counts = PairCounts::new(min_shared);
    counts.add(tally(pairs, counts.need));
    counts.finish()
}

/// Distinct pairs, sorted, with the times each was emitted (saturating at
/// [`PairCounts`]'s need; no counts when one emission is enough).
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    pairs: Vec<Pair>,
    counts: Vec<u32>,
}

impl Tally {
    fn len(&self) -> usize {
        self.pairs.len()
    }
}

/// The tally of `pairs` for a need of `need` emissions (see
/// [`PairCounts`]); ranges are tallied in parallel, then
/// [`PairCounts::add`]ed in order.
fn tally(mut pairs: Vec<Pair>, need: u32) -> Tally {
    // In place, by radix: the pair's two ids are its whole order.
    postings::radix_sort_in_place(&mut pairs, |&(a, b)| (a as u64) << 32 | b as u64);
    if need == 1 {
        pairs.dedup();
        pairs.shrink_to_fit();
        return Tally {
            pairs,
            counts: Vec::new(),
        };
    }
    // The distinct pairs moved to the front, in place; the counts sized
    // once.
    let distinct = pairs.chunk_by(|x, y| x == y).count();
    let mut counts = Vec::with_capacity(distinct);
    let mut at = 0;
    while at < pairs.len() {
        let pair = pairs[at];
        let end = at + pairs[at..].iter().take_while(|&&p| p == pair).count();
        pairs[counts.len()] = pair;
        counts.push((end - at).min(need as usize) as u32);
        at = end;
    }
    pairs.truncate(distinct);
    pairs.shrink_to_fit();
    Tally { pairs, counts }
}

/// [`count_pairs`] of pairs that come a hash range at a time, without
/// holding them all: each range's pairs are tallied (sorted, one entry a
/// distinct pair with its count), and the tallies are merged as they come,
/// a tally merged with the one before it while that is less than twice its
/// length (so each pair is merged about log(ranges) times, and the tallies
/// held are about the distinct pairs, not every pair emitted once per hash
/// it shares).
struct PairCounts {
    /// Emissions that make a pair (`min_shared`, at least 1): counts
    /// saturate here.
    need: u32,
    /// Tallies, each at least twice as long as the next.
    tallies: Vec<Tally>,
}

impl PairCounts {
    fn new(min_shared: usize) -> PairCounts {
        PairCounts {
            need: min_shared.clamp(1, u32::MAX as usize) as u32,
            tallies: Vec::new(),
        }
    }

    fn add(&mut self, t: Tally) {
        self.tallies.push(t);
        while let [.., a, b] = &self.tallies[..] {
            if a.len() >= 2 * b.len() {
                break;
            }
            let b = self.tallies.pop().unwrap_or_default();
            let a = self.tallies.pop().unwrap_or_default();
            let merged = self.merge(a, b);
            self.tallies.push(merged);
        }
    }

    /// The sorted union of two tallies, counts added.
    fn merge(&self, a: Tally, b: Tally) -> Tally {
        let counted = self.need > 1;
        let mut t = Tally {
            pairs: Vec::with_capacity(a.len() + b.len()),
            counts: Vec::with_capacity(if counted { a.len() + b.len() } else { 0 }),
        };
        let count = |x: &Tally, i: usize| if counted { x.counts[i] } else { 1 };
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let (pair, c) = match a.pairs[i].cmp(&b.pairs[j]) {
                std::cmp::Ordering::Less => {
                    i += 1;
                    (a.pairs[i - 1], count(&a, i - 1))
                }
                std::cmp::Ordering::Greater => {
                    j += 1;
                    (b.pairs[j - 1], count(&b, j - 1))
                }
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    let c = count(&a, i - 1).saturating_add(count(&b, j - 1));
                    (a.pairs[i - 1], c.min(self.need))
                }
            };
            t.pairs.push(pair);
            if counted {
                t.counts.push(c);
            }
        }
        t.pairs.extend_from_slice(&a.pairs[i..]);
        t.pairs.extend_from_slice(&b.pairs[j..]);
        if counted {
            t.counts.extend_from_slice(&a.counts[i..]);
            t.counts.extend_from_slice(&b.counts[j..]);
        }
        t
    }

    /// The distinct pairs emitted at least `need` times in all, sorted.
    fn finish(mut self) -> Vec<Pair> {
        let mut all = self.tallies.pop().unwrap_or_default();
        while let Some(a) = self.tallies.pop() {
            all = self.merge(a, all);
        }
        if self.need == 1 {
            return all.pairs;
        }
        let need = self.need;
        all.pairs
            .iter()
            .zip(&all.counts)
            .filter(|&(_, &c)| c >= need)
            .map(|(&p, _)| p)
            .collect()
    }
}

/// Sorted union of candidate lists.
pub fn union(mut a: Vec<Pair>, b: Vec<Pair>) -> Vec<Pair> {
    a.extend(b);
    a.par_sort_unstable();
    a.dedup();
    a
}

/// The pairs of one hash's bucket; a bucket of two emits its pair
/// `1 + exclusive` times.
fn emit_run(run: &Run, max_full: usize, exclusive: usize, out: &mut Vec<Pair>) {
    let pair = |x: u32, y: u32| (x.min(y), x.max(y));
    if run.df() == 2 {
        let (x, y) = match (run.new, run.old) {
            ([n, m], _) => (n.1, m.1),
            ([n], [o]) => (n.1, o.1),
            _ => unreachable!("a bucket of two with a new document"),
        };
        out.extend(std::iter::repeat_n(pair(x, y), 1 + exclusive));
        return;
    }
    if run.df() <= max_full {
        for (i, n) in run.new.iter().enumerate() {
            for m in &run.new[i + 1..] {
                out.push(pair(n.1, m.1));
            }
            for o in run.old {
                out.push(pair(n.1, o.1));
            }
        }
    } else {
        // Chain: each new document with the document before it (old ids
        // come first), which keeps the cluster joined at linear cost.
        let mut prev = run.old.last().map(|o| o.1);
        for n in run.new {
            if let Some(p) = prev {
                out.push(pair(p, n.1));
            }
            prev = Some(n.1);
        }
    }
}

/// What the candidate stage needs of each known (indexed) document.
pub trait KnownSketches: Sync {
    /// The document's distinct fingerprints, sorted.
    fn fingerprints(&self, doc: u32) -> &[u64];
    /// The fingerprints it repeats inside itself, sorted.
    fn repeated(&self, doc: u32) -> &[u64];
}

/// Sketches in memory as the known part of a corpus.
pub struct Sketches<'a>(pub &'a [DocSketch]);

impl KnownSketches for Sketches<'_> {
    fn fingerprints(&self, doc: u32) -> &[u64] {
        self.0[doc as usize].fingerprints()
    }
    fn repeated(&self, doc: u32) -> &[u64] {
        self.0[doc as usize].repeated()
    }
}

/// The part of a corpus known only by its sketches (from an index): document
/// ids `0..len`, every other document is new.
#[derive(Clone, Copy, Default)]
pub struct Known<'a> {
    /// Sorted passage-fingerprint postings: those of every hash the stage
    /// looks up (see [`Proposal`]).
    pub fingerprints: &'a [Posting],
    /// Fingerprints known to be frequent (chrome) whose postings are not
    /// in `fingerprints`: `(hash, df)`, `df` on the same side of the
    /// universal threshold as the hash's document frequency (see
    /// [`Chrome::add_counted`]). No new document may make one of them
    /// frequent on its own: fewer new documents than the threshold.
    pub frequent: &'a [(u64, u32)],
    /// Sorted LSH band-key postings.
    pub bands: &'a [Posting],
    /// Fingerprints known documents repeat inside themselves: each
    /// document's list, concatenated (a hash once per document).
    pub repeated: &'a [u64],
    /// How many documents are known.
    pub len: u32,
    /// Their sketches (`None` when `len` is 0).
    pub sketches: Option<&'a dyn KnownSketches>,
}

/// The settings of the candidate stage for one corpus.
#[derive(Clone, Copy, Debug)]
pub struct ProposeParams<'a> {
    /// Documents a fingerprint must be in to be chrome.
    pub df_threshold: u32,
    /// Documents from which frequent text is universal (site-wide) chrome.
    pub universal_df: u32,
    /// Shingle hashes of known chrome.
    pub known_chrome: &'a [u64],
    /// Words per shingle.
    pub k: u32,
    /// Words between chrome fingerprints that still belong to one chrome
    /// stretch (a template's slot).
    pub max_gap: u32,
    /// Content fingerprints two documents must share to be a candidate.
    pub min_shared: usize,
    /// Signature LSH bands.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
}

/// The candidate stage's result: chrome and the pairs to verify.
pub struct Proposed {
    /// Chrome fingerprints.
    pub chrome: Chrome,
    /// Pairs to verify, sorted, each with at least one new document.
    pub candidates: Vec<Pair>,
    /// Signature LSH bands.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Pairs the signature LSH proposed (before the chrome filter).
    pub signature_candidates: usize,
    /// Pairs shared content fingerprints proposed.
    pub fingerprint_candidates: usize,
}

/// The candidate stage over documents that all have their fingerprint
/// postings at hand (a scan, or a known part with complete postings).
pub fn propose(known: Known, new: &[DocSketch], p: &ProposeParams) -> Proposed {
    Proposal::new(known, new, p).finish(&[], &[])
}

/// Postings the candidate stage builds at once, about: it builds and
/// consumes them a hash range at a time ([`Parts`]), so that its memory does
/// not grow with the corpus as the sketches' does.
const PART_POSTINGS: usize = 1 << 17;

/// Postings below which the candidate stage does not split its lists into
/// more ranges to keep every thread busy.
const MIN_PART_POSTINGS: usize = 1 << 16;

/// A split of the 64-bit hash space into ranges, which the candidate stage
/// walks in ascending order: each range's postings are built, used and
/// dropped before the next. Every run of equal hashes lies in one range, so
/// the pairs and chrome of all ranges are those of the whole; only the
/// memory differs.
///
/// The ranges are cut at quantiles of a sample of the hashes, not at equal
/// widths: winnowing selects window minima, so fingerprints crowd the low
/// end of the hash space.
#[derive(Clone, Debug)]
struct Parts {
    /// The first hash of each range but the first (which starts at 0),
    /// ascending.
    starts: Vec<u64>,
}

impl Parts {
    /// Ranges of about `per_part` postings each of the hash lists `lists`
    /// (at most 256 ranges). Postings already at hand (a known part's) do
    /// not count: they are held whole anyway.
    fn balanced<'l>(lists: impl Iterator<Item = &'l [u64]> + Clone, per_part: usize) -> Parts {
        let total = lists.clone().map(|l| l.len()).sum::<usize>();
        // At least a range per thread once the lists are long enough: a
        // range is built and consumed by one thread (a single range would
        // leave the other threads idle while it is).
        let spread = rayon::current_num_threads().min(total / MIN_PART_POSTINGS);
        let parts = total.div_ceil(per_part.max(1)).max(spread).clamp(1, 256);
        if parts == 1 {
            return Parts { starts: Vec::new() };
        }
        // Every `step`-th hash of the lists end to end: a sample of about
        // 512 per range (the candidate stage's lists are as long as the
        // longest range of their batch, so the ranges should be even).
        let step = (total / (512 * parts)).max(1);
        let mut sample: Vec<u64> = Vec::with_capacity(total / step + 1);
        let (mut next, mut at) = (0usize, 0usize);
        for l in lists {
            while next < at + l.len() {
                sample.push(l[next - at]);
                next += step;
            }
            at += l.len();
        }
        sample.sort_unstable();
        let mut starts: Vec<u64> = (1..parts)
            .map(|p| sample[p * sample.len() / parts])
            .collect();
        starts.dedup();
        Parts { starts }
    }

    fn count(&self) -> usize {
        self.starts.len() + 1
    }

    /// The indices of the items of `sorted` (by `hash`) in range `part`.
    fn range<T>(&self, sorted: &[T], part: usize, hash: impl Fn(&T) -> u64) -> Range<usize> {
        let lo = match part {
            0 => 0,
            p => sorted.partition_point(|x| hash(x) < self.starts[p - 1]),
        };
        let hi = match self.starts.get(part) {
            None => sorted.len(),
            Some(&end) => lo + sorted[lo..].partition_point(|x| hash(x) < end),
        };
        lo..hi
    }

    /// The items of `sorted` (by `hash`) in range `part`.
    fn slice<'s, T>(&self, sorted: &'s [T], part: usize, hash: impl Fn(&T) -> u64) -> &'s [T] {
        &sorted[self.range(sorted, part, hash)]
    }

    /// The range `h` lies in.
    fn part_of(&self, h: u64) -> usize {
        self.starts.partition_point(|&s| s <= h)
    }
}

/// A new document's position in its sorted fingerprints and the hash there
/// (`u64::MAX` past the end): where the next hash range's items start.
type Cursor = (usize, u64);

/// The cursor at the start of `list`.
fn cursor_at_start(list: &[u64]) -> Cursor {
    (0, list.first().copied().unwrap_or(u64::MAX))
}

/// Appends the items of sorted `list` in each range of `batch` (consecutive,
/// ascending) for which `keep(i)` holds, as postings of `id(i)`, to that
/// range's list in `outs`; steps `at` past them. The list is read only
/// where it has items in these ranges (a hash range is stepped through, not
/// searched: a binary search a list and range touched every list about
/// log(len) times a range, which grew as the square of the corpus).
#[inline]
fn step_cursor<'l>(
    parts: &Parts,
    list: impl FnOnce() -> &'l [u64],
    at: &mut Cursor,
    batch: Range<usize>,
    id: impl Fn(usize) -> u32,
    keep: impl Fn(usize) -> bool,
    outs: &mut [Out],
) {
    // Not even the document's sketch is read for a list with nothing here.
    if parts.starts.get(batch.end - 1).is_some_and(|&e| at.1 >= e) {
        return;
    }
    let list = list();
    for (part, out) in batch.zip(outs) {
        let end = parts.starts.get(part).copied();
        if end.is_some_and(|e| at.1 >= e) {
            continue;
        }
        let mut i = at.0;
        while let Some(&h) = list.get(i) {
            if end.is_some_and(|e| h >= e) {
                break;
            }
            if keep(i) {
                out.push((h, id(i)));
            }
            i += 1;
        }
        *at = (i, list.get(i).copied().unwrap_or(u64::MAX));
    }
}

/// Adds to `row[part]` the items of sorted `list` in each range `part` for
/// which `keep(i)` holds: what [`step_cursor`] appends over all batches.
fn count_items(parts: &Parts, list: &[u64], keep: impl Fn(usize) -> bool, row: &mut [u32]) {
    let mut part = 0;
    let mut end = parts.starts.first().copied();
    for (i, &h) in list.iter().enumerate() {
        while end.is_some_and(|e| h >= e) {
            part += 1;
            end = parts.starts.get(part).copied();
        }
        if keep(i) {
            row[part] += 1;
        }
    }
}

/// [`prefetch`] of where `at` points in `list`, when it has items in
/// `batch`: the line [`step_cursor`] reads first.
#[inline(always)]
fn prefetch_cursor(parts: &Parts, list: &[u64], at: &Cursor, batch: &Range<usize>) {
    let last_end = parts.starts.get(batch.end - 1).copied();
    if last_end.is_none_or(|e| at.1 < e) {
        prefetch(list.as_ptr().wrapping_add(at.0));
    }
}

/// The range of each band key of each new document, one byte a key (there
/// are at most 256 ranges), in document order: band keys are kept in band
/// order, not sorted, so a range's keys are found by reading these bytes
/// (a cache line a document) instead of every key.
struct BandParts {
    part: Vec<u8>,
    /// Document `d`'s bytes are `part[start[d]..start[d + 1]]`.
    start: Vec<usize>,
}

impl BandParts {
    /// The bytes of the `n` lists `keys(d)` cut at `parts`.
    fn new<'k>(parts: &Parts, n: usize, keys: impl Fn(usize) -> &'k [u64] + Sync) -> BandParts {
        assert!(parts.count() <= 256, "{} ranges", parts.count());
        let mut start = Vec::with_capacity(n + 1);
        let mut at = 0;
        start.push(0);
        for d in 0..n {
            at += keys(d).len();
            start.push(at);
        }
        let part = (0..n)
            .into_par_iter()
            .flat_map_iter(|d| keys(d).iter().map(|&h| parts.part_of(h) as u8))
            .collect();
        BandParts { part, start }
    }

    fn of(&self, d: usize) -> &[u8] {
        &self.part[self.start[d]..self.start[d + 1]]
    }

    /// Appends document `d`'s band keys (`keys`) in the ranges of `batch` to
    /// their ranges' lists in `outs`, as postings of `id`.
    #[inline]
    fn gather(&self, d: usize, keys: &[u64], batch: &Range<usize>, id: u32, outs: &mut [Out]) {
        for (i, &p) in self.of(d).iter().enumerate() {
            let p = p as usize;
            if batch.contains(&p) {
                outs[p - batch.start].push((keys[i], id));
            }
        }
    }

    /// Adds document `d`'s band keys in each range to `row` (see
    /// [`count_items`]).
    fn count(&self, d: usize, row: &mut [u32]) {
        for &p in self.of(d) {
            row[p as usize] += 1;
        }
    }

    /// [`prefetch`] of document `d`'s first key in `batch`, if any.
    #[inline(always)]
    fn prefetch(&self, d: usize, keys: &[u64], batch: &Range<usize>) {
        if let Some(i) = self
            .of(d)
            .iter()
            .position(|&p| batch.contains(&(p as usize)))
        {
            prefetch(keys.as_ptr().wrapping_add(i));
        }
    }
}

/// Documents ahead of the one at hand whose lists are prefetched.
const AHEAD: usize = 16;

/// Documents a thread gathers the postings of at once in [`each_part`].
const CHUNK: usize = 4096;

/// A hint to bring the cache line at `p` in; any address will do (it never
/// faults), and it changes no result.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Where [`each_part`]'s `gather` writes a range's postings: the slots of
/// one chunk of documents in the range's list, sized by the counts.
struct Out<'b> {
    slots: &'b mut [Posting],
    at: usize,
}

impl Out<'_> {
    /// Writes the next posting (panics past the counted slots: `size` and
    /// `gather` disagree).
    #[inline]
    fn push(&mut self, p: Posting) {
        self.slots[self.at] = p;
        self.at += 1;
    }
}

/// Ranges a batch of [`each_part`] holds: as many as rayon has threads, or
/// more (up to four times that, and at most one in [`BATCH_SHARE`] of the
/// `count` ranges) when a document has fewer than [`BATCH_ITEMS`] of its
/// `postings` in so many ranges: a batch costs a read of every document
/// with items in it, a cache miss each, so each read should bring a few
/// items (at 1 M documents a range holds under one of a document's
/// fingerprints).
fn batch_width(count: usize, postings: usize, docs: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    // Ranges that hold BATCH_ITEMS of a document's postings, on average.
    let per_doc = postings as f64 / docs.max(1) as f64;
    let want = (BATCH_ITEMS as f64 * count as f64 / per_doc.max(1e-9)).ceil() as usize;
    want.clamp(threads, 4 * threads)
        .min((count / BATCH_SHARE).max(threads))
}

/// Items of a document a batch of ranges should hold (see [`batch_width`]).
const BATCH_ITEMS: usize = 4;

/// A batch holds at most one in this many of the ranges (but at least as
/// many as rayon has threads), so that its postings are a small share of
/// the fingerprints the sketches hold: at 100 k documents [`BATCH_ITEMS`]
/// alone would hold four of ~80 ranges, ~8 MB, where two do.
const BATCH_SHARE: usize = 32;

/// Runs `work` on each hash range `0..count` with the new documents'
/// postings in it, sorted (document `d` is `first + d`), and hands the
/// results to `then` in range order: the same results, in the same order,
/// as one range after another.
///
/// First `size(d, row)` adds the items of document `d` in each range to
/// `row` (one count a range), for every document, a chunk of documents a
/// row; so each range's postings are gathered straight into one list of
/// the exact length, each chunk of documents into its own slots, and sorted
/// there ([`postings::sort_in_place`]): no list grows by doubling, and no
/// sorted copy is made. The lists are reused from batch to batch.
///
/// The ranges go in batches of `width` (see [`batch_width`]; at most that
/// many ranges' postings are held). A batch's postings are gathered in
/// one pass over the documents (in parallel, a chunk of documents a
/// thread), each document read once a batch: `gather(d, state, batch, outs,
/// id)` writes document `d`'s postings in the batch's ranges to `outs` (one
/// [`Out`] a range of the batch), `state[d]` carried from batch to batch (a
/// cursor); `ahead(d, state, batch)` is called a few documents before
/// `gather` for the same document, to prefetch what it will read. Then the
/// batch's ranges are sorted and worked on, a range a thread.
#[allow(clippy::too_many_arguments)]
fn each_part<S: Send, T: Send>(
    width: usize,
    count: usize,
    first: u32,
    state: &mut [S],
    size: impl Fn(usize, &mut [u32]) + Sync,
    gather: impl Fn(usize, &mut S, &Range<usize>, &mut [Out], u32) + Sync,
    ahead: impl Fn(usize, &S, &Range<usize>) + Sync,
    work: impl Fn(usize, &[Posting]) -> T + Sync,
    mut then: impl FnMut(T),
) {
    let width = width.max(1);
    let n = state.len();
    // Each chunk's items in each range.
    let rows: Vec<Vec<u32>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut row = vec![0u32; count];
            for d in c * CHUNK..((c + 1) * CHUNK).min(n) {
                size(d, &mut row);
            }
            row
        })
        .collect();
    // A list a range of a batch, as long as the longest range it held.
    let mut lists: Vec<Vec<Posting>> = (0..width.min(count)).map(|_| Vec::new()).collect();
    for start in (0..count).step_by(width) {
        let batch = start..(start + width).min(count);
        let w = batch.len();
        let lens: Vec<usize> = batch
            .clone()
            .map(|part| rows.iter().map(|r| r[part] as usize).sum())
            .collect();
        // Each chunk's slots in each range's list, end to end in chunk
        // (document) order.
        let mut outs: Vec<Vec<Out>> = (0..rows.len()).map(|_| Vec::with_capacity(w)).collect();
        for ((part, list), &len) in batch.clone().zip(&mut lists).zip(&lens) {
            if list.len() < len {
                list.reserve_exact(len - list.len());
                list.resize(len, (0, 0));
            }
            let mut rest = &mut list[..len];
            for (row, out) in rows.iter().zip(&mut outs) {
                let (here, after) = std::mem::take(&mut rest).split_at_mut(row[part] as usize);
                out.push(Out { slots: here, at: 0 });
                rest = after;
            }
        }
        state
            .par_chunks_mut(CHUNK)
            .zip(outs.par_iter_mut())
            .enumerate()
            .for_each(|(c, (state, outs))| {
                for i in 0..state.len() {
                    let d = c * CHUNK + i;
                    if let Some(s) = state.get(i + AHEAD) {
                        ahead(d + AHEAD, s, &batch);
                    }
                    gather(d, &mut state[i], &batch, outs, first + d as u32);
                }
                // Every counted slot written.
                for out in outs.iter() {
                    assert_eq!(out.at, out.slots.len(), "postings counted and gathered");
                }
            });
        drop(outs);
        let done: Vec<T> = lists[..w]
            .par_iter_mut()
            .zip(&lens)
            .enumerate()
            .map(|(j, (list, &len))| {
                let range = &mut list[..len];
                postings::sort_in_place(range);
                work(start + j, range)
            })
            .collect();
        done.into_iter().for_each(&mut then);
    }
}

/// The postings of the runs of `old` and `new` (sorted) that at least
/// `df_threshold` documents carry, old and new apart: their merged runs are
/// exactly those runs of `old` and `new` (a run is kept whole or not at
/// all), so [`Chrome::add_frequent`] of them is that of the whole lists.
/// Found where the postings are built (in parallel), so that the chrome set
/// is handed only the few frequent runs.
fn frequent_runs(
    old: &[Posting],
    new: &[Posting],
    df_threshold: u32,
) -> (Vec<Posting>, Vec<Posting>) {
    let (mut fo, mut fnew) = (Vec::new(), Vec::new());
    if old.is_empty() && df_threshold >= 2 {
        for run in postings::shared_runs(new) {
            if run.len() as u32 >= df_threshold {
                fnew.extend_from_slice(run);
            }
        }
        return (fo, fnew);
    }
    for run in merged_runs(old, new) {
        if run.df() as u32 >= df_threshold {
            fo.extend_from_slice(run.old);
            fnew.extend_from_slice(run.new);
        }
    }
    (fo, fnew)
}

/// Which of each document's distinct fingerprints are shared content (may
/// propose pairs): one bit per fingerprint, the bits of all new documents'
/// sorted fingerprint lists end to end (a fingerprint's *place*), instead
/// of a list of the hashes. A bit is first set where another document
/// carries the fingerprint too ([`mark_shared`], while the chrome's
/// postings are sorted: their postings carry places, not documents), then
/// kept only where the fingerprint is content
/// ([`ContentBits::keep_content`]): a fingerprint one document alone
/// carries proposes no pair, so its postings are not gathered again. When
/// the places do not fit a `u32` every bit starts set (content is then
/// every content fingerprint, as it was).
struct ContentBits {
    bits: Vec<AtomicU64>,
    /// Document `d`'s fingerprints are places `start[d]..start[d + 1]`.
    start: Vec<u64>,
}

impl ContentBits {
    /// No bit set (every bit, when [`ContentBits::by_place`] does not
    /// hold), for the fingerprints of `new`.
    fn clear(new: &[DocSketch]) -> ContentBits {
        // The words of all documents at once (not a list a document, then
        // copied: ~56 bytes a document more while it was made).
        let mut start = Vec::with_capacity(new.len() + 1);
        let mut at = 0u64;
        start.push(0);
        for s in new {
            at += s.fingerprints().len() as u64;
            start.push(at);
        }
        let fill = if at <= u32::MAX as u64 { 0 } else { u64::MAX };
        let bits = (0..at.div_ceil(64)).map(|_| AtomicU64::new(fill)).collect();
        ContentBits { bits, start }
    }

    /// Whether every place fits a `u32` (the postings' document field).
    fn by_place(&self) -> bool {
        self.start.last().is_some_and(|&n| n <= u32::MAX as u64)
    }

    /// The place of fingerprint `i` of new document `d` (when
    /// [`ContentBits::by_place`]).
    #[inline]
    fn place(&self, d: usize, i: usize) -> u32 {
        (self.start[d] + i as u64) as u32
    }

    /// The new document whose fingerprint is at place `g`.
    fn doc_of(&self, g: u32) -> usize {
        self.start.partition_point(|&s| s <= g as u64) - 1
    }

    /// Sets the bit of place `g`.
    #[inline]
    fn set(&self, g: u32) {
        self.bits[g as usize / 64].fetch_or(1 << (g % 64), Ordering::Relaxed);
    }

    /// Clears the bits of fingerprints that are not content: `content(s,
    /// seq)` gives sketch `s`'s content fingerprints, sorted; `seq` is a
    /// buffer it may use (one per thread, reused). A chunk of documents a
    /// thread (a word two chunks share is cleared by both, atomically).
    fn keep_content(
        &self,
        new: &[DocSketch],
        content: impl Fn(&DocSketch, &mut Vec<Fingerprint>) -> Vec<u64> + Sync,
    ) {
        let firsts: Vec<usize> = (0..new.len()).step_by(CHUNK).collect();
        firsts.into_par_iter().for_each_init(
            || (Vec::new(), Vec::new()),
            |(seq, keep), first| {
                for (d, s) in new.iter().enumerate().skip(first).take(CHUNK) {
                    let (lo, hi) = (self.start[d], self.start[d + 1]);
                    if lo == hi {
                        continue;
                    }
                    let (w0, w1) = ((lo / 64) as usize, ((hi - 1) / 64) as usize);
                    // Bits outside the document are kept as they are.
                    keep.clear();
                    keep.resize(w1 - w0 + 1, 0u64);
                    keep[0] |= (1u64 << (lo % 64)) - 1;
                    if hi % 64 != 0 {
                        keep[w1 - w0] |= !((1u64 << (hi % 64)) - 1);
                    }
                    // No fingerprint another document carries: no bit to
                    // keep, and the content is not worked out.
                    let words = &self.bits[w0..=w1];
                    let shared = |(w, &k): (&AtomicU64, &u64)| w.load(Ordering::Relaxed) & !k != 0;
                    if !words.iter().zip(keep.iter()).any(shared) {
                        continue;
                    }
                    let mut i = 0;
                    // Both lists are sorted, the content a subset.
                    for h in content(s, seq) {
                        while s.fingerprints()[i] != h {
                            i += 1;
                        }
                        let g = lo + i as u64 - 64 * w0 as u64;
                        keep[(g / 64) as usize] |= 1 << (g % 64);
                    }
                    for (w, &k) in words.iter().zip(keep.iter()) {
                        if k != u64::MAX {
                            w.fetch_and(k, Ordering::Relaxed);
                        }
                    }
                }
            },
        );
    }

    /// Whether fingerprint `i` of new document `d` is shared content.
    #[inline]
    fn get(&self, d: usize, i: usize) -> bool {
        let g = self.start[d] + i as u64;
        self.bits[(g / 64) as usize].load(Ordering::Relaxed) >> (g % 64) & 1 == 1
    }

    /// Whether `h`, a fingerprint of new document `d` (`s`), is shared
    /// content (for a fingerprint another document carries too: content).
    fn contains(&self, d: usize, s: &DocSketch, h: u64) -> bool {
        s.fingerprints()
            .binary_search(&h)
            .is_ok_and(|i| self.get(d, i))
    }
}

/// Sets the bit of each new posting (of a place, see [`ContentBits`]) in a
/// run of `old` and `new` (sorted, one hash range's) at least two
/// documents carry.
fn mark_shared(old: &[Posting], new: &[Posting], bits: &ContentBits) {
    let mark = |run: &[Posting]| {
        for &(_, g) in run {
            bits.set(g);
        }
    };
    if old.is_empty() {
        postings::shared_runs(new).for_each(mark);
    } else {
        for run in merged_runs(old, new) {
            if run.df() >= 2 {
                mark(run.new);
            }
        }
    }
}

/// The candidate stage in two steps, for a known part whose postings are
/// gathered as needed (a check against an index).
///
/// [`Proposal::new`] needs the postings of every hash the new documents
/// carry: they decide the chrome of those hashes, hence the new documents'
/// content fingerprints and every pair. The pairs' known documents are then
/// [`Proposal::partners`]; [`Proposal::finish`] takes the postings of their
/// other hashes, completing the chrome (looked up when a signature pair is
/// filtered and when the pair's spans are classified), and filters the
/// signature pairs. Each pair is proposed once and each posting is looked
/// at once.
pub struct Proposal<'a> {
    known: Known<'a>,
    new: &'a [DocSketch],
    chrome: Chrome,
    /// Content fingerprints of each new document.
    content: ContentBits,
    by_fingerprint: Vec<Pair>,
    /// Signature pairs before the chrome filter.
    by_signature: Vec<Pair>,
    bands: usize,
    rows: usize,
}

impl<'a> Proposal<'a> {
    /// Chrome from document frequencies, then pairs sharing `min_shared`
    /// content fingerprints (never chrome, a template's slot or text a
    /// document repeats itself) and pairs sharing a band key
    /// ([`DocSketch::band_keys`]).
    ///
    /// Postings are built and consumed a hash range at a time, so that only
    /// a fraction of them is held at once.
    pub fn new(known: Known<'a>, new: &'a [DocSketch], p: &ProposeParams) -> Proposal<'a> {
        Proposal::in_parts(known, new, p, PART_POSTINGS)
    }

    /// [`Proposal::new`] in hash ranges of about `per_part` postings.
    fn in_parts(
        known: Known<'a>,
        new: &'a [DocSketch],
        p: &ProposeParams,
        per_part: usize,
    ) -> Proposal<'a> {
        let first = known.len;
        let fps_of = |s: &'a DocSketch| s.fingerprints();
        let parts = Parts::balanced(new.iter().map(fps_of), per_part);
        let fp_total: usize = new.iter().map(|s| s.fingerprints().len()).sum();

        let mut chrome = Chrome::frequent_from(p.df_threshold);
        // Shared fingerprints marked while the chrome's postings are at
        // hand; the content postings are then only those of shared ones.
        let content = ContentBits::clear(new);
        let by_place = content.by_place();
        let fps = |d: usize| new[d].fingerprints();
        let mut cursors: Vec<Cursor> = new
            .par_iter()
            .map(|s| cursor_at_start(s.fingerprints()))
            .collect();
        each_part(
            batch_width(parts.count(), fp_total, cursors.len()),
            parts.count(),
            first,
            &mut cursors,
            |d, row| count_items(&parts, fps(d), |_| true, row),
            |d, at, batch, outs, id| {
                // Postings of the fingerprint's place in all the new
                // documents' lists (in the order of the documents', so the
                // sort is that of documents), when those fit.
                let id = |i| match by_place {
                    true => content.place(d, i),
                    false => id,
                };
                step_cursor(&parts, || fps(d), at, batch.clone(), id, |_| true, outs)
            },
            |d, at, batch| prefetch_cursor(&parts, fps(d), at, batch),
            |part, new_fps| {
                let old = parts.slice(known.fingerprints, part, |p| p.0);
                if !by_place {
                    return frequent_runs(old, new_fps, p.df_threshold);
                }
                mark_shared(old, new_fps, &content);
                let (fo, mut fnew) = frequent_runs(old, new_fps, p.df_threshold);
                for q in &mut fnew {
                    q.1 = first + content.doc_of(q.1) as u32;
                }
                (fo, fnew)
            },
            // Only the frequent runs reach the (serial) chrome set.
            |(old, new)| chrome.add_frequent(&old, &new),
        );
        chrome.add_counted(known.frequent);
        let repeated = known
            .repeated
            .iter()
            .copied()
            .chain(new.iter().flat_map(|s| s.repeated().iter().copied()));
        let chrome = chrome
            .add_repeated_and_known(repeated, p.known_chrome)
            .with_universal_df(p.universal_df);

        content.keep_content(new, |s, seq| {
            s.sequence_into(seq);
            content_fingerprints(seq, &chrome, s.repeated(), s.header_words, p.k, p.max_gap)
        });

        let mut by_fingerprint = PairCounts::new(p.min_shared);
        let fp_need = by_fingerprint.need;
        cursors
            .par_iter_mut()
            .zip(new)
            .for_each(|(at, s)| *at = cursor_at_start(s.fingerprints()));
        each_part(
            batch_width(parts.count(), fp_total, cursors.len()),
            parts.count(),
            first,
            &mut cursors,
            |d, row| count_items(&parts, fps(d), |i| content.get(d, i), row),
            |d, at, batch, outs, id| {
                let keep = |i| content.get(d, i);
                step_cursor(&parts, || fps(d), at, batch.clone(), |_| id, keep, outs)
            },
            |d, at, batch| prefetch_cursor(&parts, fps(d), at, batch),
            |part, new_content| {
                let mut pairs = Vec::new();
                emit_pairs(
                    parts.slice(known.fingerprints, part, |p| p.0),
                    new_content,
                    |r| chrome.contains(r.hash),
                    |posting| !known_repeats(&known, posting),
                    p.min_shared,
                    MAX_FULL_BUCKET,
                    &mut pairs,
                );
                tally(pairs, fp_need)
            },
            |tally| by_fingerprint.add(tally),
        );
        drop(cursors);
        // The counts are let go before the band keys' postings are built.
        let by_fingerprint = by_fingerprint.finish();

        // Band keys: uniform hashes, in band order in each sketch.
        let bands = Parts::balanced(new.iter().map(|s| s.band_keys()), per_part);
        let band_parts = BandParts::new(&bands, new.len(), |d| new[d].band_keys());
        let mut by_signature = PairCounts::new(1);
        each_part(
            batch_width(
                bands.count(),
                new.iter().map(|s| s.band_keys().len()).sum(),
                new.len(),
            ),
            bands.count(),
            first,
            &mut vec![(); new.len()],
            |d, row| band_parts.count(d, row),
            |d, _, batch, outs, id| band_parts.gather(d, new[d].band_keys(), batch, id, outs),
            |d, _, batch| band_parts.prefetch(d, new[d].band_keys(), batch),
            |part, new_bands| {
                let mut pairs = Vec::new();
                emit_pairs(
                    bands.slice(known.bands, part, |p| p.0),
                    new_bands,
                    |_| false,
                    |_| true,
                    1,
                    MAX_FULL_BAND_BUCKET,
                    &mut pairs,
                );
                tally(pairs, 1)
            },
            |tally| by_signature.add(tally),
        );
        drop(band_parts);
        let by_signature = by_signature.finish();
        Proposal {
            known,
            new,
            chrome,
            content,
            by_fingerprint,
            by_signature,
            bands: p.bands,
            rows: p.rows,
        }
    }

    /// The known documents in a proposed pair, sorted.
    pub fn partners(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .by_fingerprint
            .iter()
            .chain(&self.by_signature)
            .flat_map(|&(a, b)| [a, b])
            .filter(|&d| d < self.known.len)
            .collect();
        v.par_sort_unstable();
        v.dedup();
        v
    }

    /// Completes the chrome with `more`, the sorted postings of hashes the
    /// known fingerprint postings did not hold (none for a scan), and with
    /// `more_frequent`, those of them known to be frequent without their
    /// postings (as [`Known::frequent`]); keeps a signature pair unless all
    /// it shares is chrome covering less than most of the smaller
    /// document.
    pub fn finish(self, more: &[Posting], more_frequent: &[(u64, u32)]) -> Proposed {
        let mut chrome = self.chrome;
        chrome.extend_frequent(more);
        chrome.extend_counted(more_frequent);
        let (signature_candidates, fingerprint_candidates) =
            (self.by_signature.len(), self.by_fingerprint.len());
        let sides = Sides {
            known: self.known,
            new: self.new,
            content: &self.content,
            chrome: &chrome,
        };
        let by_signature: Vec<Pair> = self
            .by_signature
            .into_par_iter()
            .filter(|&(a, b)| {
                self.by_fingerprint.binary_search(&(a, b)).is_ok() || sides.more_than_chrome(a, b)
            })
            .collect();
        Proposed {
            candidates: union(by_signature, self.by_fingerprint),
            chrome,
            bands: self.bands,
            rows: self.rows,
            signature_candidates,
            fingerprint_candidates,
        }
    }
}

/// The documents of the signature filter, with the chrome.
struct Sides<'s> {
    known: Known<'s>,
    new: &'s [DocSketch],
    content: &'s ContentBits,
    chrome: &'s Chrome,
}

impl Sides<'_> {
    fn fingerprints(&self, d: u32) -> &[u64] {
        if d < self.known.len {
            self.known.sketches.map_or(&[], |s| s.fingerprints(d))
        } else {
            self.new[(d - self.known.len) as usize].fingerprints()
        }
    }

    fn is_content(&self, d: u32, h: u64) -> bool {
        if d < self.known.len {
            !(self.chrome.contains(h) || known_repeats(&self.known, &(h, d)))
        } else {
            let d = (d - self.known.len) as usize;
            self.content.contains(d, &self.new[d], h)
        }
    }

    /// Whether a signature pair shares more than chrome. Universal chrome (a
    /// site-wide footer) is left out on both sides: what the pair shares
    /// beyond it must be content, or at least half of the smaller
    /// document's other fingerprints, unless the two are copies of each
    /// other altogether.
    fn more_than_chrome(&self, a: u32, b: u32) -> bool {
        let chrome = self.chrome;
        let (fa, fb) = (self.fingerprints(a), self.fingerprints(b));
        let local = |f: &[u64]| f.iter().filter(|&&h| !chrome.is_universal(h)).count();
        let (mut shared, mut shared_content, mut shared_all) = (0usize, 0usize, 0usize);
        let (mut i, mut j) = (0, 0);
        while i < fa.len() && j < fb.len() {
            match fa[i].cmp(&fb[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let h = fa[i];
                    shared_all += 1;
                    if !chrome.is_universal(h) {
                        shared += 1;
                    }
                    if self.is_content(a, h) && self.is_content(b, h) {
                        shared_content += 1;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        if fa.is_empty() || fb.is_empty() {
            return true;
        }
        let smaller = local(fa).min(local(fb)).max(1);
        // Copies of each other, chrome and all.
        let mutual = 10 * shared_all >= 7 * fa.len().max(fb.len());
        shared_content > 0 || 2 * shared >= smaller || mutual
    }
}

/// Whether known document `p.1` repeats hash `p.0` inside itself.
fn known_repeats(known: &Known, p: &Posting) -> bool {
    known
        .sketches
        .is_some_and(|s| s.repeated(p.1).binary_search(&p.0).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postings;

    /// The chrome of the frequent runs alone is that of the whole lists: the
    /// same frequent and universal hashes, the same counts.
    #[test]
    fn frequent_runs_give_the_chrome_of_the_whole_lists() {
        let mut z = 99u64;
        let mut next = |m: u64| {
            z = crate::sketch::mix64(z);
            z % m
        };
        for threshold in [1u32, 2, 3, 5, 40] {
            // Hashes from a small range, so runs of every length occur.
            let lists = |docs: usize, next: &mut dyn FnMut(u64) -> u64| -> Vec<Vec<u64>> {
                (0..docs)
                    .map(|_| {
                        let mut v: Vec<u64> = (0..next(30)).map(|_| next(60)).collect();
                        v.sort_unstable();
                        v.dedup();
                        v
                    })
                    .collect()
            };
            let old_lists = lists(20, &mut next);
            let new_lists = lists(25, &mut next);
            let old = postings::build(old_lists.iter().map(|v| v.as_slice()), 0);
            let new = postings::build(new_lists.iter().map(|v| v.as_slice()), 20);
            let mut whole = Chrome::frequent_from(threshold);
            whole.add_frequent(&old, &new);
            let (fo, fnew) = frequent_runs(&old, &new, threshold);
            assert!(fo.len() + fnew.len() <= old.len() + new.len());
            if threshold > 20 {
                assert!(fo.is_empty() && fnew.is_empty());
            }
            let mut part = Chrome::frequent_from(threshold);
            part.add_frequent(&fo, &fnew);
            let (whole, part) = (whole.with_universal_df(4), part.with_universal_df(4));
            assert_eq!(whole.stats(), part.stats(), "threshold {threshold}");
            for h in 0..60 {
                assert_eq!(whole.is_frequent(h), part.is_frequent(h), "{h}");
                assert_eq!(whole.is_universal(h), part.is_universal(h), "{h}");
            }
            if threshold <= 3 {
                assert!(whole.stats().frequent > 0, "threshold {threshold}");
            }
        }
    }

    /// The remembered, parallel search gives the serial loop's answer.
    #[test]
    fn optimal_params_is_the_serial_search() {
        let serial = |threshold: f64, m: usize| {
            let integrate = |f: &dyn Fn(f64) -> f64, lo: f64, hi: f64| {
                let n = 200;
                let h = (hi - lo) / n as f64;
                (0..n)
                    .map(|i| f(lo + (i as f64 + 0.5) * h) * h)
                    .sum::<f64>()
            };
            let mut best = (1, m);
            let mut best_err = f64::INFINITY;
            for b in 1..=m {
                for r in 1..=m / b {
                    let fp = integrate(&|s| collision_probability(s, b, r), 0.0, threshold);
                    let fnr = integrate(&|s| 1.0 - collision_probability(s, b, r), threshold, 1.0);
                    let err = 0.5 * fp + 0.5 * fnr;
                    if err < best_err {
                        best_err = err;
                        best = (b, r);
                    }
                }
            }
            best
        };
        for (t, m) in [(0.5, 32), (0.3, 20), (0.8, 24), (0.5, 1), (0.95, 16)] {
            let want = serial(t, m);
            assert_eq!(optimal_params(t, m), want, "{t} {m}");
            // Asked again: the remembered answer.
            assert_eq!(optimal_params(t, m), want, "{t} {m}");
        }
    }

    #[test]
    fn s_curve_params_are_sane() {
        let (b, r) = optimal_params(0.5, 128);
        // The default layout DESIGN.md states.
        assert_eq!((b, r), (25, 5));
        assert!(b * r <= 128);
        assert!(collision_probability(0.8, b, r) > 0.95, "{b}x{r}");
        assert!(collision_probability(0.2, b, r) < 0.1, "{b}x{r}");
        let (b9, r9) = optimal_params(0.9, 128);
        assert!(r9 > r, "higher threshold, more rows per band");
        assert!(collision_probability(0.5, b9, r9) < 0.1);
    }

    fn keys(sigs: &[&[u32]], bands: usize, rows: usize) -> Vec<Posting> {
        let k: Vec<Vec<u64>> = sigs.iter().map(|s| band_keys(s, bands, rows)).collect();
        postings::build(k.iter().map(|v| v.as_slice()), 0)
    }

    #[test]
    fn equal_signatures_collide_unequal_do_not() {
        let a: Vec<u32> = (0..128).collect();
        let b = a.clone();
        let mut c: Vec<u32> = (1000..1128).collect();
        let p = keys(&[&a, &b, &c, &[]], 16, 8);
        assert_eq!(candidates(&[], &p, |_| false, |_| true, 1), vec![(0, 1)]);
        // One equal band is enough.
        c[..8].copy_from_slice(&a[..8]);
        let p = keys(&[&a, &c], 16, 8);
        assert_eq!(candidates(&[], &p, |_| false, |_| true, 1), vec![(0, 1)]);
    }

    #[test]
    fn fingerprints_need_min_shared_or_one_only_they_carry_and_skip_chrome() {
        let docs: [&[u64]; 7] = [
            &[1, 2, 3],
            &[1, 2, 4],
            &[3, 5, 9],
            &[5, 7, 9],
            &[3, 5, 6],
            &[10, 12],
            &[10, 11],
        ];
        let p = postings::build(docs, 0);
        let chrome = |r: &Run| r.hash == 9;
        // 0-1 share {1,2}; 2-4 share {3,5}, each also in a third document;
        // 0-2 and 0-4 share only 3, 2-3 and 3-4 only 5 (2-3 also chrome 9);
        // 5-6 share 10, which no other document carries.
        assert_eq!(
            candidates(&[], &p, chrome, |_| true, 2),
            vec![(0, 1), (2, 4), (5, 6)]
        );
        assert_eq!(
            candidates(&[], &p, chrome, |_| true, 1),
            vec![(0, 1), (0, 2), (0, 4), (2, 3), (2, 4), (3, 4), (5, 6)]
        );
        // With 9 not chrome, 2-3 share 9 (only theirs) and 5.
        assert!(candidates(&[], &p, |_| false, |_| true, 2).contains(&(2, 3)));
    }

    #[test]
    fn old_old_pairs_are_never_proposed() {
        let old = postings::build([&[1u64, 2][..], &[1, 2]], 0);
        let new = postings::build([&[1u64, 2][..], &[8, 9]], 2);
        assert_eq!(
            candidates(&old, &new, |_| false, |_| true, 2),
            vec![(0, 2), (1, 2)]
        );
        assert!(candidates(&old, &[], |_| false, |_| true, 1).is_empty());
    }

    /// Sketches of a corpus with copies (whole and in part), a footer that
    /// is chrome, and unrelated text.
    fn corpus() -> Vec<DocSketch> {
        let words = crate::sketch::test_words;
        let (base, footer) = (words(500, 5), words(60, 6));
        let texts: Vec<String> = (0..60u64)
            .map(|i| {
                let t = match i % 7 {
                    0 => format!("{} {}", words(100, i), &base[..base.len() / 2]),
                    3 => base.clone(),
                    _ => words(200, 100 + i),
                };
                if i % 3 == 0 {
                    format!("{t} {footer}")
                } else {
                    t
                }
            })
            .collect();
        let texts: Vec<&str> = texts.iter().map(|t| t.as_str()).collect();
        crate::scan::sketch_all(&texts, &crate::ScanOptions::default())
    }

    /// Bits of fingerprint places: set where marked shared, then kept only
    /// where content too, documents' bits not word-aligned (lists of every
    /// length end to end), a document without a shared fingerprint left
    /// clear; the places map back to their documents.
    #[test]
    fn content_bits_are_shared_and_content() {
        let sk = corpus();
        let bits = ContentBits::clear(&sk);
        assert!(bits.by_place());
        let mut z = 7u64;
        let mut shared: Vec<Vec<bool>> = Vec::new();
        for (d, s) in sk.iter().enumerate() {
            // Every fifth document shares nothing.
            let row: Vec<bool> = (0..s.fingerprints().len())
                .map(|_| {
                    z = crate::sketch::mix64(z);
                    d % 5 != 0 && z.is_multiple_of(3)
                })
                .collect();
            for (i, &on) in row.iter().enumerate() {
                let g = bits.place(d, i);
                assert_eq!(bits.doc_of(g), d);
                if on {
                    bits.set(g);
                }
            }
            shared.push(row);
        }
        // Content: the fingerprints at even positions.
        bits.keep_content(&sk, |s, _| {
            s.fingerprints().iter().step_by(2).copied().collect()
        });
        let mut kept = 0;
        for (d, s) in sk.iter().enumerate() {
            for (i, &h) in s.fingerprints().iter().enumerate() {
                let want = shared[d][i] && i % 2 == 0;
                assert_eq!(bits.get(d, i), want, "{d} {i}");
                assert_eq!(bits.contains(d, s, h), want, "{d} {i}");
                kept += want as usize;
            }
        }
        assert!(kept > 0);
    }

    #[test]
    fn hash_ranges_give_the_chrome_and_pairs_of_the_whole() {
        let sk = corpus();
        let opts = crate::ScanOptions {
            df_threshold: Some(13),
            ..crate::ScanOptions::default()
        };
        let p = crate::scan::propose_params(&opts, sk.len());
        let run = |per_part| {
            let got = Proposal::in_parts(Known::default(), &sk, &p, per_part).finish(&[], &[]);
            (
                got.candidates,
                got.chrome.stats(),
                got.signature_candidates,
                got.fingerprint_candidates,
            )
        };
        let whole = run(usize::MAX);
        assert!(!whole.0.is_empty() && whole.1.frequent > 0, "{whole:?}");
        let postings: usize = sk.iter().map(|s| s.fingerprints().len()).sum();
        // Down to one range per few postings, past the 256-range cap.
        for per_part in [postings / 3, 500, 64, 7, 1] {
            assert_eq!(run(per_part), whole, "{per_part} postings a range");
        }
        // With a known part: the known postings are cut at the same ranges.
        let (old, new) = sk.split_at(25);
        let fps = postings::build(old.iter().map(|s| s.fingerprints()), 0);
        let bnd = postings::build(old.iter().map(|s| s.band_keys()), 0);
        let rep: Vec<u64> = old.iter().flat_map(|s| s.repeated().to_vec()).collect();
        let known_sketches = Sketches(old);
        let known = Known {
            fingerprints: &fps,
            frequent: &[],
            bands: &bnd,
            repeated: &rep,
            len: old.len() as u32,
            sketches: Some(&known_sketches),
        };
        let split = |per_part| {
            Proposal::in_parts(known, new, &p, per_part)
                .finish(&[], &[])
                .candidates
        };
        let want = split(usize::MAX);
        assert!(!want.is_empty());
        for per_part in [300, 16, 1] {
            assert_eq!(split(per_part), want, "{per_part} postings a range");
        }
    }

    /// Counts that do not match what is gathered stop the stage (a posting
    /// past its chunk's slots, or slots left unwritten), never a list with
    /// another chunk's postings or stale ones in it.
    #[test]
    fn counts_and_gathered_postings_must_agree() {
        for (counted, gathered) in [(1u32, 2usize), (2, 1), (0, 1)] {
            let got = std::panic::catch_unwind(|| {
                let mut state = vec![(); 10];
                each_part(
                    2,
                    3,
                    0,
                    &mut state,
                    |d, row| row[d % 3] += counted,
                    |d, _, batch, outs, id| {
                        if batch.contains(&(d % 3)) {
                            for _ in 0..gathered {
                                outs[d % 3 - batch.start].push((d as u64, id));
                            }
                        }
                    },
                    |_, _, _| {},
                    |_, postings| postings.len(),
                    |_| {},
                );
            });
            assert!(got.is_err(), "{counted} counted, {gathered} gathered");
        }
    }

    #[test]
    fn parts_run_in_parallel_come_back_in_order() {
        for width in [1, 2, 3, 5] {
            for count in [0, 1, 2, 3, 17] {
                // Each document's state counts the batches it was read in.
                let mut reads = vec![0usize; 10];
                let mut seen = Vec::new();
                each_part(
                    width,
                    count,
                    100,
                    &mut reads,
                    |d, row| {
                        if d % 4 < count {
                            row[d % 4] += 1;
                        }
                    },
                    |d, reads, batch, outs, id| {
                        *reads += 1;
                        assert_eq!(id, 100 + d as u32);
                        // Document d has a hash in range d % 4 only.
                        if batch.contains(&(d % 4)) {
                            outs[d % 4 - batch.start].push((d as u64, id));
                        }
                    },
                    |_, _, _| {},
                    |p, postings| (p, postings.to_vec()),
                    |r| seen.push(r),
                );
                let want: Vec<(usize, Vec<Posting>)> = (0..count)
                    .map(|p| {
                        let ids = (0..10u32).filter(|&d| d as usize % 4 == p);
                        (p, ids.map(|d| (d as u64, 100 + d)).collect())
                    })
                    .collect();
                assert_eq!(seen, want, "{count} parts, {width} at once");
                assert!(reads.iter().all(|&r| r == count.div_ceil(width)));
            }
        }
    }

    #[test]
    fn balanced_ranges_cover_the_hashes_once() {
        let lists: Vec<Vec<u64>> = (0..200u64)
            .map(|d| {
                // Low hashes, as winnowing's minima are.
                let mut v: Vec<u64> = (0..50)
                    .map(|i| crate::sketch::mix64(d * 100 + i) >> (d % 9))
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        let parts = Parts::balanced(lists.iter().map(|l| l.as_slice()), 500);
        assert!(parts.count() > 10, "{}", parts.count());
        let mut biggest = 0;
        for part in 0..parts.count() {
            let here: usize = lists
                .iter()
                .map(|l| parts.slice(l, part, |&h| h).len())
                .sum();
            biggest = biggest.max(here);
        }
        assert!(biggest < 2_000, "a range of {biggest} postings");
        for l in &lists {
            for &h in l {
                let of: Vec<usize> = (0..parts.count())
                    .filter(|&p| parts.slice(l, p, |&x| x).contains(&h))
                    .collect();
                assert_eq!(of, vec![parts.part_of(h)], "{h:x}");
            }
        }
    }

    /// Lists like a corpus's: 5,000 (more than a chunk of the parallel
    /// step), some empty, some holding u64::MAX (the cursor's end mark) or
    /// hashes only in the last range.
    fn stepping_lists() -> Vec<Vec<u64>> {
        (0..5_000u64)
            .map(|d| {
                let mut v: Vec<u64> = (0..d % 40)
                    .map(|i| crate::sketch::mix64(d * 100 + i) >> (d % 7))
                    .collect();
                if d % 13 == 0 {
                    v.push(u64::MAX);
                }
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect()
    }

    /// What each range of `parts` should hold of `lists` (`keep(d, i)` of
    /// each list's sorted items): the range's slice of all the postings,
    /// found by a search.
    fn searched(
        parts: &Parts,
        lists: &[Vec<u64>],
        first: u32,
        keep: impl Fn(usize, u64) -> bool,
    ) -> Vec<Vec<Posting>> {
        let kept: Vec<Vec<u64>> = lists
            .iter()
            .enumerate()
            .map(|(d, l)| l.iter().copied().filter(|&h| keep(d, h)).collect())
            .collect();
        let all = postings::build(kept.iter().map(|l| l.as_slice()), first);
        (0..parts.count())
            .map(|p| parts.slice(&all, p, |x| x.0).to_vec())
            .collect()
    }

    #[test]
    fn stepping_through_the_parts_finds_the_ranges_a_search_does() {
        let lists = stepping_lists();
        let parts = Parts::balanced(lists.iter().map(|l| l.as_slice()), 3_000);
        assert!(parts.count() > 20, "{}", parts.count());
        // Every item, and every third left out (as non-content is).
        let keep = |d: usize, i: usize| !(d + i).is_multiple_of(3);
        for (all, width) in [(true, 1), (true, 2), (false, 3), (true, 7), (false, 2)] {
            let want = searched(&parts, &lists, 9, |d, h| {
                all || keep(d, lists[d].binary_search(&h).unwrap())
            });
            let mut cursors: Vec<Cursor> = lists.iter().map(|l| cursor_at_start(l)).collect();
            let mut got = Vec::new();
            each_part(
                width,
                parts.count(),
                9,
                &mut cursors,
                |d, row| count_items(&parts, &lists[d], |i| all || keep(d, i), row),
                |d, at, batch, outs, id| {
                    let keep = |i| all || keep(d, i);
                    step_cursor(&parts, || &lists[d], at, batch.clone(), |_| id, keep, outs)
                },
                |d, at, batch| prefetch_cursor(&parts, &lists[d], at, batch),
                |_, postings| postings.to_vec(),
                |p| got.push(p),
            );
            assert_eq!(got.len(), want.len());
            for (p, (got, want)) in got.iter().zip(&want).enumerate() {
                assert_eq!(got, want, "range {p}, width {width}, all {all}");
            }
            // Past the end of every list.
            for (at, l) in cursors.iter().zip(&lists) {
                assert_eq!(*at, (l.len(), u64::MAX));
            }
        }
    }

    #[test]
    fn band_parts_find_the_ranges_a_search_does() {
        // Not sorted (band keys are in band order), every list as long as
        // the others or empty (a document without words), as band keys.
        let lists: Vec<Vec<u64>> = stepping_lists()
            .into_iter()
            .enumerate()
            .map(|(d, mut l)| {
                l.reverse();
                let third = l.len() / 3;
                l.rotate_left(third);
                if d % 11 == 0 {
                    Vec::new()
                } else {
                    l
                }
            })
            .collect();
        let parts = Parts::balanced(lists.iter().map(|l| l.as_slice()), 3_000);
        assert!(parts.count() > 20, "{}", parts.count());
        let bp = BandParts::new(&parts, lists.len(), |d| &lists[d]);
        let want = searched(&parts, &lists, 0, |_, _| true);
        for width in [1, 2, 5] {
            let mut got = Vec::new();
            each_part(
                width,
                parts.count(),
                0,
                &mut vec![(); lists.len()],
                |d, row| bp.count(d, row),
                |d, _, batch, outs, id| bp.gather(d, &lists[d], batch, id, outs),
                |d, _, batch| bp.prefetch(d, &lists[d], batch),
                |_, postings| postings.to_vec(),
                |p| got.push(p),
            );
            assert_eq!(got, want, "width {width}");
        }
    }

    /// Pairs counted a tally at a time, in any split, are those counted
    /// at once: the pairs emitted at least `min_shared` times in all.
    #[test]
    fn pair_counts_in_tallies_are_the_counts_of_all() {
        let mut z = 3u64;
        let pairs: Vec<Pair> = (0..20_000)
            .map(|_| {
                z = crate::sketch::mix64(z);
                // Few documents, so pairs recur, some many times.
                let a = (z % 60) as u32;
                let b = a + 1 + ((z >> 20) % (if z.is_multiple_of(5) { 3 } else { 50 })) as u32;
                (a, b)
            })
            .collect();
        for min_shared in [0usize, 1, 2, 3, 7, 40] {
            // The reference: every pair's count over the whole list.
            let mut counts = std::collections::BTreeMap::new();
            for &p in &pairs {
                *counts.entry(p).or_insert(0usize) += 1;
            }
            let want: Vec<Pair> = counts
                .iter()
                .filter(|&(_, &c)| c >= min_shared.max(1))
                .map(|(&p, _)| p)
                .collect();
            if (2..=7).contains(&min_shared) {
                assert!(
                    !want.is_empty() && want.len() < counts.len(),
                    "{min_shared}"
                );
            }
            assert_eq!(count_pairs(pairs.clone(), min_shared), want, "{min_shared}");
            for pieces in [1usize, 2, 3, 10, 97, 1000] {
                let mut c = PairCounts::new(min_shared);
                // Pieces of uneven sizes.
                let mut rest = &pairs[..];
                let mut k = 0;
                while !rest.is_empty() {
                    k += 1;
                    let take = (pairs.len() / pieces * (k % 3 + 1) / 2).clamp(1, rest.len());
                    let (here, after) = rest.split_at(take);
                    c.add(tally(here.to_vec(), c.need));
                    // The tallies shrink geometrically.
                    assert!(c.tallies.windows(2).all(|w| w[0].len() >= 2 * w[1].len()));
                    rest = after;
                }
                assert_eq!(c.finish(), want, "{min_shared}, {pieces} pieces");
            }
        }
    }

    #[test]
    fn big_runs_chain() {
        let lists: Vec<Vec<u64>> = (0..100).map(|_| vec![7]).collect();
        let p = postings::build(lists.iter().map(|v| v.as_slice()), 0);
        let c = candidates(&[], &p, |_| false, |_| true, 1);
        assert_eq!(c.len(), 99);
        assert!(c.iter().all(|&(a, b)| b == a + 1));
    }
}

/// [`candidates`] and [`band_candidates`] against every pair of documents
/// compared directly: the exact set when no bucket is over its cap, and
/// above the cap what the module docs promise (every pair proposed shares
/// the hashes it needs, every pair of an uncapped bucket is proposed, a
/// capped bucket's documents are joined by a linear number of pairs).
#[cfg(test)]
mod oracle {
    use super::{band_candidates, candidates, Pair, Posting, Run};
    use super::{MAX_FULL_BAND_BUCKET, MAX_FULL_BUCKET};
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// A corpus as per-document hash sets: `old` ids first, then `new`;
    /// chrome hashes, old postings to leave out, the shared-hash minimum.
    #[derive(Clone, Debug)]
    struct Case {
        old: Vec<BTreeSet<u64>>,
        new: Vec<BTreeSet<u64>>,
        chrome: BTreeSet<u64>,
        left_out: BTreeSet<Posting>,
        min_shared: usize,
    }

    impl Case {
        fn n(&self) -> usize {
            self.old.len() + self.new.len()
        }
        fn hashes(&self, d: u32) -> &BTreeSet<u64> {
            let d = d as usize;
            if d < self.old.len() {
                &self.old[d]
            } else {
                &self.new[d - self.old.len()]
            }
        }
        fn is_old(&self, d: u32) -> bool {
            (d as usize) < self.old.len()
        }
        /// Whether `d` takes part in the bucket of `h`: it carries `h`,
        /// `h` is not chrome, and an old document's posting is kept.
        fn takes_part(&self, d: u32, h: u64) -> bool {
            self.hashes(d).contains(&h)
                && !self.chrome.contains(&h)
                && !(self.is_old(d) && self.left_out.contains(&(h, d)))
        }
        fn postings(&self) -> (Vec<Posting>, Vec<Posting>) {
            let sorted = |docs: &[BTreeSet<u64>], first: usize| {
                let mut v: Vec<Posting> = Vec::new();
                for (i, hs) in docs.iter().enumerate() {
                    v.extend(hs.iter().map(|&h| (h, (first + i) as u32)));
                }
                v.sort();
                v
            };
            (sorted(&self.old, 0), sorted(&self.new, self.old.len()))
        }
        fn all_hashes(&self) -> BTreeSet<u64> {
            self.old
                .iter()
                .chain(&self.new)
                .flatten()
                .copied()
                .collect()
        }
        /// The documents of each hash's bucket, ascending.
        fn buckets(&self) -> BTreeMap<u64, Vec<u32>> {
            self.all_hashes()
                .into_iter()
                .map(|h| {
                    (
                        h,
                        (0..self.n() as u32)
                            .filter(|&d| self.takes_part(d, h))
                            .collect(),
                    )
                })
                .collect()
        }
        fn run(&self, max_full: usize) -> Vec<Pair> {
            let (old, new) = self.postings();
            let skip = |r: &Run| self.chrome.contains(&r.hash);
            let keep_old = |p: &Posting| !self.left_out.contains(p);
            if max_full == MAX_FULL_BUCKET {
                candidates(&old, &new, skip, keep_old, self.min_shared)
            } else {
                assert!(self.chrome.is_empty() && self.left_out.is_empty() && self.min_shared == 1);
                band_candidates(&old, &new)
            }
        }
    }

    /// All pairs `a < b` with a new document and, for each, the hashes
    /// whose buckets hold both, split by whether the bucket is over
    /// `max_full`: `(uncapped, capped)` counts.
    fn all_pairs(case: &Case, max_full: usize) -> BTreeMap<Pair, (usize, usize)> {
        let buckets = case.buckets();
        let mut out = BTreeMap::new();
        for b in 0..case.n() as u32 {
            for a in 0..b {
                if case.is_old(a) && case.is_old(b) {
                    continue;
                }
                let (mut full, mut capped) = (0, 0);
                for (h, docs) in &buckets {
                    if case.takes_part(a, *h) && case.takes_part(b, *h) {
                        if docs.len() <= max_full {
                            full += 1;
                        } else {
                            capped += 1;
                        }
                    }
                }
                if full + capped > 0 {
                    out.insert((a, b), (full, capped));
                }
            }
        }
        out
    }

    /// Documents drawn from `alphabet` hashes, each carried with the given
    /// odds; the first hash by nearly every document, so that corpora over
    /// a cap have a bucket over it.
    fn case(
        docs: std::ops::Range<usize>,
        alphabet: u64,
        extras: bool,
    ) -> impl Strategy<Value = Case> {
        let doc = (
            prop::collection::btree_set(0..alphabet, 0..=alphabet as usize),
            prop::bool::weighted(0.9),
        )
            .prop_map(|(mut s, crowd)| {
                if crowd {
                    s.insert(0);
                }
                // Spread over the hash space, so order is not id order.
                s.iter()
                    .map(|&h| (h ^ 0x5555).wrapping_mul(0x9E37_79B9_7F4A_7C15))
                    .collect::<BTreeSet<u64>>()
            });
        (prop::collection::vec(doc, docs), 0usize..8).prop_flat_map(move |(docs, n_old)| {
            let n_old = n_old.min(docs.len());
            let old = docs[..n_old].to_vec();
            let new = docs[n_old..].to_vec();
            let hashes: Vec<u64> = docs
                .iter()
                .flatten()
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let old_postings: Vec<Posting> = old
                .iter()
                .enumerate()
                .flat_map(|(d, hs)| hs.iter().map(move |&h| (h, d as u32)))
                .collect();
            let chrome = if extras {
                prop::sample::subsequence(hashes.clone(), 0..=hashes.len().min(2)).boxed()
            } else {
                Just(Vec::new()).boxed()
            };
            let left_out = if extras {
                prop::sample::subsequence(old_postings.clone(), 0..=old_postings.len() / 3).boxed()
            } else {
                Just(Vec::new()).boxed()
            };
            let min_shared = if extras {
                (0usize..4).boxed()
            } else {
                Just(1).boxed()
            };
            (chrome, left_out, min_shared).prop_map(move |(chrome, left_out, min_shared)| Case {
                old: old.clone(),
                new: new.clone(),
                chrome: chrome.into_iter().collect(),
                left_out: left_out.into_iter().collect(),
                min_shared,
            })
        })
    }

    /// Pairs that share a hash no other document carries (its bucket is
    /// just the two of them).
    fn exclusive(case: &Case) -> BTreeSet<Pair> {
        case.buckets()
            .values()
            .filter(|docs| docs.len() == 2)
            .map(|docs| (docs[0], docs[1]))
            .filter(|&(a, b)| !(case.is_old(a) && case.is_old(b)))
            .collect()
    }

    /// The exact set: pairs with at least `min_shared` (and at least one)
    /// shared hashes, or one hash only they carry.
    fn exact(case: &Case, max_full: usize) -> Vec<Pair> {
        let only = exclusive(case);
        all_pairs(case, max_full)
            .into_iter()
            .filter(|(p, (full, capped))| {
                assert_eq!(*capped, 0, "a bucket over the cap");
                *full >= case.min_shared.max(1) || only.contains(p)
            })
            .map(|(p, _)| p)
            .collect()
    }

    /// The promises above the cap.
    fn check_capped(case: &Case, got: &[Pair], max_full: usize) -> Result<(), TestCaseError> {
        prop_assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "not sorted and distinct"
        );
        let pairs = all_pairs(case, max_full);
        let need = case.min_shared.max(1);
        let only = exclusive(case);
        // Sound: a pair proposed shares enough hashes, or one only they
        // carry (a capped bucket proposes a pair at most once).
        for p in got {
            let (full, capped) = pairs.get(p).copied().unwrap_or_default();
            prop_assert!(
                full + capped >= need || only.contains(p),
                "{:?} shares {} + {}",
                p,
                full,
                capped
            );
        }
        // Complete on uncapped buckets.
        for (p, &(full, _)) in &pairs {
            if full >= need || only.contains(p) {
                prop_assert!(
                    got.binary_search(p).is_ok(),
                    "{:?} shares {} uncapped hashes",
                    p,
                    full
                );
            }
        }
        // Linear: a capped bucket adds at most one pair per new document.
        let buckets = case.buckets();
        let bound: usize = buckets
            .values()
            .map(|docs| {
                let new = docs.iter().filter(|&&d| !case.is_old(d)).count();
                let old = docs.len() - new;
                if docs.len() <= max_full {
                    new * new.saturating_sub(1) / 2 + new * old
                } else {
                    new
                }
            })
            .sum();
        prop_assert!(got.len() <= bound, "{} pairs, bound {}", got.len(), bound);
        // Joined: with one shared hash enough, the new documents of a capped
        // bucket and its last old one are one component of the pairs
        // (old documents are never paired with each other).
        if need == 1 {
            let mut parent: Vec<u32> = (0..case.n() as u32).collect();
            fn root(parent: &mut [u32], mut x: u32) -> u32 {
                while parent[x as usize] != x {
                    x = parent[x as usize];
                }
                x
            }
            for &(a, b) in got {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                parent[ra as usize] = rb;
            }
            for (h, docs) in &buckets {
                if docs.len() <= max_full || docs.iter().all(|&d| case.is_old(d)) {
                    continue;
                }
                let last_old = docs.iter().rev().find(|&&d| case.is_old(d));
                let joined: Vec<u32> = docs
                    .iter()
                    .filter(|&&d| !case.is_old(d))
                    .chain(last_old)
                    .copied()
                    .collect();
                let r = root(&mut parent, joined[0]);
                for &d in &joined {
                    prop_assert_eq!(root(&mut parent, d), r, "hash {:x}: {} not joined", h, d);
                }
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn under_the_cap_candidates_are_all_pairs_sharing_enough(c in case(0..MAX_FULL_BUCKET + 1, 10, true)) {
            prop_assert_eq!(c.run(MAX_FULL_BUCKET), exact(&c, MAX_FULL_BUCKET));
        }

        #[test]
        fn over_the_cap_candidates_keep_their_promises(c in case(MAX_FULL_BUCKET - 8..MAX_FULL_BUCKET + 30, 5, true)) {
            check_capped(&c, &c.run(MAX_FULL_BUCKET), MAX_FULL_BUCKET)?;
        }

        #[test]
        fn band_candidates_under_the_cap_are_all_pairs(c in case(0..40, 12, false)) {
            prop_assert_eq!(c.run(MAX_FULL_BAND_BUCKET), exact(&c, MAX_FULL_BAND_BUCKET));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn band_candidates_over_the_cap_keep_their_promises(c in case(MAX_FULL_BAND_BUCKET + 16..MAX_FULL_BAND_BUCKET + 48, 3, false)) {
            check_capped(&c, &c.run(MAX_FULL_BAND_BUCKET), MAX_FULL_BAND_BUCKET)?;
        }
    }
}
