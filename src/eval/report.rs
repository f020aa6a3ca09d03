//! Cross-validation results: per fold, per run (one classifier on one task), and the whole
//! evaluation with its leaderboard. Everything serialises to JSON with every figure, so a
//! report can be archived, compared, or re-rendered later.

use serde::{Deserialize, Serialize};

use super::folds::train_test_indices;
use super::metrics::ClassificationReport;
use super::EvalError;

/// Wall-clock seconds spent in each stage of one fold (or summed / averaged over folds).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Timings {
    /// Fitting the vectorizer on the training part and transforming both parts.
    pub vectorize_s: f64,
    /// Training the classifier.
    pub fit_s: f64,
    /// Predicting the test part.
    pub predict_s: f64,
}

impl Timings {
    /// All stages together.
    pub fn total_s(&self) -> f64 {
        self.vectorize_s + self.fit_s + self.predict_s
    }

    fn add(&self, o: &Timings) -> Timings {
        Timings {
            vectorize_s: self.vectorize_s + o.vectorize_s,
            fit_s: self.fit_s + o.fit_s,
            predict_s: self.predict_s + o.predict_s,
        }
    }

    fn scale(&self, f: f64) -> Timings {
        Timings {
            vectorize_s: self.vectorize_s * f,
            fit_s: self.fit_s * f,
            predict_s: self.predict_s * f,
        }
    }
}

/// The outcome of one fold: the model trained on the other folds, scored on this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// Fold index, from 0.
    pub fold: usize,
    /// Training samples (all other folds).
    pub n_train: usize,
    /// Test samples (this fold).
    pub n_test: usize,
    /// Metrics of this fold's predictions.
    pub report: ClassificationReport,
    /// FNC-1 score of this fold, when the labels are the FNC-1 stances.
    pub fnc_score: Option<f64>,
    /// Time spent on this fold.
    pub timings: Timings,
}

impl FoldResult {
    /// Scores one fold's predictions (`y_pred` parallel to `y_true`, the test part).
    pub fn new(
        fold: usize,
        n_train: usize,
        y_true: &[usize],
        y_pred: &[usize],
        labels: &[String],
        timings: Timings,
    ) -> Result<Self, EvalError> {
        let report = ClassificationReport::new(y_true, y_pred, labels)?;
        Ok(FoldResult {
            fold,
            n_train,
            n_test: y_true.len(),
            fnc_score: report.fnc_score(),
            report,
            timings,
        })
    }
}

/// Mean and standard deviation of one figure across folds.
///
/// The standard deviation is the population one (ddof = 0, NumPy's `np.std` default), as
/// most scikit-learn users report `scores.mean() ± scores.std()` from `cross_val_score`.
/// With k folds the sample version (ddof = 1, pandas' default) is √(k/(k−1)) larger,
/// 1.118× for k = 5.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct MeanStd {
    /// Arithmetic mean across folds.
    pub mean: f64,
    /// Population standard deviation across folds (ddof = 0).
    pub std: f64,
}

impl MeanStd {
    /// Mean and population std; both 0 for no values (never NaN, which JSON cannot hold).
    pub fn of(values: &[f64]) -> MeanStd {
        if values.is_empty() {
            return MeanStd::default();
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        MeanStd {
            mean,
            std: var.sqrt(),
        }
    }
}

/// Across-fold summary of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of folds summarised.
    pub n_folds: usize,
    /// Accuracy across folds.
    pub accuracy: MeanStd,
    /// Macro-averaged F1 across folds (the leaderboard's key).
    pub macro_f1: MeanStd,
    /// Support-weighted F1 across folds.
    pub weighted_f1: MeanStd,
    /// Micro F1 across folds (equals accuracy for single-label data).
    pub micro_f1: MeanStd,
    /// Only for the FNC-1 label set.
    pub fnc_score: Option<MeanStd>,
    /// One per label, in label order.
    pub per_class_f1: Vec<MeanStd>,
    /// Mean seconds per fold for each stage.
    pub timings_mean: Timings,
    /// Seconds over all folds.
    pub timings_total: Timings,
}

impl Summary {
    /// Summarises fold results; `n_labels` sizes `per_class_f1` even with no folds.
    pub fn of(folds: &[FoldResult], n_labels: usize) -> Summary {
        let col =
            |f: &dyn Fn(&FoldResult) -> f64| MeanStd::of(&folds.iter().map(f).collect::<Vec<_>>());
        let fnc: Option<Vec<f64>> = folds.iter().map(|f| f.fnc_score).collect();
        let total = folds
            .iter()
            .fold(Timings::default(), |acc, f| acc.add(&f.timings));
        Summary {
            n_folds: folds.len(),
            accuracy: col(&|f| f.report.accuracy),
            macro_f1: col(&|f| f.report.macro_avg.f1),
            weighted_f1: col(&|f| f.report.weighted_avg.f1),
            micro_f1: col(&|f| f.report.micro_avg.f1),
            fnc_score: fnc.filter(|v| !v.is_empty()).map(|v| MeanStd::of(&v)),
            per_class_f1: (0..n_labels)
                .map(|c| col(&|f| f.report.per_class.get(c).map_or(0.0, |m| m.f1)))
                .collect(),
            timings_mean: if folds.is_empty() {
                Timings::default()
            } else {
                total.scale(1.0 / folds.len() as f64)
            },
            timings_total: total,
        }
    }
}

