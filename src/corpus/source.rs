//! Byte sources: a plain or gzip-compressed file as a `BufRead`, with the UTF-8 BOM
//! removed, plus the lenient text decoding every reader shares.
//!
//! Gzip is inflated on a separate thread and handed over in large chunks through a
//! bounded channel: inflating and parsing then run on two cores, and memory stays bounded
//! (at most `QUEUE` chunks in flight) whatever the file size. Every member of a
//! multi-member file is inflated in turn, and zero padding after the last one is accepted
//! with a warning, as `gzip -d` does ([`GzMembers`]).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use flate2::bufread::GzDecoder;

use super::CorpusError;

/// Size of one decompressed chunk handed from the inflating thread to the parser.
const CHUNK: usize = 1 << 18;
/// Chunks that may wait in the channel: enough to smooth out speed differences,
/// small enough to keep memory at a few MB.
const QUEUE: usize = 8;
/// The first bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// An opened corpus file, ready to read.
pub(crate) struct ByteSource {
    pub reader: Box<dyn BufRead + Send>,
    /// Whether the bytes are being inflated (so a read error likely means truncation).
    pub gzip: bool,
    /// What was accepted in the file but deserves a word to the user; complete once
    /// `reader` has reached the end.
    pub warnings: Warnings,
}

/// Warnings about a file that was read anyway (zero padding after its gzip data), shared
/// between the thread that inflates the file and the reader that reports them.
#[derive(Clone, Default)]
pub(crate) struct Warnings(Arc<Mutex<Vec<String>>>);

impl Warnings {
    fn push(&self, warning: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(warning);
    }

    /// The warnings so far, leaving none behind (so each is reported once).
    pub(crate) fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Opens `path`, inflating it when it is gzip (by its magic bytes, whatever its name)
/// and skipping a leading UTF-8 BOM.
pub(crate) fn open_bytes(path: &Path) -> Result<ByteSource, CorpusError> {
    let io_err = |source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut plain = BufReader::with_capacity(CHUNK, file);
    let is_gzip = {
        let head = plain.fill_buf().map_err(io_err)?;
        head.len() >= 2 && head[..2] == GZIP_MAGIC
    };
    let has_gz_suffix = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(".gz"))
        .unwrap_or(false);
    if has_gz_suffix && !is_gzip {
        return Err(CorpusError::Invalid {
            path: path.to_path_buf(),
            message: "the name ends in .gz but the file is not gzip data".into(),
        });
    }
    let warnings = Warnings::default();
    let mut reader: Box<dyn BufRead + Send> = if is_gzip {
        let members = GzMembers::new(plain, path, warnings.clone());
        Box::new(ChunkReader::spawn(members))
    } else {
        Box::new(plain)
    };
    // Skip a BOM: every format here starts with a header or a record, never with U+FEFF.
    let head = reader
        .fill_buf()
        .map_err(|e| read_error(path, is_gzip, 1, 0, e))?;
    if head.starts_with(UTF8_BOM) {
        reader.consume(UTF8_BOM.len());
    }
    Ok(ByteSource {
        reader,
        gzip: is_gzip,
        warnings,
    })
}

/// The error for a read that failed part-way, naming where reading stopped.
pub(crate) fn read_error(
    path: &Path,
    gzip: bool,
    line: u64,
    records: u64,
    e: io::Error,
) -> CorpusError {
    // Bytes after the gzip data say so themselves: the data before them was whole.
    if e.get_ref().is_some_and(|inner| inner.is::<TrailingBytes>()) {
        return CorpusError::Invalid {
            path: path.to_path_buf(),
            message: format!("{e} (after {records} records)"),
        };
    }
    let what = if gzip {
        "gzip data is truncated or corrupt"
    } else {
        "read failed"
    };
    CorpusError::Invalid {
        path: path.to_path_buf(),
        message: format!("{what} at line {line}, after {records} records: {e}"),
    }
}

