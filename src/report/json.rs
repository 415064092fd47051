//! The JSON format: [`super::Report`] as documented, pretty-printed.
//!
//! Written directly, not through serde: the bytes are exactly those of
//! `serde_json::to_writer_pretty` on the report (two-space indents, `": "`
//! after a key, `[]` and `{}` when empty, fields in declaration order, the
//! optional ones left out as their `skip_serializing_if` says), which a test
//! checks on a report that uses every field; a field added to the model
//! breaks the build here (every struct is taken apart whole) until it is
//! written too. Numbers: integers in decimal, floats through serde_json
//! itself (its shortest round-trip form; `null` when not finite).

use super::{
    ClusterEntry, DocumentEntry, MovedEntry, MovedRange, PairEntry, PassageEntry, PassageSpan,
    Problem, Report, SpanEntry, Summary,
};
use crate::input::location::Location;
use std::io::Write;

/// Bytes gathered before they are handed to the writer.
const CHUNK: usize = 64 << 10;

/// Writes the report as JSON, ending with a newline.
///
/// Into a buffer of its own, handed to `w` in chunks of about [`CHUNK`]
/// bytes: the many small pieces (an indent, a comma) are copies, not calls
/// through `w`.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let mut out = Pretty {
        buf: Vec::with_capacity(CHUNK + 4096),
        w,
        depth: 0,
        first: true,
    };
    out.report(report)?;
    out.buf.push(b'\n');
    out.w.write_all(&out.buf)?;
    out.w.flush()
}

/// serde_json's pretty printer, by hand: `depth` containers are open and
/// `first` says whether the innermost one has no element yet.
struct Pretty<'w> {
    buf: Vec<u8>,
    w: &'w mut dyn Write,
    depth: usize,
    first: bool,
}

/// A newline and the spaces of indents up to 15 levels, sliced.
const NEWLINE: &[u8; 32] = b"\n                               ";

