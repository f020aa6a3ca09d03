//! Paired (text + `--pair-col`) stance models through the binary, on a small generated
//! FNC-1-like fixture: bodies in one file, headline/body/stance pairs in another.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fmt::Write as _;
use std::path::Path;
use tempfile::TempDir;

fn textclf() -> Command {
    Command::cargo_bin("textclf").unwrap()
}

const TOPICS: [(&str, &str); 6] = [
    ("moon", "lunar base astronauts rocket"),
    ("pope", "vatican church cardinal rome"),
    ("shark", "beach swimmers ocean bite"),
    ("volcano", "lava eruption ash village"),
    ("bank", "robbery vault police cash"),
    ("robot", "factory machine engineers arm"),
];

/// Writes `bodies.csv` and `stances.csv` into `dir`: per topic three bodies (one confirms,
/// one calls the story a hoax, one reports it at a distance); every headline about a topic
/// is paired with that topic's bodies (agree / disagree / discuss) and with the next
/// topic's bodies (unrelated).
fn write_fixture(dir: &Path) {
    let mut bodies = String::from("Body ID,articleBody\n");
    let mut stances = String::from("Headline,Body ID,Stance\n");
    let kinds = [
        ("agree", "officials confirmed it is true and announced the"),
        (
            "disagree",
            "this is a hoax: experts say it is fake, false and denied the",
        ),
        ("discuss", "reportedly, sources claim it may be the"),
    ];
    for (t, (topic, words)) in TOPICS.iter().enumerate() {
        for (k, (_, cue)) in kinds.iter().enumerate() {
            let id = t * 3 + k;
            writeln!(bodies, "{id},\"{cue} {topic} story. The {topic} {words}.\"").unwrap();
        }
    }
    for (t, (topic, words)) in TOPICS.iter().enumerate() {
        let w: Vec<&str> = words.split(' ').collect();
        for h in 0..4 {
            let headline = format!("{topic} {} {} news {h}", w[h % 4], w[(h + 1) % 4]);
            for (k, (stance, _)) in kinds.iter().enumerate() {
                writeln!(stances, "{headline},{},{stance}", t * 3 + k).unwrap();
                let other = ((t + 1) % TOPICS.len()) * 3 + k;
                writeln!(stances, "{headline},{other},unrelated").unwrap();
            }
        }
    }
    std::fs::write(dir.join("bodies.csv"), bodies).unwrap();
    std::fs::write(dir.join("stances.csv"), stances).unwrap();
}

fn corpus_args(dir: &Path) -> Vec<String> {
    vec![
        "--join".into(),
        dir.join("bodies.csv").display().to_string(),
        "--on".into(),
        "Body ID".into(),
        "--text-col".into(),
        "articleBody".into(),
    ]
}

/// [`corpus_args`] plus the feature options of train and eval.
fn fit_args(dir: &Path) -> Vec<String> {
    let mut v = corpus_args(dir);
    v.extend(["--min-df".into(), "1".into()]);
    v
}

fn train(dir: &Path, models: &Path, classifier: &str, threads: &str) {
    textclf()
        .env("RAYON_NUM_THREADS", threads)
        .args(["train", "--data"])
        .arg(dir.join("stances.csv"))
        .args(corpus_args(dir))
        .args([
            "--pair-col",
            "Headline",
            "--label",
            "Stance",
            "--classifier",
        ])
        .arg(classifier)
        .arg("--model-dir")
        .arg(models)
        .assert()
        .success()
        .stdout(predicate::str::contains("paired with 'Headline'"));
}

#[test]
fn paired_model_trains_scores_pairs_and_refuses_a_text_alone() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    let models = dir.join("m");
    train(dir, &models, "two-stage", "2");

    // inspect says it is paired and with which column.
    textclf()
        .arg("inspect")
        .arg(models.join("Stance.model"))
        .assert()
        .success()
        .stdout(predicate::str::contains("paired: yes"))
        .stdout(predicate::str::contains("'Headline'"))
        .stdout(predicate::str::contains("classifier: two-stage"));
    let out = textclf()
        .args(["inspect", "--format", "json"])
        .arg(models.join("Stance.model"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["paired"]["pair_col"], "Headline");

    // Scoring the training pairs back: the fixture is easy, every pair is right.
    let out = textclf()
        .args(["predict", "--format", "csv", "--model-dir"])
        .arg(&models)
        .arg("--input")
        .arg(dir.join("stances.csv"))
        .args(corpus_args(dir))
        .args(["--pair-col", "Headline"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let predicted: Vec<String> = csv::Reader::from_reader(&out.stdout[..])
        .records()
        .map(|r| r.unwrap()[1].to_owned())
        .collect();
    let truth: Vec<String> = csv::Reader::from_path(dir.join("stances.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap()[2].to_owned())
        .collect();
    assert_eq!(predicted.len(), 6 * 4 * 6);
    assert_eq!(predicted, truth);

    // A text alone (a file, or a corpus without --pair-col): a usage error naming the column.
    let article = dir.join("article.txt");
    std::fs::write(&article, "officials confirmed the moon story").unwrap();
    textclf()
        .args(["predict", "--model-dir"])
        .arg(&models)
        .arg(&article)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("paired model"))
        .stderr(predicate::str::contains("--pair-col \"Headline\""));
    textclf()
        .args(["predict", "--model-dir"])
        .arg(&models)
        .arg("--input")
        .arg(dir.join("stances.csv"))
        .args(corpus_args(dir))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--pair-col"));
    // --pair-col naming a column the input lacks: a data error naming it.
    textclf()
        .args(["predict", "--model-dir"])
        .arg(&models)
        .arg("--input")
        .arg(dir.join("stances.csv"))
        .args(corpus_args(dir))
        .args(["--pair-col", "Title"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("Title"));
}

#[test]
fn paired_model_files_are_identical_at_one_and_two_threads() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    for classifier in ["two-stage", "svm"] {
        let (a, b) = (
            dir.join(format!("{classifier}1")),
            dir.join(format!("{classifier}2")),
        );
        train(dir, &a, classifier, "1");
        train(dir, &b, classifier, "2");
        let read = |d: &Path| std::fs::read(d.join("Stance.model")).unwrap();
        assert!(read(&a) == read(&b), "{classifier}: model files differ");
    }
}

#[test]
fn paired_eval_with_groups_reports_the_fnc_score() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    let json = dir.join("r.json");
    textclf()
        .args(["eval", "--data"])
        .arg(dir.join("stances.csv"))
        .args(fit_args(dir))
        .args([
            "--pair-col",
            "Headline",
            "--label",
            "Stance",
            "--group-col",
            "Body ID",
            "--folds",
            "3",
            "--classifier",
            "svm,two-stage",
            "--json",
        ])
        .arg(&json)
        .assert()
        .success()
        .stdout(predicate::str::contains("FNC score"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["settings"]["pair_col"], "Headline");
    // A --pair-col that is also a --text-col is refused.
    textclf()
        .args(["eval", "--data"])
        .arg(dir.join("stances.csv"))
        .args(fit_args(dir))
        .args(["--pair-col", "articleBody", "--label", "Stance"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("also a --text-col"));
}
