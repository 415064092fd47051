//! File bytes to text, with a map from the text's offsets back to the file's.
//!
//! Without `--encoding`, a file is read as UTF-8: a UTF-8 byte order mark is
//! dropped, a UTF-16 LE or BE byte order mark makes it UTF-16, and each byte
//! of an invalid UTF-8 sequence is read as the Windows-1252 character it
//! stands for (the usual reason a "text file" is not UTF-8 is Latin-1 or
//! Windows-1252 text; WHATWG's `windows-1252` maps every byte, so nothing is
//! lost and each invalid byte is one character). With `--encoding LABEL`
//! (any WHATWG label, [`encoding_for_label`]) every file is decoded with
//! that encoding, a byte order mark of that same encoding is dropped, and
//! malformed sequences become U+FFFD.
//!
//! The engine only ever sees the decoded text; [`OffsetMap`] takes every
//! character boundary of it back to the byte of the file where that
//! character starts, so reported spans are byte ranges of the original file.
//! A UTF-8 file without byte order mark (the common case) is its own text:
//! [`decode`] then returns no [`Decoding`] at all and costs no copy.

use encoding_rs::{DecoderResult, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

pub use encoding_rs::Encoding;

/// Offsets of a decoded text mapped back to the bytes it was decoded from.
///
/// Stored as anchors `(decoded, original)`, one wherever the difference
/// between the two offsets changes: after each character whose decoded
/// length differs from its encoded length (an invalid byte read as
/// Windows-1252, every character of a UTF-16 file but surrogate pairs), and
/// for a byte order mark. Between anchors the two advance together. A
/// Latin-1 file with a few accented letters has a few anchors; a UTF-16 file
/// has about one per character (8 bytes each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetMap {
    anchors: Vec<(u32, u32)>,
}

impl OffsetMap {
    /// The original offset of decoded offset `d` (a character boundary of
    /// the text): where that character starts in the file, or the file's
    /// length for the end of the text.
    pub fn original(&self, d: usize) -> usize {
        let i = self.anchors.partition_point(|&(ad, _)| ad as usize <= d);
        let o = match i {
            0 => d,
            _ => {
                let (ad, ao) = self.anchors[i - 1];
                ao as usize + (d - ad as usize)
            }
        };
        // Inside a character (never asked by callers): stay monotone.
        match self.anchors.get(i) {
            Some(&(_, next)) => o.min(next as usize),
            None => o,
        }
    }

    /// The decoded offset of original offset `o`, the inverse of
    /// [`OffsetMap::original`] on character boundaries.
    pub fn decoded(&self, o: usize) -> usize {
        let i = self.anchors.partition_point(|&(_, ao)| ao as usize <= o);
        let d = match i {
            0 => o,
            _ => {
                let (ad, ao) = self.anchors[i - 1];
                ad as usize + (o - ao as usize)
            }
        };
        match self.anchors.get(i) {
            Some(&(next, _)) => d.min(next as usize),
            None => d,
        }
    }

    /// Number of anchors (memory is 8 bytes each).
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the text is the file's bytes at the same offsets.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// Builds an [`OffsetMap`] one character (or run) at a time.
#[derive(Default)]
struct MapBuilder {
    anchors: Vec<(u32, u32)>,
    d: usize,
    o: usize,
}

impl MapBuilder {
    /// `d_len` decoded bytes stand for the next `o_len` original bytes.
    fn push(&mut self, d_len: usize, o_len: usize) {
        self.d += d_len;
        self.o += o_len;
        if d_len != o_len {
            // Offsets past u32 are refused by the caller (text too long).
            self.anchors.push((self.d as u32, self.o as u32));
        }
    }

