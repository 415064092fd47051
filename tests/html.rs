//! `--format html`: the page's structure, checked without a browser (the
//! browser checks are tests/browser/check.mjs): one self-contained file
//! whose CSP allows only its own script and style, a row per pair, a data
//! block whose spans cover exactly the bytes the JSON report gives, every
//! document byte and name escaped, byte-identical output for equal input.

mod common;

use common::{neardup, root, Report, CORPUS};
use serde_json::Value;
use std::path::Path;

/// The HTML report of `corpus` (run in `cwd`), and its JSON report.
fn render(cwd: &Path, corpus: &str, extra: &[&str]) -> (String, Report) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    neardup()
        .current_dir(cwd)
        .args([
            "scan",
            corpus,
            "--format",
            "html",
            "--fail-on",
            "never",
            "-o",
        ])
        .arg(&out)
        .args(extra)
        .assert()
        .success();
    let html = std::fs::read_to_string(&out).unwrap();
    let json = neardup()
        .current_dir(cwd)
        .args(["scan", corpus, "--format", "json", "--fail-on", "never"])
        .args(extra)
        .output()
        .unwrap();
    (html, serde_json::from_slice(&json.stdout).unwrap())
}

/// The page's JSON data block.
fn data(html: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"neardup-data\">";
    let s = &html[html.find(open).expect("data block") + open.len()..];
    serde_json::from_str(&s[..s.find("</script>").unwrap()]).unwrap()
}

/// The text of UTF-16 range `[s, e)` of a document of the data block.
fn slice16(doc: &Value, s: usize, e: usize) -> String {
    let mut out = Vec::new();
    for c in doc["chunks"].as_array().unwrap() {
        let off = c[1].as_u64().unwrap() as usize;
        let t: Vec<u16> = c[2].as_str().unwrap().encode_utf16().collect();
        let (from, to) = (s.max(off), e.min(off + t.len()));
        if from < to {
            out.extend_from_slice(&t[from - off..to - off]);
        }
    }
    String::from_utf16(&out).unwrap()
}

/// Every span of every pair: the data block's text is the file's bytes.
fn spans_match(cwd: &Path, html: &str, json: &Report, decode: impl Fn(&[u8]) -> String) {
    let d = data(html);
    let pairs = d["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), json.pairs.len());
    for (p, jp) in pairs.iter().zip(&json.pairs) {
        for (s, js) in p["spans"].as_array().unwrap().iter().zip(&jp.spans) {
            for (k, path, loc) in [(0, &jp.a, &js.a), (1, &jp.b, &js.b)] {
                let doc = &d["docs"][p[if k == 0 { "a" } else { "b" }].as_u64().unwrap() as usize];
                assert_eq!(doc["path"].as_str().unwrap(), path);
                let text = slice16(
                    doc,
                    s[2 * k].as_u64().unwrap() as usize,
                    s[2 * k + 1].as_u64().unwrap() as usize,
                );
                let file = std::fs::read(cwd.join(path)).unwrap();
                assert_eq!(text, decode(&file[loc.start..loc.end]), "{path} {loc:?}");
            }
        }
    }
}

#[test]
fn example_corpus_page_is_self_contained_and_matches_the_json_report() {
    let (html, json) = render(root(), CORPUS, &[]);
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    let csp: Vec<&str> = html
        .matches("http-equiv=\"Content-Security-Policy\"")
        .collect();
    assert_eq!(csp.len(), 1);
    assert!(html.contains("content=\"default-src 'none'; script-src 'sha256-"));
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the data block and the script"
    );
    assert_eq!(html.matches("<style").count(), 1);
    for fetch in ["src=", "href=", "url(", "@import", "http://", "https://"] {
        assert!(!html.contains(fetch), "nothing to fetch: {fetch}");
    }
    assert_eq!(html.matches("<tr class=\"pair\"").count(), json.pairs.len());
    assert_eq!(
        html.matches("<tr class=\"passage\"").count(),
        json.passages.len()
    );
    let drops: usize = json.clusters.iter().map(|c| c.drop.len()).sum();
    assert_eq!(html.matches("<div class=\"drop\">").count(), drops);
    assert!(html.contains(&format!(
        "<dd data-count=\"pairs\">{}</dd>",
        json.summary.pairs
    )));
    spans_match(root(), &html, &json, |b| {
        String::from_utf8(b.to_vec()).unwrap()
    });
    // Determinism, whatever the thread count.
    let (again, _) = render(root(), CORPUS, &["-j1"]);
    assert!(again == html, "byte-identical output");
}

#[test]
fn injected_markup_in_texts_and_names_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let words: String = (0..90).map(|i| format!("token{i} of the page ")).collect();
    let evil = format!(
        "<script>window.__pwned=1</script><!-- \u{2028} & <img src=x onerror=alert(1)>\n{words}\n</script>\n"
    );
    std::fs::write(corpus.join("a.txt"), &evil).unwrap();
    std::fs::write(corpus.join("<b onmouseover=x>'\".txt"), &evil).unwrap();
    let (html, json) = render(dir.path(), "corpus", &[]);
    assert_eq!(json.pairs.len(), 1);
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("</script").count(), 2);
    for raw in ["<img", "<b ", "<!--", "\u{2028}", "<script>window"] {
        assert!(!html.contains(raw), "{raw} appears raw");
    }
    assert!(html.contains("corpus/&lt;b onmouseover=x&gt;&#39;&quot;.txt"));
    let d = data(&html);
    let text = d["docs"][0]["chunks"][0][2].as_str().unwrap();
    assert_eq!(text, evil, "the data block carries the text unchanged");
    spans_match(dir.path(), &html, &json, |b| {
        String::from_utf8(b.to_vec()).unwrap()
    });
}

#[test]
fn spans_of_decoded_files_map_to_the_decoded_text() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let shared: String = (0..90).map(|i| format!("shared{i} words ")).collect();
    // Windows-1252 (0xE9 is é): file offsets, UTF-8 offsets and UTF-16
    // offsets of the shared text all differ.
    let mut a = b"caf\xe9 caf\xe9 caf\xe9\n".to_vec();
    a.extend_from_slice(shared.as_bytes());
    std::fs::write(corpus.join("a.txt"), &a).unwrap();
    std::fs::write(corpus.join("b.txt"), format!("😀 émoji\n{shared}")).unwrap();
    let (html, json) = render(dir.path(), "corpus", &[]);
    assert_eq!(json.pairs.len(), 1);
    assert_eq!(json.warnings.len(), 1, "a.txt is read as Windows-1252");
    spans_match(dir.path(), &html, &json, |b| {
        b.iter().map(|&c| char::from(c)).collect()
    });
}

#[test]
fn settings_file_can_ask_for_html() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join("neardup.toml"),
        "format = \"html\"\noutput = \"r.html\"\nfail-on = \"never\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.txt"), "one two three").unwrap();
    neardup()
        .current_dir(dir.path())
        .args(["scan", "a.txt"])
        .assert()
        .success();
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(html.contains("No pair was flagged."));
    assert!(html.contains("<dd data-count=\"documents\">1</dd>"));
}
