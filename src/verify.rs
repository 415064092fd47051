//! The verify stage: every candidate pair aligned on its real shingles
//! ([`crate::align`] pairs the spans), and flagged as a near duplicate or a
//! partial copy when it shares more than chrome.
//!
//! Texts come from a [`TextSource`]: documents in memory for a scan, indexed
//! documents read back (once each) for a check.

use crate::align::{align, AlignParams, Alignment, Prepared};
use crate::boilerplate::Chrome;
use crate::candidates::Pair;
use crate::input::decode::OffsetMap;
use crate::input::location::{LineIndex, Location};
use crate::input::Document;
use crate::observe::{stages, NoProgress, Progress};
use crate::sketch::DocSketch;
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::OnceLock;

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

/// A flagged pair: documents `a < b` (indices into the verified documents).
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
    /// Where the alignment's spans and moved blocks lie in the two files,
    /// located while verification held both texts: what a report shows of
    /// them, so that the report need not read the texts again. It belongs
    /// to the alignment as verification made it, on the text source's
    /// offsets (file offsets when [`TextSource::text_and_map`] gives the
    /// map of a decoded text); whoever mirrors the alignment or renumbers
    /// the documents must locate again (a check's report does, from the
    /// texts: [`crate::report::Report::with_new`]).
    pub located: Located,
}

/// A finding's spans and moved blocks located in its two documents
/// ([`Finding::located`]), in the alignment's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Located {
    /// Each span, in a and in b: bytes, lines and columns.
    pub spans: Vec<[Location; 2]>,
    /// Each moved block's byte range `[start, end)`, in a and in b.
    pub moved: Vec<[[usize; 2]; 2]>,
}

impl Located {
    /// The locations of `al`'s spans and moved blocks, `a` indexing the
    /// text of its first document and `b` that of its second.
    pub fn of(al: &Alignment, a: &LineIndex<'_>, b: &LineIndex<'_>) -> Located {
        let ((sa, ma), (sb, mb)) = (Located::side(al, a, false), Located::side(al, b, true));
        Located {
            spans: sa.into_iter().zip(sb).map(|(x, y)| [x, y]).collect(),
            moved: ma.into_iter().zip(mb).map(|(x, y)| [x, y]).collect(),
        }
    }

    /// One side of [`Located::of`]: the locations in the text `ix`
    /// indexes of `al`'s spans and of its moved blocks' byte ranges, in
    /// its first document (`second` false) or its second.
    pub fn side(
        al: &Alignment,
        ix: &LineIndex<'_>,
        second: bool,
    ) -> (Vec<Location>, Vec<[usize; 2]>) {
        let at = |a: &crate::align::Span, b: &crate::align::Span| {
            let s = if second { b } else { a };
            ix.locate(s.start, s.end)
        };
        let spans = al.spans.iter().map(|s| at(&s.a, &s.b)).collect();
        let moved = al
            .moved
            .iter()
            .map(|m| {
                let l = at(&m.a, &m.b);
                [l.start, l.end]
            })
            .collect();
        (spans, moved)
    }

    /// Whether these can be the locations of `al`: as many spans and
    /// moved blocks (the empty `Located` of a finding made without the
    /// texts is not, unless `al` has neither).
    pub fn fits(&self, al: &Alignment) -> bool {
        self.spans.len() == al.spans.len() && self.moved.len() == al.moved.len()
    }
}

/// Where verification gets a document's text.
pub trait TextSource: Sync {
    /// The text of document `doc`.
    fn text(&self, doc: u32) -> Result<Cow<'_, str>, crate::Error>;

    /// The text of document `doc` and, when it was decoded from a file
    /// whose offsets differ ([`crate::input::decode::Decoding`]), the map
    /// to the file's offsets: the locations verification gives
    /// ([`Finding::located`]) are then the file's, as a report shows them.
    /// By default the text alone (offsets are the text's).
    #[allow(clippy::type_complexity)]
    fn text_and_map(
        &self,
        doc: u32,
    ) -> Result<(Cow<'_, str>, Option<Cow<'_, OffsetMap>>), crate::Error> {
        Ok((self.text(doc)?, None))
    }
}

/// Texts of documents held in memory, by index.
pub struct InMemory<'a>(pub &'a [Document]);

impl TextSource for InMemory<'_> {
    fn text(&self, doc: u32) -> Result<Cow<'_, str>, crate::Error> {
        Ok(Cow::Borrowed(&self.0[doc as usize].text))
    }

    fn text_and_map(
        &self,
        doc: u32,
    ) -> Result<(Cow<'_, str>, Option<Cow<'_, OffsetMap>>), crate::Error> {
        let d = &self.0[doc as usize];
        Ok((
            Cow::Borrowed(&d.text),
            d.decoding().map(|x| Cow::Borrowed(&x.map)),
        ))
    }
}

