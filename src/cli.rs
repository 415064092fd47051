//! The command line (the only file that knows clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use neardup::align::AlignParams;
use neardup::config::ScanOptions;
use std::path::PathBuf;

/// Find documents that repeat each other, whole or in part, and the spans
/// they share.
#[derive(Parser, Debug)]
#[command(name = "neardup", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files and directories; flag documents that repeat each other.
    ///
    /// Exit status: 0 nothing flagged, 1 something flagged, 2 an error (a
    /// file that could not be read; the rest is still scanned).
    Scan(ScanArgs),
}

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    /// Readable text, grouped by pair.
    Text,
    /// The JSON report (schema 1, see README).
    Json,
}

/// When to colour text output.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ColorArg {
    /// When writing to a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Which copy of a cluster to keep.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KeepArg {
    /// The first by path.
    First,
    /// The one with the most words.
    Longest,
}

/// `neardup scan` options.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files and directories to scan.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Smallest repeated span to report, in words.
    #[arg(long, default_value_t = AlignParams::default().min_words)]
    pub min_words: u32,
    /// Words per shingle.
    #[arg(long, default_value_t = AlignParams::default().k)]
    pub shingle: usize,
    /// Winnowing window, in shingles: any shared run of shingle+window-1
    /// words yields a shared fingerprint.
    #[arg(long, default_value_t = AlignParams::default().window)]
    pub window: usize,
    /// MinHash signature size.
    #[arg(long, default_value_t = ScanOptions::default().num_perm)]
    pub num_perm: usize,
    /// Jaccard threshold the whole-document LSH is tuned for.
    #[arg(long, default_value_t = ScanOptions::default().lsh_threshold)]
    pub lsh_threshold: f64,
    /// Share of both documents' words a pair's spans must cover to be a
    /// near duplicate rather than partial.
    #[arg(long, default_value_t = AlignParams::default().near_coverage)]
    pub near_threshold: f64,
    /// Smallest share of a span's words covered by shared shingles.
    #[arg(long, default_value_t = AlignParams::default().min_similarity)]
    pub min_similarity: f64,
    /// Largest run of differing words a span bridges.
    #[arg(long, default_value_t = AlignParams::default().max_gap)]
    pub max_gap: u32,
    /// A file of known page chrome (cookie notices, footers); repeatable.
    #[arg(long, value_name = "FILE")]
    pub boilerplate: Vec<PathBuf>,
    /// Text in at least this many documents is chrome (default: 1% of the
    /// documents, at least 10).
    #[arg(long, value_name = "N")]
    pub boilerplate_df: Option<u32>,
    /// Include files matching GLOB; a leading '!' excludes. Repeatable.
    #[arg(short = 'g', long = "glob", value_name = "GLOB")]
    pub globs: Vec<String>,
    /// Also scan hidden files and directories.
    #[arg(long)]
    pub hidden: bool,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Refuse files larger than this many bytes (suffixes K, M, G).
    #[arg(long, default_value = "256M", value_parser = parse_size)]
    pub max_filesize: u64,
    /// Which copy of each cluster to keep.
    #[arg(long, value_enum, default_value_t = KeepArg::First)]
    pub keep: KeepArg,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&s[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("not a size: {s:?} (try 64M)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10"), Ok(10));
        assert_eq!(parse_size("2K"), Ok(2048));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("x").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
