//! SARIF 2.1.0 for GitHub code scanning (and any other SARIF viewer).
//!
//! One run, one result per repeated span found in a *new* document: the
//! primary location is the span in the new document, and the earlier copy is
//! its one related location (`id` 1), linked from the message text
//! (`[lines 1-42 of corpus/a.txt](1)`). Boilerplate spans produce no result,
//! and neither do pairs of two documents that are both old.
//!
//! Columns count UTF-16 code units (`run.columnKind` says so), as GitHub
//! wants; they are computed from the document texts, so `docs` must be the
//! scanned documents in the report's document order. `endColumn` is
//! exclusive. Each result carries a `partialFingerprints` entry
//! `neardupSpan/v1` that depends only on the normalized words of the two
//! spans (not on paths or positions), so an alert survives renames and edits
//! elsewhere in the file.
//!
//! The findings ([`core::repeats`]), their wording, regions and
//! fingerprint ([`core::span_fingerprint`]) are the report core's, shared
//! with the GitHub format and the baseline.

use super::core::{self, document, region, repeats, span_fingerprint, wording, Region, Texts};
use super::{Kind, Report};
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Write};

/// The schema URI written as `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Rule of a span repeated in a pair that shares only part of its text.
pub const RULE_REPEATED_TEXT: &str = "neardup/repeated-text";

/// Rule of a span of a pair whose documents nearly duplicate each other.
pub const RULE_NEAR_DUPLICATE: &str = "neardup/near-duplicate";

/// Key of the fingerprint in each result's `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "neardupSpan/v1";