    fn finish(self) -> OffsetMap {
        OffsetMap {
            anchors: self.anchors,
        }
    }
}

/// How a file's text was obtained from its bytes, when it is not simply the
/// bytes (a UTF-8 file without byte order mark has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoding {
    /// The encoding the text was decoded from.
    pub encoding: &'static Encoding,
    /// Decoded offsets back to the file's byte offsets.
    pub map: OffsetMap,
    /// The file's size in bytes.
    pub original_len: usize,
    /// xxh3-64 of the file's bytes (what the index stores).
    pub content_hash: u64,
    /// What a user should be told (a byte order mark, invalid bytes, or
    /// malformed sequences), or `None` when there is nothing to say (a file
    /// decoded cleanly with the encoding forced by `--encoding`).
    pub note: Option<String>,
}

/// The encoding a WHATWG label names (`latin1`, `windows-1252`, `utf-16le`,
/// `shift_jis`, ...; case and surrounding spaces do not matter), or an error
/// saying the label is unknown. Labels of the "replacement" encoding (which
/// decodes any input to one U+FFFD) are refused too.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, String> {
    Encoding::for_label_no_replacement(label.as_bytes()).ok_or_else(|| {
        format!(
            "unknown encoding {label:?} (a WHATWG label such as utf-8, windows-1252, latin1, \
             utf-16le, utf-16be, shift_jis, gb18030)"
        )
    })
}

/// Invalid or malformed input met while decoding: how much, and where first.
#[derive(Default)]
struct Bad {
    count: usize,
    first: Option<usize>,
}

impl Bad {
    fn add(&mut self, offset: usize, n: usize) {
        self.count += n;
        self.first.get_or_insert(offset);
    }
}

/// Decodes a file's bytes as described in the module documentation.
///
/// Returns the text and, unless the text is the bytes themselves, how it
/// was decoded. Every decoded character boundary maps back to the file.
pub fn decode(bytes: Vec<u8>, forced: Option<&'static Encoding>) -> (String, Option<Decoding>) {
    let mut map = MapBuilder::default();
    let mut bad = Bad::default();
    let (encoding, text, note) = match forced {
        None => {
            let (encoding, bom) = match Encoding::for_bom(&bytes) {
                Some((e, n)) => (e, n),
                None => (UTF_8, 0),
            };
            if encoding == UTF_8 && bom == 0 {
                match String::from_utf8(bytes) {
                    Ok(text) => return (text, None),
                    Err(e) => {
                        let bytes = e.into_bytes();
                        let text = utf8(&bytes, 0, true, &mut map, &mut bad);
                        let note = bad.first.map(|first| {
                            format!(
                                "not valid UTF-8: {} read as windows-1252 (first at offset {first})",
                                plural(bad.count, "byte")
                            )
                        });
                        return finish(bytes, encoding, text, map, note);
                    }
                }
            }
            map.push(0, bom);
            let text = if encoding == UTF_8 {
                utf8(&bytes, bom, true, &mut map, &mut bad)
            } else {
                stateful(encoding, &bytes, bom, &mut map, &mut bad)
            };
            let mut note = format!("decoded as {} (byte order mark)", encoding.name());
            if let Some(first) = bad.first {
                note.push_str(&if encoding == UTF_8 {
                    format!(
                        "; not valid UTF-8: {} read as windows-1252 (first at offset {first})",
                        plural(bad.count, "byte")
                    )
                } else {
                    format!(
                        "; {} replaced by U+FFFD (first at offset {first})",
                        plural(bad.count, "malformed sequence")
                    )
                });
            }
            (encoding, text, Some(note))
        }
        Some(encoding) => {
            let bom = match Encoding::for_bom(&bytes) {
                Some((e, n)) if e == encoding => n,
                _ => 0,
            };
            let clean = bom == 0
                && if encoding == UTF_8 {
                    std::str::from_utf8(&bytes).is_ok()
                } else {
                    encoding.is_ascii_compatible() && bytes.is_ascii()
                };
            if clean {
                // The bytes are the text (checked just above).
                return (String::from_utf8(bytes).unwrap_or_default(), None);
            }
            map.push(0, bom);
            let text = if encoding == UTF_8 {
                utf8(&bytes, bom, false, &mut map, &mut bad)
            } else if encoding.is_single_byte() {
                single_byte(encoding, &bytes, bom, &mut map, &mut bad)
            } else {
                stateful(encoding, &bytes, bom, &mut map, &mut bad)
            };
            let note = bad.first.map(|first| {
                format!(
                    "decoded as {} (--encoding): {} replaced by U+FFFD (first at offset {first})",
                    encoding.name(),
                    plural(bad.count, "malformed sequence")
                )
            });
            (encoding, text, note)
        }
    };
    finish(bytes, encoding, text, map, note)
}

