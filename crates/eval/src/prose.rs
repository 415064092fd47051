//! Planted corpora in real prose: the quality bench's harder mode.
//!
//! [`generate`](super::generate()) plants into a made-up vocabulary whose
//! passages are very distinctive. This module plants into **real text**
//! instead: the paragraphs of a [`ProsePool`] read from a folder of mail
//! messages or license texts (the SpamAssassin bodies, the SPDX texts:
//! installed by `benches/quality/prose.sh`, never committed). Function words
//! repeat, phrases recur across documents, sentences are long or short and
//! punctuation is sloppy, so alignment boundaries and fragmentation are put
//! to a real test.
//!
//! Every planted passage has 50-80 words (neardup's words, on both sides),
//! the reportable minimum and a little more. The kinds:
//!
//! | kind        | the copy in `b`                                                        |
//! |-------------|------------------------------------------------------------------------|
//! | `copied`    | a passage of `a`, verbatim, inside another document                   |
//! | `rewrapped` | the same with its lines re-flowed to another width (or one line)     |
//! | `edited`    | the same with word edits (20% by default: substitute, delete, insert) |
//! | `reordered` | the same with its sentences in another order                           |
//! | `inserted`  | the same with a foreign sentence (8-30 words) inserted in its middle   |
//! | `shuffled`  | the whole of `a` with its paragraphs in another order (one case per paragraph) |
//!
//! Short quotes (10-40 words) are the negatives, as in the generated mode.
//! Insertions sit between paragraphs or in the middle of one; a passage is
//! sentence-aligned or not, half the time each.
//!
//! **The pool** ([`ProsePool::from_texts`]): a mail header block is dropped
//! (and a message whose body is HTML, multipart or encoded is skipped),
//! the text is cut at a signature line (`-- `), split into paragraphs at
//! blank lines; a paragraph is kept when it has 12 words or more (neardup's) and
//! at most 300, no quoted
//! line (`>`, `|`), no address, URL or rule line, at least 85% of its
//! words alphabetic, and when it shares no run of 8 words with a paragraph
//! kept before it (mailing lists quote and repeat themselves; those repeats
//! would be real, unrecorded duplicates), nor a run of 8 words twice
//! within itself (neardup takes what a document repeats for its chrome, by
//! design: DESIGN.md, "Boilerplate: chrome by what it is"). Shorter paragraphs are left out
//! because 12 words is the shortest block neardup promises to see (the
//! winnowing guarantee, DESIGN.md), and a shuffled copy has one case per
//! paragraph.
//!
//! Output is a pure function of the pool and the [`ProseConfig`].

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;

use super::generate::{Corpus, GeneratedDoc};
use super::rng::Rng;
use super::{NegativePair, PairKind, SpanPair, Truth, TruthPair, TRUTH_SCHEMA};

/// Fewest words of a pool paragraph.
pub const MIN_PARAGRAPH_WORDS: usize = 12;
/// Most words of a pool paragraph.
pub const MAX_PARAGRAPH_WORDS: usize = 300;
/// A paragraph sharing a run of this many words with an earlier one is a
/// repeat, left out of the pool.
pub const REPEAT_RUN: usize = 8;
/// Fewest words (neardup's) of a planted passage, on both sides.
pub const MIN_PASSAGE_WORDS: usize = 50;
/// Most words (neardup's) of a planted passage in `a`.
pub const MAX_PASSAGE_WORDS: usize = 80;

/// Paragraphs of real text to build documents from.
#[derive(Clone, Debug, Default)]
pub struct ProsePool {
    paragraphs: Vec<String>,
    /// Every word of the pool (with repeats: sampling it is sampling the
    /// pool's word frequencies), for substitutions and insertions.
    vocab: Vec<String>,
    /// Texts read.
    texts: usize,
}

