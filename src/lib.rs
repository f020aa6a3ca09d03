//! textclf: statistical text classification of news.
pub mod corpus;
pub mod text;
pub mod features;
pub mod models;
pub mod bundle;
pub mod eval;
