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
//!    by shared shingles.
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

    /// Whether any span is an article rather than chrome.
    pub fn has_content(&self) -> bool {
        self.spans.iter().any(|s| !s.boilerplate)
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
    /// Shingle hashes.
    pub shingles: Vec<u64>,
    /// Winnowed fingerprints, in position order.
    pub fingerprints: Vec<Fingerprint>,
    /// `(shingle hash, position)` sorted: the exact similarity and the
    /// seeds come from merging two of these.
    pub sorted: Vec<(u64, u32)>,
    /// Fingerprint hashes this document repeats at places that do not
    /// overlap (chrome inside it), sorted.
    pub repeated: Vec<u64>,
    /// Words of a mail header block at the start (chrome).
    pub header_words: u32,
}

impl Prepared {
    /// Tokenizes, shingles and winnows `text`.
    pub fn new(text: &str, k: usize, window: usize) -> Prepared {
        let mut p = Prepared::default();
        tokenize(text, &mut p.tokens);
        shingles(&p.tokens, k, &mut p.shingles);
        winnow(&p.shingles, window, &mut p.fingerprints);
        p.sorted = p
            .shingles
            .iter()
            .enumerate()
            .map(|(i, &h)| (h, i as u32))
            .collect();
        // In position order, so a stable sort by hash is the (hash, position) order.
        crate::shingle::sort_by_hash(&mut p.sorted, |x| x.0);
        let mut fps = p.fingerprints.clone();
        p.repeated = crate::sketch::distinct_and_repeated(&mut fps, k).1;
        p.header_words =
            crate::normalize::words_before(&p.tokens, crate::normalize::mail_header_len(text));
        p
    }

    /// Memory held, in bytes (for the verify stage's cache budget).
    pub fn heap_bytes(&self) -> usize {
        self.tokens.len() * std::mem::size_of::<Token>()
            + self.shingles.len() * 8
            + self.fingerprints.len() * std::mem::size_of::<Fingerprint>()
            + self.sorted.len() * 16
            + self.repeated.len() * 8
    }

    /// Words covered by one shingle.
    fn klen(&self, k: usize) -> u32 {
        self.tokens.len().min(k) as u32
    }
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
/// holds it or either document repeats it. Chrome stretches of at least
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
    let pair_chrome = |h: u64| {
        chrome.contains(h)
            || a.repeated.binary_search(&h).is_ok()
            || b.repeated.binary_search(&h).is_ok()
    };
    let slot = p.max_gap;
    use crate::boilerplate::chrome_stretches as stretches;
    use crate::boilerplate::with_prefix;
    let mask_a = with_prefix(
        stretches(&a.fingerprints, pair_chrome, ka, slot),
        a.header_words,
    );
    let mask_b = with_prefix(
        stretches(&b.fingerprints, pair_chrome, kb, slot),
        b.header_words,
    );
    // Long stretches of corpus chrome (and a mail header block) are cut out
    // of spans; text only one of the two documents repeats is weaker
    // evidence and is not.
    // Universal chrome and the rest of corpus chrome are stretches of their
    // own: a site footer right after a syndicated article is cut from it.
    let cut_a = {
        let mut v = with_prefix(
            stretches(&a.fingerprints, |h| chrome.is_universal(h), ka, slot),
            a.header_words,
        );
        v.extend(stretches(
            &a.fingerprints,
            |h| chrome.contains(h) && !chrome.is_universal(h),
            ka,
            slot,
        ));
        v.sort_unstable();
        merge_overlapping(&v)
    };
    let known_a = stretches(&a.fingerprints, |h| chrome.is_known(h), ka, slot);
    let known_b = stretches(&b.fingerprints, |h| chrome.is_known(h), kb, slot);
    // Universal chrome (site-wide: a legal footer, known chrome, a mail
    // header block) never makes a span content.
    let univ_a = with_prefix(
        stretches(&a.fingerprints, |h| chrome.is_universal(h), ka, slot),
        a.header_words,
    );
    let univ_b = with_prefix(
        stretches(&b.fingerprints, |h| chrome.is_universal(h), kb, slot),
        b.header_words,
    );