impl ProsePool {
    /// Reads every `*.txt` file under `dir` (recursively, in path order).
    pub fn from_dir(dir: &Path) -> anyhow::Result<ProsePool> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in
                std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))?
            {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "txt") {
                    files.push(path);
                }
            }
        }
        files.sort();
        anyhow::ensure!(!files.is_empty(), "no *.txt files under {}", dir.display());
        let mut texts = Vec::with_capacity(files.len());
        for f in &files {
            let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
            texts.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        Ok(ProsePool::from_texts(&texts))
    }

    /// Builds the pool from texts (mail messages or plain text), in order.
    pub fn from_texts<S: AsRef<str>>(texts: &[S]) -> ProsePool {
        let mut pool = ProsePool::default();
        let mut seen: HashSet<u64> = HashSet::new();
        let mut candidates = Vec::new();
        for t in texts {
            pool.texts += 1;
            candidates.clear();
            paragraphs_of(t.as_ref(), &mut candidates);
            for p in candidates.drain(..) {
                let runs = word_runs(&p, REPEAT_RUN);
                if runs.iter().any(|h| seen.contains(h)) || repeats_itself(&runs) {
                    continue;
                }
                seen.extend(runs);
                pool.vocab
                    .extend(p.split_whitespace().filter_map(core).map(str::to_string));
                pool.paragraphs.push(p);
            }
        }
        pool
    }

    /// The kept paragraphs, lines trimmed and joined by `'\n'`.
    pub fn paragraphs(&self) -> &[String] {
        &self.paragraphs
    }

    /// Whitespace-separated words in all paragraphs.
    pub fn words(&self) -> usize {
        self.vocab.len()
    }

    /// Texts the pool was read from.
    pub fn texts(&self) -> usize {
        self.texts
    }
}

/// The alphabetic core of a whitespace word (its leading and trailing
/// punctuation stripped), when it is a word of letters (inner apostrophes
/// and hyphens allowed).
fn core(token: &str) -> Option<&str> {
    let c = token.trim_matches(|c: char| !c.is_alphanumeric());
    (!c.is_empty()
        && c.chars()
            .all(|c| c.is_alphabetic() || c == '\'' || c == '-'))
    .then_some(c)
}

/// FNV-1a hashes of every run of `n` words (lowercased alphanumeric cores)
/// of `text`.
/// Whether a paragraph holds the same run of words twice (a package list
/// printed twice, a refrain): neardup takes text a document repeats for
/// its chrome, by design, so such a paragraph is no clean planted passage.
fn repeats_itself(runs: &[u64]) -> bool {
    let mut sorted = runs.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).any(|w| w[0] == w[1])
}

fn word_runs(text: &str, n: usize) -> Vec<u64> {
    let words: Vec<u64> = text
        .split_whitespace()
        .map(|t| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for c in t.chars().filter(|c| c.is_alphanumeric()) {
                for l in c.to_lowercase() {
                    let mut b = [0u8; 4];
                    for &x in l.encode_utf8(&mut b).as_bytes() {
                        h = (h ^ x as u64).wrapping_mul(0x0000_0100_0000_01b3);
                    }
                }
            }
            h
        })
        .collect();
    words
        .windows(n.min(words.len()).max(1))
        .map(|w| {
            w.iter().fold(0x9e37_79b9_7f4a_7c15u64, |acc, &x| {
                (acc ^ x)
                    .wrapping_mul(0x0000_0100_0000_01b3)
                    .rotate_left(29)
            })
        })
        .collect()
}

/// Appends the acceptable paragraphs of one text to `out` (see the module
/// documentation).
fn paragraphs_of(text: &str, out: &mut Vec<String>) {
    let text = text.replace("\r\n", "\n").replace(['\t', '\r'], " ");
    let header = neardup::normalize::mail_header_len(&text);
    if header > 0 {
        let h = text[..header].to_ascii_lowercase();
        if ["text/html", "multipart/", "base64", "quoted-printable"]
            .iter()
            .any(|x| h.contains(x))
        {
            return;
        }
    }
    let mut lines: Vec<&str> = Vec::new();
    for line in text[header..].split('\n').chain(std::iter::once("")) {
        let t = line.trim();
        if t == "--" {
            break;
        }
        if t.is_empty() {
            if let Some(p) = acceptable(&lines) {
                out.push(p);
            }
            lines.clear();
        } else {
            lines.push(t);
        }
    }
    if let Some(p) = acceptable(&lines) {
        out.push(p);
    }
}

