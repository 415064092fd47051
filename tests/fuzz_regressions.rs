//! Replays every input saved under `tests/fuzz_regressions/<target>/`
//! through the fuzz targets' own invariants (`tests/fuzz_invariants`), in a
//! plain `cargo test` (no nightly, no libFuzzer). A crash a fuzzer finds is
//! kept here as a file, named for what it found; the seeds the fuzzers
//! start from are kept too, so each invariant runs on real input.

mod fuzz_invariants;

use std::path::Path;

/// Runs `check` on every file of `tests/fuzz_regressions/<target>`,
/// naming the file that fails; returns how many it ran.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        if let Err(e) = std::panic::catch_unwind(|| check(&data)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{}: {msg}", f.display());
        }
    }
    files.len()
}

#[test]
fn tokenize_inputs() {
    assert!(replay("tokenize", fuzz_invariants::tokenize) > 0);
}

#[test]
fn jsonl_inputs() {
    assert!(replay("jsonl", fuzz_invariants::jsonl) > 0);
}

#[test]
fn index_inputs() {
    assert!(replay("index", fuzz_invariants::index) > 0);
}

#[test]
fn config_inputs() {
    assert!(replay("config", fuzz_invariants::config) > 0);
}

/// Edge cases written by hand: an unknown key beside known ones, a whole
/// index file cut inside its frame, blank, CRLF and bad lines of JSON Lines,
/// and text with combining marks, CJK and invalid UTF-8.
#[test]
fn hand_picked_edge_cases() {
    fuzz_invariants::config(b"min-words = 3\nmin-word = 3\n");
    fuzz_invariants::config(b"[paths]\nx = 1\n");
    fuzz_invariants::index(b"\x00\x89NEARDUP-IDX\r\n\x1a\n\x01\x00\x00\x00");
    fuzz_invariants::index(b"\x01");
    fuzz_invariants::jsonl(
        b"\xef\xbb\xbf{\"text\": \"a\"}\n[1]\n\n{\"text\": 1, \"id\": 2}\r\n\xff\n",
    );
    fuzz_invariants::tokenize("e\u{301}\u{301} 東京 ab\u{0}c \u{ff21}\u{ff22}".as_bytes());
    fuzz_invariants::tokenize(b"a\xffb \xe2\x82");
}
