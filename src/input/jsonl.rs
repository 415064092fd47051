//! JSON Lines input: one document per line, its text in a string field.
//!
//! Each non-blank line must be a JSON object holding the text field as a
//! string; anything else on a line (invalid JSON, another JSON value, a
//! missing or non-string text field, bytes that are not UTF-8) is an
//! [`Error::Record`] naming the file, the 1-based line and the
//! [`RecordProblem`], and the line is skipped: the rest of the file is still
//! read. Blank lines are ignored.
//! Only the text and id fields are kept; other fields are parsed and dropped
//! without being stored.
//!
//! The text is the decoded JSON string (escapes such as `\n` and `\u00e9`
//! resolved), so spans found in a record are byte offsets into
//! [`Record::text`], not into the line of the file.

use crate::error::{Error, RecordProblem};
use crate::input::Document;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// A record read from a JSONL file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The id field's value as a string: a string as is, a number, boolean,
    /// array or object as compact JSON; `None` when the field is missing
    /// or `null`.
    pub id: Option<String>,
    /// The 1-based line of the record in the file.
    pub line: u64,
    /// The text field's decoded value.
    pub text: String,
}

impl Record {
    /// The record as a document to scan: named by [`document_name`], its
    /// text unchanged (so spans are byte offsets into [`Record::text`]).
    pub fn into_document(self, path: &str) -> Document {
        Document::new(document_name(path, &self), self.text)
    }
}

/// A display name for a record: the file and the record's line,
/// `data/part-0.jsonl:17`. Unique within a run as long as file paths are.
pub fn document_name(path: &str, rec: &Record) -> String {
    format!("{path}:{}", rec.line)
}

/// A record whose id an earlier record already has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateId {
    /// The id.
    pub id: String,
    /// The record with the id again: its file and 1-based line.
    pub at: (String, u64),
    /// The first record with the id.
    pub first: (String, u64),
}

impl fmt::Display for DuplicateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: id {} is also the id of {}:{} (both records are scanned)",
            self.at.0,
            self.at.1,
            serde_json::Value::String(self.id.clone()),
            self.first.0,
            self.first.1
        )
    }
}

/// The records of `files` (each a file name and its records, in reading
/// order) whose id an earlier record has, each with the first record that
/// has it, in reading order. Records without an id are never duplicates.
pub fn duplicate_ids<'r>(
    files: impl IntoIterator<Item = (&'r str, &'r [Record])>,
) -> Vec<DuplicateId> {
    let mut first: std::collections::HashMap<&'r str, (&'r str, u64)> = Default::default();
    let mut out = Vec::new();
    for (path, records) in files {
        for r in records {
            let Some(id) = r.id.as_deref() else { continue };
            match first.entry(id) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert((path, r.line));
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    let (p, l) = *o.get();
                    out.push(DuplicateId {
                        id: id.to_string(),
                        at: (path.to_string(), r.line),
                        first: (p.to_string(), l),
                    });
                }
            }
        }
    }
    out
}

/// Reads the records of the JSONL file at `path`, taking the text from the
/// string field `text_field` and the id from `id_field`.
///
/// Returns the records in file order and the lines skipped, in file order
/// ([`Error::Record`]). The file is read one line at a time. A file that
/// cannot be opened gives one [`Error::Io`] and no records; a read error
/// part-way gives an error at the line being read, after the records before
/// it. A UTF-8 byte order mark at the start of the file is ignored, and so
/// is a `\r` before each `\n`. Texts longer than `u32::MAX` bytes are
/// refused (the scan cannot address them).
pub fn read_jsonl(path: &Path, text_field: &str, id_field: &str) -> (Vec<Record>, Vec<Error>) {
    match std::fs::File::open(path) {
        Ok(file) => read_jsonl_from(
            BufReader::with_capacity(1 << 16, file),
            path,
            text_field,
            id_field,
        ),
        Err(source) => (
            Vec::new(),
            vec![Error::Io {
                path: path.to_path_buf(),
                source,
            }],
        ),
    }
}

