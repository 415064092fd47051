//! The binary's glue: options in, report out, exit status back.

use crate::baseline::Baseline;
use crate::check::{self, Status};
use crate::cli::args::{CheckArgs, Cli, Command, IndexArgs, IndexCommand, ScanArgs};
use crate::cli::progress::{self, Progress};
use crate::cli::settings::{Color, DetectArgs, FailOn, Given, IndexPath, InputArgs, OutputArgs};
use crate::cli::settings_file::{self, FileConfig};
use crate::config::ScanOptions;
use crate::escape;
use crate::index::{Index, IndexParams, IndexView};
use crate::input::{self, Document, Inputs, WalkOptions};
use crate::report::core::Texts;
use crate::report::{format, github, Format, Report};
use anyhow::{bail, Context};
use clap::ArgMatches;
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

/// What every subcommand shares: the progress display. (The settings are
/// in the subcommand's options, the file's merged in.)
pub struct Ctx {
    pub(crate) progress: Progress,
}

/// Runs the command line; `matches` tells which flags were given.
pub fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<u8> {
    let file = match &cli.config {
        Some(path) => settings_file::load(path)?,
        None => match settings_file::discover(&std::env::current_dir()?) {
            Some(path) => settings_file::load(&path)?,
            None => FileConfig::default(),
        },
    };
    let given = Given::of(matches);
    let global = cli.global.merge(file.global.clone(), &given);
    if let Some(n) = global.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("starting threads")?;
    }
    let ctx = Ctx {
        progress: Progress::new(progress::enabled(global.quiet)),
    };
    let code = match cli.command.with_settings(&file, &given) {
        Command::Scan(a) => scan(a, &ctx),
        Command::Check(a) => check(a, &ctx),
        Command::Index(IndexCommand::Build(a)) => index(a, false, &ctx),
        Command::Index(IndexCommand::Update(a)) => index(a, true, &ctx),
        Command::Dedupe(a) => crate::cli::dedupe::run(a, &ctx),
    };
    ctx.progress.finish();
    code
}

fn scan(a: ScanArgs, ctx: &Ctx) -> anyhow::Result<u8> {
    let opts = options(&a.detect)?;
    let paths = &a.paths;
    // Sketched as they are read, their texts let go; verification, the
    // shared passages and the report read again only what they need.
    require_paths(paths)?;
    crate::scan::stage_mark("");
    let walk = a.input.walk_options()?;
    let bars = progress::EngineBars::new(&ctx.progress);
    let mut sketcher = crate::scan::Sketcher::new(&opts);
    let add = |docs: &[Document]| {
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        sketcher.add(&texts);
    };
    let fields = a.input.jsonl_fields();
    if fields.is_some() && walk.encoding.is_some() {
        bail!("--encoding does not apply to --jsonl input: JSON Lines are always UTF-8");
    }
    ctx.progress.stage("reading documents");
    // On threads that end with the reading (scan::on_own_threads).
    let (inputs, docs) = crate::scan::on_own_threads(|| match &fields {
        Some((text, id)) => input::stream_jsonl_inputs(paths, &walk, text, id, add),
        None => input::stream_inputs(paths, &walk, &bars, add),
    })?;
    tell(&inputs, docs.decoded(), ctx);
    let sketches = sketcher.finish();
    crate::scan::stage_mark("finish");
    let source = crate::scan::FileTexts {
        docs: &docs,
        walk: &walk,
        jsonl: fields.as_ref().map(|(t, i)| (t.as_str(), i.as_str())),
    };
    // The sketches go before verification (scan_sketches).
    let result = crate::scan::scan_sketches(sketches, &source, &opts, &bars);
    // The report is built from the texts of the documents it shows, read
    // again a batch at a time; the writers that quote read them again one
    // at a time (ReadAgain), so no stage holds them all.
    let built = crate::scan::report_of_files(&source, &result, &inputs.errors, &inputs.skipped);
    crate::scan::stage_mark("report");
    let mut failed: Vec<String> = result.errors.iter().map(|e| e.to_string()).collect();
    let report = match built {
        Ok(r) => Some(r),
        Err(errors) => {
            failed.extend(errors.iter().map(|e| e.to_string()));
            None
        }
    };
    refuse(failed)?;
    let report = report.expect("built when nothing failed");
    drop(result);
    let texts = crate::scan::ReadAgain::new(&source);
    let code = finish(
        report,
        &texts,
        &a.output,
        !inputs.errors.is_empty(),
        all_missing(paths),
        ctx,
    );
    crate::scan::stage_mark("write");
    code
}

