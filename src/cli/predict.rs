//! `textclf predict`: score files, stdin, or a whole corpus with saved models.

use super::args::CorpusArgs;
use crate::bundle::{model_files, ModelBundle};
use crate::corpus::{file_text, open_corpus, CorpusError, Document};
use crate::pipeline::{
    bundle_features, explain, feature_sharing, missing_pair, predict_features, Prediction,
};
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use serde_json::{json, Map, Value};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// How `predict` writes its results (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One line per document: its id, then each task's label and probability
    Text,
    /// One JSON array of results
    Json,
    /// One JSON object per document and line
    Jsonl,
    /// A CSV table with a header row
    Csv,
}

/// Score articles with the models in a directory
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  textclf predict datasets/example_article.txt\n  cat article.txt | textclf predict --task topic -\n  textclf predict --input datasets/example_batch.jsonl --format jsonl --top-k 3"
)]
pub struct PredictArgs {
    /// Text files to score; `-` (or nothing, without --input) reads one article from stdin
    pub files: Vec<PathBuf>,
    /// Directory holding <task>.model files
    #[arg(long, default_value = "models")]
    pub model_dir: PathBuf,
    /// Only these tasks (repeatable; default: every model in --model-dir)
    #[arg(long)]
    pub task: Vec<String>,
    /// Score a whole corpus (CSV/TSV/JSONL, optionally .gz, or a folder), streaming
    #[arg(long, conflicts_with = "files")]
    pub input: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Also list the N most probable labels per task
    #[arg(long, default_value_t = 1)]
    pub top_k: usize,
    /// For each prediction, list the N terms that weighed most for the label and against it
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub explain: usize,
    /// Documents scored per batch when streaming --input
    #[arg(long, default_value_t = 2048, hide = true)]
    pub batch_size: usize,
    /// How to read an --input corpus.
    #[command(flatten)]
    pub corpus: CorpusArgs,
}

/// The loaded models, with documents vectorised once per distinct vectorizer.
struct Scorer {
    bundles: Vec<ModelBundle>,
    /// The name that labels each bundle's predictions: its file's (see [`model_paths`]).
    names: Vec<String>,
    /// `shares[i] = j`: bundle i uses the same vectorizer as bundle j (j ≤ i).
    shares: Vec<usize>,
    /// Per bundle, the evidence matrix `--explain` needs (computed once, only when asked).
    evidence: Vec<Option<ndarray::Array2<f32>>>,
    explain: usize,
}

impl Scorer {
    /// Loads the models `args` asks for; `quiet` silences the warning about a model file
    /// named for another task than the one it was trained for.
    fn load(args: &PredictArgs, quiet: bool) -> Result<Self> {
        let paths = model_paths(&args.model_dir, &args.task)?;
        refuse_field_names(&paths)?;
        let (paths, names): (Vec<PathBuf>, Vec<String>) = paths.into_iter().unzip();
        let bundles: Vec<ModelBundle> = paths
            .iter()
            .map(|p| load_model(p))
            .collect::<Result<_, _>>()?;
        for ((p, name), b) in paths.iter().zip(&names).zip(&bundles) {
            if *name != b.task && !quiet {
                super::output::warn(format_args!(
                    "{}: this model was trained for task '{}'; its predictions are \
                     labelled '{name}', after the file",
                    p.display(),
                    b.task
                ));
            }
        }
        let shares = feature_sharing(&bundles);
        let evidence = bundles
            .iter()
            .map(|b| (args.explain > 0).then(|| b.model.feature_evidence()))
            .collect();
        Ok(Scorer {
            bundles,
            names,
            shares,
            evidence,
            explain: args.explain,
        })
    }

