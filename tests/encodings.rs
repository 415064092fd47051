//! Files that are not plain UTF-8 are still scanned, and their spans are
//! exact byte ranges of the original files: Latin-1, Windows-1252 with
//! curly quotes, UTF-16 LE with a byte order mark, UTF-8 with a byte order
//! mark; `--encoding`; and a check that reads an indexed Latin-1 file back.
//! Every test runs the real binary and decodes the original bytes itself
//! (with encoding_rs or std), independently of neardup's offset map.

mod common;

use common::{article, code, file_name, neardup, scan_json, write_files, Location, Report};
use encoding_rs::{Encoding, UTF_16LE, WINDOWS_1252};
use std::path::Path;

/// How a test file is encoded.
#[derive(Clone, Copy, Debug)]
enum Enc {
    Latin1,
    Cp1252,
    Utf16Le,
    Utf8Bom,
}

impl Enc {
    fn name(self) -> &'static str {
        match self {
            Enc::Latin1 => "latin1",
            Enc::Cp1252 => "cp1252",
            Enc::Utf16Le => "utf16le",
            Enc::Utf8Bom => "utf8bom",
        }
    }

    /// The file's bytes for `text`.
    fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Enc::Latin1 | Enc::Cp1252 => {
                let (b, _, unmappable) = WINDOWS_1252.encode(text);
                assert!(!unmappable, "{text}");
                b.into_owned()
            }
            Enc::Utf16Le => {
                let mut v = vec![0xFF, 0xFE];
                v.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                v
            }
            Enc::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        }
    }

    /// The bytes of `text` inside the file (no byte order mark).
    fn encode_part(self, text: &str) -> Vec<u8> {
        match self {
            Enc::Utf16Le => self.encode(text)[2..].to_vec(),
            Enc::Utf8Bom => text.as_bytes().to_vec(),
            _ => self.encode(text),
        }
    }

    /// Decodes bytes of the file (without byte order mark).
    fn decode_part(self, bytes: &[u8]) -> String {
        let e: &'static Encoding = match self {
            Enc::Latin1 | Enc::Cp1252 => WINDOWS_1252,
            Enc::Utf16Le => UTF_16LE,
            Enc::Utf8Bom => return String::from_utf8(bytes.to_vec()).expect("UTF-8"),
        };
        let (t, had_errors) = e.decode_without_bom_handling(bytes);
        assert!(!had_errors, "the span splits a character: {bytes:?}");
        t.into_owned()
    }
}

/// An 80-word passage with characters that differ in each encoding.
fn passage(enc: Enc, seed: u64) -> String {
    let words: Vec<String> = article(seed, 80)
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| {
            let w = w.trim_end_matches('.');
            match (i % 9, enc) {
                (3, _) => format!("{w}é"),
                (5, _) => format!("ü{w}ç"),
                (7, Enc::Cp1252) => format!("\u{201c}{w}\u{201d}"),
                (7, Enc::Utf16Le | Enc::Utf8Bom) => format!("{w}日本"),
                (1, Enc::Utf16Le) => format!("{w}\u{1D11E}x"),
                _ => w.to_string(),
            }
        })
        .collect();
    format!("{}.", words.join(" "))
}

