//! Entry points shared by the cargo-fuzz targets (`fuzz/`) and the test that replays their
//! regression corpus (`tests/fuzz_regressions.rs`): each feeds arbitrary bytes to one reader
//! and must return, never panic.

use crate::bundle::{ModelBundle, FORMAT_VERSION, MAGIC};
use crate::corpus::{read_corpus, Format, ReadOptions};
use std::path::{Path, PathBuf};

/// A scratch file private to this process (the readers take paths).
fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let dir = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("textclf-fuzz-{}-{name}", std::process::id()));
    std::fs::write(&path, data).expect("scratch file is writable");
    path
}

fn read_as(format: Format, name: &str, data: &[u8]) {
    let path = scratch(name, data);
    for skip_bad in [false, true] {
        let opts = ReadOptions {
            format: Some(format),
            text_cols: vec!["text".into(), "title".into()],
            label_cols: vec!["label".into()],
            group_col: Some("group".into()),
            skip_bad,
            ..ReadOptions::default()
        };
        let _ = read_corpus(&path, &opts);
    }
    let _ = std::fs::remove_file(path);
}

/// CSV, or TSV when the first byte is odd.
pub fn corpus_delimited(data: &[u8]) {
    match data.split_first() {
        Some((b, rest)) if b % 2 == 1 => read_as(Format::Tsv, "in.tsv", rest),
        _ => read_as(Format::Csv, "in.csv", data),
    }
}

/// JSON Lines; input starting with the gzip magic bytes goes through the inflater too.
pub fn corpus_jsonl(data: &[u8]) {
    read_as(Format::Jsonl, "in.jsonl", data);
}

/// A model file as given, and the same bytes as a payload behind a valid header and
/// checksum, so the decoder itself is reached.
pub fn model_file(data: &[u8]) {
    let _ = ModelBundle::from_bytes(data, Path::new("fuzz.model"));
    let mut framed = Vec::with_capacity(data.len() + 25);
    framed.extend_from_slice(MAGIC);
    framed.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    framed.extend_from_slice(&(data.len() as u64).to_le_bytes());
    framed.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    framed.extend_from_slice(data);
    let _ = ModelBundle::from_bytes(&framed, Path::new("fuzz.model"));
}
