//! The `neardup` binary end to end: exit statuses, the JSON contract, how
//! bad inputs are reported, output files, determinism, pipes and walking
//! options. Every test runs the real binary.

mod common;

use common::{
    article, check_location, check_spans, code, file_name, neardup, read_doc, root, scan_json,
    write_files, Kind, Report, CORPUS,
};
use predicates::prelude::*;
use std::path::Path;
use std::time::Duration;

/// Hang guard for runs that must finish (not a timing assertion).
const HANG_GUARD: Duration = Duration::from_secs(300);

fn s(x: &str) -> String {
    x.to_string()
}

/// The pairs planted in the example corpus (see examples/CORPUS.md).
fn planted() -> Vec<(String, String, Kind)> {
    vec![
        (
            s("01_council_budget.txt"),
            s("02_council_budget_republished.txt"),
            Kind::NearDuplicate,
        ),
        (
            s("03_bakery_opening.txt"),
            s("04_harbour_row_digest.txt"),
            Kind::Partial,
        ),
        (
            s("05_river_tarrow_flood.txt"),
            s("06_flood_insurance_column.txt"),
            Kind::Partial,
        ),
    ]
}

/// Text that only the page-chrome blocks of the corpus contain.
const CHROME_MARKERS: [&str; 5] = [
    "which may be using cookies",
    "accessible video player",
    "Courier Morning Briefing",
    "Courier morning briefing",
    "Courier Data Desk",
];

fn is_chrome_text(t: &str) -> bool {
    CHROME_MARKERS.iter().any(|m| t.contains(m)) || t.contains("cookies for this")
}

// ---------------------------------------------------------------- exit codes

#[test]
fn exit_status_is_0_when_nothing_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("one.txt", article(1, 300).as_bytes()),
            ("two.txt", article(2, 300).as_bytes()),
        ],
    );
    let (report, out) = scan_json(dir.path(), &["."]);
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(report.documents.len(), 2);
    assert!(report.pairs.is_empty() && report.clusters.is_empty());
    report.check_summary();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn exit_status_is_1_when_a_pair_is_flagged() {
    neardup()
        .args(["scan", CORPUS])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("3 pairs flagged"))
        .stderr(predicate::str::is_empty());
}

#[test]
fn exit_status_is_2_on_an_error_even_when_pairs_are_flagged() {
    let (report, out) = scan_json(root(), &[CORPUS, "examples/no-such-dir"]);
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("examples/no-such-dir"), "{stderr}");
    // The rest is still scanned and reported.
    assert_eq!(report.pair_names(), planted());
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].path, "examples/no-such-dir");
    report.check_summary();
}

