//! `textclf train`: one model per label column, sharing one analyzer pass.

use super::args::{CorpusArgs, FeatureArgs, ModelArgs};
use super::output::{secs, spinner};
use crate::corpus::read_corpus;
use crate::models::ClassifierKind;
use crate::pipeline::{train_with_pairs, LabelledTask};
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
    /// Classifier: svm, logreg, sgd, nb, cnb, or two-stage (stance: the majority class vs the
    /// rest, then the rest among themselves)
    #[arg(long, default_value = "svm")]
    pub classifier: ClassifierKind,
    #[command(flatten)]
    pub corpus: CorpusArgs,
    #[command(flatten)]
    pub features: FeatureArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

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
    let pb = spinner(&format!("reading {}", args.data.display()), quiet);
    let (docs, summary) = read_corpus(&args.data, &opts)?;
    pb.finish_and_clear();
    let read_time = t0.elapsed();
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

    let pb = spinner("vectorizing and fitting", quiet);
    let (bundles, times) = train_with_pairs(
        &docs,
        &tasks,
        analyzer,
        &tfidf,
        &settings,
        &args.data.display().to_string(),
        args.corpus.pair_col.as_deref(),
    )
    .with_context(|| args.data.display().to_string())?;
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
        "read {} documents from {} in {}{}{}",
        summary.documents,
        args.data.display(),
        secs(read_time),
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
    if let Some(p) = &bundles[0].pair {
        println!(
            "paired with '{}': + {} relation features (similarity, overlap, cue words)",
            p.column,
            p.n_features()
        );
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
