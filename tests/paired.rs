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

/// `train --pair-col Headline`; an empty `classifier` leaves `--classifier` out (the default).
fn train(dir: &Path, models: &Path, classifier: &str, threads: &str) {
    let mut cmd = textclf();
    cmd.env("RAYON_NUM_THREADS", threads)
        .args(["train", "--data"])
        .arg(dir.join("stances.csv"))
        .args(corpus_args(dir))
        .args(["--pair-col", "Headline", "--label", "Stance"]);
    if !classifier.is_empty() {
        cmd.args(["--classifier", classifier]);
    }
    cmd.arg("--model-dir")
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
    // No --classifier: a paired model is two-stage by default.
    train(dir, &models, "", "2");

    // inspect says it is paired, with which column, and the default classifier.
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

    // A Body ID with no body: that record's line names the key and the joined file, the
    // pairs around it are still scored, and the exit code says records failed. (The last
    // batch before the end was empty after the bad record, and once was taken for input
    // without --pair-col.)
    let unmatched = dir.join("unmatched.csv");
    std::fs::write(
        &unmatched,
        "Headline,Body ID\nmoon lunar base news 0,0\nmoon lunar base news 0,999\n",
    )
    .unwrap();
    for batch in ["1", "2048"] {
        let out = textclf()
            .args([
                "predict",
                "--format",
                "csv",
                "--batch-size",
                batch,
                "--model-dir",
            ])
            .arg(&models)
            .arg("--input")
            .arg(&unmatched)
            .args(corpus_args(dir))
            .args(["--pair-col", "Headline"])
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 3, "{stdout}");
        assert!(lines[1].starts_with("1,agree,"), "{stdout}");
        assert!(
            lines[2].starts_with("line 3,")
                && lines[2].contains("no row with Body ID = \"\"999\"\"")
                && lines[2].contains("bodies.csv"),
            "{stdout}"
        );
        assert!(!stderr.contains("paired model"), "{stderr}");
        assert!(
            stderr.contains("unmatched.csv: 1 record(s) could not be read;"),
            "{stderr}"
        );
    }
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

/// A saved paired model scored by `eval --model-dir`: the default two-stage model gets
/// every training pair right with the FNC-1 score; a logreg one has the figures of
/// `eval --test` for the same settings; without --pair-col, a usage error naming it.
#[test]
fn saved_paired_models_are_scored_by_eval() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    write_fixture(dir);
    let stances = dir.join("stances.csv");
    let eval_json = |name: &str, args: &[String]| -> serde_json::Value {
        let json = dir.join(format!("{name}.json"));
        textclf()
            .args(["eval", "--quiet", "--data"])
            .arg(&stances)
            .args(corpus_args(dir))
            .args(["--pair-col", "Headline", "--json"])
            .arg(&json)
            .args(args)
            .assert()
            .success();
        serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap()
    };
    let saved = |models: &Path| vec!["--model-dir".into(), models.display().to_string()];

    let two_stage = dir.join("two-stage");
    train(dir, &two_stage, "", "2");
    let v = eval_json("two-stage", &saved(&two_stage));
    let run = &v["runs"][0];
    assert_eq!(run["task"], "Stance");
    assert_eq!(run["classifier"], "two-stage (Stance.model)");
    assert_eq!(run["settings"]["pair_col"], "Headline");
    assert_eq!(run["pooled"]["accuracy"], 1.0);
    assert_eq!(run["pooled_fnc_score"], 100.0);

    let logreg = dir.join("logreg");
    train(dir, &logreg, "logreg", "2");
    let saved = eval_json("saved", &saved(&logreg));
    let mut trained_args: Vec<String> = ["--test", stances.to_str().unwrap(), "--label", "Stance"]
        .map(String::from)
        .to_vec();
    trained_args.extend([
        "--classifier".into(),
        "logreg".into(),
        "--min-df".into(),
        "1".into(),
    ]);
    let trained = eval_json("trained", &trained_args);
    assert_eq!(saved["runs"][0]["pooled"], trained["runs"][0]["pooled"]);

    textclf()
        .args(["eval", "--model-dir"])
        .arg(&two_stage)
        .arg("--data")
        .arg(&stances)
        .args(corpus_args(dir))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "a paired model (trained with --pair-col 'Headline')",
        ))
        .stderr(predicate::str::contains(
            "give eval --pair-col \"Headline\"",
        ));
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

