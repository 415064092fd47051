//! Sketches: a whole-document MinHash signature and passage fingerprints.
//!
//! * The **signature** is one-permutation MinHash (Li, Owen, Zhang 2012) with
//!   optimal densification (Shrivastava 2017): each shingle hash is mixed
//!   once, its high bits choose one of `m` bins and its low 32 bits compete
//!   for that bin's minimum; empty bins borrow the value of a non-empty bin
//!   chosen by a fixed probe sequence. One hash per shingle instead of `m`,
//!   and the fraction of equal bins is an unbiased estimate of the Jaccard
//!   similarity of the two shingle sets.
//! * **Passage fingerprints** are the shingles selected by robust winnowing
//!   (Schleimer, Wilkerson, Aiken 2003): in every window of `w` consecutive
//!   shingles the minimum hash is selected. Any run of `w + k - 1` identical
//!   words shared by two documents therefore yields a shared fingerprint,
//!   however small a part of either document the run is.

use crate::shingle;
use std::sync::Arc;

/// Seed mixed into shingle hashes before binning, so the signature and the
/// winnowing order are independent.
const SIG_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
const DENSIFY_SEED: u64 = 0xd1b5_4a32_d192_ed03;

/// splitmix64's finalizer: a stable 64-bit mixer.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The one-permutation MinHash signature of a shingle set (`m` bins).
///
/// An empty input gives an empty signature, which matches nothing.
pub fn signature(shingles: &[u64], m: usize) -> Vec<u32> {
    assert!(m > 0 && m <= u16::MAX as usize, "bins must be 1..=65535");
    if shingles.is_empty() {
        return Vec::new();
    }
    let mut mins = vec![u32::MAX; m];
    let mut filled = vec![false; m];
    for &h in shingles {
        let z = mix64(h ^ SIG_SEED);
        let bin = (((z >> 32) * m as u64) >> 32) as usize;
        let v = z as u32;
        filled[bin] = true;
        if v < mins[bin] {
            mins[bin] = v;
        }
    }
    // Optimal densification: an empty bin i takes the value of the first
    // non-empty bin on its own pseudo-random probe sequence.
    if filled.iter().any(|f| !f) {
        let src = mins.clone();
        for i in 0..m {
            if filled[i] {
                continue;
            }
            let mut attempt = 0u64;
            loop {
                let j = (mix64(DENSIFY_SEED ^ ((i as u64) << 32) ^ attempt) % m as u64) as usize;
                if filled[j] {
                    mins[i] = src[j];
                    break;
                }
                attempt += 1;
            }
        }
    }
    mins
}

/// The signature estimate of Jaccard similarity: the fraction of equal bins.
pub fn estimate_jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || b.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let eq = a.iter().zip(b).filter(|(x, y)| x == y).count();
    eq as f64 / a.len() as f64
}

/// A passage fingerprint: a selected shingle hash and the shingle's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// The shingle hash.
    pub hash: u64,
    /// The shingle's index (its first word's index).
    pub pos: u32,
}

/// Robust winnowing with window `w`: appends the selected fingerprints to
/// `out` (cleared first), in position order, each position once.
///
/// Ties select the rightmost minimum, as in the original paper, so runs of a
/// repeated shingle yield one fingerprint per window, not one per shingle.
/// With fewer than `w` shingles the single minimum is selected.
pub fn winnow(shingles: &[u64], w: usize, out: &mut Vec<Fingerprint>) {
    assert!(w >= 1, "window must be at least 1");
    out.clear();
    if shingles.is_empty() {
        return;
    }
    let w = w.min(shingles.len());
    // Track the window's rightmost minimum; rescan only when it leaves the
    // window (rare for random hashes: amortized O(1) per shingle). The
    // rescan selects without a branch: which hash of a window is its
    // minimum is a coin toss a branch predictor loses.
    let rightmost_min = |lo: usize, hi: usize| {
        let (mut m, mut v) = (lo, shingles[lo]);
        for (j, &x) in shingles.iter().enumerate().take(hi).skip(lo + 1) {
            let le = x <= v;
            m = std::hint::select_unpredictable(le, j, m);
            v = std::hint::select_unpredictable(le, x, v);
        }
        m
    };
    let mut sel = rightmost_min(0, w);
    out.push(Fingerprint {
        hash: shingles[sel],
        pos: sel as u32,
    });
    for i in w..shingles.len() {
        let lo = i + 1 - w;
        let prev = sel;
        if shingles[i] <= shingles[sel] {
            sel = i;
        } else if sel < lo {
            sel = rightmost_min(lo, i + 1);
        }
        if sel != prev {
            out.push(Fingerprint {
                hash: shingles[sel],
                pos: sel as u32,
            });
        }
    }
}

