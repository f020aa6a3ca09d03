//! The binary end to end on the bundled sample corpus and on small generated fixtures.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;
use tempfile::TempDir;

fn textclf() -> Command {
    Command::cargo_bin("textclf").unwrap()
}

/// Trains topic and stance on the sample corpus into `dir`.
fn train_sample(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    textclf()
        .args([
            "train",
            "--text-col",
            "title,text",
            "--label",
            "topic",
            "--label",
            "stance",
            "--data",
        ])
        .arg(common::sample_corpus())
        .arg("--model-dir")
        .arg(dir)
        .args(extra)
        .assert()
}

fn example(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets")
        .join(name)
}

#[test]
fn quick_start_trains_both_tasks_and_scores_the_example() {
    let dir = TempDir::new().unwrap();
    train_sample(dir.path(), &[])
        .success()
        .stdout(predicate::str::contains("read 324 documents"))
        .stdout(predicate::str::contains(
            "task 'topic': 324 documents, 6 classes",
        ))
        .stdout(predicate::str::contains(
            "task 'stance': 324 documents, 3 classes",
        ));
    assert!(dir.path().join("topic.model").is_file());
    assert!(dir.path().join("stance.model").is_file());

    textclf()
        .arg("predict")
        .arg("--model-dir")
        .arg(dir.path())
        .arg(example("example_article.txt"))
        .assert()
        .success()
        .stdout(predicate::str::contains("topic: health"))
        .stdout(predicate::str::contains("stance: supportive"));
}

#[test]
fn predict_batch_formats() {
    let dir = TempDir::new().unwrap();
    train_sample(dir.path(), &["--quiet"]).success();
    let out = textclf()
        .args([
            "predict",
            "--format",
            "jsonl",
            "--top-k",
            "2",
            "--model-dir",
        ])
        .arg(dir.path())
        .arg("--input")
        .arg(example("example_batch.jsonl"))
        .output()
        .unwrap();
    common::assert_success(&out);
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    for (i, v) in lines.iter().enumerate() {
        assert_eq!(v["id"], format!("b{}", i + 1));
        for task in ["topic", "stance"] {
            let p = v[task]["probability"].as_f64().unwrap();
            assert!(p > 0.0 && p <= 1.0, "{v}");
            assert_eq!(v[task]["top"].as_array().unwrap().len(), 2);
            assert_eq!(v[task]["top"][0]["label"], v[task]["label"]);
        }
    }

    let out = textclf()
        .args([
            "predict",
            "--format",
            "csv",
            "--task",
            "topic",
            "--model-dir",
        ])
        .arg(dir.path())
        .arg("--input")
        .arg(example("example_batch.jsonl"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rows = text.lines();
    assert_eq!(rows.next(), Some("id,topic,topic_probability,error"));
    assert_eq!(rows.count(), 6);

    let out = textclf()
        .args(["predict", "--format", "json", "--model-dir"])
        .arg(dir.path())
        .arg("-")
        .write_stdin("The striker scored twice as the team won the league final.")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["topic"]["label"], "sport");
}

#[test]
fn same_seed_same_model_file_at_any_thread_count() {
    let (a, b) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        textclf()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "train",
                "--quiet",
                "--text-col",
                "title,text",
                "--label",
                "topic",
                "--data",
            ])
            .arg(common::sample_corpus())
            .arg("--model-dir")
            .arg(dir.path())
            .assert()
            .success();
    }
    let fa = std::fs::read(a.path().join("topic.model")).unwrap();
    let fb = std::fs::read(b.path().join("topic.model")).unwrap();
    assert!(fa == fb, "model files differ between 1 and 2 threads");
}

#[test]
fn damaged_model_files_are_refused_with_clear_errors() {
    let dir = TempDir::new().unwrap();
    train_sample(dir.path(), &["--quiet", "--classifier", "cnb"]).success();
    let path = dir.path().join("topic.model");
    let good = std::fs::read(&path).unwrap();
    std::fs::remove_file(dir.path().join("stance.model")).unwrap();

    let cases: Vec<(Vec<u8>, &str)> = vec![
        (good[..good.len() / 2].to_vec(), "truncated model file"),
        (
            {
                let mut b = good.clone();
                let i = b.len() - 10;
                b[i] ^= 0x40;
                b
            },
            "checksum mismatch",
        ),
        (b"id,text\n1,hello\n".to_vec(), "not a textclf model file"),
        (
            {
                let mut b = good.clone();
                b[9] = 99;
                b
            },
            "newer textclf",
        ),
    ];
    for (bytes, expected) in cases {
        std::fs::write(&path, &bytes).unwrap();
        textclf()
            .arg("predict")
            .arg("--model-dir")
            .arg(dir.path())
            .arg(example("example_article.txt"))
            .assert()
            .code(4)
            .stderr(predicate::str::contains(expected))
            .stderr(predicate::str::contains("topic.model"));
    }
}

