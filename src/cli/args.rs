//! The command line (the only file that knows clap).

use crate::align::AlignParams;
use crate::cli::settings_file;
use crate::config::ScanOptions;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Find documents that repeat each other, whole or in part, and the spans
/// they share.
#[derive(Parser, Debug)]
#[command(name = "neardup", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Read settings from this neardup.toml (default: the nearest
    /// neardup.toml in this directory or above, up to the repository root).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(short = 'j', long, global = true)]
    pub threads: Option<usize>,
    /// No progress display.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files and directories; flag documents that repeat each other.
    ///
    /// Exit status: 0 nothing flagged (or the --fail-on policy passes), 1
    /// something flagged, 2 an error (a file that could not be read; the
    /// rest is still scanned).
    Scan(ScanArgs),
    /// Check a drop: report only what new or changed documents repeat, of
    /// the indexed corpus or of each other.
    ///
    /// Documents absent from the index, or whose content changed, are new;
    /// without an index, name them with --new.
    Check(CheckArgs),
    /// Build or update the persisted corpus index.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Apply the keep/drop decision: write the drop list, move the dropped
    /// files, or write the kept JSON Lines records (and, with --what
    /// partial, copies without their repeated spans).
    ///
    /// Runs the scan (the options of `scan`) or reads a saved JSON report
    /// (--report). Never modifies its input; every file written is written
    /// atomically. Exit status: 0 done, 2 an error (nothing was written).
    Dedupe(DedupeArgs),
}

/// `neardup index` subcommands.
#[derive(Subcommand, Debug)]
pub enum IndexCommand {
    /// Sketch every document of CORPUS and write a new index.
    Build(IndexArgs),
    /// Re-sketch new and changed documents, drop deleted ones.
    Update(IndexArgs),
}

/// `neardup scan` options.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files and directories to scan.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// What to look at.
    #[command(flatten)]
    pub input: InputArgs,
    /// How to compare.
    #[command(flatten)]
    pub detect: DetectArgs,
    /// What to report.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `neardup check` options.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The corpus, drop included.
    #[arg(value_name = "CORPUS")]
    pub paths: Vec<PathBuf>,
    /// The index (default .neardup/index).
    #[arg(long, value_name = "FILE")]
    pub index: Option<PathBuf>,
    /// The new documents, when there is no index (files or directories).
    #[arg(long, value_name = "PATH", num_args = 1.., conflicts_with = "index")]
    pub new: Vec<PathBuf>,
    /// What to look at.
    #[command(flatten)]
    pub input: InputArgs,
    /// How to compare.
    #[command(flatten)]
    pub detect: DetectArgs,
    /// What to report.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `neardup dedupe` options.
#[derive(Args, Debug)]
pub struct DedupeArgs {
    /// Files and directories to scan (not needed with --report).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Use this saved JSON report (`scan --format json`) instead of scanning.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// What to remove: near duplicates (the clusters' drops), or also the
    /// repeated spans of partial copies, from the later copy.
    #[arg(long, value_enum, default_value_t = WhatArg::Near)]
    pub what: WhatArg,
    /// Write the dropped documents to FILE, one per line, sorted.
    #[arg(long, value_name = "FILE")]
    pub drop_list: Option<PathBuf>,
    /// Move each dropped file under DIR, keeping its path (refuses to
    /// overwrite a file there; never deletes).
    #[arg(long, value_name = "DIR")]
    pub move_dropped: Option<PathBuf>,
    /// With --jsonl: write the kept records (their lines byte for byte) to
    /// FILE.
    #[arg(long, value_name = "FILE.jsonl")]
    pub out: Option<PathBuf>,
    /// With --what partial and files: write the stripped copies under DIR,
    /// keeping their paths.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// With --out: add "neardup_cluster" and "neardup_absorbed" (the ids,
    /// or names, of the records it absorbed) to each cluster's kept record.
    #[arg(long, requires = "out")]
    pub annotate: bool,
    /// With --what partial: put TEXT where a span was removed.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub strip_marker: String,
    /// What to look at.
    #[command(flatten)]
    pub input: InputArgs,
    /// How to compare.
    #[command(flatten)]
    pub detect: DetectArgs,
}