/// A document of its own text with `p` as a paragraph (one line) in it.
fn document(seed: u64, p: &str) -> String {
    format!("{}\n{p}\n\n{}", article(seed, 150), article(seed + 1, 150))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The one non-boilerplate span of the pair of `x` and `y` (by file name),
/// as (x's location, y's location).
fn span_of(report: &Report, x: &str, y: &str) -> (Location, Location) {
    let p = report
        .pairs
        .iter()
        .find(|p| {
            let (a, b) = (file_name(&p.a), file_name(&p.b));
            (a == x && b == y) || (a == y && b == x)
        })
        .unwrap_or_else(|| panic!("{x} ~ {y} not flagged: {:?}", report.pair_names()));
    let spans: Vec<_> = p.spans.iter().filter(|s| !s.boilerplate).collect();
    assert_eq!(spans.len(), 1, "{x} ~ {y}: {:?}", p.spans);
    if file_name(&p.a) == x {
        (spans[0].a, spans[0].b)
    } else {
        (spans[0].b, spans[0].a)
    }
}

/// Checks that `loc` in file `name` (encoded with `enc`) is exactly the
/// passage: its bytes decode to it, they are where the encoded passage is,
/// and its lines and columns are those of the passage in the text.
fn check_exact(dir: &Path, name: &str, enc: Enc, p: &str, text: &str, loc: &Location) {
    let bytes = std::fs::read(dir.join(name)).unwrap();
    assert!(
        loc.start < loc.end && loc.end <= bytes.len(),
        "{name}: {loc:?}"
    );
    assert_eq!(enc.decode_part(&bytes[loc.start..loc.end]), p, "{name}");
    let encoded = enc.encode_part(p);
    let at = find(&bytes, &encoded).expect("the passage is in the file");
    assert_eq!((loc.start, loc.end), (at, at + encoded.len()), "{name}");
    let line = text[..text.find(p).unwrap()].matches('\n').count() + 1;
    assert_eq!(
        (loc.line_start, loc.col_start, loc.line_end, loc.col_end),
        (line, 1, line, p.chars().count() + 1),
        "{name}: lines and columns are those of the text"
    );
}

const CASES: [Enc; 4] = [Enc::Latin1, Enc::Cp1252, Enc::Utf16Le, Enc::Utf8Bom];

/// One directory holding, for each encoding, a file in it and a UTF-8 file
/// that shares its passage. Returns the passages and the decoded texts.
fn corpus(dir: &Path) -> Vec<(Enc, String, String)> {
    let mut out = Vec::new();
    for (i, &enc) in CASES.iter().enumerate() {
        let p = passage(enc, 100 + i as u64);
        let source = document(10 + 10 * i as u64, &p);
        let text = document(200 + 10 * i as u64, &p);
        write_files(
            dir,
            &[
                (&format!("{}_source.txt", enc.name()), source.as_bytes()),
                (&format!("{}.txt", enc.name()), &enc.encode(&text)),
            ],
        );
        out.push((enc, p, text));
    }
    out
}

#[test]
fn every_encoding_is_scanned_and_its_spans_are_exact_in_the_original_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = corpus(d);
    let (report, out) = scan_json(d, &["."]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 1, "flagged, not an error: {stderr}");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.documents.len(), 8);
    report.check_summary();

    for (enc, p, text) in &cases {
        let name = format!("{}.txt", enc.name());
        let source = format!("{}_source.txt", enc.name());
        let (loc, src) = span_of(&report, &name, &source);
        check_exact(d, &name, *enc, p, text, &loc);
        let src_bytes = std::fs::read(d.join(&source)).unwrap();
        assert_eq!(&src_bytes[src.start..src.end], p.as_bytes(), "{source}");

        // The report's size is the file's.
        let size = std::fs::metadata(d.join(&name)).unwrap().len() as usize;
        let entry = report
            .documents
            .iter()
            .find(|e| file_name(&e.path) == name)
            .unwrap();
        assert_eq!(entry.bytes, size, "{name}");

        // A warning, on stderr and in the JSON, saying how it was read.
        let bytes = std::fs::read(d.join(&name)).unwrap();
        let high = bytes.iter().filter(|&&b| b >= 0x80).count();
        let first = bytes.iter().position(|&b| b >= 0x80).unwrap_or(0);
        let reason = match enc {
            Enc::Latin1 | Enc::Cp1252 => format!(
                "not valid UTF-8: {high} bytes read as windows-1252 (first at offset {first})"
            ),
            Enc::Utf16Le => "decoded as UTF-16LE (byte order mark)".into(),
            Enc::Utf8Bom => "decoded as UTF-8 (byte order mark)".into(),
        };
        let w: Vec<_> = report
            .warnings
            .iter()
            .filter(|w| file_name(&w.path) == name)
            .collect();
        assert_eq!(w.len(), 1, "{name}: {:?}", report.warnings);
        assert_eq!(w[0].reason, reason);
        assert!(
            stderr.contains(&format!("neardup: ./{name}: {reason}\n")),
            "{stderr}"
        );
    }
    assert_eq!(report.warnings.len(), 4, "UTF-8 files have none");
}

