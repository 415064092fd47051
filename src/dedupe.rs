//! The dedupe decision as data: from a report, which documents to drop,
//! which kept document absorbed which copies, and (for `--what partial`)
//! which byte ranges to strip from which document; plus the byte-level
//! edits that apply it (stripping ranges, rewriting one JSON Lines field,
//! annotating a record) without touching any other byte.
//!
//! The decision is the report's: a cluster's `drop` documents are dropped
//! whole and its `keep` document is kept. With [`What::Partial`], every
//! flagged pair whose documents are both kept has its non-boilerplate spans
//! removed from the *later* copy, `b` (the second by path): the first by
//! path of any set of documents sharing a passage keeps it, so each passage
//! stays in the output once.

use crate::report::Report;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// Why an edit of a file or a JSON Lines record cannot be made: the report
/// does not describe this input, or the record is not what it should be.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// A range ends past the end of the text.
    #[error("span {start}..{end} is past the end ({len} bytes)")]
    PastEnd {
        /// First byte of the range.
        start: usize,
        /// One past its last byte.
        end: usize,
        /// The text's length.
        len: usize,
    },
    /// A range cuts a character of the text.
    #[error("span {start}..{end} does not fall on characters")]
    NotOnCharacters {
        /// First byte of the range.
        start: usize,
        /// One past its last byte.
        end: usize,
    },
    /// The record is not valid JSON.
    #[error("invalid JSON: {0}")]
    InvalidJson(serde_json::Error),
    /// The record has no such top-level field.
    #[error("no {0:?} field")]
    NoField(String),
    /// The field is not a string.
    #[error("{0:?} is not a string")]
    NotAString(String),
    /// The record is not a JSON object.
    #[error("not a JSON object")]
    NotAnObject,
    /// The edited text is not UTF-8.
    #[error("{0}")]
    NotUtf8(#[from] std::string::FromUtf8Error),
}

/// What `dedupe` removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    /// Near duplicates: the clusters' drop documents.
    Near,
    /// Near duplicates, and the repeated spans of partial copies.
    Partial,
}

/// The decision of a dedupe pass over one report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Documents to drop whole, sorted, each once.
    pub drop: Vec<String>,
    /// Each cluster's kept document: its cluster (the position in the
    /// report's `clusters`) and the documents it absorbed (its drops).
    pub keepers: BTreeMap<String, (usize, Vec<String>)>,
    /// Kept documents to strip, with the byte ranges to remove (the
    /// report's offsets: into the file, or a record's text), sorted and
    /// disjoint. Empty unless [`What::Partial`].
    pub strip: BTreeMap<String, Vec<Range<usize>>>,
}

/// Decides what a dedupe pass removes, from `report` alone.
pub fn plan(report: &Report, what: What) -> Plan {
    let mut drop = BTreeSet::new();
    let mut keepers = BTreeMap::new();
    for (i, c) in report.clusters.iter().enumerate() {
        drop.extend(c.drop.iter().cloned());
        keepers.insert(c.keep.clone(), (i, c.drop.clone()));
    }
    let mut strip: BTreeMap<String, Vec<Range<usize>>> = BTreeMap::new();
    if what == What::Partial {
        for p in &report.pairs {
            if drop.contains(&p.a) || drop.contains(&p.b) {
                continue;
            }
            // `a` is before `b` by path: `b` is the later copy.
            let later = if p.a <= p.b { &p.b } else { &p.a };
            let ranges = p
                .spans
                .iter()
                .filter(|s| !s.boilerplate)
                .map(|s| if later == &p.b { &s.b } else { &s.a })
                .map(|l| l.start..l.end);
            strip.entry(later.clone()).or_default().extend(ranges);
        }
        for v in strip.values_mut() {
            *v = merge(std::mem::take(v));
        }
        strip.retain(|_, v| !v.is_empty());
    }
    Plan {
        drop: drop.into_iter().collect(),
        keepers,
        strip,
    }
}

