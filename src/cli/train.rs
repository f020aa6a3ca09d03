//! `textclf train`: one model per label column, sharing one analyzer pass.

use super::args::{CorpusArgs, FeatureArgs, ModelArgs};
use super::output::{secs, spinner};
use crate::corpus::{open_corpus, read_corpus, TextBatches};
use crate::features::TfidfVectorizer;
use crate::models::ClassifierKind;
use crate::pipeline::{no_features_error, train, train_on_features, used_rows, LabelledTask};
use crate::text::Analyzer;
use anyhow::{bail, Context, Result};
use clap::Args;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::path::PathBuf;
use std::time::Instant;

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
    #[arg(long, default_value = "label")]
    pub label: Vec<String>,
    /// Where to write <label>.model files
    #[arg(long, default_value = "models")]
    pub model_dir: PathBuf,
    /// Classifier: svm, logreg, sgd, nb or cnb
    #[arg(long, default_value = "svm")]
    pub classifier: ClassifierKind,
    #[command(flatten)]
    pub corpus: CorpusArgs,
    #[command(flatten)]
    pub features: FeatureArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// Bytes of text per batch when training streams the corpus: large enough to amortise
/// merging chunk vocabularies, small enough that a few batches in flight stay cheap.
const STREAM_BATCH: usize = 4 << 20;

pub fn run(args: TrainArgs, quiet: bool) -> Result<()> {
    let mut labels = args.label.clone();
    labels.dedup();
    if labels
        .iter()
        .any(|l| l.is_empty() || l.contains(['/', '\\']))
    {
        bail!(super::UsageError("--label names become file names: they must be non-empty and contain no path separators".into()));
    }
    let analyzer = args.features.analyzer_config()?;
    let tfidf = args.features.tfidf_params()?;
    let opts = args.corpus.read_options(&labels, true, None)?;

    let t0 = Instant::now();
    // Without a pair column nothing needs the raw text after vectorizing, so the corpus
    // is streamed: read in batches that are analyzed while the next is read, keeping
    // only labels and per-document term counts (peak memory ~ the sparse matrix, not
    // the corpus). Paired models keep the in-memory path.
    let streamed = opts.pair_col.is_none();
    let (docs, summary, read_time, fitted) = if streamed {
        let pb = spinner(
            &format!("reading and vectorizing {}", args.data.display()),
            quiet,
        );
        let mut stream = open_corpus(&args.data, &opts)?;
        let (mut docs, mut used, mut error) = (Vec::new(), Vec::new(), None);
        let batches = TextBatches::new(stream.by_ref(), STREAM_BATCH, &mut error, |mut d| {
            let text = std::mem::take(&mut d.text);
            let labelled = d.labels.iter().any(Option::is_some);
            if labelled {
                used.push(docs.len());
            }
            docs.push(d);
            labelled.then_some(text)
        });
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
        (docs, summary, t0.elapsed(), Some((fitted, used)))
    } else {
        let pb = spinner(&format!("reading {}", args.data.display()), quiet);
        let (docs, summary) = read_corpus(&args.data, &opts)?;
        pb.finish_and_clear();
        (docs, summary, t0.elapsed(), None)
    };
    if docs.is_empty() {
        bail!("{}: the corpus holds no documents", args.data.display());
    }
    let tasks: Vec<LabelledTask> = labels
        .iter()
        .enumerate()
        .map(|(i, name)| {
            LabelledTask::from_documents(&docs, i, name)
                .with_context(|| args.data.display().to_string())
        })
        .collect::<Result<_>>()?;
    let settings = tasks
        .iter()
        .map(|t| args.model.settings(args.classifier, &t.labels))
        .collect::<Result<Vec<_>>>()?;

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
            if used != used_rows(&tasks) {
                bail!("internal error: streamed rows differ from the labelled rows");
            }
            let (bundles, mut times) = train_on_features(
                &vectorizer,
                &x,
                &used,
                &tasks,
                &settings,
                &args.data.display().to_string(),
            )
            .with_context(|| args.data.display().to_string())?;
            times.vectorize = read_time;
            (bundles, times)
        }
        None => train(
            &docs,
            &tasks,
            analyzer,
            &tfidf,
            &settings,
            &args.data.display().to_string(),
        )
        .with_context(|| args.data.display().to_string())?,
    };
    pb.finish_and_clear();

    let t_save = Instant::now();
    let mut paths = Vec::new();
    for b in &bundles {
        let path = args.model_dir.join(format!("{}.model", b.task));
        b.save(&path)?;
        paths.push(path);
    }
    let save_time = t_save.elapsed();

    if quiet {
        return Ok(());
    }
    println!(
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
    );
    for ex in &summary.skip_examples {
        println!("  skipped: {ex}");
    }
    println!(
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
    );
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
        println!(
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
        );
        println!("{table}");
    }
    println!(
        "\nsaved {} model(s) in {}; total {}",
        bundles.len(),
        secs(save_time),
        secs(t0.elapsed())
    );
    Ok(())
}
