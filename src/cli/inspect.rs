//! `textclf inspect`: what a model file holds and how it was trained.

use super::train::{file_crc32, sidecar_path, TrainRecord};
use crate::bundle::{ModelBundle, FORMAT_VERSION};
use anyhow::Result;
use clap::{Args, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How `inspect` writes its report (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    /// Tables for reading
    Text,
    /// One JSON object
    Json,
}

/// Show a model's settings, training data and strongest terms per class
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  textclf inspect models/topic.model\n  textclf inspect models/stance.model --top 20 --format json"
)]
pub struct InspectArgs {
    /// The model file
    pub model: PathBuf,
    /// Terms to list per class
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: InspectFormat,
}

/// Runs `textclf inspect`: loads the model file and its training record, if any, and
/// prints them.
pub fn run(args: InspectArgs) -> Result<()> {
    let b = ModelBundle::load(&args.model)?;
    let training = training_record(&args.model)?;
    let terms = b.top_terms(args.top);
    let analyzer = b.vectorizer.analyzer().config();
    let counts: serde_json::Map<String, serde_json::Value> = b
        .labels
        .iter()
        .zip(&b.info.label_counts)
        .map(|(l, n)| (l.clone(), json!(n)))
        .collect();
    let mut out = super::output::stdout();
    if args.format == InspectFormat::Json {
        let v = json!({
            "file": args.model.display().to_string(),
            "format_version": FORMAT_VERSION,
            "textclf_version": b.info.textclf_version,
            "task": b.task,
            "corpus": b.info.corpus,
            "documents": b.info.documents,
            "label_counts": counts,
            "n_features": b.vectorizer.vocabulary().len(),
            "analyzer": analyzer,
            "tfidf": b.vectorizer.params(),
            "paired": b.pair.as_ref().map(|p| json!({
                "pair_col": p.column,
                "relation_features": p.n_features(),
            })),
            "classifier": b.model.kind().name(),
            "settings": b.info.settings,
            "training": training.json(),
            "top_terms": terms,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: task '{}', model format v{FORMAT_VERSION}, written by textclf {}",
        args.model.display(),
        b.task,
        b.info.textclf_version
    )?;
    writeln!(
        out,
        "trained on {} documents of {}",
        b.info.documents, b.info.corpus
    )?;
    writeln!(out,
        "features: {} terms; lowercase {}, token pattern {}, {} stop words, stemmer {}, n-grams {}-{}",
        b.vectorizer.vocabulary().len(),
        analyzer.lowercase,
        analyzer.token_pattern.as_deref().unwrap_or("default (\\w\\w+)"),
        analyzer.stop_words.len(),
        analyzer.stemmer.as_deref().unwrap_or("none"),
        analyzer.ngram_range.0,
        analyzer.ngram_range.1
    )?;
    writeln!(out, "training: {}", training.text())?;
    writeln!(out, "tf-idf: {}", b.vectorizer.params())?;
    match &b.pair {
        Some(p) => writeln!(out,
            "paired: yes: text + pair column '{}' ({} relation features); predict needs --input FILE --pair-col {:?}",
            p.column,
            p.n_features(),
            p.column
        )?,
        None => writeln!(out, "paired: no")?,
    }
    writeln!(
        out,
        "classifier: {}: {}",
        b.model.kind(),
        b.info.settings.describe(&b.labels)
    )?;
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "class",
        "documents",
        "strongest terms for",
        "strongest terms against",
    ]);
    for (t, n) in terms.iter().zip(&b.info.label_counts) {
        let list = |v: &[(String, f32)]| {
            v.iter()
                .map(|(term, w)| format!("{term} ({w:.2})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        table.add_row(vec![
            t.label.clone(),
            n.to_string(),
            list(&t.for_class),
            list(&t.against_class),
        ]);
    }
    writeln!(out, "{table}")?;
    Ok(())
}

/// What inspect knows about when and how a model was trained (from its sidecar).
enum Training {
    /// No `<label>.train.json` beside the model.
    NotRecorded,
    /// A record whose CRC does not match the model file: it describes an earlier model.
    Stale(PathBuf),
    /// A record that cannot be read or parsed, with why.
    Unreadable(PathBuf, String),
    Recorded(PathBuf, TrainRecord),
}

fn training_record(model: &Path) -> Result<Training> {
    let side = sidecar_path(model);
    let rec = match TrainRecord::load(&side) {
        Ok(Some(rec)) => rec,
        Ok(None) => return Ok(Training::NotRecorded),
        // The record is optional history: a damaged one must not hide the model itself.
        Err(e) => return Ok(Training::Unreadable(side, format!("{e:#}"))),
    };
    if rec.model_crc32 != file_crc32(model)? {
        return Ok(Training::Stale(side));
    }
    Ok(Training::Recorded(side, rec))
}

impl Training {
    fn json(&self) -> serde_json::Value {
        match self {
            Training::NotRecorded => json!({"recorded": false}),
            Training::Stale(p) => json!({
                "recorded": false,
                "stale_record": p.display().to_string(),
            }),
            Training::Unreadable(p, why) => json!({
                "recorded": false,
                "unreadable_record": p.display().to_string(),
                "error": why,
            }),
            Training::Recorded(p, r) => json!({
                "recorded": true,
                "record_file": p.display().to_string(),
                "trained_at": r.trained_at,
                "textclf_version": r.textclf_version,
                "threads": r.threads,
                "command_line": r.command_line,
                "seconds": r.seconds,
            }),
        }
    }

    fn text(&self) -> String {
        match self {
            Training::NotRecorded => {
                "not recorded (no .train.json beside the model)".to_owned()
            }
            Training::Stale(p) => format!(
                "not recorded ({} belongs to a different model file)",
                p.display()
            ),
            Training::Unreadable(_, why) => format!("not recorded ({why})"),
            Training::Recorded(_, r) => format!(
                "{} with {} thread(s), {:.2}s in all (read {:.2}s, vectorize {:.2}s, fit {:.2}s, save {:.2}s)\n  command: {}",
                r.trained_at,
                r.threads,
                r.seconds.total,
                r.seconds.read,
                r.seconds.vectorize,
                r.seconds.fit,
                r.seconds.save,
                r.command_line
                    .iter()
                    .map(|a| shell_quote(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }
    }
}

/// Quotes an argument for display so the command line can be pasted back into a shell.
fn shell_quote(arg: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(safe) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}
