//! What counts as page chrome rather than an article, and the passages that
//! many documents share.
//!
//! A passage fingerprint is chrome when
//! * it occurs in at least `df_threshold` documents (cookie notices, legal
//!   footers, mail header templates: text that many documents carry), or
//! * at least two documents each carry it at two places that do not overlap
//!   (a page template repeating its own block: "Please use Chrome
//!   browser...", consent blocks), or
//! * it is a shingle of a known-chrome file given with `--boilerplate`.
//!
//! A fingerprint that one document alone repeats is chrome only inside that
//! document (an article printed twice on one page stays an article for every
//! other copy of it). Chrome is decided by where text sits as well as by its
//! hashes: inside a document, chrome fingerprints separated by at most `slot`
//! other words form one *stretch*, so the varying slots of a template (a
//! year, a vendor name, a message id) belong to the template around them
//! ([`chrome_stretches`]).
//!
//! Chrome never proposes candidate pairs ([`content_fingerprints`]); the
//! verify stage marks spans that are mostly chrome as boilerplate. Stretches
//! of frequent text are grouped across documents into [`SharedPassage`]s:
//! each template is reported once, with every place it occurs.
use crate::postings::{merged_runs, Posting};
use crate::sketch::Fingerprint;
use ahash::AHashMap;

/// The default document-frequency threshold for a corpus of `n_docs`:
/// text in at least 1% of the documents, and in at least 10 of them.
pub fn auto_df_threshold(n_docs: usize) -> u32 {
    (n_docs.div_ceil(100) as u32).max(10)
}

/// How many fingerprints were found to be chrome, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChromeStats {
    /// In at least `df_threshold` documents.
    pub frequent: usize,
    /// Repeated inside each of at least two documents.
    pub repeated: usize,
    /// From `--boilerplate` files.
    pub known: usize,
    /// The document-frequency threshold used.
    pub df_threshold: u32,
}

const FREQUENT: u8 = 1;
const REPEATED: u8 = 2;
const KNOWN: u8 = 4;
/// With [`REPEATED`]: exactly two documents repeat the hash.
const REPEATED_BY_TWO: u8 = 8;

/// What a [`Chrome`] holds of one hash ([`Chrome::class`]): its tests,
/// answered without looking the hash up again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChromeClass {
    held: bool,
    flags: u8,
    universal: bool,
}

impl ChromeClass {
    /// [`Chrome::contains`].
    #[inline]
    pub fn contains(self) -> bool {
        self.held
    }

    /// [`Chrome::is_known`].
    #[inline]
    pub fn is_known(self) -> bool {
        self.flags & KNOWN != 0
    }

    /// [`Chrome::is_universal`].
    #[inline]
    pub fn is_universal(self) -> bool {
        self.universal
    }

    /// [`Chrome::repeated_by_two_at_most`].
    #[inline]
    pub fn repeated_by_two_at_most(self) -> bool {
        !self.held || self.flags == REPEATED | REPEATED_BY_TWO
    }
}

/// The chrome fingerprint hashes, with why each one is chrome.
#[derive(Clone, Debug, Default)]
pub struct Chrome {
    set: AHashMap<u64, u8>,
    /// Document frequency of the frequent hashes.
    df: AHashMap<u64, u32>,
    /// Frequent hashes in at least this many documents are universal.
    universal_df: u32,
    stats: ChromeStats,
}

impl Chrome {
    /// Decides chrome from the fingerprint postings of the old (indexed) and
    /// new documents, each document's repeated fingerprints (one list per
    /// document, concatenated: a hash appears once per document repeating
    /// it), and known-chrome shingle hashes.
    pub fn detect(
        old: &[Posting],
        new: &[Posting],
        repeated: impl IntoIterator<Item = u64>,
        known: &[u64],
        df_threshold: u32,
    ) -> Chrome {
        let mut c = Chrome::frequent_from(df_threshold);
        c.add_frequent(old, new);
        c.add_repeated_and_known(repeated, known)
    }

    /// No chrome yet, with `df_threshold` the document frequency of
    /// frequent text: [`Chrome::detect`] in steps, for postings gathered a
    /// hash range at a time. [`Chrome::add_frequent`] for every range in
    /// ascending order, then [`Chrome::add_repeated_and_known`] once, is
    /// `detect` over all the postings.
    pub fn frequent_from(df_threshold: u32) -> Chrome {
        Chrome {
            universal_df: df_threshold,
            stats: ChromeStats {
                df_threshold,
                ..ChromeStats::default()
            },
            ..Chrome::default()
        }
    }

    /// Adds the frequent hashes of sorted postings `old` and `new`, none of
    /// whose hashes an earlier call was given.
    pub fn add_frequent(&mut self, old: &[Posting], new: &[Posting]) {
        for run in merged_runs(old, new) {
            if run.df() as u32 >= self.stats.df_threshold {
                self.set.insert(run.hash, FREQUENT);
                self.df.insert(run.hash, run.df() as u32);
                self.stats.frequent += 1;
            }
        }
    }

