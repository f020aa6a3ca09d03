//! JSON Lines: one object per line, parsed straight into the wanted fields (other
//! values are skipped without being built), so a 1 GB file streams in constant memory.
//!
//! Each record first goes through a hand-written scan for the common shape ([`fast`]);
//! whatever it declines is parsed by serde_json, which also makes every error message.

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashSet;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::source::{latin1, open_bytes, read_error, Warnings};
use super::{CorpusError, RawRecord, RecordSource};

mod fast;

/// At most this many distinct keys are remembered for "available columns" messages, so
/// a file with a new key on every line cannot grow memory without bound.
const MAX_TRACKED_KEYS: usize = 10_000;

/// A JSON Lines file.
pub(crate) struct JsonlSource {
    path: PathBuf,
    reader: Box<dyn BufRead + Send>,
    gzip: bool,
    warnings: Warnings,
    /// What turns a line into a record, and what it has seen so far.
    parser: LineParser,
    line: Vec<u8>,
    line_no: u64,
    done: bool,
}

/// Turns lines into records: the wanted fields, the keys seen, the record count, and the
/// buffers the fast path reuses across records.
struct LineParser {
    names: Vec<String>,
    keys: KeyTracker,
    fast: fast::Scratch,
    records: u64,
}

/// Every key seen in any record, in first-seen order.
#[derive(Default)]
struct KeyTracker {
    set: FxHashSet<Box<str>>,
    order: Vec<String>,
}

impl KeyTracker {
    fn see(&mut self, key: &str) {
        if self.order.len() < MAX_TRACKED_KEYS && !self.set.contains(key) {
            self.set.insert(key.into());
            self.order.push(key.to_string());
        }
    }
}

impl JsonlSource {
    /// Opens `path`; `names` are the wanted fields.
    pub(crate) fn open(path: &Path, names: &[String]) -> Result<Self, CorpusError> {
        let bytes = open_bytes(path)?;
        Ok(JsonlSource {
            path: path.to_path_buf(),
            reader: bytes.reader,
            gzip: bytes.gzip,
            warnings: bytes.warnings,
            parser: LineParser {
                names: names.to_vec(),
                keys: KeyTracker::default(),
                fast: fast::Scratch::default(),
                records: 0,
            },
            line: Vec::with_capacity(1 << 16),
            line_no: 0,
            done: false,
        })
    }

    /// Reads the next line into `self.line` (the slow path, for a line that crosses the
    /// reader's buffer end); false at the end of the file.
    fn read_spanning_line(&mut self) -> Result<bool, CorpusError> {
        self.line.clear();
        match self.reader.read_until(b'\n', &mut self.line) {
            Ok(0) => {
                self.done = true;
                Ok(false)
            }
            Ok(_) => Ok(true),
            Err(e) => Err(self.read_failed(e)),
        }
    }

    /// Ends the file on a read error, naming the line reading stopped at.
    fn read_failed(&mut self, e: std::io::Error) -> CorpusError {
        self.done = true;
        read_error(
            &self.path,
            self.gzip,
            self.line_no + 1,
            self.parser.records,
            e,
        )
    }

    fn bad(&self, message: String) -> CorpusError {
        CorpusError::BadRecord {
            path: self.path.clone(),
            line: self.line_no,
            message,
        }
    }
}

impl RecordSource for JsonlSource {
    fn next_record(&mut self, rec: &mut RawRecord) -> Option<Result<(), CorpusError>> {
        loop {
            if self.done {
                return None;
            }
            // A line wholly inside the reader's buffer is parsed there, without copying it
            // into `self.line`; one that straddles a buffer end is gathered by `read_until`.
            let outcome = match self.reader.fill_buf() {
                Ok(buf) => match memchr::memchr(b'\n', buf) {
                    Some(end) => {
                        let line = &buf[..=end];
                        let outcome = self.parser.take(line, self.line_no, rec);
                        self.reader.consume(end + 1);
                        outcome
                    }
                    None => match self.read_spanning_line() {
                        Ok(false) => return None,
                        Ok(true) => self.parser.take(&self.line, self.line_no, rec),
                        Err(e) => return Some(Err(e)),
                    },
                },
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Some(Err(self.read_failed(e))),
            };
            self.line_no += 1;
            match outcome {
                Line::Blank => continue,
                Line::Record(Ok(())) => return Some(Ok(())),
                Line::Record(Err(message)) => return Some(Err(self.bad(message))),
            }
        }
    }

