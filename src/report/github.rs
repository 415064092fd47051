//! GitHub Actions output: `::warning` workflow commands, which GitHub shows
//! as annotations on the files, and a markdown summary for
//! `$GITHUB_STEP_SUMMARY`.
//!
//! The findings are those of the SARIF format ([`core::repeats`]):
//! one per non-boilerplate span in a new document, located there, naming the
//! earlier copy. GitHub shows at most 10 warning annotations per step, so
//! [`write()`] emits the first [`MAX_ANNOTATIONS`] and then one plain line
//! counting the rest.
//!
//! Columns (`col`, `endColumn`) are given only for a span on a single line,
//! as GitHub requires, and count UTF-16 code units like the SARIF format
//! (`endColumn` just past the last character).

use super::core::{self, line_range, plural, repeats, Repeat, Texts};
use super::Report;
use std::io::{self, Write};
use std::path::Path;

/// Annotations written before the rest are only counted.
pub const MAX_ANNOTATIONS: usize = 10;

/// Rows of the step summary table before the rest are only counted.
pub const MAX_SUMMARY_ROWS: usize = 500;

/// Escapes a workflow command's message: `%`, `\r` and `\n` become `%25`,
/// `%0D` and `%0A`, so the message stays on its line and reads back as is;
/// other control characters (ESC, C1) are shown as visible escapes
/// ([`crate::escape::visible`]), so none reaches the log raw.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if crate::escape::needs_escape(c) => {
                out.push_str(&crate::escape::visible(c.encode_utf8(&mut [0; 4])))
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's property value: as [`escape_data`], and
/// `:` and `,` become `%3A` and `%2C`, so they cannot end the value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One `::warning` command for a repeat, without the newline.
fn annotation<T: Texts + ?Sized>(report: &Report, docs: &T, r: &Repeat) -> String {
    let path = &report.documents[r.doc].path;
    let other = &report.documents[r.other].path;
    let mut props = vec![
        format!("file={}", escape_property(&core::slash_path(path))),
        format!("line={}", r.at.line_start),
        format!("endLine={}", r.at.line_end),
    ];
    if r.at.line_start == r.at.line_end {
        let region = core::region(core::document(report, docs, r.doc).as_deref(), r.at);
        props.push(format!("col={}", region.start_column));
        props.push(format!("endColumn={}", region.end_column));
    }
    let title = if r.near_duplicate() {
        "Near-duplicate document"
    } else {
        "Repeated text"
    };
    props.push(format!("title={}", escape_property(title)));
    let (subject, verb, copy, details) = core::wording(r, other);
    let message = format!("{subject} {verb} {copy} ({details})");
    format!("::warning {}::{}", props.join(","), escape_data(&message))
}

/// Writes one `::warning` annotation per finding (see the module docs), at
/// most [`MAX_ANNOTATIONS`], then, if some were left out, the line
/// `neardup: N more findings not annotated (see the report)`. Writes
/// nothing when there is no finding.
pub fn write<T: Texts + ?Sized>(report: &Report, docs: &T, w: &mut dyn Write) -> io::Result<()> {
    let repeats = repeats(report);
    for r in repeats.iter().take(MAX_ANNOTATIONS) {
        writeln!(w, "{}", annotation(report, docs, r))?;
    }
    if repeats.len() > MAX_ANNOTATIONS {
        let n = repeats.len() - MAX_ANNOTATIONS;
        writeln!(
            w,
            "neardup: {} not annotated (see the report)",
            plural(n, "more finding", "more findings")
        )?;
    }
    Ok(())
}

/// Escapes text for a markdown table cell: backslash-escapes markdown
/// punctuation (including `|`), turns line breaks into spaces and other
/// control characters into visible escapes ([`crate::escape::visible`]).
fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '~' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c if crate::escape::needs_escape(c) => {
                out.push_str(&crate::escape::visible(c.encode_utf8(&mut [0; 4])))
            }
            c => out.push(c),
        }
    }
    out
}

