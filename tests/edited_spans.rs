//! Edited copies through the real binary (issue 12): a passage copied with
//! a word in five changed keeps few 5-word shingles in step, yet is one
//! span, kept by word alignment; unrelated words between the same shared
//! phrases are no span.

mod common;

use common::{neardup, Report};
use std::path::Path;

/// `n` distinct-looking words from `seed` (a xorshift generator).
fn words(n: usize, seed: u64) -> Vec<String> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("w{}", x % 1_000_000)
        })
        .collect()
}

/// `src` with the words at offsets `edits` (mod `period`) replaced, after
/// the first `keep` words.
fn edited(src: &[String], keep: usize, period: usize, edits: &[usize]) -> Vec<String> {
    src.iter()
        .enumerate()
        .map(|(i, w)| {
            if i >= keep && edits.contains(&(i % period)) {
                format!("x{i}")
            } else {
                w.clone()
            }
        })
        .collect()
}

fn scan(dir: &Path) -> Report {
    let out = dir.join("report.json");
    neardup()
        .args(["scan", "--quiet", "--format", "json", "-o"])
        .arg(&out)
        .arg(dir.join("docs"))
        .output()
        .expect("running neardup");
    serde_json::from_str(&std::fs::read_to_string(&out).expect("a report")).expect("JSON")
}

/// Writes a.txt (filler, `src`, filler) and b.txt (`copy`, filler) and
/// scans them; returns the report and where `src` and `copy` are.
fn pair(src: &[String], copy: &[String]) -> (Report, (usize, usize), (usize, usize)) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    let (s, c) = (src.join(" "), copy.join(" "));
    let a = format!(
        "{}\n\n{s}\n\n{}\n",
        words(60, 2).join(" "),
        words(40, 3).join(" ")
    );
    let b = format!("{c}\n\n{}\n", words(70, 4).join(" "));
    std::fs::write(dir.path().join("docs/a.txt"), &a).unwrap();
    std::fs::write(dir.path().join("docs/b.txt"), &b).unwrap();
    let at = a.find(&s).unwrap();
    (scan(dir.path()), (at, at + s.len()), (0, c.len()))
}

#[test]
fn a_copy_with_a_word_in_five_edited_is_one_span() {
    // 12 words as they were (a run winnowing is sure to see), then 3 words
    // in 15 substituted: under half the words lie in shingles in step.
    let src = words(150, 1);
    let copy = edited(&src, 12, 15, &[5, 9, 14]);
    let (report, in_a, in_b) = pair(&src, &copy);
    assert_eq!(report.pairs.len(), 1, "{:?}", report.pairs);
    let p = &report.pairs[0];
    assert!(p.a.ends_with("a.txt"), "{}", p.a);
    assert_eq!(p.spans.len(), 1, "{:?}", p.spans);
    let s = &p.spans[0];
    assert!(s.similarity < 0.5, "{}", s.similarity);
    assert!(!s.boilerplate);
    // The whole passage on both sides, within a word of each end.
    assert!(s.a.start.abs_diff(in_a.0) <= 8, "{:?} vs {in_a:?}", s.a);
    assert!(s.a.end.abs_diff(in_a.1) <= 8, "{:?} vs {in_a:?}", s.a);
    assert!(s.b.start.abs_diff(in_b.0) <= 8, "{:?} vs {in_b:?}", s.b);
    assert!(s.b.end.abs_diff(in_b.1) <= 8, "{:?} vs {in_b:?}", s.b);
}

#[test]
fn the_same_shared_phrases_between_unrelated_words_are_no_pair() {
    // The same seeds, but 10 words in 15 replaced: a third of the words
    // align, far under the word alignment's 0.7.
    let src = words(150, 1);
    let copy = edited(&src, 12, 15, &[5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    let (report, _, _) = pair(&src, &copy);
    assert!(report.pairs.is_empty(), "{:?}", report.pairs);
}
