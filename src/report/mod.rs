//! The report: the documented JSON contract (schema 1) and its formats.
//!
//! [`Report`] is plain data built from a scan; each format lives in its own
//! file and only reads it; [`format::write`] picks the writer of a
//! [`Format`]. What the formats (and the baseline) compute alike is in
//! [`core`]: writers depend on it and on the model, never on each other.

pub mod core;
pub mod format;
pub mod github;
pub mod html;
pub mod json;
pub mod sarif;
pub mod text;

use crate::error::Error;
use crate::input::location::Location;
use crate::input::{Document, Skipped};
/// How a flagged pair repeats: [`PairEntry::kind`], serialized as
/// `near_duplicate` or `partial` ([`Kind::as_str`]).
pub use crate::scan::Kind;
use crate::scan::ScanResult;
use serde::{Deserialize, Serialize};

pub use format::Format;

/// The report format version. Bumped on any incompatible change.
pub const SCHEMA: u32 = 1;

/// A whole scan report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: u32,
    /// Every document scanned, in path order.
    pub documents: Vec<DocumentEntry>,
    /// Flagged pairs.
    pub pairs: Vec<PairEntry>,
    /// Clusters with the copy to keep.
    pub clusters: Vec<ClusterEntry>,
    /// Passages many documents share (templates, footers), each once.
    #[serde(default)]
    pub passages: Vec<PassageEntry>,
    /// Counts.
    pub summary: Summary,
    /// Files (or records) that could not be used.
    pub errors: Vec<Problem>,
    /// Files passed over (binary, empty).
    pub skipped: Vec<Problem>,
    /// Documents read, but not as plain UTF-8 (a byte order mark, bytes
    /// that are not UTF-8 read as Windows-1252, malformed sequences): notes,
    /// not errors. Spans in them are still byte offsets into the file.
    #[serde(default)]
    pub warnings: Vec<Problem>,
}

/// A scanned document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentEntry {
    /// Its path.
    pub path: String,
    /// Its size in bytes (of the file, whatever its encoding).
    pub bytes: usize,
    /// Its word count.
    pub words: u32,
    /// In a check: whether the document is new (absent from the index or
    /// changed). Absent in a scan, where every document counts as new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<bool>,
}

/// A flagged pair of documents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairEntry {
    /// Path of the first document (first by path).
    pub a: String,
    /// Path of the second document.
    pub b: String,
    /// `near_duplicate` or `partial`.
    pub kind: Kind,
    /// Exact Jaccard similarity of the shingle sets.
    pub jaccard: f64,
    /// Shared shingles over a's and over b's distinct shingles.
    pub containment: [f64; 2],
    /// Share of a's and of b's words inside non-boilerplate spans.
    pub coverage: [f64; 2],
    /// The paired spans, in order of position in a.
    pub spans: Vec<SpanEntry>,
    /// Short blocks (under `--min-words`) the pair also shares outside its
    /// spans, once it is flagged: moved paragraphs of a reordered copy.
    /// Absent when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved: Option<MovedEntry>,
    /// Indices of a and b in `documents`.
    #[serde(skip)]
    pub ids: (u32, u32),
}

/// The short blocks a flagged pair shares besides its spans, as one group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MovedEntry {
    /// How many blocks.
    pub blocks: usize,
    /// Their words (shorter side), in all.
    pub words: u32,
    /// Each block's byte ranges `[start, end)` in a and in b.
    pub ranges: Vec<MovedRange>,
}

/// One moved block: byte ranges in a and b.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MovedRange {
    /// `[start, end)` in a's file.
    pub a: [usize; 2],
    /// `[start, end)` in b's file.
    pub b: [usize; 2],
}

/// A span of a and the span of b that repeats it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpanEntry {
    /// Where in a.
    pub a: Location,
    /// Where in b.
    pub b: Location,
    /// Words (on the shorter side).
    pub words: u32,
    /// Share of the span's words covered by shared shingles in step.
    pub similarity: f64,
    /// Page chrome rather than an article.
    pub boilerplate: bool,
    /// An accepted finding, listed in the baseline (absent when not).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baselined: bool,
}

/// A passage carried by at least the chrome document frequency of
/// documents: page chrome, reported once instead of once per pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PassageEntry {
    /// Words of its first occurrence.
    pub words: u32,
    /// Documents carrying it (in a check: the new ones listed here).
    pub documents: usize,
    /// The start of its first occurrence, on one line.
    pub excerpt: String,
    /// Every occurrence, by document.
    pub spans: Vec<PassageSpan>,
}

/// One occurrence of a shared passage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PassageSpan {
    /// The document.
    pub path: String,
    /// Where in it.
    #[serde(flatten)]
    pub at: Location,
}

