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

use crate::boilerplate::Chrome;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Buckets up to this size emit all their pairs; larger ones a chain.
pub const MAX_FULL_BUCKET: usize = 32;

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

/// Pairs of documents whose signatures agree on a whole band.
pub fn signature_candidates(signatures: &[&[u32]], bands: usize, rows: usize) -> Vec<Pair> {
    let keys: Vec<(u64, u32)> = (0..bands)
        .into_par_iter()
        .flat_map_iter(|band| {
            signatures
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.is_empty())
                .map(move |(d, s)| {
                    let rows_of = &s[band * rows..(band + 1) * rows];
                    let mut buf = [0u8; 4 * 64];
                    let mut key = band as u64;
                    for chunk in rows_of.chunks(64) {
                        for (dst, v) in buf.chunks_exact_mut(4).zip(chunk) {
                            dst.copy_from_slice(&v.to_le_bytes());
                        }
                        key = xxh3_64_with_seed(&buf[..4 * chunk.len()], key);
                    }
                    (key, d as u32)
                })
        })
        .collect();
    let mut keys = keys;
    keys.par_sort_unstable();
    let mut pairs = Vec::new();
    for run in keys.chunk_by(|x, y| x.0 == y.0) {
        emit_bucket(run.iter().map(|x| x.1), run.len(), &mut pairs);
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
}

/// Pairs of documents sharing at least `min_shared` fingerprints that are
/// not chrome. `postings` are sorted `(hash, doc)`.
pub fn fingerprint_candidates(
    postings: &[(u64, u32)],
    chrome: &Chrome,
    min_shared: usize,
) -> Vec<Pair> {
    let mut pairs = Vec::new();
    for run in postings.chunk_by(|x, y| x.0 == y.0) {
        if run.len() < 2 || chrome.contains(run[0].0) {
            continue;
        }
        emit_bucket(run.iter().map(|x| x.1), run.len(), &mut pairs);
    }
    pairs.par_sort_unstable();
    let mut out = Vec::new();
    for run in pairs.chunk_by(|x, y| x == y) {
        if run.len() >= min_shared {
            out.push(run[0]);
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

fn emit_bucket(docs: impl Iterator<Item = u32> + Clone, len: usize, out: &mut Vec<Pair>) {
    if len < 2 {
        return;
    }
    if len <= MAX_FULL_BUCKET {
        let v: Vec<u32> = docs.collect();
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                if v[i] != v[j] {
                    out.push((v[i].min(v[j]), v[i].max(v[j])));
                }
            }
        }
    } else {
        let v: Vec<u32> = docs.collect();
        for w in v.windows(2) {
            if w[0] != w[1] {
                out.push((w[0].min(w[1]), w[0].max(w[1])));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::DocSketch;

    #[test]
    fn s_curve_params_are_sane() {
        let (b, r) = optimal_params(0.5, 128);
        assert!(b * r <= 128);
        assert!(collision_probability(0.8, b, r) > 0.95, "{b}x{r}");
        assert!(collision_probability(0.2, b, r) < 0.1, "{b}x{r}");
        let (b9, r9) = optimal_params(0.9, 128);
        assert!(r9 > r, "higher threshold, more rows per band");
        assert!(collision_probability(0.5, b9, r9) < 0.1);
    }

    #[test]
    fn equal_signatures_collide_unequal_do_not() {
        let a: Vec<u32> = (0..128).collect();
        let b = a.clone();
        let c: Vec<u32> = (1000..1128).collect();
        let sigs: Vec<&[u32]> = vec![&a, &b, &c, &[]];
        assert_eq!(signature_candidates(&sigs, 16, 8), vec![(0, 1)]);
    }

    #[test]
    fn fingerprints_need_min_shared_and_skip_chrome() {
        let docs = vec![
            DocSketch {
                fingerprints: vec![1, 2, 3],
                ..Default::default()
            },
            DocSketch {
                fingerprints: vec![1, 2, 4],
                ..Default::default()
            },
            DocSketch {
                fingerprints: vec![3, 5, 9],
                ..Default::default()
            },
            DocSketch {
                fingerprints: vec![5, 9, 7],
                repeated: vec![9],
                ..Default::default()
            },
        ];
        let p = crate::boilerplate::postings(&docs);
        let chrome = Chrome::detect(&p, &docs, &[], 10);
        // 0-1 share {1,2}; 0-2 share {3}; 2-3 share {5} and chrome 9.
        assert_eq!(fingerprint_candidates(&p, &chrome, 2), vec![(0, 1)]);
        assert_eq!(
            fingerprint_candidates(&p, &chrome, 1),
            vec![(0, 1), (0, 2), (2, 3)]
        );
    }

    #[test]
    fn big_buckets_chain() {
        let mut out = Vec::new();
        emit_bucket(0..100u32, 100, &mut out);
        assert_eq!(out.len(), 99);
        out.clear();
        emit_bucket(0..5u32, 5, &mut out);
        assert_eq!(out.len(), 10);
    }
}
