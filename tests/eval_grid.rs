//! `eval` grids: lists of hyperparameter values compared on the same folds, on the bundled
//! sample corpus; and the refusal of lists where one value is wanted.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// `textclf eval` of the sample corpus's topic, 3-fold, with `extra` options; returns the
/// JSON report and the terminal report.
fn eval(threads: &str, extra: &[&str]) -> (Value, String) {
    let dir = TempDir::new().unwrap();
    let json = dir.path().join("report.json");
    let out = Command::cargo_bin("textclf")
        .unwrap()
        .env("RAYON_NUM_THREADS", threads)
        .args(["eval", "--text-col", "title,text", "--label", "topic"])
        .args(["--folds", "3", "--data"])
        .arg(common::sample_corpus())
        .arg("--json")
        .arg(&json)
        .args(extra)
        .output()
        .unwrap();
    common::assert_success(&out);
    let report = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    (report, String::from_utf8(out.stdout).unwrap())
}

/// The runs of a report by name, in report order.
fn runs(report: &Value) -> Vec<(&str, &Value)> {
    report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["classifier"].as_str().unwrap(), r))
        .collect()
}

/// The run named `name`, its timings removed: everything else must be reproducible.
fn run(report: &Value, name: &str) -> Value {
    let (_, r) = runs(report)
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no run '{name}' in {:?}", runs(report)));
    common::without_timings(r.clone())
}

/// The analyzer options grid too, each value its own vectorizer: a stemmed run is not the
/// unstemmed one.
#[test]
fn stop_words_and_stemmers_are_compared_as_feature_settings() {
    let (report, _) = eval(
        "2",
        &["--stop-words", "none,english", "--stem", "none,english"],
    );
    let names: Vec<&str> = runs(&report).iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "svm stop_words=none stem=none",
            "svm stop_words=none stem=english",
            "svm stop_words=english stem=none",
            "svm stop_words=english stem=english",
        ]
    );
    let stemmed = run(&report, "svm stop_words=english stem=english");
    assert_eq!(stemmed["settings"]["analyzer"]["stemmer"], "english");
    let plain = run(&report, "svm stop_words=none stem=none");
    assert_ne!(plain["summary"], stemmed["summary"]);
}

