//! `eval --model-dir`: saved models scored on a labelled corpus, through the binary. The
//! key property: a model `train` saved on corpus A, scored on corpus B, has the figures
//! `eval --data A --test B` reports for the same settings; and the answers scored are
//! exactly those `predict` gives.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn textclf() -> Command {
    Command::cargo_bin("textclf").unwrap()
}

/// The sample corpus's text columns, as every command here reads them.
const TEXT: [&str; 2] = ["--text-col", "title,text"];

/// Runs `textclf args... --json <dir>/<name>.json`, which must succeed; returns its stdout
/// and the JSON report.
fn eval_json(dir: &Path, name: &str, args: &[&str]) -> (String, Value) {
    let json = dir.join(format!("{name}.json"));
    let out = textclf()
        .args(args)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    common::assert_success(&out);
    let v = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    (String::from_utf8(out.stdout).unwrap(), v)
}

/// The JSON report of `eval --model-dir models` on `data`, a part of the sample corpus.
fn score_sample_saved(dir: &Path, models: &Path, data: &Path) -> Value {
    let args = [
        "eval",
        "--quiet",
        "--model-dir",
        s(models),
        "--data",
        s(data),
    ];
    eval_json(dir, "saved", &[&args[..], &TEXT].concat()).1
}

/// `train` of `labels` on `data` with `classifier`, models into `models`.
fn train(data: &Path, models: &Path, classifier: &str, labels: &[&str], extra: &[&str]) {
    let mut cmd = textclf();
    cmd.args(["train", "--quiet", "--classifier", classifier, "--data"])
        .arg(data)
        .arg("--model-dir")
        .arg(models)
        .args(extra);
    for l in labels {
        cmd.args(["--label", l]);
    }
    cmd.assert().success();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Splits the sample corpus into `a.csv` (two records in three) and `b.csv` (the third),
/// every class in both.
fn split_sample(dir: &Path) -> (PathBuf, PathBuf) {
    let mut reader = csv::Reader::from_path(common::sample_corpus()).unwrap();
    let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
    let mut wa = csv::Writer::from_path(&a).unwrap();
    let mut wb = csv::Writer::from_path(&b).unwrap();
    wa.write_record(reader.headers().unwrap()).unwrap();
    wb.write_record(reader.headers().unwrap()).unwrap();
    for (i, r) in reader.records().enumerate() {
        let w = if i % 3 == 2 { &mut wb } else { &mut wa };
        w.write_record(&r.unwrap()).unwrap();
    }
    (a, b)
}

/// The run of `task` in a report.
fn run<'a>(report: &'a Value, task: &str) -> &'a Value {
    report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["task"] == task)
        .unwrap_or_else(|| panic!("no run for {task}"))
}

