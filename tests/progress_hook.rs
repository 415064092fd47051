//! The engine's progress hook: a counting receiver sees every document
//! sketched and every candidate pair verified, and the result is the same
//! as without it.

use neardup::observe::{stages, Progress};
use neardup::{scan, Document, ScanOptions};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[derive(Default)]
struct Counting {
    stages: Mutex<Vec<(String, u64)>>,
    done: Mutex<Vec<u64>>,
    current: AtomicU64,
}

impl Progress for Counting {
    fn stage(&self, name: &str, total: u64) {
        let mut done = self.done.lock().unwrap();
        if !self.stages.lock().unwrap().is_empty() {
            done.push(self.current.swap(0, Ordering::SeqCst));
        }
        self.stages.lock().unwrap().push((name.to_string(), total));
    }
    fn inc(&self, n: u64) {
        self.current.fetch_add(n, Ordering::SeqCst);
    }
}

fn corpus() -> Vec<Document> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/corpus");
    let inputs = neardup::input::read_inputs(&[dir], &Default::default()).unwrap();
    assert!(inputs.docs.len() > 10);
    inputs.docs
}

#[test]
fn counts_equal_documents_then_candidates() {
    let docs = corpus();
    let opts = ScanOptions::default();
    let p = Counting::default();
    let with = neardup::scan::scan_with_progress(&docs, &opts, &p);
    let mut done = p.done.lock().unwrap().clone();
    done.push(p.current.load(Ordering::SeqCst));
    let stages = p.stages.lock().unwrap().clone();
    assert_eq!(
        stages,
        vec![
            (stages::SKETCHING.to_string(), docs.len() as u64),
            (stages::VERIFYING.to_string(), with.stats.verified as u64),
        ]
    );
    assert!(with.stats.verified > 0, "the example corpus has candidates");
    assert_eq!(done, vec![docs.len() as u64, with.stats.verified as u64]);
    let without = scan(&docs, &opts);
    assert_eq!(with.findings.len(), without.findings.len());
    assert_eq!(with.clusters, without.clusters);
}
