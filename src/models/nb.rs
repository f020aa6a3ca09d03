//! Multinomial and Complement naive Bayes on sparse TF-IDF (or count) features.
//!
//! Both follow scikit-learn's `MultinomialNB` and `ComplementNB` exactly (same smoothing,
//! same priors, same decision rule), so a model trained here on the same features gives the
//! same probabilities. Sums are taken in f64 and the fitted log-probabilities stored in f32.
//! Class weights act as sample weights: a document of class `c` adds `weight[c] × x` to the
//! feature counts and `weight[c]` to the class count, as scikit-learn's `sample_weight` does.
// `!(x > 0.0)` in the parameter checks is deliberate: it rejects NaN too.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::{
    check_training_data, linear_scores, softmax_rows, ClassWeight, ModelError, ModelSettings,
};
use crate::features::SparseRecords;
use linfa::prelude::*;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// Smallest smoothing actually used: `alpha = 0` would put `log 0` into the model
/// (scikit-learn clips the same way when `force_alpha` is off).
const ALPHA_MIN: f64 = 1e-10;

/// Stands in for `log 0` (the prior of a class absent from training) so that scores stay
/// finite through sums and serialisation while the class still can never win.
const LOG_ZERO: f32 = -1e30;

/// Checked hyperparameters shared by both naive Bayes variants.
#[derive(Debug, Clone, PartialEq)]
pub struct NbValidParams {
    alpha: f32,
    fit_prior: bool,
    norm: bool,
    n_classes: Option<usize>,
    class_weight: ClassWeight,
}

impl Default for NbValidParams {
    fn default() -> Self {
        NbValidParams {
            alpha: 1.0,
            fit_prior: true,
            norm: false,
            n_classes: None,
            class_weight: ClassWeight::None,
        }
    }
}

impl NbValidParams {
    /// Additive (Laplace/Lidstone) smoothing.
    pub fn alpha(&self) -> f32 {
        self.alpha
    }
    /// Whether class priors are learned (true) or uniform (false).
    pub fn fit_prior(&self) -> bool {
        self.fit_prior
    }
    /// Complement NB only: normalise the weights (scikit-learn's `norm`).
    pub fn norm(&self) -> bool {
        self.norm
    }

    fn check(&self) -> Result<(), ModelError> {
        if !(self.alpha >= 0.0) || !self.alpha.is_finite() {
            return Err(ModelError::InvalidParam(format!(
                "naive Bayes smoothing alpha must be a finite number >= 0, got {}",
                self.alpha
            )));
        }
        if self.n_classes == Some(0) {
            return Err(ModelError::InvalidParam(
                "naive Bayes n_classes must be at least 1".into(),
            ));
        }
        if let ClassWeight::Explicit(w) = &self.class_weight {
            if let Some((c, v)) = w
                .iter()
                .enumerate()
                .find(|(_, v)| !(**v >= 0.0) || !v.is_finite())
            {
                return Err(ModelError::InvalidParam(format!(
                    "class weight of class {c} must be a finite number >= 0, got {v}"
                )));
            }
        }
        Ok(())
    }
}

macro_rules! nb_params {
    ($params:ident, $valid:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $params(pub $valid);

        /// Checked hyperparameters (see [`NbValidParams`]).
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $valid(pub NbValidParams);

        impl $params {
            /// Defaults as scikit-learn: `alpha = 1`, learned priors, `norm = false`.
            pub fn new() -> Self {
                Self::default()
            }
            /// Additive smoothing (>= 0; 0 is clipped to 1e-10).
            pub fn alpha(mut self, alpha: f32) -> Self {
                self.0 .0.alpha = alpha;
                self
            }
            /// Learn class priors from the training labels (true) or use uniform priors.
            pub fn fit_prior(mut self, fit_prior: bool) -> Self {
                self.0 .0.fit_prior = fit_prior;
                self
            }
            /// Number of outputs; by default the largest label + 1. Set it when a training
            /// fold may lack the last classes.
            pub fn n_classes(mut self, n: usize) -> Self {
                self.0 .0.n_classes = Some(n);
                self
            }
            /// Per-class sample weights.
            pub fn class_weight(mut self, w: ClassWeight) -> Self {
                self.0 .0.class_weight = w;
                self
            }
        }

        impl ParamGuard for $params {
            type Checked = $valid;
            type Error = ModelError;
            fn check_ref(&self) -> Result<&$valid, ModelError> {
                self.0 .0.check()?;
                Ok(&self.0)
            }
            fn check(self) -> Result<$valid, ModelError> {
                self.check_ref()?;
                Ok(self.0)
            }
        }
    };
}

nb_params!(
    MultinomialNbParams,
    MultinomialNbValidParams,
    "Hyperparameters of [`MultinomialNb`]."
);
nb_params!(
    ComplementNbParams,
    ComplementNbValidParams,
    "Hyperparameters of [`ComplementNb`]."
);

