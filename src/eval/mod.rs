//! Cross-validation folds, metrics and report renderers.
//!
//! This module works on label *indices* and predictions only: it knows nothing of
//! documents, features or models, so the `eval` command can plug any classifier in
//! (through [`cross_validate`]) and the figures can be tested against scikit-learn alone.
//!
//! * [`folds`]: stratified and grouped-stratified k-fold assignment, seeded and deterministic.
//! * [`metrics`]: `classification_report`, `confusion_matrix` and `accuracy_score` as
//!   scikit-learn computes them (zero_division = 0), plus the FNC-1 score.
//! * [`report`]: per-fold results, runs, mean ± std summaries and the leaderboard.
//! * [`render`] and [`html`]: terminal, Markdown, JSON and self-contained HTML output.

pub mod folds;
pub mod html;
pub mod metrics;
pub mod render;
pub mod report;

pub use folds::{
    fold_warnings, grouped_stratified_folds, stratified_folds, train_test_indices, FoldWarning,
};
pub use html::render_html;
pub use metrics::{fnc_score, ClassMetrics, ClassificationReport};
pub use render::{render_json, render_markdown, render_terminal};
pub use report::{
    cross_validate, CorpusInfo, EvalReport, EvalRun, FoldPrediction, FoldResult, MeanStd, Summary,
    Timings,
};

/// What can go wrong when splitting or scoring; every variant says which input was bad
/// and how, because these inputs come straight from a user's corpus and options.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// k-fold needs at least two folds (one to test, one to train).
    #[error("cross-validation needs at least 2 folds, got k = {k}")]
    TooFewFolds {
        /// The number of folds asked for.
        k: usize,
    },
    /// More folds than samples (or groups) would leave some folds empty.
    #[error("cannot split {n} {unit} into k = {k} folds: k must not exceed the number of {unit}")]
    TooManyFolds {
        /// The number of folds asked for.
        k: usize,
        /// How many samples (or groups) there are.
        n: usize,
        /// "samples" or "groups".
        unit: &'static str,
    },
    /// Two inputs that must be parallel differ in length.
    #[error("{what}: expected {expected} entries, got {got}")]
    LengthMismatch {
        /// Which input was wrong.
        what: &'static str,
        /// The length it should have had.
        expected: usize,
        /// Its length.
        got: usize,
    },
    /// A label index does not name one of the given labels.
    #[error(
        "{what}[{position}] = {index} is not a valid label index (there are {n_labels} labels)"
    )]
    LabelOutOfRange {
        /// Which input (`y_true`, `y_pred`).
        what: &'static str,
        /// Position of the bad entry.
        position: usize,
        /// Its value.
        index: usize,
        /// How many labels there are.
        n_labels: usize,
    },
    /// A fold index does not exist.
    #[error("fold {fold} does not exist (folds run from 0 to {max})")]
    NoSuchFold {
        /// The fold asked for.
        fold: usize,
        /// The last existing fold.
        max: usize,
    },
    /// Scoring needs at least one label.
    #[error("no labels given: at least one class is needed to score predictions")]
    NoLabels,
}

/// Checks that every index in `y` names one of `n_labels` labels.
pub(crate) fn check_labels(
    what: &'static str,
    y: &[usize],
    n_labels: usize,
) -> Result<(), EvalError> {
    match y.iter().position(|&c| c >= n_labels) {
        Some(position) => Err(EvalError::LabelOutOfRange {
            what,
            position,
            index: y[position],
            n_labels,
        }),
        None => Ok(()),
    }
}
