//! `neardup dedupe`: the report's keep/drop decision applied to files
//! ([`crate::dedupe`] decides; this writes). Every output is prepared
//! and checked before the first is written; each file is written
//! atomically; the input is never modified (moving dropped files, when
//! asked, is the only change to the corpus, and never overwrites).

use crate::cli::app::{self, Ctx};
use crate::cli::args::{DedupeArgs, WhatArg};
use crate::dedupe::{self, Plan, What};
use crate::escape;
use crate::report::Report;
use anyhow::{bail, Context};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// Runs `neardup dedupe`.
pub fn run(a: DedupeArgs, ctx: &Ctx) -> anyhow::Result<u8> {
    let jsonl = a.input.jsonl;
    let what = match a.what {
        WhatArg::Near => What::Near,
        WhatArg::Partial => What::Partial,
    };
    if a.drop_list.is_none() && a.move_dropped.is_none() && a.out.is_none() && a.out_dir.is_none() {
        bail!("nothing to write: name --drop-list FILE, --move-dropped DIR, --out FILE.jsonl (with --jsonl) or --out-dir DIR (with --what partial)");
    }
    if jsonl {
        if a.move_dropped.is_some() {
            bail!("--move-dropped moves files: with --jsonl, write the kept records with --out FILE.jsonl");
        }
        if a.out_dir.is_some() {
            bail!(
                "--out-dir is for files: with --jsonl, --out FILE.jsonl holds the stripped records"
            );
        }
    } else {
        if a.out.is_some() || a.annotate {
            bail!("--out and --annotate write JSON Lines records: pass --jsonl");
        }
        if what == What::Partial && a.out_dir.is_none() {
            bail!("--what partial on files writes the stripped copies under --out-dir DIR (inputs are never modified)");
        }
    }
    if what == What::Near && a.out_dir.is_some() {
        bail!("--out-dir holds stripped copies: pass --what partial");
    }
    let report = match &a.report {
        Some(path) => {
            if !a.paths.is_empty() {
                bail!("--report FILE replaces the scan: name no paths with it");
            }
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let r: Report = serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{}: not a neardup JSON report (scan --format json)",
                    path.display()
                )
            })?;
            if r.schema != crate::report::SCHEMA {
                bail!(
                    "{}: report schema {} (this neardup reads schema {})",
                    path.display(),
                    r.schema,
                    crate::report::SCHEMA
                );
            }
            r
        }
        None => {
            let opts = app::options(&a.detect)?;
            let paths = &a.paths;
            let inputs = app::read(paths, &a.input, ctx)?;
            let bars = crate::cli::progress::EngineBars::new(&ctx.progress);
            let result = crate::scan::scan_with_progress(&inputs.docs, &opts, &bars);
            ctx.progress.finish();
            if app::all_missing(paths) {
                bail!("no document was read (no path named exists); nothing was written");
            }
            Report::new(&inputs.docs, &result, &inputs.errors, &inputs.skipped)
        }
    };
    ctx.progress.finish();
    if !report.errors.is_empty() {
        bail!(
            "{} of the input could not be read (see above{}); nothing was written",
            plural(report.errors.len(), "file or record", "files or records"),
            if a.report.is_some() {
                ", or the report's errors"
            } else {
                ""
            }
        );
    }
    let plan = dedupe::plan(&report, what);
    let marker = a.strip_marker.as_bytes();
    if jsonl {
        let (text, id) = (a.input.jsonl_text(), a.input.jsonl_id());
        let out = match &a.out {
            Some(out) => Some((
                out,
                jsonl_output(&report, &plan, text, id, a.annotate, &a.strip_marker)?,
            )),
            None => None,
        };
        write_drop_list(a.drop_list.as_deref(), &plan)?;
        if let Some((path, bytes)) = out {
            write(path, &bytes)?;
        }
    } else {
        // Everything is checked before anything is written or moved.
        let copies = match &a.out_dir {
            Some(dir) => stripped_copies(&report, &plan, dir, marker)?,
            None => Vec::new(),
        };
        let moves = match &a.move_dropped {
            Some(dir) => planned_moves(&plan, dir)?,
            None => Vec::new(),
        };
        write_drop_list(a.drop_list.as_deref(), &plan)?;
        for (path, bytes) in &copies {
            create_parent(path)?;
            write(path, bytes)?;
        }
        for (from, to) in &moves {
            create_parent(to)?;
            move_file(from, to)?;
        }
    }
    let stripped = plan.strip.len();
    eprintln!(
        "neardup: {} kept of {}, {} dropped{}",
        report.documents.len() - plan.drop.len(),
        plural(report.documents.len(), "document", "documents"),
        plan.drop.len(),
        if what == What::Partial {
            format!(", {} with repeated spans removed", stripped)
        } else {
            String::new()
        }
    );
    Ok(app::CLEAN)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    crate::atomic::write_atomic(path, |w| w.write_all(bytes))
        .with_context(|| format!("writing {}", path.display()))
}