#[test]
fn saved_models_are_scored_on_the_sample_corpus() {
    let tmp = TempDir::new().unwrap();
    let models = tmp.path().join("models");
    let sample = common::sample_corpus();
    train(&sample, &models, "svm", &["topic", "stance"], &TEXT);
    let md = tmp.path().join("r.md");
    let html = tmp.path().join("r.html");
    let args = [
        "eval",
        "--model-dir",
        s(&models),
        "--data",
        s(&sample),
        TEXT[0],
        TEXT[1],
        "--markdown",
        s(&md),
        "--html",
        s(&html),
    ];
    let (terminal, v) = eval_json(tmp.path(), "r", &args);
    let corpus_line = format!(
        "corpus: {} (324 documents), scored with the saved models of {}",
        sample.display(),
        models.display()
    );
    assert!(terminal.contains(&corpus_line), "{terminal}");
    // Markdown escapes the paths' punctuation (`sample\_news.csv`): the rest of the line.
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.contains("(324 documents), scored with the saved models of "),
        "{md}"
    );
    assert!(std::fs::read_to_string(&html).unwrap().contains("<svg"));

    assert_eq!(v["settings"]["mode"], "saved-models");
    assert_eq!(v["settings"]["model_dir"], s(&models));
    assert_eq!(v["corpus"]["n_documents"], 324);
    assert_eq!(v["warnings"], serde_json::json!([]));
    // One run per model file, in file order, each gold column its trained task's.
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for (r, (task, classes)) in runs.iter().zip([("stance", 3), ("topic", 6)]) {
        assert_eq!(r["task"], task);
        assert_eq!(r["classifier"], format!("svm ({task}.model)"));
        assert_eq!(r["settings"]["trained_task"], task);
        assert_eq!(r["settings"]["classifier"]["kind"], "Svm");
        assert_eq!(r["settings"]["trained_on"]["documents"], 324);
        let fold = &r["folds"][0];
        assert_eq!(r["folds"].as_array().unwrap().len(), 1);
        assert_eq!(
            (fold["n_train"].as_u64(), fold["n_test"].as_u64()),
            (Some(324), Some(324))
        );
        assert_eq!(fold["timings"]["fit_s"], 0.0, "nothing is trained");
        // Scored on its own training corpus, the model is right every time.
        let pooled = &r["pooled"];
        assert_eq!(pooled["accuracy"], 1.0);
        assert_eq!(pooled["macro_avg"]["f1"], 1.0);
        let per_class = 324 / classes;
        for (c, row) in pooled["confusion"].as_array().unwrap().iter().enumerate() {
            let row: Vec<u64> = row
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_u64().unwrap())
                .collect();
            let mut want = vec![0; classes];
            want[c] = per_class as u64;
            assert_eq!(row, want);
        }
    }
}

/// The key round trip: `train` on A then `eval --model-dir` on B gives exactly the figures
/// of `eval --data A --test B`, for every family (eval fits the calibrated SVM `train`
/// saves, and both answer from its probabilities).
#[test]
fn saved_model_figures_equal_those_of_eval_with_test() {
    let tmp = TempDir::new().unwrap();
    let (a, b) = split_sample(tmp.path());
    for classifier in ["svm", "sgd", "logreg", "cnb", "two-stage"] {
        let models = tmp.path().join(classifier);
        train(&a, &models, classifier, &["topic", "stance"], &TEXT);
        let saved = score_sample_saved(tmp.path(), &models, &b);
        let trained = [
            "eval",
            "--quiet",
            "--data",
            s(&a),
            "--test",
            s(&b),
            "--classifier",
            classifier,
            "--label",
            "topic",
            "--label",
            "stance",
            TEXT[0],
            TEXT[1],
        ];
        let (_, trained) = eval_json(tmp.path(), "trained", &trained);
        for task in ["topic", "stance"] {
            let (x, y) = (run(&saved, task), run(&trained, task));
            let pooled = common::without_timings(x["pooled"].clone());
            assert_eq!(
                pooled,
                common::without_timings(y["pooled"].clone()),
                "{classifier} {task}"
            );
            assert_eq!(x["settings"]["labels"], y["settings"]["labels"]);
            for key in ["n_train", "n_test", "report", "fnc_score"] {
                assert_eq!(
                    x["folds"][0][key], y["folds"][0][key],
                    "{classifier} {task} {key}"
                );
            }
            // Not a trivial equality: the models err on B.
            assert!(
                x["pooled"]["accuracy"].as_f64().unwrap() < 1.0,
                "{classifier} {task}"
            );
        }
    }
}

