//! The HTML evaluation report, checked the way a person would: render it, open it in a
//! headless Chromium, and look at the screenshot (here: assert it is not blank).
//!
//! Without Chromium on PATH the screenshot part is skipped with a printed reason, except
//! under CI (environment variable `CI` set), where the browser is installed on purpose and
//! its absence is a failure. Set `TEXTCLF_KEEP_HTML=<dir>` to keep the pages and
//! screenshots for inspection.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use textclf::eval::{
    cross_validate, grouped_stratified_folds, render_html, stratified_folds, CorpusInfo,
    EvalReport, FoldPrediction, Timings,
};

/// A deterministic stand-in classifier: right most of the time, with errors that depend
/// on the sample and the classifier's "skill" (errors go to a neighbouring class).
fn fake_predictions(y: &[usize], test: &[usize], n_labels: usize, skill: usize) -> Vec<usize> {
    test.iter()
        .map(|&i| {
            let h = (i * 2654435761usize) % 100;
            if h < skill {
                y[i]
            } else {
                (y[i] + 1 + h % 2) % n_labels
            }
        })
        .collect()
}

fn labels(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Two tasks: FNC-1 stance with grouped folds (two classifiers) and a 5-class topic task.
fn small_report() -> EvalReport {
    let k = 4;
    let seed = 42;
    let stance_labels = labels(&["agree", "disagree", "discuss", "unrelated"]);
    let stance_y: Vec<usize> = (0..400)
        .map(|i| match (i * 37) % 100 {
            0..=6 => 0,
            7..=8 => 1,
            9..=26 => 2,
            _ => 3,
        })
        .collect();
    let bodies: Vec<String> = (0..400).map(|i| format!("body-{}", i / 7)).collect();
    let stance_folds = grouped_stratified_folds(&stance_y, &bodies, k, seed).unwrap();

    let topic_labels = labels(&["business", "entertainment", "politics", "sport", "tech"]);
    let topic_y: Vec<usize> = (0..300).map(|i| (i * 13 + i / 7) % 5).collect();
    let topic_folds = stratified_folds(&topic_y, k, seed).unwrap();

    let mut runs = Vec::new();
    for (name, skill) in [("logreg", 90), ("nb-multinomial", 80)] {
        runs.push(
            cross_validate::<textclf::eval::EvalError, _>(
                "stance",
                name,
                serde_json::json!({"classifier": name, "k": k, "seed": seed, "group_col": "Body ID"}),
                &stance_y,
                &stance_labels,
                &stance_folds,
                |fold, train, test| {
                    Ok(FoldPrediction {
                        predictions: fake_predictions(&stance_y, test, 4, skill - fold),
                        timings: Timings {
                            vectorize_s: 0.01 * train.len() as f64,
                            fit_s: 0.5 + fold as f64 * 0.1,
                            predict_s: 0.02,
                        },
                    })
                },
            )
            .unwrap(),
        );
    }
    runs.push(
        cross_validate::<textclf::eval::EvalError, _>(
            "topic",
            "logreg",
            serde_json::json!({"classifier": "logreg", "k": k, "seed": seed}),
            &topic_y,
            &topic_labels,
            &topic_folds,
            |fold, _train, test| {
                Ok(FoldPrediction {
                    predictions: fake_predictions(&topic_y, test, 5, 93 - 2 * fold),
                    timings: Timings {
                        vectorize_s: 0.3,
                        fit_s: 1.2,
                        predict_s: 0.05,
                    },
                })
            },
        )
        .unwrap(),
    );
    EvalReport {
        tool: "textclf test".into(),
        created: None,
        corpus: CorpusInfo {
            source: "synthetic".into(),
            n_documents: 700,
        },
        settings: serde_json::json!({"k": k, "seed": seed}),
        warnings: vec![],
        runs,
    }
}

/// One task with 108 topic labels, as in AllSides, to check that big label sets stay legible.
fn many_label_report() -> EvalReport {
    let names: Vec<String> = (0..108)
        .map(|i| match i % 4 {
            0 => format!("elections_{i}"),
            1 => format!("white_house_{i}"),
            2 => format!("immigration_and_border_security_{i}"),
            _ => format!("t{i}"),
        })
        .collect();
    let y: Vec<usize> = (0..5000)
        .map(|i| ((i * 7919) % 9973) % 108 * (i % 3 + 1) / 3)
        .collect();
    let folds = stratified_folds(&y, 3, 1).unwrap();
    let run = cross_validate::<textclf::eval::EvalError, _>(
        "topic",
        "logreg",
        serde_json::json!({}),
        &y,
        &names,
        &folds,
        |_, _, test| {
            Ok(FoldPrediction {
                predictions: fake_predictions(&y, test, 108, 70),
                timings: Timings::default(),
            })
        },
    )
    .unwrap();
    EvalReport {
        tool: "textclf test".into(),
        created: None,
        corpus: CorpusInfo {
            source: "synthetic-108".into(),
            n_documents: y.len(),
        },
        settings: serde_json::json!({}),
        warnings: vec![],
        runs: vec![run],
    }
}

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Takes a screenshot of `page` and returns the PNG path. Gives up after 90 s.
fn screenshot(chromium: &Path, page: &Path, dir: &Path, size: (u32, u32)) -> PathBuf {
    let png = dir.join(format!(
        "{}.png",
        page.file_stem().unwrap().to_string_lossy()
    ));
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                status.success() && png.is_file(),
                "chromium failed ({status}) to screenshot {}",
                page.display()
            );
            return png;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s for {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Distinct colours and the fraction of non-white pixels of an RGB(A) PNG.
fn png_stats(path: &Path) -> (usize, f64, (u32, u32)) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let mut colours = std::collections::HashSet::new();
    let mut non_white = 0usize;
    let pixels = buf[..info.buffer_size()].chunks_exact(channels);
    let total = pixels.len();
    for px in pixels {
        colours.insert([px[0], px[1], px[2]]);
        if px[0] < 245 || px[1] < 245 || px[2] < 245 {
            non_white += 1;
        }
    }
    (
        colours.len(),
        non_white as f64 / total as f64,
        (info.width, info.height),
    )
}

fn output_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    match std::env::var_os("TEXTCLF_KEEP_HTML") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).unwrap();
            (dir, None)
        }
        None => {
            let tmp = tempfile::tempdir().unwrap();
            (tmp.path().to_path_buf(), Some(tmp))
        }
    }
}