/// Fails the run with every failure (sorted, each once), if any: the
/// documents named could not be read again, so no report is written.
fn refuse(mut failed: Vec<String>) -> anyhow::Result<()> {
    if failed.is_empty() {
        return Ok(());
    }
    failed.sort();
    failed.dedup();
    bail!(
        "{}; no report was written: scan again",
        failed
            .iter()
            .map(|e| escape::visible(e))
            .collect::<Vec<_>>()
            .join("; ")
    );
}

fn check(a: CheckArgs, ctx: &Ctx) -> anyhow::Result<u8> {
    let opts = options(&a.detect)?;
    let walk = a.input.walk_options()?;
    let paths = &a.paths;
    let (mut checked, mut errors, skipped) = if !a.new.is_empty() {
        let corpus = read(paths, &a.input, ctx)?;
        let new = read(&a.new, &a.input, ctx)?;
        let mut errors = corpus.errors;
        errors.extend(new.errors);
        let mut skipped = corpus.skipped;
        skipped.extend(new.skipped);
        let (survey, index, known) = check::in_memory(corpus.docs, new.docs, &opts)?;
        let old = check::from_memory(&known);
        let bars = progress::EngineBars::new(&ctx.progress);
        let checked = check::check_with_progress(&survey, &index, &opts, &old, &bars);
        (checked, errors, skipped)
    } else {
        require_paths(paths)?;
        crate::scan::stage_mark("");
        let path = index_path(&a.index);
        ctx.progress
            .stage(&format!("loading {}", escape::path(&path)));
        let index = match crate::index::open_view(&path, &IndexParams::from_options(&opts)) {
            Err(e @ crate::index::IndexError::NotFound { .. }) if a.index.index.is_none() => {
                match index_above(&std::env::current_dir()?) {
                    Some(dir) => {
                        let found = dir.join(DEFAULT_INDEX);
                        bail!(
                            "{}: no index here, but there is {}: run from {} naming the \
                             corpus as when it was indexed, or pass --index {}",
                            path.display(),
                            found.display(),
                            dir.display(),
                            found.display()
                        )
                    }
                    None => return Err(e.into()),
                }
            }
            r => r?,
        };
        crate::scan::stage_mark("open index");
        let mut errors = Vec::new();
        let changed = changed_list(a.changed_from.as_deref())?;
        let (files, kept) = corpus_files(
            paths,
            &*index,
            &walk,
            &a.input,
            changed.as_ref().filter(|_| a.no_walk),
            &mut errors,
        )?;
        crate::scan::stage_mark("walk");
        problems(&errors, &[], ctx);
        let mut survey = survey(
            &files,
            Some(&*index),
            &walk,
            &a.input,
            changed.as_ref(),
            ctx,
            |_| {},
        )?;
        survey.kept = kept;
        crate::scan::stage_mark("survey");
        problems(&survey.errors, &survey.skipped, ctx);
        let old: Box<check::OldText<'static>> = match a.input.jsonl_fields() {
            Some((text, id)) => Box::new(crate::index::jsonl::from_disk(text, id)),
            None => Box::new(check::from_disk(walk.clone())),
        };
        let bars = progress::EngineBars::new(&ctx.progress);
        let checked = check::check_with_progress(&survey, &*index, &opts, &old, &bars);
        // What was read of a mapped index is verified as it is read.
        if let Some(e) = index.damage() {
            return Err(e.into());
        }
        errors.extend(survey.errors);
        (checked, errors, survey.skipped)
    };
    problems(&checked.result.errors, &[], ctx);
    errors.append(&mut checked.result.errors);
    let report = Report::with_new(
        &checked.docs,
        &checked.result,
        Some(&checked.new),
        &errors,
        &skipped,
    );
    crate::scan::stage_mark("report");
    let nothing_read = all_missing(paths) || all_missing(&a.new);
    let code = finish(
        report,
        &checked.docs,
        &a.output,
        !errors.is_empty(),
        nothing_read,
        ctx,
    );
    crate::scan::stage_mark("write");
    code
}

