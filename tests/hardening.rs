//! Hostile inputs and faults, end to end against the real binary: names and
//! text that try to inject lines or terminal escapes, special files as
//! outputs, mistyped paths, concurrent writers, leftovers of killed runs,
//! out-of-range options. TESTING.md lists every case and its test.

mod common;

use common::{article, code, neardup, write_files, Report};
use std::path::Path;

// ------------------------------------------------------------ injection

/// File names that try to forge or stop GitHub workflow commands, or send
/// terminal escapes (clear screen, set the window title).
const HOSTILE_NAMES: [&str; 4] = [
    "x\n::stop-commands::zz",
    "\n::error file=a::forged",
    "\x1b[2J.txt",
    "\x1b]0;title\x07.txt",
];

/// Terminal escapes inside a document's text, in the part two documents
/// share (so they are in the excerpts).
const HOSTILE_TEXT: &str = "\x1b[2J \x1b]0;pwned\x07 \u{9b}31m \r::error::forged-by-text\r\n";

/// A corpus in `dir`: the first two hostile names hold the same article
/// with hostile text inside, the other two a second shared article; plus a
/// binary file, an empty file and a non-UTF-8 file with hostile names (each
/// produces a note or an error on stderr).
fn hostile_corpus(dir: &Path) {
    let shared = |seed| {
        let a = article(seed, 200);
        // After the second word, so that the excerpt shows it.
        let first = a.find(' ').unwrap();
        let cut = first + 1 + a[first + 1..].find(' ').unwrap();
        format!("{} {HOSTILE_TEXT} {}", &a[..cut], &a[cut..])
    };
    let (one, two) = (shared(1), shared(2));
    write_files(
        dir,
        &[
            (HOSTILE_NAMES[0], one.as_bytes()),
            (HOSTILE_NAMES[1], one.as_bytes()),
            (HOSTILE_NAMES[2], two.as_bytes()),
            (HOSTILE_NAMES[3], two.as_bytes()),
            ("bin\n::error::x\x1b[2J", b"\0\x01binary"),
            ("empty\n::error::y", b"   \n"),
            ("latin1\n::error::z\x1b]0;t\x07", b"caf\xe9 au lait\n"),
        ],
    );
}

/// Fails when `out` holds a raw control character other than the newline
/// ending each line, or a line that starts with anything but `allowed`
/// prefixes (when given).
fn assert_plain_lines(what: &str, out: &[u8], allowed: &[&str]) {
    let text = String::from_utf8_lossy(out);
    for (i, line) in text.lines().enumerate() {
        let bad = line.chars().find(|&c| neardup::escape::needs_escape(c));
        assert!(
            bad.is_none(),
            "{what} line {}: raw {bad:?} in {line:?}",
            i + 1
        );
        let ours = allowed
            .iter()
            .any(|p| p.starts_with("::") && line.starts_with(p));
        assert!(
            ours || !line.starts_with("::"),
            "{what} line {} starts a workflow command: {line:?}",
            i + 1
        );
        if !allowed.is_empty() {
            assert!(
                allowed.iter().any(|p| line.starts_with(p)),
                "{what} line {}: {line:?} does not start with one of {allowed:?}",
                i + 1
            );
        }
    }
}

fn scan_hostile(dir: &Path, format: &str, summary: Option<&Path>) -> std::process::Output {
    let mut cmd = neardup();
    cmd.current_dir(dir)
        .args(["scan", ".", "--format", format, "--color", "always"])
        .env_remove("GITHUB_STEP_SUMMARY");
    if let Some(s) = summary {
        cmd.env("GITHUB_STEP_SUMMARY", s);
    }
    cmd.output().unwrap()
}