fn acceptable(lines: &[&str]) -> Option<String> {
    if lines.is_empty() || lines.iter().any(|l| l.starts_with(['>', '|', ':'])) {
        return None;
    }
    let text = lines.join("\n");
    const NOT_PROSE: &[&str] = &[
        "http", "www.", "@", "___", "---", "===", "***", "<", ">", "\u{FFFD}",
    ];
    if NOT_PROSE.iter().any(|x| text.contains(x)) {
        return None;
    }
    let tokens: Vec<&str> = text.split_whitespace().collect();
    if tokens.len() > MAX_PARAGRAPH_WORDS || word_count(&text) < MIN_PARAGRAPH_WORDS {
        return None;
    }
    let alpha = tokens.iter().filter(|t| core(t).is_some()).count();
    (alpha * 100 >= tokens.len() * 85).then_some(text)
}

// ---------------------------------------------------------------------------
// Configuration and plan
// ---------------------------------------------------------------------------

/// Parameters of a planted corpus in real prose.
#[derive(Clone, Debug, PartialEq)]
pub struct ProseConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Documents in the corpus (at most what the pool holds: see
    /// [`capacity`]).
    pub docs: usize,
    /// Mean words per document (each has 0.5x to 1.5x, at least 60).
    pub words: usize,
    /// Share of the words of an `edited` copy that are edited.
    pub edit_rate: f64,
}

