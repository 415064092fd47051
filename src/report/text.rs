//! The readable format: one block per flagged pair, each span with a short
//! excerpt of both sides; then clusters and a summary. Colours only when
//! asked (the binary asks when stdout is a terminal).

use super::{Report, SpanEntry};
use crate::escape::visible;
use crate::input::Document;
use std::io::Write;

const EXCERPT_CHARS: usize = 72;
/// Shared passages listed in the text report (all are in the JSON).
const PASSAGES_SHOWN: usize = 5;
/// Places listed per shared passage.
const PLACES_SHOWN: usize = 3;

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Writes the report as text. `docs` are the scanned documents, in the
/// report's document order (for excerpts).
pub fn write(
    report: &Report,
    docs: &[Document],
    color: bool,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let st = Style { on: color };
    for pair in &report.pairs {
        let kind = pair.kind.replace('_', " ");
        writeln!(
            w,
            "{}  {}  {}",
            st.paint("1;33", &kind),
            st.paint("1", &visible(&pair.a)),
            st.paint("1", &visible(&pair.b))
        )?;
        writeln!(
            w,
            "  jaccard {:.3}, containment {:.2} / {:.2}, coverage {:.2} / {:.2}",
            pair.jaccard,
            pair.containment[0],
            pair.containment[1],
            pair.coverage[0],
            pair.coverage[1]
        )?;
        let n = pair.spans.len();
        for (i, s) in pair.spans.iter().enumerate() {
            let tag = if s.boilerplate {
                st.paint("2", " boilerplate (page chrome, not an article)")
            } else {
                String::new()
            };
            writeln!(
                w,
                "  span {}/{n}: {} words, similarity {:.2}{tag}",
                i + 1,
                s.words,
                s.similarity
            )?;
            let (da, db) = (&docs[pair.ids.0 as usize], &docs[pair.ids.1 as usize]);
            side(w, &st, "a", s, true, da)?;
            side(w, &st, "b", s, false, db)?;
        }
        if let Some(m) = &pair.moved {
            writeln!(
                w,
                "  and {} shorter block{} ({} words) repeated outside the spans (moved or reordered)",
                m.blocks,
                if m.blocks == 1 { "" } else { "s" },
                m.words
            )?;
        }
        writeln!(w)?;
    }
    if !report.clusters.is_empty() {
        writeln!(w, "{}", st.paint("1", "clusters"))?;
        for c in &report.clusters {
            writeln!(w, "  keep {}", visible(&c.keep))?;
            for d in &c.drop {
                writeln!(w, "    drop {}", visible(d))?;
            }
        }
        writeln!(w)?;
    }
    if !report.passages.is_empty() {
        writeln!(
            w,
            "{} {}",
            st.paint("1", "shared passages"),
            st.paint("2", "(text many documents carry: page chrome, not flagged)")
        )?;
        for p in report.passages.iter().take(PASSAGES_SHOWN) {
            writeln!(
                w,
                "  {} documents, {} words: {}",
                p.documents,
                p.words,
                st.paint("2", &excerpt(&p.excerpt))
            )?;
            for s in p.spans.iter().take(PLACES_SHOWN) {
                let lines = if s.at.line_start == s.at.line_end {
                    format!("line {}", s.at.line_start)
                } else {
                    format!("lines {}-{}", s.at.line_start, s.at.line_end)
                };
                writeln!(w, "    {} {lines}", s.path)?;
            }
            if p.spans.len() > PLACES_SHOWN {
                writeln!(w, "    … and {} more", p.spans.len() - PLACES_SHOWN)?;
            }
        }
        if report.passages.len() > PASSAGES_SHOWN {
            writeln!(
                w,
                "  … and {} more shared passages (all of them in --format json)",
                report.passages.len() - PASSAGES_SHOWN
            )?;
        }
        writeln!(w)?;
    }
    let s = &report.summary;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let scanned = match s.new_documents {
        Some(n) => format!(
            "{} checked against {} indexed",
            plural(n, "new document", "new documents"),
            s.documents - n
        ),
        None => format!("{} scanned", plural(s.documents, "document", "documents")),
    };
    writeln!(
        w,
        "{scanned}, {} flagged ({} near duplicate, {} partial), {}, {}; {} sharing only boilerplate not flagged",
        plural(s.pairs, "pair", "pairs"),
        s.near_duplicate,
        s.partial,
        plural(s.clusters, "cluster", "clusters"),
        plural(s.passages, "shared passage", "shared passages"),
        plural(s.boilerplate_only, "pair", "pairs"),
    )?;
    if s.errors + s.skipped > 0 {
        writeln!(
            w,
            "{} could not be read, {} skipped (see stderr)",
            unreadable(report).unwrap_or_else(|| "nothing".into()),
            s.skipped
        )?;
    }
    Ok(())
}

/// What could not be read, counted by kind: `2 files`, `36 records in 2
/// files`, `1 file and 36 records in 2 files`; `None` when everything was.
/// A record is a line of a JSON Lines file ([`super::Problem::line`]).
pub fn unreadable(report: &Report) -> Option<String> {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let records = report.errors.iter().filter(|e| e.line.is_some()).count();
    let files = report.errors.len() - records;
    let record_files = report
        .errors
        .iter()
        .filter(|e| e.line.is_some())
        .map(|e| e.path.as_str())
        .collect::<std::collections::BTreeSet<_>>()
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

fn side(
    w: &mut dyn Write,
    st: &Style,
    name: &str,
    s: &SpanEntry,
    is_a: bool,
    doc: &Document,
) -> std::io::Result<()> {
    let loc = if is_a { &s.a } else { &s.b };
    let lines = if loc.line_start == loc.line_end {
        format!("line {}", loc.line_start)
    } else {
        format!("lines {}-{}", loc.line_start, loc.line_end)
    };
    writeln!(
        w,
        "    {name}: {lines} (bytes {}..{}) {}",
        loc.start,
        loc.end,
        st.paint("2", &excerpt(doc.span_text(loc).unwrap_or("")))
    )
}

/// The first words of a span on one line, with an ellipsis when cut;
/// control characters inside words are shown as escapes
/// ([`crate::escape::visible`]), so the excerpt is one line of plain text.
pub fn excerpt(s: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    for word in s.split_whitespace() {
        let word = visible(word);
        let len = word.chars().count();
        if n + len + 1 > EXCERPT_CHARS && n > 0 {
            out.push('…');
            return format!("\"{out}\"");
        }
        if n > 0 {
            out.push(' ');
            n += 1;
        }
        out.extend(word.chars().take(EXCERPT_CHARS));
        n += len;
    }
    format!("\"{out}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_fold_whitespace_and_cut() {
        assert_eq!(excerpt("a  b\n c"), "\"a b c\"");
        let long = "word ".repeat(40);
        let e = excerpt(&long);
        assert!(e.ends_with("…\""));
        assert!(e.chars().count() <= EXCERPT_CHARS + 3);
    }

    #[test]
    fn unreadable_files_and_records_are_counted_apart() {
        let problem = |path: &str, line: Option<u64>| crate::report::Problem {
            path: path.into(),
            line,
            reason: "bad".into(),
        };
        let mut rep = crate::report::sarif::fixture::report(&[], vec![], &[]);
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
    fn excerpts_show_control_characters_as_escapes() {
        assert_eq!(
            excerpt("clear\x1b[2J \x1b]0;title\x07 ok\u{85}next \u{9b}31m"),
            "\"clear\\x1b[2J \\x1b]0;title\\x07 ok next \\u{9b}31m\""
        );
    }
}
