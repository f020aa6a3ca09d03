//! CSV and TSV with a header row, read strictly: a row whose field count differs from
//! the header's is a bad record rather than being padded or cut.

use std::io::Read;
use std::path::{Path, PathBuf};

use csv::{ByteRecord, ErrorKind, ReaderBuilder};

use super::source::{decode_lenient, open_bytes, read_error};
use super::{CorpusError, RawRecord, RecordSource};

/// A delimited file with a header row.
pub(crate) struct DelimitedSource {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    gzip: bool,
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
        let gzip = bytes.gzip;
        let inner: Box<dyn Read + Send> = Box::new(bytes.reader);
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
            .map(|n| header.iter().position(|h| h == n))
            .collect();
        Ok(DelimitedSource {
            path: path.to_path_buf(),
            reader,
            gzip,
            header,
            column_of,
            record: ByteRecord::new(),
            records: 0,
            done: false,
        })
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
                rec.line = self.record.position().map_or(line_before, |p| p.line());
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
                        pos,
                        expected_len,
                        len,
                    } => Some(Err(CorpusError::BadRecord {
                        path: self.path.clone(),
                        line: pos.map_or(line_before, |p| p.line()),
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
}
