//! Corpus readers: CSV/TSV with a header row, JSON Lines (optionally gzip-compressed),
//! and directory trees with one sub-folder per class.
//!
//! Every reader is a streaming iterator of [`Document`]s ([`open_corpus`]), so
//! `predict --input` runs in constant memory; [`read_corpus`] collects one for training.
//!
//! Decoding is lenient: a field (or a directory file) that is not valid UTF-8 is read as
//! Latin-1 and counted in [`ReadSummary::latin1_fallbacks`], so one odd file never aborts a
//! corpus. A UTF-8 BOM at the start of a file is dropped, and Windows line ends inside
//! text and pair fields become `\n`. NUL bytes in a field are kept as they are (the
//! analyzer, not the reader, decides what is a word), but a directory file with a NUL byte
//! in its first 8 KiB is binary (a stray PDF or image), a bad record.

use std::fmt;
use std::path::{Path, PathBuf};

mod delimited;
mod dir;
mod join;
mod jsonl;
mod source;

pub use source::decode_lenient;
pub(crate) use source::file_text;
#[cfg(test)]
mod tests;

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

impl Document {
    /// The label of column `column` (an index into `labels`), if the document has one.
    pub fn label(&self, column: usize) -> Option<&str> {
        self.labels.get(column).and_then(|l| l.as_deref())
    }
}

/// How a corpus file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, RFC 4180 quoting, a header row.
    Csv,
    /// Tab-separated, a header row; double quotes still quote a field (as pandas writes it).
    Tsv,
    /// One JSON object per line; blank lines are ignored.
    Jsonl,
    /// One sub-folder per class, one file per document.
    Dir,
}

/// Another table whose columns extend each record of the main corpus, matched on a key
/// column (FNC-1 keeps headlines and article bodies in two files joined on `Body ID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinSpec {
    /// A CSV, TSV or JSON Lines file (optionally gzip), its format taken from its name.
    pub path: PathBuf,
    /// The key column, present in both the main corpus and the joined file.
    pub on: String,
}

/// What to read from a corpus.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `None`: guess from the path (directory, `.csv`, `.tsv`/`.tab`, `.jsonl`, `.json`,
    /// `.ndjson`, each optionally `.gz`). Gzip is recognised by content either way.
    pub format: Option<Format>,
    /// Text fields, joined with "\n\n" (empty parts skipped). Empty means the default `text`.
    pub text_cols: Vec<String>,
    /// The id field; `None` uses `id` when present, else the record number.
    pub id_col: Option<String>,
    /// Label fields to read. A directory corpus puts its folder name in the first one.
    pub label_cols: Vec<String>,
    /// When true a missing label *column* is an error; when false (predict) labels are
    /// ignored. In a directory corpus it also drops files lying directly in the root
    /// (a README beside the class folders), counted in [`ReadSummary::unlabelled_skipped`].
    pub require_labels: bool,
    /// The second text of a pair (e.g. the headline in stance detection); a record where
    /// it is missing or blank is a bad record.
    pub pair_col: Option<String>,
    /// A grouping key (e.g. the article body id) for group-aware splits.
    pub group_col: Option<String>,
    /// Skip malformed records and count them instead of failing.
    pub skip_bad: bool,
    /// Tables joined onto every record before its fields are picked; the main record's
    /// own fields win on a name clash.
    pub joins: Vec<JoinSpec>,
}

/// Counts reported after reading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadSummary {
    /// Documents produced so far.
    pub documents: usize,
    /// Documents that held a field (or file) not valid UTF-8, decoded as Latin-1; counted
    /// once per document.
    pub latin1_fallbacks: usize,
    /// Records skipped under `skip_bad`.
    pub skipped_bad: usize,
    /// The first few skip reasons, for the summary.
    pub skip_examples: Vec<String>,
    /// Files directly in a directory corpus's root, left out because labels were required.
    pub unlabelled_skipped: usize,
    /// Things read but worth telling the user, each naming its file (zero padding after
    /// the gzip data of a main or joined file); complete once the stream is exhausted.
    pub warnings: Vec<String>,
}