/// A cluster of documents repeating each other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterEntry {
    /// The copy to keep.
    pub keep: String,
    /// The copies a dedupe pass may drop.
    pub drop: Vec<String>,
}

/// Counts over the whole run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Documents in the run (in a check: the indexed ones too).
    pub documents: usize,
    /// In a check: the documents that were new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_documents: Option<usize>,
    /// Flagged pairs.
    pub pairs: usize,
    /// Flagged pairs that are near duplicates.
    pub near_duplicate: usize,
    /// Flagged pairs that share a part.
    pub partial: usize,
    /// Clusters.
    pub clusters: usize,
    /// Shared passages (chrome) listed in `passages`.
    #[serde(default)]
    pub passages: usize,
    /// Candidate pairs verified.
    pub verified: usize,
    /// Verified pairs sharing only boilerplate: not flagged.
    pub boilerplate_only: usize,
    /// Spans accepted by the baseline.
    #[serde(default)]
    pub baselined: usize,
    /// Files that could not be used.
    pub errors: usize,
    /// Files passed over.
    pub skipped: usize,
    /// Documents with a warning (see [`Report::warnings`]).
    #[serde(default)]
    pub warnings: usize,
}

/// A file and what was wrong with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// The file (empty when the problem has none).
    pub path: String,
    /// In a JSON Lines file: the 1-based line of the record (absent when
    /// the problem is with the whole file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What happened.
    pub reason: String,
}

/// Characters of a passage's excerpt.
const PASSAGE_EXCERPT_CHARS: usize = 160;

