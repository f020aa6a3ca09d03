//! Corpus readers: CSV/TSV with a header row, JSON Lines (optionally gzip-compressed),
//! and directory trees with one sub-folder per class.
//!
//! Every reader is a streaming iterator of [`Document`]s, so `predict --input` runs in
//! constant memory; [`read_corpus`] collects one for training.

use std::path::{Path, PathBuf};

/// One labelled (or unlabelled) example.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The id column's value, the relative path in a directory corpus, or the 1-based record number.
    pub id: String,
    /// The text fields named by `--text-col`, joined with a blank line.
    pub text: String,
    /// The second text of a pair (`--pair-col`), for stance toward a headline or target.
    pub pair: Option<String>,
    /// One entry per requested label column, in the order asked for; `None` when the
    /// record's value is missing or empty.
    pub labels: Vec<Option<String>>,
    /// The values of `--group-col`, if one was asked for.
    pub group: Option<String>,
}

/// How a corpus file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format { Csv, Tsv, Jsonl, Dir }

/// What to read from a corpus.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// `None`: guess from the path (directory, `.csv`, `.tsv`, `.jsonl`, `.json`, `.ndjson`, each optionally `.gz`).
    pub format: Option<Format>,
    /// Text fields, joined with "\n\n". Empty means the default `text`.
    pub text_cols: Vec<String>,
    /// The id field; `None` uses `id` when present, else the record number.
    pub id_col: Option<String>,
    /// Label fields to read. A directory corpus puts its folder name in the first one.
    pub label_cols: Vec<String>,
    /// When true a missing label *column* is an error; when false (predict) labels are ignored.
    pub require_labels: bool,
    pub pair_col: Option<String>,
    pub group_col: Option<String>,
    /// Skip malformed records and count them instead of failing.
    pub skip_bad: bool,
}

/// Counts reported after reading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadSummary {
    pub documents: usize,
    /// Documents (or fields) that were not valid UTF-8 and were decoded as Latin-1.
    pub latin1_fallbacks: usize,
    /// Records skipped under `skip_bad`.
    pub skipped_bad: usize,
    /// The first few skip reasons, for the summary.
    pub skip_examples: Vec<String>,
}

/// A corpus error names the file, the line or record, and what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    BadRecord { path: PathBuf, line: u64, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

pub fn read_corpus(_path: &Path, _opts: &ReadOptions) -> Result<(Vec<Document>, ReadSummary), CorpusError> {
    todo!()
}
