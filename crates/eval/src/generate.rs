//! Deterministic generator of a planted near-duplicate corpus.
//!
//! The corpus is synthetic, prose-like "English-ish" text (no third-party
//! texts): a Zipf-distributed vocabulary of common English function words
//! followed by ~30,000 pronounceable words synthesised from syllables,
//! sentences of 8–25 words with a capitalised first word, occasional commas
//! and a final period, several sentences per line and `'\n'` between lines.
//!
//! Into it the generator plants, recording byte spans on both sides:
//!
//! | kind             | what                                                        |
//! |------------------|-------------------------------------------------------------|
//! | `whole`          | a new document identical to a source document               |
//! | `near_light`     | a copy with ~4% word edits (insert / delete / substitute)   |
//! | `near_heavy`     | a copy with ~12% word edits                                 |
//! | `partial`        | 1–2 passages (50–600 words, or 30–50% of the source) pasted into an unrelated document, at a line boundary or mid-text, sentence-aligned or not |
//! | `partial_edited` | the same with ~4% word edits in the pasted passage          |
//! | `concat`         | a whole source document followed by unrelated text           |
//! | `transitive`     | A → B → C copies of copies: the (A, C) pair                  |
//!
//! The direct pairs of a transitive family, (A, B) and (B, C), are recorded as
//! `partial`. Every source document is used by exactly one planting, so no
//! text is in more than three documents (apart from page chrome) and no two
//! documents share text without a truth pair, except the recorded negatives
//! (short quotes of 10–40 words) and page chrome (five boilerplate blocks
//! inserted, at line boundaries, into a random quarter of all documents).
//!
//! Each document is built as a body plus the planted spans it contains; page
//! chrome is inserted last, only at line boundaries outside every planted
//! span, and all spans are then shifted to their final byte offsets.
//!
//! Output is a pure function of `(seed, docs, words)`: every document and every
//! planting job has its own random stream derived from the seed, so the work is
//! spread over threads with rayon without affecting the result.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;

use super::rng::Rng;
use super::{BoilerplateSpan, NegativePair, PairKind, SpanPair, Truth, TruthPair, TRUTH_SCHEMA};

/// Parameters of a planted corpus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of documents in the corpus.
    pub docs: usize,
    /// Mean number of words per document (lengths vary from 0.5x to 1.5x,
    /// with a floor of [`MIN_DOC_WORDS`]).
    pub words: usize,
    /// Words of a legal footer appended to every document, its first line
    /// carrying a year that varies by document (0: none). Recorded as the
    /// boilerplate block `footer`.
    pub footer_words: usize,
    /// Documents carrying one syndicated article (about `words` words)
    /// between an intro and an outro of their own (one or two sentences,
    /// 10-45 words, each), so that it is over 80% of each page but for its
    /// chrome: every pair of them is a
    /// `syndicated` truth pair (0: none).
    pub syndicated: usize,
    /// Spread of document lengths (0 or 1: the default, 0.5x to 1.5x of
    /// `words`). With `S > 1`, lengths are log-uniform from `words / S` to
    /// `words * S` (`words` is then the geometric mean), for corpora of short
    /// and very long documents together.
    pub words_spread: usize,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            seed: 42,
            docs: 2000,
            words: 400,
            footer_words: 0,
            syndicated: 0,
            words_spread: 0,
        }
    }
}

/// No generated document body is shorter than this many words, so that every
/// whole or near copy shares at least 50 words.
pub const MIN_DOC_WORDS: usize = 60;

/// Size of the synthetic vocabulary.
pub const VOCABULARY_SIZE: usize = 30_000;

/// One generated document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedDoc {
    /// File name, `NNNNNN.txt`.
    pub name: String,
    /// Full file content.
    pub text: String,
}

/// A generated corpus: documents sorted by name, and the ground truth.
#[derive(Clone, Debug, PartialEq)]
pub struct Corpus {
    /// Documents, sorted by name.
    pub docs: Vec<GeneratedDoc>,
    /// Ground truth with byte spans into `docs`.
    pub truth: Truth,
}

impl Corpus {
    /// Writes `dir/docs/NNNNNN.txt` for every document and `dir/truth.json`.
    ///
    /// Stale `NNNNNN.txt` files left in `dir/docs` by an earlier, larger run
    /// are removed so that the directory holds exactly this corpus.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let docs_dir = dir.join("docs");
        std::fs::create_dir_all(&docs_dir)
            .with_context(|| format!("creating {}", docs_dir.display()))?;
        let keep: HashSet<&str> = self.docs.iter().map(|d| d.name.as_str()).collect();
        for entry in std::fs::read_dir(&docs_dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if is_generated_name(name) && !keep.contains(name) {
                std::fs::remove_file(entry.path())
                    .with_context(|| format!("removing stale {}", entry.path().display()))?;
            }
        }
        self.docs.par_iter().try_for_each(|doc| {
            let path = docs_dir.join(&doc.name);
            std::fs::write(&path, &doc.text).with_context(|| format!("writing {}", path.display()))
        })?;
        self.truth.save(&dir.join("truth.json"))
    }

    /// The documents as the scanner takes them, named by file name.
    pub fn documents(&self) -> Vec<neardup::Document> {
        self.docs
            .iter()
            .map(|d| neardup::Document::new(d.name.clone(), d.text.clone()))
            .collect()
    }

    /// Looks a document up by file name.
    pub fn doc(&self, name: &str) -> Option<&GeneratedDoc> {
        self.docs
            .binary_search_by(|d| d.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.docs[i])
    }
}

fn is_generated_name(name: &str) -> bool {
    name.strip_suffix(".txt")
        .is_some_and(|stem| stem.len() >= 6 && stem.bytes().all(|b| b.is_ascii_digit()))
}

// ---------------------------------------------------------------------------
// Vocabulary and prose
// ---------------------------------------------------------------------------

/// High-frequency English words used as the top Zipf ranks.
const FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "a", "in", "is", "that", "it", "was", "for", "on", "are", "as",
    "with", "his", "they", "at", "be", "this", "have", "from", "or", "one", "had", "by", "but",
    "not", "what", "all", "were", "we", "when", "your", "can", "said", "there", "use", "an",
    "each", "which", "she", "do", "how", "their", "if", "will", "up", "other", "about", "out",
    "many", "then", "them", "these", "so", "some", "her", "would", "make", "like", "him", "into",
    "time", "has", "look", "two", "more", "go", "see", "no", "way", "could", "people", "my",
    "than", "first", "been", "who", "its", "now", "find", "long", "down", "day", "did", "get",
    "come", "made", "may", "part", "over", "new", "after", "also", "most", "only", "very", "year",
    "where", "just", "through", "back", "much", "before", "good", "well", "because", "any", "same",
    "those", "while", "still", "under", "never", "both",
];

