//! What an index is built with: the sketch and LSH parameters, and the
//! identifier of the hash functions. A check sketches new documents with the
//! same ones, so loading compares them.

use crate::candidates::band_keys;
use crate::config::ScanOptions;
use crate::sketch::{Scratch, SketchParams};
use std::sync::OnceLock;
use xxhash_rust::xxh3::xxh3_64;

/// The parameters an index is built with. A check must sketch new documents
/// with the same ones, so loading compares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IndexParams {
    /// Words per shingle.
    pub k: usize,
    /// Winnowing window, in shingles.
    pub window: usize,
    /// Signature bins.
    pub num_perm: usize,
    /// LSH bands.
    pub bands: usize,
    /// LSH rows per band.
    pub rows: usize,
}

impl IndexParams {
    /// The parameters a scan with `opts` uses.
    pub fn from_options(opts: &ScanOptions) -> IndexParams {
        let s = opts.sketch_params();
        IndexParams {
            k: s.k,
            window: s.window,
            num_perm: s.num_perm,
            bands: s.bands,
            rows: s.rows,
        }
    }

    /// The sketch-stage parameters.
    pub fn sketch_params(&self) -> SketchParams {
        SketchParams {
            k: self.k,
            window: self.window,
            num_perm: self.num_perm,
            bands: self.bands,
            rows: self.rows,
        }
    }

    /// Checks that the parameters can be sketched and banded with, and
    /// stored in an index file's header. The one check of index
    /// parameters: [`Index::new`](super::Index::new) and loading use it.
    pub fn validate(&self) -> Result<(), InvalidParams> {
        // The ranges a scan is checked against (`config::RANGES`), so an
        // index holds only parameters a scan could have used.
        if let Err(e) = crate::config::validate_sketch(&self.sketch_params()) {
            return Err(match e.option {
                "shingle" => InvalidParams::Shingle(self.k),
                "window" => InvalidParams::Window(self.window),
                _ => InvalidParams::NumPerm(self.num_perm),
            });
        }
        if self.bands == 0 || self.rows == 0 || self.bands.saturating_mul(self.rows) > self.num_perm
        {
            return Err(InvalidParams::Bands {
                bands: self.bands,
                rows: self.rows,
                num_perm: self.num_perm,
            });
        }
        Ok(())
    }

    /// The settings that differ from `other`, worded as "mine (other: ...)".
    pub(super) fn differences(&self, other: &IndexParams) -> Vec<String> {
        let pairs = [
            ("shingle size", self.k, other.k),
            ("window", self.window, other.window),
            ("num-perm", self.num_perm, other.num_perm),
            ("LSH bands", self.bands, other.bands),
            ("LSH rows", self.rows, other.rows),
        ];
        pairs
            .iter()
            .filter(|(_, a, b)| a != b)
            .map(|(name, a, b)| format!("{name} {a} (this run: {b})"))
            .collect()
    }
}

/// Why index parameters cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidParams {
    /// Words per shingle outside `config::RANGES`.
    #[error("shingle size {0} out of range")]
    Shingle(usize),
    /// A window outside `config::RANGES`.
    #[error("window {0} out of range")]
    Window(usize),
    /// Signature bins outside `config::RANGES`.
    #[error("num-perm {0} out of range")]
    NumPerm(usize),
    /// The bands do not fit the signature.
    #[error("{bands} bands x {rows} rows do not fit {num_perm} signature bins")]
    Bands {
        /// LSH bands.
        bands: usize,
        /// Rows per band.
        rows: usize,
        /// Signature bins.
        num_perm: usize,
    },
}

/// The hash algorithm identifier stored in every index, e.g.
/// `xxh3-64;word-seed=0x...;shingle-seed=0x...;oph+winnow;check=...`.
///
/// Besides the word and shingle seeds it carries a digest of the sketch of a
/// fixed multi-script text (signature, fingerprints, band keys), so any
/// change to tokenizing, normalizing, hashing, MinHash or band keys gives a
/// different identifier and old indexes are refused rather than silently
/// matching nothing.
pub fn hash_algorithm() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        format!(
            "xxh3-64;word-seed={:#018x};shingle-seed={:#018x};oph+winnow;check={:016x}",
            crate::normalize::WORD_SEED,
            crate::shingle::SHINGLE_SEED,
            sketch_check()
        )
    })
}

/// A digest of the whole sketch pipeline's output on a fixed text.
fn sketch_check() -> u64 {
    const TEXT: &str = "The Quick brown fox, jumps over the LAZY dog! Ｆｕｌｌｗｉｄｔｈ ﬁnal \
        café cafe\u{301} Straße İstanbul 東京都の ひらがな カタカナ Ελληνικά русский 12345 x². \
        Please accept cookies to continue. The Quick brown fox, jumps over the LAZY dog! \
        Please accept cookies to continue.";
    let p = SketchParams {
        k: 3,
        window: 4,
        num_perm: 64,
        bands: 8,
        rows: 8,
    };
    let s = crate::sketch::sketch(TEXT, &p, &mut Scratch::default());
    // The signature itself, which sketches keep only as band keys.
    let (mut tokens, mut shingles) = (Vec::new(), Vec::new());
    crate::normalize::tokenize(TEXT, &mut tokens);
    crate::shingle::shingles(&tokens, p.k, &mut shingles);
    let signature = crate::sketch::signature(&shingles, p.num_perm);
    assert_eq!(band_keys(&signature, p.bands, p.rows), s.band_keys());
    let mut buf = Vec::new();
    buf.extend(signature.iter().flat_map(|v| v.to_le_bytes()));
    for list in [s.fingerprints(), s.repeated(), s.band_keys()] {
        buf.extend((list.len() as u64).to_le_bytes());
        buf.extend(list.iter().flat_map(|v| v.to_le_bytes()));
    }
    buf.extend(s.words.to_le_bytes());
    xxh3_64(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::testing::params;

    #[test]
    fn hash_algorithm_names_the_seeds() {
        let id = hash_algorithm();
        assert!(id.starts_with("xxh3-64;word-seed=0x6e656172647570"), "{id}");
        assert!(id.contains("shingle-seed=0x7368696e676c6531"), "{id}");
        assert!(id.contains(";check="), "{id}");
        assert_eq!(id, hash_algorithm());
        assert_eq!(sketch_check(), sketch_check());
    }

    #[test]
    fn validate_names_what_is_out_of_range() {
        let p = params();
        assert_eq!(p.validate(), Ok(()));
        let cases = [
            (IndexParams { k: 0, ..p }, "shingle size 0 out of range"),
            (IndexParams { window: 0, ..p }, "window 0 out of range"),
            (
                IndexParams {
                    num_perm: 1 << 16,
                    ..p
                },
                "num-perm 65536 out of range",
            ),
            (
                IndexParams { bands: 200, ..p },
                "200 bands x 5 rows do not fit 128 signature bins",
            ),
            (
                IndexParams { rows: 0, ..p },
                "25 bands x 0 rows do not fit 128 signature bins",
            ),
        ];
        for (bad, want) in cases {
            assert_eq!(bad.validate().unwrap_err().to_string(), want);
        }
    }
}
