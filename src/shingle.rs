//! Word k-shingles: every run of `k` consecutive words, hashed.
//!
//! Shingle `i` covers words `i..i + k`. A document with fewer than `k` words
//! (but at least one) has exactly one shingle made of all its words, so short
//! documents are comparable and do not all collide on an empty shingle; a
//! document without words has none.

use crate::normalize::Token;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Seed of the shingle hash. Changing it changes every persisted hash.
pub const SHINGLE_SEED: u64 = 0x7368_696e_676c_6531; // "shingle1"

/// The largest supported shingle size.
pub const MAX_K: usize = 16;

/// Appends the shingle hashes of `tokens` to `out` (cleared first).
///
/// The hash is xxh3 over the little-endian word hashes, so it is stable
/// across platforms and releases.
pub fn shingles(tokens: &[Token], k: usize, out: &mut Vec<u64>) {
    assert!((1..=MAX_K).contains(&k), "shingle size must be 1..={MAX_K}");
    out.clear();
    if tokens.is_empty() {
        return;
    }
    let mut buf = [0u8; 8 * MAX_K];
    if tokens.len() < k {
        out.push(hash_words(tokens, &mut buf));
        return;
    }
    out.reserve(tokens.len() - k + 1);
    // One loop per shingle size, so the word-wise xxh3's branches and
    // indices are constants.
    macro_rules! by_k {
        ($($n:literal)*) => {
            match k {
                $($n => windows::<$n>(tokens, out),)*
                _ => out.extend(tokens.windows(k).map(|w| hash_words(w, &mut buf))),
            }
        };
    }
    by_k!(3 4 5 6 7 8 9 10 11 12 13 14 15 16);
}

/// The hashes of every `K` consecutive words (`3 <= K <= MAX_K`).
fn windows<const K: usize>(tokens: &[Token], out: &mut Vec<u64>) {
    out.extend(tokens.windows(K).map(|w| {
        let w: &[Token; K] = w.try_into().expect("K words");
        xxh3_words(w)
    }));
}

/// Sorts `v` by `key`, stably: elements with equal keys keep their order.
///
/// The result is exactly that of `v.sort_by_key(key)`; the keys are hashes,
/// so their bits are spread evenly, which the two strategies rely on for
/// speed (not for correctness):
///
/// * up to [`BUCKET_MAX`] elements (a document's shingles or fingerprints):
///   one bucket pass on the top `b` bits, with `2^b >= n` buckets, then each
///   bucket (about one element) sorted on its own: two passes over the data
///   and a count array about as long as the list;
/// * longer lists (the corpus' postings): a least-significant-digit radix
///   sort, six passes of 11 bits, a pass skipped when every key has the same
///   digit there.
pub fn sort_by_hash<T: Copy>(v: &mut [T], key: impl Fn(&T) -> u64) {
    let n = v.len();
    if n < 64 {
        insertion_sort(v, &key);
    } else if n <= BUCKET_MAX {
        bucket_sort(v, &key);
    } else {
        radix_sort(v, &key);
    }
}

/// The longest list [`sort_by_hash`] sorts with one bucket pass.
pub const BUCKET_MAX: usize = 1 << 16;

