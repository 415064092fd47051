//! Evaluation harness: a planted-duplicate corpus generator and a scorer.
//!
//! * [`generate`] builds a deterministic synthetic corpus of prose-like
//!   documents in which whole copies, near copies, partial (passage) copies,
//!   scraped-page concatenations and copies of copies are planted, together
//!   with page chrome (boilerplate) and short shared quotes (negatives). The
//!   ground truth is recorded as byte spans in a [`Truth`].
//! * [`score`] compares a neardup JSON report with a [`Truth`] and computes
//!   pair-level precision/recall and the PAN text-alignment span measures
//!   (precision, recall, granularity, plagdet).
//!
//! The `planted` example (`cargo run --release --example planted -- …`) is the
//! command-line front end for both.
//!
//! # `truth.json`
//!
//! ```json
//! {"schema": 1, "seed": 42, "documents": 2000,
//!  "pairs": [{"a": "000012.txt", "b": "000873.txt", "kind": "partial",
//!             "spans": [{"a": [1200, 3400], "b": [0, 2190]}]}],
//!  "boilerplate": [{"doc": "000005.txt", "block": "cookie", "span": [100, 480]}],
//!  "negatives": [{"a": "000010.txt", "b": "000400.txt",
//!                 "spans": [{"a": [10, 150], "b": [300, 440]}]}]}
//! ```
//!
//! Spans are half-open byte ranges `[start, end)` into the final bytes of each
//! file; `a < b` by file name and every span's `a` side refers to file `a`.

pub mod generate;
pub mod prose;
pub mod rng;
pub mod score;

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

pub use generate::{generate, Corpus, GenConfig, GeneratedDoc};
pub use prose::{generate_prose, ProseConfig, ProsePool};
pub use score::{perfect_report, score, Report, Scores};

/// Version of the `truth.json` format written by [`generate`].
pub const TRUTH_SCHEMA: u32 = 1;

/// Ground truth of a planted corpus (the content of `truth.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// Format version, [`TRUTH_SCHEMA`].
    pub schema: u32,
    /// Seed the corpus was generated with.
    pub seed: u64,
    /// Number of documents in the corpus.
    pub documents: usize,
    /// Pairs of documents that share planted text (the positives).
    pub pairs: Vec<TruthPair>,
    /// Page-chrome blocks inserted into documents (never a reason to pair).
    #[serde(default)]
    pub boilerplate: Vec<BoilerplateSpan>,
    /// Pairs of documents sharing only a short quote (must not be flagged).
    #[serde(default)]
    pub negatives: Vec<NegativePair>,
}

/// How a truth pair was planted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairKind {
    /// `b` is an exact copy of `a` (apart from page chrome).
    Whole,
    /// A copy with about 4% word edits.
    NearLight,
    /// A copy with about 12% word edits.
    NearHeavy,
    /// A passage of one document pasted verbatim into an unrelated document.
    Partial,
    /// A pasted passage with about 4% word edits.
    PartialEdited,
    /// A whole document followed by unrelated text (a scraped page).
    Concat,
    /// The indirect pair of a copy of a copy: A → B → C gives (A, C).
    Transitive,
    /// Two pages carrying one syndicated article, in more documents than
    /// the chrome threshold, between text of their own.
    Syndicated,
    /// Prose mode: a passage of 50-80 words copied verbatim into another
    /// document.
    Copied,
    /// Prose mode: a copied passage with its lines re-flowed.
    Rewrapped,
    /// Prose mode: a copied passage with word edits (20% by default).
    Edited,
    /// Prose mode: a copied passage with its sentences in another order.
    Reordered,
    /// Prose mode: a copied passage with a foreign sentence inserted.
    Inserted,
    /// Prose mode: a whole document with its paragraphs in another order
    /// (one case per paragraph).
    Shuffled,
}

impl PairKind {
    /// The kinds of the generated corpus ([`generate()`]), in reporting
    /// order.
    pub const ALL: [PairKind; 8] = [
        PairKind::Whole,
        PairKind::NearLight,
        PairKind::NearHeavy,
        PairKind::Partial,
        PairKind::PartialEdited,
        PairKind::Concat,
        PairKind::Transitive,
        PairKind::Syndicated,
    ];

    /// The kinds of a corpus in real prose ([`generate_prose`]), in
    /// reporting order.
    pub const PROSE: [PairKind; 6] = [
        PairKind::Copied,
        PairKind::Rewrapped,
        PairKind::Edited,
        PairKind::Reordered,
        PairKind::Inserted,
        PairKind::Shuffled,
    ];

