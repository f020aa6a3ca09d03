//! Times the fit of textclf's linear SVM or logistic regression on features read from
//! svmlight files, so the fit can be set against scikit-learn's on the very same matrix
//! (`benches/compare/compare.py` writes the files with `dump_svmlight_file`).
//!
//! ```sh
//! cargo run --release --example fit_svmlight -- --train full.svm --model svm [--tol 1e-4] \
//!     [--calibrate] [--reps 5] [--dev-train tr.svm --dev dev.svm] [--json]
//! ```
//! Prints the fit time of each repetition on `--train`, its median, the training accuracy,
//! and, with `--dev-train`/`--dev`, the accuracy, log loss and expected calibration error of
//! one more fit on `--dev-train` scored on `--dev` (the width of `--dev-train` is imposed on
//! `--dev`), so equal quality and calibration are visible.
use clap::{Parser, ValueEnum};
use linfa::prelude::*;
use ndarray::{Array1, Array2};
use std::path::{Path, PathBuf};
use std::time::Instant;
use textclf::features::svmlight::read_svmlight;
use textclf::features::SparseRecords;
use textclf::models::logreg::LogisticRegressionParams;
use textclf::models::svm::LinearSvmParams;

/// The classifier to fit.
#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Svm,
    Logreg,
}

/// Command line of the example; defaults are scikit-learn's LinearSVC(C=1) and
/// textclf's default logistic regression (C = 30, 100 iterations).
#[derive(Parser)]
struct Args {
    /// Zero-based svmlight file whose fit is timed.
    #[arg(long)]
    train: PathBuf,
    /// Optional training half of a dev split (zero-based svmlight).
    #[arg(long, requires = "dev")]
    dev_train: Option<PathBuf>,
    /// Optional held-out half of the dev split.
    #[arg(long, requires = "dev_train")]
    dev: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "svm")]
    model: Kind,
    /// Inverse regularisation (default: 1 for svm, 30 for logreg).
    #[arg(long)]
    c: Option<f64>,
    /// Stopping tolerance (default: the model's own, 0.2 for svm, 1e-4 for logreg).
    #[arg(long)]
    tol: Option<f64>,
    /// Iteration cap (default: the model's own).
    #[arg(long)]
    max_iter: Option<usize>,
    /// Fit Platt calibration too (svm only).
    #[arg(long)]
    calibrate: bool,
    /// Internal cross-validation folds of the calibration (with `--calibrate`).
    #[arg(long, default_value_t = 2)]
    calibration_folds: usize,
    /// Solver tolerance inside the calibration folds.
    #[arg(long, default_value_t = 0.5)]
    calibration_tol: f32,
    /// Cap on the outer passes of each calibration fold.
    #[arg(long, default_value_t = 5)]
    calibration_max_iter: usize,
    /// Timed repetitions.
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Also print a `json: {...}` line.
    #[arg(long)]
    json: bool,
}

type Data = DatasetBase<SparseRecords, Array1<usize>>;

fn load(path: &Path, width: Option<usize>) -> anyhow::Result<Data> {
    let (x, y) = read_svmlight(path, width)?;
    Ok(DatasetBase::new(x, Array1::from(y)))
}

/// Fits on `d` and returns the predictions for `x` (the fitted model is dropped here,
/// outside the timed region of the caller's choosing).
fn fit_predict(
    args: &Args,
    d: &Data,
    x: &SparseRecords,
    k: usize,
) -> anyhow::Result<(f64, Array1<usize>, Array2<f32>)> {
    let t = Instant::now();
    Ok(match args.model {
        Kind::Svm => {
            let mut p = LinearSvmParams::new()
                .c(args.c.unwrap_or(1.0) as f32)
                .calibrate(args.calibrate)
                .calibration_folds(args.calibration_folds)
                .calibration_tol(args.calibration_tol)
                .calibration_max_iter(args.calibration_max_iter)
                .n_classes(k);
            if let Some(tol) = args.tol {
                p = p.tol(tol as f32);
            }
            if let Some(n) = args.max_iter {
                p = p.max_iter(n);
            }
            let m = p.fit(d)?;
            let secs = t.elapsed().as_secs_f64();
            let it = m.n_iter();
            eprintln!(
                "svm outer iterations per class: mean {:.1}, max {}",
                it.iter().sum::<usize>() as f64 / it.len().max(1) as f64,
                it.iter().max().unwrap_or(&0)
            );
            (secs, m.predict(x), m.predict_proba(x))
        }
        Kind::Logreg => {
            let mut p = LogisticRegressionParams::new(k).c(args.c.unwrap_or(30.0));
            if let Some(tol) = args.tol {
                p = p.tol(tol);
            }
            if let Some(n) = args.max_iter {
                p = p.max_iter(n);
            }
            let m = p.fit(d)?;
            let secs = t.elapsed().as_secs_f64();
            eprintln!("logreg L-BFGS iterations: {}", m.n_iter());
            // The training objective (scikit-learn's scaling: mean log loss + |W|^2 / (2 C n)),
            // so the precision each solver reaches can be compared, not only where documents flip.
            let (ll, _) = calibration(&m.predict_proba(&d.records), &d.targets);
            let w2: f64 = m
                .feature_weights()
                .iter()
                .map(|&v| (v as f64) * (v as f64))
                .sum();
            let n = d.targets.len() as f64;
            eprintln!(
                "logreg training objective: {:.8}",
                ll + w2 / (2.0 * args.c.unwrap_or(30.0) * n)
            );
            eprintln!(
                "logreg weight checksum: {:016x}",
                checksum(m.feature_weights().iter().chain(m.intercept().iter()))
            );
            (secs, m.predict(x), m.predict_proba(x))
        }
    })
}

