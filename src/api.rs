//! The engine as plain functions over plain data, for callers that run the
//! pipeline themselves: the Python package, and a distributed job (Spark)
//! that calls the per-document and per-pair steps in parallel and does the
//! grouping by hash with its own joins.
//!
//! Every function here is the engine's own code path, not a second
//! implementation: [`scan_texts`] is [`scan::scan`] and [`Report`], the
//! JSON of `neardup scan --format json`; [`sketch`] is [`sketch::sketch`]
//! and [`crate::candidates::band_keys`]; [`verify`] is [`crate::verify::verify`] on one
//! pair. The steps between them that the engine runs over the whole corpus
//! at once are given here per document or per pair, so that a job which
//! groups by hash itself reaches the same decisions:
//!
//! | step | per | engine |
//! |---|---|---|
//! | [`sketch`] | document | [`sketch::sketch`], [`crate::candidates::band_keys`] |
//! | [`thresholds`] | corpus size | [`ScanOptions::df_threshold_for`], [`ScanOptions::universal_df_for`] |
//! | [`content_fingerprints`] | document | [`boilerplate::content_fingerprints`] |
//! | [`keep_signature_pair`] | band candidate | the signature filter of [`crate::candidates::propose`] |
//! | [`verify`] | candidate | [`crate::verify::verify`], [`Report::new`] |
//! | [`frequent_stretches`], [`PassageGroups`] | document, corpus | [`boilerplate::shared_passages`] |
//! | [`passage_places`] | document | `scan::passages`, [`Report::new`] |
//!
//! The candidate caps a job must apply when it groups by hash are
//! [`crate::candidates::MAX_FULL_BUCKET`] (fingerprints, with `min_shared`) and
//! [`crate::candidates::MAX_FULL_BAND_BUCKET`] (band keys): a bucket up to the cap
//! emits every pair, a larger one each document with the one before it in
//! id order.
//!
//! Hashes are `u64`; document ids are strings, and documents are ordered
//! by id (byte order) as the command line orders files by path.

use crate::boilerplate::{self, Chrome};
use crate::cluster::KeepPolicy;
use crate::config::{ScanOptions, RANGES};
use crate::input::location::Location;
use crate::input::Document;
use crate::postings::Posting;
use crate::report::{PairEntry, Report};
use crate::scan::{self, Passage, ScanResult};
use crate::sketch::{self, DocSketch, Fingerprint, Scratch};
use crate::verify::InMemory;
use ahash::{AHashMap, AHashSet};

/// An option as a caller gives it, before it is checked.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    /// An integer (may be negative: it is refused by range, naming the option).
    Int(i128),
    /// A number.
    Float(f64),
    /// A flag.
    Bool(bool),
    /// A word (`keep`).
    Str(String),
    /// Texts (`boilerplate`: the text of known chrome, as the files of
    /// `--boilerplate` hold it).
    Texts(Vec<String>),
}

/// Why options were refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OptionError {
    /// No option has this name.
    #[error("unknown option {name:?} (options: {known})")]
    Unknown {
        /// The name given.
        name: String,
        /// Every option name.
        known: String,
    },
    /// A value of the wrong type.
    #[error("{name} must be {expected}")]
    Type {
        /// The option (its command-line name).
        name: String,
        /// What it takes.
        expected: &'static str,
    },
    /// A value out of range: the engine's own message, naming the option
    /// ([`ScanOptions::validate`]).
    #[error("{0}")]
    Value(String),
}

/// The options, by their command-line names, with what each takes.
pub const OPTIONS: [(&str, &str); 12] = [
    ("min-words", "an integer"),
    ("near-threshold", "a number"),
    ("min-similarity", "a number"),
    ("max-gap", "an integer"),
    ("boilerplate", "a list of texts"),
    ("boilerplate-df", "an integer or None"),
    ("keep", "'first' or 'longest'"),
    ("cluster-partial", "a bool"),
    ("shingle", "an integer"),
    ("window", "an integer"),
    ("num-perm", "an integer"),
    ("lsh-threshold", "a number"),
];

