//! `neardup`: parse the command line, run, map the outcome to an exit status
//! (0 nothing flagged, 1 flagged, 2 error; a closed pipe is not an error).

mod app;
mod cli;
mod dedupe_cmd;
mod progress;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = cli::Cli::command().get_matches();
    let cli = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match app::run(cli, &matches) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(app::CLEAN),
        Err(e) => {
            // The message may quote file names and settings: shown with
            // control characters escaped, it stays on one line.
            eprintln!("neardup: {}", neardup::escape::visible(&format!("{e:#}")));
            ExitCode::from(app::ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