/// The start of a passage on one line (white space folded), with an
/// ellipsis when cut: [`PassageEntry::excerpt`] of the passage's first
/// place (made where its text is at hand: `scan::passages`, or
/// [`Report::add_texts`]).
pub(crate) fn passage_excerpt(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > PASSAGE_EXCERPT_CHARS {
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl Report {
    /// Builds the report of a scan of `docs`.
    pub fn new(
        docs: &[Document],
        result: &ScanResult,
        errors: &[Error],
        skipped: &[Skipped],
    ) -> Report {
        Report::with_new(docs, result, None, errors, skipped)
    }

    /// Builds the report of a check: `new[i]` says whether `docs[i]` is new.
    pub fn with_new(
        docs: &[Document],
        result: &ScanResult,
        new: Option<&[bool]>,
        errors: &[Error],
        skipped: &[Skipped],
    ) -> Report {
        let mut report = Report::outline(docs, result, new, errors, skipped);
        report.add_texts(result, |d| docs.get(d as usize));
        report
    }

    /// The report of `result` without what needs the documents' texts:
    /// every location is its byte range only (lines and columns 0) and
    /// every passage's excerpt is empty until [`Report::add_texts`] has
    /// seen the document. `docs` need not hold texts (see
    /// [`Document::without_text`]): their paths, sizes and notes are used.
    /// Adding the texts of every document the report shows
    /// ([`crate::scan::shown_documents`]), in any batches and order, gives
    /// the report [`Report::with_new`] gives.
    pub fn outline(
        docs: &[Document],
        result: &ScanResult,
        new: Option<&[bool]>,
        errors: &[Error],
        skipped: &[Skipped],
    ) -> Report {
        let documents = docs
            .iter()
            .zip(&result.words)
            .enumerate()
            .map(|(i, (d, &words))| DocumentEntry {
                path: d.path.clone(),
                bytes: d.original_len(),
                words,
                new: new.map(|n| n[i]),
            })
            .collect();
        let bare = |start: usize, end: usize| Location {
            start,
            end,
            line_start: 0,
            col_start: 0,
            line_end: 0,
            col_end: 0,
        };
        let mut pairs = Vec::with_capacity(result.findings.len());
        for f in &result.findings {
            let (da, db) = (&docs[f.a as usize], &docs[f.b as usize]);
            let al = &f.alignment;
            pairs.push(PairEntry {
                a: da.path.clone(),
                b: db.path.clone(),
                kind: f.kind,
                jaccard: round4(al.jaccard),
                containment: al.containment.map(round4),
                coverage: al.coverage.map(round4),
                spans: al
                    .spans
                    .iter()
                    .map(|s| SpanEntry {
                        a: bare(s.a.start, s.a.end),
                        b: bare(s.b.start, s.b.end),
                        words: s.words,
                        similarity: round4(s.similarity),
                        boilerplate: s.boilerplate,
                        baselined: false,
                    })
                    .collect(),
                moved: (!al.moved.is_empty()).then(|| MovedEntry {
                    blocks: al.moved.len(),
                    words: al.moved.iter().map(|m| m.words).sum(),
                    ranges: al
                        .moved
                        .iter()
                        .map(|m| MovedRange {
                            a: [m.a.start, m.a.end],
                            b: [m.b.start, m.b.end],
                        })
                        .collect(),
                }),
                ids: (f.a, f.b),
            });
        }
        let clusters: Vec<ClusterEntry> = result
            .clusters
            .iter()
            .map(|c| ClusterEntry {
                keep: docs[c.keep as usize].path.clone(),
                drop: c
                    .drop
                    .iter()
                    .map(|&d| docs[d as usize].path.clone())
                    .collect(),
            })
            .collect();
        let passages: Vec<PassageEntry> = result
            .passages
            .iter()
            .map(|p| PassageEntry {
                words: p.words,
                documents: p.documents,
                excerpt: String::new(),
                spans: p
                    .places
                    .iter()
                    .map(|&(d, span)| PassageSpan {
                        path: docs[d as usize].path.clone(),
                        at: bare(span.start, span.end),
                    })
                    .collect(),
            })
            .collect();
        let near = pairs
            .iter()
            .filter(|p| p.kind == Kind::NearDuplicate)
            .count();
        let warnings: Vec<Problem> = docs
            .iter()
            .filter_map(|d| {
                d.note().map(|n| Problem {
                    path: d.path.clone(),
                    line: None,
                    reason: n.to_string(),
                })
            })
            .collect();
        let summary = Summary {
            documents: result.stats.documents.max(docs.len()),
            new_documents: new.map(|n| n.iter().filter(|&&x| x).count()),
            pairs: pairs.len(),
            near_duplicate: near,
            partial: pairs.len() - near,
            clusters: clusters.len(),
            passages: passages.len(),
            verified: result.stats.verified,
            boilerplate_only: result.stats.boilerplate_only,
            baselined: 0,
            errors: errors.len(),
            skipped: skipped.len(),
            warnings: warnings.len(),
        };
        Report {
            schema: SCHEMA,
            documents,
            pairs,
            clusters,
            passages,
            summary,
            errors: errors
                .iter()
                .map(|e| Problem {
                    path: e
                        .path()
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    line: e.line(),
                    reason: e.to_string(),
                })
                .collect(),
            skipped: skipped
                .iter()
                .map(|s| Problem {
                    path: s.path.clone(),
                    line: None,
                    reason: s.reason.clone(),
                })
                .collect(),
            warnings,
        }
    }

    /// Fills in what the texts `text(d)` gives (documents of `result`, by
    /// index, with their texts) say of an [`Report::outline`] of `result`:
    /// the lines and columns of their spans and moved blocks and the
    /// excerpts of the passages that start in them. A document `text` does
    /// not give is left for a later call.
    ///
    /// The pairs are located on the pool (each on its own: the same result
    /// on any number of threads), the passages in order.
    pub fn add_texts<'d>(
        &mut self,
        result: &ScanResult,
        text: impl Fn(u32) -> Option<&'d Document> + Sync,
    ) {
        use rayon::prelude::*;
        let n = self.pairs.len().min(result.findings.len());
        self.pairs[..n]
            .par_iter_mut()
            .zip(&result.findings[..n])
            .for_each(|(pair, f)| locate_pair(pair, f, &text));
        let mut lines: ahash::AHashMap<u32, crate::input::location::LineIndex> =
            ahash::AHashMap::new();
        for (p, entry) in result.passages.iter().zip(&mut self.passages) {
            for (q, (&(d, span), e)) in p.places.iter().zip(&mut entry.spans).enumerate() {
                locate_place(&mut lines, &mut entry.excerpt, q, d, span, e, &text);
            }
        }
    }

    /// [`Report::add_texts`] for only the pairs `pairs` (indices into
    /// [`Report::pairs`], ascending, each once) and the passage places
    /// `places` (`(passage, place)` indices, ascending, each once): the
    /// work of one batch of texts is that of the pairs and places that
    /// show them, not of the whole report. Called for every pair and place
    /// showing a document `text` gives, it does what
    /// [`Report::add_texts`] does with those texts.
    pub fn add_texts_of<'d>(
        &mut self,
        result: &ScanResult,
        pairs: &[u32],
        places: &[(u32, u32)],
        text: impl Fn(u32) -> Option<&'d Document> + Sync,
    ) {
        use rayon::prelude::*;
        let n = self.pairs.len().min(result.findings.len());
        let picked = pick_mut(&mut self.pairs[..n], pairs);
        picked
            .into_par_iter()
            .for_each(|(i, pair)| locate_pair(pair, &result.findings[i], &text));
        let mut lines: ahash::AHashMap<u32, crate::input::location::LineIndex> =
            ahash::AHashMap::new();
        for &(pi, q) in places {
            let (pi, q) = (pi as usize, q as usize);
            let (Some(p), Some(entry)) = (result.passages.get(pi), self.passages.get_mut(pi))
            else {
                continue;
            };
            let (Some(&(d, span)), Some(e)) = (p.places.get(q), entry.spans.get_mut(q)) else {
                continue;
            };
            locate_place(&mut lines, &mut entry.excerpt, q, d, span, e, &text);
        }
    }

    /// Fills in of an [`Report::outline`] of `result` the locations the
    /// scan located while it held the texts: each pair's from its finding
    /// ([`crate::verify::Finding::located`]), each passage place's (and a
    /// first place's excerpt) from its passage
    /// ([`crate::scan::Passage::located`]). What [`Report::add_texts`]
    /// gives them with the documents' texts, none read. Returns what it
    /// could not fill, for [`Report::add_texts_of`]: the pairs whose
    /// finding was not located (made without the texts) and the places
    /// whose document the passage stage could not fetch (ascending); none
    /// for a scan that read every text it showed.
    pub fn add_located(&mut self, result: &ScanResult) -> (Vec<u32>, Vec<(u32, u32)>) {
        let mut pairs = Vec::new();
        for (i, (pair, f)) in self.pairs.iter_mut().zip(&result.findings).enumerate() {
            let (al, at) = (&f.alignment, &f.located);
            if !at.fits(al) || pair.spans.len() != at.spans.len() {
                pairs.push(i as u32);
                continue;
            }
            for (e, [a, b]) in pair.spans.iter_mut().zip(&at.spans) {
                (e.a, e.b) = (*a, *b);
            }
            if let Some(m) = &mut pair.moved {
                for (r, [a, b]) in m.ranges.iter_mut().zip(&at.moved) {
                    (r.a, r.b) = (*a, *b);
                }
            }
        }
        let mut places = Vec::new();
        for (pi, (p, entry)) in result.passages.iter().zip(&mut self.passages).enumerate() {
            for (q, e) in entry.spans.iter_mut().enumerate() {
                match p.located.get(q).copied().flatten() {
                    Some(at) => {
                        e.at = at;
                        if q == 0 {
                            entry.excerpt.clone_from(&p.excerpt);
                        }
                    }
                    None => places.push((pi as u32, q as u32)),
                }
            }
        }
        (pairs, places)
    }

    /// Whether anything was flagged.
    pub fn flagged(&self) -> bool {
        !self.pairs.is_empty()
    }

    /// Whether a flagged pair has a non-boilerplate span not in the baseline.
    pub fn has_unbaselined(&self) -> bool {
        self.pairs
            .iter()
            .any(|p| p.spans.iter().any(|s| !s.boilerplate && !s.baselined))
    }
}