#[test]
fn hostile_names_and_text_cannot_start_a_line_or_send_an_escape() {
    let dir = tempfile::tempdir().unwrap();
    hostile_corpus(dir.path());
    let summary = dir.path().join("summary.md");
    for format in ["text", "json", "sarif", "github"] {
        let s = (format == "github").then_some(summary.as_path());
        let out = scan_hostile(dir.path(), format, s);
        // Two flagged pairs; the Latin-1 file is decoded with a note, not
        // an error: exit 1.
        assert_eq!(code(&out), 1, "{format}: {out:?}");
        // stderr: one note per line, each starting with "neardup: ".
        assert_plain_lines(&format!("{format} stderr"), &out.stderr, &["neardup: "]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("latin1\\n::error::z\\x1b]0;t\\x07: not valid UTF-8"),
            "{stderr}"
        );
        assert!(
            stderr.contains("bin\\n::error::x\\x1b[2J: skipped"),
            "{stderr}"
        );
        assert!(stderr.contains("empty\\n::error::y: skipped"), "{stderr}");
        match format {
            "text" => {
                // Colour codes are ours; the only ESC allowed is SGR colour
                // around our own words, so strip those before checking.
                let plain = strip_sgr(&out.stdout);
                assert_plain_lines("text stdout", plain.as_bytes(), &[]);
                assert!(plain.contains("./x\\n::stop-commands::zz"), "{plain}");
                assert!(plain.contains("./\\x1b]0;title\\x07.txt"), "{plain}");
                assert!(plain.contains("\\x1b[2J \\x1b]0;pwned\\x07"), "{plain}");
            }
            "json" => {
                // JSON carries the names exactly (serde escapes them).
                let r = Report::parse(&out.stdout);
                let mut names: Vec<_> = r.documents.iter().map(|d| d.path.clone()).collect();
                names.sort();
                // The Latin-1 file is a document too (decoded, with a note).
                let mut want: Vec<_> = HOSTILE_NAMES.iter().map(|n| format!("./{n}")).collect();
                want.push("./latin1\n::error::z\u{1b}]0;t\u{7}".to_string());
                want.sort();
                assert_eq!(names, want);
                assert_eq!(r.pairs.len(), 2);
                assert_plain_lines("json stdout", &out.stdout, &[]);
            }
            "sarif" => {
                let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
                assert_plain_lines("sarif stdout", &out.stdout, &[]);
            }
            "github" => {
                assert_plain_lines("github stdout", &out.stdout, &["::warning ", "neardup: "]);
                let n = String::from_utf8_lossy(&out.stdout).lines().count();
                assert!(n >= 2, "{}", String::from_utf8_lossy(&out.stdout));
                let md = std::fs::read(&summary).unwrap();
                assert_plain_lines("step summary", &md, &[]);
            }
            _ => unreachable!(),
        }
    }
}

/// Removes `ESC [ digits;digits m` (colour) sequences; any other ESC stays.
fn strip_sgr(out: &[u8]) -> String {
    let s = String::from_utf8_lossy(out);
    let mut res = String::new();
    let mut rest = &*s;
    while let Some(i) = rest.find("\x1b[") {
        res.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let n = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[n..].starts_with('m') {
            rest = &after[n + 1..];
        } else {
            res.push_str("\x1b[");
            rest = after;
        }
    }
    res.push_str(rest);
    res
}

