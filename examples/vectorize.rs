//! Times TF-IDF fitting on a corpus file, in one of two ways:
//!
//! - default, **in memory**: the corpus is read first (untimed), then
//!   `TfidfVectorizer::fit_transform` alone is timed: the library stage that
//!   `benches/compare/compare.py` sets against scikit-learn's `TfidfVectorizer.fit_transform`.
//!   Peak RSS includes the corpus held in memory (the texts only, as on scikit-learn's side).
//! - `--stream`, **from file, streaming**: each repetition opens the file and runs
//!   `TfidfVectorizer::fit_transform_batches` over its documents in batches, so reading,
//!   decompressing and parsing are timed too and overlap the analysis; the raw corpus is
//!   never all in memory (what `textclf train` does). Run it in its own process for an
//!   honest peak RSS.
//!
//! ```sh
//! cargo run --release --example vectorize -- \
//!     --data ../shared/datasets/allsides/articles.jsonl.gz --text-col title,content_original \
//!     [--stem english] [--stream] [--reps 5] [--json]
//! ```
//! Prints one line per repetition (wall seconds, MB/s, CPU seconds of the whole process
//! during the repetition, features, non-zeros), then the median and this process's peak
//! RSS (VmHWM). `--json` adds one last line `json: {...}` for scripts.
use clap::Parser;
use std::path::PathBuf;
use std::time::Instant;
use textclf::corpus::{open_corpus, read_corpus, ReadOptions, TextBatches};
use textclf::features::{DfLimit, SparseRecords, TfidfParams, TfidfVectorizer};
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
    /// Time reading + fitting from the file in batches instead of fit_transform on a
    /// corpus already in memory.
    #[arg(long)]
    stream: bool,
    /// Batch size in MB of text for `--stream`.
    #[arg(long, default_value_t = 4)]
    batch_mb: usize,
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

/// User + system CPU seconds of this process so far (all threads), from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // utime and stime are fields 14 and 15, counted after the parenthesised name.
    let rest = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(u), Some(s)) => (u + s) / 100.0,
        _ => f64::NAN,
    }
}

/// FNV-1a over the vocabulary, IDF and matrix (indptr, indices, value bits): equal
/// checksums across modes and thread counts show the output is byte-identical.
fn checksum(v: &TfidfVectorizer, x: &SparseRecords) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for t in v.vocabulary() {
        eat(t.as_bytes());
        eat(&[0]);
    }
    v.idf().iter().for_each(|w| eat(&w.to_bits().to_le_bytes()));
    let m = &x.0;
    m.indptr()
        .raw_storage()
        .iter()
        .for_each(|p| eat(&(*p as u64).to_le_bytes()));
    m.indices().iter().for_each(|i| eat(&i.to_le_bytes()));
    m.data()
        .iter()
        .for_each(|d| eat(&d.to_bits().to_le_bytes()));
    h
}

/// One streaming repetition: open, read in batches, fit. Returns (bytes, docs, result).
fn fit_streaming(
    args: &Args,
    opts: &ReadOptions,
    config: &AnalyzerConfig,
    params: &TfidfParams,
) -> anyhow::Result<(usize, usize, TfidfVectorizer, SparseRecords)> {
    let stream = open_corpus(&args.data, opts)?;
    let (mut bytes, mut docs, mut error) = (0usize, 0usize, None);
    // The first batch is small and the next ones double, as `textclf train` streams, so
    // counting starts after a few articles instead of after the first full batch.
    let batches = TextBatches::new(stream, args.batch_mb.max(1) << 20, &mut error, |d| {
        bytes += d.text.len();
        docs += 1;
        Some(d.text)
    })
    .ramp(64 << 10);
    let (v, x) =
        TfidfVectorizer::fit_transform_batches(Analyzer::new(config.clone())?, params, batches)?;
    if let Some(e) = error {
        return Err(e.into());
    }
    Ok((bytes, docs, v, x))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let opts = ReadOptions {
        text_cols: args.text_col.clone(),
        ..ReadOptions::default()
    };
    let config =
        AnalyzerConfig::from_specs(true, None, &args.stop_words, &args.stem, (1, args.max_n))?;
    let params = TfidfParams {
        min_df: DfLimit::Count(args.min_df),
        ..TfidfParams::default()
    };
    let threads = rayon::current_num_threads();
    let mut times = Vec::with_capacity(args.reps);
    let mut cpus = Vec::with_capacity(args.reps);
    let mut sums = Vec::with_capacity(args.reps);
    let (mut mb, mut n_docs, mut read_secs) = (0.0, 0, None);
    // Only the texts are kept (each trimmed to its length), as scikit-learn's side keeps
    // a list of strings: ids and the rest of each record would inflate the peak RSS.
    let docs: Vec<String> = if args.stream {
        Vec::new()
    } else {
        let t = Instant::now();
        let (docs, _) = read_corpus(&args.data, &opts)?;
        let texts = docs
            .into_iter()
            .map(|d| {
                let mut t = d.text;
                t.shrink_to_fit();
                t
            })
            .collect();
        read_secs = Some(t.elapsed().as_secs_f64());
        texts
    };
    let texts: Vec<&str> = docs.iter().map(String::as_str).collect();
    if !args.stream {
        mb = texts.iter().map(|t| t.len()).sum::<usize>() as f64 / 1e6;
        n_docs = texts.len();
        eprintln!(
            "in memory: {n_docs} documents, {mb:.1} MB of text, read in {:.2} s; \
             timing fit_transform only; {threads} rayon threads",
            read_secs.unwrap_or(0.0)
        );
    } else {
        eprintln!("streaming from file: timing open + read + fit; {threads} rayon threads");
    }
    for rep in 1..=args.reps.max(1) {
        let cpu0 = cpu_seconds();
        let t = Instant::now();
        let (v, x) = if args.stream {
            let (bytes, docs, v, x) = fit_streaming(&args, &opts, &config, &params)?;
            mb = bytes as f64 / 1e6;
            n_docs = docs;
            (v, x)
        } else {
            TfidfVectorizer::fit_transform(Analyzer::new(config.clone())?, &params, &texts)?
        };
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        println!(
            "{} rep {rep}: {secs:.3} s, {:.1} MB/s, {cpu:.2} CPU-s, {} features, {} non-zeros",
            if args.stream {
                "stream fit"
            } else {
                "fit_transform"
            },
            mb / secs,
            v.n_features(),
            x.0.nnz()
        );
        times.push(secs);
        cpus.push(cpu);
        sums.push(format!("{:016x}", checksum(&v, &x)));
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let peak = status_kib("VmHWM:").unwrap_or(0);
    println!("output checksum {}", sums.join(" "));
    println!(
        "median {median:.3} s, {:.1} MB/s; peak RSS {:.0} MiB ({})",
        mb / median,
        peak as f64 / 1024.0,
        if args.stream {
            "streaming: no corpus copy held"
        } else {
            "corpus in memory included"
        }
    );
    if args.json {
        println!(
            "json: {}",
            serde_json::json!({"times": times, "cpu_seconds": cpus, "mb": mb,
                               "docs": n_docs, "stream": args.stream, "checksums": sums,
                               "read_seconds": read_secs, "peak_rss_kib": peak})
        );
    }
    Ok(())
}
