//! `textclf train`: one model per label column, sharing one analyzer pass.

use super::args::{default_classifier, refuse_grid, CorpusArgs, FeatureArgs, ModelArgs};
use super::output::{secs, spinner};
use crate::corpus::{open_corpus, read_corpus, TextBatches};
use crate::features::{TfidfParams, TfidfVectorizer};
use crate::models::ClassifierKind;
use crate::pipeline::{
    no_features_error, train_on_features, train_with_pairs, used_rows, LabelColumn, LabelledTask,
};
use crate::text::Analyzer;
use anyhow::{bail, Context, Result};
use clap::Args;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use log::{debug, info};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Train one model per label column and save each as <model-dir>/<label>.model
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  textclf train --data datasets/sample_news.csv --text-col title,text --label topic --label stance\n  textclf train --data bbc/ --label topic            (one folder per class)\n  textclf train --data articles.jsonl.gz --text-col title,content_original --label topic --label bias_text"
)]
pub struct TrainArgs {
    /// Labelled corpus: .csv, .tsv, .jsonl (optionally .gz), or a folder with one sub-folder per class
    #[arg(long)]
    pub data: PathBuf,
    /// Label column to learn (repeat for several tasks); for a folder corpus, the task's name
    #[arg(long, default_value = "label", value_parser = super::args::column_name)]
    pub label: Vec<String>,
    /// Where to write <label>.model files
    #[arg(long, default_value = "models")]
    pub model_dir: PathBuf,
    /// Classifier: svm, logreg, sgd, nb, cnb, or two-stage (stance: the majority class vs the
    /// rest, then the rest among themselves) [default: svm; two-stage with --pair-col]
    #[arg(long)]
    pub classifier: Option<ClassifierKind>,
    /// Which fields of the corpus to read.
    #[command(flatten)]
    pub corpus: CorpusArgs,
    /// Analyzer and TF-IDF settings.
    #[command(flatten)]
    pub features: FeatureArgs,
    /// Classifier hyperparameters.
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Bytes of text per batch when training streams the corpus: large enough to amortise
/// merging chunk vocabularies, small enough that a few batches in flight stay cheap.
const STREAM_BATCH: usize = 4 << 20;
/// Size of the first streamed batch (then doubling up to [`STREAM_BATCH`]): analysis
/// starts after a few dozen documents are read, not after a whole batch.
const STREAM_FIRST_BATCH: usize = 64 << 10;

/// The `--label` columns ([`super::args::unique_labels`]), checked as the file names they
/// become: not empty, no path separator, not `.` or `..` (`--label .` wrote the hidden
/// `..model` and failed to write its training record at `DIR/..`).
fn label_names(given: &[String]) -> Result<Vec<String>> {
    for l in given {
        if l.is_empty() || l == "." || l == ".." || l.contains(['/', '\\']) {
            bail!(super::UsageError(format!(
                "--label '{l}': label names become file names: they must be non-empty, \
                 not . or .., and contain no path separators"
            )));
        }
    }
    Ok(super::args::unique_labels(given))
}

/// Runs `textclf train`: reads the corpus, fits one model per label column on shared
/// features, and writes each model with its `<label>.train.json` record.
pub fn run(args: TrainArgs, quiet: bool) -> Result<()> {
    refuse_grid(&args.model, &args.features)?;
    let labels = label_names(&args.label)?;
    if !quiet {
        for l in labels
            .iter()
            .filter(|l| super::predict::ROW_FIELDS.contains(&l.as_str()))
        {
            super::output::warn(format_args!(
                "--label {l}: `predict` labels each model's predictions with its file name, \
                 and '{l}' is a field of every output row: rename {l}.model before predicting \
                 with it (`eval --model-dir` scores it as it is)"
            ));
        }
    }
    let kind = args
        .classifier
        .unwrap_or_else(|| default_classifier(args.corpus.pair_col.is_some()));
    args.model.check(&[kind], args.corpus.pair_col.is_some())?;
    // Refused now rather than after reading and fitting: saving is the last step.
    crate::bundle::check_writable_folder(&args.model_dir)
        .with_context(|| format!("--model-dir {}", args.model_dir.display()))?;
    // A model that is a symlink is saved at its target (`write_atomically`), whose folder
    // may be another.
    for label in &labels {
        let model = args.model_dir.join(format!("{label}.model"));
        crate::bundle::check_writable_path(&model).with_context(|| model.display().to_string())?;
    }
    let analyzer = args.features.analyzer_config()?;
    let tfidf = args.features.tfidf_params()?;
    let opts = args.corpus.read_options(&labels, true, None)?;

    let started_at = SystemTime::now();
    let t0 = Instant::now();
    info!(
        "reading {} for label(s) {}",
        args.data.display(),
        labels.join(", ")
    );
    // Without a pair column nothing needs the raw text after vectorizing, so the corpus
    // is streamed: read in batches that are analyzed while the next is read, keeping
    // only labels and per-document term counts (peak memory ~ the sparse matrix, not
    // the corpus). Paired models keep the in-memory path.
    let streamed = opts.pair_col.is_none();
    // Streaming keeps each document's labels only, as class indices (`LabelColumn`), and
    // drops the rest of the document as it goes by: the documents are not all freed at
    // the end (thousands of small strings allocated by the reading threads).
    let mut columns = vec![LabelColumn::default(); labels.len()];
    let (docs, summary, read_time, fitted) = if streamed {
        let pb = spinner(
            &format!("reading and vectorizing {}", args.data.display()),
            quiet,
        );
        let mut stream = open_corpus(&args.data, &opts)?;
        let (mut used, mut error) = (Vec::new(), None);
        let batches = TextBatches::new(stream.by_ref(), STREAM_BATCH, &mut error, |mut d| {
            let text = std::mem::take(&mut d.text);
            let labelled = d.labels.iter().any(Option::is_some);
            if labelled {
                used.push(columns.first().map_or(0, LabelColumn::len));
            }
            for (c, l) in columns.iter_mut().zip(&d.labels) {
                c.push(l.as_deref());
            }
            labelled.then_some(text)
        })
        .ramp(STREAM_FIRST_BATCH);
        let fitted = TfidfVectorizer::fit_transform_batches(
            Analyzer::new(analyzer.clone())?,
            &tfidf,
            batches,
        );
        if let Some(e) = error {
            return Err(e.into());
        }
        pb.finish_and_clear();
        let summary = stream.summary().clone();
        (Vec::new(), summary, t0.elapsed(), Some((fitted, used)))
    } else {
        let pb = spinner(&format!("reading {}", args.data.display()), quiet);
        let (docs, summary) = read_corpus(&args.data, &opts)?;
        pb.finish_and_clear();
        (docs, summary, t0.elapsed(), None)
    };
    super::output::log_read_summary(&args.data, &summary, read_time);
    if !quiet {
        summary.warnings.iter().for_each(super::output::warn);
    }
    let n_docs = if streamed {
        columns.first().map_or(0, LabelColumn::len)
    } else {
        docs.len()
    };
    if n_docs == 0 {
        bail!("{}: the corpus holds no documents", args.data.display());
    }
    let tasks: Vec<LabelledTask> = labels
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if streamed {
                columns[i].task(name)
            } else {
                LabelledTask::from_documents(&docs, i, name)
            }
            .with_context(|| args.data.display().to_string())
        })
        .collect::<Result<_>>()?;
    let settings = tasks
        .iter()
        .map(|t| args.model.settings(kind, &t.labels))
        .collect::<Result<Vec<_>>>()?;
    for t in &tasks {
        let counts: Vec<String> = t
            .labels
            .iter()
            .zip(t.counts())
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        info!(
            "task '{}': {} labelled documents ({} without a label left out); classes: {}",
            t.name,
            t.rows.len(),
            t.unlabelled,
            counts.join(", ")
        );
    }

    let pb = spinner(
        if streamed {
            "fitting"
        } else {
            "vectorizing and fitting"
        },
        quiet,
    );
    let (bundles, times) = match fitted {
        Some((fitted, used)) => {
            let (vectorizer, x) = fitted
                .map_err(no_features_error)
                .with_context(|| args.data.display().to_string())?;
            // Known before the fit here (logged after it on the other path).
            log_vocabulary(vectorizer.vocabulary().len(), &tfidf, read_time);
            if used != used_rows(&tasks) {
                bail!("internal error: streamed rows differ from the labelled rows");
            }
            let (bundles, mut times) = train_on_features(
                &vectorizer,
                None,
                x,
                &used,
                &tasks,
                &settings,
                &args.data.display().to_string(),
            )
            .with_context(|| args.data.display().to_string())?;
            times.vectorize = read_time;
            (bundles, times)
        }
        None => train_with_pairs(
            &docs,
            &tasks,
            analyzer,
            &tfidf,
            &settings,
            &args.data.display().to_string(),
            args.corpus.pair_col.as_deref(),
        )
        .with_context(|| args.data.display().to_string())?,
    };
    pb.finish_and_clear();
    if !streamed {
        log_vocabulary(
            bundles[0].vectorizer.vocabulary().len(),
            &tfidf,
            times.vectorize,
        );
    }
    for ((b, s), fit) in bundles.iter().zip(&settings).zip(&times.fit) {
        info!(
            "task '{}': {} fitted in {}",
            b.task,
            b.model.kind(),
            secs(*fit)
        );
        log_solver(b, s);
    }

    let t_save = Instant::now();
    let mut paths = Vec::new();
    let mut save_times = Vec::new();
    let mut crcs = Vec::new();
    for b in &bundles {
        let t = Instant::now();
        let path = args.model_dir.join(format!("{}.model", b.task));
        crcs.push(b.save(&path)?);
        save_times.push(t.elapsed());
        info!("saved {} in {}", path.display(), secs(t.elapsed()));
        paths.push(path);
    }
    let save_time = t_save.elapsed();

    let trained_at = humantime::format_rfc3339_seconds(started_at).to_string();
    for (i, path) in paths.iter().enumerate() {
        let record = TrainRecord {
            trained_at: trained_at.clone(),
            textclf_version: env!("CARGO_PKG_VERSION").to_owned(),
            threads: rayon::current_num_threads(),
            command_line: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            model_file: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            model_crc32: crcs[i],
            seconds: StageSeconds {
                read: read_time.as_secs_f64(),
                vectorize: times.vectorize.as_secs_f64(),
                fit: times.fit[i].as_secs_f64(),
                save: save_times[i].as_secs_f64(),
                total: t0.elapsed().as_secs_f64(),
            },
        };
        let side = sidecar_path(path);
        // The model is saved and complete; a sidecar that cannot be written costs only the
        // training record, so it is a warning, not a failure.
        match record.save(&side) {
            Ok(()) => debug!("training record written to {}", side.display()),
            Err(e) => super::output::warn(format_args!("{e:#}")),
        }
    }

    if quiet {
        return Ok(());
    }
    let mut out = super::output::stdout();
    writeln!(
        out,
        "read {} documents from {} in {}{}{}{}",
        summary.documents,
        args.data.display(),
        secs(read_time),
        if streamed {
            " (streamed: read and vectorized together)"
        } else {
            ""
        },
        if summary.latin1_fallbacks > 0 {
            format!(", {} decoded as Latin-1", summary.latin1_fallbacks)
        } else {
            String::new()
        },
        if summary.skipped_bad > 0 {
            format!(", {} bad records skipped", summary.skipped_bad)
        } else {
            String::new()
        },
    )?;
    for ex in &summary.skip_examples {
        writeln!(out, "  skipped: {ex}")?;
    }
    writeln!(
        out,
        "{} features ({} n-grams {}-{}), vectorized in {}",
        bundles[0].vectorizer.vocabulary().len(),
        if bundles[0].vectorizer.analyzer().config().stemmer.is_some() {
            "stemmed"
        } else {
            "word"
        },
        bundles[0].vectorizer.analyzer().config().ngram_range.0,
        bundles[0].vectorizer.analyzer().config().ngram_range.1,
        secs(times.vectorize)
    )?;
    if let Some(p) = &bundles[0].pair {
        writeln!(
            out,
            "paired with '{}': + {} relation features (similarity, overlap, cue words)",
            p.column,
            p.n_features()
        )?;
    }
    for ((task, bundle), (path, fit)) in
        tasks.iter().zip(&bundles).zip(paths.iter().zip(&times.fit))
    {
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_header(vec!["class", "documents"]);
        for (label, n) in task.labels.iter().zip(task.counts()) {
            table.add_row(vec![label.clone(), n.to_string()]);
        }
        writeln!(
            out,
            "\ntask '{}': {} documents, {} classes{}, {} fitted in {} → {}",
            task.name,
            task.rows.len(),
            task.labels.len(),
            if task.unlabelled > 0 {
                format!(" ({} without a label left out)", task.unlabelled)
            } else {
                String::new()
            },
            bundle.model.kind(),
            secs(*fit),
            path.display()
        )?;
        writeln!(out, "{table}")?;
    }
    writeln!(
        out,
        "\nsaved {} model(s) in {}; total {}",
        bundles.len(),
        secs(save_time),
        secs(t0.elapsed())
    )?;
    Ok(())
}

