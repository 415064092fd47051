//! `neardup dedupe` against the real binary: the drop list is the
//! clusters' drops, kept JSON Lines records are their input lines byte for
//! byte, `--what partial` removes exactly the reported spans.

mod common;

use common::{code, neardup, root, CORPUS};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn scan_report(cwd: &Path, args: &[&str]) -> Value {
    let out = neardup()
        .current_dir(cwd)
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(code(&out) <= 1, "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn cluster_drops(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["drop"].as_array().unwrap().clone())
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn dedupe(cwd: &Path, args: &[&str]) -> std::process::Output {
    let out = neardup()
        .current_dir(cwd)
        .arg("dedupe")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn the_drop_list_is_the_clusters_drops() {
    let dir = tempfile::tempdir().unwrap();
    let report = scan_report(root(), &[CORPUS]);
    let want = cluster_drops(&report);
    assert!(!want.is_empty(), "the example corpus has a cluster");
    let list = dir.path().join("drop.txt");
    dedupe(root(), &[CORPUS, "--drop-list", list.to_str().unwrap()]);
    let got: Vec<String> = std::fs::read_to_string(&list)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(got, want);
    // The same from the saved report.
    let saved = dir.path().join("report.json");
    std::fs::write(&saved, serde_json::to_vec(&report).unwrap()).unwrap();
    let list2 = dir.path().join("drop2.txt");
    dedupe(
        root(),
        &[
            "--report",
            saved.to_str().unwrap(),
            "--drop-list",
            list2.to_str().unwrap(),
        ],
    );
    assert_eq!(
        std::fs::read(&list).unwrap(),
        std::fs::read(&list2).unwrap()
    );
}

fn copy_corpus(to: &Path) {
    let dest = to.join("corpus");
    std::fs::create_dir_all(&dest).unwrap();
    for e in std::fs::read_dir(root().join(CORPUS)).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dest.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn dropped_files_are_moved_never_over_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    copy_corpus(dir.path());
    let want = cluster_drops(&scan_report(dir.path(), &["corpus"]));
    // A file already where one would go: refused, named, nothing moved.
    let blocker = dir.path().join("attic").join(&want[0]);
    std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
    std::fs::write(&blocker, "mine").unwrap();
    let out = neardup()
        .current_dir(dir.path())
        .args(["dedupe", "corpus", "--move-dropped", "attic"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&want[0]) && err.contains("refusing"), "{err}");
    assert!(dir.path().join(&want[0]).is_file(), "nothing moved");
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "mine");
    std::fs::remove_file(&blocker).unwrap();

    let before = std::fs::read(dir.path().join(&want[0])).unwrap();
    dedupe(dir.path(), &["corpus", "--move-dropped", "attic"]);
    for d in &want {
        assert!(!dir.path().join(d).exists(), "{d} moved away");
        assert!(
            dir.path().join("attic").join(d).is_file(),
            "{d} under attic"
        );
    }
    assert_eq!(
        std::fs::read(dir.path().join("attic").join(&want[0])).unwrap(),
        before
    );
    // What stays scans clean of near duplicates.
    assert!(cluster_drops(&scan_report(dir.path(), &["corpus"])).is_empty());
}

/// The example corpus as one JSON Lines file: a record per file, with an
/// id, the text and an extra field (written with odd spacing, so that a
/// re-serialised line would differ).
fn jsonl_corpus(dir: &Path) -> (PathBuf, Vec<Vec<u8>>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(CORPUS))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut lines = Vec::new();
    for (i, p) in files.iter().enumerate() {
        let text = std::fs::read_to_string(p).unwrap();
        let line = format!(
            "{{\"id\": \"doc-{i}\",  \"extra\": {{\"n\": {i}, \"src\": {}}}, \"text\": {}}}\n",
            Value::String(p.file_name().unwrap().to_string_lossy().into()),
            Value::String(text)
        );
        lines.push(line.into_bytes());
    }
    let path = dir.join("corpus.jsonl");
    std::fs::write(&path, lines.concat()).unwrap();
    (path, lines)
}

#[test]
fn jsonl_out_keeps_the_kept_records_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (_, lines) = jsonl_corpus(dir.path());
    let report = scan_report(dir.path(), &["--jsonl", "corpus.jsonl"]);
    let drops: BTreeSet<String> = cluster_drops(&report).into_iter().collect();
    assert!(!drops.is_empty());
    dedupe(
        dir.path(),
        &["--jsonl", "corpus.jsonl", "--out", "kept.jsonl"],
    );
    let want: Vec<u8> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| !drops.contains(&format!("corpus.jsonl:{}", i + 1)))
        .flat_map(|(_, l)| l.clone())
        .collect();
    assert_eq!(std::fs::read(dir.path().join("kept.jsonl")).unwrap(), want);

    // --annotate: the keeper gains its cluster and the ids it absorbed.
    dedupe(
        dir.path(),
        &[
            "--jsonl",
            "corpus.jsonl",
            "--out",
            "annotated.jsonl",
            "--annotate",
        ],
    );
    let annotated = std::fs::read_to_string(dir.path().join("annotated.jsonl")).unwrap();
    let keep = report["clusters"][0]["keep"].as_str().unwrap();
    let keep_line: usize = keep.rsplit_once(':').unwrap().1.parse().unwrap();
    let absorbed: Vec<String> = report["clusters"][0]["drop"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let n: usize = d
                .as_str()
                .unwrap()
                .rsplit_once(':')
                .unwrap()
                .1
                .parse()
                .unwrap();
            format!("doc-{}", n - 1)
        })
        .collect();
    let rec: Value = annotated
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["id"] == format!("doc-{}", keep_line - 1))
        .unwrap();
    assert_eq!(rec["neardup_cluster"], 0);
    assert_eq!(rec["neardup_absorbed"], serde_json::json!(absorbed));
}