impl Pretty<'_> {
    /// Hands the buffer to the writer once it holds a chunk.
    #[inline]
    fn spill(&mut self) -> std::io::Result<()> {
        if self.buf.len() >= CHUNK {
            self.w.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    #[inline(always)]
    fn open(&mut self, c: u8) {
        self.buf.push(c);
        self.depth += 1;
        self.first = true;
    }

    #[inline(always)]
    fn close(&mut self, c: u8) {
        self.depth -= 1;
        if !self.first {
            self.newline();
        }
        self.buf.push(c);
        self.first = false;
    }

    #[inline(always)]
    fn newline(&mut self) {
        let n = 2 * self.depth;
        if n < NEWLINE.len() {
            self.buf.extend_from_slice(&NEWLINE[..1 + n]);
            return;
        }
        self.buf.push(b'\n');
        for _ in 0..n {
            self.buf.push(b' ');
        }
    }

    /// Before an element of an array.
    #[inline(always)]
    fn item(&mut self) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        self.newline();
    }

    /// Before a member of an object: the separator and `"name": `.
    #[inline(always)]
    fn key(&mut self, name: &str) {
        self.item();
        self.buf.push(b'"');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b"\": ");
    }

    fn uint(&mut self, x: u64) {
        if x < 10 {
            self.buf.push(b'0' + x as u8);
            return;
        }
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut x = x;
        while x >= 100 {
            let d = 2 * (x % 100) as usize;
            x /= 100;
            at -= 2;
            digits[at..at + 2].copy_from_slice(&PAIRS[d..d + 2]);
        }
        if x >= 10 {
            let d = 2 * x as usize;
            at -= 2;
            digits[at..at + 2].copy_from_slice(&PAIRS[d..d + 2]);
        } else {
            at -= 1;
            digits[at] = b'0' + x as u8;
        }
        self.buf.extend_from_slice(&digits[at..]);
    }

    fn float(&mut self, x: f64) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.buf, &x).map_err(std::io::Error::other)
    }

    #[inline(always)]
    fn boolean(&mut self, b: bool) {
        self.buf
            .extend_from_slice(if b { b"true" } else { b"false" });
    }

    /// A JSON string as serde_json escapes it: `"` and `\`, and the control
    /// characters below 0x20 (`\b \t \n \f \r` by name, the rest as
    /// `\u00xx`); everything else as it is.
    fn string(&mut self, s: &str) {
        self.buf.push(b'"');
        let bytes = s.as_bytes();
        if !needs_escape(bytes) {
            self.buf.extend_from_slice(bytes);
            self.buf.push(b'"');
            return;
        }
        let mut done = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let e = ESCAPE[b as usize];
            if e == 0 {
                continue;
            }
            self.buf.extend_from_slice(&bytes[done..i]);
            done = i + 1;
            match e {
                b'u' => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.buf.extend_from_slice(b"\\u00");
                    self.buf.push(HEX[(b >> 4) as usize]);
                    self.buf.push(HEX[(b & 0xF) as usize]);
                }
                _ => self.buf.extend_from_slice(&[b'\\', e]),
            }
        }
        self.buf.extend_from_slice(&bytes[done..]);
        self.buf.push(b'"');
    }

    /// `"name": [ ... ]`, each element written by `each` after its
    /// separator; the buffer spilled between elements.
    fn array<T>(
        &mut self,
        name: &str,
        items: &[T],
        mut each: impl FnMut(&mut Self, &T) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.key(name);
        self.open(b'[');
        for x in items {
            self.item();
            each(self, x)?;
            self.spill()?;
        }
        self.close(b']');
        Ok(())
    }

    /// `"name": [x, y]` of two floats (a fixed-size array is a sequence).
    fn float_pair(&mut self, name: &str, v: &[f64; 2]) -> std::io::Result<()> {
        self.key(name);
        self.open(b'[');
        for &x in v {
            self.item();
            self.float(x)?;
        }
        self.close(b']');
        Ok(())
    }

    /// `"name": [x, y]` of two integers.
    fn uint_pair(&mut self, name: &str, v: &[usize; 2]) {
        self.key(name);
        self.open(b'[');
        for &x in v {
            self.item();
            self.uint(x as u64);
        }
        self.close(b']');
    }

    fn report(&mut self, r: &Report) -> std::io::Result<()> {
        let Report {
            schema,
            documents,
            pairs,
            clusters,
            passages,
            summary,
            errors,
            skipped,
            warnings,
        } = r;
        self.open(b'{');
        self.key("schema");
        self.uint(*schema as u64);
        self.array("documents", documents, |o, d| {
            o.document(d);
            Ok(())
        })?;
        self.array("pairs", pairs, Self::pair)?;
        self.array("clusters", clusters, |o, c| {
            o.cluster(c);
            Ok(())
        })?;
        self.array("passages", passages, Self::passage)?;
        self.key("summary");
        self.summary(summary);
        for (name, list) in [
            ("errors", errors),
            ("skipped", skipped),
            ("warnings", warnings),
        ] {
            self.array(name, list, |o, p| {
                o.problem(p);
                Ok(())
            })?;
        }
        self.close(b'}');
        Ok(())
    }

    fn document(&mut self, d: &DocumentEntry) {
        let DocumentEntry {
            path,
            bytes,
            words,
            new,
        } = d;
        self.open(b'{');
        self.key("path");
        self.string(path);
        self.key("bytes");
        self.uint(*bytes as u64);
        self.key("words");
        self.uint(*words as u64);
        if let Some(new) = new {
            self.key("new");
            self.boolean(*new);
        }
        self.close(b'}');
    }

    fn pair(&mut self, p: &PairEntry) -> std::io::Result<()> {
        let PairEntry {
            a,
            b,
            kind,
            jaccard,
            containment,
            coverage,
            spans,
            moved,
            ids: _,
        } = p;
        self.open(b'{');
        self.key("a");
        self.string(a);
        self.key("b");
        self.string(b);
        self.key("kind");
        self.string(kind.as_str());
        self.key("jaccard");
        self.float(*jaccard)?;
        self.float_pair("containment", containment)?;
        self.float_pair("coverage", coverage)?;
        self.array("spans", spans, Self::span)?;
        if let Some(m) = moved {
            self.key("moved");
            self.moved(m);
        }
        self.close(b'}');
        Ok(())
    }

    fn span(&mut self, s: &SpanEntry) -> std::io::Result<()> {
        let SpanEntry {
            a,
            b,
            words,
            similarity,
            boilerplate,
            baselined,
        } = s;
        self.open(b'{');
        self.key("a");
        self.open(b'{');
        self.location(a);
        self.close(b'}');
        self.key("b");
        self.open(b'{');
        self.location(b);
        self.close(b'}');
        self.key("words");
        self.uint(*words as u64);
        self.key("similarity");
        self.float(*similarity)?;
        self.key("boilerplate");
        self.boolean(*boilerplate);
        if *baselined {
            self.key("baselined");
            self.boolean(true);
        }
        self.close(b'}');
        Ok(())
    }

    /// The members of a location (inside an object the caller opened: its
    /// own, or a passage span's, which flattens it).
    fn location(&mut self, l: &Location) {
        let Location {
            start,
            end,
            line_start,
            col_start,
            line_end,
            col_end,
        } = l;
        for (name, x) in [
            ("start", start),
            ("end", end),
            ("line_start", line_start),
            ("col_start", col_start),
            ("line_end", line_end),
            ("col_end", col_end),
        ] {
            self.key(name);
            self.uint(*x as u64);
        }
    }

    fn moved(&mut self, m: &MovedEntry) {
        let MovedEntry {
            blocks,
            words,
            ranges,
        } = m;
        self.open(b'{');
        self.key("blocks");
        self.uint(*blocks as u64);
        self.key("words");
        self.uint(*words as u64);
        self.key("ranges");
        self.open(b'[');
        for r in ranges {
            let MovedRange { a, b } = r;
            self.item();
            self.open(b'{');
            self.uint_pair("a", a);
            self.uint_pair("b", b);
            self.close(b'}');
        }
        self.close(b']');
        self.close(b'}');
    }

    fn cluster(&mut self, c: &ClusterEntry) {
        let ClusterEntry { keep, drop } = c;
        self.open(b'{');
        self.key("keep");
        self.string(keep);
        self.key("drop");
        self.open(b'[');
        for d in drop {
            self.item();
            self.string(d);
        }
        self.close(b']');
        self.close(b'}');
    }

    fn passage(&mut self, p: &PassageEntry) -> std::io::Result<()> {
        let PassageEntry {
            words,
            documents,
            excerpt,
            spans,
        } = p;
        self.open(b'{');
        self.key("words");
        self.uint(*words as u64);
        self.key("documents");
        self.uint(*documents as u64);
        self.key("excerpt");
        self.string(excerpt);
        self.array("spans", spans, |o, s| {
            let PassageSpan { path, at } = s;
            o.open(b'{');
            o.key("path");
            o.string(path);
            o.location(at);
            o.close(b'}');
            Ok(())
        })?;
        self.close(b'}');
        Ok(())
    }

    fn summary(&mut self, s: &Summary) {
        let Summary {
            documents,
            new_documents,
            pairs,
            near_duplicate,
            partial,
            clusters,
            passages,
            verified,
            boilerplate_only,
            baselined,
            errors,
            skipped,
            warnings,
        } = s;
        self.open(b'{');
        self.key("documents");
        self.uint(*documents as u64);
        if let Some(n) = new_documents {
            self.key("new_documents");
            self.uint(*n as u64);
        }
        for (name, x) in [
            ("pairs", pairs),
            ("near_duplicate", near_duplicate),
            ("partial", partial),
            ("clusters", clusters),
            ("passages", passages),
            ("verified", verified),
            ("boilerplate_only", boilerplate_only),
            ("baselined", baselined),
            ("errors", errors),
            ("skipped", skipped),
            ("warnings", warnings),
        ] {
            self.key(name);
            self.uint(*x as u64);
        }
        self.close(b'}');
    }

    fn problem(&mut self, p: &Problem) {
        let Problem { path, line, reason } = p;
        self.open(b'{');
        self.key("path");
        self.string(path);
        if let Some(line) = line {
            self.key("line");
            self.uint(*line);
        }
        self.key("reason");
        self.string(reason);
        self.close(b'}');
    }
}

