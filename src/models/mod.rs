//! Sparse classifiers as linfa models, and the [`Model`] enum the bundle and CLI use.
//!
//! Each family lives in its own file with linfa `ParamGuard` params (checked
//! hyperparameters), `Fit<SparseRecords, Array1<usize>, ModelError>` on the checked params,
//! and a fitted model type implementing `PredictInplace<SparseRecords, Array1<usize>>`.
//! Class labels are indices `0..n_classes`; the bundle keeps their names.

pub mod logreg;
pub mod nb;
pub mod sgd;
pub mod svm;
pub mod two_stage;

use crate::features::SparseRecords;
use linfa::prelude::Fit;
use linfa::DatasetBase;
use linfa::ParamGuard;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a classifier could not be fitted.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A hyperparameter is out of range (checked before any work is done).
    #[error("invalid hyperparameter: {0}")]
    InvalidParam(String),
    /// The training data cannot be fitted: no documents, shapes that disagree, a label out
    /// of range, feature values the family cannot take.
    #[error("cannot fit: {0}")]
    Data(String),
    /// An error reported by linfa itself.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

/// Which classifier family to train (`--classifier`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassifierKind {
    /// Multinomial naive Bayes (`nb`).
    Nb,
    /// Complement naive Bayes (`cnb`).
    Cnb,
    /// Linear SVM, one-vs-rest, dual coordinate descent (`svm`).
    Svm,
    /// Multinomial logistic regression by L-BFGS (`logreg`).
    Logreg,
    /// Linear classifier by stochastic gradient descent, one-vs-rest (`sgd`).
    Sgd,
    /// Gate (majority class vs the rest), then the rest among themselves: for stance.
    TwoStage,
}

impl ClassifierKind {
    /// Every family, for parsing a name.
    pub const ALL: [ClassifierKind; 6] = [
        Self::Nb,
        Self::Cnb,
        Self::Svm,
        Self::Logreg,
        Self::Sgd,
        Self::TwoStage,
    ];
    /// The name used on the command line and in reports (`two-stage`, not `TwoStage`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Nb => "nb",
            Self::Cnb => "cnb",
            Self::Svm => "svm",
            Self::Logreg => "logreg",
            Self::Sgd => "sgd",
            Self::TwoStage => "two-stage",
        }
    }

    /// Whether the family reads hyperparameter `h`: an `eval` grid over its values
    /// multiplies only these families' runs (a `--c` list does not repeat nb's).
    pub fn reads(self, h: Hyperparameter) -> bool {
        use Hyperparameter as H;
        match h {
            // The solvers of the linear SVM (two-stage's two stages too) and of logreg.
            H::C | H::Tol | H::MaxIter => matches!(self, Self::Svm | Self::Logreg | Self::TwoStage),
            // nb and cnb smoothing, sgd's L2 strength.
            H::Alpha => matches!(self, Self::Nb | Self::Cnb | Self::Sgd),
            H::Epochs | H::Loss => self == Self::Sgd,
            // Sample weights for naive Bayes, loss weights for the others.
            H::ClassWeight => true,
        }
    }
}

/// A hyperparameter of [`ModelSettings`] that some families read and others ignore
/// ([`ClassifierKind::reads`]), so that a value one ignores adds none of its runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hyperparameter {
    /// `c`: inverse regularisation strength.
    C,
    /// `alpha`: smoothing or L2 strength.
    Alpha,
    /// `tol`: the solvers' stopping tolerance.
    Tol,
    /// `max_iter`: the solvers' iteration cap.
    MaxIter,
    /// `epochs`: sgd's passes over the data.
    Epochs,
    /// `sgd_loss`.
    Loss,
    /// `class_weight`.
    ClassWeight,
}
impl fmt::Display for ClassifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
impl FromStr for ClassifierKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!("unknown classifier '{s}' (expected one of: nb, cnb, svm, logreg, sgd, two-stage)")
            })
    }
}

/// How to weight classes in the loss (`--class-weight`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum ClassWeight {
    /// Every class weighs 1.
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
                for &c in y {
                    counts[c] += 1;
                }
                counts
                    .iter()
                    .map(|&n| {
                        if n == 0 {
                            1.0
                        } else {
                            y.len() as f32 / (n_classes as f32 * n as f32)
                        }
                    })
                    .collect()
            }
            ClassWeight::Explicit(w) => (0..n_classes)
                .map(|c| w.get(c).copied().unwrap_or(1.0))
                .collect(),
        }
    }
}

