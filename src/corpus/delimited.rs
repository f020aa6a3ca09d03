//! CSV and TSV with a header row, read strictly: a row whose field count differs from
//! the header's is a bad record rather than being padded or cut.

use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

use csv::{ByteRecord, ErrorKind, ReaderBuilder};

use super::source::{decode_lenient, open_bytes, read_error, Warnings};
use super::{CorpusError, RawRecord, RecordSource};

/// A delimited file with a header row.
pub(crate) struct DelimitedSource {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    gzip: bool,
    warnings: Warnings,
    header: Vec<String>,
    /// For each wanted field, its column index.
    column_of: Vec<Option<usize>>,
    record: ByteRecord,
    records: u64,
    done: bool,
}

impl DelimitedSource {
    /// Opens `path` and reads its header; `names` are the wanted fields.
    pub(crate) fn open(path: &Path, delimiter: u8, names: &[String]) -> Result<Self, CorpusError> {
        let bytes = open_bytes(path)?;
        let (gzip, warnings) = (bytes.gzip, bytes.warnings);
        let inner: Box<dyn Read + Send> = Box::new(CrlfAsLf::new(bytes.reader));
        let mut reader = ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .buffer_capacity(1 << 16)
            .from_reader(inner);
        let raw_header = match reader.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(csv_fatal(path, gzip, 1, 0, e)),
        };
        if raw_header.is_empty() {
            return Err(CorpusError::Invalid {
                path: path.to_path_buf(),
                message: "empty file, expected a header row".into(),
            });
        }
        // Header names are trimmed: `Stance ` and `Stance` are the same column to a user.
        let header: Vec<String> = raw_header
            .iter()
            .map(|f| decode_lenient(f).0.trim().to_string())
            .collect();
        let column_of = names
            .iter()
            .map(|n| column_of(path, &header, n))
            .collect::<Result<_, _>>()?;
        Ok(DelimitedSource {
            path: path.to_path_buf(),
            reader,
            gzip,
            warnings,
            header,
            column_of,
            record: ByteRecord::new(),
            records: 0,
            done: false,
        })
    }
}

/// A `BufRead` read with each CR LF pair turned into a lone LF.
///
/// The csv crate counts lines at LF bytes but ends a record at the CR of a CR LF, leaving
/// its LF to the next record: in a Windows file every reported line is one short
/// (rust-csv issue #395). With lone LFs its count is right. No field changes in a way
/// that shows: CR LF inside text and pair fields becomes LF anyway (`normalize_newlines`)
/// and the other fields are trimmed. Lone CRs (old Mac line ends) are left alone.
struct CrlfAsLf<R> {
    inner: R,
    /// The bytes handed out so far ended with a CR, kept back until the next byte shows
    /// whether it starts a CR LF pair.
    held_cr: bool,
}

impl<R: BufRead> CrlfAsLf<R> {
    /// Reads `inner` with its CR LF pairs as LF.
    fn new(inner: R) -> Self {
        CrlfAsLf {
            inner,
            held_cr: false,
        }
    }
}

impl<R: BufRead> Read for CrlfAsLf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if out.is_empty() {
                return Ok(0);
            }
            let buf = self.inner.fill_buf()?;
            let mut n = 0;
            if std::mem::take(&mut self.held_cr) && buf.first() != Some(&b'\n') {
                out[0] = b'\r';
                n = 1;
            }
            let take = buf.len().min(out.len() - n);
            n += copy_without_crlf(&buf[..take], &mut out[n..], &mut self.held_cr);
            self.inner.consume(take);
            // Nothing written from something read: it was a lone CR, held back.
            if n > 0 || take == 0 {
                return Ok(n);
            }
        }
    }
}

/// Copies `src` to the front of `dst` (at least as long) without the CR of each CR LF
/// pair and returns the bytes written; a CR ending `src` is not written but noted in
/// `held_cr`, for the next bytes to settle.
fn copy_without_crlf(src: &[u8], dst: &mut [u8], held_cr: &mut bool) -> usize {
    let (mut n, mut rest) = (0, src);
    while let Some(i) = memchr::memchr(b'\r', rest) {
        dst[n..n + i].copy_from_slice(&rest[..i]);
        n += i;
        match rest.get(i + 1) {
            Some(b'\n') => {}
            Some(_) => {
                dst[n] = b'\r';
                n += 1;
            }
            None => *held_cr = true,
        }
        rest = &rest[i + 1..];
    }
    dst[n..n + rest.len()].copy_from_slice(rest);
    n + rest.len()
}