/// One classifier cross-validated on one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRun {
    /// The label column / task name.
    pub task: String,
    /// The run's display name: the classifier's (e.g. "logreg"), followed, for a run of a
    /// grid, by the settings its grid varies (e.g. "svm C=0.1 ngrams=1-2"); unique per task.
    pub classifier: String,
    /// Every setting used (analyzer, vectorizer, classifier hyper-parameters, k, seed,
    /// grouping), enough to reproduce the run.
    pub settings: serde_json::Value,
    /// Each fold's figures, in fold order.
    pub folds: Vec<FoldResult>,
    /// Metrics over all out-of-fold predictions pooled together.
    pub pooled: ClassificationReport,
    /// FNC-1 score of the pooled predictions, when applicable.
    pub pooled_fnc_score: Option<f64>,
    /// Mean ± std across folds.
    pub summary: Summary,
}

impl EvalRun {
    /// Assembles a run and computes its summary.
    pub fn new(
        task: impl Into<String>,
        classifier: impl Into<String>,
        settings: serde_json::Value,
        folds: Vec<FoldResult>,
        pooled: ClassificationReport,
    ) -> EvalRun {
        let summary = Summary::of(&folds, pooled.labels.len());
        EvalRun {
            task: task.into(),
            classifier: classifier.into(),
            settings,
            folds,
            pooled_fnc_score: pooled.fnc_score(),
            pooled,
            summary,
        }
    }

    /// Labels of this run's task, in class-index order.
    pub fn labels(&self) -> &[String] {
        &self.pooled.labels
    }
}

/// What a fold callback returns: predictions for the test indices (same order) and how
/// long each stage took.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FoldPrediction {
    /// Predicted class index of each test sample, in the order of the test indices.
    pub predictions: Vec<usize>,
    /// Time spent on the fold.
    pub timings: Timings,
}

/// Runs k-fold cross-validation given a fold assignment and a callback that trains on the
/// training indices and predicts the test indices of one fold.
///
/// Folds run in order 0..k, one after the other (the callback may parallelise inside), so
/// the result is deterministic whenever the callback is. The error type only needs to
/// absorb [`EvalError`], e.g. `anyhow::Error`.
pub fn cross_validate<E, F>(
    task: &str,
    classifier: &str,
    settings: serde_json::Value,
    y: &[usize],
    labels: &[String],
    folds: &[usize],
    mut run_fold: F,
) -> Result<EvalRun, E>
where
    E: From<EvalError>,
    F: FnMut(usize, &[usize], &[usize]) -> Result<FoldPrediction, E>,
{
    if folds.len() != y.len() {
        return Err(EvalError::LengthMismatch {
            what: "fold assignment (one per sample)",
            expected: y.len(),
            got: folds.len(),
        }
        .into());
    }
    let k = folds.iter().max().map_or(0, |&m| m + 1);
    let mut oof = vec![0usize; y.len()];
    let mut results = Vec::with_capacity(k);
    for fold in 0..k {
        let (train, test) = train_test_indices(folds, fold);
        let out = run_fold(fold, &train, &test)?;
        if out.predictions.len() != test.len() {
            return Err(EvalError::LengthMismatch {
                what: "fold predictions (one per test sample)",
                expected: test.len(),
                got: out.predictions.len(),
            }
            .into());
        }
        let y_test: Vec<usize> = test.iter().map(|&i| y[i]).collect();
        results.push(FoldResult::new(
            fold,
            train.len(),
            &y_test,
            &out.predictions,
            labels,
            out.timings,
        )?);
        for (&i, &p) in test.iter().zip(&out.predictions) {
            oof[i] = p;
        }
    }
    let pooled = ClassificationReport::new(y, &oof, labels)?;
    Ok(EvalRun::new(task, classifier, settings, results, pooled))
}

/// Where the evaluated documents came from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CorpusInfo {
    /// Path or name of the corpus as the user gave it.
    pub source: String,
    /// Documents of this corpus used (after dropping unlabelled ones); with a separate
    /// test corpus, the training documents only (each run's folds count both sides).
    pub n_documents: usize,
}

/// A whole evaluation: every classifier on every task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Producing program and version, e.g. "textclf 0.1.0".
    pub tool: String,
    /// When the report was made, as the caller formats it; `None` keeps output
    /// byte-for-byte reproducible.
    pub created: Option<String>,
    /// The evaluated corpus.
    pub corpus: CorpusInfo,
    /// Settings shared by all runs (folds, seed, grouping, analyzer...).
    pub settings: serde_json::Value,
    /// Notes for the reader, e.g. [`super::FoldWarning::describe`] lines.
    pub warnings: Vec<String>,
    /// Every classifier on every task, in the order they ran.
    pub runs: Vec<EvalRun>,
}

/// The runs of one task, best first.
#[derive(Debug, Clone)]
pub struct TaskBoard<'a> {
    /// The task's name.
    pub task: &'a str,
    /// Its runs, best first.
    pub runs: Vec<&'a EvalRun>,
}

