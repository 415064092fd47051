//! Validated scan settings: plain data once built.

use crate::align::AlignParams;
use crate::cluster::KeepPolicy;
use crate::sketch::SketchParams;
use std::fmt;

/// The valid values of a numeric setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// An integer within `min..=max`; a `max` of `u32::MAX` or `u64::MAX`
    /// is the type's limit, not a bound of its own.
    Int {
        /// The smallest valid value.
        min: u64,
        /// The largest valid value.
        max: u64,
    },
    /// A share within `0..=1` (not NaN).
    Share,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Range::Int { min, max } if max == u32::MAX as u64 || max == u64::MAX => {
                write!(f, "at least {min}")
            }
            Range::Int { min, max } => write!(f, "within {min}..={max}"),
            Range::Share => f.write_str("within 0..=1"),
        }
    }
}

const fn int(min: u64, max: u64) -> Range {
    Range::Int { min, max }
}

/// The valid range of every numeric setting, by option name (as on the
/// command line and in neardup.toml). The one table: [`ScanOptions::validate`],
/// [`validate_sketch`] (and so the index's parameters) and
/// [`validate_max_filesize`] check against it.
pub const RANGES: [(&str, Range); 11] = [
    // A span of no words is no finding.
    ("min-words", int(1, u32::MAX as u64)),
    // Bounded so that reach computations cannot overflow.
    ("max-gap", int(0, 100_000)),
    ("shingle", int(1, crate::shingle::MAX_K as u64)),
    ("window", int(1, 1024)),
    ("num-perm", int(1, 1024)),
    // Text in one document is in no pair: 1 would make all text chrome.
    ("boilerplate-df", int(2, u32::MAX as u64)),
    // Not an option: the engine's own setting.
    ("min-shared", int(1, u32::MAX as u64)),
    ("max-filesize", int(1, u64::MAX)),
    ("lsh-threshold", Range::Share),
    ("near-threshold", Range::Share),
    ("min-similarity", Range::Share),
];

/// A setting outside its valid range. Displayed as
/// `min-words must be at least 1, got 0`: the option as named on the
/// command line and in neardup.toml, and its [`Range`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{option} must be {range}, got {got}")]
pub struct OutOfRange {
    /// The option.
    pub option: &'static str,
    /// Its valid values.
    pub range: Range,
    /// The value given, as written in the message.
    pub got: String,
}

/// The [`RANGES`] entry of `option`.
///
/// # Panics
///
/// When `option` is not in [`RANGES`] (a mistake in this crate, whatever
/// the input).
pub fn range_of(option: &str) -> (&'static str, Range) {
    *RANGES
        .iter()
        .find(|r| r.0 == option)
        .unwrap_or_else(|| panic!("{option} is not in config::RANGES"))
}

/// Checks the integer `v` against the [`RANGES`] entry of `option`.
pub fn check_int(option: &str, v: u64) -> Result<(), OutOfRange> {
    let (option, range) = range_of(option);
    let ok = match range {
        Range::Int { min, max } => (min..=max).contains(&v),
        Range::Share => false,
    };
    if ok {
        Ok(())
    } else {
        Err(OutOfRange {
            option,
            range,
            got: v.to_string(),
        })
    }
}

/// Checks the share `v` against the [`RANGES`] entry of `option` (a
/// [`Range::Share`]; NaN is outside it).
pub fn check_share(option: &str, v: f64) -> Result<(), OutOfRange> {
    let (option, range) = range_of(option);
    if range == Range::Share && (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(OutOfRange {
            option,
            range,
            got: v.to_string(),
        })
    }
}

/// Checks `--max-filesize` (a walk setting, not a scan setting) against
/// [`RANGES`].
pub fn validate_max_filesize(bytes: u64) -> Result<(), OutOfRange> {
    check_int("max-filesize", bytes)
}