/// Mean log loss and expected calibration error (top-label confidence, 15 equal-width
/// bins, as in Guo et al. 2017) of probabilities `p` against the true classes.
fn calibration(p: &Array2<f32>, truth: &Array1<usize>) -> (f64, f64) {
    let n = truth.len() as f64;
    let ll = p
        .rows()
        .into_iter()
        .zip(truth)
        .map(|(r, &t)| -(r[t] as f64).max(1e-15).ln())
        .sum::<f64>()
        / n;
    let bins = 15;
    let (mut conf, mut hit, mut cnt) = (vec![0.0; bins], vec![0.0; bins], vec![0.0; bins]);
    for (r, &t) in p.rows().into_iter().zip(truth) {
        let (best, &pmax) = r
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .expect("classes");
        let b = ((pmax as f64 * bins as f64) as usize).min(bins - 1);
        conf[b] += pmax as f64;
        hit[b] += (best == t) as u8 as f64;
        cnt[b] += 1.0;
    }
    let ece = (0..bins).map(|b| (conf[b] - hit[b]).abs()).sum::<f64>() / n;
    (ll, ece)
}

/// FNV-1a hash of the bit patterns of `v`, so that fits can be checked bit-identical
/// (across builds and thread counts) without writing model files.
fn checksum<'a>(v: impl Iterator<Item = &'a f32>) -> u64 {
    v.fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
        x.to_bits()
            .to_le_bytes()
            .iter()
            .fold(h, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
    })
}

fn accuracy(pred: &Array1<usize>, truth: &Array1<usize>) -> f64 {
    pred.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let full = load(&args.train, None)?;
    let k = full.targets.iter().max().map_or(0, |m| m + 1);
    eprintln!(
        "{}: {} x {} ({} non-zeros), {k} classes, {} rayon threads",
        args.train.display(),
        full.records.0.rows(),
        full.records.0.cols(),
        full.records.0.nnz(),
        rayon::current_num_threads()
    );
    let mut times = Vec::new();
    let mut train_acc = f64::NAN;
    for rep in 1..=args.reps.max(1) {
        let (secs, pred, _) = fit_predict(&args, &full, &full.records, k)?;
        train_acc = accuracy(&pred, &full.targets);
        println!("fit rep {rep}: {secs:.3} s");
        times.push(secs);
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    println!("median fit {median:.3} s; training accuracy {train_acc:.4}");
    let mut dev_acc = None;
    let mut dev_cal = None;
    if let (Some(tr), Some(dev)) = (&args.dev_train, &args.dev) {
        let tr = load(tr, None)?;
        let dev = load(dev, Some(tr.records.0.cols()))?;
        let (secs, pred, proba) = fit_predict(&args, &tr, &dev.records, k)?;
        let acc = accuracy(&pred, &dev.targets);
        let (ll, ece) = calibration(&proba, &dev.targets);
        println!(
            "dev split: fit {secs:.3} s, dev accuracy {acc:.4}, log loss {ll:.4}, ECE {ece:.4}"
        );
        dev_acc = Some(acc);
        dev_cal = Some((ll, ece));
    }
    if args.json {
        println!(
            "json: {}",
            serde_json::json!({"times": times, "train_accuracy": train_acc, "dev_accuracy": dev_acc,
                "dev_log_loss": dev_cal.map(|c| c.0), "dev_ece": dev_cal.map(|c| c.1)})
        );
    }
    Ok(())
}
