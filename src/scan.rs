//! The driver of a full scan: every stage over documents in memory, in
//! order (sketch, candidates, verify, cluster), and the shared passages.
//!
//! A scan need not hold the texts: [`Sketcher`] sketches documents a chunk
//! at a time (their texts can go once sketched), [`scan_sketched`] runs the
//! later stages over the sketches, fetching texts again from a
//! [`TextSource`] ([`FileTexts`]: from their files) only for verification
//! and the shared passages ([`scan_sketches`]: the sketches let go before
//! verification).

use crate::align::Span;
use crate::boilerplate::{Chrome, ChromeStats};
use crate::candidates::{self, Known, ProposeParams, Proposed};
use crate::cluster::{clusters, Cluster};
use crate::config::ScanOptions;
use crate::input::{Document, Origin, Stubs, WalkOptions};
use crate::observe::{stages, NoProgress, Progress};
use crate::sketch::{self, DocSketch, Scratch, SketchParams};
use crate::verify::{verify_sketched, InMemory, TextSource, Verified};
use rayon::prelude::*;
use std::borrow::Cow;
use std::path::PathBuf;

/// The verify stage's findings, which a [`ScanResult`] holds.
pub use crate::verify::{Finding, Kind};

/// Counters of one scan, for the summary and for tuning.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ScanStats {
    /// Documents scanned.
    pub documents: usize,
    /// Words in all documents.
    pub words: u64,
    /// Signature LSH bands.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// Pairs proposed by the signature LSH.
    pub signature_candidates: usize,
    /// Pairs proposed by shared passage fingerprints.
    pub fingerprint_candidates: usize,
    /// Distinct pairs verified.
    pub verified: usize,
    /// Pairs flagged.
    pub flagged: usize,
    /// Verified pairs sharing only boilerplate spans (not flagged).
    pub boilerplate_only: usize,
    /// Chrome fingerprints by reason.
    pub chrome: ChromeStats,
}

impl ScanStats {
    /// The counters of a run over documents of `words` words each, from
    /// what the candidate and verify stages gave.
    pub fn of(words: &[u32], proposed: &Proposed, verified: &Verified) -> ScanStats {
        ScanStats {
            documents: words.len(),
            words: words.iter().map(|&w| w as u64).sum(),
            bands: proposed.bands,
            rows: proposed.rows,
            signature_candidates: proposed.signature_candidates,
            fingerprint_candidates: proposed.fingerprint_candidates,
            verified: proposed.candidates.len(),
            flagged: verified.findings.len(),
            boilerplate_only: verified.boilerplate_only,
            chrome: proposed.chrome.stats(),
        }
    }
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Flagged pairs, ordered by `(a, b)`.
    pub findings: Vec<Finding>,
    /// Clusters of flagged documents with the copy to keep.
    pub clusters: Vec<Cluster>,
    /// Counters.
    pub stats: ScanStats,
    /// Words per document.
    pub words: Vec<u32>,
    /// Documents whose text could not be fetched for verification (their
    /// pairs are left out).
    pub errors: Vec<crate::Error>,
    /// Passages carried by at least the chrome document frequency of
    /// documents, each found once (only their places in new documents).
    pub passages: Vec<Passage>,
}

/// A passage many documents share (a footer, a header template), with its
/// byte span in each document carrying it; the first place is the
/// representative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passage {
    /// Words of the representative place.
    pub words: u32,
    /// Distinct documents carrying it.
    pub documents: usize,
    /// `(document, bytes)`, by document.
    pub places: Vec<(u32, Span)>,
    /// Each place located (file bytes, lines and columns) while
    /// [`passages`] held its document's text, `None` where the text could
    /// not be fetched: what a report shows of it, so that the report need
    /// not read the text again. It belongs to `places` as [`passages`]
    /// made them; whoever drops, reorders or renumbers places must locate
    /// them again (a check's report does, from the texts). Empty for a
    /// passage made elsewhere.
    pub located: Vec<Option<crate::input::location::Location>>,
    /// The report's excerpt of the first place, when it is located.
    pub excerpt: String,
}

/// Sketches texts in parallel, in order.
pub fn sketch_all(texts: &[&str], opts: &ScanOptions) -> Vec<DocSketch> {
    sketch_all_with_progress(texts, opts, &NoProgress)
}

