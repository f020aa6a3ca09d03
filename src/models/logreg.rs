//! Placeholder for the LogisticRegression API (to be replaced by the real implementation from another branch).
use super::{ModelError, ModelSettings};
use crate::features::SparseRecords;
use linfa::prelude::*;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// Placeholder fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression;

/// Placeholder checked params.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticRegressionValidParams;

/// Placeholder params.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticRegressionParams(pub LogisticRegressionValidParams);

impl ParamGuard for LogisticRegressionParams {
    type Checked = LogisticRegressionValidParams;
    type Error = ModelError;
    fn check_ref(&self) -> Result<&LogisticRegressionValidParams, ModelError> {
        Ok(&self.0)
    }
    fn check(self) -> Result<LogisticRegressionValidParams, ModelError> {
        Ok(self.0)
    }
}

impl Fit<SparseRecords, Array1<usize>, ModelError> for LogisticRegressionValidParams {
    type Object = LogisticRegression;
    fn fit(&self, _data: &DatasetBase<SparseRecords, Array1<usize>>) -> Result<LogisticRegression, ModelError> {
        Err(ModelError::InvalidParam("LogisticRegression is not implemented on this branch".into()))
    }
}

impl PredictInplace<SparseRecords, Array1<usize>> for LogisticRegression {
    fn predict_inplace(&self, x: &SparseRecords, y: &mut Array1<usize>) {
        *y = Array1::zeros(x.0.rows());
    }
    fn default_target(&self, x: &SparseRecords) -> Array1<usize> {
        Array1::zeros(x.0.rows())
    }
}

impl LogisticRegression {
    /// Placeholder.
    pub fn params_from(_settings: &ModelSettings, _n_classes: usize) -> LogisticRegressionParams {
        LogisticRegressionParams(LogisticRegressionValidParams)
    }
    /// Placeholder: zeros.
    pub fn decision_function(&self, x: &SparseRecords) -> Array2<f32> {
        Array2::zeros((x.0.rows(), 0))
    }
    /// Placeholder: zeros.
    pub fn predict_proba(&self, x: &SparseRecords) -> Array2<f32> {
        Array2::zeros((x.0.rows(), 0))
    }
    /// Placeholder.
    pub fn n_classes(&self) -> usize {
        0
    }
    /// Placeholder.
    pub fn n_features(&self) -> usize {
        0
    }
    /// Placeholder: empty.
    pub fn feature_weights(&self) -> Array2<f32> {
        Array2::zeros((0, 0))
    }
}
