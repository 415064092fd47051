//! Checking a drop: which documents of a corpus are new against a persisted
//! index, and the findings that involve at least one of them.
//!
//! A document is *unchanged* when the index has its path with the same size
//! and (settled) mtime, or else with the same content hash; it is then not
//! read again nor re-sketched, and its text is read from disk only when a
//! pair needs it. Everything else found is *new*: sketched now, compared with
//! the indexed documents and with the other new ones. Indexed documents that
//! are gone or changed are *stale*: never proposed as candidates.
//!
//! A check runs each stage once: the candidate stage over the part of the
//! index it consults, then every indexed document in a candidate pair is
//! read (once), the pairs are verified, and the view of the corpus it
//! reports is clustered.

use crate::candidates::{Known, KnownSketches, Pair, Proposal, Proposed, MAX_FULL_BUCKET};
use crate::error::Error;
use crate::index::{CutPostings, Index, IndexView, IndexedDoc, InvalidParams, RunCut, Take};
use crate::input::{read_document, Document, Fault, WalkOptions};
use crate::observe::{NoProgress, Progress};
use crate::scan::{self, sketch_all, sketch_all_with_progress, ScanResult, ScanStats};
use crate::sketch::DocSketch;
use crate::verify::{verify_with_progress, TextSource};
use crate::ScanOptions;
use ahash::AHashSet;
use rayon::prelude::*;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// What a check starts from: the corpus surveyed against the index.
pub use crate::index::survey::{
    survey, survey_listed, unwalked, Changed, Status, Survey, Unwalked,
};

/// The findings of a check, over a view of the corpus: the new documents and
/// the indexed ones involved in a finding, with their texts.
#[derive(Debug, Default)]
pub struct Checked {
    /// The documents of the view, in path order.
    pub docs: Vec<Document>,
    /// Whether each document of the view is new.
    pub new: Vec<bool>,
    /// Findings and clusters, with ids into `docs`.
    pub result: ScanResult,
}

/// Where an indexed document (its text, and how it was decoded) comes from.
pub type OldText<'a> = dyn Fn(&IndexedDoc) -> Result<Cow<'a, Document>, Error> + Sync + 'a;

/// Reads an indexed document from disk, decoded as the scan decodes it
/// (`opts.encoding`), refusing it when its content no longer matches the
/// index.
pub fn from_disk(
    opts: WalkOptions,
) -> impl Fn(&IndexedDoc) -> Result<Cow<'static, Document>, Error> + Sync {
    move |d| {
        let path = Path::new(&d.path);
        match read_document(path, &opts) {
            Ok(read) if read.content_hash() == d.content_hash => Ok(Cow::Owned(read)),
            Ok(_) => Err(Error::Invalid {
                path: path.to_path_buf(),
                reason: "changed since it was indexed; run `neardup index update`".into(),
            }),
            Err(Fault::Error(e)) => Err(e),
            Err(Fault::Skip(reason)) => Err(Error::Invalid {
                path: path.to_path_buf(),
                reason,
            }),
        }
    }
}

/// The documents of `indexed ++ new` a check verifies: the new ones, and
/// the indexed ones read (each once) because a candidate pair needs them.
struct Texts<'s, 'a> {
    indexed: &'s dyn IndexView,
    new: &'s [&'s Document],
    /// Indexed documents read, by id.
    read: Vec<(u32, Cow<'a, Document>)>,
}

impl<'s, 'a> Texts<'s, 'a> {
    /// Reads every indexed document in `candidates` from `old`, in
    /// parallel; returns the texts and the documents that could not be
    /// read, by id.
    fn read(
        indexed: &'s dyn IndexView,
        new: &'s [&'s Document],
        candidates: &[Pair],
        old: &OldText<'a>,
    ) -> (Texts<'s, 'a>, Vec<(u32, Error)>) {
        let n = indexed.len() as u32;
        let mut ids: Vec<u32> = candidates
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .filter(|&d| d < n)
            .collect();
        ids.par_sort_unstable();
        ids.dedup();
        let results: Vec<(u32, Result<Cow<'a, Document>, Error>)> = ids
            .into_par_iter()
            .map(|d| (d, old(&indexed.doc(d))))
            .collect();
        let mut read = Vec::with_capacity(results.len());
        let mut failed = Vec::new();
        for (d, r) in results {
            match r {
                Ok(doc) => read.push((d, doc)),
                Err(e) => failed.push((d, e)),
            }
        }
        (Texts { indexed, new, read }, failed)
    }

    /// Document `doc` of `indexed ++ new`, if it is new or was read.
    fn document(&self, doc: u32) -> Option<&Document> {
        let n = self.indexed.len() as u32;
        if doc >= n {
            return Some(self.new[(doc - n) as usize]);
        }
        let i = self.read.binary_search_by_key(&doc, |r| r.0).ok()?;
        Some(&self.read[i].1)
    }
}