#[test]
fn a_grid_runs_each_classifier_at_each_combination_it_reads() {
    let grid = [
        "--classifier",
        "svm,nb",
        "--c",
        "0.5,1",
        "--ngrams",
        "1-1,1-2",
    ];
    let (report, terminal) = eval("1", &grid);
    let names: Vec<&str> = runs(&report).iter().map(|(n, _)| *n).collect();
    // nb reads no C: the C list does not multiply its runs.
    assert_eq!(
        names,
        [
            "svm C=0.5 ngrams=1-1",
            "svm C=0.5 ngrams=1-2",
            "svm C=1 ngrams=1-1",
            "svm C=1 ngrams=1-2",
            "nb ngrams=1-1",
            "nb ngrams=1-2",
        ]
    );
    // Each run records its full settings, the gridded features included; the report-wide
    // feature settings are left out, as no single value holds for every run.
    let svm = run(&report, "svm C=0.5 ngrams=1-2");
    assert_eq!(svm["settings"]["classifier"]["c"], 0.5);
    assert_eq!(
        svm["settings"]["analyzer"]["ngram_range"],
        serde_json::json!([1, 2])
    );
    assert!(svm["settings"]["tfidf"]["min_df"].is_object(), "{svm}");
    assert!(report["settings"]["analyzer"].is_null());
    // The detail section is the leaderboard's best run.
    let best = report["leaderboard"][0]["ranking"][0].as_str().unwrap();
    assert_eq!(
        report["leaderboard"][0]["ranking"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert!(
        terminal.contains(&format!("topic — best: {best} (")),
        "{terminal}"
    );
    assert!(
        terminal.contains(&format!("Folds of {best}\n")),
        "{terminal}"
    );
    // It ends with the train options of the best run, its values as flags.
    let flags = best
        .replacen("svm", "--classifier svm", 1)
        .replacen("nb", "--classifier nb", 1)
        .replace("C=", "--c ")
        .replace("ngrams=", "--ngrams ");
    assert!(
        terminal.contains(&format!("topic: best {best} (macro-F1 ")),
        "{terminal}"
    );
    assert!(
        terminal.ends_with(&format!("; to train it: textclf train ... {flags}\n")),
        "{terminal}"
    );

    // The same report at any thread count.
    let (two, _) = eval("2", &grid);
    assert_eq!(
        common::without_timings(report),
        common::without_timings(two),
        "a grid's report differs between 1 and 2 threads"
    );
}

#[test]
fn a_grid_run_scores_as_a_plain_run_with_its_values() {
    let corpus = common::sample_corpus();
    let on_test = ["--test", corpus.to_str().unwrap()];
    for split in [&[][..], &on_test[..]] {
        let with = |extra: &[&str]| eval("2", &[split, extra].concat()).0;
        let grid = with(&["--c", "0.5,1", "--ngrams", "1-1,1-2"]);
        let plain = with(&["--c", "1", "--ngrams", "1-2"]);
        let mut gridded = run(&grid, "svm C=1 ngrams=1-2");
        let plain = run(&plain, "svm");
        assert_eq!(gridded["summary"], plain["summary"]);
        assert_eq!(gridded["folds"], plain["folds"]);
        assert_eq!(gridded["pooled"], plain["pooled"]);
        // The settings differ by the feature settings the grid run also records.
        let settings = gridded["settings"].as_object_mut().unwrap();
        assert!(settings.remove("analyzer").is_some() && settings.remove("tfidf").is_some());
        assert_eq!(gridded["settings"], plain["settings"]);
    }
}

#[test]
fn a_list_read_by_no_classifier_is_one_run_and_a_warning() {
    let (report, _) = eval("2", &["--classifier", "svm", "--alpha", "0.1,1"]);
    let names: Vec<&str> = runs(&report).iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["svm"]);
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("--alpha 0.1,1: none of the classifiers compared (svm) reads"),
        "{warnings}"
    );
}

/// The names of a report's runs, in report order.
fn names(report: &Value) -> Vec<&str> {
    runs(report).iter().map(|(n, _)| *n).collect()
}

/// The solver options grid only the families that read them: loss and epochs sgd's,
/// tolerance and iteration cap svm's and logreg's, class weights every family's.
#[test]
fn solver_options_and_class_weights_are_grid_lists() {
    let grid = [
        "--classifier",
        "sgd,svm",
        "--loss",
        "hinge,log",
        "--epochs",
        "5,10",
        "--max-iter",
        "50,1000",
        "--class-weight",
        "none,balanced",
    ];
    let (report, terminal) = eval("2", &grid);
    let mut expected = Vec::new();
    for loss in ["hinge", "log"] {
        for epochs in ["5", "10"] {
            for weights in ["none", "balanced"] {
                expected.push(format!(
                    "sgd loss={loss} epochs={epochs} class_weight={weights}"
                ));
            }
        }
    }
    for max_iter in ["50", "1000"] {
        for weights in ["none", "balanced"] {
            expected.push(format!("svm max_iter={max_iter} class_weight={weights}"));
        }
    }
    assert_eq!(names(&report), expected);
    let sgd = run(&report, "sgd loss=log epochs=5 class_weight=balanced");
    let settings = &sgd["settings"]["classifier"];
    assert_eq!(
        (
            &settings["sgd_loss"],
            &settings["epochs"],
            &settings["class_weight"]
        ),
        (&"Log".into(), &5.into(), &"Balanced".into())
    );
    assert_eq!(
        run(&report, "svm max_iter=50 class_weight=none")["settings"]["classifier"]["max_iter"],
        50
    );
    // The closing line gives the best run's values as train flags.
    let best = report["leaderboard"][0]["ranking"][0].as_str().unwrap();
    let flags = best
        .replacen("sgd", "--classifier sgd", 1)
        .replacen("svm", "--classifier svm", 1)
        .replace(" loss=", " --loss ")
        .replace(" epochs=", " --epochs ")
        .replace(" max_iter=", " --max-iter ")
        .replace(" class_weight=", " --class-weight ");
    assert!(
        terminal.ends_with(&format!("; to train it: textclf train ... {flags}\n")),
        "{terminal}"
    );
    // A gridded value scores as the same value given alone.
    let (plain, _) = eval(
        "2",
        &[
            "--classifier",
            "sgd",
            "--loss",
            "log",
            "--epochs",
            "5",
            "--class-weight",
            "balanced",
        ],
    );
    assert_eq!(sgd["folds"], run(&plain, "sgd")["folds"]);
}