#[test]
fn bad_corpora_give_clear_errors_and_exit_codes() {
    let dir = TempDir::new().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let train = |data: &Path, extra: &[&str]| {
        textclf()
            .arg("train")
            .arg("--data")
            .arg(data)
            .arg("--model-dir")
            .arg(dir.path().join("m"))
            .args(["--classifier", "nb"])
            .args(extra)
            .assert()
    };

    // A ragged row: error names file and line; --skip-bad skips and counts it.
    let ragged = write("ragged.csv", b"text,label\nthe cat sat,a\nthe dog ran,b\nbroken row,b,extra\nthe cow ate,a\nthe pig slept,b\n");
    train(&ragged, &[])
        .code(3)
        .stderr(predicate::str::contains("ragged.csv:4"));
    train(&ragged, &["--skip-bad"])
        .success()
        .stdout(predicate::str::contains("1 bad records skipped"));

    // Latin-1 text is decoded, not fatal.
    let latin1 = write(
        "latin1.csv",
        b"text,label\ncaf\xe9 au lait,a\nthe dog ran,b\nna\xefve cat,a\nthe pig slept,b\n",
    );
    train(&latin1, &["--min-df", "1"])
        .success()
        .stdout(predicate::str::contains("decoded as Latin-1"));

    // An empty corpus, a header only, one class, a missing column.
    let header_only = write("header.csv", b"text,label\n");
    train(&header_only, &[])
        .code(3)
        .stderr(predicate::str::contains("no documents"));
    let empty = write("empty.csv", b"");
    train(&empty, &[])
        .code(3)
        .stderr(predicate::str::contains("empty.csv"));
    let one_class = write("one.csv", b"text,label\nthe cat,a\nthe dog,a\n");
    train(&one_class, &[])
        .code(3)
        .stderr(predicate::str::contains("at least two classes"));
    let no_label = write("nolabel.csv", b"text,topic\nthe cat,a\nthe dog,b\n");
    train(&no_label, &[])
        .code(3)
        .stderr(predicate::str::contains("label"))
        .stderr(predicate::str::contains("topic"));

    // A missing model directory.
    textclf()
        .args(["predict", "--model-dir"])
        .arg(dir.path().join("nowhere"))
        .arg(example("example_article.txt"))
        .assert()
        .code(4)
        .stderr(predicate::str::contains("nowhere"));
}

#[test]
fn help_shows_examples_and_version_works() {
    for cmd in ["train", "predict", "eval", "inspect"] {
        textclf()
            .args([cmd, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
    textclf()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn predict_gives_every_input_record_a_line_even_a_bad_one() {
    let dir = TempDir::new().unwrap();
    train_sample(dir.path(), &["--quiet", "--label", "topic"]).success();
    let input = dir.path().join("batch.jsonl");
    std::fs::write(&input, "{\"id\": \"a\", \"text\": \"The goalkeeper saved a penalty in the cup final.\"}\n[1, 2]\n{\"id\": \"c\", \"text\": \"Hospital waiting lists fell after the new clinic opened.\"}\n").unwrap();
    let out = textclf()
        .args([
            "predict",
            "--format",
            "jsonl",
            "--task",
            "topic",
            "--model-dir",
        ])
        .arg(dir.path())
        .arg("--input")
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["topic"]["label"], "sport");
    assert!(
        lines[1]["error"].as_str().unwrap().contains("object"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["id"], "c");
    assert_eq!(lines[2]["topic"]["label"], "health");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 record(s)"));

    // Under --skip-bad the same run succeeds, still with three lines.
    textclf()
        .args([
            "predict",
            "--format",
            "jsonl",
            "--skip-bad",
            "--task",
            "topic",
            "--model-dir",
        ])
        .arg(dir.path())
        .arg("--input")
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::function(|s: &str| s.lines().count() == 3));
}

#[test]
fn eval_reports_side_by_side_and_reproducibly() {
    let dir = TempDir::new().unwrap();
    let run = |threads: &str, name: &str| {
        let json = dir.path().join(format!("{name}.json"));
        let out = textclf()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "eval",
                "--text-col",
                "title,text",
                "--label",
                "topic",
                "--label",
                "stance",
                "--folds",
                "4",
            ])
            .args(["--classifier", "svm,cnb", "--data"])
            .arg(common::sample_corpus())
            .arg("--json")
            .arg(&json)
            .arg("--markdown")
            .arg(dir.path().join(format!("{name}.md")))
            .arg("--html")
            .arg(dir.path().join(format!("{name}.html")))
            .output()
            .unwrap();
        common::assert_success(&out);
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
        (String::from_utf8(out.stdout).unwrap(), v)
    };
    let (terminal, one) = run("1", "one");
    let (_, two) = run("2", "two");
    assert_eq!(
        common::without_timings(one.clone()),
        common::without_timings(two),
        "eval differs between 1 and 2 threads"
    );

    assert!(terminal.contains("Leaderboard"), "{terminal}");
    let runs = one["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4, "two tasks × two classifiers");
    for r in runs {
        assert_eq!(r["folds"].as_array().unwrap().len(), 4);
        let n: u64 = r["folds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["n_test"].as_u64().unwrap())
            .sum();
        assert_eq!(n, 324, "every document is tested exactly once");
        assert!(
            r["summary"]["accuracy"]["mean"].as_f64().unwrap() > 0.7,
            "{}",
            r["summary"]
        );
    }
    let md = std::fs::read_to_string(dir.path().join("one.md")).unwrap();
    assert!(md.contains("| svm") || md.contains("|svm"), "{md}");
    let html = std::fs::read_to_string(dir.path().join("one.html")).unwrap();
    assert!(html.contains("<svg"), "charts are inline SVG");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<script"),
        "no external assets"
    );

    // Train → test mode: one "fold", tested on the given file.
    textclf()
        .args([
            "eval",
            "--quiet",
            "--text-col",
            "title,text",
            "--label",
            "topic",
            "--classifier",
            "cnb",
            "--data",
        ])
        .arg(common::sample_corpus())
        .arg("--test")
        .arg(common::sample_corpus())
        .arg("--json")
        .arg(dir.path().join("tt.json"))
        .assert()
        .success();
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("tt.json")).unwrap()).unwrap();
    assert_eq!(v["settings"]["mode"], "train-test");
    assert_eq!(v["runs"][0]["folds"][0]["n_test"], 324);
    // The corpus line counts --data alone, not --data and --test together.
    assert_eq!(v["corpus"]["n_documents"], 324);
}