    /// Per document, one prediction per bundle; `pairs` (one per text) feed paired models.
    fn score(
        &self,
        texts: &[&str],
        pairs: Option<&[&str]>,
        top_k: usize,
    ) -> Result<Vec<Vec<Prediction>>> {
        let mut per_bundle: Vec<Vec<Prediction>> = Vec::with_capacity(self.bundles.len());
        let mut features = Vec::with_capacity(self.bundles.len());
        for (i, b) in self.bundles.iter().enumerate() {
            let x = if self.shares[i] == i {
                Some(bundle_features(b, texts, pairs)?)
            } else {
                None
            };
            features.push(x);
            let x = features[self.shares[i]]
                .as_ref()
                .expect("shared features computed earlier");
            let mut preds = predict_features(b, x, top_k);
            if let Some(ev) = &self.evidence[i] {
                explain(b, ev, x, &mut preds, self.explain);
            }
            per_bundle.push(preds);
        }
        // Moved, not cloned, from per-task columns into per-document rows.
        let mut columns: Vec<_> = per_bundle.into_iter().map(Vec::into_iter).collect();
        Ok((0..texts.len())
            .map(|_| {
                columns
                    .iter_mut()
                    .map(|c| c.next().expect("one prediction per document"))
                    .collect()
            })
            .collect())
    }
}

/// The model files of `dir` that `tasks` (`--task`) name, or all of them, each with the
/// name that labels its predictions: `--task NAME` as given, else each `*.model` file's
/// name without the extension.
///
/// The file name, not the task recorded inside the model, labels the output, because it
/// is the name the user chose: what `--task` selects by and what scripts reading the
/// output expect after asking for it, and names of files in one folder never collide,
/// whereas a model copied for a comparison (`topic-v2.model`) records the same task as
/// its original, and two output columns of one name would lose one in JSON. A file whose
/// name differs from its recorded task is warned about ([`Scorer::load`]).
pub(super) fn model_paths(dir: &Path, tasks: &[String]) -> Result<Vec<(PathBuf, String)>> {
    if !tasks.is_empty() {
        let paths: Vec<_> = tasks
            .iter()
            .map(|t| (dir.join(format!("{t}.model")), t.clone()))
            .collect();
        refuse_repeated_tasks(&paths)?;
        return Ok(paths);
    }
    let files = model_files(dir)?;
    if files.is_empty() {
        bail!(crate::bundle::BundleError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no .model files here; run `textclf train` first"
            ),
        });
    }
    let paths: Vec<_> = files
        .into_iter()
        .map(|p| {
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (p, name)
        })
        .collect();
    Ok(paths)
}

/// Loads the model file at `path`, logging what it holds (for `--verbose`).
pub(super) fn load_model(path: &Path) -> Result<ModelBundle, crate::bundle::BundleError> {
    let bundle = ModelBundle::load(path)?;
    log::info!(
        "loaded {} (task '{}', {})",
        path.display(),
        bundle.task,
        bundle.model.kind()
    );
    Ok(bundle)
}

/// Refuses a task given twice: `predict` wrote its CSV columns twice and its JSON key
/// once, `eval --model-dir` scored it twice under one run name.
fn refuse_repeated_tasks(paths: &[(PathBuf, String)]) -> Result<()> {
    for (i, (_, name)) in paths.iter().enumerate() {
        if paths[..i].iter().any(|(_, n)| n == name) {
            bail!(super::UsageError(format!("--task '{name}' is given twice")));
        }
    }
    Ok(())
}

/// Fields of every `predict` output row besides the models' labels: a model whose file
/// (task) name is one of them cannot label its predictions.
pub(super) const ROW_FIELDS: [&str; 2] = ["id", "error"];

/// Refuses a model named `id` or `error`, the fields of every `predict` output row, which
/// its predictions would replace (`id.model`'s replaced every document's id in JSON).
fn refuse_field_names(paths: &[(PathBuf, String)]) -> Result<()> {
    for (path, name) in paths {
        if ROW_FIELDS.contains(&name.as_str()) {
            bail!(super::UsageError(format!(
                "{}: a model's file name labels its predictions, and '{name}' is a field of \
                 every output row; rename the file",
                path.display()
            )));
        }
    }
    Ok(())
}

/// One scored (or failed) document, ready to print.
struct Row<'a> {
    id: &'a str,
    result: Result<&'a [Prediction], &'a str>,
}

