//! Verification and alignment of a candidate pair on its real shingles.
//!
//! 1. **Seeds**: every place where a shingle of A equals a shingle of B. A
//!    shingle found more than `max_repeats` times in either document is no
//!    seed (a word repeated a million times yields none), which bounds the
//!    seeds by `max_repeats x (|A| + |B|)`.
//! 2. **Chains**: seeds sorted by position in A are chained greedily: a seed
//!    extends the nearest chain that ended at most `max_gap` uncovered words
//!    before it on both sides and whose diagonal it stays near (the two gaps
//!    differ by at most `max_drift` words). So substitutions, deletions and
//!    short insertions are bridged, while text that is only similar far off
//!    the diagonal starts a new chain.
//! 3. **Spans**: each chain covers from its first seed's first word to its
//!    last seed's last word on each side, extended by words that still match
//!    one by one, and to punctuation glued to its ends. Chains that mostly
//!    overlap a larger one on both sides are dropped. A span is kept when it
//!    holds at least `min_words` words on both sides (or covers nearly all of
//!    both documents) and at least `min_similarity` of its words are covered
//!    by shared shingles, or (an edited copy) at least [`MIN_ALIGNED`] of
//!    them align word by word and none is chrome.
//!
//! The pair's Jaccard similarity and containments are exact, computed on the
//! distinct shingle sets.

use crate::boilerplate::Chrome;
use crate::normalize::{tokenize, Token};
use crate::shingle::shingles;
use crate::sketch::{winnow, Fingerprint};

/// A half-open byte range `[start, end)` in a document's original text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// A span of A and the span of B that repeats it.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanPair {
    /// Bytes of A.
    pub a: Span,
    /// Bytes of B.
    pub b: Span,
    /// Words on the shorter side.
    pub words: u32,
    /// Share of the span's words, both sides, covered by shared shingles in
    /// step (1.0 for an exact copy).
    pub similarity: f64,
    /// Share of the span's fingerprints, both sides, that are chrome.
    pub chrome: f64,
    /// Whether the span is mostly chrome.
    pub boilerplate: bool,
}

/// What verification found for a pair.
#[derive(Clone, Debug, PartialEq)]
pub struct Alignment {
    /// Exact Jaccard similarity of the two shingle sets.
    pub jaccard: f64,
    /// Shared shingles over A's and over B's distinct shingles.
    pub containment: [f64; 2],
    /// Share of A's and of B's words inside non-boilerplate spans.
    pub coverage: [f64; 2],
    /// Spans, in order of position in A.
    pub spans: Vec<SpanPair>,
    /// Shorter aligned blocks of a flagged pair (under `min_words`, at least
    /// [`MIN_MOVED_WORDS`]), outside every span: paragraphs moved or left
    /// in a reordered copy. They count toward coverage and are reported as
    /// one group, not as spans. In order of position in A.
    pub moved: Vec<MovedBlock>,
}

/// A short block of A repeated in B (see [`Alignment::moved`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MovedBlock {
    /// Bytes of A.
    pub a: Span,
    /// Bytes of B.
    pub b: Span,
    /// Words on the shorter side.
    pub words: u32,
}

/// The shortest aligned block that counts as moved: `window + k - 1` words
/// with the default sketch (12), the shortest run winnowing is sure to see.
pub const MIN_MOVED_WORDS: u32 = 12;

impl Alignment {
    /// The same alignment seen from B: sides swapped, spans in B's order.
    pub fn mirrored(&self) -> Alignment {
        let mut spans: Vec<SpanPair> = self
            .spans
            .iter()
            .map(|s| SpanPair {
                a: s.b,
                b: s.a,
                ..s.clone()
            })
            .collect();
        spans.sort_by_key(|s| (s.a, s.b));
        let mut moved: Vec<MovedBlock> = self
            .moved
            .iter()
            .map(|m| MovedBlock {
                a: m.b,
                b: m.a,
                words: m.words,
            })
            .collect();
        moved.sort_by_key(|m| (m.a, m.b));
        Alignment {
            jaccard: self.jaccard,
            containment: [self.containment[1], self.containment[0]],
            coverage: [self.coverage[1], self.coverage[0]],
            spans,
            moved,
        }
    }

    /// Whether any span is an article rather than chrome, or the pair has
    /// moved blocks (which it has only beside such a span or when they
    /// make up both documents: a short copy with its paragraphs shuffled).
    pub fn has_content(&self) -> bool {
        !self.moved.is_empty() || self.spans.iter().any(|s| !s.boilerplate)
    }
}

/// Alignment parameters.
#[derive(Clone, Copy, Debug)]
pub struct AlignParams {
    /// Words per shingle.
    pub k: usize,
    /// Winnowing window (to locate fingerprints for the chrome share).
    pub window: usize,
    /// Smallest span, in words, on both sides.
    pub min_words: u32,
    /// Largest run of uncovered words a span bridges.
    pub max_gap: u32,
    /// Largest difference between the gaps on the two sides.
    pub max_drift: u32,
    /// A shingle found more often than this in either document is no seed.
    pub max_repeats: u32,
    /// Smallest share of covered words in a span.
    pub min_similarity: f64,
    /// A span is boilerplate when at least this share of its words (both
    /// sides) lies in chrome stretches.
    pub chrome_fraction: f64,
    /// Spans covering at least this share of both documents' words make the
    /// pair a near duplicate, and are kept even when shorter than
    /// `min_words`.
    pub near_coverage: f64,
}

impl Default for AlignParams {
    fn default() -> Self {
        AlignParams {
            k: 5,
            window: 8,
            min_words: 50,
            max_gap: 30,
            max_drift: 20,
            max_repeats: 16,
            min_similarity: 0.5,
            chrome_fraction: 0.5,
            near_coverage: 0.8,
        }
    }
}

/// A document ready for alignment: its words, shingles and fingerprints.
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    /// Words with byte offsets.
    pub tokens: Vec<Token>,
    /// Shingle hashes, in position order: the exact similarity and the
    /// seeds come from joining two of these.
    pub shingles: Vec<u64>,
    /// Winnowed fingerprints, in position order.
    pub fingerprints: Vec<Fingerprint>,
    /// Fingerprint hashes this document repeats at places that do not
    /// overlap (chrome inside it), sorted.
    pub repeated: Vec<u64>,
    /// Words of a mail header block at the start (chrome).
    pub header_words: u32,
}

impl Prepared {
    /// Tokenizes, shingles and winnows `text`.
    pub fn new(text: &str, k: usize, window: usize) -> Prepared {
        Prepared::with_words(text, k, window, 0)
    }

    /// [`Prepared::new`] of a text of about `words` words: its words are
    /// gathered into a vector of that capacity, and its fingerprints into
    /// one of winnowing's expected count (2 in `window + 1` shingles), not
    /// grown by doubling from empty. The same result.
    pub fn with_words(text: &str, k: usize, window: usize, words: usize) -> Prepared {
        let mut p = Prepared {
            tokens: Vec::with_capacity(words.min(text.len())),
            ..Prepared::default()
        };
        tokenize(text, &mut p.tokens);
        shingles(&p.tokens, k, &mut p.shingles);
        p.fingerprints
            .reserve(2 * p.shingles.len() / (window.max(1) + 1) + 16);
        winnow(&p.shingles, window, &mut p.fingerprints);
        p.repeated = repeated_of(&p.fingerprints, k);
        p.header_words =
            crate::normalize::words_before(&p.tokens, crate::normalize::mail_header_len(text));
        p
    }

    /// [`Prepared::new`] of a text already sketched with shingles of `k`
    /// words and this window (`sketch`): what winnowing gave is taken from
    /// the sketch, only the words and shingles are computed again.
    pub fn from_sketch(text: &str, k: usize, sketch: &crate::sketch::DocSketch) -> Prepared {
        let mut p = Prepared {
            tokens: Vec::with_capacity(sketch.words as usize),
            fingerprints: sketch.sequence().collect(),
            repeated: sketch.repeated().to_vec(),
            header_words: sketch.header_words,
            ..Prepared::default()
        };
        tokenize(text, &mut p.tokens);
        debug_assert_eq!(p.tokens.len(), sketch.words as usize);
        shingles(&p.tokens, k, &mut p.shingles);
        p
    }

    /// Memory held, in bytes (for the verify stage's cache budget).
    pub fn heap_bytes(&self) -> usize {
        self.tokens.len() * std::mem::size_of::<Token>()
            + self.shingles.len() * 8
            + self.fingerprints.len() * std::mem::size_of::<Fingerprint>()
            + self.repeated.len() * 8
    }

    /// Words covered by one shingle.
    fn klen(&self, k: usize) -> u32 {
        self.tokens.len().min(k) as u32
    }
}

/// The fingerprint hashes `fps` repeats at places that do not overlap:
/// `distinct_and_repeated(fps, k).1`, whose sort and lists are skipped when
/// no hash occurs twice (nearly every document: a sorted copy of the
/// hashes tells).
fn repeated_of(fps: &[Fingerprint], k: usize) -> Vec<u64> {
    let mut hashes: Vec<u64> = fps.iter().map(|f| f.hash).collect();
    hashes.sort_unstable();
    if hashes.windows(2).all(|w| w[0] != w[1]) {
        return Vec::new();
    }
    drop(hashes);
    crate::sketch::distinct_and_repeated(&mut fps.to_vec(), k).1
}

#[derive(Clone, Copy, Debug)]
struct Chain {
    a0: u32,
    b0: u32,
    a1: u32,
    b1: u32,
    cov_a: u32,
    cov_b: u32,
}

