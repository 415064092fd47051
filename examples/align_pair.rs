//! Aligns two files with the default parameters (or `K=`, `MIN_WORDS=`,
//! `MAX_GAP=`, `MIN_SIM=` from the environment) and prints the alignment:
//! a debugging aid for span quality.
//!
//!   cargo run --release --example align_pair -- A.txt B.txt
use neardup::align::{align, AlignParams, Prepared};
use neardup::boilerplate::Chrome;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (a, b) = (
        std::fs::read_to_string(&args[1]).expect("read A"),
        std::fs::read_to_string(&args[2]).expect("read B"),
    );
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
    let mut p = AlignParams::default();
    if let Some(v) = env("K") {
        p.k = v as usize;
    }
    if let Some(v) = env("MIN_WORDS") {
        p.min_words = v as u32;
    }
    if let Some(v) = env("MAX_GAP") {
        p.max_gap = v as u32;
    }
    if let Some(v) = env("MIN_SIM") {
        p.min_similarity = v;
    }
    let (pa, pb) = (
        Prepared::new(&a, p.k, p.window),
        Prepared::new(&b, p.k, p.window),
    );
    let al = align(&a, &pa, &b, &pb, &Chrome::default(), &p);
    println!(
        "jaccard {:.4} containment {:?} coverage {:?}",
        al.jaccard, al.containment, al.coverage
    );
    let count = |t: &str| {
        let mut v = Vec::new();
        neardup::normalize::tokenize(t, &mut v);
        v.len()
    };
    for s in &al.spans {
        println!(
            "span words {} ({} | {}) sim {:.3} chrome {:.2} boilerplate {}\n  A {:?}: {:?}\n  B {:?}: {:?}",
            s.words,
            count(&a[s.a.start..s.a.end]),
            count(&b[s.b.start..s.b.end]),
            s.similarity,
            s.chrome,
            s.boilerplate,
            s.a,
            &a[s.a.start..s.a.end],
            s.b,
            &b[s.b.start..s.b.end]
        );
    }
    for m in &al.moved {
        println!("moved {} words A {:?} B {:?}", m.words, m.a, m.b);
    }
}