/// Writes predictions in the chosen format, one document at a time.
struct Sink<W: Write> {
    format: OutputFormat,
    tasks: Vec<String>,
    top_k: usize,
    /// Whether predictions carry explanations (a CSV column per task).
    explain: bool,
    plain: Option<W>,
    csv: Option<csv::Writer<W>>,
    written: usize,
    /// JSON rows are written field by field ([`write_json_row`]) rather than through a
    /// `serde_json::Value`: false only when explanations are on (the `Value` path handles
    /// those). Task names are unique and never `id` or `error` ([`refuse_repeated_tasks`],
    /// [`refuse_field_names`]).
    direct_json: bool,
    /// The top-level keys of a JSON row in the order `serde_json::Map` prints them (sorted):
    /// `None` for `id`, `Some(i)` for task i.
    json_keys: Vec<Option<usize>>,
}

impl<W: Write> Sink<W> {
    fn new(
        out: W,
        format: OutputFormat,
        tasks: Vec<String>,
        top_k: usize,
        explain: bool,
    ) -> Result<Self> {
        let direct_json = !explain;
        let mut json_keys: Vec<Option<usize>> = std::iter::once(None)
            .chain((0..tasks.len()).map(Some))
            .collect();
        json_keys.sort_by(|a, b| {
            let key = |k: &Option<usize>| k.map_or("id", |i| tasks[i].as_str());
            key(a).cmp(key(b))
        });
        let mut sink = Sink {
            format,
            tasks,
            top_k,
            explain,
            plain: None,
            csv: None,
            written: 0,
            direct_json,
            json_keys,
        };
        if format == OutputFormat::Csv {
            let mut w = csv::Writer::from_writer(out);
            let mut header = vec!["id".to_owned()];
            for t in &sink.tasks {
                header.push(t.clone());
                header.push(format!("{t}_probability"));
                // Ranks 2..=k as label and probability columns of their own: one cell
                // holding `label:p label:p` was ambiguous for labels with spaces or colons.
                for rank in 2..=top_k {
                    header.push(format!("{t}_top{rank}"));
                    header.push(format!("{t}_top{rank}_probability"));
                }
                if sink.explain {
                    header.push(format!("{t}_explain"));
                }
            }
            header.push("error".to_owned());
            w.write_record(&header)?;
            sink.csv = Some(w);
        } else {
            sink.plain = Some(out);
            if format == OutputFormat::Json {
                sink.plain.as_mut().unwrap().write_all(b"[\n")?;
            }
        }
        Ok(sink)
    }