impl Default for ProseConfig {
    fn default() -> Self {
        ProseConfig {
            seed: 42,
            docs: 1000,
            words: 250,
            edit_rate: 0.2,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Job {
    Plant(PairKind),
    Shuffled,
    Negative,
}

/// Fractions of the corpus size: how many plantings of each kind.
const PLAN: &[(f64, Job)] = &[
    (0.05, Job::Plant(PairKind::Copied)),
    (0.05, Job::Plant(PairKind::Rewrapped)),
    (0.05, Job::Plant(PairKind::Edited)),
    (0.05, Job::Plant(PairKind::Reordered)),
    (0.05, Job::Plant(PairKind::Inserted)),
    (0.05, Job::Shuffled),
    (0.03, Job::Negative),
];

fn plan_counts(n: usize) -> Vec<usize> {
    PLAN.iter()
        .map(|&(f, _)| {
            let c = (n as f64 * f).round() as usize;
            if n >= 30 {
                c.max(1)
            } else {
                c
            }
        })
        .collect()
}

/// About how many documents of `words` mean words the pool can make (each
/// takes its own paragraphs; some are spent on inserted sentences).
pub fn capacity(pool: &ProsePool, words: usize) -> usize {
    (pool.words() as f64 / (words.max(1) as f64 * 1.08)) as usize
}

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

/// Whitespace-separated tokens of `text` with byte ranges and neardup word
/// counts.
struct Tokens {
    spans: Vec<(usize, usize)>,
    words: Vec<usize>,
}

impl Tokens {
    fn of(text: &str) -> Tokens {
        let mut spans = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (c.is_whitespace(), start) {
                (true, Some(s)) => {
                    spans.push((s, i));
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        if let Some(s) = start {
            spans.push((s, text.len()));
        }
        let mut toks = Vec::new();
        let words = spans
            .iter()
            .map(|&(s, e)| {
                neardup::normalize::tokenize(&text[s..e], &mut toks);
                toks.len()
            })
            .collect();
        Tokens { spans, words }
    }

    fn len(&self) -> usize {
        self.spans.len()
    }
}

/// neardup's word count of `text`.
fn word_count(text: &str) -> usize {
    let mut toks = Vec::new();
    neardup::normalize::tokenize(text, &mut toks);
    toks.len()
}

/// Whether token `t` of `text` ends a sentence.
fn ends_sentence(text: &str, t: (usize, usize)) -> bool {
    let s = text[t.0..t.1].trim_end_matches(['"', '\'', ')', ']']);
    s.ends_with(['.', '!', '?']) || text[t.1..].starts_with("\n\n") || t.1 == text.len()
}

/// A passage of `a` (token range) with 50-80 neardup words, starting and
/// ending on tokens that hold a word; sentence-aligned when asked and
/// possible.
fn pick_passage(rng: &mut Rng, text: &str, tk: &Tokens, aligned: bool) -> (usize, usize) {
    let n = tk.len();
    let target = rng.range(MIN_PASSAGE_WORDS, MAX_PASSAGE_WORDS);
    for _ in 0..200 {
        let mut start = rng.index(n);
        if aligned {
            while start > 0 && !ends_sentence(text, tk.spans[start - 1]) {
                start -= 1;
            }
        }
        while start < n && tk.words[start] == 0 {
            start += 1;
        }
        let (mut end, mut count) = (start, 0);
        while end < n && count < target {
            count += tk.words[end];
            end += 1;
        }
        if count < target {
            continue;
        }
        if aligned {
            let (mut e, mut c) = (end, count);
            while e < n && !ends_sentence(text, tk.spans[e - 1]) {
                c += tk.words[e];
                e += 1;
            }
            if c <= MAX_PASSAGE_WORDS && ends_sentence(text, tk.spans[e - 1]) {
                end = e;
            }
        }
        while end > start && tk.words[end - 1] == 0 {
            end -= 1;
        }
        if end > start
            && word_count(&text[tk.spans[start].0..tk.spans[end - 1].1]) >= MIN_PASSAGE_WORDS
        {
            return (start, end);
        }
    }
    (0, n)
}

/// The bytes of tokens `r` of `text`.
fn byte_range(tk: &Tokens, r: (usize, usize)) -> (usize, usize) {
    (tk.spans[r.0].0, tk.spans[r.1 - 1].1)
}

/// `text` re-flowed into lines of at most `width` characters (0: one line).
fn rewrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut line = 0;
    for w in text.split_whitespace() {
        if line > 0 {
            if width > 0 && line + 1 + w.chars().count() > width {
                out.push('\n');
                line = 0;
            } else {
                out.push(' ');
                line += 1;
            }
        }
        out.push_str(w);
        line += w.chars().count();
    }
    out
}

fn capitalised(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// `text` with word edits at `rate`: each token is, with that probability,
/// substituted (its letters replaced by a pool word, its punctuation and
/// capital kept), deleted, or followed by an inserted pool word. Line
/// breaks are kept.
fn edit(text: &str, rate: f64, rng: &mut Rng, vocab: &[String]) -> String {
    let tk = Tokens::of(text);
    let mut out: Vec<(String, String)> = Vec::with_capacity(tk.len() + 8);
    for (i, &(s, e)) in tk.spans.iter().enumerate() {
        let word = &text[s..e];
        let sep = match tk.spans.get(i + 1) {
            Some(&(n, _)) => text[e..n].to_string(),
            None => String::new(),
        };
        if !rng.chance(rate) || vocab.is_empty() {
            out.push((word.to_string(), sep));
            continue;
        }
        let new = rng.choose(vocab).to_lowercase();
        match rng.below(3) {
            0 => {
                let lead = word.len()
                    - word
                        .trim_start_matches(|c: char| !c.is_alphanumeric())
                        .len();
                let trail =
                    word.len() - word.trim_end_matches(|c: char| !c.is_alphanumeric()).len();
                let (l, rest) = word.split_at(lead);
                let (mid, t) = rest.split_at(rest.len().saturating_sub(trail));
                let w = if mid.chars().next().is_some_and(char::is_uppercase) {
                    capitalised(&new)
                } else {
                    new
                };
                out.push((format!("{l}{w}{t}"), sep));
            }
            1 => {
                if let Some(last) = out.last_mut() {
                    if sep.contains('\n') || sep.is_empty() {
                        last.1 = sep;
                    }
                }
            }
            _ => {
                out.push((word.to_string(), " ".to_string()));
                out.push((new, sep));
            }
        }
    }
    let mut s = String::with_capacity(text.len() + 16);
    for (w, sep) in out {
        s.push_str(&w);
        s.push_str(&sep);
    }
    s.trim().to_string()
}

/// The segments (token ranges) of tokens `r`: sentences; clauses when there
/// are fewer than two; else three equal parts.
fn segments(text: &str, tk: &Tokens, r: (usize, usize)) -> Vec<(usize, usize)> {
    let split = |at: &dyn Fn(usize) -> bool| {
        let mut v = Vec::new();
        let mut s = r.0;
        for i in r.0..r.1 {
            if at(i) && i + 1 < r.1 {
                v.push((s, i + 1));
                s = i + 1;
            }
        }
        v.push((s, r.1));
        v
    };
    let v = split(&|i| ends_sentence(text, tk.spans[i]));
    if v.len() >= 2 {
        return v;
    }
    let v = split(&|i| text[tk.spans[i].0..tk.spans[i].1].ends_with([',', ';', ':']));
    if v.len() >= 2 {
        return v;
    }
    let n = r.1 - r.0;
    vec![
        (r.0, r.0 + n / 3),
        (r.0 + n / 3, r.0 + 2 * n / 3),
        (r.0 + 2 * n / 3, r.1),
    ]
}

/// A permutation of `0..n` other than the identity (`n >= 2`).
fn shuffled_order(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    while order.windows(2).all(|w| w[0] < w[1]) {
        rng.shuffle(&mut order);
    }
    order
}

/// Inserts `text` into `host`: between two paragraphs (or before the first,
/// after the last) or between two words of a paragraph. Returns the new
/// text and where `text` is in it.
fn insert(rng: &mut Rng, host: &str, text: &str) -> (String, (usize, usize)) {
    let tk = Tokens::of(host);
    let (at, sep) = if rng.chance(0.5) || tk.len() < 3 {
        let mut points = vec![0, host.len()];
        points.extend(host.match_indices("\n\n").map(|(i, _)| i + 2));
        (*rng.choose(&points), "\n\n")
    } else {
        let i = rng.range(1, tk.len() - 1);
        (tk.spans[i].0, " ")
    };
    let mut out = String::with_capacity(host.len() + text.len() + 4);
    let before = host[..at].trim_end();
    out.push_str(before);
    if !before.is_empty() {
        out.push_str(sep);
    }
    let start = out.len();
    out.push_str(text);
    let end = out.len();
    let after = host[at..].trim_start();
    if !after.is_empty() {
        out.push_str(sep);
        out.push_str(after);
    }
    (out, (start, end))
}

// ---------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------

/// Hands out the pool's paragraphs, in a seed-dependent order, each once.
struct Paragraphs<'a> {
    pool: &'a ProsePool,
    order: Vec<usize>,
    next: usize,
}

impl Paragraphs<'_> {
    fn one(&mut self) -> anyhow::Result<&str> {
        let i = *self.order.get(self.next).ok_or_else(|| {
            anyhow::anyhow!(
                "the pool ran out of paragraphs ({} of {} words): ask for fewer documents",
                self.pool.paragraphs.len(),
                self.pool.words()
            )
        })?;
        self.next += 1;
        Ok(&self.pool.paragraphs[i])
    }

    /// A document of about `words` words, as paragraphs.
    fn doc(&mut self, rng: &mut Rng, words: usize) -> anyhow::Result<Vec<String>> {
        let target = ((words as f64 * (0.5 + rng.f64())).round() as usize).max(60);
        let mut paras = Vec::new();
        let mut n = 0;
        while n < target {
            let p = self.one()?;
            n += p.split_whitespace().count();
            paras.push(p.to_string());
        }
        Ok(paras)
    }
}

/// A planted pair in document indices and final byte ranges.
struct Planted {
    kind: Option<PairKind>,
    a: usize,
    b: usize,
    spans: Vec<((usize, usize), (usize, usize))>,
}

/// Generates a planted corpus in the prose of `pool` (see the module
/// documentation). Fails when the pool holds too few paragraphs.
pub fn generate_prose(pool: &ProsePool, cfg: &ProseConfig) -> anyhow::Result<Corpus> {
    let n = cfg.docs;
    let mut plan = Rng::derive(cfg.seed, 0);
    let counts = plan_counts(n);
    let mut jobs: Vec<Job> = Vec::new();
    for (&c, &(_, job)) in counts.iter().zip(PLAN) {
        jobs.extend(std::iter::repeat_n(job, c));
    }
    plan.shuffle(&mut jobs);
    anyhow::ensure!(
        2 * jobs.len() <= n,
        "{n} documents are too few for {} plantings",
        jobs.len()
    );
    let n_orig = n - jobs.len();
    let mut order: Vec<usize> = (0..pool.paragraphs.len()).collect();
    plan.shuffle(&mut order);
    let mut paras = Paragraphs {
        pool,
        order,
        next: 0,
    };
    let mut originals: Vec<Vec<String>> = Vec::with_capacity(n_orig);
    for i in 0..n_orig {
        let mut rng = Rng::derive(cfg.seed, (1 << 40) + i as u64);
        originals.push(paras.doc(&mut rng, cfg.words)?);
    }
    // Each job takes a distinct original; a shuffled copy needs three
    // paragraphs or more.
    let mut pool_idx: Vec<usize> = (0..n_orig).collect();
    plan.shuffle(&mut pool_idx);
    let mut used = vec![false; n_orig];
    let mut sources = Vec::with_capacity(jobs.len());
    for &job in &jobs {
        let need = if job == Job::Shuffled { 3 } else { 1 };
        let s = pool_idx
            .iter()
            .copied()
            .find(|&s| !used[s] && originals[s].len() >= need)
            .or_else(|| pool_idx.iter().copied().find(|&s| !used[s]))
            .expect("as many originals as jobs");
        used[s] = true;
        sources.push(s);
    }
    let mut texts: Vec<String> = originals.iter().map(|p| p.join("\n\n")).collect();
    let mut planted: Vec<Planted> = Vec::new();
    for (j, (&job, &src)) in jobs.iter().zip(&sources).enumerate() {
        let mut rng = Rng::derive(cfg.seed, (2 << 40) + j as u64);
        let a_text = texts[src].clone();
        let b = texts.len();
        match job {
            Job::Shuffled => {
                let ps = &originals[src];
                let order = if ps.len() >= 2 {
                    shuffled_order(&mut rng, ps.len())
                } else {
                    vec![0]
                };
                let mut starts = Vec::with_capacity(ps.len());
                let mut at = 0;
                for p in ps {
                    starts.push(at);
                    at += p.len() + 2;
                }
                let mut copy = String::new();
                let mut spans = vec![((0, 0), (0, 0)); ps.len()];
                for &i in &order {
                    if !copy.is_empty() {
                        copy.push_str("\n\n");
                    }
                    spans[i] = (
                        (starts[i], starts[i] + ps[i].len()),
                        (copy.len(), copy.len() + ps[i].len()),
                    );
                    copy.push_str(&ps[i]);
                }
                texts.push(copy);
                planted.push(Planted {
                    kind: Some(PairKind::Shuffled),
                    a: src,
                    b,
                    spans,
                });
            }
            Job::Negative => {
                let tk = Tokens::of(&a_text);
                let len = rng.range(10, 40);
                let start = rng.index(tk.len().saturating_sub(len).max(1));
                let (mut end, mut count) = (start, 0);
                while end < tk.len() && count + tk.words[end] <= len {
                    count += tk.words[end];
                    end += 1;
                }
                let r = byte_range(&tk, (start, end.max(start + 1)));
                let host = paras.doc(&mut rng, cfg.words)?.join("\n\n");
                let (doc, rb) = insert(&mut rng, &host, &a_text[r.0..r.1]);
                texts.push(doc);
                planted.push(Planted {
                    kind: None,
                    a: src,
                    b,
                    spans: vec![(r, rb)],
                });
            }
            Job::Plant(kind) => {
                let tk = Tokens::of(&a_text);
                let aligned = kind == PairKind::Reordered || rng.chance(0.5);
                let r = pick_passage(&mut rng, &a_text, &tk, aligned);
                let ra = byte_range(&tk, r);
                let passage = &a_text[ra.0..ra.1];
                let copy = match kind {
                    PairKind::Copied => passage.to_string(),
                    PairKind::Rewrapped => {
                        let width = if rng.chance(0.25) {
                            0
                        } else {
                            rng.range(30, 100)
                        };
                        rewrap(passage, width)
                    }
                    PairKind::Edited => {
                        let mut c = passage.to_string();
                        for _ in 0..100 {
                            c = edit(passage, cfg.edit_rate, &mut rng, &pool.vocab);
                            if c != passage && word_count(&c) >= MIN_PASSAGE_WORDS {
                                break;
                            }
                        }
                        c
                    }
                    PairKind::Reordered => {
                        let segs = segments(&a_text, &tk, r);
                        let order = shuffled_order(&mut rng, segs.len());
                        order
                            .iter()
                            .map(|&i| {
                                let (s, e) = byte_range(&tk, segs[i]);
                                &a_text[s..e]
                            })
                            .collect::<Vec<_>>()
                            .join(" ")
                    }
                    PairKind::Inserted => {
                        let foreign = foreign_sentence(&mut rng, paras.one()?);
                        let segs = segments(&a_text, &tk, r);
                        let mid = (r.0 + r.1) / 2;
                        let at = segs
                            .iter()
                            .map(|s| s.0)
                            .filter(|&s| s > r.0)
                            .min_by_key(|&s| s.abs_diff(mid))
                            .unwrap_or(mid);
                        let at = tk.spans[at].0 - ra.0;
                        let (head, tail) = passage.split_at(at);
                        format!("{} {foreign} {}", head.trim_end(), tail)
                    }
                    _ => unreachable!("not a prose planting"),
                };
                let host = paras.doc(&mut rng, cfg.words)?.join("\n\n");
                let (doc, rb) = insert(&mut rng, &host, &copy);
                texts.push(doc);
                planted.push(Planted {
                    kind: Some(kind),
                    a: src,
                    b,
                    spans: vec![(ra, rb)],
                });
            }
        }
    }
    debug_assert_eq!(texts.len(), n);

    let mut numbers: Vec<usize> = (0..n).collect();
    plan.shuffle(&mut numbers);
    let names: Vec<String> = numbers.iter().map(|k| format!("{k:06}.txt")).collect();
    let mut pairs = Vec::new();
    let mut negatives = Vec::new();
    for p in planted {
        let swap = names[p.a] > names[p.b];
        let (a, b) = if swap { (p.b, p.a) } else { (p.a, p.b) };
        let spans: Vec<SpanPair> = p
            .spans
            .iter()
            .map(|&(x, y)| {
                let (x, y) = if swap { (y, x) } else { (x, y) };
                SpanPair {
                    a: [x.0, x.1],
                    b: [y.0, y.1],
                }
            })
            .collect();
        match p.kind {
            Some(kind) => pairs.push(TruthPair {
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
    pairs.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    negatives.sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    let mut docs: Vec<GeneratedDoc> = texts
        .into_iter()
        .zip(&names)
        .map(|(mut text, name)| {
            text.push('\n');
            GeneratedDoc {
                name: name.clone(),
                text,
            }
        })
        .collect();
    docs.sort_by(|x, y| x.name.cmp(&y.name));
    Ok(Corpus {
        docs,
        truth: Truth {
            schema: TRUTH_SCHEMA,
            seed: cfg.seed,
            documents: n,
            pairs,
            boilerplate: Vec::new(),
            negatives,
        },
    })
}

/// A sentence of 8-30 words (neardup's) of `paragraph`, on one line (or
/// its first 8-25 words).
fn foreign_sentence(rng: &mut Rng, paragraph: &str) -> String {
    let tk = Tokens::of(paragraph);
    let segs = segments(paragraph, &tk, (0, tk.len()));
    let words = |r: &(usize, usize)| tk.words[r.0..r.1].iter().sum::<usize>();
    let fit: Vec<&(usize, usize)> = segs
        .iter()
        .filter(|s| (8..=30).contains(&words(s)))
        .collect();
    let r = match fit.is_empty() {
        false => **rng.choose(&fit),
        true => {
            let want = rng.range(8, 25);
            let (mut end, mut n) = (0, 0);
            while end < tk.len() && n + tk.words[end] <= want {
                n += tk.words[end];
                end += 1;
            }
            (0, end.max(1))
        }
    };
    let (s, e) = byte_range(&tk, r);
    rewrap(&paragraph[s..e], 0)
}