const ONSETS: &[&str] = &[
    "", "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
    "y", "z", "bl", "br", "ch", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "pl", "pr", "sh", "sk",
    "sl", "sm", "sn", "sp", "st", "str", "th", "tr", "wh",
];
const NUCLEI: &[&str] = &[
    "a", "a", "e", "e", "i", "i", "o", "o", "u", "ai", "ea", "ee", "ie", "oa", "oo", "ou", "y",
];
const CODAS: &[&str] = &[
    "", "", "", "", "n", "r", "s", "t", "l", "m", "nd", "nt", "st", "ck", "ng", "rd", "rn", "ll",
    "ss", "x", "th", "mp",
];

/// A Zipf-distributed vocabulary.
struct Vocab {
    words: Vec<String>,
    /// Cumulative (unnormalised) Zipf–Mandelbrot weights, one per word.
    cdf: Vec<f64>,
}

impl Vocab {
    fn build(size: usize) -> Vocab {
        // The vocabulary does not depend on the corpus seed: every corpus
        // speaks the same language.
        let mut rng = Rng::new(0x05EE_D0F7_0CAB);
        let mut seen: HashSet<String> = HashSet::with_capacity(size * 2);
        let mut words = Vec::with_capacity(size);
        for w in FUNCTION_WORDS {
            if words.len() < size && seen.insert((*w).to_string()) {
                words.push((*w).to_string());
            }
        }
        while words.len() < size {
            let rank = words.len();
            // Frequent words are short, rare words are long.
            let syllables = if rank < 1_500 {
                1 + usize::from(rng.chance(0.3))
            } else if rank < 10_000 {
                2 + usize::from(rng.chance(0.25))
            } else {
                2 + usize::from(rng.chance(0.45)) + usize::from(rng.chance(0.1))
            };
            let mut w = String::new();
            for s in 0..syllables {
                // Simple onsets inside words keep them pronounceable.
                let onset = *rng.choose(ONSETS);
                if s > 0 && onset.len() > 1 && rng.chance(0.7) {
                    w.push_str(&onset[..1]);
                } else {
                    w.push_str(onset);
                }
                w.push_str(rng.choose::<&str>(NUCLEI));
                if s + 1 == syllables || rng.chance(0.15) {
                    w.push_str(rng.choose::<&str>(CODAS));
                }
            }
            if w.len() >= 2 && seen.insert(w.clone()) {
                words.push(w);
            }
        }
        // Zipf–Mandelbrot with exponent 1: p(rank) ∝ 1 / (rank + 2.7). Only
        // correctly rounded IEEE operations (no `powf`, whose last bits vary
        // between libms), so the corpus is the same on every platform.
        let mut cdf = Vec::with_capacity(size);
        let mut total = 0.0f64;
        for rank in 0..size {
            total += 1.0 / (rank as f64 + 2.7);
            cdf.push(total);
        }
        Vocab { words, cdf }
    }

    fn sample(&self, rng: &mut Rng) -> &str {
        let total = *self.cdf.last().expect("non-empty vocabulary");
        let x = rng.f64() * total;
        let i = self
            .cdf
            .partition_point(|&c| c <= x)
            .min(self.words.len() - 1);
        &self.words[i]
    }
}

fn push_capitalised(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

/// Appends prose of at least `target_words` words (whole sentences, several
/// per line, lines separated by `'\n'`, no trailing newline) to `out`.
fn write_prose(out: &mut String, rng: &mut Rng, vocab: &Vocab, target_words: usize) {
    let mut words = 0;
    let mut first_line = true;
    while words < target_words {
        if !first_line {
            out.push('\n');
        }
        first_line = false;
        let sentences = rng.range(2, 6);
        for s in 0..sentences {
            if s > 0 {
                out.push(' ');
            }
            let len = rng.range(8, 25);
            let mut prev: &str = "";
            for i in 0..len {
                let mut w = vocab.sample(rng);
                if w == prev {
                    w = vocab.sample(rng);
                }
                prev = w;
                if i == 0 {
                    push_capitalised(out, w);
                } else {
                    out.push(' ');
                    out.push_str(w);
                }
                if i + 1 == len {
                    out.push('.');
                } else if i > 0 && i + 2 < len && rng.chance(0.06) {
                    out.push(',');
                }
            }
            words += len;
            if words >= target_words {
                break;
            }
        }
    }
}

/// How long fresh documents are: see [`GenConfig::words_spread`].
#[derive(Clone, Copy, Debug)]
struct Lengths {
    words: usize,
    spread: usize,
}

fn doc_length(rng: &mut Rng, len: Lengths) -> usize {
    let u = rng.f64();
    let w = if len.spread > 1 {
        len.words as f64 * (len.spread as f64).powf(2.0 * u - 1.0)
    } else {
        len.words as f64 * (0.5 + u)
    };
    (w.round() as usize).max(MIN_DOC_WORDS)
}

fn fresh_text(rng: &mut Rng, vocab: &Vocab, len: Lengths) -> String {
    let n = doc_length(rng, len);
    let mut s = String::with_capacity(n * 8);
    write_prose(&mut s, rng, vocab, n);
    s
}

// ---------------------------------------------------------------------------
// Word-level helpers
// ---------------------------------------------------------------------------

/// Byte ranges `[start, end)` of the whitespace-separated words of `text`.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::with_capacity(bytes.len() / 6);
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let space = b == b' ' || b == b'\n';
        match (space, start) {
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, bytes.len()));
    }
    spans
}

fn ends_sentence(text: &str, span: (usize, usize)) -> bool {
    text.as_bytes()[span.1 - 1] == b'.'
}

/// Picks a passage of about `len` words inside words `lo..hi` of `text`,
/// optionally snapped to sentence boundaries. Returns a word range.
fn pick_passage(
    rng: &mut Rng,
    text: &str,
    spans: &[(usize, usize)],
    lo: usize,
    hi: usize,
    len: usize,
    sentence_aligned: bool,
) -> (usize, usize) {
    let len = len.min(hi - lo);
    let mut start = lo + rng.index(hi - lo - len + 1);
    let mut end = start + len;
    if sentence_aligned {
        // Move the start back to a sentence start, then the end forward to a
        // sentence end, staying inside lo..hi.
        while start > lo && !ends_sentence(text, spans[start - 1]) {
            start -= 1;
        }
        end = (start + len).min(hi);
        while end < hi && !ends_sentence(text, spans[end - 1]) {
            end += 1;
        }
    }
    (start, end)
}

/// The text of words `range` of `text`.
fn slice_words<'a>(text: &'a str, spans: &[(usize, usize)], range: (usize, usize)) -> &'a str {
    &text[spans[range.0].0..spans[range.1 - 1].1]
}

/// The minimum number of words a planted pair shares.
const MIN_SHARED_WORDS: usize = 50;

/// Applies random word edits to `text`, retrying until there is at least one
/// edit and at least `min_kept` original words survive (planted texts are
/// long enough for this to be the case almost always at the first try).
fn edit_text(text: &str, rate: f64, min_kept: usize, rng: &mut Rng, vocab: &Vocab) -> String {
    for _ in 0..100 {
        let (edited, kept) = edit_words(text, rate, rng, vocab);
        if kept >= min_kept && edited != text {
            return edited;
        }
    }
    text.to_string()
}