    /// Adds hashes known to be frequent without their postings, as
    /// [`Chrome::add_frequent`] would have: `(hash, df)`, where `df` is at
    /// least the threshold and on the same side of the universal one as
    /// the hash's document frequency (the only use of it). None of them
    /// was given to an earlier call.
    pub fn add_counted(&mut self, counted: &[(u64, u32)]) {
        for &(hash, df) in counted {
            debug_assert!(df >= self.stats.df_threshold);
            let was = self.set.insert(hash, FREQUENT);
            debug_assert!(was.is_none(), "a hash given twice");
            self.df.insert(hash, df);
            self.stats.frequent += 1;
        }
    }

    /// Adds the hashes two documents each repeat (`repeated`: each
    /// document's list, concatenated) and known chrome, after every
    /// [`Chrome::add_frequent`].
    pub fn add_repeated_and_known(
        mut self,
        repeated: impl IntoIterator<Item = u64>,
        known: &[u64],
    ) -> Chrome {
        let (set, stats) = (&mut self.set, &mut self.stats);
        let mut rep: Vec<u64> = repeated.into_iter().collect();
        rep.sort_unstable();
        for same in rep.chunk_by(|x, y| x == y) {
            if same.len() >= 2 {
                let f = set.entry(same[0]).or_insert(0);
                if *f == 0 {
                    stats.repeated += 1;
                }
                *f |= REPEATED;
                if same.len() == 2 {
                    *f |= REPEATED_BY_TWO;
                }
            }
        }
        for &h in known {
            let f = set.entry(h).or_insert(0);
            if *f & KNOWN == 0 {
                if *f == 0 {
                    stats.known += 1;
                }
                *f |= KNOWN;
            }
        }
        self
    }

    /// Sets the document frequency from which frequent text is *universal*
    /// (site-wide chrome such as a legal footer, as opposed to text a
    /// minority of documents share, such as a syndicated article). By
    /// default every frequent hash is universal.
    pub fn with_universal_df(mut self, universal_df: u32) -> Chrome {
        self.universal_df = universal_df.max(self.stats.df_threshold);
        self
    }

    /// Whether a hash is universal chrome: in at least the universal
    /// document frequency of documents, or from a `--boilerplate` file.
    #[inline]
    pub fn is_universal(&self, hash: u64) -> bool {
        self.is_known(hash) || self.df.get(&hash).is_some_and(|&d| d >= self.universal_df)
    }

    /// Whether a fingerprint hash is chrome for every document.
    #[inline]
    pub fn contains(&self, hash: u64) -> bool {
        self.set.contains_key(&hash)
    }

    /// Whether a hash is in at least `df_threshold` documents.
    #[inline]
    pub fn is_frequent(&self, hash: u64) -> bool {
        self.set.get(&hash).is_some_and(|f| f & FREQUENT != 0)
    }

    /// Whether a hash is chrome only because exactly two documents each
    /// repeat it (not frequent, not known): for the pair of those two, a
    /// phrase their shared passage says twice may be all it is (see
    /// `align`). Not in the chrome at all counts too.
    #[inline]
    pub fn repeated_by_two_at_most(&self, hash: u64) -> bool {
        self.set
            .get(&hash)
            .is_none_or(|&f| f == REPEATED | REPEATED_BY_TWO)
    }

    /// Whether a hash comes from a `--boilerplate` file.
    #[inline]
    pub fn is_known(&self, hash: u64) -> bool {
        self.set.get(&hash).is_some_and(|f| f & KNOWN != 0)
    }

    /// What this chrome holds of `hash`, from one lookup: the tests
    /// [`Chrome::contains`], [`Chrome::is_known`], [`Chrome::is_universal`]
    /// and [`Chrome::repeated_by_two_at_most`] asked of the result (a hash
    /// tested many times, as alignment tests each fingerprint of a pair).
    #[inline]
    pub fn class(&self, hash: u64) -> ChromeClass {
        match self.set.get(&hash) {
            // Every hash with a document frequency is in `set`.
            None => ChromeClass::default(),
            Some(&flags) => ChromeClass {
                held: true,
                flags,
                universal: flags & KNOWN != 0
                    || self.df.get(&hash).is_some_and(|&d| d >= self.universal_df),
            },
        }
    }

    /// Counts by reason.
    pub fn stats(&self) -> ChromeStats {
        self.stats
    }

    /// Adds the postings (sorted) of hashes that [`Chrome::detect`] was not
    /// given: the chrome is then what `detect` would have decided with them
    /// among its old postings, counts included. A check learns which indexed
    /// documents it needs (and so their hashes) from the chrome of the new
    /// documents' hashes; this completes it without detecting again.
    pub fn extend_frequent(&mut self, more: &[Posting]) {
        for run in merged_runs(more, &[]) {
            let df = run.df() as u32;
            if df >= self.stats.df_threshold {
                self.extend_one(run.hash, df);
            }
        }
    }

    /// [`Chrome::extend_frequent`] of hashes known to be frequent without
    /// their postings, `(hash, df)` as for [`Chrome::add_counted`].
    pub fn extend_counted(&mut self, counted: &[(u64, u32)]) {
        for &(hash, df) in counted {
            debug_assert!(df >= self.stats.df_threshold);
            self.extend_one(hash, df);
        }
    }