#[test]
fn inspect_shows_settings_and_telling_terms() {
    let dir = TempDir::new().unwrap();
    train_sample(dir.path(), &["--quiet"]).success();
    let out = textclf()
        .args(["inspect", "--format", "json", "--top", "5"])
        .arg(dir.path().join("stance.model"))
        .output()
        .unwrap();
    common::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["task"], "stance");
    assert_eq!(v["classifier"], "svm");
    assert_eq!(v["documents"], 324);
    assert_eq!(v["label_counts"]["critical"], 108);
    let classes = v["top_terms"].as_array().unwrap();
    assert_eq!(classes.len(), 3);
    let supportive = classes.iter().find(|c| c["label"] == "supportive").unwrap();
    let terms: Vec<&str> = supportive["for_class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[0].as_str().unwrap())
        .collect();
    assert_eq!(terms.len(), 5);
    assert!(terms.contains(&"praised"), "{terms:?}");
    textclf()
        .arg("inspect")
        .arg(dir.path().join("topic.model"))
        .assert()
        .success()
        .stdout(predicate::str::contains("strongest terms"))
        // Settings read as scikit-learn's arguments, not as Rust structs.
        .stdout(predicate::str::contains(
            "tf-idf: min_df=2, max_df=1.0, max_features=200000, sublinear_tf=true, smooth_idf=true, use_idf=true, norm=l2\n",
        ))
        .stdout(predicate::str::contains(
            "classifier: svm: C=1, loss=squared_hinge, tol=0.2, max_iter=1000, fit_intercept=true, class_weight=none, seed=42, probabilities=Platt-calibrated\n",
        ));
}

/// Header names are read trimmed, so column flags are too: `--text-col "title, text"`
/// and `--label " topic "` train the same model as `title,text` and `topic`.
#[test]
fn column_flags_are_trimmed_as_header_names_are() {
    let dir = TempDir::new().unwrap();
    let train = |text_col: &str, label: &str, out: &str| {
        textclf()
            .args(["train", "--quiet", "--data"])
            .arg(common::sample_corpus())
            .args(["--text-col", text_col, "--label", label, "--model-dir"])
            .arg(dir.path().join(out))
            .assert()
            .success();
        std::fs::read(dir.path().join(out).join("topic.model")).unwrap()
    };
    assert!(train("title,text", "topic", "plain") == train("title, text", " topic ", "spaced"));
}