/// How many skip reasons [`ReadSummary::skip_examples`] keeps.
const MAX_SKIP_EXAMPLES: usize = 5;

/// A corpus error names the file, the line or record, and what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// The file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// One malformed record; skippable with `skip_bad`. `line` is 1-based, or 0 when the
    /// record is a whole file (directory corpus).
    #[error("{}", BadRecordDisplay(path, *line, message))]
    BadRecord {
        /// The file holding the record (the document's own file in a directory corpus).
        path: PathBuf,
        /// 1-based line number of the record, or 0 for a whole-file record.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// The corpus as a whole cannot be read as asked (missing column, empty file, ...).
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The corpus file or folder.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// `path:line: message`, or `path: message` for a whole-file record.
struct BadRecordDisplay<'a>(&'a PathBuf, u64, &'a String);

impl fmt::Display for BadRecordDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1 == 0 {
            write!(f, "{}: {}", self.0.display(), self.2)
        } else {
            write!(f, "{}:{}: {}", self.0.display(), self.1, self.2)
        }
    }
}

/// Reads a whole corpus into memory, for training.
pub fn read_corpus(
    path: &Path,
    opts: &ReadOptions,
) -> Result<(Vec<Document>, ReadSummary), CorpusError> {
    let mut stream = open_corpus(path, opts)?;
    let mut docs = Vec::new();
    for doc in stream.by_ref() {
        docs.push(doc?);
    }
    Ok((docs, stream.summary().clone()))
}

/// A document stream cut into batches of texts of about `batch_bytes` each, for a
/// consumer that analyzes batches while the next is read (e.g.
/// `TfidfVectorizer::fit_transform_batches`), so the raw corpus is never all in memory.
///
/// `take` sees every document in order and returns the text to put in the batch (or
/// `None` to leave the document out); it may keep the rest of the document (labels, id)
/// for itself. The first read error ends the batches and is stored in the `error` slot
/// given to [`TextBatches::new`]: check it once the consumer is done.
pub struct TextBatches<'e, I, F> {
    docs: I,
    take: F,
    batch_bytes: usize,
    /// Target size of the next batch: starts below `batch_bytes` after [`TextBatches::ramp`]
    /// and doubles with each batch up to it.
    next_bytes: usize,
    /// The smallest batch the ramps go down to (the ramp's first size), `None` without a
    /// ramp.
    min_bytes: Option<usize>,
    /// Documents drawn from `docs` so far, and the bytes of the texts they gave: the
    /// average that turns the documents left into an estimate of the bytes left.
    seen_docs: usize,
    seen_bytes: usize,
    error: &'e mut Option<CorpusError>,
}

impl<'e, I, F> TextBatches<'e, I, F>
where
    I: Iterator<Item = Result<Document, CorpusError>>,
    F: FnMut(Document) -> Option<String>,
{
    /// Batches `docs` (e.g. a [`DocumentStream`]); see the type's documentation.
    pub fn new(docs: I, batch_bytes: usize, error: &'e mut Option<CorpusError>, take: F) -> Self {
        TextBatches {
            docs,
            take,
            batch_bytes: batch_bytes.max(1),
            next_bytes: batch_bytes.max(1),
            min_bytes: None,
            seen_docs: 0,
            seen_bytes: 0,
            error,
        }
    }

    /// Makes the first batch about `first_bytes` (if smaller than the batch size) and
    /// doubles each next one until it reaches the batch size: the consumer gets its first
    /// work after a few files rather than a whole batch, so analysis starts while reading
    /// has barely begun instead of leaving the other cores idle for the first batch.
    ///
    /// When the stream knows how many documents are left (`size_hint`'s upper bound, as
    /// a folder corpus does), batches also shrink towards the end, each at most half of
    /// the bytes estimated to remain (never below `first_bytes`), so the consumer's
    /// threads run out of work at about the same time instead of one analysing a whole
    /// last batch alone.
    pub fn ramp(mut self, first_bytes: usize) -> Self {
        let first = first_bytes.clamp(1, self.batch_bytes);
        self.next_bytes = first;
        self.min_bytes = Some(first);
        self
    }

    /// The size to aim for in the next batch (and advances the ramp-up).
    fn next_target(&mut self) -> usize {
        let target = self.next_bytes;
        self.next_bytes = target.saturating_mul(2).min(self.batch_bytes);
        let (Some(min), Some(docs_left)) = (self.min_bytes, self.docs.size_hint().1) else {
            return target;
        };
        if self.seen_docs == 0 {
            return target;
        }
        let bytes_left = docs_left.saturating_mul(self.seen_bytes) / self.seen_docs;
        target.min((bytes_left / 2).max(min))
    }
}

