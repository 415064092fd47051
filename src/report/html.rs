//! The HTML format: one self-contained page to look at a report.
//!
//! A summary, the sortable and filterable list of pairs, the shared
//! passages, the clusters and the problems are written as HTML. The texts
//! of the pairs' documents go once each into a JSON data block
//! (`<script type="application/json">`), and the page's inline script
//! renders a pair's side-by-side view only when it is opened: the spans
//! with [`CONTEXT_LINES`] lines around them, the whole document on demand.
//!
//! Safety: every name, reason and excerpt written as HTML is escaped; the
//! data block escapes `<`, `>`, `&` and U+2028/U+2029, so no document text
//! can close it; the script puts document text into the page as text nodes
//! only. A Content-Security-Policy meta tag (`default-src 'none'`) allows
//! the one inline script and style the page carries, by their SHA-256, and
//! nothing else: no fetch, no image, no other script. The output depends on
//! the report and the texts alone (no time stamp), so equal input gives
//! byte-identical pages.
//!
//! Size: a document is embedded whole when it has at most
//! [`WHOLE_DOC_BYTES`] bytes and the whole texts embedded so far stay
//! within [`WHOLE_TEXT_BUDGET`]; otherwise only the lines around its spans'
//! first and last lines are. Per pair the page carries a table row and the
//! spans' offsets, a few hundred bytes.

mod sha256;

use super::core::{doc_index, document, kind_label, lines_phrase, Texts};
use super::{Kind, PairEntry, Report};
use crate::escape::visible;
use crate::input::location::Location;
use crate::input::Document;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// Lines of context shown around each span in a pair's view (and embedded
/// around a span's first and last line of a document not embedded whole).
pub const CONTEXT_LINES: usize = 3;
/// Documents of at most this many bytes (of text) are embedded whole.
pub const WHOLE_DOC_BYTES: usize = 256 * 1024;
/// Whole documents are embedded until their texts reach this many bytes.
pub const WHOLE_TEXT_BUDGET: usize = 32 * 1024 * 1024;
/// Places listed for each shared passage.
const PASSAGE_PLACES: usize = 5;

/// Writes the report as one HTML page. `docs` are the scanned documents,
/// in the report's document order (for the texts).
pub fn write<T: Texts + ?Sized>(
    report: &Report,
    docs: &T,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    // The page embeds the pairs' documents: each is asked for once.
    let mut held: HashMap<usize, Option<std::borrow::Cow<'_, Document>>> = HashMap::new();
    for p in &report.pairs {
        for (id, path) in [(p.ids.0, &p.a), (p.ids.1, &p.b)] {
            if let Some(i) = doc_index(report, id, path) {
                held.entry(i).or_insert_with(|| document(report, docs, i));
            }
        }
    }
    let data = Data::build(report, &held);
    let csp = format!(
        "default-src 'none'; script-src {}; style-src {}; img-src 'none'; base-uri 'none'; form-action 'none'",
        sha256::csp_hash(JS),
        sha256::csp_hash(CSS)
    );
    let mut h = String::with_capacity(64 * 1024 + report.pairs.len() * 400);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
    ));
    h.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta name=\"generator\" content=\"neardup\">\n");
    h.push_str("<title>neardup report</title>\n<style>");
    h.push_str(CSS);
    h.push_str("</style>\n</head>\n<body>\n<header><h1>neardup report</h1></header>\n<main>\n");
    summary(&mut h, report);
    pairs(&mut h, report);
    passages(&mut h, report);
    clusters(&mut h, report);
    problems(&mut h, report);
    h.push_str("</main>\n<script type=\"application/json\" id=\"neardup-data\">");
    w.write_all(h.as_bytes())?;
    w.write_all(script_json(&data)?.as_bytes())?;
    w.write_all(b"</script>\n<script>")?;
    w.write_all(JS.as_bytes())?;
    w.write_all(b"</script>\n</body>\n</html>\n")
}

/// `s` escaped for HTML text and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A path (or any name) as HTML: control characters as visible escapes
/// (as in the text report), then escaped.
fn name(s: &str) -> String {
    esc(&visible(s))
}