/// What the candidate and boilerplate stages need of one document, held
/// compactly (a scan keeps one per document until its last stage; see
/// DESIGN.md, "Memory"): the signature only as its LSH band keys, the
/// fingerprint sequence as indices into the distinct fingerprints, and all
/// of its lists one after another in one block of words (40 bytes here,
/// where four lists took 96 bytes and up to four blocks with their
/// headers). The block is the sketch's own, or one that sketches packed
/// together share ([`DocSketch::pack`]: a scan's sketches, a chunk of
/// documents a block, so that no allocator header or freed gap comes
/// between them).
pub struct DocSketch {
    /// Where this sketch's words start in `block`: the band keys, the
    /// distinct fingerprints and the repeated ones, one after the other,
    /// then the sequence bit-packed ([`DocSketch::set_sequence`]);
    /// [`DocSketch::len`] of them. (A word index, not a pointer: the
    /// sketch stays 40 bytes, `block` being one pointer wide.)
    offset: u32,
    /// The words, this sketch's and those packed with it, never written
    /// once made.
    block: Arc<Box<[u64]>>,
    /// Distinct fingerprints in the words, after the band keys.
    fingerprints: u32,
    /// Repeated fingerprints in the words, after the distinct ones.
    repeated: u32,
    /// Selected fingerprints in the sequence.
    entries: u32,
    /// The number of words.
    pub words: u32,
    /// Words of a mail header block at the start (metadata, chrome).
    pub header_words: u32,
    /// Band keys at the start of the words.
    bands: u16,
    /// Bits of a sequence entry's position step.
    step_bits: u8,
    /// Bits of a sequence entry's fingerprint index.
    index_bits: u8,
}

impl Clone for DocSketch {
    /// Another view of the same words (the block is shared, not copied).
    fn clone(&self) -> DocSketch {
        self.view(self.offset, Arc::clone(&self.block))
    }
}

impl Default for DocSketch {
    fn default() -> DocSketch {
        DocSketch::new(&[], &[], &[], 0, 0)
    }
}

impl PartialEq for DocSketch {
    /// Equal lists, sequence and counts (wherever the words lie).
    fn eq(&self, other: &DocSketch) -> bool {
        self.all_words() == other.all_words() && self.counts() == other.counts()
    }
}

impl Eq for DocSketch {}

impl std::fmt::Debug for DocSketch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocSketch")
            .field("band_keys", &self.band_keys())
            .field("fingerprints", &self.fingerprints())
            .field("repeated", &self.repeated())
            .field("sequence", &self.sequence().collect::<Vec<_>>())
            .field("words", &self.words)
            .field("header_words", &self.header_words)
            .finish()
    }
}