/// Explicit weights hold commas of their own: a value is keywords or one weighting, and
/// several weightings are compared by repeating the flag.
#[test]
fn explicit_class_weights_are_compared_by_repeating_the_flag() {
    let (report, terminal) = eval(
        "2",
        &[
            "--class-weight",
            "balanced",
            "--class-weight",
            "technology=0.5,health=2",
        ],
    );
    // Explicit weights show with their labels sorted.
    assert_eq!(
        names(&report),
        [
            "svm class_weight=balanced",
            "svm class_weight=health=2,technology=0.5"
        ]
    );
    let explicit = run(&report, "svm class_weight=health=2,technology=0.5");
    let labels = explicit["settings"]["labels"].as_array().unwrap();
    let weights = explicit["settings"]["classifier"]["class_weight"]["Explicit"]
        .as_array()
        .unwrap();
    let weight_of = |label: &str| weights[labels.iter().position(|l| l == label).unwrap()].clone();
    assert_eq!(
        (weight_of("health"), weight_of("technology")),
        (2.0.into(), 0.5.into())
    );
    assert_eq!(weight_of("sport"), 1.0);
    let best = report["leaderboard"][0]["ranking"][0].as_str().unwrap();
    let weighting = best.strip_prefix("svm class_weight=").unwrap();
    assert!(
        terminal.ends_with(&format!(
            "to train it: textclf train ... --classifier svm --class-weight {weighting}\n"
        )),
        "{terminal}"
    );
}

#[test]
fn a_solver_list_no_classifier_reads_is_one_run_and_a_warning() {
    let (report, _) = eval("2", &["--classifier", "svm,nb", "--loss", "hinge,log"]);
    assert_eq!(names(&report), ["svm", "nb"]);
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("--loss hinge,log: none of the classifiers compared (svm, nb) reads"),
        "{warnings}"
    );
}