impl EvalReport {
    /// One board per task (tasks in order of first appearance), runs ranked by mean
    /// macro-F1 across folds, ties broken by mean accuracy, then classifier name. Macro-F1
    /// leads because news labels are imbalanced (FNC-1 is 73% "unrelated"), where accuracy
    /// rewards ignoring the small classes.
    pub fn leaderboard(&self) -> Vec<TaskBoard<'_>> {
        let mut boards: Vec<TaskBoard<'_>> = Vec::new();
        for run in &self.runs {
            match boards.iter_mut().find(|b| b.task == run.task) {
                Some(b) => b.runs.push(run),
                None => boards.push(TaskBoard {
                    task: &run.task,
                    runs: vec![run],
                }),
            }
        }
        for b in &mut boards {
            b.runs.sort_by(|a, b| {
                b.summary
                    .macro_f1
                    .mean
                    .total_cmp(&a.summary.macro_f1.mean)
                    .then(b.summary.accuracy.mean.total_cmp(&a.summary.accuracy.mean))
                    .then(a.classifier.cmp(&b.classifier))
            });
        }
        boards
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["a", "b", "c"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn mean_std_is_population_std() {
        let m = MeanStd::of(&[0.8, 0.9, 1.0]);
        assert!((m.mean - 0.9).abs() < 1e-12);
        assert!((m.std - (0.02f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(MeanStd::of(&[]), MeanStd::default());
        assert_eq!(MeanStd::of(&[0.5]).std, 0.0);
    }

    #[test]
    fn cross_validate_pools_out_of_fold_predictions() {
        let y = vec![0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
        let folds = vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
        // A "classifier" that predicts class 0 on fold 2 and the truth elsewhere.
        let run = cross_validate::<EvalError, _>(
            "topic",
            "dummy",
            serde_json::json!({"k": 3}),
            &y,
            &labels(),
            &folds,
            |fold, train, test| {
                assert_eq!(train.len() + test.len(), 10);
                Ok(FoldPrediction {
                    predictions: test
                        .iter()
                        .map(|&i| if fold == 2 { 0 } else { y[i] })
                        .collect(),
                    timings: Timings {
                        vectorize_s: 1.0,
                        fit_s: 2.0,
                        predict_s: fold as f64,
                    },
                })
            },
        )
        .unwrap();
        assert_eq!(run.folds.len(), 3);
        assert_eq!(run.folds[2].n_test, 4);
        assert_eq!(run.folds[2].n_train, 6);
        assert_eq!(run.folds[0].report.accuracy, 1.0);
        assert_eq!(run.folds[2].report.accuracy, 0.5);
        // Pooled: 8 of 10 right (fold 2 misses its 1 and 2).
        assert!((run.pooled.accuracy - 0.8).abs() < 1e-12);
        assert!((run.summary.accuracy.mean - 2.5 / 3.0).abs() < 1e-12);
        assert_eq!(run.summary.timings_total.fit_s, 6.0);
        assert_eq!(run.summary.timings_mean.predict_s, 1.0);
        assert_eq!(run.summary.per_class_f1.len(), 3);
        assert_eq!(run.summary.fnc_score, None);
        // Wrong prediction count is an error, not a panic.
        let err = cross_validate::<EvalError, _>(
            "t",
            "c",
            serde_json::Value::Null,
            &y,
            &labels(),
            &folds,
            |_, _, _| Ok(FoldPrediction::default()),
        );
        assert!(matches!(err, Err(EvalError::LengthMismatch { .. })));
    }

    #[test]
    fn leaderboard_ranks_by_macro_f1_then_accuracy() {
        let l = labels();
        let mk = |task: &str, name: &str, pred: &[usize]| {
            let y = [0, 0, 1, 1, 2, 2];
            let f = FoldResult::new(0, 10, &y, pred, &l, Timings::default()).unwrap();
            let pooled = f.report.clone();
            EvalRun::new(task, name, serde_json::Value::Null, vec![f], pooled)
        };
        let report = EvalReport {
            tool: "t".into(),
            created: None,
            corpus: CorpusInfo::default(),
            settings: serde_json::Value::Null,
            warnings: vec![],
            runs: vec![
                mk("topic", "weak", &[0, 0, 0, 0, 2, 2]),
                mk("stance", "only", &[0, 1, 1, 1, 2, 2]),
                mk("topic", "strong", &[0, 0, 1, 1, 2, 0]),
                mk("topic", "perfect-b", &[0, 0, 1, 1, 2, 2]),
                mk("topic", "perfect-a", &[0, 0, 1, 1, 2, 2]),
            ],
        };
        let boards = report.leaderboard();
        assert_eq!(boards.len(), 2);
        assert_eq!(boards[0].task, "topic");
        let order: Vec<&str> = boards[0]
            .runs
            .iter()
            .map(|r| r.classifier.as_str())
            .collect();
        assert_eq!(order, vec!["perfect-a", "perfect-b", "strong", "weak"]);
        assert_eq!(boards[1].runs[0].classifier, "only");
    }
}
