//! Issue 11, item 6: reports that said something false. Each test runs the
//! real binary and fails on the old behaviour: `check` kept the new copy
//! and listed the indexed original to drop; the step summary counted the
//! listed documents instead of the run's and spoke of "new documents" in a
//! scan; bad JSON Lines records were counted as files; repeated JSON Lines
//! ids went unnoticed; `check` from inside the corpus advised creating a
//! second index when one was in the directory above.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;

/// `n` pseudo-random words (a vocabulary of 5000, no two articles alike).
fn article(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = String::new();
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(&format!("w{}", x % 5000));
        out.push(if i % 12 == 11 { '\n' } else { ' ' });
    }
    out.push('\n');
    out
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.path().join(rel)
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    fn cmd_in(&self, sub: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_neardup"));
        c.current_dir(self.path(sub))
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("CI");
        c
    }
    fn run(&self, args: &[&str]) -> Output {
        self.cmd_in("").args(args).output().unwrap()
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

fn clusters(report: &Value) -> Vec<(String, Vec<String>)> {
    report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["keep"].as_str().unwrap().to_string(),
                c["drop"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

/// A corpus of six articles indexed at `.neardup/index`, the last of them
/// `corpus/z_original.txt`.
fn indexed_corpus() -> Dir {
    let d = Dir::new();
    for i in 0..5 {
        d.write(&format!("corpus/other-{i}.txt"), &article(100 + i, 300));
    }
    d.write("corpus/z_original.txt", &article(7, 300));
    let out = d.run(&["index", "build", "corpus"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    d
}

#[test]
fn check_keeps_the_indexed_copy_whatever_the_path_order_and_keep_policy() {
    let d = indexed_corpus();
    // A new copy before the original by path, and longer (two words added),
    // so that neither `--keep first` nor `--keep longest` would pick the
    // original on their own.
    d.write(
        "corpus/a_copy.txt",
        &format!("{}extra words\n", article(7, 300)),
    );
    for keep in ["first", "longest"] {
        let out = d.run(&["check", "corpus", "--format", "json", "--keep", keep]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert_eq!(
            clusters(&json(&out)),
            [(
                "corpus/z_original.txt".to_string(),
                vec!["corpus/a_copy.txt".to_string()]
            )],
            "--keep {keep}"
        );
        let text = d.run(&["check", "corpus", "--keep", keep]);
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("  keep corpus/z_original.txt\n    drop corpus/a_copy.txt\n"),
            "{text}"
        );
    }
    // A scan knows no index: `--keep` alone decides, as before.
    let out = d.run(&["scan", "corpus", "--format", "json"]);
    assert_eq!(
        clusters(&json(&out)),
        [(
            "corpus/a_copy.txt".to_string(),
            vec!["corpus/z_original.txt".to_string()]
        )]
    );
}

#[test]
fn between_two_new_copies_keep_still_decides() {
    let d = indexed_corpus();
    d.write("corpus/n1.txt", &article(55, 300));
    d.write(
        "corpus/n2.txt",
        &format!("{}one more line\n", article(55, 300)),
    );
    let run = |keep: &str| {
        let out = d.run(&["check", "corpus", "--format", "json", "--keep", keep]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        clusters(&json(&out))
    };
    assert_eq!(
        run("first"),
        [("corpus/n1.txt".into(), vec!["corpus/n2.txt".into()])]
    );
    assert_eq!(
        run("longest"),
        [("corpus/n2.txt".into(), vec!["corpus/n1.txt".into()])]
    );
}

/// The step summary a `--format github` run appends.
fn step_summary(d: &Dir, args: &[&str]) -> (Output, String) {
    let file = d.path("summary.md");
    let _ = std::fs::remove_file(&file);
    let out = d
        .cmd_in("")
        .args(args)
        .args(["--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &file)
        .output()
        .unwrap();
    (out, std::fs::read_to_string(&file).unwrap_or_default())
}

#[test]
fn the_check_step_summary_counts_the_new_documents_and_the_whole_run() {
    let d = indexed_corpus();
    // Three new documents, one of which repeats an indexed one: the report
    // lists four documents, the run looked at nine.
    d.write("corpus/new-copy.txt", &article(7, 300));
    d.write("corpus/new-a.txt", &article(201, 300));
    d.write("corpus/new-b.txt", &article(202, 300));
    let (out, md) = step_summary(&d, &["check", "corpus"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        md.contains("1 repeated span in 1 of the 3 new documents (9 scanned).\n"),
        "{md}"
    );
    assert!(md.contains("| new document | lines |"), "{md}");
    // Nothing repeated: still the run's counts.
    std::fs::remove_file(d.path("corpus/new-copy.txt")).unwrap();
    let (out, md) = step_summary(&d, &["check", "corpus"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        md.contains("No repeated text in 2 new documents (8 scanned).\n"),
        "{md}"
    );
}

#[test]
fn a_scan_step_summary_speaks_of_documents_scanned_not_new_ones() {
    let d = Dir::new();
    for i in 0..4 {
        d.write(&format!("c/{i}.txt"), &article(300 + i, 200));
    }
    d.write("c/copy.txt", &article(300, 200));
    let (out, md) = step_summary(&d, &["scan", "c"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        md.contains("1 repeated span in 1 document (5 documents scanned).\n"),
        "{md}"
    );
    assert!(md.contains("| document | lines |"), "{md}");
    assert!(!md.contains("new"), "{md}");
    std::fs::remove_file(d.path("c/copy.txt")).unwrap();
    let (_, md) = step_summary(&d, &["scan", "c"]);
    assert_eq!(
        md,
        "### neardup\n\nNo repeated text (4 documents scanned).\n"
    );
}

/// Two JSON Lines files: five good records and five bad lines (three in
/// `a.jsonl`, two in `b.jsonl`).
fn jsonl_with_bad_lines() -> Dir {
    let d = Dir::new();
    let rec = |id: &str, seed: u64| {
        serde_json::json!({ "id": id, "text": article(seed, 120) }).to_string() + "\n"
    };
    d.write(
        "data/a.jsonl",
        &format!(
            "{}not json\n{}[1, 2]\n{{\"text\": 5}}\n",
            rec("a1", 1),
            rec("a2", 2)
        ),
    );
    d.write(
        "data/b.jsonl",
        &format!("{}{{\"body\": \"x\"}}\n{}{{\n", rec("b1", 3), rec("b2", 4)),
    );
    d.write("data/c.jsonl", &rec("c1", 5));
    d
}

#[test]
fn bad_jsonl_lines_are_counted_as_records_in_files() {
    let d = jsonl_with_bad_lines();
    let out = d.run(&["scan", "data", "--jsonl"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("5 records in 2 files could not be read, 0 skipped (see stderr)"),
        "{text}"
    );
    assert!(!text.contains("5 files"), "{text}");
    let err = stderr(&out);
    assert!(
        err.contains("neardup: 5 records in 2 files could not be read (skipped)\n"),
        "{err}"
    );
    assert!(err.contains("data/a.jsonl:2: invalid JSON"), "{err}");
    assert!(err.contains("data/b.jsonl:4: invalid JSON"), "{err}");

    // JSON: each error names the file and the record's line.
    let v = json(&d.run(&["scan", "data", "--jsonl", "--format", "json"]));
    let errs: Vec<(String, u64)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().into(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, u64)> = [
        ("data/a.jsonl", 2),
        ("data/a.jsonl", 4),
        ("data/a.jsonl", 5),
        ("data/b.jsonl", 2),
        ("data/b.jsonl", 4),
    ]
    .iter()
    .map(|&(p, l)| (p.to_string(), l))
    .collect();
    assert_eq!(errs, want);
    assert_eq!(v["summary"]["errors"], 5);

    // The step summary says so too.
    let (_, md) = step_summary(&d, &["scan", "data", "--jsonl"]);
    assert!(
        md.ends_with("5 records in 2 files could not be read (see the log).\n"),
        "{md}"
    );
}

#[test]
fn a_missing_jsonl_file_beside_bad_records_is_counted_as_a_file() {
    let d = jsonl_with_bad_lines();
    let out = d.run(&["scan", "data", "data/gone.jsonl", "--jsonl"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 file and 5 records in 2 files could not be read"),
        "{text}"
    );
}

#[test]
fn repeated_jsonl_ids_are_a_warning_naming_both_records() {
    let d = Dir::new();
    let rec = |id: Value, seed: u64| {
        serde_json::json!({ "id": id, "text": article(seed, 120) }).to_string() + "\n"
    };
    d.write(
        "a.jsonl",
        &format!(
            "{}{}{}",
            rec("x".into(), 1),
            rec(Value::Null, 2),
            rec("y".into(), 3)
        ),
    );
    d.write(
        "b.jsonl",
        &format!("{}{}", rec(Value::Null, 4), rec("x".into(), 5)),
    );
    let out = d.run(&["scan", "a.jsonl", "b.jsonl", "--jsonl"]);
    // Nothing repeats and nothing is wrong with a record: exit 0.
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        ["neardup: warning: b.jsonl:2: id \"x\" is also the id of a.jsonl:1 (both records are scanned)"],
        "{err}"
    );
    // Another id field: its values decide.
    let out = d.run(&[
        "scan",
        "a.jsonl",
        "b.jsonl",
        "--jsonl",
        "--jsonl-id",
        "nope",
    ]);
    assert_eq!(stderr(&out), "");
    // Both records are documents of the report.
    let v = json(&d.run(&["scan", "a.jsonl", "b.jsonl", "--jsonl", "--format", "json"]));
    let names: Vec<&str> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["path"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"a.jsonl:1") && names.contains(&"b.jsonl:2"),
        "{names:?}"
    );
}

#[test]
fn many_repeated_ids_are_noted_ten_then_counted() {
    let d = Dir::new();
    let lines: String = (0..15)
        .map(|i| serde_json::json!({ "id": 1, "text": article(i, 60) }).to_string() + "\n")
        .collect();
    d.write("a.jsonl", &lines);
    let out = d.run(&["scan", "a.jsonl", "--jsonl"]);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 11, "{err}");
    assert!(
        lines[0].starts_with("neardup: warning: a.jsonl:2: id \"1\" is also the id of a.jsonl:1")
    );
    assert_eq!(
        lines[10],
        "neardup: warning: 4 more records repeat an earlier record's id"
    );
}

#[test]
fn check_inside_the_corpus_names_the_index_above() {
    let d = indexed_corpus();
    let out = d.cmd_in("corpus").args(["check", "."]).output().unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        err,
        "neardup: .neardup/index: no index here, but there is ../.neardup/index: run from .. \
         naming the corpus as when it was indexed, or pass --index ../.neardup/index\n"
    );
    assert!(!err.contains("index build"), "{err}");
    // Two levels down, too.
    std::fs::create_dir_all(d.path("corpus/sub")).unwrap();
    let out = d
        .cmd_in("corpus/sub")
        .args(["check", "."])
        .output()
        .unwrap();
    assert!(stderr(&out).contains("there is ../../.neardup/index: run from ../.."));
    // An index named explicitly is not looked for above.
    let out = d
        .cmd_in("corpus")
        .args(["check", ".", "--index", "mine.idx"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("mine.idx: no index here; create one"), "{err}");
}

#[test]
fn the_search_for_an_index_above_stops_at_the_repository_root() {
    let d = indexed_corpus();
    // A repository inside the directory holding the index: its root ends
    // the search, and the old advice stands.
    std::fs::create_dir_all(d.path("corpus/.git")).unwrap();
    std::fs::create_dir_all(d.path("corpus/inner")).unwrap();
    let out = d
        .cmd_in("corpus/inner")
        .args(["check", "."])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 2);
    assert!(
        err.contains(".neardup/index: no index here; create one with `neardup index build`"),
        "{err}"
    );
}
