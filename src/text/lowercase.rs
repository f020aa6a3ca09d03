//! Unicode-aware lowercasing of a whole document into a reusable buffer.
//!
//! Lowercasing happens once per document, before tokenizing, as in scikit-learn: the
//! tokenizer then only has to slice. Pure-ASCII documents take a byte-wise fast path;
//! anything else goes through `str::to_lowercase`, which applies the full Unicode mapping
//! including the context-dependent Greek final sigma (as Python's `str.lower` does).

/// Writes the lowercase form of `text` into `out` (cleared first).
///
/// ASCII runs are copied and lowercased in place; other characters are mapped one by one
/// with `char::to_lowercase`, which equals `str::to_lowercase` for every character except
/// capital sigma, whose lowercase depends on context: documents containing it take the
/// `str::to_lowercase` path. No allocation once `out` has grown to the document size.
pub fn lowercase_into(text: &str, out: &mut String) {
    out.clear();
    // `is_ascii` is a fast word-at-a-time scan; only non-ASCII text can hold a sigma.
    if !text.is_ascii() && text.contains('\u{03A3}') {
        out.push_str(&text.to_lowercase());
        return;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let end = bytes[i..]
            .iter()
            .position(|&b| b >= 0x80)
            .map_or(bytes.len(), |p| i + p);
        if end > i {
            let start = out.len();
            out.push_str(&text[i..end]);
            out[start..].make_ascii_lowercase();
            i = end;
        }
        if let Some(c) = text[i..].chars().next() {
            out.extend(c.to_lowercase());
            i += c.len_utf8();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(s: &str) -> String {
        let mut out = String::from("stale contents");
        lowercase_into(s, &mut out);
        out
    }

    #[test]
    fn ascii_fast_path() {
        assert_eq!(lower("Hello WORLD 42_X"), "hello world 42_x");
    }

    #[test]
    fn unicode_letters_and_final_sigma() {
        assert_eq!(lower("ÉLAN Café"), "élan café");
        assert_eq!(lower("ΟΔΟΣ ΣΑΣ"), "οδος σας");
        assert_eq!(lower("STRASSE Äpfel"), "strasse äpfel");
    }

    #[test]
    fn same_as_std_to_lowercase() {
        for s in [
            "Hello “Quoted” WORLD — Ünïcödé İstanbul ΑΒΓ ß Ǆ Ⅻ ＡＢＣ",
            "Mixed ascii/non-ascii: Café, NAÏVE, Straße, ĲSSEL",
            "Σ alone, ΟΔΟΣ. ΣΑΣ",
            "€",
        ] {
            assert_eq!(lower(s), s.to_lowercase(), "{s}");
        }
    }

    #[test]
    fn empty() {
        assert_eq!(lower(""), "");
    }
}
