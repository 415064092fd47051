//! Planted-corpus evaluation harness for neardup.
//!
//! ```text
//! cargo run --release --example planted -- generate --out DIR [--docs N] [--words W] [--seed S] \
//!     [--footer-words F] [--syndicated N] [--words-spread S]
//! cargo run --release --example planted -- score --truth DIR/truth.json --report REPORT.json \
//!     [--corpus DIR/docs] [--min-precision P] [--min-recall R] [--min-plagdet D] [--json OUT]
//! ```
//!
//! `generate` writes `DIR/docs/NNNNNN.txt` and `DIR/truth.json`. `score` prints
//! pair precision/recall (overall and per planted kind) and the PAN span
//! measures, and exits with status 1 when a given bar is not met. With
//! `--corpus`, it also shows the text of a few missed and spurious pairs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use neardup_eval::{GenConfig, PairKind, Report, Truth};

#[derive(Parser)]
#[command(about = "Generate a planted near-duplicate corpus, or score a neardup report against it")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write DIR/docs/NNNNNN.txt and DIR/truth.json (stale NNNNNN.txt files in DIR/docs are removed).
    Generate {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Number of documents.
        #[arg(long, default_value_t = 2000)]
        docs: usize,
        /// Mean words per document (each document has 0.5x to 1.5x this, and at least 60).
        #[arg(long, default_value_t = 400)]
        words: usize,
        /// Random seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Append a legal footer of this many words (with a varying year) to
        /// every document (0: none).
        #[arg(long, default_value_t = 0)]
        footer_words: usize,
        /// Documents carrying one syndicated article (0: none).
        #[arg(long, default_value_t = 0)]
        syndicated: usize,
        /// Spread of lengths: with S > 1, each document has from W/S to W*S
        /// words, log-uniformly (0: 0.5x to 1.5x of --words).
        #[arg(long, default_value_t = 0)]
        words_spread: usize,
    },
    /// Score a neardup JSON report against truth.json.
    Score {
        /// The corpus's truth.json.
        #[arg(long)]
        truth: PathBuf,
        /// neardup's JSON report.
        #[arg(long)]
        report: PathBuf,
        /// The corpus's docs directory, to show text of missed/spurious pairs.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Fail (exit 1) if pair precision is below this.
        #[arg(long)]
        min_precision: Option<f64>,
        /// Fail (exit 1) if pair recall is below this.
        #[arg(long)]
        min_recall: Option<f64>,
        /// Fail (exit 1) if PAN plagdet is below this.
        #[arg(long)]
        min_plagdet: Option<f64>,
        /// Also write the scores as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// How many missed / spurious pairs to show with --corpus.
        #[arg(long, default_value_t = 5)]
        show: usize,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        // `planted … | head` is not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate {
            out,
            docs,
            words,
            seed,
            footer_words,
            syndicated,
            words_spread,
        } => {
            anyhow::ensure!(docs > 0, "--docs must be positive");
            anyhow::ensure!(words > 0, "--words must be positive");
            let started = Instant::now();
            let corpus = neardup_eval::generate(&GenConfig {
                seed,
                docs,
                words,
                footer_words,
                syndicated,
                words_spread,
            });
            let generated = started.elapsed();
            corpus.write(&out)?;
            let t = &corpus.truth;
            let bytes: usize = corpus.docs.iter().map(|d| d.text.len()).sum();
            let mut w = std::io::stdout().lock();
            writeln!(
                w,
                "wrote {} documents ({:.1} MB) to {} in {:.2?} (generate {:.2?})",
                t.documents,
                bytes as f64 / 1e6,
                out.join("docs").display(),
                started.elapsed(),
                generated
            )?;
            write!(w, "truth pairs {}:", t.pairs.len())?;
            for kind in PairKind::ALL {
                let n = t.pairs.iter().filter(|p| p.kind == kind).count();
                write!(w, " {} {n}", kind.name())?;
            }
            writeln!(w)?;
            writeln!(
                w,
                "negatives {}, chrome blocks {} in {} documents",
                t.negatives.len(),
                t.boilerplate.len(),
                {
                    let mut d: Vec<&str> = t.boilerplate.iter().map(|b| b.doc.as_str()).collect();
                    d.dedup();
                    d.len()
                }
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Score {
            truth,
            report,
            corpus,
            min_precision,
            min_recall,
            min_plagdet,
            json,
            show,
        } => {
            let truth = Truth::load(&truth)?;
            let report = Report::load(&report)?;
            let scores = neardup_eval::score(&truth, &report);
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            scores.print(&mut out)?;
            if let Some(dir) = &corpus {
                show_examples(&mut out, dir, &truth, &report, &scores, show)?;
            }
            if let Some(path) = &json {
                let mut s = serde_json::to_string_pretty(&scores)?;
                s.push('\n');
                std::fs::write(path, s).with_context(|| format!("writing {}", path.display()))?;
            }
            let mut ok = true;
            for (name, value, bar) in [
                ("pair precision", scores.precision, min_precision),
                ("pair recall", scores.recall, min_recall),
                ("plagdet", scores.spans.plagdet, min_plagdet),
            ] {
                if let Some(bar) = bar {
                    if value < bar {
                        writeln!(out, "FAIL: {name} {value:.4} < {bar}")?;
                        ok = false;
                    }
                }
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// Prints a few missed and spurious pairs with a snippet of their text.
fn show_examples(
    out: &mut impl Write,
    dir: &Path,
    truth: &Truth,
    report: &Report,
    scores: &neardup_eval::Scores,
    show: usize,
) -> anyhow::Result<()> {
    let read = |name: &str| -> anyhow::Result<Vec<u8>> {
        let path = dir.join(name);
        std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
    };
    let snippet = |bytes: &[u8], range: [usize; 2]| -> String {
        let end = range[1].min(bytes.len());
        let start = range[0].min(end);
        let text = String::from_utf8_lossy(&bytes[start..end]).replace('\n', " ");
        let mut s: String = text.chars().take(90).collect();
        if text.chars().count() > 90 {
            s.push('…');
        }
        s
    };
    if !scores.missed.is_empty() && show > 0 {
        writeln!(out, "\nmissed pairs (first {show}):")?;
        for m in scores.missed.iter().take(show) {
            let kind = m.kind.map_or("?", |k| k.name());
            writeln!(out, "  {} {} [{kind}]", m.a, m.b)?;
            if let Some(p) = truth.pairs.iter().find(|p| p.a == m.a && p.b == m.b) {
                let (a, b) = (read(&p.a)?, read(&p.b)?);
                for s in p.spans.iter().take(2) {
                    writeln!(out, "    a {:?}: {}", s.a, snippet(&a, s.a))?;
                    writeln!(out, "    b {:?}: {}", s.b, snippet(&b, s.b))?;
                }
            }
        }
    }
    if !scores.spurious.is_empty() && show > 0 {
        writeln!(out, "\nspurious pairs (first {show}):")?;
        for m in scores.spurious.iter().take(show) {
            writeln!(out, "  {} {}", m.a, m.b)?;
            let found = report.pairs.iter().find(|p| {
                let (x, y) = (neardup_eval::file_name(&p.a), neardup_eval::file_name(&p.b));
                (x == m.a && y == m.b) || (x == m.b && y == m.a)
            });
            if let Some(p) = found {
                let (a, b) = (
                    read(neardup_eval::file_name(&p.a))?,
                    read(neardup_eval::file_name(&p.b))?,
                );
                for s in p.spans.iter().take(2) {
                    let tag = if s.boilerplate { " (boilerplate)" } else { "" };
                    let (ra, rb) = ([s.a.start, s.a.end], [s.b.start, s.b.end]);
                    writeln!(out, "    a {ra:?}{tag}: {}", snippet(&a, ra))?;
                    writeln!(out, "    b {rb:?}{tag}: {}", snippet(&b, rb))?;
                }
            }
        }
    }
    Ok(())
}