/// Every byte of `text` outside `ranges`: the oracle of stripping.
fn outside(text: &[u8], ranges: &[(usize, usize)]) -> Vec<u8> {
    (0..text.len())
        .filter(|&i| !ranges.iter().any(|&(s, e)| s <= i && i < e))
        .map(|i| text[i])
        .collect()
}

#[test]
fn partial_removes_exactly_the_reported_spans() {
    let dir = tempfile::tempdir().unwrap();
    let (_, lines) = jsonl_corpus(dir.path());
    let report = scan_report(dir.path(), &["--jsonl", "corpus.jsonl"]);
    let drops: BTreeSet<String> = cluster_drops(&report).into_iter().collect();
    // The later copy (b) of each pair of kept records loses its content spans.
    let mut strip: std::collections::BTreeMap<String, Vec<(usize, usize)>> = Default::default();
    for p in report["pairs"].as_array().unwrap() {
        let (a, b) = (p["a"].as_str().unwrap(), p["b"].as_str().unwrap());
        if drops.contains(a) || drops.contains(b) {
            continue;
        }
        for s in p["spans"].as_array().unwrap() {
            if s["boilerplate"] == false {
                let r = (
                    s["b"]["start"].as_u64().unwrap() as usize,
                    s["b"]["end"].as_u64().unwrap() as usize,
                );
                strip.entry(b.to_string()).or_default().push(r);
            }
        }
    }
    assert!(!strip.is_empty(), "the example corpus has partial pairs");
    dedupe(
        dir.path(),
        &[
            "--jsonl",
            "corpus.jsonl",
            "--what",
            "partial",
            "--out",
            "stripped.jsonl",
        ],
    );
    let out = std::fs::read(dir.path().join("stripped.jsonl")).unwrap();
    let mut out_lines = out.split_inclusive(|&b| b == b'\n');
    for (i, line) in lines.iter().enumerate() {
        let name = format!("corpus.jsonl:{}", i + 1);
        if drops.contains(&name) {
            continue;
        }
        let got = out_lines.next().expect("a line per kept record");
        match strip.get(&name) {
            None => assert_eq!(got, &line[..], "{name} unchanged"),
            Some(ranges) => {
                let before: Value = serde_json::from_slice(line).unwrap();
                let after: Value = serde_json::from_slice(got).unwrap();
                let text = before["text"].as_str().unwrap().as_bytes();
                let want = outside(text, ranges);
                assert!(want.len() < text.len());
                assert_eq!(
                    after["text"].as_str().unwrap().as_bytes(),
                    &want[..],
                    "{name}"
                );
                // Every other field as it was, and every byte before the text.
                assert_eq!(after["id"], before["id"]);
                assert_eq!(after["extra"], before["extra"]);
                let head = line.len() - serde_json::to_string(&before["text"]).unwrap().len() - 2;
                assert_eq!(&got[..head], &line[..head], "{name}: bytes before the text");
            }
        }
    }
    assert!(out_lines.next().is_none());
}