fn index(a: IndexArgs, update: bool, ctx: &Ctx) -> anyhow::Result<u8> {
    let paths = &a.paths;
    require_paths(paths)?;
    let opts = options(&a.detect)?;
    let walk = a.input.walk_options()?;
    let params = IndexParams::from_options(&opts);
    let path = index_path(&a.index);
    // A mistyped corpus path would drop every document under it.
    if let Some((p, e)) = missing(paths).into_iter().next() {
        bail!(
            "{}: {e}; {} was not written (name the corpus as it is)",
            p.display(),
            path.display()
        );
    }
    if a.changed_from.is_some() && !update {
        bail!("--changed-from applies to `index update` (a build reads every file)");
    }
    let changed = changed_list(a.changed_from.as_deref())?;
    // Held from before the index is read until it is written, so that two
    // updates never lose each other's documents.
    let _lock = lock(&path, a.wait, ctx)?;
    // The documents of the index this run replaces, when it can be read:
    // a build that would drop most of them is refused as an update is.
    let mut replaced = None;
    let mut index = if update && path.exists() {
        Index::load(&path, &params)?
    } else {
        // A rebuild may replace an index of another version or settings, or
        // a damaged one, but not a file that is no index at all.
        match Index::open(&path) {
            Err(e @ crate::index::IndexError::Foreign { .. }) => {
                bail!("{e}; refusing to overwrite it: name another --index")
            }
            Ok(old) => replaced = Some(old),
            Err(_) => {}
        }
        Index::new(params)?
    };
    let mut errors = Vec::new();
    let (files, kept) = corpus_files(
        paths,
        &index,
        &walk,
        &a.input,
        changed.as_ref().filter(|_| a.no_walk),
        &mut errors,
    )?;
    problems(&errors, &[], ctx);
    // Each chunk's new documents are sketched as soon as it is read, their
    // texts let go: the build holds entries, not texts.
    let mut entries = Vec::new();
    let mut survey = survey(
        &files,
        Some(&index as &dyn IndexView),
        &walk,
        &a.input,
        changed.as_ref(),
        ctx,
        |chunk| entries.extend(check::take_entries(chunk, &index, &opts)),
    )?;
    survey.kept = kept;
    problems(&survey.errors, &survey.skipped, ctx);
    let mut seen: std::collections::HashSet<String> = survey
        .kept
        .iter()
        .map(|&id| index.docs()[id as usize].path.clone())
        .collect();
    let mut refresh = Vec::new();
    for s in &survey.files {
        match s {
            Status::Unchanged { id, stat } => {
                let p = index.docs()[*id as usize].path.clone();
                refresh.push((p.clone(), *stat));
                seen.insert(p);
            }
            Status::New { key, .. } => {
                seen.insert(key.clone());
            }
        }
    }
    let before = index.len();
    for (p, (size, mtime)) in refresh {
        index.refresh_stat(&p, size, mtime);
    }
    index.retain_paths(|p| seen.contains(p));
    let (deleted, of) = match &replaced {
        Some(old) => {
            let gone = old.docs().iter().filter(|d| !seen.contains(&d.path));
            (gone.count(), old.len())
        }
        None => (before - index.len(), before),
    };
    if deleted * 2 > of && !a.prune {
        bail!(
            "this {} would drop {deleted} of the {of} documents in {} (their files are not \
             under {}); nothing was written: pass --prune if that is what you want",
            if update { "update" } else { "build" },
            path.display(),
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let added = entries.len();
    index.upsert_many(entries)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    index.save(&path)?;
    ctx.progress.finish();
    eprintln!(
        "neardup: indexed {} documents into {} ({added} new or changed, {deleted} removed)",
        index.len(),
        escape::path(&path)
    );
    Ok(if errors.is_empty() && survey.errors.is_empty() {
        CLEAN
    } else {
        ERROR
    })
}

/// Applies the baseline, writes the report, and decides the exit status.
/// `nothing_read`: every path named was missing, so the report is empty for
/// want of input; it goes to stdout but replaces no file.
fn finish<T: Texts + ?Sized>(
    mut report: Report,
    docs: &T,
    out: &OutputArgs,
    had_errors: bool,
    nothing_read: bool,
    ctx: &Ctx,
) -> anyhow::Result<u8> {
    ctx.progress.finish();
    let baseline = out.baseline.clone();
    let output = out.output.clone();
    let format = out.format();
    if out.update_baseline && baseline.is_none() {
        bail!("--update-baseline needs a baseline file: --baseline FILE or `baseline` in neardup.toml");
    }
    if nothing_read {
        let keep = |p: &Path| {
            anyhow::anyhow!(
                "no document was read (no path named exists); {} was left as it was",
                p.display()
            )
        };
        if let (true, Some(p)) = (out.update_baseline, &baseline) {
            return Err(keep(p));
        }
        if let Some(p) = &output {
            return Err(keep(p));
        }
    }
    if let Some(path) = &baseline {
        let _lock = out
            .update_baseline
            .then(|| lock(path, out.wait, ctx))
            .transpose()?;
        if out.update_baseline {
            let b = Baseline::of(&report, docs);
            if let Some(e) = docs.failure() {
                bail!(
                    "{}; no baseline was written: scan again",
                    escape::visible(&e)
                );
            }
            b.save(path)
                .with_context(|| format!("writing baseline {}", path.display()))?;
            eprintln!(
                "neardup: wrote {} accepted findings to {}",
                b.fingerprints.len(),
                escape::path(path)
            );
        }
        Baseline::load(path)
            .map_err(anyhow::Error::msg)?
            .apply(&mut report, docs);
    }
    let to_terminal = output.is_none() && std::io::stdout().is_terminal();
    let style = format::Style {
        color: match out.color() {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
        },
    };
    // A document that could not be read again fails the write (no file is
    // replaced).
    let write = |w: &mut dyn Write| {
        format::write(format, &report, docs, style, w)?;
        match docs.failure() {
            Some(e) => Err(std::io::Error::other(format!(
                "{}; no report was written: scan again",
                escape::visible(&e)
            ))),
            None => Ok(()),
        }
    };
    match &output {
        Some(path) => crate::atomic::write_atomic(path, write)
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            write(&mut w)?;
            w.flush()?;
        }
    }
    if format == Format::Github {
        if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
            github::append_step_summary(Path::new(&summary), &github::step_summary(&report, docs))
                .context("writing $GITHUB_STEP_SUMMARY")?;
        }
    }
    let fails = match out.fail_on() {
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

/// The scan options of `d` (range-checked), with its boilerplate files read.
pub(crate) fn options(d: &DetectArgs) -> anyhow::Result<ScanOptions> {
    let mut opts = d.scan_options()?;
    for file in &d.boilerplate {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading boilerplate file {}", file.display()))?;
        opts.known_boilerplate
            .extend(crate::boilerplate::known_shingles(&text, opts.align.k));
    }
    Ok(opts)
}

/// The files to survey and the indexed documents kept without a survey:
/// the walk's files and none, or, given the `--no-walk` list, what
/// [`check::unwalked`] takes from the index and the list.
fn corpus_files(
    paths: &[PathBuf],
    index: &dyn IndexView,
    walk: &WalkOptions,
    input: &InputArgs,
    no_walk: Option<&check::Changed>,
    errors: &mut Vec<crate::error::Error>,
) -> anyhow::Result<(Vec<PathBuf>, Vec<u32>)> {
    let Some(changed) = no_walk else {
        return Ok((input::find_files(paths, walk, errors)?, Vec::new()));
    };
    if input.jsonl_fields().is_some() {
        bail!("--no-walk does not apply to --jsonl input (its files are always read)");
    }
    let u = check::unwalked(paths, index, walk, changed, errors)?;
    Ok((u.files, u.kept))
}

/// The `--changed-from` list: FILE, or stdin for `-`.
fn changed_list(from: Option<&Path>) -> anyhow::Result<Option<check::Changed>> {
    let Some(from) = from else {
        return Ok(None);
    };
    let bytes = if from == Path::new("-") {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut v)
            .context("reading the --changed-from list from stdin")?;
        v
    } else {
        std::fs::read(from)
            .with_context(|| format!("reading the --changed-from list {}", from.display()))?
    };
    Ok(Some(check::Changed::parse(&bytes)))
}

/// [`check::survey`] in chunks, with a progress bar; `changed`: the
/// `--changed-from` list (JSON Lines files are read whatever it says: their
/// records have no stat fast path). `each` sees every chunk's survey before
/// it joins the whole (an index build takes its entries there).
fn survey(
    files: &[PathBuf],
    index: Option<&dyn IndexView>,
    walk: &WalkOptions,
    input: &InputArgs,
    changed: Option<&check::Changed>,
    ctx: &Ctx,
    mut each: impl FnMut(&mut check::Survey),
) -> anyhow::Result<check::Survey> {
    let fields = input.jsonl_fields();
    if fields.is_some() && walk.encoding.is_some() {
        bail!("--encoding does not apply to --jsonl input: JSON Lines are always UTF-8");
    }
    let bar = ctx
        .progress
        .bar(files.len() as u64, "reading and comparing with the index");
    let mut all = check::Survey::default();
    for chunk in files.chunks(4096) {
        let mut s = match &fields {
            Some((text, id)) => crate::index::jsonl::survey(chunk, index, text, id),
            None => check::survey_listed(chunk, index, walk, changed),
        };
        notes(s.new_docs(), ctx);
        each(&mut s);
        all.files.extend(s.files);
        all.errors.extend(s.errors);
        all.skipped.extend(s.skipped);
        bar.inc(chunk.len() as u64);
    }
    Ok(all)
}

fn index_path(i: &IndexPath) -> PathBuf {
    i.index
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX))
}

