//! Replays the fuzz regression corpus (`tests/fuzz_regressions/<target>/`) through the same
//! entry points the cargo-fuzz targets in `fuzz/` use: every input must be handled without
//! a panic. Inputs that once crashed a target are added here when fixed.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} panicked", f.display());
    }
    files.len()
}

#[test]
fn delimited_corpus_inputs() {
    assert!(replay("corpus_delimited", textclf::fuzzing::corpus_delimited) > 0);
}

#[test]
fn jsonl_corpus_inputs() {
    assert!(replay("corpus_jsonl", textclf::fuzzing::corpus_jsonl) > 0);
}

#[test]
fn model_file_inputs() {
    assert!(replay("model_file", textclf::fuzzing::model_file) > 0);
}
