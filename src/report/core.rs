//! The report core: what the writers and the baseline compute alike, so
//! that each writer depends on this module and on the model
//! ([`super::Report`]) only, never on another writer.
//!
//! - Which document a pair's side is: [`doc_index`], [`document`],
//!   [`pair_documents`] (a report may name documents the texts at hand do
//!   not hold, or hold under another index), and its text: [`span_text`].
//! - The findings of SARIF and GitHub: [`repeats`], one [`Repeat`] per
//!   non-boilerplate span of a new document, and their [`wording`].
//! - The finding fingerprint: [`span_fingerprint`], what a baseline stores
//!   and what SARIF's `partialFingerprints` carry.
//! - Regions with UTF-16 columns, as SARIF and GitHub count them:
//!   [`region`].
//! - Words for kinds, lines and counts: [`kind_label`], [`line_range`],
//!   [`lines_phrase`], [`plural`], [`unreadable`]; paths with forward slashes:
//!   [`slash_path`].

use super::{Kind, PairEntry, Report, SpanEntry};
use crate::input::location::Location;
use crate::input::Document;
use crate::normalize::{normalize_word, tokenize};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeSet;
use xxhash_rust::xxh3::xxh3_64;

/// The index in `report.documents` of a pair's document: its recorded index
/// when that names the same path, else the first document with that path.
pub fn doc_index(report: &Report, id: u32, path: &str) -> Option<usize> {
    let id = id as usize;
    if report.documents.get(id).is_some_and(|d| d.path == path) {
        return Some(id);
    }
    report.documents.iter().position(|d| d.path == path)
}

/// The scanned documents with their texts, by index in the report's
/// documents, for the writers that quote them: a slice in memory, or a
/// source that reads each again when asked (the command line's scan, which
/// holds no texts).
pub trait Texts {
    /// Document `i` with its text, when at hand.
    fn text_of(&self, i: usize) -> Option<Cow<'_, Document>>;

    /// Why a document asked for was not at hand although it should have
    /// been (it could not be read again), if one was not: a report written
    /// from these texts is then wrong. None for texts in memory.
    fn failure(&self) -> Option<String> {
        None
    }
}

impl Texts for [Document] {
    fn text_of(&self, i: usize) -> Option<Cow<'_, Document>> {
        self.get(i).map(Cow::Borrowed)
    }
}

impl Texts for Vec<Document> {
    fn text_of(&self, i: usize) -> Option<Cow<'_, Document>> {
        self.as_slice().text_of(i)
    }
}

/// Document `i` of the report, when `docs` holds it at the report's index
/// (under the same path).
pub fn document<'d, T: Texts + ?Sized>(
    report: &Report,
    docs: &'d T,
    i: usize,
) -> Option<Cow<'d, Document>> {
    let entry = report.documents.get(i)?;
    docs.text_of(i).filter(|d| entry.path == d.path)
}

/// The texts of a pair's two documents (a, b), each when `docs` holds it.
pub fn pair_documents<'d, T: Texts + ?Sized>(
    report: &Report,
    docs: &'d T,
    pair: &PairEntry,
) -> [Option<Cow<'d, Document>>; 2] {
    [(pair.ids.0, &pair.a), (pair.ids.1, &pair.b)]
        .map(|(id, path)| doc_index(report, id, path).and_then(|i| document(report, docs, i)))
}

/// The text at `loc` in `doc`; empty when the text is not at hand (or the
/// location does not fall on it).
pub fn span_text<'d>(doc: Option<&'d Document>, loc: &Location) -> &'d str {
    doc.and_then(|d| d.span_text(loc)).unwrap_or("")
}

/// A span of a new document that repeats a span of another document: one
/// SARIF result, one GitHub annotation.
#[derive(Clone, Copy, Debug)]
pub struct Repeat<'r> {
    /// The pair the span belongs to.
    pub pair: &'r PairEntry,
    /// The span (never boilerplate).
    pub span: &'r SpanEntry,
    /// Index in `report.documents` of the new document (the primary one).
    pub doc: usize,
    /// Where the repeat is, in the new document.
    pub at: &'r Location,
    /// Index in `report.documents` of the document holding the earlier copy.
    pub other: usize,
    /// Where the earlier copy is.
    pub copy: &'r Location,
}