/// Stable insertion sort, for short lists and buckets.
#[inline]
fn insertion_sort<T: Copy>(v: &mut [T], key: &impl Fn(&T) -> u64) {
    for i in 1..v.len() {
        let x = v[i];
        let kx = key(&x);
        let mut j = i;
        while j > 0 && key(&v[j - 1]) > kx {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

/// One stable pass into `2^b >= n` buckets on the keys' top bits, then each
/// bucket sorted by the whole key (stably, so the result is the stable sort).
fn bucket_sort<T: Copy>(v: &mut [T], key: &impl Fn(&T) -> u64) {
    let n = v.len();
    let bits = usize::BITS - (n - 1).leading_zeros(); // 2^bits >= n
    let shift = 64 - bits;
    let bucket = |x: &T| (key(x) >> shift) as usize;
    // ends[b + 1] counts bucket b, then becomes bucket b's start.
    let mut ends = vec![0u32; (1 << bits) + 1];
    for x in v.iter() {
        ends[bucket(x) + 1] += 1;
    }
    for b in 1..ends.len() {
        ends[b] += ends[b - 1];
    }
    // Every slot of `buf` is written once (the starts are the prefix sums
    // of the counts), so its initial contents do not matter.
    let mut buf: Vec<T> = v.to_vec();
    for x in v.iter() {
        let b = bucket(x);
        buf[ends[b] as usize] = *x;
        ends[b] += 1;
    }
    // Now ends[b] is bucket b's end (and bucket b + 1's start).
    let mut start = 0usize;
    for &end in &ends[..ends.len() - 1] {
        let end = end as usize;
        match end - start {
            0 | 1 => {}
            2..=32 => insertion_sort(&mut buf[start..end], key),
            // Many equal keys (a hash many documents carry) are in order
            // already; other keys alike in their top bits (not hashes) take
            // the standard library's sort.
            _ => {
                let b = &mut buf[start..end];
                if !b.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
                    b.sort_by_key(key);
                }
            }
        }
        start = end;
    }
    v.copy_from_slice(&buf);
}

/// Least-significant-digit radix sort: six passes of 11 bits, a pass skipped
/// when every key has the same digit there.
fn radix_sort<T: Copy>(v: &mut [T], key: &impl Fn(&T) -> u64) {
    const BITS: u32 = 11;
    const PASSES: usize = 64_usize.div_ceil(BITS as usize);
    const BUCKETS: usize = 1 << BITS;
    let n = v.len();
    let digit = |x: u64, pass: usize| ((x >> (pass as u32 * BITS)) as usize) & (BUCKETS - 1);
    let mut counts = vec![[0u32; BUCKETS]; PASSES];
    for x in v.iter() {
        let k = key(x);
        for (pass, c) in counts.iter_mut().enumerate() {
            c[digit(k, pass)] += 1;
        }
    }
    // Every pass writes each slot of its destination once (the offsets are
    // the prefix sums of the digit counts), so `buf`'s initial contents do
    // not matter.
    let mut buf: Vec<T> = v.to_vec();
    let mut in_buf = false;
    for (pass, c) in counts.iter_mut().enumerate() {
        if c.iter().any(|&m| m as usize == n) {
            continue;
        }
        let mut sum = 0u32;
        for m in c.iter_mut() {
            let here = *m;
            *m = sum;
            sum += here;
        }
        let (src, dst): (&[T], &mut [T]) = if in_buf {
            (&buf, &mut *v)
        } else {
            (&*v, &mut buf)
        };
        for x in src {
            let d = digit(key(x), pass);
            dst[c[d] as usize] = *x;
            c[d] += 1;
        }
        in_buf = !in_buf;
    }
    if in_buf {
        v.copy_from_slice(&buf);
    }
}

/// The number of words shingle `i` covers in a document of `n_tokens` words.
pub fn span_len(n_tokens: usize, k: usize) -> usize {
    n_tokens.min(k)
}

#[inline]
fn hash_words(words: &[Token], buf: &mut [u8; 8 * MAX_K]) -> u64 {
    if words.len() >= 3 {
        return xxh3_words(words);
    }
    for (chunk, t) in buf.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&t.hash.to_le_bytes());
    }
    xxh3_64_with_seed(&buf[..8 * words.len()], SHINGLE_SEED)
}

/// `xxh3_64_with_seed(le_bytes(words), SHINGLE_SEED)` for 3 to 16 words
/// (24 to 128 bytes, xxh3's 17-128 byte case), without building the bytes:
/// every 16-byte read of that case is two whole words, and the seeded secret
/// is a constant. `shingles_are_hashed_windows` checks it against the crate.
#[inline(always)]
fn xxh3_words(w: &[Token]) -> u64 {
    let n = w.len();
    debug_assert!((3..=MAX_K).contains(&n));
    let mix = |i: usize, chunk: usize| {
        let lo = w[i].hash ^ SEEDED_SECRET[2 * chunk];
        let hi = w[i + 1].hash ^ SEEDED_SECRET[2 * chunk + 1];
        let p = lo as u128 * hi as u128;
        (p as u64) ^ ((p >> 64) as u64)
    };
    let mut acc = ((8 * n) as u64).wrapping_mul(0x9E37_79B1_85EB_CA87);
    if n > 4 {
        if n > 8 {
            if n > 12 {
                acc = acc.wrapping_add(mix(6, 6));
                acc = acc.wrapping_add(mix(n - 8, 7));
            }
            acc = acc.wrapping_add(mix(4, 4));
            acc = acc.wrapping_add(mix(n - 6, 5));
        }
        acc = acc.wrapping_add(mix(2, 2));
        acc = acc.wrapping_add(mix(n - 4, 3));
    }
    acc = acc.wrapping_add(mix(0, 0));
    acc = acc.wrapping_add(mix(n - 2, 1));
    acc ^= acc >> 37;
    acc = acc.wrapping_mul(0x1656_6791_9E37_79F9);
    acc ^ (acc >> 32)
}