/// [`sketch_all`], reporting the stage [`stages::SKETCHING`] with one unit
/// per text. The sketches are packed [`PACK`] at a time
/// ([`DocSketch::pack`]), as a scan's are.
pub fn sketch_all_with_progress(
    texts: &[&str],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Vec<DocSketch> {
    let params = opts.sketch_params();
    progress.stage(stages::SKETCHING, texts.len() as u64);
    let mut all = Vec::with_capacity(texts.len());
    for chunk in texts.chunks(PACK) {
        let new: Vec<DocSketch> = chunk
            .par_iter()
            .map_init(Scratch::default, |s, t| {
                let sk = sketch::sketch(t, &params, s);
                progress.inc(1);
                sk
            })
            .collect();
        all.extend(DocSketch::pack(&new));
    }
    all
}

/// Sketches [`sketch_all`] packs into one block ([`DocSketch::pack`]): ~1.2
/// MB of words for 400-word documents, so that each block is mapped on its
/// own ([`MMAP_THRESHOLD`]) and never lies among the heap's small blocks.
pub const PACK: usize = 1024;

/// Sketches documents a chunk at a time, in order, keeping only the
/// sketches (about 1.2 KB for a 400-word document; see DESIGN.md, "Memory"):
/// the caller may drop each chunk's texts once [`Sketcher::add`] returns.
pub struct Sketcher {
    params: SketchParams,
    sketches: Vec<DocSketch>,
}

impl Sketcher {
    /// A sketcher with the sketch settings of `opts`.
    pub fn new(opts: &ScanOptions) -> Sketcher {
        Sketcher {
            params: opts.sketch_params(),
            sketches: Vec::new(),
        }
    }

    /// Sketches `texts` in parallel and appends their sketches, in order.
    ///
    /// The sketches kept are copies packed into one block a call
    /// ([`DocSketch::pack`]), made on the calling thread: the sketching
    /// threads' heaps then hold only what a chunk needs for a while (texts,
    /// scratch, the sketches before they are packed), all of it free once
    /// the chunk is done, which [`Sketcher::finish`] gives back; and the
    /// kept sketches have no allocator header each nor small gaps between
    /// them (they were a block each, ~12% of them in the sketching
    /// threads' heaps among freed memory that could not be given back:
    /// DESIGN.md, "Memory", "Seventh pass").
    pub fn add(&mut self, texts: &[&str]) {
        let params = &self.params;
        let new: Vec<DocSketch> = texts
            .par_iter()
            .map_init(Scratch::default, |s, t| sketch::sketch(t, params, s))
            .collect();
        self.sketches.extend(DocSketch::pack(&new));
    }

    /// The sketches of every document added, in order; the memory the
    /// reading freed is given back to the system ([`give_back_freed`]).
    pub fn finish(mut self) -> Vec<DocSketch> {
        self.sketches.shrink_to_fit();
        give_back_freed();
        self.sketches
    }
}

/// Runs `f` on a thread pool of its own, with as many threads as the
/// current one, and returns once those threads have ended: what they held
/// for reuse is then free, which a trim can give back ([`give_back_freed`],
/// [`Sketcher::finish`]). The command line's scan reads and sketches so.
///
/// Why: glibc keeps a cache a thread of the small blocks it freed last (its
/// "tcache": up to 7 blocks of each size to 1 KB), freed only when the
/// thread ends. A thread that read and sketched 100,000 documents leaves
/// its cached blocks all over its heap, and each keeps the page it lies on
/// from being given back: at 100,000 documents ~4-7 MB of RSS held to the
/// end of the candidate stage (DESIGN.md, "Memory", "Seventh pass"). The
/// pool's threads are made by [`std::thread::Builder`] and joined, so that
/// they have ended (and freed their caches) when this returns. Changes no
/// result: what `f` computes does not depend on which threads run it.
pub fn on_own_threads<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let mut threads = Vec::new();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .spawn_handler(|t| {
            let mut b = std::thread::Builder::new();
            if let Some(name) = t.name() {
                b = b.name(name.to_owned());
            }
            if let Some(size) = t.stack_size() {
                b = b.stack_size(size);
            }
            threads.push(b.spawn(|| t.run())?);
            Ok(())
        })
        .build();
    let Ok(pool) = pool else {
        // No threads to be had: the current pool does as well.
        return f();
    };
    let r = pool.install(f);
    drop(pool);
    for t in threads {
        // A pool thread that panicked has handed its panic to `install`.
        let _ = t.join();
    }
    r
}

/// Gives the memory the allocator holds free back to the system: glibc's
/// `malloc_trim(0)` (every arena, and the free pages within them, not only
/// their tops); nothing elsewhere. Changes no allocation in use.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim takes no pointer and only returns free pages
        // of glibc's heaps to the kernel; it is thread-safe.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The size from which glibc's `malloc` maps each block on its own, set by
/// [`fix_malloc_thresholds`] (1 MiB; glibc starts at 128 KiB).
pub const MMAP_THRESHOLD: usize = 1 << 20;

/// Fixes glibc's mmap threshold at [`MMAP_THRESHOLD`] (`mallopt`), unless
/// the environment sets it or the trim threshold (`MALLOC_MMAP_THRESHOLD_`,
/// `MALLOC_TRIM_THRESHOLD_`); nothing elsewhere. The command line calls it
/// first thing.
///
/// Why: glibc raises both thresholds each time a mapped block is freed, up
/// to the largest freed so far (the trim threshold to twice that). A scan
/// frees many blocks of megabytes (the candidate stage's postings of a hash
/// range, ~16 MB; verify batches), after which blocks that large come from
/// the heaps and up to twice that much free memory stays in each heap
/// instead of going back to the system. A fixed threshold also fixes the
/// trim threshold at its 128 KiB default: at 100,000 documents the peak RSS
/// went from 233 to ~200 MB (BENCHMARKS.md, "Scan memory, fifth pass").
/// Changes no allocation's contents, only where large ones come from.
pub fn fix_malloc_thresholds() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        let set = |v| std::env::var_os(v).is_some();
        if set("MALLOC_MMAP_THRESHOLD_") || set("MALLOC_TRIM_THRESHOLD_") {
            return;
        }
        // SAFETY: mallopt takes no pointer; it only sets a parameter of
        // glibc's allocator and is thread-safe.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD as std::ffi::c_int);
        }
    }
}

/// The environment variable that turns on [`stage_mark`]'s lines.
pub const STAGE_TIMES_VAR: &str = "NEARDUP_STAGE_TIMES";

/// Whether the environment sets [`STAGE_TIMES_VAR`] (read once): the
/// stages then say on stderr what they took and did.
pub fn stage_times_on() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os(STAGE_TIMES_VAR).is_some())
}

/// Where the previous [`stage_mark`] was: wall clock, the process's user
/// and system CPU ticks and page faults (`/proc/self/stat`), and the bytes
/// it had storage fetch (`read_bytes` of `/proc/self/io`: file reads the
/// page cache did not hold).
struct Mark {
    at: std::time::Instant,
    usage: [u64; 4],
    storage: u64,
}

static LAST_MARK: std::sync::Mutex<Option<Mark>> = std::sync::Mutex::new(None);

/// The process's `[user ticks, system ticks, minor faults, major faults]`
/// from `/proc/self/stat` (zeros where it cannot be read).
fn usage() -> [u64; 4] {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces), from the
    // state (field 3): minflt is field 10, majflt 12, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let at = |i: usize| f.get(i - 3).copied().unwrap_or(0);
    [at(14), at(15), at(10), at(12)]
}