    fn json(&self, row: &Row) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(row.id));
        match row.result {
            Ok(preds) => {
                for (task, p) in self.tasks.iter().zip(preds) {
                    let mut t = Map::new();
                    t.insert("label".into(), json!(p.label));
                    t.insert("probability".into(), json!(round6(p.probability)));
                    if self.top_k > 1 {
                        t.insert(
                            "top".into(),
                            p.top
                                .iter()
                                .map(|(l, q)| json!({"label": l, "probability": round6(*q)}))
                                .collect(),
                        );
                    }
                    if let Some(e) = &p.explanation {
                        let terms = |v: &[(String, f32)]| {
                            v.iter()
                                .map(|(t, c)| json!([t, round6(*c)]))
                                .collect::<Vec<_>>()
                        };
                        t.insert(
                            "explain".into(),
                            json!({"for": terms(&e.for_label), "against": terms(&e.against)}),
                        );
                    }
                    obj.insert(task.clone(), Value::Object(t));
                }
            }
            Err(e) => {
                obj.insert("error".into(), json!(e));
            }
        }
        Value::Object(obj)
    }

    fn write(&mut self, row: Row) -> Result<()> {
        match self.format {
            OutputFormat::Csv => {
                let mut rec = vec![row.id.to_owned()];
                match row.result {
                    Ok(preds) => {
                        for p in preds {
                            rec.push(p.label.clone());
                            rec.push(format!("{:.6}", p.probability));
                            // A model with fewer classes than k leaves its last ranks empty,
                            // so every row has the header's columns.
                            for rank in 1..self.top_k {
                                match p.top.get(rank) {
                                    Some((l, q)) => {
                                        rec.push(l.clone());
                                        rec.push(format!("{q:.6}"));
                                    }
                                    None => rec.extend([String::new(), String::new()]),
                                }
                            }
                            if self.explain {
                                rec.push(
                                    p.explanation
                                        .as_ref()
                                        .map(explanation_text)
                                        .unwrap_or_default(),
                                );
                            }
                        }
                        rec.push(String::new());
                    }
                    Err(e) => {
                        let per_task = 2 * self.top_k + usize::from(self.explain);
                        rec.extend(std::iter::repeat_n(
                            String::new(),
                            self.tasks.len() * per_task,
                        ));
                        rec.push(e.to_owned());
                    }
                }
                self.csv.as_mut().unwrap().write_record(&rec)?;
            }
            OutputFormat::Json | OutputFormat::Jsonl => {
                let sep = if self.format == OutputFormat::Json && self.written > 0 {
                    ",\n"
                } else {
                    ""
                };
                let direct = self.direct_json;
                let v = (!direct).then(|| self.json(&row));
                let out = self.plain.as_mut().unwrap();
                out.write_all(sep.as_bytes())?;
                match v {
                    Some(v) => write!(out, "{v}")?,
                    None => write_json_row(out, &self.tasks, &self.json_keys, self.top_k, &row)?,
                }
                if self.format == OutputFormat::Jsonl {
                    out.write_all(b"\n")?;
                }
            }
            OutputFormat::Text => {
                let mut line = one_line(row.id).into_owned();
                match row.result {
                    Ok(preds) => {
                        for (task, p) in self.tasks.iter().zip(preds) {
                            line.push_str(&format!(
                                "\t{task}: {} ({:.3})",
                                one_line(&p.label),
                                p.probability
                            ));
                            if self.top_k > 1 {
                                let rest: Vec<String> = p
                                    .top
                                    .iter()
                                    .skip(1)
                                    .map(|(l, q)| format!("{} {q:.3}", one_line(l)))
                                    .collect();
                                line.push_str(&format!(" [then {}]", rest.join(", ")));
                            }
                            if let Some(e) = &p.explanation {
                                line.push_str(&format!(" because {}", explanation_text(e)));
                            }
                        }
                    }
                    Err(e) => line.push_str(&format!("\terror: {}", one_line(e))),
                }
                writeln!(self.plain.as_mut().unwrap(), "{line}")?;
            }
        }
        self.written += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        if let Some(mut w) = self.csv.take() {
            w.flush()?;
        }
        if let Some(mut out) = self.plain.take() {
            if self.format == OutputFormat::Json {
                out.write_all(if self.written > 0 { b"\n]\n" } else { b"]\n" })?;
            }
            out.flush()?;
        }
        Ok(())
    }
}

/// Writes one JSON row exactly as `serde_json` prints the `Value` that [`Sink::json`] builds
/// (keys sorted, the same string escaping and number formatting), without building it:
/// for rows without explanations and tasks not named `id`, `error` or alike.
fn write_json_row<W: Write>(
    out: &mut W,
    tasks: &[String],
    keys: &[Option<usize>],
    top_k: usize,
    row: &Row,
) -> Result<()> {
    let preds = match row.result {
        Ok(p) => p,
        Err(e) => {
            // "error" sorts before "id".
            out.write_all(b"{\"error\":")?;
            serde_json::to_writer(&mut *out, e)?;
            out.write_all(b",\"id\":")?;
            serde_json::to_writer(&mut *out, row.id)?;
            out.write_all(b"}")?;
            return Ok(());
        }
    };
    let label_probability = |out: &mut W, label: &str, p: f32| -> Result<()> {
        out.write_all(b"{\"label\":")?;
        serde_json::to_writer(&mut *out, label)?;
        out.write_all(b",\"probability\":")?;
        serde_json::to_writer(&mut *out, &round6(p))?;
        Ok(())
    };
    out.write_all(b"{")?;
    for (n, key) in keys.iter().enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        match *key {
            None => {
                out.write_all(b"\"id\":")?;
                serde_json::to_writer(&mut *out, row.id)?;
            }
            Some(i) => {
                let p = preds
                    .get(i)
                    .with_context(|| format!("no prediction for task '{}'", tasks[i]))?;
                serde_json::to_writer(&mut *out, &tasks[i])?;
                out.write_all(b":")?;
                label_probability(out, &p.label, p.probability)?;
                if top_k > 1 {
                    out.write_all(b",\"top\":[")?;
                    for (j, (l, q)) in p.top.iter().enumerate() {
                        if j > 0 {
                            out.write_all(b",")?;
                        }
                        label_probability(out, l, *q)?;
                        out.write_all(b"}")?;
                    }
                    out.write_all(b"]")?;
                }
                out.write_all(b"}")?;
            }
        }
    }
    out.write_all(b"}")?;
    Ok(())
}

