//! User-facing conventions: `--verbose`, `NO_COLOR`, and the training record that `inspect`
//! shows (the `<label>.train.json` sidecar).

mod common;

use assert_cmd::Command;
use std::path::Path;
use tempfile::TempDir;

fn textclf() -> Command {
    let mut c = Command::cargo_bin("textclf").unwrap();
    // The tests set colour explicitly; the caller's environment must not leak in.
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

fn train(dir: &Path, extra: &[&str]) -> std::process::Output {
    textclf()
        .args([
            "train",
            "--text-col",
            "title,text",
            "--label",
            "topic",
            "--data",
        ])
        .arg(common::sample_corpus())
        .arg("--model-dir")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// `textclf inspect --format json MODEL`, parsed.
fn inspect_json(model: &std::path::Path) -> serde_json::Value {
    let out = textclf()
        .args(["inspect", "--format", "json"])
        .arg(model)
        .output()
        .unwrap();
    serde_json::from_str(&ok(&out)).unwrap()
}

fn has_ansi(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\x1b[")
}

#[test]
fn verbose_reports_each_stage_on_stderr_and_conflicts_with_quiet() {
    let dir = TempDir::new().unwrap();
    let quiet_run = train(dir.path(), &[]);
    ok(&quiet_run);
    assert!(
        quiet_run.stderr.is_empty(),
        "without --verbose stderr stays empty: {}",
        String::from_utf8_lossy(&quiet_run.stderr)
    );

    let out = train(dir.path(), &["--verbose", "--classifier", "svm"]);
    let stdout = ok(&out);
    let err = String::from_utf8(out.stderr).unwrap();
    for needle in [
        "reading ",
        "read 324 documents from ",
        "task 'topic': 324 labelled documents (0 without a label left out)",
        "vocabulary: ",
        "terms kept (min_df",
        "svm 'health': ",
        "outer iterations (cap 1000), converged",
        "saved ",
        "training record written to ",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    // The summary on stdout is unchanged by --verbose.
    assert!(stdout.contains("saved 1 model(s)"), "{stdout}");

    let out = train(dir.path(), &["--verbose", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));

    // Skipped records are named, with the reason, under --verbose.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "text,topic\nalpha beta gamma,a\nragged,row,extra\nalpha beta,a\ngamma delta,b\nbeta delta,b\n",
    )
    .unwrap();
    let out = textclf()
        .args([
            "train",
            "--verbose",
            "--skip-bad",
            "--label",
            "topic",
            "--min-df",
            "1",
            "--data",
        ])
        .arg(&bad)
        .arg("--model-dir")
        .arg(dir.path().join("m2"))
        .output()
        .unwrap();
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("1 bad records skipped (--skip-bad)"), "{err}");
    assert!(err.contains("  skipped: "), "{err}");
    assert!(err.contains("bad.csv:3: row has 3 fields"), "{err}");
}

#[test]
fn no_color_keeps_ansi_escapes_out_of_every_stream() {
    let dir = TempDir::new().unwrap();
    ok(&train(dir.path(), &["--quiet"]));
    let model = dir.path().join("topic.model");
    // Each case once with colour forced on (proving the check can fail) and once with
    // NO_COLOR, which must win.
    let cases: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["--help".into()],
        vec!["train".into(), "--help".into()],
        vec!["inspect".into(), "--bogus".into()],
        vec!["inspect".into(), dir.path().join("missing.model").into()],
        vec![
            "predict".into(),
            "--model-dir".into(),
            dir.path().into(),
            "--verbose".into(),
            "datasets/example_article.txt".into(),
        ],
        vec!["inspect".into(), model.clone().into()],
        vec![
            "eval".into(),
            "--data".into(),
            common::sample_corpus().into(),
            "--text-col".into(),
            "title,text".into(),
            "--label".into(),
            "stance".into(),
            "--folds".into(),
            "3".into(),
            "--classifier".into(),
            "cnb".into(),
        ],
    ];
    let mut forced_any = false;
    for args in &cases {
        let forced = textclf()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("CLICOLOR_FORCE", "1")
            .args(args)
            .output()
            .unwrap();
        forced_any |= has_ansi(&forced.stdout) || has_ansi(&forced.stderr);
        let plain = textclf()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", "1")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(forced.status.code(), plain.status.code(), "{args:?}");
        assert!(
            !has_ansi(&plain.stdout) && !has_ansi(&plain.stderr),
            "ANSI escapes with NO_COLOR for {args:?}:\n{}\n{}",
            String::from_utf8_lossy(&plain.stdout),
            String::from_utf8_lossy(&plain.stderr)
        );
    }
    assert!(
        forced_any,
        "CLICOLOR_FORCE produced no colour at all: the test proves nothing"
    );
    // The same without any variable: not a terminal, so no colour either.
    let out = textclf().args(["inspect"]).arg(&model).output().unwrap();
    assert!(!has_ansi(&out.stdout) && !has_ansi(&out.stderr));
}

#[test]
fn inspect_shows_when_and_how_long_training_took() {
    let dir = TempDir::new().unwrap();
    ok(&train(dir.path(), &["--quiet"]));
    let model = dir.path().join("topic.model");
    let side = dir.path().join("topic.train.json");
    let rec: serde_json::Value = serde_json::from_slice(&std::fs::read(&side).unwrap()).unwrap();
    let at = rec["trained_at"].as_str().unwrap();
    // RFC 3339, UTC, to the second: 2026-11-28T00:40:00Z
    assert_eq!(at.len(), 20, "{at}");
    assert!(at.ends_with('Z') && at.as_bytes()[10] == b'T', "{at}");
    assert!(rec["threads"].as_u64().unwrap() >= 1);
    assert_eq!(rec["model_file"], "topic.model");
    assert!(rec["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "--quiet"));
    for stage in ["read", "vectorize", "fit", "save", "total"] {
        assert!(rec["seconds"][stage].as_f64().unwrap() >= 0.0, "{stage}");
    }

    let v = inspect_json(&model);
    assert_eq!(v["training"]["recorded"], true);
    assert_eq!(v["training"]["trained_at"], at);
    assert_eq!(v["training"]["seconds"], rec["seconds"]);
    let text = ok(&textclf().arg("inspect").arg(&model).output().unwrap());
    assert!(text.contains(&format!("training: {at} with ")), "{text}");

    // A model copied away from its record: not recorded, in both formats.
    let lone = dir.path().join("lone.model");
    std::fs::copy(&model, &lone).unwrap();
    let v = inspect_json(&lone);
    assert_eq!(v["training"]["recorded"], false);
    let text = ok(&textclf().arg("inspect").arg(&lone).output().unwrap());
    assert!(text.contains("training: not recorded"), "{text}");

    // A record left beside a different model is recognised as stale, not shown as its history.
    let other = TempDir::new().unwrap();
    ok(&train(other.path(), &["--quiet", "--classifier", "cnb"]));
    std::fs::copy(other.path().join("topic.model"), &model).unwrap();
    let v = inspect_json(&model);
    assert_eq!(v["training"]["recorded"], false);
    assert!(v["training"]["stale_record"]
        .as_str()
        .unwrap()
        .ends_with("topic.train.json"));
    let text = ok(&textclf().arg("inspect").arg(&model).output().unwrap());
    assert!(text.contains("belongs to a different model file"), "{text}");

    // A damaged record does not hide the model (inspect failed on it).
    std::fs::write(&side, b"{ not json").unwrap();
    let v = inspect_json(&model);
    assert_eq!(v["training"]["recorded"], false);
    assert_eq!(v["task"], "topic");
    let text = ok(&textclf().arg("inspect").arg(&model).output().unwrap());
    let want = format!(
        "training: not recorded ({}: not a textclf training record: ",
        side.display()
    );
    assert!(text.contains(&want), "{text}");
}

#[test]
fn training_record_stays_out_of_the_model_file() {
    // Two runs at different moments (and one verbose) still write identical model bytes.
    let (a, b) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    ok(&train(a.path(), &["--quiet"]));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(&train(b.path(), &["--verbose"]));
    let ra = std::fs::read_to_string(a.path().join("topic.train.json")).unwrap();
    let rb = std::fs::read_to_string(b.path().join("topic.train.json")).unwrap();
    assert_ne!(ra, rb, "the records differ (command line, time)");
    let fa = std::fs::read(a.path().join("topic.model")).unwrap();
    let fb = std::fs::read(b.path().join("topic.model")).unwrap();
    assert!(fa == fb, "model files differ between runs");
}

/// `textclf inspect ... | head -1`: a reader that closes the pipe early ends the output
/// quietly (exit 0), as for any Unix filter, never with a panic. The outputs are made
/// larger than a pipe's buffer, so the process is still writing when the pipe closes.
#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let dir = TempDir::new().unwrap();
    // Two classes over 4,000 distinct words: a model with thousands of terms to list.
    let corpus = dir.path().join("words.csv");
    let mut csv = String::from("text,topic\n");
    for d in 0..400 {
        let words: Vec<String> = (0..40)
            .map(|k| format!("w{}", (d * 37 + k * 101) % 4000))
            .collect();
        csv.push_str(&format!(
            "{},{}\n",
            words.join(" "),
            if d % 2 == 0 { "a" } else { "b" }
        ));
    }
    std::fs::write(&corpus, &csv).unwrap();
    ok(&textclf()
        .args(["train", "--label", "topic", "--data"])
        .arg(&corpus)
        .arg("--model-dir")
        .arg(dir.path())
        .output()
        .unwrap());
    let model = dir.path().join("topic.model");
    let batch = dir.path().join("batch.jsonl");
    let mut f = std::fs::File::create(&batch).unwrap();
    for i in 0..20_000 {
        writeln!(
            f,
            "{{\"id\": {i}, \"text\": \"w{} w{}\"}}",
            i % 4000,
            (i * 7) % 4000
        )
        .unwrap();
    }
    drop(f);
    let runs: [Vec<&std::ffi::OsStr>; 3] = [
        vec![
            "inspect".as_ref(),
            "--top".as_ref(),
            "3000".as_ref(),
            model.as_os_str(),
        ],
        vec![
            "inspect".as_ref(),
            "--top".as_ref(),
            "3000".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            model.as_os_str(),
        ],
        vec![
            "predict".as_ref(),
            "--model-dir".as_ref(),
            dir.path().as_os_str(),
            "--input".as_ref(),
            batch.as_os_str(),
        ],
    ];
    for args in runs {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("textclf"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close our end while the process is still writing.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 1];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(status.success(), "{args:?}: {status:?} {stderr}");
    }
}
