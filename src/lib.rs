//! neardup finds documents that repeat each other, whole or in part, and
//! reports the paired overlapping spans.
//!
//! Data flows one way, one module per stage:
//!
//! ```text
//! input -> normalize -> shingle -> sketch -> boilerplate -> candidates
//!       -> align (verify & pair spans) -> cluster -> report
//! ```
//!
//! [`scan::scan`] runs the whole pipeline over documents in memory;
//! [`report`] turns its result into the JSON contract or readable text.
//! The command line is the feature `cli` (on by default); the engine alone
//! is this crate with `default-features = false`.
#![deny(missing_docs)]

pub mod align;
pub mod api;
pub mod atomic;
pub mod baseline;
pub mod boilerplate;
pub mod candidates;
pub mod check;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
pub mod cluster;
pub mod config;
pub mod dedupe;
pub mod error;
pub mod escape;
pub mod index;
pub mod input;
pub mod lock;
pub mod normalize;
pub mod observe;
pub mod postings;
pub mod report;
pub mod scan;
pub mod shingle;
pub mod sketch;
pub mod verify;

pub use config::ScanOptions;
pub use error::Error;
pub use input::Document;
pub use scan::{scan, ScanResult};
