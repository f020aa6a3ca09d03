//! TF-IDF features on sparse CSR matrices, and the newtype that makes them linfa records.
pub mod svmlight;

use crate::text::Analyzer;
use serde::{Deserialize, Serialize};

/// CSR matrix of f32 values with u32 column indices.
pub type Csr = sprs::CsMatI<f32, u32, usize>;

/// Rows are documents, columns are features: linfa `Records` on a sparse matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseRecords(pub Csr);

impl linfa::dataset::Records for SparseRecords {
    type Elem = f32;
    fn nsamples(&self) -> usize { self.0.rows() }
    fn nfeatures(&self) -> usize { self.0.cols() }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum DfLimit { Count(usize), Fraction(f64) }

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfParams {
    pub min_df: DfLimit,
    pub max_df: DfLimit,
    pub max_features: Option<usize>,
    pub sublinear_tf: bool,
    pub smooth_idf: bool,
    pub use_idf: bool,
    pub l2_norm: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    #[error("{0}")]
    Invalid(String),
}

pub struct TfidfVectorizer { _a: Analyzer }

impl TfidfVectorizer {
    pub fn fit_transform(_analyzer: Analyzer, _params: &TfidfParams, _texts: &[&str]) -> Result<(Self, SparseRecords), FeatureError> { todo!() }
    pub fn transform(&self, _texts: &[&str]) -> SparseRecords { todo!() }
    pub fn analyzer(&self) -> &Analyzer { todo!() }
    pub fn vocabulary(&self) -> &[String] { todo!() }
    pub fn idf(&self) -> &[f32] { todo!() }
}