/// Builds validated options from `(name, value)` pairs; names are the
/// command line's (`min-words`; `min_words` is taken too), values are
/// checked as `neardup scan` checks them ([`ScanOptions::validate`],
/// [`RANGES`]), and `boilerplate` texts become known chrome as the files of
/// `--boilerplate` do ([`boilerplate::known_shingles`]).
pub fn options(
    pairs: impl IntoIterator<Item = (String, OptionValue)>,
) -> Result<ScanOptions, OptionError> {
    let mut opts = ScanOptions::default();
    let mut chrome_texts: Vec<String> = Vec::new();
    for (name, value) in pairs {
        let name = name.replace('_', "-");
        let Some(&(name, expected)) = OPTIONS.iter().find(|o| o.0 == name) else {
            return Err(OptionError::Unknown {
                name,
                known: OPTIONS.map(|o| o.0).join(", "),
            });
        };
        let wrong = || OptionError::Type {
            name: name.to_string(),
            expected,
        };
        let int = |v: &OptionValue| -> Result<u64, OptionError> {
            let OptionValue::Int(i) = *v else {
                return Err(wrong());
            };
            // Below zero or past u64: refused by range, worded as the
            // engine words it.
            u64::try_from(i).map_err(|_| OptionError::Value(out_of_range(name, i)))
        };
        let small = |v: &OptionValue| -> Result<u32, OptionError> {
            let i = int(v)?;
            u32::try_from(i).map_err(|_| OptionError::Value(out_of_range(name, i as i128)))
        };
        let float = |v: &OptionValue| -> Result<f64, OptionError> {
            match *v {
                OptionValue::Float(f) => Ok(f),
                OptionValue::Int(i) => Ok(i as f64),
                _ => Err(wrong()),
            }
        };
        let a = &mut opts.align;
        match name {
            "min-words" => a.min_words = small(&value)?,
            "max-gap" => a.max_gap = small(&value)?,
            "near-threshold" => a.near_coverage = float(&value)?,
            "min-similarity" => a.min_similarity = float(&value)?,
            "shingle" => a.k = small(&value)? as usize,
            "window" => a.window = small(&value)? as usize,
            "num-perm" => opts.num_perm = small(&value)? as usize,
            "lsh-threshold" => opts.lsh_threshold = float(&value)?,
            "boilerplate-df" => opts.df_threshold = Some(small(&value)?),
            "cluster-partial" => match value {
                OptionValue::Bool(b) => opts.cluster_partial = b,
                _ => return Err(wrong()),
            },
            "keep" => {
                opts.keep = match &value {
                    OptionValue::Str(s) if s == "first" => KeepPolicy::First,
                    OptionValue::Str(s) if s == "longest" => KeepPolicy::Longest,
                    OptionValue::Str(s) => {
                        return Err(OptionError::Value(format!(
                            "keep must be 'first' or 'longest', got {s:?}"
                        )))
                    }
                    _ => return Err(wrong()),
                }
            }
            "boilerplate" => match value {
                OptionValue::Texts(t) => chrome_texts.extend(t),
                OptionValue::Str(t) => chrome_texts.push(t),
                _ => return Err(wrong()),
            },
            _ => unreachable!("every name of OPTIONS is handled"),
        }
    }
    opts.validate()
        .map_err(|e| OptionError::Value(e.to_string()))?;
    for text in &chrome_texts {
        opts.known_boilerplate
            .extend(boilerplate::known_shingles(text, opts.align.k));
    }
    Ok(opts)
}

/// The engine's range message for a value it cannot even hold.
fn out_of_range(name: &str, v: i128) -> String {
    match RANGES.iter().find(|r| r.0 == name) {
        Some(&(option, range)) => crate::config::OutOfRange {
            option,
            range,
            got: v.to_string(),
        }
        .to_string(),
        None => format!("{name} must be at least 0, got {v}"),
    }
}

/// Why a call was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Two documents have the same id.
    #[error("duplicate document id {0:?}")]
    DuplicateId(String),
    /// Not as many ids as texts.
    #[error("{ids} ids for {texts} texts")]
    IdCount {
        /// Ids given.
        ids: usize,
        /// Texts given.
        texts: usize,
    },
}

/// Documents named by `ids`, ordered by id (byte order, as files by path).
fn documents(texts: Vec<String>, ids: Vec<String>) -> Result<Vec<Document>, ApiError> {
    if ids.len() != texts.len() {
        return Err(ApiError::IdCount {
            ids: ids.len(),
            texts: texts.len(),
        });
    }
    let mut docs: Vec<Document> = ids
        .into_iter()
        .zip(texts)
        .map(|(id, t)| Document::new(id, t))
        .collect();
    docs.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(w) = docs.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(ApiError::DuplicateId(w[0].path.clone()));
    }
    Ok(docs)
}

/// The report of a scan of `texts` named by `ids` ([`scan::scan`],
/// [`Report::new`]): the same as `neardup scan --format json` gives for
/// files holding those texts, with `path` the id. Documents are ordered by
/// id.
pub fn scan_report(
    texts: Vec<String>,
    ids: Vec<String>,
    opts: &ScanOptions,
) -> Result<Report, ApiError> {
    let docs = documents(texts, ids)?;
    let result = scan::scan(&docs, opts);
    Ok(Report::new(&docs, &result, &result.errors, &[]))
}

