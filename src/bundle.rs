//! The model file: everything `predict` needs to rebuild training-time features exactly
//! (analyzer settings, vocabulary and IDF, label names) and the fitted classifier.
//!
//! Layout (little-endian):
//! ```text
//! magic "TEXTCLF\x1a\n" (9 bytes) | format version u32 | payload length u64 | CRC-32 of payload u32 | payload
//! ```
//! The payload is a postcard-encoded [`ModelBundle`]. Loading checks every header field
//! against the file before decoding, so a truncated, corrupt, foreign or newer file is
//! refused with a clear message and nothing is allocated from a length the file cannot back.

use crate::features::TfidfVectorizer;
use crate::models::{Model, ModelSettings};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// First bytes of every model file; the 0x1a and newline catch text-mode mangling.
pub const MAGIC: &[u8; 9] = b"TEXTCLF\x1a\n";
/// The format this build writes and the only one it reads. v2 stores the vocabulary's
/// lookup table and every large array as raw little-endian bytes (v1 used serde's
/// element-by-element encoding, which cannot be read as v2). v3 has the same layout but
/// paired models compute 62 relation features instead of 50, so a v2 paired model would
/// be scored with columns it was not trained on: older files are refused with a clear
/// "train the model again" rather than a confusing feature-count mismatch.
pub const FORMAT_VERSION: u32 = 3;
const HEADER_LEN: usize = MAGIC.len() + 4 + 8 + 4;

/// How a model was trained: shown by `inspect`, and enough to reproduce the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Version of textclf that wrote the file.
    pub textclf_version: String,
    /// The corpus path as given on the command line.
    pub corpus: String,
    /// Documents the model was fitted on.
    pub documents: usize,
    /// Training documents per label, in label order.
    pub label_counts: Vec<usize>,
    /// The classifier's hyperparameters.
    pub settings: ModelSettings,
}

/// One task's model: the features, the classifier and the names of its classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelBundle {
    /// The label column this model predicts (e.g. `topic`), also the file's stem.
    pub task: String,
    /// Class names; class index `i` of the model is `labels[i]`.
    pub labels: Vec<String>,
    /// The fitted analyzer, vocabulary and IDF weights that turn a document into the
    /// model's feature row exactly as at training time.
    pub vectorizer: TfidfVectorizer,
    /// The fitted classifier.
    pub model: Model,
    /// How the model was trained.
    pub info: TrainingInfo,
    /// Set for a paired (text + `--pair-col`) model: the pair side of its features, whose
    /// columns follow the `vectorizer`'s.
    pub pair: Option<crate::features::paired::PairFeatures>,
}

/// The strongest terms of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassTerms {
    /// The class name.
    pub label: String,
    /// Terms with the most evidence for the class, with their weight, best first.
    pub for_class: Vec<(String, f32)>,
    /// Terms with the most evidence against it, strongest first.
    pub against_class: Vec<(String, f32)>,
}

/// Why a model file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The model file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file does not start with [`MAGIC`]: not a model file at all.
    #[error("{path}: not a textclf model file (wrong magic bytes)")]
    Foreign {
        /// The model file.
        path: PathBuf,
    },
    /// The file's format version is above [`FORMAT_VERSION`].
    #[error("{path}: model file format v{found} was written by a newer textclf; this build reads up to v{FORMAT_VERSION}")]
    NewerVersion {
        /// The model file.
        path: PathBuf,
        /// The format version in its header.
        found: u32,
    },
    /// The file's format version is below [`FORMAT_VERSION`]; the model must be retrained.
    #[error("{path}: model file format v{found} was written by an older textclf; this build reads v{FORMAT_VERSION}: train the model again")]
    OlderVersion {
        /// The model file.
        path: PathBuf,
        /// The format version in its header.
        found: u32,
    },
    /// The file is shorter than its header or than the payload length the header states.
    #[error("{path}: truncated model file: {detail}")]
    Truncated {
        /// The model file.
        path: PathBuf,
        /// What was missing.
        detail: String,
    },
    /// The file is complete but wrong: bad checksum, trailing bytes, an undecodable
    /// payload, or parts that disagree with each other.
    #[error("{path}: corrupt model file: {detail}")]
    Corrupt {
        /// The model file.
        path: PathBuf,
        /// Which check failed.
        detail: String,
    },
}

