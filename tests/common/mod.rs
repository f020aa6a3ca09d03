//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/datasets/<sub>` beside the project, or `None` after printing why the test skips.
pub fn shared_dataset(sub: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/datasets")
        .join(sub);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "SKIP: {} is absent (the real corpora live in ../shared/datasets)",
            path.display()
        );
        None
    }
}

/// The bundled sample corpus.
pub fn sample_corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets/sample_news.csv")
}

/// The eval JSON without its wall-clock timings, which are the only figures allowed to vary.
pub fn without_timings(mut v: serde_json::Value) -> serde_json::Value {
    match &mut v {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| !k.contains("timings") && !k.ends_with("_s"));
            for x in map.values_mut() {
                *x = without_timings(x.take());
            }
        }
        serde_json::Value::Array(items) => {
            for x in items.iter_mut() {
                *x = without_timings(x.take());
            }
        }
        _ => {}
    }
    v
}

/// Asserts that a run of the binary succeeded, showing its stderr when it did not.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