#[test]
fn html_report_renders_in_a_browser() {
    let (dir, _guard) = output_dir();
    let report = small_report();
    let html = render_html(&report);
    // Content checks that need no browser.
    assert!(!html.contains("<script"));
    assert!(html.contains("Task: stance") && html.contains("Task: topic"));
    assert!(html.contains("FNC score"));
    assert_eq!(html.matches("<svg").count(), 6);
    let best = &report.leaderboard()[0].runs[0];
    assert_eq!(best.classifier, "logreg");
    assert!(html.contains(&format!(
        "{:.4} ± {:.4}",
        best.summary.macro_f1.mean, best.summary.macro_f1.std
    )));
    let page = dir.join("eval-small.html");
    std::fs::write(&page, &html).unwrap();
    let big_page = dir.join("eval-108.html");
    let big_html = render_html(&many_label_report());
    assert!(big_html.contains("40 most frequent of 108"));
    std::fs::write(&big_page, &big_html).unwrap();

    let Some(chromium) = find_chromium() else {
        if in_ci() {
            panic!("CI is set but chromium (or chromium-browser) is not on PATH: install it");
        }
        eprintln!("skipping the screenshot check: chromium / chromium-browser not on PATH");
        return;
    };
    for (page, size) in [(&page, (1200, 1600)), (&big_page, (1200, 2400))] {
        let png = screenshot(&chromium, page, &dir, size);
        let (colours, ink, dims) = png_stats(&png);
        eprintln!(
            "{}: {}x{} px, {colours} distinct colours, {:.1}% non-white",
            png.display(),
            dims.0,
            dims.1,
            100.0 * ink
        );
        assert_eq!(dims, size, "screenshot has the window size");
        assert!(colours >= 64, "only {colours} colours: page looks blank");
        assert!(ink >= 0.04, "only {:.1}% non-white pixels", 100.0 * ink);
    }
}
