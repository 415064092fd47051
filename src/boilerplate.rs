//! What counts as page chrome rather than an article.
//!
//! A passage fingerprint is chrome when
//! * it occurs in at least `df_threshold` documents (cookie notices, footers,
//!   newsletter prompts: text that many pages carry), or
//! * some document carries it at two places that do not overlap (a page that
//!   repeats a block: "Please use Chrome browser...", consent blocks), or
//! * it is a shingle of a known-chrome file given with `--boilerplate`.
//!
//! Chrome fingerprints never make two documents candidates. A span is marked
//! boilerplate when most of the fingerprints inside it, on both sides, are
//! chrome ([`Chrome::fraction`]); a pair whose spans are all boilerplate is not
//! flagged. Repetition alone does not make a span boilerplate: a product list
//! that repeats short phrases between distinct items keeps most of its
//! fingerprints unique, so copying it is still a finding.

use crate::postings::{merged_runs, Posting};
use ahash::AHashSet;

/// The default document-frequency threshold for a corpus of `n_docs`:
/// text in at least 1% of the documents, and in at least 10 of them.
pub fn auto_df_threshold(n_docs: usize) -> u32 {
    (n_docs.div_ceil(100) as u32).max(10)
}

/// How many fingerprints were found to be chrome, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChromeStats {
    /// In at least `df_threshold` documents.
    pub frequent: usize,
    /// Repeated inside one document.
    pub repeated: usize,
    /// From `--boilerplate` files.
    pub known: usize,
    /// The document-frequency threshold used.
    pub df_threshold: u32,
}

/// The set of chrome fingerprint hashes.
#[derive(Clone, Debug, Default)]
pub struct Chrome {
    set: AHashSet<u64>,
    stats: ChromeStats,
}

impl Chrome {
    /// Decides chrome from the fingerprint postings of the old (indexed) and
    /// new documents, the fingerprints some document repeats, and
    /// known-chrome shingle hashes.
    pub fn detect(
        old: &[Posting],
        new: &[Posting],
        repeated: impl IntoIterator<Item = u64>,
        known: &[u64],
        df_threshold: u32,
    ) -> Chrome {
        let mut set = AHashSet::new();
        let mut stats = ChromeStats {
            df_threshold,
            ..ChromeStats::default()
        };
        for run in merged_runs(old, new) {
            if run.df() as u32 >= df_threshold && set.insert(run.hash) {
                stats.frequent += 1;
            }
        }
        for h in repeated {
            if set.insert(h) {
                stats.repeated += 1;
            }
        }
        for &h in known {
            if set.insert(h) {
                stats.known += 1;
            }
        }
        Chrome { set, stats }
    }

    /// Whether a fingerprint hash is chrome.
    #[inline]
    pub fn contains(&self, hash: u64) -> bool {
        self.set.contains(&hash)
    }

    /// The share of `hashes` that are chrome (0 for none).
    pub fn fraction(&self, hashes: impl IntoIterator<Item = u64>) -> f64 {
        let (mut n, mut c) = (0usize, 0usize);
        for h in hashes {
            n += 1;
            c += self.contains(h) as usize;
        }
        if n == 0 {
            0.0
        } else {
            c as f64 / n as f64
        }
    }

    /// Counts by reason.
    pub fn stats(&self) -> ChromeStats {
        self.stats
    }
}

/// Shingle hashes of a known-chrome text (every shingle, not only the
/// winnowed ones, since winnowing depends on the surrounding text).
pub fn known_shingles(text: &str, k: usize) -> Vec<u64> {
    let mut tokens = Vec::new();
    crate::normalize::tokenize(text, &mut tokens);
    let mut out = Vec::new();
    crate::shingle::shingles(&tokens, k, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::DocSketch;
    use crate::postings;

    fn sk(fps: &[u64], rep: &[u64]) -> DocSketch {
        DocSketch {
            fingerprints: fps.to_vec(),
            repeated: rep.to_vec(),
            ..DocSketch::default()
        }
    }

    #[test]
    fn frequent_repeated_and_known_are_chrome() {
        let docs: Vec<DocSketch> = (0..12)
            .map(|i| {
                sk(
                    &[1, 100 + i, if i < 3 { 7 } else { 200 + i }],
                    if i == 5 { &[9] } else { &[] },
                )
            })
            .collect();
        // Split the corpus in an old and a new part: df adds up across both.
        let old = postings::build(docs[..5].iter().map(|d| d.fingerprints.as_slice()), 0);
        let new = postings::build(docs[5..].iter().map(|d| d.fingerprints.as_slice()), 5);
        let repeated = docs.iter().flat_map(|d| d.repeated.iter().copied());
        let c = Chrome::detect(&old, &new, repeated, &[42], 10);
        assert!(c.contains(1), "in all 12 docs");
        assert!(!c.contains(7), "in only 3 docs");
        assert!(c.contains(9), "repeated inside doc 5");
        assert!(c.contains(42), "known");
        assert!(!c.contains(105));
        assert_eq!(
            c.stats(),
            ChromeStats {
                frequent: 1,
                repeated: 1,
                known: 1,
                df_threshold: 10
            }
        );
        assert_eq!(c.fraction([1, 9, 105, 106]), 0.5);
        assert_eq!(c.fraction([]), 0.0);
    }

    #[test]
    fn auto_threshold() {
        assert_eq!(auto_df_threshold(5), 10);
        assert_eq!(auto_df_threshold(20_000), 200);
        assert_eq!(auto_df_threshold(20_001), 201);
    }
}
