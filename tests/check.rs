//! `neardup index build|update` and `neardup check` end to end: a corpus is
//! indexed, a drop of new documents is added, and the check must report what
//! the drop repeats (and nothing else) in every format, honour the baseline
//! and `--fail-on`, keep the index in step with the corpus, and refuse a
//! damaged index with exit status 2. Every test runs the real binary in a
//! temporary directory on prose written here.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output};

// ------------------------------------------------------------------ prose

/// Vocabulary of the generated articles: real words, so the texts read like
/// (odd) prose and tokenize as such.
const VOCABULARY: &str = "\
    river council budget morning harbour bakery street market school library teacher garden \
    bridge station museum winter summer village county report officer planning housing \
    traffic weather storm flood festival concert theatre kitchen farmer orchard cattle \
    harvest rain valley mountain forest meadow island ferry engine signal lantern window \
    doorway ladder hammer copper silver marble timber canvas paper letter archive record \
    ledger auction tenant landlord mayor clerk nurse doctor patient clinic ward pharmacy \
    recipe flour butter pastry oven bread coffee tea cider apple pear plum cherry walnut \
    chestnut oak willow birch heron otter badger fox sparrow pigeon gull salmon trout eel \
    net boat anchor sail mast quay pier lighthouse tide shore dune cliff cave path trail \
    fence gate barn mill wheel cart wagon tram bus platform ticket timetable delay repair \
    survey vote ballot motion debate grant fund loan levy tax rate fee price wage pension \
    strike union factory workshop foundry quarry mine shaft tunnel canal lock weir dam \
    reservoir pipe drain sewer pump valve meter cable tower spire chapel hall pavilion \
    stadium court field pitch club team season match goal referee crowd banner parade choir \
    band drum violin piano painter sculptor poet novel chapter quietly slowly early late \
    often rarely again still nearly almost old new small large narrow wide bright dark cold \
    warm wet dry busy empty careful sudden local public private annual weekly opened closed \
    raised lowered moved carried painted counted signed argued agreed refused promised \
    delayed repaired visited praised the a of and to in on by with from after before over \
    under near beside while because although when where which that";

fn vocabulary() -> &'static [&'static str] {
    static WORDS: std::sync::OnceLock<Vec<&str>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| VOCABULARY.split_whitespace().collect())
}

/// A deterministic random stream (Knuth's MMIX LCG, output from the high
/// bits).
struct Lcg(u64);

impl Lcg {
    fn new(seed: u64) -> Lcg {
        // Spread small seeds apart before the first step.
        Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }

    /// One sentence of 7 to 15 words, capitalized, ending with a period.
    fn sentence(&mut self) -> String {
        let n = 7 + self.below(9);
        let mut s = String::new();
        for i in 0..n {
            let w = vocabulary()[self.below(vocabulary().len())];
            if i == 0 {
                let mut c = w.chars();
                let first = c.next().unwrap().to_ascii_uppercase();
                s.push(first);
                s.push_str(c.as_str());
            } else {
                s.push(' ');
                s.push_str(w);
                if i + 1 < n && self.below(8) == 0 {
                    s.push(',');
                }
            }
        }
        s.push('.');
        s
    }

    /// One line: one or two sentences, ending with a newline.
    fn line(&mut self) -> String {
        let mut l = self.sentence();
        if self.below(2) == 0 {
            l.push(' ');
            l.push_str(&self.sentence());
        }
        l.push('\n');
        l
    }
}

/// `n` lines of prose, distinct for each seed.
fn lines(seed: u64, n: usize) -> String {
    let mut r = Lcg::new(seed);
    (0..n).map(|_| r.line()).collect()
}

