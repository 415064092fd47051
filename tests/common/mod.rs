//! Shared helpers of the integration tests: the real binary, the JSON report
//! contract (schema 1) as test-side types, and an independent line/column
//! oracle for span locations.
#![allow(dead_code)] // each test crate uses its own share of the helpers

use assert_cmd::Command;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The repository root (where `examples/corpus` lives).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The example corpus, relative to [`root`].
pub const CORPUS: &str = "examples/corpus";

/// The `neardup` binary built for these tests, run from the repository root
/// with colour forced off by the environment.
pub fn neardup() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_neardup"));
    cmd.current_dir(root()).env("NO_COLOR", "1");
    cmd
}

/// The report contract, as a consumer would read it. Unknown fields are
/// allowed (additions are compatible); missing or mistyped ones fail.
#[derive(Debug, Deserialize)]
pub struct Report {
    pub schema: u32,
    pub documents: Vec<DocumentEntry>,
    pub pairs: Vec<PairEntry>,
    pub clusters: Vec<ClusterEntry>,
    pub passages: Vec<PassageEntry>,
    pub summary: Summary,
    pub errors: Vec<Problem>,
    pub skipped: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

#[derive(Debug, Deserialize)]
pub struct DocumentEntry {
    pub path: String,
    pub bytes: usize,
    pub words: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    NearDuplicate,
    Partial,
}

#[derive(Debug, Deserialize)]
pub struct PairEntry {
    pub a: String,
    pub b: String,
    pub kind: Kind,
    pub jaccard: f64,
    pub containment: [f64; 2],
    pub coverage: [f64; 2],
    pub spans: Vec<SpanEntry>,
    #[serde(default)]
    pub moved: Option<MovedEntry>,
}

#[derive(Debug, Deserialize)]
pub struct MovedEntry {
    pub blocks: usize,
    pub words: u64,
    pub ranges: Vec<MovedRange>,
}

#[derive(Debug, Deserialize)]
pub struct MovedRange {
    pub a: [usize; 2],
    pub b: [usize; 2],
}

#[derive(Debug, Deserialize)]
pub struct SpanEntry {
    pub a: Location,
    pub b: Location,
    pub words: u64,
    pub similarity: f64,
    pub boilerplate: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct Location {
    pub start: usize,
    pub end: usize,
    pub line_start: usize,
    pub col_start: usize,
    pub line_end: usize,
    pub col_end: usize,
}

/// A passage many documents share (a footer, a template), listed once.
#[derive(Debug, Deserialize)]
pub struct PassageEntry {
    pub words: u64,
    pub documents: usize,
    pub excerpt: String,
    pub spans: Vec<PassageSpan>,
}

/// One occurrence of a shared passage: its document and where in it.
#[derive(Debug, Deserialize)]
pub struct PassageSpan {
    pub path: String,
    #[serde(flatten)]
    pub at: Location,
}

#[derive(Debug, PartialEq, Eq, Deserialize)]
pub struct ClusterEntry {
    pub keep: String,
    pub drop: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Summary {
    pub documents: usize,
    pub pairs: usize,
    pub near_duplicate: usize,
    pub partial: usize,
    pub clusters: usize,
    pub passages: usize,
    pub verified: usize,
    pub boilerplate_only: usize,
    pub errors: usize,
    pub skipped: usize,
    pub warnings: usize,
}

#[derive(Debug, Deserialize)]
pub struct Problem {
    pub path: String,
    pub reason: String,
}

impl Report {
    /// Parses a JSON report, with the text in the panic message on failure.
    pub fn parse(stdout: &[u8]) -> Report {
        serde_json::from_slice(stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not a schema-1 report: {e}\n{}",
                String::from_utf8_lossy(stdout)
            )
        })
    }

    /// The flagged pairs as `(a file name, b file name, kind)`.
    pub fn pair_names(&self) -> Vec<(String, String, Kind)> {
        self.pairs
            .iter()
            .map(|p| (file_name(&p.a), file_name(&p.b), p.kind))
            .collect()
    }

