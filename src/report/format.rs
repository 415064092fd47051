//! The report formats and the one dispatch that writes a [`Report`] in
//! each.
//!
//! Adding a format is one new writer file in `src/report/` and, here, one
//! variant of [`Format`] and one arm of [`write()`]: the command line
//! (`--format`, its help and possible values) and neardup.toml (`format`)
//! take their values from [`Format`].

use crate::report::core::Texts;
use crate::report::{github, html, json, sarif, text, Report};
use std::io::{self, Write};

/// A report format (`--format`, `format` in neardup.toml).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// Readable text, grouped by pair.
    #[default]
    Text,
    /// The JSON report (schema 1, see README).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub workflow annotations (and $GITHUB_STEP_SUMMARY).
    Github,
    /// One self-contained HTML page: pairs side by side (use with -o).
    Html,
}

/// How to write besides the format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Colour the text report with ANSI escapes (the other formats have
    /// none).
    pub color: bool,
}

/// Writes `report` (of `docs`, the documents it was made from, which the
/// writers quote) to `w` in `format`.
pub fn write<T: Texts + ?Sized>(
    format: Format,
    report: &Report,
    docs: &T,
    style: Style,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::write(report, docs, style.color, w),
        Format::Json => json::write(report, w),
        Format::Sarif => sarif::write(report, docs, w),
        Format::Github => github::write(report, docs, w),
        Format::Html => html::write(report, docs, w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Document;

    fn collect(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Vec<u8> {
        let mut v = Vec::new();
        f(&mut v).unwrap();
        v
    }

    /// Each format writes what its own writer writes.
    #[test]
    fn each_format_is_dispatched_to_its_writer() {
        let text: String = (0..80).map(|i| format!("word{i} ")).collect();
        let docs = vec![
            Document::new("a.txt", text.clone()),
            Document::new("b.txt", text),
        ];
        let result = crate::scan::scan(&docs, &crate::config::ScanOptions::default());
        let report = Report::new(&docs, &result, &[], &[]);
        assert_eq!(report.pairs.len(), 1, "the fixture is one pair");
        let out =
            |f: Format, color: bool| collect(|w| write(f, &report, &docs, Style { color }, w));
        assert_eq!(
            out(Format::Text, true),
            collect(|w| text::write(&report, &docs, true, w))
        );
        assert_eq!(
            out(Format::Text, false),
            collect(|w| text::write(&report, &docs, false, w))
        );
        assert_ne!(out(Format::Text, true), out(Format::Text, false));
        assert_eq!(
            out(Format::Json, false),
            collect(|w| json::write(&report, w))
        );
        assert_eq!(
            out(Format::Sarif, false),
            collect(|w| sarif::write(&report, &docs, w))
        );
        assert_eq!(
            out(Format::Github, false),
            collect(|w| github::write(&report, &docs, w))
        );
        assert_eq!(
            out(Format::Html, false),
            collect(|w| html::write(&report, &docs, w))
        );
        // Five formats, five different outputs.
        let all = [
            Format::Text,
            Format::Json,
            Format::Sarif,
            Format::Github,
            Format::Html,
        ]
        .map(|f| out(f, false));
        for (i, a) in all.iter().enumerate() {
            assert!(all[..i].iter().all(|b| a != b), "format {i}");
        }
    }
}
