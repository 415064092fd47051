//! Progress on stderr while a long run works: a spinner naming the stage, or
//! a bar for counted work. Drawn only on a terminal, outside CI, and unless
//! `--quiet` (see [`enabled`]); otherwise every call does nothing.
//!
//! One line at a time: starting a stage or a bar replaces what was shown,
//! and [`Progress::finish`] (or dropping the [`Progress`]) clears it.
//! Messages printed while a line is shown go through [`Progress::suspend`]
//! so that they do not mix with it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::ffi::OsStr;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a spinner turns and elapsed times refresh.
const TICK: Duration = Duration::from_millis(100);

/// Whether to show progress: only when stderr is a terminal, the `CI`
/// environment variable is not set (to any value), and not `quiet`.
pub fn enabled(quiet: bool) -> bool {
    enabled_with(
        std::io::stderr().is_terminal(),
        std::env::var_os("CI").as_deref(),
        quiet,
    )
}

/// [`enabled`] with the environment passed in.
fn enabled_with(stderr_is_terminal: bool, ci: Option<&OsStr>, quiet: bool) -> bool {
    stderr_is_terminal && ci.is_none() && !quiet
}

/// The progress line of a run.
pub struct Progress {
    /// `None` when disabled: nothing is ever drawn.
    line: Option<Mutex<Option<Shown>>>,
}

/// What the line shows now.
struct Shown {
    bar: ProgressBar,
    /// Cleared when the line is replaced, so that [`Bar`]s still held stop
    /// touching it.
    live: Arc<AtomicBool>,
}

impl Progress {
    /// A progress line on stderr; when `enabled` is false (see [`enabled`]),
    /// one that never draws.
    pub fn new(enabled: bool) -> Progress {
        Progress {
            line: enabled.then(|| Mutex::new(None)),
        }
    }

    /// Shows a spinner with the stage's name, e.g. `reading files`.
    pub fn stage(&self, msg: &str) {
        let style = ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        self.show(None, style, msg);
    }

    /// Shows a bar for `len` units of counted work, e.g. `sketching`, and
    /// returns the handle that advances it.
    pub fn bar(&self, len: u64, msg: &str) -> Bar {
        let style = ProgressStyle::with_template(
            "{msg} [{bar:30}] {human_pos}/{human_len} {per_sec} {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        Bar(self.show(Some(len), style, msg))
    }

    /// Clears the line. Nothing is shown until the next stage or bar.
    pub fn finish(&self) {
        if let Some(line) = &self.line {
            if let Some(old) = lock(line).take() {
                old.clear();
            }
        }
    }

    /// Runs `f` (which may print to stderr) with the line hidden, then
    /// shows it again.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.line {
            Some(line) => match &*lock(line) {
                Some(shown) => shown.bar.suspend(f),
                None => f(),
            },
            None => f(),
        }
    }

    fn show(&self, len: Option<u64>, style: ProgressStyle, msg: &str) -> Option<Counter> {
        let line = self.line.as_ref()?;
        let mut shown = lock(line);
        // Clear the old line before the new one draws over it.
        if let Some(old) = shown.take() {
            old.clear();
        }
        let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
        bar.set_style(style);
        bar.set_message(msg.to_string());
        bar.enable_steady_tick(TICK);
        let live = Arc::new(AtomicBool::new(true));
        let counter = Counter {
            bar: bar.clone(),
            live: Arc::clone(&live),
        };
        *shown = Some(Shown { bar, live });
        Some(counter)
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Shown {
    fn clear(self) {
        self.live.store(false, Ordering::Relaxed);
        self.bar.finish_and_clear();
    }
}

/// The engine's progress reports ([`crate::observe::Progress`]) drawn as
/// counted bars on a [`Progress`] line: each stage replaces the line with a
/// bar of its total, labelled for a person (`sketching 305 documents`).
pub struct EngineBars<'p> {
    progress: &'p Progress,
    bar: std::sync::RwLock<Bar>,
}

impl<'p> EngineBars<'p> {
    /// Bars on `progress` (nothing is drawn when it is disabled).
    pub fn new(progress: &'p Progress) -> EngineBars<'p> {
        EngineBars {
            progress,
            bar: std::sync::RwLock::new(Bar::default()),
        }
    }
}

impl crate::observe::Progress for EngineBars<'_> {
    fn stage(&self, name: &str, total: u64) {
        if self.progress.line.is_none() {
            return;
        }
        use crate::observe::stages;
        let label = match name {
            stages::READING => "reading files",
            stages::SKETCHING => "sketching documents",
            stages::VERIFYING => "verifying candidate pairs",
            other => other,
        };
        let bar = self.progress.bar(total, label);
        *self.bar.write().unwrap_or_else(|e| e.into_inner()) = bar;
    }

    fn inc(&self, n: u64) {
        if self.progress.line.is_some() {
            self.bar.read().unwrap_or_else(|e| e.into_inner()).inc(n);
        }
    }
}

/// A lock that a panic elsewhere does not poison for good: the line is
/// cosmetic.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Advances a bar from [`Progress::bar`]. Cheap to clone and to call from
/// any thread; does nothing when progress is disabled or once the bar has
/// been replaced or cleared.
#[derive(Clone, Default)]
pub struct Bar(Option<Counter>);

#[derive(Clone)]
struct Counter {
    bar: ProgressBar,
    live: Arc<AtomicBool>,
}

impl Bar {
    /// Counts `n` more units done.
    pub fn inc(&self, n: u64) {
        if let Some(c) = &self.0 {
            if c.live.load(Ordering::Relaxed) {
                c.bar.inc(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_only_on_a_terminal_outside_ci_and_not_quiet() {
        assert!(enabled_with(true, None, false));
        assert!(!enabled_with(false, None, false), "not a terminal");
        assert!(!enabled_with(true, None, true), "quiet");
        for ci in ["true", "1", "", "false"] {
            assert!(
                !enabled_with(true, Some(OsStr::new(ci)), false),
                "CI={ci:?}"
            );
        }
    }

    #[test]
    fn bar_is_shareable_across_threads() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<Bar>();
        fn sync<T: Send + Sync>() {}
        sync::<Progress>();
    }

    #[test]
    fn disabled_does_nothing() {
        let p = Progress::new(false);
        p.stage("reading");
        let bar = p.bar(10, "sketching");
        assert!(bar.0.is_none());
        bar.inc(3);
        assert_eq!(p.suspend(|| 7), 7);
        p.finish();
        Bar::default().inc(1);
    }

    #[test]
    fn bars_count_from_threads_and_go_quiet_when_replaced() {
        // Enabled, but stderr is not a terminal under the test harness, so
        // indicatif draws nothing; the counting is what is tested.
        let p = Progress::new(true);
        p.stage("reading");
        let bar = p.bar(1000, "sketching");
        std::thread::scope(|s| {
            for _ in 0..4 {
                let b = bar.clone();
                s.spawn(move || (0..250).for_each(|_| b.inc(1)));
            }
        });
        let c = bar.0.as_ref().unwrap();
        assert_eq!(c.bar.position(), 1000);
        assert_eq!(c.bar.length(), Some(1000));
        assert_eq!(p.suspend(|| "printed"), "printed");
        // A new stage replaces the bar: the old handle stops counting.
        p.stage("aligning");
        bar.inc(5);
        assert_eq!(c.bar.position(), 1000);
        assert!(c.bar.is_finished());
        let next = p.bar(3, "writing");
        next.inc(3);
        p.finish();
        next.inc(1);
        assert_eq!(next.0.as_ref().unwrap().bar.position(), 3);
        assert_eq!(p.suspend(|| 1), 1);
    }
}
