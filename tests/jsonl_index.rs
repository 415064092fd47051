//! JSON Lines corpora in the index: `index build --jsonl`, then `check
//! --jsonl` flags a new record that repeats an indexed one, located as
//! `file:line` in SARIF; records keyed by id survive reordering.

mod common;

use common::{article, code, neardup};
use serde_json::Value;
use std::path::Path;

fn record(id: &str, text: &str) -> String {
    format!(
        "{{\"id\":{},\"text\":{},\"src\":\"x\"}}\n",
        Value::String(id.into()),
        Value::String(text.into())
    )
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    neardup().current_dir(dir).args(args).output().unwrap()
}

#[test]
fn a_new_record_repeating_an_indexed_one_is_flagged_in_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let texts: Vec<String> = (0..4).map(|i| article(100 + i, 300)).collect();
    let old: String = texts
        .iter()
        .enumerate()
        .map(|(i, t)| record(&format!("r{i}"), t))
        .collect();
    std::fs::write(data.join("a.jsonl"), &old).unwrap();
    let out = run(dir.path(), &["index", "build", "--jsonl", "data"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("indexed 4 documents"));

    // Nothing new: clean.
    let out = run(
        dir.path(),
        &["check", "--jsonl", "data", "--format", "json"],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));

    // Reordered records keep their ids: still nothing new.
    let reordered: String = texts
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| record(&format!("r{i}"), t))
        .collect();
    std::fs::write(data.join("a.jsonl"), &reordered).unwrap();
    let out = run(
        dir.path(),
        &["check", "--jsonl", "data", "--format", "json"],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["new_documents"], 0);

    // A drop: a new file whose second record repeats r2 (now on line 2 of a.jsonl).
    let drop = format!(
        "{}{}",
        record("n0", &article(900, 200)),
        record("n1", &format!("Intro.\n{}", texts[2]))
    );
    std::fs::write(data.join("b.jsonl"), drop).unwrap();
    let out = run(
        dir.path(),
        &["check", "--jsonl", "data", "--format", "sarif"],
    );
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    let uris: Vec<String> = std::iter::once(&results[0]["locations"][0])
        .chain(results[0]["relatedLocations"].as_array().unwrap())
        .map(|l| {
            l["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                // A URI: the record name's ':' is percent-encoded.
                .replace("%3A", ":")
        })
        .collect();
    assert!(uris.iter().any(|u| u == "data/b.jsonl:2"), "{uris:?}");
    assert!(uris.iter().any(|u| u == "data/a.jsonl:2"), "{uris:?}");

    // An indexed record edited: the update re-sketches that one only.
    let changed = reordered
        .replace("\"src\":\"x\"", "\"src\":\"y\"")
        .replacen(
            &Value::String(texts[2].clone()).to_string(),
            &Value::String(format!("{} extra words", texts[2])).to_string(),
            1,
        );
    std::fs::write(data.join("a.jsonl"), changed).unwrap();
    std::fs::remove_file(data.join("b.jsonl")).unwrap();
    let out = run(dir.path(), &["index", "update", "--jsonl", "data"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("(1 new or changed, 0 removed)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