/// `s` with tabs and line ends written as `\t`, `\n`, `\r`: in text output every record is
/// one line of tab-separated fields, whatever its id, labels or error message hold.
fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['\t', '\n', '\r']) {
        return s.into();
    }
    s.replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
        .into()
}

/// `term +0.123, term +0.045; against: term -0.067` for text and CSV output; an empty side
/// (a document without a known term) says `no term`, where it printed `because ; against: `.
fn explanation_text(e: &crate::pipeline::Explanation) -> String {
    let list = |v: &[(String, f32)]| {
        if v.is_empty() {
            return "no term".to_owned();
        }
        v.iter()
            .map(|(t, c)| format!("{t} {c:+.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("{}; against: {}", list(&e.for_label), list(&e.against))
}

fn round6(p: f32) -> f64 {
    (p as f64 * 1e6).round() / 1e6
}

fn score_batch<W: Write>(
    scorer: &Scorer,
    sink: &mut Sink<W>,
    batch: &[Document],
    top_k: usize,
) -> Result<()> {
    // An empty batch (e.g. after a record that could not be read) has no pair texts to give
    // a paired model, which would otherwise take it for a corpus without --pair-col.
    if batch.is_empty() {
        return Ok(());
    }
    let texts: Vec<&str> = batch.iter().map(|d| d.text.as_str()).collect();
    // Documents carry a pair text exactly when --pair-col was given (the reader requires it).
    let pairs: Option<Vec<&str>> = batch
        .iter()
        .map(|d| d.pair.as_deref())
        .collect::<Option<Vec<_>>>();
    for (doc, preds) in batch
        .iter()
        .zip(scorer.score(&texts, pairs.as_deref(), top_k)?)
    {
        sink.write(Row {
            id: &doc.id,
            result: Ok(&preds),
        })?;
    }
    Ok(())
}

/// Runs `textclf predict`: loads the models, then scores the files, stdin or the --input
/// corpus and writes one result per document to stdout.
pub fn run(args: PredictArgs, quiet: bool) -> Result<()> {
    if args.top_k == 0 {
        bail!(super::UsageError("--top-k must be at least 1".into()));
    }
    let scorer = Scorer::load(&args, quiet)?;
    // A paired model needs the pair text of every document: only a corpus can give it.
    if let Some((b, name)) = scorer
        .bundles
        .iter()
        .zip(&scorer.names)
        .find(|(b, _)| b.pair.is_some())
    {
        if args.input.is_none() || args.corpus.pair_col.is_none() {
            let column = &b.pair.as_ref().expect("found paired").column;
            bail!(super::UsageError(missing_pair(name, column)));
        }
    }
    let mut sink = Sink::new(
        BufWriter::new(super::output::stdout()),
        args.format,
        scorer.names.clone(),
        args.top_k,
        args.explain > 0,
    )?;
    let (failed, warnings) = match &args.input {
        Some(input) => score_input(&args, input, &scorer, &mut sink)?,
        None => (score_files(&args, &scorer, &mut sink)?, Vec::new()),
    };
    sink.finish()?;
    if !quiet {
        warnings.iter().for_each(super::output::warn);
    }
    if failed > 0 {
        // The output lines name the records; this says how many, and fails unless asked not to.
        let what = match &args.input {
            Some(input) => format!("{}: {failed} record(s) could not be read", input.display()),
            None => format!("{failed} file(s) could not be scored"),
        };
        let msg = format!("{what}; their output lines carry the error");
        // Unclassified, so a data error (exit code 3), unless asked to go on.
        if !args.corpus.skip_bad {
            bail!(msg);
        }
        super::output::stderr_line(format_args!("textclf: {msg}"));
    }
    Ok(())
}

/// Scores the `--input` corpus, streaming; returns the records that could not be read
/// (each given an error line) and the reader's warnings.
fn score_input<W: Write>(
    args: &PredictArgs,
    input: &Path,
    scorer: &Scorer,
    sink: &mut Sink<W>,
) -> Result<(usize, Vec<String>)> {
    let opts = args.corpus.read_options(&[], false, None)?;
    let mut stream = open_corpus(input, &opts)?.yield_bad_records();
    let mut failed = 0usize;
    // Reading and parsing run on their own thread, a batch ahead of scoring, so both
    // cores stay busy; the bounded channel keeps memory at a few batches.
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<_>>(1);
    let batch_size = args.batch_size.max(1);
    let warnings = std::thread::scope(|scope| -> Result<Vec<String>> {
        let reader = scope.spawn(move || {
            let mut chunk = Vec::with_capacity(batch_size);
            for item in stream.by_ref() {
                chunk.push(item);
                if chunk.len() >= batch_size {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(batch_size));
                    if send.send(full).is_err() {
                        return Vec::new(); // scoring stopped on an error
                    }
                }
            }
            let _ = send.send(chunk);
            stream.summary().warnings.clone()
        });
        // Owned here so that returning early drops it, which stops the reader before
        // the scope waits for it.
        let receive = receive;
        let mut batch = Vec::with_capacity(batch_size);
        for item in receive.iter().flatten() {
            match item {
                Ok(doc) => {
                    batch.push(doc);
                    if batch.len() >= batch_size {
                        score_batch(scorer, sink, &batch, args.top_k)?;
                        batch.clear();
                    }
                }
                // A record that cannot be read still gets its line, so output lines match input records.
                Err(CorpusError::BadRecord {
                    path,
                    line,
                    message,
                }) => {
                    score_batch(scorer, sink, &batch, args.top_k)?;
                    batch.clear();
                    failed += 1;
                    let id = bad_record_id(input, &path, line);
                    sink.write(Row {
                        id: &id,
                        result: Err(&message),
                    })?;
                }
                // The records read before the stream broke are still scored.
                Err(e) => {
                    score_batch(scorer, sink, &batch, args.top_k)?;
                    return Err(e.into());
                }
            }
        }
        score_batch(scorer, sink, &batch, args.top_k)?;
        Ok(reader.join().unwrap_or_default())
    })?;
    Ok((failed, warnings))
}

/// The id of a record that could not be read: `line N` in a table; in a folder corpus,
/// where the record is a whole file (line 0), its path below the corpus: the id it
/// would have had as a document.
fn bad_record_id(input: &Path, path: &Path, line: u64) -> String {
    if line > 0 {
        return format!("line {line}");
    }
    path.strip_prefix(input)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Scores the files named on the command line (or stdin, `-`), one document each; returns
/// how many were not text (each given an error line, as a folder corpus's would be).
fn score_files<W: Write>(args: &PredictArgs, scorer: &Scorer, sink: &mut Sink<W>) -> Result<usize> {
    let files = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    let mut failed = 0;
    for path in &files {
        let (id, bytes) = read_article(path)?;
        let text = match file_text(&bytes) {
            Ok((text, _)) => text,
            Err(why) => {
                failed += 1;
                sink.write(Row {
                    id: &id,
                    result: Err(&why),
                })?;
                continue;
            }
        };
        let preds = scorer
            .score(&[text.as_str()], None, args.top_k)?
            .pop()
            .expect("one document scored");
        sink.write(Row {
            id: &id,
            result: Ok(&preds),
        })?;
    }
    Ok(failed)
}

/// The id and bytes of one article: the file at `path`, or stdin for `-`.
fn read_article(path: &Path) -> Result<(String, Vec<u8>)> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("reading stdin")?;
        return Ok(("-".to_owned(), buf));
    }
    let bytes = std::fs::read(path).map_err(|source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok((path.display().to_string(), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(label: &str, p: f32, top: &[(&str, f32)]) -> Prediction {
        Prediction {
            label: label.to_owned(),
            probability: p,
            top: top.iter().map(|&(l, q)| (l.to_owned(), q)).collect(),
            explanation: None,
        }
    }

    /// The direct writer must print exactly what the `serde_json::Value` path prints: key
    /// order (tasks sorting before and after `id`), escapes, number formatting, error rows.
    #[test]
    fn direct_json_rows_equal_the_value_path() {
        let tasks = vec!["topic".to_owned(), "bias".to_owned(), "i\"d\n".to_owned()];
        let preds = vec![
            pred(
                "sci.space",
                0.123_456_79,
                &[("sci.space", 0.123_456_79), ("b", 1e-7)],
            ),
            pred(
                "left \"quoted\" \u{e9}\u{1}",
                1.0,
                &[("left", 1.0), ("x", 0.0)],
            ),
            pred("", f32::NAN, &[("", f32::NAN), ("y", 0.5)]),
        ];
        let rows = [
            Row {
                id: "doc/1\t\\",
                result: Ok(&preds),
            },
            Row {
                id: "line 3",
                result: Err("bad \"record\"\nhere"),
            },
        ];
        for top_k in [1, 2] {
            let sink =
                Sink::new(Vec::new(), OutputFormat::Jsonl, tasks.clone(), top_k, false).unwrap();
            assert!(sink.direct_json);
            for row in &rows {
                let mut direct = Vec::new();
                write_json_row(&mut direct, &sink.tasks, &sink.json_keys, top_k, row).unwrap();
                let row = Row {
                    id: row.id,
                    result: row.result,
                };
                assert_eq!(
                    String::from_utf8(direct).unwrap(),
                    sink.json(&row).to_string()
                );
            }
        }
    }

    #[test]
    fn text_rows_stay_one_line_whatever_ids_labels_and_errors_hold() {
        let preds = vec![pred(
            "left\tcentre\r\n",
            0.5,
            &[("left\tcentre\r\n", 0.5), ("a\nb", 0.5)],
        )];
        let rows = [
            Row {
                id: "doc\t1\n",
                result: Ok(&preds),
            },
            Row {
                id: "line 3",
                result: Err("bad\nrecord"),
            },
        ];
        let mut sink = Sink::new(
            Vec::new(),
            OutputFormat::Text,
            vec!["bias".into()],
            2,
            false,
        )
        .unwrap();
        for row in rows {
            sink.write(row).unwrap();
        }
        let out = String::from_utf8(sink.plain.take().unwrap()).unwrap();
        assert_eq!(
            out,
            "doc\\t1\\n\tbias: left\\tcentre\\r\\n (0.500) [then a\\nb 0.500]\n\
             line 3\terror: bad\\nrecord\n"
        );
    }

    #[test]
    fn an_explanation_without_terms_says_so() {
        let e = crate::pipeline::Explanation {
            for_label: vec![("goal".into(), 0.5)],
            against: Vec::new(),
        };
        assert_eq!(explanation_text(&e), "goal +0.500; against: no term");
    }

    #[test]
    fn explanations_take_the_value_path() {
        let sink = Sink::new(Vec::new(), OutputFormat::Jsonl, vec!["t".into()], 1, true).unwrap();
        assert!(!sink.direct_json);
    }

    #[test]
    fn a_task_given_twice_or_named_as_an_output_field_is_refused() {
        let named = |names: &[&str]| {
            let paths: Vec<_> = names
                .iter()
                .map(|&n| (PathBuf::from(format!("m/{n}.model")), n.to_owned()))
                .collect();
            refuse_repeated_tasks(&paths)
                .and_then(|_| refuse_field_names(&paths))
                .map_err(|e| e.to_string())
        };
        assert!(named(&["topic", "stance"]).is_ok());
        assert_eq!(
            named(&["topic", "topic"]).unwrap_err(),
            "--task 'topic' is given twice"
        );
        for field in ["id", "error"] {
            assert!(named(&["topic", field])
                .unwrap_err()
                .starts_with(&format!("m/{field}.model: a model's file name labels")));
        }
    }
}