fn create_parent(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
}

fn write_drop_list(path: Option<&Path>, plan: &Plan) -> anyhow::Result<()> {
    let Some(path) = path else { return Ok(()) };
    let mut bytes = Vec::new();
    for d in &plan.drop {
        bytes.extend_from_slice(d.as_bytes());
        bytes.push(b'\n');
    }
    write(path, &bytes)
}

/// `path` (a document path as reported) under `dir`: its root and prefix
/// left out, so `corpus/a.txt` is `DIR/corpus/a.txt`; a `..` is refused
/// (it could leave `dir`).
fn under(dir: &Path, path: &str) -> anyhow::Result<PathBuf> {
    let mut out = dir.to_path_buf();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => bail!(
                "{}: a path with `..` cannot be placed under {}",
                escape::visible(path),
                dir.display()
            ),
        }
    }
    Ok(out)
}

/// Refuses to overwrite: every target that exists is named.
fn refuse_existing(targets: impl Iterator<Item = PathBuf>, what: &str) -> anyhow::Result<()> {
    let existing: Vec<String> = targets
        .filter(|t| t.symlink_metadata().is_ok())
        .map(|t| escape::path(&t).to_string())
        .collect();
    if !existing.is_empty() {
        bail!(
            "refusing to overwrite {} already there: {}; nothing was {what}",
            plural(existing.len(), "file", "files"),
            existing.join(", ")
        );
    }
    Ok(())
}

fn planned_moves(plan: &Plan, dir: &Path) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
    let moves = plan
        .drop
        .iter()
        .map(|d| Ok((PathBuf::from(d), under(dir, d)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for (from, _) in &moves {
        if !from.is_file() {
            bail!(
                "{}: not a file to move; nothing was moved",
                escape::path(from)
            );
        }
    }
    refuse_existing(moves.iter().map(|m| m.1.clone()), "written or moved")?;
    Ok(moves)
}

/// Moves a file (a rename; across file systems, a copy then the removal of
/// the original once the copy is complete).
fn move_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    write(to, &bytes)?;
    std::fs::remove_file(from)
        .with_context(|| format!("removing {} after copying it", from.display()))
}

/// The stripped copies of plain files, each checked against the report
/// (its size), under `dir`.
fn stripped_copies(
    report: &Report,
    plan: &Plan,
    dir: &Path,
    marker: &[u8],
) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let sizes: BTreeMap<&str, usize> = report
        .documents
        .iter()
        .map(|d| (d.path.as_str(), d.bytes))
        .collect();
    let mut out = Vec::new();
    for (doc, ranges) in &plan.strip {
        let bytes = std::fs::read(doc).with_context(|| format!("reading {}", doc))?;
        if sizes.get(doc.as_str()) != Some(&bytes.len()) {
            bail!(
                "{}: changed since the report ({} bytes, the report says {}); nothing was written",
                escape::visible(doc),
                bytes.len(),
                sizes.get(doc.as_str()).copied().unwrap_or(0)
            );
        }
        dedupe::check_ranges(ranges, bytes.len(), None)
            .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was written", escape::visible(doc)))?;
        out.push((under(dir, doc)?, dedupe::strip(&bytes, ranges, marker)));
    }
    refuse_existing(out.iter().map(|c| c.0.clone()), "written")?;
    Ok(out)
}

