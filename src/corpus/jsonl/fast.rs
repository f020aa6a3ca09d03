//! The fast path for one JSON Lines record: a hand-written scan that takes the common
//! shape (an object whose wanted fields are strings, small integers, booleans or null)
//! without serde, and declines everything else.
//!
//! serde_json scans each wanted string for escapes, checks its UTF-8, copies it into its
//! scratch buffer and then into a new `String`; here the line is checked for UTF-8 once
//! (std's `from_utf8`), strings are found with `memchr2`, and each wanted value is copied
//! once, into the buffer its slot held for the previous record.
//!
//! **Declining is always safe**: the caller then runs the serde path on the same line, so
//! every error message and every unusual result stays serde's. The scan therefore accepts
//! only input serde accepts too, with the same values, and declines whenever unsure: a line
//! that is not UTF-8 (serde may still read it, or fail and retry it as Latin-1), any byte
//! below 0x20 (serde rejects them inside strings; tabs as whitespace are rare), a key with
//! an escape, a lone surrogate, a number that is not a short integer, an array or object
//! as a wanted value, nesting deeper than 64.

use std::ops::Range;

use memchr::{memchr, memchr2};

use super::KeyTracker;

/// Deepest nesting of skipped values the scan follows (one bit per level); deeper values
/// are left to serde, which has no limit for values it ignores.
const MAX_DEPTH: u32 = u64::BITS;

/// A buffer larger than this is not kept for the next record, so one huge line does not
/// pin its memory for the rest of the file.
const MAX_SPARE: usize = 1 << 20;

/// Buffers the fast path reuses from record to record.
#[derive(Default)]
pub(super) struct Scratch {
    /// Per slot, the string it held for an earlier record, refilled instead of allocating.
    spare: Vec<String>,
    /// The current record's keys as byte ranges of its line, in order; they reach the
    /// `KeyTracker` only when the record is accepted, so a declined attempt leaves no trace.
    keys: Vec<Range<usize>>,
}

impl Scratch {
    /// Empties every slot, keeping its string to be refilled.
    pub(super) fn recycle(&mut self, slots: &mut [Option<String>]) {
        if self.spare.len() < slots.len() {
            self.spare.resize_with(slots.len(), String::new);
        }
        for (slot, spare) in slots.iter_mut().zip(&mut self.spare) {
            if let Some(s) = slot.take() {
                if s.capacity() <= MAX_SPARE {
                    *spare = s;
                }
            }
        }
    }
}

/// Fills `slots` (all `None`, after [`Scratch::recycle`]) with the fields of the record
/// `body` (one trimmed line) named in `names`, and tells `keys` every key, as the serde
/// path does. False when the record is left to serde: the slots may then hold partial
/// values, and `keys` is untouched.
pub(super) fn extract(
    body: &[u8],
    names: &[String],
    slots: &mut [Option<String>],
    keys: &mut KeyTracker,
    scratch: &mut Scratch,
) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    if has_control(body) {
        return false;
    }
    scratch.keys.clear();
    let mut scan = Scan {
        text,
        bytes: body,
        at: 0,
    };
    if scan.record(names, slots, scratch).is_none() {
        return false;
    }
    for key in &scratch.keys {
        keys.see(&text[key.clone()]);
    }
    true
}

/// Whether `bytes` holds a control character (below 0x20). Tested 32 bytes at a time
/// without an early exit inside a block, which the compiler turns into vector compares.
fn has_control(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        if block.iter().fold(false, |any, &b| any | (b < 0x20)) {
            return true;
        }
    }
    blocks.remainder().iter().any(|&b| b < 0x20)
}

