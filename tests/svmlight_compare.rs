//! Our models vs scikit-learn on identical TF-IDF features (svmlight files written by
//! `benches/compare/make_svmlight.py` into /tmp/textclf-svmlight). Ignored by default; run:
//! `cargo test --release --test svmlight_compare -- --ignored --nocapture`
//! Skips with a message when the files are absent.

use linfa::prelude::*;
use ndarray::Array1;
use std::path::Path;
use std::time::Instant;
use textclf::features::svmlight::read_svmlight;
use textclf::features::SparseRecords;
use textclf::models::nb::{ComplementNbParams, MultinomialNbParams};
use textclf::models::softmax_rows;
use textclf::models::svm::{LinearSvm, LinearSvmParams};

const DIR: &str = "/tmp/textclf-svmlight";

fn load(name: &str, nf: Option<usize>) -> Option<(SparseRecords, Vec<usize>)> {
    let p = Path::new(DIR).join(name);
    if !p.exists() {
        eprintln!(
            "skipping: {} is absent (run benches/compare/make_svmlight.py)",
            p.display()
        );
        return None;
    }
    Some(read_svmlight(&p, nf).expect("readable svmlight"))
}

fn accuracy(p: &Array1<usize>, y: &[usize]) -> f64 {
    p.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

fn macro_f1(p: &Array1<usize>, y: &[usize], k: usize) -> f64 {
    let mut f = 0.0;
    for c in 0..k {
        let tp = p
            .iter()
            .zip(y)
            .filter(|(a, b)| **a == c && **b == c)
            .count() as f64;
        let fp = p
            .iter()
            .zip(y)
            .filter(|(a, b)| **a == c && **b != c)
            .count() as f64;
        let fnn = p
            .iter()
            .zip(y)
            .filter(|(a, b)| **a != c && **b == c)
            .count() as f64;
        f += if tp == 0.0 {
            0.0
        } else {
            2.0 * tp / (2.0 * tp + fp + fnn)
        };
    }
    f / k as f64
}

fn log_loss(p: &ndarray::Array2<f32>, y: &[usize]) -> f64 {
    y.iter()
        .enumerate()
        .map(|(i, &c)| -(p[[i, c]].max(1e-15) as f64).ln())
        .sum::<f64>()
        / y.len() as f64
}

/// CPU seconds (user + system) this process has used so far, from /proc (Linux only).
fn cpu_secs() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = s
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn rows(x: &SparseRecords, idx: &[usize]) -> SparseRecords {
    let mut tri = sprs::TriMatI::<f32, u32>::new((idx.len(), x.0.cols()));
    for (o, &r) in idx.iter().enumerate() {
        for (j, &v) in x.0.outer_view(r).unwrap().iter() {
            tri.add_triplet(o, j, v);
        }
    }
    SparseRecords(tri.to_csr())
}

#[test]
#[ignore]
fn dev_split_20ng() {
    let Some((xtr, ytr)) = load("20ng_train.svm", None) else {
        return;
    };
    let Some((xdev, ydev)) = load("20ng_dev.svm", Some(xtr.0.cols())) else {
        return;
    };
    let k = 20;
    let d = DatasetBase::new(xtr, Array1::from(ytr));
    println!(
        "20NG dev split: train {:?}, dev {:?}",
        d.records.0.shape(),
        xdev.0.shape()
    );
    let tols: Vec<f32> = std::env::var("SVM_TOLS")
        .map(|s| s.split(',').map(|t| t.parse().unwrap()).collect())
        .unwrap_or_else(|_| vec![1e-4, 1e-2, 0.1]);
    let cs: Vec<f32> = std::env::var("SVM_CS")
        .map(|s| s.split(',').map(|t| t.parse().unwrap()).collect())
        .unwrap_or_else(|_| vec![1.0]);
    for &c in &cs {
        for &tol in &tols {
            let t = Instant::now();
            let m: LinearSvm = LinearSvmParams::new()
                .c(c)
                .tol(tol)
                .calibrate(false)
                .n_classes(k)
                .fit(&d)
                .unwrap();
            let ft = t.elapsed().as_secs_f64();
            let p = m.predict(&xdev);
            println!(
                "  svm C={c} tol={tol:<7} dev acc {:.4} macro-F1 {:.4} fit {:.3}s  max outer iters {}",
                accuracy(&p, &ydev),
                macro_f1(&p, &ydev, k),
                ft,
                m.n_iter().iter().max().unwrap()
            );
        }
    }
    // Calibration cost and log-loss vs softmax of margins (default tol 1e-4 and 0.1).
    for &tol in &[1e-4f32, 0.1] {
        let t = Instant::now();
        let plain = LinearSvmParams::new()
            .tol(tol)
            .calibrate(false)
            .n_classes(k)
            .fit(&d)
            .unwrap();
        let t_plain = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let cal = LinearSvmParams::new()
            .tol(tol)
            .n_classes(k)
            .fit(&d)
            .unwrap();
        let t_cal = t.elapsed().as_secs_f64();
        let mut soft = plain.decision_function(&xdev);
        softmax_rows(&mut soft);
        println!(
            "  tol={tol}: fit {t_plain:.3}s, with Platt {t_cal:.3}s (x{:.2}); dev log-loss Platt {:.4} vs softmax(margins) {:.4}; acc {:.4} / {:.4}",
            t_cal / t_plain,
            log_loss(&cal.predict_proba(&xdev), &ydev),
            log_loss(&soft, &ydev),
            accuracy(&cal.predict(&xdev), &ydev),
            accuracy(&plain.predict(&xdev), &ydev),
        );
    }
    for alpha in [1.0f32, 0.1, 0.01] {
        let m = MultinomialNbParams::new()
            .alpha(alpha)
            .n_classes(k)
            .fit(&d)
            .unwrap();
        let p = m.predict(&xdev);
        let c = ComplementNbParams::new()
            .alpha(alpha)
            .n_classes(k)
            .fit(&d)
            .unwrap();
        let pc = c.predict(&xdev);
        println!(
            "  alpha={alpha}: MNB dev acc {:.4} macro-F1 {:.4} | CNB dev acc {:.4} macro-F1 {:.4}",
            accuracy(&p, &ydev),
            macro_f1(&p, &ydev, k),
            accuracy(&pc, &ydev),
            macro_f1(&pc, &ydev, k)
        );
    }
}

#[test]
#[ignore]
fn fit_time_full_20ng() {
    let Some((x, y)) = load("20ng_full.svm", None) else {
        return;
    };
    let d = DatasetBase::new(x, Array1::from(y));
    println!(
        "20NG full train {:?}, threads {}",
        d.records.0.shape(),
        rayon::current_num_threads()
    );
    let tols: Vec<f32> = std::env::var("SVM_TOLS")
        .map(|s| s.split(',').map(|t| t.parse().unwrap()).collect())
        .unwrap_or_else(|_| vec![1e-4, 0.1]);
    let cals: Vec<bool> = if std::env::var("SVM_NOCAL").is_ok() {
        vec![false]
    } else {
        vec![false, true]
    };
    for &tol in &tols {
        for &cal in &cals {
            let (mut wall, mut cpu) = (Vec::new(), Vec::new());
            for _ in 0..5 {
                let (t, c) = (Instant::now(), cpu_secs());
                let _ = LinearSvmParams::new()
                    .tol(tol)
                    .calibrate(cal)
                    .n_classes(20)
                    .fit(&d)
                    .unwrap();
                wall.push(t.elapsed().as_secs_f64());
                cpu.push(cpu_secs() - c);
            }
            println!(
                "  svm tol={tol} calibrate={cal}: fit median of 5 = {:.3}s wall, {:.3}s CPU",
                median(wall),
                median(cpu)
            );
        }
    }
    let times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let _ = MultinomialNbParams::new().n_classes(20).fit(&d).unwrap();
            t.elapsed().as_secs_f64()
        })
        .collect();
    println!("  MNB fit median of 5 = {:.4}s", median(times));
}