/// Applies random word edits to `text`: each word is, with probability
/// `rate`, substituted, deleted or followed by an inserted word. Line breaks,
/// sentence capitalisation and sentence-final periods are preserved. Returns
/// the new text and the number of original words kept.
fn edit_words(text: &str, rate: f64, rng: &mut Rng, vocab: &Vocab) -> (String, usize) {
    let spans = word_spans(text);
    let bytes = text.as_bytes();
    let mut out: Vec<(String, u8)> = Vec::with_capacity(spans.len() + spans.len() / 8);
    let mut kept = 0;
    for (i, &(s, e)) in spans.iter().enumerate() {
        let word = &text[s..e];
        let sep = if i + 1 < spans.len() { bytes[e] } else { 0 };
        if !rng.chance(rate) {
            out.push((word.to_string(), sep));
            kept += 1;
            continue;
        }
        let (core, punct) = match word.as_bytes()[word.len() - 1] {
            b'.' | b',' => word.split_at(word.len() - 1),
            _ => (word, ""),
        };
        let capitalised = core.as_bytes()[0].is_ascii_uppercase();
        let op = rng.below(3);
        if op == 0 || (op == 1 && (capitalised || !punct.is_empty())) {
            // Substitute (also used instead of deleting a word that carries a
            // sentence boundary).
            let mut w = String::new();
            let new = vocab.sample(rng);
            if capitalised {
                push_capitalised(&mut w, new);
            } else {
                w.push_str(new);
            }
            w.push_str(punct);
            out.push((w, sep));
        } else if op == 1 {
            // Delete, keeping the line structure.
            if let Some(last) = out.last_mut() {
                if sep == b'\n' || sep == 0 {
                    last.1 = sep;
                }
            }
        } else {
            // Insert a word after this one; the punctuation moves to it.
            out.push((core.to_string(), b' '));
            kept += 1;
            let mut w = vocab.sample(rng).to_string();
            w.push_str(punct);
            out.push((w, sep));
        }
    }
    let mut s = String::with_capacity(text.len() + 16);
    for (w, sep) in out {
        s.push_str(&w);
        if sep != 0 {
            s.push(sep as char);
        }
    }
    (s, kept)
}

/// An insertion into a host text: before host word `at` (or at the end when
/// `at` equals the host's word count), on its own line or mid-text.
struct Insert<'a> {
    at: usize,
    own_line: bool,
    text: &'a str,
}

/// Splices `inserts` (sorted by distinct `at`) into `host`; returns the new
/// text and the byte range of every inserted text.
fn splice(
    host: &str,
    spans: &[(usize, usize)],
    inserts: &[Insert],
) -> (String, Vec<(usize, usize)>) {
    let extra: usize = inserts.iter().map(|i| i.text.len() + 2).sum();
    let mut out = String::with_capacity(host.len() + extra);
    let mut ranges = Vec::with_capacity(inserts.len());
    let mut next_host = 0; // byte where the remaining host text starts
    for ins in inserts {
        let sep = if ins.own_line { '\n' } else { ' ' };
        if ins.at > 0 {
            out.push_str(&host[next_host..spans[ins.at - 1].1]);
        }
        if !out.is_empty() {
            out.push(sep);
        }
        let start = out.len();
        out.push_str(ins.text);
        ranges.push((start, out.len()));
        if ins.at < spans.len() {
            out.push(sep);
            next_host = spans[ins.at].0;
        } else {
            next_host = host.len();
        }
    }
    out.push_str(&host[next_host..]);
    (out, ranges)
}

/// Word indices where a line starts (including 0 and the end position).
fn line_starts(text: &str, spans: &[(usize, usize)]) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut v = vec![0];
    for (i, &(s, _)) in spans.iter().enumerate().skip(1) {
        if bytes[s - 1] == b'\n' {
            v.push(i);
        }
    }
    v.push(spans.len());
    v
}

/// Chooses `k` distinct insertion points in a host with `spans` words, each
/// either at a line boundary or mid-text (between any two words).
fn insertion_points(
    rng: &mut Rng,
    host: &str,
    spans: &[(usize, usize)],
    k: usize,
) -> Vec<(usize, bool)> {
    let lines = line_starts(host, spans);
    let mut points: Vec<(usize, bool)> = Vec::with_capacity(k);
    // Hosts have at least MIN_DOC_WORDS words, so distinct points abound.
    while points.len() < k {
        let own_line = rng.chance(0.5);
        let at = if own_line {
            *rng.choose(&lines)
        } else {
            rng.range(1, spans.len().saturating_sub(1).max(1))
        };
        if points.iter().all(|&(p, _)| p != at) {
            points.push((at, own_line));
        }
    }
    points.sort_by_key(|&(p, _)| p);
    points
}

// ---------------------------------------------------------------------------
// Planting jobs
// ---------------------------------------------------------------------------

/// A document reference inside the generator: an original (by index) or the
/// `n`-th document created by the current job.
#[derive(Clone, Copy, Debug)]
enum DocRef {
    Orig(usize),
    New(usize),
}

/// A planted span pair in body coordinates (before chrome insertion).
#[derive(Clone, Copy, Debug)]
struct RawSpan {
    a: (usize, usize),
    b: (usize, usize),
}

#[derive(Clone, Debug)]
struct RawPair<D> {
    kind: Option<PairKind>, // None for a negative
    a: D,
    b: D,
    spans: Vec<RawSpan>,
}

#[derive(Clone, Copy, Debug)]
enum Job {
    Whole,
    Near(PairKind, f64),
    Partial { edited: bool },
    Concat,
    Transitive,
    Negative,
}

struct JobOutput {
    docs: Vec<String>,
    pairs: Vec<RawPair<DocRef>>,
}

/// Fractions of the corpus size: how many plantings of each kind.
const PLAN: &[(f64, Job)] = &[
    (0.04, Job::Whole),
    (0.05, Job::Near(PairKind::NearLight, 0.04)),
    (0.05, Job::Near(PairKind::NearHeavy, 0.12)),
    (0.06, Job::Partial { edited: false }),
    (0.04, Job::Partial { edited: true }),
    (0.04, Job::Concat),
    (0.02, Job::Transitive),
    (0.03, Job::Negative),
];

fn new_docs(job: Job) -> usize {
    match job {
        Job::Transitive => 2,
        _ => 1,
    }
}

/// How many jobs of each kind of [`PLAN`] a corpus of `n` documents gets.
/// Each job takes one original as its source and creates one or two new
/// documents, so jobs are dropped (largest count first) until they fit.
fn plan_counts(n: usize) -> Vec<usize> {
    let mut counts: Vec<usize> = PLAN
        .iter()
        .map(|&(f, _)| {
            let c = (n as f64 * f).round() as usize;
            if n >= 30 {
                c.max(1)
            } else {
                c
            }
        })
        .collect();
    loop {
        let used: usize = counts
            .iter()
            .zip(PLAN)
            .map(|(&c, &(_, job))| c * (1 + new_docs(job)))
            .sum();
        if used <= n {
            return counts;
        }
        let (i, _) = counts
            .iter()
            .enumerate()
            .max_by_key(|&(i, &c)| (c, usize::MAX - i))
            .expect("non-empty plan");
        counts[i] -= 1;
    }
}