/// `read_bytes` of `/proc/self/io` (0 where it cannot be read).
fn storage_read() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    io.lines()
        .find_map(|l| l.strip_prefix("read_bytes: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Ends the stage running since the previous mark (or since the first
/// mark) and names it `stage`: when the environment sets
/// [`STAGE_TIMES_VAR`], one line on stderr with its wall time, the whole
/// process's user and system CPU time, its minor and major page faults and
/// the megabytes storage read for it over the stage; nothing otherwise.
/// Changes no result. A mark named `""` only starts the clock.
pub fn stage_mark(stage: &str) {
    if !stage_times_on() {
        return;
    }
    let now = Mark {
        at: std::time::Instant::now(),
        usage: usage(),
        storage: storage_read(),
    };
    let mut last = LAST_MARK.lock().unwrap_or_else(|e| e.into_inner());
    if let (Some(l), false) = (last.as_ref(), stage.is_empty()) {
        // Clock ticks are 1/100 s on Linux (USER_HZ).
        let tick = |i: usize| now.usage[i].saturating_sub(l.usage[i]) as f64 / 100.0;
        eprintln!(
            "neardup: stage {stage:<12} wall {:>8.3} s  user {:>7.2} s  sys {:>7.2} s  \
             minflt {:>9}  majflt {}  storage {:.1} MB",
            now.at.duration_since(l.at).as_secs_f64(),
            tick(0),
            tick(1),
            now.usage[2].saturating_sub(l.usage[2]),
            now.usage[3].saturating_sub(l.usage[3]),
            now.storage.saturating_sub(l.storage) as f64 / 1e6,
        );
    }
    *last = Some(now);
}

/// Texts read again from where they were sketched from (document `i`: a
/// file read with `walk`, or a JSON Lines record whose text and id are the
/// fields `jsonl` names; [`Stubs::origin`]), each checked against the
/// content hash it had when it was read ([`Stubs::content_hash`]): a file
/// changed or gone since is an error naming it, never another text.
pub struct FileTexts<'a> {
    /// Each document as it was read (its name, content hash, size and
    /// origin), without text.
    pub docs: &'a Stubs,
    /// How files were read.
    pub walk: &'a WalkOptions,
    /// The text and id fields of JSON Lines records.
    pub jsonl: Option<(&'a str, &'a str)>,
}

impl FileTexts<'_> {
    /// Document `doc` read again, with its text.
    pub fn document(&self, doc: u32) -> Result<Document, crate::Error> {
        let (name, hash) = (
            self.docs.path(doc as usize),
            self.docs.content_hash(doc as usize),
        );
        let origin = self.docs.origin(doc as usize);
        let path = match origin {
            Origin::Named => PathBuf::from(name),
            Origin::File(p) => p.clone(),
            Origin::Record { file, .. } => file.to_path_buf(),
        };
        let changed = || crate::Error::Invalid {
            path: path.clone(),
            reason: format!(
                "{}changed while it was being scanned (its content is not what was read \
                 at the start of the run)",
                match origin {
                    Origin::Record { line, .. } => format!("the record of line {line} "),
                    Origin::Named | Origin::File(_) => String::new(),
                }
            ),
        };
        let read = match origin {
            Origin::Named | Origin::File(_) => crate::input::read_document(&path, self.walk)
                .map_err(|f| match f {
                    crate::input::Fault::Skip(_) => changed(),
                    crate::input::Fault::Error(e) => e,
                }),
            Origin::Record { file, offset, line } => {
                let (text_field, id_field) = self.jsonl.unwrap_or(("text", "id"));
                match crate::input::jsonl::read_record_at(
                    file, *offset, *line, text_field, id_field,
                ) {
                    Ok(r) => Ok(Document::new(String::new(), r.text)),
                    Err(crate::Error::Record { .. }) => Err(changed()),
                    Err(e) => Err(e),
                }
            }
        };
        let mut d = read?;
        if d.content_hash() != hash {
            return Err(changed());
        }
        name.clone_into(&mut d.path);
        Ok(d)
    }
}

impl TextSource for FileTexts<'_> {
    fn text(&self, doc: u32) -> Result<Cow<'_, str>, crate::Error> {
        Ok(Cow::Owned(self.document(doc)?.text))
    }

    fn text_and_map(
        &self,
        doc: u32,
    ) -> Result<
        (
            Cow<'_, str>,
            Option<Cow<'_, crate::input::decode::OffsetMap>>,
        ),
        crate::Error,
    > {
        let d = self.document(doc)?;
        let map = d.decoding().map(|x| Cow::Owned(x.map.clone()));
        Ok((Cow::Owned(d.text), map))
    }
}

/// Texts of the documents a report shows that the scan could not locate,
/// read in batches of at most this many bytes (of their files) while the
/// report is built ([`report_of_files`]), each batch let go before the next
/// is read.
pub const REPORT_TEXT_BYTES: usize = 16 << 20;

/// The report of a scan whose texts are in files ([`FileTexts`]): an
/// [`crate::report::Report::outline`] of `result` completed by the
/// locations verification and the passage stage made while they held the
/// texts ([`crate::report::Report::add_located`]; for a scan's result,
/// every one, and no file is read). What they could not locate is
/// completed by the texts of its documents, read again in sorted batches
/// of at most [`REPORT_TEXT_BYTES`] (in parallel within a batch), so no
/// more than a batch of texts is held at once. The same report as
/// [`crate::report::Report::new`] over the documents with their texts; a
/// document that cannot be read again (or was changed) is an error, all of
/// them returned (the report is then unfinished and is not returned).
pub fn report_of_files(
    files: &FileTexts<'_>,
    result: &ScanResult,
    errors: &[crate::Error],
    skipped: &[crate::input::Skipped],
) -> Result<crate::report::Report, Vec<crate::Error>> {
    report_in_batches(files, result, errors, skipped, REPORT_TEXT_BYTES)
}