/// The first 128 bytes of xxh3's default secret as little-endian words, the
/// even ones plus [`SHINGLE_SEED`] and the odd ones minus it (what xxh3's
/// 16-byte mix XORs into its input).
const SEEDED_SECRET: [u64; 16] = {
    const SECRET: [u64; 16] = [
        0xbe4b_a423_396c_feb8,
        0x1cad_21f7_2c81_017c,
        0xdb97_9083_e96d_d4de,
        0x1f67_b3b7_a4a4_4072,
        0x78e5_c0cc_4ee6_79cb,
        0x2172_ffcc_7dd0_5a82,
        0x8e24_43f7_7446_08b8,
        0x4c26_3a81_e690_35e0,
        0xcb00_c391_bb52_283c,
        0xa32e_531b_8b65_d088,
        0x4ef9_0da2_9748_6471,
        0xd8ac_dea9_46ef_1938,
        0x3f34_9ce3_3f76_faa8,
        0x1d4f_0bc7_c7bb_dcf9,
        0x3159_b4cd_4be0_518a,
        0x6473_78d9_c97e_9fc8,
    ];
    let mut out = [0u64; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = if i % 2 == 0 {
            SECRET[i].wrapping_add(SHINGLE_SEED)
        } else {
            SECRET[i].wrapping_sub(SHINGLE_SEED)
        };
        i += 1;
    }
    out
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::tokenize;

    /// The radix sort gives exactly the standard library's stable sort, on
    /// random keys, keys with many ties, keys alike in most digits, and
    /// lengths on both sides of the small-list cutoff.
    #[test]
    fn sort_by_hash_is_a_stable_sort() {
        let mut z = 0x1234_5678_9abc_def0_u64;
        let mut next = || {
            z = crate::sketch::mix64(z);
            z
        };
        for n in [
            0usize, 1, 7, 63, 64, 65, 255, 256, 257, 1000, 5003, 40_000, 65_536, 65_537, 70_000,
        ] {
            for kind in 0..5 {
                let v: Vec<(u64, u32)> = (0..n)
                    .map(|i| {
                        let r = next();
                        let h = match kind {
                            0 => r,
                            1 => r % 97,
                            2 => (r & 0xff) << 40 | 0xdead_0000_0000_0000,
                            // a few dozen keys to a bucket
                            3 => (r >> 59) << 59 | (r % 7),
                            _ => u64::MAX - (r % 3),
                        };
                        (h, i as u32)
                    })
                    .collect();
                let mut want = v.clone();
                want.sort_by_key(|x| x.0);
                let mut got = v.clone();
                sort_by_hash(&mut got, |x| x.0);
                assert_eq!(got, want, "n {n} kind {kind}");
                let mut tuples = v;
                tuples.sort_unstable();
                assert_eq!(got, tuples, "n {n} kind {kind}");
            }
        }
    }

    /// The word-wise xxh3 is the crate's xxh3 of the bytes, at every length.
    #[test]
    fn xxh3_words_is_xxh3() {
        let mut z = 7u64;
        for n in 3..=MAX_K {
            for _ in 0..200 {
                let words: Vec<Token> = (0..n)
                    .map(|_| {
                        z = crate::sketch::mix64(z.wrapping_add(1));
                        Token {
                            start: 0,
                            end: 0,
                            hash: z,
                        }
                    })
                    .collect();
                let bytes: Vec<u8> = words.iter().flat_map(|t| t.hash.to_le_bytes()).collect();
                assert_eq!(
                    xxh3_words(&words),
                    xxh3_64_with_seed(&bytes, SHINGLE_SEED),
                    "{n}"
                );
            }
        }
    }

    fn sh(text: &str, k: usize) -> Vec<u64> {
        let mut toks = Vec::new();
        tokenize(text, &mut toks);
        let mut out = Vec::new();
        shingles(&toks, k, &mut out);
        out
    }

    #[test]
    fn counts() {
        assert_eq!(sh("a b c d e f g", 5).len(), 3);
        assert_eq!(sh("a b c d e", 5).len(), 1);
        assert_eq!(sh("a b", 5).len(), 1);
        assert!(sh("", 5).is_empty());
        assert!(sh(" ,. ", 5).is_empty());
    }

    #[test]
    fn short_documents_do_not_collide() {
        assert_ne!(sh("a b", 5), sh("c d", 5));
        assert_ne!(sh("a", 5), sh("a a", 5));
        assert_eq!(sh("A, b!", 5), sh("a b", 5));
    }

    #[test]
    fn order_matters_and_normalization_applies() {
        let x = sh("the quick brown fox jumps", 5);
        assert_ne!(x, sh("quick the brown fox jumps", 5));
        assert_eq!(x, sh("The QUICK brown, fox -- jumps!", 5));
    }

    #[test]
    fn shared_run_gives_shared_shingles() {
        let a = sh("one two three four five six seven", 3);
        let b = sh("zero one two three four five eight", 3);
        // "one two three", "two three four", "three four five"
        let common = a.iter().filter(|h| b.contains(h)).count();
        assert_eq!(common, 3);
    }
}