/// Inflates every gzip member of a file in turn (as `gzip -d` does), then accepts zero
/// bytes after the last one (tar, and tools that pad a file to a block size, leave them)
/// with a warning naming the file; any other bytes after it are a [`TrailingBytes`]
/// error. flate2's `MultiGzDecoder` takes such padding for a broken member header.
struct GzMembers<R> {
    /// The member being inflated; `None` once the data has ended (or failed).
    member: Option<GzDecoder<Counted<R>>>,
    path: PathBuf,
    warnings: Warnings,
}

/// Bytes after the last gzip member that are neither another member nor zero padding.
#[derive(Debug, thiserror::Error)]
#[error(
    "unexpected bytes at byte offset {offset}, after the end of the gzip data: neither \
     another gzip member nor zero padding"
)]
struct TrailingBytes {
    /// Where the unexpected bytes start, from the start of the file.
    offset: u64,
}

impl<R: BufRead> GzMembers<R> {
    fn new(reader: R, path: &Path, warnings: Warnings) -> Self {
        let counted = Counted {
            inner: reader,
            consumed: 0,
        };
        GzMembers {
            member: Some(GzDecoder::new(counted)),
            path: path.to_path_buf(),
            warnings,
        }
    }

    /// What follows a member in `rest`: the next member, or the end of the data (`None`)
    /// at the end of the file or after zero padding (warned about).
    fn after_member(&self, mut rest: Counted<R>) -> io::Result<Option<GzDecoder<Counted<R>>>> {
        let end = rest.consumed;
        let mut zeros = 0u64;
        loop {
            let buf = rest.fill_buf()?;
            let (len, n) = (buf.len(), buf.iter().take_while(|&&b| b == 0).count());
            if len == 0 {
                break;
            }
            if n < len {
                if zeros == 0 && n == 0 && buf[0] == GZIP_MAGIC[0] {
                    return Ok(Some(GzDecoder::new(rest)));
                }
                let offset = end + zeros + n as u64;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    TrailingBytes { offset },
                ));
            }
            rest.consume(n);
            zeros += n as u64;
        }
        if zeros > 0 {
            self.warnings.push(format!(
                "{}: {zeros} zero bytes after the end of the gzip data (padding) ignored",
                self.path.display()
            ));
        }
        Ok(None)
    }
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while let Some(member) = self.member.as_mut() {
            let n = member.read(out)?;
            if n > 0 || out.is_empty() {
                return Ok(n);
            }
            // The member ended (its checksum verified): look at what follows it.
            let rest = self.member.take().map(GzDecoder::into_inner);
            if let Some(rest) = rest {
                self.member = self.after_member(rest)?;
            }
        }
        Ok(0)
    }
}

