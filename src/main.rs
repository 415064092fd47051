//! `neardup`: parse the command line, run, map the outcome to an exit status
//! (0 nothing flagged, 1 flagged, 2 error; a closed pipe is not an error).

mod app;
mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    match app::run(cli::Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(app::CLEAN),
        Err(e) => {
            eprintln!("neardup: {e:#}");
            ExitCode::from(app::ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
