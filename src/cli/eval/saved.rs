//! `textclf eval --model-dir`: saved models scored on a labelled corpus, as fastText's
//! `fasttext test` or scikit-learn's `classification_report` on a pickled pipeline. Nothing
//! is trained: each model's own vectorizer turns the texts into its features, its answers
//! are exactly `predict`'s, and they are scored against the corpus's labels in the report
//! a `--test` evaluation writes.

use super::{
    read_reported, report_of, unlabelled_warning, unseen_class_warning, EvalArgs, TestRun,
};
use crate::bundle::ModelBundle;
use crate::cli::output::spinner;
use crate::cli::UsageError;
use crate::corpus::Document;
use crate::eval::{EvalReport, EvalRun, FoldPrediction, Timings};
use crate::features::SparseRecords;
use crate::pipeline::{bundle_features, feature_sharing, select_rows, LabelledTask};
use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

/// One saved model to score, and where its gold labels are.
struct SavedModel {
    /// The model file.
    path: PathBuf,
    /// What the file holds.
    bundle: ModelBundle,
    /// The label column holding its gold labels: the column it was trained on (its
    /// recorded task), unless `--label` names another.
    gold: String,
}

impl SavedModel {
    /// The run's name in the report: the classifier, then the file, which tells apart two
    /// models of one task (`svm (topic.model)`, `svm (topic-v2.model)`).
    fn run_name(&self) -> String {
        let file = self.path.file_name().unwrap_or_default().to_string_lossy();
        format!("{} ({file})", self.bundle.model.kind().name())
    }

    /// What the run used, as the report records it: the model file and everything it was
    /// trained with, and the classes scored.
    fn settings(&self, task: &LabelledTask) -> Value {
        let b = &self.bundle;
        json!({
            "model": self.path.display().to_string(),
            "trained_task": b.task,
            "trained_on": {
                "corpus": b.info.corpus,
                "documents": b.info.documents,
                "textclf_version": b.info.textclf_version,
            },
            "classifier": b.info.settings,
            "analyzer": b.vectorizer.analyzer().config(),
            "tfidf": b.vectorizer.params(),
            "pair_col": b.pair.as_ref().map(|p| &p.column),
            "labels": task.labels,
        })
    }
}

/// Scores every model that `--model-dir` (narrowed by `--task`) holds on `--data`, each
/// against its gold-label column; the report has one run per model.
pub(super) fn evaluate(args: &EvalArgs, dir: &Path, quiet: bool) -> Result<EvalReport> {
    let models = load(args, dir)?;
    refuse_missing_pairs(args, &models)?;
    let columns = gold_columns(&models);
    let opts = args.corpus.read_options(&columns, true, None)?;
    let pb = spinner(&format!("reading {}", args.data.display()), quiet);
    let mut warnings = Vec::new();
    let docs = read_reported(&args.data, &opts, &mut warnings)?;
    pb.finish_and_clear();
    if docs.is_empty() {
        bail!("{}: the corpus holds no documents", args.data.display());
    }
    let features = vectorize(&models, &docs)?;
    let mut runs = Vec::with_capacity(models.len());
    let mut n_documents = 0;
    for (m, shared) in models.iter().zip(&features) {
        let column = columns
            .iter()
            .position(|c| *c == m.gold)
            .expect("every gold column is read");
        let task = gold_task(args, &docs, column, m, &mut warnings)?;
        n_documents = n_documents.max(task.rows.len());
        runs.push(score(m, &task, &shared.0, shared.1)?);
    }
    Ok(report_of(
        args,
        n_documents,
        json!({
            "mode": "saved-models",
            "model_dir": dir.display().to_string(),
            "text_cols": args.corpus.text_col,
            "pair_col": args.corpus.pair_col,
        }),
        warnings,
        runs,
    ))
}

/// The gold-label columns of `models`, each once, in the order of the models.
fn gold_columns(models: &[SavedModel]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for m in models {
        if !columns.contains(&m.gold) {
            columns.push(m.gold.clone());
        }
    }
    columns
}

