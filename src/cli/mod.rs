//! The command-line front end (feature `cli`, on by default): argument
//! parsing, the settings file, progress bars and the subcommands, on top of
//! the engine. `anyhow`, `clap`, `indicatif` and `toml` are used here only.
//!
//! `src/main.rs` calls [`main`]; nothing in the engine imports this module.

mod app;
mod args;
mod dedupe;
mod progress;
pub mod settings;
pub mod settings_file;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

/// Parses the command line, runs, and maps the outcome to an exit status
/// (0 nothing flagged, 1 flagged, 2 error; a closed pipe is not an error).
pub fn main() -> ExitCode {
    let matches = args::Cli::command().get_matches();
    let cli = args::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match app::run(cli, &matches) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(app::CLEAN),
        Err(e) => {
            // The message may quote file names and settings: shown with
            // control characters escaped, it stays on one line.
            eprintln!("neardup: {}", crate::escape::visible(&format!("{e:#}")));
            ExitCode::from(app::ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
