//! The fitted vocabulary: sorted terms and the index from term to column, stored so that a
//! model file loads with a few copies instead of one allocation and one hash-map insertion
//! per term (which was most of `predict`'s start-up time).
//!
//! Layout: every term concatenated into one string, the end offset of each term, and an
//! open-addressing table of column numbers keyed by a hash of the term's bytes. The hash is
//! defined here, on bytes, so the table in a model file means the same on every platform
//! and with every version of any hashing crate.
use serde::{Deserialize, Serialize};
use std::fmt;

/// An empty slot of the lookup table.
const EMPTY: u32 = u32::MAX;

/// Terms in column order (sorted, unique) with a lookup from term to column.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "VocabularyRepr", into = "VocabularyRepr")]
pub struct Vocabulary {
    /// Every term, concatenated in column order.
    text: String,
    /// `ends[i]` is the byte offset in `text` where term `i` ends.
    ends: Vec<u32>,
    /// Open-addressing table (linear probing), a power of two longer than the number of
    /// terms, so a probe always reaches an empty slot.
    table: Vec<u32>,
}

/// The stored form; checked by `TryFrom` before a `Vocabulary` exists.
#[derive(Serialize, Deserialize)]
struct VocabularyRepr {
    text: String,
    #[serde(with = "crate::packed::u32s")]
    ends: Vec<u32>,
    #[serde(with = "crate::packed::u32s")]
    table: Vec<u32>,
}

/// Why a list of terms or a stored vocabulary cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("vocabulary: {0}")]
pub struct VocabularyError(String);

impl Vocabulary {
    /// Builds the vocabulary of `terms`, which must be sorted and unique (column `i` is the
    /// `i`-th term).
    pub fn new<'a>(terms: impl IntoIterator<Item = &'a str>) -> Result<Self, VocabularyError> {
        let mut text = String::new();
        let mut ends = Vec::new();
        let mut previous: Option<&str> = None;
        for term in terms {
            if let Some(p) = previous {
                if p >= term {
                    return Err(VocabularyError(format!(
                        "terms not sorted and unique at column {} ({p:?}, {term:?})",
                        ends.len()
                    )));
                }
            }
            text.push_str(term);
            let end = u32::try_from(text.len())
                .map_err(|_| VocabularyError("more than 4 GiB of term text".to_string()))?;
            ends.push(end);
            previous = Some(term);
        }
        if ends.len() >= EMPTY as usize {
            return Err(VocabularyError(format!("{} terms is too many", ends.len())));
        }
        let mut vocabulary = Vocabulary {
            text,
            ends,
            table: Vec::new(),
        };
        vocabulary.table = vocabulary.build_table();
        Ok(vocabulary)
    }

    /// The number of terms (columns).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no terms.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The term of column `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }

    /// The terms in column order.
    pub fn iter(&self) -> Terms<'_> {
        Terms {
            vocabulary: self,
            next: 0,
        }
    }

    /// The column of `term`, if it is in the vocabulary.
    #[inline]
    pub fn index_of(&self, term: &str) -> Option<u32> {
        self.find::<false>(term.as_bytes())
    }

    /// The column of `term` ASCII-lowercased (only `A`..=`Z` change), if it is in the
    /// vocabulary: the same as `index_of(&term.to_ascii_lowercase())` without the copy, for
    /// `transform`'s tokens found in the raw text (see [`crate::text::Tokenizer::lower_word_spans`]).
    #[inline]
    pub fn index_of_ascii_lower(&self, term: &[u8]) -> Option<u32> {
        self.find::<true>(term)
    }

    /// Linear probing from `term`'s slot (`term` ASCII-lowercased with `LOWER`).
    #[inline]
    fn find<const LOWER: bool>(&self, term: &[u8]) -> Option<u32> {
        let mask = self.table.len() - 1;
        let mut slot = slot_of::<LOWER>(term, self.table.len());
        loop {
            let column = self.table[slot];
            if column == EMPTY {
                return None;
            }
            let stored = self.term_bytes(column as usize);
            let found = if LOWER {
                crate::text::eq_bytes_lower(stored, term)
            } else {
                crate::text::eq_bytes(stored, term)
            };
            if found {
                return Some(column);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The bytes of column `i`'s term. The lookup compares bytes inline rather than
    /// slicing the `str` (char-boundary checks) and calling `memcmp` for terms a few bytes
    /// long: 5% fewer instructions for `predict` on 20 Newsgroups posts.
    #[inline]
    fn term_bytes(&self, i: usize) -> &[u8] {
        let end = self.ends[i] as usize;
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] as usize,
        };
        &self.text.as_bytes()[start..end]
    }

    /// The lookup table for the current terms: about half full, so probes stay short.
    fn build_table(&self) -> Vec<u32> {
        let size = (self.len() * 2 + 1).next_power_of_two().max(2);
        let mut table = vec![EMPTY; size];
        for (column, term) in self.iter().enumerate() {
            let mut slot = slot_of::<false>(term.as_bytes(), size);
            while table[slot] != EMPTY {
                slot = (slot + 1) & (size - 1);
            }
            table[slot] = column as u32;
        }
        table
    }
}

