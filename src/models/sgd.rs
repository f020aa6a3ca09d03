//! Linear classifiers trained by stochastic gradient descent, one-vs-rest, as scikit-learn's
//! `SGDClassifier`.
//!
//! Each class gets a binary problem (its samples +1, all others −1) solved by plain SGD on
//! `loss + (alpha/2)‖w‖²` with scikit-learn's "optimal" step size
//! `eta_t = 1 / (alpha · (t0 + t − 1))`, where `t0 = 1 / (eta0 · alpha)` and
//! `eta0 = sqrt(1/sqrt(alpha))` (Bottou's heuristic, as scikit-learn computes it). The samples
//! are shuffled each epoch by a ChaCha8 generator seeded from `(seed, class)`, so the classes
//! train in parallel and the result does not depend on the thread count. As in scikit-learn,
//! class weights weigh the positive samples of each binary problem (negatives keep weight 1), and
//! the intercept moves with a decay of 0.01 per update because text inputs are sparse.
//!
//! The weight vector is kept as `w = scale · v`, so the L2 shrink of every step is one
//! multiplication and an update touches only the non-zeros of its sample. Averaged SGD keeps
//! the running sum of the iterates as `u + acc · v`, which is also updated sparsely.
//!
//! Probabilities: log loss gives one-vs-rest sigmoids normalised to sum to 1; modified Huber
//! gives scikit-learn's `(clip(d, −1, 1) + 1) / 2`, normalised (uniform when all are 0); hinge
//! has no probabilistic meaning, so it gets a softmax over the decision values, which keeps the
//! ranking of the classes (argmax of the probabilities is the prediction) but is not calibrated.

use super::logreg::{as_csr, check_class_weight};
use super::{softmax_rows, ClassWeight, ModelError, ModelSettings, SgdLoss};
use crate::features::{Csr, SparseRecords};
use linfa::dataset::{DatasetBase, Records};
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use ndarray::{Array1, Array2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Scikit-learn moves the intercept 100 times more slowly than the weights on sparse inputs,
/// because every sample updates it while each weight is touched only by a few samples.
const SPARSE_INTERCEPT_DECAY: f64 = 0.01;

/// Checked hyperparameters of [`SgdClassifier`].
#[derive(Debug, Clone, PartialEq)]
pub struct SgdClassifierValidParams {
    alpha: f64,
    epochs: usize,
    loss: SgdLoss,
    average: bool,
    fit_intercept: bool,
    class_weight: ClassWeight,
    seed: u64,
    n_classes: usize,
}

/// Unchecked hyperparameters of [`SgdClassifier`]; `fit` checks them first.
#[derive(Debug, Clone, PartialEq)]
pub struct SgdClassifierParams(SgdClassifierValidParams);

impl SgdClassifierParams {
    /// Scikit-learn's defaults (hinge, `alpha = 1e-4`), 10 epochs, seed 42, for `n_classes` outputs.
    pub fn new(n_classes: usize) -> Self {
        SgdClassifierParams(SgdClassifierValidParams {
            alpha: 1e-4,
            epochs: 10,
            loss: SgdLoss::Hinge,
            average: false,
            fit_intercept: true,
            class_weight: ClassWeight::None,
            seed: 42,
            n_classes,
        })
    }
    /// L2 strength; also sets the step sizes of the "optimal" schedule.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }
    /// Passes over the training data.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.0.epochs = epochs;
        self
    }
    /// Loss of each binary problem.
    pub fn loss(mut self, loss: SgdLoss) -> Self {
        self.0.loss = loss;
        self
    }
    /// Return the average of all iterates (ASGD) instead of the last one.
    pub fn average(mut self, average: bool) -> Self {
        self.0.average = average;
        self
    }
    /// Whether to learn an intercept per class.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.0.fit_intercept = fit_intercept;
        self
    }
    /// Per-class weights of the positive samples of each binary problem.
    pub fn class_weight(mut self, class_weight: ClassWeight) -> Self {
        self.0.class_weight = class_weight;
        self
    }
    /// Seed of the per-epoch shuffles.
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
    /// Number of outputs; every target must be smaller.
    pub fn n_classes(mut self, n_classes: usize) -> Self {
        self.0.n_classes = n_classes;
        self
    }
}

