//! The whole pipeline over documents in memory.

use crate::align::{align, Alignment, Prepared};
use crate::boilerplate::{Chrome, ChromeStats};
use crate::cluster::{clusters, Cluster};
use crate::config::ScanOptions;
use crate::input::Document;
use crate::lsh;
use crate::minhash::{self, DocSketch, Scratch};
use crate::postings::{self, Posting};
use rayon::prelude::*;
use std::borrow::Cow;

/// How a flagged pair repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
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
}

/// The part of a corpus known only by its sketches (from an index): document
/// ids `0..len`, every other document is new.
#[derive(Clone, Copy, Debug, Default)]
pub struct Known<'a> {
    /// Sorted passage-fingerprint postings.
    pub fingerprints: &'a [Posting],
    /// Sorted LSH band-key postings.
    pub bands: &'a [Posting],
    /// Fingerprints some known document repeats (chrome).
    pub repeated: &'a [u64],
    /// How many documents are known.
    pub len: u32,
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
    let params = opts.sketch_params();
    texts
        .par_iter()
        .map_init(Scratch::default, |s, t| minhash::sketch(t, &params, s))
        .collect()
}

/// Runs every stage over documents in memory: sketch, chrome, candidates,
/// verification, clusters.
///
/// The result depends only on the documents and options, never on the
/// number of threads.
pub fn scan(docs: &[Document], opts: &ScanOptions) -> ScanResult {
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let sketches = sketch_all(&texts, opts);
    let words = sketches.iter().map(|s| s.words).collect();
    find(Known::default(), &sketches, &InMemory(docs), words, opts)
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
    let n_docs = known.len as usize + new.len();
    assert_eq!(words.len(), n_docs, "one word count per document");
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
    );

    let (bands, rows) = opts.bands_rows();
    let new_keys: Vec<Vec<u64>> = new
        .par_iter()
        .map(|s| lsh::band_keys(&s.signature, bands, rows))
        .collect();
    let new_bands = postings::build(new_keys.iter().map(|k| k.as_slice()), known.len);
    drop(new_keys);
    let by_signature = lsh::candidates(known.bands, &new_bands, |_| false, 1);
    let by_fingerprint = lsh::candidates(
        known.fingerprints,
        &new_fps,
        |r| chrome.contains(r.hash),
        opts.min_shared,
    );
    drop((new_fps, new_bands));
    let mut stats = ScanStats {
        documents: n_docs,
        words: words.iter().map(|&w| w as u64).sum(),
        bands,
        rows,
        signature_candidates: by_signature.len(),
        fingerprint_candidates: by_fingerprint.len(),
        chrome: chrome.stats(),
        ..ScanStats::default()
    };
    let candidates = lsh::union(by_signature, by_fingerprint);
    stats.verified = candidates.len();

    let verified = verify(texts, &candidates, &chrome, opts);
    stats.flagged = verified.findings.len();
    stats.boilerplate_only = verified.boilerplate_only;
    let pairs = cluster_pairs(&verified.findings, opts.cluster_partial);
    let clusters = clusters(n_docs, &pairs, &words, opts.keep);
    ScanResult {
        findings: verified.findings,
        clusters,
        stats,
        words,
        errors: verified.errors,
    }
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

/// Aligns every candidate pair (sorted by `a`).
pub fn verify(
    texts: &dyn TextSource,
    candidates: &[(u32, u32)],
    chrome: &Chrome,
    opts: &ScanOptions,
) -> Verified {
    let p = &opts.align;
    // Prepare each `a` once per group of candidates.
    let groups: Vec<&[(u32, u32)]> = candidates.chunk_by(|x, y| x.0 == y.0).collect();
    let results: Vec<Vec<Outcome>> = groups
        .par_iter()
        .map(|group| {
            let a = group[0].0;
            let ta = match texts.text(a) {
                Ok(t) => t,
                Err(e) => return vec![Outcome::Unreadable(a, e)],
            };
            let pa = Prepared::new(&ta, p.k, p.window);
            group
                .iter()
                .map(|&(_, b)| {
                    let tb = match texts.text(b) {
                        Ok(t) => t,
                        Err(e) => return Outcome::Unreadable(b, e),
                    };
                    let pb = Prepared::new(&tb, p.k, p.window);
                    let al = align(&ta, &pa, &tb, &pb, chrome, p);
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
                .collect()
        })
        .collect();
    let mut out = Verified::default();
    let mut unreadable = std::collections::BTreeMap::new();
    for r in results.into_iter().flatten() {
        match r {
            Outcome::Flagged(f) => out.findings.push(f),
            Outcome::BoilerplateOnly => out.boilerplate_only += 1,
            Outcome::Nothing => {}
            Outcome::Unreadable(d, e) => {
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
    Unreadable(u32, crate::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(path: &str, text: String) -> Document {
        Document::new(path, text)
    }

    fn words(n: usize, seed: u64) -> String {
        (0..n)
            .map(|i| format!("w{}", minhash::mix64(seed * 1_000_003 + i as u64) % 50_000))
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
            .map(|s| lsh::band_keys(&s.signature, bands, rows))
            .collect();
        let fps = postings::build(sk[..3].iter().map(|s| s.fingerprints.as_slice()), 0);
        let bnd = postings::build(keys.iter().map(|k| k.as_slice()), 0);
        let rep: Vec<u64> = sk[..3].iter().flat_map(|s| s.repeated.clone()).collect();
        let known = Known {
            fingerprints: &fps,
            bands: &bnd,
            repeated: &rep,
            len: 3,
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
                format!("{:?} {:?}", r.findings, r.clusters)
            })
        };
        assert_eq!(run(1), run(4));
    }
}
