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
use crate::minhash::{winnow, Fingerprint};
use crate::normalize::{tokenize, Token};
use crate::shingle::shingles;

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
}

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
        Alignment {
            jaccard: self.jaccard,
            containment: [self.containment[1], self.containment[0]],
            coverage: [self.coverage[1], self.coverage[0]],
            spans,
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
    /// A span is boilerplate when at least this share of it is chrome.
    pub chrome_fraction: f64,
    /// A span longer than this many words is never boilerplate: page chrome
    /// is short, an article in many documents is not chrome.
    pub max_chrome_words: u32,
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
            max_chrome_words: 200,
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
}

impl Prepared {
    /// Tokenizes, shingles and winnows `text`.
    pub fn new(text: &str, k: usize, window: usize) -> Prepared {
        let mut p = Prepared::default();
        tokenize(text, &mut p.tokens);
        shingles(&p.tokens, k, &mut p.shingles);
        winnow(&p.shingles, window, &mut p.fingerprints);
        p
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
    let mut chains = chain(&seeds, ka, kb, p);
    if identical(a, b) {
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

    // Token ranges, extended by words that still match one by one.
    let mut spans: Vec<(u32, u32, u32, u32, u32, u32)> = chains
        .iter()
        .map(|c| {
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
            (a0, a1, b0, b1, cov_a, cov_b)
        })
        .collect();

    // Largest first; drop chains mostly inside a kept one on both sides.
    spans.sort_by_key(|s| (std::cmp::Reverse(s.4 + s.5), s.0, s.2));
    let mut kept: Vec<(u32, u32, u32, u32, u32, u32)> = Vec::new();
    for s in spans {
        let inside = kept.iter().any(|k| {
            overlap(s.0, s.1, k.0, k.1) * 2 >= s.1 - s.0
                && overlap(s.2, s.3, k.2, k.3) * 2 >= s.3 - s.2
        });
        if !inside {
            kept.push(s);
        }
    }
    kept.sort_by_key(|s| (s.0, s.2));

    let (na, nb) = (a.tokens.len().max(1) as f64, b.tokens.len().max(1) as f64);
    let mut out = Vec::new();
    let mut ranges = Vec::new();
    for (a0, a1, b0, b1, cov_a, cov_b) in kept {
        let (wa, wb) = (a1 - a0, b1 - b0);
        let words = wa.min(wb);
        let whole = wa as f64 >= p.near_coverage * na && wb as f64 >= p.near_coverage * nb;
        if words < p.min_words && !whole {
            continue;
        }
        let similarity = (cov_a.min(wa) + cov_b.min(wb)) as f64 / (wa + wb) as f64;
        if similarity < p.min_similarity {
            continue;
        }
        let chrome_share = chrome.fraction(inside(a, a0, a1, ka).chain(inside(b, b0, b1, kb)));
        let boilerplate = chrome_share >= p.chrome_fraction && words <= p.max_chrome_words;
        ranges.push(((a0, a1), (b0, b1)));
        out.push(SpanPair {
            a: byte_span(a_text, &a.tokens, a0, a1),
            b: byte_span(b_text, &b.tokens, b0, b1),
            words,
            similarity,
            chrome: chrome_share,
            boilerplate,
        });
    }
    // Chrome is a small part of a page: when the spans cover most of the
    // smaller document, that document is repeated in the other, however
    // common its text (a license inside a longer license, a syndicated
    // article), and no span of the pair is boilerplate.
    let covered = |out: &[SpanPair], side: usize, only_content: bool| {
        let r: Vec<(u32, u32)> = ranges
            .iter()
            .zip(out)
            .filter(|(_, s)| !only_content || !s.boilerplate)
            .map(|(r, _)| if side == 0 { r.0 } else { r.1 })
            .collect();
        union_len(r) as f64 / if side == 0 { na } else { nb }
    };
    let smaller = if na <= nb { 0 } else { 1 };
    if covered(&out, smaller, false) >= p.near_coverage {
        // Only the spans that make up the cover: not those mostly inside a
        // longer span on the smaller side (the same chrome met again
        // elsewhere in the larger document stays boilerplate).
        let side = |r: &((u32, u32), (u32, u32))| if smaller == 0 { r.0 } else { r.1 };
        for i in 0..out.len() {
            let (lo, hi) = side(&ranges[i]);
            let redundant = ranges.iter().enumerate().any(|(j, r)| {
                let (l2, h2) = side(r);
                j != i && h2 - l2 > hi - lo && overlap(lo, hi, l2, h2) * 2 >= hi - lo
            });
            if !redundant {
                out[i].boilerplate = false;
            }
        }
    }
    Alignment {
        jaccard,
        containment,
        coverage: [covered(&out, 0, true), covered(&out, 1, true)],
        spans: out,
    }
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
fn seeds(a: &Prepared, b: &Prepared, max_repeats: u32) -> (f64, [f64; 2], Vec<(u32, u32)>) {
    let sorted = |p: &Prepared| {
        let mut v: Vec<(u64, u32)> = p
            .shingles
            .iter()
            .enumerate()
            .map(|(i, &h)| (h, i as u32))
            .collect();
        v.sort_unstable();
        v
    };
    let (sa, sb) = (sorted(a), sorted(b));
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
                if runs_a[i].len() as u32 <= max_repeats && runs_b[j].len() as u32 <= max_repeats {
                    for x in runs_a[i] {
                        for y in runs_b[j] {
                            seeds.push((x.1, y.1));
                        }
                    }
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

fn chain(seeds: &[(u32, u32)], ka: u32, kb: u32, p: &AlignParams) -> Vec<Chain> {
    let mut chains: Vec<Chain> = Vec::new();
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
                let ch = &mut chains[active[slot]];
                ch.cov_a += (sa - ch.a1).min(ka);
                ch.cov_b += (sb - ch.b1).min(kb);
                ch.a1 = sa;
                ch.b1 = sb;
            }
            None => {
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
    chains
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

/// Fingerprint hashes of shingles lying wholly inside words `lo..hi`.
fn inside(prep: &Prepared, lo: u32, hi: u32, klen: u32) -> impl Iterator<Item = u64> + '_ {
    let start = prep.fingerprints.partition_point(|f| f.pos < lo);
    prep.fingerprints[start..]
        .iter()
        .take_while(move |f| f.pos + klen <= hi)
        .map(|f| f.hash)
}

fn overlap(a0: u32, a1: u32, b0: u32, b1: u32) -> u32 {
    a1.min(b1).saturating_sub(a0.max(b0))
}

fn union_len(mut ranges: Vec<(u32, u32)>) -> u32 {
    ranges.sort_unstable();
    let (mut total, mut end) = (0, 0);
    for (s, e) in ranges {
        let s = s.max(end);
        if e > s {
            total += e - s;
            end = e;
        }
    }
    total
}

/// The bytes of words `lo..hi`, widened to punctuation glued to either end
/// (an opening quote, a closing period), but never into another word.
fn byte_span(text: &str, tokens: &[Token], lo: u32, hi: u32) -> Span {
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
                    crate::minhash::mix64(seed * 1_000_003 + i as u64) % 50_000
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
    fn repeated_word_is_bounded_and_yields_nothing() {
        let a = "spam ".repeat(200_000);
        let b = "spam ".repeat(150_000);
        let al = run(&a, &b, &AlignParams::default());
        assert!(al.spans.is_empty());
        assert_eq!(al.jaccard, 1.0);
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

    #[test]
    fn a_document_repeated_inside_another_is_not_boilerplate() {
        // All of `small` is common text, and all of it is inside `big`: the
        // pair is a containment, not chrome. A third document sharing only
        // a part of that common text is boilerplate-only.
        let (head, tail) = (words(60, 60).join(" "), words(90, 61).join(" "));
        let small = format!("{head} {tail}");
        let big = format!(
            "{head} {} {tail} {}",
            words(40, 62).join(" "),
            words(30, 63).join(" ")
        );
        let other = format!("{} {tail}", words(200, 64).join(" "));
        let p = AlignParams::default();
        let known = crate::boilerplate::known_shingles(&small, p.k);
        let chrome = Chrome::detect(&[], &[], [], &known, 10);
        let go = |x: &str, y: &str| {
            let (px, py) = (
                Prepared::new(x, p.k, p.window),
                Prepared::new(y, p.k, p.window),
            );
            align(x, &px, y, &py, &chrome, &p)
        };
        let al = go(&small, &big);
        assert_eq!(al.spans.len(), 2, "{:?}", al.spans);
        assert!(al.has_content());
        assert!(al.coverage[0] > 0.95);
        let al = go(&other, &big);
        assert_eq!(al.spans.len(), 1);
        assert!(!al.has_content());
    }

    #[test]
    fn long_spans_are_never_boilerplate() {
        // Every fingerprint chrome: a short span is boilerplate, a long one
        // (an article in many documents) is not.
        let short = words(80, 50).join(" ");
        let long = words(400, 51).join(" ");
        for (text, expect) in [(short, true), (long, false)] {
            let a = format!("{} {text}", words(60, 52).join(" "));
            let b = format!("{text} {}", words(60, 53).join(" "));
            let p = AlignParams::default();
            let (pa, pb) = (
                Prepared::new(&a, p.k, p.window),
                Prepared::new(&b, p.k, p.window),
            );
            let known = crate::boilerplate::known_shingles(&text, p.k);
            let chrome = Chrome::detect(&[], &[], [], &known, 10);
            let al = align(&a, &pa, &b, &pb, &chrome, &p);
            assert_eq!(al.spans.len(), 1);
            assert_eq!(al.spans[0].boilerplate, expect);
        }
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