impl DocSketch {
    /// A sketch of these lists (see the accessors), `words` words and
    /// `header_words` of them in a mail header, with no sequence yet
    /// ([`DocSketch::set_sequence`]).
    ///
    /// # Panics
    ///
    /// With more than 65,535 band keys or 2^32 fingerprints.
    pub fn new(
        band_keys: &[u64],
        fingerprints: &[u64],
        repeated: &[u64],
        words: u32,
        header_words: u32,
    ) -> DocSketch {
        let mut data = Vec::with_capacity(band_keys.len() + fingerprints.len() + repeated.len());
        data.extend_from_slice(band_keys);
        data.extend_from_slice(fingerprints);
        data.extend_from_slice(repeated);
        DocSketch {
            offset: 0,
            block: Arc::new(data.into_boxed_slice()),
            fingerprints: u32::try_from(fingerprints.len()).expect("under 2^32 fingerprints"),
            repeated: u32::try_from(repeated.len()).expect("under 2^32 repeated fingerprints"),
            entries: 0,
            words,
            header_words,
            bands: u16::try_from(band_keys.len()).expect("at most 65,535 band keys"),
            step_bits: 0,
            index_bits: 0,
        }
    }

    /// The counts that, with its words, make a sketch what it is.
    fn counts(&self) -> (u32, u32, u32, u32, u32, u16, u8, u8) {
        (
            self.fingerprints,
            self.repeated,
            self.entries,
            self.words,
            self.header_words,
            self.bands,
            self.step_bits,
            self.index_bits,
        )
    }

    /// Copies of `sketches`, in order, each equal to its original, whose
    /// words lie one after another in one block (one allocation for them
    /// all). A scan keeps its sketches so (`scan::Sketcher`): a block a
    /// chunk of documents has no allocator header a sketch, and the memory
    /// the sketching frees around the blocks is not held by small blocks
    /// among it (DESIGN.md, "Memory", "Seventh pass").
    pub fn pack(sketches: &[DocSketch]) -> Vec<DocSketch> {
        let mut words = Vec::with_capacity(sketches.iter().map(DocSketch::len).sum());
        for s in sketches {
            words.extend_from_slice(s.all_words());
        }
        let offset = |at: usize| u32::try_from(at).expect("a block of under 2^32 words");
        // Checked once here, so that each offset below fits.
        offset(words.len());
        let block = Arc::new(words.into_boxed_slice());
        let mut at = 0;
        sketches
            .iter()
            .map(|s| {
                let view = s.view(offset(at), Arc::clone(&block));
                at += s.len();
                view
            })
            .collect()
    }

    /// This sketch with its words from word `offset` of `block` (the same
    /// words).
    fn view(&self, offset: u32, block: Arc<Box<[u64]>>) -> DocSketch {
        DocSketch {
            offset,
            block,
            ..*self
        }
    }

    /// The sketch's words ([`DocSketch::len`] of them).
    #[inline]
    fn all_words(&self) -> &[u64] {
        self.words_at(0, self.len())
    }

    /// `n` of the sketch's words from word `at` (within its
    /// [`DocSketch::len`]): read straight, without the length of the rest.
    #[inline]
    fn words_at(&self, at: usize, n: usize) -> &[u64] {
        debug_assert!(at + n <= self.len());
        let start = self.offset as usize + at;
        &self.block[start..start + n]
    }

    /// The words: the lists, then the sequence's bits.
    fn len(&self) -> usize {
        let width = (self.step_bits + self.index_bits) as usize;
        self.lists_len() + (width * self.entries as usize).div_ceil(64)
    }

    /// The LSH band keys of the whole-document signature, in band order
    /// ([`crate::candidates::band_keys`]; empty for a document without
    /// words).
    #[inline]
    pub fn band_keys(&self) -> &[u64] {
        self.words_at(0, self.bands as usize)
    }

    /// Distinct passage fingerprint hashes, sorted.
    #[inline]
    pub fn fingerprints(&self) -> &[u64] {
        self.words_at(self.bands as usize, self.fingerprints as usize)
    }

    /// Fingerprint hashes selected at two or more places of this document
    /// that do not overlap: text the page repeats, typically chrome. Sorted.
    #[inline]
    pub fn repeated(&self) -> &[u64] {
        let at = self.bands as usize + self.fingerprints as usize;
        self.words_at(at, self.repeated as usize)
    }