    fn columns(&self) -> Vec<String> {
        self.parser.keys.order.clone()
    }

    fn has_column(&self, name: &str) -> bool {
        self.parser.keys.set.contains(name)
    }

    fn columns_upfront(&self) -> bool {
        false
    }

    fn records_read(&self) -> u64 {
        self.parser.records
    }

    fn take_warnings(&mut self) -> Vec<String> {
        self.warnings.take()
    }
}

/// What one line of the file held.
enum Line {
    Blank,
    /// A record: its fields are in the `RawRecord`, or the message of why it is bad.
    Record(Result<(), String>),
}

impl LineParser {
    /// Parses one line (its `\n` included) read after line `line_no` into `rec`, counting
    /// it unless it is blank: by the fast path if it takes the line, else by serde.
    fn take(&mut self, line: &[u8], line_no: u64, rec: &mut RawRecord) -> Line {
        let body = line.trim_ascii();
        if body.is_empty() {
            return Line::Blank;
        }
        let (names, keys, scratch) = (&self.names, &mut self.keys, &mut self.fast);
        self.records += 1;
        rec.line = line_no + 1;
        rec.recno = self.records;
        rec.latin1 = false;
        scratch.recycle(&mut rec.slots);
        if fast::extract(body, names, &mut rec.slots, keys, scratch) {
            return Line::Record(Ok(()));
        }
        // Declined: serde starts again from empty slots (the scan may have filled some).
        scratch.recycle(&mut rec.slots);
        let parsed = parse_record(body, names, &mut rec.slots, keys);
        let result = match parsed {
            Ok(()) => Ok(()),
            // Not UTF-8: read the line as Latin-1 (ASCII structure is unchanged).
            Err(_) if std::str::from_utf8(body).is_err() => {
                rec.latin1 = true;
                rec.slots.iter_mut().for_each(|s| *s = None);
                let text = latin1(body);
                parse_record(text.as_bytes(), names, &mut rec.slots, keys)
            }
            Err(e) => Err(e),
        };
        Line::Record(result.map_err(|e| json_message(&e, body)))
    }
}

/// A parse error as a message without serde_json's "at line 1" (every record is one line).
fn json_message(e: &serde_json::Error, body: &[u8]) -> String {
    let full = e.to_string();
    let msg = match full.rfind(" at line ") {
        Some(at) => &full[..at],
        None => &full,
    };
    let hint = if body.first() == Some(&b'[') {
        " (JSON Lines needs one object per line, not an array)"
    } else {
        ""
    };
    format!("invalid JSON record: {msg} (column {}){hint}", e.column())
}

fn parse_record(
    body: &[u8],
    names: &[String],
    slots: &mut [Option<String>],
    keys: &mut KeyTracker,
) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    RecordSeed { names, slots, keys }.deserialize(&mut de)?;
    de.end()
}

/// Fills the slots of the wanted keys of one JSON object and skips the rest.
struct RecordSeed<'a> {
    names: &'a [String],
    slots: &'a mut [Option<String>],
    keys: &'a mut KeyTracker,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            self.keys.see(&key);
            match self.names.iter().position(|n| *n == *key) {
                Some(i) => {
                    self.slots[i] = Some(map.next_value_seed(FieldSeed { name: &key })?);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// An object key, borrowed from the input unless it holds escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// One wanted value as text: strings as they are, numbers and booleans written out,
/// null as empty; arrays and objects are an error naming the field.
struct FieldSeed<'k> {
    name: &'k str,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a string, number, boolean or null in field \"{}\"",
            self.name
        )
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
}