/// A markdown summary of the findings for `$GITHUB_STEP_SUMMARY`: a heading,
/// a count, and a table with one row per finding (the document, its lines,
/// the document it repeats, those lines, words, similarity), at most
/// [`MAX_SUMMARY_ROWS`] rows then a line counting the rest; then, if some
/// files or records could not be read, a line saying how many. The counts
/// are the run's ([`super::Summary`]): in a check, the new documents among
/// all those looked at (`4 of the 5 new documents (305 scanned)`); in a
/// scan, the documents scanned. Paths are escaped so that no markdown in
/// them is interpreted. Ends with a newline. `docs` is not read (lines and
/// words come from the report); it is taken for symmetry with the other
/// formats.
pub fn step_summary<T: Texts + ?Sized>(report: &Report, docs: &T) -> String {
    let _ = docs; // Lines and words come from the report.
    let repeats = repeats(report);
    let mut out = String::from("### neardup\n\n");
    let n = repeats.len();
    let s = &report.summary;
    let scanned = plural(s.documents, "document", "documents");
    if n == 0 {
        out.push_str(&match s.new_documents {
            Some(new) => format!(
                "No repeated text in {} ({} scanned).\n",
                plural(new, "new document", "new documents"),
                s.documents
            ),
            None => format!("No repeated text ({scanned} scanned).\n"),
        });
        out.push_str(&unreadable_line(report));
        return out;
    }
    let docs_with = repeats
        .iter()
        .map(|r| r.doc)
        .collect::<std::collections::BTreeSet<usize>>()
        .len();
    let spans = plural(n, "repeated span", "repeated spans");
    out.push_str(&match s.new_documents {
        Some(new) => format!(
            "{spans} in {docs_with} of the {} ({} scanned).\n\n",
            plural(new, "new document", "new documents"),
            s.documents
        ),
        None => format!(
            "{spans} in {} ({scanned} scanned).\n\n",
            plural(docs_with, "document", "documents")
        ),
    });
    let first = if s.new_documents.is_some() {
        "new document"
    } else {
        "document"
    };
    out.push_str(&format!(
        "| {first} | lines | repeats | lines | words | similarity |\n"
    ));
    out.push_str("|---|---|---|---|---:|---:|\n");
    for r in repeats.iter().take(MAX_SUMMARY_ROWS) {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.2} |\n",
            md_cell(&report.documents[r.doc].path),
            line_range(r.at, "–"),
            md_cell(&report.documents[r.other].path),
            line_range(r.copy, "–"),
            r.span.words,
            r.span.similarity
        ));
    }
    if n > MAX_SUMMARY_ROWS {
        out.push_str(&format!(
            "\n…and {} more (see the report).\n",
            n - MAX_SUMMARY_ROWS
        ));
    }
    let problems = unreadable_line(report);
    if !problems.is_empty() {
        out.push('\n');
        out.push_str(&problems);
    }
    out
}

/// `"36 records in 2 files could not be read (see the log).\n"`, or
/// nothing when everything was read.
fn unreadable_line(report: &Report) -> String {
    match core::unreadable(report) {
        Some(what) => format!("{what} could not be read (see the log).\n"),
        None => String::new(),
    }
}

