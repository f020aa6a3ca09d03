//! Tokenizers: the built-in equivalent of `(?u)\b\w\w+\b`, and a custom regex.
//!
//! The built-in tokenizer is hand-written because it runs over every byte of the corpus:
//! a 128-entry table decides ASCII bytes, and only non-ASCII characters are decoded and
//! looked up (binary search) in the Unicode `\w` ranges taken from `regex-syntax`. Tokens
//! are slices of the input, so nothing is allocated per token. The raw-text scan that
//! fitting and `transform` use ([`Tokenizer::lower_word_spans`]) goes further: it classifies
//! 64 bytes at a time into bit masks (SSE2 on x86-64) and reads all-ASCII tokens off them.
//!
//! "Word character" means the regex crate's Unicode `\w` (UTS #18: Alphabetic, marks,
//! decimal digits, connector punctuation, join controls). Python's `re` leaves out marks
//! and the non-underscore connectors, so text with combining marks (e.g. Devanagari vowel
//! signs, decomposed accents) is split less eagerly here than by scikit-learn; ASCII and
//! precomposed Latin, Greek and Cyrillic text tokenize identically.
use super::TextError;
use regex::Regex;
use std::sync::OnceLock;

/// Splits lowercased text into tokens.
#[derive(Debug, Clone)]
pub enum Tokenizer {
    /// Maximal runs of word characters that are at least two characters long.
    Word,
    /// A user pattern: the first capture group of each match if it has one, else the match.
    Regex {
        /// The compiled pattern.
        re: Regex,
        /// Whether the pattern has a capture group (then group 1 is the token).
        group: bool,
    },
}

impl Tokenizer {
    /// Builds the built-in tokenizer (`None`) or compiles a custom `token_pattern`.
    ///
    /// Like scikit-learn, a pattern may have at most one capture group.
    pub fn new(token_pattern: Option<&str>) -> Result<Self, TextError> {
        let Some(pattern) = token_pattern else {
            return Ok(Tokenizer::Word);
        };
        let re = Regex::new(pattern).map_err(|e| {
            TextError::Invalid(format!(
                "token pattern {pattern:?} is not a valid regex: {e}"
            ))
        })?;
        let groups = re.captures_len() - 1;
        if groups > 1 {
            return Err(TextError::Invalid(format!(
                "token pattern {pattern:?} has {groups} capture groups; at most one is allowed \
                 (use (?:...) for grouping)"
            )));
        }
        Ok(Tokenizer::Regex {
            re,
            group: groups == 1,
        })
    }

    /// Calls `f` with each token of `text`, in order. Empty matches are skipped.
    #[inline]
    pub fn for_each_token<'t>(&self, text: &'t str, mut f: impl FnMut(&'t str)) {
        match self {
            Tokenizer::Word => for_each_word(text, f),
            Tokenizer::Regex { re, group: false } => {
                for m in re.find_iter(text) {
                    if !m.as_str().is_empty() {
                        f(m.as_str());
                    }
                }
            }
            Tokenizer::Regex { re, group: true } => {
                for caps in re.captures_iter(text) {
                    if let Some(m) = caps.get(1) {
                        if !m.as_str().is_empty() {
                            f(m.as_str());
                        }
                    }
                }
            }
        }
    }
}

/// ASCII word bytes: `[0-9A-Za-z_]`.
static ASCII_WORD: [bool; 128] = {
    let mut t = [false; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'_';
        i += 1;
    }
    t
};

/// The non-ASCII part of Unicode `\w`, as sorted inclusive ranges.
fn unicode_word_ranges() -> &'static [(char, char)] {
    static RANGES: OnceLock<Vec<(char, char)>> = OnceLock::new();
    RANGES.get_or_init(|| {
        use regex_syntax::hir::{Class, HirKind};
        let hir = regex_syntax::Parser::new()
            .parse(r"\w")
            .expect("\\w is a valid pattern");
        match hir.kind() {
            HirKind::Class(Class::Unicode(cls)) => cls
                .ranges()
                .iter()
                .map(|r| (r.start(), r.end()))
                .filter(|&(_, end)| end as u32 >= 0x80)
                .collect(),
            _ => unreachable!("\\w parses to a Unicode class"),
        }
    })
}

