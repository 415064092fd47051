//! Stage benchmarks on a generated corpus (2,000 documents of ~400 words):
//! `cargo bench --bench stages`. Throughput is printed per stage in bytes
//! (or items) per second; see BENCHMARKS.md for numbers and the machine.
//!
//! The `long_*` cases use 40 documents of ~300 KB (~40,000 words) that all
//! end with one 300-word footer and carry the planted repeats (whole, near,
//! partial copies...) of a generated corpus (issue 7).

use divan::counter::{BytesCount, ItemsCount};
use divan::Bencher;
use neardup::align::{align, AlignParams, Prepared};
use neardup::boilerplate::Chrome;
use neardup::normalize::{tokenize, Token};
use neardup::sketch::{self, Scratch};
use neardup::{postings, scan, Document, ScanOptions};
use neardup_eval::GenConfig;
use std::sync::LazyLock;

fn main() {
    divan::main();
}

static DOCS: LazyLock<Vec<Document>> = LazyLock::new(|| {
    neardup_eval::generate(&GenConfig {
        docs: 2000,
        seed: 5,
        ..GenConfig::default()
    })
    .documents()
});

/// 40 documents of ~300 KB (lengths 0.5x-1.5x), one 300-word footer in each.
static LONG: LazyLock<Vec<Document>> = LazyLock::new(|| {
    neardup_eval::generate(&GenConfig {
        docs: 40,
        words: 40_000,
        seed: 5,
        footer_words: 300,
        ..GenConfig::default()
    })
    .documents()
});

fn long_bytes() -> BytesCount {
    BytesCount::new(LONG.iter().map(|d| d.text.len()).sum::<usize>())
}

fn bytes() -> BytesCount {
    BytesCount::new(DOCS.iter().map(|d| d.text.len()).sum::<usize>())
}

#[divan::bench]
fn normalize(b: Bencher) {
    let mut toks = Vec::new();
    b.counter(bytes()).bench_local(|| {
        for d in DOCS.iter() {
            tokenize(&d.text, &mut toks);
            divan::black_box(&toks);
        }
    });
}

#[divan::bench]
fn shingle(b: Bencher) {
    let tokens: Vec<Vec<Token>> = DOCS
        .iter()
        .map(|d| {
            let mut t = Vec::new();
            tokenize(&d.text, &mut t);
            t
        })
        .collect();
    let mut out = Vec::new();
    b.counter(bytes()).bench_local(|| {
        for t in &tokens {
            neardup::shingle::shingles(t, 5, &mut out);
            divan::black_box(&out);
        }
    });
}

#[divan::bench]
fn sketch(b: Bencher) {
    let p = ScanOptions::default().sketch_params();
    let mut s = Scratch::default();
    b.counter(bytes()).bench_local(|| {
        for d in DOCS.iter() {
            divan::black_box(sketch::sketch(&d.text, &p, &mut s));
        }
    });
}

#[divan::bench]
fn candidates(b: Bencher) {
    let opts = ScanOptions::default();
    let texts: Vec<&str> = DOCS.iter().map(|d| d.text.as_str()).collect();
    let sk = neardup::scan::sketch_all(&texts, &opts);
    b.counter(ItemsCount::new(DOCS.len())).bench_local(|| {
        let fps = postings::build(sk.iter().map(|s| s.fingerprints()), 0);
        let chrome = Chrome::detect(
            &[],
            &fps,
            sk.iter().flat_map(|s| s.repeated().iter().copied()),
            &[],
            20,
        );
        divan::black_box(neardup::candidates::candidates(
            &[],
            &fps,
            |r| chrome.contains(r.hash),
            |_| true,
            2,
        ))
    });
}

#[divan::bench]
fn align_pair(b: Bencher) {
    // A document and a copy of its second half inside other text.
    let a = &DOCS[0].text;
    let half = &a[a.len() / 2..];
    let bt = format!("{}\n{}\n{}", DOCS[1].text, half, DOCS[2].text);
    let p = AlignParams::default();
    let chrome = Chrome::default();
    b.counter(BytesCount::new(a.len() + bt.len()))
        .bench_local(|| {
            let pa = Prepared::new(a, p.k, p.window);
            let pb = Prepared::new(&bt, p.k, p.window);
            divan::black_box(align(a, &pa, &bt, &pb, &chrome, &p))
        });
}

#[divan::bench(sample_count = 10)]
fn end_to_end(b: Bencher) {
    let opts = ScanOptions::default();
    b.counter(ItemsCount::new(DOCS.len()))
        .bench(|| divan::black_box(scan(&DOCS, &opts)));
}

/// Tokenizing, shingling, winnowing and sorting each long document once, as
/// the verify stage does for every document in a candidate pair.
#[divan::bench(sample_count = 10)]
fn long_prepare(b: Bencher) {
    let p = AlignParams::default();
    b.counter(long_bytes())
        .counter(ItemsCount::new(LONG.len()))
        .bench(|| {
            for d in LONG.iter() {
                divan::black_box(Prepared::new(&d.text, p.k, p.window));
            }
        });
}

/// The sketch stage on the long documents.
#[divan::bench(sample_count = 10)]
fn long_sketch(b: Bencher) {
    let p = ScanOptions::default().sketch_params();
    let mut s = Scratch::default();
    b.counter(long_bytes())
        .counter(ItemsCount::new(LONG.len()))
        .bench_local(|| {
            for d in LONG.iter() {
                divan::black_box(sketch::sketch(&d.text, &p, &mut s));
            }
        });
}

/// The whole scan of the long documents sharing a footer.
#[divan::bench(sample_count = 10)]
fn long_end_to_end(b: Bencher) {
    let opts = ScanOptions::default();
    b.counter(long_bytes())
        .counter(ItemsCount::new(LONG.len()))
        .bench(|| divan::black_box(scan(&LONG, &opts)));
}