impl TextSource for Texts<'_, '_> {
    fn text(&self, doc: u32) -> Result<Cow<'_, str>, Error> {
        match self.document(doc) {
            Some(d) => Ok(Cow::Borrowed(d.text.as_str())),
            // Verification asks only for documents of candidate pairs,
            // which were all read.
            None => Err(Error::Invalid {
                path: PathBuf::from(self.indexed.path(doc)),
                reason: "not read for this check".into(),
            }),
        }
    }
}

/// Finds what the new documents of `survey` repeat: of the indexed
/// documents (`index`, may be empty) and of each other.
/// Indexed texts come from `old` ([`from_disk`] for an index of files),
/// each asked for at most once. With a mapped index, ask
/// [`IndexView::damage`] afterwards: damage found while reading it makes
/// the result meaningless.
pub fn check(
    survey: &Survey,
    index: &dyn IndexView,
    opts: &ScanOptions,
    old: &OldText<'_>,
) -> Checked {
    check_with_progress(survey, index, opts, old, &NoProgress)
}

/// [`check`], reporting the new documents sketched and the candidate pairs
/// verified to `progress`.
pub fn check_with_progress(
    survey: &Survey,
    index: &dyn IndexView,
    opts: &ScanOptions,
    old: &OldText<'_>,
    progress: &dyn Progress,
) -> Checked {
    let indexed = index;
    let mut stale = vec![true; indexed.len()];
    for id in survey.unchanged() {
        stale[id as usize] = false;
    }
    let new: Vec<&Document> = survey.new_docs().collect();
    let texts: Vec<&str> = new.iter().map(|d| d.text.as_str()).collect();
    let sketches = sketch_all_with_progress(&texts, opts, progress);
    scan::stage_mark("sketch");
    let proposed = propose(indexed, &stale, &sketches, opts);
    scan::stage_mark("propose");
    // Word counts of the documents that can be in a finding: the new ones
    // and the indexed ones in a candidate pair (the others are never
    // looked at, and reading them would read every metadata row; the
    // unreported `stats.words` counts only these).
    let n = indexed.len();
    let mut words = vec![0u32; n];
    for &(a, b) in &proposed.candidates {
        for d in [a, b] {
            if (d as usize) < n {
                words[d as usize] = indexed.words(d);
            }
        }
    }
    words.extend(sketches.iter().map(|s| s.words));
    let (source, unreadable) = Texts::read(indexed, &new, &proposed.candidates, old);
    scan::stage_mark("read texts");
    // A pair with a document that could not be read is left out.
    let readable: Vec<Pair> = proposed
        .candidates
        .iter()
        .copied()
        .filter(|&(a, b)| source.document(a).is_some() && source.document(b).is_some())
        .collect();
    let verified = verify_with_progress(
        &source,
        &readable,
        &words,
        &proposed.chrome,
        &opts.align,
        progress,
    );
    scan::stage_mark("verify");
    let n = n as u32;
    let (passages, passage_errors) = scan::passages(n, &sketches, &source, &proposed.chrome, opts);
    scan::stage_mark("passages");
    let mut stats = ScanStats::of(&words, &proposed, &verified);
    // Documents in this check: unchanged and new (not stale index entries).
    stats.documents = survey.len();
    let mut errors: Vec<Error> = unreadable.into_iter().map(|(_, e)| e).collect();
    errors.extend(verified.errors);
    errors.extend(passage_errors);
    let result = ScanResult {
        findings: verified.findings,
        clusters: Vec::new(),
        stats,
        words,
        errors,
        passages,
    };
    view(result, source, opts)
}

/// Indexed documents as the candidate stage sees them.
struct IndexedSketches<'a>(&'a dyn IndexView);

impl KnownSketches for IndexedSketches<'_> {
    fn fingerprints(&self, doc: u32) -> &[u64] {
        self.0.fingerprints(doc)
    }
    fn repeated(&self, doc: u32) -> &[u64] {
        self.0.repeated(doc)
    }
}