/// The nearest directory above `cwd` holding an index at the default path,
/// relative to `cwd` (`..`, `../..`): a check run
/// from inside the corpus should use it rather than make another. The
/// search stops after the repository root (a directory holding `.git`), as
/// the settings file's does, or at the filesystem root.
fn index_above(cwd: &Path) -> Option<PathBuf> {
    let mut rel = PathBuf::new();
    for dir in cwd.ancestors() {
        if dir != cwd {
            let candidate = dir.join(DEFAULT_INDEX);
            if candidate.is_file() {
                return Some(rel);
            }
        }
        if dir.join(".git").exists() {
            return None;
        }
        rel.push("..");
    }
    None
}

/// Takes the write lock of `path` ([`crate::lock`]), saying on stderr
/// when it waits for another writer.
fn lock(path: &Path, wait: bool, ctx: &Ctx) -> anyhow::Result<crate::lock::WriteLock> {
    Ok(crate::lock::lock(path, wait, |holder| {
        ctx.progress.suspend(|| {
            eprintln!(
                "neardup: waiting for another neardup{} updating {}",
                holder.map(|p| format!(" (pid {p})")).unwrap_or_default(),
                escape::path(path)
            )
        })
    })?)
}

/// The named paths that cannot be looked at (they do not exist, mostly),
/// with the reason.
fn missing(paths: &[PathBuf]) -> Vec<(&PathBuf, std::io::Error)> {
    paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).err().map(|e| (p, e)))
        .collect()
}

