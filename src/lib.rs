//! neardup finds documents that repeat each other, whole or in part, and
//! reports the paired overlapping spans.
//!
//! Data flows one way, one module per stage:
//!
//! ```text
//! input -> normalize -> shingle -> minhash (sketch) -> boilerplate -> lsh (candidates)
//!       -> align (verify & pair spans) -> cluster -> report
//! ```
//!
//! [`scan::scan`] runs the whole pipeline over documents in memory;
//! [`report`] turns its result into the JSON contract or readable text.
#![deny(missing_docs)]

pub mod align;
pub mod atomic;
pub mod baseline;
pub mod boilerplate;
pub mod check;
pub mod cluster;
pub mod config;
pub mod config_file;
pub mod decode;
pub mod dedupe;
pub mod error;
pub mod escape;
pub mod eval;
pub mod index;
pub mod input;
pub mod jsonl;
pub mod jsonl_index;
pub mod location;
pub mod lock;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod observe;
pub mod postings;
pub mod report;
pub mod scan;
pub mod shingle;

pub use config::ScanOptions;
pub use error::Error;
pub use input::Document;
pub use scan::{scan, ScanResult};
