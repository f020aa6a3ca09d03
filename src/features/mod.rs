//! TF-IDF features on sparse CSR matrices, and the newtype that makes them linfa records.
pub mod paired;
pub mod svmlight;
mod tfidf;
mod vocabulary;

pub use tfidf::TfidfVectorizer;
pub use vocabulary::{Terms, Vocabulary, VocabularyError};

use serde::{Deserialize, Serialize};

/// CSR matrix of f32 values with u32 column indices.
pub type Csr = sprs::CsMatI<f32, u32, usize>;

/// Rows are documents, columns are features: linfa `Records` on a sparse matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseRecords(pub Csr);

impl linfa::dataset::Records for SparseRecords {
    type Elem = f32;
    fn nsamples(&self) -> usize {
        self.0.rows()
    }
    fn nfeatures(&self) -> usize {
        self.0.cols()
    }
}

/// A document-frequency bound: an absolute number of documents, or a fraction of them
/// (scikit-learn's int vs float `min_df`/`max_df`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum DfLimit {
    /// At least / at most this many documents.
    Count(usize),
    /// This fraction of the training documents, in `[0, 1]`.
    Fraction(f64),
}

impl DfLimit {
    /// The bound in documents for a corpus of `n_docs` (fractions are not rounded, so the
    /// comparison `df <= 0.5 * n` matches scikit-learn exactly).
    fn docs(self, n_docs: usize) -> f64 {
        match self {
            DfLimit::Count(c) => c as f64,
            DfLimit::Fraction(f) => f * n_docs as f64,
        }
    }

    fn check(self, name: &str) -> Result<(), FeatureError> {
        match self {
            DfLimit::Fraction(f) if !(0.0..=1.0).contains(&f) => Err(FeatureError::Invalid(
                format!("{name} fraction must be in [0, 1], got {f}"),
            )),
            _ => Ok(()),
        }
    }
}

/// As the command line takes it: `2` (documents) or `0.5` (a fraction, with its point).
impl std::fmt::Display for DfLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DfLimit::Count(c) => write!(f, "{c}"),
            DfLimit::Fraction(x) => write!(f, "{x:?}"),
        }
    }
}

/// TF-IDF settings, with scikit-learn's meaning for each field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfParams {
    /// Drop terms in fewer training documents than this.
    pub min_df: DfLimit,
    /// Drop terms in more training documents than this.
    pub max_df: DfLimit,
    /// Keep only this many terms, the most frequent over the training corpus (ties: term order).
    pub max_features: Option<usize>,
    /// Use `1 + ln(tf)` instead of the raw count.
    pub sublinear_tf: bool,
    /// `idf = ln((1 + n) / (1 + df)) + 1` if on, else `ln(n / df) + 1`.
    pub smooth_idf: bool,
    /// Multiply by the IDF (off: all IDF weights are 1).
    pub use_idf: bool,
    /// Scale each row to unit Euclidean length.
    pub l2_norm: bool,
}

impl Default for TfidfParams {
    /// The project defaults: sublinear tf, smoothed IDF, L2 rows, no document-frequency cut.
    fn default() -> Self {
        TfidfParams {
            min_df: DfLimit::Count(1),
            max_df: DfLimit::Fraction(1.0),
            max_features: None,
            sublinear_tf: true,
            smooth_idf: true,
            use_idf: true,
            l2_norm: true,
        }
    }
}

impl std::fmt::Display for TfidfParams {
    /// scikit-learn's `TfidfVectorizer` argument names and values
    /// (`min_df=2, max_df=1.0, ..., norm=l2`), for people reading a model's record.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max_features = match self.max_features {
            Some(n) => n.to_string(),
            None => "none".to_string(),
        };
        write!(
            f,
            "min_df={}, max_df={}, max_features={max_features}, sublinear_tf={}, smooth_idf={}, use_idf={}, norm={}",
            self.min_df,
            self.max_df,
            self.sublinear_tf,
            self.smooth_idf,
            self.use_idf,
            if self.l2_norm { "l2" } else { "none" }
        )
    }
}

impl TfidfParams {
    /// Validates the settings (ParamGuard-style): `TfidfParams::default().check()?`.
    pub fn check(self) -> Result<Self, FeatureError> {
        self.check_ref()?;
        Ok(self)
    }

    /// Validates the settings by reference.
    pub fn check_ref(&self) -> Result<&Self, FeatureError> {
        self.min_df.check("min_df")?;
        self.max_df.check("max_df")?;
        if let (DfLimit::Count(lo), DfLimit::Count(hi)) = (self.min_df, self.max_df) {
            if hi < lo {
                return Err(FeatureError::Invalid(format!(
                    "max_df ({hi} documents) is below min_df ({lo} documents)"
                )));
            }
        }
        if let (DfLimit::Fraction(lo), DfLimit::Fraction(hi)) = (self.min_df, self.max_df) {
            if hi < lo {
                return Err(FeatureError::Invalid(format!(
                    "max_df ({hi}) is below min_df ({lo})"
                )));
            }
        }
        if self.max_features == Some(0) {
            return Err(FeatureError::Invalid(
                "max_features must be at least 1 (or unset for no limit)".to_string(),
            ));
        }
        Ok(self)
    }
}

/// Errors from fitting or loading a vectorizer; messages say what and why.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// Invalid settings, inconsistent stored data, or a corpus that yields no features.
    #[error("{0}")]
    Invalid(String),
}

impl From<crate::text::TextError> for FeatureError {
    fn from(e: crate::text::TextError) -> Self {
        FeatureError::Invalid(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_params_are_valid() {
        let p = TfidfParams::default().check().unwrap();
        assert!(p.sublinear_tf && p.smooth_idf && p.use_idf && p.l2_norm);
        assert_eq!(p.min_df, DfLimit::Count(1));
        assert_eq!(p.max_df, DfLimit::Fraction(1.0));
    }

    #[test]
    fn bad_params_are_rejected_with_reasons() {
        let cases = [
            (
                DfLimit::Fraction(1.5),
                DfLimit::Fraction(1.0),
                None,
                "min_df fraction",
            ),
            (
                DfLimit::Count(1),
                DfLimit::Fraction(-0.1),
                None,
                "max_df fraction",
            ),
            (DfLimit::Count(5), DfLimit::Count(2), None, "below min_df"),
            (
                DfLimit::Fraction(0.6),
                DfLimit::Fraction(0.5),
                None,
                "below min_df",
            ),
            (
                DfLimit::Count(1),
                DfLimit::Fraction(1.0),
                Some(0),
                "max_features",
            ),
        ];
        for (min_df, max_df, max_features, needle) in cases {
            let p = TfidfParams {
                min_df,
                max_df,
                max_features,
                ..Default::default()
            };
            let e = p.check().unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }
}