/// What verification of a candidate list gave.
#[derive(Debug, Default)]
pub struct Verified {
    /// Flagged pairs, in candidate order.
    pub findings: Vec<Finding>,
    /// Pairs that shared only boilerplate spans.
    pub boilerplate_only: usize,
    /// Texts that could not be fetched (each document once, by document);
    /// their pairs are left out.
    pub errors: Vec<crate::Error>,
}

/// Bytes of texts and prepared documents the verify stage holds at once,
/// estimated as [`PREPARED_BYTES_PER_WORD`] per word: within it every
/// document is tokenized and shingled once, however many pairs it is in.
pub const PREPARED_BYTES_BUDGET: u64 = 48 << 20;

/// The estimate of a prepared document's bytes per word: its text (about 6),
/// a token (16), a shingle (8), the fingerprints (about 4), and the vectors'
/// slack.
pub const PREPARED_BYTES_PER_WORD: u64 = 48;

/// Aligns every candidate pair (sorted; `words` holds each document's word
/// count). Candidates are taken in batches whose documents hold at most
/// [`PREPARED_BYTES_BUDGET`] bytes (estimated from their words); each
/// document of a batch is fetched and prepared once.
pub fn verify(
    texts: &dyn TextSource,
    candidates: &[Pair],
    words: &[u32],
    chrome: &Chrome,
    params: &AlignParams,
) -> Verified {
    verify_with_progress(texts, candidates, words, chrome, params, &NoProgress)
}

/// [`verify`], reporting the stage [`stages::VERIFYING`] with one unit per
/// candidate pair.
pub fn verify_with_progress(
    texts: &dyn TextSource,
    candidates: &[Pair],
    words: &[u32],
    chrome: &Chrome,
    params: &AlignParams,
    progress: &dyn Progress,
) -> Verified {
    verify_batched(
        texts,
        None,
        candidates,
        words,
        chrome,
        params,
        progress,
        PREPARED_BYTES_BUDGET,
    )
}

/// [`verify_with_progress`] of documents sketched as `sketches` (by
/// document, with the shingle size and window of `params`): a document's
/// winnowed fingerprints, repeated ones and header block are taken from its
/// sketch, not computed again. The result is the same.
pub fn verify_sketched(
    texts: &dyn TextSource,
    sketches: &[DocSketch],
    candidates: &[Pair],
    words: &[u32],
    chrome: &Chrome,
    params: &AlignParams,
    progress: &dyn Progress,
) -> Verified {
    verify_batched(
        texts,
        Some(sketches),
        candidates,
        words,
        chrome,
        params,
        progress,
        PREPARED_BYTES_BUDGET,
    )
}