#[test]
fn reports_of_decoded_files_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let run = |j: &str| {
        let out = neardup()
            .current_dir(dir.path())
            .args(["scan", ".", "--format", "json", "-j", j])
            .output()
            .unwrap();
        assert_eq!(code(&out), 1);
        out.stdout
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn text_and_sarif_reports_of_decoded_files_show_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let cases = corpus(dir.path());
    let out = neardup()
        .current_dir(dir.path())
        .args([
            "scan",
            "cp1252.txt",
            "cp1252_source.txt",
            "--color",
            "never",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let text = String::from_utf8(out.stdout).unwrap();
    // The excerpt is the passage's first words, decoded.
    let first: Vec<&str> = cases[1].1.split_whitespace().take(4).collect();
    assert!(text.contains(&first.join(" ")), "{text}");

    let out = neardup()
        .current_dir(dir.path())
        .args([
            "scan",
            "utf16le.txt",
            "utf16le_source.txt",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    // Both sides get a fingerprint: the UTF-16 side's text was found.
    assert!(
        results[0]["partialFingerprints"]
            .as_object()
            .is_some_and(|f| !f.is_empty()),
        "{}",
        results[0]
    );
    // UTF-16 columns of the passage's line: it starts the line.
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startColumn"], 1, "{region}");
}

#[test]
fn a_forced_encoding_reads_every_file_with_it_and_says_nothing_when_clean() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = passage(Enc::Latin1, 7);
    let (ta, tb) = (document(1, &p), document(3, &p));
    write_files(
        d,
        &[
            ("a.txt", &Enc::Latin1.encode(&ta)),
            ("b.txt", &Enc::Latin1.encode(&tb)),
        ],
    );
    let (report, out) = scan_json(d, &[".", "--encoding", "latin1"]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (la, lb) = span_of(&report, "a.txt", "b.txt");
    check_exact(d, "a.txt", Enc::Latin1, &p, &ta, &la);
    check_exact(d, "b.txt", Enc::Latin1, &p, &tb, &lb);

    // The same from the settings file.
    std::fs::write(d.join("neardup.toml"), "encoding = \"iso-8859-1\"\n").unwrap();
    let (again, out) = scan_json(d, &["a.txt", "b.txt"]);
    assert_eq!(code(&out), 1);
    assert!(again.warnings.is_empty());
    assert_eq!(span_of(&again, "a.txt", "b.txt"), (la, lb));
}

#[test]
fn an_unknown_encoding_is_an_error_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("a.txt", b"some words")]);
    let out = neardup()
        .current_dir(dir.path())
        .args(["scan", ".", "--encoding", "klingon"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--encoding") && stderr.contains("klingon"),
        "{stderr}"
    );
    let out = neardup()
        .current_dir(dir.path())
        .args(["scan", ".", "--jsonl", "--encoding", "latin1"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--encoding does not apply to --jsonl"),
        "{stderr}"
    );
}

#[test]
fn a_check_reads_an_indexed_latin1_file_back_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = passage(Enc::Latin1, 9);
    let old = document(20, &p);
    write_files(
        d,
        &[
            ("corpus/old.txt", &Enc::Latin1.encode(&old)),
            ("corpus/other.txt", article(40, 300).as_bytes()),
        ],
    );
    let run = |args: &[&str]| neardup().current_dir(d).args(args).output().unwrap();
    let out = run(&["index", "build", "corpus"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 0, "{stderr}");
    assert!(
        stderr.contains("corpus/old.txt: not valid UTF-8: "),
        "{stderr}"
    );

    // Nothing changed: nothing is new (the index holds the file's hash).
    let out = run(&["check", "corpus", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["new_documents"], 0, "{v}");

    // A new UTF-8 file repeats the passage of the indexed Latin-1 one.
    write_files(d, &[("corpus/new.txt", document(60, &p).as_bytes())]);
    let out = run(&["check", "corpus", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let report = Report::parse(&out.stdout);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["new_documents"], 1, "{v}");
    let (loc, _) = span_of(&report, "old.txt", "new.txt");
    check_exact(&d.join("corpus"), "old.txt", Enc::Latin1, &p, &old, &loc);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert_eq!(file_name(&report.warnings[0].path), "old.txt");
}
