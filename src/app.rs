//! The binary's glue: options in, report out, exit status back.

use crate::cli::{ColorArg, FormatArg, KeepArg, ScanArgs};
use anyhow::Context;
use neardup::cluster::KeepPolicy;
use neardup::config::ScanOptions;
use neardup::input::{read_inputs, WalkOptions};
use neardup::report::{json, text, Report};
use std::io::{IsTerminal, Write};

/// Exit status: nothing flagged.
pub const CLEAN: u8 = 0;
/// Exit status: something flagged.
pub const FLAGGED: u8 = 1;
/// Exit status: an error happened (the run may still have reported).
pub const ERROR: u8 = 2;

/// Runs `neardup scan`.
pub fn scan(args: ScanArgs) -> anyhow::Result<u8> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("starting threads")?;
    }
    let mut opts = ScanOptions::default();
    opts.align.min_words = args.min_words;
    opts.align.k = args.shingle;
    opts.align.window = args.window;
    opts.align.near_coverage = args.near_threshold;
    opts.align.min_similarity = args.min_similarity;
    opts.align.max_gap = args.max_gap;
    opts.num_perm = args.num_perm;
    opts.lsh_threshold = args.lsh_threshold;
    opts.df_threshold = args.boilerplate_df;
    opts.keep = match args.keep {
        KeepArg::First => KeepPolicy::First,
        KeepArg::Longest => KeepPolicy::Longest,
    };
    opts.validate().map_err(anyhow::Error::msg)?;
    for f in &args.boilerplate {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("reading boilerplate file {}", f.display()))?;
        opts.known_boilerplate
            .extend(neardup::boilerplate::known_shingles(&text, opts.align.k));
    }

    let walk = WalkOptions {
        hidden: args.hidden,
        no_ignore: args.no_ignore,
        globs: args.globs.clone(),
        max_filesize: args.max_filesize,
    };
    let inputs = read_inputs(&args.paths, &walk)?;
    for e in &inputs.errors {
        eprintln!("neardup: {e}");
    }
    for s in &inputs.skipped {
        eprintln!("neardup: {}: skipped: {}", s.path, s.reason);
    }

    let result = neardup::scan(&inputs.docs, &opts);
    let report = Report::new(&inputs.docs, &result, &inputs.errors, &inputs.skipped);
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let write = |w: &mut dyn Write| match args.format {
        FormatArg::Json => json::write(&report, w),
        FormatArg::Text => text::write(&report, &inputs.docs, color, w),
    };
    match &args.output {
        Some(path) => neardup::atomic::write_atomic(path, write)
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            write(&mut w)?;
            w.flush()?;
        }
    }
    Ok(if !inputs.errors.is_empty() {
        ERROR
    } else if report.flagged() {
        FLAGGED
    } else {
        CLEAN
    })
}
