//! Validated scan settings: plain data once built.

use crate::align::AlignParams;
use crate::cluster::KeepPolicy;
use crate::sketch::SketchParams;

/// The valid range of each integer setting, by option name: `(name, min,
/// max)`. The thresholds (`lsh-threshold`, `min-similarity`,
/// `near-threshold`) are within 0..=1.
pub const RANGES: [(&str, u64, u64); 8] = [
    // A span of no words is no finding.
    ("min-words", 1, u32::MAX as u64),
    // Bounded so that reach computations cannot overflow.
    ("max-gap", 0, 100_000),
    ("shingle", 1, crate::shingle::MAX_K as u64),
    ("window", 1, 1024),
    ("num-perm", 1, 1024),
    // Text in one document is in no pair: 1 would make all text chrome.
    ("boilerplate-df", 2, u32::MAX as u64),
    ("min-shared", 1, u32::MAX as u64),
    ("max-filesize", 1, u64::MAX),
];

/// Checks `v` against the [`RANGES`] entry of `name`.
fn check_int(name: &str, v: u64) -> Result<(), String> {
    let Some(&(_, lo, hi)) = RANGES.iter().find(|r| r.0 == name) else {
        return Ok(());
    };
    if (lo..=hi).contains(&v) {
        return Ok(());
    }
    let range = match hi {
        h if h == u32::MAX as u64 || h == u64::MAX => format!("at least {lo}"),
        h => format!("within {lo}..={h}"),
    };
    Err(format!("{name} must be {range}, got {v}"))
}

/// Checks `--max-filesize` (a walk setting, not a scan setting) against
/// [`RANGES`].
pub fn validate_max_filesize(bytes: u64) -> Result<(), String> {
    check_int("max-filesize", bytes)
}

/// Everything a scan needs to know besides the documents.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Span alignment and verification (also holds the shingle size `k` and
    /// the winnowing window, shared with the sketch stage).
    pub align: AlignParams,
    /// Signature bins (one-permutation MinHash).
    pub num_perm: usize,
    /// Jaccard threshold the signature LSH is tuned for.
    pub lsh_threshold: f64,
    /// Non-chrome fingerprints two documents must share to be a candidate.
    pub min_shared: usize,
    /// Documents a fingerprint must be in to be chrome (`None`: 1% of the
    /// corpus, at least 10).
    pub df_threshold: Option<u32>,
    /// Shingle hashes of known chrome (`--boilerplate` files).
    pub known_boilerplate: Vec<u64>,
    /// Which copy of a cluster to keep.
    pub keep: KeepPolicy,
    /// Whether partial pairs join clusters too (by default only near
    /// duplicates do: dropping a document that shares a part would lose the
    /// rest of it).
    pub cluster_partial: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            align: AlignParams::default(),
            num_perm: 128,
            lsh_threshold: 0.5,
            min_shared: 2,
            df_threshold: None,
            known_boilerplate: Vec::new(),
            keep: KeepPolicy::First,
            cluster_partial: false,
        }
    }
}

impl ScanOptions {
    /// Checks the range of every numeric setting; the message names the
    /// option (as on the command line and in neardup.toml) and its valid
    /// range. [`RANGES`] lists them.
    pub fn validate(&self) -> Result<(), String> {
        let a = &self.align;
        let ints: [(&str, u64); 7] = [
            ("min-words", a.min_words.into()),
            ("max-gap", a.max_gap.into()),
            ("shingle", a.k as u64),
            ("window", a.window as u64),
            ("num-perm", self.num_perm as u64),
            ("boilerplate-df", self.df_threshold.map_or(2, u64::from)),
            ("min-shared", self.min_shared as u64),
        ];
        for (name, v) in ints {
            check_int(name, v)?;
        }
        for (name, v) in [
            ("lsh-threshold", self.lsh_threshold),
            ("min-similarity", a.min_similarity),
            ("near-threshold", a.near_coverage),
        ] {
            if !(0.0..=1.0).contains(&v) || v.is_nan() {
                return Err(format!("{name} must be within 0..=1, got {v}"));
            }
        }
        Ok(())
    }

    /// The chrome document-frequency threshold for a corpus of `n_docs`.
    pub fn df_threshold_for(&self, n_docs: usize) -> u32 {
        self.df_threshold
            .unwrap_or_else(|| crate::boilerplate::auto_df_threshold(n_docs))
    }

    /// The document frequency from which chrome is universal (site-wide):
    /// a tenth of the corpus, and at least the chrome threshold.
    pub fn universal_df_for(&self, n_docs: usize) -> u32 {
        (n_docs.div_ceil(10) as u32).max(self.df_threshold_for(n_docs))
    }

    /// LSH bands and rows for `lsh_threshold` and `num_perm`.
    pub fn bands_rows(&self) -> (usize, usize) {
        crate::candidates::optimal_params(self.lsh_threshold, self.num_perm)
    }

    /// The sketch-stage parameters.
    pub fn sketch_params(&self) -> SketchParams {
        SketchParams {
            k: self.align.k,
            window: self.align.window,
            num_perm: self.num_perm,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(ScanOptions::default().validate().is_ok());
        let mut o = ScanOptions::default();
        o.align.k = 0;
        assert_eq!(
            o.validate().unwrap_err(),
            "shingle must be within 1..=16, got 0"
        );
        let mut o = ScanOptions::default();
        o.align.min_words = 0;
        assert_eq!(
            o.validate().unwrap_err(),
            "min-words must be at least 1, got 0"
        );
        let o = ScanOptions {
            df_threshold: Some(1),
            ..ScanOptions::default()
        };
        assert_eq!(
            o.validate().unwrap_err(),
            "boilerplate-df must be at least 2, got 1"
        );
        assert!(validate_max_filesize(0)
            .unwrap_err()
            .contains("max-filesize"));
        let o = ScanOptions {
            lsh_threshold: 1.5,
            ..ScanOptions::default()
        };
        assert!(o.validate().unwrap_err().contains("lsh-threshold"));
    }
}