/// Logs the fitted vocabulary's size and settings (for `--verbose`).
fn log_vocabulary(terms: usize, tfidf: &TfidfParams, took: Duration) {
    info!(
        "vocabulary: {terms} terms kept (min_df {:?}, max_df {:?}, max_features {:?}); analyzed and vectorized in {}",
        tfidf.min_df,
        tfidf.max_df,
        tfidf.max_features,
        secs(took)
    );
}

/// Logs solver iterations per class where the model family counts them (for `--verbose`).
fn log_solver(b: &crate::bundle::ModelBundle, s: &crate::models::ModelSettings) {
    use crate::models::Model;
    match &b.model {
        Model::Svm(m) => {
            let iters = m.n_iter();
            // One binary problem per class, or a single one for two classes.
            let names: Vec<String> = if iters.len() == b.labels.len() {
                b.labels.clone()
            } else {
                (0..iters.len()).map(|i| format!("problem {i}")).collect()
            };
            for (name, &n) in names.iter().zip(iters) {
                debug!(
                    "  svm '{name}': {n} outer iterations (cap {}){}",
                    s.max_iter,
                    if n >= s.max_iter {
                        ", did NOT converge: raise --max-iter or --tol"
                    } else {
                        ", converged"
                    }
                );
            }
        }
        Model::Logreg(m) => debug!(
            "  logreg: {} L-BFGS iterations (cap {}){}",
            m.n_iter(),
            s.max_iter,
            if m.n_iter() >= s.max_iter {
                ", did NOT converge: raise --max-iter or --tol"
            } else {
                ", converged"
            }
        ),
        Model::Sgd(_) => debug!("  sgd: {} epochs (fixed, no convergence test)", s.epochs),
        Model::Nb(_) | Model::Cnb(_) => debug!("  naive Bayes: closed form, no iterations"),
        #[allow(unreachable_patterns)]
        _ => {}
    }
}