    /// Where the sequence's bits start in `data`.
    fn lists_len(&self) -> usize {
        self.bands as usize + self.fingerprints as usize + self.repeated as usize
    }

    /// Sets the fingerprint sequence: `seq` in position order (positions
    /// never decreasing), each hash one of [`DocSketch::fingerprints`].
    ///
    /// Each entry is stored in a fixed number of bits for the document: its
    /// position's increase over the one before (the first: the position;
    /// winnowing selects a fingerprint in every window, so increases are at
    /// most the window), then the index of its hash among the sorted
    /// distinct fingerprints: 3 + 7 bits for an ordinary 400-word document
    /// with the default window of 8, instead of 16 bytes.
    ///
    /// # Panics
    ///
    /// When a position decreases or a hash is not a fingerprint.
    pub fn set_sequence(&mut self, seq: &[Fingerprint]) {
        let fps = self.fingerprints();
        let mut coded = Vec::with_capacity(seq.len());
        let (mut prev, mut max_step, mut max_index) = (0u32, 0u32, 0u32);
        for f in seq {
            assert!(f.pos >= prev, "sequence positions must not decrease");
            let i = fps
                .binary_search(&f.hash)
                .expect("a sequence hash is one of the fingerprints") as u32;
            coded.push((f.pos - prev, i));
            max_step = max_step.max(f.pos - prev);
            max_index = max_index.max(i);
            prev = f.pos;
        }
        let bits = |v: u32| (u32::BITS - v.leading_zeros()) as u8;
        let (step_bits, index_bits) = (bits(max_step), bits(max_index));
        let width = (step_bits + index_bits) as usize;
        let lists = self.lists_len();
        let mut data = Vec::with_capacity(lists + (width * coded.len()).div_ceil(64));
        data.extend_from_slice(&self.all_words()[..lists]);
        let mut bits = BitWriter::new(data);
        for (step, i) in coded {
            bits.put(step as u64 | (i as u64) << step_bits, width);
        }
        *self = DocSketch {
            offset: 0,
            block: Arc::new(bits.finish().into_boxed_slice()),
            entries: u32::try_from(seq.len()).expect("under 2^32 selected fingerprints"),
            step_bits,
            index_bits,
            ..*self
        };
        assert_eq!(self.block.len(), self.len(), "a sketch's words");
    }

    /// Every selected fingerprint in position order, decoded.
    pub fn sequence(&self) -> impl Iterator<Item = Fingerprint> + '_ {
        let fps = self.fingerprints();
        let words = &self.all_words()[self.lists_len()..];
        let (step_bits, width) = (self.step_bits, (self.step_bits + self.index_bits) as usize);
        let step_mask = (1u64 << step_bits) - 1;
        let mut pos = 0u32;
        (0..self.entries as usize).map(move |j| {
            let v = read_bits(words, j * width, width);
            pos += (v & step_mask) as u32;
            Fingerprint {
                hash: fps[(v >> step_bits) as usize],
                pos,
            }
        })
    }

    /// [`DocSketch::sequence`] into `out` (cleared first).
    pub fn sequence_into(&self, out: &mut Vec<Fingerprint>) {
        out.clear();
        out.reserve(self.entries as usize);
        out.extend(self.sequence());
    }

    /// The bytes of this sketch's words (in its own block or in one it
    /// shares, [`DocSketch::pack`]), besides itself.
    pub fn heap_bytes(&self) -> usize {
        self.len() * 8
    }
}

/// Appends values of up to 64 bits, least significant bit first, to words.
struct BitWriter {
    words: Vec<u64>,
    /// Bits used in the last word (0: a new word is needed).
    used: usize,
}

impl BitWriter {
    fn new(words: Vec<u64>) -> BitWriter {
        BitWriter { words, used: 0 }
    }