/// The elements of `v` at `at` (ascending, each once; those past the end
/// left out), each with its index, borrowed apart.
fn pick_mut<'v, T>(mut v: &'v mut [T], at: &[u32]) -> Vec<(usize, &'v mut T)> {
    let mut out = Vec::with_capacity(at.len());
    let mut base = 0;
    for &i in at {
        let i = i as usize;
        if i < base || i - base >= v.len() {
            continue;
        }
        let rest = std::mem::take(&mut v);
        let (x, rest) = rest[i - base..]
            .split_first_mut()
            .expect("an index inside the slice");
        out.push((i, x));
        v = rest;
        base = i + 1;
    }
    out
}

/// Lines and columns of a pair's spans (and moved ranges) on each side
/// whose document `text` gives.
fn locate_pair<'d>(
    pair: &mut PairEntry,
    f: &crate::scan::Finding,
    text: &(impl Fn(u32) -> Option<&'d Document> + Sync),
) {
    for (second, d) in [(false, f.a), (true, f.b)] {
        let Some(ix) = text(d).map(|d| d.line_index()) else {
            continue;
        };
        let (spans, moved) = crate::verify::Located::side(&f.alignment, &ix, second);
        for (e, l) in pair.spans.iter_mut().zip(spans) {
            *if second { &mut e.b } else { &mut e.a } = l;
        }
        if let Some(m) = &mut pair.moved {
            for (r, l) in m.ranges.iter_mut().zip(moved) {
                *if second { &mut r.b } else { &mut r.a } = l;
            }
        }
    }
}