/// `--top-k` in CSV gives each rank a label and a probability column of its own, so labels
/// with spaces, colons or commas read back exactly; ranks past a model's classes are empty.
#[test]
fn csv_top_k_ranks_have_columns_of_their_own() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("odd.csv");
    let labels = ["far: left", "centre, right", "up down"];
    let mut rows = String::from("text,side\n");
    for (i, words) in [
        "apple banana cherry",
        "delta echo foxtrot",
        "golf hotel india",
    ]
    .iter()
    .enumerate()
    {
        for n in 0..4 {
            rows.push_str(&format!("{words} {words} doc{n},\"{}\"\n", labels[i]));
        }
    }
    std::fs::write(&data, rows).unwrap();
    let models = dir.path().join("m");
    textclf()
        .args([
            "train",
            "--quiet",
            "--classifier",
            "nb",
            "--min-df",
            "1",
            "--label",
            "side",
        ])
        .arg("--data")
        .arg(&data)
        .arg("--model-dir")
        .arg(&models)
        .assert()
        .success();
    let out = textclf()
        .args(["predict", "--top-k", "4", "--format", "csv", "--model-dir"])
        .arg(&models)
        .arg("-")
        .write_stdin("golf hotel india golf")
        .output()
        .unwrap();
    common::assert_success(&out);
    let mut r = csv::Reader::from_reader(&out.stdout[..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "side",
            "side_probability",
            "side_top2",
            "side_top2_probability",
            "side_top3",
            "side_top3_probability",
            "side_top4",
            "side_top4_probability",
            "error"
        ]
    );
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(&row[1], "up down");
    let mut ranked: Vec<&str> = vec![&row[1], &row[3], &row[5]];
    ranked.sort_unstable();
    assert_eq!(ranked, ["centre, right", "far: left", "up down"]);
    let p: Vec<f64> = [2, 4, 6].map(|i| row[i].parse().unwrap()).to_vec();
    assert!(p[0] >= p[1] && p[1] >= p[2], "{p:?}");
    assert!(((p[0] + p[1] + p[2]) - 1.0).abs() < 1e-5, "{p:?}");
    assert_eq!((&row[7], &row[8], &row[9]), ("", "", ""));
}

#[test]
fn inspect_names_the_classes_of_an_explicit_weighting() {
    let dir = TempDir::new().unwrap();
    textclf()
        .args(["train", "--quiet", "--data"])
        .arg(common::sample_corpus())
        .args([
            "--text-col",
            "title,text",
            "--label",
            "stance",
            "--classifier",
            "nb",
        ])
        .args(["--class-weight", "supportive=2,critical=0.5", "--model-dir"])
        .arg(dir.path())
        .assert()
        .success();
    textclf()
        .arg("inspect")
        .arg(dir.path().join("stance.model"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "classifier: nb: alpha=0.1, class_weight={critical: 0.5, neutral: 1, supportive: 2}\n",
        ));
}

#[test]
fn explain_names_the_terms_behind_each_label() {
    let dir = TempDir::new().unwrap();
    train_sample(dir.path(), &["--quiet"]).success();
    let out = textclf()
        .args([
            "predict",
            "--explain",
            "3",
            "--format",
            "jsonl",
            "--task",
            "topic",
            "--model-dir",
        ])
        .arg(dir.path())
        .arg("-")
        .write_stdin("The hospital cut waiting times for patients needing treatment.")
        .output()
        .unwrap();
    common::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["topic"]["label"], "health");
    let for_label = v["topic"]["explain"]["for"].as_array().unwrap();
    assert_eq!(for_label.len(), 3);
    let terms: Vec<&str> = for_label.iter().map(|t| t[0].as_str().unwrap()).collect();
    assert!(
        terms.contains(&"hospital") || terms.contains(&"patients"),
        "{terms:?}"
    );
    let weights: Vec<f64> = for_label.iter().map(|t| t[1].as_f64().unwrap()).collect();
    assert!(
        weights.windows(2).all(|w| w[0] >= w[1]) && weights[2] > 0.0,
        "{weights:?}"
    );
    for t in v["topic"]["explain"]["against"].as_array().unwrap() {
        assert!(t[1].as_f64().unwrap() < 0.0);
    }
    // Text and CSV carry it too.
    textclf()
        .args(["predict", "--explain", "2", "--model-dir"])
        .arg(dir.path())
        .arg(example("example_article.txt"))
        .assert()
        .success()
        .stdout(predicate::str::contains("because"));
    let out = textclf()
        .args([
            "predict",
            "--explain",
            "2",
            "--format",
            "csv",
            "--task",
            "stance",
            "--model-dir",
        ])
        .arg(dir.path())
        .arg(example("example_article.txt"))
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("id,stance,stance_probability,stance_explain,error"));
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    for (shell, marker) in [
        ("bash", "_textclf()"),
        ("zsh", "#compdef textclf"),
        ("fish", "complete -c textclf"),
    ] {
        textclf()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("--model-dir"));
    }
    textclf()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH textclf 1"));
}