impl ClassWeight {
    /// `none`, `balanced`, or each class's weight (`{pos: 2, neg: 1}`) with the class
    /// names `labels` (class indices where a name is missing).
    pub fn describe(&self, labels: &[String]) -> String {
        match self {
            ClassWeight::None => "none".to_string(),
            ClassWeight::Balanced => "balanced".to_string(),
            ClassWeight::Explicit(w) => {
                let items: Vec<String> = w
                    .iter()
                    .enumerate()
                    .map(|(i, w)| match labels.get(i) {
                        Some(l) => format!("{l}: {w}"),
                        None => format!("{i}: {w}"),
                    })
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
        }
    }
}

/// SGD loss functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SgdLoss {
    /// Hinge loss (a linear SVM); probabilities are an uncalibrated softmax.
    Hinge,
    /// Logistic loss; probabilities are normalised one-vs-rest sigmoids.
    Log,
    /// Smoothed hinge, quadratic near the margin, robust to outliers.
    ModifiedHuber,
}

impl SgdLoss {
    /// scikit-learn's name for the loss (`modified_huber`).
    pub fn name(self) -> &'static str {
        match self {
            SgdLoss::Hinge => "hinge",
            SgdLoss::Log => "log_loss",
            SgdLoss::ModifiedHuber => "modified_huber",
        }
    }
}

/// Every hyperparameter the command line can set; each family reads the ones it uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSettings {
    /// The classifier family.
    pub kind: ClassifierKind,
    /// Inverse regularisation strength for svm and logreg.
    pub c: f32,
    /// Additive smoothing for nb/cnb; L2 strength for sgd.
    pub alpha: f32,
    /// Stopping tolerance of the svm (and two-stage) and logreg solvers.
    pub tol: f32,
    /// Iteration cap of the svm (and two-stage) and logreg solvers.
    pub max_iter: usize,
    /// Passes over the training data for sgd.
    pub epochs: usize,
    /// The loss sgd minimises.
    pub sgd_loss: SgdLoss,
    /// Squared hinge (LinearSVC's default) when true, hinge when false.
    pub squared_hinge: bool,
    /// Fit a bias term (all families but nb/cnb, which have class priors instead).
    pub fit_intercept: bool,
    /// How classes are weighted in the loss.
    pub class_weight: ClassWeight,
    /// Seed of the random streams (svm visiting order, sgd shuffling): a fixed seed gives
    /// the same model whatever the thread count.
    pub seed: u64,
    /// Fit calibrated probabilities (Platt scaling for svm), as `train` and `eval` do. Off,
    /// the SVM skips its internal cross-validation and answers from its margins (the
    /// two-stage model's second stage, comparisons of the bare solver).
    pub calibrate: bool,
}

impl ModelSettings {
    /// The defaults for family `kind` (what `train` uses unless told otherwise).
    pub fn new(kind: ClassifierKind) -> Self {
        use ClassifierKind::*;
        ModelSettings {
            kind,
            // logreg: C = 30 was best on the 20 Newsgroups dev split (80/20 of train), for
            // scikit-learn and for us alike; svm: LinearSVC's C = 1.
            c: if kind == Logreg { 30.0 } else { 1.0 },
            // sgd: scikit-learn's alpha; nb/cnb: smoothing tuned on the same dev split.
            alpha: match kind {
                Sgd => 1e-4,
                _ => 0.1,
            },
            // svm: twice LIBLINEAR's default for the dual solver (see `LinearSvmParams`: the
            // same accuracy on every proxy as 0.1, for a sixth less work).
            tol: if matches!(kind, Svm | TwoStage) {
                0.2
            } else {
                1e-4
            },
            max_iter: if kind == Logreg { 100 } else { 1000 },
            epochs: 10,
            sgd_loss: SgdLoss::Hinge,
            squared_hinge: true,
            fit_intercept: true,
            class_weight: ClassWeight::None,
            seed: 42,
            calibrate: true,
        }
    }

