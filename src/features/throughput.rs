//! Throughput and peak memory of `fit_transform` on the whole AllSides corpus.
//!
//! Ignored by default (it reads 220 MB); run with
//! `cargo test --release --lib features::throughput -- --ignored --nocapture`.
//! Skips with a message when `../shared/datasets` is absent.
use super::{TfidfParams, TfidfVectorizer};
use crate::text::{Analyzer, AnalyzerConfig};
use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

/// Reads title + "\n" + content_original of every AllSides article, or `None` if absent.
pub(crate) fn allsides_texts() -> Option<Vec<String>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/allsides/articles.jsonl.gz");
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("skipping: cannot open {}: {e}", path.display());
            return None;
        }
    };
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut texts = Vec::new();
    for line in reader.lines() {
        let line = line.ok()?;
        let v: serde_json::Value = serde_json::from_str(&line).ok()?;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        texts.push(format!("{}\n{}", field("title"), field("content_original")));
    }
    Some(texts)
}

fn status_kib(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of this process (all threads), from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|x| x.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / 100.0
}

#[test]
#[ignore = "reads the 220 MB AllSides corpus; run explicitly for throughput figures"]
fn allsides_fit_transform_throughput() {
    let Some(texts) = allsides_texts() else {
        return;
    };
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let bytes: usize = refs.iter().map(|t| t.len()).sum();
    let mb = bytes as f64 / 1e6;
    println!(
        "{} documents, {mb:.1} MB, {} rayon threads",
        refs.len(),
        rayon::current_num_threads()
    );
    let cases = [
        ("unigram", "none", "none", (1, 1)),
        ("unigram+english stop+stem", "english", "english", (1, 1)),
        ("unigram+english stem", "none", "english", (1, 1)),
        ("uni+bigram", "none", "none", (1, 2)),
    ];
    // TEXTCLF_CASES=unigram,uni+bigram selects cases by name (all by default).
    let only = std::env::var("TEXTCLF_CASES").ok();
    for (name, stop, stem, ngram) in cases {
        if only
            .as_ref()
            .is_some_and(|o| !o.split(',').any(|c| c == name))
        {
            continue;
        }
        let config = AnalyzerConfig::from_specs(true, None, stop, stem, ngram).unwrap();
        // Reset the peak-RSS counter so each case reports its own peak.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = status_kib("VmRSS:").unwrap_or(0);
        let cpu0 = cpu_seconds();
        let t = Instant::now();
        let (v, m) = TfidfVectorizer::fit_transform(
            Analyzer::new(config).unwrap(),
            &TfidfParams::default(),
            &refs,
        )
        .unwrap();
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        let peak = status_kib("VmHWM:").unwrap_or(0);
        println!(
            "{name:28} {secs:6.2} s wall {:7.1} MB/s | {cpu:6.2} s CPU {:7.1} MB/s per CPU-second \
             | {} features  nnz {}  peak +{} MiB over text",
            mb / secs,
            mb / cpu,
            v.n_features(),
            m.0.nnz(),
            peak.saturating_sub(before) / 1024
        );
        drop((v, m));
    }
}