impl ComplementNbParams {
    /// Normalise the complement weights (scikit-learn's `norm`, off by default).
    pub fn norm(mut self, norm: bool) -> Self {
        self.0 .0.norm = norm;
        self
    }
}

/// Weighted per-class feature sums and class counts, the sufficient statistics of both models.
struct Counts {
    feature: Array2<f64>,
    class: Vec<f64>,
}

fn count(
    p: &NbValidParams,
    data: &DatasetBase<SparseRecords, Array1<usize>>,
) -> Result<(Counts, usize), ModelError> {
    let k = p
        .n_classes
        .unwrap_or_else(|| data.targets.iter().copied().max().map_or(0, |m| m + 1));
    check_training_data(data, k, "naive Bayes")?;
    let x = &data.records.0;
    let y = data
        .targets
        .as_slice()
        .ok_or_else(|| ModelError::Data("labels are not contiguous".into()))?;
    let sw = p.class_weight.per_class(y, k);
    let mut feature = Array2::<f64>::zeros((k, x.cols()));
    let mut class = vec![0.0f64; k];
    for (i, row) in x.outer_iterator().enumerate() {
        let c = y[i];
        let w = sw[c] as f64;
        class[c] += w;
        let mut fc = feature.row_mut(c);
        for (j, &v) in row.iter() {
            if !v.is_finite() || v < 0.0 {
                return Err(ModelError::Data(format!(
                    "naive Bayes needs non-negative finite features; document {i}, feature {j} is {v}"
                )));
            }
            fc[j] += w * v as f64;
        }
    }
    Ok((Counts { feature, class }, k))
}

fn log_prior(class: &[f64], fit_prior: bool) -> Array1<f32> {
    let k = class.len();
    if !fit_prior {
        return Array1::from_elem(k, -(k as f64).ln() as f32);
    }
    let total: f64 = class.iter().sum();
    class
        .iter()
        .map(|&c| {
            if c > 0.0 && total > 0.0 {
                (c.ln() - total.ln()) as f32
            } else {
                LOG_ZERO
            }
        })
        .collect()
}

/// Fitted multinomial naive Bayes: `log P(c) + Σ_j x_j log P(j | c)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultinomialNb {
    /// log P(feature | class), n_classes × n_features.
    #[serde(with = "crate::packed::array2")]
    feature_log_prob: Array2<f32>,
    /// log P(class).
    #[serde(with = "crate::packed::array1")]
    class_log_prior: Array1<f32>,
}

/// Fitted complement naive Bayes (Rennie et al. 2003): scores each class by how badly the
/// *other* classes explain the document, which is steadier on unbalanced text corpora.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplementNb {
    /// Per-class feature weights used in the decision, n_classes × n_features
    /// (`-log P(j | not c)`, or its normalised form when `norm` was set).
    #[serde(with = "crate::packed::array2")]
    feature_log_prob: Array2<f32>,
    /// log P(class); only used when there is a single class, as scikit-learn does.
    #[serde(with = "crate::packed::array1")]
    class_log_prior: Array1<f32>,
}

impl Fit<SparseRecords, Array1<usize>, ModelError> for MultinomialNbValidParams {
    type Object = MultinomialNb;
    fn fit(
        &self,
        data: &DatasetBase<SparseRecords, Array1<usize>>,
    ) -> Result<MultinomialNb, ModelError> {
        let p = &self.0;
        let (counts, k) = count(p, data)?;
        let alpha = (p.alpha as f64).max(ALPHA_MIN);
        let nf = counts.feature.ncols();
        let mut flp = Array2::<f32>::zeros((k, nf));
        for c in 0..k {
            let fc = counts.feature.row(c);
            let total: f64 = fc.iter().map(|v| v + alpha).sum();
            let lt = total.ln();
            for (o, &v) in flp.row_mut(c).iter_mut().zip(fc.iter()) {
                *o = ((v + alpha).ln() - lt) as f32;
            }
        }
        Ok(MultinomialNb {
            feature_log_prob: flp,
            class_log_prior: log_prior(&counts.class, p.fit_prior),
        })
    }
}