/// Verifies a pair and aligns its spans.
///
/// Chrome is judged for the pair: a fingerprint is chrome when `chrome`
/// holds it or either document repeats it, except one that both repeat the
/// same way and no third document repeats ([`own_repeats`]: a phrase
/// their shared passage says twice). Chrome stretches of at least
/// `min_words` words are cut out of a span and reported as boilerplate spans
/// of their own (a footer after a copied passage); shorter ones stay inside
/// it. A span is boilerplate when at least `chrome_fraction` of its words lie
/// in chrome stretches. When the smaller document is repeated inside the
/// other (exact containment of its shingles at least `near_coverage`), only
/// known chrome (`--boilerplate`) counts: a syndicated article or a license
/// inside a longer one is content however many documents carry it.
pub fn align(
    a_text: &str,
    a: &Prepared,
    b_text: &str,
    b: &Prepared,
    chrome: &Chrome,
    p: &AlignParams,
) -> Alignment {
    let (jaccard, containment, seeds) = seeds(a, b, p.max_repeats);
    let ka = a.klen(p.k);
    let kb = b.klen(p.k);
    let smaller = if a.tokens.len() <= b.tokens.len() {
        0
    } else {
        1
    };
    // A phrase the passage itself says more than once, copied with it, is
    // no template's: a hash these two documents repeat the same way, and
    // no other document repeats, is not chrome for this pair unless the
    // corpus says so by frequency or a boilerplate file. (A template two
    // pages share repeats the same way too, but a site's template is
    // repeated in a third page.)
    let own = own_repeats(a, b, ka.min(kb));
    // Each fingerprint of a side that can be chrome for this pair, with
    // what the corpus chrome holds of it (one lookup for all the tests
    // below) and whether either document repeats it: one the chrome does
    // not hold and neither repeats is chrome by none of them.
    type Marked = (Fingerprint, crate::boilerplate::ChromeClass, bool);
    let marked = |fps: &[Fingerprint]| -> Vec<Marked> {
        let rep =
            |h: u64| a.repeated.binary_search(&h).is_ok() || b.repeated.binary_search(&h).is_ok();
        fps.iter()
            .filter_map(|f| {
                let (c, r) = (chrome.class(f.hash), rep(f.hash));
                (c.contains() || r).then_some((*f, c, r))
            })
            .collect()
    };
    let (marked_a, marked_b) = (marked(&a.fingerprints), marked(&b.fingerprints));
    let is_own =
        |(f, c, _): &Marked| own.binary_search(&f.hash).is_ok() && c.repeated_by_two_at_most();
    let corpus_chrome = |m: &Marked| m.1.contains() && !is_own(m);
    let pair_chrome = |m: &Marked| corpus_chrome(m) || (!is_own(m) && m.2);
    let slot = p.max_gap;
    let stretches = |marked: &[Marked], is_chrome: &dyn Fn(&Marked) -> bool, k: u32| {
        crate::boilerplate::stretches_of(
            marked.iter().filter(|m| is_chrome(m)).map(|m| &m.0),
            k,
            slot,
        )
    };
    use crate::boilerplate::with_prefix;
    let mask_a = with_prefix(stretches(&marked_a, &pair_chrome, ka), a.header_words);
    let mask_b = with_prefix(stretches(&marked_b, &pair_chrome, kb), b.header_words);
    // Universal chrome (site-wide: a legal footer, known chrome, a mail
    // header block) never makes a span content.
    let universal = |m: &Marked| m.1.is_universal();
    let univ_a = with_prefix(stretches(&marked_a, &universal, ka), a.header_words);
    let univ_b = with_prefix(stretches(&marked_b, &universal, kb), b.header_words);
    // Long stretches of corpus chrome (and a mail header block) are cut out
    // of spans; text only one of the two documents repeats is weaker
    // evidence and is not. Universal chrome and the rest of corpus chrome
    // are stretches of their own: a site footer right after a syndicated
    // article is cut from it.
    let cut_a = {
        let mut v = univ_a.clone();
        v.extend(stretches(
            &marked_a,
            &|m: &Marked| corpus_chrome(m) && !m.1.is_universal(),
            ka,
        ));
        v.sort_unstable();
        merge_overlapping(&v)
    };
    let known = |m: &Marked| m.1.is_known();
    let known_a = stretches(&marked_a, &known, ka);
    let known_b = stretches(&marked_b, &known, kb);

    let (chains, owner) = chain(&seeds, ka, kb, p);
    let (mut chains, owner) = split_at_moved(chains, &owner, &seeds, ka, kb);
    let same_words = identical(a, b);
    if same_words {
        // Same words throughout: one span, even when every shingle repeats
        // too often to seed (a word repeated a million times).
        let n = a.tokens.len() as u32;
        chains = vec![Chain {
            a0: 0,
            b0: 0,
            a1: n - ka,
            b1: n - kb,
            cov_a: n,
            cov_b: n,
        }];
    }

    // Token ranges, extended by words that still match one by one, then cut
    // around long chrome stretches.
    let mut spans: Vec<Piece> = Vec::new();
    for (ci, c) in chains.iter().enumerate() {
        let (mut a0, mut b0) = (c.a0, c.b0);
        let (mut a1, mut b1) = (c.a1 + ka, c.b1 + kb);
        let (mut cov_a, mut cov_b) = (c.cov_a, c.cov_b);
        let (ta, tb) = (&a.tokens, &b.tokens);
        let (brk_a, brk_b) = (
            |x: u32| paragraph_break(a_text, ta, x),
            |x: u32| paragraph_break(b_text, tb, x),
        );
        let back = extend(
            a0,
            b0,
            EXTEND_WORDS,
            |i, j| ta[(a0 - i) as usize].hash == tb[(b0 - j) as usize].hash,
            |i, j| brk_a(a0 - i) && brk_b(b0 - j),
        );
        a0 -= back.0;
        b0 -= back.1;
        let (room_a, room_b) = (ta.len() as u32 - a1, tb.len() as u32 - b1);
        let fwd = extend(
            room_a,
            room_b,
            EXTEND_WORDS,
            |i, j| ta[(a1 + i - 1) as usize].hash == tb[(b1 + j - 1) as usize].hash,
            |i, j| brk_a(a1 + i) && brk_b(b1 + j),
        );
        a1 += fwd.0;
        b1 += fwd.1;
        cov_a += back.2 + fwd.2;
        cov_b += back.2 + fwd.2;
        let whole = Piece {
            a0,
            a1,
            b0,
            b1,
            cov_a,
            cov_b,
            trimmed: false,
            cut: false,
            chrome: false,
            chain: if same_words { u32::MAX } else { ci as u32 },
        };
        let mut cuts: Vec<(u32, u32)> = cuts(&cut_a, &mask_a, a0, a1, p)
            .into_iter()
            .map(|(s, e)| {
                let snap = |x| snap_to_line(a_text, &a.tokens, x, a0, a1, p.window as u32);
                (snap(s), snap(e))
            })
            .collect();
        // A span that begins in a mail header block is cut where the block
        // ends, however little of the block it holds.
        let hw = a.header_words;
        if a0 < hw && hw < a1 && cuts.first().is_none_or(|c| c.0 > a0) {
            let end = cuts.first().map_or(hw, |c| c.0.min(hw));
            cuts.insert(0, (a0, end));
        }
        if cuts.is_empty() {
            spans.push(whole);
            continue;
        }
        let own: Vec<(u32, u32)> = if same_words {
            Vec::new()
        } else {
            seeds
                .iter()
                .zip(&owner)
                .filter(|(_, &o)| o as usize == ci)
                .map(|(&s, _)| s)
                .collect()
        };
        let to_b = |x: u32| -> u32 {
            let i = own.partition_point(|s| s.0 <= x);
            let bx = match i.checked_sub(1).map(|i| own[i]) {
                Some((sa, sb)) => sb + (x - sa),
                None => b0 + x.saturating_sub(a0),
            };
            bx.clamp(b0, b1)
        };
        let mut edges = vec![(a0, false)];
        for &(s, e) in &cuts {
            edges.extend([(s, true), (e, false)]);
        }
        edges.push((a1, false));
        let has_rest = edges
            .windows(2)
            .any(|w| !w[0].1 && w[1].0 >= w[0].0 + p.min_words.max(1));
        for w in edges.windows(2) {
            let ((x0, is_cut), (x1, _)) = (w[0], w[1]);
            if x1 <= x0 {
                continue;
            }
            let (y0, y1) = (to_b(x0), to_b(x1));
            if y1 <= y0 {
                continue;
            }
            let (ca, cb) = if same_words {
                (x1 - x0, y1 - y0)
            } else {
                seeded_words(&own, x0, x1, y0, y1, ka, kb)
            };
            spans.push(Piece {
                a0: x0,
                a1: x1,
                b0: y0,
                b1: y1,
                cov_a: ca,
                cov_b: cb,
                trimmed: is_cut && has_rest,
                cut: is_cut,
                chrome: false,
                chain: if same_words { u32::MAX } else { ci as u32 },
            });
        }
    }

    // No span of a pair nests in another; pieces that are one copied
    // passage (neighbours on both sides, in order or reordered) are one.
    let (kept, nested) = drop_nested(spans);
    let kept = if same_words {
        kept
    } else {
        let mut own: Vec<Vec<(u32, u32)>> = vec![Vec::new(); chains.len()];
        for (&s, &o) in seeds.iter().zip(&owner) {
            own[o as usize].push(s);
        }
        trim_overlaps(kept, &own, ka, kb)
    };
    // Chrome (mostly in chrome stretches) is never merged into a passage.
    let chromey = |s: &Piece| {
        let words = (s.a1 - s.a0) + (s.b1 - s.b0);
        let chrome = in_stretches(&mask_a, s.a0, s.a1) + in_stretches(&mask_b, s.b0, s.b1);
        chrome as f64 >= p.chrome_fraction * words as f64
    };
    // Whole paragraphs on both sides (a blank line or an end of the text
    // before and after each side).
    let paragraph = |s: &Piece| {
        paragraph_break(a_text, &a.tokens, s.a0)
            && paragraph_break(a_text, &a.tokens, s.a1)
            && paragraph_break(b_text, &b.tokens, s.b0)
            && paragraph_break(b_text, &b.tokens, s.b1)
    };
    let (kept, dropped) = drop_nested(merge_neighbours(
        kept,
        &nested,
        ka.min(kb),
        p,
        chromey,
        paragraph,
    ));
    // Blocks joined into a passage by their place alone hold no chrome word
    // at all: markup and templates (a newsletter's layout) share many short
    // runs in any order, copied prose does not.
    let clean =
        |s: &Piece| in_stretches(&mask_a, s.a0, s.a1) + in_stretches(&mask_b, s.b0, s.b1) == 0;
    let kept = absorb_edges(kept, nested.iter().chain(&dropped), ka.min(kb), clean);
    let kept = reordered_passages(kept, ka.min(kb), p, clean, paragraph);
    let kept = moved_ends(kept, &a.tokens, &b.tokens, ka.min(kb), |side, x0, x1| {
        let m = if side == 0 { &mask_a } else { &mask_b };
        in_stretches(m, x0, x1) == 0
    });

    // A span whose text outside its HTML markup (tags, entities) is
    // shorter than `min_words` on either side is a page's or a mail's
    // layout, not an article.
    let layout = |text, t: &[Token], x0, x1| {
        let m = crate::boilerplate::markup_words(text, t, x0, x1);
        m > 0 && (x1 - x0) - m < p.min_words
    };
    let (na, nb) = (a.tokens.len().max(1) as f64, b.tokens.len().max(1) as f64);
    let mut out = Vec::new();
    let mut ranges = Vec::new();
    let mut flags = Vec::new();
    let mut short: Vec<Piece> = Vec::new();
    for s in kept {
        let (wa, wb) = (s.a1 - s.a0, s.b1 - s.b0);
        let words = wa.min(wb);
        let whole = wa as f64 >= p.near_coverage * na && wb as f64 >= p.near_coverage * nb;
        let similarity = (s.cov_a.min(wa) + s.cov_b.min(wb)) as f64 / (wa + wb) as f64;
        let share = |ma: &[(u32, u32)], mb: &[(u32, u32)]| {
            (in_stretches(ma, s.a0, s.a1) + in_stretches(mb, s.b0, s.b1)) as f64 / (wa + wb) as f64
        };
        let chrome_share = share(&mask_a, &mask_b);
        // An edited copy (a word in five changed) keeps few whole shingles
        // in step: below `min_similarity` it is still kept when at least
        // `MIN_ALIGNED` of its words align word by word and none of them is
        // chrome (markup and templates, whose slots vary, repeat in the
        // corpus or inside a document; a copied passage does not).
        if similarity < p.min_similarity
            && !(words >= p.min_words
                && chrome_share == 0.0
                && aligned_share(&a.tokens, &b.tokens, &s)
                    .is_some_and(|x| x >= MIN_ALIGNED.max(p.min_similarity)))
        {
            continue;
        }
        if words < p.min_words && !whole {
            if words >= MIN_MOVED_WORDS.min(p.min_words) {
                short.push(s);
            }
            continue;
        }
        let boilerplate = chrome_share >= p.chrome_fraction
            || layout(a_text, &a.tokens, s.a0, s.a1)
            || layout(b_text, &b.tokens, s.b0, s.b1);
        ranges.push(((s.a0, s.a1), (s.b0, s.b1)));
        flags.push((s.trimmed, share(&univ_a, &univ_b) >= p.chrome_fraction));
        out.push(SpanPair {
            a: byte_span(a_text, &a.tokens, s.a0, s.a1),
            b: byte_span(b_text, &b.tokens, s.b0, s.b1),
            words,
            similarity,
            chrome: chrome_share,
            boilerplate,
        });
    }
    // The smaller document is this shared text: the spans cover at least
    // `near_coverage` of its words beyond universal chrome and chrome
    // outside the spans. Then they are content however many documents
    // carry their text (a syndicated article, a license inside a longer
    // one), except universal chrome and chrome cut off content.
    let on_small = |r: &((u32, u32), (u32, u32))| if smaller == 0 { r.0 } else { r.1 };
    let (small_mask, small_univ, small_n) = if smaller == 0 {
        (&mask_a, &univ_a, na)
    } else {
        (&mask_b, &univ_b, nb)
    };
    let spans_small = merge_ranges(&{
        let mut v: Vec<(u32, u32)> = ranges.iter().map(on_small).collect();
        v.sort_unstable();
        v
    });
    let len = |r: &[(u32, u32)]| r.iter().map(|&(s, e)| e - s).sum::<u32>();
    let in_spans = |m: &[(u32, u32)]| -> u32 {
        spans_small
            .iter()
            .map(|&(s, e)| in_stretches(m, s, e))
            .sum()
    };
    let universal_in = in_spans(small_univ);
    let cover = len(&spans_small) - universal_in;
    let chrome_outside = len(small_mask).saturating_sub(in_spans(small_mask));
    let universal_outside = len(small_univ).saturating_sub(universal_in);
    let base = (small_n - (chrome_outside.max(universal_outside) + universal_in) as f64).max(1.0);
    // Copies of each other (each holds `near_coverage` of the other's
    // shingles) are content whatever their text is, but for known chrome.
    let copies = containment.iter().all(|&c| c >= p.near_coverage);
    if copies {
        // Universal chrome stays boilerplate beside text of another kind
        // (two copies of a page keep their site footer as chrome); copies
        // made of nothing else are content.
        let other = flags.iter().any(|&(_, universal)| !universal);
        for (s, &(trimmed, universal)) in out.iter_mut().zip(&flags) {
            if !trimmed {
                s.boilerplate = universal && other;
            }
        }
        for (s, r) in out.iter_mut().zip(&ranges) {
            let w = ((r.0 .1 - r.0 .0) + (r.1 .1 - r.1 .0)) as f64;
            let known = (in_stretches(&known_a, r.0 .0, r.0 .1)
                + in_stretches(&known_b, r.1 .0, r.1 .1)) as f64;
            if known >= p.chrome_fraction * w {
                s.boilerplate = true;
            }
        }
    } else if cover > 0 && cover as f64 >= p.near_coverage * base {
        for (s, &(trimmed, universal)) in out.iter_mut().zip(&flags) {
            if !trimmed {
                s.boilerplate = universal;
            }
        }
    }
    // Moved blocks: the shorter aligned blocks outside every span that are
    // not chrome (a reordered copy's short paragraphs), once the pair has
    // content, or when they cover `near_coverage` of both documents' words
    // (a short document with all its paragraphs shuffled: no block reaches
    // `min_words`, together they are the document).
    let mut moved_ranges: Vec<((u32, u32), (u32, u32))> = Vec::new();
    let mut moved = Vec::new();
    let content = out.iter().any(|s| !s.boilerplate);
    {
        short.sort_by_key(|s| (s.a0, s.b0));
        for s in short {
            // A word or two shared with a neighbour (an end extended by a
            // chance match) does not make a block part of it.
            let tol = ka.min(kb) - 1;
            let free = ranges.iter().chain(&moved_ranges).all(|r| {
                overlap(s.a0, s.a1, r.0 .0, r.0 .1) <= tol
                    && overlap(s.b0, s.b1, r.1 .0, r.1 .1) <= tol
            });
            let chrome_words =
                in_stretches(&mask_a, s.a0, s.a1) + in_stretches(&mask_b, s.b0, s.b1);
            let all = (s.a1 - s.a0) + (s.b1 - s.b0);
            if !free || chrome_words as f64 >= p.chrome_fraction * all as f64 {
                continue;
            }
            moved_ranges.push(((s.a0, s.a1), (s.b0, s.b1)));
            moved.push(MovedBlock {
                a: byte_span(a_text, &a.tokens, s.a0, s.a1),
                b: byte_span(b_text, &b.tokens, s.b0, s.b1),
                words: (s.a1 - s.a0).min(s.b1 - s.b0),
            });
        }
        if !content {
            let covered = |side: usize| {
                let mut v: Vec<(u32, u32)> = moved_ranges
                    .iter()
                    .map(|r| if side == 0 { r.0 } else { r.1 })
                    .collect();
                v.sort_unstable();
                len(&merge_ranges(&v)) as f64
            };
            let whole = covered(0) >= p.near_coverage * na && covered(1) >= p.near_coverage * nb;
            if !whole {
                moved_ranges.clear();
                moved.clear();
            }
        }
    }
    // Coverage: the share of each document's words inside content spans
    // and moved blocks, not counting its chrome outside them (a copy that
    // differs only in page chrome is a near duplicate).
    let covered = |side: usize| {
        let pick = |r: &((u32, u32), (u32, u32))| if side == 0 { r.0 } else { r.1 };
        let (mask, n) = if side == 0 {
            (&mask_a, na)
        } else {
            (&mask_b, nb)
        };
        let mut content: Vec<(u32, u32)> = Vec::new();
        // Chrome: the stretches, and the boilerplate spans found at line
        // boundaries around them.
        let mut chrome_r: Vec<(u32, u32)> = mask.clone();
        for (r, s) in ranges.iter().zip(&out) {
            if s.boilerplate {
                chrome_r.push(pick(r));
            } else {
                content.push(pick(r));
            }
        }
        content.extend(moved_ranges.iter().map(pick));
        content.sort_unstable();
        chrome_r.sort_unstable();
        let content = merge_ranges(&content);
        let chrome_r = merge_ranges(&chrome_r);
        let inside: u32 = content.iter().map(|&(s, e)| e - s).sum();
        let chrome_total: u32 = chrome_r.iter().map(|&(s, e)| e - s).sum();
        let chrome_inside: u32 = content
            .iter()
            .map(|&(s, e)| in_stretches(&chrome_r, s, e))
            .sum();
        let base = (n - (chrome_total - chrome_inside) as f64).max(1.0);
        (inside as f64 / base).min(1.0)
    };
    Alignment {
        jaccard,
        containment,
        coverage: [covered(0), covered(1)],
        spans: out,
        moved,
    }
}