/// Whether `c` is a word character (Unicode `\w`).
#[inline]
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return ASCII_WORD[c as usize];
    }
    let ranges = unicode_word_ranges();
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// The built-in tokenizer: maximal runs of word characters of at least two characters.
#[inline]
pub fn for_each_word<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        // Skip separators.
        let b = bytes[i];
        if b < 0x80 {
            if !ASCII_WORD[b as usize] {
                i += 1;
                continue;
            }
        } else {
            let c = decode_at(text, i);
            if !is_word_char(c) {
                i += c.len_utf8();
                continue;
            }
        }
        // A token starts at i: extend it while word characters follow.
        let start = i;
        let mut chars = 0usize;
        while i < n {
            let b = bytes[i];
            if b < 0x80 {
                if !ASCII_WORD[b as usize] {
                    break;
                }
                i += 1;
            } else {
                let c = decode_at(text, i);
                if !is_word_char(c) {
                    break;
                }
                i += c.len_utf8();
            }
            chars += 1;
        }
        if chars >= 2 {
            f(&text[start..i]);
        }
    }
}

/// Bytes that continue an ASCII run of word characters: `[0-9A-Za-z_]`, nothing else
/// (a byte >= 0x80 stops the run and is decoded).
static WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = ASCII_WORD[i];
        i += 1;
    }
    t
};

