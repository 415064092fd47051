//! The binary's glue: options in, report out, exit status back.

use crate::cli::{
    CheckArgs, Cli, ColorArg, Command, DetectArgs, FailOn, FormatArg, IndexArgs, IndexCommand,
    InputArgs, KeepArg, OutputArgs, ScanArgs,
};
use anyhow::{bail, Context};
use neardup::baseline::Baseline;
use neardup::check::{self, Status};
use neardup::cluster::KeepPolicy;
use neardup::config::ScanOptions;
use neardup::index::{Index, IndexParams};
use neardup::input::{self, Document, Inputs, WalkOptions};
use neardup::report::{github, json, sarif, text, Report};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exit status: nothing flagged, or the --fail-on policy passes.
pub const CLEAN: u8 = 0;
/// Exit status: the --fail-on policy fails.
pub const FLAGGED: u8 = 1;
/// Exit status: an error happened (the run may still have reported).
pub const ERROR: u8 = 2;

/// Where the index lives unless told otherwise.
pub const DEFAULT_INDEX: &str = ".neardup/index";

/// Runs the command line.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("starting threads")?;
    }
    match cli.command {
        Command::Scan(a) => scan(a),
        Command::Check(a) => check(a),
        Command::Index(IndexCommand::Build(a)) => index(a, false),
        Command::Index(IndexCommand::Update(a)) => index(a, true),
    }
}

fn scan(a: ScanArgs) -> anyhow::Result<u8> {
    let opts = options(&a.detect)?;
    let inputs = read(&a.paths, &a.input)?;
    let result = neardup::scan(&inputs.docs, &opts);
    let report = Report::new(&inputs.docs, &result, &inputs.errors, &inputs.skipped);
    finish(report, &inputs.docs, &a.output, !inputs.errors.is_empty())
}

fn check(a: CheckArgs) -> anyhow::Result<u8> {
    let opts = options(&a.detect)?;
    let walk = walk(&a.input);
    let (mut checked, mut errors, skipped) = if !a.new.is_empty() {
        let corpus = read(&a.paths, &a.input)?;
        let new = read(&a.new, &a.input)?;
        let mut errors = corpus.errors;
        errors.extend(new.errors);
        let mut skipped = corpus.skipped;
        skipped.extend(new.skipped);
        let (survey, index, known) = check::in_memory(corpus.docs, new.docs, &opts);
        let old = check::from_memory(&known);
        (check::check(&survey, &index, &opts, &old), errors, skipped)
    } else {
        if a.input.jsonl {
            bail!("--jsonl with an index is not supported yet: name the new records' files with --new");
        }
        require_paths(&a.paths)?;
        let path = a
            .index
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX));
        let index = Index::load(&path, &IndexParams::from_options(&opts))?;
        let mut errors = Vec::new();
        let files = input::find_files(&a.paths, &walk, &mut errors)?;
        let survey = check::survey(&files, Some(&index), walk.max_filesize);
        problems(&survey.errors, &survey.skipped);
        let old = check::from_disk(walk.max_filesize);
        let checked = check::check(&survey, &index, &opts, &old);
        errors.extend(survey.errors);
        (checked, errors, survey.skipped)
    };
    problems(&checked.result.errors, &[]);
    errors.append(&mut checked.result.errors);
    let report = Report::with_new(
        &checked.docs,
        &checked.result,
        Some(&checked.new),
        &errors,
        &skipped,
    );
    finish(report, &checked.docs, &a.output, !errors.is_empty())
}

fn index(a: IndexArgs, update: bool) -> anyhow::Result<u8> {
    require_paths(&a.paths)?;
    let opts = options(&a.detect)?;
    let walk = walk(&a.input);
    if a.input.jsonl {
        bail!("--jsonl corpora cannot be indexed yet: use `neardup check --new` or `neardup scan`");
    }
    let params = IndexParams::from_options(&opts);
    let path = a
        .index
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX));
    let mut index = if update && path.exists() {
        Index::load(&path, &params)?
    } else {
        Index::new(params)
    };
    let mut errors = Vec::new();
    let files = input::find_files(&a.paths, &walk, &mut errors)?;
    for e in &errors {
        eprintln!("neardup: {e}");
    }
    let survey = check::survey(&files, Some(&index), walk.max_filesize);
    problems(&survey.errors, &survey.skipped);
    let entries = check::index_entries(&survey, &index, &opts);
    let mut seen = std::collections::HashSet::new();
    let mut refresh = Vec::new();
    for s in &survey.files {
        match s {
            Status::Unchanged { id, stat } => {
                let p = index.docs()[*id as usize].path.clone();
                refresh.push((p.clone(), *stat));
                seen.insert(p);
            }
            Status::New { doc, .. } => {
                seen.insert(doc.path.clone());
            }
        }
    }
    let before = index.len();
    for (p, (size, mtime)) in refresh {
        index.refresh_stat(&p, size, mtime);
    }
    index.retain_paths(|p| seen.contains(p));
    let deleted = before - index.len();
    let added = entries.len();
    index.upsert_many(entries);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    index.save(&path)?;
    eprintln!(
        "neardup: indexed {} documents into {} ({added} new or changed, {deleted} removed)",
        index.len(),
        path.display()
    );
    Ok(if errors.is_empty() && survey.errors.is_empty() {
        CLEAN
    } else {
        ERROR
    })
}