/// The answers scored are `predict`'s: the confusion matrix of `eval --model-dir` is the
/// one `predict --input` output makes against the gold labels, for the calibrated svm too.
#[test]
fn saved_model_figures_are_those_of_predict() {
    let tmp = TempDir::new().unwrap();
    let (a, b) = split_sample(tmp.path());
    let models = tmp.path().join("svm");
    train(&a, &models, "svm", &["topic"], &TEXT);
    let v = score_sample_saved(tmp.path(), &models, &b);
    let out = textclf()
        .args([
            "predict",
            "--format",
            "csv",
            "--model-dir",
            s(&models),
            "--input",
            s(&b),
        ])
        .args(TEXT)
        .output()
        .unwrap();
    common::assert_success(&out);
    let predicted: Vec<String> = csv::Reader::from_reader(&out.stdout[..])
        .records()
        .map(|r| r.unwrap()[1].to_owned())
        .collect();
    let gold: Vec<String> = csv::Reader::from_path(&b)
        .unwrap()
        .records()
        .map(|r| r.unwrap()[3].to_owned())
        .collect();
    let labels: Vec<String> =
        serde_json::from_value(v["runs"][0]["settings"]["labels"].clone()).unwrap();
    let index = |l: &String| labels.iter().position(|x| x == l).unwrap();
    let mut confusion = vec![vec![0u64; labels.len()]; labels.len()];
    for (g, p) in gold.iter().zip(&predicted) {
        confusion[index(g)][index(p)] += 1;
    }
    assert_eq!(
        v["runs"][0]["pooled"]["confusion"],
        serde_json::json!(confusion)
    );
    assert_eq!(predicted.len(), 108);
}

/// Four documents per class of two classes, as CSV with columns `text,topic`.
const TRAIN: &str = "text,topic
the team won the match with a late goal,sport
fans cheered the team after the final goal,sport
the striker scored a goal in the match,sport
the coach praised the team and the fans,sport
the bank raised interest rates again,money
lenders and the bank expect higher rates,money
the central bank held rates steady,money
markets fell as the bank warned on rates,money
";

#[test]
fn gold_classes_the_model_never_learnt_count_as_errors_and_are_warned() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("train.csv");
    std::fs::write(&data, TRAIN).unwrap();
    let models = tmp.path().join("models");
    train(&data, &models, "nb", &["topic"], &["--min-df", "1"]);
    let test = tmp.path().join("test.csv");
    std::fs::write(
        &test,
        "text,topic
the team scored a late goal,sport
the bank raised rates,money
rain and wind all day,weather
a storm with rain is coming,weather
the match was a draw,
",
    )
    .unwrap();
    let args = ["eval", "--model-dir", s(&models), "--data", s(&test)];
    let (terminal, v) = eval_json(tmp.path(), "r", &args);
    let unseen = format!(
        "topic: class 'weather' of the corpus is not in the training corpus of {}: none of \
         its documents can be predicted right",
        models.join("topic.model").display()
    );
    let unlabelled = "topic: 1 document(s) without a label left out of every figure";
    for w in [&unseen[..], unlabelled] {
        assert!(terminal.contains(&format!("warning: {w}")), "{terminal}");
        assert!(
            v["warnings"].as_array().unwrap().iter().any(|x| x == w),
            "{}",
            v["warnings"]
        );
    }
    let r = &v["runs"][0];
    assert_eq!(
        r["settings"]["labels"],
        serde_json::json!(["money", "sport", "weather"])
    );
    assert_eq!(
        r["folds"][0]["n_test"], 4,
        "the unlabelled document is left out"
    );
    assert_eq!(v["corpus"]["n_documents"], 4);
    let pooled = &r["pooled"];
    // The two known documents are right, the two weather documents can only be wrong.
    assert_eq!(pooled["accuracy"], 0.5);
    assert_eq!(pooled["per_class"][2]["support"], 2);
    assert_eq!(pooled["per_class"][2]["recall"], 0.0);
    let weather_row: Vec<u64> = pooled["confusion"][2]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert_eq!(weather_row.iter().sum::<u64>(), 2);
    assert_eq!(weather_row[2], 0);
}

