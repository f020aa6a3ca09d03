//! A string interner for the hot paths (term counting, stop words, stem cache): open addressing over `u32` ids, terms
//! stored back to back in one arena string, the full hash kept per term.
//!
//! Compared with `FxHashMap<Box<str>, u32>` it makes no allocation per new term, keeps
//! terms contiguous (cache-friendly), rejects most non-matching slots on the stored hash,
//! and compares the remaining candidates inline rather than through a `memcmp` call,
//! which dominates for the short keys of natural language.
use std::hash::Hasher;

/// Interns strings to dense ids `0..len()` in first-seen order.
#[derive(Debug, Default)]
pub struct Interner {
    /// Slot → 32-bit hash << 32 | (id + 1); 0 = empty. Length is a power of two (or
    /// zero). Keeping the hash in the slot rejects mismatches without touching `entries`.
    table: Vec<u64>,
    /// Per id: start and end in `arena`.
    entries: Vec<(usize, usize)>,
    arena: String,
}

#[inline]
fn hash(s: &str) -> u32 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(s.as_bytes());
    (h.finish() >> 32) as u32
}

/// Byte equality without a libc call for short strings.
#[inline]
fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        let x = u64::from_ne_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]);
        let y = u64::from_ne_bytes([y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]]);
        if x != y {
            return false;
        }
    }
    ca.remainder()
        .iter()
        .zip(cb.remainder())
        .all(|(x, y)| x == y)
}

impl Interner {
    /// The number of distinct strings.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing has been interned.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The string with id `id`.
    pub fn get(&self, id: u32) -> &str {
        let (s, e) = self.entries[id as usize];
        &self.arena[s..e]
    }

    /// All strings in id order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|&(s, e)| &self.arena[s..e])
    }

    #[inline]
    fn slot(&self, h: u32) -> usize {
        // Fibonacci hashing: the high bits of the product index the table.
        let bits = self.table.len().trailing_zeros();
        (u64::from(h).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// The id of `s`, if it has been interned.
    #[inline]
    pub fn find(&self, s: &str) -> Option<u32> {
        if self.table.is_empty() {
            return None;
        }
        let h = hash(s);
        let mask = self.table.len() - 1;
        let mut i = self.slot(h);
        loop {
            let v = self.table[i];
            if v == 0 {
                return None;
            }
            if (v >> 32) as u32 == h && self.matches(v, s) {
                return Some(v as u32 - 1);
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of `s`, interning it if new.
    #[inline]
    pub fn intern(&mut self, s: &str) -> u32 {
        if self.entries.len() * 2 >= self.table.len() {
            self.grow();
        }
        let h = hash(s);
        let mask = self.table.len() - 1;
        let mut i = self.slot(h);
        loop {
            let v = self.table[i];
            if v == 0 {
                let id = self.entries.len() as u32;
                let start = self.arena.len();
                self.arena.push_str(s);
                self.entries.push((start, self.arena.len()));
                self.table[i] = u64::from(h) << 32 | u64::from(id + 1);
                return id;
            }
            if (v >> 32) as u32 == h && self.matches(v, s) {
                return v as u32 - 1;
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    fn matches(&self, slot: u64, s: &str) -> bool {
        let (st, en) = self.entries[(slot as u32 - 1) as usize];
        eq_bytes(&self.arena.as_bytes()[st..en], s.as_bytes())
    }

    fn grow(&mut self) {
        let new_len = (self.table.len() * 2).max(1024);
        let mask = new_len - 1;
        let old = std::mem::replace(&mut self.table, vec![0; new_len]);
        for v in old.into_iter().filter(|&v| v != 0) {
            let mut i = self.slot((v >> 32) as u32);
            while self.table[i] != 0 {
                i = (i + 1) & mask;
            }
            self.table[i] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_in_first_seen_order() {
        let mut it = Interner::default();
        let words: Vec<String> = (0..5000)
            .map(|i| format!("w{i}_{}", "x".repeat(i % 20)))
            .collect();
        for w in &words {
            it.intern(w);
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(it.intern(w), i as u32);
            assert_eq!(it.get(i as u32), w);
        }
        assert_eq!(it.len(), 5000);
        assert_eq!(it.find("w3_xxx"), Some(3));
        assert_eq!(it.find("nope"), None);
        assert_eq!(Interner::default().find("x"), None);
        assert_eq!(it.intern(""), 5000);
        assert_eq!(it.intern(""), 5000);
        assert!(it.iter().eq(words.iter().map(String::as_str).chain([""])));
    }

    #[test]
    fn equality_helper() {
        assert!(eq_bytes(b"abcdefghij", b"abcdefghij"));
        assert!(!eq_bytes(b"abcdefghij", b"abcdefghik"));
        assert!(!eq_bytes(b"abcdefgh", b"abcdefgi"));
        assert!(!eq_bytes(b"abc", b"abcd"));
        assert!(eq_bytes(b"", b""));
    }
}