/// The smallest share of a span's words (both sides) that align word by
/// word ([`aligned_share`]) for a span of at least `min_words` words below
/// `min_similarity`, none of them chrome, to be kept: an edited copy with a
/// word in five substituted, deleted or inserted aligns 0.77-0.88 of its
/// words while only 0.46-0.50 lie in shared 5-word shingles; a chain
/// through text that only shares phrases aligns far less. On the quality
/// bench's harder mode 0.65-0.75 find the same pairs; at 0.6 reworded
/// clauses of related licenses (two German CC ports) become pairs, at 0.8
/// an edited copy is lost.
pub const MIN_ALIGNED: f64 = 0.7;

/// The largest span, in words on its longer side times 64-word blocks of
/// its shorter side, that [`aligned_share`] aligns (about 4 ms of work at
/// most; a span that long below `min_similarity` is not an edited copy).
const ALIGN_BUDGET: u64 = 1 << 20;

/// The share of the piece's words, both sides, in a longest common
/// subsequence of its words (normalized word hashes) on the two sides:
/// `2 LCS / (words of A + words of B)`. `None` when the piece is larger
/// than [`ALIGN_BUDGET`].
fn aligned_share(ta: &[Token], tb: &[Token], s: &Piece) -> Option<f64> {
    let (x, y) = (
        &ta[s.a0 as usize..s.a1 as usize],
        &tb[s.b0 as usize..s.b1 as usize],
    );
    let (long, short) = if x.len() >= y.len() { (x, y) } else { (y, x) };
    if short.is_empty() || long.len() as u64 * short.len().div_ceil(64) as u64 > ALIGN_BUDGET {
        return None;
    }
    let lcs = lcs_len(long.iter().map(|t| t.hash), short.iter().map(|t| t.hash));
    Some(2.0 * lcs as f64 / (x.len() + y.len()) as f64)
}

/// Length of a longest common subsequence of `a` and `b`, bit-parallel
/// (Allison and Dix; Hyyro): a bit per word of `b`, `|a| * |b| / 64` steps.
fn lcs_len(a: impl Iterator<Item = u64>, b: impl ExactSizeIterator<Item = u64>) -> u32 {
    let m = b.len();
    let blocks = m.div_ceil(64);
    // Match masks: for each distinct word of b, the positions holding it.
    let mut row: ahash::AHashMap<u64, usize> = ahash::AHashMap::with_capacity(m);
    let mut masks: Vec<u64> = Vec::new();
    for (j, h) in b.enumerate() {
        let next = row.len();
        let r = *row.entry(h).or_insert(next);
        if r == next {
            masks.resize(masks.len() + blocks, 0);
        }
        masks[r * blocks + j / 64] |= 1 << (j % 64);
    }
    // A zero bit per word of b matched so far; bits past m stay one.
    let mut v = vec![u64::MAX; blocks];
    for h in a {
        let Some(&r) = row.get(&h) else { continue };
        let pm = &masks[r * blocks..(r + 1) * blocks];
        let mut carry = false;
        for (vw, &p) in v.iter_mut().zip(pm) {
            let u = *vw & p;
            let (s, c1) = vw.overflowing_add(u);
            let (s, c2) = s.overflowing_add(carry as u64);
            carry = c1 || c2;
            *vw = s | (*vw & !p);
        }
    }
    v.iter().map(|w| w.count_zeros()).sum()
}

/// A candidate span: word ranges on both sides and the words covered by
/// seeds in step.
#[derive(Clone, Copy, Debug)]
struct Piece {
    a0: u32,
    a1: u32,
    b0: u32,
    b1: u32,
    cov_a: u32,
    cov_b: u32,
    /// Corpus chrome cut off a span that has content besides.
    trimmed: bool,
    /// A chrome stretch cut out of a span (never merged with its
    /// neighbours).
    cut: bool,
    /// Mostly chrome: marked `cut` while merging only.
    chrome: bool,
    /// The chain it comes from (`u32::MAX` for a merged piece or two
    /// documents of the same words).
    chain: u32,
}

/// Pieces (not nesting, in order of A) that overlap by more than a
/// shingle on one side and not on the other: a chance match of a few
/// words at one's end (a common phrase such as "I don't want to" where
/// two reordered sentences begin) ran into the other's words. The words
/// they share on that side go to the piece whose own seeds cover more of
/// them; the other is cut back to them, on its other side too (through
/// its seeds). `own[c]`: chain `c`'s seeds, in order of A.
fn trim_overlaps(mut pieces: Vec<Piece>, own: &[Vec<(u32, u32)>], ka: u32, kb: u32) -> Vec<Piece> {
    let tol = ka.min(kb);
    let k = [ka, kb];
    // Side 0: A, side 1: B. Ranges of a piece on `side` and the other side.
    let r = |q: &Piece, side: usize| {
        if side == 0 {
            (q.a0, q.a1)
        } else {
            (q.b0, q.b1)
        }
    };
    // Words of `lo..hi` on `side` covered by `q`'s own seeds.
    let score = |q: &Piece, side: usize, lo: u32, hi: u32| -> u32 {
        let Some(seeds) = own.get(q.chain as usize) else {
            return 0;
        };
        if side == 0 {
            seeded_words(seeds, lo, hi, q.b0, q.b1, ka, kb).0
        } else {
            seeded_words(seeds, q.a0, q.a1, lo, hi, ka, kb).1
        }
    };
    for side in [0, 1] {
        let mut order: Vec<usize> = (0..pieces.len()).collect();
        order.sort_by_key(|&i| r(&pieces[i], side));
        for x in 0..order.len() {
            for y in x + 1..order.len() {
                let (i, j) = (order[x], order[y]);
                let (p, q) = (pieces[i], pieces[j]);
                let (pr, qr) = (r(&p, side), r(&q, side));
                if qr.0 >= pr.1 {
                    break;
                }
                let (po, qo) = (r(&p, 1 - side), r(&q, 1 - side));
                let shared = overlap(pr.0, pr.1, qr.0, qr.1);
                if shared <= tol
                    || overlap(po.0, po.1, qo.0, qo.1) > tol
                    || pr.0 == pr.1
                    || qr.0 == qr.1
                {
                    continue;
                }
                let (lo, hi) = (qr.0, pr.1.min(qr.1));
                let (sp, sq) = (score(&p, side, lo, hi), score(&q, side, lo, hi));
                let p_loses = (sp, pr.1 - pr.0) < (sq, qr.1 - qr.0);
                let (li, cut_tail, at) = if p_loses {
                    (i, true, qr.0)
                } else {
                    (j, false, pr.1)
                };
                let l = pieces[li];
                let (lr, lo_r) = (r(&l, side), r(&l, 1 - side));
                let seeds = own.get(l.chain as usize).map_or(&[][..], |v| &v[..]);
                let pos = |s: &(u32, u32)| if side == 0 { *s } else { (s.1, s.0) };
                let inside = |s: &(u32, u32)| {
                    let (x, y) = pos(s);
                    lr.0 <= x && x + k[side] <= lr.1 && lo_r.0 <= y && y + k[1 - side] <= lo_r.1
                };
                // The other side's new end, through the last (first) own
                // seed before (after) the cut; else by the same count.
                let (mut new_r, mut new_o) = (lr, lo_r);
                if cut_tail {
                    new_r.1 = at.max(lr.0);
                    let last = seeds
                        .iter()
                        .filter(|s| inside(s) && pos(s).0 + k[side] <= at)
                        .map(pos)
                        .max();
                    new_o.1 = match last {
                        Some((x, y)) => y + k[1 - side] + (at - x - k[side]),
                        None => lo_r.1.saturating_sub(lr.1 - new_r.1),
                    }
                    .clamp(lo_r.0, lo_r.1);
                } else {
                    new_r.0 = at.min(lr.1);
                    let first = seeds
                        .iter()
                        .filter(|s| inside(s) && pos(s).0 >= at)
                        .map(pos)
                        .min();
                    new_o.0 = match first {
                        Some((x, y)) => y.saturating_sub(x - at),
                        None => lo_r.0 + (new_r.0 - lr.0),
                    }
                    .clamp(lo_r.0, lo_r.1);
                }
                let l = &mut pieces[li];
                let (da, db) = if side == 0 {
                    (
                        (lr.1 - lr.0) - (new_r.1 - new_r.0),
                        (lo_r.1 - lo_r.0) - (new_o.1 - new_o.0),
                    )
                } else {
                    (
                        (lo_r.1 - lo_r.0) - (new_o.1 - new_o.0),
                        (lr.1 - lr.0) - (new_r.1 - new_r.0),
                    )
                };
                let ((a0, a1), (b0, b1)) = if side == 0 {
                    (new_r, new_o)
                } else {
                    (new_o, new_r)
                };
                (l.a0, l.a1, l.b0, l.b1) = (a0, a1, b0, b1);
                l.cov_a = l.cov_a.saturating_sub(da);
                l.cov_b = l.cov_b.saturating_sub(db);
            }
        }
    }
    pieces.retain(|q| q.a1 > q.a0 && q.b1 > q.b0);
    pieces.sort_by_key(|s| (s.a0, s.b0));
    pieces
}

/// Largest first; drops pieces mostly inside a kept one on both sides, or
/// wholly inside one on either side (no span of a pair nests in another:
/// the same text met again elsewhere adds nothing). In order of A; the
/// pieces dropped besides.
fn drop_nested(mut pieces: Vec<Piece>) -> (Vec<Piece>, Vec<Piece>) {
    pieces.sort_by_key(|s| (std::cmp::Reverse(s.cov_a + s.cov_b), s.a0, s.b0));
    let mut kept: Vec<Piece> = Vec::new();
    let mut dropped = Vec::new();
    for s in pieces {
        let inside = kept.iter().any(|k| {
            (overlap(s.a0, s.a1, k.a0, k.a1) * 2 >= s.a1 - s.a0
                && overlap(s.b0, s.b1, k.b0, k.b1) * 2 >= s.b1 - s.b0)
                || (k.a0 <= s.a0 && s.a1 <= k.a1)
                || (k.b0 <= s.b0 && s.b1 <= k.b1)
        });
        if inside {
            dropped.push(s);
        } else {
            kept.push(s);
        }
    }
    kept.sort_by_key(|s| (s.a0, s.b0));
    (kept, dropped)
}

/// Signed distance between `[s0, e0)` and `[s1, e1)`: the words between
/// them, or minus the words they share.
fn distance(s0: u32, e0: u32, s1: u32, e1: u32) -> i64 {
    s0.max(s1) as i64 - e0.min(e1) as i64
}

/// Merges the pieces (not nesting, in order of A) that are one copied
/// passage: two are neighbours when at most `max_gap` words lie between
/// them on each side (they may share up to `k` words), in the same order
/// on both sides (a run of edits, an inserted sentence) or, when both hold
/// [`MIN_MOVED_WORDS`] words, in the other order (sentences reordered
/// inside a passage). Neighbours are merged closest first, and only while
/// the merged ranges hold no other block of at least [`MIN_MOVED_WORDS`]
/// words nor a chrome cut on either side (a paragraph moved between
/// them is aligned elsewhere: shuffled paragraphs stay apart) and its
/// similarity stays at least `min_similarity`. Chrome cut out of a span
/// is never merged back.
fn merge_neighbours(
    mut kept: Vec<Piece>,
    nested: &[Piece],
    k: u32,
    p: &AlignParams,
    chromey: impl Fn(&Piece) -> bool,
    paragraph: impl Fn(&Piece) -> bool,
) -> Vec<Piece> {
    let n = kept.len();
    if n == 0 {
        return kept;
    }
    // Chrome takes no part in a merge but as a blocker: marked as cut.
    for q in kept.iter_mut() {
        if !q.cut && chromey(q) {
            q.cut = true;
            q.chrome = true;
        }
    }
    let (gap, tol) = (p.max_gap as i64, k as i64);
    let big = |x: &Piece| x.a1 - x.a0 >= MIN_MOVED_WORDS && x.b1 - x.b0 >= MIN_MOVED_WORDS;
    let blocker = |x: &Piece| x.cut || big(x);
    // Blockers in order of B as well (kept pieces do not nest, so their
    // ends are in the order of their starts on each side).
    let mut by_b: Vec<usize> = (0..n).collect();
    by_b.sort_by_key(|&i| (kept[i].b0, kept[i].a0));
    // Candidate merges, closest first: kept pieces near each other on both
    // sides, and short pieces dropped as nested (inside a kept one on one
    // side) beside it on the other: a short sentence moved to the edge of
    // a reordered passage.
    let mut edges: Vec<(i64, usize, usize)> = Vec::new();
    for i in 0..n {
        let x = &kept[i];
        if x.cut {
            continue;
        }
        for (j, y) in kept.iter().enumerate().skip(i + 1) {
            if y.a0 as i64 > x.a1 as i64 + gap {
                break;
            }
            if y.cut {
                continue;
            }
            let da = distance(x.a0, x.a1, y.a0, y.a1);
            let db = distance(x.b0, x.b1, y.b0, y.b1);
            if da < -tol || db < -tol || da > gap || db > gap {
                continue;
            }
            edges.push((da.max(db), i, j));
        }
    }
    let mut pieces = kept;
    for &m in nested.iter().filter(|m| !m.cut && !big(m) && !chromey(m)) {
        let on_a = pieces[..n].partition_point(|q| q.a0 <= m.a0).checked_sub(1);
        let on_b = by_b
            .partition_point(|&q| pieces[q].b0 <= m.b0)
            .checked_sub(1)
            .map(|q| by_b[q]);
        let mut linked = false;
        for (host, side) in [(on_a, 0), (on_b, 1)] {
            let Some(h) = host else { continue };
            let q = &pieces[h];
            let (inside, d) = if side == 0 {
                (
                    q.a0 <= m.a0 && m.a1 <= q.a1,
                    distance(q.b0, q.b1, m.b0, m.b1),
                )
            } else {
                (
                    q.b0 <= m.b0 && m.b1 <= q.b1,
                    distance(q.a0, q.a1, m.a0, m.a1),
                )
            };
            if inside && !q.cut && (0..=tol).contains(&d) {
                edges.push((d, h, pieces.len()));
                linked = true;
            }
        }
        if linked {
            pieces.push(m);
        }
    }
    if edges.is_empty() {
        pieces.truncate(n);
        for g in pieces.iter_mut().filter(|g| g.chrome) {
            (g.cut, g.chrome) = (false, false);
        }
        return pieces;
    }
    edges.sort_unstable();
    let mut root: Vec<usize> = (0..pieces.len()).collect();
    fn find(root: &mut [usize], mut x: usize) -> usize {
        while root[x] != x {
            root[x] = root[root[x]];
            x = root[x];
        }
        x
    }
    let mut group: Vec<Piece> = pieces.clone();
    // A short block may fill a hole only once the group around it has
    // grown: passes until nothing merges.
    let mut merged = true;
    while merged {
        merged = false;
        for &(_, i, j) in &edges {
            let (ri, rj) = (find(&mut root, i), find(&mut root, j));
            if ri == rj {
                continue;
            }
            let (x, y) = (group[ri], group[rj]);
            // In the same order on both sides; or reordered blocks of at least
            // MIN_MOVED_WORDS; or a short block beside the other on both sides
            // or filling a hole of it (inside it on one side, beside it on the
            // other).
            let before = |x: &Piece, y: &Piece| {
                x.a1 as i64 <= y.a0 as i64 + tol && x.b1 as i64 <= y.b0 as i64 + tol
            };
            let fills = |s: &Piece, g: &Piece| {
                let (da, db) = (
                    distance(s.a0, s.a1, g.a0, g.a1),
                    distance(s.b0, s.b1, g.b0, g.b1),
                );
                (da <= tol && db <= tol)
                    || (g.a0 <= s.a0 && s.a1 <= g.a1 && db <= tol)
                    || (g.b0 <= s.b0 && s.b1 <= g.b1 && da <= tol)
            };
            let in_order = before(&x, &y) || before(&y, &x);
            if !(in_order || (big(&x) && big(&y)) || fills(&x, &y) || fills(&y, &x)) {
                continue;
            }
            // Whole paragraphs in another order are paragraphs moved (a
            // shuffled copy), not sentences reordered inside a passage:
            // each is a block of its own.
            if !in_order && paragraph(&x) && paragraph(&y) {
                continue;
            }
            let m = Piece {
                a0: x.a0.min(y.a0),
                a1: x.a1.max(y.a1),
                b0: x.b0.min(y.b0),
                b1: x.b1.max(y.b1),
                cov_a: x.cov_a + y.cov_a,
                cov_b: x.cov_b + y.cov_b,
                trimmed: false,
                cut: false,
                chrome: false,
                chain: u32::MAX,
            };
            let (wa, wb) = (m.a1 - m.a0, m.b1 - m.b0);
            let similarity = (m.cov_a.min(wa) + m.cov_b.min(wb)) as f64 / (wa + wb) as f64;
            if similarity < p.min_similarity {
                continue;
            }
            let first_a = pieces[..n].partition_point(|q| q.a1 <= m.a0);
            let first_b = by_b.partition_point(|&q| pieces[q].b1 <= m.b0);
            let on_a = (first_a..n).take_while(|&q| pieces[q].a0 < m.a1);
            let on_b = by_b[first_b..]
                .iter()
                .copied()
                .take_while(|&q| pieces[q].b0 < m.b1);
            let blocked = on_a.chain(on_b).any(|q| {
                let r = find(&mut root, q);
                r != ri
                    && r != rj
                    && blocker(&pieces[q])
                    && (overlap(m.a0, m.a1, pieces[q].a0, pieces[q].a1) as i64 > tol
                        || overlap(m.b0, m.b1, pieces[q].b0, pieces[q].b1) as i64 > tol)
            });
            if blocked {
                continue;
            }
            root[rj] = ri;
            group[ri] = m;
            merged = true;
        }
        if merged {
            // A grown group may now be near a piece that was too far from
            // each of its parts (a sentence after two swapped ones).
            let mut roots: Vec<usize> = (0..n)
                .filter(|&i| find(&mut root, i) == i && !group[i].cut)
                .collect();
            roots.sort_by_key(|&i| (group[i].a0, group[i].b0));
            let before = edges.len();
            for (x, &i) in roots.iter().enumerate() {
                let g = group[i];
                for &j in &roots[x + 1..] {
                    let h = group[j];
                    if h.a0 as i64 > g.a1 as i64 + gap {
                        break;
                    }
                    let da = distance(g.a0, g.a1, h.a0, h.a1);
                    let db = distance(g.b0, g.b1, h.b0, h.b1);
                    if da < -tol || db < -tol || da > gap || db > gap {
                        continue;
                    }
                    edges.push((da.max(db), i.min(j), i.max(j)));
                }
            }
            if edges.len() > before {
                edges.sort_unstable();
                edges.dedup();
            }
        }
    }
    let mut out: Vec<Piece> = (0..n)
        .filter(|&i| find(&mut root, i) == i)
        .map(|i| {
            let mut g = group[i];
            if g.chrome {
                (g.cut, g.chrome) = (false, false);
            }
            g
        })
        .collect();
    out.sort_by_key(|s| (s.a0, s.b0));
    out
}