/// [`scan_report`] as the JSON text of `--format json`.
pub fn scan_texts(
    texts: Vec<String>,
    ids: Vec<String>,
    opts: &ScanOptions,
) -> Result<String, ApiError> {
    let report = scan_report(texts, ids, opts)?;
    let mut out = Vec::new();
    crate::report::json::write(&report, &mut out).expect("writing to memory");
    Ok(String::from_utf8(out).expect("JSON is UTF-8"))
}

/// What the candidate, chrome and passage stages need of one document, as
/// plain data ([`sketch`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sketch {
    /// One LSH key per signature band, in band order (empty for a text
    /// without words).
    pub band_keys: Vec<u64>,
    /// Distinct passage fingerprints, sorted.
    pub fingerprints: Vec<u64>,
    /// Fingerprints the document carries at two places that do not
    /// overlap, sorted.
    pub repeated: Vec<u64>,
    /// Every selected fingerprint in position order (a hash may recur)...
    pub sequence_hashes: Vec<u64>,
    /// ...and the word each one starts at.
    pub sequence_positions: Vec<u32>,
    /// Words.
    pub words: u32,
    /// Words of a mail header block at the start.
    pub header_words: u32,
    /// xxh3-64 of the text's bytes (as the index keeps it).
    pub content_hash: u64,
    /// Bytes of the text.
    pub bytes: usize,
}

impl Sketch {
    fn sequence(&self) -> Vec<Fingerprint> {
        self.sequence_hashes
            .iter()
            .zip(&self.sequence_positions)
            .map(|(&hash, &pos)| Fingerprint { hash, pos })
            .collect()
    }
}

/// Sketches one text as a scan does ([`scan::sketch_all`]).
pub fn sketch(text: &str, opts: &ScanOptions) -> Sketch {
    let sk: DocSketch = sketch::sketch(text, &opts.sketch_params(), &mut Scratch::default());
    Sketch {
        sequence_hashes: sk.sequence().map(|f| f.hash).collect(),
        sequence_positions: sk.sequence().map(|f| f.pos).collect(),
        band_keys: sk.band_keys().to_vec(),
        fingerprints: sk.fingerprints().to_vec(),
        repeated: sk.repeated().to_vec(),
        words: sk.words,
        header_words: sk.header_words,
        content_hash: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
        bytes: text.len(),
    }
}

/// The chrome thresholds of a corpus of `n_docs` documents: a fingerprint
/// in at least `df` documents is chrome (frequent), and frequent chrome in
/// at least `universal_df` is universal (site-wide). A fingerprint that at
/// least two documents each repeat ([`Sketch::repeated`]) is chrome too,
/// and so is every shingle of the `boilerplate` texts (universal).
pub fn thresholds(n_docs: usize, opts: &ScanOptions) -> (u32, u32) {
    let df = opts.df_threshold_for(n_docs);
    (df, opts.universal_df_for(n_docs))
}

/// The corpus's chrome decision for the fingerprints of a few documents:
/// which are chrome (frequent or repeated by two documents), and which of
/// those are universal. Known chrome (`boilerplate`) comes from the options
/// and need not be listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChromeSet {
    /// Chrome fingerprints (universal ones included).
    pub chrome: Vec<u64>,
    /// Universal ones.
    pub universal: Vec<u64>,
    /// Those chrome only because exactly two documents each repeat them
    /// (not frequent): for the pair of those two, verification may find
    /// one a phrase their shared passage says twice, not chrome.
    pub paired: Vec<u64>,
}

impl ChromeSet {
    /// The engine's [`Chrome`] that answers as the corpus's does for these
    /// hashes: [`Chrome::detect`] over postings that give each chrome hash
    /// the threshold's document frequency (2) and each universal one the
    /// universal frequency (3), and each paired one two documents repeating
    /// it, with the options' known chrome.
    pub fn to_chrome(&self, opts: &ScanOptions) -> Chrome {
        let universal: AHashSet<u64> = self.universal.iter().copied().collect();
        let paired: AHashSet<u64> = self.paired.iter().copied().collect();
        let mut hashes: Vec<u64> = self.chrome.iter().chain(&self.universal).copied().collect();
        hashes.sort_unstable();
        hashes.dedup();
        let mut posts: Vec<Posting> = Vec::with_capacity(3 * hashes.len());
        for &h in hashes.iter().filter(|h| !paired.contains(h)) {
            let df = if universal.contains(&h) { 3 } else { 2 };
            posts.extend((0..df).map(|d| (h, d)));
        }
        let mut twice: Vec<u64> = paired.into_iter().collect();
        twice.sort_unstable();
        let twice = twice.into_iter().flat_map(|h| [h, h]);
        Chrome::detect(&[], &posts, twice, &opts.known_boilerplate, 2).with_universal_df(3)
    }
}