/// Whether any byte of `bytes` is one [`ESCAPE`] changes, eight bytes at a
/// time: per byte, the high bit of `below` says "ASCII below 0x20" and that
/// of `eq(c)` says "equal to `c`" (no sum carries out of its byte: the high
/// bits are cleared before adding, and the byte's own high bit is or-ed in).
fn needs_escape(bytes: &[u8]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has = |w: u64| {
        let below = !((w & !HIGH).wrapping_add(LOW * 0x60) | w) & HIGH;
        let eq = |c: u8| {
            let t = w ^ (LOW * c as u64);
            !((t & !HIGH).wrapping_add(LOW * 0x7F) | t) & HIGH
        };
        (below | eq(b'"') | eq(b'\\')) != 0
    };
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        if has(u64::from_le_bytes(c.try_into().expect("8 bytes"))) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| ESCAPE[b as usize] != 0)
}

/// Two decimal digits of 0..100, in order.
static PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// What a byte becomes in a JSON string: 0 for itself, else the letter
/// after the backslash (`u` for `\u00xx`).
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0A] = b'n';
    t[0x0C] = b'f';
    t[0x0D] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Kind;
    use crate::{scan, Document, ScanOptions};

    /// What serde_json writes for the report (the contract's bytes).
    fn serde_bytes(report: &Report) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(report).unwrap();
        v.push(b'\n');
        v
    }

    fn direct_bytes(report: &Report) -> Vec<u8> {
        let mut buf = Vec::new();
        write(report, &mut buf).unwrap();
        buf
    }

    #[test]
    fn round_trips_and_has_the_contract_fields() {
        let text: String = (0..120).map(|i| format!("word{i} ")).collect();
        let docs = vec![
            Document::new("x/a.txt", text.clone()),
            Document::new("x/b.txt", format!("intro line\n{text}")),
        ];
        let result = scan(&docs, &ScanOptions::default());
        let report = Report::new(&docs, &result, &[], &[]);
        let buf = direct_bytes(&report);
        assert_eq!(buf, serde_bytes(&report));
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["documents"][1]["bytes"], docs[1].text.len());
        let pair = &v["pairs"][0];
        assert_eq!(pair["a"], "x/a.txt");
        assert_eq!(pair["kind"], "near_duplicate");
        let span = &pair["spans"][0];
        assert_eq!(span["b"]["line_start"], 2);
        assert_eq!(span["b"]["col_start"], 1);
        assert_eq!(span["boilerplate"], false);
        assert_eq!(v["clusters"][0]["keep"], "x/a.txt");
        let back: Report = serde_json::from_slice(&buf).unwrap();
        assert_eq!(back.pairs[0].spans, report.pairs[0].spans);
    }

    fn loc(start: usize, end: usize) -> Location {
        Location {
            start,
            end,
            line_start: 1,
            col_start: start + 1,
            line_end: 12_345_678_901,
            col_end: usize::MAX,
        }
    }

    /// A report using every field and option, both ways (set and left
    /// out), strings needing every escape, floats of every kind and
    /// containers empty and not.
    fn everything() -> Report {
        let odd = "q\"uote\\back/slash\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f}\u{7f} é…漢字 🙂";
        let span = |baselined: bool, similarity| SpanEntry {
            a: loc(0, 10),
            b: loc(5, 15),
            words: 7,
            similarity,
            boilerplate: !baselined,
            baselined,
        };
        Report {
            schema: 1,
            documents: vec![
                DocumentEntry {
                    path: odd.to_string(),
                    bytes: 0,
                    words: u32::MAX,
                    new: None,
                },
                DocumentEntry {
                    path: String::new(),
                    bytes: 99,
                    words: 0,
                    new: Some(true),
                },
                DocumentEntry {
                    path: "c".into(),
                    bytes: 1,
                    words: 1,
                    new: Some(false),
                },
            ],
            pairs: vec![
                PairEntry {
                    a: odd.into(),
                    b: "b".into(),
                    kind: Kind::NearDuplicate,
                    jaccard: 1.0,
                    containment: [0.0, 0.5],
                    coverage: [f64::NAN, f64::INFINITY],
                    spans: vec![span(true, 0.1234), span(false, 1e-7)],
                    moved: Some(MovedEntry {
                        blocks: 2,
                        words: 40,
                        ranges: vec![
                            MovedRange {
                                a: [1, 2],
                                b: [3, 4],
                            },
                            MovedRange {
                                a: [0, usize::MAX],
                                b: [10, 20],
                            },
                        ],
                    }),
                    ids: (0, 1),
                },
                PairEntry {
                    a: "a".into(),
                    b: "b".into(),
                    kind: Kind::Partial,
                    jaccard: 0.3333,
                    containment: [1e300, -0.0],
                    coverage: [123456.789, 2.5e-5],
                    spans: vec![],
                    moved: Some(MovedEntry {
                        blocks: 0,
                        words: 0,
                        ranges: vec![],
                    }),
                    ids: (1, 2),
                },
                PairEntry {
                    a: "a".into(),
                    b: "c".into(),
                    kind: Kind::Partial,
                    jaccard: 0.0,
                    containment: [0.1, 0.2],
                    coverage: [0.3, 0.7],
                    spans: vec![span(false, 0.95)],
                    moved: None,
                    ids: (1, 2),
                },
            ],
            clusters: vec![
                ClusterEntry {
                    keep: "k".into(),
                    drop: vec![odd.into(), "d".into()],
                },
                ClusterEntry {
                    keep: String::new(),
                    drop: vec![],
                },
            ],
            passages: vec![
                PassageEntry {
                    words: 12,
                    documents: 400,
                    excerpt: odd.into(),
                    spans: vec![
                        PassageSpan {
                            path: "p".into(),
                            at: loc(3, 4),
                        },
                        PassageSpan {
                            path: odd.into(),
                            at: loc(0, 0),
                        },
                    ],
                },
                PassageEntry {
                    words: 0,
                    documents: 0,
                    excerpt: String::new(),
                    spans: vec![],
                },
            ],
            summary: Summary {
                documents: 3,
                new_documents: Some(1),
                pairs: 3,
                near_duplicate: 1,
                partial: 2,
                clusters: 2,
                passages: 2,
                verified: 10,
                boilerplate_only: 4,
                baselined: 1,
                errors: 2,
                skipped: 1,
                warnings: 0,
            },
            errors: vec![
                Problem {
                    path: odd.into(),
                    line: Some(7),
                    reason: "bad\nrecord".into(),
                },
                Problem {
                    path: String::new(),
                    line: None,
                    reason: String::new(),
                },
            ],
            skipped: vec![Problem {
                path: "bin".into(),
                line: Some(0),
                reason: "binary".into(),
            }],
            warnings: vec![],
        }
    }

    #[test]
    fn the_bytes_are_serde_jsons_for_every_field_and_option() {
        let mut r = everything();
        assert_eq!(
            String::from_utf8(direct_bytes(&r)).unwrap(),
            String::from_utf8(serde_bytes(&r)).unwrap()
        );
        // The options the other way round, and every list empty.
        r.summary.new_documents = None;
        r.documents[1].new = None;
        r.pairs[0].moved = None;
        r.pairs[2].moved = r.pairs[1].moved.take();
        r.errors[0].line = None;
        assert_eq!(direct_bytes(&r), serde_bytes(&r));
        r.warnings = r.skipped.clone();
        r.documents.clear();
        r.pairs.clear();
        r.clusters.clear();
        r.passages.clear();
        r.errors.clear();
        r.skipped.clear();
        assert_eq!(direct_bytes(&r), serde_bytes(&r));
    }

    #[test]
    fn a_report_longer_than_a_chunk_comes_whole_and_in_order() {
        let mut r = everything();
        let docs = r.documents.clone();
        while r.documents.len() * 40 < 3 * CHUNK {
            r.documents.extend(docs.iter().cloned());
        }
        let pairs = r.pairs.clone();
        for _ in 0..200 {
            r.pairs.extend(pairs.iter().cloned());
        }
        let bytes = direct_bytes(&r);
        assert!(bytes.len() > 3 * CHUNK, "{} bytes", bytes.len());
        assert_eq!(bytes, serde_bytes(&r));
    }

    #[test]
    fn the_eight_byte_test_finds_exactly_the_bytes_to_escape() {
        for len in [1usize, 7, 8, 9, 16, 23] {
            for at in [0, len / 2, len - 1] {
                for b in 0..=255u8 {
                    let mut v = vec![b'a'; len];
                    v[at] = b;
                    assert_eq!(
                        needs_escape(&v),
                        ESCAPE[b as usize] != 0,
                        "byte {b:#x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(!needs_escape(b""));
        assert!(!needs_escape("é…漢字 🙂 \u{7f}".as_bytes()));
    }

    #[test]
    fn integers_are_written_in_decimal() {
        for x in [
            0u64,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            65_535,
            1 << 40,
            u64::MAX,
        ] {
            let mut out = Pretty {
                buf: Vec::new(),
                w: &mut std::io::sink(),
                depth: 0,
                first: true,
            };
            out.uint(x);
            assert_eq!(out.buf, x.to_string().into_bytes());
        }
    }

    #[test]
    fn every_byte_is_escaped_as_serde_json_escapes_it() {
        for b in 0u8..128 {
            let s = format!("a{}b", b as char);
            let mut out = Pretty {
                buf: Vec::new(),
                w: &mut std::io::sink(),
                depth: 0,
                first: true,
            };
            out.string(&s);
            assert_eq!(out.buf, serde_json::to_vec(&s).unwrap(), "byte {b:#x}");
        }
    }
}
