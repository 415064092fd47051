//! Words of the original text, normalized for comparison, with their byte
//! offsets kept so that every finding maps back to exact bytes.
//!
//! A word is a maximal run of alphanumeric characters and combining marks,
//! except that each CJK ideograph or kana is a word of its own (those scripts
//! do not separate words with spaces). Everything else (spaces, punctuation,
//! symbols) separates words and is dropped. The normalized form of a word is
//! its NFKC form, lowercased; two words compare equal when their normalized
//! forms hash equal under xxh3 with a fixed seed, a hash whose output is the
//! same on every platform and release.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Seed of the word hash. Changing it changes every persisted hash.
pub const WORD_SEED: u64 = 0x6e65_6172_6475_7031; // "neardup1"

/// A word: its half-open byte range `[start, end)` in the original text and
/// the hash of its normalized form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the word's first byte.
    pub start: u32,
    /// Byte offset one past the word's last byte.
    pub end: u32,
    /// xxh3 of the NFKC-lowercased word.
    pub hash: u64,
}

/// Appends the words of `text` to `out` (which is cleared first).
///
/// Texts longer than `u32::MAX` bytes are not supported; the input stage
/// refuses them before they get here.
pub fn tokenize(text: &str, out: &mut Vec<Token>) {
    out.clear();
    let bytes = text.as_bytes();
    debug_assert!(bytes.len() <= u32::MAX as usize);
    let mut i = 0;
    let mut scratch = String::new();
    let mut lower = [0u8; 64];
    while i < bytes.len() {
        let class = ASCII[bytes[i] as usize];
        if class == SEP {
            i += 1;
            continue;
        }
        let start = i;
        if class != NON_ASCII {
            // An ASCII word: lowercase it into `lower` while scanning.
            let mut n = 0;
            while i < bytes.len() {
                let c = ASCII[bytes[i] as usize];
                if c == SEP || c == NON_ASCII {
                    break;
                }
                if n < lower.len() {
                    lower[n] = c;
                }
                n += 1;
                i += 1;
            }
            let continues = i < bytes.len() && ASCII[bytes[i] as usize] == NON_ASCII && {
                let c = decode_at(text, i);
                is_word_char(c) && !is_own_word(c)
            };
            if !continues {
                let hash = if n <= lower.len() {
                    xxh3_64_with_seed(&lower[..n], WORD_SEED)
                } else {
                    xxh3_64_with_seed(&text[start..i].to_ascii_lowercase().into_bytes(), WORD_SEED)
                };
                out.push(Token {
                    start: start as u32,
                    end: i as u32,
                    hash,
                });
                continue;
            }
            // The word goes on with non-ASCII letters: take the general path.
        } else {
            let c = decode_at(text, i);
            if is_own_word(c) {
                let end = i + c.len_utf8();
                out.push(Token {
                    start: i as u32,
                    end: end as u32,
                    hash: hash_non_ascii(&text[i..end], &mut scratch),
                });
                i = end;
                continue;
            }
            if !is_word_char(c) {
                i += c.len_utf8();
                continue;
            }
        }
        // General path: a word with non-ASCII characters, from `start`.
        i = start;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                if !b.is_ascii_alphanumeric() {
                    break;
                }
                i += 1;
            } else {
                let c = decode_at(text, i);
                if !is_word_char(c) || is_own_word(c) {
                    break;
                }
                i += c.len_utf8();
            }
        }
        out.push(Token {
            start: start as u32,
            end: i as u32,
            hash: hash_non_ascii(&text[start..i], &mut scratch),
        });
    }
}

/// Byte classes for the ASCII fast path: the lowercase letter or digit, or
/// [`SEP`] for an ASCII separator, or [`NON_ASCII`] for a byte >= 0x80.
const SEP: u8 = 0;
const NON_ASCII: u8 = 0xFF;
static ASCII: [u8; 256] = {
    let mut t = [NON_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            SEP
        };
        b += 1;
    }
    t
};