impl ModelBundle {
    /// Checks the parts agree with each other; a decoded file that fails this is corrupt.
    fn validate(&self) -> Result<(), String> {
        if self.labels.len() != self.model.n_classes() {
            return Err(format!(
                "{} label names for a model of {} classes",
                self.labels.len(),
                self.model.n_classes()
            ));
        }
        let n_features =
            self.vectorizer.vocabulary().len() + self.pair.as_ref().map_or(0, |p| p.n_features());
        if n_features != self.model.n_features() {
            return Err(format!(
                "vocabulary of {} terms for a model of {} features",
                n_features,
                self.model.n_features()
            ));
        }
        Ok(())
    }

    /// Serialises to the file format (header + payload).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode().0
    }

    /// [`ModelBundle::to_bytes`] with the CRC-32 of the whole file. The payload is encoded
    /// straight after a placeholder header in one buffer, whose length and checksum fields
    /// are then filled in: no second copy of a payload of several MB. The file's CRC is
    /// derived from the payload's (`combine`), without a second pass over the bytes.
    fn encode(&self) -> (Vec<u8>, u32) {
        let header = vec![0u8; HEADER_LEN];
        let mut out = postcard::to_extend(self, header).expect("serialising to memory cannot fail");
        let payload_len = (out.len() - HEADER_LEN) as u64;
        let mut payload_crc = crc32fast::Hasher::new();
        payload_crc.update(&out[HEADER_LEN..]);
        let mut at = 0;
        for field in [
            &MAGIC[..],
            &FORMAT_VERSION.to_le_bytes(),
            &payload_len.to_le_bytes(),
            &payload_crc.clone().finalize().to_le_bytes(),
        ] {
            out[at..at + field.len()].copy_from_slice(field);
            at += field.len();
        }
        let mut file_crc = crc32fast::Hasher::new();
        file_crc.update(&out[..HEADER_LEN]);
        file_crc.combine(&payload_crc);
        (out, file_crc.finalize())
    }

    /// Parses the file format; `path` only names the source in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, BundleError> {
        let path = path.to_path_buf();
        let truncated = |detail: String| BundleError::Truncated {
            path: path.clone(),
            detail,
        };
        let corrupt = |detail: String| BundleError::Corrupt {
            path: path.clone(),
            detail,
        };
        if bytes.len() < MAGIC.len() {
            if MAGIC.starts_with(bytes) && !bytes.is_empty() {
                return Err(truncated(format!(
                    "{} bytes, shorter than the header",
                    bytes.len()
                )));
            }
            return Err(BundleError::Foreign { path });
        }
        if &bytes[..MAGIC.len()] != MAGIC {
            return Err(BundleError::Foreign { path });
        }
        if bytes.len() < HEADER_LEN {
            return Err(truncated(format!(
                "{} bytes, shorter than the {HEADER_LEN}-byte header",
                bytes.len()
            )));
        }
        let mut at = MAGIC.len();
        let mut take = |n: usize| {
            let s = &bytes[at..at + n];
            at += n;
            s
        };
        let version = u32::from_le_bytes(take(4).try_into().unwrap());
        let payload_len = u64::from_le_bytes(take(8).try_into().unwrap());
        let crc = u32::from_le_bytes(take(4).try_into().unwrap());
        if version > FORMAT_VERSION {
            return Err(BundleError::NewerVersion {
                path,
                found: version,
            });
        }
        if version == 0 {
            return Err(corrupt("format version 0".into()));
        }
        if version < FORMAT_VERSION {
            return Err(BundleError::OlderVersion {
                path,
                found: version,
            });
        }
        let available = (bytes.len() - HEADER_LEN) as u64;
        if payload_len > available {
            return Err(truncated(format!(
                "header promises {payload_len} payload bytes, file holds {available}"
            )));
        }
        if payload_len < available {
            return Err(corrupt(format!(
                "{} bytes after the {payload_len}-byte payload",
                available - payload_len
            )));
        }
        let payload = &bytes[HEADER_LEN..];
        let actual = crc32fast::hash(payload);
        if actual != crc {
            return Err(corrupt(format!(
                "checksum mismatch (stored {crc:08x}, computed {actual:08x})"
            )));
        }
        let bundle: ModelBundle = postcard::from_bytes(payload)
            .map_err(|e| corrupt(format!("cannot decode payload: {e}")))?;
        bundle.validate().map_err(corrupt)?;
        Ok(bundle)
    }

    /// Writes the file atomically ([`write_atomically`]), so an interrupted save leaves any
    /// previous model intact. Returns the CRC-32 of the whole file as written (what the
    /// training record keeps), computed from the bytes in memory rather than read back.
    pub fn save(&self, path: &Path) -> Result<u32, BundleError> {
        let (bytes, crc) = self.encode();
        write_atomically(path, &bytes).map_err(|source| BundleError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(crc)
    }

    /// Reads and checks a model file.
    pub fn load(path: &Path) -> Result<Self, BundleError> {
        let io = |source| BundleError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // Mapping instead of reading halves the memory a cold start touches (the page cache
        // is used in place, with no second copy of the file on the heap): a third of
        // `predict`'s start-up time on a 20 Newsgroups model. textclf itself never changes
        // a model file in place (`write_atomically` renames a new file over it), so the
        // mapped bytes stay as they were checked. Where mapping is not possible (an empty
        // file, a pipe, some network file systems) the file is read instead.
        // SAFETY: the map is read-only and dropped before `load` returns; another program
        // truncating the file in place while it is being decoded is the one way to break
        // this, as with any memory-mapped reader.
        match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => Self::from_bytes(&map, path),
            Err(_) => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(io)?;
                Self::from_bytes(&bytes, path)
            }
        }
    }

    /// The `n` terms with the most evidence for each class (and the `n` with the most
    /// against it), best first, each only on the side its sign puts it: what `inspect`
    /// shows.
    pub fn top_terms(&self, n: usize) -> Vec<ClassTerms> {
        let evidence = self.model.feature_evidence();
        evidence
            .rows()
            .into_iter()
            .zip(&self.labels)
            .map(|(row, label)| {
                let mut order: Vec<usize> = (0..row.len()).collect();
                // Ties broken by term order, so the listing is deterministic.
                order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
                let pick = |it: &mut dyn Iterator<Item = &usize>| -> Vec<(String, f32)> {
                    it.take(n)
                        .map(|&j| (self.feature_name(j), row[j]))
                        .collect()
                };
                // A term is listed on its side only: with fewer than `n` terms of a sign,
                // the list is shorter rather than padded with the other side's weakest.
                ClassTerms {
                    label: label.clone(),
                    for_class: pick(&mut order.iter().take_while(|&&j| row[j] > 0.0)),
                    against_class: pick(&mut order.iter().rev().take_while(|&&j| row[j] < 0.0)),
                }
            })
            .collect()
    }

    /// The name of feature column `j`: a body term, or for a paired model a pair-side
    /// column (`pair:TERM`, `rel:NAME`).
    pub fn feature_name(&self, j: usize) -> String {
        let vocab = self.vectorizer.vocabulary();
        match &self.pair {
            Some(p) if j >= vocab.len() => p.feature_name(j - vocab.len()),
            _ => vocab[j].to_owned(),
        }
    }

    /// The training label counts by name, for summaries.
    pub fn label_counts(&self) -> BTreeMap<&str, usize> {
        self.labels
            .iter()
            .map(String::as_str)
            .zip(self.info.label_counts.iter().copied())
            .collect()
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory (created with
/// its parents if needed), synced and then renamed over `path`: readers see the old file
/// or the new one, never a part. The file is readable by all (0644), like any output.
/// A symlink to a file is followed (its target is replaced, the link kept), and a device,
/// FIFO or socket (`/dev/stdout`, a named pipe) is written into: see [`OutputTarget`].
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = match OutputTarget::of(path)? {
        OutputTarget::Stream => {
            return std::fs::OpenOptions::new()
                .write(true)
                .open(path)?
                .write_all(bytes);
        }
        OutputTarget::File(p) => p,
    };
    let dir = folder_of(&path);
    create_folder(dir)?;
    let mut tmp = temp_file_in(dir)?;
    // Temporary files are private (0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&path).map_err(|e| e.error)?;
    Ok(())
}

/// What writing an output path means. Renaming a new file over a device or FIFO would
/// replace the node itself (as root: `--json /dev/stdout` left a regular file in place of
/// the link, `/dev/full` a file in place of the device) or fail for want of permission in
/// its folder; renaming over a symlink would replace the link with a file.
enum OutputTarget {
    /// Not a file (a device, FIFO or socket, through links): written into, as a shell
    /// redirection would; there is nothing to replace atomically.
    Stream,
    /// A file, new or existing, written atomically: the path itself, or a symlink's target.
    File(PathBuf),
}

impl OutputTarget {
    /// What `path` is now: metadata through links says whether it is a file at all.
    fn of(path: &Path) -> std::io::Result<Self> {
        match std::fs::metadata(path) {
            Ok(m) if !m.is_file() && !m.is_dir() => Ok(OutputTarget::Stream),
            Ok(m) if m.is_file() && path.symlink_metadata()?.file_type().is_symlink() => {
                Ok(OutputTarget::File(std::fs::canonicalize(path)?))
            }
            // Missing, a dangling link, or a folder (whose error comes from the rename).
            _ => Ok(OutputTarget::File(path.to_path_buf())),
        }
    }
}

/// The folder a file at `path` goes in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Checks, without writing it, that [`write_atomically`] could write `path`: its folder is
/// created if needed and must take files (nothing to check for a device or FIFO).
pub fn check_writable_path(path: &Path) -> std::io::Result<()> {
    match OutputTarget::of(path)? {
        OutputTarget::Stream => Ok(()),
        OutputTarget::File(p) => check_writable_folder(folder_of(&p)),
    }
}

/// Creates folder `dir` if needed and checks that files can be written into it (by
/// creating and removing a temporary file), so that a command can refuse an output folder
/// before its work rather than fail to save the result after it.
pub fn check_writable_folder(dir: &Path) -> std::io::Result<()> {
    create_folder(dir)?;
    temp_file_in(dir)?.close()
}

/// `create_dir_all`, with an error that names the cause when `dir` is a file.
fn create_folder(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        // The bare error ("File exists") would name the file to be written, not the cause.
        if dir.exists() && !dir.is_dir() {
            std::io::Error::new(e.kind(), format!("{} is not a folder", dir.display()))
        } else {
            e
        }
    })
}

