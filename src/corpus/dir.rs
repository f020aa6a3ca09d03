//! Directory corpora: one sub-folder per class, one file per document, walked in
//! sorted byte order so every run sees the same sequence.

use std::path::{Path, PathBuf};

use super::source::{decode_lenient, normalize_newlines, strip_bom};
use super::{CorpusError, Document, ReadOptions, ReadSummary};

/// How deep sub-folders are followed: a guard against symlink cycles.
const MAX_DEPTH: usize = 64;

/// A directory corpus, as the list of its files (paths only: contents are read one at a
/// time).
pub(crate) struct DirWalker {
    root: PathBuf,
    /// Files in reading order, reversed so `pop` yields the next.
    files: Vec<PathBuf>,
    /// Number of requested label columns; the folder name goes in the first.
    n_labels: usize,
    require_labels: bool,
}

impl DirWalker {
    /// Lists the files under `root` (hidden files and folders skipped).
    pub(crate) fn new(root: &Path, opts: &ReadOptions) -> Result<Self, CorpusError> {
        let mut files = Vec::new();
        walk(root, 0, &mut files)?;
        files.reverse();
        Ok(DirWalker {
            root: root.to_path_buf(),
            files,
            n_labels: opts.label_cols.len(),
            require_labels: opts.require_labels,
        })
    }

    /// Reads the next file as a document (and whether it needed Latin-1).
    pub(crate) fn next_doc(
        &mut self,
        summary: &mut ReadSummary,
    ) -> Option<Result<(Document, bool), CorpusError>> {
        loop {
            let file = self.files.pop()?;
            let rel = file.strip_prefix(&self.root).unwrap_or(&file);
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            // A file beside the class folders has no class: a README, or a flat folder.
            let class = if parts.len() > 1 {
                Some(parts[0].clone())
            } else {
                None
            };
            if class.is_none() && self.require_labels {
                summary.unlabelled_skipped += 1;
                continue;
            }
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => {
                    return Some(Err(CorpusError::BadRecord {
                        path: file,
                        line: 0,
                        message: format!("cannot read the file: {e}"),
                    }))
                }
            };
            let (text, latin1) = decode_lenient(strip_bom(&bytes));
            let mut labels = vec![None; self.n_labels];
            if let Some(first) = labels.first_mut() {
                *first = class;
            }
            let doc = Document {
                id: parts.join("/"),
                text: normalize_newlines(text),
                pair: None,
                labels,
                group: None,
            };
            return Some(Ok((doc, latin1)));
        }
    }
}

/// Collects the files under `dir` depth-first, each folder's entries in byte order.
fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), CorpusError> {
    let io_err = |source| CorpusError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if depth > MAX_DEPTH {
        return Err(CorpusError::Invalid {
            path: dir.to_path_buf(),
            message: format!("folders nested deeper than {MAX_DEPTH} levels (a symlink loop?)"),
        });
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        entries.push((name, entry.path()));
    }
    // OsString orders by bytes on Unix: the same order on every machine and locale.
    entries.sort();
    for (_, path) in entries {
        // Follows symlinks; an entry whose target is unreadable is left to reading time.
        if path.is_dir() {
            walk(&path, depth + 1, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