    /// Appends the low `width` bits of `v` (the others are zero).
    fn put(&mut self, v: u64, width: usize) {
        debug_assert!(width <= 64 && (width == 64 || v >> width == 0));
        if width == 0 {
            return;
        }
        if self.used == 0 {
            self.words.push(v);
        } else {
            *self.words.last_mut().expect("a word in use") |= v << self.used;
            if self.used + width > 64 {
                self.words.push(v >> (64 - self.used));
            }
        }
        self.used = (self.used + width) % 64;
    }

    fn finish(self) -> Vec<u64> {
        self.words
    }
}

/// The `width` bits (at most 64) at bit `at` of `words` ([`BitWriter`]).
#[inline]
fn read_bits(words: &[u64], at: usize, width: usize) -> u64 {
    if width == 0 {
        return 0;
    }
    let (w, sh) = (at / 64, at % 64);
    let mut v = words[w] >> sh;
    if sh + width > 64 {
        v |= words[w + 1] << (64 - sh);
    }
    if width == 64 {
        v
    } else {
        v & ((1u64 << width) - 1)
    }
}

/// Parameters of the sketch stage.
#[derive(Clone, Copy, Debug)]
pub struct SketchParams {
    /// Words per shingle.
    pub k: usize,
    /// Winnowing window, in shingles.
    pub window: usize,
    /// Signature bins.
    pub num_perm: usize,
    /// LSH bands the signature is cut into ([`DocSketch::band_keys`]).
    pub bands: usize,
    /// Rows (bins) per band.
    pub rows: usize,
}

/// Reusable buffers for sketching many documents on one thread.
#[derive(Default)]
pub struct Scratch {
    tokens: Vec<crate::normalize::Token>,
    shingles: Vec<u64>,
    fps: Vec<Fingerprint>,
    seq: Vec<Fingerprint>,
}

/// Sketches one document's text.
pub fn sketch(text: &str, p: &SketchParams, s: &mut Scratch) -> DocSketch {
    crate::normalize::tokenize(text, &mut s.tokens);
    shingle::shingles(&s.tokens, p.k, &mut s.shingles);
    winnow(&s.shingles, p.window, &mut s.fps);
    let band_keys =
        crate::candidates::band_keys(&signature(&s.shingles, p.num_perm), p.bands, p.rows);
    s.seq.clone_from(&s.fps);
    let (fingerprints, repeated) = distinct_and_repeated(&mut s.fps, p.k);
    let header_words =
        crate::normalize::words_before(&s.tokens, crate::normalize::mail_header_len(text));
    let mut sk = DocSketch::new(
        &band_keys,
        &fingerprints,
        &repeated,
        s.tokens.len() as u32,
        header_words,
    );
    sk.set_sequence(&s.seq);
    sk
}

/// The distinct hashes of `fps` and those selected at two places that do not
/// overlap (`k` words apart or more), both sorted. Reorders `fps`.
pub fn distinct_and_repeated(fps: &mut [Fingerprint], k: usize) -> (Vec<u64>, Vec<u64>) {
    if fps.windows(2).all(|w| w[0].pos < w[1].pos) {
        // Winnowing's output: a stable sort by hash is the (hash, pos) order.
        shingle::sort_by_hash(fps, |f| f.hash);
    } else {
        fps.sort_unstable_by_key(|f| (f.hash, f.pos));
    }
    let mut fingerprints = Vec::with_capacity(fps.len());
    let mut repeated = Vec::new();
    for same in fps.chunk_by(|x, y| x.hash == y.hash) {
        fingerprints.push(same[0].hash);
        if same
            .windows(2)
            .any(|w| w[1].pos as usize >= w[0].pos as usize + k)
        {
            repeated.push(same[0].hash);
        }
    }
    (fingerprints, repeated)
}