/// Applies the baseline, writes the report, and decides the exit status.
fn finish(
    mut report: Report,
    docs: &[Document],
    out: &OutputArgs,
    had_errors: bool,
) -> anyhow::Result<u8> {
    if let Some(path) = &out.baseline {
        if out.update_baseline {
            let b = Baseline::of(&report, docs);
            b.save(path)
                .with_context(|| format!("writing baseline {}", path.display()))?;
            eprintln!(
                "neardup: wrote {} accepted findings to {}",
                b.fingerprints.len(),
                path.display()
            );
        }
        Baseline::load(path)
            .map_err(anyhow::Error::msg)?
            .apply(&mut report, docs);
    }
    let to_terminal = out.output.is_none() && std::io::stdout().is_terminal();
    let color = match out.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let write = |w: &mut dyn Write| match out.format {
        FormatArg::Json => json::write(&report, w),
        FormatArg::Text => text::write(&report, docs, color, w),
        FormatArg::Sarif => sarif::write(&report, docs, w),
        FormatArg::Github => github::write(&report, docs, w),
    };
    match &out.output {
        Some(path) => neardup::atomic::write_atomic(path, write)
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            write(&mut w)?;
            w.flush()?;
        }
    }
    if out.format == FormatArg::Github {
        if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
            github::append_step_summary(Path::new(&summary), &github::step_summary(&report, docs))
                .context("writing $GITHUB_STEP_SUMMARY")?;
        }
    }
    let fails = match out.fail_on {
        FailOn::New => report.has_unbaselined(),
        FailOn::Any => report.flagged(),
        FailOn::Never => false,
    };
    Ok(if had_errors {
        ERROR
    } else if fails {
        FLAGGED
    } else {
        CLEAN
    })
}

fn options(d: &DetectArgs) -> anyhow::Result<ScanOptions> {
    let mut opts = ScanOptions::default();
    opts.align.min_words = d.min_words;
    opts.align.k = d.shingle;
    opts.align.window = d.window;
    opts.align.near_coverage = d.near_threshold;
    opts.align.min_similarity = d.min_similarity;
    opts.align.max_gap = d.max_gap;
    opts.num_perm = d.num_perm;
    opts.lsh_threshold = d.lsh_threshold;
    opts.df_threshold = d.boilerplate_df;
    opts.cluster_partial = d.cluster_partial;
    opts.align.max_chrome_words = d.max_chrome_words;
    opts.keep = match d.keep {
        KeepArg::First => KeepPolicy::First,
        KeepArg::Longest => KeepPolicy::Longest,
    };
    opts.validate().map_err(anyhow::Error::msg)?;
    for f in &d.boilerplate {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("reading boilerplate file {}", f.display()))?;
        opts.known_boilerplate
            .extend(neardup::boilerplate::known_shingles(&text, opts.align.k));
    }
    Ok(opts)
}

fn walk(i: &InputArgs) -> WalkOptions {
    WalkOptions {
        hidden: i.hidden,
        no_ignore: i.no_ignore,
        globs: i.globs.clone(),
        max_filesize: i.max_filesize,
    }
}

fn require_paths(paths: &[PathBuf]) -> anyhow::Result<()> {
    if paths.is_empty() {
        bail!("no paths given: name the files or directories to read");
    }
    Ok(())
}

/// Reads plain or JSONL documents and reports what went wrong on stderr.
fn read(paths: &[PathBuf], i: &InputArgs) -> anyhow::Result<Inputs> {
    require_paths(paths)?;
    let w = walk(i);
    let inputs = if i.jsonl {
        input::read_jsonl_inputs(paths, &w, &i.jsonl_text, &i.jsonl_id)?
    } else {
        input::read_inputs(paths, &w)?
    };
    problems(&inputs.errors, &inputs.skipped);
    Ok(inputs)
}

fn problems(errors: &[neardup::Error], skipped: &[input::Skipped]) {
    for e in errors {
        eprintln!("neardup: {e}");
    }
    for s in skipped {
        eprintln!("neardup: {}: skipped: {}", s.path, s.reason);
    }
}
