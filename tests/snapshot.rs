//! The text report of the example corpus, kept as a snapshot. Review a
//! change with `cargo insta review`, or accept it with
//! `INSTA_UPDATE=always cargo test --test snapshot`.

mod common;

use common::{code, neardup, CORPUS};

#[test]
fn text_report_of_the_example_corpus() {
    let out = neardup()
        .args(["scan", CORPUS, "--color", "never"])
        .output()
        .expect("running neardup");
    assert_eq!(code(&out), 1, "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("the text report is UTF-8");
    assert!(!text.contains('\x1b'), "colour with --color never");
    insta::assert_snapshot!(text);
}
