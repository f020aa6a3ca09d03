//! The model file as untrusted input: every damage is a clear error, never a panic.

mod common;

use std::io::Write;
use std::path::Path;
use textclf::bundle::{BundleError, ModelBundle, FORMAT_VERSION};
use textclf::corpus::{read_corpus, ReadOptions};
use textclf::features::TfidfParams;
use textclf::models::{ClassifierKind, ModelSettings};
use textclf::pipeline::{predict, train, LabelledTask};
use textclf::text::AnalyzerConfig;

fn analyzer() -> AnalyzerConfig {
    AnalyzerConfig::default()
}

/// A real bundle trained on the sample corpus with `kind`.
fn sample_bundle(kind: ClassifierKind) -> ModelBundle {
    let opts = ReadOptions {
        text_cols: vec!["title".into(), "text".into()],
        label_cols: vec!["topic".into()],
        require_labels: true,
        ..ReadOptions::default()
    };
    let (docs, _) = read_corpus(&common::sample_corpus(), &opts).unwrap();
    let task = LabelledTask::from_documents(&docs, 0, "topic").unwrap();
    let params = TfidfParams {
        min_df: textclf::features::DfLimit::Count(2),
        ..TfidfParams::default()
    };
    let (mut bundles, _) = train(
        &docs,
        &[task],
        analyzer(),
        &params,
        &[ModelSettings::new(kind)],
        "sample",
    )
    .unwrap();
    bundles.pop().unwrap()
}

#[test]
fn round_trip_gives_identical_predictions_for_every_classifier() {
    let texts = [
        "The league match ended in a draw after extra time.",
        "Interest rates rose again, lenders said.",
        "",
    ];
    for kind in ClassifierKind::ALL {
        let bundle = sample_bundle(kind);
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("topic.model");
        bundle.save(&path).unwrap();
        let loaded = ModelBundle::load(&path).unwrap();
        assert_eq!(loaded, bundle, "{kind}");
        assert_eq!(
            predict(&loaded, &texts, 3),
            predict(&bundle, &texts, 3),
            "{kind}"
        );
        // Saving again gives the same bytes.
        assert_eq!(loaded.to_bytes(), std::fs::read(&path).unwrap(), "{kind}");
    }
}

#[test]
fn truncated_at_every_offset_is_refused() {
    let bytes = sample_bundle(ClassifierKind::Cnb).to_bytes();
    let path = Path::new("topic.model");
    for len in 0..bytes.len() {
        match ModelBundle::from_bytes(&bytes[..len], path) {
            Err(BundleError::Truncated { .. }) | Err(BundleError::Foreign { .. }) => {}
            other => panic!("truncated to {len} of {} bytes: {other:?}", bytes.len()),
        }
    }
    assert!(ModelBundle::from_bytes(&bytes, path).is_ok());
}

/// `load` maps the file; what it cannot map (an empty file, a directory) is read instead,
/// and every damage is still the same clear error as from bytes in memory.
#[test]
fn loading_from_disk_refuses_empty_truncated_and_non_files() {
    let bytes = sample_bundle(ClassifierKind::Svm).to_bytes();
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("topic.model");
    for len in [0, 3, 20, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..len]).unwrap();
        match ModelBundle::load(&path) {
            Err(e @ (BundleError::Truncated { .. } | BundleError::Foreign { .. })) => {
                assert!(e.to_string().contains("topic.model"), "{e}")
            }
            other => panic!("truncated to {len} of {} bytes: {other:?}", bytes.len()),
        }
    }
    std::fs::write(&path, &bytes).unwrap();
    assert!(ModelBundle::load(&path).is_ok());
    match ModelBundle::load(dir.path()) {
        Err(BundleError::Io { path, .. }) => assert_eq!(path, dir.path()),
        other => panic!("a directory: {other:?}"),
    }
}

#[test]
fn saving_into_a_folder_that_is_a_file_says_so() {
    let dir = tempfile::TempDir::new().unwrap();
    let not_a_folder = dir.path().join("models");
    std::fs::write(&not_a_folder, b"a file").unwrap();
    let path = not_a_folder.join("topic.model");
    let err = sample_bundle(ClassifierKind::Nb).save(&path).unwrap_err();
    let want = format!(
        "{}: {} is not a folder",
        path.display(),
        not_a_folder.display()
    );
    assert_eq!(err.to_string(), want);
    assert_eq!(std::fs::read(&not_a_folder).unwrap(), b"a file");
}

/// A model file that is a symlink (to a model kept elsewhere) is saved at its target and
/// the link kept: the temporary file renamed over the path replaced the link with a copy.
#[test]
fn saving_over_a_symlinked_model_replaces_its_target_and_keeps_the_link() {
    let dir = tempfile::TempDir::new().unwrap();
    let target = dir.path().join("shared/topic-v3.model");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, b"old").unwrap();
    let link = dir.path().join("topic.model");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let bundle = sample_bundle(ClassifierKind::Nb);
    bundle.save(&link).unwrap();
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), bundle.to_bytes());
}