/// A new hidden temporary file in `dir`, removed unless persisted.
fn temp_file_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".textclf-")
        .suffix(".tmp")
        .tempfile_in(dir)
}

/// The model files in `dir` (`*.model`), sorted by name. A dangling symlink is listed
/// too, so that loading it names it, rather than it being passed over in silence.
pub fn model_files(dir: &Path) -> Result<Vec<PathBuf>, BundleError> {
    let io = |source| BundleError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let dangling = |p: &Path| p.symlink_metadata().is_ok() && p.metadata().is_err();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "model") && (p.is_file() || dangling(p)))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Document;
    use crate::features::TfidfParams;
    use crate::models::ClassifierKind;
    use crate::pipeline::{train, LabelledTask};

    fn small_bundle() -> ModelBundle {
        let docs: Vec<Document> = [
            ("goal match team", "sport"),
            ("match referee goal", "sport"),
            ("rates bank lenders", "money"),
            ("bank rates rose", "money"),
        ]
        .iter()
        .map(|(text, label)| Document {
            id: String::new(),
            text: (*text).into(),
            pair: None,
            labels: vec![Some((*label).into())],
            group: None,
        })
        .collect();
        let task = LabelledTask::from_documents(&docs, 0, "topic").unwrap();
        let (mut bundles, _) = train(
            &docs,
            &[task],
            Default::default(),
            &TfidfParams::default(),
            &[ModelSettings::new(ClassifierKind::Svm)],
            "t",
        )
        .unwrap();
        bundles.pop().unwrap()
    }

    #[test]
    fn header_fields_describe_the_payload() {
        let bytes = small_bundle().to_bytes();
        let payload = &bytes[HEADER_LEN..];
        assert_eq!(&bytes[..MAGIC.len()], MAGIC);
        let field = |at: usize, n: usize| &bytes[MAGIC.len() + at..MAGIC.len() + at + n];
        assert_eq!(field(0, 4), FORMAT_VERSION.to_le_bytes());
        assert_eq!(field(4, 8), (payload.len() as u64).to_le_bytes());
        assert_eq!(field(12, 4), crc32fast::hash(payload).to_le_bytes());
        assert_eq!(payload, postcard::to_stdvec(&small_bundle()).unwrap());
    }

    #[test]
    fn save_returns_the_crc_of_the_file_it_wrote() {
        let bundle = small_bundle();
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("topic.model");
        let crc = bundle.save(&path).unwrap();
        let written = std::fs::read(&path).unwrap();
        assert_eq!(crc, crc32fast::hash(&written));
        assert_eq!(written, bundle.to_bytes());
    }
}