/// The path as a relative URI reference with forward slashes: a leading
/// `./` is dropped, characters outside the URI's unreserved and safe
/// punctuation set are percent-encoded (UTF-8 bytes), and `:` is encoded so
/// that a relative path never reads as a scheme. An absolute path becomes a
/// `file://` URI. Backslashes are separators only where the platform's are.
pub fn artifact_uri(path: &str) -> String {
    let p = core::slash_path(path);
    let bytes = p.as_bytes();
    let drive = std::path::MAIN_SEPARATOR == '\\'
        && bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'/';
    let absolute = p.starts_with('/') || drive;
    let mut out = String::with_capacity(p.len() + 8);
    if absolute {
        out.push_str("file://");
        if drive {
            out.push('/');
        }
    }
    for (i, &b) in bytes.iter().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/!$&'()*+,;=@".contains(&b)
            || (b == b':' && drive && i == 1);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escapes literal `\`, `[` and `]` so SARIF viewers do not read them as
/// embedded links.
fn escape_link_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Level,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 2],
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [SarifLocation; 1],
    related_locations: [Related; 1],
    #[serde(skip_serializing_if = "HashMap::is_empty")]
    partial_fingerprints: HashMap<&'static str, String>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: Physical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Related {
    id: u32,
    physical_location: Physical,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
struct ResultProperties {
    kind: Kind,
    words: u32,
    similarity: f64,
    jaccard: f64,
}

const HELP_TEXT: &str = "neardup found this text in another document of the scanned set, word for \
word or nearly so (shingle alignment verified every span). Remove the copy, or point to the \
original instead of repeating it. If the repetition is intended, dismiss the alert or exclude the \
file from the scan. Text shared by many documents (page chrome, licence headers) is treated as \
boilerplate and never reported.";

const HELP_MARKDOWN: &str = "neardup found this text in another document of the scanned set, \
word for word or nearly so (shingle alignment verified every span).\n\n\
* Remove the copy, or link to the original instead of repeating it.\n\
* If the repetition is intended, dismiss the alert or exclude the file from the scan \
(`--glob '!path'`).\n\n\
Text shared by many documents (page chrome, licence headers) is treated as boilerplate and never \
reported; known boilerplate can be listed with `--boilerplate FILE`.";

fn rules() -> Vec<Rule> {
    let rule = |id, name, short: &str, full: &str| Rule {
        id,
        name,
        short_description: Text { text: short.into() },
        full_description: Text { text: full.into() },
        help: Help {
            text: HELP_TEXT,
            markdown: HELP_MARKDOWN,
        },
        default_configuration: Level { level: "warning" },
        properties: RuleProperties {
            tags: ["maintainability", "duplication"],
            precision: "high",
            severity: "warning",
        },
    };
    vec![
        rule(
            RULE_REPEATED_TEXT,
            "RepeatedText",
            "Text repeated from another document",
            "A span of this document repeats a span of another scanned document.",
        ),
        rule(
            RULE_NEAR_DUPLICATE,
            "NearDuplicate",
            "Document nearly duplicates another",
            "This document and another scanned document repeat each other almost entirely.",
        ),
    ]
}

fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|u| !u.is_empty())
}

/// Writes the report as a SARIF 2.1.0 log (pretty-printed, ending with a
/// newline): one run, one result per [`core::Repeat`] in [`core::repeats`] order.
///
/// `docs` are the scanned documents in the report's document order; a
/// document missing there (or under another path) still gets its results,
/// with the report's character columns and no fingerprint.
pub fn write<T: Texts + ?Sized>(report: &Report, docs: &T, w: &mut dyn Write) -> io::Result<()> {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut results = Vec::new();
    for r in repeats(report) {
        let path = &report.documents[r.doc].path;
        let other_path = &report.documents[r.other].path;
        let (text, other_text) = (
            document(report, docs, r.doc),
            document(report, docs, r.other),
        );
        let (text, other_text) = (text.as_deref(), other_text.as_deref());
        let (rule_id, rule_index) = if r.near_duplicate() {
            (RULE_NEAR_DUPLICATE, 1)
        } else {
            (RULE_REPEATED_TEXT, 0)
        };
        let (subject, verb, copy, details) = wording(&r, other_path);
        let mut message = format!(
            "{subject} {verb} [{}](1) ({details}).",
            escape_link_text(&copy)
        );
        if r.near_duplicate() {
            message.push_str(&format!(
                " The documents are near duplicates (Jaccard {:.2}).",
                r.pair.jaccard
            ));
        }
        let uri = artifact_uri(path);
        let mut partial_fingerprints = HashMap::new();
        let spans = text
            .and_then(|d| d.span_text(r.at))
            .zip(other_text.and_then(|d| d.span_text(r.copy)));
        if let Some((at, copy)) = spans {
            let hash = span_fingerprint(at, copy);
            // Identical spans repeated within one file get distinct values.
            let n = seen.entry((uri.clone(), hash.clone())).or_insert(0);
            *n += 1;
            partial_fingerprints.insert(FINGERPRINT_KEY, format!("{hash}:{n}"));
        }
        results.push(SarifResult {
            rule_id,
            rule_index,
            level: "warning",
            message: Text { text: message },
            locations: [SarifLocation {
                physical_location: Physical {
                    artifact_location: Artifact { uri },
                    region: region(text, r.at),
                },
            }],
            related_locations: [Related {
                id: 1,
                physical_location: Physical {
                    artifact_location: Artifact {
                        uri: artifact_uri(other_path),
                    },
                    region: region(other_text, r.copy),
                },
                message: Text {
                    text: format!("Earlier copy in {other_path}"),
                },
            }],
            partial_fingerprints,
            properties: ResultProperties {
                kind: r.pair.kind,
                words: r.span.words,
                similarity: r.span.similarity,
                jaccard: r.pair.jaccard,
            },
        });
    }
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "neardup",
                    information_uri: information_uri(),
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: rules(),
                },
            },
            column_kind: "utf16CodeUnits",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *w, &log)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Document;
    use crate::report::core::fixture::{doc, report};
    use crate::{scan, ScanOptions};
    use serde_json::Value;

    fn sarif(report: &Report, docs: &[Document]) -> Value {
        let mut buf = Vec::new();
        write(report, docs, &mut buf).unwrap();
        assert!(buf.ends_with(b"}\n"));
        serde_json::from_slice(&buf).unwrap()
    }

    /// The properties GitHub code scanning requires of an upload.
    fn assert_structure(v: &Value) {
        assert_eq!(v["version"], "2.1.0");
        assert_eq!(v["$schema"], SCHEMA_URI);
        let runs = v["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run["tool"]["driver"]["name"], "neardup");
        assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(run["columnKind"], "utf16CodeUnits");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [RULE_REPEATED_TEXT, RULE_NEAR_DUPLICATE]);
        for r in rules {
            assert!(r["shortDescription"]["text"].is_string());
            assert!(r["fullDescription"]["text"].is_string());
            assert!(r["help"]["text"].is_string());
            assert_eq!(r["defaultConfiguration"]["level"], "warning");
        }
        for res in run["results"].as_array().unwrap() {
            let rule = res["ruleId"].as_str().unwrap();
            let index = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], rule);
            assert!(!res["message"]["text"].as_str().unwrap().is_empty());
            let loc = &res["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
            assert!(!uri.is_empty() && !uri.contains('\\'));
            for key in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(loc["region"][key].as_u64().unwrap() >= 1, "{key}");
            }
            let rel = &res["relatedLocations"][0];
            assert_eq!(rel["id"], 1);
            assert!(rel["physicalLocation"]["region"]["startLine"].is_u64());
        }
    }

    #[test]
    fn a_real_scan_points_at_the_new_copy_and_its_source() {
        let body: String = (0..120).map(|i| format!("word{i} ")).collect();
        let docs = vec![
            doc("corpus/a.txt", &body),
            doc("corpus/b.txt", &format!("intro line\nsecond line\n{body}")),
        ];
        let result = scan(&docs, &ScanOptions::default());
        let rep = Report::new(&docs, &result, &[], &[]);
        let v = sarif(&rep, &docs);
        assert_structure(&v);
        let results = v["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 1);
        let res = &results[0];
        // Both are new (no baseline yet): b, the later by path, is primary.
        assert_eq!(res["ruleId"], RULE_NEAR_DUPLICATE);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "corpus/b.txt");
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 1);
        assert_eq!(loc["region"]["endLine"], 3);
        let rel = &res["relatedLocations"][0]["physicalLocation"];
        assert_eq!(rel["artifactLocation"]["uri"], "corpus/a.txt");
        assert_eq!(rel["region"]["startLine"], 1);
        let msg = res["message"]["text"].as_str().unwrap();
        assert!(
            msg.starts_with(
                "Line 3 repeats [line 1 of corpus/a.txt](1) (120 words, similarity 1.00)."
            ),
            "{msg}"
        );
        let fp = res["partialFingerprints"][FINGERPRINT_KEY]
            .as_str()
            .unwrap();
        assert_eq!(fp.len(), 16 + 2, "{fp}");
        assert!(fp.ends_with(":1"));
    }

    #[test]
    fn lines_and_utf16_columns_with_accents_and_emoji() {
        // Line 2 of the new document: "é" is 1 UTF-16 unit (2 bytes), "😀"
        // is 2 units (4 bytes), so the span "shared words here" starting
        // after "é😀 " is at UTF-16 column 5, character column 4.
        let old = "x\nshared words here\n";
        let new = "top\né😀 shared words here 🎉\nend";
        let docs = vec![doc("a.txt", old), doc("b.txt", new)];
        let (s, e) = (new.find("shared").unwrap(), new.find(" 🎉").unwrap());
        let rep = report(&docs, vec![(0, 1, vec![((2, 19), (s, e), false)])], &[]);
        assert_eq!(rep.pairs[0].spans[0].b.col_start, 4); // characters
        let v = sarif(&rep, &docs);
        assert_structure(&v);
        let res = &v["runs"][0]["results"][0];
        assert_eq!(res["ruleId"], RULE_REPEATED_TEXT);
        let region = &res["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 2);
        assert_eq!(region["startColumn"], 5);
        assert_eq!(region["endLine"], 2);
        // "shared words here" is 17 units: exclusive end 5 + 17.
        assert_eq!(region["endColumn"], 22);
        let rel = &res["relatedLocations"][0]["physicalLocation"]["region"];
        assert_eq!(
            (&rel["startLine"], &rel["startColumn"], &rel["endColumn"]),
            (&Value::from(2), &Value::from(1), &Value::from(18))
        );
        assert_eq!(
            res["message"]["text"],
            "Line 2 repeats [line 2 of a.txt](1) (3 words, similarity 1.00)."
        );
    }

    #[test]
    fn boilerplate_spans_and_old_pairs_give_no_result() {
        let docs = vec![
            doc("a.txt", "one two three\nfour"),
            doc("b.txt", "one two three\nfour"),
        ];
        let rep = report(
            &docs,
            vec![(
                0,
                1,
                vec![((0, 13), (0, 13), true), ((14, 18), (14, 18), false)],
            )],
            &[],
        );
        let v = sarif(&rep, &docs);
        assert_structure(&v);
        let results = v["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            2
        );
        // No pairs: an empty but valid run.
        let empty = report(&docs, vec![], &[]);
        let v = sarif(&empty, &docs);
        assert_structure(&v);
        assert_eq!(v["runs"][0]["results"], Value::Array(vec![]));
    }

    #[test]
    fn fingerprints_ignore_paths_and_number_repeats_in_a_file() {
        // Renaming the files keeps the fingerprint; the same span twice in
        // one file gets distinct occurrence numbers.
        let text = "alpha beta gamma\nalpha beta gamma\n";
        let fps = |pa: &str, pb: &str| {
            let docs = vec![doc(pa, "alpha beta gamma"), doc(pb, text)];
            let rep = report(
                &docs,
                vec![(
                    0,
                    1,
                    vec![((0, 16), (0, 16), false), ((0, 16), (17, 33), false)],
                )],
                &[],
            );
            let v = sarif(&rep, &docs);
            v["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["partialFingerprints"][FINGERPRINT_KEY].clone())
                .collect::<Vec<_>>()
        };
        let before = fps("a.txt", "b.txt");
        assert_eq!(before, fps("old/x.txt", "old/y.txt"));
        let (h1, h2) = (before[0].as_str().unwrap(), before[1].as_str().unwrap());
        assert_eq!(h1[..16], h2[..16]);
        assert_eq!((&h1[16..], &h2[16..]), (":1", ":2"));
        // The value is the core's fingerprint, the one baselines store.
        let fp = span_fingerprint("alpha beta gamma", "alpha beta gamma");
        assert_eq!(h1[..16], fp);
    }

    #[test]
    fn uris_are_relative_with_forward_slashes_and_encoded() {
        assert_eq!(artifact_uri("corpus/a.txt"), "corpus/a.txt");
        assert_eq!(artifact_uri("./corpus/a b.txt"), "corpus/a%20b.txt");
        assert_eq!(artifact_uri("docs/100%.md"), "docs/100%25.md");
        assert_eq!(artifact_uri("c:d/é#1?"), "c%3Ad/%C3%A9%231%3F");
        assert_eq!(artifact_uri("/tmp/x.txt"), "file:///tmp/x.txt");
        if std::path::MAIN_SEPARATOR == '\\' {
            assert_eq!(artifact_uri(r"C:\repo\a.txt"), "file:///C:/repo/a.txt");
            assert_eq!(artifact_uri(r".\sub\a.txt"), "sub/a.txt");
        } else {
            assert_eq!(artifact_uri(r"a\b.txt"), "a%5Cb.txt");
        }
    }

    #[test]
    fn link_text_brackets_are_escaped() {
        let docs = vec![
            doc("[draft] a.txt", "same words"),
            doc("z.txt", "same words"),
        ];
        let rep = report(&docs, vec![(0, 1, vec![((0, 10), (0, 10), false)])], &[]);
        let v = sarif(&rep, &docs);
        assert_eq!(
            v["runs"][0]["results"][0]["message"]["text"],
            r"Line 1 repeats [line 1 of \[draft\] a.txt](1) (2 words, similarity 1.00)."
        );
        assert_eq!(
            v["runs"][0]["results"][0]["relatedLocations"][0]["physicalLocation"]
                ["artifactLocation"]["uri"],
            "%5Bdraft%5D%20a.txt"
        );
    }
}