/// The terms of a [`Vocabulary`] in column order.
#[derive(Clone)]
pub struct Terms<'a> {
    vocabulary: &'a Vocabulary,
    next: usize,
}

impl<'a> Iterator for Terms<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let term = self.vocabulary.get(self.next)?;
        self.next += 1;
        Some(term)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.vocabulary.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Terms<'_> {}

impl<'a> IntoIterator for &'a Vocabulary {
    type Item = &'a str;
    type IntoIter = Terms<'a>;

    fn into_iter(self) -> Terms<'a> {
        self.iter()
    }
}

impl std::ops::Index<usize> for Vocabulary {
    type Output = str;

    /// The term of column `i`; panics when `i >= len()`, like a slice.
    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(t) => t,
            None => panic!("column {i} out of range for {} terms", self.len()),
        }
    }
}

/// Two vocabularies are equal when they hold the same terms (the table follows from them).
impl PartialEq for Vocabulary {
    fn eq(&self, other: &Self) -> bool {
        self.ends == other.ends && self.text == other.text
    }
}

impl fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<Vocabulary> for VocabularyRepr {
    fn from(v: Vocabulary) -> Self {
        VocabularyRepr {
            text: v.text,
            ends: v.ends,
            table: v.table,
        }
    }
}

impl TryFrom<VocabularyRepr> for Vocabulary {
    type Error = VocabularyError;