/// [`read_jsonl`] over any reader; `path` names the source in errors.
pub fn read_jsonl_from(
    reader: impl BufRead,
    path: &Path,
    text_field: &str,
    id_field: &str,
) -> (Vec<Record>, Vec<Error>) {
    let mut records = Vec::new();
    let errors = for_each_record(reader, path, text_field, id_field, |r, _| records.push(r));
    (records, errors)
}

/// [`read_jsonl`] one record at a time: `each` is given every record, in
/// file order, with the byte offset of its line in the file (what
/// [`read_record_at`] reads it again from); the lines skipped are returned.
pub fn for_each_record(
    mut reader: impl BufRead,
    path: &Path,
    text_field: &str,
    id_field: &str,
    mut each: impl FnMut(Record, u64),
) -> Vec<Error> {
    let mut errors = Vec::new();
    let mut offset = 0u64;
    let err = |line: u64, problem: RecordProblem| Error::Record {
        path: path.to_path_buf(),
        line,
        problem,
    };
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        line += 1;
        let at = offset;
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(n) => offset += n as u64,
            Err(e) => {
                errors.push(err(line, RecordProblem::Read(e)));
                break;
            }
        }
        match record(&buf, line, text_field, id_field) {
            Ok(Some(r)) => each(r, at),
            Ok(None) => {}
            Err(problem) => errors.push(err(line, problem)),
        }
    }
    errors
}

/// The record of line `line` (its bytes as read, with the newline), or
/// `None` for a blank line.
fn record(
    buf: &[u8],
    line: u64,
    text_field: &str,
    id_field: &str,
) -> Result<Option<Record>, RecordProblem> {
    let mut bytes = buf;
    if line == 1 {
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| RecordProblem::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    match parse_line(text, text_field, id_field)? {
        (t, _) if t.len() > u32::MAX as usize => Err(RecordProblem::TooLong {
            field: text_field.to_string(),
            bytes: t.len(),
        }),
        (text, id) => Ok(Some(Record { id, line, text })),
    }
}

/// The record of line `line` of `path`, read again from the byte offset
/// [`for_each_record`] gave for it (only that line is read and parsed).
pub fn read_record_at(
    path: &Path,
    offset: u64,
    line: u64,
    text_field: &str,
    id_field: &str,
) -> Result<Record, Error> {
    use std::io::{Seek, SeekFrom};
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    file.seek(SeekFrom::Start(offset)).map_err(io)?;
    let mut buf = Vec::new();
    BufReader::new(file)
        .read_until(b'\n', &mut buf)
        .map_err(io)?;
    let gone = || Error::Record {
        path: path.to_path_buf(),
        line,
        problem: RecordProblem::Read(std::io::Error::other("the record is no longer there")),
    };
    match record(&buf, line, text_field, id_field) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(gone()),
        Err(problem) => Err(Error::Record {
            path: path.to_path_buf(),
            line,
            problem,
        }),
    }
}

/// Parses one line: the text, and the id if present and not null.
fn parse_line(
    line: &str,
    text_field: &str,
    id_field: &str,
) -> Result<(String, Option<String>), RecordProblem> {
    let mut de = serde_json::Deserializer::from_str(line);
    let seed = Fields {
        text_field,
        id_field,
    };
    let fields = match seed.deserialize(&mut de).and_then(|f| de.end().map(|()| f)) {
        Ok(f) => f,
        // The only data errors are the visitor's: not an object.
        Err(e) if e.is_data() => return Err(RecordProblem::NotObject(without_position(&e))),
        Err(e) => {
            return Err(RecordProblem::InvalidJson {
                message: without_position(&e),
                column: e.column(),
            })
        }
    };
    let text = match fields.text {
        None => {
            return Err(RecordProblem::NoText {
                field: text_field.to_string(),
            })
        }
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(RecordProblem::TextNotString {
                field: text_field.to_string(),
                found: kind(&other),
            })
        }
    };
    let id = match fields.id {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    Ok((text, id))
}