fn finish(
    bytes: Vec<u8>,
    encoding: &'static Encoding,
    text: String,
    mut map: MapBuilder,
    note: Option<String>,
) -> (String, Option<Decoding>) {
    // Bytes no character accounts for (a trailing escape sequence) belong
    // to the end of the text.
    if map.o < bytes.len() {
        map.push(0, bytes.len() - map.o);
    }
    let decoding = Decoding {
        encoding,
        map: map.finish(),
        original_len: bytes.len(),
        content_hash: xxhash_rust::xxh3::xxh3_64(&bytes),
        note,
    };
    (text, Some(decoding))
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// UTF-8 from `bytes[start..]`: valid runs as they are; each byte of an
/// invalid sequence as Windows-1252 (`fallback_1252`) or each invalid
/// sequence (maximal subpart, as WHATWG counts them) as U+FFFD.
fn utf8(
    bytes: &[u8],
    start: usize,
    fallback_1252: bool,
    map: &mut MapBuilder,
    bad: &mut Bad,
) -> String {
    let mut out = String::with_capacity(bytes.len() - start + 16);
    let mut rest = &bytes[start..];
    let mut at = start;
    while !rest.is_empty() {
        let (valid, invalid) = match std::str::from_utf8(rest) {
            Ok(s) => (s, 0),
            Err(e) => {
                let n = e.valid_up_to();
                let valid = std::str::from_utf8(&rest[..n]).unwrap_or_default();
                (valid, e.error_len().unwrap_or(rest.len() - n))
            }
        };
        out.push_str(valid);
        map.push(valid.len(), valid.len());
        at += valid.len();
        if invalid > 0 {
            let seq = &rest[valid.len()..valid.len() + invalid];
            if fallback_1252 {
                for b in seq {
                    let (c, _) = WINDOWS_1252.decode_without_bom_handling(std::slice::from_ref(b));
                    out.push_str(&c);
                    map.push(c.len(), 1);
                }
                bad.add(at, invalid);
            } else {
                out.push('\u{FFFD}');
                map.push('\u{FFFD}'.len_utf8(), invalid);
                bad.add(at, 1);
            }
            at += invalid;
        }
        rest = &rest[valid.len() + invalid..];
    }
    out
}

/// A single-byte encoding: every byte is one character.
fn single_byte(
    encoding: &'static Encoding,
    bytes: &[u8],
    start: usize,
    map: &mut MapBuilder,
    bad: &mut Bad,
) -> String {
    let (text, _) = encoding.decode_without_bom_handling(&bytes[start..]);
    for (i, c) in text.chars().enumerate() {
        map.push(c.len_utf8(), 1);
        if c == '\u{FFFD}' {
            bad.add(start + i, 1);
        }
    }
    text.into_owned()
}

/// Any other encoding (UTF-16, the multi-byte legacy ones), fed one byte at
/// a time so that each character is attributed the bytes that produced it.
/// Slower than a bulk decode, but exact, and only used for such files.
fn stateful(
    encoding: &'static Encoding,
    bytes: &[u8],
    start: usize,
    map: &mut MapBuilder,
    bad: &mut Bad,
) -> String {
    let mut dec = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() - start + 16);
    // Original offset where the next character's bytes begin.
    let mut pending = start;
    let mut i = start;
    // The first character written covers [from, to); any more characters
    // from the same bytes cover nothing.
    let attribute = |written: &str, from: usize, to: usize, map: &mut MapBuilder| {
        let mut olen = to.saturating_sub(from);
        for c in written.chars() {
            map.push(c.len_utf8(), olen);
            olen = 0;
        }
    };
    // A small buffer per call: decoding into the spare capacity of `out`
    // would initialize all of it on every call (quadratic on a large file).
    let mut buf = [0u8; 64];
    loop {
        let last = i >= bytes.len();
        let src = if last { &[][..] } else { &bytes[i..i + 1] };
        let before = out.len();
        let (result, read, written) = dec.decode_to_utf8_without_replacement(src, &mut buf, last);
        // The decoder writes whole characters of valid UTF-8.
        out.push_str(std::str::from_utf8(&buf[..written]).unwrap_or("\u{FFFD}"));
        let end = i + read;
        match result {
            DecoderResult::InputEmpty => {
                if out.len() > before {
                    attribute(&out[before..], pending, end, map);
                    pending = end;
                }
                i = end;
                if last {
                    break;
                }
            }
            DecoderResult::OutputFull => {
                if out.len() > before {
                    attribute(&out[before..], pending, end, map);
                    pending = end;
                }
                i = end;
            }
            DecoderResult::Malformed(len, extra) => {
                let mal_end = end.saturating_sub(extra as usize).max(pending);
                let mal_start = mal_end.saturating_sub(len as usize).max(pending);
                if out.len() > before {
                    attribute(&out[before..], pending, mal_start, map);
                }
                out.push('\u{FFFD}');
                map.push('\u{FFFD}'.len_utf8(), mal_end - mal_start);
                bad.add(mal_start, 1);
                pending = mal_end;
                i = end;
            }
        }
    }
    out
}