impl Fit<SparseRecords, Array1<usize>, ModelError> for ComplementNbValidParams {
    type Object = ComplementNb;
    fn fit(
        &self,
        data: &DatasetBase<SparseRecords, Array1<usize>>,
    ) -> Result<ComplementNb, ModelError> {
        let p = &self.0;
        let (counts, k) = count(p, data)?;
        let alpha = (p.alpha as f64).max(ALPHA_MIN);
        let nf = counts.feature.ncols();
        let all = counts.feature.sum_axis(ndarray::Axis(0));
        let mut flp = Array2::<f32>::zeros((k, nf));
        let mut logged = vec![0.0f64; nf];
        for c in 0..k {
            let fc = counts.feature.row(c);
            let comp: Vec<f64> = all
                .iter()
                .zip(fc.iter())
                .map(|(a, f)| a + alpha - f)
                .collect();
            let lt = comp.iter().sum::<f64>().ln();
            for (l, v) in logged.iter_mut().zip(&comp) {
                *l = v.ln() - lt;
            }
            let row = flp.row_mut(c);
            if p.norm {
                let s: f64 = logged.iter().sum();
                for (o, l) in row.into_iter().zip(&logged) {
                    *o = (l / s) as f32;
                }
            } else {
                for (o, l) in row.into_iter().zip(&logged) {
                    *o = -l as f32;
                }
            }
        }
        Ok(ComplementNb {
            feature_log_prob: flp,
            class_log_prior: log_prior(&counts.class, p.fit_prior),
        })
    }
}

macro_rules! nb_api {
    ($model:ident, $params:ident, $jll:expr) => {
        impl $model {
            /// Params from the command-line settings: `alpha`, `class_weight` and the number
            /// of outputs.
            pub fn params_from(settings: &ModelSettings, n_classes: usize) -> $params {
                $params::new()
                    .alpha(settings.alpha)
                    .class_weight(settings.class_weight.clone())
                    .n_classes(n_classes)
            }
            /// Joint log-likelihood of each class (n_samples × n_classes), up to a per-row constant.
            pub fn decision_function(&self, x: &SparseRecords) -> Array2<f32> {
                let f: fn(&Self, &SparseRecords) -> Array2<f32> = $jll;
                f(self, x)
            }
            /// Class probabilities: the softmax of the joint log-likelihood.
            pub fn predict_proba(&self, x: &SparseRecords) -> Array2<f32> {
                let mut s = self.decision_function(x);
                softmax_rows(&mut s);
                s
            }
            /// Most likely class of each row.
            pub fn predict(&self, x: &SparseRecords) -> Array1<usize> {
                super::argmax_rows(&self.decision_function(x))
            }
            /// Number of outputs.
            pub fn n_classes(&self) -> usize {
                self.feature_log_prob.nrows()
            }
            /// Number of input features.
            pub fn n_features(&self) -> usize {
                self.feature_log_prob.ncols()
            }
            /// The per-class feature weights of the decision (n_classes × n_features).
            pub fn feature_weights(&self) -> Array2<f32> {
                self.feature_log_prob.clone()
            }
            /// log P(class) as fitted (with `-1e30` standing for log 0).
            pub fn class_log_prior(&self) -> &Array1<f32> {
                &self.class_log_prior
            }
        }

        impl PredictInplace<SparseRecords, Array1<usize>> for $model {
            fn predict_inplace(&self, x: &SparseRecords, y: &mut Array1<usize>) {
                *y = super::argmax_rows(&self.decision_function(x));
            }
            fn default_target(&self, x: &SparseRecords) -> Array1<usize> {
                Array1::zeros(x.0.rows())
            }
        }
    };
}

nb_api!(MultinomialNb, MultinomialNbParams, |m, x| linear_scores(
    x,
    &m.feature_log_prob,
    &m.class_log_prior
));
nb_api!(ComplementNb, ComplementNbParams, |m, x| {
    if m.feature_log_prob.nrows() == 1 {
        linear_scores(x, &m.feature_log_prob, &m.class_log_prior)
    } else {
        linear_scores(
            x,
            &m.feature_log_prob,
            &Array1::zeros(m.feature_log_prob.nrows()),
        )
    }
});

#[cfg(test)]
mod tests {
    //! Expected numbers come from scikit-learn 1.9.1 via tests/fixtures/nb_reference.py.
    use super::*;
    use crate::models::test_util::{assert_close, dataset, records};
    use crate::models::{ClassifierKind, Model};

    const X: [&[f32]; 6] = [
        &[0.5, 0.0, 0.2, 0.0, 0.1],
        &[0.7, 0.1, 0.0, 0.0, 0.0],
        &[0.0, 0.9, 0.3, 0.0, 0.0],
        &[0.0, 0.6, 0.0, 0.4, 0.0],
        &[0.1, 0.0, 0.0, 0.8, 0.6],
        &[0.0, 0.0, 0.0, 0.0, 0.0],
    ];
    const Y: [usize; 6] = [0, 0, 1, 1, 2, 2];
    const T: [&[f32]; 3] = [
        &[0.3, 0.0, 0.1, 0.0, 0.0],
        &[0.0, 0.2, 0.0, 0.7, 0.1],
        &[0.0; 5],
    ];