/// Model `m`'s task: label column `column` of `docs` with the model's own classes (another
/// model's would count in its macro averages). Adds to `warnings` the documents without
/// a label (once per column) and the gold classes the model never learnt; a column
/// without any label is an error.
fn gold_task(
    args: &EvalArgs,
    docs: &[Document],
    column: usize,
    m: &SavedModel,
    warnings: &mut Vec<String>,
) -> Result<LabelledTask> {
    let task = LabelledTask::scored_against(docs, column, &m.gold, &m.bundle.labels);
    if task.rows.is_empty() {
        bail!(
            "{}: label column '{}': no document has a label to score {} against",
            args.data.display(),
            task.name,
            m.path.display()
        );
    }
    // Once per column, however many models are scored against it.
    if let Some(note) = unlabelled_warning(&task, "document(s)") {
        if !warnings.contains(&note) {
            warnings.push(note);
        }
    }
    let trained = format!("the training corpus of {}", m.path.display());
    warnings.extend(
        task.classes_outside(&m.bundle.labels)
            .iter()
            .map(|label| unseen_class_warning(&task.name, label, "the corpus", &trained)),
    );
    Ok(task)
}

/// Loads the models `--task` names (all of `dir`'s without it, as `predict` does), each
/// with its gold-label column: the `--label` given in the same place as its `--task`, or
/// the column it was trained on.
fn load(args: &EvalArgs, dir: &Path) -> Result<Vec<SavedModel>> {
    if !args.label.is_empty() && args.label.len() != args.task.len() {
        bail!(UsageError(format!(
            "with --model-dir, each --label COLUMN names the gold labels of the --task in the \
             same place ({} --task, {} --label); without --label each model is scored on the \
             column it was trained on",
            args.task.len(),
            args.label.len()
        )));
    }
    crate::cli::predict::model_paths(dir, &args.task)?
        .into_iter()
        .enumerate()
        .map(|(i, (path, _))| {
            let bundle = crate::cli::predict::load_model(&path)?;
            let gold = args.label.get(i).unwrap_or(&bundle.task).clone();
            Ok(SavedModel { path, bundle, gold })
        })
        .collect()
}

/// Refuses, before the corpus is read, a paired model without `--pair-col`: it scores a
/// text with its pair text, and the corpus would be read without them.
fn refuse_missing_pairs(args: &EvalArgs, models: &[SavedModel]) -> Result<()> {
    if args.corpus.pair_col.is_some() {
        return Ok(());
    }
    if let Some((m, pair)) = models
        .iter()
        .find_map(|m| m.bundle.pair.as_ref().map(|p| (m, p)))
    {
        bail!(UsageError(format!(
            "{}: a paired model (trained with --pair-col '{}'): it scores a text together with \
             its pair text; give eval --pair-col {:?} (and --text-col for the main text)",
            m.path.display(),
            pair.column,
            pair.column
        )));
    }
    Ok(())
}

/// Every document's feature rows for each model, with the seconds they took: computed
/// once per distinct vectorizer ([`feature_sharing`]) and shared by the models that use
/// it, as `predict` does.
fn vectorize(models: &[SavedModel], docs: &[Document]) -> Result<Vec<Rc<(SparseRecords, f64)>>> {
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    // Documents carry a pair text exactly when --pair-col was given (the reader requires it).
    let pairs: Option<Vec<&str>> = docs.iter().map(|d| d.pair.as_deref()).collect();
    let bundles: Vec<&ModelBundle> = models.iter().map(|m| &m.bundle).collect();
    let shares = feature_sharing(&bundles);
    let mut out: Vec<Rc<(SparseRecords, f64)>> = Vec::with_capacity(models.len());
    for (i, b) in bundles.iter().enumerate() {
        let features = if shares[i] == i {
            let start = Instant::now();
            let x = bundle_features(b, &texts, pairs.as_deref())?;
            Rc::new((x, start.elapsed().as_secs_f64()))
        } else {
            Rc::clone(&out[shares[i]])
        };
        out.push(features);
    }
    Ok(out)
}

/// Scores one model on its task's documents, given every document's features `x`.
fn score(
    m: &SavedModel,
    task: &LabelledTask,
    x: &SparseRecords,
    vectorize_s: f64,
) -> Result<EvalRun> {
    let x = select_rows(x, &task.rows);
    let start = Instant::now();
    let classes = m.bundle.model.predict(&x).to_vec();
    let predict_s = start.elapsed().as_secs_f64();
    // The task's classes include the model's, maybe with more: its index of each.
    let index: Vec<usize> = m
        .bundle
        .labels
        .iter()
        .map(|l| {
            task.labels
                .binary_search(l)
                .expect("the task's classes include the model's")
        })
        .collect();
    let prediction = FoldPrediction {
        predictions: classes.into_iter().map(|k| index[k]).collect(),
        timings: Timings {
            vectorize_s,
            fit_s: 0.0,
            predict_s,
        },
    };
    let run = TestRun {
        name: m.run_name(),
        settings: m.settings(task),
        n_train: m.bundle.info.documents,
    };
    run.score(task, &task.y, &prediction)
}
