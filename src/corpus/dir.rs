//! Directory corpora: one sub-folder per class, one file per document, walked in
//! sorted byte order so every run sees the same sequence.
//!
//! A folder corpus is thousands of small files (20 Newsgroups: 11,314 of 2 KB on average),
//! so the cost per file matters more than the bytes: the walk takes each entry's type from
//! the directory listing (no `stat` per file), ids and classes are built once during the
//! walk, and each file is read with open + read + close into a reused buffer (no size
//! query and no allocation per file), then copied once into its text.
//!
//! Reading (open, read, close, UTF-8 check, copy: about a third of the CPU of analysing
//! the text) runs on the rayon pool, in chunks of consecutive files handed out a few
//! chunks ahead of the consumer, so it no longer sits on the consumer's thread, which
//! also merges the analysed batches. Documents, errors and counts still come out in walk
//! order, exactly as a one-by-one read gives them.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::source::{decode_lenient, normalize_newlines, strip_bom};
use super::{CorpusError, Document, ReadOptions, ReadSummary};

/// How deep sub-folders are followed: a guard against symlink cycles.
const MAX_DEPTH: usize = 64;
/// Initial size of the read buffer: larger than almost every document of a folder corpus,
/// so a file is usually read by one `read` plus the one that sees its end.
const READ_BUF: usize = 64 << 10;
/// A read buffer grown past this (by an unusually large file) is given back afterwards,
/// so one huge document does not pin its size for the rest of the walk.
const READ_BUF_KEEP: usize = 4 << 20;
/// Files per reading task: ~0.5 ms of open + read + decode for 20 Newsgroups' 2 KB
/// posts, enough to amortise handing the task over, small enough that the first texts
/// arrive early.
const READ_CHUNK: usize = 64;
/// Reading tasks queued ahead of the consumer: keeps the pool's threads supplied while
/// bounding what is read but not yet consumed (a few hundred files).
const READ_AHEAD: usize = 6;

/// One file of the corpus, with what its document needs besides the text.
struct DirFile {
    path: PathBuf,
    /// The path below the root, components joined by `/` (lossily decoded).
    id: String,
    /// The top-level folder the file is in, `None` for a file directly in the root.
    class: Option<String>,
}

/// What one file of the walk gives the stream, in walk order.
enum FileOutcome {
    /// A file without a class when labels are required (a README beside the folders).
    Unlabelled,
    /// The document (and whether it needed Latin-1), or why the file could not be read.
    Read(Result<(Document, bool), CorpusError>),
}

/// A chunk of consecutive files, read by whichever thread gets to it first: a pool
/// thread ahead of the consumer, or the consumer itself when no pool thread has started
/// it yet (so the consumer never waits for a task stuck behind other work in the pool,
/// and never blocks a pool thread on a task that only the pool could run).
struct ReadTask {
    state: Mutex<TaskState>,
    /// Signalled when a pool thread has read the files.
    ready: Condvar,
}

/// Where a [`ReadTask`] stands.
enum TaskState {
    /// Nobody has started on the files.
    Unread(Vec<DirFile>),
    /// A pool thread is reading them.
    Reading,
    /// A pool thread has read them; the consumer has not taken the outcomes yet.
    Read(Vec<FileOutcome>),
    /// The consumer has the outcomes (or is reading the files itself).
    Taken,
}

/// What every file read needs to know besides the file.
#[derive(Clone, Copy)]
struct ReadSpec {
    /// Number of requested label columns; the folder name goes in the first.
    n_labels: usize,
    require_labels: bool,
}

/// A directory corpus, as the list of its files (paths only: contents are read a chunk
/// at a time, on the rayon pool, a few chunks ahead of the consumer).
pub(crate) struct DirWalker {
    /// Files not handed to a reading task yet, in reading order, in chunks.
    unread: VecDeque<Vec<DirFile>>,
    /// Reading tasks handed out, in order.
    pending: VecDeque<Arc<ReadTask>>,
    /// Outcomes of the chunk being consumed, reversed so `pop` yields the next.
    current: Vec<FileOutcome>,
    /// Files whose outcome has not been consumed yet.
    left: usize,
    spec: ReadSpec,
}

impl DirWalker {
    /// Lists the files under `root` (hidden files and folders skipped).
    pub(crate) fn new(root: &Path, opts: &ReadOptions) -> Result<Self, CorpusError> {
        let mut files = Vec::new();
        walk(root, None, 0, &mut files)?;
        let left = files.len();
        let mut unread = VecDeque::with_capacity(left.div_ceil(READ_CHUNK));
        let mut files = files.into_iter().peekable();
        while files.peek().is_some() {
            unread.push_back(files.by_ref().take(READ_CHUNK).collect());
        }
        Ok(DirWalker {
            unread,
            pending: VecDeque::new(),
            current: Vec::new(),
            left,
            spec: ReadSpec {
                n_labels: opts.label_cols.len(),
                require_labels: opts.require_labels,
            },
        })
    }

    /// Files not read yet (each gives at most one document or error).
    pub(crate) fn files_left(&self) -> usize {
        self.left
    }

    /// Reads the next file as a document (and whether it needed Latin-1).
    pub(crate) fn next_doc(
        &mut self,
        summary: &mut ReadSummary,
    ) -> Option<Result<(Document, bool), CorpusError>> {
        loop {
            let outcome = match self.current.pop() {
                Some(o) => o,
                None => {
                    self.current = self.next_chunk()?;
                    self.current.reverse();
                    continue;
                }
            };
            self.left -= 1;
            match outcome {
                FileOutcome::Unlabelled => summary.unlabelled_skipped += 1,
                FileOutcome::Read(r) => return Some(r),
            }
        }
    }

