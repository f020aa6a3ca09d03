//! Side-by-side figures for the logreg and sgd families on the svmlight files written by
//! `benches/compare/make_svmlight_b.py` (identical TF-IDF features to scikit-learn's run).
//!
//! Run: `/work/venv/bin/python benches/compare/make_svmlight_b.py` then
//! `cargo run --release --example compare_b` (optionally `RAYON_NUM_THREADS=1`).
//! It reads its own tiny svmlight parser so it does not depend on `features::svmlight`.

use linfa::prelude::*;
use ndarray::Array1;
use std::path::Path;
use std::time::Instant;
use textclf::features::{Csr, SparseRecords};
use textclf::models::logreg::{LogisticRegression, LogisticRegressionParams};
use textclf::models::sgd::{SgdClassifier, SgdClassifierParams};
use textclf::models::SgdLoss;

const DIR: &str = "/tmp/textclf-svmlight-b";

/// Parses `label idx:val ...` lines (zero-based indices) into CSR rows.
fn read_svmlight(
    path: &Path,
) -> Result<(Vec<usize>, Vec<usize>, Vec<u32>, Vec<f32>, usize), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (mut y, mut indptr, mut idx, mut val) = (Vec::new(), vec![0usize], Vec::new(), Vec::new());
    let mut max_col = 0usize;
    for (ln, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut it = line.split_ascii_whitespace();
        let label = it.next().unwrap_or("");
        let label: f64 = label
            .parse()
            .map_err(|_| format!("{}:{}: bad label '{label}'", path.display(), ln + 1))?;
        y.push(label as usize);
        for tok in it {
            let (i, v) = tok
                .split_once(':')
                .ok_or_else(|| format!("{}:{}: bad pair '{tok}'", path.display(), ln + 1))?;
            let i: u32 = i
                .parse()
                .map_err(|_| format!("{}:{}: bad index '{i}'", path.display(), ln + 1))?;
            let v: f32 = v
                .parse()
                .map_err(|_| format!("{}:{}: bad value '{v}'", path.display(), ln + 1))?;
            max_col = max_col.max(i as usize + 1);
            idx.push(i);
            val.push(v);
        }
        indptr.push(idx.len());
    }
    Ok((y, indptr, idx, val, max_col))
}

fn load(name: &str, n_features: Option<usize>) -> (SparseRecords, Array1<usize>) {
    let (y, indptr, idx, val, max_col) =
        read_svmlight(&Path::new(DIR).join(name)).unwrap_or_else(|e| {
            eprintln!("{e}\nrun benches/compare/make_svmlight_b.py first");
            std::process::exit(2)
        });
    let cols = n_features.unwrap_or(max_col).max(max_col);
    let m = Csr::try_new((y.len(), cols), indptr, idx, val).expect("valid CSR");
    (SparseRecords(m), Array1::from(y))
}

fn subset(x: &SparseRecords, y: &Array1<usize>, rows: &[usize]) -> (SparseRecords, Array1<usize>) {
    let mut tri = sprs::TriMatI::<f32, u32>::new((rows.len(), x.0.cols()));
    for (r, &i) in rows.iter().enumerate() {
        for (j, &v) in x.0.outer_view(i).unwrap().iter() {
            tri.add_triplet(r, j, v);
        }
    }
    (
        SparseRecords(tri.to_csr()),
        rows.iter().map(|&i| y[i]).collect(),
    )
}