impl Repeat<'_> {
    /// Whether the pair's documents nearly duplicate each other as a whole.
    pub fn near_duplicate(&self) -> bool {
        self.pair.kind == Kind::NearDuplicate
    }
}

/// Whether the document at index `doc` of `report.documents` is new, i.e.
/// its repeats are reported.
///
/// In a scan no document is marked and every one counts as new; with every
/// document new, a pair is reported once, at its later-by-path document (`b`).
fn is_new(report: &Report, doc: usize) -> bool {
    report.documents[doc].new.unwrap_or(true)
}

/// The repeats to report, ordered by new document (report order), then by
/// position in it, then by the other document.
///
/// For each non-boilerplate span of each pair with at least one new
/// document, one [`Repeat`] located in the new document; when both are new,
/// in the later by path. Pairs whose paths are not among the report's
/// documents are passed over.
pub fn repeats(report: &Report) -> Vec<Repeat<'_>> {
    let mut out = Vec::new();
    for pair in &report.pairs {
        let (Some(ia), Some(ib)) = (
            doc_index(report, pair.ids.0, &pair.a),
            doc_index(report, pair.ids.1, &pair.b),
        ) else {
            continue;
        };
        let b_primary = match (is_new(report, ia), is_new(report, ib)) {
            (false, false) => continue,
            (true, false) => false,
            (false, true) => true,
            (true, true) => pair.b >= pair.a,
        };
        for span in pair.spans.iter().filter(|s| !s.boilerplate) {
            let (doc, at, other, copy) = if b_primary {
                (ib, &span.b, ia, &span.a)
            } else {
                (ia, &span.a, ib, &span.b)
            };
            out.push(Repeat {
                pair,
                span,
                doc,
                at,
                other,
                copy,
            });
        }
    }
    out.sort_by_key(|r| (r.doc, r.at.start, r.at.end, r.other, r.copy.start));
    out
}

/// A pair's kind for people: `near duplicate`, `partial`.
pub fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::NearDuplicate => "near duplicate",
        Kind::Partial => "partial",
    }
}

/// `n` and the noun: `1 file`, `2 files`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The lines of `loc`: `3`, or `1-42` with `dash` between.
pub fn line_range(loc: &Location, dash: &str) -> String {
    if loc.line_start == loc.line_end {
        loc.line_start.to_string()
    } else {
        format!("{}{dash}{}", loc.line_start, loc.line_end)
    }
}

/// `line 3` or `lines 1-42` (`Line`, `Lines` when `capital`), with `dash`
/// between the numbers.
pub fn lines_phrase(loc: &Location, capital: bool, dash: &str) -> String {
    let word = if capital { "Line" } else { "line" };
    let s = if loc.line_start == loc.line_end {
        ""
    } else {
        "s"
    };
    format!("{word}{s} {}", line_range(loc, dash))
}

/// The shared wording of a repeat: `(subject, verb, copy, details)`, e.g.
/// ("Lines 1-42", "repeat", "lines 1-42 of a.txt", "1125 words, similarity 1.00").
pub fn wording(r: &Repeat, other_path: &str) -> (String, &'static str, String, String) {
    let subject = lines_phrase(r.at, true, "-");
    let verb = if r.at.line_start == r.at.line_end {
        "repeats"
    } else {
        "repeat"
    };
    let copy = format!("{} of {other_path}", lines_phrase(r.copy, false, "-"));
    let words = r.span.words;
    let details = format!(
        "{}, similarity {:.2}",
        plural(words as usize, "word", "words"),
        r.span.similarity
    );
    (subject, verb, copy, details)
}