    /// The scanned documents' file names, in report order.
    pub fn document_names(&self) -> Vec<String> {
        self.documents.iter().map(|d| file_name(&d.path)).collect()
    }

    /// The pair of the two files named so (by file name), if flagged.
    pub fn pair(&self, a: &str, b: &str) -> Option<&PairEntry> {
        self.pairs
            .iter()
            .find(|p| file_name(&p.a) == a && file_name(&p.b) == b)
    }

    /// Checks the counts of the summary against the lists.
    pub fn check_summary(&self) {
        let s = &self.summary;
        assert_eq!(s.documents, self.documents.len(), "summary.documents");
        assert_eq!(s.pairs, self.pairs.len(), "summary.pairs");
        let near = self
            .pairs
            .iter()
            .filter(|p| p.kind == Kind::NearDuplicate)
            .count();
        assert_eq!(s.near_duplicate, near, "summary.near_duplicate");
        assert_eq!(s.partial, self.pairs.len() - near, "summary.partial");
        assert_eq!(s.clusters, self.clusters.len(), "summary.clusters");
        assert_eq!(s.passages, self.passages.len(), "summary.passages");
        assert_eq!(s.errors, self.errors.len(), "summary.errors");
        assert_eq!(s.skipped, self.skipped.len(), "summary.skipped");
        assert_eq!(s.warnings, self.warnings.len(), "summary.warnings");
        assert!(
            s.verified >= s.pairs + s.boilerplate_only,
            "verified {} < flagged {} + boilerplate-only {}",
            s.verified,
            s.pairs,
            s.boilerplate_only
        );
    }
}

/// The last component of a report path.
pub fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads a document the report names, resolving it like the binary did
/// (relative to `cwd`).
pub fn read_doc(cwd: &Path, path: &str) -> String {
    let p = cwd.join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// 1-based line and character column of byte `offset` (`\n` ends a line).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

/// Checks a span location against the text it points into: a non-empty
/// range on character boundaries whose lines and columns agree with the
/// bytes. Returns the spanned text.
pub fn check_location<'t>(text: &'t str, loc: &Location, what: &str) -> &'t str {
    assert!(
        loc.start < loc.end && loc.end <= text.len(),
        "{what}: bad byte range {loc:?} in a {}-byte text",
        text.len()
    );
    assert!(
        text.is_char_boundary(loc.start) && text.is_char_boundary(loc.end),
        "{what}: {loc:?} splits a character"
    );
    assert_eq!(
        (loc.line_start, loc.col_start),
        line_col(text, loc.start),
        "{what}: start position of {loc:?}"
    );
    let last = text[..loc.end].char_indices().next_back().unwrap().0;
    let (line, col) = line_col(text, last);
    assert_eq!(
        (loc.line_end, loc.col_end),
        (line, col + 1),
        "{what}: end position of {loc:?}"
    );
    &text[loc.start..loc.end]
}

/// Checks every span of every pair against the documents' text (read from
/// disk relative to `cwd`), and that spans are in order of position in a.
pub fn check_spans(report: &Report, cwd: &Path) {
    for p in &report.pairs {
        assert!(p.a < p.b, "pair not ordered by path: {} / {}", p.a, p.b);
        assert!((0.0..=1.0).contains(&p.jaccard), "jaccard {}", p.jaccard);
        for x in p.containment.iter().chain(&p.coverage) {
            assert!((0.0..=1.0).contains(x), "containment/coverage {x}");
        }
        assert!(!p.spans.is_empty(), "flagged pair without spans: {p:?}");
        assert!(
            p.spans.iter().any(|s| !s.boilerplate),
            "flagged pair with only boilerplate spans: {p:?}"
        );
        let (ta, tb) = (read_doc(cwd, &p.a), read_doc(cwd, &p.b));
        for (i, s) in p.spans.iter().enumerate() {
            check_location(&ta, &s.a, &format!("{} span {i} side a", p.a));
            check_location(&tb, &s.b, &format!("{} span {i} side b", p.b));
            assert!(s.words > 0, "empty span {s:?}");
            assert!((0.0..=1.0).contains(&s.similarity), "similarity {s:?}");
        }
        assert!(
            p.spans.windows(2).all(|w| w[0].a.start <= w[1].a.start),
            "spans of {} / {} not in order of a",
            p.a,
            p.b
        );
    }
}