/// JSON that can sit inside a `<script>` element: `<`, `>` and `&` (which
/// only occur inside strings) as `\u` escapes, so nothing can close the
/// element or open a comment, and U+2028/U+2029 too.
fn script_json(v: &impl Serialize) -> std::io::Result<String> {
    let s = serde_json::to_string(v).map_err(std::io::Error::other)?;
    let mut out = String::with_capacity(s.len() + s.len() / 64);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

fn summary(h: &mut String, report: &Report) {
    let s = &report.summary;
    h.push_str("<section id=\"summary\"><h2>Summary</h2>\n<dl class=\"summary\">\n");
    let mut item = |k: &str, v: String, id: &str| {
        h.push_str(&format!(
            "<div><dt>{k}</dt><dd data-count=\"{id}\">{v}</dd></div>\n"
        ));
    };
    match s.new_documents {
        Some(n) => item(
            "documents",
            format!("{} ({n} new)", s.documents),
            "documents",
        ),
        None => item("documents", s.documents.to_string(), "documents"),
    }
    item("pairs flagged", s.pairs.to_string(), "pairs");
    item(
        "near duplicates",
        s.near_duplicate.to_string(),
        "near_duplicate",
    );
    item("partial", s.partial.to_string(), "partial");
    item("clusters", s.clusters.to_string(), "clusters");
    item("shared passages", s.passages.to_string(), "passages");
    item("pairs verified", s.verified.to_string(), "verified");
    item(
        "sharing only boilerplate",
        s.boilerplate_only.to_string(),
        "boilerplate_only",
    );
    if s.baselined > 0 {
        item("spans baselined", s.baselined.to_string(), "baselined");
    }
    item("errors", s.errors.to_string(), "errors");
    item("skipped", s.skipped.to_string(), "skipped");
    item("warnings", s.warnings.to_string(), "warnings");
    h.push_str("</dl></section>\n");
}

/// Words of a pair's spans that are not boilerplate.
fn content_words(p: &PairEntry) -> u64 {
    p.spans
        .iter()
        .filter(|s| !s.boilerplate)
        .map(|s| u64::from(s.words))
        .sum()
}

fn pairs(h: &mut String, report: &Report) {
    h.push_str("<section id=\"pairs\"><h2>Pairs</h2>\n");
    if report.pairs.is_empty() {
        h.push_str("<p class=\"none\">No pair was flagged.</p></section>\n");
        return;
    }
    h.push_str(
        "<div class=\"filters\"><label>Filter <input id=\"filter\" type=\"search\" \
         placeholder=\"document name\" autocomplete=\"off\"></label> \
         <label>Kind <select id=\"kind\"><option value=\"\">all</option>\
         <option value=\"near_duplicate\">near duplicate</option>\
         <option value=\"partial\">partial</option></select></label> \
         <span id=\"shown\"></span></div>\n\
         <p class=\"hint\">Click a pair to see both documents side by side; click a \
         highlighted span to bring its partner into view.</p>\n\
         <table class=\"pairs\"><thead><tr>\
         <th><button data-sort=\"i\" data-type=\"num\">#</button></th>\
         <th><button data-sort=\"kind\">kind</button></th>\
         <th><button data-sort=\"sim\" data-type=\"num\" title=\"Jaccard similarity of the shingle sets\">similarity</button></th>\
         <th><button data-sort=\"words\" data-type=\"num\" title=\"words in shared spans, boilerplate left out\">words</button></th>\
         <th><button data-sort=\"a\">document a</button></th>\
         <th><button data-sort=\"b\">document b</button></th>\
         </tr></thead>\n<tbody id=\"pair-rows\">\n",
    );
    for (i, p) in report.pairs.iter().enumerate() {
        let words = content_words(p);
        let (a, b) = (name(&p.a), name(&p.b));
        h.push_str(&format!(
            "<tr class=\"pair\" id=\"pair-{i}\" tabindex=\"0\" data-i=\"{i}\" data-kind=\"{kind}\" \
             data-sim=\"{sim}\" data-words=\"{words}\" data-a=\"{a}\" data-b=\"{b}\">\
             <td>{n}</td><td><span class=\"kind {kind}\">{kind_text}</span></td>\
             <td>{sim:.3}</td><td>{words}</td><td>{a}</td><td>{b}</td></tr>\n",
            kind = p.kind.as_str(),
            kind_text = kind_label(p.kind),
            sim = p.jaccard,
            n = i + 1,
        ));
    }
    h.push_str("</tbody></table></section>\n");
}

fn passages(h: &mut String, report: &Report) {
    h.push_str("<section id=\"passages\"><h2>Shared passages</h2>\n");
    if report.passages.is_empty() {
        h.push_str("<p class=\"none\">No passage is shared by many documents.</p></section>\n");
        return;
    }
    h.push_str(
        "<p class=\"hint\">Text many documents carry (page chrome): reported once here, \
         not flagged in pairs.</p>\n<table class=\"passages\"><thead><tr><th>documents</th>\
         <th>words</th><th>excerpt</th><th>first places</th></tr></thead><tbody>\n",
    );
    for p in &report.passages {
        h.push_str(&format!(
            "<tr class=\"passage\"><td>{}</td><td>{}</td><td class=\"excerpt\">{}</td><td><ul>",
            p.documents,
            p.words,
            esc(&p.excerpt)
        ));
        for s in p.spans.iter().take(PASSAGE_PLACES) {
            h.push_str(&format!(
                "<li>{} {}</li>",
                name(&s.path),
                lines_phrase(&s.at, false, "–")
            ));
        }
        if p.spans.len() > PASSAGE_PLACES {
            h.push_str(&format!(
                "<li class=\"more\">… and {} more</li>",
                p.spans.len() - PASSAGE_PLACES
            ));
        }
        h.push_str("</ul></td></tr>\n");
    }
    h.push_str("</tbody></table></section>\n");
}

fn clusters(h: &mut String, report: &Report) {
    h.push_str("<section id=\"clusters\"><h2>Clusters</h2>\n");
    if report.clusters.is_empty() {
        h.push_str("<p class=\"none\">No cluster.</p></section>\n");
        return;
    }
    h.push_str("<ol class=\"clusters\">\n");
    for c in &report.clusters {
        h.push_str(&format!(
            "<li class=\"cluster\"><div class=\"keep\"><span class=\"tag\">keep</span> {}</div>",
            name(&c.keep)
        ));
        for d in &c.drop {
            h.push_str(&format!(
                "<div class=\"drop\"><span class=\"tag\">drop</span> {}</div>",
                name(d)
            ));
        }
        h.push_str("</li>\n");
    }
    h.push_str("</ol></section>\n");
}

fn problems(h: &mut String, report: &Report) {
    let groups = [
        ("errors", "Errors", &report.errors),
        ("warnings", "Warnings", &report.warnings),
        ("skipped", "Skipped", &report.skipped),
    ];
    if groups.iter().all(|(_, _, g)| g.is_empty()) {
        return;
    }
    h.push_str("<section id=\"problems\"><h2>Problems</h2>\n");
    for (id, title, group) in groups {
        if group.is_empty() {
            continue;
        }
        h.push_str(&format!(
            "<details class=\"{id}\" open><summary>{title} ({})</summary><ul>",
            group.len()
        ));
        for p in group.iter() {
            let at = p.line.map(|l| format!(" line {l}")).unwrap_or_default();
            h.push_str(&format!(
                "<li><span class=\"path\">{}{at}</span>: {}</li>",
                name(&p.path),
                name(&p.reason)
            ));
        }
        h.push_str("</ul></details>\n");
    }
    h.push_str("</section>\n");
}

/// What the script needs: the pairs' documents (each once) and spans.
#[derive(Serialize)]
struct Data<'a> {
    docs: Vec<DocData<'a>>,
    pairs: Vec<PairData>,
}

