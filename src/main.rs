//! `neardup`: the command line. Everything it does is in [`neardup::cli`]
//! (feature `cli`), on top of the engine library.

fn main() -> std::process::ExitCode {
    // Large blocks mapped on their own and given back when freed (glibc:
    // a fixed mmap threshold; see the function), before anything allocates.
    neardup::scan::fix_malloc_thresholds();
    neardup::cli::main()
}