#[test]
fn seeds_partial_keeps_000_whole_and_001_without_its_first_42_lines() {
    let Some(seeds) = common::seeds_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("clean");
    dedupe(
        &seeds,
        &[
            ".",
            "--what",
            "partial",
            "--out-dir",
            out_dir.to_str().unwrap(),
            "--drop-list",
            dir.path().join("drop.txt").to_str().unwrap(),
        ],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("drop.txt")).unwrap(),
        ""
    );
    let written: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let one = written
        .iter()
        .find(|n| n.starts_with("001_"))
        .expect("001 stripped");
    assert_eq!(
        written.len(),
        1,
        "000 is kept whole (not rewritten): {written:?}"
    );
    let original = std::fs::read_to_string(seeds.join(one)).unwrap();
    let stripped = std::fs::read_to_string(out_dir.join(one)).unwrap();
    // Lines 1-42 (the shared article) are gone, the rest is as it was.
    let rest: String = original.split_inclusive('\n').skip(42).collect();
    let first42: String = original.split_inclusive('\n').take(42).collect();
    assert!(
        stripped.ends_with(&rest) && stripped.len() <= rest.len() + 1,
        "001 is its lines 43.. (stripped {} bytes, rest {})",
        stripped.len(),
        rest.len()
    );
    assert!(!stripped.contains(first42.lines().next().unwrap()));
}

#[test]
fn usage_errors_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_corpus(dir.path());
    std::fs::write(dir.path().join("r.json"), "{\"schema\": 9}").unwrap();
    for (args, says) in [
        (&["corpus"][..], "nothing to write"),
        (&["corpus", "--out", "o.jsonl"], "--jsonl"),
        (&["corpus", "--drop-list", "d", "--annotate"], "--out"),
        (
            &["corpus", "--what", "partial", "--drop-list", "d"],
            "--out-dir",
        ),
        (&["corpus", "--jsonl", "--move-dropped", "m"], "--out"),
        (
            &["corpus", "--report", "r.json", "--drop-list", "d"],
            "no paths",
        ),
        (&["--report", "r.json", "--drop-list", "d"], "r.json"),
        (&["missing", "--drop-list", "d"], "missing"),
    ] {
        let out = neardup()
            .current_dir(dir.path())
            .arg("dedupe")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        for f in ["d", "o.jsonl", "m"] {
            assert!(!dir.path().join(f).exists(), "{args:?} wrote {f}");
        }
    }
}

#[test]
fn a_stale_report_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_corpus(dir.path());
    let report = scan_report(dir.path(), &["corpus"]);
    std::fs::write(
        dir.path().join("r.json"),
        serde_json::to_vec(&report).unwrap(),
    )
    .unwrap();
    let pair = report["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "partial")
        .unwrap();
    let b = dir.path().join(pair["b"].as_str().unwrap());
    let mut text = std::fs::read(&b).unwrap();
    text.extend_from_slice(b"\nadded later\n");
    std::fs::write(&b, text).unwrap();
    let out = neardup()
        .current_dir(dir.path())
        .args([
            "dedupe",
            "--report",
            "r.json",
            "--what",
            "partial",
            "--out-dir",
            "clean",
            "--drop-list",
            "d",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("changed since the report"));
    assert!(!dir.path().join("clean").exists() && !dir.path().join("d").exists());
}