/// The index of the first byte at or after `i` that is not an ASCII word byte (a
/// separator, a byte >= 0x80, or the end), testing eight bytes at a time: tokens are
/// mostly a few ASCII bytes, so this is usually one step.
#[inline(always)]
fn ascii_word_end(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x80 * ONES;
    // Per byte v < 0x80: high bit set iff lo <= v <= hi (no carries between bytes).
    let in_range = |v: u64, lo: u8, hi: u8| {
        (v + u64::from(0x80 - lo) * ONES) & !(v + u64::from(0x7F - hi) * ONES)
    };
    while let Some(chunk) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let low = x & !HIGH;
        let word = in_range(low, b'0', b'9')
            | in_range(low | (0x20 * ONES), b'a', b'z')
            | in_range(low, b'_', b'_');
        let stop = (!word | x) & HIGH;
        if stop != 0 {
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && WORD_BYTE[bytes[i] as usize] {
        i += 1;
    }
    i
}

/// Whether `c` lowercases to itself, so that lowercasing a document that contains it
/// changes neither the byte positions nor the words around it.
///
/// News text's non-ASCII characters are mostly curly quotes, dashes and Latin-1 lowercase
/// letters: those ranges (none of which has a case mapping) answer without the table
/// search of `to_lowercase`.
#[inline]
fn lowercases_to_itself(c: char) -> bool {
    if matches!(c, '\u{A0}'..='\u{BF}' | '\u{DF}'..='\u{FF}' | '\u{2000}'..='\u{206F}') {
        return true;
    }
    let mut l = c.to_lowercase();
    l.next() == Some(c) && l.next().is_none()
}

impl Tokenizer {
    /// The built-in tokenizer's tokens of `text` **lowercased**, found in `text` itself
    /// without lowercasing a copy first: calls `f(start, end)` with the byte span in
    /// `text` of each token, whose lowercase form is then the span ASCII-lowercased.
    ///
    /// That holds when every non-ASCII character of `text` lowercases to itself (true of
    /// nearly every English document: curly quotes, dashes, accented lowercase letters);
    /// lowercasing then only changes `A`..=`Z`, which keeps every byte offset and word
    /// boundary. The scan stops and returns `false` at the first other character (e.g.
    /// `É`, `Σ`, `İ`), having possibly called `f` already: the caller discards those spans
    /// and lowercases the document the general way. Returns `true` when done.
    ///
    /// The text is scanned 64 bytes at a time: one bit mask of the ASCII word bytes
    /// (`block_masks`) gives every token of an all-ASCII block with a few bit operations
    /// each, instead of a table lookup and a branch per byte. A block's first non-ASCII
    /// byte, and a token that touches it, go through `scalar_step` (decode, `\w` lookup),
    /// and block scanning resumes right after.
    #[inline]
    pub fn lower_word_spans(text: &str, mut f: impl FnMut(usize, usize)) -> bool {
        let bytes = text.as_bytes();
        let n = bytes.len();
        // Invariant at the top of the loop: `i` is a char boundary and no token is open at
        // `i` except `open`, the start of a run of ASCII word bytes that reached the end of
        // the previous block.
        let mut i = 0usize;
        let mut open: Option<usize> = None;
        while i < n {
            let mut pad = [0u8; 64];
            let block: &[u8; 64] = match bytes.get(i..i + 64).and_then(|b| b.try_into().ok()) {
                Some(b) => b,
                None => {
                    // The tail, padded with NULs (separators).
                    pad[..n - i].copy_from_slice(&bytes[i..]);
                    &pad
                }
            };
            let (mut w, mut high) = block_masks(block);
            if high != 0 {
                high = skip_punctuation(block, high);
            }
            // Bytes from the first non-ASCII one on are left to `scalar_step`.
            let limit = high.trailing_zeros();
            if high != 0 {
                w &= (1u64 << limit) - 1;
            }
            // A token that touches the non-ASCII byte may continue through it.
            let mut slow_from: Option<usize> = None;
            if let Some(s) = open.take() {
                let run = (!w).trailing_zeros();
                if run == 64 {
                    open = Some(s);
                    i += 64;
                    continue;
                }
                if high != 0 && run == limit {
                    slow_from = Some(s);
                    w = 0;
                } else {
                    if i + run as usize - s >= 2 {
                        f(s, i + run as usize);
                    }
                    // Bits below `run` are the run's own: clear them.
                    w &= !((1u64 << run) - 1);
                }
            }
            while w != 0 {
                let low = w & w.wrapping_neg();
                let s = low.trailing_zeros() as usize;
                // Adding the run's lowest bit clears the run and sets the bit after it.
                let sum = w.wrapping_add(low);
                if sum == 0 && w >> 63 == 1 {
                    // The run reaches the block's end: it may go on in the next block.
                    open = Some(i + s);
                    break;
                }
                let e = sum.trailing_zeros();
                if high != 0 && e == limit {
                    slow_from = Some(i + s);
                    break;
                }
                let e = e as usize;
                if e - s >= 2 {
                    f(i + s, i + e);
                }
                w &= sum;
            }
            if high == 0 {
                i += 64;
                continue;
            }
            let at = slow_from.unwrap_or(i + limit as usize);
            match scalar_step(text, at, &mut f) {
                Some(next) => i = next,
                None => return false,
            }
        }
        if let Some(s) = open {
            if n - s >= 2 {
                f(s, n);
            }
        }
        true
    }
}

/// Whether the three bytes are the UTF-8 form of a General Punctuation character in
/// U+2000..=U+203E other than U+200C and U+200D (zero-width non-joiner and joiner, which
/// are join controls and so word characters): spaces, dashes, curly quotes, bullets, the
/// ellipsis. None is a word character and each lowercases to itself, so in
/// [`Tokenizer::lower_word_spans`] such a character separates words exactly as an ASCII
/// separator does. The third byte is not checked to be a continuation byte: in a `str`,
/// `E2 80` is always followed by one.
#[inline(always)]
fn is_separator_punctuation(b0: u8, b1: u8, b2: u8) -> bool {
    b0 == 0xE2 && b1 == 0x80 && b2 != 0xBF && b2 != 0x8C && b2 != 0x8D
}

/// Clears from `high` (the non-ASCII mask of `block`) the bytes of the block's leading
/// non-ASCII characters that are [`is_separator_punctuation`], up to the first other
/// non-ASCII character or a character cut by the block's end. Their word-byte bits are
/// already clear, so the block scan then treats them as separators: English news text's
/// curly quotes and dashes (~98 % of its non-ASCII characters) no longer send the scan to
/// `scalar_step` and make it reload the block after each one.
#[inline(always)]
fn skip_punctuation(block: &[u8; 64], mut high: u64) -> u64 {
    while high != 0 {
        let j = high.trailing_zeros() as usize;
        if j + 2 >= 64 || !is_separator_punctuation(block[j], block[j + 1], block[j + 2]) {
            break;
        }
        high &= !(7u64 << j);
    }
    high
}

/// Bit masks of a 64-byte block: bit `j` of the first is set when byte `j` is an ASCII
/// word byte (`[0-9A-Za-z_]`), bit `j` of the second when byte `j` is not ASCII.
#[inline(always)]
fn block_masks(b: &[u8; 64]) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    {
        block_masks_sse2(b)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        block_masks_scalar(b)
    }
}

/// [`block_masks`] one byte at a time (other targets, and the tests' reference).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline]
fn block_masks_scalar(b: &[u8; 64]) -> (u64, u64) {
    let (mut w, mut h) = (0u64, 0u64);
    for (j, &c) in b.iter().enumerate() {
        w |= u64::from(WORD_BYTE[c as usize]) << j;
        h |= u64::from(c >> 7) << j;
    }
    (w, h)
}

