//! Quality gate: generate a planted corpus, run the library pipeline, score
//! the report against the planted truth, and fail below the bars.
//!
//! `cargo bench --bench quality` (3,000 documents, and a second corpus with
//! another seed) or `cargo bench --bench quality -- --small` (CI: 600
//! documents). `--docs N --seed S` choose another corpus. `--sweep` measures
//! the passage guarantee instead: how often a shared passage of L words with
//! a share e of its words substituted is found, for a grid of L and e.

use neardup::report::{json, Report};
use neardup::{scan, Document, ScanOptions};
use neardup_eval::GenConfig;
use std::process::ExitCode;
use std::time::Instant;

/// The bars from the measurement issue, for every kind of planted repeat.
const MIN_PRECISION: f64 = 0.995;
const MIN_RECALL: f64 = 0.995;
const MIN_PLAGDET: f64 = 0.99;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| -> Option<u64> {
        let i = args.iter().position(|a| a == name)?;
        args.get(i + 1)?.parse().ok()
    };
    if args.iter().any(|a| a == "--sweep") {
        sweep();
        return ExitCode::SUCCESS;
    }
    let small = args.iter().any(|a| a == "--small");
    let docs = flag("--docs").map_or(if small { 600 } else { 3000 }, |d| d as usize);
    let seeds: Vec<u64> = match flag("--seed") {
        Some(s) => vec![s],
        None if small => vec![11],
        None => vec![11, 12],
    };
    let footer = args.iter().any(|a| a == "--footer");
    let mut ok = true;
    for seed in seeds {
        ok &= run(docs, seed, footer);
    }
    if ok {
        println!("quality: all bars met");
        ExitCode::SUCCESS
    } else {
        println!("quality: BELOW THE BARS");
        ExitCode::FAILURE
    }
}

fn run(docs: usize, seed: u64, footer: bool) -> bool {
    // The footer mode: a 300-word legal footer on every document, and one
    // article syndicated into 2% of them (above the chrome threshold).
    let cfg = GenConfig {
        docs,
        seed,
        footer_words: if footer { 300 } else { 0 },
        syndicated: if footer { docs.div_ceil(50) } else { 0 },
        ..GenConfig::default()
    };
    let corpus = neardup_eval::generate(&cfg);
    let documents = corpus.documents();
    let mb = documents.iter().map(|d| d.text.len()).sum::<usize>() as f64 / 1e6;
    let t = Instant::now();
    let result = scan(&documents, &ScanOptions::default());
    let elapsed = t.elapsed();
    let report = Report::new(&documents, &result, &[], &[]);
    let mut buf = Vec::new();
    json::write(&report, &mut buf).expect("writing to memory");
    let parsed: neardup_eval::Report =
        serde_json::from_slice(&buf).expect("the report parses as the scorer reads it");
    let scores = neardup_eval::score(&corpus.truth, &parsed);

    println!(
        "\ncorpus: {docs} documents{}, {mb:.1} MB, seed {seed}; scan {:.0} ms ({:.0} docs/s); {} candidates verified",
        if footer { " (footer mode)" } else { "" },
        elapsed.as_secs_f64() * 1e3,
        docs as f64 / elapsed.as_secs_f64(),
        result.stats.verified
    );
    scores.print(&mut std::io::stdout()).expect("stdout");

    let mut failures = Vec::new();
    if scores.precision < MIN_PRECISION {
        failures.push(format!(
            "pair precision {:.4} < {MIN_PRECISION}",
            scores.precision
        ));
    }
    for (kind, k) in &scores.by_kind {
        if k.recall < MIN_RECALL {
            failures.push(format!("{kind} recall {:.4} < {MIN_RECALL}", k.recall));
        }
    }
    if scores.spans.plagdet < MIN_PLAGDET {
        failures.push(format!(
            "plagdet {:.4} < {MIN_PLAGDET}",
            scores.spans.plagdet
        ));
    }
    if scores.boilerplate_only_pairs + scores.chrome_only_flagged + scores.negatives_flagged > 0 {
        failures.push(format!(
            "flagged {} boilerplate-only, {} chrome-only and {} negative pairs",
            scores.boilerplate_only_pairs, scores.chrome_only_flagged, scores.negatives_flagged
        ));
    }
    for f in &failures {
        println!("FAIL: {f}");
    }
    failures.is_empty()
}

/// A passage of `len` words, with a share `edit` of them substituted in the
/// copy, inside unrelated text on both sides: is it found as a span (with
/// `--min-words` lowered to 15 so that short passages can be reported)?
fn sweep() {
    use neardup::sketch::mix64;
    let word = |seed: u64| format!("w{}", mix64(seed) % 60_000);
    let text = |seed: u64, n: usize| -> Vec<String> {
        (0..n as u64).map(|i| word(seed ^ (i << 24))).collect()
    };
    let mut opts = ScanOptions::default();
    opts.align.min_words = 15;
    let trials = 300u64;
    println!("share of {trials} planted passages found (default sketch settings, min-words 15)");
    print!("{:>8}", "words");
    let edits = [0.0, 0.02, 0.04, 0.08, 0.12];
    for e in edits {
        print!("{:>10}", format!("{:.0}% edits", e * 100.0));
    }
    println!();
    for len in [15usize, 20, 25, 30, 40, 50, 75, 100] {
        print!("{len:>8}");
        for e in edits {
            let mut found = 0;
            for t in 0..trials {
                let seed = (len as u64) << 40 ^ ((e * 1000.0) as u64) << 32 ^ t;
                let passage = text(seed, len);
                let copy: Vec<String> = passage
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        let r = mix64(seed ^ 0xed17 ^ (i as u64) << 16);
                        if (r % 10_000) as f64 / 10_000.0 < e {
                            word(r)
                        } else {
                            w.clone()
                        }
                    })
                    .collect();
                let a = [text(seed ^ 1, 200), passage, text(seed ^ 2, 200)]
                    .concat()
                    .join(" ");
                let b = [text(seed ^ 3, 150), copy, text(seed ^ 4, 250)]
                    .concat()
                    .join(" ");
                let docs = [Document::new("a", a), Document::new("b", b)];
                if !scan(&docs, &opts).findings.is_empty() {
                    found += 1;
                }
            }
            print!("{:>10.3}", found as f64 / trials as f64);
        }
        println!();
    }
}