/// `n` words drawn from 50,000 by `seed` (test corpora).
#[cfg(test)]
pub(crate) fn test_words(n: usize, seed: u64) -> String {
    (0..n)
        .map(|i| format!("w{}", mix64(seed * 1_000_003 + i as u64) % 50_000))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_jaccard(a: &[u64], b: &[u64]) -> f64 {
        let a: std::collections::BTreeSet<_> = a.iter().collect();
        let b: std::collections::BTreeSet<_> = b.iter().collect();
        let inter = a.intersection(&b).count();
        let union = a.union(&b).count();
        inter as f64 / union as f64
    }

    #[test]
    fn identical_sets_identical_signatures() {
        let a: Vec<u64> = (0..300).map(mix64).collect();
        let mut b = a.clone();
        b.reverse();
        assert_eq!(signature(&a, 128), signature(&b, 128));
        assert_eq!(
            estimate_jaccard(&signature(&a, 128), &signature(&b, 128)),
            1.0
        );
    }

    #[test]
    fn densification_fills_every_bin() {
        let a: Vec<u64> = (0..5).map(mix64).collect();
        let sig = signature(&a, 128);
        assert_eq!(sig.len(), 128);
        // Every value comes from one of the 5 shingles' bins.
        let distinct: std::collections::BTreeSet<_> = sig.iter().collect();
        assert!(distinct.len() <= 5);
        assert!(signature(&[], 128).is_empty());
    }

    #[test]
    fn the_sequence_decodes_to_what_was_set() {
        // Long enough for indices and position steps past one varint byte.
        let fps: Vec<u64> = (0..300).map(|i| mix64(i) | 1).collect();
        let mut sorted = fps.clone();
        sorted.sort_unstable();
        let seq: Vec<Fingerprint> = (0..2000u32)
            .map(|i| Fingerprint {
                hash: fps[(i as usize * 7) % fps.len()],
                pos: i * i / 3,
            })
            .collect();
        let mut s = DocSketch::new(&[1, 2], &sorted, &[sorted[3]], 9, 1);
        s.set_sequence(&seq);
        assert_eq!(s.sequence().collect::<Vec<_>>(), seq);
        // The lists stay what they were.
        assert_eq!(s.band_keys(), [1, 2]);
        assert_eq!(s.fingerprints(), sorted);
        assert_eq!(s.repeated(), [sorted[3]]);
        assert_eq!((s.words, s.header_words), (9, 1));
        let mut out = vec![Fingerprint { hash: 1, pos: 1 }];
        s.sequence_into(&mut out);
        assert_eq!(out, seq);
        s.set_sequence(&[]);
        assert_eq!(s.sequence().count(), 0);
        // A sketch's sequence is its winnowed fingerprints.
        let text = "one two three four five six seven eight nine ten one two three four five six";
        let p = SketchParams {
            k: 3,
            window: 4,
            num_perm: 16,
            bands: 4,
            rows: 4,
        };
        let sk = sketch(text, &p, &mut Scratch::default());
        let mut tokens = Vec::new();
        crate::normalize::tokenize(text, &mut tokens);
        let mut sh = Vec::new();
        shingle::shingles(&tokens, 3, &mut sh);
        let mut want = Vec::new();
        winnow(&sh, 4, &mut want);
        assert_eq!(sk.sequence().collect::<Vec<_>>(), want);
        assert_eq!(
            sk.band_keys(),
            crate::candidates::band_keys(&signature(&sh, 16), 4, 4)
        );
    }

    #[test]
    fn packed_sketches_are_their_originals_in_one_block() {
        let p = SketchParams {
            k: 5,
            window: 8,
            num_perm: 64,
            bands: 16,
            rows: 4,
        };
        let mut scratch = Scratch::default();
        let mut texts: Vec<String> = (0..6).map(|i| test_words(40 + 30 * i, i as u64)).collect();
        // A document without words (an empty sketch) and one repeating itself.
        texts.push(String::new());
        texts.push(format!("{} {}", test_words(30, 9), test_words(30, 9)));
        let own: Vec<DocSketch> = texts.iter().map(|t| sketch(t, &p, &mut scratch)).collect();
        assert!(own.iter().any(|s| !s.repeated().is_empty()));
        let packed = DocSketch::pack(&own);
        assert_eq!(packed, own);
        for (a, b) in packed.iter().zip(&own) {
            assert_eq!(a.band_keys(), b.band_keys());
            assert_eq!(a.fingerprints(), b.fingerprints());
            assert_eq!(a.repeated(), b.repeated());
            assert!(a.sequence().eq(b.sequence()));
            assert_eq!((a.words, a.header_words), (b.words, b.header_words));
            assert_eq!(a.heap_bytes(), b.heap_bytes());
        }
        // One block, the words end to end, shared by every copy and clone.
        let block = &packed[0].block;
        assert_eq!(
            block.len(),
            own.iter().map(|s| s.heap_bytes() / 8).sum::<usize>()
        );
        assert!(packed.iter().all(|s| Arc::ptr_eq(&s.block, block)));
        let clone = packed[3].clone();
        assert!(Arc::ptr_eq(&clone.block, block));
        assert_eq!(Arc::strong_count(block), packed.len() + 1);
        drop(packed);
        // The clone outlives the others and still reads its words.
        assert_eq!(clone, own[3]);
        assert!(DocSketch::pack(&[]).is_empty());
        assert_eq!(
            DocSketch::pack(&[DocSketch::default()]),
            [DocSketch::default()]
        );
    }

    #[test]
    fn sequences_of_every_entry_width_decode() {
        // Widths 0 (one fingerprint at position 0), up to 38 across word
        // boundaries (a 32-bit step); the writer and reader up to 64.
        let fps: Vec<u64> = (0..70u64).map(|i| i * 3 + 1).collect();
        let one = [Fingerprint { hash: 1, pos: 0 }];
        let mut s = DocSketch::new(&[], &fps, &[], 1, 0);
        s.set_sequence(&one);
        assert_eq!(s.heap_bytes(), 70 * 8, "no bits for a zero-width entry");
        assert_eq!(s.sequence().collect::<Vec<_>>(), one);
        for step in [1u32, 2, 7, 8, 255, 1 << 20, u32::MAX / 80] {
            for n in [1usize, 2, 5, 33, 64, 70] {
                let seq: Vec<Fingerprint> = (0..3 * n as u32)
                    .map(|j| Fingerprint {
                        hash: fps[(j as usize * 11) % n],
                        pos: (j / 3) * step,
                    })
                    .collect();
                s.set_sequence(&seq);
                assert_eq!(s.sequence().collect::<Vec<_>>(), seq, "step {step}, {n}");
            }
        }
        let idx: Vec<u64> = (0..64).map(|i| 1u64 << i).collect();
        let mut sorted = idx.clone();
        sorted.sort_unstable();
        let wide = [
            Fingerprint {
                hash: idx[63],
                pos: u32::MAX - 1,
            },
            Fingerprint {
                hash: idx[0],
                pos: u32::MAX,
            },
        ];
        let mut s = DocSketch::new(&[5; 3], &sorted, &[], 0, 0);
        s.set_sequence(&wide);
        assert_eq!(s.sequence().collect::<Vec<_>>(), wide);
        // What a scan holds per document besides the block (DESIGN.md,
        // "Memory").
        assert_eq!(std::mem::size_of::<DocSketch>(), 40);
        let mut w = BitWriter::new(vec![7]);
        for (v, width) in [(u64::MAX, 64), (0, 0), (5, 3), (u64::MAX >> 1, 63), (1, 1)] {
            w.put(v, width);
        }
        let words = w.finish();
        assert_eq!(words[0], 7);
        let got: Vec<u64> = [(0, 64), (64, 3), (67, 63), (130, 1)]
            .iter()
            .map(|&(at, width)| read_bits(&words[1..], at, width))
            .collect();
        assert_eq!(got, [u64::MAX, 5, u64::MAX >> 1, 1]);
    }

    #[test]
    fn winnow_selects_window_minima() {
        let h = [5u64, 3, 8, 1, 9, 9, 2, 7];
        let mut out = Vec::new();
        winnow(&h, 3, &mut out);
        let pos: Vec<u32> = out.iter().map(|f| f.pos).collect();
        // windows: [5,3,8]->1 [3,8,1]->3 [8,1,9]->3 [1,9,9]->3 [9,9,2]->6 [9,2,7]->6
        assert_eq!(pos, vec![1, 3, 6]);
        winnow(&h[..2], 3, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].pos, 1);
    }

    #[test]
    fn winnow_ties_pick_rightmost_once_per_window() {
        let h = vec![4u64; 20];
        let mut out = Vec::new();
        winnow(&h, 5, &mut out);
        // Rightmost ties move with the window: one fingerprint per position
        // from w-1 on, but each position only once.
        let pos: Vec<u32> = out.iter().map(|f| f.pos).collect();
        assert_eq!(pos, (4..20).collect::<Vec<u32>>());
    }

    proptest::proptest! {
        #[test]
        fn estimate_tracks_exact_jaccard(
            shared in 50usize..400, only_a in 0usize..400, only_b in 0usize..400, seed in 0u64..1000
        ) {
            let base = seed << 20;
            let a: Vec<u64> = (0..shared + only_a).map(|i| mix64(base + i as u64)).collect();
            let b: Vec<u64> = (0..shared).chain(shared + only_a..shared + only_a + only_b)
                .map(|i| mix64(base + i as u64)).collect();
            let j = exact_jaccard(&a, &b);
            let est = estimate_jaccard(&signature(&a, 128), &signature(&b, 128));
            // 128 bins: standard error <= 0.045; 5 sigma with margin.
            proptest::prop_assert!((est - j).abs() < 0.23, "est {est} exact {j}");
        }

        #[test]
        fn winnow_matches_naive_window_minima(h in proptest::collection::vec(0u64..6, 0..80), w in 1usize..10) {
            let mut out = Vec::new();
            winnow(&h, w, &mut out);
            let mut naive: Vec<u32> = Vec::new();
            if !h.is_empty() {
                let w = w.min(h.len());
                for lo in 0..=h.len() - w {
                    let win = &h[lo..lo + w];
                    let m = *win.iter().min().unwrap();
                    let pos = (lo + win.iter().rposition(|&x| x == m).unwrap()) as u32;
                    if naive.last() != Some(&pos) {
                        naive.push(pos);
                    }
                }
            }
            let got: Vec<u32> = out.iter().map(|f| f.pos).collect();
            proptest::prop_assert_eq!(got, naive);
        }

        #[test]
        fn shared_run_of_w_shingles_shares_a_fingerprint(
            len_a in 0usize..200, len_b in 0usize..200, w in 1usize..16, seed in 0u64..1000
        ) {
            let run: Vec<u64> = (0..w as u64).map(|i| mix64(seed ^ (i + 1) << 40)).collect();
            let mut a: Vec<u64> = (0..len_a as u64).map(|i| mix64(seed * 7 + i)).collect();
            let mut b: Vec<u64> = (0..len_b as u64).map(|i| mix64(seed * 13 + i + 1_000_000)).collect();
            let at_a = len_a / 2;
            let at_b = len_b / 3;
            a.splice(at_a..at_a, run.iter().copied());
            b.splice(at_b..at_b, run.iter().copied());
            let (mut fa, mut fb) = (Vec::new(), Vec::new());
            winnow(&a, w, &mut fa);
            winnow(&b, w, &mut fb);
            let sa: std::collections::BTreeSet<u64> = fa.iter().map(|f| f.hash).collect();
            proptest::prop_assert!(fb.iter().any(|f| sa.contains(&f.hash) && run.contains(&f.hash)));
        }
    }
}