#[test]
fn gold_columns_follow_the_trained_task_or_label_per_task() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("train.csv");
    std::fs::write(&data, TRAIN).unwrap();
    let models = tmp.path().join("models");
    train(&data, &models, "nb", &["topic"], &["--min-df", "1"]);
    // A copy kept for comparison records the task of its original: scored on `topic`.
    std::fs::copy(models.join("topic.model"), models.join("topic-v2.model")).unwrap();
    let (_, v) = eval_json(
        tmp.path(),
        "copy",
        &["eval", "--model-dir", s(&models), "--data", s(&data)],
    );
    let names: Vec<&Value> = v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["classifier"])
        .collect();
    assert_eq!(names, ["nb (topic-v2.model)", "nb (topic.model)"]);
    assert!(v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["task"] == "topic"));

    // Another corpus naming the column otherwise: --label per --task, in order.
    let renamed = tmp.path().join("renamed.csv");
    std::fs::write(&renamed, TRAIN.replacen("text,topic", "text,category", 1)).unwrap();
    let args = [
        "eval",
        "--model-dir",
        s(&models),
        "--data",
        s(&renamed),
        "--task",
        "topic",
        "--label",
        "category",
        "--task",
        "topic-v2",
        "--label",
        "category",
    ];
    let (_, v) = eval_json(tmp.path(), "renamed", &args);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for r in runs {
        assert_eq!(r["task"], "category");
        assert_eq!(r["pooled"]["accuracy"], 1.0);
    }
    // Without --label the trained column is looked for, and named when absent.
    textclf()
        .args(["eval", "--model-dir", s(&models), "--data", s(&renamed)])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("label column \"topic\" not found"));
}

#[test]
fn options_that_fit_a_model_are_refused_with_saved_models() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("train.csv");
    std::fs::write(&data, TRAIN).unwrap();
    let models = tmp.path().join("models");
    train(&data, &models, "nb", &["topic"], &["--min-df", "1"]);
    let base = ["eval", "--model-dir", s(&models), "--data", s(&data)];
    let refused: [&[&str]; 9] = [
        &["--classifier", "svm"],
        &["--c", "2"],
        &["--alpha", "0.5,1"],
        &["--seed", "7"],
        &["--ngrams", "1-2"],
        &["--min-df", "1"],
        &["--folds", "3"],
        &["--test", s(&data)],
        &["--group-col", "text"],
    ];
    for extra in refused {
        textclf()
            .args(base)
            .args(extra)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "the argument '--model-dir <DIR>' cannot be used with '{}",
                extra[0]
            )));
    }
    // --label pairs with --task; --task belongs to --model-dir.
    textclf()
        .args(base)
        .args(["--label", "topic"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "with --model-dir, each --label COLUMN names the gold labels of the --task in the \
             same place (0 --task, 1 --label)",
        ));
    textclf()
        .args(["eval", "--data", s(&data), "--task", "topic"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--model-dir"));
    // A model that is not there: the model error, as predict gives it.
    textclf()
        .args(base)
        .args(["--task", "stance"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("stance.model"));
}

/// BBC (a folder corpus, 2,225 articles): the default (calibrated svm) and complement-NB
/// models `train` saved, scored on their corpus, have the figures of `eval --data bbc
/// --test bbc`.
#[test]
fn bbc_saved_model_figures_equal_those_of_eval_with_test() {
    let Some(bbc) = common::shared_dataset("bbc") else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    for classifier in ["svm", "cnb"] {
        let models = tmp.path().join(classifier);
        train(&bbc, &models, classifier, &["topic"], &[]);
        let (_, saved) = eval_json(
            tmp.path(),
            "saved",
            &[
                "eval",
                "--quiet",
                "--model-dir",
                s(&models),
                "--data",
                s(&bbc),
            ],
        );
        let args = [
            "eval",
            "--quiet",
            "--data",
            s(&bbc),
            "--test",
            s(&bbc),
            "--label",
            "topic",
            "--classifier",
            classifier,
        ];
        let (_, trained) = eval_json(tmp.path(), "trained", &args);
        let (x, y) = (run(&saved, "topic"), run(&trained, "topic"));
        assert_eq!(x["pooled"], y["pooled"], "{classifier}");
        assert_eq!(x["folds"][0]["n_test"], 2225);
        assert!(
            x["pooled"]["accuracy"].as_f64().unwrap() > 0.97,
            "{classifier}: {}",
            x["pooled"]["accuracy"]
        );
    }
}