#[test]
fn a_missing_path_alone_exits_2_and_names_it() {
    let (report, out) = scan_json(root(), &["does/not/exist.txt"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("does/not/exist.txt"));
    assert!(report.documents.is_empty());
    assert_eq!(report.errors[0].path, "does/not/exist.txt");
}

// ------------------------------------------------------------ refused runs

/// Where a refused run runs.
enum Setup {
    /// The repository root (the example corpus is [`CORPUS`]).
    Root,
    /// A fresh directory holding these files, beside `a.txt` (one short
    /// document) and `corpus/a.txt` (the same).
    Files(&'static [(&'static str, &'static str)]),
}

/// Runs that are refused before anything is read or written: the
/// arguments, where they run, and what stderr must say. Each is run through
/// the binary and must exit 2 with nothing on stdout.
const REFUSED: &[(&[&str], Setup, &str)] = &[
    (&["scan"], Setup::Root, "neardup: no paths given"),
    (
        &["index", "build"],
        Setup::Files(&[]),
        "neardup: no paths given",
    ),
    (
        &["scan", CORPUS, "--format", "yaml"],
        Setup::Root,
        "invalid value 'yaml' for '--format <FORMAT>'",
    ),
    (
        &["scan", CORPUS, "--lsh-threshold", "1.5"],
        Setup::Root,
        "neardup: lsh-threshold must be within 0..=1, got 1.5",
    ),
    (
        &["scan", "a.txt", "--threads", "many"],
        Setup::Files(&[]),
        "invalid value 'many' for '--threads <THREADS>'",
    ),
    (
        &["scan", "a.txt", "--max-filesize", "lots"],
        Setup::Files(&[]),
        "not a size: \"lots\"",
    ),
    (
        &["scan", ".", "-g", "a["],
        Setup::Files(&[]),
        "neardup: invalid glob \"a[\"",
    ),
    (
        &["scan", "a.txt", "--boilerplate", "nope.txt"],
        Setup::Files(&[]),
        "neardup: reading boilerplate file nope.txt: ",
    ),
    (
        &["scan", "a.txt", "--jsonl", "--encoding", "latin1"],
        Setup::Files(&[]),
        "neardup: --encoding does not apply to --jsonl input",
    ),
    (
        &["scan", "a.txt", "--jsonl", "--jsonl-text", ""],
        Setup::Files(&[]),
        "neardup: jsonl-text must not be empty",
    ),
    (
        &["scan", "a.txt", "--jsonl-text", "f", "--jsonl-id", "f"],
        Setup::Files(&[]),
        "neardup: jsonl-text and jsonl-id must be different fields",
    ),
    (
        &["scan", "a.txt", "--update-baseline"],
        Setup::Files(&[]),
        "required arguments were not provided:\n  --baseline <FILE>",
    ),
    (
        &["check", "corpus", "--new", "a.txt", "--index", "ix"],
        Setup::Files(&[]),
        "'--new <PATH>...' cannot be used with '--index <FILE>'",
    ),
    (
        &["check", "corpus"],
        Setup::Files(&[]),
        "neardup: .neardup/index: no index here; create one with `neardup index build`",
    ),
    (
        &["dedupe", "a.txt"],
        Setup::Files(&[]),
        "neardup: nothing to write: name --drop-list FILE",
    ),
    (
        &[
            "dedupe",
            "a.txt",
            "--drop-list",
            "d.txt",
            "--out",
            "k.jsonl",
        ],
        Setup::Files(&[]),
        "neardup: --out and --annotate write JSON Lines records: pass --jsonl",
    ),
    (
        &[
            "dedupe",
            "--report",
            "r.json",
            "a.txt",
            "--drop-list",
            "d.txt",
        ],
        Setup::Files(&[]),
        "neardup: --report FILE replaces the scan: name no paths with it",
    ),
    // Settings files: named and missing, or discovered in the directory
    // with a key, a value or a range that is wrong (file:line:column).
    (
        &["scan", "a.txt", "--config", "nope.toml"],
        Setup::Files(&[]),
        // Said once, not once more as the cause.
        "neardup: nope.toml: No such file or directory (os error 2)\n",
    ),
    (
        &["scan", "a.txt"],
        Setup::Files(&[("neardup.toml", "min-words = 80\nmin-word = 3\n")]),
        "neardup.toml:2:1: unknown field `min-word`, expected one of `paths`,",
    ),
    (
        &["scan", "a.txt"],
        Setup::Files(&[("neardup.toml", "format = \"xml\"\n")]),
        "neardup.toml:1:10: format: unknown variant `xml`, expected one of `text`,",
    ),
    (
        &["scan", "a.txt"],
        Setup::Files(&[("neardup.toml", "shingle = 0\n")]),
        "neardup.toml: shingle must be within 1..=16, got 0",
    ),
    (
        // Checked against the file even though the command line replaces it.
        &["scan", "a.txt", "--shingle", "5"],
        Setup::Files(&[("neardup.toml", "shingle = 17\n")]),
        "neardup.toml: shingle must be within 1..=16, got 17",
    ),
    (
        &["scan", "a.txt"],
        Setup::Files(&[("neardup.toml", "exclude = [\"!*.md\"]\n")]),
        "neardup.toml: exclude: glob \"!*.md\" starts with '!'",
    ),
];

#[test]
fn refused_runs_exit_2_saying_why() {
    for (args, setup, want) in REFUSED {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = neardup();
        if let Setup::Files(files) = setup {
            let text = article(1, 60);
            write_files(
                dir.path(),
                &[
                    ("a.txt", text.as_bytes()),
                    ("corpus/a.txt", text.as_bytes()),
                ],
            );
            for (name, content) in *files {
                write_files(dir.path(), &[(name, content.as_bytes())]);
            }
            cmd.current_dir(dir.path());
        }
        let out = cmd.args(*args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 2, "{args:?}: {out:?}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    }
}

// ------------------------------------------------------------- JSON contract

#[test]
fn json_report_of_the_example_corpus_follows_the_contract() {
    let (report, out) = scan_json(root(), &[CORPUS]);
    assert_eq!(code(&out), 1);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report.schema, 1);

    // Documents: every corpus file, in path order, sized as on disk.
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join(CORPUS))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    assert_eq!(report.document_names(), on_disk);
    for d in &report.documents {
        assert!(d.path.starts_with("examples/corpus/"), "{}", d.path);
        assert_eq!(d.bytes, read_doc(root(), &d.path).len(), "{}", d.path);
        assert!(d.words > 100, "{d:?}");
    }

    // Exactly the planted pairs, with valid spans.
    assert_eq!(report.pair_names(), planted());
    check_spans(&report, root());
    report.check_summary();
    // Chrome shared by unrelated articles was verified and not flagged.
    assert!(report.summary.boilerplate_only > 0, "{:?}", report.summary);

    // The near copy: one article span over both documents up to their
    // closing chrome (a boilerplate span of its own), so
    // the article covers all of both documents but their chrome.
    let p = report
        .pair("01_council_budget.txt", "02_council_budget_republished.txt")
        .unwrap();
    assert_eq!(p.coverage, [1.0, 1.0]);
    assert!(p.jaccard > 0.8 && p.jaccard < 1.0, "{}", p.jaccard);
    let (ta, tb) = (read_doc(root(), &p.a), read_doc(root(), &p.b));
    let article: Vec<_> = p.spans.iter().filter(|s| !s.boilerplate).collect();
    assert_eq!(article.len(), 1, "{p:?}");
    let span = article[0];
    assert!(span.similarity < 1.0 && span.similarity > 0.9);
    assert_eq!((span.a.start, span.b.start), (0, 0));
    for (s, t) in [(&span.a, &ta), (&span.b, &tb)] {
        let rest = &t[s.end..];
        // All that follows the article is page chrome.
        assert!(
            rest.lines()
                .all(|l| l.trim().is_empty() || is_chrome_text(l)),
            "{rest}"
        );
    }
    for s in p.spans.iter().filter(|s| s.boilerplate) {
        assert!(is_chrome_text(&ta[s.a.start..s.a.end]), "{s:?}");
        assert_eq!(s.a.end, ta.trim_end().len());
    }

    // The concatenation: all of 03 at the start of 04, the article one
    // span, 03's closing newsletter prompt a boilerplate span. The ferry
    // half's chrome repeats 03's chrome, which lies inside the article span
    // on 03's side: no span nests in another.
    let p = report
        .pair("03_bakery_opening.txt", "04_harbour_row_digest.txt")
        .unwrap();
    let (ta, tb) = (read_doc(root(), &p.a), read_doc(root(), &p.b));
    let article: Vec<_> = p.spans.iter().filter(|s| !s.boilerplate).collect();
    assert_eq!(article.len(), 1, "{p:?}");
    let article = article[0];
    assert_eq!(article.similarity, 1.0);
    assert_eq!((article.a.start, article.b.start), (0, 0));
    assert_eq!(&tb[..article.b.end], &ta[..article.a.end]);
    for s in p.spans.iter().filter(|s| s.boilerplate) {
        assert!(is_chrome_text(&ta[s.a.start..s.a.end]), "{s:?}");
        assert!(s.a.start >= article.a.end);
    }
    let last = p.spans.iter().map(|s| s.a.end).max().unwrap();
    assert_eq!(last, ta.trim_end().len(), "all of 03 is in a span");
    assert_eq!(p.coverage[0], 1.0);
    assert!(p.coverage[1] < 0.8, "{:?}", p.coverage);

    // No span of a pair lies inside another span of the same pair.
    for p in &report.pairs {
        for (i, x) in p.spans.iter().enumerate() {
            for (j, y) in p.spans.iter().enumerate() {
                let within = |u: &common::Location, v: &common::Location| {
                    v.start <= u.start && u.end <= v.end
                };
                assert!(
                    i == j || !(within(&x.a, &y.a) || within(&x.b, &y.b)),
                    "{} ~ {}: span {i} inside span {j}",
                    p.a,
                    p.b
                );
            }
        }
    }

    // The quote: 06 quotes a paragraph of 05; only that is article text,
    // and the cookie notices they share are boilerplate.
    let p = report
        .pair("05_river_tarrow_flood.txt", "06_flood_insurance_column.txt")
        .unwrap();
    let (ta, tb) = (read_doc(root(), &p.a), read_doc(root(), &p.b));
    let article: Vec<_> = p.spans.iter().filter(|s| !s.boilerplate).collect();
    assert_eq!(article.len(), 1);
    let (qa, qb) = (
        &ta[article[0].a.start..article[0].a.end],
        &tb[article[0].b.start..article[0].b.end],
    );
    for t in [qa, qb] {
        assert!(t.contains("The worst of the damage was along the old mill race"));
        assert!(t.contains("came up through the floorboards"));
        assert!(!is_chrome_text(t), "chrome inside the quote span: {t}");
    }
    assert!(article[0].words >= 80, "{:?}", article[0]);
    assert!(p.spans.iter().any(|s| s.boilerplate));
    for s in p.spans.iter().filter(|s| s.boilerplate) {
        assert!(is_chrome_text(&ta[s.a.start..s.a.end]), "{s:?}");
        assert!(is_chrome_text(&tb[s.b.start..s.b.end]), "{s:?}");
    }

    // Clusters: one per planted near duplicate, keeping the first by path
    // (partial pairs do not cluster: each side has text of its own).
    let clusters: Vec<(String, Vec<String>)> = report
        .clusters
        .iter()
        .map(|c| {
            (
                file_name(&c.keep),
                c.drop.iter().map(|d| file_name(d)).collect(),
            )
        })
        .collect();
    assert_eq!(
        clusters,
        planted()
            .into_iter()
            .filter(|(_, _, kind)| *kind == Kind::NearDuplicate)
            .map(|(a, b, _)| (a, vec![b]))
            .collect::<Vec<_>>()
    );
}

#[test]
fn json_field_names_are_the_documented_ones() {
    // Checked on the raw JSON too, so that a rename on both sides of serde
    // cannot go unnoticed.
    let out = neardup()
        .args(["scan", CORPUS, "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys = |x: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = x.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let has = |x: &serde_json::Value, want: &[&str]| {
        let k = keys(x);
        for w in want {
            assert!(k.iter().any(|x| x == w), "missing {w:?} in {k:?}");
        }
    };
    has(
        &v,
        &[
            "schema",
            "documents",
            "pairs",
            "clusters",
            "summary",
            "errors",
            "skipped",
        ],
    );
    has(&v["documents"][0], &["path", "bytes", "words"]);
    let pair = &v["pairs"][0];
    has(
        pair,
        &[
            "a",
            "b",
            "kind",
            "jaccard",
            "containment",
            "coverage",
            "spans",
        ],
    );
    assert_eq!(pair["containment"].as_array().unwrap().len(), 2);
    let span = &pair["spans"][0];
    has(span, &["a", "b", "words", "similarity", "boilerplate"]);
    for side in ["a", "b"] {
        has(
            &span[side],
            &[
                "start",
                "end",
                "line_start",
                "col_start",
                "line_end",
                "col_end",
            ],
        );
    }
    has(&v["clusters"][0], &["keep", "drop"]);
}

// ---------------------------------------------------------------- bad inputs

#[test]
fn non_utf8_file_is_read_with_a_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = article(7, 300);
    write_files(
        dir.path(),
        &[
            ("a.txt", text.as_bytes()),
            ("b.txt", text.as_bytes()),
            ("latin1.txt", b"caf\xe9 au lait, cr\xe8me br\xfbl\xe9e"),
        ],
    );
    let (report, out) = scan_json(dir.path(), &["."]);
    // Flagged (a ~ b), not an error: latin1.txt is read, with a note.
    assert_eq!(code(&out), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "latin1.txt: not valid UTF-8: 4 bytes read as windows-1252 (first at offset 3)"
        ),
        "{stderr}"
    );
    assert_eq!(report.document_names(), ["a.txt", "b.txt", "latin1.txt"]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.warnings.len(), 1);
    assert_eq!(file_name(&report.warnings[0].path), "latin1.txt");
    assert!(
        report.warnings[0].reason.contains("offset 3"),
        "{:?}",
        report.warnings
    );
    assert_eq!(
        report.pair_names(),
        [(s("a.txt"), s("b.txt"), Kind::NearDuplicate)]
    );
    report.check_summary();
}

#[test]
fn binary_and_empty_files_are_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("a.txt", article(1, 200).as_bytes()),
            ("blob.bin", b"PK\x03\x04\0\0\x08\0binary"),
            ("empty.txt", b""),
            ("blank.txt", b"  \n\t\n"),
        ],
    );
    let (report, out) = scan_json(dir.path(), &["."]);
    assert_eq!(code(&out), 0, "skipping is not an error: {out:?}");
    assert_eq!(report.document_names(), ["a.txt"]);
    assert!(report.errors.is_empty());
    let mut skipped: Vec<(String, &str)> = report
        .skipped
        .iter()
        .map(|p| (file_name(&p.path), p.reason.as_str()))
        .collect();
    skipped.sort();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert_eq!(skipped[0].0, "blank.txt");
    assert_eq!(skipped[0].1, "empty");
    assert_eq!(skipped[1].0, "blob.bin");
    assert!(skipped[1].1.starts_with("binary"), "{skipped:?}");
    assert_eq!(skipped[2], (s("empty.txt"), "empty"));
    report.check_summary();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in ["blob.bin", "empty.txt", "blank.txt"] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(name) && l.contains("skipped")),
            "no note for {name}: {stderr}"
        );
    }
    // The text report mentions them too.
    neardup()
        .current_dir(dir.path())
        .args(["scan", "."])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("3 skipped"));
}