#[test]
fn a_hostile_name_in_a_fatal_error_stays_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = neardup()
        .current_dir(dir.path())
        .args(["check", "corpus", "--index", "no\n::error::forged\x1b[2J"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert_plain_lines("stderr", &out.stderr, &["neardup: "]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no\\n::error::forged\\x1b[2J"));
}

// ------------------------------------------------------------ output files

/// What `-o` leaves at a FIFO: the report is read from it by another
/// thread, and the FIFO is still a FIFO afterwards.
#[cfg(unix)]
#[test]
fn output_into_a_fifo_delivers_the_report_and_keeps_the_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipped: mkfifo failed");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = neardup()
        .args(["scan", common::CORPUS, "-o"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{out:?}");
    // Checked before joining: a reader of a replaced FIFO would never return.
    let ft = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(ft.is_fifo(), "the FIFO was replaced: {ft:?}");
    let report = reader.join().unwrap();
    assert!(report.contains("3 pairs flagged"), "{report}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// A character device made with mknod (as /dev/null is): written into,
/// never replaced by a regular file.
#[cfg(unix)]
#[test]
fn output_into_a_character_device_keeps_the_device() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let dev = dir.path().join("null");
    let made = std::process::Command::new("mknod")
        .arg(&dev)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    // Not root, or a filesystem mounted nodev: nothing to test here.
    if !made || std::fs::OpenOptions::new().write(true).open(&dev).is_err() {
        eprintln!("skipped: cannot make a usable character device with mknod here");
        return;
    }
    for format in ["text", "json"] {
        let out = neardup()
            .args(["scan", common::CORPUS, "--format", format, "-o"])
            .arg(&dev)
            .output()
            .unwrap();
        assert_eq!(code(&out), 1, "{out:?}");
        let ft = std::fs::symlink_metadata(&dev).unwrap().file_type();
        assert!(ft.is_char_device(), "the device was replaced: {ft:?}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn output_through_a_symlink_replaces_the_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    std::fs::write(reports.join("latest.json"), "old").unwrap();
    let link = dir.path().join("report.json");
    std::os::unix::fs::symlink("reports/latest.json", &link).unwrap();
    let out = neardup()
        .args(["scan", common::CORPUS, "--format", "json", "-o"])
        .arg(&link)
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{out:?}");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    let r = Report::parse(&std::fs::read(reports.join("latest.json")).unwrap());
    assert_eq!(r.pairs.len(), 3);
    let names: Vec<_> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["latest.json"]);
}

// ------------------------------------------------------------ temporary files

/// A temporary file left by a killed writer (its pid no longer exists) is
/// removed by the next write into that directory; one of a live process is
/// kept.
#[cfg(target_os = "linux")]
#[test]
fn the_next_write_removes_temp_files_of_dead_writers() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("corpus/a.txt", article(1, 100).as_bytes()),
            (".neardup/.neardup-999999999-Ab3dEf.tmp", b"partial index"),
            (".neardup/.neardup-1-Ab3dEf.tmp", b"pid 1 is alive"),
        ],
    );
    let out = neardup()
        .current_dir(dir.path())
        .args(["index", "build", "corpus"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{out:?}");
    let mut names: Vec<_> = std::fs::read_dir(dir.path().join(".neardup"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".lock"))
        .collect();
    names.sort();
    assert_eq!(names, [".neardup-1-Ab3dEf.tmp", "index"]);
}

// ------------------------------------------------------------ locking

fn index_docs(dir: &Path, index: &str) -> Vec<String> {
    let ix = neardup::index::Index::open(&dir.join(index)).unwrap();
    let mut v: Vec<String> = ix.docs().iter().map(|d| d.path.clone()).collect();
    v.sort();
    v
}

/// While another process holds the index lock, an update fails naming the
/// index and the holder, and leaves the index as it was; with --wait it
/// waits, then does its work.
#[test]
fn a_second_index_writer_fails_clearly_or_waits() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("corpus/a.txt", article(1, 100).as_bytes())]);
    let run = |args: &[&str]| {
        neardup()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(
        code(&run(&["index", "build", "corpus", "--index", "ix"])),
        0
    );
    let before = std::fs::read(dir.path().join("ix")).unwrap();
    write_files(dir.path(), &[("corpus/b.txt", article(2, 100).as_bytes())]);

    let held = neardup::lock::lock(&dir.path().join("ix"), false, |_| {}).unwrap();
    let out = run(&["index", "update", "corpus", "--index", "ix"]);
    assert_eq!(code(&out), 2, "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "another neardup (pid {}) is updating ix; retry, or pass --wait",
            std::process::id()
        )),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dir.path().join("ix")).unwrap(), before);

    let mut waiting = std::process::Command::new(env!("CARGO_BIN_EXE_neardup"))
        .current_dir(dir.path())
        .args(["index", "update", "corpus", "--index", "ix", "--wait"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "the update did not wait for the lock"
    );
    assert_eq!(std::fs::read(dir.path().join("ix")).unwrap(), before);
    drop(held);
    let out = waiting.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("neardup: waiting for another neardup"),
        "{stderr}"
    );
    assert_eq!(
        index_docs(dir.path(), "ix"),
        ["corpus/a.txt", "corpus/b.txt"]
    );
    // The lock file stays; no temporary file is left.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["corpus", "ix", "ix.lock"]);
}