#[test]
fn bit_flips_and_forged_headers_are_refused() {
    let bytes = sample_bundle(ClassifierKind::Svm).to_bytes();
    let path = Path::new("m.model");
    // Every bit of the header, and a spread of payload bits.
    let step = (bytes.len() / 3000).max(1);
    let positions: Vec<usize> = (0..25).chain((25..bytes.len()).step_by(step)).collect();
    for &i in &positions {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            let err = ModelBundle::from_bytes(&b, path)
                .expect_err(&format!("flip of bit {bit} at byte {i} accepted"));
            assert!(err.to_string().starts_with("m.model: "), "{err}");
        }
    }
    // A length field claiming terabytes.
    let mut b = bytes.clone();
    b[13..21].copy_from_slice(&(1u64 << 42).to_le_bytes());
    assert!(matches!(
        ModelBundle::from_bytes(&b, path),
        Err(BundleError::Truncated { .. })
    ));
    // A newer and an older format version.
    let mut b = bytes.clone();
    b[9..13].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let err = ModelBundle::from_bytes(&b, path).unwrap_err();
    assert!(err.to_string().contains("newer textclf"), "{err}");
    b[9..13].copy_from_slice(&1u32.to_le_bytes());
    let err = ModelBundle::from_bytes(&b, path).unwrap_err();
    assert!(err.to_string().contains("older textclf"), "{err}");
    // A valid checksum over a payload that decodes to nonsense.
    let mut b = bytes[..25].to_vec();
    let payload = vec![0xffu8; 64];
    b[13..21].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    b[21..25].copy_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    b.extend_from_slice(&payload);
    assert!(matches!(
        ModelBundle::from_bytes(&b, path),
        Err(BundleError::Corrupt { .. })
    ));
}

#[test]
fn interrupted_saves_leave_the_previous_model_intact() {
    // A corpus of about a million distinct terms makes a model file of tens of megabytes, so
    // writing it takes long enough to be caught: each attempt watches the model directory
    // and kills `train` the moment its temporary file is partly written. The model file
    // must then still be the previous, complete one.
    let dir = tempfile::TempDir::new().unwrap();
    let corpus = dir.path().join("many_terms.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&corpus).unwrap());
        writeln!(w, "text,topic").unwrap();
        let mut term = 0u32;
        for doc in 0..4000 {
            let words: Vec<String> = (0..250)
                .map(|_| {
                    term += 1;
                    format!("w{term:07x}")
                })
                .collect();
            writeln!(w, "{},c{}", words.join(" "), doc % 8).unwrap();
        }
    }
    let models = dir.path().join("models");
    let path = models.join("topic.model");
    let bin = env!("CARGO_BIN_EXE_textclf");
    let spawn = || {
        std::process::Command::new(bin)
            .args([
                "train",
                "--quiet",
                "--label",
                "topic",
                "--min-df",
                "1",
                "--max-features",
                "0",
            ])
            .args(["--classifier", "nb", "--data"])
            .arg(&corpus)
            .arg("--model-dir")
            .arg(&models)
            .spawn()
            .unwrap()
    };
    assert!(spawn().wait().unwrap().success());
    let original = std::fs::read(&path).unwrap();
    assert!(original.len() > 20_000_000, "{} bytes", original.len());
    let partly_written = |len: u64| len > 0 && len < original.len() as u64;

    let mut mid_write_kills = 0;
    for attempt in 0..8 {
        let mut child = spawn();
        let caught = loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "attempt {attempt}: train failed");
                break false;
            }
            let temp_len = std::fs::read_dir(&models)
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .find(|&len| partly_written(len));
            if temp_len.is_some() {
                child.kill().unwrap();
                child.wait().unwrap();
                break true;
            }
            std::thread::yield_now();
        };
        mid_write_kills += usize::from(caught);
        let bytes = std::fs::read(&path).unwrap();
        ModelBundle::from_bytes(&bytes, &path)
            .unwrap_or_else(|e| panic!("attempt {attempt} (killed: {caught}): {e}"));
        assert_eq!(bytes, original, "attempt {attempt}: the model file changed");
    }
    assert!(
        mid_write_kills > 0,
        "no attempt was killed while the model file was being written"
    );
    // Leftover temporary files are not models: `predict` still finds exactly one.
    let out = std::process::Command::new(bin)
        .args(["predict", "--model-dir"])
        .arg(&models)
        .arg(&corpus)
        .output()
        .unwrap();
    common::assert_success(&out);
}

#[test]
fn top_terms_list_each_term_only_on_the_side_its_weight_puts_it() {
    for kind in [ClassifierKind::Svm, ClassifierKind::Nb] {
        let bundle = sample_bundle(kind);
        // More terms than the vocabulary holds: every term of a sign is listed, no other.
        let n = bundle.vectorizer.vocabulary().len() + 1;
        for t in bundle.top_terms(n) {
            assert!(
                t.for_class.iter().all(|(_, w)| *w > 0.0),
                "{kind:?} {}",
                t.label
            );
            assert!(
                t.against_class.iter().all(|(_, w)| *w < 0.0),
                "{kind:?} {}",
                t.label
            );
            assert!(!t.for_class.is_empty() && !t.against_class.is_empty());
        }
    }
}