/// Whether permissions stop this process from reading (not as root).
#[cfg(unix)]
fn permissions_apply(path: &Path) -> bool {
    std::fs::read(path).is_err()
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error_and_the_rest_is_scanned() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let text = article(3, 250);
    write_files(
        dir.path(),
        &[
            ("a.txt", text.as_bytes()),
            ("b.txt", text.as_bytes()),
            ("locked.txt", article(4, 100).as_bytes()),
        ],
    );
    let locked = dir.path().join("locked.txt");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if permissions_apply(&locked) {
        let (report, out) = scan_json(dir.path(), &["."]);
        assert_eq!(code(&out), 2);
        assert!(String::from_utf8_lossy(&out.stderr).contains("locked.txt"));
        assert_eq!(report.document_names(), ["a.txt", "b.txt"]);
        assert_eq!(file_name(&report.errors[0].path), "locked.txt");
        assert_eq!(report.pairs.len(), 1);
    } else {
        eprintln!(
            "skipping the chmod 000 assertion: this process reads files regardless of \
             permissions (root?); checking a dangling symlink instead"
        );
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::remove_file(&locked).unwrap();

    // A path that cannot be opened, named explicitly: a dangling symlink.
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), dir.path().join("dangling.txt"))
        .unwrap();
    let (report, out) = scan_json(dir.path(), &["a.txt", "b.txt", "dangling.txt"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("dangling.txt"));
    assert_eq!(report.document_names(), ["a.txt", "b.txt"]);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].path, "dangling.txt");
    assert_eq!(report.pairs.len(), 1);
    report.check_summary();
}