impl<I, F> Iterator for TextBatches<'_, I, F>
where
    I: Iterator<Item = Result<Document, CorpusError>>,
    F: FnMut(Document) -> Option<String>,
{
    type Item = Vec<String>;

    fn next(&mut self) -> Option<Vec<String>> {
        if self.error.is_some() {
            return None;
        }
        let (mut batch, mut bytes) = (Vec::new(), 0usize);
        let target = self.next_target();
        while bytes < target {
            match self.docs.next() {
                None => break,
                Some(Err(e)) => {
                    *self.error = Some(e);
                    break;
                }
                Some(Ok(doc)) => {
                    self.seen_docs += 1;
                    if let Some(text) = (self.take)(doc) {
                        bytes += text.len().max(1);
                        batch.push(text);
                    }
                }
            }
        }
        self.seen_bytes += bytes;
        (!batch.is_empty()).then_some(batch)
    }
}

/// Opens a corpus as a stream of documents; memory stays bounded by the largest record
/// (plus any joined tables, which are held in memory).
///
/// Column checks that need the header happen here; for JSON Lines, where a column is
/// missing only if no record has it, the check ends the stream with an error instead.
pub fn open_corpus(path: &Path, opts: &ReadOptions) -> Result<DocumentStream, CorpusError> {
    // `-` usually means stdin to a command line; say so rather than "No such file".
    if path.as_os_str() == "-" && !path.exists() {
        return Err(CorpusError::Invalid {
            path: path.to_path_buf(),
            message: "a corpus is read from a file, not from stdin; save it to a file first \
                      (`textclf predict -` scores a single text from stdin)"
                .into(),
        });
    }
    let format = match opts.format {
        Some(f) => f,
        None => detect_format(path)?,
    };
    let mut summary = ReadSummary::default();
    let inner = if format == Format::Dir {
        if !opts.joins.is_empty() {
            return Err(CorpusError::Invalid {
                path: path.to_path_buf(),
                message: "joins need a CSV, TSV or JSON Lines corpus, not a directory".into(),
            });
        }
        Inner::Dir(dir::DirWalker::new(path, opts)?)
    } else {
        let plan = Plan::new(opts);
        let mut joins = Vec::with_capacity(opts.joins.len());
        for spec in &opts.joins {
            joins.push(join::JoinTable::load(
                spec,
                &plan,
                opts.skip_bad,
                &mut summary,
            )?);
        }
        let source = open_records(path, format, &plan.names)?;
        let pipeline = Pipeline {
            path: path.to_path_buf(),
            raw: RawRecord::new(plan.names.len()),
            plan,
            joins,
            source,
        };
        if pipeline.source.columns_upfront() {
            pipeline.check_columns()?;
        }
        Inner::Records(Box::new(pipeline))
    };
    Ok(DocumentStream {
        inner,
        summary,
        skip_bad: opts.skip_bad,
        yield_bad: false,
        finished: false,
    })
}