/// What could not be read, counted by kind: `2 files`, `36 records in 2
/// files`, `1 file and 36 records in 2 files`; `None` when everything was.
/// A record is a line of a JSON Lines file ([`super::Problem::line`]).
pub fn unreadable(report: &Report) -> Option<String> {
    let records = report.errors.iter().filter(|e| e.line.is_some()).count();
    let files = report.errors.len() - records;
    let record_files = report
        .errors
        .iter()
        .filter(|e| e.line.is_some())
        .map(|e| e.path.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    let records = (records > 0).then(|| {
        format!(
            "{} in {}",
            plural(records, "record", "records"),
            plural(record_files, "file", "files")
        )
    });
    let files = (files > 0).then(|| plural(files, "file", "files"));
    match (files, records) {
        (None, None) => None,
        (Some(f), None) => Some(f),
        (None, Some(r)) => Some(r),
        (Some(f), Some(r)) => Some(format!("{f} and {r}")),
    }
}

/// The path with forward slashes (where the platform separator is a
/// backslash) and no leading `./`.
pub fn slash_path(path: &str) -> String {
    let p = if std::path::MAIN_SEPARATOR == '\\' {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    let mut p = p.as_str();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.trim_start_matches('/');
    }
    p.to_string()
}

/// The lowercased (NFKC) words of `text`, as the engine's tokenizer finds
/// them, joined by single spaces.
pub fn normalized_words(text: &str) -> String {
    let mut toks = Vec::new();
    tokenize(text, &mut toks);
    let mut out = String::with_capacity(text.len());
    for t in &toks {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&normalize_word(&text[t.start as usize..t.end as usize]));
    }
    out
}

/// The fingerprint of a finding: xxh3 (16 hex digits) of the normalized
/// words of the texts of both sides of a span, in an order that does not
/// depend on which side is given first. It depends on nothing else (not
/// paths, not positions), so it survives renames, moves and line shifts,
/// and an edit inside either side changes it. Baselines store it; SARIF
/// results carry it. The report holds locations only, not words, so the
/// texts are tokenized here, once per call.
pub fn span_fingerprint(at_text: &str, copy_text: &str) -> String {
    let (x, y) = (normalized_words(at_text), normalized_words(copy_text));
    let (first, second) = if x <= y { (x, y) } else { (y, x) };
    let mut buf = Vec::with_capacity(first.len() + second.len() + 1);
    buf.extend_from_slice(first.as_bytes());
    buf.push(0);
    buf.extend_from_slice(second.as_bytes());
    format!("{:016x}", xxh3_64(&buf))
}

/// A region with UTF-16 columns, as SARIF (its `region`) and GitHub
/// annotations count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    /// 1-based line of the first character.
    pub start_line: usize,
    /// 1-based UTF-16 column of the first character.
    pub start_column: usize,
    /// Line of the last character.
    pub end_line: usize,
    /// UTF-16 column just past the last character.
    pub end_column: usize,
}

/// The 1-based UTF-16 column of byte `offset`, counted from the start of
/// the line that holds byte `line_of` (`offset` itself for a start; the
/// last character's first byte for an exclusive end, so that a span ending
/// with a newline ends on that newline's line).
fn utf16_col(text: &str, line_of: usize, offset: usize) -> Option<usize> {
    let ls = text.get(..line_of)?.rfind('\n').map_or(0, |i| i + 1);
    Some(text.get(ls..offset)?.encode_utf16().count() + 1)
}

/// The region of `loc` (file offsets) in `doc`: lines as in the report,
/// columns in UTF-16 code units computed from the document's text
/// (`end_column` just past the last character). Without a usable document,
/// the report's character columns.
pub fn region(doc: Option<&Document>, loc: &Location) -> Region {
    let utf16 = doc.and_then(|d| {
        let t = d.text.as_str();
        let (s, e) = (d.text_offset(loc.start), d.text_offset(loc.end));
        let start = utf16_col(t, s, s)?;
        let end = if e > s {
            let last = t.get(..e)?.chars().next_back()?;
            utf16_col(t, e - last.len_utf8(), e)?
        } else {
            start
        };
        Some((start, end))
    });
    let (start_column, end_column) = utf16.unwrap_or((loc.col_start, loc.col_end));
    Region {
        start_line: loc.line_start,
        start_column,
        end_line: loc.line_end,
        end_column,
    }
}

/// Builds reports by hand for the writers' tests.
#[cfg(test)]
pub(crate) mod fixture {
    use crate::input::location::LineIndex;
    use crate::input::Document;
    use crate::report::{DocumentEntry, Kind, PairEntry, Report, SpanEntry, Summary, SCHEMA};

    /// A pair `(a, b, spans)`: document indices and byte ranges
    /// `((a_start, a_end), (b_start, b_end), boilerplate)`.
    pub type PairSpec = (u32, u32, Vec<((usize, usize), (usize, usize), bool)>);