    let (mut chains, owner) = chain(&seeds, ka, kb, p);
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
        let back = x_drop(a0, b0, p.max_gap, |i| {
            (
                a.tokens[(a0 - i) as usize].hash,
                b.tokens[(b0 - i) as usize].hash,
            )
        });
        a0 -= back.0;
        b0 -= back.0;
        let room = (a.tokens.len() as u32 - a1).min(b.tokens.len() as u32 - b1);
        let fwd = x_drop(room, room, p.max_gap, |i| {
            (
                a.tokens[(a1 + i - 1) as usize].hash,
                b.tokens[(b1 + i - 1) as usize].hash,
            )
        });
        a1 += fwd.0;
        b1 += fwd.0;
        cov_a += back.1 + fwd.1;
        cov_b += back.1 + fwd.1;
        let whole = Piece {
            a0,
            a1,
            b0,
            b1,
            cov_a,
            cov_b,
            trimmed: false,
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
            });
        }
    }

    // Largest first; drop pieces mostly inside a kept one on both sides,
    // or wholly inside one on either side (no span of a pair nests in
    // another: the same text met again elsewhere adds nothing).
    spans.sort_by_key(|s| (std::cmp::Reverse(s.cov_a + s.cov_b), s.a0, s.b0));
    let mut kept: Vec<Piece> = Vec::new();
    for s in spans {
        let inside = kept.iter().any(|k| {
            (overlap(s.a0, s.a1, k.a0, k.a1) * 2 >= s.a1 - s.a0
                && overlap(s.b0, s.b1, k.b0, k.b1) * 2 >= s.b1 - s.b0)
                || (k.a0 <= s.a0 && s.a1 <= k.a1)
                || (k.b0 <= s.b0 && s.b1 <= k.b1)
        });
        if !inside {
            kept.push(s);
        }
    }
    kept.sort_by_key(|s| (s.a0, s.b0));

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
        if similarity < p.min_similarity {
            continue;
        }
        if words < p.min_words && !whole {
            if words >= MIN_MOVED_WORDS.min(p.min_words) {
                short.push(s);
            }
            continue;
        }
        let share = |ma: &[(u32, u32)], mb: &[(u32, u32)]| {
            (in_stretches(ma, s.a0, s.a1) + in_stretches(mb, s.b0, s.b1)) as f64 / (wa + wb) as f64
        };
        let chrome_share = share(&mask_a, &mask_b);
        ranges.push(((s.a0, s.a1), (s.b0, s.b1)));
        flags.push((s.trimmed, share(&univ_a, &univ_b) >= p.chrome_fraction));
        out.push(SpanPair {
            a: byte_span(a_text, &a.tokens, s.a0, s.a1),
            b: byte_span(b_text, &b.tokens, s.b0, s.b1),
            words,
            similarity,
            chrome: chrome_share,
            boilerplate: chrome_share >= p.chrome_fraction,
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
    // Moved blocks: once the pair has content, its shorter aligned blocks
    // outside every span that are not chrome (a reordered copy's short
    // paragraphs).
    let mut moved_ranges: Vec<((u32, u32), (u32, u32))> = Vec::new();
    let mut moved = Vec::new();
    if out.iter().any(|s| !s.boilerplate) {
        short.sort_by_key(|s| (s.a0, s.b0));
        for s in short {
            let free = ranges.iter().chain(&moved_ranges).all(|r| {
                overlap(s.a0, s.a1, r.0 .0, r.0 .1) == 0 && overlap(s.b0, s.b1, r.1 .0, r.1 .1) == 0
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
fn seeds(a: &Prepared, b: &Prepared, max_repeats: u32) -> (f64, [f64; 2], Vec<(u32, u32)>) {
    let (sa, sb) = (&a.sorted, &b.sorted);
    let runs_a: Vec<&[(u64, u32)]> = sa.chunk_by(|x, y| x.0 == y.0).collect();
    let runs_b: Vec<&[(u64, u32)]> = sb.chunk_by(|x, y| x.0 == y.0).collect();
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    let mut seeds = Vec::new();
    while i < runs_a.len() && j < runs_b.len() {
        let (ha, hb) = (runs_a[i][0].0, runs_b[j][0].0);
        match ha.cmp(&hb) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                let (ra, rb) = (runs_a[i], runs_b[j]);
                if ra.len() as u32 <= max_repeats && rb.len() as u32 <= max_repeats {
                    for x in ra {
                        for y in rb {
                            seeds.push((x.1, y.1));
                        }
                    }
                } else {
                    seeds.extend(ra.iter().zip(rb).map(|(x, y)| (x.1, y.1)));
                }
                i += 1;
                j += 1;
            }
        }
    }
    seeds.sort_unstable();
    let (da, db) = (runs_a.len(), runs_b.len());
    let union = da + db - common;
    let ratio = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    (
        ratio(common, union),
        [ratio(common, da), ratio(common, db)],
        seeds,
    )
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

/// Extends an alignment end word by word, in step: a match scores +1, a
/// substitution -2; gives up once the score falls 4 below its best, and
/// returns how many words to take (the best score's length, at most
/// `limit`) and how many of them match. `pair(i)` is the `i`-th word pair
/// outwards (1-based); `room_a`, `room_b` are the words available.
fn x_drop(room_a: u32, room_b: u32, limit: u32, pair: impl Fn(u32) -> (u64, u64)) -> (u32, u32) {
    let room = room_a.min(room_b).min(limit);
    let (mut score, mut best, mut best_len, mut matched, mut best_matched) =
        (0i32, 0i32, 0u32, 0u32, 0u32);
    for i in 1..=room {
        let (x, y) = pair(i);
        if x == y {
            score += 1;
            matched += 1;
        } else {
            score -= 2;
        }
        if score > best {
            (best, best_len, best_matched) = (score, i, matched);
        } else if score < best - 4 {
            break;
        }
    }
    (best_len, best_matched)
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