/// A serde_json error's message without its "at line L column C" suffix.
fn without_position(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// The JSON kind of a value, with its article.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The two fields of a record; the last occurrence of a repeated key wins.
struct Found {
    text: Option<Value>,
    id: Option<Value>,
}

/// Deserializes an object keeping only the two named fields.
struct Fields<'f> {
    text_field: &'f str,
    id_field: &'f str,
}

impl<'de> DeserializeSeed<'de> for Fields<'_> {
    type Value = Found;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Found, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = Found;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found, A::Error> {
        let mut found = Found {
            text: None,
            id: None,
        };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.text_field {
                found.text = Some(map.next_value()?);
            } else if key == self.id_field {
                found.id = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Found, E> {
        Err(not_object("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Found, E> {
        Err(not_object("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Found, E> {
        Err(not_object("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Found, E> {
        Err(not_object("a number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Found, E> {
        Err(not_object("a string"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Found, E> {
        Err(not_object("null"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Found, A::Error> {
        Err(not_object("an array"))
    }
}

fn not_object<E: de::Error>(found: &str) -> E {
    E::custom(format!("not a JSON object (found {found})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records and errors of a file of `content`, errors named
    /// `part-0.jsonl`.
    fn read(content: &[u8]) -> (Vec<Record>, Vec<Error>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part-0.jsonl");
        std::fs::write(&path, content).unwrap();
        let (recs, errs) = read_jsonl(&path, "text", "id");
        let errs = errs
            .into_iter()
            .map(|e| match e {
                Error::Record {
                    path: p,
                    line,
                    problem,
                } => {
                    assert_eq!(p, path);
                    Error::Record {
                        path: "part-0.jsonl".into(),
                        line,
                        problem,
                    }
                }
                e => panic!("{e}"),
            })
            .collect();
        (recs, errs)
    }

    /// Each error's line and problem.
    fn reasons(errs: &[Error]) -> Vec<(u64, String)> {
        errs.iter()
            .map(|e| match e {
                Error::Record { line, problem, .. } => (*line, problem.to_string()),
                e => panic!("{e}"),
            })
            .collect()
    }

    #[test]
    fn reads_records_with_ids_and_line_numbers() {
        let (recs, errs) = read(
            b"{\"id\": \"doc-1\", \"text\": \"hello world\", \"meta\": {\"x\": [1, 2]}}\n\
              \n   \n\
              {\"text\": \"no id\"}\r\n\
              {\"id\": 17, \"text\": \"numeric id\"}\n\
              {\"id\": null, \"text\": \"null id\"}\n\
              {\"id\": 1.5e3, \"text\": \"\", \"id\": [1, \"a\"]}",
        );
        assert!(errs.is_empty(), "{errs:?}");
        let got: Vec<(Option<&str>, u64, &str)> = recs
            .iter()
            .map(|r| (r.id.as_deref(), r.line, r.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("doc-1"), 1, "hello world"),
                (None, 4, "no id"),
                (Some("17"), 5, "numeric id"),
                (None, 6, "null id"),
                (Some("[1,\"a\"]"), 7, ""),
            ]
        );
        assert_eq!(
            document_name("data/part-0.jsonl", &recs[2]),
            "data/part-0.jsonl:5"
        );
    }

    #[test]
    fn duplicate_ids_name_both_records_and_missing_ids_never_clash() {
        let (a, errs) = read(
            b"{\"id\": \"x\", \"text\": \"one\"}\n\
              {\"text\": \"no id\"}\n\
              {\"id\": null, \"text\": \"null id\"}\n\
              {\"id\": \"x\", \"text\": \"two\"}\n\
              {\"id\": 5, \"text\": \"five\"}\n",
        );
        assert!(errs.is_empty());
        let b = [Record {
            id: Some("5".into()),
            line: 2,
            text: "again".into(),
        }];
        let d = duplicate_ids([("a.jsonl", a.as_slice()), ("b.jsonl", b.as_slice())]);
        assert_eq!(
            d,
            [
                DuplicateId {
                    id: "x".into(),
                    at: ("a.jsonl".into(), 4),
                    first: ("a.jsonl".into(), 1),
                },
                DuplicateId {
                    id: "5".into(),
                    at: ("b.jsonl".into(), 2),
                    first: ("a.jsonl".into(), 5),
                }
            ]
        );
        assert_eq!(
            d[0].to_string(),
            "a.jsonl:4: id \"x\" is also the id of a.jsonl:1 (both records are scanned)"
        );
    }

    #[test]
    fn unicode_escapes_and_raw_unicode_are_decoded() {
        let (recs, errs) = read(
            "\u{feff}{\"text\": \"caf\\u00e9 \\ud83d\\ude00 na\u{ef}ve\\nline 2\\t\\\"q\\\"\"}\n"
                .as_bytes(),
        );
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(recs[0].text, "café 😀 naïve\nline 2\t\"q\"");
        assert_eq!(recs[0].line, 1);
    }

    #[test]
    fn each_malformed_kind_is_reported_with_its_line_and_skipped() {
        let (recs, errs) = read(
            b"{\"text\": \"ok one\"}\n\
              {\"text\": \"unterminated}\n\
              [\"text\", \"an array\"]\n\
              \"just a string\"\n\
              42\n\
              {\"body\": \"wrong field\"}\n\
              {\"text\": 12}\n\
              {\"text\": null}\n\
              {\"text\": \"caf\xe9\"}\n\
              {\"text\": \"ok two\"} trailing\n\
              {\"text\": \"\\ud800 lone surrogate\"}\n\
              {\"text\": \"ok three\", \"id\": \"x\"}\n",
        );
        let got: Vec<(u64, &str)> = recs.iter().map(|r| (r.line, r.text.as_str())).collect();
        assert_eq!(got, [(1, "ok one"), (12, "ok three")]);
        let r = reasons(&errs);
        let r: Vec<(u64, &str)> = r.iter().map(|(l, p)| (*l, p.as_str())).collect();
        assert_eq!(r.len(), 10, "{r:?}");
        assert_eq!(r[0].0, 2);
        assert!(
            r[0].1
                .starts_with("invalid JSON: EOF while parsing a string at column "),
            "{}",
            r[0].1
        );
        assert_eq!(r[1], (3, "not a JSON object (found an array)"));
        assert_eq!(r[2], (4, "not a JSON object (found a string)"));
        assert_eq!(r[3], (5, "not a JSON object (found a number)"));
        assert_eq!(r[4], (6, "no \"text\" field"));
        assert_eq!(r[5], (7, "\"text\" is not a string (found a number)"));
        assert_eq!(r[6], (8, "\"text\" is not a string (found null)"));
        assert_eq!(
            r[7],
            (
                9,
                "not valid UTF-8 (first bad byte at offset 13 of the line)"
            )
        );
        assert_eq!(r[8].0, 10);
        assert!(
            r[8].1.starts_with("invalid JSON: trailing characters"),
            "{}",
            r[8].1
        );
        assert_eq!(r[9].0, 11);
        assert!(r[9].1.starts_with("invalid JSON: "), "{}", r[9].1);
        assert_eq!(errs[4].to_string(), "part-0.jsonl:6: no \"text\" field");
    }

    #[test]
    fn other_field_names_and_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        std::fs::write(&path, "{\"content\": \"a b\", \"uid\": 7, \"text\": 1}\n").unwrap();
        let (recs, errs) = read_jsonl(&path, "content", "uid");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            recs,
            [Record {
                id: Some("7".into()),
                line: 1,
                text: "a b".into()
            }]
        );
        let (recs, errs) = read_jsonl(&dir.path().join("missing.jsonl"), "text", "id");
        assert!(recs.is_empty());
        assert_eq!(errs.len(), 1);
        assert!(matches!(errs[0], Error::Io { .. }), "{}", errs[0]);
        assert_eq!(errs[0].line(), None);
        assert!(errs[0].path().unwrap().ends_with("missing.jsonl"));
    }
}
