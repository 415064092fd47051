//! The whole pipeline over documents in memory.

use crate::align::Span;
use crate::align::{align, Alignment, Prepared};
use crate::boilerplate::{Chrome, ChromeStats};
use crate::candidates;
use crate::cluster::{clusters, Cluster};
use crate::config::ScanOptions;
use crate::input::Document;
use crate::observe::{stages, NoProgress, Progress};
use crate::postings::{self, Posting};
use crate::sketch::{self, DocSketch, Scratch};
use rayon::prelude::*;
use std::borrow::Cow;

/// How a flagged pair repeats (in the JSON report: [`Kind::as_str`]).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Spans cover nearly all of both documents.
    NearDuplicate,
    /// A part of one repeats a part of the other.
    Partial,
}

impl Kind {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NearDuplicate => "near_duplicate",
            Kind::Partial => "partial",
        }
    }
}

/// A flagged pair: documents `a < b` (indices into the scanned documents).
#[derive(Clone, Debug)]
pub struct Finding {
    /// The first document.
    pub a: u32,
    /// The second document.
    pub b: u32,
    /// Whole or partial.
    pub kind: Kind,
    /// Verified similarity and the paired spans.
    pub alignment: Alignment,
}

/// Counters of one scan, for the summary and for tuning.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ScanStats {
    /// Documents scanned.
    pub documents: usize,
    /// Words in all documents.
    pub words: u64,
    /// Signature LSH bands and rows.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Pairs proposed by the signature LSH.
    pub signature_candidates: usize,
    /// Pairs proposed by shared passage fingerprints.
    pub fingerprint_candidates: usize,
    /// Distinct pairs verified.
    pub verified: usize,
    /// Pairs flagged.
    pub flagged: usize,
    /// Verified pairs sharing only boilerplate spans (not flagged).
    pub boilerplate_only: usize,
    /// Chrome fingerprints by reason.
    pub chrome: ChromeStats,
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Flagged pairs, ordered by `(a, b)`.
    pub findings: Vec<Finding>,
    /// Clusters of flagged documents with the copy to keep.
    pub clusters: Vec<Cluster>,
    /// Counters.
    pub stats: ScanStats,
    /// Words per document.
    pub words: Vec<u32>,
    /// Documents whose text could not be fetched for verification (their
    /// pairs are left out).
    pub errors: Vec<crate::Error>,
    /// Passages carried by at least the chrome document frequency of
    /// documents, each found once (only their places in new documents).
    pub passages: Vec<Passage>,
}

/// A passage many documents share (a footer, a header template), with its
/// byte span in each document carrying it; the first place is the
/// representative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passage {
    /// Words of the representative place.
    pub words: u32,
    /// Distinct documents carrying it.
    pub documents: usize,
    /// `(document, bytes)`, by document.
    pub places: Vec<(u32, Span)>,
}

/// What the candidate stage needs of each known (indexed) document.
pub trait KnownSketches: Sync {
    /// The document's distinct fingerprints, sorted.
    fn fingerprints(&self, doc: u32) -> &[u64];
    /// The fingerprints it repeats inside itself, sorted.
    fn repeated(&self, doc: u32) -> &[u64];
}

/// Sketches in memory as the known part of a corpus.
pub struct Sketches<'a>(pub &'a [DocSketch]);

impl KnownSketches for Sketches<'_> {
    fn fingerprints(&self, doc: u32) -> &[u64] {
        &self.0[doc as usize].fingerprints
    }
    fn repeated(&self, doc: u32) -> &[u64] {
        &self.0[doc as usize].repeated
    }
}

/// The part of a corpus known only by its sketches (from an index): document
/// ids `0..len`, every other document is new.
#[derive(Clone, Copy, Default)]
pub struct Known<'a> {
    /// Sorted passage-fingerprint postings.
    pub fingerprints: &'a [Posting],
    /// Sorted LSH band-key postings.
    pub bands: &'a [Posting],
    /// Fingerprints known documents repeat inside themselves: each
    /// document's list, concatenated (a hash once per document).
    pub repeated: &'a [u64],
    /// How many documents are known.
    pub len: u32,
    /// Their sketches (`None` when `len` is 0).
    pub sketches: Option<&'a dyn KnownSketches>,
}