#[cfg(unix)]
#[test]
fn special_entries_met_while_walking_are_not_documents() {
    // Symlinks are not followed while walking, and a FIFO is not a regular
    // file: neither is read (reading a FIFO nobody writes would block).
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("a.txt", article(5, 120).as_bytes())]);
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), dir.path().join("dangling.txt"))
        .unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe"))
        .status();
    if !fifo.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo unavailable: checking the dangling symlink only");
    }
    let out = neardup()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "json"])
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    let report = Report::parse(&out.stdout);
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(report.document_names(), ["a.txt"]);
}

// ------------------------------------------------------------------ --output

#[test]
fn output_file_holds_the_same_json_as_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("report.json");
    let stdout = neardup()
        .args(["scan", CORPUS, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&stdout), 1);
    let to_file = neardup()
        .args(["scan", CORPUS, "--format", "json", "--output"])
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(code(&to_file), 1, "{to_file:?}");
    assert!(to_file.stdout.is_empty(), "report also went to stdout");
    let written = std::fs::read(&dest).unwrap();
    assert_eq!(written, stdout.stdout);
    Report::parse(&written);
    // Nothing but the report is left in the directory.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["report.json"]);
}

#[test]
fn output_that_cannot_be_written_fails_without_leaving_a_file() {
    let dir = tempfile::tempdir().unwrap();
    // Into a directory that does not exist.
    let dest = dir.path().join("missing").join("report.json");
    neardup()
        .args(["scan", CORPUS, "--format", "json", "-o"])
        .arg(&dest)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("report.json"));
    assert!(!dest.exists() && !dest.parent().unwrap().exists());

    // Onto a path that is a directory: the temporary file is cleaned up.
    let taken = dir.path().join("taken.json");
    std::fs::create_dir(&taken).unwrap();
    neardup()
        .args(["scan", CORPUS, "-o"])
        .arg(&taken)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("taken.json"));
    assert!(taken.is_dir());
    assert_eq!(std::fs::read_dir(&taken).unwrap().count(), 0);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["taken.json"], "temporary file left behind");
}