    /// Checks the hyperparameters family `kind` reads, through its own `ParamGuard`, before
    /// any data is at hand (the class count is taken as 3, enough for every family; the
    /// guard runs again when fitting, with the real count).
    pub fn check(&self) -> Result<(), ModelError> {
        const ANY_CLASSES: usize = 3;
        fn guard<P: ParamGuard<Error = ModelError>>(params: P) -> Result<(), ModelError> {
            params.check_ref().map(drop)
        }
        match self.kind {
            ClassifierKind::Nb => guard(nb::MultinomialNb::params_from(self, ANY_CLASSES)),
            ClassifierKind::Cnb => guard(nb::ComplementNb::params_from(self, ANY_CLASSES)),
            ClassifierKind::Svm => guard(svm::LinearSvm::params_from(self, ANY_CLASSES)),
            ClassifierKind::Logreg => {
                guard(logreg::LogisticRegression::params_from(self, ANY_CLASSES))
            }
            ClassifierKind::Sgd => guard(sgd::SgdClassifier::params_from(self, ANY_CLASSES)),
            ClassifierKind::TwoStage => guard(two_stage::TwoStage::params_from(self, ANY_CLASSES)),
        }
    }
}

impl ModelSettings {
    /// The settings family `kind` reads, with scikit-learn's names where it has them
    /// (`C=1, loss=squared_hinge, tol=0.2, ...`), for people reading a model's record:
    /// `labels` name the classes of an explicit class weighting.
    pub fn describe(&self, labels: &[String]) -> String {
        use ClassifierKind::*;
        use Hyperparameter as H;
        let kind = self.kind;
        let mut parts = Vec::new();
        if kind.reads(H::C) {
            parts.push(format!("C={}", self.c));
        }
        if kind.reads(H::Alpha) {
            parts.push(format!("alpha={}", self.alpha));
        }
        if matches!(kind, Svm | TwoStage) {
            let loss = if self.squared_hinge {
                "squared_hinge"
            } else {
                "hinge"
            };
            parts.push(format!("loss={loss}"));
        }
        if kind.reads(H::Loss) {
            parts.push(format!("loss={}", self.sgd_loss.name()));
        }
        if kind.reads(H::Tol) {
            parts.push(format!("tol={}", self.tol));
        }
        if kind.reads(H::MaxIter) {
            parts.push(format!("max_iter={}", self.max_iter));
        }
        if kind.reads(H::Epochs) {
            parts.push(format!("epochs={}", self.epochs));
        }
        if !matches!(kind, Nb | Cnb) {
            parts.push(format!("fit_intercept={}", self.fit_intercept));
        }
        parts.push(format!(
            "class_weight={}",
            self.class_weight.describe(labels)
        ));
        if matches!(kind, Svm | Sgd | TwoStage) {
            parts.push(format!("seed={}", self.seed));
        }
        if kind == Svm {
            let answers = if self.calibrate {
                "Platt-calibrated"
            } else {
                "margins"
            };
            parts.push(format!("probabilities={answers}"));
        }
        parts.join(", ")
    }
}

/// A fitted classifier of any family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Model {
    /// Multinomial naive Bayes.
    Nb(nb::MultinomialNb),
    /// Complement naive Bayes.
    Cnb(nb::ComplementNb),
    /// Linear SVM.
    Svm(svm::LinearSvm),
    /// Multinomial logistic regression.
    Logreg(logreg::LogisticRegression),
    /// SGD-trained linear classifier.
    Sgd(sgd::SgdClassifier),
    /// Gate plus second-stage SVMs.
    TwoStage(two_stage::TwoStage),
}

impl Model {
    /// Fits the family named by `settings.kind` through its linfa params.
    /// Every target is `< n_classes` (a fold may lack some class; the model still has `n_classes` outputs).
    pub fn fit(
        settings: &ModelSettings,
        data: &DatasetBase<SparseRecords, Array1<usize>>,
        n_classes: usize,
    ) -> Result<Model, ModelError> {
        Ok(match settings.kind {
            ClassifierKind::Nb => {
                Model::Nb(nb::MultinomialNb::params_from(settings, n_classes).fit(data)?)
            }
            ClassifierKind::Cnb => {
                Model::Cnb(nb::ComplementNb::params_from(settings, n_classes).fit(data)?)
            }
            ClassifierKind::Svm => {
                Model::Svm(svm::LinearSvm::params_from(settings, n_classes).fit(data)?)
            }
            ClassifierKind::Logreg => Model::Logreg(
                logreg::LogisticRegression::params_from(settings, n_classes).fit(data)?,
            ),
            ClassifierKind::Sgd => {
                Model::Sgd(sgd::SgdClassifier::params_from(settings, n_classes).fit(data)?)
            }
            ClassifierKind::TwoStage => {
                Model::TwoStage(two_stage::TwoStage::params_from(settings, n_classes).fit(data)?)
            }
        })
    }