/// [`block_masks`] sixteen bytes at a time with SSE2 (part of every x86-64 CPU), using
/// signed byte compares: non-ASCII bytes are negative, so they fail every range test.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn block_masks_sse2(b: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::*;
    let (mut w, mut h) = (0u64, 0u64);
    for k in 0..4 {
        let word = |at: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[at..at + 8]);
            i64::from_le_bytes(x)
        };
        let (lo, hi) = (word(16 * k), word(16 * k + 8));
        // SAFETY: SSE2 is part of every x86-64 CPU (the target's baseline); these
        // intrinsics only compute on their register arguments (no memory access).
        let (is_word, high) = unsafe {
            let v = _mm_set_epi64x(hi, lo);
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let alpha = _mm_and_si128(
                _mm_cmpgt_epi8(folded, _mm_set1_epi8(b'a' as i8 - 1)),
                _mm_cmplt_epi8(folded, _mm_set1_epi8(b'z' as i8 + 1)),
            );
            let digit = _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(b'0' as i8 - 1)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(b'9' as i8 + 1)),
            );
            let under = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8));
            let is_word = _mm_or_si128(_mm_or_si128(alpha, digit), under);
            (_mm_movemask_epi8(is_word), _mm_movemask_epi8(v))
        };
        w |= u64::from(is_word as u32 & 0xFFFF) << (16 * k);
        h |= u64::from(high as u32 & 0xFFFF) << (16 * k);
    }
    (w, h)
}

/// One step of [`Tokenizer::lower_word_spans`] the general way, at byte `i` (a char
/// boundary where no token is open): skips one separator, or scans the token starting
/// there (through non-ASCII word characters) and reports it if it is long enough.
/// Returns where to continue, or `None` at a character whose lowercase differs.
#[inline(never)]
fn scalar_step(text: &str, mut i: usize, f: &mut impl FnMut(usize, usize)) -> Option<usize> {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let b = bytes[i];
    if b < 0x80 {
        if !ASCII_WORD[b as usize] {
            return Some(i + 1);
        }
    } else {
        let c = decode_at(text, i);
        if !lowercases_to_itself(c) {
            return None;
        }
        if !is_word_char(c) {
            return Some(i + c.len_utf8());
        }
    }
    // A token starts at i: extend it over ASCII word bytes, then over a non-ASCII word
    // character if one follows, and so on.
    let start = i;
    let mut wide = false;
    loop {
        i = ascii_word_end(bytes, i);
        if i < n && bytes[i] >= 0x80 {
            let c = decode_at(text, i);
            if !lowercases_to_itself(c) {
                return None;
            }
            if is_word_char(c) {
                wide = true;
                i += c.len_utf8();
                continue;
            }
        }
        break;
    }
    // At least two characters: bytes for ASCII tokens, chars otherwise.
    let long_enough = if wide {
        text[start..i].chars().nth(1).is_some()
    } else {
        i - start >= 2
    };
    if long_enough {
        f(start, i);
    }
    Some(i)
}