/// The fingerprints of a document that may propose pairs
/// ([`boilerplate::content_fingerprints`]): not chrome (`chrome`: the
/// corpus's decision for this document's fingerprints), not repeated by the
/// document, not in a template's slot, not in a mail header. Sorted.
pub fn content_fingerprints(sk: &Sketch, chrome: &ChromeSet, opts: &ScanOptions) -> Vec<u64> {
    let c = chrome.to_chrome(opts);
    boilerplate::content_fingerprints(
        &sk.sequence(),
        &c,
        &sk.repeated,
        sk.header_words,
        opts.align.k as u32,
        opts.align.max_gap,
    )
}

/// One document's side of a signature (band) candidate: its fingerprints
/// and content fingerprints, both sorted.
#[derive(Clone, Copy, Debug)]
pub struct PairSide<'a> {
    /// [`Sketch::fingerprints`].
    pub fingerprints: &'a [u64],
    /// [`content_fingerprints`].
    pub content: &'a [u64],
}

/// Whether a pair proposed by a shared band key only (not by shared content
/// fingerprints) is verified, the rule of [`crate::candidates::propose`]: what the two
/// share beyond universal chrome must be a content fingerprint of both, or
/// at least half of the smaller one's fingerprints that are not universal,
/// unless they are copies of each other altogether (they share 70% of the
/// larger fingerprint set). `chrome` holds the corpus's decision for both
/// documents' fingerprints.
pub fn keep_signature_pair(
    a: PairSide,
    b: PairSide,
    chrome: &ChromeSet,
    opts: &ScanOptions,
) -> bool {
    let chrome = chrome.to_chrome(opts);
    let (fa, fb) = (a.fingerprints, b.fingerprints);
    let local = |f: &[u64]| f.iter().filter(|&&h| !chrome.is_universal(h)).count();
    let is_content = |c: &[u64], h: u64| c.binary_search(&h).is_ok();
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
                if is_content(a.content, h) && is_content(b.content, h) {
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
    let mutual = 10 * shared_all >= 7 * fa.len().max(fb.len());
    shared_content > 0 || 2 * shared >= smaller || mutual
}

/// What verifying a candidate pair gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Flagged: the pair as the JSON report has it (ids as `a` and `b`).
    Flagged(Box<PairEntry>),
    /// Spans were found, all boilerplate (`summary.boilerplate_only`).
    BoilerplateOnly,
    /// Nothing shared worth a span.
    Nothing,
}

/// Verifies one candidate pair as a scan does ([`crate::verify::verify`]: exact
/// similarity, aligned spans, boilerplate marks, kind) and gives it as the
/// JSON report's pair ([`Report::new`]). `a` must be the first by id, as in
/// a scan. `chrome` holds the corpus's decision for both documents'
/// fingerprints.
pub fn verify(a: (&str, &str), b: (&str, &str), chrome: &ChromeSet, opts: &ScanOptions) -> Verdict {
    let docs = [Document::new(a.0, a.1), Document::new(b.0, b.1)];
    let c = chrome.to_chrome(opts);
    let v = crate::verify::verify(&InMemory(&docs), &[(0, 1)], &[0, 0], &c, &opts.align);
    match v.findings.into_iter().next() {
        Some(f) => {
            let result = ScanResult {
                findings: vec![f],
                words: vec![0, 0],
                ..ScanResult::default()
            };
            let report = Report::new(&docs, &result, &[], &[]);
            let pair = report.pairs.into_iter().next().expect("one finding");
            Verdict::Flagged(Box::new(pair))
        }
        None if v.boilerplate_only > 0 => Verdict::BoilerplateOnly,
        None => Verdict::Nothing,
    }
}

/// A stretch of frequent text in one document ([`frequent_stretches`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stretch {
    /// First word.
    pub start: u32,
    /// One past the last word.
    pub end: u32,
    /// Its frequent fingerprints, distinct, sorted (at least two).
    pub hashes: Vec<u64>,
}

