//! The fast path for one JSON Lines record: a hand-written scan that takes the common
//! shape (an object whose wanted fields are strings, small integers, booleans or null)
//! without serde, and declines everything else.
//!
//! serde_json scans each wanted string for escapes, checks its UTF-8, copies it into its
//! scratch buffer and then into a new `String`; here the line is checked for UTF-8 once
//! (by std's rules), strings are scanned 16 bytes at a time with SSE2, and each wanted
//! value is copied once, into the buffer its slot held for the previous record.
//!
//! **Declining is always safe**: the caller then runs the serde path on the same line, so
//! every error message and every unusual result stays serde's. The scan therefore accepts
//! only input serde accepts too, with the same values, and declines whenever unsure: a line
//! that is not UTF-8 (serde may still read it, or fail and retry it as Latin-1), any byte
//! below 0x20 (serde rejects them inside strings; tabs as whitespace are rare), a key with
//! an escape, a lone surrogate, a number that is not a short integer, an array or object
//! as a wanted value, nesting deeper than 64.

use std::ops::Range;

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
    /// The keys of the last record taken, end to end, and where each ends: nearly every
    /// record has the same keys, and telling the `KeyTracker` a key again changes nothing,
    /// so a repeat is checked here instead of hashing every key.
    last_keys: String,
    last_ends: Vec<usize>,
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

    /// Tells `tracker` the keys of the record just taken, unless they are those of the
    /// last record taken.
    fn commit_keys(&mut self, text: &str, tracker: &mut KeyTracker) {
        if !self.same_keys_as_last(text) {
            self.last_keys.clear();
            self.last_ends.clear();
            for key in &self.keys {
                let key = &text[key.clone()];
                tracker.see(key);
                self.last_keys.push_str(key);
                self.last_ends.push(self.last_keys.len());
            }
        }
    }

    /// Whether the keys just read (ranges of `text`) are those of the last record taken.
    fn same_keys_as_last(&self, text: &str) -> bool {
        let mut start = 0;
        self.keys.len() == self.last_ends.len()
            && self.keys.iter().zip(&self.last_ends).all(|(key, &end)| {
                let same = text[key.clone()] == self.last_keys[start..end];
                start = end;
                same
            })
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
    if !is_plain_utf8(body) {
        return false;
    }
    // SAFETY: `is_plain_utf8` just checked that `body` is UTF-8: every byte is printable
    // ASCII or inside a sequence `char_len` accepted (tested against std exhaustively).
    let text = unsafe { std::str::from_utf8_unchecked(body) };
    scratch.keys.clear();
    let mut scan = Scan {
        text,
        bytes: body,
        at: 0,
    };
    if scan.record(names, slots, scratch).is_none() {
        return false;
    }
    scratch.commit_keys(text, keys);
    true
}

/// Whether `bytes` is UTF-8 without control characters (below 0x20; serde rejects them
/// inside strings, and the rare tab or CR used as whitespace is left to serde too).
///
/// One pass replacing std's `from_utf8` plus a control scan: 16 bytes at a time, a block
/// of printable ASCII costs one vector compare; each non-ASCII character (about one in
/// 200 bytes of news text) is checked on its own by [`char_len`].
fn is_plain_utf8(bytes: &[u8]) -> bool {
    let mut at = 0;
    while let Some(block) = bytes.get(at..at + 16) {
        let mask = unusual_mask(block.try_into().expect("16 bytes"));
        if mask == 0 {
            at += 16;
            continue;
        }
        let first = at + mask.trailing_zeros() as usize;
        match char_len(bytes, first) {
            Some(len) => at = first + len,
            None => return false,
        }
    }
    while at < bytes.len() {
        match bytes[at] {
            0x20..=0x7f => at += 1,
            _ => match char_len(bytes, at) {
                Some(len) => at += len,
                None => return false,
            },
        }
    }
    true
}

/// The length of the valid non-ASCII character starting at `bytes[at]`; `None` for a
/// control character or invalid UTF-8. The rules of the Unicode standard's table 3-7
/// (no overlong forms, no surrogates, nothing above U+10FFFF), as std applies them; the
/// tests compare with std on every sequence of up to three bytes.
fn char_len(bytes: &[u8], at: usize) -> Option<usize> {
    let lead = bytes[at];
    // The allowed range of the second byte depends on the lead; later ones are 80..=BF.
    let (len, second) = match lead {
        0xc2..=0xdf => (2, 0x80..=0xbf),
        0xe0 => (3, 0xa0..=0xbf),
        0xed => (3, 0x80..=0x9f),
        0xe1..=0xef => (3, 0x80..=0xbf),
        0xf0 => (4, 0x90..=0xbf),
        0xf4 => (4, 0x80..=0x8f),
        0xf1..=0xf3 => (4, 0x80..=0xbf),
        _ => return None,
    };
    let seq = bytes.get(at..at + len)?;
    let continued = seq[2..].iter().all(|&b| b & 0xc0 == 0x80);
    (second.contains(&seq[1]) && continued).then_some(len)
}