// ------------------------------------------------------- determinism, pipes

#[test]
fn thread_count_does_not_change_the_report() {
    let run = |threads: &str| {
        let out = neardup()
            .args(["scan", CORPUS, "--format", "json", "--threads", threads])
            .output()
            .unwrap();
        assert_eq!(code(&out), 1, "{out:?}");
        out.stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(
        one,
        run("3"),
        "--threads 1 and --threads 3 differ on the example corpus"
    );
}

/// Runs `neardup ARGS | head -c 10` through `sh` and returns neardup's own
/// exit status and stderr (sh has no pipefail: a wrapper records `$?`).
#[cfg(unix)]
fn status_into_closed_pipe(cwd: &Path, args: &[&str]) -> (i32, String) {
    let tmp = tempfile::tempdir().unwrap();
    let status = tmp.path().join("status");
    let err = tmp.path().join("stderr");
    let script = r#"bin=$1; status=$2; err=$3; shift 3
{ "$bin" "$@" 2>"$err"; echo $? >"$status"; } | head -c 10 >/dev/null"#;
    let out = std::process::Command::new("sh")
        .current_dir(cwd)
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_neardup"))
        .arg(&status)
        .arg(&err)
        .args(args)
        .output()
        .expect("running sh");
    assert!(out.status.success(), "{out:?}");
    let code: i32 = std::fs::read_to_string(&status)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (code, std::fs::read_to_string(&err).unwrap())
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_is_not_an_error() {
    // The example corpus: its report may fit in the pipe buffer.
    let (c, err) = status_into_closed_pipe(root(), &["scan", CORPUS]);
    assert!(c == 0 || c == 1, "exit {c}, stderr: {err}");
    assert!(err.is_empty(), "{err}");

    // A report far larger than any pipe buffer, so the write must fail:
    // 30 copies of one text give 435 pairs (the chrome threshold is raised
    // so that text in many documents still counts as an article).
    let dir = tempfile::tempdir().unwrap();
    let text = article(11, 200);
    for i in 0..30 {
        std::fs::write(dir.path().join(format!("copy{i:02}.txt")), &text).unwrap();
    }
    let args = ["scan", ".", "--format", "json", "--boilerplate-df", "1000"];
    let full = neardup()
        .current_dir(dir.path())
        .args(args)
        .output()
        .unwrap();
    assert_eq!(code(&full), 1);
    assert!(full.stdout.len() > 1 << 18, "{} bytes", full.stdout.len());
    let (c, err) = status_into_closed_pipe(dir.path(), &args);
    assert!(c == 0 || c == 1, "exit {c}, stderr: {err}");
    assert!(err.is_empty(), "{err}");
}

// ----------------------------------------------------------- walk options

/// a.txt, b.txt and notes.md hold the same text; so do the hidden ones.
fn walk_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = article(21, 200);
    write_files(
        dir.path(),
        &[
            ("a.txt", text.as_bytes()),
            ("b.txt", text.as_bytes()),
            ("notes.md", text.as_bytes()),
            (".hidden.txt", text.as_bytes()),
            (".cache/c.txt", text.as_bytes()),
            ("other.txt", article(22, 200).as_bytes()),
        ],
    );
    dir
}

fn scanned(dir: &Path, extra: &[&str]) -> (Vec<String>, usize, i32) {
    let mut args = vec!["."];
    args.extend_from_slice(extra);
    let (report, out) = scan_json(dir, &args);
    let paths = report
        .documents
        .iter()
        .map(|d| d.path.trim_start_matches("./").to_string())
        .collect();
    (paths, report.pairs.len(), code(&out))
}

#[test]
fn hidden_files_are_skipped_unless_asked_for() {
    let dir = walk_fixture();
    let (docs, pairs, c) = scanned(dir.path(), &[]);
    assert_eq!(docs, ["a.txt", "b.txt", "notes.md", "other.txt"]);
    assert_eq!((pairs, c), (3, 1));
    let (docs, pairs, c) = scanned(dir.path(), &["--hidden"]);
    assert_eq!(
        docs,
        [
            ".cache/c.txt",
            ".hidden.txt",
            "a.txt",
            "b.txt",
            "notes.md",
            "other.txt"
        ]
    );
    assert_eq!((pairs, c), (10, 1), "5 copies make 10 pairs");
}

#[test]
fn globs_include_and_exclude() {
    let dir = walk_fixture();
    // An including glob picks only what matches it; as in ripgrep, a file it
    // names explicitly is taken even when hidden, but hidden directories are
    // still not entered.
    let (docs, pairs, _) = scanned(dir.path(), &["--glob", "*.txt"]);
    assert_eq!(docs, [".hidden.txt", "a.txt", "b.txt", "other.txt"]);
    assert_eq!(pairs, 3);
    // Only excluding: everything else as by default.
    let (docs, pairs, _) = scanned(dir.path(), &["-g", "!*.md"]);
    assert_eq!(docs, ["a.txt", "b.txt", "other.txt"]);
    assert_eq!(pairs, 1);
    // The later glob wins.
    let (docs, pairs, c) = scanned(dir.path(), &["-g", "*.txt", "-g", "!b.txt", "-g", "!.*"]);
    assert_eq!(docs, ["a.txt", "other.txt"]);
    assert_eq!((pairs, c), (0, 0));
}

// ------------------------------------------------------------ scan options

#[test]
fn min_words_sets_the_smallest_span_reported() {
    // 09 and 10 share a 28-word quote: below the default of 50 words.
    let (report, _) = scan_json(root(), &[CORPUS]);
    assert_eq!(report.pair_names(), planted());

    let (report, out) = scan_json(root(), &[CORPUS, "--min-words", "20"]);
    assert_eq!(code(&out), 1);
    let mut want = planted();
    want.push((
        s("09_library_renovation.txt"),
        s("10_mayor_year_review.txt"),
        Kind::Partial,
    ));
    assert_eq!(report.pair_names(), want);
    check_spans(&report, root());
    let p = report
        .pair("09_library_renovation.txt", "10_mayor_year_review.txt")
        .unwrap();
    let quote: Vec<_> = p.spans.iter().filter(|s| !s.boilerplate).collect();
    assert_eq!(quote.len(), 1);
    assert!(
        quote[0].words >= 20 && quote[0].words < 30,
        "{:?}",
        quote[0]
    );
    let text = read_doc(root(), &p.a);
    assert!(check_location(&text, &quote[0].a, "quote").contains("A library is the one room"));

    // The 107-word quote of 05 in 06 is below 200 words.
    let (report, out) = scan_json(root(), &[CORPUS, "--min-words", "200"]);
    assert_eq!(code(&out), 1);
    assert_eq!(report.pair_names(), planted()[..2]);
    for p in &report.pairs {
        assert!(p.spans.iter().all(|s| s.words >= 200), "{p:?}");
    }
}

/// A page-chrome block for the `--boilerplate` test: long enough to be a
/// span on its own.
const CHROME: &str = "This content is provided by Vidwell, which may be using cookies and other \
technologies. Before we can show it to you here, we need your permission to set those \
cookies. Use the buttons below to allow Vidwell cookies for this visit only, or to change \
your preferences for good. You can review your choices at any time from the Privacy \
Settings link at the bottom of every page. We could not confirm that you have agreed to \
Vidwell cookies. To see this content now, press the button below to allow Vidwell cookies \
for this session only.\n";

#[test]
fn known_boilerplate_file_keeps_a_chrome_only_pair_unflagged() {
    let dir = tempfile::tempdir().unwrap();
    let page = |seed| {
        format!(
            "{}\n{CHROME}\n{}",
            article(seed, 150),
            article(seed + 1, 150)
        )
    };
    write_files(
        dir.path(),
        &[
            ("one.txt", page(30).as_bytes()),
            ("two.txt", page(40).as_bytes()),
            ("chrome.txt", CHROME.as_bytes()),
        ],
    );
    let docs = ["one.txt", "two.txt"];
    // Two documents cannot tell chrome from an article: the block is found.
    let (report, out) = scan_json(dir.path(), &docs);
    assert_eq!(code(&out), 1);
    assert_eq!(report.pairs.len(), 1);
    let p = &report.pairs[0];
    assert_eq!(p.kind, Kind::Partial);
    let text = read_doc(dir.path(), &p.a);
    let span = p.spans.iter().find(|s| !s.boilerplate).unwrap();
    assert!(check_location(&text, &span.a, "chrome").contains("which may be using cookies"));

    // Given as known chrome, it flags nothing.
    let mut args = docs.to_vec();
    args.extend(["--boilerplate", "chrome.txt"]);
    let (report, out) = scan_json(dir.path(), &args);
    assert_eq!(code(&out), 0, "{report:?}");
    assert!(report.pairs.is_empty() && report.clusters.is_empty());
    report.check_summary();
}

#[test]
fn one_word_repeated_a_million_times_stays_bounded() {
    // Two identical files of one word repeated: every shingle is the same,
    // so no shingle seeds an alignment (one repeated that often is no seed),
    // but identical documents align as one whole span. The run must finish
    // quickly and report one near-duplicate pair, not a million spans.
    let dir = tempfile::tempdir().unwrap();
    let text = "word ".repeat(1_000_000);
    write_files(
        dir.path(),
        &[("a.txt", text.as_bytes()), ("b.txt", text.as_bytes())],
    );
    let out = neardup()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "json"])
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert!(out.stdout.len() < 64 << 10, "{} bytes", out.stdout.len());
    let report = Report::parse(&out.stdout);
    report.check_summary();
    assert!(report.errors.is_empty() && report.skipped.is_empty());
    assert_eq!(report.document_names(), ["a.txt", "b.txt"]);
    assert!(report.documents.iter().all(|d| d.words == 1_000_000));
    match report.pairs.as_slice() {
        [p] => {
            assert_eq!(code(&out), 1);
            assert_eq!(p.kind, Kind::NearDuplicate, "{p:?}");
            assert!(p.spans.len() <= 2, "{:?}", p.spans.len());
            check_spans(&report, dir.path());
        }
        more => panic!("{} pairs from two documents", more.len()),
    }
}