/// [`report_of_files`] reading batches of at most `budget` bytes.
fn report_in_batches(
    files: &FileTexts<'_>,
    result: &ScanResult,
    errors: &[crate::Error],
    skipped: &[crate::input::Skipped],
    budget: usize,
) -> Result<crate::report::Report, Vec<crate::Error>> {
    // The documents whole (without text) only now, the sketches gone.
    let docs = files.docs.documents();
    let mut report = crate::report::Report::outline(&docs, result, None, errors, skipped);
    drop(docs);
    // What verification and the passage stage located while they held the
    // texts; only what they could not (none in a scan whose every shown
    // text was read) is located from the texts read again.
    let (left_pairs, left_places) = report.add_located(result);
    let mut shown: Vec<u32> = left_pairs
        .iter()
        .flat_map(|&i| {
            let f = &result.findings[i as usize];
            [f.a, f.b]
        })
        .chain(
            left_places
                .iter()
                .map(|&(p, q)| result.passages[p as usize].places[q as usize].0),
        )
        .collect();
    shown.sort_unstable();
    shown.dedup();
    // The batches (ranges of `shown`), then the pairs and passage places
    // each batch's texts complete: a batch's work is that of what shows
    // its documents, not of the whole report (which, with batches as many
    // as documents over a constant, would grow with their square).
    let mut batches: Vec<std::ops::Range<usize>> = Vec::new();
    let mut at = 0;
    while at < shown.len() {
        let mut end = at;
        let mut bytes = 0;
        while end < shown.len() && (end == at || bytes < budget) {
            bytes += files.docs.original_len(shown[end] as usize);
            end += 1;
        }
        batches.push(at..end);
        at = end;
    }
    let batch_of = |d: u32| -> usize {
        let i = shown.binary_search(&d).expect("a shown document");
        batches.partition_point(|b| b.end <= i)
    };
    let mut pairs: Vec<Vec<u32>> = vec![Vec::new(); batches.len()];
    for &i in &left_pairs {
        let f = &result.findings[i as usize];
        let (x, y) = (batch_of(f.a), batch_of(f.b));
        pairs[x].push(i);
        if y != x {
            pairs[y].push(i);
        }
    }
    let mut places: Vec<Vec<(u32, u32)>> = vec![Vec::new(); batches.len()];
    for &(pi, q) in &left_places {
        let d = result.passages[pi as usize].places[q as usize].0;
        places[batch_of(d)].push((pi, q));
    }
    let mut failed = Vec::new();
    for (b, range) in batches.into_iter().enumerate() {
        let docs = &shown[range];
        let held: Vec<Option<Document>> = docs
            .par_iter()
            .map(|&d| files.document(d))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|r| r.map_err(|e| failed.push(e)).ok())
            .collect();
        if failed.is_empty() {
            let text = |d: u32| docs.binary_search(&d).ok().and_then(|i| held[i].as_ref());
            report.add_texts_of(result, &pairs[b], &places[b], text);
        }
    }
    if failed.is_empty() {
        Ok(report)
    } else {
        Err(failed)
    }
}

/// [`FileTexts`] as the report writers' [`crate::report::core::Texts`]:
/// each document read again when asked (the last few kept), so a writer
/// quoting every pair holds two documents at a time, not all. A document
/// that cannot be read (or changed since the scan) is not at hand; the
/// first such failure is kept (`Texts::failure`) for the caller to refuse
/// the report.
pub struct ReadAgain<'a> {
    files: &'a FileTexts<'a>,
    recent: std::sync::Mutex<std::collections::VecDeque<(usize, Document)>>,
    failed: std::sync::Mutex<Option<crate::Error>>,
}

/// Documents [`ReadAgain`] keeps (a pair's two, and a few more for the
/// writers that ask for one document per span).
const READ_AGAIN_KEPT: usize = 4;

impl<'a> ReadAgain<'a> {
    /// Reads from `files`.
    pub fn new(files: &'a FileTexts<'a>) -> Self {
        ReadAgain {
            files,
            recent: Default::default(),
            failed: Default::default(),
        }
    }
}

impl crate::report::core::Texts for ReadAgain<'_> {
    fn text_of(&self, i: usize) -> Option<Cow<'_, Document>> {
        if i >= self.files.docs.len() {
            return None;
        }
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, d)) = recent.iter().find(|(j, _)| *j == i) {
            return Some(Cow::Owned(d.clone()));
        }
        match self.files.document(i as u32) {
            Ok(d) => {
                if recent.len() == READ_AGAIN_KEPT {
                    recent.pop_front();
                }
                recent.push_back((i, d.clone()));
                Some(Cow::Owned(d))
            }
            Err(e) => {
                let mut f = self.failed.lock().unwrap_or_else(|e| e.into_inner());
                f.get_or_insert(e);
                None
            }
        }
    }

    fn failure(&self) -> Option<String> {
        let f = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        f.as_ref().map(|e| e.to_string())
    }
}

/// The documents a report of `result` shows text of (in its pairs and
/// shared passages), sorted.
pub fn shown_documents(result: &ScanResult) -> Vec<u32> {
    let mut d: Vec<u32> = result
        .findings
        .iter()
        .flat_map(|f| [f.a, f.b])
        .chain(
            result
                .passages
                .iter()
                .flat_map(|p| p.places.iter().map(|&(d, _)| d)),
        )
        .collect();
    d.sort_unstable();
    d.dedup();
    d
}

/// Runs every stage over documents in memory: sketch, chrome, candidates,
/// verification, clusters.
///
/// The result depends only on the documents and options, never on the
/// number of threads.
pub fn scan(docs: &[Document], opts: &ScanOptions) -> ScanResult {
    scan_with_progress(docs, opts, &NoProgress)
}