/// Place `q` (in document `d`, bytes `span`) of a passage located, when
/// `text` gives `d` (its line index kept in `lines`); the first place also
/// gives the passage's `excerpt`.
fn locate_place<'d>(
    lines: &mut ahash::AHashMap<u32, crate::input::location::LineIndex<'d>>,
    excerpt: &mut String,
    q: usize,
    d: u32,
    span: crate::align::Span,
    e: &mut PassageSpan,
    text: &impl Fn(u32) -> Option<&'d Document>,
) {
    if q == 0 {
        if let Some(doc) = text(d) {
            *excerpt = passage_excerpt(&doc.text[span.start..span.end]);
        }
    }
    let ix = match lines.entry(d) {
        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
        std::collections::hash_map::Entry::Vacant(v) => match text(d) {
            Some(doc) => v.insert(doc.line_index()),
            None => return,
        },
    };
    e.at = ix.locate(span.start, span.end);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An outline completed by the texts in batches, in any order, is the
    /// report built with all texts at hand.
    #[test]
    fn an_outline_completed_batch_by_batch_is_the_whole_report() {
        let words = |n: usize, seed: u64| -> String {
            (0..n)
                .map(|i| format!("w{}", crate::sketch::mix64(seed * 7919 + i as u64) % 40_000))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let shared = words(120, 1);
        let chrome = "menu home about contact login search ".repeat(6);
        let docs: Vec<Document> = (0..8u64)
            .map(|i| {
                let text = format!(
                    "{chrome}\n{}\n{shared}\n{}\n",
                    words(60, 10 + i),
                    words(40, 30 + i)
                );
                Document::new(format!("d{i}.txt"), text)
            })
            .collect();
        let result = crate::scan::scan(&docs, &crate::config::ScanOptions::default());
        assert!(!result.findings.is_empty(), "the fixture has pairs");
        let whole = Report::new(&docs, &result, &[], &[]);
        let bare: Vec<Document> = docs.iter().cloned().map(Document::without_text).collect();
        let mut report = Report::outline(&bare, &result, None, &[], &[]);
        assert_ne!(report, whole, "an outline lacks lines and columns");
        // What verification located while it held the texts: all of it,
        // without a text (passages too: scan.rs's
        // `a_scan_that_reads_texts_again_reports_what_a_scan_in_memory_does`).
        let mut located = report.clone();
        assert_eq!(located.add_located(&result), (vec![], vec![]));
        assert_eq!(located, whole);
        let shown = crate::scan::shown_documents(&result);
        let (first, second) = shown.split_at(shown.len() / 2);
        for batch in [second, first] {
            report.add_texts(&result, |d| batch.contains(&d).then(|| &docs[d as usize]));
        }
        assert_eq!(report, whole);
        // Only the pairs and places that show a batch's documents, one
        // document a batch, last first: the same report.
        let mut report = Report::outline(&bare, &result, None, &[], &[]);
        for &d in shown.iter().rev() {
            let pairs: Vec<u32> = (0..result.findings.len() as u32)
                .filter(|&i| {
                    let f = &result.findings[i as usize];
                    f.a == d || f.b == d
                })
                .collect();
            let places: Vec<(u32, u32)> = (0..result.passages.len() as u32)
                .flat_map(|p| {
                    let places = &result.passages[p as usize].places;
                    (0..places.len() as u32).map(move |q| (p, q))
                })
                .filter(|&(p, q)| result.passages[p as usize].places[q as usize].0 == d)
                .collect();
            report.add_texts_of(&result, &pairs, &places, |e| {
                (e == d).then(|| &docs[e as usize])
            });
        }
        // (The places of shared passages in batches: scan.rs's
        // `a_scan_that_reads_texts_again_reports_what_a_scan_in_memory_does`.)
        assert_eq!(report, whole);
    }

    #[test]
    fn pick_mut_borrows_the_elements_asked_for() {
        let mut v: Vec<u32> = (0..10).collect();
        let got: Vec<(usize, u32)> = pick_mut(&mut v, &[0, 3, 4, 9, 12])
            .into_iter()
            .map(|(i, x)| {
                *x += 100;
                (i, *x)
            })
            .collect();
        assert_eq!(got, [(0, 100), (3, 103), (4, 104), (9, 109)]);
        assert_eq!(v, [100, 1, 2, 103, 104, 5, 6, 7, 8, 109]);
    }

    #[test]
    fn kinds_are_serialized_as_the_contract_names_them() {
        for (kind, name) in [
            (Kind::NearDuplicate, "near_duplicate"),
            (Kind::Partial, "partial"),
        ] {
            assert_eq!(kind.as_str(), name);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), kind);
        }
        assert!(serde_json::from_str::<Kind>("\"near duplicate\"").is_err());
    }
}