    /// The family this model belongs to.
    pub fn kind(&self) -> ClassifierKind {
        match self {
            Model::Nb(_) => ClassifierKind::Nb,
            Model::Cnb(_) => ClassifierKind::Cnb,
            Model::Svm(_) => ClassifierKind::Svm,
            Model::Logreg(_) => ClassifierKind::Logreg,
            Model::Sgd(_) => ClassifierKind::Sgd,
            Model::TwoStage(_) => ClassifierKind::TwoStage,
        }
    }

    /// Number of outputs (classes), including classes absent from the training fold.
    pub fn n_classes(&self) -> usize {
        match self {
            Model::Nb(m) => m.n_classes(),
            Model::Cnb(m) => m.n_classes(),
            Model::Svm(m) => m.n_classes(),
            Model::Logreg(m) => m.n_classes(),
            Model::Sgd(m) => m.n_classes(),
            Model::TwoStage(m) => m.n_classes(),
        }
    }

    /// Number of input features the model was trained on.
    pub fn n_features(&self) -> usize {
        match self {
            Model::Nb(m) => m.n_features(),
            Model::Cnb(m) => m.n_features(),
            Model::Svm(m) => m.n_features(),
            Model::Logreg(m) => m.n_features(),
            Model::Sgd(m) => m.n_features(),
            Model::TwoStage(m) => m.n_features(),
        }
    }

    /// Per-class scores (n_samples × n_classes); higher is more likely.
    pub fn decision_function(&self, x: &SparseRecords) -> Array2<f32> {
        match self {
            Model::Nb(m) => m.decision_function(x),
            Model::Cnb(m) => m.decision_function(x),
            Model::Svm(m) => m.decision_function(x),
            Model::Logreg(m) => m.decision_function(x),
            Model::Sgd(m) => m.decision_function(x),
            Model::TwoStage(m) => m.decision_function(x),
        }
    }

    /// Per-class probabilities (rows sum to 1).
    pub fn predict_proba(&self, x: &SparseRecords) -> Array2<f32> {
        match self {
            Model::Nb(m) => m.predict_proba(x),
            Model::Cnb(m) => m.predict_proba(x),
            Model::Svm(m) => m.predict_proba(x),
            Model::Logreg(m) => m.predict_proba(x),
            Model::Sgd(m) => m.predict_proba(x),
            Model::TwoStage(m) => m.predict_proba(x),
        }
    }

    /// The answer for each row: its most probable class (ties to the lower index), what
    /// `textclf predict` prints. For every family this is also the argmax of
    /// [`Model::decision_function`] except the calibrated SVM, whose per-class Platt
    /// sigmoids can reorder close classes (as scikit-learn's `CalibratedClassifierCV`
    /// answers from its probabilities, not from the wrapped `LinearSVC`'s margins).
    pub fn predict(&self, x: &SparseRecords) -> Array1<usize> {
        argmax_rows(&self.predict_proba(x))
    }

    /// Per-class, per-feature weights (n_classes × n_features): linear weights, or the
    /// log-probability of each feature for naive Bayes. Used by inspect and explain.
    pub fn feature_weights(&self) -> Array2<f32> {
        match self {
            Model::Nb(m) => m.feature_weights(),
            Model::Cnb(m) => m.feature_weights(),
            Model::Svm(m) => m.feature_weights(),
            Model::Logreg(m) => m.feature_weights(),
            Model::Sgd(m) => m.feature_weights(),
            Model::TwoStage(m) => m.feature_weights(),
        }
    }
}

impl Model {
    /// How strongly each feature speaks for each class (n_classes × n_features), comparable
    /// within a class: the weights of linear models; for naive Bayes, the log-probability
    /// ratio of the feature in the class against the mean of the other classes, so that words
    /// common to every class do not top every list.
    pub fn feature_evidence(&self) -> Array2<f32> {
        let w = self.feature_weights();
        match self {
            Model::Nb(_) | Model::Cnb(_) => {
                let k = w.nrows();
                if k < 2 {
                    return w;
                }
                let total = w.sum_axis(ndarray::Axis(0));
                let mut out = w.clone();
                for (c, mut row) in out.rows_mut().into_iter().enumerate() {
                    for (j, v) in row.iter_mut().enumerate() {
                        let others = (total[j] - w[[c, j]]) / (k - 1) as f32;
                        *v = w[[c, j]] - others;
                    }
                }
                out
            }
            _ => w,
        }
    }
}