/// Whether `kept[q]` may become `g` (which holds it): `g` reaches no
/// further into any other kept piece, on either side, than `kept[q]` does.
fn grows_freely(kept: &[Piece], q: usize, g: &Piece) -> bool {
    let h = &kept[q];
    kept.iter().enumerate().all(|(o, y)| {
        o == q
            || (overlap(g.a0, g.a1, y.a0, y.a1) <= overlap(h.a0, h.a1, y.a0, y.a1)
                && overlap(g.b0, g.b1, y.b0, y.b1) <= overlap(h.b0, h.b1, y.b0, y.b1))
    })
}

/// Grows each kept piece by the blocks dropped as nested that touch it on
/// both sides (overlapping it or at most a shingle away) and reach past it
/// on one: the sentences at the edge of a reordered passage whose words
/// partly fell inside the merged passage (a chain through two swapped
/// sentences) while the rest follow it. A piece grows only where no other
/// kept piece lies, block by block until none is left to take, and only
/// when neither holds a chrome word (`clean`). `kept`: not nesting, in
/// order of A; so is the result.
fn absorb_edges<'a>(
    mut kept: Vec<Piece>,
    dropped: impl IntoIterator<Item = &'a Piece>,
    k: u32,
    clean: impl Fn(&Piece) -> bool,
) -> Vec<Piece> {
    let tol = k as i64;
    let mut left: Vec<&Piece> = dropped.into_iter().filter(|d| !d.cut && clean(d)).collect();
    let mut grown = false;
    loop {
        let mut took = None;
        'find: for (x, d) in left.iter().enumerate() {
            for q in 0..kept.len() {
                let h = kept[q];
                if h.cut || h.chrome {
                    continue;
                }
                let touches = distance(h.a0, h.a1, d.a0, d.a1) <= tol
                    && distance(h.b0, h.b1, d.b0, d.b1) <= tol;
                let inside = h.a0 <= d.a0 && d.a1 <= h.a1 && h.b0 <= d.b0 && d.b1 <= h.b1;
                if !touches || inside || !clean(&h) {
                    continue;
                }
                let extra = |s0: u32, s1: u32, t0: u32, t1: u32, cov: u32| {
                    ((t1 - t0) - overlap(s0, s1, t0, t1)).min(cov)
                };
                let g = Piece {
                    a0: h.a0.min(d.a0),
                    a1: h.a1.max(d.a1),
                    b0: h.b0.min(d.b0),
                    b1: h.b1.max(d.b1),
                    cov_a: h.cov_a + extra(h.a0, h.a1, d.a0, d.a1, d.cov_a),
                    cov_b: h.cov_b + extra(h.b0, h.b1, d.b0, d.b1, d.cov_b),
                    chain: u32::MAX,
                    ..h
                };
                if grows_freely(&kept, q, &g) {
                    took = Some((x, q, g));
                    break 'find;
                }
            }
        }
        let Some((x, q, g)) = took else { break };
        left.remove(x);
        kept[q] = g;
        grown = true;
    }
    if grown {
        kept.sort_by_key(|s| (s.a0, s.b0));
    }
    kept
}

/// The least share of a reordered passage's extent, on each side, that its
/// blocks cover ([`reordered_passages`]).
const MIN_REORDERED_DENSITY: f64 = 0.8;

/// Joins short blocks (each under `min_words` words) that together tile one
/// passage on both sides, in any order: the sentences of a passage
/// reordered in the copy, none long enough to be a span, and too short to
/// merge with their neighbours as reordered blocks ([`merge_neighbours`]
/// merges blocks in another order only from [`MIN_MOVED_WORDS`] words).
///
/// Blocks in order of A form a run while each begins at most `2k` words
/// after the run's end; of a run, the blocks within `2k` words of each other
/// in B that cover most words are the candidate. It becomes one piece when,
/// on each side, the blocks cover at least [`MIN_REORDERED_DENSITY`] of its
/// extent, the extent holds `min_words` words, and no other piece overlaps
/// it by more than a shingle. Blocks that hold a chrome word (not `clean`),
/// chrome cuts and blocks that are whole paragraphs on both sides
/// (shuffled paragraphs stay apart, one block each) take no part, nor does
/// a passage whose extent holds a chrome word. `kept`: pieces not nesting, in order of A; so is the
/// result.
fn reordered_passages(
    kept: Vec<Piece>,
    k: u32,
    p: &AlignParams,
    clean: impl Fn(&Piece) -> bool,
    paragraph: impl Fn(&Piece) -> bool,
) -> Vec<Piece> {
    let eligible: Vec<bool> = kept
        .iter()
        .map(|s| {
            (s.a1 - s.a0).min(s.b1 - s.b0) < p.min_words && !s.cut && clean(s) && !paragraph(s)
        })
        .collect();
    if eligible.iter().filter(|&&e| e).count() < 2 {
        return kept;
    }
    let gap = 2 * k;
    let covered = |r: &mut Vec<(u32, u32)>| -> u32 {
        r.sort_unstable();
        merge_ranges(r).iter().map(|&(s, e)| e - s).sum()
    };
    let mut joined: Vec<(Vec<usize>, Piece)> = Vec::new();
    let mut i = 0;
    while i < kept.len() {
        if !eligible[i] {
            i += 1;
            continue;
        }
        let mut run = vec![i];
        let mut end = kept[i].a1;
        let mut j = i + 1;
        while j < kept.len() && eligible[j] && kept[j].a0 <= end + gap {
            end = end.max(kept[j].a1);
            run.push(j);
            j += 1;
        }
        i = j;
        if run.len() < 2 {
            continue;
        }
        // The blocks close together in B that cover most words.
        run.sort_by_key(|&q| (kept[q].b0, kept[q].a0));
        let mut best: &[usize] = &[];
        let mut best_words = 0;
        let mut start = 0;
        let mut b_end = 0;
        for x in 0..=run.len() {
            if x == run.len() || (x > start && kept[run[x]].b0 > b_end + gap) {
                let part = &run[start..x];
                let words: u32 = part.iter().map(|&q| kept[q].b1 - kept[q].b0).sum();
                if words > best_words {
                    (best, best_words) = (part, words);
                }
                start = x;
            }
            if x < run.len() {
                b_end = if x == start {
                    kept[run[x]].b1
                } else {
                    b_end.max(kept[run[x]].b1)
                };
            }
        }
        if best.len() < 2 {
            continue;
        }
        let (a0, a1) = (
            best.iter().map(|&q| kept[q].a0).min().unwrap_or(0),
            best.iter().map(|&q| kept[q].a1).max().unwrap_or(0),
        );
        let (b0, b1) = (
            best.iter().map(|&q| kept[q].b0).min().unwrap_or(0),
            best.iter().map(|&q| kept[q].b1).max().unwrap_or(0),
        );
        if (a1 - a0).min(b1 - b0) < p.min_words {
            continue;
        }
        let on_a = covered(&mut best.iter().map(|&q| (kept[q].a0, kept[q].a1)).collect());
        let on_b = covered(&mut best.iter().map(|&q| (kept[q].b0, kept[q].b1)).collect());
        if (on_a as f64) < MIN_REORDERED_DENSITY * (a1 - a0) as f64
            || (on_b as f64) < MIN_REORDERED_DENSITY * (b1 - b0) as f64
        {
            continue;
        }
        let region = Piece {
            a0,
            a1,
            b0,
            b1,
            ..kept[best[0]]
        };
        let clear = clean(&region)
            && kept.iter().enumerate().all(|(q, o)| {
                best.contains(&q)
                    || (overlap(a0, a1, o.a0, o.a1) <= k && overlap(b0, b1, o.b0, o.b1) <= k)
            });
        if !clear {
            continue;
        }
        let sum = |f: fn(&Piece) -> u32| best.iter().map(|&q| f(&kept[q])).sum::<u32>();
        let piece = Piece {
            a0,
            a1,
            b0,
            b1,
            cov_a: sum(|s| s.cov_a).min(on_a),
            cov_b: sum(|s| s.cov_b).min(on_b),
            trimmed: false,
            cut: false,
            chrome: false,
            chain: u32::MAX,
        };
        joined.push((best.to_vec(), piece));
    }
    if joined.is_empty() {
        return kept;
    }
    let mut gone = vec![false; kept.len()];
    let mut out = Vec::with_capacity(kept.len());
    for (parts, piece) in joined {
        for q in parts {
            gone[q] = true;
        }
        out.push(piece);
    }
    out.extend(
        kept.into_iter()
            .zip(gone)
            .filter(|(_, g)| !g)
            .map(|(s, _)| s),
    );
    out.sort_by_key(|s| (s.a0, s.b0));
    out
}

/// Shortest run of words [`moved_ends`] takes.
const MIN_MOVED_END: u32 = 3;