/// The normalized form of one word, as the hash sees it. For tests and
/// diagnostics; [`tokenize`] does not allocate per word.
pub fn normalize_word(word: &str) -> String {
    word.nfkc().flat_map(char::to_lowercase).collect()
}

/// The hash of an already normalized word.
pub fn hash_normalized(word: &str) -> u64 {
    xxh3_64_with_seed(word.as_bytes(), WORD_SEED)
}

fn hash_non_ascii(word: &str, scratch: &mut String) -> u64 {
    scratch.clear();
    scratch.extend(word.nfkc().flat_map(char::to_lowercase));
    xxh3_64_with_seed(scratch.as_bytes(), WORD_SEED)
}

#[inline]
fn decode_at(text: &str, i: usize) -> char {
    // `i` is always on a char boundary: we only ever advance by whole chars.
    text[i..].chars().next().expect("char boundary inside text")
}

#[inline]
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Ideographs and kana: each is a word by itself.
#[inline]
fn is_own_word(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF        // Hiragana, Katakana
        | 0x3400..=0x4DBF      // CJK Extension A
        | 0x4E00..=0x9FFF      // CJK Unified Ideographs
        | 0xF900..=0xFAFF      // CJK Compatibility Ideographs
        | 0x20000..=0x3FFFF) // CJK Extensions B..
}

/// Field names that mark a mail header block (RFC 5322); a block needs one.
const MAIL_FIELDS: &[&str] = &[
    "received",
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "return-path",
    "delivered-to",
];

/// The byte length of a mail header block at the start of `text` (0 when
/// there is none): an optional mbox `From ` line, then at least three
/// `Name: value` fields (with folded continuation lines), among them one of
/// the usual mail fields, ended by an empty line. Such a block is metadata
/// of a message, not text it shares with another: the verify and candidate
/// stages treat it as chrome.
pub fn mail_header_len(text: &str) -> usize {
    let mut pos = 0;
    let mut fields = 0;
    let mut mail = false;
    let mut first = true;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if first && body.starts_with("From ") {
            first = false;
            pos += line.len();
            continue;
        }
        first = false;
        if body.is_empty() {
            return if fields >= 3 && mail {
                pos + line.len()
            } else {
                0
            };
        }
        if body.starts_with([' ', '\t']) {
            if fields == 0 {
                return 0;
            }
        } else {
            let Some((name, _)) = body.split_once(':') else {
                return 0;
            };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
                return 0;
            }
            fields += 1;
            mail |= MAIL_FIELDS.iter().any(|f| name.eq_ignore_ascii_case(f));
        }
        pos += line.len();
    }
    0
}