/// Guesses the format from a path: a directory, or the extension under an optional `.gz`.
pub fn detect_format(path: &Path) -> Result<Format, CorpusError> {
    // A missing file is an I/O error naming it, not a puzzle about its extension.
    if let Err(source) = std::fs::metadata(path) {
        return Err(CorpusError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    if path.is_dir() {
        return Ok(Format::Dir);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "csv" => Ok(Format::Csv),
        "tsv" | "tab" => Ok(Format::Tsv),
        "jsonl" | "ndjson" | "json" => Ok(Format::Jsonl),
        _ => Err(CorpusError::Invalid {
            path: path.to_path_buf(),
            message: "cannot tell the format from the name (expected a directory or \
                      .csv, .tsv, .tab, .jsonl, .ndjson, .json, optionally .gz); \
                      name it with --data-format"
                .into(),
        }),
    }
}

/// A stream of documents from one corpus; see [`open_corpus`].
///
/// After an error that is not skipped the stream ends.
pub struct DocumentStream {
    inner: Inner,
    summary: ReadSummary,
    skip_bad: bool,
    /// Yield bad records as errors and keep going (see [`DocumentStream::yield_bad_records`]).
    yield_bad: bool,
    finished: bool,
}

enum Inner {
    Records(Box<Pipeline>),
    Dir(dir::DirWalker),
}

impl DocumentStream {
    /// Counts so far (complete once the stream is exhausted).
    pub fn summary(&self) -> &ReadSummary {
        &self.summary
    }

    /// Makes each malformed record an `Err` item after which the stream goes on, so a
    /// scorer can give every input record an output line; other errors still end it.
    pub fn yield_bad_records(mut self) -> Self {
        self.yield_bad = true;
        self.skip_bad = false;
        self
    }
}

impl Iterator for DocumentStream {
    type Item = Result<Document, CorpusError>;

    /// A folder corpus knows how many files are left (an upper bound: files directly in
    /// the root may be skipped); a tabular file does not know how many records are left.
    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            _ if self.finished => (0, Some(0)),
            Inner::Dir(d) => (0, Some(d.files_left())),
            Inner::Records(_) => (0, None),
        }
    }

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            let item = match &mut self.inner {
                Inner::Records(p) => p.next_doc(),
                Inner::Dir(d) => d.next_doc(&mut self.summary),
            };
            match item {
                None => {
                    self.finished = true;
                    if let Inner::Records(p) = &mut self.inner {
                        self.summary.warnings.extend(p.source.take_warnings());
                    }
                }
                Some(Ok((doc, latin1))) => {
                    self.summary.documents += 1;
                    self.summary.latin1_fallbacks += usize::from(latin1);
                    return Some(Ok(doc));
                }
                Some(Err(e @ CorpusError::BadRecord { .. })) if self.skip_bad => {
                    note_skip(&mut self.summary, &e);
                }
                Some(Err(e @ CorpusError::BadRecord { .. })) if self.yield_bad => {
                    return Some(Err(e));
                }
                Some(Err(e)) => {
                    self.finished = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

/// Counts a skipped record and keeps its reason if there is room.
fn note_skip(summary: &mut ReadSummary, e: &CorpusError) {
    summary.skipped_bad += 1;
    if summary.skip_examples.len() < MAX_SKIP_EXAMPLES {
        summary.skip_examples.push(e.to_string());
    }
}

/// One record as its wanted fields: `slots[i]` holds the value of `Plan::names[i]`, or
/// `None` when the record has no such field.
pub(crate) struct RawRecord {
    /// 1-based line where the record starts.
    pub line: u64,
    /// 1-based record number (blank lines and the header not counted; bad records are).
    pub recno: u64,
    pub slots: Vec<Option<String>>,
    /// Some field had to be decoded as Latin-1.
    pub latin1: bool,
}

impl RawRecord {
    fn new(n: usize) -> Self {
        RawRecord {
            line: 0,
            recno: 0,
            slots: vec![None; n],
            latin1: false,
        }
    }
}

/// A reader of tabular records (CSV/TSV/JSONL), filling only the wanted fields.
pub(crate) trait RecordSource: Send {
    /// Reads the next record into `rec` (resetting its slots); `None` at the end.
    /// A `BadRecord` error leaves the source ready for the next record.
    fn next_record(&mut self, rec: &mut RawRecord) -> Option<Result<(), CorpusError>>;
    /// The columns known so far: the header, or every key seen in a JSON record.
    fn columns(&self) -> Vec<String>;
    /// Whether `name` is among [`RecordSource::columns`].
    fn has_column(&self, name: &str) -> bool;
    /// True when the columns are all known before the first record (a header row).
    fn columns_upfront(&self) -> bool;
    /// Records read so far, bad ones included.
    fn records_read(&self) -> u64;
    /// What was accepted in the file but deserves a word (zero padding after gzip data),
    /// each once; complete at the end of the file.
    fn take_warnings(&mut self) -> Vec<String>;
}

/// Opens a tabular file, reading the fields `names`.
pub(crate) fn open_records(
    path: &Path,
    format: Format,
    names: &[String],
) -> Result<Box<dyn RecordSource>, CorpusError> {
    Ok(match format {
        Format::Csv => Box::new(delimited::DelimitedSource::open(path, b',', names)?),
        Format::Tsv => Box::new(delimited::DelimitedSource::open(path, b'\t', names)?),
        Format::Jsonl => Box::new(jsonl::JsonlSource::open(path, names)?),
        Format::Dir => {
            return Err(CorpusError::Invalid {
                path: path.to_path_buf(),
                message: "a directory cannot be read as a table".into(),
            })
        }
    })
}

/// Which fields to pull out of each record and what each one is for.
pub(crate) struct Plan {
    /// Distinct field names; roles refer to them by index.
    pub names: Vec<String>,
    text: Vec<usize>,
    id: Option<usize>,
    labels: Vec<usize>,
    pair: Option<usize>,
    group: Option<usize>,
    /// Fields that must exist, with the role named in the error.
    required: Vec<(usize, &'static str)>,
}

impl Plan {
    fn new(opts: &ReadOptions) -> Self {
        let mut plan = Plan {
            names: Vec::new(),
            text: Vec::new(),
            id: None,
            labels: Vec::new(),
            pair: None,
            group: None,
            required: Vec::new(),
        };
        let default_text = ["text".to_string()];
        let text_cols: &[String] = if opts.text_cols.is_empty() {
            &default_text
        } else {
            &opts.text_cols
        };
        for name in text_cols {
            let i = plan.slot(name);
            plan.text.push(i);
            plan.required.push((i, "text column"));
        }
        plan.id = Some(match &opts.id_col {
            Some(name) => {
                let i = plan.slot(name);
                plan.required.push((i, "id column"));
                i
            }
            None => plan.slot("id"),
        });
        for name in &opts.label_cols {
            let i = plan.slot(name);
            plan.labels.push(i);
            if opts.require_labels {
                plan.required.push((i, "label column"));
            }
        }
        if let Some(name) = &opts.pair_col {
            let i = plan.slot(name);
            plan.pair = Some(i);
            plan.required.push((i, "pair column"));
        }
        if let Some(name) = &opts.group_col {
            let i = plan.slot(name);
            plan.group = Some(i);
            plan.required.push((i, "group column"));
        }
        for spec in &opts.joins {
            let i = plan.slot(&spec.on);
            plan.required.push((i, "join key column"));
        }
        plan
    }

    /// The index of `name`, adding it if new.
    pub(crate) fn slot(&mut self, name: &str) -> usize {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.names.len() - 1
            }
        }
    }

    /// The index of an existing name.
    pub(crate) fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// Reading a tabular corpus: records, joins, then documents.
struct Pipeline {
    path: PathBuf,
    plan: Plan,
    joins: Vec<join::JoinTable>,
    source: Box<dyn RecordSource>,
    raw: RawRecord,
}

impl Pipeline {
    /// Fails when a required field is neither in the main file nor in a joined one.
    fn check_columns(&self) -> Result<(), CorpusError> {
        for &(i, role) in &self.plan.required {
            let name = &self.plan.names[i];
            // A join key must be in the main file itself.
            let is_key = role == "join key column";
            let found = self.source.has_column(name)
                || (!is_key && self.joins.iter().any(|j| j.has_column(name)));
            if !found {
                let mut available = self.source.columns();
                for j in &self.joins {
                    for c in j.columns() {
                        if !available.contains(c) {
                            available.push(c.clone());
                        }
                    }
                }
                return Err(missing_column(&self.path, role, name, &available));
            }
        }
        Ok(())
    }

    fn next_doc(&mut self) -> Option<Result<(Document, bool), CorpusError>> {
        match self.source.next_record(&mut self.raw) {
            Some(Ok(())) => {}
            Some(Err(e)) => return Some(Err(e)),
            None => {
                // JSON Lines: a column is missing only if no record at all had it.
                if !self.source.columns_upfront() && self.source.records_read() > 0 {
                    if let Err(e) = self.check_columns() {
                        return Some(Err(e));
                    }
                }
                return None;
            }
        }
        for j in &self.joins {
            if let Err(e) = j.apply(&mut self.raw, &self.path) {
                return Some(Err(e));
            }
        }
        if let Some(e) = self.blank_pair() {
            return Some(Err(e));
        }
        Some(Ok(self.build()))
    }

    /// The error for a record whose pair field is missing or blank, when one was asked
    /// for: a paired model has nothing to relate the record's text to, so the record is
    /// bad (named by its line, skippable) rather than a document without a pair.
    fn blank_pair(&self) -> Option<CorpusError> {
        let i = self.plan.pair?;
        let blank = self.raw.slots[i]
            .as_deref()
            .is_none_or(|s| s.trim().is_empty());
        blank.then(|| CorpusError::BadRecord {
            path: self.path.clone(),
            line: self.raw.line,
            message: format!("the pair column \"{}\" is empty", self.plan.names[i]),
        })
    }

    /// Turns the current record's slots into a document.
    fn build(&mut self) -> (Document, bool) {
        let plan = &self.plan;
        let slots = &mut self.raw.slots;
        let trimmed = |i: usize| -> Option<String> {
            slots[i]
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let id = plan
            .id
            .and_then(trimmed)
            .unwrap_or_else(|| self.raw.recno.to_string());
        let labels = plan.labels.iter().map(|&i| trimmed(i)).collect();
        let group = plan.group.and_then(trimmed);
        let pair = plan
            .pair
            .and_then(|i| slots[i].clone())
            .map(source::normalize_newlines);
        let mut parts = plan
            .text
            .iter()
            .filter(|&&i| slots[i].as_deref().is_some_and(|s| !s.trim().is_empty()));
        let text = match (parts.next(), parts.next()) {
            (None, _) => String::new(),
            // One part: move it out instead of copying (it may be a whole article).
            (Some(&i), None) => slots[i].take().unwrap_or_default(),
            (Some(_), Some(_)) => {
                let mut text = String::new();
                for &i in &plan.text {
                    if let Some(s) = slots[i].as_deref().filter(|s| !s.trim().is_empty()) {
                        if !text.is_empty() {
                            text.push_str("\n\n");
                        }
                        text.push_str(s);
                    }
                }
                text
            }
        };
        let doc = Document {
            id,
            text: source::normalize_newlines(text),
            pair,
            labels,
            group,
        };
        (doc, self.raw.latin1)
    }
}

/// The error for a column that is not there, listing the ones that are.
pub(crate) fn missing_column(
    path: &Path,
    role: &str,
    name: &str,
    available: &[String],
) -> CorpusError {
    let list = if available.is_empty() {
        "none".to_string()
    } else {
        available
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    CorpusError::Invalid {
        path: path.to_path_buf(),
        message: format!("{role} \"{name}\" not found; available columns: {list}"),
    }
}