impl ParamGuard for SgdClassifierParams {
    type Checked = SgdClassifierValidParams;
    type Error = ModelError;

    fn check_ref(&self) -> Result<&Self::Checked, ModelError> {
        let p = &self.0;
        if !(p.alpha.is_finite() && p.alpha > 0.0) {
            return Err(ModelError::InvalidParam(format!(
                "sgd alpha must be a finite number > 0, got {}",
                p.alpha
            )));
        }
        if p.epochs < 1 {
            return Err(ModelError::InvalidParam(
                "sgd epochs must be at least 1, got 0".into(),
            ));
        }
        if p.n_classes < 2 {
            return Err(ModelError::InvalidParam(format!(
                "sgd needs at least 2 classes, got {}",
                p.n_classes
            )));
        }
        check_class_weight(&p.class_weight, "sgd")?;
        Ok(p)
    }

    fn check(self) -> Result<Self::Checked, ModelError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// A fitted one-vs-rest SGD linear classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SgdClassifier {
    n_classes: usize,
    n_features: usize,
    loss: SgdLoss,
    /// Row-major n_classes × n_features (kept flat so the model file needs no ndarray serde).
    #[serde(with = "crate::packed::f32s")]
    weights: Vec<f32>,
    #[serde(with = "crate::packed::f32s")]
    intercept: Vec<f32>,
}

impl SgdClassifier {
    /// Hyperparameters from the command-line settings (`alpha`, `epochs`, `sgd_loss`,
    /// `fit_intercept`, `class_weight`, `seed`).
    pub fn params_from(settings: &ModelSettings, n_classes: usize) -> SgdClassifierParams {
        SgdClassifierParams::new(n_classes)
            .alpha(settings.alpha as f64)
            .epochs(settings.epochs)
            .loss(settings.sgd_loss)
            .fit_intercept(settings.fit_intercept)
            .class_weight(settings.class_weight.clone())
            .seed(settings.seed)
    }
    /// One-vs-rest scores (n_samples × n_classes).
    pub fn decision_function(&self, x: &SparseRecords) -> Array2<f32> {
        super::linear_scores_flat(x, &self.weights, &self.intercept)
    }
    /// Class probabilities (rows sum to 1); see the module docs for what they mean per loss.
    pub fn predict_proba(&self, x: &SparseRecords) -> Array2<f32> {
        let mut s = self.decision_function(x);
        match self.loss {
            SgdLoss::Hinge => softmax_rows(&mut s),
            SgdLoss::Log => {
                s.mapv_inplace(|d| 1.0 / (1.0 + (-d).exp()));
                normalise_rows(&mut s);
            }
            SgdLoss::ModifiedHuber => {
                s.mapv_inplace(|d| (d.clamp(-1.0, 1.0) + 1.0) / 2.0);
                normalise_rows(&mut s);
            }
        }
        s
    }
    /// Number of outputs.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }
    /// Number of input features seen in training.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
    /// Weights, n_classes × n_features.
    pub fn feature_weights(&self) -> Array2<f32> {
        Array2::from_shape_vec((self.n_classes, self.n_features), self.weights.clone())
            .expect("shape matches buffer")
    }
    /// Intercept of each class.
    pub fn intercept(&self) -> Array1<f32> {
        Array1::from(self.intercept.clone())
    }
    /// The loss it was trained with.
    pub fn loss(&self) -> SgdLoss {
        self.loss
    }
}

/// Divides each row by its sum; a row summing to 0 becomes uniform.
fn normalise_rows(s: &mut Array2<f32>) {
    let k = s.ncols() as f32;
    for mut row in s.rows_mut() {
        let sum: f32 = row.sum();
        if sum > 0.0 && sum.is_finite() {
            row.mapv_inplace(|v| v / sum);
        } else {
            row.fill(1.0 / k);
        }
    }
}