    /// Every kind, in reporting order.
    pub fn every() -> impl Iterator<Item = PairKind> {
        PairKind::ALL.into_iter().chain(PairKind::PROSE)
    }

    /// The snake_case name used in `truth.json`.
    pub fn name(self) -> &'static str {
        match self {
            PairKind::Whole => "whole",
            PairKind::NearLight => "near_light",
            PairKind::NearHeavy => "near_heavy",
            PairKind::Partial => "partial",
            PairKind::PartialEdited => "partial_edited",
            PairKind::Concat => "concat",
            PairKind::Transitive => "transitive",
            PairKind::Syndicated => "syndicated",
            PairKind::Copied => "copied",
            PairKind::Rewrapped => "rewrapped",
            PairKind::Edited => "edited",
            PairKind::Reordered => "reordered",
            PairKind::Inserted => "inserted",
            PairKind::Shuffled => "shuffled",
        }
    }

    /// Whether the shared text is byte-identical on both sides.
    pub fn is_exact(self) -> bool {
        matches!(
            self,
            PairKind::Whole
                | PairKind::Partial
                | PairKind::Concat
                | PairKind::Transitive
                | PairKind::Syndicated
                | PairKind::Copied
                | PairKind::Shuffled
        )
    }

    /// Whether this kind is planted in real prose ([`generate_prose`]).
    pub fn is_prose(self) -> bool {
        PairKind::PROSE.contains(&self)
    }
}

/// One aligned pair of byte ranges, `[start, end)` in file `a` and file `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanPair {
    /// Range in the pair's `a` file.
    pub a: [usize; 2],
    /// Range in the pair's `b` file.
    pub b: [usize; 2],
}

/// A pair of documents that share planted text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TruthPair {
    /// File name of the first document (the smaller name).
    pub a: String,
    /// File name of the second document.
    pub b: String,
    /// How the shared text was planted.
    pub kind: PairKind,
    /// The shared passages (at least one).
    pub spans: Vec<SpanPair>,
}

/// A page-chrome block inserted into a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoilerplateSpan {
    /// File name of the document.
    pub doc: String,
    /// Block kind: `cookie`, `newsletter`, `team`, `video` or `share`.
    pub block: String,
    /// Byte range of the block text (without its line break).
    pub span: [usize; 2],
}

/// Two otherwise unrelated documents that share only a short quote.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NegativePair {
    /// File name of the first document (the smaller name).
    pub a: String,
    /// File name of the second document.
    pub b: String,
    /// Where the quote is in each document (informational).
    #[serde(default)]
    pub spans: Vec<SpanPair>,
}

impl Truth {
    /// Reads a `truth.json` file.
    pub fn load(path: &Path) -> anyhow::Result<Truth> {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading truth {}", path.display()))?;
        let truth: Truth = serde_json::from_slice(&bytes)
            .with_context(|| format!("parsing truth {}", path.display()))?;
        anyhow::ensure!(
            truth.schema == TRUTH_SCHEMA,
            "unsupported truth schema {} in {} (expected {TRUTH_SCHEMA})",
            truth.schema,
            path.display()
        );
        Ok(truth)
    }

    /// Writes this truth as pretty-printed JSON.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let mut json = serde_json::to_string_pretty(self)?;
        json.push('\n');
        std::fs::write(path, json).with_context(|| format!("writing truth {}", path.display()))
    }
}

/// The last component of a `/`- or `\`-separated path: how report paths are
/// matched with the file names used in `truth.json`.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_takes_last_component() {
        assert_eq!(file_name("/tmp/x/docs/000012.txt"), "000012.txt");
        assert_eq!(file_name("docs/000012.txt"), "000012.txt");
        assert_eq!(file_name("000012.txt"), "000012.txt");
        assert_eq!(file_name("C:\\x\\000012.txt"), "000012.txt");
    }

    #[test]
    fn truth_json_shape() {
        let t = Truth {
            schema: 1,
            seed: 42,
            documents: 2,
            pairs: vec![TruthPair {
                a: "000000.txt".into(),
                b: "000001.txt".into(),
                kind: PairKind::PartialEdited,
                spans: vec![SpanPair {
                    a: [1, 2],
                    b: [3, 4],
                }],
            }],
            boilerplate: vec![],
            negatives: vec![],
        };
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains(r#""kind":"partial_edited""#), "{json}");
        assert!(
            json.contains(r#""spans":[{"a":[1,2],"b":[3,4]}]"#),
            "{json}"
        );
        let back: Truth = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }
}
