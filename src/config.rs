//! Validated scan settings: plain data once built.

use crate::align::AlignParams;
use crate::cluster::KeepPolicy;
use crate::minhash::SketchParams;

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
    /// Checks ranges; the message names the offending setting.
    pub fn validate(&self) -> Result<(), String> {
        let a = &self.align;
        if !(1..=crate::shingle::MAX_K).contains(&a.k) {
            return Err(format!(
                "shingle size must be 1..={}, got {}",
                crate::shingle::MAX_K,
                a.k
            ));
        }
        if a.window == 0 || a.window > 1024 {
            return Err(format!("window must be 1..=1024, got {}", a.window));
        }
        if self.num_perm == 0 || self.num_perm > 1024 {
            return Err(format!("num-perm must be 1..=1024, got {}", self.num_perm));
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
        if self.min_shared == 0 {
            return Err("min-shared must be at least 1".into());
        }
        Ok(())
    }

    /// The chrome document-frequency threshold for a corpus of `n_docs`.
    pub fn df_threshold_for(&self, n_docs: usize) -> u32 {
        self.df_threshold
            .unwrap_or_else(|| crate::boilerplate::auto_df_threshold(n_docs))
    }

    /// LSH bands and rows for `lsh_threshold` and `num_perm`.
    pub fn bands_rows(&self) -> (usize, usize) {
        crate::lsh::optimal_params(self.lsh_threshold, self.num_perm)
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
        assert!(o.validate().unwrap_err().contains("shingle size"));
        let o = ScanOptions {
            lsh_threshold: 1.5,
            ..ScanOptions::default()
        };
        assert!(o.validate().unwrap_err().contains("lsh-threshold"));
    }
}
