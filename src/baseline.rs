//! Accepted findings: a file of span fingerprints that no longer fail a run.
//!
//! A span's fingerprint is a stable hash of the normalized words of both of
//! its sides ([`crate::report::core::span_fingerprint`], the value SARIF
//! results carry too): it survives renames, moves and line shifts, and an
//! edit inside either side makes the finding new again.

use crate::atomic::write_atomic;
use crate::report::core::{pair_documents, span_fingerprint, span_text, Texts};
use crate::report::Report;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The baseline file format version.
pub const BASELINE_SCHEMA: u32 = 1;

/// Why a baseline file could not be used. Each message names the file and
/// says what happened (the cause included), so it reads whole on one line.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file exists but could not be read.
    #[error("{}: {error}", path.display())]
    Read {
        /// The baseline file.
        path: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// The file is not a baseline's JSON.
    #[error(
        "{}: not a neardup baseline ({error}); regenerate it with --update-baseline",
        path.display()
    )]
    Parse {
        /// The baseline file.
        path: PathBuf,
        /// What the JSON parser said.
        error: serde_json::Error,
    },
    /// The file is a baseline of another format version.
    #[error(
        "{}: baseline schema {schema} is not supported (expected {BASELINE_SCHEMA}); \
         regenerate it with --update-baseline",
        path.display()
    )]
    Schema {
        /// The baseline file.
        path: PathBuf,
        /// The version it has.
        schema: u32,
    },
}

/// A set of accepted span fingerprints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Always [`BASELINE_SCHEMA`].
    pub schema: u32,
    /// The accepted fingerprints, sorted.
    pub fingerprints: BTreeSet<String>,
}

impl Baseline {
    /// Reads a baseline; a missing file is an empty baseline.
    pub fn load(path: &Path) -> Result<Baseline, LoadError> {
        let path_buf = || path.to_path_buf();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Baseline::default()),
            Err(error) => {
                return Err(LoadError::Read {
                    path: path_buf(),
                    error,
                })
            }
        };
        let b: Baseline = serde_json::from_slice(&bytes).map_err(|error| LoadError::Parse {
            path: path_buf(),
            error,
        })?;
        if b.schema != BASELINE_SCHEMA {
            return Err(LoadError::Schema {
                path: path_buf(),
                schema: b.schema,
            });
        }
        Ok(b)
    }

    /// Writes the baseline atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        write_atomic(path, |w| {
            serde_json::to_writer_pretty(&mut *w, self)?;
            writeln!(w)
        })
    }

    /// The baseline accepting every non-boilerplate span of `report`.
    pub fn of<T: Texts + ?Sized>(report: &Report, docs: &T) -> Baseline {
        let mut fingerprints = BTreeSet::new();
        for_each_span(report, docs, |_, _, fp| {
            fingerprints.insert(fp);
        });
        Baseline {
            schema: BASELINE_SCHEMA,
            fingerprints,
        }
    }

    /// Marks the spans of `report` whose fingerprints are accepted; returns
    /// how many.
    pub fn apply<T: Texts + ?Sized>(&self, report: &mut Report, docs: &T) -> usize {
        let mut hits = Vec::new();
        for_each_span(report, docs, |p, s, fp| {
            if self.fingerprints.contains(&fp) {
                hits.push((p, s));
            }
        });
        for &(p, s) in &hits {
            report.pairs[p].spans[s].baselined = true;
        }
        report.summary.baselined = hits.len();
        hits.len()
    }
}

/// Calls `f(pair, span, fingerprint)` for every non-boilerplate span of
/// `report` (a side whose text is not at hand counts as empty).
fn for_each_span<T: Texts + ?Sized>(
    report: &Report,
    docs: &T,
    mut f: impl FnMut(usize, usize, String),
) {
    for (pi, pair) in report.pairs.iter().enumerate() {
        let [da, db] = pair_documents(report, docs, pair);
        for (si, s) in pair.spans.iter().enumerate() {
            if s.boilerplate {
                continue;
            }
            let fp = span_fingerprint(
                span_text(da.as_deref(), &s.a),
                span_text(db.as_deref(), &s.b),
            );
            f(pi, si, fp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Document;
    use crate::{scan, ScanOptions};

    fn words(n: usize, seed: u64) -> String {
        (0..n)
            .map(|i| format!("w{}", crate::sketch::mix64(seed * 7919 + i as u64) % 40_000))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn report(docs: &[Document]) -> Report {
        Report::new(docs, &scan(docs, &ScanOptions::default()), &[], &[])
    }

    #[test]
    fn accepted_findings_survive_renames_and_shifts_but_not_edits() {
        let shared = words(80, 1);
        let docs = vec![
            Document::new("a", format!("{} {shared}", words(50, 2))),
            Document::new("b", format!("{shared} {}", words(60, 3))),
        ];
        let r = report(&docs);
        assert!(r.has_unbaselined());
        let base = Baseline::of(&r, &docs);
        assert_eq!(base.fingerprints.len(), 1);

        // Renamed and shifted by a new first line: still accepted.
        let moved = vec![
            Document::new("x", format!("{} {shared}", words(50, 2))),
            Document::new("y", format!("New first line.\n{shared} {}", words(60, 3))),
        ];
        let mut r2 = report(&moved);
        assert_eq!(base.apply(&mut r2, &moved), 1);
        assert!(!r2.has_unbaselined());
        assert_eq!(r2.summary.baselined, 1);

        // An edit inside the span makes it new again.
        let edited = shared.replacen(' ', " inserted ", 20);
        let changed = vec![
            Document::new("a", format!("{} {shared}", words(50, 2))),
            Document::new("b", format!("{edited} {}", words(60, 3))),
        ];
        let mut r3 = report(&changed);
        assert_eq!(base.apply(&mut r3, &changed), 0);
        assert!(r3.has_unbaselined());
    }

    #[test]
    fn load_save_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/baseline.json");
        assert_eq!(Baseline::load(&p).unwrap(), Baseline::default());
        let b = Baseline {
            schema: 1,
            fingerprints: ["x".to_string()].into(),
        };
        b.save(&p).unwrap();
        assert_eq!(Baseline::load(&p).unwrap(), b);
        std::fs::write(&p, "not json").unwrap();
        let e = Baseline::load(&p).unwrap_err();
        assert!(matches!(e, LoadError::Parse { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.starts_with(&format!("{}: not a neardup baseline (", p.display())));
        assert!(
            msg.ends_with("); regenerate it with --update-baseline"),
            "{msg}"
        );
        std::fs::write(&p, r#"{"schema": 9, "fingerprints": []}"#).unwrap();
        assert_eq!(
            Baseline::load(&p).unwrap_err().to_string(),
            format!(
                "{}: baseline schema 9 is not supported (expected 1); \
                 regenerate it with --update-baseline",
                p.display()
            )
        );
        // A folder is there but cannot be read as a file.
        let e = Baseline::load(dir.path()).unwrap_err();
        assert!(matches!(e, LoadError::Read { .. }), "{e:?}");
        assert!(e
            .to_string()
            .starts_with(&format!("{}: ", dir.path().display())));
    }
}