/// A document's embedded text: chunks of whole lines, each
/// `[first line (1-based), UTF-16 offset of its start, text]`.
#[derive(Serialize)]
struct DocData<'a> {
    path: &'a str,
    /// Its lines.
    lines: usize,
    /// Whether the chunks are the whole text (one chunk).
    whole: bool,
    chunks: Vec<(usize, usize, &'a str)>,
}

/// One pair: indices into `docs` (null when the text is not at hand) and
/// its spans, each `[a start, a end, b start, b end, flags, words,
/// similarity, a first line, a last line, b first line, b last line]` with
/// offsets in UTF-16 code units of the text (null when a location does not
/// fall on the text) and flags 1 for boilerplate, 2 for baselined.
#[derive(Serialize)]
struct PairData {
    a: Option<usize>,
    b: Option<usize>,
    kind: Kind,
    jaccard: f64,
    containment: [f64; 2],
    coverage: [f64; 2],
    spans: Vec<SpanData>,
}

type SpanData = (
    Option<usize>,
    Option<usize>,
    Option<usize>,
    Option<usize>,
    u8,
    u32,
    f64,
    usize,
    usize,
    usize,
    usize,
);

/// A document being embedded: its line starts, and the lines its spans
/// start and end on.
struct Prep<'d> {
    doc: &'d Document,
    starts: Vec<usize>,
    /// UTF-16 offset of each line start (empty for ASCII text, where it is
    /// the byte offset).
    starts16: Vec<usize>,
    marks: Vec<usize>,
}