/// Bit `j` set when byte `j` of `block` is below 0x20 or above 0x7F, with SSE2: one
/// signed compare, as bytes from 0x80 up are negative.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn unusual_mask(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::*;
    let (lo, hi) = halves(block);
    // SAFETY: SSE2 is part of every x86-64 CPU (the target's baseline); these intrinsics
    // only compute on their register arguments (no memory access).
    let mask = unsafe {
        let v = _mm_set_epi64x(hi, lo);
        _mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)))
    };
    mask as u32 & 0xFFFF
}

/// [`unusual_mask`] byte by byte, off x86-64.
#[cfg(not(target_arch = "x86_64"))]
fn unusual_mask(block: &[u8; 16]) -> u32 {
    block.iter().enumerate().fold(0, |mask, (j, &b)| {
        mask | (u32::from(!(0x20..0x80).contains(&b)) << j)
    })
}

/// The two little-endian 64-bit halves of a block, for `_mm_set_epi64x`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn halves(block: &[u8; 16]) -> (i64, i64) {
    let word = |at: usize| {
        let mut x = [0u8; 8];
        x.copy_from_slice(&block[at..at + 8]);
        i64::from_le_bytes(x)
    };
    (word(0), word(8))
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
        let end = start + find_special(&self.bytes[start..])?;
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
                if out.capacity() == 0 {
                    // A fresh buffer (its slot's last string went into a document): size it
                    // once from a scan, so it is not grown by doubling.
                    let end = self.string_end()?;
                    out.reserve_exact(end - self.at);
                }
                self.unescape_into(&mut out)?;
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

    /// From just after an opening quote: the index of the closing quote, checking each
    /// escape's form (any `\uXXXX` value is fine here, as in serde's skipping;
    /// `unescape_into` checks surrogates for wanted values).
    fn string_end(&self) -> Option<usize> {
        let mut at = self.at;
        loop {
            at += find_special(&self.bytes[at..])?;
            if self.bytes[at] == b'"' {
                return Some(at);
            }
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

    /// From just after an opening quote to just after the closing one: appends the string
    /// to `out` with its escapes decoded. `None` on a malformed escape or a lone surrogate,
    /// which serde rejects in a string it keeps.
    fn unescape_into(&mut self, out: &mut String) -> Option<()> {
        let mut at = self.at;
        loop {
            // `"` and `\` are ASCII, so every cut here is on a character boundary.
            let stop = at + find_special(&self.bytes[at..])?;
            out.push_str(&self.text[at..stop]);
            if self.bytes[stop] == b'"' {
                self.at = stop + 1;
                return Some(());
            }
            let decoded = match *self.bytes.get(stop + 1)? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\x08',
                b'f' => '\x0c',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let (c, len) = unicode_escape(&self.bytes[stop..])?;
                    out.push(c);
                    at = stop + len;
                    continue;
                }
                _ => return None,
            };
            out.push(decoded);
            at = stop + 2;
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
                    self.at = self.string_end()? + 1;
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
        self.at = self.string_end()? + 1;
        self.ws();
        self.eat(b':')
    }
}

/// The offset of the first `"` or `\\` in `hay`, 16 bytes at a time: strings are cut by
/// an escape every ~100 bytes in news text, too short a run for `memchr2`'s setup to pay.
fn find_special(hay: &[u8]) -> Option<usize> {
    let mut blocks = hay.chunks_exact(16);
    let mut base = 0;
    for block in &mut blocks {
        let mask = special_mask(block.try_into().ok()?);
        if mask != 0 {
            return Some(base + mask.trailing_zeros() as usize);
        }
        base += 16;
    }
    let tail = blocks.remainder();
    tail.iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|p| base + p)
}

/// Bit `j` set when byte `j` of `block` is `"` or `\\`, with SSE2 (part of every x86-64
/// CPU; the compiler does not vectorise the plain loop well).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn special_mask(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::*;
    let (lo, hi) = halves(block);
    // SAFETY: SSE2 is part of every x86-64 CPU (the target's baseline); these intrinsics
    // only compute on their register arguments (no memory access).
    let mask = unsafe {
        let v = _mm_set_epi64x(hi, lo);
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        _mm_movemask_epi8(_mm_or_si128(quote, backslash))
    };
    mask as u32 & 0xFFFF
}

/// [`special_mask`] byte by byte, off x86-64.
#[cfg(not(target_arch = "x86_64"))]
fn special_mask(block: &[u8; 16]) -> u32 {
    block.iter().enumerate().fold(0, |mask, (j, &b)| {
        mask | (u32::from(b == b'"' || b == b'\\') << j)
    })
}

/// The value of four hex digits.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| {
        let v = (d as char).to_digit(16)?;
        Some(n << 4 | v)
    })
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