/// Grows each kept piece by a segment moved in the copy that is too short
/// to seed (under a shingle: "Either way it", the last three words of a
/// passage whose sentences were reordered): the words just past one end
/// of the piece on one side, 3 (`MIN_MOVED_END`) to `2k` of them, that
/// occur word for word on the other side inside the piece or at most `2k`
/// words from it, and not inside the piece's own side (a phrase the
/// passage repeats is aligned already). The longest such run is taken, at
/// each end, once; only for a piece with no chrome word, never chrome
/// (`clean(side, x0, x1)`, side 0 for A), and never into another kept
/// piece. `kept`: not nesting, in order of A; so is
/// the result.
fn moved_ends(
    mut kept: Vec<Piece>,
    ta: &[Token],
    tb: &[Token],
    k: u32,
    clean: impl Fn(u8, u32, u32) -> bool,
) -> Vec<Piece> {
    let reach = 2 * k;
    let mut grown = false;
    // Where the runs' shared word (their first at a tail, their last at a
    // head) is, on the other side near the piece and on its own side
    // inside it: looked for once per end, not once per run length.
    let (mut near, mut inside) = (Vec::new(), Vec::new());
    for q in 0..kept.len() {
        let h = kept[q];
        if h.cut || h.chrome || !clean(0, h.a0, h.a1) || !clean(1, h.b0, h.b1) {
            continue;
        }
        // Side 0 grows A's end from B's text, side 1 the other way round;
        // `tail` the end after the piece, else the one before.
        for (side, tail) in [(0u8, true), (0, false), (1, true), (1, false)] {
            let h = kept[q];
            let (t, o) = if side == 0 { (ta, tb) } else { (tb, ta) };
            let (t0, t1, o0, o1) = if side == 0 {
                (h.a0, h.a1, h.b0, h.b1)
            } else {
                (h.b0, h.b1, h.a0, h.a1)
            };
            let room = if tail { t.len() as u32 - t1 } else { t0 };
            let mut took = None;
            let longest = reach.min(room);
            let (lo, hi) = (o0.saturating_sub(reach), o1 + reach);
            if longest >= MIN_MOVED_END {
                let shared = if tail {
                    t[t1 as usize]
                } else {
                    t[t0 as usize - 1]
                };
                word_places(o, lo, hi, shared.hash, &mut near);
                word_places(t, t0, t1, shared.hash, &mut inside);
            }
            for len in (MIN_MOVED_END..=longest).rev() {
                let (r0, r1) = if tail { (t1, t1 + len) } else { (t0 - len, t0) };
                let run = &t[r0 as usize..r1 as usize];
                let Some(y) = first_place(o, &near, lo, hi, run, tail) else {
                    continue;
                };
                if first_place(t, &inside, t0, t1, run, tail).is_some()
                    || !clean(side, r0, r1)
                    || !clean(1 - side, y, y + len)
                {
                    continue;
                }
                took = Some((r0, r1, y, y + len));
                break;
            }
            let Some((r0, r1, y0, y1)) = took else {
                continue;
            };
            let (own, other) = ((t0.min(r0), t1.max(r1)), (o0.min(y0), o1.max(y1)));
            let ((a0, a1), (b0, b1)) = if side == 0 {
                (own, other)
            } else {
                (other, own)
            };
            let g = Piece {
                a0,
                a1,
                b0,
                b1,
                cov_a: h.cov_a + (r1 - r0),
                cov_b: h.cov_b + (r1 - r0),
                chain: u32::MAX,
                ..h
            };
            if grows_freely(&kept, q, &g) {
                kept[q] = g;
                grown = true;
            }
        }
    }
    if grown {
        kept.sort_by_key(|s| (s.a0, s.b0));
    }
    kept
}

/// The places `i` in `t[lo..hi]` (`hi` at most `t.len()`) of words of hash
/// `w`, ascending, into `out`.
fn word_places(t: &[Token], lo: u32, hi: u32, w: u64, out: &mut Vec<u32>) {
    out.clear();
    let (lo, hi) = (lo as usize, (hi as usize).min(t.len()));
    if lo < hi {
        out.extend(
            t[lo..hi]
                .iter()
                .enumerate()
                .filter(|(_, x)| x.hash == w)
                .map(|(i, _)| (lo + i) as u32),
        );
    }
}

/// The first place of `run` (at least one word) in `t[lo..hi]` (`hi` at
/// most `t.len()`): `places` are [`word_places`] of the run's first word
/// (`first`) or of its last, in the same range.
fn first_place(
    t: &[Token],
    places: &[u32],
    lo: u32,
    hi: u32,
    run: &[Token],
    first: bool,
) -> Option<u32> {
    let (len, hi) = (run.len() as u32, hi.min(t.len() as u32));
    places
        .iter()
        .filter_map(|&p| {
            if first {
                Some(p)
            } else {
                (p + 1).checked_sub(len)
            }
        })
        .filter(|&y| y >= lo && y + len <= hi)
        .find(|&y| {
            t[y as usize..(y + len) as usize]
                .iter()
                .zip(run)
                .all(|(u, v)| u.hash == v.hash)
        })
}

/// Words of `x0..x1` (A) and `y0..y1` (B) covered by the shingles of
/// `seeds` (sorted by A) that lie inside both ranges.
fn seeded_words(
    seeds: &[(u32, u32)],
    x0: u32,
    x1: u32,
    y0: u32,
    y1: u32,
    ka: u32,
    kb: u32,
) -> (u32, u32) {
    let (mut ca, mut cb, mut ea, mut eb) = (0, 0, x0, y0);
    for &(sa, sb) in seeds {
        if sa < x0 || sa + ka > x1 || sb < y0 || sb + kb > y1 {
            continue;
        }
        let s = sa.max(ea);
        if sa + ka > s {
            ca += sa + ka - s;
            ea = sa + ka;
        }
        let s = sb.max(eb);
        if sb + kb > s {
            cb += sb + kb - s;
            eb = sb + kb;
        }
    }
    (ca, cb)
}

/// Where to cut a span `a0..a1` (A's words): at the corpus-chrome
/// stretches of at least `min_words` words that begin or end it (a footer
/// after a copied passage), and at every such stretch inside it when the
/// rest would be mostly chrome (two passages around a long template). Chrome
/// inside a span that stays mostly content stays inside it: one copied page
/// is one span, its chrome blocks included.
fn cuts(
    cut: &[(u32, u32)],
    mask: &[(u32, u32)],
    a0: u32,
    a1: u32,
    p: &AlignParams,
) -> Vec<(u32, u32)> {
    let long: Vec<(u32, u32)> = cut
        .iter()
        .map(|&(s, e)| (s.max(a0), e.min(a1)))
        .filter(|&(s, e)| e > s && e - s >= p.min_words.max(1))
        .collect();
    let (Some(&first), Some(&last)) = (long.first(), long.last()) else {
        return long;
    };
    let mut out = Vec::new();
    let (mut lo, mut hi) = (a0, a1);
    let leads = first.0 < a0 + p.min_words;
    let trails = last.1 + p.min_words > a1 && (!leads || long.len() > 1);
    if leads {
        out.push(first);
        lo = first.1;
    }
    if trails {
        hi = last.0;
    }
    if hi > lo {
        let share = in_stretches(mask, lo, hi) as f64 / (hi - lo) as f64;
        if share >= p.chrome_fraction {
            out.extend(long.iter().copied().filter(|c| c.0 >= lo && c.1 <= hi));
        }
    }
    if trails {
        out.push(last);
    }
    out
}

/// Word `x` moved to the nearest line start within `reach` words (and
/// within `lo..=hi`): chrome blocks are whole lines, and a stretch found by
/// fingerprints starts and ends a few words inside its block.
fn snap_to_line(text: &str, tokens: &[Token], x: u32, lo: u32, hi: u32, reach: u32) -> u32 {
    let line_starts_at = |i: u32| {
        i == 0
            || i as usize >= tokens.len()
            || text.as_bytes()
                [tokens[i as usize - 1].end as usize..tokens[i as usize].start as usize]
                .contains(&b'\n')
    };
    (0..=reach)
        .flat_map(|d| [x.checked_sub(d), x.checked_add(d)])
        .flatten()
        .find(|&i| i >= lo && i <= hi && line_starts_at(i))
        .unwrap_or(x)
}