/// Where verification gets a document's text.
pub trait TextSource: Sync {
    /// The text of document `doc`.
    fn text(&self, doc: u32) -> Result<Cow<'_, str>, crate::Error>;
}

/// Texts of documents held in memory, by index.
pub struct InMemory<'a>(pub &'a [Document]);

impl TextSource for InMemory<'_> {
    fn text(&self, doc: u32) -> Result<Cow<'_, str>, crate::Error> {
        Ok(Cow::Borrowed(&self.0[doc as usize].text))
    }
}

/// Sketches texts in parallel, in order.
pub fn sketch_all(texts: &[&str], opts: &ScanOptions) -> Vec<DocSketch> {
    sketch_all_with_progress(texts, opts, &NoProgress)
}

/// [`sketch_all`], reporting the stage [`stages::SKETCHING`] with one unit
/// per text.
pub fn sketch_all_with_progress(
    texts: &[&str],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Vec<DocSketch> {
    let params = opts.sketch_params();
    progress.stage(stages::SKETCHING, texts.len() as u64);
    texts
        .par_iter()
        .map_init(Scratch::default, |s, t| {
            let sk = sketch::sketch(t, &params, s);
            progress.inc(1);
            sk
        })
        .collect()
}

/// Runs every stage over documents in memory: sketch, chrome, candidates,
/// verification, clusters.
///
/// The result depends only on the documents and options, never on the
/// number of threads.
pub fn scan(docs: &[Document], opts: &ScanOptions) -> ScanResult {
    scan_with_progress(docs, opts, &NoProgress)
}

/// [`scan()`], reporting its counted stages to `progress`: documents
/// sketched, then candidate pairs verified. The result is the same.
pub fn scan_with_progress(
    docs: &[Document],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> ScanResult {
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let sketches = sketch_all_with_progress(&texts, opts, progress);
    let words = sketches.iter().map(|s| s.words).collect();
    find_with_progress(
        Known::default(),
        &sketches,
        &InMemory(docs),
        words,
        opts,
        progress,
    )
}

/// Finds the pairs that involve at least one new document. New documents
/// have ids `known.len..` in the order of `new`; `texts` serves the text of
/// any document (known ones are read when a pair needs them); `words` holds
/// every document's word count, known ones first.
pub fn find(
    known: Known,
    new: &[DocSketch],
    texts: &dyn TextSource,
    words: Vec<u32>,
    opts: &ScanOptions,
) -> ScanResult {
    find_with_progress(known, new, texts, words, opts, &NoProgress)
}

/// [`find`], reporting the stage [`stages::VERIFYING`] with one unit per
/// candidate pair.
pub fn find_with_progress(
    known: Known,
    new: &[DocSketch],
    texts: &dyn TextSource,
    words: Vec<u32>,
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> ScanResult {
    let n_docs = known.len as usize + new.len();
    assert_eq!(words.len(), n_docs, "one word count per document");
    let proposed = propose(known, new, opts);
    let mut stats = ScanStats {
        documents: n_docs,
        words: words.iter().map(|&w| w as u64).sum(),
        bands: proposed.bands,
        rows: proposed.rows,
        signature_candidates: proposed.signature_candidates,
        fingerprint_candidates: proposed.fingerprint_candidates,
        chrome: proposed.chrome.stats(),
        ..ScanStats::default()
    };
    let chrome = proposed.chrome;
    let candidates = proposed.candidates;
    stats.verified = candidates.len();

    progress.stage(stages::VERIFYING, candidates.len() as u64);
    let verified = verify_with_progress(texts, &candidates, &words, &chrome, opts, progress);
    stats.flagged = verified.findings.len();
    stats.boilerplate_only = verified.boilerplate_only;
    let pairs = cluster_pairs(&verified.findings, opts.cluster_partial);
    let clusters = clusters(n_docs, &pairs, &words, opts.keep);
    let mut errors = verified.errors;
    let passages = passages(known.len, new, texts, &chrome, opts, &mut errors);
    ScanResult {
        findings: verified.findings,
        clusters,
        stats,
        words,
        errors,
        passages,
    }
}

/// The candidate stage's result: chrome and the pairs to verify.
pub struct Proposed {
    /// Chrome fingerprints.
    pub chrome: Chrome,
    /// Pairs to verify, sorted, each with at least one new document.
    pub candidates: Vec<(u32, u32)>,
    /// Signature LSH bands.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Pairs the signature LSH proposed (before the chrome filter).
    pub signature_candidates: usize,
    /// Pairs shared content fingerprints proposed.
    pub fingerprint_candidates: usize,
}

/// The one candidate stage (scan and check): chrome from document
/// frequencies, then pairs sharing `min_shared` content fingerprints (never
/// chrome, a template's slot or text a document repeats itself), and pairs
/// from signature bands unless all they share is chrome covering less than
/// most of the smaller document.
pub fn propose(known: Known, new: &[DocSketch], opts: &ScanOptions) -> Proposed {
    let n_docs = known.len as usize + new.len();
    let new_fps = postings::build(new.iter().map(|s| s.fingerprints.as_slice()), known.len);
    let df = opts.df_threshold_for(n_docs);
    let repeated = known
        .repeated
        .iter()
        .copied()
        .chain(new.iter().flat_map(|s| s.repeated.iter().copied()));
    let chrome = Chrome::detect(
        known.fingerprints,
        &new_fps,
        repeated,
        &opts.known_boilerplate,
        df,
    )
    .with_universal_df(opts.universal_df_for(n_docs));
    drop(new_fps);
    let (k, slot) = (opts.align.k as u32, opts.align.max_gap);
    let content: Vec<Vec<u64>> = new
        .par_iter()
        .map(|s| {
            crate::boilerplate::content_fingerprints(
                &s.sequence,
                &chrome,
                &s.repeated,
                s.header_words,
                k,
                slot,
            )
        })
        .collect();
    let new_content = postings::build(content.iter().map(|c| c.as_slice()), known.len);
    let known_repeats = |p: &Posting| {
        known
            .sketches
            .is_some_and(|s| s.repeated(p.1).binary_search(&p.0).is_ok())
    };
    let by_fingerprint = candidates::candidates(
        known.fingerprints,
        &new_content,
        |r| chrome.contains(r.hash),
        |p| !known_repeats(p),
        opts.min_shared,
    );
    drop(new_content);

    let (bands, rows) = opts.bands_rows();
    let new_keys: Vec<Vec<u64>> = new
        .par_iter()
        .map(|s| candidates::band_keys(&s.signature, bands, rows))
        .collect();
    let new_bands = postings::build(new_keys.iter().map(|k| k.as_slice()), known.len);
    drop(new_keys);
    let by_signature = candidates::band_candidates(known.bands, &new_bands);
    drop(new_bands);
    let (signature_candidates, fingerprint_candidates) = (by_signature.len(), by_fingerprint.len());

    // A signature pair is verified unless what it shares is chrome that
    // covers less than most of the smaller document.
    let fps = |d: u32| -> &[u64] {
        if d < known.len {
            known.sketches.map_or(&[], |s| s.fingerprints(d))
        } else {
            &new[(d - known.len) as usize].fingerprints
        }
    };
    let is_content = |d: u32, h: u64| -> bool {
        if d < known.len {
            !(chrome.contains(h) || known_repeats(&(h, d)))
        } else {
            content[(d - known.len) as usize].binary_search(&h).is_ok()
        }
    };
    let by_signature: Vec<(u32, u32)> = by_signature
        .into_par_iter()
        .filter(|&(a, b)| {
            if by_fingerprint.binary_search(&(a, b)).is_ok() {
                return true;
            }
            // Universal chrome (a site-wide footer) is left out on both
            // sides: what the pair shares beyond it must be content, or
            // at least half of the smaller document's other fingerprints,
            // unless the two are copies of each other altogether.
            let (fa, fb) = (fps(a), fps(b));
            let local = |f: &[u64]| f.iter().filter(|&&h| !chrome.is_universal(h)).count();
            let (mut shared, mut shared_content, mut shared_all) = (0usize, 0usize, 0usize);
            let (mut i, mut j) = (0, 0);
            while i < fa.len() && j < fb.len() {
                match fa[i].cmp(&fb[j]) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        let h = fa[i];
                        shared_all += 1;
                        if !chrome.is_universal(h) {
                            shared += 1;
                        }
                        if is_content(a, h) && is_content(b, h) {
                            shared_content += 1;
                        }
                        i += 1;
                        j += 1;
                    }
                }
            }
            if fa.is_empty() || fb.is_empty() {
                return true;
            }
            let smaller = local(fa).min(local(fb)).max(1);
            // Copies of each other, chrome and all.
            let mutual = 10 * shared_all >= 7 * fa.len().max(fb.len());
            shared_content > 0 || 2 * shared >= smaller || mutual
        })
        .collect();
    let candidates = candidates::union(by_signature, by_fingerprint);
    Proposed {
        chrome,
        candidates,
        bands,
        rows,
        signature_candidates,
        fingerprint_candidates,
    }
}

/// The shared passages of the new documents, with byte spans.
fn passages(
    first_id: u32,
    new: &[DocSketch],
    texts: &dyn TextSource,
    chrome: &Chrome,
    opts: &ScanOptions,
    errors: &mut Vec<crate::Error>,
) -> Vec<Passage> {
    let (k, slot) = (opts.align.k as u32, opts.align.max_gap);
    let df = chrome.stats().df_threshold as usize;
    let found = crate::boilerplate::shared_passages(
        new.iter()
            .enumerate()
            .map(|(i, s)| (first_id + i as u32, s.sequence.as_slice())),
        chrome,
        k,
        slot,
        df.max(2),
    );
    if found.is_empty() {
        return Vec::new();
    }
    // Word ranges to bytes, one tokenization per document carrying any.
    // (document, first word, end word, passage, place)
    type Wanted = (u32, u32, u32, usize, usize);
    type Located = Result<Vec<(usize, usize, Span)>, crate::Error>;
    let mut wanted: Vec<Wanted> = Vec::new();
    for (pi, p) in found.iter().enumerate() {
        for (qi, &(d, w0, w1)) in p.places.iter().enumerate() {
            wanted.push((d, w0, w1, pi, qi));
        }
    }
    wanted.sort_unstable();
    let by_doc: Vec<&[Wanted]> = wanted.chunk_by(|x, y| x.0 == y.0).collect();
    let spans: Vec<Located> = by_doc
        .par_iter()
        .map(|group| {
            let text = texts.text(group[0].0)?;
            let mut tokens = Vec::new();
            crate::normalize::tokenize(&text, &mut tokens);
            Ok(group
                .iter()
                .map(|&(_, w0, w1, pi, qi)| {
                    (
                        pi,
                        qi,
                        crate::align::byte_span(&text, &tokens, w0, w1.min(tokens.len() as u32)),
                    )
                })
                .collect())
        })
        .collect();
    let mut out: Vec<Passage> = found
        .iter()
        .map(|p| Passage {
            words: p.words(),
            documents: p.documents(),
            places: p
                .places
                .iter()
                .map(|&(d, _, _)| (d, Span { start: 0, end: 0 }))
                .collect(),
        })
        .collect();
    for r in spans {
        match r {
            Ok(v) => {
                for (pi, qi, span) in v {
                    out[pi].places[qi].1 = span;
                }
            }
            Err(e) => errors.push(e),
        }
    }
    out
}

/// The pairs that join clusters: near duplicates, and partial pairs too
/// when asked.
pub fn cluster_pairs(findings: &[Finding], partial: bool) -> Vec<(u32, u32)> {
    findings
        .iter()
        .filter(|f| partial || f.kind == Kind::NearDuplicate)
        .map(|f| (f.a, f.b))
        .collect()
}

/// What verification of a candidate list gave.
#[derive(Debug, Default)]
pub struct Verified {
    /// Flagged pairs, in candidate order.
    pub findings: Vec<Finding>,
    /// Pairs that shared only boilerplate spans.
    pub boilerplate_only: usize,
    /// Texts that could not be fetched (each document once).
    pub errors: Vec<crate::Error>,
}

/// Words of prepared documents the verify stage holds at once (about 45
/// bytes each): within it every document is tokenized and its shingles
/// sorted once, however many pairs it is in.
pub const PREPARED_WORDS_BUDGET: u64 = 24 << 20;

/// Aligns every candidate pair (sorted). Candidates are taken in batches
/// whose documents hold at most [`PREPARED_WORDS_BUDGET`] words; each
/// document of a batch is read and prepared once.
pub fn verify(
    texts: &dyn TextSource,
    candidates: &[(u32, u32)],
    words: &[u32],
    chrome: &Chrome,
    opts: &ScanOptions,
) -> Verified {
    verify_with_progress(texts, candidates, words, chrome, opts, &NoProgress)
}

/// [`verify`], counting each candidate pair done on `progress`.
fn verify_with_progress(
    texts: &dyn TextSource,
    candidates: &[(u32, u32)],
    words: &[u32],
    chrome: &Chrome,
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Verified {
    let p = &opts.align;
    let mut results: Vec<Outcome> = Vec::with_capacity(candidates.len());
    let mut start = 0;
    while start < candidates.len() {
        let mut docs: Vec<u32> = Vec::new();
        let mut seen = ahash::AHashSet::new();
        let mut held = 0u64;
        let mut end = start;
        while end < candidates.len() {
            let (a, b) = candidates[end];
            let add: u64 = [a, b]
                .iter()
                .filter(|d| !seen.contains(*d))
                .map(|&d| words[d as usize] as u64)
                .sum();
            if held + add > PREPARED_WORDS_BUDGET && end > start {
                break;
            }
            held += add;
            for d in [a, b] {
                if seen.insert(d) {
                    docs.push(d);
                }
            }
            end += 1;
        }
        docs.sort_unstable();
        let prepared: Vec<Result<(Cow<'_, str>, Prepared), crate::Error>> = docs
            .par_iter()
            .map(|&d| {
                let t = texts.text(d)?;
                let prep = Prepared::new(&t, p.k, p.window);
                Ok((t, prep))
            })
            .collect();
        let get = |d: u32| &prepared[docs.binary_search(&d).expect("prepared")];
        let batch: Vec<Outcome> = candidates[start..end]
            .par_iter()
            .map(|&(a, b)| {
                progress.inc(1);
                let (ta, pa) = match get(a) {
                    Ok(x) => (&x.0, &x.1),
                    Err(_) => return Outcome::Unreadable,
                };
                let (tb, pb) = match get(b) {
                    Ok(x) => (&x.0, &x.1),
                    Err(_) => return Outcome::Unreadable,
                };
                let al = align(ta, pa, tb, pb, chrome, p);
                if al.has_content() {
                    let near = al.coverage.iter().all(|&c| c >= p.near_coverage);
                    let kind = if near {
                        Kind::NearDuplicate
                    } else {
                        Kind::Partial
                    };
                    Outcome::Flagged(Finding {
                        a,
                        b,
                        kind,
                        alignment: al,
                    })
                } else if al.spans.is_empty() {
                    Outcome::Nothing
                } else {
                    Outcome::BoilerplateOnly
                }
            })
            .collect();
        results.extend(batch);
        let mut out_errors = Vec::new();
        for (d, r) in docs.iter().zip(prepared) {
            if let Err(e) = r {
                out_errors.push((*d, e));
            }
        }
        results.extend(out_errors.into_iter().map(|(d, e)| Outcome::Error(d, e)));
        start = end;
    }
    let mut out = Verified::default();
    let mut unreadable = std::collections::BTreeMap::new();
    for r in results {
        match r {
            Outcome::Flagged(f) => out.findings.push(f),
            Outcome::BoilerplateOnly => out.boilerplate_only += 1,
            Outcome::Nothing | Outcome::Unreadable => {}
            Outcome::Error(d, e) => {
                unreadable.entry(d).or_insert(e);
            }
        }
    }
    out.errors = unreadable.into_values().collect();
    out
}

enum Outcome {
    Flagged(Finding),
    BoilerplateOnly,
    Nothing,
    /// A pair left out: one of its documents could not be read.
    Unreadable,
    /// Why a document could not be read (once per batch).
    Error(u32, crate::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(path: &str, text: String) -> Document {
        Document::new(path, text)
    }

    fn words(n: usize, seed: u64) -> String {
        (0..n)
            .map(|i| format!("w{}", sketch::mix64(seed * 1_000_003 + i as u64) % 50_000))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn finds_whole_and_partial_copies_and_ignores_unrelated() {
        let article = words(300, 1);
        let docs = vec![
            doc("a", article.clone()),
            doc("b", format!("{} {}", article, words(400, 2))),
            doc("c", words(300, 3)),
            doc("d", article.clone()),
        ];
        let r = scan(&docs, &ScanOptions::default());
        let got: Vec<(u32, u32, Kind)> = r.findings.iter().map(|f| (f.a, f.b, f.kind)).collect();
        assert_eq!(
            got,
            vec![
                (0, 1, Kind::Partial),
                (0, 3, Kind::NearDuplicate),
                (1, 3, Kind::Partial)
            ]
        );
        // Only the near duplicates cluster by default: b has text of its own.
        assert_eq!(r.clusters.len(), 1);
        assert_eq!(r.clusters[0].keep, 0);
        assert_eq!(r.clusters[0].drop, vec![3]);
        let with_partial = ScanOptions {
            cluster_partial: true,
            ..ScanOptions::default()
        };
        let r = scan(&docs, &with_partial);
        assert_eq!(r.clusters[0].drop, vec![1, 3]);
    }

    #[test]
    fn shared_chrome_alone_is_not_flagged() {
        let chrome = "Please use Chrome browser for a more accessible video player. ".repeat(2)
            + &words(60, 77);
        let docs: Vec<Document> = (0..12)
            .map(|i| {
                doc(
                    &format!("{i:02}"),
                    format!("{} {} {}", words(200, 10 + i), chrome, words(100, 50 + i)),
                )
            })
            .collect();
        let r = scan(&docs, &ScanOptions::default());
        assert!(
            r.findings.is_empty(),
            "{:?}",
            r.findings.iter().map(|f| (f.a, f.b)).collect::<Vec<_>>()
        );
        assert!(r.stats.chrome.frequent > 0);
    }

    #[test]
    fn known_part_gives_the_same_pairs_that_involve_new_documents() {
        let article = words(300, 1);
        let docs = vec![
            doc("a", article.clone()),
            doc("b", format!("{} {}", words(200, 9), article)),
            doc("c", words(300, 3)),
            doc(
                "d",
                format!("{} {}", &article[..article.len() / 2], words(100, 4)),
            ),
        ];
        let opts = ScanOptions::default();
        let full = scan(&docs, &opts);
        // Index a, b, c; d is new.
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        let sk = sketch_all(&texts, &opts);
        let (bands, rows) = opts.bands_rows();
        let keys: Vec<Vec<u64>> = sk[..3]
            .iter()
            .map(|s| candidates::band_keys(&s.signature, bands, rows))
            .collect();
        let fps = postings::build(sk[..3].iter().map(|s| s.fingerprints.as_slice()), 0);
        let bnd = postings::build(keys.iter().map(|k| k.as_slice()), 0);
        let rep: Vec<u64> = sk[..3].iter().flat_map(|s| s.repeated.clone()).collect();
        let known = Known {
            fingerprints: &fps,
            bands: &bnd,
            repeated: &rep,
            len: 3,
            sketches: Some(&Sketches(&sk[..3])),
        };
        let words = sk.iter().map(|s| s.words).collect();
        let part = find(known, &sk[3..], &InMemory(&docs), words, &opts);
        let pairs = |r: &ScanResult, only_new: bool| -> Vec<(u32, u32)> {
            r.findings
                .iter()
                .filter(|f| !only_new || f.b == 3)
                .map(|f| (f.a, f.b))
                .collect()
        };
        assert_eq!(pairs(&full, false), vec![(0, 1), (0, 3), (1, 3)]);
        assert_eq!(pairs(&part, false), pairs(&full, true));
        assert_eq!(
            format!("{:?}", part.findings),
            format!("{:?}", full.findings[1..].to_vec())
        );
    }

    #[test]
    fn thread_count_does_not_change_results() {
        let base = words(500, 5);
        let docs: Vec<Document> = (0..40)
            .map(|i| {
                let t = if i % 7 == 0 {
                    format!("{} {}", words(100, i), &base[..base.len() / 2])
                } else {
                    words(200, 100 + i)
                };
                doc(&format!("{i:03}"), t)
            })
            .collect();
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let r = scan(&docs, &ScanOptions::default());
                assert!(!r.findings.is_empty(), "the corpus has repeats to find");
                format!("{:?} {:?} {:?}", r.findings, r.clusters, r.passages)
            })
        };
        assert_eq!(run(1), run(4));
    }
}