#[test]
fn lists_are_usage_errors_in_train_and_bad_values_are_named() {
    let tmp = TempDir::new().unwrap();
    // The corpus does not exist: every error comes before any attempt to read it.
    let missing = tmp.path().join("missing.csv");
    let refused = |command: &str, extra: &[&str], message: &str| {
        let out = Command::cargo_bin("textclf")
            .unwrap()
            .args([command, "--label", "topic", "--data"])
            .arg(&missing)
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(message),
            "stderr lacks {message:?}:\n{stderr}"
        );
    };
    refused(
        "train",
        &["--c", "0.1,1"],
        "--c 0.1,1: train fits one model, so it takes one value; to compare values on the \
         same folds, use `textclf eval ... --c 0.1,1`",
    );
    refused(
        "train",
        &["--ngrams", "1-1", "--ngrams", "1-2"],
        "--ngrams 1-1,1-2: train",
    );
    for command in ["train", "eval"] {
        refused(
            command,
            &["--ngrams", "1,2"],
            "--ngrams 1,2: write an n-gram range as MIN-MAX (1-2 for unigrams and bigrams)",
        );
    }
    refused(
        "train",
        &["--max-features", "10,20"],
        "--max-features 10,20: train",
    );
    refused(
        "train",
        &["--stem", "none,english"],
        "--stem none,english: train",
    );
    refused(
        "eval",
        &["--stem", "none,klingon"],
        "--stem: unknown stemmer \"klingon\"",
    );
    refused(
        "eval",
        &["--max-df", "0.5,2.0"],
        "--max-df '2.0': expected a document count",
    );
    refused(
        "eval",
        &["--c", "0.5,-1"],
        "invalid hyperparameter: svm C must be a finite number > 0, got -1",
    );
    refused(
        "eval",
        &["--classifier", "svm,nb", "--alpha", "0.1,-2"],
        "naive Bayes smoothing alpha must be a finite number >= 0, got -2",
    );
    refused(
        "eval",
        &["--min-df", "1,x"],
        "--min-df 'x': expected a document count",
    );
    refused(
        "eval",
        &["--ngrams", "1-1,2-1"],
        "invalid n-gram range (2, 1)",
    );
    refused(
        "eval",
        &["--c", "1,0.5,1"],
        "--c 1,0.5,1: 1 is listed twice",
    );
    for (flag, list) in [
        ("--loss", "hinge,log"),
        ("--epochs", "5,10"),
        ("--tol", "0.1,0.01"),
        ("--max-iter", "10,100"),
        ("--class-weight", "none,balanced"),
    ] {
        refused(
            "train",
            &[flag, list],
            &format!("{flag} {list}: train fits one model"),
        );
    }
    refused(
        "train",
        &["--class-weight", "balanced", "--class-weight", "a=2,b=1"],
        "--class-weight balanced --class-weight a=2,b=1: train fits one model, so it takes one \
         value; to compare values on the same folds, use `textclf eval ... --class-weight \
         balanced --class-weight a=2,b=1`",
    );
    refused(
        "eval",
        &["--class-weight", "balanced,a=2"],
        "'balanced' is a keyword and the rest are LABEL=WEIGHT pairs",
    );
    refused(
        "eval",
        &["--class-weight", "none,heavy"],
        "'heavy': expected LABEL=WEIGHT, 'balanced' or 'none'",
    );
    refused(
        "eval",
        &["--loss", "log,huber"],
        "invalid value 'huber' for '--loss",
    );
    refused(
        "eval",
        &["--classifier", "sgd", "--epochs", "10,0"],
        "sgd epochs must be at least 1",
    );
    refused(
        "eval",
        &["--classifier", "svm,sgd", "--tol", "0.1,-1"],
        "svm tolerance must be a finite number > 0, got -1",
    );
    // Values compare as parsed: two spellings of one value are a repeat.
    for (flag, list, message) in [
        ("--c", "1,1.0", "--c 1,1: 1 is listed twice"),
        (
            "--ngrams",
            "1-2,01-2",
            "--ngrams 1-2,01-2: 01-2 is 1-2 again, listed twice",
        ),
        (
            "--ngrams",
            "1-2,1..2",
            "--ngrams 1-2,1..2: 1..2 is 1-2 again",
        ),
        ("--min-df", "2,2", "--min-df 2,2: 2 is listed twice"),
        ("--max-df", "0.5,.50", "--max-df 0.5,.50: .50 is 0.5 again"),
        (
            "--stem",
            "english,EN",
            "--stem english,EN: EN is english again",
        ),
        (
            "--stop-words",
            "none,english,English",
            "English is english again",
        ),
        (
            "--loss",
            "log,hinge,log",
            "--loss log,hinge,log: log is listed twice",
        ),
        (
            "--max-iter",
            "100,0100",
            "--max-iter 100,100: 100 is listed twice",
        ),
    ] {
        refused("eval", &[flag, list], message);
    }
    refused(
        "eval",
        &["--class-weight", "a=1,b=2", "--class-weight", "b=2,a=1"],
        "--class-weight a=1,b=2 --class-weight a=1,b=2: a=1,b=2 is listed twice",
    );
}