    /// A report over `docs` (sorted by path) with the given pairs, all
    /// `partial` unless `near` holds the pair's index.
    pub fn report(docs: &[Document], pairs: Vec<PairSpec>, near: &[usize]) -> Report {
        let documents = docs
            .iter()
            .map(|d| DocumentEntry {
                path: d.path.clone(),
                bytes: d.text.len(),
                words: d.text.split_whitespace().count() as u32,
                new: None,
            })
            .collect();
        let pairs: Vec<PairEntry> = pairs
            .into_iter()
            .enumerate()
            .map(|(k, (a, b, spans))| {
                let (da, db) = (&docs[a as usize], &docs[b as usize]);
                let (ia, ib) = (LineIndex::new(&da.text), LineIndex::new(&db.text));
                PairEntry {
                    a: da.path.clone(),
                    b: db.path.clone(),
                    kind: if near.contains(&k) {
                        Kind::NearDuplicate
                    } else {
                        Kind::Partial
                    },
                    jaccard: 0.5,
                    containment: [0.5, 0.5],
                    coverage: [0.5, 0.5],
                    spans: spans
                        .into_iter()
                        .map(|((s, e), (s2, e2), boilerplate)| SpanEntry {
                            a: ia.locate(s, e),
                            b: ib.locate(s2, e2),
                            words: da.text[s..e].split_whitespace().count() as u32,
                            similarity: 1.0,
                            boilerplate,
                            baselined: false,
                        })
                        .collect(),
                    moved: None,
                    ids: (a, b),
                }
            })
            .collect();
        Report {
            schema: SCHEMA,
            documents,
            passages: Vec::new(),
            summary: Summary {
                documents: docs.len(),
                pairs: pairs.len(),
                ..Summary::default()
            },
            pairs,
            clusters: Vec::new(),
            errors: Vec::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// A document.
    pub fn doc(path: &str, text: &str) -> Document {
        Document::new(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{doc, report};
    use super::*;
    use crate::input::location::LineIndex;
    use crate::report::Problem;

    #[test]
    fn region_counts_code_units_across_lines_and_at_the_end() {
        let t = "😀😀\nab🎉c\n";
        let ix = LineIndex::new(t);
        // From the second emoji to the end of "🎉".
        let (s, e) = (4, t.find('c').unwrap());
        let r = region(Some(&doc("t", t)), &ix.locate(s, e));
        assert_eq!(
            r,
            Region {
                start_line: 1,
                start_column: 3,
                end_line: 2,
                end_column: 5
            }
        );
        // Without the text, the report's character columns stand.
        let loc = ix.locate(s, e);
        assert_eq!(region(None, &loc).start_column, loc.col_start);
        assert_eq!(region(None, &loc).end_column, 4);
        // A text that does not match the offsets falls back too.
        assert_eq!(region(Some(&doc("t", "ab")), &loc).end_column, 4);
    }

    #[test]
    fn fingerprints_ignore_case_spacing_and_side_but_not_words() {
        let a = span_fingerprint("Hello,  World!\nagain", "hello world again");
        assert_eq!(
            a,
            span_fingerprint("hello world again", "HELLO world  AGAIN")
        );
        assert_eq!(
            span_fingerprint("x y", "y z"),
            span_fingerprint("y z", "x y")
        );
        assert_ne!(a, span_fingerprint("hello world", "hello world again"));
        assert_eq!(normalized_words("  Ünïcode—TEXT, ok "), "ünïcode text ok");
    }

    #[test]
    fn the_fingerprint_value_is_the_one_baselines_stored() {
        // Baselines written by earlier versions hold these values: the
        // fingerprint must never change for the same words.
        assert_eq!(
            span_fingerprint("alpha beta gamma", "alpha beta gamma"),
            format!("{:016x}", xxh3_64(b"alpha beta gamma\0alpha beta gamma"))
        );
        assert_eq!(
            span_fingerprint("Zeta ETA", "alpha"),
            format!("{:016x}", xxh3_64(b"alpha\0zeta eta"))
        );
        // Written by neardup 9a930ae for two copies of this text.
        let text: Vec<String> = (0..120).map(|i| format!("Word{i}")).collect();
        let text = text.join(" ");
        assert_eq!(span_fingerprint(&text, &text), "ecec174f11b32ad7");
    }

    #[test]
    fn lines_and_counts_are_worded_alike() {
        let one = LineIndex::new("a b\nc").locate(0, 3);
        let two = LineIndex::new("a b\nc").locate(0, 5);
        assert_eq!(line_range(&one, "–"), "1");
        assert_eq!(line_range(&two, "–"), "1–2");
        assert_eq!(lines_phrase(&one, true, "-"), "Line 1");
        assert_eq!(lines_phrase(&two, false, "-"), "lines 1-2");
        assert_eq!(kind_label(Kind::NearDuplicate), "near duplicate");
        assert_eq!(kind_label(Kind::Partial), "partial");
        assert_eq!(plural(1, "file", "files"), "1 file");
        assert_eq!(plural(0, "file", "files"), "0 files");
    }

    #[test]
    fn paths_get_forward_slashes_and_lose_a_leading_dot() {
        assert_eq!(slash_path("././/a/b.txt"), "a/b.txt");
        assert_eq!(slash_path("a/./b"), "a/./b");
        if std::path::MAIN_SEPARATOR == '\\' {
            assert_eq!(slash_path(r".\sub\a.txt"), "sub/a.txt");
        } else {
            assert_eq!(slash_path(r"a\b.txt"), r"a\b.txt");
        }
    }

    #[test]
    fn unreadable_files_and_records_are_counted_apart() {
        let problem = |path: &str, line: Option<u64>| Problem {
            path: path.into(),
            line,
            reason: "bad".into(),
        };
        let mut rep = report(&[], vec![], &[]);
        assert_eq!(unreadable(&rep), None);
        rep.errors = (1..=36)
            .map(|i| problem(if i % 2 == 0 { "a.jsonl" } else { "b.jsonl" }, Some(i)))
            .collect();
        assert_eq!(unreadable(&rep).as_deref(), Some("36 records in 2 files"));
        rep.errors.push(problem("gone.jsonl", None));
        assert_eq!(
            unreadable(&rep).as_deref(),
            Some("1 file and 36 records in 2 files")
        );
        rep.errors = vec![problem("x.txt", None), problem("y.txt", None)];
        assert_eq!(unreadable(&rep).as_deref(), Some("2 files"));
        rep.errors = vec![problem("x.jsonl", Some(3))];
        assert_eq!(unreadable(&rep).as_deref(), Some("1 record in 1 file"));
    }

    #[test]
    fn documents_are_found_by_index_then_by_path() {
        let docs = vec![doc("a", "x y"), doc("b", "x y"), doc("c", "x y")];
        let mut rep = report(&docs, vec![(0, 2, vec![((0, 3), (0, 3), false)])], &[]);
        let got = |rep: &Report, docs: &[Document]| {
            pair_documents(rep, docs, &rep.pairs[0]).map(|d| d.map(|d| d.path.clone()))
        };
        assert_eq!(got(&rep, &docs), [Some("a".into()), Some("c".into())]);
        // A stale index falls back to the path.
        rep.pairs[0].ids = (2, 0);
        assert_eq!(got(&rep, &docs), [Some("a".into()), Some("c".into())]);
        // Texts not at hand (or under other paths) are none.
        assert_eq!(got(&rep, &docs[..1]), [Some("a".into()), None]);
        let other = vec![doc("a", "x"), doc("q", "x"), doc("z", "x")];
        assert_eq!(got(&rep, &other), [Some("a".into()), None]);
    }

    #[test]
    fn repeats_sit_in_the_new_document_and_skip_boilerplate_and_old_pairs() {
        let docs = vec![doc("a", "x y\nz"), doc("b", "x y\nz"), doc("c", "x y\nz")];
        let mut rep = report(
            &docs,
            vec![
                (0, 1, vec![((0, 3), (0, 3), false), ((4, 5), (4, 5), true)]),
                (1, 2, vec![((0, 3), (0, 3), false)]),
            ],
            &[1],
        );
        // A scan: every document is new, the later by path is primary.
        let r = repeats(&rep);
        let at: Vec<(usize, usize, bool)> = r
            .iter()
            .map(|r| (r.doc, r.other, r.near_duplicate()))
            .collect();
        assert_eq!(at, [(1, 0, false), (2, 1, true)]);
        // A check: only new documents hold repeats; old pairs give none.
        for (d, new) in rep.documents.iter_mut().zip([true, false, false]) {
            d.new = Some(new);
        }
        let r = repeats(&rep);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].doc, r[0].other), (0, 1));
        assert!(std::ptr::eq(r[0].at, &rep.pairs[0].spans[0].a));
    }
}