/// An article of 240 to 400 words, in lines of one or two sentences.
fn article(seed: u64) -> String {
    let mut r = Lcg::new(seed);
    let target = 240 + r.below(120);
    let mut text = String::new();
    while words(&text) < target {
        text.push_str(&r.line());
    }
    text
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

fn line_count(text: &str) -> usize {
    text.lines().count()
}

/// `text` with the words at `positions` (word indices) replaced by `with`.
fn replace_words(text: &str, positions: &[usize], with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let ws: Vec<String> = body
            .split(' ')
            .map(|w| {
                let r = if positions.contains(&i) {
                    // Keep the punctuation that ends the word.
                    let tail: String = w.chars().filter(|c| !c.is_alphanumeric()).collect();
                    format!("{with}{tail}")
                } else {
                    w.to_string()
                };
                i += 1;
                r
            })
            .collect();
        out.push_str(&ws.join(" "));
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

// ---------------------------------------------------------------- fixture

/// Corpus articles, by file name under `corpus/`.
const CORPUS_FILES: usize = 8;

/// The article the drop pastes into new text, and the one it nearly copies.
const PASTED_SOURCE: &str = "corpus/article-03.txt";
const COPIED_SOURCE: &str = "corpus/article-06.txt";

/// The drop's files.
const PASTED: &str = "corpus/drop/pasted.txt";
const NEAR_COPY: &str = "corpus/drop/nearcopy.txt";
const FRESH: &str = "corpus/drop/fresh.txt";

/// New lines before and after the pasted article.
const INTRO_LINES: usize = 4;
const OUTRO_LINES: usize = 4;

fn corpus_path(i: usize) -> String {
    format!("corpus/article-{i:02}.txt")
}

fn corpus_text(i: usize) -> String {
    article(1000 + i as u64)
}

/// A temporary directory holding `corpus/` (eight articles) and, once
/// [`Fixture::add_drop`] ran, `corpus/drop/`.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let f = Fixture {
            dir: tempfile::tempdir().expect("temporary directory"),
        };
        for i in 1..=CORPUS_FILES {
            f.write(&corpus_path(i), &corpus_text(i));
        }
        f
    }

    /// A fixture whose corpus is indexed at the default `.neardup/index`.
    fn indexed() -> Fixture {
        let f = Fixture::new();
        let out = f.run(&["index", "build", "corpus"]);
        assert_eq!(code(&out), 0, "index build: {}", stderr(&out));
        assert!(f.path(".neardup/index").is_file());
        f
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Adds the drop: (a) [`PASTED`], article 3 between new lines; (b)
    /// [`NEAR_COPY`], article 6 with four words changed; (c) [`FRESH`], a
    /// new article.
    fn add_drop(&self) {
        self.write(PASTED, &pasted_text());
        self.write(NEAR_COPY, &near_copy_text());
        self.write(FRESH, &article(7777));
    }

    /// `neardup ARGS` run in the fixture directory.
    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("running neardup")
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_neardup"));
        c.current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_STEP_SUMMARY");
        c
    }
}

fn pasted_text() -> String {
    format!(
        "{}{}{}",
        lines(500, INTRO_LINES),
        read_source(PASTED_SOURCE),
        lines(501, OUTRO_LINES)
    )
}

fn near_copy_text() -> String {
    let src = read_source(COPIED_SOURCE);
    let n = words(&src);
    replace_words(&src, &[n / 5, 2 * n / 5, 3 * n / 5, 4 * n / 5], "zeppelin")
}

/// The text of a corpus article, by path.
fn read_source(path: &str) -> String {
    let i = (1..=CORPUS_FILES)
        .find(|&i| corpus_path(i) == path)
        .expect("a corpus path");
    corpus_text(i)
}

/// Where the drop's findings must be: (new document, first and last line,
/// corpus document, first and last line).
fn expected_findings() -> BTreeSet<Finding> {
    let pasted = line_count(&read_source(PASTED_SOURCE));
    let copied = line_count(&read_source(COPIED_SOURCE));
    [
        Finding {
            uri: PASTED.into(),
            lines: (INTRO_LINES + 1, INTRO_LINES + pasted),
            related: PASTED_SOURCE.into(),
            related_lines: (1, pasted),
        },
        Finding {
            uri: NEAR_COPY.into(),
            lines: (1, copied),
            related: COPIED_SOURCE.into(),
            related_lines: (1, copied),
        },
    ]
    .into()
}

// ---------------------------------------------------------------- outputs

fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {out:?}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

/// A SARIF result reduced to where it points.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    uri: String,
    lines: (usize, usize),
    related: String,
    related_lines: (usize, usize),
}

fn region_lines(loc: &Value) -> (usize, usize) {
    let r = &loc["physicalLocation"]["region"];
    let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("no {k} in {r}")) as usize;
    (n("startLine"), n("endLine"))
}

fn uri(loc: &Value) -> String {
    loc["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap_or_else(|| panic!("no uri in {loc}"))
        .to_string()
}

/// The results of a SARIF log, checked for the shape GitHub needs (one
/// primary location, one related location with id 1 that the message links
/// to, a fingerprint).
fn sarif_findings(log: &Value) -> Vec<Finding> {
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let results = runs[0]["results"].as_array().expect("results");
    results
        .iter()
        .map(|r| {
            let locs = r["locations"].as_array().expect("locations");
            let related = r["relatedLocations"].as_array().expect("relatedLocations");
            assert_eq!((locs.len(), related.len()), (1, 1), "{r}");
            assert_eq!(related[0]["id"], 1, "{r}");
            let message = r["message"]["text"].as_str().expect("message");
            assert!(message.contains("](1)"), "{message}");
            assert!(
                r["partialFingerprints"]["neardupSpan/v1"].is_string(),
                "{r}"
            );
            Finding {
                uri: uri(&locs[0]),
                lines: region_lines(&locs[0]),
                related: uri(&related[0]),
                related_lines: region_lines(&related[0]),
            }
        })
        .collect()
}

fn rule_of(log: &Value, uri_is: &str) -> Vec<String> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| uri(&r["locations"][0]) == uri_is)
        .map(|r| r["ruleId"].as_str().unwrap().to_string())
        .collect()
}