    /// The outcomes of the next chunk of files, after topping up the reading tasks
    /// queued ahead; `None` when every file has been read.
    fn next_chunk(&mut self) -> Option<Vec<FileOutcome>> {
        while self.pending.len() <= READ_AHEAD {
            let Some(files) = self.unread.pop_front() else {
                break;
            };
            let task = Arc::new(ReadTask {
                state: Mutex::new(TaskState::Unread(files)),
                ready: Condvar::new(),
            });
            let (worker, spec) = (Arc::clone(&task), self.spec);
            rayon::spawn(move || worker.run(spec));
            self.pending.push_back(task);
        }
        let task = self.pending.pop_front()?;
        Some(task.take_outcomes(self.spec))
    }
}

impl ReadTask {
    /// On a pool thread: reads the files unless the consumer already took them.
    fn run(&self, spec: ReadSpec) {
        let files = {
            let mut state = lock(&self.state);
            match std::mem::replace(&mut *state, TaskState::Reading) {
                TaskState::Unread(files) => files,
                other => {
                    *state = other;
                    return;
                }
            }
        };
        let outcomes = read_chunk(files, spec);
        *lock(&self.state) = TaskState::Read(outcomes);
        self.ready.notify_one();
    }

    /// For the consumer: reads the files itself if no pool thread has started on them,
    /// else waits for the thread that did.
    fn take_outcomes(&self, spec: ReadSpec) -> Vec<FileOutcome> {
        let mut state = lock(&self.state);
        loop {
            match std::mem::replace(&mut *state, TaskState::Taken) {
                TaskState::Unread(files) => {
                    drop(state);
                    return read_chunk(files, spec);
                }
                TaskState::Read(outcomes) => return outcomes,
                TaskState::Reading => {
                    *state = TaskState::Reading;
                    state = self
                        .ready
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                TaskState::Taken => unreachable!("a reading task's outcomes are taken once"),
            }
        }
    }
}

/// Locks `m`; a panic elsewhere while holding it leaves plain data, still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

thread_local! {
    /// Each reading thread's buffer, kept between chunks: no allocation or clearing of
    /// [`READ_BUF`] bytes per chunk.
    static THREAD_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Reads a chunk of files in order, into the thread's reused buffer.
fn read_chunk(files: Vec<DirFile>, spec: ReadSpec) -> Vec<FileOutcome> {
    THREAD_BUF.with_borrow_mut(|buf| {
        files
            .into_iter()
            .map(|file| {
                // A file beside the class folders has no class: a README, or a flat folder.
                if file.class.is_none() && spec.require_labels {
                    FileOutcome::Unlabelled
                } else {
                    FileOutcome::Read(read_doc(file, spec.n_labels, buf))
                }
            })
            .collect()
    })
}

/// Reads one file as a document (and whether it needed Latin-1), using `buf` for the
/// bytes.
fn read_doc(
    file: DirFile,
    n_labels: usize,
    buf: &mut Vec<u8>,
) -> Result<(Document, bool), CorpusError> {
    let len = match read_file(&file.path, buf) {
        Ok(n) => n,
        Err(e) => {
            return Err(CorpusError::BadRecord {
                path: file.path,
                line: 0,
                message: format!("cannot read the file: {e}"),
            })
        }
    };
    let (text, latin1) = decode_lenient(strip_bom(&buf[..len]));
    if buf.len() > READ_BUF_KEEP {
        *buf = Vec::new();
    }
    let mut labels = vec![None; n_labels];
    if let Some(first) = labels.first_mut() {
        *first = file.class;
    }
    let doc = Document {
        id: file.id,
        text: normalize_newlines(text),
        pair: None,
        labels,
        group: None,
    };
    Ok((doc, latin1))
}

/// Reads the whole file at `path` into the front of `buf` (grown as needed, never
/// shrunk here) and returns its length.
fn read_file(path: &Path, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut file = File::open(path)?;
    if buf.len() < READ_BUF {
        buf.resize(READ_BUF, 0);
    }
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(2 * len, 0);
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => return Ok(len),
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Collects the files under `dir` depth-first, each folder's entries in byte order.
/// `rel` is `dir`'s path below the root (`None` for the root itself).
fn walk(
    dir: &Path,
    rel: Option<&str>,
    depth: usize,
    out: &mut Vec<DirFile>,
) -> Result<(), CorpusError> {
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
        let path = entry.path();
        // The listing's own type, without a `stat` per file; a symlink is followed (an
        // entry whose target is unreadable counts as a file and fails at reading time).
        let is_dir = match entry.file_type() {
            Ok(t) if !t.is_symlink() => t.is_dir(),
            _ => path.is_dir(),
        };
        entries.push((name, path, is_dir));
    }
    // OsString orders by bytes on Unix: the same order on every machine and locale.
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (name, path, is_dir) in entries {
        let name = name.to_string_lossy();
        let id = match rel {
            Some(r) => format!("{r}/{name}"),
            None => name.into_owned(),
        };
        if is_dir {
            walk(&path, Some(&id), depth + 1, out)?;
        } else {
            // The class is the first component of the id, when there are two or more.
            let class = id.split_once('/').map(|(top, _)| top.to_owned());
            out.push(DirFile { path, id, class });
        }
    }
    Ok(())
}
