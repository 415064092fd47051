//! Scoring a neardup report against the ground truth of a planted corpus.
//!
//! Two families of figures are computed:
//!
//! * **Pairs.** Every pair in the report's `pairs` is *flagged*. A flagged
//!   pair that is a truth pair is a true positive, any other flagged pair a
//!   false positive; a truth pair that is not flagged is a false negative.
//!   Recall is also broken down per [`PairKind`], and the flagged pairs that
//!   are recorded negatives (documents sharing only a short quote) or that
//!   share only page chrome are counted separately.
//! * **Spans**, exactly as the PAN text-alignment measures define them
//!   (Potthast, Stein, Barrón-Cedeño & Rosso 2010, "An Evaluation Framework
//!   for Plagiarism Detection"). Each truth span pair is a *case* `s` and each
//!   reported non-boilerplate span pair a *detection* `r`; both are sets of
//!   bytes over the two documents (a-side ∪ b-side, documents distinguished).
//!   `r` detects `s` when they concern the same pair of documents and overlap
//!   on both sides; then `s ⊓ r = s ∩ r`, otherwise `∅`. With `S` the cases
//!   and `R` the detections:
//!
//!   ```text
//!   precision   = 1/|R| Σ_r |∪_s (s ⊓ r)| / |r|
//!   recall      = 1/|S| Σ_s |∪_r (s ⊓ r)| / |s|
//!   granularity = 1/|S_R| Σ_{s ∈ S_R} |R_s|   (S_R: detected cases, R_s: detections of s)
//!   plagdet     = F1(precision, recall) / log2(1 + granularity)
//!   ```
//!
//!   Sets are handled as byte intervals (sorted, merged), never per byte.
//!
//!   A pair's moved blocks (`moved.ranges`: short blocks it shares outside
//!   its spans) are detections too: they are claims of shared text like
//!   any span, so a copied passage reported as a span and a block beside
//!   it counts twice in the granularity. The same measures are given per
//!   truth kind, over the cases of that kind and the detections of pairs of
//!   that kind.
//!
//! Report paths are matched to truth file names by their last component, and
//! a truth pair `(a, b)` may be reported as `(b, a)`: spans are re-oriented.
//! Empty denominators give 1.0 for precision and recall (nothing wrong was
//! said, nothing was to be found) and 1.0 for granularity.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{file_name, PairKind, Truth};

// ---------------------------------------------------------------------------
// The report contract (only the fields the scorer needs; others are ignored)
// ---------------------------------------------------------------------------

/// A neardup JSON report (schema 1), reduced to what the scorer reads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Report format version.
    #[serde(default)]
    pub schema: u32,
    /// Scanned documents.
    #[serde(default)]
    pub documents: Vec<ReportDocument>,
    /// Flagged pairs.
    #[serde(default)]
    pub pairs: Vec<ReportPair>,
}

/// A scanned document of a report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportDocument {
    /// Path as given to neardup.
    pub path: String,
    /// Size in bytes.
    #[serde(default)]
    pub bytes: u64,
}

/// A flagged pair of a report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportPair {
    /// Path of the first document.
    pub a: String,
    /// Path of the second document.
    pub b: String,
    /// `near_duplicate` or `partial`.
    #[serde(default)]
    pub kind: String,
    /// Aligned spans.
    #[serde(default)]
    pub spans: Vec<ReportSpan>,
    /// Short blocks shared outside the spans.
    #[serde(default)]
    pub moved: Option<ReportMoved>,
}

/// The moved blocks of a report pair.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportMoved {
    /// Each block's byte ranges `[start, end)` in a and in b.
    #[serde(default)]
    pub ranges: Vec<crate::SpanPair>,
}

/// An aligned span pair of a report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportSpan {
    /// Range in document `a`.
    pub a: ReportRange,
    /// Range in document `b`.
    pub b: ReportRange,
    /// Whether the span is page chrome (not a detection).
    #[serde(default)]
    pub boilerplate: bool,
}

/// A byte range `[start, end)` of a report span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRange {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Report {
    /// Reads a report JSON file.
    pub fn load(path: &Path) -> anyhow::Result<Report> {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading report {}", path.display()))?;
        serde_json::from_slice(&bytes).with_context(|| format!("parsing report {}", path.display()))
    }
}

