//! Stat stamps: the size and mtime by which an update takes a file as
//! unchanged without reading it, and when an mtime can be trusted.

use std::time::{SystemTime, UNIX_EPOCH};

/// How recent (in seconds, relative to when a document is indexed) an mtime
/// may be and still be trusted by the stat fast path. Covers filesystems
/// with coarse timestamps (FAT: 2 s): a file rewritten within the same tick
/// it was indexed in keeps its mtime, so such a document is re-hashed on the
/// next update instead ("racily clean", as git calls it).
pub const MTIME_SETTLE_SECS: i64 = 2;

/// A file's mtime as (seconds, nanoseconds) since the Unix epoch, seconds
/// rounded down (so times before the epoch have negative seconds and
/// non-negative nanoseconds); `(0, 0)` when the platform does not know it.
pub fn mtime_of(meta: &std::fs::Metadata) -> (i64, u32) {
    meta.modified().map(stamp).unwrap_or((0, 0))
}

/// `t` as (seconds, nanoseconds) since the Unix epoch, as [`mtime_of`].
pub(super) fn stamp(t: SystemTime) -> (i64, u32) {
    let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (secs(d), d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            match d.subsec_nanos() {
                0 => (-secs(d), 0),
                n => (-secs(d) - 1, 1_000_000_000 - n),
            }
        }
    }
}

/// The mtime to store for a document indexed at `now`: `mtime` itself, or
/// `(0, 0)` ("unknown": always re-hash) when it is within
/// [`MTIME_SETTLE_SECS`] of `now` or later, since the file may still change
/// without its mtime changing.
pub fn settled_mtime(mtime: (i64, u32), now: SystemTime) -> (i64, u32) {
    let now = stamp(now);
    if mtime.0 >= now.0.saturating_sub(MTIME_SETTLE_SECS) {
        (0, 0)
    } else {
        mtime
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mtimes() {
        let t = |s: i64, n: u32| {
            if s >= 0 {
                UNIX_EPOCH + std::time::Duration::new(s as u64, n)
            } else {
                UNIX_EPOCH - std::time::Duration::new((-s) as u64, 0)
                    + std::time::Duration::new(0, n)
            }
        };
        assert_eq!(stamp(t(1_700_000_000, 5)), (1_700_000_000, 5));
        assert_eq!(stamp(t(-10, 0)), (-10, 0));
        assert_eq!(stamp(t(-10, 250)), (-10, 250));
        let now = t(1_000, 0);
        assert_eq!(settled_mtime((990, 7), now), (990, 7));
        assert_eq!(settled_mtime((998, 0), now), (0, 0));
        assert_eq!(settled_mtime((5_000, 0), now), (0, 0));
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "x").unwrap();
        let m = mtime_of(&std::fs::metadata(&f).unwrap());
        assert!(m.0 > 1_600_000_000 && m.1 < 1_000_000_000);
    }
}
