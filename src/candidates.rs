//! Candidate pairs: banded LSH over signatures, and shared passage
//! fingerprints.
//!
//! With `b` bands of `r` rows, two documents of Jaccard similarity `s` share a
//! band with probability `1 - (1 - s^r)^b` (the S-curve). [`optimal_params`]
//! picks `b x r <= m` minimizing the area of false positives below the
//! threshold plus false negatives above it, as datasketch does.
//!
//! Passage candidates are pairs that share at least `min_shared` non-chrome
//! fingerprints. A fingerprint in more than [`MAX_FULL_BUCKET`] documents
//! pairs each document with the next one only, which keeps the work linear
//! while the clusters still join them all.

use crate::postings::{merged_runs, Posting, Run};
use rayon::prelude::*;
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
pub fn optimal_params(threshold: f64, m: usize) -> (usize, usize) {
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
}

/// The LSH band keys of a signature: one stable hash per band (xxh3 of the
/// band's little-endian rows, seeded with the band number). Empty for an
/// empty signature, so a document without words collides with nothing.
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
/// ignored; a pair needs `min_shared` shared hashes. Pairs are `(a, b)` with
/// `a < b`, sorted.
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
    let mut kept: Vec<Posting> = Vec::new();
    for run in merged_runs(old, new) {
        if run.new.is_empty() || run.df() < 2 || skip(&run) {
            continue;
        }
        if run.old.iter().all(&keep_old) {
            emit_run(&run, max_full, &mut pairs);
        } else {
            kept.clear();
            kept.extend(run.old.iter().filter(|p| keep_old(p)));
            let run = Run { old: &kept, ..run };
            if run.df() >= 2 {
                emit_run(&run, max_full, &mut pairs);
            }
        }
    }
    pairs.par_sort_unstable();
    if min_shared <= 1 {
        pairs.dedup();
        return pairs;
    }
    let mut out = Vec::new();
    for same in pairs.chunk_by(|x, y| x == y) {
        if same.len() >= min_shared {
            out.push(same[0]);
        }
    }
    out
}

/// Sorted union of candidate lists.
pub fn union(mut a: Vec<Pair>, b: Vec<Pair>) -> Vec<Pair> {
    a.extend(b);
    a.par_sort_unstable();
    a.dedup();
    a
}

fn emit_run(run: &Run, max_full: usize, out: &mut Vec<Pair>) {
    let pair = |x: u32, y: u32| (x.min(y), x.max(y));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postings;

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
    fn fingerprints_need_min_shared_and_skip_chrome() {
        let docs: [&[u64]; 4] = [&[1, 2, 3], &[1, 2, 4], &[3, 5, 9], &[5, 7, 9]];
        let p = postings::build(docs, 0);
        let chrome = |r: &Run| r.hash == 9;
        // 0-1 share {1,2}; 0-2 share {3}; 2-3 share {5} and chrome 9.
        assert_eq!(candidates(&[], &p, chrome, |_| true, 2), vec![(0, 1)]);
        assert_eq!(
            candidates(&[], &p, chrome, |_| true, 1),
            vec![(0, 1), (0, 2), (2, 3)]
        );
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

    #[test]
    fn big_runs_chain() {
        let lists: Vec<Vec<u64>> = (0..100).map(|_| vec![7]).collect();
        let p = postings::build(lists.iter().map(|v| v.as_slice()), 0);
        let c = candidates(&[], &p, |_| false, |_| true, 1);
        assert_eq!(c.len(), 99);
        assert!(c.iter().all(|&(a, b)| b == a + 1));
    }
}