/// `model.predict(&records)` on sparse records (linfa's blanket impls cover only dense
/// arrays and datasets).
impl linfa::traits::Predict<&SparseRecords, Array1<usize>> for SgdClassifier {
    fn predict(&self, x: &SparseRecords) -> Array1<usize> {
        super::argmax_rows(&self.decision_function(x))
    }
}

impl PredictInplace<SparseRecords, Array1<usize>> for SgdClassifier {
    fn predict_inplace<'a>(&'a self, x: &'a SparseRecords, y: &mut Array1<usize>) {
        let pred = super::argmax_rows(&self.decision_function(x));
        if y.len() == pred.len() {
            y.assign(&pred);
        } else {
            *y = pred;
        }
    }
    fn default_target(&self, x: &SparseRecords) -> Array1<usize> {
        Array1::zeros(x.nsamples())
    }
}

/// Derivative of the loss with respect to the score `p`, for a label `y` of ±1.
fn dloss(loss: SgdLoss, p: f64, y: f64) -> f64 {
    let z = p * y;
    match loss {
        SgdLoss::Hinge => {
            if z <= 1.0 {
                -y
            } else {
                0.0
            }
        }
        SgdLoss::Log => {
            if z > 18.0 {
                -y * (-z).exp()
            } else if z < -18.0 {
                -y
            } else {
                -y / (z.exp() + 1.0)
            }
        }
        SgdLoss::ModifiedHuber => {
            if z >= 1.0 {
                0.0
            } else if z >= -1.0 {
                -2.0 * (1.0 - z) * y
            } else {
                -4.0 * y
            }
        }
    }
}

/// Trains the binary problem "class `class` against the rest"; returns (weights, intercept).
fn train_binary(
    p: &SgdClassifierValidParams,
    x: &Csr,
    y: &[usize],
    class: usize,
    pos_weight: f64,
) -> (Vec<f32>, f32) {
    let n = x.rows();
    let d = x.cols();
    let alpha = p.alpha;
    let typw = (1.0 / alpha.sqrt()).sqrt();
    let eta0 = typw / dloss(p.loss, -typw, 1.0).max(1.0);
    let t0 = 1.0 / (eta0 * alpha);
    let mut v = vec![0f64; d];
    let mut scale = 1.0f64;
    let mut b = 0.0f64;
    // Averaging state: Σ_t w_t = u + acc · v, Σ_t b_t = b_sum.
    let mut u = if p.average { vec![0f64; d] } else { Vec::new() };
    let mut acc = 0.0f64;
    let mut b_sum = 0.0f64;
    let mut count = 0u64;
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    rng.set_stream(class as u64);
    let mut order: Vec<usize> = (0..n).collect();
    let mut t = 1.0f64;
    for _ in 0..p.epochs {
        order.shuffle(&mut rng);
        for &i in &order {
            let row = x.outer_view(i).expect("row in range");
            let (yi, wi) = if y[i] == class {
                (1.0, pos_weight)
            } else {
                (-1.0, 1.0)
            };
            let mut dot = 0.0;
            for (j, &val) in row.iter() {
                dot += v[j] * val as f64;
            }
            let score = scale * dot + b;
            let eta = 1.0 / (alpha * (t0 + t - 1.0));
            let update = -eta * dloss(p.loss, score, yi) * wi;
            scale *= (1.0 - eta * alpha).max(0.0);
            if scale < 1e-9 {
                // Fold the scale into v (and flush the running sum) before it underflows.
                if p.average {
                    for (uj, vj) in u.iter_mut().zip(&v) {
                        *uj += acc * vj;
                    }
                    acc = 0.0;
                }
                for vj in v.iter_mut() {
                    *vj *= scale;
                }
                scale = 1.0;
            }
            if update != 0.0 {
                let step = update / scale;
                for (j, &val) in row.iter() {
                    let delta = step * val as f64;
                    v[j] += delta;
                    if p.average {
                        u[j] -= acc * delta;
                    }
                }
                if p.fit_intercept {
                    b += update * SPARSE_INTERCEPT_DECAY;
                }
            }
            if p.average {
                acc += scale;
                b_sum += b;
                count += 1;
            }
            t += 1.0;
        }
    }
    if p.average && count > 0 {
        let inv = 1.0 / count as f64;
        let w = u
            .iter()
            .zip(&v)
            .map(|(uj, vj)| ((uj + acc * vj) * inv) as f32)
            .collect();
        (w, (b_sum * inv) as f32)
    } else {
        (v.iter().map(|vj| (vj * scale) as f32).collect(), b as f32)
    }
}