/// [`shingles`] and [`sort_by_hash`] against references written from their
/// docs: windows hashed as xxh3 (seeded "shingle1") over the words'
/// little-endian hashes, one shingle of every word below `k`; the standard
/// library's stable sort.
#[cfg(test)]
mod oracle {
    use super::{shingles, sort_by_hash, MAX_K};
    use crate::normalize::Token;
    use proptest::prelude::*;
    use xxhash_rust::xxh3::xxh3_64_with_seed;

    fn reference(hashes: &[u64], k: usize) -> Vec<u64> {
        let hash = |words: &[u64]| {
            let bytes: Vec<u8> = words.iter().flat_map(|h| h.to_le_bytes()).collect();
            xxh3_64_with_seed(&bytes, u64::from_be_bytes(*b"shingle1"))
        };
        if hashes.is_empty() {
            Vec::new()
        } else if hashes.len() < k {
            vec![hash(hashes)]
        } else {
            (0..=hashes.len() - k)
                .map(|i| hash(&hashes[i..i + k]))
                .collect()
        }
    }

    proptest! {
        #[test]
        fn shingles_are_hashed_windows(
            hashes in prop::collection::vec(prop_oneof![0u64..4, any::<u64>()], 0..40),
            k in 1..=MAX_K,
        ) {
            // Offsets do not enter the hash.
            let tokens: Vec<Token> = hashes
                .iter()
                .enumerate()
                .map(|(i, &hash)| Token { start: 3 * i as u32, end: 3 * i as u32 + 1, hash })
                .collect();
            let mut got = vec![7];
            shingles(&tokens, k, &mut got);
            prop_assert_eq!(got, reference(&hashes, k));
        }

        /// Keys drawn from a seeded generator (a proptest vector of
        /// hundreds of keys is slow to build in a debug test), of one kind:
        /// arbitrary, few distinct, single bits, alike but in one digit.
        #[test]
        fn sort_by_hash_is_the_stable_sort(n in 0usize..2000, seed in any::<u64>(), kind in 0u8..4) {
            let mut z = seed;
            let v: Vec<(u64, usize)> = (0..n)
                .map(|i| {
                    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
                    let r = (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                    let r = r ^ (r >> 29);
                    let k = match kind {
                        0 => r,
                        1 => r % 3,
                        2 => 1 << (r % 64),
                        _ => u64::MAX ^ ((r & 0x7ff) << (11 * (seed % 6))),
                    };
                    (k, i)
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|x| x.0);
            let mut got = v;
            sort_by_hash(&mut got, |x| x.0);
            prop_assert_eq!(got, want);
        }
    }
}