/// How many of `tokens` start inside the first `bytes` bytes.
pub fn words_before(tokens: &[Token], bytes: usize) -> u32 {
    tokens.partition_point(|t| (t.start as usize) < bytes) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_header_blocks_are_recognised_and_nothing_else() {
        let mail = "From a@b  Tue Oct  8 2002\nReturn-Path: <a@b>\nReceived: from x\n\tby y; Tue\nSubject: hi\n\nBody: not a header\n";
        let n = mail_header_len(mail);
        assert_eq!(&mail[n..], "Body: not a header\n");
        assert_eq!(
            mail_header_len("Subject: hi\nFrom: a\n\nbody"),
            0,
            "two fields"
        );
        assert_eq!(
            mail_header_len("Title: x\nAuthor: y\nTags: z\n\nbody"),
            0,
            "no mail field"
        );
        assert_eq!(
            mail_header_len("Subject: a\nFrom: b\nTo: c\nno colon here\n\n"),
            0
        );
        assert_eq!(mail_header_len("Subject: a\nFrom: b\nTo: c\n"), 0, "no end");
        assert_eq!(
            mail_header_len("An article.\n\nSubject: a\nFrom: b\nTo: c\n\n"),
            0
        );
        let mut toks = Vec::new();
        tokenize("Subject: a b\nFrom: c\nTo: d\n\nword", &mut toks);
        let n = mail_header_len("Subject: a b\nFrom: c\nTo: d\n\nword");
        assert_eq!(words_before(&toks, n), 7);
    }

    fn words(text: &str) -> Vec<&str> {
        let mut toks = Vec::new();
        tokenize(text, &mut toks);
        toks.iter()
            .map(|t| &text[t.start as usize..t.end as usize])
            .collect()
    }

    fn hashes(text: &str) -> Vec<u64> {
        let mut toks = Vec::new();
        tokenize(text, &mut toks);
        toks.iter().map(|t| t.hash).collect()
    }

    #[test]
    fn splits_on_punctuation_and_keeps_offsets() {
        assert_eq!(
            words("Hello, world! It's 2021-10-06."),
            ["Hello", "world", "It", "s", "2021", "10", "06"]
        );
        assert_eq!(words("  \n\t"), Vec::<&str>::new());
        assert_eq!(words(""), Vec::<&str>::new());
    }

    #[test]
    fn unicode_words_and_curly_quotes() {
        assert_eq!(
            words("“Taliban’s” naïve café – Zürich"),
            ["Taliban", "s", "naïve", "café", "Zürich"]
        );
        // Devanagari vowel signs are combining marks, not separators.
        assert_eq!(words("नमस्ते दुनिया"), ["नमस्ते", "दुनिया"]);
        // Each ideograph is its own word.
        assert_eq!(words("東京タワー"), ["東", "京", "タ", "ワ", "ー"]);
    }

    #[test]
    fn case_and_compatibility_forms_compare_equal() {
        assert_eq!(hashes("Hello WORLD"), hashes("hello world"));
        // Fullwidth letters and the "ﬁ" ligature normalize under NFKC.
        assert_eq!(hashes("ＡＢＣ ﬁle"), hashes("abc file"));
        // Composed and decomposed forms are the same word.
        assert_eq!(hashes("caf\u{e9}"), hashes("cafe\u{301}"));
        assert_ne!(hashes("cafe"), hashes("café"));
    }

    #[test]
    fn ascii_fast_path_agrees_with_general_path() {
        for w in [
            "abc",
            "ABC",
            "x",
            "Z9",
            &"Long".repeat(40),
            &"q".repeat(64),
            &"Q".repeat(65),
        ] {
            assert_eq!(hashes(w), vec![hash_normalized(&normalize_word(w))], "{w}");
        }
        // ASCII letters running into non-ASCII ones are one word.
        assert_eq!(words("naïve Zürich x"), ["naïve", "Zürich", "x"]);
        assert_eq!(hashes("CAFÉ"), vec![hash_normalized("café")]);
    }

    proptest::proptest! {
        #[test]
        fn tokens_match_a_naive_tokenizer(text in "[a-zA-Z0-9 ,.éÉß東\\-]{0,60}") {
            let mut toks = Vec::new();
            tokenize(&text, &mut toks);
            // Naive: split on non-word chars, each ideograph alone.
            let mut naive: Vec<(usize, usize, u64)> = Vec::new();
            let mut start: Option<usize> = None;
            for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
                let word = i < text.len() && is_word_char(c) && !is_own_word(c);
                match (start, word) {
                    (None, true) => start = Some(i),
                    (Some(st), false) => {
                        naive.push((st, i, hash_normalized(&normalize_word(&text[st..i]))));
                        start = None;
                    }
                    _ => {}
                }
                if i < text.len() && is_own_word(c) {
                    let e = i + c.len_utf8();
                    naive.push((i, e, hash_normalized(&normalize_word(&text[i..e]))));
                }
            }
            let got: Vec<(usize, usize, u64)> = toks.iter().map(|t| (t.start as usize, t.end as usize, t.hash)).collect();
            proptest::prop_assert_eq!(got, naive);
        }
    }

    #[test]
    fn hash_is_stable_across_releases() {
        // Pinned: persisted indexes depend on this value never changing.
        assert_eq!(
            hash_normalized("neardup"),
            xxh3_64_with_seed(b"neardup", WORD_SEED)
        );
        assert_eq!(hashes("NearDup"), vec![hash_normalized("neardup")]);
    }
}
