//! See `jsonl` in tests/fuzz_invariants/mod.rs for what is checked.
#![no_main]

#[path = "../../tests/fuzz_invariants/mod.rs"]
mod invariants;

libfuzzer_sys::fuzz_target!(|data: &[u8]| invariants::jsonl(data));