fn scores(truth: &Array1<usize>, pred: &Array1<usize>, k: usize) -> (f64, f64) {
    let acc = truth.iter().zip(pred).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64;
    let mut f1 = 0.0;
    for c in 0..k {
        let tp = truth
            .iter()
            .zip(pred)
            .filter(|(a, b)| **a == c && **b == c)
            .count() as f64;
        let fp = truth
            .iter()
            .zip(pred)
            .filter(|(a, b)| **a != c && **b == c)
            .count() as f64;
        let fn_ = truth
            .iter()
            .zip(pred)
            .filter(|(a, b)| **a == c && **b != c)
            .count() as f64;
        if tp > 0.0 {
            f1 += 2.0 * tp / (2.0 * tp + fp + fn_);
        }
    }
    (acc, f1 / k as f64)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let only = std::env::var("ONLY").unwrap_or_default();
    let (xtr, ytr) = load("20ng_train.svm", None);
    let (xdv, ydv) = load("20ng_dev.svm", Some(xtr.0.cols()));
    let k = 20;
    let train = DatasetBase::new(xtr, ytr);
    if only.is_empty() || only == "logreg" || only == "full" {
        let mut best = (1.0, 0.0);
        let cs: &[f64] = if only == "full" {
            &[]
        } else {
            &[1.0, 10.0, 30.0, 100.0]
        };
        for &c in cs {
            let t = Instant::now();
            let m: LogisticRegression = LogisticRegressionParams::new(k).c(c).fit(&train).unwrap();
            let secs = t.elapsed().as_secs_f64();
            let (acc, f1) = scores(&ydv, &m.predict(&xdv), k);
            println!("rust logreg 20NG dev  C={c:<5} acc {acc:.4} macroF1 {f1:.4} fit(80%) {secs:.2}s n_iter {}", m.n_iter());
            if acc > best.1 {
                best = (c, acc);
            }
        }
        let (xf, yf) = load("20ng_full.svm", None);
        let full = DatasetBase::new(xf, yf);
        for c in if best.0 == 1.0 {
            vec![1.0]
        } else {
            vec![1.0, best.0]
        } {
            let mut times = Vec::new();
            let mut it = 0;
            for _ in 0..reps {
                let t = Instant::now();
                let m: LogisticRegression =
                    LogisticRegressionParams::new(k).c(c).fit(&full).unwrap();
                times.push(t.elapsed().as_secs_f64());
                it = m.n_iter();
            }
            println!(
                "rust logreg 20NG full C={c:<5} fit {:.2}s (median of {reps}) n_iter {it}",
                median(times)
            );
        }
    }
    if only.is_empty() || only == "sgd" {
        for (loss, avg, epochs, alpha) in [
            (SgdLoss::Hinge, false, 10, 1e-4),
            (SgdLoss::Hinge, false, 20, 1e-4),
            (SgdLoss::Hinge, true, 10, 1e-4),
            (SgdLoss::Hinge, false, 10, 3e-5),
            (SgdLoss::Hinge, true, 10, 1e-5),
            (SgdLoss::Log, false, 10, 1e-5),
            (SgdLoss::ModifiedHuber, false, 10, 1e-4),
        ] {
            let p = SgdClassifierParams::new(k)
                .loss(loss)
                .average(avg)
                .epochs(epochs)
                .alpha(alpha);
            let t = Instant::now();
            let m: SgdClassifier = p.fit(&train).unwrap();
            let secs = t.elapsed().as_secs_f64();
            let (acc, f1) = scores(&ydv, &m.predict(&xdv), k);
            println!("rust sgd {loss:?} avg={avg} epochs={epochs} alpha={alpha:e} 20NG dev acc {acc:.4} macroF1 {f1:.4} fit(80%) {secs:.2}s");
        }
    }
    if only.is_empty() || only == "bbc" {
        let (x, y) = load("bbc.svm", None);
        let folds: Vec<usize> = std::fs::read_to_string(Path::new(DIR).join("bbc_folds.txt"))
            .expect("bbc_folds.txt")
            .lines()
            .map(|l| l.trim().parse().unwrap())
            .collect();
        let k = 5;
        type Fitter = Box<dyn Fn(&DatasetBase<SparseRecords, Array1<usize>>) -> Array1<usize>>;
        let _ = &x;
        let configs: Vec<(
            String,
            Box<
                dyn Fn(&DatasetBase<SparseRecords, Array1<usize>>, &SparseRecords) -> Array1<usize>,
            >,
        )> = vec![
            (
                "sgd hinge alpha=1e-4 epochs=10".into(),
                Box::new(move |d, t| SgdClassifierParams::new(k).fit(d).unwrap().predict(t)),
            ),
            (
                "sgd hinge alpha=1e-4 epochs=20".into(),
                Box::new(move |d, t| {
                    SgdClassifierParams::new(k)
                        .epochs(20)
                        .fit(d)
                        .unwrap()
                        .predict(t)
                }),
            ),
            (
                "sgd hinge ASGD alpha=1e-4 epochs=10".into(),
                Box::new(move |d, t| {
                    SgdClassifierParams::new(k)
                        .average(true)
                        .fit(d)
                        .unwrap()
                        .predict(t)
                }),
            ),
            (
                "sgd hinge alpha=3e-5 epochs=10".into(),
                Box::new(move |d, t| {
                    SgdClassifierParams::new(k)
                        .alpha(3e-5)
                        .fit(d)
                        .unwrap()
                        .predict(t)
                }),
            ),
            (
                "sgd log alpha=1e-5 epochs=10".into(),
                Box::new(move |d, t| {
                    SgdClassifierParams::new(k)
                        .loss(SgdLoss::Log)
                        .alpha(1e-5)
                        .fit(d)
                        .unwrap()
                        .predict(t)
                }),
            ),
            (
                "sgd modhuber alpha=1e-4 epochs=10".into(),
                Box::new(move |d, t| {
                    SgdClassifierParams::new(k)
                        .loss(SgdLoss::ModifiedHuber)
                        .fit(d)
                        .unwrap()
                        .predict(t)
                }),
            ),
            (
                "logreg C=10".into(),
                Box::new(move |d, t| {
                    LogisticRegressionParams::new(k)
                        .c(10.0)
                        .fit(d)
                        .unwrap()
                        .predict(t)
                }),
            ),
        ];
        let _: Option<Fitter> = None;
        for (name, f) in configs {
            let (mut accs, mut f1s, mut ts) = (0.0, 0.0, 0.0);
            for fold in 0..5 {
                let tr: Vec<usize> = (0..folds.len()).filter(|&i| folds[i] != fold).collect();
                let te: Vec<usize> = (0..folds.len()).filter(|&i| folds[i] == fold).collect();
                let (xa, ya) = subset(&x, &y, &tr);
                let (xb, yb) = subset(&x, &y, &te);
                let d = DatasetBase::new(xa, ya);
                let t = Instant::now();
                let p = f(&d, &xb);
                ts += t.elapsed().as_secs_f64();
                let (a, f1) = scores(&yb, &p, k);
                accs += a;
                f1s += f1;
            }
            println!(
                "rust {name} BBC 5-fold acc {:.4} macroF1 {:.4} fit+predict/fold {:.3}s",
                accs / 5.0,
                f1s / 5.0,
                ts / 5.0
            );
        }
    }
}