/// Whether none of `paths` can be looked at: a run over them reads no
/// document, and its report must not replace a good one.
pub(crate) fn all_missing(paths: &[PathBuf]) -> bool {
    !paths.is_empty() && missing(paths).len() == paths.len()
}

pub(crate) fn require_paths(paths: &[PathBuf]) -> anyhow::Result<()> {
    if paths.is_empty() {
        bail!("no paths given: name the files or directories to read");
    }
    Ok(())
}

/// Reads plain or JSONL documents and reports what went wrong on stderr.
pub(crate) fn read(paths: &[PathBuf], i: &InputArgs, ctx: &Ctx) -> anyhow::Result<Inputs> {
    require_paths(paths)?;
    let w = i.walk_options()?;
    ctx.progress.stage("reading documents");
    let inputs = if i.jsonl {
        if w.encoding.is_some() {
            bail!("--encoding does not apply to --jsonl input: JSON Lines are always UTF-8");
        }
        input::read_jsonl_inputs(paths, &w, i.jsonl_text(), i.jsonl_id())?
    } else {
        let bars = progress::EngineBars::new(&ctx.progress);
        input::read_inputs_with_progress(paths, &w, &bars)?
    };
    tell(&inputs, inputs.docs.iter(), ctx);
    Ok(inputs)
}

