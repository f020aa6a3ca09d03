//! Times `TfidfVectorizer::fit_transform` alone, without the cost of reading the corpus:
//! the library stage that `benches/compare/compare.py` sets against scikit-learn's
//! `TfidfVectorizer.fit_transform`.
//!
//! ```sh
//! cargo run --release --example vectorize -- \
//!     --data ../shared/datasets/allsides/articles.jsonl.gz --text-col title,content_original \
//!     [--stem english] [--reps 5] [--json]
//! ```
//! Prints one line per repetition (seconds, MB/s, features, non-zeros), then the median and
//! this process's peak RSS (VmHWM, which includes the corpus held in memory). `--json` adds
//! one last line `json: {...}` for scripts.
use clap::Parser;
use std::path::PathBuf;
use std::time::Instant;
use textclf::corpus::{read_corpus, ReadOptions};
use textclf::features::{DfLimit, TfidfParams, TfidfVectorizer};
use textclf::text::{Analyzer, AnalyzerConfig};

/// Command line of the example; defaults are the comparison's settings.
#[derive(Parser)]
struct Args {
    /// Any corpus `textclf train` reads (labels are not needed).
    #[arg(long)]
    data: PathBuf,
    /// Text fields, joined with a blank line.
    #[arg(long, value_delimiter = ',', default_value = "text")]
    text_col: Vec<String>,
    /// Snowball stemmer language, or `none`.
    #[arg(long, default_value = "none")]
    stem: String,
    /// Stop-word list, or `none`.
    #[arg(long, default_value = "none")]
    stop_words: String,
    /// Largest n-gram length (1 = unigrams).
    #[arg(long, default_value_t = 1)]
    max_n: usize,
    /// Minimum document frequency (documents).
    #[arg(long, default_value_t = 2)]
    min_df: usize,
    /// Timed repetitions of fit_transform.
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Also print a `json: {...}` line.
    #[arg(long)]
    json: bool,
}

/// A `/proc/self/status` field in KiB (Linux), e.g. `VmHWM:` for the peak RSS.
fn status_kib(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let opts = ReadOptions {
        text_cols: args.text_col.clone(),
        ..ReadOptions::default()
    };
    let t = Instant::now();
    let (docs, _) = read_corpus(&args.data, &opts)?;
    let read_secs = t.elapsed().as_secs_f64();
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let mb = texts.iter().map(|t| t.len()).sum::<usize>() as f64 / 1e6;
    eprintln!(
        "{} documents, {mb:.1} MB of text, read in {read_secs:.2} s; {} rayon threads",
        texts.len(),
        rayon::current_num_threads()
    );
    let config =
        AnalyzerConfig::from_specs(true, None, &args.stop_words, &args.stem, (1, args.max_n))?;
    let params = TfidfParams {
        min_df: DfLimit::Count(args.min_df),
        ..TfidfParams::default()
    };
    let mut times = Vec::with_capacity(args.reps);
    for rep in 1..=args.reps.max(1) {
        let analyzer = Analyzer::new(config.clone())?;
        let t = Instant::now();
        let (v, x) = TfidfVectorizer::fit_transform(analyzer, &params, &texts)?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "fit_transform rep {rep}: {secs:.3} s, {:.1} MB/s, {} features, {} non-zeros",
            mb / secs,
            v.n_features(),
            x.0.nnz()
        );
        times.push(secs);
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let peak = status_kib("VmHWM:").unwrap_or(0);
    println!(
        "median {median:.3} s, {:.1} MB/s; peak RSS {:.0} MiB (corpus in memory included)",
        mb / median,
        peak as f64 / 1024.0
    );
    if args.json {
        println!(
            "json: {}",
            serde_json::json!({"times": times, "mb": mb, "docs": texts.len(),
                               "read_seconds": read_secs, "peak_rss_kib": peak})
        );
    }
    Ok(())
}
