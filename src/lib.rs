//! neardup finds documents that repeat each other, whole or in part, and
//! reports the paired overlapping spans.
//!
//! Data flows one way, one module per stage:
//!
//! ```text
//! input -> normalize -> shingle -> sketch -> boilerplate -> candidates
//!       -> verify (align.rs pairs the spans) -> cluster -> report
//! ```
//!
//! [`scan()`] runs the whole pipeline over documents in memory (read them
//! with [`read_inputs`]); [`Report`] turns its result into the JSON contract
//! or another [`Format`]; [`api`] gives the steps one at a time, for engines
//! that distribute them.
//! The command line is the feature `cli` (on by default); the engine alone
//! is this crate with `default-features = false`.
#![deny(missing_docs)]

// The API is the crate root's re-exports below, plus [`api`] (the pipeline's
// steps as pure functions, for the Python package and distributed jobs) and
// [`report`] (the report model and its writers). The stage modules are
// reachable for this project's own benches, fuzz targets and tests, hidden
// from the docs and not part of the API: they change with the engine.
pub mod api;
pub mod report;

#[doc(hidden)]
pub mod align;
#[doc(hidden)]
pub mod atomic;
#[doc(hidden)]
pub mod baseline;
#[doc(hidden)]
pub mod boilerplate;
#[doc(hidden)]
pub mod candidates;
#[doc(hidden)]
pub mod check;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod cluster;
#[doc(hidden)]
pub mod config;
#[doc(hidden)]
pub mod dedupe;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod escape;
#[doc(hidden)]
pub mod index;
#[doc(hidden)]
pub mod input;
#[doc(hidden)]
pub mod lock;
#[doc(hidden)]
pub mod normalize;
#[doc(hidden)]
pub mod observe;
#[doc(hidden)]
pub mod postings;
#[doc(hidden)]
pub mod scan;
#[doc(hidden)]
pub mod shingle;
#[doc(hidden)]
pub mod sketch;
#[doc(hidden)]
pub mod verify;

// Reading documents.
pub use input::{read_inputs, Document, Inputs, Skipped, WalkOptions};
// Settings.
pub use align::AlignParams;
pub use cluster::KeepPolicy;
pub use config::{OutOfRange, ScanOptions};
// A scan and what it finds.
pub use align::{Alignment, Span};
pub use observe::Progress;
pub use scan::{scan, scan_with_progress, Passage, ScanResult};
pub use verify::{Finding, Kind};
// Reporting it.
pub use report::{Format, Report};
// Drops against a saved index, baselines, dedupe.
pub use baseline::Baseline;
pub use check::{check, survey, Checked, Status, Survey};
pub use dedupe::{plan as dedupe_plan, Plan as DedupePlan, What as DedupeWhat};
pub use index::{Index, IndexError, IndexParams};
// Errors.
pub use error::Error;