/// A report that flags exactly the truth pairs with exactly the truth spans.
///
/// Scoring it gives 1.0 everywhere; tests use it, and it is a quick self-check
/// of a truth file.
pub fn perfect_report(truth: &Truth) -> Report {
    let range = |r: [usize; 2]| ReportRange {
        start: r[0],
        end: r[1],
    };
    Report {
        schema: 1,
        documents: Vec::new(),
        pairs: truth
            .pairs
            .iter()
            .map(|p| ReportPair {
                a: p.a.clone(),
                b: p.b.clone(),
                kind: if matches!(
                    p.kind,
                    PairKind::Whole | PairKind::NearLight | PairKind::NearHeavy
                ) {
                    "near_duplicate".into()
                } else {
                    "partial".into()
                },
                spans: p
                    .spans
                    .iter()
                    .map(|s| ReportSpan {
                        a: range(s.a),
                        b: range(s.b),
                        boilerplate: false,
                    })
                    .collect(),
                moved: None,
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// Scores
// ---------------------------------------------------------------------------

/// Pair recall and span measures of one truth kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KindScores {
    /// Truth pairs of this kind.
    pub truth: usize,
    /// Of those, flagged.
    pub found: usize,
    /// `found / truth`.
    pub recall: f64,
    /// PAN recall restricted to the cases (spans) of this kind.
    pub span_recall: f64,
    /// PAN measures over the cases of this kind and the detections of the
    /// truth pairs of this kind.
    pub spans: SpanScores,
}

/// PAN text-alignment span measures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpanScores {
    /// Number of truth span pairs (cases).
    pub cases: usize,
    /// Number of reported non-boilerplate span pairs (detections).
    pub detections: usize,
    /// Macro-averaged precision over detections.
    pub precision: f64,
    /// Macro-averaged recall over cases.
    pub recall: f64,
    /// Cases with at least one detection (the granularity's denominator,
    /// for pooling runs).
    pub detected: usize,
    /// Average number of detections per detected case (≥ 1).
    pub granularity: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// `f1 / log2(1 + granularity)`.
    pub plagdet: f64,
}

/// A pair of documents named in a [`Scores`] listing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairName {
    /// File name of the first document.
    pub a: String,
    /// File name of the second document.
    pub b: String,
    /// Truth kind, for a missed pair; `None` for a false positive.
    pub kind: Option<PairKind>,
}

/// Everything [`score`] measures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Truth pairs.
    pub truth_pairs: usize,
    /// Distinct flagged pairs (self-pairs excluded).
    pub flagged_pairs: usize,
    /// Flagged truth pairs.
    pub true_positives: usize,
    /// Flagged pairs that are not truth pairs.
    pub false_positives: usize,
    /// Truth pairs not flagged.
    pub false_negatives: usize,
    /// `true_positives / flagged_pairs`.
    pub precision: f64,
    /// `true_positives / truth_pairs`.
    pub recall: f64,
    /// Harmonic mean of pair precision and recall.
    pub f1: f64,
    /// Pair and span recall per truth kind (snake_case kind name).
    pub by_kind: BTreeMap<String, KindScores>,
    /// Recorded negatives (short shared quotes).
    pub negatives: usize,
    /// Recorded negatives that were flagged.
    pub negatives_flagged: usize,
    /// False positives between documents that share only page chrome.
    pub chrome_only_flagged: usize,
    /// Reported pairs whose spans are all marked boilerplate.
    pub boilerplate_only_pairs: usize,
    /// Reported pairs of a document with itself (ignored).
    pub self_pairs: usize,
    /// Detections that are moved blocks (the rest are spans).
    pub moved_detections: usize,
    /// PAN span measures.
    pub spans: SpanScores,
    /// Truth pairs that were not flagged.
    pub missed: Vec<PairName>,
    /// Flagged pairs that are not truth pairs.
    pub spurious: Vec<PairName>,
}

fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        1.0
    } else {
        num / den
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

type Interval = (usize, usize);

fn len(r: Interval) -> usize {
    r.1.saturating_sub(r.0)
}

fn intersect(x: Interval, y: Interval) -> Option<Interval> {
    let s = x.0.max(y.0);
    let e = x.1.min(y.1);
    (s < e).then_some((s, e))
}

/// Total length of the union of `intervals` (sorted in place).
fn union_len(intervals: &mut [Interval]) -> usize {
    intervals.sort_unstable();
    let mut total = 0;
    let mut cur: Option<Interval> = None;
    for &(s, e) in intervals.iter() {
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some(c) => {
                total += len(c);
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    total + cur.map_or(0, len)
}

/// A span pair oriented to a document-pair key (first name < second name).
#[derive(Clone, Copy, Debug)]
struct Oriented {
    x: Interval,
    y: Interval,
}

impl Oriented {
    fn size(&self) -> usize {
        len(self.x) + len(self.y)
    }
    /// `s ⊓ r` as its two sides, if `r` detects `s`.
    fn meet(&self, other: &Oriented) -> Option<(Interval, Interval)> {
        Some((intersect(self.x, other.x)?, intersect(self.y, other.y)?))
    }
}

/// Orders two names into a key; `true` when they were swapped.
fn key(a: &str, b: &str) -> ((String, String), bool) {
    if a <= b {
        ((a.to_string(), b.to_string()), false)
    } else {
        ((b.to_string(), a.to_string()), true)
    }
}

/// Running sums of the PAN measures.
#[derive(Clone, Debug, Default)]
struct SpanSums {
    cases: usize,
    detections: usize,
    precision: f64,
    recall: f64,
    detected: usize,
    granularity: usize,
}

impl SpanSums {
    fn scores(&self) -> SpanScores {
        let precision = ratio(self.precision, self.detections as f64);
        let recall = ratio(self.recall, self.cases as f64);
        let granularity = if self.detected == 0 {
            1.0
        } else {
            self.granularity as f64 / self.detected as f64
        };
        let f = f1(precision, recall);
        SpanScores {
            cases: self.cases,
            detections: self.detections,
            precision,
            recall,
            detected: self.detected,
            granularity,
            f1: f,
            plagdet: f / (1.0 + granularity).log2(),
        }
    }
}

/// Scores `report` against `truth`.
pub fn score(truth: &Truth, report: &Report) -> Scores {
    // Truth cases by document pair.
    let mut truth_index: HashMap<(String, String), usize> = HashMap::new();
    let mut cases: HashMap<(String, String), Vec<(Oriented, PairKind)>> = HashMap::new();
    // Keys in truth order, so that sums are taken in a deterministic order.
    let mut case_order: Vec<(String, String)> = Vec::new();
    for (i, p) in truth.pairs.iter().enumerate() {
        let (k, swap) = key(&p.a, &p.b);
        if truth_index.insert(k.clone(), i).is_none() {
            case_order.push(k.clone());
        }
        let entry = cases.entry(k).or_default();
        for s in &p.spans {
            let (x, y) = if swap { (s.b, s.a) } else { (s.a, s.b) };
            entry.push((
                Oriented {
                    x: (x[0], x[1]),
                    y: (y[0], y[1]),
                },
                p.kind,
            ));
        }
    }
    let negatives: HashSet<(String, String)> =
        truth.negatives.iter().map(|n| key(&n.a, &n.b).0).collect();
    let mut chrome: HashMap<&str, HashSet<&str>> = HashMap::new();
    for b in &truth.boilerplate {
        chrome
            .entry(b.doc.as_str())
            .or_default()
            .insert(b.block.as_str());
    }

    // Flagged pairs and their detections, oriented to the key.
    let mut flagged: HashMap<(String, String), Vec<Oriented>> = HashMap::new();
    let mut flagged_order: Vec<(String, String)> = Vec::new();
    let mut scores = Scores::default();
    for p in &report.pairs {
        let (na, nb) = (file_name(&p.a), file_name(&p.b));
        if na == nb {
            scores.self_pairs += 1;
            continue;
        }
        if !p.spans.is_empty() && p.spans.iter().all(|s| s.boilerplate) {
            scores.boilerplate_only_pairs += 1;
        }
        let (k, swap) = key(na, nb);
        let entry = flagged.entry(k.clone()).or_insert_with(|| {
            flagged_order.push(k);
            Vec::new()
        });
        for s in p.spans.iter().filter(|s| !s.boilerplate) {
            let (x, y) = if swap { (s.b, s.a) } else { (s.a, s.b) };
            entry.push(Oriented {
                x: (x.start, x.end),
                y: (y.start, y.end),
            });
        }
        for m in p.moved.iter().flat_map(|m| &m.ranges) {
            let (x, y) = if swap { (m.b, m.a) } else { (m.a, m.b) };
            scores.moved_detections += 1;
            entry.push(Oriented {
                x: (x[0], x[1]),
                y: (y[0], y[1]),
            });
        }
    }

    // Pair-level figures.
    scores.truth_pairs = truth.pairs.len();
    scores.flagged_pairs = flagged.len();
    scores.negatives = negatives.len();
    // Every kind of the families (generated, prose) the truth holds.
    let families: HashSet<bool> = truth.pairs.iter().map(|p| p.kind.is_prose()).collect();
    for kind in PairKind::every() {
        if families.contains(&kind.is_prose()) || (families.is_empty() && !kind.is_prose()) {
            scores
                .by_kind
                .insert(kind.name().to_string(), KindScores::default());
        }
    }
    for p in &truth.pairs {
        let ks = scores.by_kind.get_mut(p.kind.name()).expect("all kinds");
        ks.truth += 1;
        if flagged.contains_key(&key(&p.a, &p.b).0) {
            ks.found += 1;
            scores.true_positives += 1;
        } else {
            scores.missed.push(PairName {
                a: p.a.clone(),
                b: p.b.clone(),
                kind: Some(p.kind),
            });
        }
    }
    for k in &flagged_order {
        if truth_index.contains_key(k) {
            continue;
        }
        if negatives.contains(k) {
            scores.negatives_flagged += 1;
        } else if let (Some(x), Some(y)) = (chrome.get(k.0.as_str()), chrome.get(k.1.as_str())) {
            if !x.is_disjoint(y) {
                scores.chrome_only_flagged += 1;
            }
        }
        scores.spurious.push(PairName {
            a: k.0.clone(),
            b: k.1.clone(),
            kind: None,
        });
    }
    scores.false_positives = scores.spurious.len();
    scores.false_negatives = scores.missed.len();
    scores.precision = ratio(scores.true_positives as f64, scores.flagged_pairs as f64);
    scores.recall = ratio(scores.true_positives as f64, scores.truth_pairs as f64);
    scores.f1 = f1(scores.precision, scores.recall);

    // Span-level (PAN) figures, overall (`None`) and per kind.
    let kind_of = |k: &(String, String)| truth_index.get(k).map(|&i| truth.pairs[i].kind);
    let empty: Vec<(Oriented, PairKind)> = Vec::new();
    let mut sums: HashMap<Option<PairKind>, SpanSums> = HashMap::new();
    for k in &flagged_order {
        let dets = &flagged[k];
        let cs = cases.get(k).unwrap_or(&empty);
        let kind = kind_of(k);
        for r in dets {
            let mut xs = Vec::new();
            let mut ys = Vec::new();
            for (s, _) in cs {
                if let Some((x, y)) = s.meet(r) {
                    xs.push(x);
                    ys.push(y);
                }
            }
            let size = r.size();
            let p = if size > 0 {
                (union_len(&mut xs) + union_len(&mut ys)) as f64 / size as f64
            } else {
                0.0
            };
            for key in [None, kind].into_iter().collect::<HashSet<_>>() {
                let e = sums.entry(key).or_default();
                e.detections += 1;
                e.precision += p;
            }
        }
    }
    let no_dets: Vec<Oriented> = Vec::new();
    for k in &case_order {
        let cs = &cases[k];
        let dets = flagged.get(k).unwrap_or(&no_dets);
        for (s, kind) in cs {
            let mut xs = Vec::new();
            let mut ys = Vec::new();
            for r in dets {
                if let Some((x, y)) = s.meet(r) {
                    xs.push(x);
                    ys.push(y);
                }
            }
            let found = xs.len();
            let size = s.size();
            let rec = if size == 0 {
                1.0
            } else {
                (union_len(&mut xs) + union_len(&mut ys)) as f64 / size as f64
            };
            for key in [None, Some(*kind)] {
                let e = sums.entry(key).or_default();
                e.cases += 1;
                e.recall += rec;
                if found > 0 {
                    e.detected += 1;
                    e.granularity += found;
                }
            }
        }
    }
    for (name, ks) in scores.by_kind.iter_mut() {
        ks.recall = ratio(ks.found as f64, ks.truth as f64);
        let kind = PairKind::every()
            .find(|k| k.name() == name)
            .expect("known kind");
        ks.spans = sums.get(&Some(kind)).cloned().unwrap_or_default().scores();
        ks.span_recall = ks.spans.recall;
    }
    scores.spans = sums.get(&None).cloned().unwrap_or_default().scores();
    scores
        .missed
        .sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    scores
        .spurious
        .sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    scores
}

impl Scores {
    /// Writes a short human-readable table of the figures.
    pub fn print(&self, w: &mut impl Write) -> io::Result<()> {
        writeln!(
            w,
            "pairs   truth {:>6}  flagged {:>6}  tp {:>6}  fp {:>6}  fn {:>6}",
            self.truth_pairs,
            self.flagged_pairs,
            self.true_positives,
            self.false_positives,
            self.false_negatives
        )?;
        writeln!(
            w,
            "        precision {:.4}  recall {:.4}  f1 {:.4}",
            self.precision, self.recall, self.f1
        )?;
        writeln!(w)?;
        writeln!(
            w,
            "  {:<16} {:>6} {:>6} {:>8}   {:>9} {:>9} {:>9} {:>9}",
            "kind", "truth", "found", "recall", "span prec", "span rec", "granul", "plagdet"
        )?;
        for kind in PairKind::every() {
            if let Some(k) = self.by_kind.get(kind.name()) {
                writeln!(
                    w,
                    "  {:<16} {:>6} {:>6} {:>8.4}   {:>9.4} {:>9.4} {:>9.4} {:>9.4}",
                    kind.name(),
                    k.truth,
                    k.found,
                    k.recall,
                    k.spans.precision,
                    k.spans.recall,
                    k.spans.granularity,
                    k.spans.plagdet
                )?;
            }
        }
        writeln!(w)?;
        writeln!(
            w,
            "  negatives flagged          {:>6} / {}",
            self.negatives_flagged, self.negatives
        )?;
        writeln!(
            w,
            "  chrome-only pairs flagged  {:>6}",
            self.chrome_only_flagged
        )?;
        writeln!(
            w,
            "  boilerplate-only pairs     {:>6}",
            self.boilerplate_only_pairs
        )?;
        if self.self_pairs > 0 {
            writeln!(w, "  self pairs (ignored)       {:>6}", self.self_pairs)?;
        }
        writeln!(w)?;
        let s = &self.spans;
        writeln!(
            w,
            "spans   cases {:>6}  detections {:>6} ({} moved blocks)   (PAN text alignment)",
            s.cases, s.detections, self.moved_detections
        )?;
        writeln!(
            w,
            "        precision {:.4}  recall {:.4}  granularity {:.4}  plagdet {:.4}",
            s.precision, s.recall, s.granularity, s.plagdet
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{generate, BoilerplateSpan, GenConfig, NegativePair, SpanPair, TruthPair};

    fn corpus_truth() -> Truth {
        generate(&GenConfig {
            seed: 11,
            docs: 60,
            words: 150,
            syndicated: 3,
            ..GenConfig::default()
        })
        .truth
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-9
    }

    /// A truth with a single case of 100 bytes on both sides.
    fn one_case() -> Truth {
        Truth {
            schema: 1,
            seed: 0,
            documents: 4,
            pairs: vec![TruthPair {
                a: "000001.txt".into(),
                b: "000002.txt".into(),
                kind: PairKind::Partial,
                spans: vec![SpanPair {
                    a: [100, 200],
                    b: [0, 100],
                }],
            }],
            boilerplate: vec![
                BoilerplateSpan {
                    doc: "000000.txt".into(),
                    block: "cookie".into(),
                    span: [0, 300],
                },
                BoilerplateSpan {
                    doc: "000003.txt".into(),
                    block: "cookie".into(),
                    span: [50, 350],
                },
            ],
            negatives: vec![NegativePair {
                a: "000000.txt".into(),
                b: "000001.txt".into(),
                spans: vec![],
            }],
        }
    }

    fn pair(a: &str, b: &str, spans: &[([usize; 2], [usize; 2])]) -> ReportPair {
        ReportPair {
            a: a.into(),
            b: b.into(),
            kind: "partial".into(),
            spans: spans
                .iter()
                .map(|&(x, y)| ReportSpan {
                    a: ReportRange {
                        start: x[0],
                        end: x[1],
                    },
                    b: ReportRange {
                        start: y[0],
                        end: y[1],
                    },
                    boilerplate: false,
                })
                .collect(),
            moved: None,
        }
    }

    fn report(pairs: Vec<ReportPair>) -> Report {
        Report {
            schema: 1,
            documents: vec![],
            pairs,
        }
    }

    #[test]
    fn perfect_report_scores_one() {
        let truth = corpus_truth();
        let s = score(&truth, &perfect_report(&truth));
        assert_eq!(s.true_positives, truth.pairs.len());
        assert_eq!(s.false_positives, 0);
        assert!(close(s.precision, 1.0) && close(s.recall, 1.0));
        assert!(close(s.spans.precision, 1.0), "{:?}", s.spans);
        assert!(close(s.spans.recall, 1.0), "{:?}", s.spans);
        assert!(close(s.spans.granularity, 1.0), "{:?}", s.spans);
        assert!(close(s.spans.plagdet, 1.0), "{:?}", s.spans);
        for (kind, k) in &s.by_kind {
            assert!(k.truth > 0, "{kind}");
            assert!(close(k.recall, 1.0) && close(k.span_recall, 1.0), "{kind}");
        }
        assert!(s.missed.is_empty() && s.spurious.is_empty());
    }

    #[test]
    fn orientation_and_paths_do_not_matter() {
        let truth = corpus_truth();
        let mut r = perfect_report(&truth);
        for (i, p) in r.pairs.iter_mut().enumerate() {
            if i % 2 == 0 {
                std::mem::swap(&mut p.a, &mut p.b);
                for s in &mut p.spans {
                    std::mem::swap(&mut s.a, &mut s.b);
                }
            }
            p.a = format!("/tmp/x/docs/{}", p.a);
            p.b = format!("docs/{}", p.b);
        }
        // Round-trip through JSON, with extra fields the scorer ignores.
        let mut json: serde_json::Value = serde_json::to_value(&r).unwrap();
        json["clusters"] = serde_json::json!([{"keep": "a", "drop": ["b"]}]);
        json["pairs"][0]["jaccard"] = serde_json::json!(0.5);
        json["pairs"][0]["spans"][0]["a"]["line_start"] = serde_json::json!(1);
        let r: Report = serde_json::from_value(json).unwrap();
        let s = score(&truth, &r);
        assert!(close(s.recall, 1.0) && close(s.precision, 1.0));
        assert!(close(s.spans.plagdet, 1.0), "{:?}", s.spans);
    }

    #[test]
    fn half_the_pairs_gives_half_recall() {
        let truth = corpus_truth();
        let mut r = perfect_report(&truth);
        let n = r.pairs.len();
        r.pairs = r.pairs.into_iter().step_by(2).collect();
        let s = score(&truth, &r);
        assert_eq!(s.true_positives, n.div_ceil(2));
        assert_eq!(s.false_negatives, n / 2);
        assert!((s.recall - 0.5).abs() < 0.05, "{}", s.recall);
        assert!(close(s.precision, 1.0));
        assert!((s.spans.recall - 0.5).abs() < 0.1, "{:?}", s.spans);
        assert!(close(s.spans.precision, 1.0));
    }

    #[test]
    fn split_detection_has_granularity_two() {
        let truth = one_case();
        let r = report(vec![pair(
            "000001.txt",
            "000002.txt",
            &[([100, 150], [0, 50]), ([150, 200], [50, 100])],
        )]);
        let s = score(&truth, &r);
        assert!(close(s.spans.granularity, 2.0), "{:?}", s.spans);
        assert!(close(s.spans.precision, 1.0) && close(s.spans.recall, 1.0));
        assert!(close(s.spans.plagdet, 1.0 / 3f64.log2()), "{:?}", s.spans);
    }

    #[test]
    fn detection_twice_as_long_has_half_precision() {
        let truth = one_case();
        let r = report(vec![pair(
            "000002.txt",
            "000001.txt",
            &[([0, 200], [50, 250])],
        )]);
        let s = score(&truth, &r);
        assert!(close(s.spans.precision, 0.5), "{:?}", s.spans);
        assert!(close(s.spans.recall, 1.0), "{:?}", s.spans);
        assert!(close(s.spans.granularity, 1.0));
        assert!(close(s.spans.plagdet, 2.0 / 3.0), "{:?}", s.spans);
    }

    #[test]
    fn partial_overlap_and_one_sided_detections() {
        let truth = one_case();
        // Covers 50 of 100 bytes on each side: precision 1, recall 0.5.
        let s = score(
            &truth,
            &report(vec![pair(
                "000001.txt",
                "000002.txt",
                &[([150, 200], [50, 100])],
            )]),
        );
        assert!(close(s.spans.precision, 1.0) && close(s.spans.recall, 0.5));
        // Overlaps only the a side: no detection at all (PAN requires both).
        let s = score(
            &truth,
            &report(vec![pair(
                "000001.txt",
                "000002.txt",
                &[([100, 200], [500, 600])],
            )]),
        );
        assert!(close(s.spans.precision, 0.0) && close(s.spans.recall, 0.0));
        assert!(close(s.spans.plagdet, 0.0));
        assert_eq!(s.true_positives, 1, "the pair itself is still found");
    }

    #[test]
    fn false_positives_negatives_and_chrome() {
        let truth = one_case();
        let mut chrome_pair = pair("000003.txt", "000000.txt", &[([50, 350], [0, 300])]);
        chrome_pair.spans[0].boilerplate = true;
        let r = report(vec![
            pair("000001.txt", "000002.txt", &[([100, 200], [0, 100])]),
            pair("000000.txt", "000001.txt", &[([0, 10], [0, 10])]),
            chrome_pair,
            pair("a/000002.txt", "b/000002.txt", &[]),
        ]);
        let s = score(&truth, &r);
        assert_eq!(s.flagged_pairs, 3);
        assert_eq!(s.true_positives, 1);
        assert_eq!(s.false_positives, 2);
        assert_eq!(s.negatives_flagged, 1);
        assert_eq!(s.chrome_only_flagged, 1);
        assert_eq!(s.boilerplate_only_pairs, 1);
        assert_eq!(s.self_pairs, 1);
        assert!(close(s.precision, 1.0 / 3.0));
        // Boilerplate spans are not detections; the negative's span is one,
        // with precision 0.
        assert_eq!(s.spans.detections, 2);
        assert!(close(s.spans.precision, 0.5));
        assert!(close(s.spans.recall, 1.0));
        let mut out = Vec::new();
        s.print(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("plagdet"), "{text}");
        assert!(text.contains("negatives flagged"), "{text}");
    }

    #[test]
    fn empty_report() {
        let truth = one_case();
        let s = score(&truth, &Report::default());
        assert_eq!(s.recall, 0.0);
        assert_eq!(s.spans.recall, 0.0);
        assert_eq!(s.spans.plagdet, 0.0);
        assert_eq!(s.false_negatives, 1);
    }

    #[test]
    fn union_of_intervals() {
        assert_eq!(union_len(&mut []), 0);
        assert_eq!(union_len(&mut [(0, 10), (5, 15), (20, 25)]), 20);
        assert_eq!(union_len(&mut [(20, 25), (0, 10), (10, 12)]), 17);
    }
}