/// The stretches of frequent text of one document that may be places of a
/// shared passage, in position order, as [`boilerplate::shared_passages`]
/// finds them: frequent fingerprints (`frequent`: those of this document
/// in at least the chrome threshold of documents) at most `max-gap` words
/// apart, with at least two distinct frequent fingerprints.
pub fn frequent_stretches(sk: &Sketch, frequent: &[u64], opts: &ScanOptions) -> Vec<Stretch> {
    let frequent: AHashSet<u64> = frequent.iter().copied().collect();
    let is_frequent = |h: u64| frequent.contains(&h);
    let seq = sk.sequence();
    let (k, slot) = (opts.align.k as u32, opts.align.max_gap);
    boilerplate::frequent_stretches(&seq, is_frequent, k, slot)
        .into_iter()
        .map(|(start, end, hashes)| Stretch { start, end, hashes })
        .collect()
}

/// Groups stretches of frequent text into shared passages, one stretch at a
/// time in document-id then position order, by the rule of
/// [`boilerplate::shared_passages`]: a stretch joins the passage that owns
/// most of its hashes (a hash is owned by the first passage founded with
/// it; ties: the earliest passage) among those owning at least half of the
/// smaller of the stretch's and the passage's first stretch's hash sets;
/// else it founds a passage.
///
/// A stretch's outcome depends only on the passages founded before it, so
/// a job may place every stretch in parallel once it knows the founders:
/// [`PassageGroups::best`] with `before` the number founded earlier.
#[derive(Clone, Debug, Default)]
pub struct PassageGroups {
    owner: AHashMap<u64, u32>,
    rep_size: Vec<usize>,
}

impl PassageGroups {
    /// No passage yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Passages founded.
    pub fn len(&self) -> usize {
        self.rep_size.len()
    }

    /// Whether none was founded.
    pub fn is_empty(&self) -> bool {
        self.rep_size.is_empty()
    }

    /// The passage among the first `before` that a stretch with these
    /// frequent hashes (distinct) joins, or `None` when it founds one.
    pub fn best(&self, hashes: &[u64], before: usize) -> Option<u32> {
        let mut votes: AHashMap<u32, usize> = AHashMap::new();
        for h in hashes {
            if let Some(&p) = self.owner.get(h) {
                if (p as usize) < before {
                    *votes.entry(p).or_insert(0) += 1;
                }
            }
        }
        votes
            .iter()
            .filter(|(&p, &v)| 2 * v >= hashes.len().min(self.rep_size[p as usize]))
            .max_by_key(|(&p, &v)| (v, std::cmp::Reverse(p)))
            .map(|(&p, _)| p)
    }

    /// Founds a passage whose first stretch has these hashes; its number.
    pub fn found(&mut self, hashes: &[u64]) -> u32 {
        let p = self.rep_size.len() as u32;
        for &h in hashes {
            self.owner.entry(h).or_insert(p);
        }
        self.rep_size.push(hashes.len());
        p
    }

    /// Places the next stretch (in document then position order): the
    /// passage it joins, or the one it founds, and whether it founded it.
    pub fn place(&mut self, hashes: &[u64]) -> (u32, bool) {
        match self.best(hashes, self.len()) {
            Some(p) => (p, false),
            None => (self.found(hashes), true),
        }
    }
}

/// A place of a shared passage located in its document's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassagePlace {
    /// Bytes, lines and columns, as the JSON report's passage spans.
    pub at: Location,
    /// The report's excerpt of this place (`passages[].excerpt` when it is
    /// a passage's first place).
    pub excerpt: String,
}