/// What `dedupe` removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WhatArg {
    /// Near duplicates: each cluster's drops.
    Near,
    /// Also the repeated spans of partial copies (from the later copy).
    Partial,
}

/// `neardup index build|update` options.
#[derive(Args, Debug)]
pub struct IndexArgs {
    /// The corpus.
    #[arg(value_name = "CORPUS")]
    pub paths: Vec<PathBuf>,
    /// The index file (default .neardup/index).
    #[arg(long, value_name = "FILE")]
    pub index: Option<PathBuf>,
    /// When another neardup is updating the index, wait for it instead of
    /// failing.
    #[arg(long)]
    pub wait: bool,
    /// Allow dropping more than half of the indexed documents (their files
    /// are gone); without it such a run is refused as a likely mistake.
    #[arg(long)]
    pub prune: bool,
    /// What to look at.
    #[command(flatten)]
    pub input: InputArgs,
    /// How to compare (the sketch settings are stored in the index).
    #[command(flatten)]
    pub detect: DetectArgs,
}

/// Which files and records are documents.
#[derive(Args, Debug)]
pub struct InputArgs {
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
    #[arg(long, default_value = "256M", value_parser = settings_file::parse_size)]
    pub max_filesize: u64,
    /// Decode every file with this encoding (a WHATWG label: latin1,
    /// windows-1252, utf-16le, shift_jis, ...). Default: UTF-8, or UTF-16
    /// by byte order mark; bytes that are not UTF-8 are read as
    /// Windows-1252, with a note.
    #[arg(long, value_name = "LABEL", value_parser = crate::input::decode::encoding_for_label)]
    pub encoding: Option<&'static crate::input::decode::Encoding>,
    /// Read files as JSON Lines: one document per record.
    #[arg(long)]
    pub jsonl: bool,
    /// With --jsonl: the field holding the text.
    #[arg(long, default_value = "text", value_name = "FIELD")]
    pub jsonl_text: String,
    /// With --jsonl: the field holding the record id.
    #[arg(long, default_value = "id", value_name = "FIELD")]
    pub jsonl_id: String,
}

/// Detection settings.
#[derive(Args, Debug)]
pub struct DetectArgs {
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
    /// Which copy of each cluster to keep.
    #[arg(long, value_enum, default_value_t = KeepArg::First)]
    pub keep: KeepArg,
    /// Let partial pairs join clusters too (by default only near duplicates
    /// do, so a dedupe pass never drops a document with text of its own).
    #[arg(long)]
    pub cluster_partial: bool,
}

/// Report settings.
#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Accepted findings: those whose fingerprints are in FILE are shown as
    /// baselined and do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every current finding's fingerprint to the --baseline file.
    #[arg(long, requires = "baseline")]
    pub update_baseline: bool,
    /// With --update-baseline: when another neardup is writing the
    /// baseline, wait for it instead of failing.
    #[arg(long, requires = "update_baseline")]
    pub wait: bool,
    /// Which findings fail the run (exit 1): new (not baselined), any, or
    /// never.
    #[arg(long, value_enum, default_value_t = FailOn::New)]
    pub fail_on: FailOn,
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Readable text, grouped by pair.
    Text,
    /// The JSON report (schema 1, see README).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub workflow annotations (and $GITHUB_STEP_SUMMARY).
    Github,
    /// One self-contained HTML page: pairs side by side (use with -o).
    Html,
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

/// Which findings fail the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Findings not in the baseline.
    New,
    /// Any finding.
    Any,
    /// None: exit 0 unless there is an error.
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_in_the_settings_file() {
        let cli = Cli::try_parse_from(["neardup", "scan", "x", "--max-filesize", "2K"]).unwrap();
        let Command::Scan(a) = cli.command else {
            panic!("scan")
        };
        assert_eq!(a.input.max_filesize, 2048);
        assert!(Cli::try_parse_from(["neardup", "scan", "x", "--max-filesize", "lots"]).is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
