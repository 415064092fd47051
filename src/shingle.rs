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
    for window in tokens.windows(k) {
        out.push(hash_words(window, &mut buf));
    }
}

/// The number of words shingle `i` covers in a document of `n_tokens` words.
pub fn span_len(n_tokens: usize, k: usize) -> usize {
    n_tokens.min(k)
}

#[inline]
fn hash_words(words: &[Token], buf: &mut [u8; 8 * MAX_K]) -> u64 {
    for (chunk, t) in buf.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&t.hash.to_le_bytes());
    }
    xxh3_64_with_seed(&buf[..8 * words.len()], SHINGLE_SEED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::tokenize;

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