/// Two updates of one index at once, the second started after more files
/// arrived: with --wait they run one after the other, and the index ends
/// with every document both saw (without the lock the slower run could
/// write last and drop the files only the other one saw).
#[test]
fn concurrent_index_updates_lose_no_document() {
    let dir = tempfile::tempdir().unwrap();
    let first: Vec<(String, String)> = (0..150)
        .map(|i| (format!("corpus/a{i:03}.txt"), article(i, 150)))
        .collect();
    let later: Vec<(String, String)> = (0..30)
        .map(|i| (format!("corpus/b{i:03}.txt"), article(1000 + i, 150)))
        .collect();
    let as_files = |v: &[(String, String)]| {
        v.iter()
            .map(|(n, t)| (n.clone(), t.clone().into_bytes()))
            .collect::<Vec<_>>()
    };
    let write = |v: &[(String, Vec<u8>)]| {
        let refs: Vec<(&str, &[u8])> = v.iter().map(|(n, t)| (n.as_str(), &t[..])).collect();
        write_files(dir.path(), &refs);
    };
    write(&as_files(&first));
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_neardup"))
            .current_dir(dir.path())
            .args(["index", "update", "corpus", "--index", "ix", "--wait", "-q"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let one = spawn();
    write(&as_files(&later));
    let two = spawn();
    for child in [one, two] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{out:?}");
    }
    let mut want: Vec<String> = first.iter().chain(&later).map(|(n, _)| n.clone()).collect();
    want.sort();
    assert_eq!(index_docs(dir.path(), "ix"), want);
}

#[test]
fn a_second_baseline_writer_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let held = neardup::lock::lock(&base, false, |_| {}).unwrap();
    let out = neardup()
        .args(["scan", common::CORPUS, "--baseline"])
        .arg(&base)
        .arg("--update-baseline")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("is updating"));
    assert!(!base.exists());
    drop(held);
}

// ------------------------------------------------------------ index safety

/// A directory with an index of three documents built from `corpus`, and a
/// good JSON report and baseline beside it.
fn indexed_corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("corpus/a.txt", article(1, 100).as_bytes()),
            ("corpus/b.txt", article(2, 100).as_bytes()),
            ("corpus/c.txt", article(3, 100).as_bytes()),
            ("empty/.keep", b""),
            ("r.json", b"good report"),
            ("base.json", b"good baseline"),
        ],
    );
    std::fs::remove_file(dir.path().join("empty/.keep")).unwrap();
    let out = run_in(dir.path(), &["index", "build", "corpus", "--index", "ix"]);
    assert_eq!(code(&out), 0, "{out:?}");
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    neardup().current_dir(dir).args(args).output().unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_missing_corpus_path_writes_nothing() {
    let dir = indexed_corpus();
    let d = dir.path();
    let files = ["ix", "r.json", "base.json"].map(|f| std::fs::read(d.join(f)).unwrap());
    for args in [
        &["index", "build", "corpsu", "--index", "ix"][..],
        &["index", "update", "corpsu", "--index", "ix"],
        &["index", "update", "corpus", "corpsu", "--index", "ix"],
        &["index", "build", "corpsu", "--index", "ix", "--prune"],
        &["scan", "corpsu", "-o", "r.json"],
        &[
            "scan", "corpsu", "nor/this", "--format", "json", "-o", "r.json",
        ],
        &["check", "corpsu", "--index", "ix", "-o", "r.json"],
        &["check", "corpus", "--new", "corpsu", "-o", "r.json"],
        &[
            "scan",
            "corpsu",
            "--baseline",
            "base.json",
            "--update-baseline",
        ],
    ] {
        let out = run_in(d, args);
        assert_eq!(code(&out), 2, "{args:?}: {out:?}");
        assert!(
            stderr(&out).contains("corpsu"),
            "{args:?}: {}",
            stderr(&out)
        );
        for (f, before) in ["ix", "r.json", "base.json"].iter().zip(&files) {
            assert_eq!(
                &std::fs::read(d.join(f)).unwrap(),
                before,
                "{args:?} changed {f}"
            );
        }
    }
    // Without -o the (empty) report still goes to stdout, as before.
    let out = run_in(d, &["scan", "corpsu", "--format", "json"]);
    assert_eq!(code(&out), 2);
    assert!(Report::parse(&out.stdout).documents.is_empty());
}