/// Sorted, disjoint ranges covering exactly the bytes of `ranges`
/// (overlapping and touching ranges merged, empty ones dropped).
pub fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.retain(|r| r.start < r.end);
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// `bytes` with each of `ranges` (sorted, disjoint, within `bytes`)
/// replaced by `marker`; every other byte as it was.
pub fn strip(bytes: &[u8], ranges: &[Range<usize>], marker: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for r in ranges {
        out.extend_from_slice(&bytes[at..r.start]);
        out.extend_from_slice(marker);
        at = r.end;
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

/// Why `ranges` cannot be stripped from a text of `len` bytes (`text`, when
/// it must fall on character boundaries), if they cannot: the report does
/// not describe this input.
pub fn check_ranges(
    ranges: &[Range<usize>],
    len: usize,
    text: Option<&str>,
) -> Result<(), EditError> {
    for r in ranges {
        let (start, end) = (r.start, r.end);
        if end > len {
            return Err(EditError::PastEnd { start, end, len });
        }
        if let Some(t) = text {
            if !t.is_char_boundary(start) || !t.is_char_boundary(end) {
                return Err(EditError::NotOnCharacters { start, end });
            }
        }
    }
    Ok(())
}

/// The file and 1-based line of a JSON Lines document name (`file:line`).
pub fn record_name(name: &str) -> Option<(&str, u64)> {
    let (file, line) = name.rsplit_once(':')?;
    Some((file, line.parse().ok()?))
}

/// The lines of a JSON Lines file as the reader numbers them: each with its
/// 1-based number and its bytes, line terminator included (a UTF-8 byte
/// order mark at the very start is not part of line 1).
pub fn lines(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rest = bytes;
    let mut n = 0u64;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let (line, tail) = rest.split_at(end);
        rest = tail;
        n += 1;
        Some((n, line))
    })
}

/// A line without its terminator (`\n` or `\r\n`), and the terminator.
pub fn split_terminator(line: &[u8]) -> (&[u8], &[u8]) {
    if let Some(body) = line.strip_suffix(b"\r\n") {
        (body, &line[body.len()..])
    } else if let Some(body) = line.strip_suffix(b"\n") {
        (body, &line[body.len()..])
    } else {
        (line, &[])
    }
}

/// The byte range, in `line` (a JSON object), of the value of its top-level
/// field `field` as written (quotes and escapes included).
pub fn field_range(line: &str, field: &str) -> Result<Range<usize>, EditError> {
    let map: BTreeMap<String, &RawValue> =
        serde_json::from_str(line).map_err(EditError::InvalidJson)?;
    let raw = map
        .get(field)
        .ok_or_else(|| EditError::NoField(field.to_string()))?
        .get();
    let start = raw.as_ptr() as usize - line.as_ptr() as usize;
    Ok(start..start + raw.len())
}

/// The value of the top-level field `field` of the JSON object `line` as a
/// name: a string as is, other JSON compactly; `None` when absent or null.
pub fn field_value(line: &str, field: &str) -> Option<String> {
    let map: BTreeMap<String, serde_json::Value> = serde_json::from_str(line).ok()?;
    match map.get(field)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        v => Some(v.to_string()),
    }
}

/// `line` (a JSON object whose field `field` is a string) with that string
/// replaced by `edit` of its decoded value; every other byte unchanged.
pub fn rewrite_field(
    line: &str,
    field: &str,
    edit: impl FnOnce(&str) -> Result<String, EditError>,
) -> Result<String, EditError> {
    let r = field_range(line, field)?;
    let text: String = serde_json::from_str(&line[r.clone()])
        .map_err(|_| EditError::NotAString(field.to_string()))?;
    let new = serde_json::Value::from(edit(&text)?).to_string();
    Ok(format!("{}{new}{}", &line[..r.start], &line[r.end..]))
}