/// Locates word ranges `[start, end)` of one text as places of shared
/// passages (`scan::passages`, [`Report::new`]): byte offsets widened to
/// glued punctuation, lines and columns, and the excerpt.
pub fn passage_places(text: &str, ranges: &[(u32, u32)]) -> Vec<PassagePlace> {
    let mut tokens = Vec::new();
    crate::normalize::tokenize(text, &mut tokens);
    let docs = [Document::new("", text)];
    ranges
        .iter()
        .map(|&(w0, w1)| {
            let span = crate::align::byte_span(text, &tokens, w0, w1.min(tokens.len() as u32));
            let result = ScanResult {
                passages: vec![Passage {
                    words: w1.saturating_sub(w0),
                    documents: 1,
                    places: vec![(0, span)],
                    located: Vec::new(),
                    excerpt: String::new(),
                }],
                words: vec![0],
                ..ScanResult::default()
            };
            let mut report = Report::new(&docs, &result, &[], &[]);
            let p = report.passages.pop().expect("one passage");
            PassagePlace {
                at: p.spans[0].at,
                excerpt: p.excerpt,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidates;

    fn words(n: usize, seed: u64) -> String {
        (0..n)
            .map(|i| format!("w{}", sketch::mix64(seed * 1_000_003 + i as u64) % 50_000))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A corpus with copies, partial copies, a footer most documents carry
    /// and a block some repeat.
    fn corpus() -> (Vec<String>, Vec<String>) {
        let article = words(300, 1);
        let footer = words(120, 2);
        let mut texts = Vec::new();
        for i in 0..30u64 {
            let body = if i % 6 == 0 {
                article.clone()
            } else if i % 10 == 3 {
                format!("{} {}", words(150, 100 + i), &article[..article.len() / 2])
            } else {
                words(250, 200 + i)
            };
            let tail = if i % 5 == 4 {
                String::new()
            } else {
                format!("\n{footer} {}", 2000 + i % 3)
            };
            texts.push(format!("{body}{tail}"));
        }
        // Two pages sharing a passage that says a phrase twice: only they
        // repeat it, so for their pair it is not chrome.
        let phrase = words(8, 307);
        let passage = format!(
            "{} {phrase} {} {phrase} {}",
            words(20, 304),
            words(24, 305),
            words(10, 306)
        );
        texts.push(format!("{} {passage} {}", words(100, 300), words(80, 301)));
        texts.push(format!("{} {passage} {}", words(60, 302), words(120, 303)));
        let n = texts.len();
        let ids = (0..n).map(|i| format!("doc{:02}", n - 1 - i)).collect();
        (texts, ids)
    }

    #[test]
    fn options_by_command_line_names_are_checked_as_the_cli_checks_them() {
        let o = options([
            ("min_words".into(), OptionValue::Int(80)),
            ("near-threshold".into(), OptionValue::Float(0.9)),
            ("keep".into(), OptionValue::Str("longest".into())),
            ("cluster_partial".into(), OptionValue::Bool(true)),
            ("boilerplate".into(), OptionValue::Texts(vec![words(20, 9)])),
        ])
        .unwrap();
        assert_eq!(o.align.min_words, 80);
        assert_eq!(o.align.near_coverage, 0.9);
        assert_eq!(o.keep, KeepPolicy::Longest);
        assert!(o.cluster_partial);
        assert_eq!(o.known_boilerplate.len(), 16);
        let err = |name: &str, v: OptionValue| options([(name.to_string(), v)]).unwrap_err();
        assert_eq!(
            err("min_words", OptionValue::Int(0)).to_string(),
            "min-words must be at least 1, got 0"
        );
        assert_eq!(
            err("min_words", OptionValue::Int(-3)).to_string(),
            "min-words must be at least 1, got -3"
        );
        assert_eq!(
            err("max_gap", OptionValue::Int(-1)).to_string(),
            "max-gap must be within 0..=100000, got -1"
        );
        assert_eq!(
            err("shingle", OptionValue::Int(99)).to_string(),
            "shingle must be within 1..=16, got 99"
        );
        assert_eq!(
            err("boilerplate_df", OptionValue::Int(1)).to_string(),
            "boilerplate-df must be at least 2, got 1"
        );
        assert!(err("lsh_threshold", OptionValue::Float(1.5))
            .to_string()
            .starts_with("lsh-threshold must be within 0..=1"));
        assert!(matches!(
            err("min_words", OptionValue::Str("x".into())),
            OptionError::Type { .. }
        ));
        assert!(matches!(
            err("nope", OptionValue::Int(1)),
            OptionError::Unknown { .. }
        ));
        assert!(err("keep", OptionValue::Str("last".into()))
            .to_string()
            .contains("keep"));
    }

    #[test]
    fn scan_texts_is_the_scan_of_the_documents_ordered_by_id() {
        let (texts, ids) = corpus();
        let opts = ScanOptions::default();
        let json = scan_texts(texts.clone(), ids.clone(), &opts).unwrap();
        let report: Report = serde_json::from_str(&json).unwrap();
        let mut docs: Vec<Document> = ids
            .iter()
            .zip(&texts)
            .map(|(i, t)| Document::new(i.clone(), t.clone()))
            .collect();
        docs.sort_by(|a, b| a.path.cmp(&b.path));
        let direct = Report::new(&docs, &scan::scan(&docs, &opts), &[], &[]);
        assert_eq!(json, serde_json::to_string_pretty(&direct).unwrap() + "\n");
        assert!(report.summary.partial > 0 && report.summary.near_duplicate > 0);
        assert!(report.summary.passages > 0);
        assert_eq!(report.documents[0].path, "doc00");
        let dup = scan_texts(
            vec!["x".into(), "y".into()],
            vec!["a".into(), "a".into()],
            &opts,
        );
        assert_eq!(dup.unwrap_err(), ApiError::DuplicateId("a".into()));
    }

    /// The steps of this module, run the way a distributed job runs them
    /// (per document, grouped by hash, per pair), give the scan's report:
    /// its pairs, passages and clusters.
    #[test]
    fn the_steps_give_the_scan() {
        let (texts, ids) = corpus();
        for opts in [
            ScanOptions::default(),
            options([("boilerplate_df".into(), OptionValue::Int(4))]).unwrap(),
        ] {
            let report = scan_report(texts.clone(), ids.clone(), &opts).unwrap();
            let repeating = report
                .pairs
                .iter()
                .find(|p| p.a == "doc00" && p.b == "doc01");
            assert!(
                repeating.is_some_and(|p| p.spans.iter().any(|s| !s.boilerplate)),
                "{repeating:?}"
            );
            let mut docs: Vec<(String, String)> =
                ids.iter().cloned().zip(texts.iter().cloned()).collect();
            docs.sort();
            let sk: Vec<Sketch> = docs.iter().map(|d| sketch(&d.1, &opts)).collect();
            let n = docs.len();
            let (df, udf) = thresholds(n, &opts);
            let mut freq: AHashMap<u64, u32> = AHashMap::new();
            let mut rep: AHashMap<u64, u32> = AHashMap::new();
            for s in &sk {
                for &h in &s.fingerprints {
                    *freq.entry(h).or_default() += 1;
                }
                for &h in &s.repeated {
                    *rep.entry(h).or_default() += 1;
                }
            }
            let view: Vec<ChromeSet> = sk
                .iter()
                .map(|s| ChromeSet {
                    chrome: s
                        .fingerprints
                        .iter()
                        .copied()
                        .filter(|h| freq[h] >= df || rep.get(h).is_some_and(|&r| r >= 2))
                        .collect(),
                    universal: s
                        .fingerprints
                        .iter()
                        .copied()
                        .filter(|h| freq[h] >= df && freq[h] >= udf)
                        .collect(),
                    paired: s
                        .fingerprints
                        .iter()
                        .copied()
                        .filter(|h| freq[h] < df && rep.get(h) == Some(&2))
                        .collect(),
                })
                .collect();
            let content: Vec<Vec<u64>> = sk
                .iter()
                .zip(&view)
                .map(|(s, c)| content_fingerprints(s, c, &opts))
                .collect();
            // Group by hash, with the caps.
            // A bucket of two emits its pair `1 + exclusive` times: a hash
            // only the pair carries counts `min_shared` times.
            let group = |lists: &[Vec<u64>], cap: usize, exclusive: usize| {
                let mut by: std::collections::BTreeMap<u64, Vec<u32>> = Default::default();
                for (d, l) in lists.iter().enumerate() {
                    for &h in l {
                        by.entry(h).or_default().push(d as u32);
                    }
                }
                let mut pairs: Vec<(u32, u32)> = Vec::new();
                for ds in by.values() {
                    if ds.len() == 2 {
                        pairs.extend(std::iter::repeat_n((ds[0], ds[1]), 1 + exclusive));
                    } else if ds.len() <= cap {
                        for (i, &x) in ds.iter().enumerate() {
                            pairs.extend(ds[i + 1..].iter().map(|&y| (x, y)));
                        }
                    } else {
                        pairs.extend(ds.windows(2).map(|w| (w[0], w[1])));
                    }
                }
                pairs.sort_unstable();
                pairs
            };
            let mut by_fp: Vec<(u32, u32)> = group(
                &content,
                candidates::MAX_FULL_BUCKET,
                opts.min_shared.saturating_sub(1),
            )
            .chunk_by(|x, y| x == y)
            .filter(|s| s.len() >= opts.min_shared)
            .map(|s| s[0])
            .collect();
            let keys: Vec<Vec<u64>> = sk.iter().map(|s| s.band_keys.clone()).collect();
            let mut by_band = group(&keys, candidates::MAX_FULL_BAND_BUCKET, 0);
            by_band.dedup();
            let pair_chrome = |a: usize, b: usize| ChromeSet {
                chrome: [&view[a].chrome[..], &view[b].chrome[..]].concat(),
                universal: [&view[a].universal[..], &view[b].universal[..]].concat(),
                paired: [&view[a].paired[..], &view[b].paired[..]].concat(),
            };
            by_band.retain(|&(a, b)| {
                let (a, b) = (a as usize, b as usize);
                by_fp.binary_search(&(a as u32, b as u32)).is_ok()
                    || keep_signature_pair(
                        PairSide {
                            fingerprints: &sk[a].fingerprints,
                            content: &content[a],
                        },
                        PairSide {
                            fingerprints: &sk[b].fingerprints,
                            content: &content[b],
                        },
                        &pair_chrome(a, b),
                        &opts,
                    )
            });
            by_fp.extend(by_band);
            by_fp.sort_unstable();
            by_fp.dedup();
            assert_eq!(by_fp.len(), report.summary.verified);
            let mut pairs = Vec::new();
            let mut boilerplate_only = 0;
            for &(a, b) in &by_fp {
                let (a, b) = (a as usize, b as usize);
                match verify(
                    (&docs[a].0, &docs[a].1),
                    (&docs[b].0, &docs[b].1),
                    &pair_chrome(a, b),
                    &opts,
                ) {
                    Verdict::Flagged(p) => pairs.push(*p),
                    Verdict::BoilerplateOnly => boilerplate_only += 1,
                    Verdict::Nothing => {}
                }
            }
            let json = |p: &[PairEntry]| serde_json::to_string(p).unwrap();
            assert_eq!(json(&pairs), json(&report.pairs));
            assert_eq!(boilerplate_only, report.summary.boilerplate_only);

            // Passages: stretches in order, founders first, then each
            // stretch placed among the passages founded before it.
            let stretches: Vec<(usize, Stretch)> = sk
                .iter()
                .enumerate()
                .flat_map(|(d, s)| {
                    let f: Vec<u64> = s
                        .fingerprints
                        .iter()
                        .copied()
                        .filter(|h| freq[h] >= df)
                        .collect();
                    frequent_stretches(s, &f, &opts)
                        .into_iter()
                        .map(move |st| (d, st))
                })
                .collect();
            let mut groups = PassageGroups::new();
            let mut founded_at = Vec::new();
            for (i, (_, st)) in stretches.iter().enumerate() {
                if groups.place(&st.hashes).1 {
                    founded_at.push(i);
                }
            }
            let mut places: Vec<Vec<(usize, u32, u32)>> = vec![Vec::new(); groups.len()];
            for (i, (d, st)) in stretches.iter().enumerate() {
                let before = founded_at.partition_point(|&f| f < i);
                let p = match groups.best(&st.hashes, before) {
                    Some(p) => p as usize,
                    None => before,
                };
                places[p].push((*d, st.start, st.end));
            }
            let min_docs = (df as usize).max(2);
            let docs_of = |p: &Vec<(usize, u32, u32)>| {
                let mut d: Vec<usize> = p.iter().map(|x| x.0).collect();
                d.dedup();
                d.len()
            };
            places.retain(|p| docs_of(p) >= min_docs);
            places.sort_by_key(|p| {
                (
                    std::cmp::Reverse(docs_of(p)),
                    std::cmp::Reverse(p[0].2 - p[0].1),
                    p[0],
                )
            });
            assert_eq!(places.len(), report.passages.len());
            assert!(!places.is_empty() || opts.df_threshold.is_none());
            for (p, entry) in places.iter().zip(&report.passages) {
                assert_eq!(docs_of(p), entry.documents);
                assert_eq!(p[0].2 - p[0].1, entry.words);
                for (i, (&(d, s, e), span)) in p.iter().zip(&entry.spans).enumerate() {
                    let got = passage_places(&docs[d].1, &[(s, e)]).remove(0);
                    assert_eq!(got.at, span.at);
                    assert_eq!(docs[d].0, span.path);
                    if i == 0 {
                        assert_eq!(got.excerpt, entry.excerpt);
                    }
                }
                assert_eq!(p.len(), entry.spans.len());
            }
        }
    }

    #[test]
    fn a_chrome_set_answers_as_the_corpus_chrome() {
        let known = boilerplate::known_shingles(&words(10, 3), 5);
        let opts = ScanOptions {
            known_boilerplate: known.clone(),
            ..ScanOptions::default()
        };
        let c = ChromeSet {
            chrome: vec![1, 2, 4],
            universal: vec![2],
            paired: vec![4],
        }
        .to_chrome(&opts);
        assert!(c.contains(1) && !c.is_universal(1) && !c.is_known(1));
        assert!(!c.repeated_by_two_at_most(1) && !c.repeated_by_two_at_most(2));
        assert!(c.contains(4) && !c.is_universal(4) && c.repeated_by_two_at_most(4));
        assert!(c.contains(2) && c.is_universal(2));
        assert!(c.contains(known[0]) && c.is_universal(known[0]) && c.is_known(known[0]));
        assert!(!c.contains(3) && !c.is_universal(3));
    }
}