#[test]
fn an_article_copied_into_ten_documents_is_still_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let text = article(50, 300);
    for i in 0..10 {
        std::fs::write(dir.path().join(format!("copy{i}.txt")), &text).unwrap();
    }
    let (report, out) = scan_json(dir.path(), &["."]);
    assert_eq!(code(&out), 1, "{:?}", report.summary);
    assert_eq!(report.clusters.len(), 1);
    assert_eq!(report.clusters[0].drop.len(), 9);
}

// ------------------------------------------------------------ settings

/// `--jsonl-id` (or `jsonl-id` in neardup.toml) picks the field the
/// records' ids are read from: the repeated-id warning quotes it and
/// `dedupe --annotate` lists it, while reports still name records
/// `file:line`.
#[test]
fn jsonl_id_names_the_field_the_ids_are_read_from() {
    let dir = tempfile::tempdir().unwrap();
    let text = article(3, 120);
    let line = |id: u32| {
        serde_json::json!({"id": id, "url": "https://example.org/a", "text": text}).to_string()
    };
    let data = format!("{}\n{}\n", line(1), line(2));
    write_files(dir.path(), &[("data.jsonl", data.as_bytes())]);
    let run = |args: &[&str]| {
        neardup()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let dedupe = [
        "dedupe",
        "data.jsonl",
        "--jsonl",
        "--out",
        "k.jsonl",
        "--annotate",
    ];
    let absorbed = || {
        let kept = std::fs::read_to_string(dir.path().join("k.jsonl")).unwrap();
        let v: serde_json::Value = serde_json::from_str(kept.trim()).unwrap();
        v["neardup_absorbed"].clone()
    };
    let warning = "data.jsonl:2: id \"https://example.org/a\" is also the id of data.jsonl:1";

    // By default the id is "id": distinct, no warning; the absorbed record
    // is listed by its id.
    let out = run(&dedupe);
    assert_eq!(code(&out), 0, "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    assert_eq!(absorbed(), serde_json::json!(["2"]));

    // --jsonl-id url, on the command line or in the settings file.
    let mut with_flag = dedupe.to_vec();
    with_flag.extend(["--jsonl-id", "url"]);
    for (args, file) in [
        (&with_flag[..], None),
        (&dedupe[..], Some("jsonl-id = \"url\"\n")),
    ] {
        if let Some(f) = file {
            write_files(dir.path(), &[("neardup.toml", f.as_bytes())]);
        }
        let out = run(args);
        assert_eq!(code(&out), 0, "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(warning), "{args:?} {file:?}: {stderr}");
        assert_eq!(absorbed(), serde_json::json!(["https://example.org/a"]));
        // The report still names the records by file and line.
        let (report, _) = scan_json(dir.path(), &["data.jsonl", "--jsonl"]);
        assert_eq!(report.document_names(), ["data.jsonl:1", "data.jsonl:2"]);
    }
}

/// A discovered neardup.toml sets options as the flags do; a flag given
/// on the command line wins over it; its `paths` are scanned when none is
/// named.
#[test]
fn the_settings_file_sets_options_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = root().join(CORPUS);
    let settings = format!(
        "paths = [{:?}]\nmin-words = 20\nformat = \"json\"\nfail-on = \"never\"\n",
        corpus.display().to_string()
    );
    write_files(dir.path(), &[("neardup.toml", settings.as_bytes())]);
    let scan = |extra: &[&str], status: i32| {
        let out = neardup()
            .current_dir(dir.path())
            .arg("scan")
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(code(&out), status, "{extra:?}: {out:?}");
        Report::parse(&out.stdout)
    };
    let quote = (
        s("09_library_renovation.txt"),
        s("10_mayor_year_review.txt"),
        Kind::Partial,
    );
    // min-words = 20 finds the 28-word quote of 09 in 10; fail-on = never
    // makes the status 0; the report is JSON.
    let r = scan(&[], 0);
    let mut want = planted();
    want.push(quote.clone());
    assert_eq!(r.pair_names(), want);
    // The flags win: the quote is below 50 words, and any finding fails.
    let r = scan(&["--min-words", "50", "--fail-on", "any"], 1);
    assert_eq!(r.pair_names(), planted());
    // Paths on the command line replace the file's.
    let (a, b) = (corpus.join(&quote.0), corpus.join(&quote.1));
    let r = scan(&[a.to_str().unwrap(), b.to_str().unwrap()], 0);
    assert_eq!(r.documents.len(), 2);
}