/// Sorted ranges merged where they overlap (not where they only touch).
fn merge_overlapping(r: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &(s, e) in r {
        match out.last_mut() {
            Some(l) if s < l.1 => l.1 = l.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Sorted ranges merged where they overlap or touch.
fn merge_ranges(r: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &(s, e) in r {
        match out.last_mut() {
            Some(l) if s <= l.1 => l.1 = l.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Words of `lo..hi` inside the sorted, disjoint `stretches`.
fn in_stretches(stretches: &[(u32, u32)], lo: u32, hi: u32) -> u32 {
    let i = stretches.partition_point(|s| s.1 <= lo);
    stretches[i..]
        .iter()
        .take_while(|s| s.0 < hi)
        .map(|&(s, e)| overlap(lo, hi, s, e))
        .sum()
}

/// Whether two documents have the same words, in the same order.
fn identical(a: &Prepared, b: &Prepared) -> bool {
    !a.tokens.is_empty()
        && a.tokens.len() == b.tokens.len()
        && a.tokens
            .iter()
            .zip(&b.tokens)
            .all(|(x, y)| x.hash == y.hash)
}

/// Exact Jaccard, containments, and seeds `(pos in A, pos in B)` sorted.
///
/// A shingle found more than `max_repeats` times in either document seeds
/// only its occurrences of equal rank (the i-th in A with the i-th in B):
/// text both documents repeat many times still aligns along the diagonal,
/// at a cost linear in the occurrences.
///
/// A hash join: B's shingles, then A's, go into one table of distinct
/// hashes, which gives each a dense number per document (its counts, and B's
/// positions grouped by hash in position order); then A's shingles in
/// position order give the seeds sorted, with no sort. The table is laid out
/// by a random slot function drawn once per process (so no input makes the
/// lookups slow); the result does not depend on the layout.
fn seeds(a: &Prepared, b: &Prepared, max_repeats: u32) -> (f64, [f64; 2], Vec<(u32, u32)>) {
    let (sa, sb) = (&a.shingles, &b.shingles);
    let mut table = JoinTable::new(sa.len() + sb.len());
    // B: dense numbers, counts, positions grouped by number.
    let mut b_of: Vec<u32> = Vec::with_capacity(sb.len());
    let mut count_b: Vec<u32> = Vec::with_capacity(sb.len());
    for &h in sb {
        let slot = table.slot(h);
        if slot.b == 0 {
            count_b.push(0);
            slot.b = count_b.len() as u32;
        }
        let id = slot.b - 1;
        count_b[id as usize] += 1;
        b_of.push(id);
    }
    let mut start_b: Vec<u32> = Vec::with_capacity(count_b.len() + 1);
    let mut sum = 0u32;
    for &c in &count_b {
        start_b.push(sum);
        sum += c;
    }
    start_b.push(sum);
    let mut fill = start_b.clone();
    let mut positions = vec![0u32; sb.len()];
    for (j, &id) in b_of.iter().enumerate() {
        let f = &mut fill[id as usize];
        positions[*f as usize] = j as u32;
        *f += 1;
    }
    // A: dense numbers, counts, and each number's B number (0: not in B).
    let mut a_of: Vec<u32> = Vec::with_capacity(sa.len());
    let mut count_a: Vec<u32> = Vec::with_capacity(sa.len());
    let mut in_b: Vec<u32> = Vec::with_capacity(sa.len());
    for &h in sa {
        let slot = table.slot(h);
        if slot.a == 0 {
            count_a.push(0);
            in_b.push(slot.b);
            slot.a = count_a.len() as u32;
        }
        let id = slot.a - 1;
        count_a[id as usize] += 1;
        a_of.push(id);
    }
    let common = in_b.iter().filter(|&&b| b != 0).count();
    let mut rank = vec![0u32; count_a.len()];
    let mut seeds = Vec::with_capacity(sa.len().min(sb.len()));
    for (x, &ia) in a_of.iter().enumerate() {
        let ia = ia as usize;
        let Some(ib) = in_b[ia].checked_sub(1) else {
            continue;
        };
        let ib = ib as usize;
        let r = rank[ia];
        rank[ia] += 1;
        let ys = &positions[start_b[ib] as usize..start_b[ib + 1] as usize];
        if count_a[ia] <= max_repeats && count_b[ib] <= max_repeats {
            seeds.extend(ys.iter().map(|&y| (x as u32, y)));
        } else if let Some(&y) = ys.get(r as usize) {
            seeds.push((x as u32, y));
        }
    }
    let (da, db) = (count_a.len(), count_b.len());
    let union = da + db - common;
    let ratio = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    (
        ratio(common, union),
        [ratio(common, da), ratio(common, db)],
        seeds,
    )
}

/// A slot of [`JoinTable`]: a hash and its number in each document plus one
/// (0: not in that document; both 0: an empty slot).
#[derive(Clone, Copy, Default)]
struct JoinSlot {
    key: u64,
    a: u32,
    b: u32,
}

/// Open addressing with linear probing, at most half full.
struct JoinTable {
    slots: Vec<JoinSlot>,
    mul: u64,
    shift: u32,
    mask: usize,
}

impl JoinTable {
    /// A table for up to `n` distinct hashes.
    fn new(n: usize) -> JoinTable {
        static MUL: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        let mul = *MUL.get_or_init(|| {
            use std::hash::{BuildHasher, Hasher};
            let mut x = std::collections::hash_map::RandomState::new().build_hasher();
            x.write_u64(0x6e65_6172_6475_7031);
            x.finish() | 1
        });
        let cap = (2 * n).next_power_of_two().max(16);
        JoinTable {
            slots: vec![JoinSlot::default(); cap],
            mul,
            shift: 64 - cap.trailing_zeros(),
            mask: cap - 1,
        }
    }

    /// The slot of `h`, claimed for it when it is new.
    #[inline]
    fn slot(&mut self, h: u64) -> &mut JoinSlot {
        let mut s = (h.wrapping_mul(self.mul) >> self.shift) as usize;
        loop {
            let x = self.slots[s];
            if x.a == 0 && x.b == 0 {
                self.slots[s].key = h;
                break;
            }
            if x.key == h {
                break;
            }
            s = (s + 1) & self.mask;
        }
        &mut self.slots[s]
    }
}

/// Chains seeds; also returns the chain each seed joined.
fn chain(seeds: &[(u32, u32)], ka: u32, kb: u32, p: &AlignParams) -> (Vec<Chain>, Vec<u32>) {
    let mut chains: Vec<Chain> = Vec::new();
    let mut owner = Vec::with_capacity(seeds.len());
    let mut active: Vec<usize> = Vec::new();
    let reach_a = p.max_gap + ka;
    let reach_b = p.max_gap + kb;
    for &(sa, sb) in seeds {
        active.retain(|&c| chains[c].a1 + reach_a >= sa);
        let mut best: Option<(u32, usize)> = None;
        for (slot, &c) in active.iter().enumerate() {
            let ch = &chains[c];
            if sa <= ch.a1 || sb <= ch.b1 {
                continue;
            }
            let (da, db) = (sa - ch.a1, sb - ch.b1);
            if da > reach_a || db > reach_b || da.abs_diff(db) > p.max_drift {
                continue;
            }
            let cost = da + db + 2 * da.abs_diff(db);
            if best.is_none_or(|(bc, _)| cost < bc) {
                best = Some((cost, slot));
            }
        }
        match best {
            Some((_, slot)) => {
                owner.push(active[slot] as u32);
                let ch = &mut chains[active[slot]];
                ch.cov_a += (sa - ch.a1).min(ka);
                ch.cov_b += (sb - ch.b1).min(kb);
                ch.a1 = sa;
                ch.b1 = sb;
            }
            None => {
                owner.push(chains.len() as u32);
                active.push(chains.len());
                chains.push(Chain {
                    a0: sa,
                    b0: sb,
                    a1: sa,
                    b1: sb,
                    cov_a: ka,
                    cov_b: kb,
                });
            }
        }
    }
    (chains, owner)
}

/// Splits chains where a gap on one side holds a block aligned elsewhere:
/// at least [`MIN_MOVED_WORDS`] words of the gap covered by seeds of other
/// chains that lie outside the chain on the other side (a paragraph moved
/// between two others is not bridged as if it were an edit). Returns the
/// chains and each seed's chain, as [`chain`].
fn split_at_moved(
    chains: Vec<Chain>,
    owner: &[u32],
    seeds: &[(u32, u32)],
    ka: u32,
    kb: u32,
) -> (Vec<Chain>, Vec<u32>) {
    if chains.len() < 2 {
        return (chains, owner.to_vec());
    }
    let ranges: Vec<[(u32, u32); 2]> = chains
        .iter()
        .map(|c| [(c.a0, c.a1 + ka), (c.b0, c.b1 + kb)])
        .collect();
    // Seeds in order of A (as given) and of B.
    let mut by_b: Vec<usize> = (0..seeds.len()).collect();
    by_b.sort_unstable_by_key(|&i| (seeds[i].1, seeds[i].0));
    let at = |i: usize, side: usize| if side == 0 { seeds[i].0 } else { seeds[i].1 };
    let klen = [ka, kb];
    // Words of `lo..hi` on `side` covered by seeds of chains other than
    // `c` that lie outside `other`, the rest of `c` on the other side.
    let foreign = |c: usize, side: usize, lo: u32, hi: u32, other: (u32, u32)| -> u32 {
        let order = |n: usize| if side == 0 { n } else { by_b[n] };
        let len = seeds.len();
        let first = if side == 0 {
            seeds.partition_point(|s| s.0 < lo)
        } else {
            by_b.partition_point(|&i| seeds[i].1 < lo)
        };
        let (mut covered, mut end) = (0u32, lo);
        for n in first..len {
            let i = order(n);
            let x = at(i, side);
            if x + klen[side] > hi {
                if x >= hi {
                    break;
                }
                continue;
            }
            let y = at(i, 1 - side);
            if owner[i] as usize == c || (other.0 <= y && y < other.1) {
                continue;
            }
            let from = x.max(end);
            covered += (x + klen[side]).saturating_sub(from);
            end = end.max(x + klen[side]);
        }
        covered
    };
    let mut out: Vec<Chain> = Vec::with_capacity(chains.len());
    let mut new_owner = Vec::with_capacity(seeds.len());
    let mut current: Vec<Option<usize>> = vec![None; chains.len()];
    for (&(sa, sb), &c) in seeds.iter().zip(owner) {
        let c = c as usize;
        let split = current[c].is_some_and(|n| {
            let ch = &out[n];
            // The chain's range on the other side, from where its current
            // piece starts (a part split off before is elsewhere).
            let rest_a = (ch.a0, ranges[c][0].1);
            let rest_b = (ch.b0, ranges[c][1].1);
            (sa >= ch.a1 + ka + MIN_MOVED_WORDS
                && foreign(c, 0, ch.a1 + ka, sa, rest_b) >= MIN_MOVED_WORDS)
                || (sb >= ch.b1 + kb + MIN_MOVED_WORDS
                    && foreign(c, 1, ch.b1 + kb, sb, rest_a) >= MIN_MOVED_WORDS)
        });
        match current[c] {
            Some(n) if !split => {
                let ch = &mut out[n];
                ch.cov_a += (sa - ch.a1).min(ka);
                ch.cov_b += (sb - ch.b1).min(kb);
                ch.a1 = sa;
                ch.b1 = sb;
                new_owner.push(n as u32);
            }
            _ => {
                current[c] = Some(out.len());
                new_owner.push(out.len() as u32);
                out.push(Chain {
                    a0: sa,
                    b0: sb,
                    a1: sa,
                    b1: sb,
                    cov_a: ka,
                    cov_b: kb,
                });
            }
        }
    }
    (out, new_owner)
}

/// The hashes both documents repeat the same way (see
/// [`Prepared::repeated`]): as many times, each occurrence at the same
/// distance from the first on both sides, give or take two words and a
/// tenth of that distance (an edited copy's drift). A passage that says a
/// phrase twice, copied, repeats it so; a template's slots (vendor names,
/// list rows) vary in number and length, and a page that repeats a block
/// another page carries once does not. Sorted.
fn own_repeats(a: &Prepared, b: &Prepared, k: u32) -> Vec<u64> {
    let mut out = Vec::new();
    if a.repeated.is_empty() || b.repeated.is_empty() {
        return out;
    }
    // Occurrences at least a shingle apart, as `distinct_and_repeated` counts.
    let places = |p: &Prepared, h: u64| {
        let mut v: Vec<u32> = Vec::new();
        for f in p.fingerprints.iter().filter(|f| f.hash == h) {
            if v.last().is_none_or(|&l| f.pos >= l + k) {
                v.push(f.pos);
            }
        }
        v
    };
    let (mut i, mut j) = (0, 0);
    while i < a.repeated.len() && j < b.repeated.len() {
        let (x, y) = (a.repeated[i], b.repeated[j]);
        if x < y {
            i += 1;
            continue;
        }
        if y < x {
            j += 1;
            continue;
        }
        let (pa, pb) = (places(a, x), places(b, x));
        let same = pa.len() == pb.len()
            && pa.iter().zip(&pb).all(|(&u, &v)| {
                let (du, dv) = (u - pa[0], v - pb[0]);
                du.abs_diff(dv) <= 2 + du.max(dv) / 10
            });
        if same {
            out.push(x);
        }
        i += 1;
        j += 1;
    }
    out
}

/// Words of the diagonal band the end extension may stray from the
/// diagonal: a few words inserted or deleted near an end.
const BAND: usize = 3;
/// The end extension gives up once its score falls this far below its best.
const X_DROP: i32 = 3;
/// What a word inserted or deleted costs the end extension: as much as a
/// substitution. A copy edited at one word in five (the quality bench's
/// harder mode) deletes and inserts as often as it substitutes; at -2 its
/// last edited sentence was cut off.
const GAP: i32 = 1;
/// The most words an end is extended by (the X-drop rule stops it sooner
/// on unrelated text): an edited copy's first or last sentence may hold a
/// single seed or none, 30-40 words beyond the chain.
const EXTEND_WORDS: u32 = 60;

/// Extends an alignment end outwards, word by word, as a banded gapped
/// X-drop alignment: a match scores +1, a substitution -1, a word inserted
/// or deleted -[`GAP`] (within [`BAND`] words of the diagonal); it gives up once
/// the score falls [`X_DROP`] below its best. Returns the words to take on
/// each side (at the best score, reached by a match, the longest on ties:
/// a substitution followed by a match is taken) and the matches among them.
/// `eq(i, j)` compares the `i`-th word outwards in A with the `j`-th in B
/// (1-based); `room_a`, `room_b` are the words available, `limit` caps
/// both. `ends(i, j)` tells whether both sides end a paragraph after `i`
/// and `j` words (a blank line beyond both): past such an end the copy
/// has most likely ended, and the extension goes on only for two matches
/// more than it loses (not for a chance match of a common word).
fn extend(
    room_a: u32,
    room_b: u32,
    limit: u32,
    eq: impl Fn(u32, u32) -> bool,
    ends: impl Fn(u32, u32) -> bool,
) -> (u32, u32, u32) {
    const NEG: i32 = i32::MIN / 2;
    let (na, nb) = (room_a.min(limit) as isize, room_b.min(limit) as isize);
    let w = 2 * BAND + 1;
    let band = BAND as isize;
    // Cell d of row i is j = i + d - BAND: (score, matches).
    let mut prev = vec![(NEG, 0u32); w];
    let mut cur = vec![(NEG, 0u32); w];
    for (d, cell) in prev.iter_mut().enumerate() {
        let j = d as isize - band;
        if (0..=nb).contains(&j) {
            *cell = (-GAP * j as i32, 0);
        }
    }
    let (mut best, mut best_at) = (0i32, (0u32, 0u32, 0u32));
    let mut need = if ends(0, 0) { 2 } else { 0 };
    for i in 1..=na {
        let mut row_max = NEG;
        for d in 0..w {
            let j = i + d as isize - band;
            cur[d] = (NEG, 0);
            if !(0..=nb).contains(&j) {
                continue;
            }
            let (mut c, mut by_match) = ((NEG, 0), false);
            if j >= 1 && prev[d].0 > NEG {
                let m = eq(i as u32, j as u32);
                c = (prev[d].0 + if m { 1 } else { -1 }, prev[d].1 + m as u32);
                by_match = m;
            }
            if d + 1 < w && prev[d + 1].0 > NEG && prev[d + 1].0 - GAP > c.0 {
                (c, by_match) = ((prev[d + 1].0 - GAP, prev[d + 1].1), false);
            }
            if d >= 1 && cur[d - 1].0 > NEG && cur[d - 1].0 - GAP > c.0 {
                (c, by_match) = ((cur[d - 1].0 - GAP, cur[d - 1].1), false);
            }
            cur[d] = c;
            row_max = row_max.max(c.0);
            if by_match && c.0 >= best + need {
                best = c.0;
                best_at = (i as u32, j as u32, c.1);
                need = if ends(i as u32, j as u32) { 2 } else { 0 };
            }
        }
        if row_max < best - X_DROP {
            break;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    best_at
}

/// Whether a blank line lies between word `x - 1` and word `x` (the start
/// and the end of the text count as one).
fn paragraph_break(text: &str, tokens: &[Token], x: u32) -> bool {
    let x = x as usize;
    if x == 0 || x >= tokens.len() {
        return true;
    }
    let gap = &text.as_bytes()[tokens[x - 1].end as usize..tokens[x].start as usize];
    memchr::memchr_iter(b'\n', gap).nth(1).is_some()
}

fn overlap(a0: u32, a1: u32, b0: u32, b1: u32) -> u32 {
    a1.min(b1).saturating_sub(a0.max(b0))
}

/// The bytes of words `lo..hi`, widened to punctuation glued to either end
/// (an opening quote, a closing period), but never into another word.
pub(crate) fn byte_span(text: &str, tokens: &[Token], lo: u32, hi: u32) -> Span {
    if lo >= hi {
        return Span { start: 0, end: 0 };
    }
    let mut start = tokens[lo as usize].start as usize;
    let mut end = tokens[hi as usize - 1].end as usize;
    let glued = |c: char| !c.is_whitespace() && !c.is_alphanumeric();
    let mut s = start;
    for (i, c) in text[..start].char_indices().rev() {
        if glued(c) {
            s = i;
        } else {
            if c.is_whitespace() {
                start = s;
            }
            break;
        }
        if i == 0 {
            start = s;
        }
    }
    let mut e = end;
    let mut reached_end = true;
    for (i, c) in text[end..].char_indices() {
        if glued(c) {
            e = end + i + c.len_utf8();
        } else {
            reached_end = false;
            if c.is_whitespace() {
                end = e;
            }
            break;
        }
    }
    if reached_end {
        end = e;
    }
    Span { start, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `repeated_of` is `distinct_and_repeated(..).1`: on winnowed texts
    /// with no repeat, with a phrase repeated far apart and close together,
    /// and on lists with hashes several times at gaps under and over `k`.
    #[test]
    fn repeated_of_is_distinct_and_repeated() {
        let base = crate::sketch::test_words(300, 3);
        let phrase = crate::sketch::test_words(12, 9);
        let texts = [
            base.clone(),
            format!("{phrase} {base} {phrase}"),
            format!("{phrase} {phrase} {base}"),
            format!("{phrase} {base} {phrase} {base} {phrase}"),
        ];
        let mut some = 0;
        for (i, t) in texts.iter().enumerate() {
            let mut toks = Vec::new();
            tokenize(t, &mut toks);
            let mut sh = Vec::new();
            shingles(&toks, 5, &mut sh);
            let mut fps = Vec::new();
            winnow(&sh, 8, &mut fps);
            let want = crate::sketch::distinct_and_repeated(&mut fps.clone(), 5).1;
            assert_eq!(repeated_of(&fps, 5), want, "text {i}");
            some += usize::from(!want.is_empty());
        }
        assert!(some >= 2, "texts with repeats: {some}");
        for k in [1, 3, 5] {
            for n in [0usize, 1, 2, 7, 70, 200] {
                let fps: Vec<Fingerprint> = (0..n)
                    .map(|i| Fingerprint {
                        hash: crate::sketch::mix64((i % (n / 3 + 1)) as u64 * 7 + i as u64 % 2),
                        pos: (i * (1 + i % 4)) as u32 + i as u32,
                    })
                    .collect();
                let want = crate::sketch::distinct_and_repeated(&mut fps.clone(), k).1;
                assert_eq!(repeated_of(&fps, k), want, "k {k} n {n}");
            }
        }
    }

    fn words(n: usize, seed: u64) -> Vec<String> {
        (0..n)
            .map(|i| {
                format!(
                    "w{}",
                    crate::sketch::mix64(seed * 1_000_003 + i as u64) % 50_000
                )
            })
            .collect()
    }

    fn run(a: &str, b: &str, p: &AlignParams) -> Alignment {
        let pa = Prepared::new(a, p.k, p.window);
        let pb = Prepared::new(b, p.k, p.window);
        align(a, &pa, b, &pb, &Chrome::default(), p)
    }

    #[test]
    fn first_place_is_the_first_place_of_the_run() {
        // Words of a 3-word vocabulary: runs recur often, in part.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let t: Vec<Token> = (0..60)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                Token {
                    start: i,
                    end: i + 1,
                    hash: x % 3,
                }
            })
            .collect();
        // The reference: every place tried.
        let naive = |lo: u32, hi: u32, run: &[Token]| -> Option<u32> {
            let (lo, hi) = (lo as usize, (hi as usize).min(t.len()));
            (lo..(hi + 1).saturating_sub(run.len()))
                .find(|&y| {
                    t[y..y + run.len()]
                        .iter()
                        .zip(run)
                        .all(|(u, v)| u.hash == v.hash)
                })
                .map(|y| y as u32)
        };
        let (mut places, mut found) = (Vec::new(), 0);
        for (r0, len) in [(0, 3), (7, 4), (20, 6), (41, 10), (55, 5)] {
            let run = &t[r0..r0 + len];
            for lo in 0..62u32 {
                for hi in [lo, lo + 3, lo + 9, lo + 25, 70] {
                    for first in [true, false] {
                        let w = if first { run[0] } else { run[len - 1] };
                        word_places(&t, lo, hi, w.hash, &mut places);
                        let got = first_place(&t, &places, lo, hi, run, first);
                        assert_eq!(got, naive(lo, hi, run), "{r0}+{len} in {lo}..{hi}");
                        found += usize::from(got.is_some());
                    }
                }
            }
        }
        assert!(found > 100, "{found}");
    }

    #[test]
    fn seeds_are_every_matching_pair_in_order() {
        // Few distinct words: shingles repeat, some more than max_repeats.
        let text = |n: usize, seed: u64| -> String {
            (0..n)
                .map(|i| format!("v{}", crate::sketch::mix64(seed + i as u64) % 3))
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (seed, max_repeats) in [(1u64, 16u32), (2, 4), (3, 1000)] {
            let (a, b) = (text(300, seed << 20), text(250, seed << 21));
            let (pa, pb) = (Prepared::new(&a, 5, 8), Prepared::new(&b, 5, 8));
            let (_, _, got) = seeds(&pa, &pb, max_repeats);
            let mut want = Vec::new();
            for (x, &h) in pa.shingles.iter().enumerate() {
                let in_a: Vec<usize> = (0..pa.shingles.len())
                    .filter(|&i| pa.shingles[i] == h)
                    .collect();
                let in_b: Vec<usize> = (0..pb.shingles.len())
                    .filter(|&j| pb.shingles[j] == h)
                    .collect();
                if in_a.len() as u32 <= max_repeats && in_b.len() as u32 <= max_repeats {
                    want.extend(in_b.iter().map(|&y| (x as u32, y as u32)));
                } else {
                    let rank = in_a.iter().position(|&i| i == x).unwrap();
                    want.extend(in_b.get(rank).map(|&y| (x as u32, y as u32)));
                }
            }
            assert!(got.len() >= 64, "{} seeds", got.len());
            assert_eq!(got, want);
        }
    }

    #[test]
    fn planted_passage_is_found_with_exact_bytes() {
        let passage = words(60, 1).join(" ") + ".";
        let a = format!(
            "{}. {} {}",
            words(100, 2).join(" "),
            passage,
            words(80, 3).join(" ")
        );
        let b = format!(
            "{}\n{}\n{}",
            words(40, 4).join(" "),
            passage,
            words(200, 5).join(" ")
        );
        let al = run(&a, &b, &AlignParams::default());
        assert_eq!(al.spans.len(), 1, "{al:?}");
        let s = &al.spans[0];
        assert_eq!(&a[s.a.start..s.a.end], passage);
        assert_eq!(&b[s.b.start..s.b.end], passage);
        assert_eq!(s.words, 60);
        assert_eq!(s.similarity, 1.0);
        assert!(!s.boilerplate);
    }

    /// `src` with words at the offsets `edits` (mod `period`) replaced.
    fn edited(src: &[String], period: usize, edits: &[usize]) -> Vec<String> {
        src.iter()
            .enumerate()
            .map(|(i, w)| {
                if edits.contains(&(i % period)) {
                    format!("x{i}")
                } else {
                    w.clone()
                }
            })
            .collect()
    }

    /// A 90-word passage at the end of `a` and, with 3 words in 15
    /// substituted, at the start of `b`: (the passage's words, a, b).
    fn edited_copy_pair() -> (Vec<String>, String, String) {
        let src = words(90, 31);
        let copy = edited(&src, 15, &[5, 9, 14]);
        let a = format!("{}\n\n{}", words(60, 32).join(" "), src.join(" "));
        let b = format!("{}\n\n{}", copy.join(" "), words(70, 33).join(" "));
        (src, a, b)
    }

    #[test]
    fn a_copy_with_a_word_in_five_edited_is_kept_by_word_alignment() {
        // 3 words in 15 substituted: the 5-word shingles in step cover a
        // third of the words, a word-by-word alignment 80%.
        let (src, a, b) = edited_copy_pair();
        let al = run(&a, &b, &AlignParams::default());
        assert_eq!(al.spans.len(), 1, "{:?}", al.spans);
        let s = &al.spans[0];
        assert!(s.similarity < 0.5, "{}", s.similarity);
        assert!(s.words >= 85, "{}", s.words);
        assert!(s.a.start.abs_diff(a.find(&src[0]).unwrap()) <= 8);
        assert!(s.b.start <= 8);
        // A stricter word alignment share refuses it.
        let strict = AlignParams {
            min_similarity: 0.9,
            ..AlignParams::default()
        };
        assert!(run(&a, &b, &strict).spans.is_empty());
    }

    #[test]
    fn a_template_with_its_slots_edited_is_not_kept_by_word_alignment() {
        // The same edits as above, but the fixed text is corpus chrome (a
        // template whose slots vary): word alignment keeps no span of it.
        let (_, a, b) = edited_copy_pair();
        let p = AlignParams::default();
        let pa = Prepared::new(&a, p.k, p.window);
        let hashes: Vec<u64> = pa.fingerprints.iter().map(|f| f.hash).collect();
        assert!(with(&a, &b, &Chrome::default()).spans.len() == 1);
        let al = with(&a, &b, &frequent(&hashes));
        assert!(al.spans.is_empty(), "{:?}", al.spans);
    }

    #[test]
    fn shared_phrases_between_unrelated_words_are_no_span() {
        // The same chain of seeds (a 5-word phrase every 15 words), but the
        // words between are unrelated: a third of the words align.
        let src = words(90, 41);
        let copy = edited(&src, 15, &[5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
        let a = format!("{}\n\n{}", words(60, 42).join(" "), src.join(" "));
        let b = format!("{}\n\n{}", copy.join(" "), words(70, 43).join(" "));
        let al = run(&a, &b, &AlignParams::default());
        assert!(al.spans.is_empty(), "{:?}", al.spans);
    }

    #[test]
    fn bit_parallel_lcs_is_the_longest_common_subsequence() {
        fn naive(a: &[u64], b: &[u64]) -> u32 {
            let mut d = vec![vec![0u32; b.len() + 1]; a.len() + 1];
            for i in 1..=a.len() {
                for j in 1..=b.len() {
                    d[i][j] = if a[i - 1] == b[j - 1] {
                        d[i - 1][j - 1] + 1
                    } else {
                        d[i - 1][j].max(d[i][j - 1])
                    };
                }
            }
            d[a.len()][b.len()]
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for round in 0..200 {
            let (la, lb) = (next(200) as usize, next(200) as usize);
            let alphabet = 2 + round % 12;
            let a: Vec<u64> = (0..la).map(|_| next(alphabet)).collect();
            let b: Vec<u64> = (0..lb).map(|_| next(alphabet)).collect();
            let got = lcs_len(a.iter().copied(), b.iter().copied());
            assert_eq!(got, naive(&a, &b), "{a:?} {b:?}");
        }
        assert_eq!(lcs_len([1, 2, 3].into_iter(), [].into_iter()), 0);
    }

    #[test]
    fn mirrored_swaps_sides() {
        let shared = words(70, 11).join(" ");
        let a = format!("{} {shared}", words(30, 12).join(" "));
        let b = format!("{shared} {}", words(90, 13).join(" "));
        let p = AlignParams::default();
        let ab = run(&a, &b, &p);
        let ba = run(&b, &a, &p);
        assert_eq!(ab.mirrored(), ba);
        assert_eq!(ab.mirrored().mirrored(), ab);
    }

    #[test]
    fn short_shared_quote_is_not_a_span() {
        let quote = words(30, 9).join(" ");
        let a = format!(
            "{} {} {}",
            words(100, 2).join(" "),
            quote,
            words(80, 3).join(" ")
        );
        let b = format!(
            "{} {} {}",
            words(90, 4).join(" "),
            quote,
            words(70, 5).join(" ")
        );
        assert!(run(&a, &b, &AlignParams::default()).spans.is_empty());
    }

    #[test]
    fn edits_every_few_words_stay_one_span() {
        let src = words(300, 7);
        let mut copy = src.clone();
        // A substitution every 8 words, one deletion, one 10-word insertion.
        for i in (3..copy.len()).step_by(8) {
            copy[i] = format!("x{i}");
        }
        copy.remove(100);
        for (n, w) in words(10, 99).into_iter().enumerate() {
            copy.insert(200 + n, w);
        }
        let a = format!("{} {}", words(50, 20).join(" "), src.join(" "));
        let b = format!("{} {}", copy.join(" "), words(50, 21).join(" "));
        let al = run(&a, &b, &AlignParams::default());
        assert_eq!(al.spans.len(), 1, "{:?}", al.spans);
        let s = &al.spans[0];
        // Within a word of each end.
        let src_start = a.find(&src[0]).unwrap();
        assert!(
            s.a.start.abs_diff(src_start) <= 8,
            "{} vs {}",
            s.a.start,
            src_start
        );
        assert!(s.a.end.abs_diff(a.len()) <= 8);
        assert!(s.b.start <= 8);
        assert!(s.similarity > 0.6 && s.similarity < 1.0, "{}", s.similarity);
    }

    #[test]
    fn unrelated_gap_splits_spans() {
        let p1 = words(80, 30).join(" ");
        let p2 = words(80, 31).join(" ");
        let a = format!("{p1} {} {p2}", words(60, 32).join(" "));
        let b = format!("{p1} {} {p2}", words(60, 33).join(" "));
        let al = run(&a, &b, &AlignParams::default());
        assert_eq!(al.spans.len(), 2, "{:?}", al.spans);
        assert_eq!(&a[al.spans[0].a.start..al.spans[0].a.end], p1);
        assert_eq!(&b[al.spans[1].b.start..al.spans[1].b.end], p2);
    }

    #[test]
    fn jaccard_and_containment_are_exact() {
        let a = words(20, 40).join(" ");
        let b = format!("{a} {}", words(20, 41).join(" "));
        let al = run(
            &a,
            &b,
            &AlignParams {
                min_words: 1,
                ..AlignParams::default()
            },
        );
        // A: 16 shingles, B: 36, shared 16.
        assert!((al.jaccard - 16.0 / 36.0).abs() < 1e-12);
        assert_eq!(al.containment[0], 1.0);
        assert!((al.containment[1] - 16.0 / 36.0).abs() < 1e-12);
    }

    #[test]
    fn text_both_repeat_many_times_aligns_along_the_diagonal() {
        // Every shingle repeats far more than max_repeats: seeds are the
        // occurrences of equal rank, linear in the text.
        let a = "spam ".repeat(200_000);
        let b = "spam ".repeat(150_000);
        let al = run(&a, &b, &AlignParams::default());
        assert_eq!(al.jaccard, 1.0);
        assert_eq!(al.spans.len(), 1, "{:?}", al.spans);
        assert_eq!(al.coverage[1], 1.0);
        // A paragraph repeated 20 and 25 times.
        let para = words(40, 70).join(" ");
        let a = vec![para.as_str(); 20].join("\n");
        let b = vec![para.as_str(); 25].join("\n");
        let al = run(&a, &b, &AlignParams::default());
        assert!(al.has_content());
        assert_eq!(al.coverage[0], 1.0);
    }

    #[test]
    fn identical_documents_are_one_span_even_without_seeds() {
        let a = "spam ".repeat(100_000);
        let b = format!("  {}", "SPAM, ".repeat(100_000));
        let al = run(&a, &b, &AlignParams::default());
        assert_eq!(al.spans.len(), 1);
        assert_eq!(al.coverage, [1.0, 1.0]);
        assert_eq!(al.spans[0].b.start, 2);
        assert_eq!(al.spans[0].similarity, 1.0);
    }

    /// Chrome by document frequency: `hashes` in 10 documents.
    fn frequent(hashes: &[u64]) -> Chrome {
        let mut post: Vec<(u64, u32)> = (0..10u32)
            .flat_map(|d| hashes.iter().map(move |&h| (h, d)))
            .collect();
        post.sort_unstable();
        post.dedup();
        // Frequent, not universal: text a minority of a larger corpus shares.
        Chrome::detect(&[], &post, [], &[], 10).with_universal_df(1000)
    }

    fn with(x: &str, y: &str, chrome: &Chrome) -> Alignment {
        let p = AlignParams::default();
        let (px, py) = (
            Prepared::new(x, p.k, p.window),
            Prepared::new(y, p.k, p.window),
        );
        align(x, &px, y, &py, chrome, &p)
    }

    #[test]
    fn a_document_repeated_inside_another_is_not_boilerplate() {
        // All of `small` is common text, and all of it is inside `big`: the
        // pair is a containment (a syndicated article, a license inside a
        // longer one), not chrome. A third document sharing only a part of
        // that common text is boilerplate-only.
        let (head, tail) = (words(60, 60).join(" "), words(90, 61).join(" "));
        let small = format!("{head} {tail}");
        let big = format!(
            "{head} {} {tail} {}",
            words(40, 62).join(" "),
            words(30, 63).join(" ")
        );
        let other = format!("{} {tail}", words(200, 64).join(" "));
        let chrome = frequent(&crate::boilerplate::known_shingles(&small, 5));
        let al = with(&small, &big, &chrome);
        assert_eq!(al.spans.len(), 2, "{:?}", al.spans);
        assert!(al.spans.iter().all(|s| !s.boilerplate));
        assert!(al.coverage[0] > 0.95);
        let al = with(&other, &big, &chrome);
        assert_eq!(al.spans.len(), 1);
        assert!(!al.has_content());
    }

    #[test]
    fn a_segment_too_short_to_seed_moved_in_the_copy_joins_the_span() {
        // A 48-word passage and its last three words ("Either way it"),
        // moved into the middle of the copy: no shingle seeds them, yet
        // they are the passage's, and with them it has 51 words.
        let body = words(48, 90);
        let tail = words(3, 91).join(" ");
        let a = format!(
            "{}. {} {tail}. {}.",
            words(80, 92).join(" "),
            body.join(" "),
            words(70, 93).join(" ")
        );
        let moved = format!("{} {tail} {}", body[..30].join(" "), body[30..].join(" "));
        let b = format!(
            "{}. {moved}. {}.",
            words(60, 94).join(" "),
            words(90, 95).join(" ")
        );
        let al = run(&a, &b, &AlignParams::default());
        assert_eq!(al.spans.len(), 1, "{:?}", al.spans);
        let s = &al.spans[0];
        assert_eq!(s.words, 51);
        let pa = a.find(&body[0]).unwrap();
        // (The full stop after each is glued to the span.)
        let end = a.find(&tail).unwrap() + tail.len();
        assert_eq!(&a[s.a.start..s.a.end], &a[pa..end + 1]);
        assert_eq!(&b[s.b.start..s.b.end], format!("{moved}."));
        // Three words that are not in the copy add nothing: no span.
        let c = format!(
            "{}. {} {}. {}.",
            words(60, 94).join(" "),
            body.join(" "),
            words(3, 96).join(" "),
            words(90, 95).join(" ")
        );
        let al = run(&a, &c, &AlignParams::default());
        assert!(al.spans.is_empty(), "{:?}", al.spans);
    }

    #[test]
    fn a_phrase_a_copied_passage_says_twice_is_chrome_only_when_a_third_page_repeats_it() {
        // A 70-word passage that says an 8-word phrase twice, copied whole
        // into another page: its repeat is the passage's own, not a
        // template's, while only these two pages repeat it.
        let phrase = words(8, 70).join(" ");
        let passage = format!(
            "{} {phrase} {} {phrase} {}",
            words(20, 71).join(" "),
            words(24, 72).join(" "),
            words(10, 73).join(" ")
        );
        let a = format!(
            "{} {passage} {}",
            words(100, 74).join(" "),
            words(90, 75).join(" ")
        );
        let b = format!(
            "{} {passage} {}",
            words(80, 76).join(" "),
            words(110, 77).join(" ")
        );
        let c = format!(
            "{} {phrase} {} {phrase}",
            words(60, 78).join(" "),
            words(30, 79).join(" ")
        );
        let p = AlignParams::default();
        let prep = |t: &str| Prepared::new(t, p.k, p.window);
        let (pa, pb, pc) = (prep(&a), prep(&b), prep(&c));
        assert!(!pa.repeated.is_empty() && !pc.repeated.is_empty());
        let repeats = |docs: &[&Prepared]| {
            Chrome::detect(
                &[],
                &[],
                docs.iter().flat_map(|d| d.repeated.clone()),
                &[],
                10,
            )
        };
        // The scan's chrome: the two pages each repeat the phrase.
        let two = repeats(&[&pa, &pb]);
        assert!(pa.repeated.iter().all(|&h| two.contains(h)));
        let al = align(&a, &pa, &b, &pb, &two, &p);
        assert_eq!(al.spans.len(), 1, "{:?}", al.spans);
        let s = &al.spans[0];
        assert!(!s.boilerplate && s.chrome == 0.0, "{s:?}");
        assert_eq!(
            (s.a.start, s.a.end),
            (
                a.find(&passage).unwrap(),
                a.find(&passage).unwrap() + passage.len()
            )
        );
        // With no corpus at all, the same.
        let al = align(&a, &pa, &b, &pb, &Chrome::default(), &p);
        assert!(
            al.spans.len() == 1 && al.spans[0].chrome == 0.0,
            "{:?}",
            al.spans
        );
        // A third page repeating the phrase makes it a template's again.
        let three = repeats(&[&pa, &pb, &pc]);
        let al = align(&a, &pa, &b, &pb, &three, &p);
        assert!(al.spans.iter().any(|s| s.chrome > 0.0), "{:?}", al.spans);
        // And a page that says the phrase twice at other distances (a
        // template's slots of other lengths) repeats it its own way.
        let d = format!(
            "{} {phrase} {} {phrase} {}",
            words(20, 71).join(" "),
            words(24, 72).join(" ") + " " + &words(15, 80).join(" "),
            words(10, 73).join(" ")
        );
        let pd = prep(&d);
        let al = align(&a, &pa, &d, &pd, &repeats(&[&pa, &pd]), &p);
        assert!(al.spans.iter().any(|s| s.chrome > 0.0), "{:?}", al.spans);
    }

    #[test]
    fn chrome_is_boilerplate_whatever_its_length_and_known_chrome_always() {
        for n in [80, 400] {
            let text = words(n, 51).join(" ");
            let a = format!("{} {text}", words(300, 52).join(" "));
            let b = format!("{text} {}", words(300, 53).join(" "));
            let chrome = frequent(&crate::boilerplate::known_shingles(&text, 5));
            let al = with(&a, &b, &chrome);
            assert_eq!(al.spans.len(), 1, "{n}: {:?}", al.spans);
            assert!(al.spans[0].boilerplate, "{n} words");
        }
        // Known chrome (--boilerplate) stays boilerplate even when it is
        // the whole of the smaller document.
        let text = words(300, 54).join(" ");
        let b = format!("{text} {}", words(100, 55).join(" "));
        let known = crate::boilerplate::known_shingles(&text, 5);
        let chrome = Chrome::detect(&[], &[], [], &known, 10);
        let al = with(&text, &b, &chrome);
        assert!(!al.spans.is_empty() && !al.has_content(), "{:?}", al.spans);
    }

    #[test]
    fn a_passage_before_a_long_footer_is_cut_from_it() {
        // Both documents end with a copied passage followed by a 300-word
        // footer that many documents carry: the passage is a finding, the
        // footer a boilerplate span of its own.
        let passage = words(80, 80).join(" ");
        let footer = words(300, 81).join(" ");
        let a = format!("{} {passage} {footer}", words(200, 82).join(" "));
        let b = format!("{} {passage} {footer}", words(250, 83).join(" "));
        let chrome = frequent(&crate::boilerplate::known_shingles(&footer, 5));
        let al = with(&a, &b, &chrome);
        assert_eq!(al.spans.len(), 2, "{:?}", al.spans);
        let (p, f) = (&al.spans[0], &al.spans[1]);
        assert!(!p.boilerplate && f.boilerplate);
        assert!(p.words.abs_diff(80) <= 8, "{}", p.words);
        assert!(a[p.a.start..p.a.end].starts_with(&passage[..20]));
        assert!(f.words.abs_diff(300) <= 8, "{}", f.words);
    }

    #[test]
    fn a_template_with_varying_slots_is_boilerplate() {
        // A 200-word template whose every 20th word varies by document.
        let template = words(200, 90);
        let fill = |seed: u64| {
            template
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if i % 20 == 10 {
                        format!("v{seed}x{i}")
                    } else {
                        w.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let (ta, tb) = (fill(1), fill(2));
        let a = format!("{ta} {}", words(300, 91).join(" "));
        let b = format!("{tb} {}", words(300, 92).join(" "));
        // The template's fixed text is in many documents; its slots are not.
        let tb_shingles = crate::boilerplate::known_shingles(&tb, 5);
        let fixed: Vec<u64> = crate::boilerplate::known_shingles(&ta, 5)
            .into_iter()
            .filter(|h| tb_shingles.contains(h))
            .collect();
        let al = with(&a, &b, &frequent(&fixed));
        assert!(!al.spans.is_empty());
        assert!(!al.has_content(), "{:?}", al.spans);
    }

    #[test]
    fn a_shared_html_layout_is_boilerplate_and_a_shared_html_article_is_not() {
        // A newsletter's table layout: 150 words of tags and attributes
        // around a few labels, shared word for word by two issues whose
        // articles differ.
        let layout: String = (0..10)
            .map(|i| {
                format!(
                    "<table cellpadding=0 cellspacing=0 width=100% bgcolor=#ffeedd><tr>\
                     <td class=sidebar{i} valign=top>Section {i}</td></tr></table>\n"
                )
            })
            .collect();
        let issue = |seed: u64| format!("{layout}<p>{}</p>\n{layout}", words(300, seed).join(" "));
        let al = run(&issue(1), &issue(2), &AlignParams::default());
        assert!(!al.spans.is_empty(), "the layout aligns");
        assert!(!al.has_content(), "{:?}", al.spans);
        // The same markup around one copied 120-word article: content.
        let article = words(120, 7).join(" ");
        let page = |seed: u64| {
            format!(
                "{}<div class=story><p>{article}</p></div>{}",
                words(200, seed).join(" "),
                words(200, seed + 1).join(" ")
            )
        };
        let al = run(&page(10), &page(20), &AlignParams::default());
        assert!(al.has_content(), "{:?}", al.spans);
    }

    #[test]
    fn short_identical_documents_are_near_duplicates() {
        let al = run("Tiny note here.", "tiny NOTE here", &AlignParams::default());
        assert_eq!(al.spans.len(), 1);
        assert_eq!(al.coverage, [1.0, 1.0]);
    }

    #[test]
    fn glued_punctuation_is_included_but_not_words() {
        let text = "say “hello world.” then well-known";
        let mut toks = Vec::new();
        tokenize(text, &mut toks);
        let s = byte_span(text, &toks, 1, 3);
        assert_eq!(&text[s.start..s.end], "“hello world.”");
        let s = byte_span(text, &toks, 5, 6);
        assert_eq!(&text[s.start..s.end], "known");
    }

    #[test]
    fn a_short_document_with_its_short_paragraphs_shuffled_is_its_moved_blocks() {
        // Seven paragraphs of 14-40 words, none of `min_words`: no span,
        // but together the blocks are both documents.
        let paras: Vec<String> = [20, 14, 40, 25, 33, 18, 30]
            .iter()
            .enumerate()
            .map(|(i, &n)| words(n, 200 + i as u64).join(" "))
            .collect();
        let a = paras.join("\n\n");
        let b = [6, 2, 0, 4, 1, 5, 3]
            .iter()
            .map(|&i| paras[i].as_str())
            .collect::<Vec<_>>()
            .join("\n\n");
        let al = run(&a, &b, &AlignParams::default());
        assert!(al.spans.is_empty(), "{:?}", al.spans);
        assert_eq!(al.moved.len(), 7, "{:?}", al.moved);
        assert!(al.has_content());
        assert_eq!(al.coverage, [1.0, 1.0]);
        for m in &al.moved {
            assert_eq!(&a[m.a.start..m.a.end], &b[m.b.start..m.b.end]);
        }
        // Two of those paragraphs only in another text: not flagged.
        let c = format!(
            "{}\n\n{}\n\n{}",
            paras[0],
            words(200, 230).join(" "),
            paras[1]
        );
        let al = run(&a, &c, &AlignParams::default());
        assert!(!al.has_content(), "{al:?}");
    }

    #[test]
    fn a_passage_of_short_sentences_reordered_is_one_span() {
        // Six sentences of 7-11 words (54 in all): none long enough to be a
        // reordered block of its own (MIN_MOVED_WORDS), together a passage.
        let sentences: Vec<String> = [9, 7, 11, 8, 10, 9]
            .iter()
            .enumerate()
            .map(|(i, &n)| words(n, 300 + i as u64).join(" ") + ".")
            .collect();
        let passage = sentences.join(" ");
        let moved = [3, 0, 5, 2, 4, 1]
            .iter()
            .map(|&i| sentences[i].as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let a = format!(
            "{}. {passage} {}.",
            words(80, 310).join(" "),
            words(70, 311).join(" ")
        );
        let b = format!(
            "{}. {moved} {}.",
            words(60, 312).join(" "),
            words(90, 313).join(" ")
        );
        let al = run(&a, &b, &AlignParams::default());
        assert_eq!(al.spans.len(), 1, "{:?} {:?}", al.spans, al.moved);
        let s = &al.spans[0];
        assert!(!s.boilerplate);
        let (pa, pb) = (a.find(&passage).unwrap(), b.find(&moved).unwrap());
        assert_eq!(
            s.a,
            Span {
                start: pa,
                end: pa + passage.len()
            }
        );
        assert_eq!(
            s.b,
            Span {
                start: pb,
                end: pb + moved.len()
            }
        );
        // The same sentences spread over unrelated text are no passage.
        let spread = [3, 0, 5, 2, 4, 1]
            .iter()
            .enumerate()
            .map(|(j, &i)| format!("{} {}", sentences[i], words(25, 320 + j as u64).join(" ")))
            .collect::<Vec<_>>()
            .join(" ");
        let c = format!("{}. {spread}.", words(60, 330).join(" "));
        let al = run(&a, &c, &AlignParams::default());
        assert!(!al.has_content(), "{:?} {:?}", al.spans, al.moved);
        // Nor when one sentence is known chrome (a template's short runs in
        // any order): blocks joined by their place alone hold no chrome.
        let p = AlignParams::default();
        let (pa, pb) = (
            Prepared::new(&a, p.k, p.window),
            Prepared::new(&b, p.k, p.window),
        );
        let known = Prepared::new(&sentences[2], p.k, p.window);
        let chrome = Chrome::default().add_repeated_and_known([], &known.shingles);
        let al = align(&a, &pa, &b, &pb, &chrome, &p);
        assert!(al.spans.iter().all(|s| s.boilerplate), "{:?}", al.spans);
    }

    #[test]
    fn swapped_paragraphs_stay_apart_but_swapped_sentences_are_one_span() {
        let (p, q, r) = (
            words(60, 240).join(" "),
            words(55, 241).join(" "),
            words(70, 242).join(" "),
        );
        // Whole paragraphs moved: one span each.
        let a = format!("{p}\n\n{q}\n\n{r}");
        let b = format!("{q}\n\n{p}\n\n{r}");
        let al = run(&a, &b, &AlignParams::default());
        assert_eq!(al.spans.len(), 3, "{:?}", al.spans);
        assert_eq!(al.moved.len(), 0);
        for (s, text) in al.spans.iter().zip([&p, &q, &r]) {
            assert_eq!(&a[s.a.start..s.a.end], text);
            assert_eq!(&b[s.b.start..s.b.end], text);
        }
        // Sentences swapped inside a passage: one span.
        let (s1, s2, s3) = (
            words(20, 243).join(" "),
            words(18, 244).join(" "),
            words(22, 245).join(" "),
        );
        let pre = words(80, 246).join(" ");
        let a = format!("{pre} {s1}. {s2}. {s3}. {}", words(60, 247).join(" "));
        let b = format!("{} {s2}. {s1}. {s3}. {pre}", words(70, 248).join(" "));
        let al = run(&a, &b, &AlignParams::default());
        let s = al.spans.iter().find(|s| s.words >= 50);
        assert!(s.is_some_and(|s| s.words >= 60), "{:?}", al.spans);
    }

    #[test]
    fn a_common_phrase_where_reordered_sentences_begin_does_not_split_them() {
        // Two sentences both begin with the same 9-word phrase; in B the
        // first is followed by the other one: a chance seed at the end of
        // the first sentence's chain runs into the second's words.
        let phrase = "i do not want to see you at all";
        let s1 = words(16, 250).join(" ");
        let s2 = format!("{phrase} {}", words(13, 251).join(" "));
        let s3 = words(27, 252).join(" ");
        let s4 = format!("{phrase} {}", words(5, 253).join(" "));
        let pre = words(100, 254).join(" ");
        let a = format!(
            "{pre}. {s1}. {s2}. {s3}. {s4}. {}",
            words(60, 255).join(" ")
        );
        let b = format!(
            "{}. {s3}. {s1}. {s4}. {s2}. {}",
            words(60, 256).join(" "),
            words(100, 257).join(" ")
        );
        let al = run(&a, &b, &AlignParams::default());
        let passage = al.spans.iter().find(|s| s.words >= 50);
        assert!(passage.is_some(), "{:?} {:?}", al.spans, al.moved);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn planted_span_matches_plant(len in 50usize..400, pre_a in 0usize..300, pre_b in 0usize..300, post in 0usize..200, seed in 0u64..10_000) {
            let plant = words(len, seed).join(" ");
            let a = format!("{} {plant} {}", words(pre_a, seed + 1).join(" "), words(post, seed + 2).join(" "));
            let b = format!("{} {plant} {}", words(pre_b, seed + 3).join(" "), words(post, seed + 4).join(" "));
            let al = run(a.trim(), b.trim(), &AlignParams::default());
            let (a, b) = (a.trim(), b.trim());
            proptest::prop_assert_eq!(al.spans.len(), 1);
            let s = &al.spans[0];
            proptest::prop_assert_eq!(&a[s.a.start..s.a.end], plant.as_str());
            proptest::prop_assert_eq!(&b[s.b.start..s.b.end], plant.as_str());
        }
    }
}
