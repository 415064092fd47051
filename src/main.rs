//! `neardup`: the command line. Everything it does is in [`neardup::cli`]
//! (feature `cli`), on top of the engine library.

fn main() -> std::process::ExitCode {
    neardup::cli::main()
}
