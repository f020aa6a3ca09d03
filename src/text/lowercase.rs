//! Unicode-aware lowercasing of a whole document into a reusable buffer.
//!
//! Lowercasing happens once per document, before tokenizing, as in scikit-learn: the
//! tokenizer then only has to slice. Pure-ASCII documents take a byte-wise fast path;
//! anything else goes through `str::to_lowercase`, which applies the full Unicode mapping
//! including the context-dependent Greek final sigma (as Python's `str.lower` does).

/// Writes the lowercase form of `text` into `out` (cleared first).
pub fn lowercase_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&text.to_lowercase());
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
    fn empty() {
        assert_eq!(lower(""), "");
    }
}
