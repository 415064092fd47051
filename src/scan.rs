//! The whole pipeline over documents in memory.

use crate::align::{align, Alignment, Prepared};
use crate::boilerplate::{self, Chrome, ChromeStats};
use crate::cluster::{clusters, Cluster};
use crate::config::ScanOptions;
use crate::input::Document;
use crate::lsh;
use crate::minhash::{self, DocSketch, Scratch};
use rayon::prelude::*;

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
#[derive(Clone, Debug, Default)]
pub struct ScanResult {
    /// Flagged pairs, ordered by `(a, b)`.
    pub findings: Vec<Finding>,
    /// Clusters of flagged documents with the copy to keep.
    pub clusters: Vec<Cluster>,
    /// Counters.
    pub stats: ScanStats,
    /// Words per document.
    pub words: Vec<u32>,
}

/// Runs every stage: sketch, chrome, candidates, verification, clusters.
///
/// The result depends only on the documents and options, never on the
/// number of threads.
pub fn scan(docs: &[Document], opts: &ScanOptions) -> ScanResult {
    let params = opts.sketch_params();
    let sketches: Vec<DocSketch> = docs
        .par_iter()
        .map_init(Scratch::default, |s, d| {
            minhash::sketch(&d.text, &params, s)
        })
        .collect();
    let postings = boilerplate::postings(&sketches);
    let df = opts
        .df_threshold
        .unwrap_or_else(|| boilerplate::auto_df_threshold(docs.len()));
    let chrome = Chrome::detect(&postings, &sketches, &opts.known_boilerplate, df);

    let (bands, rows) = lsh::optimal_params(opts.lsh_threshold, opts.num_perm);
    let sigs: Vec<&[u32]> = sketches.iter().map(|s| s.signature.as_slice()).collect();
    let by_signature = lsh::signature_candidates(&sigs, bands, rows);
    let by_fingerprint = lsh::fingerprint_candidates(&postings, &chrome, opts.min_shared);
    drop(postings);
    let mut stats = ScanStats {
        documents: docs.len(),
        words: sketches.iter().map(|s| s.words as u64).sum(),
        bands,
        rows,
        signature_candidates: by_signature.len(),
        fingerprint_candidates: by_fingerprint.len(),
        chrome: chrome.stats(),
        ..ScanStats::default()
    };
    let words: Vec<u32> = sketches.iter().map(|s| s.words).collect();
    drop(sketches);
    let candidates = lsh::union(by_signature, by_fingerprint);
    stats.verified = candidates.len();

    let (findings, boilerplate_only) = verify(docs, &candidates, &chrome, opts);
    stats.flagged = findings.len();
    stats.boilerplate_only = boilerplate_only;
    let pairs: Vec<(u32, u32)> = findings.iter().map(|f| (f.a, f.b)).collect();
    let clusters = clusters(docs.len(), &pairs, &words, opts.keep);
    ScanResult {
        findings,
        clusters,
        stats,
        words,
    }
}

/// Aligns every candidate; returns the flagged pairs in candidate order and
/// how many verified pairs shared only boilerplate.
pub fn verify(
    docs: &[Document],
    candidates: &[(u32, u32)],
    chrome: &Chrome,
    opts: &ScanOptions,
) -> (Vec<Finding>, usize) {
    let p = &opts.align;
    // Candidates are sorted by `a`: prepare each `a` once per group.
    let groups: Vec<&[(u32, u32)]> = candidates.chunk_by(|x, y| x.0 == y.0).collect();
    let results: Vec<Vec<Result<Finding, bool>>> = groups
        .par_iter()
        .map(|group| {
            let a = group[0].0;
            let pa = Prepared::new(&docs[a as usize].text, p.k, p.window);
            group
                .iter()
                .map(|&(_, b)| {
                    let pb = Prepared::new(&docs[b as usize].text, p.k, p.window);
                    let al = align(
                        &docs[a as usize].text,
                        &pa,
                        &docs[b as usize].text,
                        &pb,
                        chrome,
                        p,
                    );
                    if al.has_content() {
                        let near = al.coverage.iter().all(|&c| c >= p.near_coverage);
                        let kind = if near {
                            Kind::NearDuplicate
                        } else {
                            Kind::Partial
                        };
                        Ok(Finding {
                            a,
                            b,
                            kind,
                            alignment: al,
                        })
                    } else {
                        Err(!al.spans.is_empty())
                    }
                })
                .collect()
        })
        .collect();
    let mut findings = Vec::new();
    let mut boilerplate_only = 0;
    for r in results.into_iter().flatten() {
        match r {
            Ok(f) => findings.push(f),
            Err(true) => boilerplate_only += 1,
            Err(false) => {}
        }
    }
    (findings, boilerplate_only)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(path: &str, text: String) -> Document {
        Document {
            path: path.into(),
            text,
        }
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
        assert_eq!(r.clusters.len(), 1);
        assert_eq!(r.clusters[0].keep, 0);
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
