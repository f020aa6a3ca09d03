//! Criterion benchmarks of the classifiers on real text: fit and predict for every family
//! (nb, cnb, svm, logreg, sgd) with the defaults `textclf train` uses, end-to-end scoring of
//! raw text with a model bundle, and model-file decoding (`ModelBundle::from_bytes`).
//!
//! Data: `../shared/datasets/20news-bydate-train` (11,314 posts, 20 classes), read with
//! `textclf::corpus` and vectorised by textclf itself (unigrams, sublinear TF-IDF,
//! `min_df` 2). Skips cleanly when the folder is absent. `TEXTCLF_BENCH_DOCS=N` keeps only
//! every k-th document so that about N remain (all by default), for a quicker run.
//!
//! Run: `cargo bench --bench models` (about 4 minutes on 2 cores), or one group, e.g.
//! `cargo bench --bench models -- fit/svm`.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use linfa::DatasetBase;
use ndarray::Array1;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use textclf::bundle::{ModelBundle, TrainingInfo};
use textclf::corpus::{read_corpus, ReadOptions};
use textclf::features::{DfLimit, SparseRecords, TfidfParams, TfidfVectorizer};
use textclf::models::{ClassifierKind, Model, ModelSettings};
use textclf::pipeline::{predict, LabelledTask};
use textclf::text::{Analyzer, AnalyzerConfig};

/// The 20NG training posts and their class indices, or `None` (with a message) if absent.
fn load_20ng() -> Option<(Vec<String>, Vec<String>, Vec<usize>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/20news-bydate-train");
    if !root.is_dir() {
        eprintln!("skipping model benches: {} is absent", root.display());
        return None;
    }
    let opts = ReadOptions {
        label_cols: vec!["group".into()],
        require_labels: true,
        ..ReadOptions::default()
    };
    let (mut docs, _) = read_corpus(&root, &opts).expect("20NG train is readable");
    if let Some(n) = std::env::var("TEXTCLF_BENCH_DOCS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
    {
        let step = docs.len().div_ceil(n.max(1)).max(1);
        docs = docs.into_iter().step_by(step).collect();
    }
    let task = LabelledTask::from_documents(&docs, 0, "group").expect("labelled");
    let texts = docs.into_iter().map(|d| d.text).collect();
    Some((texts, task.labels, task.y))
}

fn benches(c: &mut Criterion) {
    let Some((texts, labels, y)) = load_20ng() else {
        return;
    };
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let bytes: u64 = refs.iter().map(|t| t.len() as u64).sum();
    let params = TfidfParams {
        min_df: DfLimit::Count(2),
        ..TfidfParams::default()
    };
    let analyzer = Analyzer::new(AnalyzerConfig::default()).expect("default analyzer");
    let (vectorizer, x): (TfidfVectorizer, SparseRecords) =
        TfidfVectorizer::fit_transform(analyzer, &params, &refs).expect("fit TF-IDF");
    let k = labels.len();
    eprintln!(
        "20NG train: {} docs, {k} classes, {} features, {} non-zeros, {} rayon threads",
        refs.len(),
        vectorizer.n_features(),
        x.0.nnz(),
        rayon::current_num_threads()
    );
    let data = DatasetBase::new(x.clone(), Array1::from(y.clone()));

    let mut fit = c.benchmark_group("fit");
    fit.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    let mut models = Vec::new();
    for kind in ClassifierKind::ALL {
        let settings = ModelSettings::new(kind);
        fit.bench_function(kind.name(), |b| {
            b.iter(|| black_box(Model::fit(&settings, &data, k).expect("fit")))
        });
        models.push((kind, Model::fit(&settings, &data, k).expect("fit")));
    }
    // The linear SVM without Platt calibration: the bare solver (what `eval` fits).
    let mut nocal = ModelSettings::new(ClassifierKind::Svm);
    nocal.calibrate = false;
    fit.bench_function("svm_nocalibration", |b| {
        b.iter(|| black_box(Model::fit(&nocal, &data, k).expect("fit")))
    });
    fit.finish();

    let mut pred = c.benchmark_group("predict");
    pred.sample_size(20);
    for (kind, model) in &models {
        pred.bench_function(format!("{}_features", kind.name()), |b| {
            b.iter(|| black_box(model.predict(&x)))
        });
    }
    let (_, svm) = models
        .iter()
        .find(|(kind, _)| *kind == ClassifierKind::Svm)
        .expect("svm fitted");
    let bundle = ModelBundle {
        task: "group".into(),
        labels: labels.clone(),
        vectorizer,
        model: svm.clone(),
        pair: None,
        info: TrainingInfo {
            textclf_version: env!("CARGO_PKG_VERSION").into(),
            corpus: "20news-bydate-train".into(),
            documents: refs.len(),
            label_counts: (0..k)
                .map(|c| y.iter().filter(|&&v| v == c).count())
                .collect(),
            settings: ModelSettings::new(ClassifierKind::Svm),
        },
    };
    pred.throughput(Throughput::Bytes(bytes));
    pred.bench_function("svm_bundle_raw_text", |b| {
        b.iter(|| black_box(predict(&bundle, &refs, 1)))
    });
    pred.finish();

    let file = bundle.to_bytes();
    let mut load = c.benchmark_group("load");
    load.sample_size(20)
        .throughput(Throughput::Bytes(file.len() as u64));
    load.bench_function("svm_bundle_from_bytes", |b| {
        b.iter(|| {
            black_box(ModelBundle::from_bytes(&file, Path::new("bench.model")).expect("decodes"))
        })
    });
    load.finish();
}

criterion_group!(model_benches, benches);
criterion_main!(model_benches);