    /// Checks everything a lookup relies on, so that no stored vocabulary, however
    /// corrupt, can make a lookup panic or loop: offsets in order and on character
    /// boundaries, terms sorted and unique, a table of the right size whose entries are
    /// columns, each column once, with at least one empty slot.
    fn try_from(r: VocabularyRepr) -> Result<Self, VocabularyError> {
        let bad = |m: String| Err(VocabularyError(m));
        let mut start = 0usize;
        for (i, &end) in r.ends.iter().enumerate() {
            let end = end as usize;
            if end < start || end > r.text.len() || !r.text.is_char_boundary(end) {
                return bad(format!(
                    "term {i} ends at byte {end}, outside the term text"
                ));
            }
            start = end;
        }
        if start != r.text.len() {
            return bad(format!(
                "{} bytes of term text, but the terms end at byte {start}",
                r.text.len()
            ));
        }
        if r.ends.len() >= EMPTY as usize {
            return bad(format!("{} terms is too many", r.ends.len()));
        }
        let expected = (r.ends.len() * 2 + 1).next_power_of_two().max(2);
        if r.table.len() != expected {
            return bad(format!(
                "lookup table of {} slots for {} terms (expected {expected})",
                r.table.len(),
                r.ends.len()
            ));
        }
        let v = Vocabulary {
            text: r.text,
            ends: r.ends,
            table: r.table,
        };
        // Byte order is str order; comparing bytes skips the char-boundary checks of `v[i]`.
        let bytes = v.text.as_bytes();
        let mut previous: &[u8] = &[];
        let mut start = 0;
        for (i, &end) in v.ends.iter().enumerate() {
            let term = &bytes[start..end as usize];
            start = end as usize;
            if i > 0 && previous >= term {
                return bad(format!(
                    "terms not sorted and unique at column {i} ({:?}, {:?})",
                    &v[i - 1],
                    &v[i]
                ));
            }
            previous = term;
        }
        // Every column exactly once and nothing else: then each probe ends (there are
        // empty slots) and every index a lookup returns is a real column. Where each term
        // sits is covered by the checksum; re-hashing every term here would double the
        // time it takes to load a model.
        let mut seen = vec![false; v.len()];
        for &column in &v.table {
            if column == EMPTY {
                continue;
            }
            match seen.get_mut(column as usize) {
                Some(s) if !*s => *s = true,
                _ => return bad(format!("lookup table holds column {column} out of place")),
            }
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return bad(format!("lookup table lacks column {missing}"));
        }
        Ok(v)
    }
}

/// The table slot where the probe for `bytes` starts, for a table of `size` (a power of two).
#[inline]
fn slot_of<const LOWER: bool>(bytes: &[u8], size: usize) -> usize {
    let bits = size.trailing_zeros();
    if bits == 0 {
        return 0;
    }
    (term_hash::<LOWER>(bytes) >> (64 - bits)) as usize
}