    #[test]
    fn multinomial_matches_sklearn() {
        let d = dataset(&X, &Y);
        let t = records(&T);
        let m = MultinomialNbParams::new().alpha(1.0).fit(&d).unwrap();
        assert_close(
            &m.predict_proba(&t),
            &[
                &[0.388961934, 0.29891044, 0.312127626],
                &[0.255437631, 0.345904442, 0.398657927],
                &[0.333333333, 0.333333333, 0.333333333],
            ],
            1e-6,
        );
        let m = MultinomialNbParams::new()
            .alpha(0.5)
            .fit_prior(false)
            .fit(&d)
            .unwrap();
        assert_close(
            &m.predict_proba(&t),
            &[
                &[0.4203125, 0.279384447, 0.300303053],
                &[0.213028158, 0.350325209, 0.436646633],
                &[0.333333333, 0.333333333, 0.333333333],
            ],
            1e-6,
        );
        assert_eq!(m.predict(&t).to_vec(), vec![0, 2, 0]);
    }

    #[test]
    fn class_weights_act_as_sample_weights() {
        let d = dataset(&X, &Y);
        let m = MultinomialNbParams::new()
            .alpha(1.0)
            .class_weight(ClassWeight::Explicit(vec![1.0, 3.0, 0.5]))
            .fit(&d)
            .unwrap();
        assert_close(
            &m.predict_proba(&records(&T)),
            &[
                &[0.294612729, 0.58295841, 0.122428861],
                &[0.173142728, 0.70139403, 0.125463242],
                &[0.222222222, 0.666666667, 0.111111111],
            ],
            1e-6,
        );
    }

    #[test]
    fn complement_matches_sklearn() {
        let d = dataset(&X, &Y);
        let t = records(&T);
        let m = ComplementNbParams::new().alpha(1.0).fit(&d).unwrap();
        assert_close(
            &m.feature_weights(),
            &[
                &[2.06801285, 1.24703229, 1.90095876, 1.37486567, 1.6933194],
                &[1.25895494, 1.99655388, 1.9095425, 1.5040774, 1.56123581],
                &[1.38629436, 1.21924028, 1.76928661, 1.83827948, 2.07944154],
            ],
            1e-6,
        );
        assert_close(
            &m.predict_proba(&t),
            &[
                &[0.386167859, 0.303206213, 0.310625928],
                &[0.271393947, 0.340602332, 0.388003721],
                &[0.333333333, 0.333333333, 0.333333333],
            ],
            1e-6,
        );
        let m = ComplementNbParams::new()
            .alpha(0.3)
            .norm(true)
            .fit(&d)
            .unwrap();
        assert_close(
            &m.predict_proba(&t),
            &[
                &[0.344274556, 0.327452145, 0.328273298],
                &[0.32045214, 0.335585457, 0.343962403],
                &[0.333333333, 0.333333333, 0.333333333],
            ],
            1e-6,
        );
    }

    #[test]
    fn absent_class_gets_zero_probability_and_finite_scores() {
        let d = dataset(&X[..4], &Y[..4]);
        let m = MultinomialNbParams::new().n_classes(3).fit(&d).unwrap();
        let p = m.predict_proba(&records(&T));
        assert_eq!(p.ncols(), 3);
        assert!(p.iter().all(|v| v.is_finite()));
        assert!(p.column(2).iter().all(|&v| v == 0.0));
        assert!(m
            .decision_function(&records(&T))
            .iter()
            .all(|v| v.is_finite()));
    }

    #[test]
    fn rejects_bad_params_and_data() {
        let d = dataset(&X, &Y);
        let e = MultinomialNbParams::new()
            .alpha(-0.1)
            .fit(&d)
            .unwrap_err()
            .to_string();
        assert!(e.contains("alpha") && e.contains("-0.1"), "{e}");
        assert!(ComplementNbParams::new().alpha(f32::NAN).check().is_err());
        let e = MultinomialNbParams::new()
            .n_classes(2)
            .fit(&d)
            .unwrap_err()
            .to_string();
        assert!(e.contains("out of range"), "{e}");
        let neg = dataset(&[&[1.0, -1.0]], &[0]);
        assert!(MultinomialNbParams::new().fit(&neg).is_err());
    }

    #[test]
    fn serde_round_trip_keeps_predictions() {
        let d = dataset(&X, &Y);
        let t = records(&T);
        let mut s = ModelSettings::new(ClassifierKind::Cnb);
        s.alpha = 0.7;
        for kind in [ClassifierKind::Nb, ClassifierKind::Cnb] {
            s.kind = kind;
            let m = Model::fit(&s, &d, 3).unwrap();
            let bytes = postcard::to_stdvec(&m).unwrap();
            let back: Model = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(back, m);
            assert_eq!(back.predict_proba(&t), m.predict_proba(&t));
            assert_eq!(back.kind(), kind);
            assert_eq!((back.n_classes(), back.n_features()), (3, 5));
        }
    }
}