/// A reader that counts the bytes taken from it: where a gzip member ended, in a file
/// that cannot seek (a pipe) as well.
struct Counted<R> {
    inner: R,
    consumed: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

/// A `BufRead` over chunks produced by a background thread.
///
/// Spent chunks go back to the thread through a second channel, so it refills them
/// instead of allocating and zeroing a fresh 256 KiB buffer for every chunk.
struct ChunkReader {
    rx: Option<Receiver<io::Result<Vec<u8>>>>,
    spent: Option<SyncSender<Vec<u8>>>,
    cur: Vec<u8>,
    pos: usize,
    done: bool,
    worker: Option<JoinHandle<()>>,
}

impl ChunkReader {
    fn spawn<R: Read + Send + 'static>(mut inner: R) -> Self {
        let (tx, rx) = sync_channel::<io::Result<Vec<u8>>>(QUEUE);
        let (spent_tx, spent_rx) = sync_channel::<Vec<u8>>(QUEUE + 2);
        let worker = std::thread::Builder::new()
            .name("textclf-inflate".into())
            .spawn(move || loop {
                // A full chunk comes back with its length intact: `resize` writes nothing.
                let mut buf = spent_rx.try_recv().unwrap_or_default();
                buf.resize(CHUNK, 0);
                let mut filled = 0;
                let mut failure = None;
                while filled < CHUNK {
                    match inner.read(&mut buf[filled..]) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
                let at_end = filled < CHUNK;
                if filled > 0 {
                    buf.truncate(filled);
                    if tx.send(Ok(buf)).is_err() {
                        return; // the reader was dropped: stop inflating
                    }
                }
                if let Some(e) = failure {
                    let _ = tx.send(Err(e));
                    return;
                }
                if at_end {
                    return;
                }
            });
        match worker {
            Ok(handle) => ChunkReader {
                rx: Some(rx),
                spent: Some(spent_tx),
                cur: Vec::new(),
                pos: 0,
                done: false,
                worker: Some(handle),
            },
            // No thread available: the channel has no sender, so report it on first read.
            Err(e) => {
                let (tx, rx) = sync_channel(1);
                let _ = tx.send(Err(e));
                ChunkReader {
                    rx: Some(rx),
                    spent: None,
                    cur: Vec::new(),
                    pos: 0,
                    done: false,
                    worker: None,
                }
            }
        }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ChunkReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.cur.len() && !self.done {
            match self.rx.as_ref().map(|rx| rx.recv()) {
                Some(Ok(Ok(chunk))) => {
                    let old = std::mem::replace(&mut self.cur, chunk);
                    self.pos = 0;
                    if let Some(spent) = &self.spent {
                        // A full return queue or a finished worker: just free it.
                        let _ = spent.try_send(old);
                    }
                }
                Some(Ok(Err(e))) => {
                    self.done = true;
                    return Err(e);
                }
                // The sender is gone: the worker finished cleanly.
                Some(Err(_)) | None => self.done = true,
            }
        }
        Ok(&self.cur[self.pos.min(self.cur.len())..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.cur.len());
    }
}

impl Drop for ChunkReader {
    fn drop(&mut self) {
        // Dropping the receiver makes a blocked `send` fail, so the worker exits promptly.
        self.rx = None;
        self.spent = None;
        if let Some(handle) = self.worker.take() {
            let _ = handle.join();
        }
    }
}

/// How much of a whole-file text is searched for a NUL byte ([`looks_binary`]): the first
/// 8 KiB, as git and GNU grep look. Text has no NUL bytes; the binary files that stray into
/// folders of documents (PDFs, images, archives, `Thumbs.db`) have one early on.
const BINARY_PROBE: usize = 8 << 10;

/// Why a whole file (a folder-corpus document, or a file given to `predict`) is not text:
/// a NUL byte in its first 8 KiB, at the offset named. `None` for text. Read as Latin-1,
/// a binary file would be trained on (or scored) as gibberish without a word said.
pub(super) fn looks_binary(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(BINARY_PROBE)];
    memchr::memchr(0, head).map(|at| format!("looks binary: NUL byte at offset {at}"))
}

/// The text of a whole-file document (a folder-corpus file, or a file given to `predict`)
/// and whether it needed Latin-1: the BOM dropped, decoded leniently; or, for a binary
/// file, why it is not a document.
pub(crate) fn file_text(bytes: &[u8]) -> Result<(String, bool), String> {
    match looks_binary(bytes) {
        Some(why) => Err(why),
        None => Ok(decode_lenient(strip_bom(bytes))),
    }
}

/// Decodes bytes as UTF-8, or as Latin-1 when they are not valid UTF-8 (every byte maps
/// to U+0000..U+00FF, so this never fails). The flag tells whether the fallback was used.
pub fn decode_lenient(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), false),
        Err(_) => (latin1(bytes), true),
    }
}

/// Latin-1 (ISO-8859-1) decoding: each byte is the code point of the same value.
pub(crate) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// Turns Windows line ends inside a text into `\n`, leaving lone `\r` alone.
pub(crate) fn normalize_newlines(s: String) -> String {
    // A vector search for `\r` (rare in text) first: `str::contains("\r\n")` cost ~0.6
    // instructions a byte, on every document read.
    let bytes = s.as_bytes();
    if memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) == Some(&b'\n')) {
        s.replace("\r\n", "\n")
    } else {
        s
    }
}

/// Removes a UTF-8 BOM at the start of a whole-file text.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}
