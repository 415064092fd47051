//! JSON Lines corpora in the index: each record is a document.
//!
//! A record is reported as `file:line`. Its index key is `file#"id"` (the
//! id field's value as a JSON string) when it has an id that no other
//! record of its file has, so that it survives reordering; otherwise
//! `file:line`. A record is unchanged when the index has its key with the
//! same content hash (xxh3 of its text): there is no size/mtime fast path
//! per record, every JSON Lines file is read. An indexed record needed for
//! verification is found again in its file (by id, or by line) and refused
//! when its text's hash is no longer the indexed one.

use super::model::IndexedDoc;
use super::survey::{index_key, Status, Survey};
use super::view::IndexView;
use crate::error::Error;
use crate::input::jsonl::{read_jsonl, Record};
use crate::input::Document;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The index key of record `rec` of `file` ([`index_key`] of the file's
/// path); `by_id`: its id is unique in the file, and keys it.
pub fn record_key(file: &str, rec: &Record, by_id: bool) -> String {
    match (&rec.id, by_id) {
        (Some(id), true) => format!("{file}#{}", serde_json::Value::String(id.clone())),
        _ => format!("{file}:{}", rec.line),
    }
}

/// The file of a record key (the key is then found again among the file's
/// records' keys).
fn key_file(key: &str) -> Option<&str> {
    if let Some(i) = key.find("#\"") {
        serde_json::from_str::<String>(&key[i + 1..]).ok()?;
        return Some(&key[..i]);
    }
    let (file, line) = key.rsplit_once(':')?;
    line.parse::<u64>().ok()?;
    Some(file)
}

/// The ids that are unique among `records`.
fn unique_ids(records: &[Record]) -> HashMap<&str, bool> {
    let mut seen: HashMap<&str, bool> = HashMap::new();
    for r in records {
        if let Some(id) = r.id.as_deref() {
            seen.entry(id).and_modify(|u| *u = false).or_insert(true);
        }
    }
    seen
}

fn keyed(file: &str, records: &[Record]) -> Vec<String> {
    let unique = unique_ids(records);
    records
        .iter()
        .map(|r| {
            let by_id = r.id.as_deref().is_some_and(|id| unique[id]);
            record_key(file, r, by_id)
        })
        .collect()
}

/// Compares the records of the JSON Lines `files` with the index (or an
/// empty one): the JSON Lines counterpart of [`super::survey::survey`].
pub fn survey(
    files: &[PathBuf],
    index: Option<&dyn IndexView>,
    text_field: &str,
    id_field: &str,
) -> Survey {
    let per_file: Vec<_> = files
        .par_iter()
        .map(|p| read_jsonl(p, text_field, id_field))
        .collect();
    let mut out = Survey::default();
    for (path, (records, errors)) in files.iter().zip(per_file) {
        let name = path.to_string_lossy().into_owned();
        let file = index_key(&name);
        out.errors.extend(errors);
        let keys = keyed(&file, &records);
        for (rec, key) in records.into_iter().zip(keys) {
            let hash = xxhash_rust::xxh3::xxh3_64(rec.text.as_bytes());
            let size = rec.text.len() as u64;
            let known = index.and_then(|ix| ix.position(&key).map(|id| (id, ix.stat(id))));
            match known {
                Some((id, d)) if d.content_hash == hash => out.files.push(Status::Unchanged {
                    id,
                    stat: (size, (0, 0)),
                }),
                _ => out.files.push(Status::New {
                    doc: rec.into_document(&name),
                    mtime: (0, 0),
                    key,
                }),
            }
        }
    }
    out
}

/// Reads indexed records back from their files (each file read once and
/// held for the run), refusing a record whose text changed since it was
/// indexed or that is gone.
pub fn from_disk(
    text_field: String,
    id_field: String,
) -> impl Fn(&IndexedDoc) -> Result<Cow<'static, Document>, Error> + Sync {
    /// A file's records and their keys, or why it could not be opened.
    type Read = Arc<Result<(Vec<Record>, Vec<String>), Error>>;
    let cache: Mutex<HashMap<String, Read>> = Mutex::new(HashMap::new());
    move |d| {
        let invalid = |path: &str, reason: &str| Error::Invalid {
            path: PathBuf::from(path),
            reason: reason.into(),
        };
        let file =
            key_file(&d.path).ok_or_else(|| invalid(&d.path, "not a JSON Lines record key"))?;
        let read: Read = {
            let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(c.entry(file.to_string()).or_insert_with(|| {
                let (records, errors) = read_jsonl(Path::new(file), &text_field, &id_field);
                // An unreadable line is no record; an unopenable file is
                // none at all.
                Arc::new(
                    match errors.into_iter().find(|e| matches!(e, Error::Io { .. })) {
                        Some(e) => Err(e),
                        None => {
                            let keys = keyed(file, &records);
                            Ok((records, keys))
                        }
                    },
                )
            }))
        };
        let (records, keys) = match read.as_ref() {
            Ok(r) => r,
            Err(e) => return Err(again(e)),
        };
        let rec = keys
            .iter()
            .position(|k| k == &d.path)
            .map(|i| &records[i])
            .ok_or_else(|| {
                invalid(
                    &d.path,
                    "no longer in its file; run `neardup index update --jsonl`",
                )
            })?;
        if xxhash_rust::xxh3::xxh3_64(rec.text.as_bytes()) != d.content_hash {
            return Err(invalid(
                &format!("{file}:{}", rec.line),
                "changed since it was indexed; run `neardup index update --jsonl`",
            ));
        }
        Ok(Cow::Owned(rec.clone().into_document(file)))
    }
}

/// The error that made a file unreadable, for another record of it.
fn again(e: &Error) -> Error {
    match e {
        Error::Io { path, source } => Error::Io {
            path: path.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        },
        e => Error::Invalid {
            path: e.path().map(Path::to_path_buf).unwrap_or_default(),
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: Option<&str>, line: u64) -> Record {
        Record {
            id: id.map(String::from),
            line,
            text: "t".into(),
        }
    }

    #[test]
    fn keys_use_unique_ids_and_parse_back() {
        let recs = vec![
            rec(Some("a"), 1),
            rec(Some("b#\""), 2),
            rec(Some("a"), 3),
            rec(None, 4),
        ];
        let keys = keyed("d/x.jsonl", &recs);
        assert_eq!(
            keys,
            vec![
                "d/x.jsonl:1",
                "d/x.jsonl#\"b#\\\"\"",
                "d/x.jsonl:3",
                "d/x.jsonl:4"
            ]
        );
        for k in &keys {
            assert_eq!(key_file(k), Some("d/x.jsonl"), "{k}");
        }
        assert_eq!(key_file("d/x.txt"), None);
    }
}