impl<'d> Prep<'d> {
    fn new(doc: &'d Document) -> Self {
        let text = &doc.text;
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let starts16 = if text.is_ascii() {
            Vec::new()
        } else {
            let mut v = Vec::with_capacity(starts.len());
            let mut at = 0;
            let mut prev = 0;
            for &s in &starts {
                at += text[prev..s].encode_utf16().count();
                v.push(at);
                prev = s;
            }
            v
        };
        Prep {
            doc,
            starts,
            starts16,
            marks: Vec::new(),
        }
    }

    /// Lines as the page shows them (no empty line after a final newline).
    fn line_count(&self) -> usize {
        let t = &self.doc.text;
        if t.is_empty() {
            0
        } else {
            self.starts.len() - usize::from(t.ends_with('\n'))
        }
    }

    /// The UTF-16 offset of text byte `off` (a character boundary).
    fn utf16(&self, off: usize) -> usize {
        if self.starts16.is_empty() {
            return off;
        }
        let line = self.starts.partition_point(|&s| s <= off) - 1;
        self.starts16[line] + self.doc.text[self.starts[line]..off].encode_utf16().count()
    }

    /// The UTF-16 range of a reported location, if it falls on the text.
    fn range(&self, loc: &Location) -> (Option<usize>, Option<usize>) {
        let (s, e) = (
            self.doc.text_offset(loc.start),
            self.doc.text_offset(loc.end),
        );
        if self.doc.text.get(s..e).is_none() {
            return (None, None);
        }
        (Some(self.utf16(s)), Some(self.utf16(e)))
    }

    /// The byte offset of the start of 1-based line `n` (the text's end past
    /// the last line).
    fn line_start(&self, n: usize) -> usize {
        self.starts
            .get(n - 1)
            .copied()
            .unwrap_or(self.doc.text.len())
    }