#[test]
#[ignore]
fn bbc_5fold() {
    let Some((x, y)) = load("bbc.svm", None) else {
        return;
    };
    let k = 5;
    // Stratified, shuffled 5-fold (own seed; sklearn's fold assignment differs).
    let mut fold = vec![0usize; y.len()];
    let mut next = 0;
    for c in 0..k {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c).collect();
        // deterministic interleave: stride permutation
        idx.sort_by_key(|&i| (i * 2654435761usize) % 1000003);
        for i in idx {
            fold[i] = next % 5;
            next += 1;
        }
    }
    let mut acc = [0.0f64; 3];
    for f in 0..5 {
        let tr: Vec<usize> = (0..y.len()).filter(|&i| fold[i] != f).collect();
        let te: Vec<usize> = (0..y.len()).filter(|&i| fold[i] == f).collect();
        let d = DatasetBase::new(
            rows(&x, &tr),
            Array1::from(tr.iter().map(|&i| y[i]).collect::<Vec<_>>()),
        );
        let xt = rows(&x, &te);
        let yt: Vec<usize> = te.iter().map(|&i| y[i]).collect();
        let svm = LinearSvmParams::new()
            .calibrate(false)
            .n_classes(k)
            .fit(&d)
            .unwrap();
        let mnb = MultinomialNbParams::new().n_classes(k).fit(&d).unwrap();
        let cnb = ComplementNbParams::new().n_classes(k).fit(&d).unwrap();
        acc[0] += accuracy(&svm.predict(&xt), &yt) / 5.0;
        acc[1] += accuracy(&mnb.predict(&xt), &yt) / 5.0;
        acc[2] += accuracy(&cnb.predict(&xt), &yt) / 5.0;
    }
    println!(
        "BBC 5-fold acc: svm {:.4}  MNB {:.4}  CNB {:.4}",
        acc[0], acc[1], acc[2]
    );
    assert!(acc[0] > 0.97, "svm BBC 5-fold accuracy {}", acc[0]);
}
