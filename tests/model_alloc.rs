//! A model file cannot make the loader allocate much more than the file itself: every
//! length inside the payload is forged in turn (with a valid checksum, so decoding really
//! runs) and the peak heap use of each load is measured with a counting allocator.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use textclf::bundle::ModelBundle;
use textclf::corpus::{read_corpus, ReadOptions};
use textclf::features::TfidfParams;
use textclf::models::{ClassifierKind, ModelSettings};
use textclf::pipeline::{train, LabelledTask};
use textclf::text::AnalyzerConfig;

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(live, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            if new_size >= layout.size() {
                let live =
                    LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
                PEAK.fetch_max(live, Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak bytes allocated (above what was live before) while loading `bytes`.
fn peak_while_loading(bytes: &[u8]) -> usize {
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let _ = std::hint::black_box(ModelBundle::from_bytes(bytes, Path::new("m.model")));
    PEAK.load(Relaxed) - before
}

/// The file with `payload`, and a header whose length and checksum match it.
fn file_with_payload(header: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut b = header[..25].to_vec();
    b[13..21].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    b[21..25].copy_from_slice(&crc32fast::hash(payload).to_le_bytes());
    b.extend_from_slice(payload);
    b
}

#[test]
fn forged_lengths_never_allocate_more_than_twice_the_file() {
    let opts = ReadOptions {
        text_cols: vec!["title".into(), "text".into()],
        label_cols: vec!["topic".into()],
        require_labels: true,
        ..ReadOptions::default()
    };
    let (docs, _) = read_corpus(&common::sample_corpus(), &opts).unwrap();
    // A few dozen articles keep the file small enough to forge every byte of it.
    let docs: Vec<_> = docs.into_iter().step_by(8).collect();
    let task = LabelledTask::from_documents(&docs, 0, "topic").unwrap();
    let (mut bundles, _) = train(
        &docs,
        &[task],
        AnalyzerConfig::default(),
        &TfidfParams {
            min_df: textclf::features::DfLimit::Count(2),
            ..TfidfParams::default()
        },
        &[ModelSettings::new(ClassifierKind::Svm)],
        "sample",
    )
    .unwrap();
    let bytes = bundles.pop().unwrap().to_bytes();
    let payload = &bytes[25..];
    let honest = peak_while_loading(&bytes);

    // Large arrays are byte strings checked against the bytes present before they are
    // copied, and serde caps what it preallocates for other sequences, so a loader never
    // holds much more than the decoded file.
    let limit = 2 * bytes.len();
    assert!(honest <= limit, "an honest load allocates {honest} bytes");
    let huge_varint = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    let mut worst = (0, 0);
    for at in 0..payload.len() {
        for forged in [&huge_varint[..], &[0xff, 0xff, 0xff, 0x0f][..]] {
            let mut p = payload.to_vec();
            let end = (at + forged.len()).min(p.len());
            p[at..end].copy_from_slice(&forged[..end - at]);
            let file = file_with_payload(&bytes, &p);
            let peak = peak_while_loading(&file);
            if peak > worst.0 {
                worst = (peak, at);
            }
        }
    }
    eprintln!(
        "model file {} bytes; honest load peaks at {honest} bytes, worst forged load at {} bytes (offset {})",
        bytes.len(),
        worst.0,
        worst.1
    );
    assert!(
        worst.0 <= limit,
        "a forged length at payload offset {} made the loader allocate {} bytes (limit {limit})",
        worst.1,
        worst.0
    );
}