    fn embed(&self, whole: bool) -> DocData<'d> {
        let text = self.doc.text.as_str();
        let lines = self.line_count();
        if whole || lines == 0 {
            return DocData {
                path: &self.doc.path,
                lines,
                whole: true,
                chunks: vec![(1, 0, text)],
            };
        }
        let mut ranges: Vec<(usize, usize)> = self
            .marks
            .iter()
            .map(|&l| {
                let l = l.clamp(1, lines);
                (
                    l.saturating_sub(CONTEXT_LINES).max(1),
                    (l + CONTEXT_LINES).min(lines),
                )
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1 + 1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let chunks = merged
            .into_iter()
            .map(|(s, e)| {
                let (bs, be) = (self.line_start(s), self.line_start(e + 1));
                (s, self.utf16(bs), &text[bs..be])
            })
            .collect();
        DocData {
            path: &self.doc.path,
            lines,
            whole: false,
            chunks,
        }
    }
}

impl<'a> Data<'a> {
    /// `held`: the pairs' documents by index (`None` when not at hand).
    fn build(
        report: &Report,
        held: &'a HashMap<usize, Option<std::borrow::Cow<'_, Document>>>,
    ) -> Data<'a> {
        // The index of a pair's document, when its text is at hand.
        let find = |id: u32, path: &str| -> Option<usize> {
            doc_index(report, id, path).filter(|i| held.get(i).is_some_and(|d| d.is_some()))
        };
        // Index in `preps` of each document embedded, in order of first use.
        let mut slot: HashMap<usize, usize> = HashMap::new();
        let mut preps: Vec<Prep<'a>> = Vec::new();
        let mut pairs = Vec::with_capacity(report.pairs.len());
        for p in &report.pairs {
            let mut side = |id: u32, path: &str| {
                find(id, path).map(|d| {
                    *slot.entry(d).or_insert_with(|| {
                        preps.push(Prep::new(held[&d].as_deref().expect("held")));
                        preps.len() - 1
                    })
                })
            };
            let (a, b) = (side(p.ids.0, &p.a), side(p.ids.1, &p.b));
            let spans = p
                .spans
                .iter()
                .map(|s| {
                    let ra = a.map_or((None, None), |i| preps[i].range(&s.a));
                    let rb = b.map_or((None, None), |i| preps[i].range(&s.b));
                    for (side, loc) in [(a, &s.a), (b, &s.b)] {
                        if let Some(i) = side {
                            preps[i].marks.extend([loc.line_start, loc.line_end]);
                        }
                    }
                    let flags = u8::from(s.boilerplate) | (u8::from(s.baselined) << 1);
                    (
                        ra.0,
                        ra.1,
                        rb.0,
                        rb.1,
                        flags,
                        s.words,
                        s.similarity,
                        s.a.line_start,
                        s.a.line_end,
                        s.b.line_start,
                        s.b.line_end,
                    )
                })
                .collect();
            pairs.push(PairData {
                a,
                b,
                kind: p.kind,
                jaccard: p.jaccard,
                containment: p.containment,
                coverage: p.coverage,
                spans,
            });
        }
        let mut budget = WHOLE_TEXT_BUDGET;
        let docs = preps
            .iter()
            .map(|p| {
                let n = p.doc.text.len();
                let whole = n <= WHOLE_DOC_BYTES && n <= budget;
                if whole {
                    budget -= n;
                }
                p.embed(whole)
            })
            .collect();
        Data { docs, pairs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{scan, ScanOptions};

    fn page(docs: &[Document]) -> String {
        let result = scan(docs, &ScanOptions::default());
        let report = Report::new(docs, &result, &[], &[]);
        let mut buf = Vec::new();
        write(&report, docs, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    fn data(page: &str) -> serde_json::Value {
        let open = "<script type=\"application/json\" id=\"neardup-data\">";
        let s = &page[page.find(open).unwrap() + open.len()..];
        serde_json::from_str(&s[..s.find("</script>").unwrap()]).unwrap()
    }

    #[test]
    fn script_json_escapes_what_could_end_the_element() {
        let s = script_json(&"</script><!-- & \u{2028}\u{2029}").unwrap();
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        assert!(!s.contains('\u{2028}') && !s.contains('\u{2029}'));
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "</script><!-- & \u{2028}\u{2029}");
    }

    #[test]
    fn document_text_stays_in_the_data_block_and_spans_map_to_utf16() {
        let body: String = (0..120).map(|i| format!("wörd{i} ")).collect();
        let evil = format!("<script>alert(1)</script> é😀\n{body}");
        let docs = vec![
            Document::new("x/<a>.txt", evil.clone()),
            Document::new("x/b.txt", format!("other intro\n{body}")),
        ];
        let html = page(&docs);
        assert_eq!(html.matches("<script").count(), 2, "only the page's own");
        assert!(html.contains("x/&lt;a&gt;.txt"));
        let d = data(&html);
        let text = d["docs"][0]["chunks"][0][2].as_str().unwrap();
        assert_eq!(text, evil);
        let span = &d["pairs"][0]["spans"][0];
        let start16 = span[0].as_u64().unwrap() as usize;
        let utf16: Vec<u16> = evil.encode_utf16().collect();
        let from = String::from_utf16(&utf16[start16..]).unwrap();
        assert!(from.starts_with("wörd0") || evil.contains(&from));
        assert_eq!(html, page(&docs), "deterministic");
    }

    #[test]
    fn csp_hashes_the_inline_script_and_style() {
        let docs = vec![Document::new("a", "x"), Document::new("b", "y")];
        let html = page(&docs);
        assert!(html.contains(&sha256::csp_hash(JS)));
        assert!(html.contains(&sha256::csp_hash(CSS)));
        assert!(html.contains(&format!("<script>{JS}</script>")));
        assert!(html.contains(&format!("<style>{CSS}</style>")));
        assert!(html.contains("default-src 'none'"));
    }

    #[test]
    fn large_documents_are_embedded_around_their_spans() {
        let line: String = "filler words on a line of their own here\n".into();
        let shared: String = (0..120).map(|i| format!("shared{i} ")).collect();
        let n = WHOLE_DOC_BYTES / line.len() + 10;
        let big = format!("{}{shared}\n{}", line.repeat(n), line.repeat(n));
        let docs = vec![
            Document::new("a", big.clone()),
            Document::new("b", format!("intro\n{shared}\n")),
        ];
        let html = page(&docs);
        let d = data(&html);
        let a = &d["docs"][0];
        assert_eq!(a["whole"], false);
        let chunks = a["chunks"].as_array().unwrap();
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0][0], n + 1 - CONTEXT_LINES);
        let text = chunks[0][2].as_str().unwrap();
        assert_eq!(text.lines().count(), 2 * CONTEXT_LINES + 1);
        assert!(text.contains("shared0 "));
        assert!(html.len() < 64 * 1024 + JS.len() + CSS.len());
        assert_eq!(d["docs"][1]["whole"], true);
    }
}