/// [`scan()`], reporting its counted stages to `progress`: documents
/// sketched, then candidate pairs verified. The result is the same.
pub fn scan_with_progress(
    docs: &[Document],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> ScanResult {
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let sketches = sketch_all_with_progress(&texts, opts, progress);
    scan_sketched(&sketches, &InMemory(docs), opts, progress)
}

/// The stages after sketching (chrome, candidates, verification, clusters,
/// shared passages) over the sketches of documents `0..sketches.len()`,
/// whose texts `source` gives when verification needs them; what
/// [`scan_with_progress`] gives for the same documents.
pub fn scan_sketched(
    sketches: &[DocSketch],
    source: &dyn TextSource,
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> ScanResult {
    later_stages(Held::Borrowed(sketches), source, opts, progress)
}

/// [`scan_sketched`] that lets the sketches go once the candidates and the
/// shared passages are found, before verification (which then winnows the
/// texts it reads again, [`crate::verify::verify_with_progress`]): the
/// verify stage holds no sketch (~1.2 KB a document). The same result.
pub fn scan_sketches(
    sketches: Vec<DocSketch>,
    source: &dyn TextSource,
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> ScanResult {
    later_stages(Held::Owned(sketches), source, opts, progress)
}

/// Sketches lent, or given to be let go after the last stage reading them.
enum Held<'a> {
    Borrowed(&'a [DocSketch]),
    Owned(Vec<DocSketch>),
}

fn later_stages(
    held: Held<'_>,
    source: &dyn TextSource,
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> ScanResult {
    let sketches = match &held {
        Held::Borrowed(s) => s,
        Held::Owned(v) => v.as_slice(),
    };
    let n = sketches.len();
    let words: Vec<u32> = sketches.iter().map(|s| s.words).collect();
    let params = propose_params(opts, n);
    let proposed = candidates::propose(Known::default(), sketches, &params);
    stage_mark("candidates");
    // The passages before verification (neither reads the other), so that
    // sketches given are let go before the verify stage.
    let (passages, passage_errors) = passages(0, sketches, source, &proposed.chrome, opts);
    stage_mark("passages");
    let (candidates, chrome) = (&proposed.candidates, &proposed.chrome);
    let verified = match held {
        Held::Borrowed(sketches) => verify_sketched(
            source,
            sketches,
            candidates,
            &words,
            chrome,
            &opts.align,
            progress,
        ),
        Held::Owned(sketches) => {
            // Their blocks lie among others that stay: given back whole
            // pages only by a trim.
            drop(sketches);
            give_back_freed();
            stage_mark("free");
            crate::verify::verify_with_progress(
                source,
                candidates,
                &words,
                chrome,
                &opts.align,
                progress,
            )
        }
    };
    stage_mark("verify");
    let pairs = cluster_pairs(&verified.findings, opts.cluster_partial);
    let clusters = clusters(n, &pairs, &words, opts.keep);
    let stats = ScanStats::of(&words, &proposed, &verified);
    stage_mark("cluster");
    // A document verification could not fetch is not said twice.
    let mut errors = verified.errors;
    let said: ahash::AHashSet<String> = errors.iter().map(|e| e.to_string()).collect();
    errors.extend(
        passage_errors
            .into_iter()
            .filter(|e| !said.contains(&e.to_string())),
    );
    ScanResult {
        findings: verified.findings,
        clusters,
        stats,
        words,
        errors,
        passages,
    }
}

/// The candidate stage's settings for a corpus of `n_docs` documents.
pub fn propose_params(opts: &ScanOptions, n_docs: usize) -> ProposeParams<'_> {
    let (bands, rows) = opts.bands_rows();
    ProposeParams {
        df_threshold: opts.df_threshold_for(n_docs),
        universal_df: opts.universal_df_for(n_docs),
        known_chrome: &opts.known_boilerplate,
        k: opts.align.k as u32,
        max_gap: opts.align.max_gap,
        min_shared: opts.min_shared,
        bands,
        rows,
    }
}

/// The shared passages of the new documents (ids `first_id..`, sketched as
/// `new`), with byte spans, and the texts that could not be fetched.
pub fn passages(
    first_id: u32,
    new: &[DocSketch],
    texts: &dyn TextSource,
    chrome: &Chrome,
    opts: &ScanOptions,
) -> (Vec<Passage>, Vec<crate::Error>) {
    let (k, slot) = (opts.align.k as u32, opts.align.max_gap);
    let df = chrome.stats().df_threshold as usize;
    let found =
        crate::boilerplate::shared_passages_of_sketches(first_id, new, chrome, k, slot, df.max(2));
    let mut errors = Vec::new();
    if found.is_empty() {
        return (Vec::new(), errors);
    }
    // Word ranges to bytes, one tokenization per document carrying any.
    // (document, first word, end word, passage, place)
    type Wanted = (u32, u32, u32, usize, usize);
    // (passage, place, bytes, location, the excerpt of a first place)
    type Located = Result<
        Vec<(
            usize,
            usize,
            Span,
            crate::input::location::Location,
            Option<String>,
        )>,
        crate::Error,
    >;
    let mut wanted: Vec<Wanted> = Vec::new();
    for (pi, p) in found.iter().enumerate() {
        for (qi, &(d, w0, w1)) in p.places.iter().enumerate() {
            wanted.push((d, w0, w1, pi, qi));
        }
    }
    wanted.sort_unstable();
    let by_doc: Vec<&[Wanted]> = wanted.chunk_by(|x, y| x.0 == y.0).collect();
    let spans: Vec<Located> = by_doc
        .par_iter()
        .map(|group| {
            let (text, map) = texts.text_and_map(group[0].0)?;
            let mut tokens = Vec::new();
            crate::normalize::tokenize(&text, &mut tokens);
            // Located while the text is here (the report reads it no more).
            let ix = crate::input::location::LineIndex::of(&text, map.as_deref());
            Ok(group
                .iter()
                .map(|&(_, w0, w1, pi, qi)| {
                    let span =
                        crate::align::byte_span(&text, &tokens, w0, w1.min(tokens.len() as u32));
                    let excerpt = (qi == 0)
                        .then(|| crate::report::passage_excerpt(&text[span.start..span.end]));
                    (pi, qi, span, ix.locate(span.start, span.end), excerpt)
                })
                .collect())
        })
        .collect();
    let mut out: Vec<Passage> = found
        .iter()
        .map(|p| Passage {
            words: p.words(),
            documents: p.documents(),
            places: p
                .places
                .iter()
                .map(|&(d, _, _)| (d, Span { start: 0, end: 0 }))
                .collect(),
            located: vec![None; p.places.len()],
            excerpt: String::new(),
        })
        .collect();
    for r in spans {
        match r {
            Ok(v) => {
                for (pi, qi, span, at, excerpt) in v {
                    out[pi].places[qi].1 = span;
                    out[pi].located[qi] = Some(at);
                    if let Some(x) = excerpt {
                        out[pi].excerpt = x;
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

/// The pairs that join clusters: near duplicates, and partial pairs too
/// when asked.
pub fn cluster_pairs(findings: &[Finding], partial: bool) -> Vec<(u32, u32)> {
    findings
        .iter()
        .filter(|f| partial || f.kind == Kind::NearDuplicate)
        .map(|f| (f.a, f.b))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(path: &str, text: String) -> Document {
        Document::new(path, text)
    }

    fn words(n: usize, seed: u64) -> String {
        (0..n)
            .map(|i| format!("w{}", sketch::mix64(seed * 1_000_003 + i as u64) % 50_000))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn finds_whole_and_partial_copies_and_ignores_unrelated() {
        let article = words(300, 1);
        let docs = vec![
            doc("a", article.clone()),
            doc("b", format!("{} {}", article, words(400, 2))),
            doc("c", words(300, 3)),
            doc("d", article.clone()),
        ];
        let r = scan(&docs, &ScanOptions::default());
        let got: Vec<(u32, u32, Kind)> = r.findings.iter().map(|f| (f.a, f.b, f.kind)).collect();
        assert_eq!(
            got,
            vec![
                (0, 1, Kind::Partial),
                (0, 3, Kind::NearDuplicate),
                (1, 3, Kind::Partial)
            ]
        );
        // Only the near duplicates cluster by default: b has text of its own.
        assert_eq!(r.clusters.len(), 1);
        assert_eq!(r.clusters[0].keep, 0);
        assert_eq!(r.clusters[0].drop, vec![3]);
        let with_partial = ScanOptions {
            cluster_partial: true,
            ..ScanOptions::default()
        };
        let r = scan(&docs, &with_partial);
        assert_eq!(r.clusters[0].drop, vec![1, 3]);
    }

    #[test]
    fn shared_chrome_alone_is_not_flagged() {
        let chrome = "Please use Chrome browser for a more accessible video player. ".repeat(2)
            + &words(60, 77);
        let docs: Vec<Document> = (0..12)
            .map(|i| {
                doc(
                    &format!("{i:02}"),
                    format!("{} {} {}", words(200, 10 + i), chrome, words(100, 50 + i)),
                )
            })
            .collect();
        let r = scan(&docs, &ScanOptions::default());
        assert!(
            r.findings.is_empty(),
            "{:?}",
            r.findings.iter().map(|f| (f.a, f.b)).collect::<Vec<_>>()
        );
        assert!(r.stats.chrome.frequent > 0);
    }

    #[test]
    fn known_part_gives_the_same_pairs_that_involve_new_documents() {
        use crate::candidates::Sketches;
        use crate::postings;
        use crate::verify::verify;
        let article = words(300, 1);
        let docs = vec![
            doc("a", article.clone()),
            doc("b", format!("{} {}", words(200, 9), article)),
            doc("c", words(300, 3)),
            doc(
                "d",
                format!("{} {}", &article[..article.len() / 2], words(100, 4)),
            ),
        ];
        let opts = ScanOptions::default();
        let full = scan(&docs, &opts);
        // Index a, b, c; d is new.
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        let sk = sketch_all(&texts, &opts);
        let fps = postings::build(sk[..3].iter().map(|s| s.fingerprints()), 0);
        let bnd = postings::build(sk[..3].iter().map(|s| s.band_keys()), 0);
        let rep: Vec<u64> = sk[..3].iter().flat_map(|s| s.repeated().to_vec()).collect();
        let known = Known {
            fingerprints: &fps,
            frequent: &[],
            bands: &bnd,
            repeated: &rep,
            len: 3,
            sketches: Some(&Sketches(&sk[..3])),
        };
        let words: Vec<u32> = sk.iter().map(|s| s.words).collect();
        let proposed = candidates::propose(known, &sk[3..], &propose_params(&opts, 4));
        assert!(proposed.candidates.iter().all(|&(_, b)| b == 3));
        let part = verify(
            &InMemory(&docs),
            &proposed.candidates,
            &words,
            &proposed.chrome,
            &opts.align,
        );
        let pairs = |f: &[Finding], only_new: bool| -> Vec<(u32, u32)> {
            f.iter()
                .filter(|f| !only_new || f.b == 3)
                .map(|f| (f.a, f.b))
                .collect()
        };
        assert_eq!(pairs(&full.findings, false), vec![(0, 1), (0, 3), (1, 3)]);
        assert_eq!(pairs(&part.findings, false), pairs(&full.findings, true));
        assert_eq!(
            format!("{:?}", part.findings),
            format!("{:?}", full.findings[1..].to_vec())
        );
    }

    /// Files of a small corpus: copies of an article, whole and in part,
    /// a footer on every third, unrelated text.
    fn corpus_files(dir: &std::path::Path) {
        let base = words(500, 5);
        let footer = words(60, 6);
        for i in 0..40u64 {
            let mut t = match i % 7 {
                0 => format!("{} {}", words(100, i), &base[..base.len() / 2]),
                3 => base.clone(),
                _ => words(200, 100 + i),
            };
            if i % 3 == 0 {
                t = format!("{t}\n{footer}\n");
            }
            std::fs::write(dir.join(format!("{i:03}.txt")), t).unwrap();
        }
    }

    fn json(docs: &[Document], r: &ScanResult, inputs: &crate::input::Inputs) -> Vec<u8> {
        let report = crate::report::Report::new(docs, r, &inputs.errors, &inputs.skipped);
        let mut out = Vec::new();
        crate::report::json::write(&report, &mut out).unwrap();
        out
    }

    /// Streams the files under `dir`: the inputs, the documents (texts
    /// dropped) and their files, and the sketches.
    fn stream(
        dir: &std::path::Path,
        opts: &ScanOptions,
    ) -> (crate::input::Inputs, Stubs, Vec<DocSketch>) {
        let mut sketcher = Sketcher::new(opts);
        let (inputs, files) = crate::input::stream_inputs(
            &[dir.to_path_buf()],
            &WalkOptions::default(),
            &NoProgress,
            |docs| sketcher.add(&docs.iter().map(|d| d.text.as_str()).collect::<Vec<_>>()),
        )
        .unwrap();
        (inputs, files, sketcher.finish())
    }

    #[test]
    fn a_scan_that_reads_texts_again_reports_what_a_scan_in_memory_does() {
        let dir = tempfile::tempdir().unwrap();
        corpus_files(dir.path());
        let opts = ScanOptions {
            df_threshold: Some(13),
            ..ScanOptions::default()
        };
        let inputs =
            crate::input::read_inputs(&[dir.path().to_path_buf()], &WalkOptions::default())
                .unwrap();
        let whole = scan(&inputs.docs, &opts);
        let want = json(&inputs.docs, &whole, &inputs);
        assert!(!whole.findings.is_empty() && !whole.passages.is_empty());

        let (streamed, files, sketches) = stream(dir.path(), &opts);
        let mut docs = files.documents();
        assert!(docs.iter().all(|d| d.text.is_empty()));
        let walk = WalkOptions::default();
        let source = FileTexts {
            docs: &files,
            walk: &walk,
            jsonl: None,
        };
        let r = scan_sketched(&sketches, &source, &opts, &NoProgress);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        // The sketches given up before verification: the same result.
        let given = scan_sketches(sketches, &source, &opts, &NoProgress);
        let shown = shown_documents(&r);
        assert!(shown.len() < docs.len(), "some texts are not needed");
        let again: Vec<Document> = shown.iter().map(|&d| source.document(d).unwrap()).collect();
        for (&d, doc) in shown.iter().zip(again) {
            docs[d as usize] = doc;
        }
        assert_eq!(json(&docs, &r, &streamed), want);
        assert_eq!(json(&docs, &given, &streamed), want);
        // The report the command line builds, from what verification and
        // the passage stage located: it reads no file (all moved away).
        let moved = tempfile::tempdir().unwrap();
        move_files(dir.path(), moved.path());
        assert!(source.document(shown[0]).is_err(), "the files are gone");
        let report = report_of_files(&source, &r, &streamed.errors, &streamed.skipped).unwrap();
        let mut out = Vec::new();
        crate::report::json::write(&report, &mut out).unwrap();
        assert_eq!(out, want);
        move_files(moved.path(), dir.path());
        // Nothing located (a result made without the texts): the shown
        // texts read again in batches of one document up to all of them,
        // each pair and place completed by the batches holding its
        // documents, the same report.
        let mut r = r;
        for f in &mut r.findings {
            f.located = crate::verify::Located::default();
        }
        for p in &mut r.passages {
            p.located.iter_mut().for_each(|l| *l = None);
        }
        let total: usize = shown.iter().map(|&d| files.original_len(d as usize)).sum();
        for budget in [1, 3_000, total / 3, total + 1] {
            let report =
                report_in_batches(&source, &r, &streamed.errors, &streamed.skipped, budget)
                    .unwrap();
            let mut out = Vec::new();
            crate::report::json::write(&report, &mut out).unwrap();
            assert!(out == want, "batches of {budget} bytes: another report");
        }
        // Part of it located: the rest read again, the same report.
        let mut r = scan_sketched(&stream(dir.path(), &opts).2, &source, &opts, &NoProgress);
        for f in r.findings.iter_mut().step_by(2) {
            f.located = crate::verify::Located::default();
        }
        for p in r.passages.iter_mut().skip(1).step_by(2) {
            p.located.iter_mut().step_by(3).for_each(|l| *l = None);
        }
        let report =
            report_in_batches(&source, &r, &streamed.errors, &streamed.skipped, 3_000).unwrap();
        let mut out = Vec::new();
        crate::report::json::write(&report, &mut out).unwrap();
        assert!(out == want, "part located: another report");
    }

    /// Moves every file of folder `from` into `to` (so none can be read
    /// again where it was).
    fn move_files(from: &std::path::Path, to: &std::path::Path) {
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap().path();
            std::fs::rename(&e, to.join(e.file_name().unwrap())).unwrap();
        }
    }

    #[test]
    fn spans_of_decoded_files_are_located_at_the_files_offsets_without_reading_them_again() {
        // The corpus with a few copies of the article decoded: a byte
        // order mark, Windows-1252 bytes (2 bytes in the text for 1 in the
        // file), UTF-16: the file's offsets differ from the text's.
        let dir = tempfile::tempdir().unwrap();
        corpus_files(dir.path());
        let base = std::fs::read_to_string(dir.path().join("003.txt")).unwrap();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend(format!("caf\u{e9} {base}").as_bytes());
        std::fs::write(dir.path().join("050.txt"), bom).unwrap();
        let latin: Vec<u8> = format!("d\u{e9}j\u{e0} vu {base}")
            .chars()
            .map(|c| c as u32 as u8)
            .collect();
        std::fs::write(dir.path().join("051.txt"), latin).unwrap();
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(
            format!("na\u{ef}ve\n{base}")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        std::fs::write(dir.path().join("052.txt"), utf16).unwrap();
        let opts = ScanOptions {
            df_threshold: Some(13),
            ..ScanOptions::default()
        };
        let walk = WalkOptions::default();
        let inputs = crate::input::read_inputs(&[dir.path().to_path_buf()], &walk).unwrap();
        let decoded: Vec<u32> = (0..inputs.docs.len() as u32)
            .filter(|&d| inputs.docs[d as usize].decoding().is_some())
            .collect();
        assert_eq!(decoded.len(), 3, "the three files are decoded");
        let whole = scan(&inputs.docs, &opts);
        let want = json(&inputs.docs, &whole, &inputs);
        for &d in &decoded {
            assert!(
                whole.findings.iter().any(|f| f.b == d),
                "document {d} is in pairs"
            );
        }
        let (streamed, files, sketches) = stream(dir.path(), &opts);
        let source = FileTexts {
            docs: &files,
            walk: &walk,
            jsonl: None,
        };
        let r = scan_sketches(sketches, &source, &opts, &NoProgress);
        // Spans in a decoded copy end at other offsets than in the text.
        let f = r.findings.iter().find(|f| f.b == decoded[1]).unwrap();
        let (span, at) = (f.alignment.spans[0].b, f.located.spans[0][1]);
        assert_ne!((span.start, span.end), (at.start, at.end));
        // Located without the files: the report of the texts in memory.
        let moved = tempfile::tempdir().unwrap();
        move_files(dir.path(), moved.path());
        let report = report_of_files(&source, &r, &streamed.errors, &streamed.skipped).unwrap();
        let mut out = Vec::new();
        crate::report::json::write(&report, &mut out).unwrap();
        assert!(out == want, "another report");
    }

    #[test]
    fn a_file_changed_between_the_passes_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        corpus_files(dir.path());
        let opts = ScanOptions::default();
        let (_, files, sketches) = stream(dir.path(), &opts);
        // 003.txt is in pairs (a copy of the article); change one word.
        let changed = dir.path().join("003.txt");
        let text = std::fs::read_to_string(&changed).unwrap();
        std::fs::write(&changed, text.replacen('w', "v", 1)).unwrap();
        let walk = WalkOptions::default();
        let source = FileTexts {
            docs: &files,
            walk: &walk,
            jsonl: None,
        };
        let r = scan_sketched(&sketches, &source, &opts, &NoProgress);
        let d = (0..files.len())
            .position(|d| files.path(d).ends_with("003.txt"))
            .unwrap() as u32;
        assert!(r.findings.iter().all(|f| f.a != d && f.b != d));
        let said: Vec<String> = r.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].contains("003.txt") && said[0].contains("changed"),
            "{}",
            said[0]
        );
        assert!(source.document(d).is_err());
        // Gone is an error too.
        std::fs::remove_file(&changed).unwrap();
        assert!(source
            .document(d)
            .unwrap_err()
            .to_string()
            .contains("003.txt"));
    }

    #[test]
    fn a_json_lines_scan_that_reads_records_again_reports_what_one_in_memory_does() {
        let dir = tempfile::tempdir().unwrap();
        corpus_files(dir.path());
        let walk = WalkOptions::default();
        let inputs = crate::input::read_inputs(&[dir.path().to_path_buf()], &walk).unwrap();
        let lines: Vec<String> = inputs
            .docs
            .iter()
            .map(|d| serde_json::json!({ "id": d.path, "text": d.text }).to_string())
            .collect();
        let file = dir.path().join("all.jsonl");
        std::fs::write(&file, lines.join("\n")).unwrap();
        let roots = [file.clone()];
        let opts = ScanOptions {
            df_threshold: Some(13),
            ..ScanOptions::default()
        };
        let whole = crate::input::read_jsonl_inputs(&roots, &walk, "text", "id").unwrap();
        let r = scan(&whole.docs, &opts);
        let want = json(&whole.docs, &r, &whole);
        assert!(!r.findings.is_empty());

        let mut sketcher = Sketcher::new(&opts);
        let (streamed, origins) =
            crate::input::stream_jsonl_inputs(&roots, &walk, "text", "id", |docs| {
                sketcher.add(&docs.iter().map(|d| d.text.as_str()).collect::<Vec<_>>())
            })
            .unwrap();
        let sketches = sketcher.finish();
        let source = FileTexts {
            docs: &origins,
            walk: &walk,
            jsonl: Some(("text", "id")),
        };
        let got = scan_sketched(&sketches, &source, &opts, &NoProgress);
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        let shown = shown_documents(&got);
        let again: Vec<Document> = shown.iter().map(|&d| source.document(d).unwrap()).collect();
        let mut docs = origins.documents();
        for (&d, doc) in shown.iter().zip(again) {
            docs[d as usize] = doc;
        }
        assert_eq!(json(&docs, &got, &streamed), want);

        // A record changed in place is an error naming the file and line.
        let d = got.findings[0].a;
        let edited: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if i == d as usize {
                    // In the text (the id, a temporary path, may hold a w).
                    l.replacen("\"text\":\"w", "\"text\":\"v", 1)
                } else {
                    l.clone()
                }
            })
            .collect();
        std::fs::write(&file, edited.join("\n")).unwrap();
        let e = source.document(d).unwrap_err().to_string();
        assert!(
            e.contains("all.jsonl")
                && e.contains(&format!("line {}", d + 1))
                && e.contains("changed"),
            "{e}"
        );
    }

    #[test]
    fn own_threads_run_the_work_and_are_as_many() {
        let here = rayon::current_num_threads();
        let (n, inside, sum) = on_own_threads(|| {
            let sum: u64 = (1..=1000u64).into_par_iter().sum();
            (
                rayon::current_num_threads(),
                rayon::current_thread_index(),
                sum,
            )
        });
        assert_eq!(n, here);
        // Run on a pool thread (the test's own thread is none).
        assert!(inside.is_some());
        assert_eq!(sum, 500_500);
        // And again: the first pool's threads have ended, not leaked.
        assert_eq!(on_own_threads(|| 7), 7);
    }

    #[test]
    fn thread_count_does_not_change_the_report() {
        // Copies of one article (whole in six documents, its first half in
        // six more), a footer every third document carries, and unrelated
        // text.
        let base = words(500, 5);
        let footer = words(60, 6);
        let docs: Vec<Document> = (0..40)
            .map(|i| {
                let mut t = match i % 7 {
                    0 => format!("{} {}", words(100, i), &base[..base.len() / 2]),
                    3 => base.clone(),
                    _ => words(200, 100 + i),
                };
                if i % 3 == 0 {
                    t = format!("{t} {footer}");
                }
                doc(&format!("{i:03}"), t)
            })
            .collect();
        // The footer (14 documents) is chrome, the article (12) is not.
        let opts = ScanOptions {
            df_threshold: Some(13),
            ..ScanOptions::default()
        };
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let r = pool.install(|| scan(&docs, &opts));
            let report = crate::report::Report::new(&docs, &r, &r.errors, &[]);
            let mut json = Vec::new();
            crate::report::json::write(&report, &mut json).unwrap();
            (r, json)
        };
        let (r, one) = run(1);
        // Something to be deterministic about: both kinds of finding, a
        // cluster, a shared passage.
        let kinds: std::collections::BTreeSet<Kind> = r.findings.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [Kind::NearDuplicate, Kind::Partial].into_iter().collect(),
            "{:?}",
            r.findings.iter().map(|f| (f.a, f.b)).collect::<Vec<_>>()
        );
        assert!(!r.clusters.is_empty());
        assert!(!r.passages.is_empty());
        for threads in [2, 4] {
            let (_, other) = run(threads);
            assert!(other == one, "{threads} threads: another report");
        }
    }
}
