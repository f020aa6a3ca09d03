//! `predict --input` over a large JSON Lines stream, generated here: one output line per
//! input line, in order, an error line for a record that cannot be read, and a peak
//! resident memory that does not grow with the input.
//!
//! The stream is 1 GiB (`TEXTCLF_STREAM_MB` megabytes when set, e.g. 100 for a quick run).

use assert_cmd::cargo::CommandCargoExt;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;

/// Peak resident memory allowed to the scorer, whatever the stream size.
const MAX_RSS_MB: u64 = 200;
/// Every this many records, one line that is not JSON.
const BAD_EVERY: usize = 50_000;

fn textclf() -> Command {
    Command::cargo_bin("textclf").unwrap()
}

/// The `VmHWM` (peak resident set) of a running process, in kB.
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A small topic model in `dir/models`.
fn train(dir: &Path) {
    let data = dir.join("train.csv");
    let mut csv = String::from("text,topic\n");
    for i in 0..20 {
        csv.push_str(&format!("the team won match {i} with a late goal,sport\n"));
        csv.push_str(&format!(
            "the minister lost vote {i} in parliament,politics\n"
        ));
    }
    std::fs::write(&data, csv).unwrap();
    let status = textclf()
        .args(["train", "--quiet", "--classifier", "nb", "--label", "topic"])
        .arg("--data")
        .arg(&data)
        .arg("--model-dir")
        .arg(dir.join("models"))
        .status()
        .unwrap();
    assert!(status.success());
}

/// Writes about `mb` megabytes of JSON Lines; returns the number of lines. Line `i`
/// (0-based) has id `d{i}`, except every `BAD_EVERY`th, which is not JSON.
fn write_stream(path: &Path, mb: usize) -> usize {
    let words = [
        "team",
        "goal",
        "match",
        "minister",
        "vote",
        "parliament",
        "league",
        "budget",
    ];
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let (mut written, mut lines) = (0usize, 0usize);
    let mut text = String::new();
    while written < mb << 20 {
        let line = if lines % BAD_EVERY == BAD_EVERY - 1 {
            "{\"id\": \"broken\", \"text\": \n".to_string()
        } else {
            text.clear();
            // About 2 kB of text per record, its mix of words varying with the line.
            for k in 0..300 {
                text.push_str(words[(lines * 7 + k * (lines % 5 + 1)) % words.len()]);
                text.push(' ');
            }
            format!("{{\"id\": \"d{lines}\", \"text\": \"{text}\"}}\n")
        };
        out.write_all(line.as_bytes()).unwrap();
        written += line.len();
        lines += 1;
    }
    out.flush().unwrap();
    lines
}

#[test]
fn predict_streams_a_large_corpus_in_constant_memory_and_loses_no_record() {
    let mb: usize = std::env::var("TEXTCLF_STREAM_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    if !Path::new("/proc/self/status").exists() {
        eprintln!("SKIP: no /proc here to read the child's peak memory from");
        return;
    }
    let tmp = TempDir::new().unwrap();
    train(tmp.path());
    let input = tmp.path().join("stream.jsonl");
    let n_lines = write_stream(&input, mb);
    let output = tmp.path().join("out.jsonl");

    let mut child = textclf()
        .args(["predict", "--format", "jsonl", "--skip-bad"])
        .arg("--model-dir")
        .arg(tmp.path().join("models"))
        .arg("--input")
        .arg(&input)
        .stdout(File::create(&output).unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // VmHWM only grows, so the last reading before exit is (nearly) the peak.
    let mut peak_kb = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Some(kb) = peak_rss_kb(child.id()) {
            peak_kb = peak_kb.max(kb);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    assert!(status.success(), "predict failed: {status}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let n_bad = n_lines / BAD_EVERY;
    if n_bad > 0 {
        assert!(
            stderr.contains(&format!("{n_bad} record(s) could not be read")),
            "stderr does not count the bad records:\n{stderr}"
        );
    }

    let reader = BufReader::new(File::open(&output).unwrap());
    let mut count = 0usize;
    for (i, line) in reader.lines().enumerate() {
        let line = line.unwrap();
        let v: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("output line {} is not JSON ({e}): {line}", i + 1));
        if i % BAD_EVERY == BAD_EVERY - 1 {
            assert_eq!(v["id"], format!("line {}", i + 1), "{line}");
            assert!(v["error"].is_string(), "{line}");
        } else {
            assert_eq!(v["id"], format!("d{i}"), "{line}");
            let label = v["topic"]["label"].as_str().unwrap_or_default();
            assert!(label == "sport" || label == "politics", "{line}");
        }
        count += 1;
    }
    assert_eq!(count, n_lines, "one output line per input line");
    let peak_mb = peak_kb / 1024;
    eprintln!("{mb} MB, {n_lines} records: peak RSS of predict {peak_mb} MB");
    assert!(peak_kb > 0, "could not read the child's memory");
    assert!(
        peak_mb < MAX_RSS_MB,
        "predict peaked at {peak_mb} MB on a {mb} MB stream (limit {MAX_RSS_MB} MB)"
    );
}