/// A cursor over one record's text. Every method returns `None` to decline the record.
struct Scan<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// Skips JSON whitespace: the four bytes serde_json allows, no others.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.peek() {
            self.at += 1;
        }
    }

    /// The whole record: `{`, members, `}`, then nothing but whitespace.
    fn record(
        &mut self,
        names: &[String],
        slots: &mut [Option<String>],
        scratch: &mut Scratch,
    ) -> Option<()> {
        self.ws();
        self.eat(b'{')?;
        self.ws();
        if self.peek()? != b'}' {
            loop {
                let key = self.key()?;
                let wanted = names
                    .iter()
                    .position(|n| n.as_bytes() == &self.bytes[key.clone()]);
                scratch.keys.push(key);
                self.ws();
                self.eat(b':')?;
                self.ws();
                match wanted {
                    Some(i) => self.wanted(&mut slots[i], &mut scratch.spare[i])?,
                    None => self.skip_value()?,
                }
                self.ws();
                match self.peek()? {
                    b',' => {
                        self.at += 1;
                        self.ws();
                    }
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.at += 1; // the closing brace
        self.ws();
        (self.at == self.bytes.len()).then_some(())
    }

    /// A top-level key: its byte range, without the quotes. Keys with escapes are rare
    /// and left to serde.
    fn key(&mut self) -> Option<Range<usize>> {
        self.eat(b'"')?;
        let start = self.at;
        let end = start + memchr2(b'"', b'\\', &self.bytes[start..])?;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.at = end + 1;
        Some(start..end)
    }

    /// A wanted value into `slot`, as serde's field visitor would make it: a string
    /// unescaped, `true`/`false` as words, null as empty, a short integer as written.
    fn wanted(&mut self, slot: &mut Option<String>, spare: &mut String) -> Option<()> {
        // A repeated key overwrites, as in the serde path; its buffer is reused.
        let mut out = slot.take().unwrap_or_else(|| std::mem::take(spare));
        out.clear();
        match self.peek()? {
            b'"' => {
                self.at += 1;
                let start = self.at;
                let (end, escaped) = self.string_end()?;
                let raw = &self.text[start..end];
                if escaped {
                    out.reserve(raw.len());
                    unescape(raw, &mut out)?;
                } else {
                    out.push_str(raw);
                }
                self.at = end + 1;
            }
            b't' => self.literal("true", &mut out, "true")?,
            b'f' => self.literal("false", &mut out, "false")?,
            b'n' => self.literal("null", &mut out, "")?,
            b'-' | b'0'..=b'9' => {
                let start = self.at;
                self.integer()?;
                out.push_str(&self.text[start..self.at]);
            }
            _ => return None,
        }
        *slot = Some(out);
        Some(())
    }

    /// The literal `word`, writing `value` for it.
    fn literal(&mut self, word: &str, out: &mut String, value: &str) -> Option<()> {
        self.skip_literal(word.as_bytes())?;
        out.push_str(value);
        Some(())
    }

    fn skip_literal(&mut self, word: &[u8]) -> Option<()> {
        if !self.bytes[self.at..].starts_with(word) {
            return None;
        }
        self.at += word.len();
        Some(())
    }

    /// An integer serde reads as `u64` or `i64` and prints exactly as written: at most 18
    /// digits (no overflow), no fraction or exponent (those become `f64`), not `-0` (an
    /// `f64` too, printed "-0").
    fn integer(&mut self) -> Option<()> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let digits = self.at;
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.skip_digits(),
            _ => return None,
        }
        let n = self.at - digits;
        if n > 18 || matches!(self.peek(), Some(b'.' | b'e' | b'E' | b'0'..=b'9')) {
            return None;
        }
        if negative && &self.bytes[start..self.at] == b"-0" {
            return None;
        }
        Some(())
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    /// Any JSON number, by the grammar serde_json checks when it ignores one.
    fn skip_number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.skip_digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.one_or_more_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.one_or_more_digits()?;
        }
        Some(())
    }

    fn one_or_more_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.skip_digits();
        (self.at > start).then_some(())
    }

    /// From just after an opening quote: the index of the closing quote and whether the
    /// string holds escapes, checking each escape's form (any `\uXXXX` value is fine
    /// here, as in serde's skipping; `unescape` checks surrogates for wanted values).
    fn string_end(&self) -> Option<(usize, bool)> {
        let mut at = self.at;
        let mut escaped = false;
        loop {
            at += memchr2(b'"', b'\\', &self.bytes[at..])?;
            if self.bytes[at] == b'"' {
                return Some((at, escaped));
            }
            escaped = true;
            match *self.bytes.get(at + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at += 2,
                b'u' => {
                    hex4(self.bytes.get(at + 2..at + 6)?)?;
                    at += 6;
                }
                _ => return None,
            }
        }
    }

    /// A value that is not wanted: checked by JSON's grammar and stepped over. Containers
    /// are followed with a bit stack (1 = object) rather than recursion.
    fn skip_value(&mut self) -> Option<()> {
        let mut objects: u64 = 0;
        let mut depth: u32 = 0;
        'value: loop {
            self.ws();
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    self.at = self.string_end()?.0 + 1;
                }
                open @ (b'{' | b'[') => {
                    self.at += 1;
                    self.ws();
                    let close = if open == b'{' { b'}' } else { b']' };
                    if self.peek()? == close {
                        self.at += 1;
                    } else {
                        if depth == MAX_DEPTH {
                            return None;
                        }
                        let bit = 1u64 << depth;
                        objects = if open == b'{' {
                            objects | bit
                        } else {
                            objects & !bit
                        };
                        depth += 1;
                        if open == b'{' {
                            self.member_name()?;
                        }
                        continue 'value;
                    }
                }
                b't' => self.skip_literal(b"true")?,
                b'f' => self.skip_literal(b"false")?,
                b'n' => self.skip_literal(b"null")?,
                b'-' | b'0'..=b'9' => self.skip_number()?,
                _ => return None,
            }
            // A value ended: go on to the next element, or close the containers it ends.
            while depth > 0 {
                self.ws();
                let in_object = objects >> (depth - 1) & 1 == 1;
                match (self.next()?, in_object) {
                    (b',', true) => {
                        self.ws();
                        self.member_name()?;
                        continue 'value;
                    }
                    (b',', false) => continue 'value,
                    (b'}', true) | (b']', false) => depth -= 1,
                    _ => return None,
                }
            }
            return Some(());
        }
    }

    /// A key inside a skipped object, and its colon.
    fn member_name(&mut self) -> Option<()> {
        self.eat(b'"')?;
        self.at = self.string_end()?.0 + 1;
        self.ws();
        self.eat(b':')
    }
}