impl Fit<SparseRecords, Array1<usize>, ModelError> for SgdClassifierValidParams {
    type Object = SgdClassifier;

    fn fit(
        &self,
        data: &DatasetBase<SparseRecords, Array1<usize>>,
    ) -> Result<SgdClassifier, ModelError> {
        let k = self.n_classes;
        super::check_training_data(data, k, "sgd")?;
        let x = as_csr(&data.records.0);
        let y: Vec<usize> = data.targets.iter().copied().collect();
        let cw = self.class_weight.per_class(&y, k);
        let per_class: Vec<(Vec<f32>, f32)> = (0..k)
            .into_par_iter()
            .map(|c| train_binary(self, &x, &y, c, cw[c] as f64))
            .collect();
        let d = x.cols();
        let mut weights = Vec::with_capacity(k * d);
        let mut intercept = Vec::with_capacity(k);
        for (w, b) in per_class {
            weights.extend_from_slice(&w);
            intercept.push(b);
        }
        Ok(SgdClassifier {
            n_classes: k,
            n_features: d,
            loss: self.loss,
            weights,
            intercept,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::logreg::tests::{csr, random_problem};
    use super::*;
    use linfa::traits::Predict;

    #[test]
    fn param_guard_rejects_bad_values() {
        let bad = [
            SgdClassifierParams::new(3).alpha(0.0),
            SgdClassifierParams::new(3).alpha(-1e-4),
            SgdClassifierParams::new(3).alpha(f64::NAN),
            SgdClassifierParams::new(3).epochs(0),
            SgdClassifierParams::new(0),
            SgdClassifierParams::new(3).class_weight(ClassWeight::Explicit(vec![f32::NAN])),
        ];
        for p in bad {
            let err = p
                .clone()
                .check()
                .expect_err(&format!("{p:?} should be rejected"));
            assert!(matches!(err, ModelError::InvalidParam(_)), "{err}");
        }
        let msg = SgdClassifierParams::new(3)
            .epochs(0)
            .check()
            .unwrap_err()
            .to_string();
        assert!(msg.contains("epochs must be at least 1"), "{msg}");
        assert!(SgdClassifierParams::new(3).check().is_ok());
    }

    #[test]
    fn learns_a_separable_problem_with_every_loss() {
        let rows = vec![
            vec![1.0, 0.2, 0.0, 0.0],
            vec![0.9, 0.0, 0.1, 0.0],
            vec![0.0, 1.0, 0.0, 0.3],
            vec![0.1, 0.8, 0.0, 0.0],
            vec![0.0, 0.0, 1.0, 0.2],
            vec![0.0, 0.1, 0.7, 0.0],
        ];
        let y = Array1::from(vec![0, 0, 1, 1, 2, 2]);
        let data = DatasetBase::new(csr(&rows), y.clone());
        for loss in [SgdLoss::Hinge, SgdLoss::Log, SgdLoss::ModifiedHuber] {
            for average in [false, true] {
                let m = SgdClassifierParams::new(4)
                    .loss(loss)
                    .average(average)
                    .alpha(1e-3)
                    .epochs(50)
                    .fit(&data)
                    .unwrap();
                assert_eq!(m.n_classes(), 4);
                assert_eq!(m.predict(&data.records), y, "{loss:?} average={average}");
            }
        }
    }

    #[test]
    fn learns_a_noisy_problem() {
        let train = random_problem(600, 300, 4, 12, 21);
        let test = random_problem(300, 300, 4, 12, 22);
        for average in [false, true] {
            let m = SgdClassifierParams::new(4)
                .average(average)
                .fit(&train)
                .unwrap();
            let pred = m.predict(&test.records);
            let acc = pred
                .iter()
                .zip(&test.targets)
                .filter(|(a, b)| a == b)
                .count() as f64
                / 300.0;
            assert!(acc > 0.8, "average={average}: accuracy {acc}");
        }
    }

    #[test]
    fn identical_weights_at_one_and_two_threads() {
        let data = random_problem(300, 500, 6, 20, 3);
        for average in [false, true] {
            let fit = |threads: usize| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| {
                        SgdClassifierParams::new(6)
                            .average(average)
                            .fit(&data)
                            .unwrap()
                    })
            };
            assert_eq!(fit(1), fit(2));
        }
        // A different seed really changes the shuffles.
        let a = SgdClassifierParams::new(6).seed(1).fit(&data).unwrap();
        let b = SgdClassifierParams::new(6).seed(2).fit(&data).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn class_weights_shift_predictions() {
        // Strong regularisation so the training set is not fitted exactly; count on fresh data.
        let data = random_problem(300, 200, 3, 8, 11);
        let test = random_problem(300, 200, 3, 8, 12);
        let count = |cw: ClassWeight| {
            let m = SgdClassifierParams::new(3)
                .alpha(1e-2)
                .class_weight(cw)
                .fit(&data)
                .unwrap();
            m.predict(&test.records).iter().filter(|&&c| c == 1).count()
        };
        let base = count(ClassWeight::None);
        let up = count(ClassWeight::Explicit(vec![1.0, 10.0, 1.0]));
        assert!(
            up > base + 20,
            "class 1 predicted {base} times unweighted, {up} up-weighted"
        );
    }

    #[test]
    fn probabilities_are_finite_and_sum_to_one() {
        let data = random_problem(200, 300, 5, 10, 5);
        let x = csr(&[vec![1e6; 400], vec![0.0; 400], vec![-1e6; 400]]);
        for loss in [SgdLoss::Hinge, SgdLoss::Log, SgdLoss::ModifiedHuber] {
            let m = SgdClassifierParams::new(5).loss(loss).fit(&data).unwrap();
            let scores = m.decision_function(&data.records);
            let p = m.predict_proba(&data.records);
            for (i, row) in p.rows().into_iter().enumerate() {
                assert!(row.iter().all(|v| v.is_finite() && *v >= 0.0), "{loss:?}");
                assert!((row.sum() - 1.0).abs() < 1e-5, "{loss:?}: {row:?}");
                if loss != SgdLoss::ModifiedHuber {
                    // Monotone maps of the scores keep the predicted class.
                    let best = super::super::argmax_rows(
                        &scores.slice(ndarray::s![i..i + 1, ..]).to_owned(),
                    )[0];
                    assert!(row.iter().all(|&v| v <= row[best]), "{loss:?}");
                }
            }
            for row in m.predict_proba(&x).rows() {
                assert!(row.iter().all(|v| v.is_finite() && *v >= 0.0), "{loss:?}");
                assert!((row.sum() - 1.0).abs() < 1e-5, "{loss:?}: {row:?}");
            }
        }
    }

    #[test]
    fn postcard_round_trip_predicts_identically() {
        let data = random_problem(150, 100, 4, 8, 9);
        let m = SgdClassifierParams::new(4)
            .loss(SgdLoss::Log)
            .fit(&data)
            .unwrap();
        let bytes = postcard::to_stdvec(&m).unwrap();
        let back: SgdClassifier = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(m, back);
        assert_eq!(
            m.predict_proba(&data.records),
            back.predict_proba(&data.records)
        );
    }

    #[test]
    fn params_from_settings() {
        let mut s = ModelSettings::new(super::super::ClassifierKind::Sgd);
        s.alpha = 1e-5;
        s.epochs = 3;
        s.sgd_loss = SgdLoss::ModifiedHuber;
        s.seed = 9;
        let p = SgdClassifier::params_from(&s, 4).check().unwrap();
        assert_eq!(
            (p.epochs, p.loss, p.seed, p.n_classes),
            (3, SgdLoss::ModifiedHuber, 9, 4)
        );
        assert!((p.alpha - 1e-5).abs() < 1e-12);
    }
}