/// Whether a file decoded by [`decode`] with `forced` is read through an
/// ASCII-compatible encoding, so that a NUL byte in it means binary data.
/// (A UTF-16 file is full of NUL bytes; its text is checked instead.)
pub fn ascii_compatible(bytes: &[u8], forced: Option<&'static Encoding>) -> bool {
    match forced {
        Some(e) => e.is_ascii_compatible(),
        None => !matches!(Encoding::for_bom(bytes), Some((e, _)) if e == UTF_16LE || e == UTF_16BE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(bytes: &[u8], forced: Option<&'static Encoding>) -> (String, Option<Decoding>) {
        decode(bytes.to_vec(), forced)
    }

    /// Every character boundary of the text maps to the start of the bytes
    /// that decode to that character, checked by decoding the original
    /// bytes between consecutive mapped boundaries on their own.
    fn check_boundaries(bytes: &[u8], text: &str, map: &OffsetMap, each: impl Fn(&[u8]) -> String) {
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        for w in bounds.windows(2) {
            let (o0, o1) = (map.original(w[0]), map.original(w[1]));
            assert!(o0 <= o1 && o1 <= bytes.len(), "{w:?} -> {o0}..{o1}");
            assert_eq!(each(&bytes[o0..o1]), &text[w[0]..w[1]], "char at {}", w[0]);
            assert_eq!(map.decoded(o0), w[0], "inverse of {o0}");
        }
        assert_eq!(map.original(text.len()), bytes.len());
    }

    #[test]
    fn clean_utf8_is_the_bytes_themselves() {
        let (t, d) = dec("café ☕ 𝄞".as_bytes(), None);
        assert_eq!(t, "café ☕ 𝄞");
        assert!(d.is_none());
        let (t, d) = dec(b"plain ascii", Some(WINDOWS_1252));
        assert_eq!((t.as_str(), d.is_none()), ("plain ascii", true));
        let (_, d) = dec("café".as_bytes(), Some(UTF_8));
        assert!(d.is_none());
    }

    #[test]
    fn latin1_bytes_are_windows_1252_characters() {
        let bytes = b"caf\xe9 \x93quoted\x94 ok \xe2\x82\xac end";
        let (t, d) = dec(bytes, None);
        assert_eq!(t, "café \u{201c}quoted\u{201d} ok € end");
        let d = d.unwrap();
        assert_eq!(d.encoding, UTF_8);
        assert_eq!(d.original_len, bytes.len());
        assert_eq!(d.content_hash, xxhash_rust::xxh3::xxh3_64(bytes));
        assert_eq!(
            d.note.as_deref(),
            Some("not valid UTF-8: 3 bytes read as windows-1252 (first at offset 3)")
        );
        assert_eq!(d.map.len(), 3);
        check_boundaries(bytes, &t, &d.map, |b| dec(b, None).0);
        // "quoted" starts after the 1-byte 0x93 in the file.
        let q = t.find("quoted").unwrap();
        assert_eq!(&bytes[d.map.original(q)..d.map.original(q + 6)], b"quoted");
    }

    #[test]
    fn a_truncated_sequence_is_read_byte_by_byte() {
        // E2 82 is the start of a 3-byte sequence cut short.
        let bytes = b"x \xe2\x82 y";
        let (t, d) = dec(bytes, None);
        assert_eq!(t, "x \u{e2}\u{201a} y");
        check_boundaries(bytes, &t, &d.unwrap().map, |b| dec(b, None).0);
    }

    #[test]
    fn byte_order_marks_are_honoured_and_counted() {
        let (t, d) = dec(b"\xef\xbb\xbfhello", None);
        assert_eq!(t, "hello");
        let d = d.unwrap();
        assert_eq!(
            d.note.as_deref(),
            Some("decoded as UTF-8 (byte order mark)")
        );
        assert_eq!(d.map.original(0), 3);
        assert_eq!(d.map.original(5), 8);
        assert_eq!(d.map.decoded(3), 0);

        let utf16 = |s: &str, le: bool| -> Vec<u8> {
            let mut v = if le {
                vec![0xFF, 0xFE]
            } else {
                vec![0xFE, 0xFF]
            };
            for u in s.encode_utf16() {
                v.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            v
        };
        for le in [true, false] {
            let s = "a café 𝄞 ☕\nz";
            let bytes = utf16(s, le);
            let (t, d) = dec(&bytes, None);
            assert_eq!(t, s);
            let d = d.unwrap();
            let name = if le { "UTF-16LE" } else { "UTF-16BE" };
            assert_eq!(d.note, Some(format!("decoded as {name} (byte order mark)")));
            let e = d.encoding;
            check_boundaries(&bytes, &t, &d.map, |b| {
                e.decode_without_bom_handling(b).0.into_owned()
            });
            assert_eq!(d.map.original(0), 2);
        }
    }

    #[test]
    fn malformed_utf16_is_replaced_and_counted() {
        // A lone high surrogate, then "ok", then an odd trailing byte.
        let bytes = b"\xff\xfe\x3d\xd8o\x00k\x00!";
        let (t, d) = dec(bytes, None);
        assert_eq!(t, "\u{fffd}ok\u{fffd}");
        let d = d.unwrap();
        assert_eq!(
            d.note.as_deref(),
            Some("decoded as UTF-16LE (byte order mark); 2 malformed sequences replaced by U+FFFD (first at offset 2)")
        );
        let o = t.find("ok").unwrap();
        assert_eq!(
            &bytes[d.map.original(o)..d.map.original(o + 2)],
            b"o\x00k\x00"
        );
        assert_eq!(d.map.original(t.len()), bytes.len());
    }

    #[test]
    fn a_forced_encoding_applies_to_every_byte() {
        // 0xE9 is é in Latin-1 (WHATWG: windows-1252), and a UTF-8 file's
        // bytes read as Latin-1 are mojibake, as asked.
        let (t, d) = dec(b"caf\xe9", Some(encoding_for_label("latin1").unwrap()));
        assert_eq!(t, "café");
        assert_eq!(
            d.unwrap().note,
            None,
            "a clean forced decode is not a warning"
        );
        let (t, _) = dec("é".as_bytes(), Some(WINDOWS_1252));
        assert_eq!(t, "Ã©");

        let sjis = encoding_for_label("shift_jis").unwrap();
        let (bytes, _, _) = sjis.encode("日本語 text テキスト");
        let (t, d) = dec(&bytes, Some(sjis));
        assert_eq!(t, "日本語 text テキスト");
        let d = d.unwrap();
        check_boundaries(&bytes, &t, &d.map, |b| {
            sjis.decode_without_bom_handling(b).0.into_owned()
        });
        // A lead byte followed by a space is malformed: U+FFFD, the space kept.
        let (t, d) = dec(b"a\x81 b", Some(sjis));
        assert_eq!(t, "a\u{fffd} b");
        let d = d.unwrap();
        assert_eq!(
            d.note.as_deref(),
            Some("decoded as Shift_JIS (--encoding): 1 malformed sequence replaced by U+FFFD (first at offset 1)")
        );
        let b = t.find('b').unwrap();
        assert_eq!(d.map.original(b), 3);

        // Forced UTF-8: invalid sequences are U+FFFD, not Windows-1252.
        let (t, d) = dec(b"caf\xe9!", Some(UTF_8));
        assert_eq!(t, "caf\u{fffd}!");
        assert_eq!(d.unwrap().map.original(t.len()), 5);
    }

    #[test]
    fn labels() {
        assert_eq!(encoding_for_label("latin1").unwrap(), WINDOWS_1252);
        assert_eq!(encoding_for_label(" UTF-16LE ").unwrap(), UTF_16LE);
        assert_eq!(encoding_for_label("utf8").unwrap(), UTF_8);
        let e = encoding_for_label("klingon").unwrap_err();
        assert!(e.starts_with("unknown encoding \"klingon\""), "{e}");
        assert!(encoding_for_label("iso-2022-kr").is_err(), "replacement");
    }

    #[test]
    fn nul_bytes_mean_binary_only_in_ascii_compatible_encodings() {
        assert!(ascii_compatible(b"abc", None));
        assert!(!ascii_compatible(b"\xff\xfea\x00", None));
        assert!(ascii_compatible(b"\xff\xfea\x00", Some(WINDOWS_1252)));
        assert!(!ascii_compatible(b"a\x00", Some(UTF_16LE)));
    }

    proptest! {
        /// Random text with random invalid bytes: every token boundary of
        /// the decoded text (tokens as the engine makes them) maps to the
        /// file bytes of the same characters.
        #[test]
        fn token_boundaries_land_on_the_same_characters(
            parts in proptest::collection::vec(
                prop_oneof![
                    "[a-zA-Zé日 ,.\n]{0,12}".prop_map(|s| s.into_bytes()),
                    proptest::collection::vec(0x80u8..=0xff, 1..4),
                ],
                0..24,
            ),
            bom in 0usize..3,
        ) {
            let mut bytes: Vec<u8> = match bom {
                1 => b"\xef\xbb\xbf".to_vec(),
                _ => Vec::new(),
            };
            bytes.extend(parts.concat());
            // A file that starts with a UTF-16 byte order mark is UTF-16.
            prop_assume!(!(bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff")));
            let (text, d) = decode(bytes.clone(), None);
            let map = d.as_ref().map(|d| d.map.clone()).unwrap_or_default();
            let mut toks = Vec::new();
            crate::normalize::tokenize(&text, &mut toks);
            for t in &toks {
                let (s, e) = (t.start as usize, t.end as usize);
                let (os, oe) = (map.original(s), map.original(e));
                // The original bytes of the token decode, alone, to the token
                // (unless, alone, they start like a byte order mark).
                let own = &bytes[os..oe];
                if [&b"\xff\xfe"[..], b"\xfe\xff", b"\xef\xbb\xbf"].iter().any(|m| own.starts_with(m)) {
                    continue;
                }
                let (alone, _) = decode(own.to_vec(), None);
                prop_assert_eq!(alone.as_str(), &text[s..e]);
                prop_assert_eq!(map.decoded(os), s);
                prop_assert_eq!(map.decoded(oe), e);
            }
            prop_assert_eq!(map.original(text.len()), bytes.len());
        }
    }
}