    /// Makes `hash` frequent after [`Chrome::add_repeated_and_known`].
    fn extend_one(&mut self, hash: u64, df: u32) {
        let f = self.set.entry(hash).or_insert(0);
        debug_assert!(*f & FREQUENT == 0, "a hash `detect` was given");
        // `detect` counts a hash once, under the first reason it finds.
        if *f & REPEATED != 0 {
            self.stats.repeated -= 1;
        } else if *f & KNOWN != 0 {
            self.stats.known -= 1;
        }
        *f |= FREQUENT;
        self.df.insert(hash, df);
        self.stats.frequent += 1;
    }
}

/// Word ranges `[start, end)` of a document that are chrome: each
/// fingerprint of `seq` (in position order) for which `is_chrome` holds
/// covers its shingle's `k` words, and covered ranges at most `slot` words
/// apart are joined, so a template's varying slots are part of it.
pub fn chrome_stretches(
    seq: &[Fingerprint],
    is_chrome: impl Fn(u64) -> bool,
    k: u32,
    slot: u32,
) -> Vec<(u32, u32)> {
    stretches_of(seq.iter().filter(|f| is_chrome(f.hash)), k, slot)
}

/// [`chrome_stretches`] of the chrome fingerprints `chrome` (in position
/// order).
pub fn stretches_of<'s>(
    chrome: impl Iterator<Item = &'s Fingerprint>,
    k: u32,
    slot: u32,
) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for f in chrome {
        let (s, e) = (f.pos, f.pos + k);
        match out.last_mut() {
            Some(last) if s <= last.1 + slot => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// `stretches` with the words `0..n` added (a mail header block).
pub fn with_prefix(mut stretches: Vec<(u32, u32)>, n: u32) -> Vec<(u32, u32)> {
    if n == 0 {
        return stretches;
    }
    let keep = stretches.partition_point(|s| s.0 <= n);
    let end = stretches[..keep]
        .iter()
        .map(|s| s.1)
        .max()
        .unwrap_or(0)
        .max(n);
    stretches.splice(..keep, [(0, end)]);
    stretches
}

/// Whether word `pos` lies inside one of the sorted `stretches`.
fn inside_stretch(stretches: &[(u32, u32)], pos: u32) -> bool {
    let i = stretches.partition_point(|s| s.1 <= pos);
    stretches.get(i).is_some_and(|s| s.0 <= pos)
}

/// The distinct fingerprints of a document that may propose candidate
/// pairs, sorted: not chrome, not repeated inside the document itself
/// (`own_repeated`, sorted), not inside a chrome stretch (a template's
/// slot), and not in its first `header` words (a mail header block).
pub fn content_fingerprints(
    seq: &[Fingerprint],
    chrome: &Chrome,
    own_repeated: &[u64],
    header: u32,
    k: u32,
    slot: u32,
) -> Vec<u64> {
    let is_chrome = |h: u64| chrome.contains(h) || own_repeated.binary_search(&h).is_ok();
    // Each fingerprint looked up once: the stretches and the filter both
    // need it (most documents have none, and then no stretch either).
    let flags: Vec<bool> = seq.iter().map(|f| is_chrome(f.hash)).collect();
    let stretches = stretches_of(
        seq.iter().zip(&flags).filter(|x| *x.1).map(|x| x.0),
        k,
        slot,
    );
    let mut out: Vec<u64> = seq
        .iter()
        .zip(&flags)
        .filter(|&(f, &c)| f.pos >= header && !c)
        .filter(|(f, _)| stretches.is_empty() || !inside_stretch(&stretches, f.pos))
        .map(|(f, _)| f.hash)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A passage that at least `df_threshold` documents carry (a footer, a
/// header template, a consent block), found once: its occurrences, variants
/// of one template included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedPassage {
    /// Where it occurs: `(document, first word, end word)`, by document; the
    /// first is the representative (its text is the excerpt).
    pub places: Vec<(u32, u32, u32)>,
}

impl SharedPassage {
    /// Distinct documents carrying it.
    pub fn documents(&self) -> usize {
        let mut d: Vec<u32> = self.places.iter().map(|p| p.0).collect();
        d.dedup();
        d.len()
    }

    /// Words of the representative occurrence.
    pub fn words(&self) -> u32 {
        self.places[0].2 - self.places[0].1
    }
}

/// Groups the stretches of frequent text of the documents `seqs` (document
/// id and fingerprint sequence, in id order) into shared passages.
///
/// A stretch needs two frequent fingerprints. It joins the first passage
/// whose representative shares at least half of the smaller of the two
/// fingerprint sets, else it founds a passage. Passages carried by fewer
/// than `min_docs` documents are left out. Ordered by documents (most
/// first), then words, then first place.
pub fn shared_passages<S: AsRef<[Fingerprint]>>(
    seqs: impl Iterator<Item = (u32, S)>,
    chrome: &Chrome,
    k: u32,
    slot: u32,
    min_docs: usize,
) -> Vec<SharedPassage> {
    let mut groups = PassageGroups::default();
    for (doc, seq) in seqs {
        groups.add(doc, passage_stretches(seq.as_ref(), chrome, k, slot));
    }
    groups.finish(min_docs)
}

/// [`shared_passages`] of the sketched documents `first_id..` (`sketches`):
/// the same passages. A chunk of documents at a time has its sequences
/// decoded and its stretches found on the pool (what is per document), then
/// they are grouped in id order (what depends on the documents before).
pub fn shared_passages_of_sketches(
    first_id: u32,
    sketches: &[crate::sketch::DocSketch],
    chrome: &Chrome,
    k: u32,
    slot: u32,
    min_docs: usize,
) -> Vec<SharedPassage> {
    shared_passages_in_chunks(first_id, sketches, chrome, k, slot, min_docs, 1024)
}

/// [`shared_passages_of_sketches`] in chunks of `chunk` documents.
fn shared_passages_in_chunks(
    first_id: u32,
    sketches: &[crate::sketch::DocSketch],
    chrome: &Chrome,
    k: u32,
    slot: u32,
    min_docs: usize,
    chunk: usize,
) -> Vec<SharedPassage> {
    use rayon::prelude::*;
    let mut groups = PassageGroups::default();
    for (c, part) in sketches.chunks(chunk.max(1)).enumerate() {
        let found: Vec<Vec<Stretch>> = part
            .par_iter()
            .map_init(Vec::new, |seq, s| {
                s.sequence_into(seq);
                passage_stretches(seq, chrome, k, slot)
            })
            .collect();
        let first = first_id + (c * chunk) as u32;
        for (i, stretches) in found.into_iter().enumerate() {
            groups.add(first + i as u32, stretches);
        }
    }
    groups.finish(min_docs)
}

/// A stretch of frequent text `(first word, end word)` and its distinct
/// frequent fingerprints, sorted.
pub(crate) type Stretch = (u32, u32, Vec<u64>);

/// The stretches of frequent text of one document (`seq`, in position
/// order) that have two frequent fingerprints or more.
fn passage_stretches(seq: &[Fingerprint], chrome: &Chrome, k: u32, slot: u32) -> Vec<Stretch> {
    frequent_stretches(seq, |h| chrome.is_frequent(h), k, slot)
}

/// The stretches of one document's text (`seq`, in position order) where
/// fingerprints for which `frequent` holds lie at most `slot` words apart
/// ([`chrome_stretches`]), each with its distinct frequent hashes (sorted),
/// those that have two or more: the places of a shared passage (also the
/// Python API's `frequent_stretches`).
pub(crate) fn frequent_stretches(
    seq: &[Fingerprint],
    frequent: impl Fn(u64) -> bool + Copy,
    k: u32,
    slot: u32,
) -> Vec<Stretch> {
    let mut out = Vec::new();
    for (s, e) in chrome_stretches(seq, frequent, k, slot) {
        let lo = seq.partition_point(|f| f.pos < s);
        let hi = seq.partition_point(|f| f.pos < e);
        let mut hashes: Vec<u64> = seq[lo..hi]
            .iter()
            .filter(|f| frequent(f.hash))
            .map(|f| f.hash)
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        if hashes.len() >= 2 {
            out.push((s, e, hashes));
        }
    }
    out
}

/// Shared passages as documents' stretches are added in id order (see
/// [`shared_passages`]).
#[derive(Default)]
struct PassageGroups {
    passages: Vec<SharedPassage>,
    rep_size: Vec<usize>,
    owner: AHashMap<u64, u32>,
    votes: AHashMap<u32, usize>,
}

impl PassageGroups {
    /// Document `doc`'s stretches: each joins a passage or founds one.
    fn add(&mut self, doc: u32, stretches: Vec<Stretch>) {
        for (s, e, hashes) in stretches {
            self.votes.clear();
            for h in &hashes {
                if let Some(&p) = self.owner.get(h) {
                    *self.votes.entry(p).or_insert(0) += 1;
                }
            }
            let rep_size = &self.rep_size;
            let best = self
                .votes
                .iter()
                .filter(|(&p, &v)| 2 * v >= hashes.len().min(rep_size[p as usize]))
                .max_by_key(|(&p, &v)| (v, std::cmp::Reverse(p)))
                .map(|(&p, _)| p);
            match best {
                Some(p) => self.passages[p as usize].places.push((doc, s, e)),
                None => {
                    let p = self.passages.len() as u32;
                    for &h in &hashes {
                        self.owner.entry(h).or_insert(p);
                    }
                    self.rep_size.push(hashes.len());
                    self.passages.push(SharedPassage {
                        places: vec![(doc, s, e)],
                    });
                }
            }
        }
    }

    /// The passages of at least `min_docs` documents, ordered.
    fn finish(self, min_docs: usize) -> Vec<SharedPassage> {
        let mut passages = self.passages;
        passages.retain(|p| p.documents() >= min_docs);
        passages.sort_by_key(|p| {
            (
                std::cmp::Reverse(p.documents()),
                std::cmp::Reverse(p.words()),
                p.places[0],
            )
        });
        passages
    }
}

/// Shingle hashes of a known-chrome text (every shingle, not only the
/// winnowed ones, since winnowing depends on the surrounding text).
pub fn known_shingles(text: &str, k: usize) -> Vec<u64> {
    let mut tokens = Vec::new();
    crate::normalize::tokenize(text, &mut tokens);
    let mut out = Vec::new();
    crate::shingle::shingles(&tokens, k, &mut out);
    out
}

/// Longest tag [`markup_words`] takes for one: a `<` with no `>` within
/// this many bytes is a less-than sign.
const MAX_TAG_BYTES: usize = 2048;

/// Longest comment, style sheet or script [`markup_words`] takes for one.
const MAX_ELEMENT_BYTES: usize = 1 << 16;

/// Whether an HTML or XML tag opens at byte `at` of `bytes`: `<!` (a
/// comment, a doctype), `<?`, or `<` and maybe `/` before a name (letters,
/// digits, `:-_.`, not ending in `:`) that ends at a space, `/` or `>`. A
/// mail address or a link in angle brackets (`<tom@example.org>`,
/// `<http://...>`) is no tag, nor is a less-than sign.
fn opens_tag(bytes: &[u8], at: usize) -> bool {
    let rest = &bytes[at..];
    match rest.get(1) {
        Some(b'!' | b'?') => return true,
        Some(b'/') => {}
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    let name = if rest[1] == b'/' {
        &rest[2..]
    } else {
        &rest[1..]
    };
    let len = name
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b':' | b'-' | b'_' | b'.'))
        .count();
    // `http:` before `//` is a link's scheme, not a namespace.
    len > 0
        && name[len - 1] != b':'
        && name
            .get(len)
            .is_some_and(|&c| c.is_ascii_whitespace() || c == b'/' || c == b'>')
}

/// The end (one past its `>`) of the tag that opens at `bytes[at]`, if one
/// does ([`opens_tag`]): a comment ends at `-->`, a style sheet or a script
/// at its closing tag.
fn tag_end(bytes: &[u8], at: usize) -> Option<usize> {
    if !opens_tag(bytes, at) {
        return None;
    }
    let upto = |n: usize| &bytes[at..bytes.len().min(at + n)];
    if bytes[at..].starts_with(b"<!--") {
        return memchr::memmem::find(upto(MAX_ELEMENT_BYTES), b"-->").map(|i| at + i + 3);
    }
    let window = &upto(MAX_TAG_BYTES)[1..];
    let end = memchr::memchr2(b'>', b'<', window)
        .filter(|&i| window[i] == b'>')
        .map(|i| at + 2 + i)?;
    let name = |x: &[u8], n: &[u8]| {
        x.len() > n.len()
            && x[..n.len()].eq_ignore_ascii_case(n)
            && !x[n.len()].is_ascii_alphanumeric()
    };
    let Some(element) = [&b"style"[..], b"script"]
        .into_iter()
        .find(|n| name(&bytes[at + 1..], n))
    else {
        return Some(end);
    };
    // The element's text is code, not prose: up to `</style>`.
    let body = &bytes[end..bytes.len().min(end + MAX_ELEMENT_BYTES)];
    memchr::memmem::find_iter(body, b"</")
        .find(|&i| name(&body[i + 2..], element))
        .and_then(|i| memchr::memchr(b'>', &body[i..]).map(|j| end + i + j + 1))
        .or(Some(end))
}

/// The words of `tokens[lo..hi]` that are markup, not text: inside an HTML
/// or XML tag ([`opens_tag`] to the next `>`: `<td width=8>`), comment
/// (`<!-- NEWS -->`), style sheet or script (`<style>...</style>`), or the
/// name of a character entity (`&nbsp;`, `&#160;`) in a range that holds a
/// tag. (Entities alone are a text's typography: prose quoted with
/// `&#8220;` is still prose.)
///
/// Raw HTML pages and HTML mail share their layout, tag for tag, with every
/// page of the same site; a span whose text outside its markup is too short
/// to be a finding is a template, not an article repeating another
/// ([`crate::align::align`] marks it as boilerplate). Linear in the bytes
/// of the range, plus a look-back of at most [`MAX_TAG_BYTES`] for a tag
/// open at its start.
pub fn markup_words(text: &str, tokens: &[crate::normalize::Token], lo: u32, hi: u32) -> u32 {
    let (lo, hi) = (lo as usize, (hi as usize).min(tokens.len()));
    if lo >= hi {
        return 0;
    }
    let bytes = text.as_bytes();
    let tag_end = |at: usize| tag_end(bytes, at);
    let first = tokens[lo].start as usize;
    // A tag open at the range's start: the nearest `<` or `>` before it.
    let back = first.saturating_sub(MAX_TAG_BYTES);
    let mut tag = memchr::memrchr2(b'<', b'>', &bytes[back..first])
        .map(|i| back + i)
        .and_then(|at| tag_end(at).filter(|&end| end > first).map(|end| (at, end)));
    // A `<` at or after the last word's start opens no tag before a word
    // of the range: `next` is the first `<` not yet passed before it,
    // looked for once per `<`, not once per word.
    let last = tokens[hi - 1].start as usize;
    let next_from = |cursor: usize| memchr::memchr(b'<', &bytes[cursor..last]).map(|i| cursor + i);
    let mut next = next_from(first);
    if tag.is_none() && next.is_none() {
        // No tag open at the start and none opening inside: no markup.
        return 0;
    }
    let (mut tags, mut entities) = (0, 0);
    for t in &tokens[lo..hi] {
        let (start, end) = (t.start as usize, t.end as usize);
        // Advance to the last tag that opens before this word.
        while tag.is_none_or(|(_, e)| e <= start) {
            let Some(at) = next.filter(|&at| at < start) else {
                tag = None;
                break;
            };
            next = next_from(at + 1);
            if let Some(e) = tag_end(at) {
                tag = Some((at, e));
            }
        }
        let in_tag = tag.is_some_and(|(at, e)| at < start && start < e);
        let entity = bytes.get(end) == Some(&b';')
            && (bytes[..start].ends_with(b"&") || bytes[..start].ends_with(b"&#"));
        if in_tag {
            tags += 1;
        } else if entity {
            entities += 1;
        }
    }
    if tags == 0 {
        0
    } else {
        tags + entities
    }
}

#[cfg(test)]
mod tests {
    fn markup_of(text: &str) -> (u32, usize) {
        let mut toks = Vec::new();
        crate::normalize::tokenize(text, &mut toks);
        (markup_words(text, &toks, 0, toks.len() as u32), toks.len())
    }

    #[test]
    fn markup_words_are_the_words_inside_tags_and_entities() {
        assert_eq!(markup_of("plain prose with no tags at all"), (0, 7));
        // td width 3d8 | br | nbsp of 8 words.
        assert_eq!(
            markup_of("<td width=3D8>Hello world<br>&nbsp;again"),
            (5, 8)
        );
        // A comment and a closing tag.
        assert_eq!(markup_of("<!-- NEWS --> Story text </p>"), (2, 4));
        assert_eq!(markup_of("<o:Author>donald bae</o:Author>"), (4, 6));
        // A comment holding tags ends at `-->`; a style sheet's rules are
        // markup up to its closing tag.
        assert_eq!(
            markup_of("<!-- read <a href=x>here</a> now --> Story"),
            (7, 8)
        );
        assert_eq!(markup_of("<STYLE>p { color: red }</Style> Story"), (5, 6));
        assert_eq!(markup_of("<styles>p</styles> q"), (2, 4));
        assert_eq!(markup_of("<b>Fish</b> &amp; chips &#160; here"), (4, 7));
        assert_eq!(markup_of("Fish &amp; chips &#8220;here&#8221;").0, 0);
        // A less-than sign is no tag, nor is a `<` never closed, a mail
        // address or a link in angle brackets.
        assert_eq!(markup_of("a < b and 3<4 but e > f, c <= d").0, 0);
        assert_eq!(markup_of("x <never closed tag").0, 0);
        assert_eq!(markup_of("Tom Reingold <tom@example.org> wrote:").0, 0);
        assert_eq!(markup_of("see <http://example.org/a b> now").0, 0);
    }

    #[test]
    fn markup_words_of_a_range_see_a_tag_open_before_it() {
        let text = "<table cellpadding=1 border=0> story words here";
        let mut toks = Vec::new();
        crate::normalize::tokenize(text, &mut toks);
        let n = toks.len() as u32;
        // From "cellpadding" on: cellpadding 1 border 0 are inside the tag.
        assert_eq!(markup_words(text, &toks, 1, n), 4);
        assert_eq!(markup_words(text, &toks, 5, n), 0);
    }

    /// [`markup_words`] as it was before it looked for each `<` once (one
    /// `memchr` per word): the reference the faster one must agree with.
    fn markup_words_per_word(
        text: &str,
        tokens: &[crate::normalize::Token],
        lo: u32,
        hi: u32,
    ) -> u32 {
        let (lo, hi) = (lo as usize, (hi as usize).min(tokens.len()));
        if lo >= hi {
            return 0;
        }
        let bytes = text.as_bytes();
        let tag_end = |at: usize| tag_end(bytes, at);
        let first = tokens[lo].start as usize;
        let back = first.saturating_sub(MAX_TAG_BYTES);
        let mut tag = memchr::memrchr2(b'<', b'>', &bytes[back..first])
            .map(|i| back + i)
            .and_then(|at| tag_end(at).filter(|&end| end > first).map(|end| (at, end)));
        let mut cursor = first;
        let (mut tags, mut entities) = (0, 0);
        for t in &tokens[lo..hi] {
            let (start, end) = (t.start as usize, t.end as usize);
            while tag.is_none_or(|(_, e)| e <= start) {
                let Some(at) = memchr::memchr(b'<', &bytes[cursor..start]).map(|i| cursor + i)
                else {
                    cursor = start;
                    tag = None;
                    break;
                };
                cursor = at + 1;
                if let Some(e) = tag_end(at) {
                    tag = Some((at, e));
                }
            }
            let in_tag = tag.is_some_and(|(at, e)| at < start && start < e);
            let entity = bytes.get(end) == Some(&b';')
                && (bytes[..start].ends_with(b"&") || bytes[..start].ends_with(b"&#"));
            if in_tag {
                tags += 1;
            } else if entity {
                entities += 1;
            }
        }
        if tags == 0 {
            0
        } else {
            tags + entities
        }
    }

    #[test]
    fn markup_words_agree_with_one_search_per_word_on_every_range() {
        // Pages of tags, comments, a style sheet, entities, stray `<` and
        // `>`, mail addresses: every range of each agrees.
        let texts = [
            "<html><head><style>p { color: red }</style></head><body>\n<p class=x>Story &amp; text</p> a < b\n<!-- c <b>d</b> --> e &nbsp; f <tom@example.org> g</body>",
            "plain words only, no markup at all here, 3<4 and 5 > 2",
            "<td width=3D8>Hello world<br>&nbsp;again <table cellpadding=1\nborder=0> x y z </table> tail",
            "x <never closed tag and then words > and <i>more</i> &#160; end <",
            "<o:Author>donald bae</o:Author> <SCRIPT>var a = 1 < 2;</SCRIPT> words after it all",
        ];
        let mut checked = 0;
        for text in texts {
            let mut toks = Vec::new();
            crate::normalize::tokenize(text, &mut toks);
            let n = toks.len() as u32;
            for lo in 0..=n {
                for hi in lo..=n + 1 {
                    assert_eq!(
                        markup_words(text, &toks, lo, hi),
                        markup_words_per_word(text, &toks, lo, hi),
                        "{text:?} words {lo}..{hi}"
                    );
                    checked += u32::from(markup_words(text, &toks, lo, hi) > 0);
                }
            }
        }
        // Ranges with markup were among them, not only ranges without.
        assert!(checked > 100, "{checked}");
    }

    use super::*;
    use crate::postings;
    use crate::sketch::DocSketch;

    fn sk(fps: &[u64], rep: &[u64]) -> DocSketch {
        DocSketch::new(&[], fps, rep, 0, 0)
    }

    #[test]
    fn frequent_repeated_and_known_are_chrome() {
        let docs: Vec<DocSketch> = (0..12)
            .map(|i| {
                sk(
                    &[1, 100 + i, if i < 3 { 7 } else { 200 + i }],
                    match i {
                        5 | 6 => &[9],
                        7 => &[11],
                        _ => &[],
                    },
                )
            })
            .collect();
        // Split the corpus in an old and a new part: df adds up across both.
        let old = postings::build(docs[..5].iter().map(|d| d.fingerprints()), 0);
        let new = postings::build(docs[5..].iter().map(|d| d.fingerprints()), 5);
        let repeated = docs.iter().flat_map(|d| d.repeated().iter().copied());
        let c = Chrome::detect(&old, &new, repeated, &[42], 10);
        assert!(c.contains(1), "in all 12 docs");
        assert!(!c.contains(7), "in only 3 docs");
        assert!(c.contains(9), "repeated inside docs 5 and 6");
        assert!(!c.contains(11), "repeated inside doc 7 alone");
        assert!(c.contains(42), "known");
        assert!(!c.contains(105));
        assert_eq!(
            c.stats(),
            ChromeStats {
                frequent: 1,
                repeated: 1,
                known: 1,
                df_threshold: 10
            }
        );
        assert!(c.is_frequent(1) && !c.is_frequent(9) && !c.is_frequent(42));
        assert!(c.is_known(42) && !c.is_known(1));
    }

    #[test]
    fn a_class_answers_each_test_as_the_chrome_does() {
        // 1 in all 12 documents (universal at 12), 2 in 10 (frequent, not
        // universal), 9 repeated by documents 5 and 6, 13 by 3, 4 and 8,
        // 1 and 42 known.
        let docs: Vec<DocSketch> = (0..12)
            .map(|i| {
                sk(
                    &[1, 100 + i, if i < 10 { 2 } else { 200 + i }],
                    match i {
                        5 | 6 => &[9],
                        3 | 4 | 8 => &[13],
                        _ => &[],
                    },
                )
            })
            .collect();
        let all = postings::build(docs.iter().map(|d| d.fingerprints()), 0);
        let repeated = docs.iter().flat_map(|d| d.repeated().iter().copied());
        let c = Chrome::detect(&[], &all, repeated, &[1, 42], 10).with_universal_df(12);
        let tests = |h: u64| {
            (
                c.contains(h),
                c.is_known(h),
                c.is_universal(h),
                c.repeated_by_two_at_most(h),
            )
        };
        let of_class = |h: u64| {
            let x = c.class(h);
            (
                x.contains(),
                x.is_known(),
                x.is_universal(),
                x.repeated_by_two_at_most(),
            )
        };
        for h in [1, 2, 9, 13, 42, 100, 105, 211, 7] {
            assert_eq!(of_class(h), tests(h), "hash {h}");
        }
        // Each test is true of some hash and false of another.
        assert_eq!(tests(1), (true, true, true, false));
        assert_eq!(tests(2), (true, false, false, false));
        assert_eq!(tests(9), (true, false, false, true));
        assert_eq!(tests(13), (true, false, false, false));
        assert_eq!(tests(105), (false, false, false, true));
    }

    fn fp(hash: u64, pos: u32) -> Fingerprint {
        Fingerprint { hash, pos }
    }

    #[test]
    fn stretches_join_across_slots_only() {
        // Chrome at 0, 4, 8 (covers 0..13); a slot, chrome again at 20
        // (7 words after 13): joined with slot 10, not with slot 5.
        let seq = [
            fp(1, 0),
            fp(1, 4),
            fp(1, 8),
            fp(2, 15),
            fp(1, 20),
            fp(2, 60),
        ];
        let chrome = |h: u64| h == 1;
        assert_eq!(chrome_stretches(&seq, chrome, 5, 10), vec![(0, 25)]);
        assert_eq!(
            chrome_stretches(&seq, chrome, 5, 5),
            vec![(0, 13), (20, 25)]
        );
        assert!(chrome_stretches(&seq, |_| false, 5, 10).is_empty());
    }

    #[test]
    fn slots_and_own_repeats_propose_nothing() {
        let c = Chrome::detect(&[], &[], [], &[1], 10);
        // 7 sits in a slot of the chrome template; 8 is repeated by this
        // document only; 9 and 10 are content.
        let seq = [
            fp(1, 0),
            fp(7, 6),
            fp(1, 12),
            fp(8, 40),
            fp(9, 50),
            fp(8, 60),
            fp(10, 70),
        ];
        assert_eq!(content_fingerprints(&seq, &c, &[8], 0, 5, 10), vec![9, 10]);
        assert_eq!(
            content_fingerprints(&seq, &c, &[], 0, 5, 10),
            vec![8, 9, 10]
        );
        assert_eq!(content_fingerprints(&seq, &c, &[], 55, 5, 10), vec![8, 10]);
    }

    #[test]
    fn template_variants_are_one_passage() {
        // Twelve documents carry a template (hashes 1..=6) whose slot
        // varies (hash 100 + i), after text of their own; three of them
        // also carry another common block (20..=23).
        let seqs: Vec<Vec<Fingerprint>> = (0..12u64)
            .map(|i| {
                let mut v = vec![fp(1000 + i, 0), fp(2000 + i, 6)];
                v.extend((1..=3).map(|h| fp(h, 40 + 4 * h as u32)));
                v.push(fp(100 + i, 56));
                v.extend((4..=6).map(|h| fp(h, 50 + 4 * h as u32)));
                if i < 3 {
                    v.extend((20..=23).map(|h| fp(h, 200 + 4 * (h as u32 - 20))));
                }
                v
            })
            .collect();
        let lists: Vec<Vec<u64>> = seqs
            .iter()
            .map(|s| {
                let mut h: Vec<u64> = s.iter().map(|f| f.hash).collect();
                h.sort_unstable();
                h
            })
            .collect();
        let post = postings::build(lists.iter().map(|v| v.as_slice()), 0);
        let c = Chrome::detect(&[], &post, [], &[], 3);
        let got = shared_passages(
            seqs.iter()
                .enumerate()
                .map(|(i, s)| (i as u32, s.as_slice())),
            &c,
            5,
            10,
            3,
        );
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].documents(), 12);
        assert_eq!(got[0].places[0], (0, 44, 79));
        assert_eq!(got[0].words(), 35);
        assert_eq!(got[1].documents(), 3);
        // With a higher bar only the template is listed.
        let c = Chrome::detect(&[], &post, [], &[], 3);
        let seqs_iter = seqs
            .iter()
            .enumerate()
            .map(|(i, s)| (i as u32, s.as_slice()));
        assert_eq!(shared_passages(seqs_iter, &c, 5, 10, 4).len(), 1);
        // From sketches, decoded a chunk at a time on the pool: the same.
        let sketches: Vec<DocSketch> = seqs
            .iter()
            .zip(&lists)
            .map(|(seq, fps)| {
                let mut s = sk(fps, &[]);
                s.set_sequence(seq);
                s
            })
            .collect();
        for min_docs in [3, 4] {
            let want = shared_passages(
                seqs.iter()
                    .enumerate()
                    .map(|(i, s)| (7 + i as u32, s.as_slice())),
                &c,
                5,
                10,
                min_docs,
            );
            assert!(!want.is_empty());
            for chunk in [1, 5, 12, 1024] {
                let got = shared_passages_in_chunks(7, &sketches, &c, 5, 10, min_docs, chunk);
                assert_eq!(got, want, "chunk {chunk}");
            }
            assert_eq!(
                shared_passages_of_sketches(7, &sketches, &c, 5, 10, min_docs),
                want
            );
        }
    }

    #[test]
    fn auto_threshold() {
        assert_eq!(auto_df_threshold(5), 10);
        assert_eq!(auto_df_threshold(20_000), 200);
        assert_eq!(auto_df_threshold(20_001), 201);
    }

    #[test]
    fn extending_with_other_hashes_is_detecting_them_too() {
        // Hashes 0..40 in up to 8 of 10 documents; some repeated, some known.
        let lists: Vec<Vec<u64>> = (0..10u64)
            .map(|d| (0..40).filter(|h| (h * 7 + d) % 10 < h % 9).collect())
            .collect();
        let post = postings::build(lists.iter().map(|l| l.as_slice()), 0);
        let repeated = [3u64, 3, 5, 11, 11, 12, 30, 30];
        let known = [5u64, 12, 13, 31];
        let all = Chrome::detect(&post, &[], repeated, &known, 4).with_universal_df(6);
        let (first, more): (Vec<Posting>, Vec<Posting>) = post.iter().partition(|p| p.0 % 3 != 0);
        let mut part = Chrome::detect(&first, &[], repeated, &known, 4).with_universal_df(6);
        assert_ne!(part.stats(), all.stats());
        part.extend_frequent(&more);
        assert_eq!(part.stats(), all.stats());
        for h in 0..45 {
            let of = |c: &Chrome| {
                (
                    c.contains(h),
                    c.is_frequent(h),
                    c.is_known(h),
                    c.is_universal(h),
                )
            };
            assert_eq!(of(&part), of(&all), "hash {h}");
        }
    }
}