/// Scores `X·Wᵀ + b` (n_samples × n_classes) for a CSR `x` and dense `w` (n_classes × n_features).
///
/// Rows are scored in parallel, each by one thread in column order, so the result is
/// bit-identical at any thread count. Columns of `x` beyond `w`'s width are ignored: a feature
/// the model never saw carries no weight.
pub fn linear_scores(x: &SparseRecords, w: &Array2<f32>, b: &Array1<f32>) -> Array2<f32> {
    let w = w.as_standard_layout();
    let b = b.as_standard_layout();
    linear_scores_flat(
        x,
        w.as_slice().expect("standard layout"),
        b.as_slice().expect("standard layout"),
    )
}

/// [`linear_scores`] for weights stored row-major in one slice (`intercept.len()` rows).
pub(crate) fn linear_scores_flat(
    x: &SparseRecords,
    weights: &[f32],
    intercept: &[f32],
) -> Array2<f32> {
    let k = intercept.len();
    let nf = weights.len().checked_div(k).unwrap_or(0);
    let owned;
    let csr = if x.0.is_csr() {
        &x.0
    } else {
        owned = x.0.to_csr();
        &owned
    };
    let n = csr.rows();
    if k == 0 {
        return Array2::zeros((n, 0));
    }
    let mut out = vec![0.0f32; n * k];
    let indptr = csr.indptr();
    let indptr = indptr.raw_storage();
    let (ind, val) = (csr.indices(), csr.data());
    // Feature-major copy of the weights (one contiguous run of k per feature), so each
    // non-zero of a row reads one or two cache lines instead of k scattered ones. Each
    // class's sum still runs over the row's non-zeros in stored order, so the scores are
    // bit-identical to the class-major loop; the transpose costs one pass over the weights,
    // repaid when a batch has more than a handful of rows.
    if n < 64 {
        // A few rows (one article at a cold start): not worth the transpose.
        out.chunks_mut(k).enumerate().for_each(|(r, row)| {
            let (s, e) = (indptr[r], indptr[r + 1]);
            for (c, o) in row.iter_mut().enumerate() {
                let wc = &weights[c * nf..(c + 1) * nf];
                let mut acc = 0.0f32;
                for p in s..e {
                    let j = ind[p] as usize;
                    if j < nf {
                        acc += val[p] * wc[j];
                    }
                }
                *o = acc + intercept[c];
            }
        });
        return Array2::from_shape_vec((n, k), out).expect("n*k scores");
    }
    let mut wt = vec![0.0f32; nf * k];
    wt.par_chunks_mut(k).enumerate().for_each(|(j, t)| {
        for (c, o) in t.iter_mut().enumerate() {
            *o = weights[c * nf + j];
        }
    });
    out.par_chunks_mut(k).enumerate().for_each(|(r, row)| {
        let (s, e) = (indptr[r], indptr[r + 1]);
        row.fill(0.0);
        for p in s..e {
            let j = ind[p] as usize;
            if j < nf {
                let v = val[p];
                for (o, &w) in row.iter_mut().zip(&wt[j * k..j * k + k]) {
                    *o += v * w;
                }
            }
        }
        for (o, &b) in row.iter_mut().zip(intercept) {
            *o += b;
        }
    });
    Array2::from_shape_vec((n, k), out).expect("n*k scores")
}

/// Checks a training set before fitting: it has rows, one target per row, every target
/// below `n_classes`, and only finite feature values. `family` names the model in messages.
pub(crate) fn check_training_data(
    data: &DatasetBase<SparseRecords, Array1<usize>>,
    n_classes: usize,
    family: &str,
) -> Result<(), ModelError> {
    let n = data.records.0.rows();
    if n == 0 {
        return Err(ModelError::Data(format!(
            "{family}: the training set has no documents"
        )));
    }
    if data.targets.len() != n {
        return Err(ModelError::Data(format!(
            "{family}: {n} documents but {} labels",
            data.targets.len()
        )));
    }
    if n_classes == 0 {
        return Err(ModelError::Data(format!("{family}: n_classes is 0")));
    }
    if let Some((i, &c)) = data
        .targets
        .iter()
        .enumerate()
        .find(|(_, &c)| c >= n_classes)
    {
        return Err(ModelError::Data(format!(
            "{family}: label {c} of document {i} is out of range for {n_classes} classes"
        )));
    }
    if let Some(v) = data.records.0.data().iter().find(|v| !v.is_finite()) {
        return Err(ModelError::Data(format!(
            "{family}: the feature matrix holds a non-finite value ({v})"
        )));
    }
    Ok(())
}

