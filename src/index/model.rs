//! The index in memory: documents ordered by path, each with what a check
//! needs to propose candidates without its text.

use super::params::{IndexParams, InvalidParams};
use super::stamp::settled_mtime;
use crate::sketch::DocSketch;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::SystemTime;
use xxhash_rust::xxh3::xxh3_64;

/// The most documents an index holds: their ids are `u32`.
pub const MAX_DOCUMENTS: usize = u32::MAX as usize - 1;

/// Why a document cannot go into an index.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnfitDocument {
    /// Band keys for another banding.
    #[error("{}: {found} band keys for {bands} bands", path.display())]
    BandKeys {
        /// The document.
        path: PathBuf,
        /// Its band keys.
        found: usize,
        /// The index's bands.
        bands: usize,
    },
    /// An mtime with a billion nanoseconds or more.
    #[error("{}: mtime nanoseconds out of range", path.display())]
    Mtime {
        /// The document.
        path: PathBuf,
    },
    /// Fingerprints out of order or repeated.
    #[error("{}: {list} not sorted", path.display())]
    Unsorted {
        /// The document.
        path: PathBuf,
        /// Which list.
        list: &'static str,
    },
    /// The index already holds [`MAX_DOCUMENTS`].
    #[error("an index holds at most {MAX_DOCUMENTS} documents")]
    Full,
}

/// One indexed document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedDoc {
    /// The document's path, as the input stage names it (the sort key).
    pub path: String,
    /// xxh3-64 of the file bytes.
    #[serde(with = "super::format::fixed_u64")]
    pub content_hash: u64,
    /// File size in bytes.
    pub size: u64,
    /// Modification time (seconds, nanoseconds since the Unix epoch); `(0,
    /// 0)` when unknown or too recent to trust (see [`settled_mtime`]).
    pub mtime: (i64, u32),
    /// Number of words.
    pub words: u32,
    /// LSH band keys ([`crate::candidates::band_keys`]), one per band; empty for a document
    /// without words.
    #[serde(with = "super::format::u64_array")]
    pub band_keys: Vec<u64>,
    /// Distinct passage fingerprints, sorted.
    #[serde(with = "super::format::u64_array")]
    pub fingerprints: Vec<u64>,
    /// Fingerprints this document repeats at places that do not overlap
    /// (chrome), sorted.
    #[serde(with = "super::format::u64_array")]
    pub repeated: Vec<u64>,
}

impl IndexedDoc {
    /// The entry for a document: `content` is the file's bytes (hashed here;
    /// its length is the size), `mtime` the file's mtime
    /// ([`mtime_of`](super::mtime_of),
    /// taken before reading), `sketch` its sketch under `params`. The mtime is
    /// stored only once settled (see [`settled_mtime`]).
    pub fn new(
        path: impl Into<String>,
        content: &[u8],
        mtime: (i64, u32),
        sketch: &DocSketch,
        params: &IndexParams,
    ) -> IndexedDoc {
        debug_assert!(
            sketch.band_keys().is_empty() || sketch.band_keys().len() == params.bands,
            "a sketch banded with other parameters"
        );
        IndexedDoc {
            path: path.into(),
            content_hash: xxh3_64(content),
            size: content.len() as u64,
            mtime: settled_mtime(mtime, SystemTime::now()),
            words: sketch.words,
            band_keys: sketch.band_keys().to_vec(),
            fingerprints: sketch.fingerprints().to_vec(),
            repeated: sketch.repeated().to_vec(),
        }
    }

    /// The stat fast path: whether a file of `size` bytes modified at `mtime`
    /// can be taken as unchanged without reading it. False whenever the
    /// stored mtime is unknown.
    pub fn unchanged(&self, size: u64, mtime: (i64, u32)) -> bool {
        self.mtime != (0, 0) && self.mtime == mtime && self.size == size
    }