/// The candidate stage of a check, over the part of the index it consults:
/// the postings of every hash the new documents carry, then those of the
/// other hashes of the indexed documents proposed with them, each complete
/// over all live indexed documents. Every hash the engine looks up for a
/// pair involving a new document is among them, with its exact document
/// frequency, so the findings equal those over the whole index. A mapped
/// index answers each look-up from its sorted postings (reading the blocks
/// it probes); one in memory by a pass over its documents.
fn propose(
    indexed: &dyn IndexView,
    stale: &[bool],
    new: &[DocSketch],
    opts: &ScanOptions,
) -> Proposed {
    let len = indexed.len() as u32;
    let params = scan::propose_params(opts, indexed.len() + new.len());
    let live = |i: u32| !stale[i as usize];
    let new_repeated: AHashSet<u64> = new
        .iter()
        .flat_map(|s| s.repeated().iter().copied())
        .collect();
    // One entry per document repeating a hash: chrome needs two.
    let mut repeated = indexed.repeated_hashes(&new_repeated, &live);
    repeated.par_sort_unstable();

    // Pass 1: the new documents' hashes and band keys.
    let band_set: AHashSet<u64> = new
        .iter()
        .flat_map(|s| s.band_keys().iter().copied())
        .collect();
    let bands = indexed.band_postings(&band_set, &live);
    let interest: AHashSet<u64> = new
        .iter()
        .flat_map(|s| s.fingerprints().iter().copied())
        .collect();
    let needs = Needs {
        df_threshold: params.df_threshold as usize,
        universal_df: params.universal_df.max(params.df_threshold) as usize,
        stale: stale.iter().filter(|&&s| s).count(),
        new: new.len(),
    };
    let repeats = |h: u64, d: u32| indexed.repeated(d).binary_search(&h).is_ok();
    let first = indexed.fingerprint_postings_cut(
        &interest,
        &live,
        &RunCut {
            take: &|n| needs.carried(n),
            counts: &|h, d| !repeats(h, d),
        },
    );
    let frequent = needs.frequent(&first.lengths);
    let sketches = IndexedSketches(indexed);
    let known = Known {
        fingerprints: &first.postings,
        frequent: &frequent,
        bands: &bands,
        repeated: &repeated,
        len,
        sketches: Some(&sketches),
    };
    let proposal = Proposal::new(known, new, &params);

    // Pass 2: the other hashes of the indexed documents proposed.
    let more: AHashSet<u64> = proposal
        .partners()
        .iter()
        .flat_map(|&i| indexed.fingerprints(i).iter().copied())
        .filter(|h| !interest.contains(h))
        .collect();
    if scan::stage_times_on() {
        eprintln!(
            "neardup: propose: {} band keys, {} hashes ({} postings, {} runs by length), {} \
             repeated; {} partners, {} more hashes",
            band_set.len(),
            interest.len(),
            first.postings.len(),
            first.lengths.len(),
            new_repeated.len(),
            proposal.partners().len(),
            more.len()
        );
    }
    let more = if more.is_empty() {
        CutPostings::default()
    } else {
        let cut = RunCut {
            take: &|n| needs.not_carried(n),
            counts: &|_, _| true,
        };
        indexed.fingerprint_postings_cut(&more, &live, &cut)
    };
    proposal.finish(&more.postings, &needs.frequent(&more.lengths))
}

/// What the candidate stage of a check needs of a hash's run in the index,
/// told from its number of entries `n` (live or stale) before any of its
/// documents is read: its document frequency (the run's live documents
/// plus the new documents carrying the hash) lies between `n - stale` and
/// `n + new`, and it is used only to tell chrome (at least
/// `df_threshold`: frequent; at least `universal_df`: universal), and the
/// run's documents only for the pairs of a hash that is not chrome.
struct Needs {
    df_threshold: usize,
    universal_df: usize,
    /// Stale index entries.
    stale: usize,
    /// New documents.
    new: usize,
}

impl Needs {
    /// 0: content, 1: frequent, 2: universal.
    fn class(&self, df: usize) -> u8 {
        u8::from(df >= self.df_threshold) + u8::from(df >= self.universal_df)
    }

    /// How to take the run of a hash new documents carry:
    /// - one that cannot be chrome, with more than [`MAX_FULL_BUCKET`]
    ///   documents the engine keeps (live, not repeating the hash), is
    ///   chained from the last of them: its last `MAX_FULL_BUCKET + 1`
    ///   such documents give the same pairs and marks as the whole run;
    /// - one whose chrome class its length decides, by its length (when
    ///   the new documents alone cannot make a hash frequent, as
    ///   [`Known::frequent`] needs);
    /// - any other whole.
    fn carried(&self, n: usize) -> Take {
        let keep = MAX_FULL_BUCKET + 1;
        if n + self.new < self.df_threshold {
            if n > keep {
                Take::Last(keep)
            } else {
                Take::Whole
            }
        } else if self.new < self.df_threshold && self.decided(n, n + self.new) {
            Take::Length
        } else {
            Take::Whole
        }
    }

