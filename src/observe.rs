//! How the engine says how far it is (the CLI draws it as bars): a [`Progress`] receives the start of
//! each counted stage with its total, then the units done, from any thread.
//!
//! The engine never draws anything; a front end (the CLI's bars, a Python
//! module's callback) implements [`Progress`]. [`NoProgress`] does nothing
//! and is what the plain entry points ([`crate::scan()`],
//! [`crate::verify::verify`], [`crate::check::check`]) use.

/// A receiver of progress reports. Called from worker threads, so it must be
/// `Sync`; calls should be cheap (the engine calls [`Progress::inc`] once per
/// document or candidate pair).
pub trait Progress: Sync {
    /// A counted stage begins: `name` (`sketching`, `verifying`) with
    /// `total` units of work. Replaces the previous stage.
    fn stage(&self, name: &str, total: u64);
    /// `n` more units of the current stage are done.
    fn inc(&self, n: u64);
}

/// A [`Progress`] that ignores every report.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    #[inline]
    fn stage(&self, _name: &str, _total: u64) {}
    #[inline]
    fn inc(&self, _n: u64) {}
}

/// The names of the engine's counted stages, in the order they run.
pub mod stages {
    /// Files read (the CLI's input stage; not part of [`crate::scan()`]).
    pub const READING: &str = "reading";
    /// Documents sketched (MinHash signature and passage fingerprints).
    pub const SKETCHING: &str = "sketching";
    /// Candidate pairs verified (aligned on their real shingles).
    pub const VERIFYING: &str = "verifying";
}