    /// Whether this document can be in an index with `params`: one band
    /// key per band (or none), an mtime of valid nanoseconds, fingerprints
    /// sorted and distinct. Else it could not be loaded back.
    pub fn fits(&self, params: &IndexParams) -> Result<(), UnfitDocument> {
        let path = || PathBuf::from(&self.path);
        if !self.band_keys.is_empty() && self.band_keys.len() != params.bands {
            return Err(UnfitDocument::BandKeys {
                path: path(),
                found: self.band_keys.len(),
                bands: params.bands,
            });
        }
        if self.mtime.1 >= 1_000_000_000 {
            return Err(UnfitDocument::Mtime { path: path() });
        }
        for (list, v) in [
            ("fingerprints", &self.fingerprints),
            ("repeated fingerprints", &self.repeated),
        ] {
            if !v.windows(2).all(|w| w[0] < w[1]) {
                return Err(UnfitDocument::Unsorted { path: path(), list });
            }
        }
        Ok(())
    }
}

/// The corpus index: documents ordered by path.
///
/// Document ids (`u32`) are positions in [`Index::docs`]; they change when
/// the index is modified.
#[derive(Clone)]
pub struct Index {
    pub(super) params: IndexParams,
    /// Sorted by path, each path once, at most [`MAX_DOCUMENTS`].
    pub(super) docs: Vec<IndexedDoc>,
    /// The neardup version that wrote a loaded index.
    pub(super) written_by: Option<String>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("params", &self.params)
            .field("docs", &self.docs.len())
            .field("written_by", &self.written_by)
            .finish_non_exhaustive()
    }
}

/// Equal parameters and documents (the writer version is not compared).
impl PartialEq for Index {
    fn eq(&self, other: &Index) -> bool {
        self.params == other.params && self.docs == other.docs
    }
}

impl Index {
    /// An empty index, unless `params` are invalid
    /// ([`IndexParams::validate`]).
    pub fn new(params: IndexParams) -> Result<Index, InvalidParams> {
        params.validate()?;
        Ok(Index {
            params,
            docs: Vec::new(),
            written_by: None,
        })
    }

    /// The parameters the index was built with.
    pub fn params(&self) -> &IndexParams {
        &self.params
    }