/// Runs `neardup scan ARGS --format json` and parses the report.
pub fn scan_json(cwd: &Path, args: &[&str]) -> (Report, Output) {
    let out = neardup()
        .current_dir(cwd)
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("running neardup");
    (Report::parse(&out.stdout), out)
}

/// The exit status of a finished run (panics on a signal).
pub fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {out:?}"))
}

/// A deterministic article of `n` made-up words, distinct for each `seed`:
/// words are drawn from a vocabulary of thousands, so two different seeds
/// share no run of five words in practice.
pub fn article(seed: u64, n: usize) -> String {
    const SYL: [&str; 24] = [
        "ka", "lo", "mi", "ter", "van", "dro", "sel", "pu", "ni", "gar", "bel", "os", "tra", "fen",
        "cu", "ri", "mon", "za", "hep", "ul", "dis", "quo", "ber", "ya",
    ];
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = String::new();
    for i in 0..n {
        let r = next();
        let syllables = 2 + (r % 2) as usize;
        for j in 0..syllables {
            out.push_str(SYL[((r >> (8 + 8 * j)) % SYL.len() as u64) as usize]);
        }
        out.push(if i % 12 == 11 { '.' } else { ' ' });
        if i % 12 == 11 {
            out.push(if i % 48 == 47 { '\n' } else { ' ' });
        }
    }
    out.push('\n');
    out
}

/// Writes `files` (name, content) under `dir`, creating parent directories.
pub fn write_files(dir: &Path, files: &[(&str, &[u8])]) {
    for (name, content) in files {
        let p: PathBuf = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, content).unwrap();
    }
}

/// The environment variable naming the seeds folder in place of
/// `../shared/seeds` (a CI with the seeds elsewhere, or a run showing what
/// happens when they are missing).
pub const SEEDS_DIR_VAR: &str = "NEARDUP_SEEDS_DIR";

/// The seed documents: the folder `NEARDUP_SEEDS_DIR` names, else
/// `../shared/seeds` beside the repository. When it is not there, the test
/// fails if `CI` is set (to any value, as the progress line reads it), so
/// that the defining case cannot silently stop being tested; otherwise
/// this returns `None` after a note on stderr and the caller skips.
pub fn seeds_dir() -> Option<PathBuf> {
    match seeds_dir_with(
        std::env::var_os(SEEDS_DIR_VAR).map(PathBuf::from),
        std::env::var_os("CI").is_some(),
    ) {
        Ok(found) => found,
        Err(skip) => {
            eprintln!("{skip}");
            None
        }
    }
}

/// [`seeds_dir`] with the environment passed in: `Ok(Some(dir))` when the
/// folder is there, `Err(note)` to skip, and a panic when it is missing
/// under CI.
pub fn seeds_dir_with(var: Option<PathBuf>, ci: bool) -> Result<Option<PathBuf>, String> {
    let dir = var.unwrap_or_else(|| root().join("../shared/seeds"));
    if dir.is_dir() {
        // Absolute, as the tests that read back report paths expect.
        return Ok(Some(dir.canonicalize().expect("the seeds folder resolves")));
    }
    assert!(
        !ci,
        "the seeds folder {} is missing and CI is set: the seeds tests cannot be skipped \
         (provide it, or point {SEEDS_DIR_VAR} at it)",
        dir.display()
    );
    Err(format!(
        "skipping: the seeds folder {} is missing (set {SEEDS_DIR_VAR} to use another; \
         with CI set this is a failure)",
        dir.display()
    ))
}
