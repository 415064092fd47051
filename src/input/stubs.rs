//! Documents without their texts, packed: what a streamed scan holds of
//! every document for the whole run (DESIGN.md, "Memory").
//!
//! A [`Document`] without text and its [`Origin`] take about 136 bytes (the
//! struct, the path's own allocation, the origin); here a document whose
//! file needed no decoding and whose path names its file takes its path's
//! bytes and 24 bytes more. Decoded documents (an encoding, a note) and
//! origins other than [`Origin::Named`] (JSON Lines records, paths that are
//! not UTF-8) are kept whole, beside.

use super::{Document, Origin};

/// Documents without text, in order, each with where it is read again from.
#[derive(Clone, Debug, Default)]
pub struct Stubs {
    /// Every document's path, one after the other.
    paths: String,
    /// Where each document's path ends in `paths`.
    ends: Vec<usize>,
    /// Each file's size in bytes ([`Document::original_len`]).
    sizes: Vec<u64>,
    /// Each file's xxh3-64 ([`Document::content_hash`]).
    hashes: Vec<u64>,
    /// The documents that are not their file's bytes as they are, without
    /// text (their [`super::decode::Decoding`] says the encoding and note), by
    /// index.
    decoded: Vec<(u32, Document)>,
    /// Origins other than [`Origin::Named`], by index.
    origins: Vec<(u32, Origin)>,
}

impl Stubs {
    /// Room for `n` documents.
    pub fn with_capacity(n: usize) -> Stubs {
        Stubs {
            ends: Vec::with_capacity(n),
            sizes: Vec::with_capacity(n),
            hashes: Vec::with_capacity(n),
            ..Stubs::default()
        }
    }

    /// Appends `doc` (its text, if any, is not kept: [`Document::without_text`])
    /// read from `origin`.
    pub fn push(&mut self, doc: Document, origin: Origin) {
        let i = u32::try_from(self.ends.len()).expect("at most 2^32 documents");
        let doc = doc.without_text();
        self.paths.push_str(&doc.path);
        self.ends.push(self.paths.len());
        self.sizes.push(doc.original_len() as u64);
        self.hashes.push(doc.content_hash());
        if doc.decoding().is_some() {
            self.decoded.push((i, doc));
        }
        if origin != Origin::Named {
            self.origins.push((i, origin));
        }
    }

    /// Releases spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.paths.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.sizes.shrink_to_fit();
        self.hashes.shrink_to_fit();
        self.decoded.shrink_to_fit();
        self.origins.shrink_to_fit();
    }

    /// The number of documents.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Document `i`'s path ([`Document::path`]).
    pub fn path(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.paths[start..self.ends[i]]
    }

    /// Document `i`'s file size ([`Document::original_len`]).
    pub fn original_len(&self, i: usize) -> usize {
        self.sizes[i] as usize
    }

    /// Document `i`'s content hash ([`Document::content_hash`]).
    pub fn content_hash(&self, i: usize) -> u64 {
        self.hashes[i]
    }

    /// Where document `i` is read again from.
    pub fn origin(&self, i: usize) -> &Origin {
        match self.origins.binary_search_by_key(&(i as u32), |o| o.0) {
            Ok(at) => &self.origins[at].1,
            Err(_) => &Origin::Named,
        }
    }

    /// Document `i` without its text: what [`Document::without_text`] gave
    /// when it was pushed.
    pub fn document(&self, i: usize) -> Document {
        match self.decoded.binary_search_by_key(&(i as u32), |d| d.0) {
            Ok(at) => self.decoded[at].1.clone(),
            Err(_) => Document {
                path: self.path(i).to_string(),
                text: String::new(),
                read: super::Read::Dropped {
                    original_len: self.sizes[i],
                    content_hash: self.hashes[i],
                },
            },
        }
    }

    /// Every document without its text, in order.
    pub fn documents(&self) -> Vec<Document> {
        (0..self.len()).map(|i| self.document(i)).collect()
    }

    /// The documents that are not their file's bytes as they are (those
    /// that may carry a [`Document::note`]), in order.
    pub fn decoded(&self) -> impl Iterator<Item = &Document> {
        self.decoded.iter().map(|(_, d)| d)
    }

    /// Every origin, in order.
    pub fn origins(&self) -> Vec<Origin> {
        (0..self.len()).map(|i| self.origin(i).clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::decode;
    use std::path::PathBuf;

    #[test]
    fn stubs_give_back_the_documents_without_text_and_their_origins() {
        let latin1 = decode::encoding_for_label("latin1").unwrap();
        let (text, dec) = decode::decode(b"caf\xe9 au lait".to_vec(), Some(latin1));
        assert!(dec.is_some());
        let docs = [
            Document::new("a/one.txt", "some words here"),
            Document::decoded("b/caf\u{e9}.txt", text, dec),
            Document::new("", "a nameless text"),
            Document::new("data.jsonl:3", "a record"),
        ];
        let origins = [
            Origin::Named,
            Origin::File(PathBuf::from("b/other-name.txt")),
            Origin::Named,
            Origin::Record {
                file: std::path::Path::new("data.jsonl").into(),
                offset: 120,
                line: 3,
            },
        ];
        let mut stubs = Stubs::with_capacity(1);
        for (d, o) in docs.iter().zip(&origins) {
            stubs.push(d.clone(), o.clone());
        }
        stubs.shrink_to_fit();
        let want: Vec<Document> = docs.iter().cloned().map(Document::without_text).collect();
        assert_eq!(stubs.len(), 4);
        assert_eq!(stubs.documents(), want);
        assert_eq!(stubs.origins(), origins);
        for (i, d) in docs.iter().enumerate() {
            assert_eq!(stubs.path(i), d.path);
            assert_eq!(stubs.original_len(i), d.original_len());
            assert_eq!(stubs.content_hash(i), d.content_hash());
        }
        // The Latin-1 file is 12 bytes, its text 13 (é is two in UTF-8).
        assert_eq!((stubs.original_len(1), docs[1].text.len()), (12, 13));
        let noted: Vec<&str> = stubs.decoded().map(|d| d.path.as_str()).collect();
        assert_eq!(noted, ["b/caf\u{e9}.txt"]);
        assert!(Stubs::default().is_empty());
    }
}
