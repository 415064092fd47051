//! The defining case: the seed documents in `../shared/seeds`.
//!
//! Two scraped news pages, 000_* and 001_*, open with the same 42-line
//! article; 001 then goes on with a different one. Both pages, like the
//! three unrelated ones (002-004), carry page chrome (cookie-consent blocks,
//! "Please use Chrome browser...", a team blurb). neardup must flag exactly
//! that pair, as partial, with the shared article as a span over lines 1-42
//! of both, and everything else it pairs marked as boilerplate.
//!
//! The folder is `NEARDUP_SEEDS_DIR` when set. Missing, the case is skipped
//! with a note, except under `CI`, where it fails
//! (`seeds_missing_under_ci_is_a_failure` keeps that rule tested).

mod common;

use common::{check_spans, code, file_name, neardup, read_doc, Kind, Report};
use std::path::Path;

use common::{seeds_dir, seeds_dir_with};

/// Byte ranges of the lines of `text` containing `needle`.
fn lines_containing(text: &str, needle: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if line.contains(needle) {
            out.push((start, start + line.len()));
        }
        start += line.len();
    }
    out
}

#[test]
fn seeds_flag_exactly_the_shared_article() {
    let Some(dir) = seeds_dir() else {
        return;
    };
    let out = neardup()
        .arg("scan")
        .arg(&dir)
        .args(["--format", "json"])
        .output()
        .expect("running neardup");
    let report = Report::parse(&out.stdout);
    assert_eq!(
        code(&out),
        1,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    check_spans(&report, Path::new("/"));

    // Exactly one pair: 000 with 001, partial. Nothing involving 002-004.
    let names: Vec<(String, String)> = report
        .pairs
        .iter()
        .map(|p| (file_name(&p.a), file_name(&p.b)))
        .collect();
    assert_eq!(names.len(), 1, "flagged: {names:?}");
    let pair = &report.pairs[0];
    assert!(
        names[0].0.starts_with("000_") && names[0].1.starts_with("001_"),
        "flagged: {names:?}"
    );
    assert_eq!(pair.kind, Kind::Partial);
    for p in &report.pairs {
        for side in [&p.a, &p.b] {
            let n = file_name(side);
            assert!(
                !(n.starts_with("002_") || n.starts_with("003_") || n.starts_with("004_")),
                "{n} is in a flagged pair"
            );
        }
    }

    // One article span, lines 1-42 on both sides; all other spans chrome.
    let (ta, tb) = (read_doc(&dir, &pair.a), read_doc(&dir, &pair.b));
    let article: Vec<_> = pair.spans.iter().filter(|s| !s.boilerplate).collect();
    assert_eq!(
        article.len(),
        1,
        "every span but the article must be boilerplate: {:?}",
        pair.spans
    );
    let span = article[0];
    for (side, loc) in [("a", &span.a), ("b", &span.b)] {
        assert_eq!(
            (loc.start, loc.line_start, loc.line_end),
            (0, 1, 42),
            "side {side}: {loc:?}"
        );
        assert!(
            (6398..=6824).contains(&loc.end),
            "side {side} ends at byte {} outside line 42: {loc:?}",
            loc.end
        );
    }

    // Cookie-consent lines appear only inside boilerplate spans, if at all.
    for (text, path, is_a) in [(&ta, &pair.a, true), (&tb, &pair.b, false)] {
        let cookies = lines_containing(text, "which may be using cookies");
        for s in &pair.spans {
            let loc = if is_a { &s.a } else { &s.b };
            for &(ls, le) in &cookies {
                let overlaps = loc.start < le && ls < loc.end;
                assert!(
                    !overlaps || s.boilerplate,
                    "{path}: cookie line at bytes {ls}..{le} inside an article span {loc:?}"
                );
            }
        }
    }
}

/// The rule of `seeds_dir`, with the environment passed in: a folder that
/// is not there is a skip outside CI and a failure under it; a folder that
/// is there is used, whichever way it was named.
#[test]
fn seeds_missing_under_ci_is_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-seeds-here");
    let skip = seeds_dir_with(Some(missing.clone()), false).unwrap_err();
    assert!(
        skip.starts_with("skipping: ") && skip.contains("no-seeds-here"),
        "{skip}"
    );
    let under_ci = std::panic::catch_unwind(|| seeds_dir_with(Some(missing.clone()), true));
    let msg = under_ci.expect_err("a missing seeds folder passed under CI");
    let msg = msg
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(
        msg.contains("no-seeds-here") && msg.contains("CI is set"),
        "{msg}"
    );
    for ci in [false, true] {
        assert_eq!(
            seeds_dir_with(Some(tmp.path().to_path_buf()), ci),
            Ok(Some(tmp.path().canonicalize().unwrap()))
        );
    }
}
