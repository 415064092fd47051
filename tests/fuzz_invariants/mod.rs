//! The invariants the fuzz targets check (`fuzz/fuzz_targets/*.rs`
//! include this file), so that `tests/fuzz_regressions.rs` replays saved
//! inputs through exactly the same checks in a plain `cargo test`. Each
//! function panics when an invariant fails.
#![allow(dead_code)] // each includer uses its share

use neardup::cli::settings_file::{parse, ConfigError};
use neardup::index::{Index, FORMAT_VERSION, MAGIC};
use neardup::input::jsonl::read_jsonl_from;
use neardup::normalize::{self, Token};
use serde_json::Value;
use std::path::Path;

/// The tokenizer: every token's byte range lies inside the text, on char
/// boundaries, in order and without overlap; tokens are separated only by
/// text that holds no word; re-tokenizing a token's own bytes gives one
/// token with the same hash.
pub fn tokenize(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut tokens = Vec::new();
    normalize::tokenize(&text, &mut tokens);
    let mut prev_end = 0usize;
    let mut again: Vec<Token> = Vec::new();
    for t in &tokens {
        let (s, e) = (t.start as usize, t.end as usize);
        assert!(s < e && e <= text.len(), "{t:?} outside 0..{}", text.len());
        assert!(
            text.is_char_boundary(s) && text.is_char_boundary(e),
            "{t:?}"
        );
        assert!(s >= prev_end, "{t:?} overlaps or precedes the token before");
        // What lies between two tokens holds no word of its own.
        normalize::tokenize(&text[prev_end..s], &mut again);
        assert!(
            again.is_empty(),
            "words between tokens: {:?}",
            &text[prev_end..s]
        );
        let word = &text[s..e];
        normalize::tokenize(word, &mut again);
        assert_eq!(again.len(), 1, "{word:?} re-tokenizes to {again:?}");
        assert_eq!(
            (again[0].start, again[0].end, again[0].hash),
            (0, word.len() as u32, t.hash),
            "{word:?}"
        );
        prev_end = e;
    }
    normalize::tokenize(&text[prev_end..], &mut again);
    assert!(again.is_empty(), "words after the last token");
}

/// The JSON Lines reader: never panics; every non-blank line is exactly one
/// record or one error, at its 1-based line, in order; a line that a plain
/// `serde_json::Value` parse reads as an object with a string `text` is a
/// record with that text and id (an oracle that shares no code with the
/// reader), anything else an error; every record's text round-trips
/// through JSON.
pub fn jsonl(data: &[u8]) {
    let (records, errors) = read_jsonl_from(data, Path::new("f.jsonl"), "text", "id");
    // The oracle: split on '\n' as the reader documents.
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.ends_with(b"\n") || data.is_empty() {
        lines.pop();
    }
    let (mut r, mut e) = (records.iter().peekable(), errors.iter().peekable());
    for (i, raw) in lines.iter().enumerate() {
        let n = i as u64 + 1;
        let mut bytes = *raw;
        if n == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let want = match std::str::from_utf8(bytes) {
            Err(_) => None,
            Ok(t) if t.trim().is_empty() => {
                assert!(
                    r.peek().is_none_or(|x| x.line != n),
                    "blank line {n} is a record"
                );
                assert!(
                    e.peek().is_none_or(|x| x.line() != Some(n)),
                    "blank line {n} is an error"
                );
                continue;
            }
            Ok(t) => match serde_json::from_str::<Value>(t) {
                Ok(Value::Object(m)) => match m.get("text") {
                    Some(Value::String(s)) => Some((
                        s.clone(),
                        match m.get("id") {
                            None | Some(Value::Null) => None,
                            Some(Value::String(s)) => Some(s.clone()),
                            Some(v) => Some(v.to_string()),
                        },
                    )),
                    _ => None,
                },
                _ => None,
            },
        };
        match want {
            Some((text, id)) => {
                let rec = r.next().unwrap_or_else(|| panic!("line {n}: no record"));
                assert_eq!(rec.line, n);
                assert_eq!(rec.text, text, "line {n}");
                assert_eq!(rec.id, id, "line {n}");
                let line = serde_json::json!({ "text": rec.text }).to_string();
                let (back, bad) = read_jsonl_from(line.as_bytes(), Path::new("g"), "text", "id");
                assert!(bad.is_empty(), "{bad:?}");
                assert_eq!(back[0].text, rec.text);
            }
            None => {
                let err = e.next().unwrap_or_else(|| panic!("line {n}: no error"));
                assert_eq!(err.line(), Some(n), "{err}");
                assert_eq!(err.path(), Some(Path::new("f.jsonl")));
                assert!(err.to_string().len() > "f.jsonl:1: ".len(), "{err}");
            }
        }
    }
    assert!(r.next().is_none(), "a record past the last line");
    assert!(e.next().is_none(), "an error past the last line");
}