/// Appends `text` to the file at `path` (created if missing), adding a
/// newline if `text` does not end with one, so that summaries of several
/// steps or runs stay separate. For `$GITHUB_STEP_SUMMARY`.
pub fn append_step_summary(path: &Path, text: &str) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut buf = String::with_capacity(text.len() + 1);
    buf.push_str(text);
    if !buf.ends_with('\n') {
        buf.push('\n');
    }
    f.write_all(buf.as_bytes())?;
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Document;
    use crate::report::core::fixture::{doc, report};

    fn annotations(report: &Report, docs: &[Document]) -> Vec<String> {
        let mut buf = Vec::new();
        write(report, docs, &mut buf).unwrap();
        String::from_utf8(buf)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn escaping_of_data_and_properties() {
        assert_eq!(
            escape_data("100% done\r\nnext: a,b"),
            "100%25 done%0D%0Anext: a,b"
        );
        assert_eq!(
            escape_property("dir:1/a,b%.txt\n"),
            "dir%3A1/a%2Cb%25.txt%0A"
        );
        // Escaping `%` first means an existing escape is not decoded later.
        assert_eq!(escape_data("%0A"), "%250A");
        // Terminal escapes do not reach the log raw.
        assert_eq!(
            escape_data("a\x1b[2J\x1b]0;t\x07\u{9b}"),
            "a\\x1b[2J\\x1b]0;t\\x07\\u{9b}"
        );
        assert_eq!(md_cell("x\x1b[2J|\ny"), "x\\x1b\\[2J\\| y");
    }

    #[test]
    fn annotation_with_comma_colon_percent_and_newline() {
        let docs = vec![
            doc("a.txt", "shared words here\n"),
            doc("dir:x/b,c%.txt", "top\nshared words here\n"),
        ];
        let rep = report(&docs, vec![(0, 1, vec![((0, 17), (4, 21), false)])], &[]);
        assert_eq!(
            annotations(&rep, &docs),
            [
                "::warning file=dir%3Ax/b%2Cc%25.txt,line=2,endLine=2,col=1,endColumn=18,\
              title=Repeated text::Line 2 repeats line 1 of a.txt (3 words, similarity 1.00)"
            ]
        );
        // The other document's path is in the message: only data escaping.
        let docs = vec![
            doc("50%\nx,y:z.txt", "shared words"),
            doc("b.txt", "shared words"),
        ];
        let rep = report(&docs, vec![(0, 1, vec![((0, 12), (0, 12), false)])], &[0]);
        let lines = annotations(&rep, &docs);
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0],
            "::warning file=b.txt,line=1,endLine=1,col=1,endColumn=13,\
             title=Near-duplicate document::Line 1 repeats line 1 of 50%25%0Ax,y:z.txt \
             (2 words, similarity 1.00)"
        );
    }

    #[test]
    fn multi_line_spans_have_no_columns_and_emoji_count_two() {
        let docs = vec![
            doc("a.txt", "one two\nthree four"),
            doc("b.txt", "😀 one two\nthree four\n"),
        ];
        let rep = report(&docs, vec![(0, 1, vec![((0, 18), (5, 23), false)])], &[]);
        assert_eq!(
            annotations(&rep, &docs),
            [
                "::warning file=b.txt,line=1,endLine=2,title=Repeated text::\
              Lines 1-2 repeat lines 1-2 of a.txt (4 words, similarity 1.00)"
            ]
        );
        let docs = vec![doc("a.txt", "one two"), doc("b.txt", "😀 one two")];
        let rep = report(&docs, vec![(0, 1, vec![((0, 7), (5, 12), false)])], &[]);
        assert!(annotations(&rep, &docs)[0].contains(",col=4,endColumn=11,"));
    }

    #[test]
    fn at_most_ten_annotations_then_the_count_of_the_rest() {
        // Document 0 is repeated by 13 later ones; one span is boilerplate.
        let mut docs = vec![doc("a.txt", "same words\nchrome line")];
        for i in 1..=13 {
            docs.push(doc(&format!("d{i:02}.txt"), "same words\nchrome line"));
        }
        let pairs = (1..=13)
            .map(|i| {
                (
                    0,
                    i,
                    vec![((0, 10), (0, 10), false), ((11, 22), (11, 22), true)],
                )
            })
            .collect();
        let rep = report(&docs, pairs, &[]);
        let lines = annotations(&rep, &docs);
        assert_eq!(lines.len(), MAX_ANNOTATIONS + 1);
        assert!(lines[..10]
            .iter()
            .all(|l| l.starts_with("::warning file=d")));
        assert!(lines[0].starts_with("::warning file=d01.txt,"));
        assert!(lines[9].starts_with("::warning file=d10.txt,"));
        assert_eq!(
            lines[10],
            "neardup: 3 more findings not annotated (see the report)"
        );
        // Exactly ten: no trailing line; one more: singular.
        let ten = report(
            &docs[..11],
            (1..=10)
                .map(|i| (0, i, vec![((0, 10), (0, 10), false)]))
                .collect(),
            &[],
        );
        assert_eq!(annotations(&ten, &docs[..11]).len(), 10);
        let eleven = report(
            &docs[..12],
            (1..=11)
                .map(|i| (0, i, vec![((0, 10), (0, 10), false)]))
                .collect(),
            &[],
        );
        assert_eq!(
            annotations(&eleven, &docs[..12])[10],
            "neardup: 1 more finding not annotated (see the report)"
        );
        // Nothing found: nothing written.
        let none = report(&docs, vec![], &[]);
        assert!(annotations(&none, &docs).is_empty());
    }

    #[test]
    fn step_summary_table_and_append() {
        let docs = vec![
            doc("a.txt", "one two\nthree four\n"),
            doc("b|c_d.txt", "x\none two\nthree four\n"),
        ];
        let rep = report(&docs, vec![(0, 1, vec![((0, 18), (2, 20), false)])], &[]);
        let md = step_summary(&rep, &docs);
        // A scan: every document is scanned, none is "new".
        assert_eq!(
            md,
            "### neardup\n\n1 repeated span in 1 document (2 documents scanned).\n\n\
             | document | lines | repeats | lines | words | similarity |\n\
             |---|---|---|---|---:|---:|\n\
             | b\\|c\\_d.txt | 2–3 | a.txt | 1–2 | 4 | 1.00 |\n"
        );
        let none = report(&docs, vec![], &[]);
        assert_eq!(
            step_summary(&none, &docs),
            "### neardup\n\nNo repeated text (2 documents scanned).\n"
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "earlier step\n").unwrap();
        append_step_summary(&path, &md).unwrap();
        append_step_summary(&path, "no newline").unwrap();
        let got = std::fs::read_to_string(&path).unwrap();
        assert_eq!(got, format!("earlier step\n{md}no newline\n"));
        // A missing file is created.
        let fresh = dir.path().join("new.md");
        append_step_summary(&fresh, "x\n").unwrap();
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "x\n");
    }

    #[test]
    fn step_summary_of_a_check_counts_the_run_not_the_listed_documents() {
        // A check lists the new documents and the indexed ones they repeat;
        // the summary counts all that were looked at.
        let docs = vec![
            doc("a.txt", "one two\nthree four\n"),
            doc("n1.txt", "one two\nthree four\n"),
            doc("n2.txt", "other words\n"),
        ];
        let mut rep = report(&docs, vec![(0, 1, vec![((0, 18), (0, 18), false)])], &[]);
        for (d, new) in rep.documents.iter_mut().zip([false, true, true]) {
            d.new = Some(new);
        }
        rep.summary.documents = 305;
        rep.summary.new_documents = Some(2);
        let md = step_summary(&rep, &docs);
        assert!(
            md.starts_with(
                "### neardup\n\n1 repeated span in 1 of the 2 new documents (305 scanned).\n\n\
                 | new document | lines |"
            ),
            "{md}"
        );
        let none = report(&docs, vec![], &[]);
        let mut none = none;
        none.summary.documents = 305;
        none.summary.new_documents = Some(1);
        assert_eq!(
            step_summary(&none, &docs),
            "### neardup\n\nNo repeated text in 1 new document (305 scanned).\n"
        );
        // Records that could not be read are counted as records, in files.
        none.errors = ["x.jsonl", "x.jsonl", "y.jsonl"]
            .iter()
            .enumerate()
            .map(|(i, p)| crate::report::Problem {
                path: p.to_string(),
                line: Some(i as u64 + 1),
                reason: "bad".into(),
            })
            .collect();
        none.summary.errors = 3;
        assert!(
            step_summary(&none, &docs)
                .ends_with("\n3 records in 2 files could not be read (see the log).\n"),
            "{}",
            step_summary(&none, &docs)
        );
    }

    #[test]
    fn step_summary_caps_rows() {
        let mut docs = vec![doc("a.txt", "same words")];
        let n = MAX_SUMMARY_ROWS + 2;
        for i in 1..=n {
            docs.push(doc(&format!("d{i:04}.txt"), "same words"));
        }
        let pairs = (1..=n as u32)
            .map(|i| (0, i, vec![((0, 10), (0, 10), false)]))
            .collect();
        let rep = report(&docs, pairs, &[]);
        let md = step_summary(&rep, &docs);
        assert_eq!(
            md.lines().filter(|l| l.starts_with("| d0")).count(),
            MAX_SUMMARY_ROWS
        );
        assert!(md.ends_with("\n…and 2 more (see the report).\n"), "{md}");
    }
}
