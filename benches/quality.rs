//! Quality gate: generate a planted corpus, run the library pipeline, score
//! the report against the planted truth, and fail below the bars.
//!
//! `cargo bench --bench quality` (3,000 documents, and a second corpus with
//! another seed) or `cargo bench --bench quality -- --small` (CI: 600
//! documents). `--docs N --seed S` choose another corpus.

use neardup::eval::{self, GenConfig};
use neardup::report::{json, Report};
use neardup::{scan, Document, ScanOptions};
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
    let small = args.iter().any(|a| a == "--small");
    let docs = flag("--docs").map_or(if small { 600 } else { 3000 }, |d| d as usize);
    let seeds: Vec<u64> = match flag("--seed") {
        Some(s) => vec![s],
        None if small => vec![11],
        None => vec![11, 12],
    };
    let mut ok = true;
    for seed in seeds {
        ok &= run(docs, seed);
    }
    if ok {
        println!("quality: all bars met");
        ExitCode::SUCCESS
    } else {
        println!("quality: BELOW THE BARS");
        ExitCode::FAILURE
    }
}

fn run(docs: usize, seed: u64) -> bool {
    let cfg = GenConfig {
        docs,
        seed,
        ..GenConfig::default()
    };
    let corpus = eval::generate(&cfg);
    let documents: Vec<Document> = corpus
        .docs
        .iter()
        .map(|d| Document {
            path: d.name.clone(),
            text: d.text.clone(),
        })
        .collect();
    let mb = documents.iter().map(|d| d.text.len()).sum::<usize>() as f64 / 1e6;
    let t = Instant::now();
    let result = scan(&documents, &ScanOptions::default());
    let elapsed = t.elapsed();
    let report = Report::new(&documents, &result, &[], &[]);
    let mut buf = Vec::new();
    json::write(&report, &mut buf).expect("writing to memory");
    let parsed: eval::Report =
        serde_json::from_slice(&buf).expect("the report parses as the scorer reads it");
    let scores = eval::score(&corpus.truth, &parsed);

    println!(
        "\ncorpus: {docs} documents, {mb:.1} MB, seed {seed}; scan {:.0} ms ({:.0} docs/s); {} candidates verified",
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