/// Says on stderr what went wrong reading `inputs`, and how documents
/// (`docs`: those of `inputs`, or the streamed ones) were read when not as
/// plain UTF-8.
fn tell<'d>(inputs: &Inputs, docs: impl Iterator<Item = &'d Document>, ctx: &Ctx) {
    problems(&inputs.errors, &inputs.skipped, ctx);
    notes(docs, ctx);
    ctx.progress.suspend(|| {
        // A repeated id is a warning: both records are scanned (finding
        // such repeats is what the run is for), the exit status is not
        // changed.
        let dups = &inputs.duplicate_ids;
        for d in dups.iter().take(MAX_DUPLICATE_NOTES) {
            eprintln!("neardup: warning: {}", escape::visible(&d.to_string()));
        }
        if dups.len() > MAX_DUPLICATE_NOTES {
            eprintln!(
                "neardup: warning: {} more records repeat an earlier record's id",
                dups.len() - MAX_DUPLICATE_NOTES
            );
        }
        // The tally, so that bad lines of a JSON Lines file are not taken
        // for as many bad files.
        let records = inputs.errors.iter().filter(|e| e.line().is_some()).count();
        if records > 0 {
            let files: std::collections::BTreeSet<_> = inputs
                .errors
                .iter()
                .filter(|e| e.line().is_some())
                .filter_map(|e| e.path())
                .collect();
            eprintln!(
                "neardup: {records} record{} in {} file{} could not be read (skipped)",
                if records == 1 { "" } else { "s" },
                files.len(),
                if files.len() == 1 { "" } else { "s" },
            );
        }
    });
}

/// Repeated JSON Lines ids noted one by one on stderr; the rest are counted.
const MAX_DUPLICATE_NOTES: usize = 10;

/// Notes on documents read but not as plain UTF-8 (not errors).
fn notes<'d>(docs: impl Iterator<Item = &'d Document>, ctx: &Ctx) {
    ctx.progress.suspend(|| {
        for d in docs {
            if let Some(n) = d.note() {
                eprintln!(
                    "neardup: {}: {}",
                    escape::visible(&d.path),
                    escape::visible(n)
                );
            }
        }
    });
}

fn problems(errors: &[crate::Error], skipped: &[input::Skipped], ctx: &Ctx) {
    ctx.progress.suspend(|| {
        for e in errors {
            eprintln!("neardup: {}", escape::visible(&e.to_string()));
        }
        for s in skipped {
            eprintln!(
                "neardup: {}: skipped: {}",
                escape::visible(&s.path),
                escape::visible(&s.reason)
            );
        }
    });
}