/// The index decoder: never panics; what it accepts is a consistent index
/// (parameters valid, documents in path order, each found by its path) that
/// re-encodes to bytes decoding to the same index, a fixed point; bytes
/// neardup wrote re-encode to themselves.
///
/// The first input byte chooses the mode: even, the rest is a whole file;
/// odd, the rest is a current-version directory framed here with a correct checksum, so the
/// fuzzer reaches the directory decoder instead of the checksum test.
pub fn index(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        // A current-version prefix: the rest is the directory and sections.
        let mut b = MAGIC.to_vec();
        b.extend(FORMAT_VERSION.to_le_bytes());
        b.extend(0u32.to_le_bytes());
        b.extend((rest.len() as u64).to_le_bytes());
        b.extend(xxhash_rust::xxh3::xxh3_64(rest).to_le_bytes());
        b.extend(rest);
        b
    };
    let Ok(ix) = Index::from_bytes(&bytes) else {
        return;
    };
    ix.params()
        .validate()
        .expect("accepted parameters are valid");
    for (i, d) in ix.docs().iter().enumerate() {
        assert_eq!(ix.position(&d.path), Some(i as u32), "{}", d.path);
        if i > 0 {
            assert!(ix.docs()[i - 1].path < d.path);
        }
    }
    let again = ix.to_bytes();
    let back = Index::from_bytes(&again).expect("a re-encoded index decodes");
    assert!(back == ix, "re-encoding changed the index");
    assert_eq!(back.to_bytes(), again, "encoding is not a fixed point");
    // postcard varints have one canonical form; neardup writes it.
    if again.len() == bytes.len() {
        assert_eq!(again, bytes);
    }
}

/// The keys of neardup.toml, from the README (not from the parser).
const KEYS: &[&str] = &[
    "paths",
    "exclude",
    "include",
    "hidden",
    "no-ignore",
    "max-filesize",
    "encoding",
    "min-words",
    "shingle",
    "window",
    "num-perm",
    "lsh-threshold",
    "near-threshold",
    "min-similarity",
    "max-gap",
    "boilerplate",
    "boilerplate-df",
    "keep",
    "cluster-partial",
    "format",
    "output",
    "color",
    "index",
    "baseline",
    "fail-on",
    "jsonl",
    "jsonl-text",
    "jsonl-id",
    "threads",
    "quiet",
];

/// The settings-file parser: never panics; every error names the file and
/// a position in it is inside the text; a file with a top-level key
/// neardup does not know is refused, and those keys alone are refused with
/// a message naming one of them (in a whole file the first problem is
/// named, which may be another key's value before the unknown key).
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let got = parse(text, Path::new("neardup.toml"));
    if let Err(e) = &got {
        let msg = e.to_string();
        assert!(msg.starts_with("neardup.toml"), "{msg}");
        if let ConfigError::Parse {
            position: Some((line, col)),
            ..
        } = e
        {
            let lines: Vec<&str> = text.split('\n').collect();
            assert!(*line >= 1 && *line <= lines.len(), "{msg}");
            assert!(
                *col >= 1 && *col <= lines[line - 1].chars().count() + 1,
                "{msg}"
            );
        }
    }
    let Ok(table) = text.parse::<toml::Table>() else {
        return;
    };
    let unknown: Vec<&String> = table
        .keys()
        .filter(|k| !KEYS.contains(&k.as_str()))
        .collect();
    if unknown.is_empty() {
        return;
    }
    // Refused; the message names the first problem in the file, which may
    // be another key's value before the unknown key.
    assert!(got.is_err(), "unknown keys {unknown:?} accepted: {got:?}");
    // The unknown keys alone: the message names one of them.
    let alone: String = unknown
        .iter()
        .map(|k| {
            let quoted = serde_json::Value::String(k.to_string())
                .to_string()
                .replace('\u{7f}', "\\u007f");
            format!("{quoted} = 0\n")
        })
        .collect();
    if alone.parse::<toml::Table>().is_err() {
        return;
    }
    let msg = match parse(&alone, Path::new("neardup.toml")) {
        Ok(cfg) => panic!("unknown keys {unknown:?} accepted: {cfg:?}"),
        Err(e) => e.to_string(),
    };
    assert!(
        unknown.iter().any(|k| msg.contains(k.as_str())),
        "{msg} does not name any of {unknown:?}"
    );
}