    /// How to take the run of a hash only indexed documents carry (of the
    /// partners' other hashes), of which only the chrome matters: nothing
    /// of one too short to be chrome, the length of one whose class it
    /// decides.
    fn not_carried(&self, n: usize) -> Take {
        if n < self.df_threshold {
            Take::Nothing
        } else if self.decided(n, n) {
            Take::Length
        } else {
            Take::Whole
        }
    }

    /// Whether every document frequency from `n - stale` to `hi` is of one
    /// class.
    fn decided(&self, n: usize, hi: usize) -> bool {
        self.class(n.saturating_sub(self.stale)) == self.class(hi)
    }

    /// The hashes given by length, with a document frequency of their
    /// class (the lowest they can have): [`Known::frequent`].
    fn frequent(&self, lengths: &[(u64, usize)]) -> Vec<(u64, u32)> {
        lengths
            .iter()
            .map(|&(h, n)| {
                let df = n.saturating_sub(self.stale);
                debug_assert!(self.class(df) > 0);
                (h, df as u32)
            })
            .collect()
    }
}

/// Restricts a result over `indexed ++ new` to the new documents and the
/// indexed ones in a finding, in path order, and clusters it.
fn view(mut result: ScanResult, texts: Texts<'_, '_>, opts: &ScanOptions) -> Checked {
    let Texts { indexed, new, read } = texts;
    let n = indexed.len() as u32;
    let mut ids: Vec<u32> = (n..n + new.len() as u32).collect();
    ids.extend(
        result
            .findings
            .iter()
            .flat_map(|f| [f.a, f.b])
            .filter(|&d| d < n),
    );
    let path = |d: u32| -> &str {
        if d < n {
            indexed.path(d)
        } else {
            &new[(d - n) as usize].path
        }
    };
    ids.sort_by(|&x, &y| path(x).cmp(path(y)).then(x.cmp(&y)));
    ids.dedup();
    // Named as read (a JSON Lines record by its current line), which for a
    // file is its indexed path. Every indexed document of a finding was
    // read to be verified.
    let mut read: Vec<(u32, Option<Cow<'_, Document>>)> =
        read.into_iter().map(|(d, doc)| (d, Some(doc))).collect();
    let mut docs = Vec::with_capacity(ids.len());
    let mut keep = Vec::with_capacity(ids.len());
    for d in ids {
        let doc = if d >= n {
            Some(new[(d - n) as usize].clone())
        } else {
            read.binary_search_by_key(&d, |r| r.0)
                .ok()
                .and_then(|i| read[i].1.take())
                .map(Cow::into_owned)
        };
        if let Some(doc) = doc {
            docs.push(doc);
            keep.push(d);
        }
    }
    let pos = |d: u32| {
        keep.binary_search_by(|&x| path(x).cmp(path(d)).then(x.cmp(&d)))
            .ok()
    };
    let mut findings = Vec::new();
    for mut f in std::mem::take(&mut result.findings) {
        if let (Some(a), Some(b)) = (pos(f.a), pos(f.b)) {
            if a > b {
                f.alignment = f.alignment.mirrored();
            }
            // Located for the pair as verified (and on the texts'
            // offsets): the check's report locates from the texts.
            f.located = Default::default();
            (f.a, f.b) = (a.min(b) as u32, a.max(b) as u32);
            findings.push(f);
        }
    }
    findings.sort_by_key(|f| (f.a, f.b));
    for p in &mut result.passages {
        // Located for the places as found (see the findings above).
        p.located.clear();
        p.excerpt.clear();
        p.places.retain_mut(|pl| match pos(pl.0) {
            Some(v) => {
                pl.0 = v as u32;
                true
            }
            None => false,
        });
        p.places.sort_by_key(|pl| pl.0);
    }
    result.passages.retain(|p| !p.places.is_empty());
    let words: Vec<u32> = keep.iter().map(|&d| result.words[d as usize]).collect();
    let pairs = scan::cluster_pairs(&findings, opts.cluster_partial);
    // The indexed copy stays in the corpus; a new copy of it is the one to
    // drop, whatever the path order (--keep decides between equals).
    let indexed: Vec<bool> = keep.iter().map(|&d| d < n).collect();
    result.clusters =
        crate::cluster::clusters_preferring(keep.len(), &pairs, &words, opts.keep, &indexed);
    result.findings = findings;
    result.words = words;
    Checked {
        new: indexed.iter().map(|&i| !i).collect(),
        docs,
        result,
    }
}

/// Index entries for the new documents of a survey.
pub fn index_entries(survey: &Survey, index: &Index, opts: &ScanOptions) -> Vec<IndexedDoc> {
    let new: Vec<(&Document, (i64, u32), &str)> = survey
        .files
        .iter()
        .filter_map(|s| match s {
            Status::New { doc, mtime, key } => Some((doc, *mtime, key.as_str())),
            Status::Unchanged { .. } => None,
        })
        .collect();
    let texts: Vec<&str> = new.iter().map(|(d, _, _)| d.text.as_str()).collect();
    let sketches = sketch_all(&texts, opts);
    new.iter()
        .zip(&sketches)
        .map(|((d, mtime, key), s)| entry(key.to_string(), d, *mtime, s, index.params()))
        .collect()
}

/// [`index_entries`] of one chunk of a survey, after which the chunk's new
/// documents let their texts go (they stay as [`Status::New`] with
/// [`Document::without_text`]): an `index build` surveys and sketches the
/// corpus a chunk at a time, so it never holds more than a chunk's texts.
pub fn take_entries(survey: &mut Survey, index: &Index, opts: &ScanOptions) -> Vec<IndexedDoc> {
    let entries = index_entries(survey, index, opts);
    for s in &mut survey.files {
        if let Status::New { doc, .. } = s {
            *doc =
                std::mem::replace(doc, Document::new(String::new(), String::new())).without_text();
        }
    }
    entries
}

/// The index entry of a document: its file's hash and size (not those of
/// the decoded text, when it was decoded), so an unchanged file stays
/// unchanged.
fn entry(
    key: String,
    d: &Document,
    mtime: (i64, u32),
    s: &DocSketch,
    params: &crate::index::IndexParams,
) -> IndexedDoc {
    let mut e = IndexedDoc::new(key, d.text.as_bytes(), mtime, s, params);
    // A decoded text, or one let go (Document::without_text), is not the
    // file's bytes: the document knows those.
    if d.decoding().is_some() || d.text.is_empty() {
        e.content_hash = d.content_hash();
        e.size = d.original_len() as u64;
    }
    e
}

/// A survey and an in-memory index for a check without a persisted index:
/// `corpus` documents not named in `new` are the known part, returned too
/// (their texts serve the check through [`from_memory`]). Fails when `opts`
/// give invalid index parameters.
pub fn in_memory(
    corpus: Vec<Document>,
    new: Vec<Document>,
    opts: &ScanOptions,
) -> Result<(Survey, Index, Vec<Document>), InvalidParams> {
    let new_paths: std::collections::HashSet<&str> = new.iter().map(|d| d.path.as_str()).collect();
    let known: Vec<Document> = corpus
        .into_iter()
        .filter(|d| !new_paths.contains(d.path.as_str()))
        .collect();
    let params = crate::index::IndexParams::from_options(opts);
    let texts: Vec<&str> = known.iter().map(|d| d.text.as_str()).collect();
    let sketches = sketch_all(&texts, opts);
    let mut index = Index::new(params)?;
    let added = index.upsert_many(
        known
            .iter()
            .zip(&sketches)
            .map(|(d, s)| entry(d.path.clone(), d, (0, 0), s, &params)),
    );
    // Entries sketched under the index's parameters fit it, and memory
    // holds fewer documents than an index can.
    debug_assert!(added.is_ok(), "{added:?}");
    let mut files: Vec<Status> = known
        .iter()
        .filter_map(|d| index.position(&d.path))
        .map(|id| Status::Unchanged {
            id,
            stat: (0, (0, 0)),
        })
        .collect();
    files.extend(new.into_iter().map(|doc| Status::New {
        key: doc.path.clone(),
        doc,
        mtime: (0, 0),
    }));
    Ok((
        Survey {
            files,
            ..Survey::default()
        },
        index,
        known,
    ))
}

/// Serves indexed documents from documents held in memory, by path.
pub fn from_memory<'a>(
    docs: &'a [Document],
) -> impl Fn(&IndexedDoc) -> Result<Cow<'a, Document>, Error> + Sync + 'a {
    let by_path: std::collections::HashMap<&str, &Document> =
        docs.iter().map(|d| (d.path.as_str(), d)).collect();
    move |d| {
        by_path
            .get(d.path.as_str())
            .map(|t| Cow::Borrowed(*t))
            .ok_or_else(|| Error::Invalid {
                path: PathBuf::from(&d.path),
                reason: "not in memory".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A generated corpus of `n` documents with planted repeats.
    fn generated(n: usize, seed: u64) -> Vec<Document> {
        use neardup_eval::{generate, GenConfig};
        // The harness builds the engine as a separate crate: its documents
        // are carried over by name and text.
        generate(&GenConfig {
            docs: n,
            seed,
            ..GenConfig::default()
        })
        .docs
        .into_iter()
        .map(|d| Document::new(d.name, d.text))
        .collect()
    }

    #[test]
    fn a_check_finds_what_a_full_scan_finds_for_new_documents() {
        let docs = generated(400, 3);
        let new: Vec<Document> = docs.iter().step_by(7).cloned().collect();
        let is_new = |p: &str| new.iter().any(|d| d.path == p);
        let opts = ScanOptions::default();
        type Found = Vec<(
            String,
            String,
            Vec<(crate::align::Span, crate::align::Span, u64)>,
        )>;
        let found = |docs: &[Document], findings: &[crate::scan::Finding]| -> Found {
            let mut v: Found = findings
                .iter()
                .filter(|f| is_new(&docs[f.a as usize].path) || is_new(&docs[f.b as usize].path))
                .map(|f| {
                    // The chrome share too, bit for bit: every fingerprint
                    // in a span must get its exact document frequency.
                    let spans = f
                        .alignment
                        .spans
                        .iter()
                        .map(|s| (s.a, s.b, s.chrome.to_bits()))
                        .collect();
                    (
                        docs[f.a as usize].path.clone(),
                        docs[f.b as usize].path.clone(),
                        spans,
                    )
                })
                .collect();
            v.sort();
            v
        };
        let full = crate::scan(&docs, &opts);
        let want = found(&docs, &full.findings);
        assert!(want.len() > 20, "the corpus plants repeats: {}", want.len());

        let (survey, index, known) = in_memory(docs.clone(), new.clone(), &opts).unwrap();
        // Through the file: what a check reads back is what was indexed.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("index");
        index.save(&file).unwrap();
        // Mapped, as `neardup check` reads it.
        let index = crate::index::open_view(&file, index.params()).unwrap();
        let index = &*index;
        // Each indexed text is asked for at most once.
        let asked = std::sync::Mutex::new(Vec::new());
        let memory = from_memory(&known);
        let old = |d: &IndexedDoc| {
            asked.lock().unwrap().push(d.path.clone());
            memory(d)
        };
        let checked = check(&survey, index, &opts, &old);
        assert!(index.damage().is_none());
        assert!(checked.result.errors.is_empty());
        assert_eq!(found(&checked.docs, &checked.result.findings), want);
        let mut asked = asked.into_inner().unwrap();
        let n = asked.len();
        asked.sort();
        asked.dedup();
        assert_eq!(asked.len(), n, "an indexed text read twice");
        // Those of the findings among them, and none that is new.
        let indexed_found: Vec<&str> = checked
            .docs
            .iter()
            .zip(&checked.new)
            .filter(|&(_, &new)| !new)
            .map(|(d, _)| d.path.as_str())
            .collect();
        assert!(indexed_found.len() > 10, "{}", indexed_found.len());
        assert!(indexed_found
            .iter()
            .all(|p| asked.binary_search_by(|a| a.as_str().cmp(p)).is_ok()));
        assert!(asked.iter().all(|p| !is_new(p)));
    }

    #[test]
    fn runs_read_in_part_give_what_whole_runs_give() {
        let mut docs = generated(400, 5);
        // Two passages many documents carry: one in 67 (past the bucket
        // paired in full, under the chrome threshold of 100), one in 160
        // (chrome, universal).
        let passage = |seed: u64| -> String {
            (0..60)
                .map(|i| format!("w{}", crate::sketch::mix64(seed * 1000 + i) % 5000))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let (a, b) = (passage(1), passage(2));
        for (i, d) in docs.iter_mut().enumerate() {
            let mut text = d.text.clone();
            if i % 6 == 0 {
                text = format!("{text}\n\n{a}\n");
            }
            if i % 5 < 2 {
                text = format!("{text}\n\n{b}\n");
            }
            *d = Document::new(d.path.clone(), text);
        }
        let new: Vec<Document> = docs.iter().step_by(40).cloned().collect();
        let opts = ScanOptions {
            df_threshold: Some(100),
            ..ScanOptions::default()
        };
        let (survey, index, known) = in_memory(docs, new.clone(), &opts).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("index");
        index.save(&file).unwrap();
        let mapped = crate::index::open_view(&file, index.params()).unwrap();

        // The new documents' runs include ones each way is taken.
        let sketches = sketch_all(
            &new.iter().map(|d| d.text.as_str()).collect::<Vec<_>>(),
            &opts,
        );
        let interest: AHashSet<u64> = sketches
            .iter()
            .flat_map(|s| s.fingerprints().iter().copied())
            .collect();
        let all = index.fingerprint_postings(&interest, &|_| true);
        let needs = Needs {
            df_threshold: 100,
            universal_df: 100,
            stale: 0,
            new: new.len(),
        };
        let takes: Vec<Take> = all
            .chunk_by(|x, y| x.0 == y.0)
            .map(|r| needs.carried(r.len()))
            .collect();
        assert!(
            takes.iter().any(|t| matches!(t, Take::Last(_))),
            "{takes:?}"
        );
        assert!(takes.contains(&Take::Length), "{takes:?}");
        let cut = mapped.fingerprint_postings_cut(
            &interest,
            &|_| true,
            &RunCut {
                take: &|n| needs.carried(n),
                counts: &|_, _| true,
            },
        );
        assert!(
            cut.postings.len() < all.len() / 2,
            "{} of {}",
            cut.postings.len(),
            all.len()
        );

        // In memory every run is read whole; mapped, as little as needed.
        let memory = from_memory(&known);
        let whole = check(&survey, &index, &opts, &memory);
        let part = check(&survey, &*mapped, &opts, &memory);
        assert!(mapped.damage().is_none());
        assert!(
            whole.result.findings.len() > 10,
            "{}",
            whole.result.findings.len()
        );
        assert_eq!(
            format!("{:?}", part.result.findings),
            format!("{:?}", whole.result.findings)
        );
        assert_eq!(
            format!("{:?}", part.result.stats),
            format!("{:?}", whole.result.stats)
        );
        assert_eq!(
            format!("{:?}", part.result.passages),
            format!("{:?}", whole.result.passages)
        );
        let paths = |c: &Checked| c.docs.iter().map(|d| d.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&part), paths(&whole));
    }

    #[test]
    fn a_run_is_taken_as_far_as_its_chrome_class_and_pairs_need() {
        let needs = Needs {
            df_threshold: 100,
            universal_df: 1000,
            stale: 5,
            new: 10,
        };
        let keep = MAX_FULL_BUCKET + 1;
        // Not chrome whatever the new documents add: whole, or its end.
        assert_eq!(needs.carried(keep), Take::Whole);
        assert_eq!(needs.carried(keep + 1), Take::Last(keep));
        assert_eq!(needs.carried(89), Take::Last(keep));
        // Maybe chrome, maybe not: whole.
        assert_eq!(needs.carried(90), Take::Whole);
        assert_eq!(needs.carried(104), Take::Whole);
        // Frequent whatever the stale entries were, not universal: length.
        assert_eq!(needs.carried(105), Take::Length);
        assert_eq!(needs.carried(989), Take::Length);
        // Universal or not, by the new and stale ones: whole.
        assert_eq!(needs.carried(990), Take::Whole);
        assert_eq!(needs.carried(1004), Take::Whole);
        assert_eq!(needs.carried(1005), Take::Length);
        // A hash no new document carries.
        assert_eq!(needs.not_carried(99), Take::Nothing);
        assert_eq!(needs.not_carried(100), Take::Whole);
        assert_eq!(needs.not_carried(105), Take::Length);
        assert_eq!(needs.not_carried(1000), Take::Whole);
        assert_eq!(needs.not_carried(1005), Take::Length);
        assert_eq!(needs.frequent(&[(7, 105)]), vec![(7, 100)]);
        // As many new documents as the threshold: never by length.
        let many = Needs { new: 100, ..needs };
        assert_eq!(many.carried(5000), Take::Whole);
    }

    #[test]
    fn an_unreadable_indexed_document_leaves_its_pairs_out_once() {
        let w = |n: usize, seed: u64| -> String {
            (0..n as u64)
                .map(|i| format!("w{}", crate::sketch::mix64(seed << 20 | i) % 50_000))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let article = w(200, 1);
        let docs = vec![
            Document::new("a", article.clone()),
            Document::new("b", format!("{} {article}", w(50, 2))),
            Document::new("c", w(200, 3)),
        ];
        let y = Document::new("y", format!("{article} {}", w(30, 4)));
        let opts = ScanOptions::default();
        let (survey, index, known) = in_memory(docs, vec![y], &opts).unwrap();
        let asked = std::sync::Mutex::new(Vec::new());
        let memory = from_memory(&known);
        let old = |d: &IndexedDoc| {
            asked.lock().unwrap().push(d.path.clone());
            if d.path == "a" {
                Err(Error::Invalid {
                    path: "a".into(),
                    reason: "gone".into(),
                })
            } else {
                memory(d)
            }
        };
        let checked = check(&survey, &index, &opts, &old);
        let pairs: Vec<(&str, &str)> = checked
            .result
            .findings
            .iter()
            .map(|f| {
                let p = |i: u32| checked.docs[i as usize].path.as_str();
                (p(f.a), p(f.b))
            })
            .collect();
        assert_eq!(pairs, [("b", "y")]);
        let errors: Vec<String> = checked
            .result
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errors, ["a: gone"]);
        // Both pairs were candidates: a~y is counted, not verified.
        assert_eq!(checked.result.stats.verified, 2);
        let mut asked = asked.into_inner().unwrap();
        asked.sort();
        assert_eq!(asked, ["a", "b"]);
    }

    #[test]
    fn chrome_only_the_index_carries_is_counted_inside_spans() {
        // X (indexed) holds P1 + C + P2, where the chrome C is in a dozen
        // other indexed documents; Y (new) copies P1 + P2 with other words
        // in place of C. The span bridges C on X's side: its chrome share
        // needs C's document frequency, which only the index knows.
        let w = |n: usize, seed: u64| -> String {
            (0..n as u64)
                .map(|i| format!("w{}", crate::sketch::mix64(seed << 20 | i) % 50_000))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let c = w(20, 1);
        let mut docs: Vec<Document> = (0..12)
            .map(|i| {
                Document::new(
                    format!("o{i:02}"),
                    format!("{} {c} {}", w(100, 10 + i), w(100, 40 + i)),
                )
            })
            .collect();
        let (p1, p2) = (w(60, 2), w(60, 3));
        docs.push(Document::new(
            "x",
            format!("{} {p1} {c} {p2} {}", w(50, 4), w(50, 5)),
        ));
        let y = Document::new(
            "y",
            format!("{} {p1} {} {p2} {}", w(40, 6), w(20, 7), w(40, 8)),
        );
        docs.push(y.clone());
        let opts = ScanOptions::default();
        let full = crate::scan(&docs, &opts);
        let span = |docs: &[Document], r: &ScanResult| {
            let f = r
                .findings
                .iter()
                .find(|f| docs[f.a as usize].path == "x" && docs[f.b as usize].path == "y")
                .expect("x~y");
            (
                f.alignment.spans[0].a,
                f.alignment.spans[0].chrome.to_bits(),
            )
        };
        let want = span(&docs, &full);
        assert!(f64::from_bits(want.1) > 0.0, "the span holds chrome");
        let (survey, index, known) = in_memory(docs.clone(), vec![y], &opts).unwrap();
        let old = from_memory(&known);
        let checked = check(&survey, &index, &opts, &old);
        assert_eq!(span(&checked.docs, &checked.result), want);
    }

    #[test]
    fn take_entries_gives_the_entries_and_lets_the_texts_go() {
        let text = |i: usize| {
            (0..120)
                .map(|j| format!("w{}", (i * 31 + j * 7) % 97))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let new: Vec<Document> = (0..5)
            .map(|i| Document::new(format!("n{i}"), text(i)))
            .collect();
        let opts = ScanOptions::default();
        let (mut survey, index, _) = in_memory(Vec::new(), new.clone(), &opts).unwrap();
        let want = index_entries(&survey, &index, &opts);
        assert_eq!(want.len(), 5);
        let got = take_entries(&mut survey, &index, &opts);
        assert_eq!(got, want);
        let kept: Vec<&Document> = survey.new_docs().collect();
        assert_eq!(kept.len(), 5);
        for (k, d) in kept.iter().zip(&new) {
            assert!(k.text.is_empty(), "{}: text kept", k.path);
            assert_eq!(k.path, d.path);
            assert_eq!(k.content_hash(), d.content_hash());
        }
        // Nothing is left to sketch: a second call finds only empty texts.
        assert!(index_entries(&survey, &index, &opts)
            .iter()
            .all(|e| e.words == 0));
    }
}