/// The index of the column `name` in `header`, if any; a name that heads two columns is
/// an error, since reading either would silently drop the other.
fn column_of(path: &Path, header: &[String], name: &str) -> Result<Option<usize>, CorpusError> {
    let mut at = (0..header.len()).filter(|&i| header[i] == name);
    match (at.next(), at.next()) {
        (Some(a), Some(b)) => Err(CorpusError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "column \"{name}\" appears more than once in the header (columns {} and {}); \
                 rename one so it is clear which to read",
                a + 1,
                b + 1
            ),
        }),
        (first, _) => Ok(first),
    }
}

/// Turns a csv error met while reading the header into a corpus error.
fn csv_fatal(path: &Path, gzip: bool, line: u64, records: u64, e: csv::Error) -> CorpusError {
    match e.into_kind() {
        ErrorKind::Io(io) => read_error(path, gzip, line, records, io),
        other => CorpusError::Invalid {
            path: path.to_path_buf(),
            message: format!("cannot read the header row: {other:?}"),
        },
    }
}

impl DelimitedSource {
    /// The line where the record just read (well-formed or not) starts; `line_before` is
    /// the reader's line before reading it.
    ///
    /// The csv crate dates a record from where its reading began, before any blank lines
    /// it skipped (rust-csv issue #208), so the start is worked back from where the record
    /// ended instead: past its closing LF, less the LFs inside its quoted fields. A last
    /// record with no closing LF ends a line earlier; `line_before` bounds that case (it
    /// is only wrong when blank lines also come before that record).
    fn record_start_line(&self, line_before: u64) -> u64 {
        let after = self.reader.position().line();
        let inside = memchr::memchr_iter(b'\n', self.record.as_slice()).count() as u64;
        after.saturating_sub(inside + 1).max(line_before)
    }
}

impl RecordSource for DelimitedSource {
    fn next_record(&mut self, rec: &mut RawRecord) -> Option<Result<(), CorpusError>> {
        if self.done {
            return None;
        }
        let line_before = self.reader.position().line();
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => {
                self.done = true;
                None
            }
            Ok(true) => {
                self.records += 1;
                rec.recno = self.records;
                rec.line = self.record_start_line(line_before);
                rec.latin1 = false;
                for (slot, col) in rec.slots.iter_mut().zip(&self.column_of) {
                    *slot = col.map(|c| {
                        let (s, fell_back) = decode_lenient(self.record.get(c).unwrap_or(b""));
                        rec.latin1 |= fell_back;
                        s
                    });
                }
                Some(Ok(()))
            }
            Err(e) => {
                self.records += 1;
                match e.into_kind() {
                    ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => Some(Err(CorpusError::BadRecord {
                        path: self.path.clone(),
                        line: self.record_start_line(line_before),
                        message: format!(
                            "row has {len} fields but the header has {expected_len} \
                                 (an unquoted delimiter or an unbalanced quote?)"
                        ),
                    })),
                    ErrorKind::Io(io) => {
                        self.done = true;
                        Some(Err(read_error(
                            &self.path,
                            self.gzip,
                            line_before,
                            self.records - 1,
                            io,
                        )))
                    }
                    other => Some(Err(CorpusError::BadRecord {
                        path: self.path.clone(),
                        line: line_before,
                        message: format!("unreadable row: {other:?}"),
                    })),
                }
            }
        }
    }

    fn columns(&self) -> Vec<String> {
        self.header.clone()
    }

    fn has_column(&self, name: &str) -> bool {
        self.header.iter().any(|h| h == name)
    }

    fn columns_upfront(&self) -> bool {
        true
    }

    fn records_read(&self) -> u64 {
        self.records
    }

    fn take_warnings(&mut self) -> Vec<String> {
        self.warnings.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    /// Everything `CrlfAsLf` gives for `input`, read through an inner buffer of `inner`
    /// bytes into reads of `out` bytes, so CRs fall on every boundary.
    fn through(input: &[u8], inner: usize, out: usize) -> Vec<u8> {
        let mut r = CrlfAsLf::new(BufReader::with_capacity(inner, input));
        let (mut all, mut buf) = (Vec::new(), vec![0; out]);
        loop {
            match r.read(&mut buf).unwrap() {
                0 => return all,
                n => all.extend_from_slice(&buf[..n]),
            }
        }
    }

    #[test]
    fn crlf_pairs_become_lf_and_lone_crs_stay_at_any_boundary() {
        let input = b"a,b\r\n\"x\r\ny\"\r\n\r\nlone\rcr\r\r\nend\r";
        let want = b"a,b\n\"x\ny\"\n\nlone\rcr\r\nend\r";
        for inner in [1, 2, 3, 7, 64] {
            for out in [1, 2, 5, 64] {
                assert_eq!(through(input, inner, out), want, "inner {inner}, out {out}");
            }
        }
    }
}