/// `line` (a JSON object) with two fields added at its end:
/// `"neardup_cluster": cluster` and `"neardup_absorbed": [absorbed...]`.
/// Every byte before the closing brace is unchanged.
pub fn annotate(line: &str, cluster: usize, absorbed: &[String]) -> Result<String, EditError> {
    let trimmed = line.trim_end();
    let body = trimmed.strip_suffix('}').ok_or(EditError::NotAnObject)?;
    let empty = body.trim_start().strip_prefix('{').map(str::trim) == Some("");
    // Compact JSON, as `serde_json::to_string` writes it (a `Value`'s
    // `Display` cannot fail).
    let absorbed = serde_json::Value::from(absorbed.to_vec()).to_string();
    Ok(format!(
        "{body}{}\"neardup_cluster\":{cluster},\"neardup_absorbed\":{absorbed}}}{}",
        if empty { "" } else { "," },
        &line[trimmed.len()..]
    ))
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    #[test]
    fn merge_joins_overlaps_and_keeps_gaps() {
        assert_eq!(
            merge(vec![5..9, 0..3, 2..4, 9..10, 7..7]),
            vec![0..4, 5..10]
        );
        assert_eq!(merge(vec![]), Vec::<Range<usize>>::new());
    }

    #[test]
    fn strip_removes_only_the_ranges() {
        assert_eq!(strip(b"abcdefgh", &[1..3, 5..6], b""), b"adegh");
        assert_eq!(strip(b"abcdefgh", &[0..8], b"[x]"), b"[x]");
        assert_eq!(strip(b"abc", &[], b"-"), b"abc");
    }

    #[test]
    fn lines_number_as_the_reader_does() {
        let v: Vec<_> = lines(b"\xEF\xBB\xBFa\n\nb\r\nc").collect();
        assert_eq!(
            v,
            vec![(1, &b"a\n"[..]), (2, b"\n"), (3, b"b\r\n"), (4, b"c")]
        );
        assert_eq!(split_terminator(b"b\r\n"), (&b"b"[..], &b"\r\n"[..]));
        assert_eq!(split_terminator(b"c"), (&b"c"[..], &b""[..]));
    }

    #[test]
    fn rewriting_a_field_keeps_every_other_byte() {
        let line = r#"{ "z": 1, "text" : "ab\u00e9cd", "id":"x"}"#;
        let out = rewrite_field(line, "text", |t| {
            assert_eq!(t, "abécd");
            Ok(t.replace('é', ""))
        })
        .unwrap();
        assert_eq!(out, r#"{ "z": 1, "text" : "abcd", "id":"x"}"#);
        let err = |field| rewrite_field(line, field, |t| Ok(t.into())).unwrap_err();
        assert_eq!(err("body").to_string(), "no \"body\" field");
        assert_eq!(err("z").to_string(), "\"z\" is not a string");
        let bad = rewrite_field("{\"text\": ", "text", |t| Ok(t.into())).unwrap_err();
        assert!(matches!(bad, EditError::InvalidJson(_)), "{bad:?}");
        assert!(bad.to_string().starts_with("invalid JSON: "));
        // The edit's own error comes back as it is.
        let e = rewrite_field(line, "text", |_| Err(EditError::NotAnObject)).unwrap_err();
        assert!(matches!(e, EditError::NotAnObject));
        assert_eq!(field_value(line, "id").as_deref(), Some("x"));
        assert_eq!(field_value(line, "z").as_deref(), Some("1"));
        assert_eq!(field_value(line, "q"), None);
    }

    #[test]
    fn annotate_appends_fields() {
        let out = annotate("{\"id\": 1}\n", 3, &["a".into(), "b".into()]).unwrap();
        assert_eq!(
            out,
            "{\"id\": 1,\"neardup_cluster\":3,\"neardup_absorbed\":[\"a\",\"b\"]}\n"
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["neardup_absorbed"][1], "b");
        assert_eq!(
            annotate("{}", 0, &[]).unwrap(),
            "{\"neardup_cluster\":0,\"neardup_absorbed\":[]}"
        );
        // Absorbed ids are escaped as JSON strings.
        assert_eq!(
            annotate("{}", 1, &["a\"b\\\n".into()]).unwrap(),
            r#"{"neardup_cluster":1,"neardup_absorbed":["a\"b\\\n"]}"#
        );
        assert_eq!(
            annotate("[1]", 0, &[]).unwrap_err().to_string(),
            "not a JSON object"
        );
    }

    #[test]
    fn record_names_split_at_the_last_colon() {
        assert_eq!(record_name("a:b.jsonl:17"), Some(("a:b.jsonl", 17)));
        assert_eq!(record_name("a.txt"), None);
    }

    #[test]
    fn ranges_are_checked_against_the_text() {
        assert!(check_ranges(&[0..3], 3, None).is_ok());
        assert_eq!(
            check_ranges(&[0..4], 3, None).unwrap_err().to_string(),
            "span 0..4 is past the end (3 bytes)"
        );
        assert_eq!(
            check_ranges(&[0..1], 2, Some("é")).unwrap_err().to_string(),
            "span 0..1 does not fall on characters"
        );
    }
}
