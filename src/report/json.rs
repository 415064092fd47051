//! The JSON format: [`super::Report`] as documented, pretty-printed.

use super::Report;
use std::io::Write;

/// Writes the report as JSON, ending with a newline.
///
/// Through a buffer of its own type: the serializer's many small writes
/// (an indent, a comma) are then copies into it, not calls through `w`.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let mut b = std::io::BufWriter::with_capacity(64 << 10, w);
    serde_json::to_writer_pretty(&mut b, report)?;
    writeln!(b)?;
    b.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{scan, Document, ScanOptions};

    #[test]
    fn round_trips_and_has_the_contract_fields() {
        let text: String = (0..120).map(|i| format!("word{i} ")).collect();
        let docs = vec![
            Document::new("x/a.txt", text.clone()),
            Document::new("x/b.txt", format!("intro line\n{text}")),
        ];
        let result = scan(&docs, &ScanOptions::default());
        let report = Report::new(&docs, &result, &[], &[]);
        let mut buf = Vec::new();
        write(&report, &mut buf).unwrap();
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
}