/// `(path, new)` of every document of a JSON report.
fn documents(report: &Value) -> BTreeSet<(String, bool)> {
    report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| {
            let new = d["new"]
                .as_bool()
                .unwrap_or_else(|| panic!("a check marks every document new or not: {d}"));
            (d["path"].as_str().unwrap().to_string(), new)
        })
        .collect()
}

/// The unordered document pairs of a JSON report.
fn pairs(report: &Value) -> BTreeSet<BTreeSet<String>> {
    report["pairs"]
        .as_array()
        .expect("pairs")
        .iter()
        .map(|p| {
            [&p["a"], &p["b"]]
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

/// The pair of a JSON report between documents `x` and `y`.
fn pair<'v>(report: &'v Value, x: &str, y: &str) -> &'v Value {
    report["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| (p["a"] == x && p["b"] == y) || (p["a"] == y && p["b"] == x))
        .unwrap_or_else(|| panic!("no pair {x} / {y} in {}", report["pairs"]))
}

/// The article (non-boilerplate) spans of a pair.
fn article_spans(pair: &Value) -> Vec<&Value> {
    pair["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["boilerplate"] == false)
        .collect()
}

fn baselined(span: &Value) -> bool {
    span["baselined"].as_bool().unwrap_or(false)
}

/// The drop documents marked new, the corpus sources of its findings marked
/// old, and nothing else.
fn expected_documents() -> BTreeSet<(String, bool)> {
    [
        (PASTED, true),
        (NEAR_COPY, true),
        (FRESH, true),
        (PASTED_SOURCE, false),
        (COPIED_SOURCE, false),
    ]
    .iter()
    .map(|&(p, n)| (p.to_string(), n))
    .collect()
}

fn expected_pairs() -> BTreeSet<BTreeSet<String>> {
    [(PASTED, PASTED_SOURCE), (NEAR_COPY, COPIED_SOURCE)]
        .iter()
        .map(|&(a, b)| [a.to_string(), b.to_string()].into())
        .collect()
}

// ------------------------------------------------------------------ tests

#[test]
fn generated_articles_are_what_the_tests_assume() {
    for i in 1..=CORPUS_FILES {
        let t = corpus_text(i);
        assert!((200..=400).contains(&words(&t)), "{} words", words(&t));
        assert!(line_count(&t) >= 10, "{} lines", line_count(&t));
    }
    let near = near_copy_text();
    let src = read_source(COPIED_SOURCE);
    assert_eq!(line_count(&near), line_count(&src));
    assert_eq!(near.matches("zeppelin").count(), 4);
    assert!(!src.contains("zeppelin"));
    // The pasted article is at most 80% of its new page: a partial repeat.
    let pasted = pasted_text();
    assert!(words(&read_source(PASTED_SOURCE)) * 10 < words(&pasted) * 8);
}

#[test]
fn sarif_points_at_the_drop_with_the_corpus_copy_related() {
    let f = Fixture::indexed();
    f.add_drop();
    let out = f.run(&["check", "corpus", "--format", "sarif"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let log = json(&out);
    let found = sarif_findings(&log);
    assert_eq!(
        found.iter().cloned().collect::<BTreeSet<_>>(),
        expected_findings(),
        "{found:#?}"
    );
    // One result each, none for the clean article.
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found.iter().all(|r| r.uri != FRESH && r.related != FRESH));
    // The pasted article's page only partly repeats it; the near copy is a
    // near duplicate.
    assert_eq!(rule_of(&log, PASTED), ["neardup/repeated-text"]);
    assert_eq!(rule_of(&log, NEAR_COPY), ["neardup/near-duplicate"]);

    let out = f.run(&["check", "corpus", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(documents(&report), expected_documents());
    assert_eq!(pairs(&report), expected_pairs());
    assert!(report["errors"].as_array().unwrap().is_empty());
}

#[test]
fn baseline_accepts_current_findings_until_an_edit_makes_one_new() {
    let f = Fixture::indexed();
    f.add_drop();
    let base = ".neardup/baseline.json";
    let out = f.run(&[
        "check",
        "corpus",
        "--baseline",
        base,
        "--update-baseline",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let saved: Value = serde_json::from_str(&f.read(base)).expect("baseline is JSON");
    assert_eq!(
        saved["fingerprints"].as_array().unwrap().len(),
        2,
        "{saved}"
    );

    let out = f.run(&["check", "corpus", "--baseline", base, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(pairs(&report), expected_pairs());
    for p in report["pairs"].as_array().unwrap() {
        let spans = article_spans(p);
        assert!(!spans.is_empty());
        assert!(spans.iter().all(|s| baselined(s)), "{p}");
    }
    assert_eq!(report["summary"]["baselined"], 2);

    // Rewrite a line inside the pasted article: that finding is new again,
    // the near copy's is still accepted.
    let mut page: Vec<String> = f.read(PASTED).lines().map(str::to_string).collect();
    let inside = INTRO_LINES + line_count(&read_source(PASTED_SOURCE)) / 2;
    page[inside] = lines(502, 1).trim_end().to_string();
    f.write(PASTED, &(page.join("\n") + "\n"));
    let out = f.run(&["check", "corpus", "--baseline", base, "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let pasted = pair(&report, PASTED, PASTED_SOURCE);
    assert!(
        article_spans(pasted).iter().any(|s| !baselined(s)),
        "{pasted}"
    );
    let copied = pair(&report, NEAR_COPY, COPIED_SOURCE);
    assert!(
        article_spans(copied).iter().all(|s| baselined(s)),
        "{copied}"
    );
    // The baseline file is only written when asked to.
    assert_eq!(serde_json::from_str::<Value>(&f.read(base)).unwrap(), saved);
}

#[test]
fn a_clean_drop_passes() {
    let f = Fixture::indexed();
    f.write(FRESH, &article(7777));
    let out = f.run(&["check", "corpus", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(
        documents(&report),
        [(FRESH.to_string(), true)].into_iter().collect()
    );
    assert!(pairs(&report).is_empty());
    let out = f.run(&["check", "corpus", "--format", "sarif"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(sarif_findings(&json(&out)).is_empty());
}

#[test]
fn seeds_drop_repeats_the_indexed_article() {
    let Some(seeds) = common::seeds_dir() else {
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    let find = |prefix: &str| {
        names
            .iter()
            .find(|n| n.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix}* in {}", seeds.display()))
            .clone()
    };
    let f = Fixture {
        dir: tempfile::tempdir().unwrap(),
    };
    let copy = |name: &str, to: &str| {
        let text = std::fs::read_to_string(seeds.join(name)).unwrap();
        f.write(&format!("{to}/{name}"), &text);
    };
    for prefix in ["000_", "002_", "003_", "004_"] {
        copy(&find(prefix), "corpus");
    }
    let out = f.run(&["index", "build", "corpus"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (page, drop) = (find("000_"), find("001_"));
    copy(&drop, "corpus/drop");
    let (page, drop) = (format!("corpus/{page}"), format!("corpus/drop/{drop}"));

    let out = f.run(&["check", "corpus", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(
        pairs(&report),
        [[page.clone(), drop.clone()].into()].into(),
        "only the drop and the page it repeats"
    );
    let docs = documents(&report);
    assert!(docs.contains(&(drop.clone(), true)), "{docs:?}");
    assert!(docs.contains(&(page.clone(), false)), "{docs:?}");
    let p = pair(&report, &page, &drop);
    let lines = |loc: &Value| (loc["line_start"].clone(), loc["line_end"].clone());
    let shared: Vec<_> = article_spans(p)
        .into_iter()
        .filter(|s| {
            lines(&s["a"]) == (1.into(), 42.into()) && lines(&s["b"]) == (1.into(), 42.into())
        })
        .collect();
    assert_eq!(shared.len(), 1, "no article span on lines 1-42: {p}");

    let out = f.run(&["check", "corpus", "--format", "sarif"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let found = sarif_findings(&json(&out));
    assert!(
        found.contains(&Finding {
            uri: drop.clone(),
            lines: (1, 42),
            related: page.clone(),
            related_lines: (1, 42),
        }),
        "{found:#?}"
    );
}

#[test]
fn new_paths_without_an_index_find_what_the_index_finds() {
    let f = Fixture::new();
    f.add_drop();
    let without = |format: &str| {
        let out = f.run(&[
            "check",
            "corpus",
            "--new",
            "corpus/drop",
            "--format",
            format,
        ]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        assert!(!f.path(".neardup").exists(), "--new wrote an index");
        json(&out)
    };
    let (sarif, report) = (without("sarif"), without("json"));
    let found: BTreeSet<Finding> = sarif_findings(&sarif).into_iter().collect();
    assert_eq!(found, expected_findings());
    assert_eq!(documents(&report), expected_documents());
    assert_eq!(pairs(&report), expected_pairs());

    // The same drop against an index of the same corpus.
    std::fs::remove_dir_all(f.path("corpus/drop")).unwrap();
    let out = f.run(&["index", "build", "corpus"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    f.add_drop();
    let out = f.run(&["check", "corpus", "--format", "sarif"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(sarif_findings(&json(&out)), sarif_findings(&sarif));
    let out = f.run(&["check", "corpus", "--format", "json"]);
    let indexed = json(&out);
    assert_eq!(indexed["pairs"], report["pairs"]);
    assert_eq!(indexed["documents"], report["documents"]);
}

#[test]
fn index_update_drops_deleted_documents_and_resketches_changed_ones() {
    let f = Fixture::indexed();
    let (deleted, changed) = (corpus_path(2), corpus_path(5));
    let old_text = f.read(&changed);
    let deleted_text = f.read(&deleted);
    let new_text = article(4242);
    std::fs::remove_file(f.path(&deleted)).unwrap();
    f.write(&changed, &new_text);
    let out = f.run(&["index", "update", "corpus"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // A drop copying the deleted article, the old and the new text of the
    // changed one.
    f.write("corpus/drop/deleted-copy.txt", &deleted_text);
    f.write("corpus/drop/old-copy.txt", &old_text);
    f.write("corpus/drop/new-copy.txt", &new_text);
    let out = f.run(&["check", "corpus", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    // Only the new text of the changed article is found, and that article
    // is indexed (not new): it was re-sketched.
    assert_eq!(
        pairs(&report),
        [[changed.clone(), "corpus/drop/new-copy.txt".to_string()].into()].into()
    );
    assert!(documents(&report).contains(&(changed.clone(), false)));
    let out = f.run(&["check", "corpus", "--format", "sarif"]);
    let found = sarif_findings(&json(&out));
    assert!(found.iter().all(|r| r.related != deleted), "{found:#?}");

    // The deleted article is gone from the index: put back unchanged, it
    // is a new document.
    std::fs::remove_dir_all(f.path("corpus/drop")).unwrap();
    f.write(&deleted, &deleted_text);
    let out = f.run(&["check", "corpus", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        documents(&json(&out)),
        [(deleted.clone(), true)].into_iter().collect()
    );
}

/// Asserts that the indexes at `a` and `b` (fixture paths) hold the same
/// documents: paths, content hashes and fingerprints.
fn assert_same_index(f: &Fixture, a: &str, b: &str) {
    let docs = |p: &str| {
        let ix = neardup::index::Index::open(&f.path(p)).unwrap();
        ix.docs()
            .iter()
            .map(|d| (d.path.clone(), d.content_hash, d.fingerprints.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(docs(a), docs(b), "{a} and {b}");
}

/// `--changed-from`: a list of changed paths (as `git diff --name-only`
/// prints them) stands in for the stat of every file. Listed files are read
/// (a deleted one drops out), unlisted indexed ones are taken as they were
/// indexed, files the index lacks are new whatever the list says; the check
/// and the update give what they give without the list when it is right.
#[test]
fn changed_from_lists_what_changed_and_the_rest_is_taken_as_indexed() {
    let f = Fixture::indexed();
    let (deleted, changed) = (corpus_path(2), corpus_path(5));
    let deleted_text = f.read(&deleted);
    let new_text = article(4242);
    std::fs::remove_file(f.path(&deleted)).unwrap();
    f.write(&changed, &new_text);
    f.add_drop();
    f.write("corpus/drop/new-copy.txt", &new_text);
    f.write("corpus/drop/deleted-copy.txt", &deleted_text);
    // As git lists them (the drop is untracked: not listed), from stdin.
    let list = format!("{deleted}\n./{changed}\r\n");
    let with_list = |args: &[&str]| {
        let mut c = f.cmd();
        c.args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(list.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let check = ["check", "corpus", "--format", "json"];
    let plain = f.run(&check);
    let listed = with_list(&[&check[..], &["--changed-from", "-"]].concat());
    assert_eq!(code(&listed), 1, "{}", stderr(&listed));
    assert_eq!(json(&listed), json(&plain));
    let report = json(&listed);
    assert!(documents(&report).contains(&(changed.clone(), true)));
    assert!(pairs(&report).contains(&[changed.clone(), "corpus/drop/new-copy.txt".into()].into()));
    assert!(pairs(&report).iter().all(|p| !p.contains(&deleted)));

    // A list from a file; an update with it gives the index a plain update
    // gives.
    f.write("changed.txt", &list);
    std::fs::copy(f.path(".neardup/index"), f.path("plain.idx")).unwrap();
    let out = f.run(&["index", "update", "corpus", "--index", "plain.idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = f.run(&["index", "update", "corpus", "--changed-from", "changed.txt"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_same_index(&f, "plain.idx", ".neardup/index");
    let b = neardup::index::Index::open(&f.path(".neardup/index")).unwrap();
    assert!(b.get(&deleted).is_none() && b.get(PASTED).is_some());

    // The list is trusted: an unlisted change is not seen.
    f.write(&corpus_path(7), &article(999));
    f.write("empty.txt", "");
    let out = f.run(&[&check[..], &["--changed-from", "empty.txt"]].concat());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(documents(&json(&out)).is_empty());
    let out = f.run(&check);
    assert!(documents(&json(&out)).contains(&(corpus_path(7), true)));

    // A missing list is an error; a build takes none.
    let out = f.run(&[&check[..], &["--changed-from", "nope.txt"]].concat());
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("nope.txt"), "{}", stderr(&out));
    let out = f.run(&["index", "build", "corpus", "--changed-from", "empty.txt"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("index update"), "{}", stderr(&out));
}

/// `--no-walk`: the list is trusted for additions and deletions too, and
/// the corpus is not walked. With a list that names every change (the drop
/// included) the check and the update give what a walk gives; a file the
/// list leaves out is not seen, a new one included; the walk's filters
/// still apply to the listed files.
#[test]
fn no_walk_takes_the_corpus_from_the_index_and_the_list() {
    let f = Fixture::indexed();
    let (deleted, changed) = (corpus_path(2), corpus_path(5));
    std::fs::remove_file(f.path(&deleted)).unwrap();
    f.write(&changed, &article(4242));
    f.add_drop();
    f.write("corpus/.ignore", "*.log\n");
    f.write("corpus/drop/notes.log", &pasted_text());
    let check = ["check", "corpus", "--format", "json"];
    let plain = f.run(&check);
    assert_eq!(code(&plain), 1, "{}", stderr(&plain));
    let every = [
        &deleted,
        &changed,
        PASTED,
        NEAR_COPY,
        FRESH,
        "corpus/drop/notes.log",
    ];
    f.write("all.txt", &every.map(|p| format!("./{p}\n")).concat());
    let listed = f.run(&[&check[..], &["--changed-from", "all.txt", "--no-walk"]].concat());
    assert_eq!(code(&listed), 1, "{}", stderr(&listed));
    assert_eq!(json(&listed), json(&plain));
    assert!(pairs(&json(&listed)).contains(&[PASTED_SOURCE.into(), PASTED.into()].into()));
    assert!(!documents(&json(&listed))
        .iter()
        .any(|(p, _)| p.ends_with(".log")));

    // The list leaves the drop out: without a walk it is not seen.
    f.write("some.txt", &format!("{deleted}\n{changed}\n"));
    let out = f.run(&[&check[..], &["--changed-from", "some.txt", "--no-walk"]].concat());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let docs = documents(&json(&out));
    assert!(docs.contains(&(changed.clone(), true)), "{docs:?}");
    assert!(
        docs.iter().all(|(p, _)| !p.starts_with("corpus/drop/")),
        "{docs:?}"
    );
    // With the walk it is.
    let out = f.run(&[&check[..], &["--changed-from", "some.txt"]].concat());
    assert_eq!(json(&out), json(&plain));

    // An update without a walk gives the index a walking update gives.
    std::fs::copy(f.path(".neardup/index"), f.path("plain.idx")).unwrap();
    let out = f.run(&["index", "update", "corpus", "--index", "plain.idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let args = [
        "index",
        "update",
        "corpus",
        "--changed-from",
        "all.txt",
        "--no-walk",
    ];
    let out = f.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_same_index(&f, "plain.idx", ".neardup/index");
    let b = neardup::index::Index::open(&f.path(".neardup/index")).unwrap();
    assert!(b.get(&deleted).is_none() && b.get(PASTED).is_some());

    // It needs the list, and files: JSON Lines are always read.
    let out = f.run(&[&check[..], &["--no-walk"]].concat());
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--changed-from"), "{}", stderr(&out));
    let out = f.run(
        &[
            &check[..],
            &["--jsonl", "--changed-from", "all.txt", "--no-walk"],
        ]
        .concat(),
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--no-walk does not apply to --jsonl"),
        "{}",
        stderr(&out)
    );
}

/// The index knows documents by path as named: naming the same corpus
/// another way in `check` than in `index build` must not make every indexed
/// document new (a CI that indexes `corpus` and checks `./corpus` would
/// otherwise re-report every repeat inside the corpus).
#[test]
fn the_corpus_may_be_spelled_differently_in_build_and_check() {
    let f = Fixture::indexed();
    for spelling in ["corpus/", "./corpus", "./corpus/"] {
        let out = f.run(&["check", spelling, "--format", "json"]);
        assert_eq!(code(&out), 0, "{spelling}: {}", stderr(&out));
        let docs = documents(&json(&out));
        assert!(docs.is_empty(), "{spelling}: new documents {docs:?}");
    }
}

#[test]
fn a_damaged_index_is_refused_with_exit_2_and_a_rebuild_hint() {
    let f = Fixture::indexed();
    f.add_drop();
    let index = ".neardup/index";
    let good = std::fs::read(f.path(index)).unwrap();
    assert!(good.len() > 100, "{} bytes", good.len());
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x40;
    let mut other_version = good.clone();
    other_version[16..20].copy_from_slice(&4u32.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("one byte flipped", flipped),
        ("truncated to half", good[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("a JSON file", br#"{"schema": 1, "documents": []}"#.to_vec()),
        ("format version 4", other_version),
    ];
    for (what, bytes) in &cases {
        std::fs::write(f.path(index), bytes).unwrap();
        for args in [
            vec!["check", "corpus"],
            vec!["check", "corpus", "--format", "sarif"],
            vec!["index", "update", "corpus"],
        ] {
            let out = f.run(&args);
            let err = stderr(&out);
            assert_eq!(code(&out), 2, "{what}, {args:?}: {err}");
            assert!(err.contains(index), "{what}, {args:?}: {err}");
            assert!(err.contains("rebuild"), "{what}, {args:?}: {err}");
            assert!(
                out.stdout.is_empty(),
                "{what}, {args:?}: a report was written"
            );
            assert_eq!(
                &std::fs::read(f.path(index)).unwrap(),
                bytes,
                "{what}, {args:?}: the damaged index was overwritten"
            );
        }
    }
    // Named with --index, the message names that path.
    std::fs::write(f.path("other.idx"), b"not an index at all").unwrap();
    let out = f.run(&["check", "corpus", "--index", "other.idx"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("other.idx"), "{}", stderr(&out));
    // Rebuilding fixes it.
    let out = f.run(&["index", "build", "corpus/article-01.txt"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = f.run(&["check", "corpus", "--format", "json"]);
    assert_ne!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn fail_on_never_passes_with_findings_and_any_fails_when_baselined() {
    let f = Fixture::indexed();
    f.add_drop();
    let out = f.run(&["check", "corpus", "--format", "json", "--fail-on", "never"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(pairs(&json(&out)), expected_pairs());

    let base = ".neardup/baseline.json";
    let out = f.run(&["check", "corpus", "--baseline", base, "--update-baseline"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let any = [
        "check",
        "corpus",
        "--baseline",
        base,
        "--format",
        "json",
        "--fail-on",
    ];
    let out = f.run(&[&any[..], &["any"]].concat());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(pairs(&report), expected_pairs());
    assert!(report["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| article_spans(p).iter().all(|s| baselined(s))));
    let out = f.run(&[&any[..], &["new"]].concat());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// `key=value` properties and message of a `::warning` line.
fn annotation(line: &str) -> (Vec<(String, String)>, String) {
    let rest = line
        .strip_prefix("::warning ")
        .unwrap_or_else(|| panic!("not an annotation: {line}"));
    let (props, message) = rest.split_once("::").expect("properties::message");
    let props = props
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k.to_string(), v.to_string())
        })
        .collect();
    (props, message.to_string())
}

#[test]
fn github_format_annotates_the_drop_and_writes_a_step_summary() {
    let f = Fixture::indexed();
    f.add_drop();
    let summary = f.path("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = f
        .cmd()
        .args(["check", "corpus", "--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let mut got = BTreeSet::new();
    for line in stdout.lines() {
        let (props, message) = annotation(line);
        let prop = |k: &str| {
            props
                .iter()
                .find(|(key, _)| key == k)
                .unwrap_or_else(|| panic!("no {k} in {line}"))
                .1
                .clone()
        };
        let n = |k: &str| prop(k).parse::<usize>().unwrap();
        got.insert((prop("file"), (n("line"), n("endLine"))));
        assert!(message.contains(" of corpus/article-0"), "{line}");
    }
    let want: BTreeSet<_> = expected_findings()
        .into_iter()
        .map(|f| (f.uri, f.lines))
        .collect();
    assert_eq!(got, want, "{stdout}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");

    // The summary is appended: a markdown table, one row per finding.
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("earlier step\n"), "{md}");
    let table: Vec<Vec<String>> = md
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    assert!(table.len() >= 2, "{md}");
    assert_eq!(table[0][0], "new document", "{md}");
    assert!(table[1].iter().all(|c| c.starts_with("---")), "{md}");
    let rows: BTreeSet<(String, String, String, String)> = table[2..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    let range = |(a, b): (usize, usize)| format!("{a}–{b}");
    let want: BTreeSet<_> = expected_findings()
        .into_iter()
        .map(|f| (f.uri, range(f.lines), f.related, range(f.related_lines)))
        .collect();
    assert_eq!(rows, want, "{md}");

    // A clean drop: no annotation, exit 0.
    std::fs::remove_file(f.path(PASTED)).unwrap();
    std::fs::remove_file(f.path(NEAR_COPY)).unwrap();
    let out = f
        .cmd()
        .args(["check", "corpus", "--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A write the OS stops half-way (the file size limit of `ulimit -f`, which
/// binds root too) kills `neardup index update` mid-write: the previous
/// index must stay whole. The library's own test
/// (`index::tests::failed_write_leaves_the_old_index_loadable`) covers a
/// write that returns an error; this one covers a process that dies.
#[cfg(unix)]
#[test]
fn an_update_killed_mid_write_leaves_the_old_index() {
    use std::os::unix::process::ExitStatusExt;
    let f = Fixture::indexed();
    let before = std::fs::read(f.path(".neardup/index")).unwrap();
    // The limit is one block (512 or 1024 bytes, depending on the shell).
    assert!(before.len() > 4096, "index of {} bytes", before.len());
    f.write("corpus/article-09.txt", &article(9090));
    let out = Command::new("sh")
        .current_dir(f.dir.path())
        .arg("-c")
        .arg(r#"ulimit -f 1 && exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_neardup"))
        .args(["index", "update", "corpus"])
        .output()
        .unwrap();
    assert!(
        out.status.signal().is_some() || out.status.code() == Some(2),
        "the update was not stopped: {:?} {}",
        out.status,
        stderr(&out)
    );
    assert_eq!(std::fs::read(f.path(".neardup/index")).unwrap(), before);
    // The old index still loads: the added article is new to it.
    let out = f.run(&["check", "corpus", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        documents(&json(&out)),
        [("corpus/article-09.txt".to_string(), true)]
            .into_iter()
            .collect()
    );
    // An update without the limit then indexes it.
    let out = f.run(&["index", "update", "corpus"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = f.run(&["check", "corpus", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(documents(&json(&out)).is_empty());
}

/// Files neardup writes (the index, the baseline, a report named with `-o`)
/// get the permissions of any other new file (0666 less the umask): an
/// index shared between users or a report served to others must stay
/// readable when the umask allows it.
#[cfg(unix)]
#[test]
fn written_files_get_the_usual_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::indexed();
    f.add_drop();
    let out = f.run(&[
        "check",
        "corpus",
        "--baseline",
        ".neardup/baseline.json",
        "--update-baseline",
        "-o",
        "report.txt",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Created by this process, whose umask the binary inherited.
    f.write("plain.txt", "x");
    let mode = |p: &str| std::fs::metadata(f.path(p)).unwrap().permissions().mode() & 0o777;
    for p in [".neardup/index", ".neardup/baseline.json", "report.txt"] {
        assert_eq!(
            format!("{:o}", mode(p)),
            format!("{:o}", mode("plain.txt")),
            "{p}"
        );
    }
}

/// A drop whose paths sort before the corpus documents they repeat: the
/// check must still locate each side of a finding in its own document.
#[test]
fn findings_are_located_in_the_right_documents_whatever_the_path_order() {
    let f = Fixture::indexed();
    let early = |p: &str| p.replace("corpus/drop/", "corpus/0-drop/");
    f.write(&early(PASTED), &pasted_text());
    f.write(&early(NEAR_COPY), &near_copy_text());
    f.write(&early(FRESH), &article(7777));
    assert!(early(PASTED).as_str() < PASTED_SOURCE);
    let out = f.run(&["check", "corpus", "--format", "sarif"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let found: BTreeSet<Finding> = sarif_findings(&json(&out)).into_iter().collect();
    let want: BTreeSet<Finding> = expected_findings()
        .into_iter()
        .map(|x| Finding {
            uri: early(&x.uri),
            ..x
        })
        .collect();
    assert_eq!(found, want);

    // The JSON report: a pair's `a` side is located in document `a`.
    let out = f.run(&["check", "corpus", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let pasted = pair(&report, &early(PASTED), PASTED_SOURCE);
    let n = line_count(&read_source(PASTED_SOURCE));
    let (drop_side, source_side) = if pasted["a"] == PASTED_SOURCE {
        ("b", "a")
    } else {
        ("a", "b")
    };
    let spans = article_spans(pasted);
    assert_eq!(spans.len(), 1, "{pasted}");
    let lines = |loc: &Value| {
        (
            loc["line_start"].as_u64().unwrap() as usize,
            loc["line_end"].as_u64().unwrap() as usize,
        )
    };
    assert_eq!(lines(&spans[0][source_side]), (1, n), "{pasted}");
    assert_eq!(
        lines(&spans[0][drop_side]),
        (INTRO_LINES + 1, INTRO_LINES + n),
        "{pasted}"
    );
}

#[test]
fn the_summary_counts_new_and_indexed_documents() {
    let f = Fixture::indexed();
    f.add_drop();
    let out = f.run(&["check", "corpus", "--format", "json"]);
    let v = json(&out);
    let s = &v["summary"];
    assert_eq!(s["new_documents"], 3, "{s}");
    assert_eq!(s["documents"], 8 + 3, "{s}");
    let out = f.run(&["check", "corpus", "--color", "never"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("3 new documents checked against 8 indexed"),
        "{text}"
    );
}

#[test]
fn index_build_does_not_overwrite_a_file_that_is_no_index() {
    let f = Fixture::new();
    f.write("notes.json", "{\"mine\": true}\n");
    let out = f.run(&["index", "build", "corpus", "--index", "notes.json"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("refusing to overwrite"),
        "{}",
        stderr(&out)
    );
    assert_eq!(f.read("notes.json"), "{\"mine\": true}\n");
}
