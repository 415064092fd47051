//! The command line: the subcommands and the options of one run. The
//! options a neardup.toml can also set are the groups of the settings model
//! (`cli::settings`), flattened in here; [`Command::with_settings`] puts a
//! file's settings under them.

use crate::cli::settings::{DetectArgs, Given, GlobalArgs, IndexPath, InputArgs, OutputArgs};
use crate::cli::settings_file::FileConfig;
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
    /// Threads, progress.
    #[command(flatten)]
    pub global: GlobalArgs,
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
    /// Where the index is.
    #[command(flatten)]
    pub index: IndexPath,
    /// The new documents, when there is no index (files or directories).
    #[arg(long, value_name = "PATH", num_args = 1.., conflicts_with = "index")]
    pub new: Vec<PathBuf>,
    /// The paths that changed, one per line (`git diff --name-only`; NUL
    /// separated with `-z`), from FILE or `-` (stdin): indexed files not
    /// listed are taken as unchanged without a stat; listed ones are read.
    #[arg(long, value_name = "FILE|-", conflicts_with = "new")]
    pub changed_from: Option<PathBuf>,
    /// With --changed-from: trust the list for additions and deletions too,
    /// and do not walk the corpus: its documents are the indexed ones under
    /// CORPUS, the listed ones replacing them (a file the list leaves out
    /// is not seen, a new one included).
    #[arg(long, requires = "changed_from")]
    pub no_walk: bool,
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
    /// Where the index is.
    #[command(flatten)]
    pub index: IndexPath,
    /// When another neardup is updating the index, wait for it instead of
    /// failing.
    #[arg(long)]
    pub wait: bool,
    /// Allow dropping more than half of the indexed documents (their files
    /// are gone); without it such a run is refused as a likely mistake.
    #[arg(long)]
    pub prune: bool,
    /// `index update`: the paths that changed, one per line (`git diff
    /// --name-only`; NUL separated with `-z`), from FILE or `-` (stdin):
    /// indexed files not listed are kept without a stat; listed ones are
    /// read again (deleted ones dropped).
    #[arg(long, value_name = "FILE|-")]
    pub changed_from: Option<PathBuf>,
    /// `index update` with --changed-from: trust the list for additions and
    /// deletions too, and do not walk the corpus (as `check --no-walk`).
    #[arg(long, requires = "changed_from")]
    pub no_walk: bool,
    /// What to look at.
    #[command(flatten)]
    pub input: InputArgs,
    /// How to compare (the sketch settings are stored in the index).
    #[command(flatten)]
    pub detect: DetectArgs,
}

impl Command {
    /// This command line over the settings of `file` (`given`: the options
    /// given on the command line), group by group (`cli::settings`); paths
    /// named on the command line replace the file's `paths`.
    pub fn with_settings(self, file: &FileConfig, given: &Given) -> Command {
        let paths = |p: Vec<PathBuf>| {
            if p.is_empty() {
                file.corpus.paths.clone()
            } else {
                p
            }
        };
        let input = |i: InputArgs| i.merge(file.input.clone(), given);
        let detect = |d: DetectArgs| d.merge(file.detect.clone(), given);
        let output = |o: OutputArgs| o.merge(file.output.clone(), given);
        let index = |x: IndexPath| x.merge(file.index.clone(), given);
        let index_args = |a: IndexArgs| IndexArgs {
            paths: paths(a.paths),
            index: index(a.index),
            input: input(a.input),
            detect: detect(a.detect),
            ..a
        };
        match self {
            Command::Scan(a) => Command::Scan(ScanArgs {
                paths: paths(a.paths),
                input: input(a.input),
                detect: detect(a.detect),
                output: output(a.output),
            }),
            Command::Check(a) => Command::Check(CheckArgs {
                paths: paths(a.paths),
                index: index(a.index),
                input: input(a.input),
                detect: detect(a.detect),
                output: output(a.output),
                ..a
            }),
            Command::Index(IndexCommand::Build(a)) => {
                Command::Index(IndexCommand::Build(index_args(a)))
            }
            Command::Index(IndexCommand::Update(a)) => {
                Command::Index(IndexCommand::Update(index_args(a)))
            }
            // With --report there is no scan: the file's paths do not apply
            // (and paths on the command line are an error).
            Command::Dedupe(a) => Command::Dedupe(DedupeArgs {
                paths: if a.report.is_some() {
                    a.paths
                } else {
                    paths(a.paths)
                },
                input: input(a.input),
                detect: detect(a.detect),
                ..a
            }),
        }
    }
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
        assert_eq!(a.input.max_filesize, Some(2048));
        assert!(Cli::try_parse_from(["neardup", "scan", "x", "--max-filesize", "lots"]).is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
