//! textclf: statistical text classification of news (topic and stance).
//!
//! The library is usable on its own: [`corpus`] reads labelled corpora, [`text`] turns text
//! into terms, [`features`] into TF-IDF rows ([`features::SparseRecords`], linfa `Records`),
//! [`models`] holds sparse linfa classifiers, [`bundle`] the model file, [`pipeline`] the
//! train/predict flow and [`eval`] cross-validation reports. The command line lives in
//! [`cli`] and only there.
#![warn(missing_docs)]

pub mod bundle;
pub mod cli;
pub mod corpus;
pub mod eval;
pub mod features;
#[doc(hidden)]
pub mod fuzzing;
mod hint;
pub mod models;
pub mod packed;
pub mod pipeline;
#[cfg(test)]
mod test_rng;
pub mod text;