/// The character starting at byte `i` (a char boundary by construction).
#[inline]
fn decode_at(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or('\u{FFFD}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &Tokenizer, s: &str) -> Vec<String> {
        let mut v = Vec::new();
        t.for_each_token(s, |w| v.push(w.to_string()));
        v
    }

    #[test]
    fn default_matches_sklearn_pattern() {
        let t = Tokenizer::new(None).unwrap();
        assert_eq!(
            words(&t, "the cat's 42 dogs, a I x very_tired—owner!"),
            ["the", "cat", "42", "dogs", "very_tired", "owner"]
        );
    }

    #[test]
    fn unicode_words() {
        let t = Tokenizer::new(None).unwrap();
        assert_eq!(
            words(
                &t,
                "élan vital: crème brûlée, naïve café; ΟΔΟΣ οδός, москва ё"
            ),
            [
                "élan",
                "vital",
                "crème",
                "brûlée",
                "naïve",
                "café",
                "ΟΔΟΣ",
                "οδός",
                "москва"
            ]
        );
        // Two-character tokens count characters, not bytes; one-character words are dropped.
        assert_eq!(words(&t, "éé é ab"), ["éé", "ab"]);
        // Combining marks stay inside words (decomposed "é").
        assert_eq!(words(&t, "cafe\u{301} x"), ["cafe\u{301}"]);
        assert_eq!(words(&t, "日本語 テキスト"), ["日本語", "テキスト"]);
    }

    #[test]
    fn edges() {
        let t = Tokenizer::new(None).unwrap();
        assert!(words(&t, "").is_empty());
        assert!(words(&t, " .,; a b ").is_empty());
        assert_eq!(words(&t, "ab"), ["ab"]);
        assert_eq!(words(&t, "«ab»"), ["ab"]);
    }

    #[test]
    fn ascii_word_end_every_byte() {
        for b in 0..=255u8 {
            for at in 0..12 {
                let mut s = vec![b'a'; 12];
                s[at] = b;
                let end = ascii_word_end(&s, 0);
                let want = if WORD_BYTE[b as usize] { 12 } else { at };
                assert_eq!(end, want, "byte {b:#x} at {at}");
                assert_eq!(ascii_word_end(&s, 12), 12);
            }
        }
    }

    #[test]
    fn word_char_table() {
        assert!(is_word_char('_') && is_word_char('9') && is_word_char('ß'));
        assert!(is_word_char('\u{0301}'));
        assert!(!is_word_char('-') && !is_word_char('’') && !is_word_char('\u{a0}'));
    }

    /// The fused scan gives the tokens of the lowercased text, or declines.
    #[test]
    fn lower_word_spans_match_lowercase_then_tokenize() {
        let t = Tokenizer::new(None).unwrap();
        let cases = [
            "The CAT's 42 Dogs, a I x VERY_tired—Owner!",
            "“Quoted” café naïve ‿Tie A‿B x\u{200D}y ab\u{301}c Ab",
            "",
            "  Z z ZZ é É",
            "ÉLAN vital",
            "ΟΔΟΣ",
            "İ x",
            "\u{212A}elvin",
            "mixed 日本語 テキスト Word",
        ];
        for text in cases {
            let expected = words(&t, &text.to_lowercase());
            let mut got = Vec::new();
            let done =
                Tokenizer::lower_word_spans(text, |a, b| got.push(text[a..b].to_ascii_lowercase()));
            if done {
                assert_eq!(got, expected, "{text:?}");
            } else {
                assert!(text.chars().any(|c| c.to_lowercase().ne([c])), "{text:?}");
            }
        }
        // Declines exactly on characters whose lowercase differs.
        assert!(!Tokenizer::lower_word_spans("ÉLAN", |_, _| {}));
        assert!(!Tokenizer::lower_word_spans("ab \u{212A}", |_, _| {}));
        assert!(Tokenizer::lower_word_spans("élan — “ok”", |_, _| {}));
    }

    /// The general way, one [`scalar_step`] after another (the scan before block masks).
    fn spans_reference(text: &str) -> Option<Vec<(usize, usize)>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            i = scalar_step(text, i, &mut |a, b| out.push((a, b)))?;
        }
        Some(out)
    }

    fn spans_blocks(text: &str) -> Option<Vec<(usize, usize)>> {
        let mut out = Vec::new();
        Tokenizer::lower_word_spans(text, |a, b| out.push((a, b))).then_some(out)
    }

    /// The ranges answered without `to_lowercase` agree with it.
    #[test]
    fn lowercase_fast_ranges_are_exact() {
        for c in ('\u{80}'..='\u{2FF}').chain('\u{2000}'..='\u{2200}') {
            let mut l = c.to_lowercase();
            let slow = l.next() == Some(c) && l.next().is_none();
            assert_eq!(lowercases_to_itself(c), slow, "{c:?}");
        }
    }

    #[test]
    fn block_masks_match_byte_by_byte() {
        for b in 0..=255u8 {
            for at in [0, 1, 15, 16, 31, 33, 47, 48, 62, 63] {
                let mut block = [b'a'; 64];
                block[at] = b;
                block[(at + 17) % 64] = b' ';
                block[(at + 40) % 64] = 0xE2;
                assert_eq!(
                    block_masks(&block),
                    block_masks_scalar(&block),
                    "{b:#x}@{at}"
                );
            }
        }
    }

    /// Random texts of every length around the 64-byte block edges, mixing ASCII words,
    /// separators, non-ASCII word characters and separators (also inside and at the edges
    /// of words), and now and then a character whose lowercase differs: the block scan
    /// finds exactly the general scan's tokens, and declines on the same texts.
    #[test]
    fn block_scan_matches_scalar_scan() {
        let pieces = [
            "a", "B", "z", "Q", "0", "9", "_", " ", " ", ".", "-", "\n", "é", "ß", "日", "\u{301}",
            "’", "—", "\u{a0}", "“", "ab", "Word", "x", "ü", "\u{200D}", "‘", "”", "–", "…",
            "\u{200C}", "‿", "⁀",
        ];
        let rare = ["É", "Σ", "İ"];
        let mut next = crate::test_rng::xorshift(0x9E37_79B9_7F4A_7C15);
        let (mut declined, mut done) = (0, 0);
        for round in 0..6000 {
            let mut text = String::new();
            let target = (round % 300) as usize;
            // Runs of one piece make long words and long separators.
            while text.len() < target {
                let r = next();
                let piece = if r % 500 == 0 {
                    rare[(r >> 20) as usize % rare.len()]
                } else {
                    pieces[(r >> 8) as usize % pieces.len()]
                };
                let repeat = if r % 7 == 0 {
                    1 + (r >> 32) as usize % 70
                } else {
                    1
                };
                for _ in 0..repeat {
                    text.push_str(piece);
                }
            }
            let want = spans_reference(&text);
            assert_eq!(spans_blocks(&text), want, "{text:?}");
            if want.is_some() {
                done += 1;
            } else {
                declined += 1;
            }
        }
        assert!(
            done > 1000 && declined > 100,
            "{done} scanned, {declined} declined"
        );
        // Words and runs exactly at the block edges.
        for len in [62, 63, 64, 65, 127, 128, 129] {
            for tail in ["", " ", "é", "’", "ab", "a", "—", "“‘", "\u{200D}b", "‿c"] {
                let text = "a".repeat(len) + tail + " Xy";
                assert_eq!(spans_blocks(&text), spans_reference(&text), "{text:?}");
                let text = " ".repeat(len) + "AB" + tail;
                assert_eq!(spans_blocks(&text), spans_reference(&text), "{text:?}");
            }
        }
    }

    /// The punctuation the block scan treats as separators is exactly the non-word part
    /// of U+2000..=U+203F, and lowercases to itself.
    #[test]
    fn separator_punctuation_is_exact() {
        for c in '\u{2000}'..='\u{203F}' {
            let mut b = [0u8; 4];
            let s = c.encode_utf8(&mut b).as_bytes();
            assert_eq!(s.len(), 3);
            assert_eq!(
                is_separator_punctuation(s[0], s[1], s[2]),
                !is_word_char(c),
                "{c:?}"
            );
            assert!(lowercases_to_itself(c), "{c:?}");
        }
        // Nothing outside that range matches (same lead byte, other second bytes).
        for c in ('\u{800}'..='\u{1FFF}').chain('\u{2040}'..='\u{FFFF}') {
            let mut b = [0u8; 4];
            let s = c.encode_utf8(&mut b).as_bytes();
            if s.len() == 3 {
                assert!(!is_separator_punctuation(s[0], s[1], s[2]), "{c:?}");
            }
        }
    }

    /// Every character of U+2000..=U+2040 at every offset of a block, between, before and
    /// after ASCII and non-ASCII words: the block scan, the general scan and the plain
    /// tokenizer over the lowercased text agree.
    #[test]
    fn block_scan_punctuation_at_every_offset() {
        let t = Tokenizer::new(None).unwrap();
        for c in '\u{2000}'..='\u{2040}' {
            for at in 0..70 {
                for (left, right) in [("Ab", "cd"), ("é", "x"), ("a", "b"), (" ", "Zz"), ("q", "")]
                {
                    let text = format!("{}{left}{c}{right} {c}{c}xy{c}", "w".repeat(at));
                    let blocks = spans_blocks(&text).expect("no case-changing character");
                    assert_eq!(Some(blocks.clone()), spans_reference(&text), "{text:?}");
                    let lowered: Vec<String> = blocks
                        .iter()
                        .map(|&(a, b)| text[a..b].to_ascii_lowercase())
                        .collect();
                    assert_eq!(lowered, words(&t, &text.to_lowercase()), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn custom_pattern_whole_match_and_group() {
        let t = Tokenizer::new(Some(r"[a-z]+")).unwrap();
        assert_eq!(words(&t, "a1 bc-d"), ["a", "bc", "d"]);
        let t = Tokenizer::new(Some(r"#(\w+)")).unwrap();
        assert_eq!(words(&t, "#rust is #fast"), ["rust", "fast"]);
    }

    #[test]
    fn custom_pattern_errors() {
        let e = Tokenizer::new(Some("(")).unwrap_err().to_string();
        assert!(e.contains("not a valid regex"), "{e}");
        let e = Tokenizer::new(Some("(a)(b)")).unwrap_err().to_string();
        assert!(e.contains("2 capture groups"), "{e}");
    }
}