/// The value of four hex digits.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| {
        let v = (d as char).to_digit(16)?;
        Some(n << 4 | v)
    })
}

/// Appends the string body `raw` (between its quotes, escapes well-formed as checked by
/// `string_end`) to `out` with its escapes decoded. `None` on a lone surrogate, which
/// serde rejects in a string it keeps.
fn unescape(raw: &str, out: &mut String) -> Option<()> {
    let bytes = raw.as_bytes();
    let mut at = 0;
    loop {
        // Escapes are ASCII, so every cut below is on a character boundary.
        let Some(skip) = memchr(b'\\', &bytes[at..]) else {
            out.push_str(&raw[at..]);
            return Some(());
        };
        out.push_str(&raw[at..at + skip]);
        at += skip;
        let decoded = match *bytes.get(at + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\x08',
            b'f' => '\x0c',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let (c, len) = unicode_escape(&bytes[at..])?;
                out.push(c);
                at += len;
                continue;
            }
            _ => return None,
        };
        out.push(decoded);
        at += 2;
    }
}

/// The character of a `\uXXXX` escape at the start of `bytes`, joined with a following
/// `\uXXXX` when it is a surrogate pair, and the bytes it took. `None` on a lone surrogate.
fn unicode_escape(bytes: &[u8]) -> Option<(char, usize)> {
    let first = hex4(bytes.get(2..6)?)?;
    match first {
        0xD800..=0xDBFF => {
            if bytes.get(6..8)? != b"\\u" {
                return None;
            }
            let second = hex4(bytes.get(8..12)?)?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return None;
            }
            let c = 0x1_0000 + ((first - 0xD800) << 10 | (second - 0xDC00));
            Some((char::from_u32(c)?, 12))
        }
        0xDC00..=0xDFFF => None,
        _ => Some((char::from_u32(first)?, 6)),
    }
}

#[cfg(test)]
mod tests;
