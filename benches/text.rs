//! Criterion benchmarks of the text pipeline on real news text (AllSides).
//!
//! Reads `../shared/datasets/allsides/articles.jsonl.gz` (title + content_original) and
//! skips cleanly when it is absent. Criterion iterates on a subset (the first 2,000
//! articles, about 12 MB); the whole-corpus figure comes from `examples/vectorize.rs`
//! (stages a and b of `benches/compare/run.sh`).
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::io::BufRead;
use std::path::Path;
use textclf::features::{TfidfParams, TfidfVectorizer};
use textclf::text::{Analyzer, AnalyzerConfig};

const SUBSET: usize = 2000;

fn load_subset() -> Option<Vec<String>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/allsides/articles.jsonl.gz");
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("skipping text benches: cannot open {}: {e}", path.display());
            return None;
        }
    };
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut texts = Vec::with_capacity(SUBSET);
    for line in reader.lines().take(SUBSET) {
        let line = line.ok()?;
        let v: serde_json::Value = serde_json::from_str(&line).ok()?;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        texts.push(format!("{}\n{}", field("title"), field("content_original")));
    }
    Some(texts)
}

fn analyzer(stop: &str, stem: &str, ngram: (usize, usize)) -> Analyzer {
    Analyzer::new(AnalyzerConfig::from_specs(true, None, stop, stem, ngram).expect("valid specs"))
        .expect("valid config")
}

fn benches(c: &mut Criterion) {
    let Some(texts) = load_subset() else { return };
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let bytes: u64 = refs.iter().map(|t| t.len() as u64).sum();

    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);

    let plain = analyzer("none", "none", (1, 1));
    g.bench_function("tokenize_lowercase", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &refs {
                plain.for_each_term(t, |term| n += term.len());
            }
            black_box(n)
        })
    });
    let stemmed = analyzer("english", "english", (1, 1));
    g.bench_function("tokenize_stop_stem_english", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &refs {
                stemmed.for_each_term(t, |term| n += term.len());
            }
            black_box(n)
        })
    });
    let uncached = analyzer("english", "english", (1, 1)).with_stem_cache(false);
    g.bench_function("tokenize_stop_stem_english_nocache", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &refs {
                uncached.for_each_term(t, |term| n += term.len());
            }
            black_box(n)
        })
    });
    let params = TfidfParams::default();
    for (name, a) in [
        ("fit_transform_unigram", analyzer("none", "none", (1, 1))),
        (
            "fit_transform_stem_english",
            analyzer("english", "english", (1, 1)),
        ),
        ("fit_transform_bigram", analyzer("none", "none", (1, 2))),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let (v, m) =
                    TfidfVectorizer::fit_transform(a.clone(), &params, &refs).expect("fit");
                black_box((v.n_features(), m.0.nnz()))
            })
        });
    }
    let (fitted, _) = TfidfVectorizer::fit_transform(plain.clone(), &params, &refs).expect("fit");
    g.bench_function("transform_unigram", |b| {
        b.iter(|| black_box(fitted.transform(&refs).0.nnz()))
    });
    g.finish();
}

criterion_group!(text_benches, benches);
criterion_main!(text_benches);