/// Wall-clock cost of each training stage, in seconds. `read` and `vectorize` are shared by
/// every task of one `train` run; `fit` and `save` are this task's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageSeconds {
    /// Reading the corpus.
    pub read: f64,
    /// Analysing the text and building the TF-IDF features; when the corpus is streamed,
    /// analysis overlaps reading and this equals `read`.
    pub vectorize: f64,
    /// Fitting this task's classifier.
    pub fit: f64,
    /// Writing this task's model file.
    pub save: f64,
    /// The whole run, from start until every model file was written.
    pub total: f64,
}

/// When and how a model was trained, written beside it as `<label>.train.json`.
///
/// Kept out of the model file on purpose: the model must be byte-identical for the same
/// data, settings and seed, and a date or a timing would break that.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRecord {
    /// When training started, RFC 3339 in UTC (seconds).
    pub trained_at: String,
    /// Version of textclf that trained the model.
    pub textclf_version: String,
    /// Rayon worker threads used.
    pub threads: usize,
    /// The command line as given (lossily decoded).
    pub command_line: Vec<String>,
    /// The model file this record belongs to (its name, in the same folder).
    pub model_file: String,
    /// CRC-32 of the whole model file, so a record left beside a retrained or replaced model
    /// is recognised as stale instead of being shown as that model's history.
    pub model_crc32: u32,
    /// Time spent in each stage.
    pub seconds: StageSeconds,
}

impl TrainRecord {
    /// Writes the record as pretty JSON, atomically like a model file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).context("serialising the training record")?;
        crate::bundle::write_atomically(path, &json)
            .with_context(|| format!("{}: saving the training record", path.display()))
    }

    /// Reads the record at `path`; `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).with_context(|| {
                format!("{}: not a textclf training record", path.display())
            })?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("{}: reading", path.display())),
        }
    }
}

/// `<dir>/<label>.model` → `<dir>/<label>.train.json`.
pub fn sidecar_path(model: &Path) -> PathBuf {
    model.with_extension("train.json")
}

/// CRC-32 of a whole file.
pub fn file_crc32(path: &Path) -> Result<u32> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: reading", path.display()))?;
    Ok(crc32fast::hash(&bytes))
}