/// A fast multiplicative hash of a term's bytes, eight at a time; defined here (not by a
/// crate) because the tables it places terms in are stored in model files.
///
/// With `LOWER`, the hash of `bytes` ASCII-lowercased (the same value as hashing a lowercased
/// copy: each 8-byte word is lowercased in a register).
#[inline]
fn term_hash<const LOWER: bool>(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let word = |w: [u8; 8]| {
        let x = u64::from_le_bytes(w);
        if LOWER {
            crate::text::lower_word(x)
        } else {
            x
        }
    };
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = word([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(23) ^ word(last)).wrapping_mul(K);
    }
    // The slot comes from the top bits: fold the low bits in so every byte reaches them.
    h ^ (h >> 29)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(terms: &[&str]) -> Vocabulary {
        Vocabulary::new(terms.iter().copied()).unwrap()
    }

    #[test]
    fn lookup_of_ascii_lowercased_bytes_matches_lowercasing_first() {
        let mut terms = [
            "apple",
            "zebra_42",
            "été",
            "abcdefghijklmnopq",
            "x",
            "naïve",
            "@[`{",
        ];
        terms.sort_unstable();
        let v = vocab(&terms);
        for probe in [
            "APPLE",
            "Apple",
            "apple",
            "ZEBRA_42",
            "Zebra_43",
            "été",
            "ÉTÉ",
            "ABCDEFGHIJKLMNOPQ",
            "abcdefghijklmnopQ",
            "abcdefghijklmnopqr",
            "X",
            "NAÏVE",
            "naïve",
            "@[`{",
            "",
            "q",
        ] {
            assert_eq!(
                v.index_of_ascii_lower(probe.as_bytes()),
                v.index_of(&probe.to_ascii_lowercase()),
                "{probe}"
            );
        }
        // Every byte value in every lane: the word lowercasing equals the byte one.
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut w = [b'q'; 8];
                w[lane] = b;
                let lowered = w.map(|c| c.to_ascii_lowercase());
                assert_eq!(
                    crate::text::lower_word(u64::from_le_bytes(w)),
                    u64::from_le_bytes(lowered),
                    "byte {b} lane {lane}"
                );
            }
        }
    }

    #[test]
    fn looks_up_every_term_and_nothing_else() {
        let terms = ["apple", "banana", "cherry", "été", "日本語"];
        let v = vocab(&terms);
        assert_eq!(v.len(), 5);
        for (i, t) in terms.iter().enumerate() {
            assert_eq!(v.index_of(t), Some(i as u32), "{t}");
            assert_eq!(&v[i], *t);
        }
        for t in ["", "appl", "apples", "bananacherry", "ete"] {
            assert_eq!(v.index_of(t), None, "{t}");
        }
        assert_eq!(v.iter().collect::<Vec<_>>(), terms);
        assert_eq!(v.get(5), None);
    }

    #[test]
    fn many_terms_all_found() {
        let terms: Vec<String> = (0..20_000).map(|i| format!("t{i:06}")).collect();
        let v = Vocabulary::new(terms.iter().map(String::as_str)).unwrap();
        for (i, t) in terms.iter().enumerate() {
            assert_eq!(v.index_of(t), Some(i as u32));
        }
        assert_eq!(v.index_of("t020000"), None);
        assert_eq!(v.table.len(), 65_536);
    }

    #[test]
    fn empty_vocabulary_finds_nothing() {
        let v = vocab(&[]);
        assert!(v.is_empty());
        assert_eq!(v.index_of("a"), None);
    }

    #[test]
    fn refuses_unsorted_or_repeated_terms() {
        let e = Vocabulary::new(["b", "a"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "vocabulary: terms not sorted and unique at column 1 (\"b\", \"a\")"
        );
        assert!(Vocabulary::new(["a", "a"]).is_err());
    }

    #[test]
    fn hash_is_fixed_across_platforms_and_versions() {
        // Stored tables depend on these values: changing the hash needs a new file format.
        assert_eq!(term_hash::<false>(b""), 0);
        assert_eq!(term_hash::<false>(b"news"), 0x6794_278b_d788_c3a6);
        assert_eq!(term_hash::<false>(b"international"), 0xda25_dbb5_7140_ae4d);
        let v = vocab(&["climate", "election", "health"]);
        assert_eq!(v.table, [EMPTY, EMPTY, 0, 1, EMPTY, EMPTY, EMPTY, 2]);
    }

    #[test]
    fn round_trips_through_postcard() {
        let v = vocab(&["a", "bb", "ccc"]);
        let bytes = postcard::to_stdvec(&v).unwrap();
        let back: Vocabulary = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, v);
        assert_eq!(back.index_of("bb"), Some(1));
    }

    #[test]
    fn refuses_every_kind_of_corrupt_stored_vocabulary() {
        let good = vocab(&["a", "bb", "ccc"]);
        let repr = |f: &dyn Fn(&mut VocabularyRepr)| {
            let mut r = VocabularyRepr::from(good.clone());
            f(&mut r);
            Vocabulary::try_from(r).map(|_| ()).unwrap_err().to_string()
        };
        assert!(repr(&|r| r.ends[1] = 7).contains("outside the term text"));
        assert!(repr(&|r| r.ends[2] = 5).contains("terms end at byte 5"));
        assert!(repr(&|r| r.table.pop().map(|_| ()).unwrap_or(())).contains("lookup table of 7"));
        assert!(repr(&|r| r.table = vec![EMPTY; 8]).contains("lacks column 0"));
        assert!(repr(&|r| r.table = vec![0; 8]).contains("column 0 out of place"));
        assert!(repr(&|r| r.table[0] = 3).contains("column 3 out of place"));
        assert!(repr(&|r| r.text = "cbbaaa".into()).contains("not sorted"));
        // An offset inside a multi-byte character would make slicing panic.
        let e = Vocabulary::try_from(VocabularyRepr {
            text: "é".into(),
            ends: vec![1, 2],
            table: vec![EMPTY; 8],
        })
        .unwrap_err();
        assert!(e.to_string().contains("term 0 ends at byte 1"), "{e}");
    }
}