/// Checks the sketch parameters (`shingle`, `window`, `num-perm`) against
/// [`RANGES`]: what a scan is run with and what an index is read with.
pub fn validate_sketch(p: &SketchParams) -> Result<(), OutOfRange> {
    check_int("shingle", p.k as u64)?;
    check_int("window", p.window as u64)?;
    check_int("num-perm", p.num_perm as u64)
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
    /// Checks the range of every numeric setting against [`RANGES`]; the
    /// error names the option (as on the command line and in neardup.toml)
    /// and its valid range.
    pub fn validate(&self) -> Result<(), OutOfRange> {
        let a = &self.align;
        check_int("min-words", a.min_words.into())?;
        check_int("max-gap", a.max_gap.into())?;
        validate_sketch(&self.sketch_params())?;
        check_int("boilerplate-df", self.df_threshold.map_or(2, u64::from))?;
        check_int("min-shared", self.min_shared as u64)?;
        check_share("lsh-threshold", self.lsh_threshold)?;
        check_share("min-similarity", a.min_similarity)?;
        check_share("near-threshold", a.near_coverage)
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
        let (bands, rows) = self.bands_rows();
        SketchParams {
            k: self.align.k,
            window: self.align.window,
            num_perm: self.num_perm,
            bands,
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(ScanOptions::default().validate().is_ok());
        let msg = |o: ScanOptions| o.validate().unwrap_err().to_string();
        let mut o = ScanOptions::default();
        o.align.k = 0;
        assert_eq!(msg(o), "shingle must be within 1..=16, got 0");
        let mut o = ScanOptions::default();
        o.align.min_words = 0;
        assert_eq!(msg(o), "min-words must be at least 1, got 0");
        let o = ScanOptions {
            df_threshold: Some(1),
            ..ScanOptions::default()
        };
        assert_eq!(msg(o), "boilerplate-df must be at least 2, got 1");
        assert_eq!(
            validate_max_filesize(0).unwrap_err().to_string(),
            "max-filesize must be at least 1, got 0"
        );
        let o = ScanOptions {
            lsh_threshold: 1.5,
            ..ScanOptions::default()
        };
        assert_eq!(msg(o), "lsh-threshold must be within 0..=1, got 1.5");
        let mut o = ScanOptions::default();
        o.align.min_similarity = f64::NAN;
        assert_eq!(msg(o), "min-similarity must be within 0..=1, got NaN");
        let o = ScanOptions {
            num_perm: 1025,
            ..ScanOptions::default()
        };
        assert_eq!(msg(o), "num-perm must be within 1..=1024, got 1025");
    }

    #[test]
    fn every_range_is_named_once_and_its_edges_are_valid() {
        for (i, (name, range)) in RANGES.iter().enumerate() {
            assert!(
                RANGES[..i].iter().all(|(n, _)| n != name),
                "{name} twice in RANGES"
            );
            match *range {
                Range::Int { min, max } => {
                    assert!(min <= max, "{name}");
                    assert!(check_int(name, min).is_ok() && check_int(name, max).is_ok());
                    if min > 0 {
                        assert!(check_int(name, min - 1).is_err(), "{name}");
                    }
                    if max < u64::MAX {
                        assert!(check_int(name, max + 1).is_err(), "{name}");
                    }
                }
                Range::Share => {
                    for ok in [0.0, 0.5, 1.0] {
                        assert!(check_share(name, ok).is_ok(), "{name} {ok}");
                    }
                    for bad in [-0.1, 1.01, f64::NAN, f64::INFINITY] {
                        assert!(check_share(name, bad).is_err(), "{name} {bad}");
                    }
                }
            }
        }
    }

    #[test]
    fn sketch_parameters_are_checked_against_the_same_ranges() {
        let p = |k, window, num_perm| SketchParams {
            k,
            window,
            num_perm,
            bands: 1,
            rows: 1,
        };
        assert!(validate_sketch(&p(5, 8, 128)).is_ok());
        assert!(validate_sketch(&p(16, 1024, 1024)).is_ok());
        for (bad, name) in [
            (p(17, 8, 128), "shingle"),
            (p(5, 0, 128), "window"),
            (p(5, 1025, 128), "window"),
            (p(5, 8, 2000), "num-perm"),
        ] {
            assert_eq!(validate_sketch(&bad).unwrap_err().option, name);
        }
    }
}