struct JobCtx<'a> {
    vocab: &'a Vocab,
    originals: &'a [String],
    lengths: Lengths,
}

fn run_job(ctx: &JobCtx, job: Job, src: usize, rng: &mut Rng) -> JobOutput {
    let source = ctx.originals[src].as_str();
    let a = DocRef::Orig(src);
    let b = DocRef::New(0);
    let full = |t: &str| (0, t.len());
    match job {
        Job::Whole => JobOutput {
            docs: vec![source.to_string()],
            pairs: vec![RawPair {
                kind: Some(PairKind::Whole),
                a,
                b,
                spans: vec![RawSpan {
                    a: full(source),
                    b: full(source),
                }],
            }],
        },
        Job::Near(kind, rate) => {
            let copy = edit_text(source, rate, MIN_SHARED_WORDS, rng, ctx.vocab);
            let spans = vec![RawSpan {
                a: full(source),
                b: full(&copy),
            }];
            JobOutput {
                docs: vec![copy],
                pairs: vec![RawPair {
                    kind: Some(kind),
                    a,
                    b,
                    spans,
                }],
            }
        }
        Job::Concat => {
            let mut page = source.to_string();
            for _ in 0..rng.range(1, 2) {
                page.push('\n');
                let tail = fresh_text(rng, ctx.vocab, ctx.lengths);
                page.push_str(&tail);
            }
            JobOutput {
                docs: vec![page],
                pairs: vec![RawPair {
                    kind: Some(PairKind::Concat),
                    a,
                    b,
                    spans: vec![RawSpan {
                        a: full(source),
                        b: full(source),
                    }],
                }],
            }
        }
        Job::Partial { edited } => {
            let sw = word_spans(source);
            let n = sw.len();
            // Passage word ranges in the source.
            let mut passages = Vec::with_capacity(2);
            // Edited passages are a little longer so that >= 50 words survive.
            let min_len = if edited { 60 } else { 50 };
            if n >= 140 && rng.chance(0.15) {
                // Two passages, one from each half.
                let half = n / 2;
                for (lo, hi) in [(0, half), (half, n)] {
                    let max_len = ((hi - lo) * 4 / 5).clamp(min_len, 300);
                    let len = rng.range(min_len, max_len);
                    let aligned = rng.chance(0.5);
                    passages.push(pick_passage(rng, source, &sw, lo, hi, len, aligned));
                }
            } else {
                let cap = (n * 4 / 5).max(min_len);
                let len = if rng.chance(0.3) {
                    // 30-50% of the source document.
                    ((n as f64 * (0.3 + 0.2 * rng.f64())).round() as usize).max(min_len)
                } else {
                    rng.range(min_len, cap.min(600))
                };
                let aligned = rng.chance(0.5);
                passages.push(pick_passage(rng, source, &sw, 0, n, len.min(n), aligned));
            }
            // Each of two passages keeps >= 40 words, a single one >= 50.
            let min_kept = if passages.len() == 1 {
                MIN_SHARED_WORDS
            } else {
                40
            };
            let texts: Vec<String> = passages
                .iter()
                .map(|&r| {
                    let t = slice_words(source, &sw, r);
                    if edited {
                        edit_text(t, 0.04, min_kept, rng, ctx.vocab)
                    } else {
                        t.to_string()
                    }
                })
                .collect();
            let host = fresh_text(rng, ctx.vocab, ctx.lengths);
            let hw = word_spans(&host);
            let points = insertion_points(rng, &host, &hw, texts.len());
            let inserts: Vec<Insert> = points
                .iter()
                .zip(&texts)
                .map(|(&(at, own_line), t)| Insert {
                    at,
                    own_line,
                    text: t,
                })
                .collect();
            let (doc, ranges) = splice(&host, &hw, &inserts);
            let spans = passages
                .iter()
                .zip(&ranges)
                .map(|(&r, &range)| RawSpan {
                    a: (sw[r.0].0, sw[r.1 - 1].1),
                    b: range,
                })
                .collect();
            let kind = if edited {
                PairKind::PartialEdited
            } else {
                PairKind::Partial
            };
            JobOutput {
                docs: vec![doc],
                pairs: vec![RawPair {
                    kind: Some(kind),
                    a,
                    b,
                    spans,
                }],
            }
        }
        Job::Transitive => {
            // A (source) -> B: passage P of A pasted into a fresh host.
            let sw = word_spans(source);
            let n = sw.len();
            let len = rng.range(100, 400).min(n).max(60.min(n));
            let aligned = rng.chance(0.5);
            let p = pick_passage(rng, source, &sw, 0, n, len, aligned);
            let p_text = slice_words(source, &sw, p);
            let p_in_a = (sw[p.0].0, sw[p.1 - 1].1);
            let host_b = fresh_text(rng, ctx.vocab, ctx.lengths);
            let hbw = word_spans(&host_b);
            let (at, own_line) = insertion_points(rng, &host_b, &hbw, 1)[0];
            let (doc_b, rb) = splice(
                &host_b,
                &hbw,
                &[Insert {
                    at,
                    own_line,
                    text: p_text,
                }],
            );
            let p_in_b = rb[0];
            // B -> C: passage Q of B overlapping P by at least 50 words.
            let bw = word_spans(&doc_b);
            let p0 = bw.partition_point(|&(s, _)| s < p_in_b.0);
            let p1 = bw.partition_point(|&(s, _)| s < p_in_b.1);
            let plen = p1 - p0;
            let overlap = rng.range(50.min(plen), plen);
            let o0 = p0 + rng.index(plen - overlap + 1);
            let o1 = o0 + overlap;
            // Q may extend into B's own text, but only on a side where the
            // overlap reaches the edge of P.
            let q0 = if o0 == p0 {
                o0.saturating_sub(rng.range(0, 60))
            } else {
                o0
            };
            let q1 = if o1 == p1 {
                (o1 + rng.range(0, 60)).min(bw.len())
            } else {
                o1
            };
            let q_in_b = (bw[q0].0, bw[q1 - 1].1);
            let q_text = &doc_b[q_in_b.0..q_in_b.1];
            let host_c = fresh_text(rng, ctx.vocab, ctx.lengths);
            let hcw = word_spans(&host_c);
            let (at, own_line) = insertion_points(rng, &host_c, &hcw, 1)[0];
            let (doc_c, rc) = splice(
                &host_c,
                &hcw,
                &[Insert {
                    at,
                    own_line,
                    text: q_text,
                }],
            );
            let q_in_c = rc[0];
            let ov_in_b = (bw[o0].0, bw[o1 - 1].1);
            let ov_in_a = (
                p_in_a.0 + (ov_in_b.0 - p_in_b.0),
                p_in_a.0 + (ov_in_b.1 - p_in_b.0),
            );
            let ov_in_c = (
                q_in_c.0 + (ov_in_b.0 - q_in_b.0),
                q_in_c.0 + (ov_in_b.1 - q_in_b.0),
            );
            let c = DocRef::New(1);
            JobOutput {
                docs: vec![doc_b, doc_c],
                pairs: vec![
                    RawPair {
                        kind: Some(PairKind::Partial),
                        a,
                        b,
                        spans: vec![RawSpan {
                            a: p_in_a,
                            b: p_in_b,
                        }],
                    },
                    RawPair {
                        kind: Some(PairKind::Partial),
                        a: b,
                        b: c,
                        spans: vec![RawSpan {
                            a: q_in_b,
                            b: q_in_c,
                        }],
                    },
                    RawPair {
                        kind: Some(PairKind::Transitive),
                        a,
                        b: c,
                        spans: vec![RawSpan {
                            a: ov_in_a,
                            b: ov_in_c,
                        }],
                    },
                ],
            }
        }
        Job::Negative => {
            let sw = word_spans(source);
            let len = rng.range(10, 40);
            let aligned = rng.chance(0.5);
            let mut q = pick_passage(rng, source, &sw, 0, sw.len(), len, aligned);
            // Sentence snapping may grow the quote; keep it under 41 words.
            q.1 = q.1.min(q.0 + 40);
            let quote = slice_words(source, &sw, q);
            let host = fresh_text(rng, ctx.vocab, ctx.lengths);
            let hw = word_spans(&host);
            let (at, own_line) = insertion_points(rng, &host, &hw, 1)[0];
            let (doc, r) = splice(
                &host,
                &hw,
                &[Insert {
                    at,
                    own_line,
                    text: quote,
                }],
            );
            JobOutput {
                docs: vec![doc],
                pairs: vec![RawPair {
                    kind: None,
                    a,
                    b,
                    spans: vec![RawSpan {
                        a: (sw[q.0].0, sw[q.1 - 1].1),
                        b: r[0],
                    }],
                }],
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Page chrome
// ---------------------------------------------------------------------------

/// Vendors named in the cookie notice.
const VENDORS: &[&str] = &[
    "YouTube",
    "Vimeo",
    "Twitter",
    "Instagram",
    "Spotify",
    "Facebook",
    "Podigee",
    "Datawrapper",
];

/// The page-chrome block kinds and their text (`{Vendor}` is substituted).
pub const CHROME_BLOCKS: &[(&str, &str)] = &[
    (
        "cookie",
        "This content is provided by {Vendor}, which may be using cookies and other \
         technologies. To show you this content, we need your permission to use cookies. \
         You can use the buttons below to change your settings and to enable {Vendor} \
         cookies or to allow those cookies just once. You can change your settings at any \
         time via the Privacy Options.",
    ),
    (
        "newsletter",
        "Sign up for our daily newsletter to get the most important stories of the day \
         delivered straight to your inbox every morning. Enter your email address below and \
         press subscribe. You can unsubscribe at any time.",
    ),
    (
        "team",
        "About the team: our newsroom is a small group of reporters, editors and producers \
         who work around the clock to bring you accurate and independent coverage of the \
         stories that matter. We rely on the support of our readers. If you value our work, \
         please consider becoming a member today.",
    ),
    (
        "video",
        "Please use Chrome browser for a more accessible video player",
    ),
    (
        "share",
        "Share this article with your friends and family. Copy the link or follow us on \
         social media for more updates and breaking news.",
    ),
];

/// A document body with page chrome inserted.
struct Chromed {
    text: String,
    /// (block kind, final byte range of the block text).
    blocks: Vec<(&'static str, (usize, usize))>,
    /// (body offset, inserted byte count), sorted by offset.
    shifts: Vec<(usize, usize)>,
}

/// Inserts 1–3 distinct chrome blocks into `body`, each on its own line, at
/// line boundaries outside the `protected` (planted) ranges.
fn insert_chrome(body: &str, protected: &[(usize, usize)], rng: &mut Rng) -> Chromed {
    let mut candidates = vec![0usize];
    candidates.extend(
        body.bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    candidates.push(body.len());
    candidates.retain(|&p| protected.iter().all(|&(s, e)| p <= s || p >= e));
    let count = match rng.below(10) {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    };
    let mut kinds: Vec<usize> = (0..CHROME_BLOCKS.len()).collect();
    rng.shuffle(&mut kinds);
    let mut inserts: Vec<(usize, usize)> = kinds[..count]
        .iter()
        .map(|&k| (*rng.choose(&candidates), k))
        .collect();
    inserts.sort();
    let mut text = String::with_capacity(body.len() + 400 * count);
    let mut blocks = Vec::with_capacity(count);
    let mut shifts = Vec::with_capacity(count);
    let mut cursor = 0;
    for (p, k) in inserts {
        let (name, template) = CHROME_BLOCKS[k];
        let block = if name == "cookie" {
            template.replace("{Vendor}", rng.choose::<&str>(VENDORS))
        } else {
            template.to_string()
        };
        text.push_str(&body[cursor..p]);
        cursor = p;
        let before = text.len();
        if p == body.len() && !body.is_empty() {
            text.push('\n');
            blocks.push((name, (text.len(), text.len() + block.len())));
            text.push_str(&block);
        } else {
            blocks.push((name, (text.len(), text.len() + block.len())));
            text.push_str(&block);
            text.push('\n');
        }
        shifts.push((p, text.len() - before));
    }
    text.push_str(&body[cursor..]);
    Chromed {
        text,
        blocks,
        shifts,
    }
}

/// Maps a body range to final offsets given the chrome insertions `shifts`
/// (no insertion point lies strictly inside the range).
fn shift_range(shifts: &[(usize, usize)], (s, e): (usize, usize)) -> [usize; 2] {
    let before_start: usize = shifts
        .iter()
        .filter(|&&(p, _)| p <= s)
        .map(|&(_, l)| l)
        .sum();
    let before_end: usize = shifts
        .iter()
        .filter(|&&(p, _)| p < e)
        .map(|&(_, l)| l)
        .sum();
    debug_assert_eq!(before_start, before_end, "chrome inside a planted span");
    [s + before_start, e + before_end]
}

// ---------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------

/// Stream ids for [`Rng::derive`].
const STREAM_PLAN: u64 = 0;
const STREAM_ORIGINAL: u64 = 1 << 40;
const STREAM_JOB: u64 = 2 << 40;
const STREAM_CHROME: u64 = 3 << 40;
const STREAM_FOOTER: u64 = 4 << 40;
const STREAM_SYNDICATED: u64 = 5 << 40;

/// Generates the planted corpus described by `cfg`.
pub fn generate(cfg: &GenConfig) -> Corpus {
    let vocab = Vocab::build(VOCABULARY_SIZE);
    let n = cfg.docs;
    let lengths = Lengths {
        words: cfg.words,
        spread: cfg.words_spread,
    };
    let mut plan = Rng::derive(cfg.seed, STREAM_PLAN);

    // Jobs, in a seed-dependent order.
    let counts = plan_counts(n);
    let mut jobs: Vec<Job> = Vec::new();
    for (&c, &(_, job)) in counts.iter().zip(PLAN) {
        jobs.extend(std::iter::repeat_n(job, c));
    }
    plan.shuffle(&mut jobs);
    let new_total: usize = jobs.iter().map(|&j| new_docs(j)).sum();
    let n_orig = n - new_total;

    // Originals.
    let originals: Vec<String> = (0..n_orig)
        .into_par_iter()
        .map(|i| {
            let mut rng = Rng::derive(cfg.seed, STREAM_ORIGINAL + i as u64);
            fresh_text(&mut rng, &vocab, lengths)
        })
        .collect();

    // Each job uses a distinct original as its source.
    let mut pool: Vec<usize> = (0..n_orig).collect();
    plan.shuffle(&mut pool);
    let ctx = JobCtx {
        vocab: &vocab,
        originals: &originals,
        lengths,
    };
    let outputs: Vec<JobOutput> = jobs
        .par_iter()
        .enumerate()
        .map(|(j, &job)| {
            let mut rng = Rng::derive(cfg.seed, STREAM_JOB + j as u64);
            run_job(&ctx, job, pool[j], &mut rng)
        })
        .collect();

    // Global document ids: originals first, then each job's new documents.
    let mut bodies: Vec<String> = originals;
    let mut pairs: Vec<RawPair<usize>> = Vec::new();
    for out in outputs {
        let base = bodies.len();
        let resolve = |d: DocRef| match d {
            DocRef::Orig(i) => i,
            DocRef::New(k) => base + k,
        };
        for p in out.pairs {
            pairs.push(RawPair {
                kind: p.kind,
                a: resolve(p.a),
                b: resolve(p.b),
                spans: p.spans,
            });
        }
        bodies.extend(out.docs);
    }
    debug_assert_eq!(bodies.len(), n);

    // A syndicated article in originals no job used, between an intro and
    // an outro of their own.
    let unused = &pool[jobs.len().min(pool.len())..];
    let hosts: Vec<usize> = unused.iter().take(cfg.syndicated).copied().collect();
    if hosts.len() >= 2 {
        let mut rng = Rng::derive(cfg.seed, STREAM_SYNDICATED);
        let mut article = String::new();
        write_prose(&mut article, &mut rng, &vocab, cfg.words.max(MIN_DOC_WORDS));
        let mut ranges = Vec::with_capacity(hosts.len());
        for (i, &h) in hosts.iter().enumerate() {
            let mut rng = Rng::derive(cfg.seed, STREAM_SYNDICATED + 1 + i as u64);
            let mut body = String::new();
            let len = rng.range(10, 20);
            write_prose(&mut body, &mut rng, &vocab, len);
            body.push('\n');
            let start = body.len();
            body.push_str(&article);
            ranges.push((start, body.len()));
            body.push('\n');
            let len = rng.range(10, 20);
            write_prose(&mut body, &mut rng, &vocab, len);
            bodies[h] = body;
        }
        for i in 0..hosts.len() {
            for j in i + 1..hosts.len() {
                pairs.push(RawPair {
                    kind: Some(PairKind::Syndicated),
                    a: hosts[i],
                    b: hosts[j],
                    spans: vec![RawSpan {
                        a: ranges[i],
                        b: ranges[j],
                    }],
                });
            }
        }
    }

    // Page chrome into a random quarter of all documents, outside planted spans.
    let mut protected: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for p in &pairs {
        for s in &p.spans {
            protected[p.a].push(s.a);
            protected[p.b].push(s.b);
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    plan.shuffle(&mut order);
    let mut chrome = vec![false; n];
    for &d in &order[..n.div_ceil(4).min(n)] {
        chrome[d] = true;
    }
    let chromed: Vec<Chromed> = bodies
        .into_par_iter()
        .enumerate()
        .map(|(d, body)| {
            if chrome[d] {
                let mut rng = Rng::derive(cfg.seed, STREAM_CHROME + d as u64);
                insert_chrome(&body, &protected[d], &mut rng)
            } else {
                Chromed {
                    text: body,
                    blocks: Vec::new(),
                    shifts: Vec::new(),
                }
            }
        })
        .collect();

    // File names: a random permutation, so names do not reveal sources.
    let mut numbers: Vec<usize> = (0..n).collect();
    plan.shuffle(&mut numbers);
    let names: Vec<String> = numbers.iter().map(|k| format!("{k:06}.txt")).collect();

    let mut truth_pairs = Vec::new();
    let mut negatives = Vec::new();
    for p in pairs {
        let swap = names[p.a] > names[p.b];
        let (a, b) = if swap { (p.b, p.a) } else { (p.a, p.b) };
        let spans: Vec<SpanPair> = p
            .spans
            .iter()
            .map(|s| {
                let (sa, sb) = if swap { (s.b, s.a) } else { (s.a, s.b) };
                SpanPair {
                    a: shift_range(&chromed[a].shifts, sa),
                    b: shift_range(&chromed[b].shifts, sb),
                }
            })
            .collect();
        match p.kind {
            Some(kind) => truth_pairs.push(TruthPair {
                a: names[a].clone(),
                b: names[b].clone(),
                kind,
                spans,
            }),
            None => negatives.push(NegativePair {
                a: names[a].clone(),
                b: names[b].clone(),
                spans,
            }),
        }
    }
    truth_pairs.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    negatives.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));

    let mut footer = String::new();
    if cfg.footer_words > 0 {
        let mut rng = Rng::derive(cfg.seed, STREAM_FOOTER);
        write_prose(&mut footer, &mut rng, &vocab, cfg.footer_words);
    }
    let mut boilerplate = Vec::new();
    let mut docs = Vec::with_capacity(n);
    for (d, c) in chromed.into_iter().enumerate() {
        for (block, range) in c.blocks {
            boilerplate.push(BoilerplateSpan {
                doc: names[d].clone(),
                block: block.to_string(),
                span: [range.0, range.1],
            });
        }
        let mut text = c.text;
        text.push('\n');
        if !footer.is_empty() {
            let mut rng = Rng::derive(cfg.seed, STREAM_FOOTER + 1 + d as u64);
            text.push('\n');
            let start = text.len();
            text.push_str(&format!(
                "Copyright {} Tarrow Valley Media Group. All rights reserved.\n",
                1990 + rng.below(36)
            ));
            text.push_str(&footer);
            boilerplate.push(BoilerplateSpan {
                doc: names[d].clone(),
                block: "footer".to_string(),
                span: [start, text.len()],
            });
            text.push('\n');
        }
        docs.push(GeneratedDoc {
            name: names[d].clone(),
            text,
        });
    }
    boilerplate.sort_by(|x, y| (&x.doc, x.span).cmp(&(&y.doc, y.span)));
    docs.sort_by(|x, y| x.name.cmp(&y.name));

    Corpus {
        docs,
        truth: Truth {
            schema: TRUTH_SCHEMA,
            seed: cfg.seed,
            documents: n,
            pairs: truth_pairs,
            boilerplate,
            negatives,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn small(seed: u64) -> GenConfig {
        GenConfig {
            seed,
            docs: 60,
            words: 150,
            ..GenConfig::default()
        }
    }

    fn words_of(text: &str) -> Vec<String> {
        text.split_whitespace()
            .map(|w| w.trim_end_matches(['.', ',']).to_ascii_lowercase())
            .collect()
    }

    /// Multiset word overlap of two texts, relative to the longer one.
    fn shared_fraction(a: &str, b: &str) -> f64 {
        let longer = words_of(a).len().max(words_of(b).len());
        shared_words(a, b) as f64 / longer as f64
    }

    /// Size of the multiset intersection of the words of two texts.
    fn shared_words(a: &str, b: &str) -> usize {
        let (wa, wb) = (words_of(a), words_of(b));
        let mut counts: HashMap<&str, i64> = HashMap::new();
        for w in &wa {
            *counts.entry(w).or_default() += 1;
        }
        let mut shared = 0;
        for w in &wb {
            if let Some(c) = counts.get_mut(w.as_str()) {
                if *c > 0 {
                    *c -= 1;
                    shared += 1;
                }
            }
        }
        shared
    }

    fn slice(c: &Corpus, name: &str, r: [usize; 2]) -> String {
        let doc = c.doc(name).unwrap_or_else(|| panic!("no document {name}"));
        assert!(r[0] < r[1] && r[1] <= doc.text.len(), "{name} {r:?}");
        doc.text[r[0]..r[1]].to_string()
    }

    #[test]
    fn generation_is_deterministic() {
        let a = generate(&small(7));
        let b = generate(&small(7));
        assert_eq!(a, b);
        // And on disk, byte for byte.
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        a.write(da.path()).unwrap();
        b.write(db.path()).unwrap();
        for doc in &a.docs {
            let x = std::fs::read(da.path().join("docs").join(&doc.name)).unwrap();
            let y = std::fs::read(db.path().join("docs").join(&doc.name)).unwrap();
            assert_eq!(x, y);
            assert_eq!(x, doc.text.as_bytes());
        }
        let ta = std::fs::read(da.path().join("truth.json")).unwrap();
        let tb = std::fs::read(db.path().join("truth.json")).unwrap();
        assert_eq!(ta, tb);
        assert_eq!(Truth::load(&da.path().join("truth.json")).unwrap(), a.truth);
    }

    /// Pins the output for one configuration: the generator must produce the
    /// same corpus in every version. If a change to the generator is
    /// intentional, update the constants (and say so in the commit message).
    #[test]
    fn output_is_pinned() {
        let c = generate(&small(42));
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for d in &c.docs {
            h.update(d.name.as_bytes());
            h.update(d.text.as_bytes());
        }
        let docs = h.digest();
        let truth = xxhash_rust::xxh3::xxh3_64(serde_json::to_string(&c.truth).unwrap().as_bytes());
        assert_eq!(
            (docs, truth),
            (0x6d1b_619b_18b7_f154, 0xc681_963a_66ad_c0e3),
            "docs {docs:#018x} truth {truth:#018x}"
        );
    }

    #[test]
    fn different_seeds_differ() {
        let a = generate(&small(1));
        let b = generate(&small(2));
        assert_ne!(a.docs, b.docs);
    }

    #[test]
    fn names_are_a_permutation() {
        let c = generate(&small(3));
        let names: Vec<String> = c.docs.iter().map(|d| d.name.clone()).collect();
        let expected: Vec<String> = (0..60).map(|i| format!("{i:06}.txt")).collect();
        assert_eq!(names, expected);
        assert_eq!(c.truth.documents, 60);
        assert!(c.docs.iter().all(|d| d.text.ends_with('\n')));
    }

    #[test]
    fn footer_and_syndicated_article_are_planted() {
        let c = generate(&GenConfig {
            footer_words: 120,
            syndicated: 4,
            ..small(5)
        });
        let footers: Vec<_> = c
            .truth
            .boilerplate
            .iter()
            .filter(|b| b.block == "footer")
            .collect();
        assert_eq!(footers.len(), 60, "one footer per document");
        for f in &footers {
            let text = &c.doc(&f.doc).unwrap().text;
            assert!(text[f.span[0]..f.span[1]].starts_with("Copyright "));
            assert_eq!(text[f.span[1]..].trim(), "", "the footer ends the document");
        }
        let synd: Vec<_> = c
            .truth
            .pairs
            .iter()
            .filter(|p| p.kind == PairKind::Syndicated)
            .collect();
        assert_eq!(synd.len(), 6, "every pair of 4 carriers");
        let article = |name: &str, r: [usize; 2]| c.doc(name).unwrap().text[r[0]..r[1]].to_string();
        let first = article(&synd[0].a, synd[0].spans[0].a);
        for p in &synd {
            assert_eq!(article(&p.a, p.spans[0].a), first);
            assert_eq!(article(&p.b, p.spans[0].b), first);
        }
    }

    #[test]
    fn every_kind_is_planted() {
        let c = generate(&GenConfig {
            syndicated: 3,
            ..small(4)
        });
        for kind in PairKind::ALL {
            assert!(
                c.truth.pairs.iter().any(|p| p.kind == kind),
                "no {kind:?} pair"
            );
        }
        assert!(!c.truth.negatives.is_empty());
        assert_eq!(
            c.truth
                .boilerplate
                .iter()
                .map(|b| &b.doc)
                .collect::<HashSet<_>>()
                .len(),
            15
        );
    }

    /// Checks that every truth span is shared text, as promised.
    fn check_truth_spans(c: &Corpus) {
        for p in &c.truth.pairs {
            assert!(p.a < p.b, "{p:?}");
            assert!(!p.spans.is_empty());
            let mut words = 0;
            for s in &p.spans {
                let (a, b) = (slice(c, &p.a, s.a), slice(c, &p.b, s.b));
                // Spans start and end on word boundaries.
                for t in [&a, &b] {
                    assert!(!t.starts_with(char::is_whitespace), "{p:?}");
                    assert!(!t.ends_with(char::is_whitespace), "{p:?}");
                }
                if p.kind.is_exact() {
                    assert_eq!(a, b, "{p:?}");
                } else {
                    let min = if p.kind == PairKind::NearHeavy {
                        0.7
                    } else {
                        0.85
                    };
                    let f = shared_fraction(&a, &b);
                    assert!(f >= min, "{p:?}: shared {f}");
                    assert_ne!(a, b, "{p:?}: no edit at all");
                }
                words += if p.kind.is_exact() {
                    words_of(&a).len()
                } else {
                    shared_words(&a, &b)
                };
            }
            assert!(words >= 50, "{p:?}: {words} words");
        }
    }

    #[test]
    fn truth_spans_are_shared_text() {
        for seed in 0..6 {
            check_truth_spans(&generate(&small(seed)));
        }
    }

    /// `cargo test --release --lib eval -- --ignored`: full-size corpora.
    #[test]
    #[ignore = "slow in debug builds"]
    fn truth_spans_are_shared_text_full_size() {
        for seed in 0..5 {
            let c = generate(&GenConfig {
                seed,
                ..GenConfig::default()
            });
            check_truth_spans(&c);
        }
    }

    #[test]
    fn whole_and_concat_copy_full_documents() {
        let c = generate(&small(5));
        let chrome: HashMap<&str, Vec<[usize; 2]>> =
            c.truth.boilerplate.iter().fold(HashMap::new(), |mut m, b| {
                m.entry(b.doc.as_str()).or_default().push(b.span);
                m
            });
        for p in &c.truth.pairs {
            if !matches!(
                p.kind,
                PairKind::Whole | PairKind::NearLight | PairKind::NearHeavy
            ) {
                continue;
            }
            // Outside chrome, the span is the whole document (minus the
            // final newline).
            for (name, r) in [(&p.a, p.spans[0].a), (&p.b, p.spans[0].b)] {
                let text = &c.doc(name).unwrap().text;
                let chrome_len: usize = chrome
                    .get(name.as_str())
                    .map_or(0, |v| v.iter().map(|s| s[1] - s[0] + 1).sum());
                assert_eq!(r[1] - r[0] + chrome_len + 1, text.len(), "{p:?}");
            }
        }
    }

    #[test]
    fn chrome_spans_hold_chrome_and_avoid_planted_text() {
        let c = generate(&small(6));
        assert!(!c.truth.boilerplate.is_empty());
        let mut planted: HashMap<&str, Vec<[usize; 2]>> = HashMap::new();
        for p in &c.truth.pairs {
            for s in &p.spans {
                planted.entry(&p.a).or_default().push(s.a);
                planted.entry(&p.b).or_default().push(s.b);
            }
        }
        for b in &c.truth.boilerplate {
            let text = slice(&c, &b.doc, b.span);
            let (_, template) = CHROME_BLOCKS
                .iter()
                .find(|(name, _)| *name == b.block)
                .expect("known block");
            if b.block == "cookie" {
                let vendor = VENDORS
                    .iter()
                    .find(|v| text.contains(&format!("provided by {v},")))
                    .expect("a vendor");
                assert_eq!(text, template.replace("{Vendor}", vendor));
            } else {
                assert_eq!(&text, template);
            }
            let words = text.split_whitespace().count();
            assert!((10..=90).contains(&words), "{} has {words} words", b.block);
            // Chrome sits on its own line.
            let doc = &c.doc(&b.doc).unwrap().text;
            assert!(b.span[0] == 0 || doc.as_bytes()[b.span[0] - 1] == b'\n');
            assert_eq!(doc.as_bytes()[b.span[1]], b'\n');
            for s in planted.get(b.doc.as_str()).into_iter().flatten() {
                assert!(b.span[1] <= s[0] || b.span[0] >= s[1], "{b:?} in {s:?}");
            }
        }
    }

    #[test]
    fn negatives_share_a_short_quote_only() {
        let c = generate(&small(8));
        let pairs: HashSet<(&str, &str)> = c
            .truth
            .pairs
            .iter()
            .map(|p| (p.a.as_str(), p.b.as_str()))
            .collect();
        for n in &c.truth.negatives {
            assert!(n.a < n.b);
            assert!(!pairs.contains(&(n.a.as_str(), n.b.as_str())));
            for s in &n.spans {
                let (a, b) = (slice(&c, &n.a, s.a), slice(&c, &n.b, s.b));
                assert_eq!(a, b);
                let words = a.split_whitespace().count();
                assert!((10..=40).contains(&words), "{words}");
            }
        }
    }

    #[test]
    fn families_stay_small() {
        let c = generate(&small(9));
        let mut partners: HashMap<&str, HashSet<&str>> = HashMap::new();
        for p in &c.truth.pairs {
            partners.entry(&p.a).or_default().insert(&p.b);
            partners.entry(&p.b).or_default().insert(&p.a);
        }
        assert!(partners.values().all(|v| v.len() <= 2));
    }

    #[test]
    fn plan_scales_with_corpus() {
        let c = plan_counts(2000);
        assert_eq!(c, vec![80, 100, 100, 120, 80, 80, 40, 60]);
        let c = plan_counts(20_000);
        assert_eq!(c[3], 1200);
        for n in [1, 2, 5, 10, 29, 30, 31, 100] {
            let c = plan_counts(n);
            let used: usize = c
                .iter()
                .zip(PLAN)
                .map(|(&c, &(_, job))| c * (1 + new_docs(job)))
                .sum();
            assert!(used <= n, "{n}: {c:?}");
        }
    }

    #[test]
    fn tiny_corpora_work() {
        for docs in [1, 3, 10, 31] {
            let c = generate(&GenConfig {
                seed: 1,
                docs,
                words: 20,
                ..GenConfig::default()
            });
            assert_eq!(c.docs.len(), docs);
        }
    }

    #[test]
    fn edits_hit_the_requested_rate() {
        let vocab = Vocab::build(2000);
        let mut rng = Rng::new(5);
        let mut text = String::new();
        write_prose(&mut text, &mut rng, &vocab, 5000);
        for rate in [0.04, 0.12] {
            let (edited, kept) = edit_words(&text, rate, &mut rng, &vocab);
            // Substitutions and deletions drop an original word, insertions
            // keep it: 2/3 of the edits drop one.
            let n = words_of(&text).len() as f64;
            let f = kept as f64 / n;
            let expected = 1.0 - rate * 2.0 / 3.0;
            assert!((f - expected).abs() < 0.01, "rate {rate}: kept {f}");
            let changed = 1.0 - shared_fraction(&text, &edited);
            assert!(changed > rate / 3.0, "rate {rate}: changed {changed}");
            assert_eq!(text.lines().count(), edited.lines().count());
            assert!(edited.ends_with('.'));
        }
    }

    #[test]
    fn splice_records_inserted_ranges() {
        let host = "One two three.\nFour five six.";
        let spans = word_spans(host);
        let (out, r) = splice(
            host,
            &spans,
            &[
                Insert {
                    at: 0,
                    own_line: true,
                    text: "X y.",
                },
                Insert {
                    at: 2,
                    own_line: false,
                    text: "mid",
                },
                Insert {
                    at: 6,
                    own_line: true,
                    text: "End.",
                },
            ],
        );
        assert_eq!(out, "X y.\nOne two mid three.\nFour five six.\nEnd.");
        assert_eq!(&out[r[0].0..r[0].1], "X y.");
        assert_eq!(&out[r[1].0..r[1].1], "mid");
        assert_eq!(&out[r[2].0..r[2].1], "End.");
    }

    #[test]
    fn prose_looks_like_prose() {
        let vocab = Vocab::build(VOCABULARY_SIZE);
        assert_eq!(vocab.words.len(), VOCABULARY_SIZE);
        let mut rng = Rng::new(11);
        let mut text = String::new();
        write_prose(&mut text, &mut rng, &vocab, 400);
        for line in text.lines() {
            assert!(line.ends_with('.'));
            assert!(line.starts_with(|c: char| c.is_ascii_uppercase()));
        }
        assert!(text.split_whitespace().count() >= 400);
        assert!(text.is_ascii());
    }
}