/// The kept records of every JSON Lines file of the report, in file then
/// line order: each line's bytes as they are, but the text field of a
/// stripped record and the added fields of an annotated one.
fn jsonl_output(
    report: &Report,
    plan: &Plan,
    text_field: &str,
    id_field: &str,
    annotate: bool,
    marker: &str,
) -> anyhow::Result<Vec<u8>> {
    let mut files: BTreeMap<&str, BTreeMap<u64, &str>> = BTreeMap::new();
    for d in &report.documents {
        let (file, line) = dedupe::record_name(&d.path).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: not a JSON Lines record name (file:line); was the report made with --jsonl?",
                escape::visible(&d.path)
            )
        })?;
        files.entry(file).or_default().insert(line, d.path.as_str());
    }
    let dropped: BTreeSet<&str> = plan.drop.iter().map(String::as_str).collect();
    let bad = |name: &str, e: String| {
        anyhow::anyhow!("{}: {e}; nothing was written", escape::visible(name))
    };
    // The ids of absorbed records, read as the records are met.
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    let mut contents: Vec<(&str, Vec<u8>)> = Vec::new();
    for (&file, records) in &files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {file}"))?;
        for (n, line) in dedupe::lines(&bytes) {
            if let Some(name) = records.get(&n) {
                if annotate && dropped.contains(name) {
                    let (body, _) = dedupe::split_terminator(line);
                    let body =
                        std::str::from_utf8(body).map_err(|_| bad(name, "not UTF-8".into()))?;
                    ids.insert(
                        name,
                        dedupe::field_value(body, id_field).unwrap_or_else(|| name.to_string()),
                    );
                }
            }
        }
        contents.push((file, bytes));
    }
    let mut out = Vec::new();
    for (file, bytes) in &contents {
        let records = &files[file];
        let mut seen = 0;
        for (n, line) in dedupe::lines(bytes) {
            let Some(&name) = records.get(&n) else {
                continue;
            };
            seen += 1;
            if dropped.contains(name) {
                continue;
            }
            let (body, end) = dedupe::split_terminator(line);
            let strip = plan.strip.get(name);
            let keeper = plan.keepers.get(name).filter(|_| annotate);
            if strip.is_none() && keeper.is_none() {
                out.extend_from_slice(line);
            } else {
                let mut body = std::str::from_utf8(body)
                    .map_err(|_| bad(name, "not UTF-8".into()))?
                    .to_string();
                if let Some(ranges) = strip {
                    body = dedupe::rewrite_field(&body, text_field, |t| {
                        dedupe::check_ranges(ranges, t.len(), Some(t))?;
                        let s = dedupe::strip(t.as_bytes(), ranges, marker.as_bytes());
                        Ok(String::from_utf8(s)?)
                    })
                    .map_err(|e| bad(name, e.to_string()))?;
                }
                if let Some((cluster, absorbed)) = keeper {
                    let absorbed: Vec<String> = absorbed
                        .iter()
                        .map(|d| ids.get(d.as_str()).cloned().unwrap_or_else(|| d.clone()))
                        .collect();
                    body = dedupe::annotate(&body, *cluster, &absorbed)
                        .map_err(|e| bad(name, e.to_string()))?;
                }
                out.extend_from_slice(body.as_bytes());
                out.extend_from_slice(end);
            }
            if end_missing(line) {
                out.push(b'\n');
            }
        }
        if seen != records.len() {
            bail!(
                "{file}: {} of the report's records are not in the file (changed since the report?); nothing was written",
                records.len() - seen
            );
        }
    }
    Ok(out)
}

/// Whether a line has no terminator (the last line of a file): a newline is
/// added so that the next file's records start on a line of their own.
fn end_missing(line: &[u8]) -> bool {
    !line.ends_with(b"\n")
}