    /// The documents, ordered by path, each path once.
    pub fn docs(&self) -> &[IndexedDoc] {
        &self.docs
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there are no documents.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The neardup version that wrote the file this index was loaded from.
    pub fn written_by(&self) -> Option<&str> {
        self.written_by.as_deref()
    }

    /// The document at `path`.
    pub fn get(&self, path: &str) -> Option<&IndexedDoc> {
        self.position(path).map(|i| &self.docs[i as usize])
    }

    /// The id of the document at `path`.
    pub fn position(&self, path: &str) -> Option<u32> {
        self.docs
            .binary_search_by(|d| d.path.as_str().cmp(path))
            .ok()
            .map(|i| i as u32)
    }

    /// Replaces the document with the same path, or inserts it in path
    /// order. Refuses a document that does not fit the parameters
    /// ([`IndexedDoc::fits`]: it could not be loaded back), and a new one
    /// when the index holds [`MAX_DOCUMENTS`]; the index is then unchanged.
    pub fn upsert(&mut self, doc: IndexedDoc) -> Result<(), UnfitDocument> {
        doc.fits(&self.params)?;
        match self
            .docs
            .binary_search_by(|d| d.path.as_str().cmp(&doc.path))
        {
            Ok(i) => self.docs[i] = doc,
            Err(_) if self.docs.len() >= MAX_DOCUMENTS => return Err(UnfitDocument::Full),
            Err(i) => self.docs.insert(i, doc),
        }
        Ok(())
    }

    /// [`Index::upsert`] for many documents at once, in `O(n log n)` rather
    /// than a shift per insert; a later document replaces an earlier one of
    /// the same path. When one of them is refused, none is added.
    pub fn upsert_many(
        &mut self,
        docs: impl IntoIterator<Item = IndexedDoc>,
    ) -> Result<(), UnfitDocument> {
        let docs: Vec<IndexedDoc> = docs.into_iter().collect();
        for d in &docs {
            d.fits(&self.params)?;
        }
        if docs.is_empty() {
            return Ok(());
        }
        // Counted before replacements: a bound, not the final size.
        if self.docs.len().saturating_add(docs.len()) > MAX_DOCUMENTS {
            return Err(UnfitDocument::Full);
        }
        self.docs.extend(docs);
        // Stable, so among equal paths the later (newer) comes last; the
        // existing part is one sorted run, which the sort detects.
        self.docs.sort_by(|a, b| a.path.cmp(&b.path));
        self.docs.dedup_by(|later, kept| {
            let same = later.path == kept.path;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        Ok(())
    }

    /// Keeps the documents whose path `keep` accepts (deleted files drop
    /// out on update).
    pub fn retain_paths(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.docs.retain(|d| keep(&d.path));
    }

    /// Records a newer mtime for an unchanged document (same content hash,
    /// new stat), settled as in [`IndexedDoc::new`]. Returns whether the path
    /// is indexed. Lookups are not invalidated.
    pub fn refresh_stat(&mut self, path: &str, size: u64, mtime: (i64, u32)) -> bool {
        match self.position(path) {
            Some(i) => {
                let d = &mut self.docs[i as usize];
                d.size = size;
                d.mtime = settled_mtime(mtime, SystemTime::now());
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidates::{self, band_keys};
    use crate::index::stamp::stamp;
    use crate::index::testing::{params, synth, words};
    use crate::sketch::{mix64, Scratch};

    #[test]
    fn upsert_and_retain_keep_path_order() {
        let p = params();
        let mut ix = Index::new(p).unwrap();
        for (i, name) in ["m", "c", "x", "a", "q"].iter().enumerate() {
            ix.upsert(synth(name, i as u64, 20, &p)).unwrap();
        }
        let paths = |ix: &Index| ix.docs().iter().map(|d| d.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&ix), ["a", "c", "m", "q", "x"]);
        assert_eq!(ix.get("m"), Some(&synth("m", 0, 20, &p)));
        assert_eq!(ix.position("q"), Some(3));
        assert_eq!(ix.get("b"), None);

        // Replace "m"; positions shift on insert of "b".
        let mut m2 = synth("m", 10, 20, &p);
        let fa = ix.get("a").unwrap().fingerprints[0];
        m2.fingerprints.push(fa);
        m2.fingerprints.sort_unstable();
        ix.upsert(m2.clone()).unwrap();
        assert_eq!(ix.len(), 5);
        assert_eq!(ix.get("m"), Some(&m2));
        ix.upsert(synth("b", 11, 20, &p)).unwrap();
        assert_eq!(paths(&ix), ["a", "b", "c", "m", "q", "x"]);
        assert_eq!(ix.position("m"), Some(3));

        ix.retain_paths(|path| path != "a" && path != "q");
        assert_eq!(paths(&ix), ["b", "c", "m", "x"]);
        assert_eq!((ix.position("a"), ix.position("m")), (None, Some(2)));

        // upsert_many: sorted, later of equal paths wins.
        ix.upsert_many([
            synth("z", 20, 5, &p),
            synth("c", 21, 5, &p),
            synth("a", 22, 5, &p),
            synth("c", 23, 5, &p),
        ])
        .unwrap();
        assert_eq!(paths(&ix), ["a", "b", "c", "m", "x", "z"]);
        assert_eq!(ix.get("c"), Some(&synth("c", 23, 5, &p)));
        assert_eq!(ix.get("m"), Some(&m2));
        ix.upsert_many([]).unwrap();
        assert_eq!(ix.len(), 6);
    }

    #[test]
    fn upsert_refuses_documents_that_would_not_load() {
        let p = params();
        let mut ix = Index::new(p).unwrap();
        ix.upsert(synth("a", 1, 3, &p)).unwrap();
        let before = ix.clone();
        let unfit = [
            (
                IndexedDoc {
                    band_keys: vec![1],
                    ..synth("b", 1, 3, &p)
                },
                "b: 1 band keys for 25 bands",
            ),
            (
                IndexedDoc {
                    fingerprints: vec![2, 2],
                    ..synth("b", 1, 3, &p)
                },
                "b: fingerprints not sorted",
            ),
            (
                IndexedDoc {
                    repeated: vec![3, 1],
                    ..synth("b", 1, 3, &p)
                },
                "b: repeated fingerprints not sorted",
            ),
            (
                IndexedDoc {
                    mtime: (5, 1_000_000_000),
                    ..synth("b", 1, 3, &p)
                },
                "b: mtime nanoseconds out of range",
            ),
        ];
        for (doc, want) in unfit {
            assert_eq!(ix.upsert(doc.clone()).unwrap_err().to_string(), want);
            // All or nothing.
            let e = ix.upsert_many([synth("c", 2, 3, &p), doc]).unwrap_err();
            assert_eq!(e.to_string(), want);
            assert_eq!(ix, before);
        }
        // Parameters that could not be used make no index.
        let e = Index::new(IndexParams { bands: 0, ..p }).unwrap_err();
        assert_eq!(
            e,
            InvalidParams::Bands {
                bands: 0,
                rows: p.rows,
                num_perm: p.num_perm
            }
        );
    }

    #[test]
    fn band_keys_reproduce_lsh_candidates() {
        // Signatures agreeing on some bands: pairs sharing a key must be
        // exactly the pairs candidates::signature_candidates finds.
        for (bands, rows, m) in [(16, 8, 128), (3, 70, 256), (1, 130, 130), (9, 13, 128)] {
            let base: Vec<u32> = (0..m as u64).map(|i| mix64(i) as u32).collect();
            let sigs: Vec<Vec<u32>> = (0..20u64)
                .map(|d| {
                    base.iter()
                        .enumerate()
                        .map(|(i, &v)| {
                            // Doc d keeps band (i / rows) of base when that
                            // band's bit in mix64(d) is set.
                            if (mix64(d + 99) >> ((i / rows) % 64)) & 1 == 1 && d % 5 != 0 {
                                v
                            } else {
                                mix64((d << 20) ^ i as u64) as u32
                            }
                        })
                        .collect()
                })
                .chain([Vec::new()])
                .collect();
            let refs: Vec<&[u32]> = sigs.iter().map(|s| s.as_slice()).collect();
            let keys: Vec<Vec<u64>> = refs.iter().map(|s| band_keys(s, bands, rows)).collect();
            let posts = crate::postings::build(keys.iter().map(|k| k.as_slice()), 0);
            let want = candidates::candidates(&[], &posts, |_| false, |_| true, 1);
            let mut got = Vec::new();
            for a in 0..keys.len() {
                for b in a + 1..keys.len() {
                    if keys[a].iter().any(|k| keys[b].contains(k)) {
                        got.push((a as u32, b as u32));
                    }
                }
            }
            assert!(!want.is_empty(), "{bands}x{rows}");
            assert_eq!(got, want, "{bands}x{rows}");
            assert!(keys[20].is_empty());
        }
    }

    #[test]
    fn indexed_doc_from_a_sketch() {
        let p = params();
        let text = words(5, 400).join(" ");
        let s = crate::sketch::sketch(&text, &p.sketch_params(), &mut Scratch::default());
        let old = (1_600_000_000, 123);
        let d = IndexedDoc::new("x", text.as_bytes(), old, &s, &p);
        assert_eq!(d.content_hash, xxh3_64(text.as_bytes()));
        assert_eq!(d.size, text.len() as u64);
        assert_eq!(d.mtime, old);
        assert_eq!(d.words, 400);
        assert_eq!(d.band_keys.len(), p.bands);
        assert_eq!(d.fingerprints, s.fingerprints());
        assert!(d.unchanged(text.len() as u64, old));
        assert!(!d.unchanged(text.len() as u64 + 1, old));
        assert!(!d.unchanged(text.len() as u64, (old.0, 124)));
        // A just-written file's mtime is not trusted.
        let now = stamp(SystemTime::now());
        let fresh = IndexedDoc::new("x", text.as_bytes(), now, &s, &p);
        assert_eq!(fresh.mtime, (0, 0));
        assert!(!fresh.unchanged(fresh.size, (0, 0)));

        let mut ix = Index::new(p).unwrap();
        ix.upsert(fresh).unwrap();
        assert!(ix.refresh_stat("x", 9, old));
        assert_eq!(ix.get("x").unwrap().mtime, old);
        assert!(ix.get("x").unwrap().unchanged(9, old));
        assert!(!ix.refresh_stat("y", 9, old));
    }
}
