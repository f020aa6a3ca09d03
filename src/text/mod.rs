//! The analyzer chain: normalise → tokenize → stop words → stem → n-grams.
use serde::{Deserialize, Serialize};

/// Everything needed to rebuild the analyzer exactly; stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzerConfig {
    pub lowercase: bool,
    /// `None`: the built-in equivalent of `(?u)\b\w\w+\b`.
    pub token_pattern: Option<String>,
    /// The resolved stop-word list, sorted (stored so a model never depends on a crate version).
    pub stop_words: Vec<String>,
    /// rust-stemmers language name in lower case (e.g. "english"), or `None`.
    pub stemmer: Option<String>,
    /// Inclusive word n-gram range, e.g. (1, 2).
    pub ngram_range: (usize, usize),
}

#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("{0}")]
    Invalid(String),
}

pub struct Analyzer { _c: AnalyzerConfig }

impl Analyzer {
    pub fn new(_config: AnalyzerConfig) -> Result<Self, TextError> { todo!() }
    pub fn config(&self) -> &AnalyzerConfig { todo!() }
    /// Calls `f` with each term of `text` in order (n-grams joined by a single space).
    pub fn for_each_term(&self, _text: &str, _f: impl FnMut(&str)) { todo!() }
}