/// FNC-1 with whole *stories* held out (connected components of headlines and bodies over
/// related pairs, 191 in the training set), as in the competition test set: the first of 5
/// folds grouped by story. Bodies and headlines of a story never cross folds, so this
/// measures what carries to new stories (the weak spot was disagree).
#[test]
fn fnc1_two_stage_on_unseen_stories() {
    use std::collections::HashMap;
    use textclf::corpus::{read_corpus, JoinSpec, ReadOptions};
    use textclf::eval::{grouped_stratified_folds, train_test_indices, ClassificationReport};
    use textclf::features::{DfLimit, TfidfParams};
    use textclf::models::{ClassifierKind, ModelSettings};
    use textclf::pipeline::LabelledTask;
    use textclf::text::AnalyzerConfig;

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/fnc1");
    if !dir.exists() {
        eprintln!("SKIP: {} is absent", dir.display());
        return;
    }
    let opts = ReadOptions {
        text_cols: vec!["articleBody".into()],
        label_cols: vec!["Stance".into()],
        pair_col: Some("Headline".into()),
        group_col: Some("Body ID".into()),
        require_labels: true,
        joins: vec![JoinSpec {
            path: dir.join("train_bodies.csv"),
            on: "Body ID".into(),
        }],
        ..ReadOptions::default()
    };
    let docs = read_corpus(&dir.join("train_stances.csv"), &opts)
        .unwrap()
        .0;
    let task = LabelledTask::from_documents(&docs, 0, "Stance").unwrap();
    let unrelated = task.labels.iter().position(|l| l == "unrelated").unwrap();

    // Union-find over bodies ("b" + id) and headlines ("h" + text), joined by related pairs.
    let mut node: HashMap<String, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut id = |key: String, parent: &mut Vec<usize>| {
        *node.entry(key).or_insert_with(|| {
            parent.push(parent.len());
            parent.len() - 1
        })
    };
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let bodies: Vec<usize> = task
        .rows
        .iter()
        .zip(task.y.iter())
        .map(|(&r, &y)| {
            let d = &docs[r];
            let b = id(format!("b{}", d.group.as_ref().unwrap()), &mut parent);
            if y != unrelated {
                let h = id(format!("h{}", d.pair.as_ref().unwrap()), &mut parent);
                let (rb, rh) = (find(&mut parent, b), find(&mut parent, h));
                parent[rb] = rh;
            }
            b
        })
        .collect();
    let stories: Vec<String> = bodies
        .iter()
        .map(|&b| find(&mut parent, b).to_string())
        .collect();
    let mut distinct = stories.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 191, "stories in FNC-1 train");

    let folds = grouped_stratified_folds(&task.y, &stories, 5, 42).unwrap();
    let (train, test) = train_test_indices(&folds, 0);
    let texts = |idx: &[usize]| -> Vec<&str> {
        idx.iter()
            .map(|&i| docs[task.rows[i]].text.as_str())
            .collect()
    };
    let pairs = |idx: &[usize]| -> Vec<&str> {
        idx.iter()
            .map(|&i| docs[task.rows[i]].pair.as_deref().unwrap())
            .collect()
    };
    let y_train: Vec<usize> = train.iter().map(|&i| task.y[i]).collect();
    let tfidf = TfidfParams {
        min_df: DfLimit::Count(2),
        ..TfidfParams::default()
    };
    let settings = ModelSettings {
        calibrate: false,
        ..ModelSettings::new(ClassifierKind::TwoStage)
    };
    let out = textclf::pipeline::fit_and_predict_pairs(
        &texts(&train),
        Some(&pairs(&train)),
        &y_train,
        &texts(&test),
        Some(&pairs(&test)),
        task.labels.len(),
        &AnalyzerConfig::default(),
        &tfidf,
        &[settings],
    )
    .unwrap();
    let y_test: Vec<usize> = test.iter().map(|&i| task.y[i]).collect();
    let report = ClassificationReport::new(&y_test, &out[0].predictions, &task.labels).unwrap();
    let fnc = report.fnc_score().unwrap();
    let disagree = task.labels.iter().position(|l| l == "disagree").unwrap();
    eprintln!(
        "FNC-1 story-grouped fold 0, two-stage: FNC {fnc:.2}, macro-F1 {:.4}, disagree F1 {:.4}",
        report.macro_avg.f1, report.per_class[disagree].f1
    );
    // This fold, measured with `eval --group-col Story` (datasets/README.md): FNC 84.72,
    // macro-F1 0.667, disagree F1 0.295 with stage 2's C × 0.3 and the rare-class boost;
    // 84.67 / 0.656 / 0.272 before them (which fails the macro-F1 and disagree floors);
    // 84.96 / 0.617 / 0.120 before the near-headline cues and the scaled body block.
    assert!(fnc >= 84.0, "FNC score {fnc}");
    assert!(
        report.macro_avg.f1 >= 0.662,
        "macro-F1 {}",
        report.macro_avg.f1
    );
    assert!(
        report.per_class[disagree].f1 >= 0.285,
        "disagree F1 {}",
        report.per_class[disagree].f1
    );
}