/// [`verify_with_progress`] with batches of at most `budget` estimated
/// bytes (a single pair over it is a batch by itself).
#[allow(clippy::too_many_arguments)]
fn verify_batched(
    texts: &dyn TextSource,
    sketches: Option<&[DocSketch]>,
    candidates: &[Pair],
    words: &[u32],
    chrome: &Chrome,
    params: &AlignParams,
    progress: &dyn Progress,
    budget: u64,
) -> Verified {
    progress.stage(stages::VERIFYING, candidates.len() as u64);
    let mut results: Vec<Outcome> = Vec::with_capacity(candidates.len());
    // The previous batch's prepared documents, by document: those the next
    // batch has too are taken over, not fetched and prepared again (they
    // count in its budget like the rest), the others dropped first.
    let mut previous: Vec<(u32, Option<Held<'_>>)> = Vec::new();
    let mut start = 0;
    // (batches, documents prepared, of them handed over), for
    // NEARDUP_STAGE_TIMES.
    let mut tally = (0usize, 0usize, 0usize);
    while start < candidates.len() {
        let end = batch_end(candidates, start, words, budget);
        let docs = batch_documents(&candidates[start..end]);
        let carried: Vec<Option<Held<'_>>> = docs
            .iter()
            .map(|d| {
                previous
                    .binary_search_by_key(d, |p| p.0)
                    .ok()
                    .and_then(|i| previous[i].1.take())
            })
            .collect();
        // The rest dropped by the pool: their frees are most of a batch's
        // serial part.
        std::mem::take(&mut previous).into_par_iter().for_each(drop);
        tally.0 += 1;
        tally.1 += docs.len();
        tally.2 += carried.iter().filter(|c| c.is_some()).count();
        let prepared: Vec<Result<Held<'_>, crate::Error>> = docs
            .par_iter()
            .zip(carried)
            .map(|(&d, carried)| {
                if let Some(held) = carried {
                    return Ok(held);
                }
                let (t, map) = texts.text_and_map(d)?;
                let prep = match sketches {
                    Some(s) => Prepared::from_sketch(&t, params.k, &s[d as usize]),
                    None => Prepared::with_words(
                        &t,
                        params.k,
                        params.window,
                        words[d as usize] as usize,
                    ),
                };
                Ok((t, map, prep))
            })
            .collect();
        // Each document's line index made once, when a pair of it is
        // flagged (a document is in many pairs).
        let lines: Vec<OnceLock<LineIndex<'_>>> = docs.iter().map(|_| OnceLock::new()).collect();
        // (Asked only of documents that were read: `get` gave them.)
        let line_index = |i: usize| {
            lines[i].get_or_init(|| match &prepared[i] {
                Ok((text, map, _)) => LineIndex::of(text, map.as_deref()),
                Err(_) => LineIndex::new(""),
            })
        };
        // Every document of the batch's pairs is in `docs`.
        let get = |d: u32| {
            let i = docs.binary_search(&d).ok()?;
            prepared[i].as_ref().ok().map(|held| (i, held))
        };
        let batch: Vec<Outcome> = candidates[start..end]
            .par_iter()
            .map(|&(a, b)| {
                progress.inc(1);
                match (get(a), get(b)) {
                    (Some((i, ha)), Some((j, hb))) => {
                        let al = align(&ha.0, &ha.2, &hb.0, &hb.2, chrome, params);
                        outcome(a, b, al, params, || (line_index(i), line_index(j)))
                    }
                    _ => Outcome::Unreadable,
                }
            })
            .collect();
        drop(lines);
        results.extend(batch);
        for (&d, r) in docs.iter().zip(prepared) {
            match r {
                Ok(held) => previous.push((d, Some(held))),
                Err(e) => results.push(Outcome::Error(d, e)),
            }
        }
        start = end;
    }
    previous.into_par_iter().for_each(drop);
    if crate::scan::stage_times_on() {
        eprintln!(
            "neardup: verify: {} pairs in {} batches, {} documents prepared ({} handed over \
             from the batch before)",
            candidates.len(),
            tally.0,
            tally.1,
            tally.2
        );
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

/// A document of a batch: its text, the map to its file's offsets (a
/// decoded text's), and what alignment needs of it.
type Held<'t> = (Cow<'t, str>, Option<Cow<'t, OffsetMap>>, Prepared);

/// The distinct documents of `pairs`, sorted.
fn batch_documents(pairs: &[Pair]) -> Vec<u32> {
    let mut docs: Vec<u32> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    docs.sort_unstable();
    docs.dedup();
    docs
}

/// The end of the batch of candidates from `start`: as many pairs as fit
/// `budget` estimated bytes of distinct documents, at least one.
fn batch_end(candidates: &[Pair], start: usize, words: &[u32], budget: u64) -> usize {
    let mut seen = ahash::AHashSet::new();
    let mut held = 0u64;
    let mut end = start;
    while end < candidates.len() {
        let (a, b) = candidates[end];
        let add: u64 = [a, b]
            .iter()
            .filter(|d| !seen.contains(*d))
            .map(|&d| prepared_bytes(words[d as usize]))
            .sum();
        if held + add > budget && end > start {
            break;
        }
        held += add;
        seen.extend([a, b]);
        end += 1;
    }
    end
}

/// The estimated bytes a document of `words` words holds prepared.
fn prepared_bytes(words: u32) -> u64 {
    (words as u64).max(1) * PREPARED_BYTES_PER_WORD
}

/// What the alignment of pair `(a, b)` makes of it; a flagged pair is
/// located in both texts through `lines` (their line indexes).
fn outcome<'l>(
    a: u32,
    b: u32,
    al: Alignment,
    params: &AlignParams,
    lines: impl FnOnce() -> (&'l LineIndex<'l>, &'l LineIndex<'l>),
) -> Outcome {
    if al.has_content() {
        let (ia, ib) = lines();
        let located = Located::of(&al, ia, ib);
        let near = al.coverage.iter().all(|&c| c >= params.near_coverage);
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
            located,
        })
    } else if al.spans.is_empty() {
        Outcome::Nothing
    } else {
        Outcome::BoilerplateOnly
    }
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
    use crate::config::ScanOptions;

    use crate::sketch::test_words as words;

    /// The options of these tests (the article is not chrome, however many
    /// documents carry it), the sketches of `docs`, their word counts and
    /// the candidates proposed.
    fn proposed(
        docs: &[Document],
    ) -> (
        ScanOptions,
        Vec<DocSketch>,
        Vec<u32>,
        crate::candidates::Proposed,
    ) {
        let opts = ScanOptions {
            df_threshold: Some(100),
            ..ScanOptions::default()
        };
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        let sketches = crate::scan::sketch_all(&texts, &opts);
        let words: Vec<u32> = sketches.iter().map(|s| s.words).collect();
        let proposed = crate::candidates::propose(
            crate::candidates::Known::default(),
            &sketches,
            &crate::scan::propose_params(&opts, docs.len()),
        );
        (opts, sketches, words, proposed)
    }

    #[test]
    fn batches_hold_at_most_the_budget_and_do_not_change_findings() {
        // An article copied whole and in part into many documents of
        // different lengths: many pairs, documents shared between pairs.
        let article = words(300, 1);
        let docs: Vec<Document> = (0..30u64)
            .map(|i| {
                let text = match i % 3 {
                    0 => article.clone(),
                    1 => format!("{} {}", words(50 + 40 * i as usize, 100 + i), article),
                    _ => format!("{} {}", &article[..article.len() / 2], words(200, 200 + i)),
                };
                Document::new(format!("{i:02}"), text)
            })
            .collect();
        let (opts, sketches, words, proposed) = proposed(&docs);
        let cands = &proposed.candidates;
        assert!(cands.len() > 50, "{} candidates", cands.len());
        let source = InMemory(&docs);
        let run_with = |budget, sketched: Option<&[DocSketch]>| {
            let v = verify_batched(
                &source,
                sketched,
                cands,
                &words,
                &proposed.chrome,
                &opts.align,
                &NoProgress,
                budget,
            );
            format!("{:?} {} {:?}", v.findings, v.boilerplate_only, v.errors)
        };
        let run = |budget| {
            let plain = run_with(budget, None);
            // Winnowing taken from the sketches changes nothing.
            assert_eq!(run_with(budget, Some(&sketches)), plain);
            plain
        };
        // Budgets from one document's bytes up to the default.
        let one_doc = prepared_bytes(words[0]);
        let whole = run(PREPARED_BYTES_BUDGET);
        assert!(whole.contains("NearDuplicate") && whole.contains("Partial"));
        for budget in [1, one_doc, 3 * one_doc, 10 * one_doc] {
            assert_eq!(run(budget), whole, "budget {budget}");
            let mut start = 0;
            let mut batches = 0;
            while start < cands.len() {
                let end = batch_end(cands, start, &words, budget);
                assert!(end > start);
                let mut ds: Vec<u32> = cands[start..end]
                    .iter()
                    .flat_map(|&(a, b)| [a, b])
                    .collect();
                ds.sort_unstable();
                ds.dedup();
                let held: u64 = ds.iter().map(|&d| prepared_bytes(words[d as usize])).sum();
                assert!(
                    held <= budget || end == start + 1,
                    "budget {budget}: {held} bytes in {} pairs",
                    end - start
                );
                start = end;
                batches += 1;
            }
            if budget >= 10 * one_doc {
                assert!(batches < cands.len(), "budget {budget}: one pair per batch");
            }
            assert!(batches > 1, "budget {budget}: a single batch");
        }
    }

    /// Texts counted as they are fetched.
    struct Counted<'a>(InMemory<'a>, std::sync::atomic::AtomicUsize);

    impl TextSource for Counted<'_> {
        fn text(&self, doc: u32) -> Result<Cow<'_, str>, crate::Error> {
            self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.0.text(doc)
        }
    }

    #[test]
    fn a_document_the_next_batch_shares_is_fetched_and_prepared_once() {
        // One article in every document: every pair a candidate, each
        // document in many pairs and batches.
        let article = words(200, 7);
        let docs: Vec<Document> = (0..12u64)
            .map(|i| {
                Document::new(
                    format!("{i:02}"),
                    format!("{} {article}", words(30, 50 + i)),
                )
            })
            .collect();
        let (opts, sketches, words, proposed) = proposed(&docs);
        let cands = &proposed.candidates;
        assert!(cands.len() > 30, "{} candidates", cands.len());
        let whole = verify(
            &InMemory(&docs),
            cands,
            &words,
            &proposed.chrome,
            &opts.align,
        );
        assert_eq!(whole.findings.len(), cands.len());
        // Room for about four documents: many batches, consecutive ones
        // sharing documents.
        let budget = 4 * prepared_bytes(words[0]) + 1;
        let (mut start, mut last, mut fresh, mut shared) = (0, Vec::new(), 0, 0);
        while start < cands.len() {
            let end = batch_end(cands, start, &words, budget);
            let docs = batch_documents(&cands[start..end]);
            let again = docs
                .iter()
                .filter(|d| last.binary_search(*d).is_ok())
                .count();
            shared += again;
            fresh += docs.len() - again;
            last = docs;
            start = end;
        }
        assert!(shared > 0, "no batch shares a document with the one before");
        let source = Counted(InMemory(&docs), Default::default());
        let v = verify_batched(
            &source,
            Some(&sketches),
            cands,
            &words,
            &proposed.chrome,
            &opts.align,
            &NoProgress,
            budget,
        );
        let fetched = source.1.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(fetched, fresh, "{shared} taken over");
        assert_eq!(format!("{:?}", v.findings), format!("{:?}", whole.findings));
    }
}
