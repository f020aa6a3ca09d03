//! `textclf eval`: stratified k-fold cross-validation, or train → test, of one or more
//! classifiers, and of every combination of listed hyperparameter values (a grid, as
//! scikit-learn's `GridSearchCV`), on the very same folds, reported side by side; or, with
//! `--model-dir`, saved models scored on a labelled corpus ([`saved`]).

mod saved;

use super::args::{
    default_classifier, parse_classifiers, CorpusArgs, FeatureArgs, FeatureSet, ModelArgs,
};
use super::grid::{GridPoint, Pick};
use super::output::{bar, spinner};
use crate::corpus::{read_corpus, Document, ReadOptions};
use crate::eval::{
    cross_validate, fold_warnings, grouped_stratified_folds, render_html, render_json,
    render_markdown, render_terminal, stratified_folds, train_test_indices, ClassificationReport,
    CorpusInfo, EvalReport, EvalRun, FoldPrediction, FoldResult,
};
use crate::models::{ClassifierKind, ModelSettings};
use crate::pipeline::{fit_and_predict_pairs, LabelledTask};
use anyhow::{bail, Context, Result};
use clap::Args;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Cross-validate classifiers (or train on one corpus and test on another, or score saved models) and report quality
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  textclf eval --data datasets/sample_news.csv --text-col title,text --label topic --label stance --classifier svm,logreg,cnb\n  textclf eval --data bbc/ --label topic --folds 5 --html bbc-report.html\n  textclf eval --data bbc/ --label topic --folds 5 --classifier svm,logreg --c 0.1,1,10 --ngrams 1-1,1-2   (a grid: every combination)\n  textclf eval --data bbc/ --label topic --classifier sgd --loss hinge,log --epochs 5,20 --class-weight none,balanced\n  textclf eval --data train_stances.csv --join train_bodies.csv --on 'Body ID' --text-col articleBody --label Stance --group-col 'Body ID' --folds 5\n  textclf eval --model-dir models --data new_news.csv --text-col title,text   (score the saved models, trained on nothing)\n  textclf eval --model-dir models --task topic --label category --data other.jsonl   (gold labels from another column)"
)]
pub struct EvalArgs {
    /// Labelled corpus (same formats as train); with --model-dir, the corpus the saved models
    /// are scored on
    #[arg(long)]
    pub data: PathBuf,
    /// Label column(s) to evaluate [default: label]; with --model-dir, the gold-label column
    /// of each --task, in order [default: the column each model was trained on]
    #[arg(long, value_parser = super::args::column_name)]
    pub label: Vec<String>,
    /// Score the models saved in this folder on --data instead of training any: all its
    /// .model files, or those --task names; each keeps the settings it was trained with
    #[arg(long, value_name = "DIR", conflicts_with_all = SAVED_MODELS_REFUSE)]
    pub model_dir: Option<PathBuf>,
    /// With --model-dir: only this model, DIR/TASK.model (repeatable)
    #[arg(long, requires = "model_dir")]
    pub task: Vec<String>,
    /// Classifiers to compare on the same folds, comma-separated [default: svm; two-stage
    /// with --pair-col]
    #[arg(long)]
    pub classifier: Option<String>,
    /// Number of stratified folds
    #[arg(long, default_value_t = 10)]
    pub folds: usize,
    /// Evaluate on this corpus instead of cross-validating (train on all of --data)
    #[arg(long, conflicts_with = "group_col")]
    pub test: Option<PathBuf>,
    /// Keep rows sharing a value of this column in one fold (e.g. FNC-1's "Body ID")
    #[arg(long, value_parser = super::args::column_name)]
    pub group_col: Option<String>,
    /// Also write every figure, per fold, with the settings, as JSON
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Also write the report as Markdown
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Also write a self-contained HTML page with charts
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Which fields of the corpus to read.
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// Analyzer and TF-IDF settings.
    #[command(flatten)]
    pub features: FeatureArgs,
    /// Classifier hyperparameters.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// What `--model-dir` refuses, by argument id: the options that choose or fit a model
/// (saved models keep the settings they were trained with: classifier, hyperparameters,
/// seed, every feature option) and those that split a corpus for training (saved models
/// train on nothing). Listed one by one rather than as the flattened groups, whose
/// conflict message names the group's first option, not the one given; a test checks
/// the list covers both groups.
const SAVED_MODELS_REFUSE: [&str; 22] = [
    "classifier",
    "folds",
    "test",
    "group_col",
    // FeatureArgs
    "stop_words",
    "stem",
    "ngrams",
    "token_pattern",
    "no_lowercase",
    "min_df",
    "max_df",
    "max_features",
    "no_sublinear_tf",
    // ModelArgs
    "c",
    "alpha",
    "tol",
    "max_iter",
    "epochs",
    "loss",
    "hinge",
    "class_weight",
    "seed",
];

impl EvalArgs {
    /// The label columns to train and test on (`label` unless named): for the modes that
    /// train, where `--label` has no other meaning.
    fn label_columns(&self) -> Vec<String> {
        if self.label.is_empty() {
            vec!["label".to_owned()]
        } else {
            self.label.clone()
        }
    }
}

/// Writes a report file atomically (its folder created if needed), as models are written:
/// a failed write never leaves half a report.
fn write_file(path: &Path, text: &str) -> Result<()> {
    crate::bundle::write_atomically(path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads a corpus for evaluation, adding to `warnings` what the report must say about the
/// reading: records skipped under `--skip-bad` (the figures leave them out) and the
/// reader's own warnings (e.g. zero padding after gzip data).
fn read_reported(
    path: &Path,
    opts: &ReadOptions,
    warnings: &mut Vec<String>,
) -> Result<Vec<Document>> {
    let t0 = Instant::now();
    let (docs, summary) = read_corpus(path, opts)?;
    super::output::log_read_summary(path, &summary, t0.elapsed());
    if summary.skipped_bad > 0 {
        let first = summary.skip_examples.first().map_or("", String::as_str);
        warnings.push(format!(
            "{}: {} bad record(s) skipped (--skip-bad) and left out of every figure; the first: {first}",
            path.display(),
            summary.skipped_bad
        ));
    }
    warnings.extend(summary.warnings);
    Ok(docs)
}

/// Refuses report paths that cannot be written before the evaluation runs, rather than
/// failing to write them once all the work is done: an existing folder, one path given
/// to two reports (the second would overwrite the first), a folder that takes no files.
fn check_report_paths(args: &EvalArgs) -> Result<()> {
    let paths: Vec<(&str, &Path)> = [
        ("--json", &args.json),
        ("--markdown", &args.markdown),
        ("--html", &args.html),
    ]
    .into_iter()
    .filter_map(|(flag, p)| Some((flag, p.as_deref()?)))
    .collect();
    for (i, &(flag, p)) in paths.iter().enumerate() {
        if p.is_dir() {
            bail!(super::UsageError(format!(
                "{flag} {}: is a folder; give the report a file name",
                p.display()
            )));
        }
        if let Some((other, _)) = paths[..i].iter().find(|(_, q)| same_file(p, q)) {
            bail!(super::UsageError(format!(
                "{other} and {flag} both name {}: one report would overwrite the other",
                p.display()
            )));
        }
        crate::bundle::check_writable_path(p).with_context(|| format!("{flag} {}", p.display()))?;
    }
    Ok(())
}

/// Whether two paths name one file: compared absolute (so `r.md` and `./r.md` match),
/// and through links when both exist.
fn same_file(a: &Path, b: &Path) -> bool {
    let resolve = |p: &Path| std::fs::canonicalize(p).or_else(|_| std::path::absolute(p));
    matches!((resolve(a), resolve(b)), (Ok(x), Ok(y)) if x == y)
}

/// Runs `textclf eval`: evaluates each classifier on every label column (cross-validation
/// or --test), or scores the saved models of --model-dir, writes the
/// --json/--markdown/--html files asked for, and prints the report unless `quiet`.
pub fn run(args: EvalArgs, quiet: bool) -> Result<()> {
    check_report_paths(&args)?;
    let (report, footer) = match &args.model_dir {
        Some(dir) => (saved::evaluate(&args, dir, quiet)?, String::new()),
        None => train_and_evaluate(&args, quiet)?,
    };
    write_report(&args, &report, &footer, quiet)
}

/// Prints the report unless `quiet`, with `footer` after it, and writes the
/// --json/--markdown/--html files asked for.
fn write_report(args: &EvalArgs, report: &EvalReport, footer: &str, quiet: bool) -> Result<()> {
    // The terminal report first: a report file that cannot be written then loses nothing.
    if !quiet {
        let color = super::output::colour_enabled(super::output::Stream::Stdout);
        // Tables are fitted to a terminal; elsewhere the report is the same on every system.
        let width = terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0);
        let mut out = super::output::stdout();
        write!(out, "{}", render_terminal(report, color, width))?;
        write!(out, "{footer}")?;
    }
    if let Some(p) = &args.json {
        write_file(p, &render_json(report))?;
    }
    if let Some(p) = &args.markdown {
        write_file(p, &render_markdown(report))?;
    }
    if let Some(p) = &args.html {
        write_file(p, &render_html(report))?;
    }
    Ok(())
}

/// The report of an evaluation of `--data` (`n_documents` scored), made by this program.
fn report_of(
    args: &EvalArgs,
    n_documents: usize,
    settings: Value,
    warnings: Vec<String>,
    runs: Vec<EvalRun>,
) -> EvalReport {
    EvalReport {
        tool: format!("textclf {}", env!("CARGO_PKG_VERSION")),
        created: None,
        corpus: CorpusInfo {
            source: args.data.display().to_string(),
            n_documents,
        },
        settings,
        warnings,
        runs,
    }
}

/// The warning that `task`'s `what` without a label were left out, if any were: figures
/// that silently cover fewer rows than the file would mislead.
fn unlabelled_warning(task: &LabelledTask, what: &str) -> Option<String> {
    (task.unlabelled > 0).then(|| {
        format!(
            "{}: {} {what} without a label left out of every figure",
            task.name, task.unlabelled
        )
    })
}

/// The warning for a class of a scored corpus that the model was never trained on:
/// scored, but none of its documents can be predicted right. `scored` names the corpus
/// and `trained` what the model learnt from.
fn unseen_class_warning(task: &str, label: &str, scored: &str, trained: &str) -> String {
    format!(
        "{task}: class '{label}' of {scored} is not in {trained}: none of its documents can be predicted right"
    )
}

/// Cross-validates or trains and tests every run asked for; returns the report and what
/// follows it on the terminal (each task's best run of a grid).
fn train_and_evaluate(args: &EvalArgs, quiet: bool) -> Result<(EvalReport, String)> {
    let labels = super::args::unique_labels(&args.label_columns());
    let kinds = match &args.classifier {
        Some(spec) => parse_classifiers(spec).map_err(|e| super::UsageError(e.to_string()))?,
        None => vec![default_classifier(args.corpus.pair_col.is_some())],
    };
    let grid = Grid::new(args, &kinds)?;
    if args.test.is_none() && args.folds < 2 {
        bail!(super::UsageError(format!(
            "--folds must be at least 2, got {}",
            args.folds
        )));
    }
    let opts = args
        .corpus
        .read_options(&labels, true, args.group_col.as_deref())?;
    let pb = spinner(&format!("reading {}", args.data.display()), quiet);
    let mut warnings = unread_warnings(&args.model, &kinds);
    let docs = read_reported(&args.data, &opts, &mut warnings)?;
    let test_docs = match &args.test {
        Some(p) => Some(read_reported(p, &opts, &mut warnings)?),
        None => None,
    };
    pb.finish_and_clear();
    if docs.is_empty() {
        bail!("{}: the corpus holds no documents", args.data.display());
    }

    let mut runs = Vec::new();
    let mut n_documents = 0;
    for (column, name) in labels.iter().enumerate() {
        let mut runs_for_task = match &test_docs {
            None => {
                let task = LabelledTask::from_documents(&docs, column, name)
                    .with_context(|| args.data.display().to_string())?;
                n_documents = n_documents.max(task.rows.len());
                warnings.extend(unlabelled_warning(&task, "document(s)"));
                cross_validate_task(args, &docs, &task, &grid, &mut warnings, quiet)?
            }
            Some(test) => {
                let (task, n, unseen) = train_test_task(&docs, test, column, name)
                    .with_context(|| args.data.display().to_string())?;
                n_documents = n_documents.max(n);
                warnings.extend(unlabelled_warning(&task, "test document(s)"));
                warnings.extend(unseen.iter().map(|label| {
                    unseen_class_warning(name, label, "the test corpus", "the training corpus")
                }));
                evaluate_on_test(args, &docs, test, column, &task, &grid)?
            }
        };
        runs.append(&mut runs_for_task);
    }

    let report = report_of(
        args,
        n_documents,
        json!({
            "mode": if args.test.is_some() { "train-test" } else { "k-fold" },
            "folds": if args.test.is_some() { None } else { Some(args.folds) },
            "test": args.test.as_ref().map(|p| p.display().to_string()),
            "group_col": args.group_col,
            "seed": args.model.seed,
            "text_cols": args.corpus.text_col,
            "pair_col": args.corpus.pair_col,
            // Shared by every run unless listed in a grid: then each run's own settings.
            "analyzer": grid.shared_features().map(|f| &f.analyzer),
            "tfidf": grid.shared_features().map(|f| &f.tfidf),
        }),
        warnings,
        runs,
    );
    let footer = grid.best_runs(&report);
    Ok((report, footer))
}

/// A warning for each option listing values that none of `kinds` reads (`--alpha` for
/// svm): a grid the user asked for that compares nothing.
fn unread_warnings(model: &ModelArgs, kinds: &[ClassifierKind]) -> Vec<String> {
    let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
    model
        .unread_lists(kinds)
        .into_iter()
        .map(|list| {
            format!(
                "{list}: none of the classifiers compared ({}) reads this option, so its values change nothing",
                names.join(", ")
            )
        })
        .collect()
}

/// The runs `eval` compares on each task: every classifier at each combination of the
/// model values it reads, on each combination of the feature values.
struct Grid {
    /// Classifier settings (class weights left to each task's labels), with their family.
    models: Vec<(ClassifierKind, GridPoint<ModelArgs>)>,
    /// Feature settings, each vectorized once per fold and shared by every model.
    features: Vec<FeatureSet>,
}

impl Grid {
    /// The grid `args` lists for `kinds`, every value checked before any data is read.
    fn new(args: &EvalArgs, kinds: &[ClassifierKind]) -> Result<Grid> {
        args.model.check(kinds, args.corpus.pair_col.is_some())?;
        let models = kinds
            .iter()
            .flat_map(|&k| args.model.grid(k).into_iter().map(move |p| (k, p)))
            .collect();
        Ok(Grid {
            models,
            features: args.features.grid()?,
        })
    }

    /// The feature settings when every run shares them (no feature grid).
    fn shared_features(&self) -> Option<&FeatureSet> {
        match &self.features[..] {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Each run as (model, feature set) indices, a classifier's runs together and in the
    /// order its values were listed.
    fn runs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let n_features = self.features.len();
        (0..self.models.len()).flat_map(move |m| (0..n_features).map(move |f| (m, f)))
    }

    /// A run's name: its classifier, then its gridded settings (`svm C=0.1 ngrams=1-2`);
    /// without a grid the classifier alone, as before grids existed.
    fn run_name(&self, m: usize, f: usize) -> String {
        let picks = self.picks(m, f).map(Pick::label);
        std::iter::once(self.models[m].0.name().to_string())
            .chain(picks)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The `train` options that fit a run's model: its classifier and gridded values.
    fn train_flags(&self, m: usize, f: usize) -> String {
        let picks = self.picks(m, f).map(Pick::flag);
        std::iter::once(format!("--classifier {}", self.models[m].0.name()))
            .chain(picks)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The gridded values of run (`m`, `f`), model settings first.
    fn picks(&self, m: usize, f: usize) -> impl Iterator<Item = &Pick> {
        self.models[m].1.picks.iter().chain(&self.features[f].picks)
    }

    /// For each task with several runs, its best run (the leaderboard's first) and the
    /// `train` options that fit that model: where a grid search ends.
    fn best_runs(&self, report: &EvalReport) -> String {
        let mut out = String::new();
        for board in report.leaderboard().iter().filter(|b| b.runs.len() > 1) {
            let best = board.runs[0];
            let run = self
                .runs()
                .find(|&(m, f)| self.run_name(m, f) == best.classifier);
            if let Some((m, f)) = run {
                if out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!(
                    "{}: best {} (macro-F1 {:.4}); to train it: textclf train ... {}\n",
                    board.task,
                    best.classifier,
                    best.summary.macro_f1.mean,
                    self.train_flags(m, f)
                ));
            }
        }
        out
    }

    /// Each model's settings for a task with `labels` (class weights resolved): those
    /// `train` would use, calibration included, so that every figure describes the model
    /// `train` saves (a calibrated SVM answers from its probabilities).
    fn settings(&self, labels: &[String]) -> Result<Vec<ModelSettings>> {
        self.models
            .iter()
            .map(|(kind, point)| point.args.settings(*kind, labels))
            .collect()
    }

    /// What a run used beyond the report's shared settings: its classifier settings and
    /// labels, and its feature settings when they are gridded.
    fn run_settings(&self, s: &ModelSettings, f: usize, task: &LabelledTask) -> Value {
        let mut v = json!({ "classifier": s, "labels": task.labels });
        if self.shared_features().is_none() {
            v["analyzer"] = json!(self.features[f].analyzer);
            v["tfidf"] = json!(self.features[f].tfidf);
        }
        v
    }

    /// Every run's predictions on one split, indexed `[feature set][model]`: each feature
    /// set is vectorized once and shared by every model.
    #[allow(clippy::too_many_arguments)]
    fn predict(
        &self,
        settings: &[ModelSettings],
        train: &[&str],
        train_pairs: Option<&[&str]>,
        y_train: &[usize],
        test: &[&str],
        test_pairs: Option<&[&str]>,
        n_classes: usize,
    ) -> Result<Vec<Vec<FoldPrediction>>> {
        self.features
            .iter()
            .map(|f| {
                fit_and_predict_pairs(
                    train,
                    train_pairs,
                    y_train,
                    test,
                    test_pairs,
                    n_classes,
                    &f.analyzer,
                    &f.tfidf,
                    settings,
                )
            })
            .collect()
    }
}

/// Cross-validates every run of `grid` on one task, on the same folds.
fn cross_validate_task(
    args: &EvalArgs,
    docs: &[Document],
    task: &LabelledTask,
    grid: &Grid,
    warnings: &mut Vec<String>,
    quiet: bool,
) -> Result<Vec<EvalRun>> {
    let settings = grid.settings(&task.labels)?;
    // The corpus and the column are named: "cannot split 1 groups into k = 3 folds" alone
    // said neither.
    let data = args.data.display();
    let folds = match &args.group_col {
        None => stratified_folds(&task.y, args.folds, args.model.seed)
            .with_context(|| format!("{data}: task '{}'", task.name))?,
        Some(col) => {
            let groups: Vec<String> = task
                .rows
                .iter()
                .map(|&r| {
                    docs[r].group.clone().with_context(|| {
                        format!(
                            "{data}: document '{}' has no value in --group-col '{col}'",
                            docs[r].id
                        )
                    })
                })
                .collect::<Result<_>>()?;
            grouped_stratified_folds(&task.y, &groups, args.folds, args.model.seed)
                .with_context(|| format!("{data}: --group-col '{col}'"))?
        }
    };
    for w in fold_warnings(&task.y, &folds, args.folds) {
        warnings.push(format!("{}: {}", task.name, w.describe(&task.labels)));
    }
    let pb = bar(args.folds as u64, &format!("{}: folds", task.name), quiet);
    // Folds run in parallel; each is deterministic, so the report does not depend on threads.
    let per_fold: Vec<Vec<Vec<FoldPrediction>>> = (0..args.folds)
        .into_par_iter()
        .map(|fold| {
            let (train, test) = train_test_indices(&folds, fold);
            let texts = |idx: &[usize]| {
                idx.iter()
                    .map(|&i| docs[task.rows[i]].text.as_str())
                    .collect::<Vec<_>>()
            };
            let pairs = |idx: &[usize]| {
                args.corpus.pair_col.as_ref().map(|_| {
                    idx.iter()
                        .map(|&i| docs[task.rows[i]].pair.as_deref().unwrap_or(""))
                        .collect::<Vec<_>>()
                })
            };
            let y_train: Vec<usize> = train.iter().map(|&i| task.y[i]).collect();
            let (train_pairs, test_pairs) = (pairs(&train), pairs(&test));
            let out = grid
                .predict(
                    &settings,
                    &texts(&train),
                    train_pairs.as_deref(),
                    &y_train,
                    &texts(&test),
                    test_pairs.as_deref(),
                    task.labels.len(),
                )
                .with_context(|| format!("task '{}', fold {}", task.name, fold + 1));
            log::info!(
                "task '{}', fold {}: trained on {}, tested on {}",
                task.name,
                fold + 1,
                train.len(),
                test.len()
            );
            pb.inc(1);
            out
        })
        .collect::<Result<_>>()?;
    pb.finish_and_clear();
    grid.runs()
        .map(|(m, f)| {
            cross_validate(
                &task.name,
                &grid.run_name(m, f),
                grid.run_settings(&settings[m], f, task),
                &task.y,
                &task.labels,
                &folds,
                |fold, _, _| Ok::<_, anyhow::Error>(per_fold[fold][f][m].clone()),
            )
        })
        .collect()
}

fn as_str(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The test task, its labels the union of training and test labels
/// ([`LabelledTask::scored_against`]); the test labels the training corpus lacks are
/// returned too, to be warned about, with the number of labelled training documents (the
/// corpus line counts `--data` alone). The training documents alone must hold two classes,
/// as `train` requires: a model fitted on one class would be scored as if it meant
/// something.
fn train_test_task(
    train: &[Document],
    test: &[Document],
    column: usize,
    name: &str,
) -> Result<(LabelledTask, usize, Vec<String>)> {
    let trained = LabelledTask::from_documents(train, column, name)?;
    let task = LabelledTask::scored_against(test, column, name, &trained.labels);
    let unseen = task.classes_outside(&trained.labels);
    Ok((task, trained.rows.len(), unseen))
}

/// Trains every run of `grid` on `train` and scores it on `test`, for label `column`.
fn evaluate_on_test(
    args: &EvalArgs,
    train: &[Document],
    test: &[Document],
    column: usize,
    task: &LabelledTask,
    grid: &Grid,
) -> Result<Vec<EvalRun>> {
    let pick = |docs: &[Document]| -> (Vec<String>, Vec<String>, Vec<usize>) {
        let mut out = (Vec::new(), Vec::new(), Vec::new());
        for d in docs {
            let Some(l) = d.label(column) else {
                continue;
            };
            out.0.push(d.text.clone());
            out.1.push(d.pair.clone().unwrap_or_default());
            out.2.push(
                task.labels
                    .binary_search_by(|x| x.as_str().cmp(l))
                    .expect("label in union"),
            );
        }
        out
    };
    let (train_texts, train_pairs, train_y) = pick(train);
    let (test_texts, test_pairs, test_y) = pick(test);
    let paired = args.corpus.pair_col.is_some();
    let (train_pairs, test_pairs) = (as_str(&train_pairs), as_str(&test_pairs));
    if test_texts.is_empty() {
        bail!(
            "{}: no labelled test documents for '{}'",
            args.test.as_ref().unwrap().display(),
            task.name
        );
    }
    let settings = grid.settings(&task.labels)?;
    let out = grid.predict(
        &settings,
        &as_str(&train_texts),
        paired.then_some(&train_pairs[..]),
        &train_y,
        &as_str(&test_texts),
        paired.then_some(&test_pairs[..]),
        task.labels.len(),
    )?;
    grid.runs()
        .map(|(m, f)| {
            let run = TestRun {
                name: grid.run_name(m, f),
                settings: grid.run_settings(&settings[m], f, task),
                n_train: train_texts.len(),
            };
            run.score(task, &test_y, &out[f][m])
        })
        .collect()
}

/// One model scored on a whole test corpus, reported as a run of one fold: a trained
/// run of `--test`, or a saved model of `--model-dir`.
struct TestRun {
    /// The run's name in the report.
    name: String,
    /// What the run used, for the report.
    settings: Value,
    /// The documents the model was trained on.
    n_train: usize,
}

impl TestRun {
    /// The run's figures for predictions `p` (indices into `task.labels`) of the test
    /// documents whose true classes are `y_true`.
    fn score(self, task: &LabelledTask, y_true: &[usize], p: &FoldPrediction) -> Result<EvalRun> {
        let fold = FoldResult::new(
            0,
            self.n_train,
            y_true,
            &p.predictions,
            &task.labels,
            p.timings,
        )?;
        let pooled = ClassificationReport::new(y_true, &p.predictions, &task.labels)?;
        Ok(EvalRun::new(
            &task.name,
            self.name,
            self.settings,
            vec![fold],
            pooled,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--model-dir` must refuse every option that fits a model: a new feature or model
    /// option left out of [`SAVED_MODELS_REFUSE`] would be ignored in silence.
    #[test]
    fn saved_models_refuse_every_feature_and_model_option() {
        let groups = ModelArgs::augment_args(FeatureArgs::augment_args(clap::Command::new("t")));
        for arg in groups.get_arguments() {
            let id = arg.get_id().as_str();
            assert!(
                SAVED_MODELS_REFUSE.contains(&id),
                "--model-dir does not refuse '{id}'"
            );
        }
        let eval = EvalArgs::augment_args(clap::Command::new("t"));
        for id in SAVED_MODELS_REFUSE {
            assert!(
                eval.get_arguments().any(|a| a.get_id() == id),
                "'{id}' is no eval option"
            );
        }
    }
}