/// Index of the largest value in each row (first on ties).
pub fn argmax_rows(scores: &Array2<f32>) -> Array1<usize> {
    scores
        .rows()
        .into_iter()
        .map(|r| argmax(r.iter().copied()))
        .collect()
}

/// The index of the first of the highest `values`: ties go to the lower index, and a
/// later value replaces the best only if it compares greater (so a NaN never wins, nor is
/// beaten once first); 0 when there are none.
pub fn argmax(values: impl IntoIterator<Item = f32>) -> usize {
    let mut best = (0, f32::NAN);
    for (k, v) in values.into_iter().enumerate() {
        if k == 0 || v > best.1 {
            best = (k, v);
        }
    }
    best.0
}

/// Turns each row of log-scores into probabilities with a stable log-sum-exp.
pub fn softmax_rows(scores: &mut Array2<f32>) {
    for mut row in scores.rows_mut() {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0f64;
        for v in row.iter_mut() {
            *v = (*v - max).exp();
            sum += *v as f64;
        }
        let inv = (1.0 / sum) as f32;
        row.mapv_inplace(|v| v * inv);
    }
}

/// Small helpers shared by the unit tests of the model families.
#[cfg(test)]
pub(crate) mod test_util {
    use crate::features::{Csr, SparseRecords};
    use linfa::DatasetBase;
    use ndarray::Array1;

    /// CSR records from dense rows (zeros are not stored).
    pub fn records(rows: &[&[f32]]) -> SparseRecords {
        let cols = rows.first().map_or(0, |r| r.len());
        let (mut indptr, mut ind, mut val) = (vec![0usize], Vec::new(), Vec::new());
        for r in rows {
            for (j, &v) in r.iter().enumerate() {
                if v != 0.0 {
                    ind.push(j as u32);
                    val.push(v);
                }
            }
            indptr.push(ind.len());
        }
        SparseRecords(Csr::new((rows.len(), cols), indptr, ind, val))
    }

    /// A linfa dataset from dense rows and labels.
    pub fn dataset(rows: &[&[f32]], y: &[usize]) -> DatasetBase<SparseRecords, Array1<usize>> {
        DatasetBase::new(records(rows), Array1::from(y.to_vec()))
    }

    /// Asserts two matrices agree elementwise within `tol`.
    pub fn assert_close(got: &ndarray::Array2<f32>, want: &[&[f64]], tol: f64) {
        assert_eq!(got.nrows(), want.len(), "rows");
        for (i, w) in want.iter().enumerate() {
            assert_eq!(got.ncols(), w.len(), "cols");
            for (j, &e) in w.iter().enumerate() {
                let g = got[[i, j]] as f64;
                assert!(
                    (g - e).abs() <= tol,
                    "[{i},{j}]: got {g}, want {e} (tol {tol})"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `reads` agrees with each family's own guard: a family refuses an out-of-range value
    /// exactly when it reads that value. (sgd's loss has no out-of-range value; only
    /// `SgdClassifier::params_from` takes it.)
    #[test]
    fn reads_matches_what_each_guard_checks() {
        type Spoil = fn(&mut ModelSettings);
        let spoilers: [(Hyperparameter, Spoil); 6] = [
            (Hyperparameter::C, |s| s.c = -1.0),
            (Hyperparameter::Alpha, |s| s.alpha = -1.0),
            (Hyperparameter::Tol, |s| s.tol = f32::NAN),
            (Hyperparameter::MaxIter, |s| s.max_iter = 0),
            (Hyperparameter::Epochs, |s| s.epochs = 0),
            (Hyperparameter::ClassWeight, |s| {
                s.class_weight = ClassWeight::Explicit(vec![f32::NAN; 3])
            }),
        ];
        for kind in ClassifierKind::ALL {
            for (h, spoil) in spoilers {
                let mut s = ModelSettings::new(kind);
                spoil(&mut s);
                assert_eq!(s.check().is_err(), kind.reads(h), "{kind} and {h:?}");
            }
            assert_eq!(
                kind.reads(Hyperparameter::Loss),
                kind == ClassifierKind::Sgd
            );
        }
    }
}
