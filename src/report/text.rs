//! The readable format: one block per flagged pair, each span with a short
//! excerpt of both sides; then clusters and a summary. Colours only when
//! asked (the binary asks when stdout is a terminal).

use super::core::{kind_label, lines_phrase, pair_documents, plural, span_text, unreadable, Texts};
use super::Report;
use crate::escape::visible;
use crate::input::location::Location;
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
pub fn write<T: Texts + ?Sized>(
    report: &Report,
    docs: &T,
    color: bool,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let st = Style { on: color };
    for pair in &report.pairs {
        writeln!(
            w,
            "{}  {}  {}",
            st.paint("1;33", kind_label(pair.kind)),
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
        let [da, db] = pair_documents(report, docs, pair);
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
            side(w, &st, "a", &s.a, da.as_deref())?;
            side(w, &st, "b", &s.b, db.as_deref())?;
        }
        if let Some(m) = &pair.moved {
            writeln!(
                w,
                "  and {} ({} words) repeated outside the spans (moved or reordered)",
                plural(m.blocks, "shorter block", "shorter blocks"),
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
                writeln!(w, "    {} {}", s.path, lines_phrase(&s.at, false, "-"))?;
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

/// One side of a span: its lines, bytes and excerpt (empty when the
/// document's text is not at hand).
fn side(
    w: &mut dyn Write,
    st: &Style,
    name: &str,
    loc: &Location,
    doc: Option<&Document>,
) -> std::io::Result<()> {
    writeln!(
        w,
        "    {name}: {} (bytes {}..{}) {}",
        lines_phrase(loc, false, "-"),
        loc.start,
        loc.end,
        st.paint("2", &excerpt(span_text(doc, loc)))
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
    fn excerpts_show_control_characters_as_escapes() {
        assert_eq!(
            excerpt("clear\x1b[2J \x1b]0;title\x07 ok\u{85}next \u{9b}31m"),
            "\"clear\\x1b[2J \\x1b]0;title\\x07 ok next \\u{9b}31m\""
        );
    }
}