#[test]
fn dropping_more_than_half_of_the_index_needs_prune() {
    let dir = indexed_corpus();
    let d = dir.path();
    let before = std::fs::read(d.join("ix")).unwrap();
    // An existing but empty directory would drop all three.
    for cmd in ["update", "build"] {
        let out = run_in(d, &["index", cmd, "empty", "--index", "ix"]);
        assert_eq!(code(&out), 2, "{out:?}");
        let e = stderr(&out);
        assert!(
            e.contains("would drop 3 of the 3 documents in ix") && e.contains("--prune"),
            "{e}"
        );
        assert_eq!(std::fs::read(d.join("ix")).unwrap(), before);
    }
    // Two of three files gone: more than half, refused.
    std::fs::remove_file(d.join("corpus/a.txt")).unwrap();
    std::fs::remove_file(d.join("corpus/b.txt")).unwrap();
    let out = run_in(d, &["index", "update", "corpus", "--index", "ix"]);
    assert_eq!(code(&out), 2, "{out:?}");
    assert!(
        stderr(&out).contains("would drop 2 of the 3"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(d.join("ix")).unwrap(), before);
    // With --prune it goes through.
    let out = run_in(
        d,
        &["index", "update", "corpus", "--index", "ix", "--prune"],
    );
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(index_docs(d, "ix"), ["corpus/c.txt"]);
    // One of three is not more than half: no --prune needed.
    write_files(
        d,
        &[
            ("corpus/a.txt", article(1, 100).as_bytes()),
            ("corpus/b.txt", article(2, 100).as_bytes()),
        ],
    );
    assert_eq!(
        code(&run_in(d, &["index", "update", "corpus", "--index", "ix"])),
        0
    );
    std::fs::remove_file(d.join("corpus/a.txt")).unwrap();
    let out = run_in(d, &["index", "update", "corpus", "--index", "ix"]);
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(index_docs(d, "ix"), ["corpus/b.txt", "corpus/c.txt"]);
}

// ------------------------------------------------------------ option ranges

/// Every numeric option, out of range on the command line and in
/// neardup.toml: exit 2 before reading anything, with a message naming the
/// option and its valid range. In-range edge values are accepted. (Other
/// refused runs are the table in tests/cli.rs.)
#[test]
fn out_of_range_options_are_refused_naming_the_option_and_range() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("a.txt", article(1, 60).as_bytes())]);
    // (option, bad value, expected message part, a good edge value)
    let table: &[(&str, &str, &str, &str)] = &[
        ("min-words", "0", "min-words must be at least 1, got 0", "1"),
        (
            "max-gap",
            "100001",
            "max-gap must be within 0..=100000",
            "0",
        ),
        (
            "boilerplate-df",
            "0",
            "boilerplate-df must be at least 2, got 0",
            "2",
        ),
        (
            "boilerplate-df",
            "1",
            "boilerplate-df must be at least 2, got 1",
            "2",
        ),
        ("shingle", "0", "shingle must be within 1..=16, got 0", "1"),
        (
            "shingle",
            "17",
            "shingle must be within 1..=16, got 17",
            "16",
        ),
        (
            "window",
            "0",
            "window must be within 1..=1024, got 0",
            "1024",
        ),
        ("num-perm", "1025", "num-perm must be within 1..=1024", "1"),
        (
            "lsh-threshold",
            "1.5",
            "lsh-threshold must be within 0..=1",
            "1",
        ),
        (
            "near-threshold",
            "-0.1",
            "near-threshold must be within 0..=1",
            "0",
        ),
        (
            "min-similarity",
            "NaN",
            "min-similarity must be within 0..=1",
            "1",
        ),
        (
            "max-filesize",
            "0",
            "max-filesize must be at least 1, got 0",
            "1K",
        ),
    ];
    // Every range of the one table (config::RANGES) that an option has.
    for (name, _) in neardup::config::RANGES {
        assert!(
            name == "min-shared" || table.iter().any(|r| r.0 == name),
            "{name} has a range but no row here"
        );
    }
    for &(opt, bad, msg, good) in table {
        let out = run_in(dir.path(), &["scan", "a.txt", &format!("--{opt}={bad}")]);
        assert_eq!(code(&out), 2, "--{opt} {bad}: {out:?}");
        assert!(
            stderr(&out).contains(msg),
            "--{opt} {bad}: {}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty(), "--{opt} {bad} reported");
        let out = run_in(dir.path(), &["scan", "a.txt", &format!("--{opt}={good}")]);
        assert!(code(&out) < 2, "--{opt} {good}: {}", stderr(&out));
        // The same key in the settings file.
        let value = match opt {
            "max-filesize" => format!("\"{bad}\""),
            _ if bad == "NaN" => "nan".to_string(),
            _ => bad.to_string(),
        };
        std::fs::write(dir.path().join("n.toml"), format!("{opt} = {value}\n")).unwrap();
        let out = run_in(dir.path(), &["scan", "a.txt", "--config", "n.toml"]);
        assert_eq!(code(&out), 2, "{opt} = {value}: {out:?}");
        assert!(
            stderr(&out).contains(msg) && stderr(&out).contains("n.toml"),
            "{opt} = {value}: {}",
            stderr(&out)
        );
    }
}
