//! Sparse classifiers as linfa models, and the [`Model`] enum the bundle and CLI use.
//!
//! Each family lives in its own file with linfa `ParamGuard` params (checked
//! hyperparameters), `Fit<SparseRecords, Array1<usize>, ModelError>` on the checked params,
//! and a fitted model type implementing `PredictInplace<SparseRecords, Array1<usize>>`.
//! Class labels are indices `0..n_classes`; the bundle keeps their names.

pub mod nb;
pub mod svm;
pub mod logreg;
pub mod sgd;

use crate::features::SparseRecords;
use linfa::DatasetBase;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("invalid hyperparameter: {0}")]
    InvalidParam(String),
    #[error("cannot fit: {0}")]
    Data(String),
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

/// Which classifier family to train (`--classifier`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassifierKind { Nb, Cnb, Svm, Logreg, Sgd }

impl ClassifierKind {
    pub const ALL: [ClassifierKind; 5] = [Self::Nb, Self::Cnb, Self::Svm, Self::Logreg, Self::Sgd];
    pub fn name(self) -> &'static str {
        match self { Self::Nb => "nb", Self::Cnb => "cnb", Self::Svm => "svm", Self::Logreg => "logreg", Self::Sgd => "sgd" }
    }
}
impl fmt::Display for ClassifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.name()) }
}
impl FromStr for ClassifierKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.iter().copied().find(|k| k.name() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown classifier '{s}' (expected one of: nb, cnb, svm, logreg, sgd)"))
    }
}

/// How to weight classes in the loss (`--class-weight`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum ClassWeight {
    #[default]
    None,
    /// n_samples / (n_classes * count(class)), as scikit-learn's "balanced".
    Balanced,
    /// One weight per class index.
    Explicit(Vec<f32>),
}

impl ClassWeight {
    /// The weight of each class index for labels `y`.
    pub fn per_class(&self, y: &[usize], n_classes: usize) -> Vec<f32> {
        match self {
            ClassWeight::None => vec![1.0; n_classes],
            ClassWeight::Balanced => {
                let mut counts = vec![0usize; n_classes];
                for &c in y { counts[c] += 1; }
                counts.iter().map(|&n| if n == 0 { 1.0 } else { y.len() as f32 / (n_classes as f32 * n as f32) }).collect()
            }
            ClassWeight::Explicit(w) => (0..n_classes).map(|c| w.get(c).copied().unwrap_or(1.0)).collect(),
        }
    }
}

/// SGD loss functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SgdLoss { Hinge, Log, ModifiedHuber }

/// Every hyperparameter the command line can set; each family reads the ones it uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSettings {
    pub kind: ClassifierKind,
    /// Inverse regularisation strength for svm and logreg.
    pub c: f32,
    /// Additive smoothing for nb/cnb; L2 strength for sgd.
    pub alpha: f32,
    pub tol: f32,
    pub max_iter: usize,
    pub epochs: usize,
    pub sgd_loss: SgdLoss,
    /// Squared hinge (LinearSVC's default) when true, hinge when false.
    pub squared_hinge: bool,
    pub fit_intercept: bool,
    pub class_weight: ClassWeight,
    pub seed: u64,
}

impl ModelSettings {
    pub fn new(kind: ClassifierKind) -> Self {
        ModelSettings {
            kind, c: 1.0, alpha: if kind == ClassifierKind::Sgd { 1e-4 } else { 0.1 },
            tol: 1e-4, max_iter: 1000, epochs: 10, sgd_loss: SgdLoss::Hinge, squared_hinge: true,
            fit_intercept: true, class_weight: ClassWeight::None, seed: 42,
        }
    }
}

/// A fitted classifier of any family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Model {
    Nb(nb::MultinomialNb),
    Cnb(nb::ComplementNb),
    Svm(svm::LinearSvm),
    Logreg(logreg::LogisticRegression),
    Sgd(sgd::SgdClassifier),
}

impl Model {
    /// Fits the family named by `settings.kind` through its linfa params.
    /// Every target is `< n_classes` (a fold may lack some class; the model still has `n_classes` outputs).
    pub fn fit(_settings: &ModelSettings, _data: &DatasetBase<SparseRecords, Array1<usize>>, _n_classes: usize) -> Result<Model, ModelError> { todo!() }
    pub fn kind(&self) -> ClassifierKind { todo!() }
    pub fn n_classes(&self) -> usize { todo!() }
    pub fn n_features(&self) -> usize { todo!() }
    /// Per-class scores (n_samples × n_classes); higher is more likely.
    pub fn decision_function(&self, _x: &SparseRecords) -> Array2<f32> { todo!() }
    /// Per-class probabilities (rows sum to 1).
    pub fn predict_proba(&self, _x: &SparseRecords) -> Array2<f32> { todo!() }
    pub fn predict(&self, x: &SparseRecords) -> Array1<usize> {
        argmax_rows(&self.decision_function(x))
    }
    /// Per-class, per-feature weights (n_classes × n_features): linear weights, or the
    /// log-probability of each feature for naive Bayes. Used by inspect and explain.
    pub fn feature_weights(&self) -> Array2<f32> { todo!() }
}

/// Index of the largest value in each row (first on ties).
pub fn argmax_rows(scores: &Array2<f32>) -> Array1<usize> {
    scores.rows().into_iter().map(|r| {
        let mut best = 0;
        for (j, &v) in r.iter().enumerate() { if v > r[best] { best = j; } }
        best
    }).collect()
}

/// Turns each row of log-scores into probabilities with a stable log-sum-exp.
pub fn softmax_rows(scores: &mut Array2<f32>) {
    for mut row in scores.rows_mut() {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0f64;
        for v in row.iter_mut() { *v = (*v - max).exp(); sum += *v as f64; }
        let inv = (1.0 / sum) as f32;
        row.mapv_inplace(|v| v * inv);
    }
}
