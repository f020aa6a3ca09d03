//! Snowball stemming (rust-stemmers) with a per-thread word → stem cache.
//!
//! News vocabulary is Zipfian: a few thousand words make most tokens, so caching the stem
//! of each word seen on this thread avoids re-running the Snowball automaton. The cache is
//! a pure memo (same input, same output), so results are identical with and without it.
use super::Interner;
use super::TextError;
use rust_stemmers::{Algorithm, Stemmer};
use std::cell::RefCell;

/// Every rust-stemmers language, by lower-case name and ISO 639-1 code.
const STEMMERS: &[(&str, &str, Algorithm)] = &[
    ("arabic", "ar", Algorithm::Arabic),
    ("danish", "da", Algorithm::Danish),
    ("dutch", "nl", Algorithm::Dutch),
    ("english", "en", Algorithm::English),
    ("finnish", "fi", Algorithm::Finnish),
    ("french", "fr", Algorithm::French),
    ("german", "de", Algorithm::German),
    ("greek", "el", Algorithm::Greek),
    ("hungarian", "hu", Algorithm::Hungarian),
    ("italian", "it", Algorithm::Italian),
    ("norwegian", "no", Algorithm::Norwegian),
    ("portuguese", "pt", Algorithm::Portuguese),
    ("romanian", "ro", Algorithm::Romanian),
    ("russian", "ru", Algorithm::Russian),
    ("spanish", "es", Algorithm::Spanish),
    ("swedish", "sv", Algorithm::Swedish),
    ("tamil", "ta", Algorithm::Tamil),
    ("turkish", "tr", Algorithm::Turkish),
];

/// Entries kept per language and thread before the cache is cleared (bounds memory on
/// corpora with huge vocabularies; a clear only costs recomputation).
const CACHE_CAP: usize = 1 << 18;

/// One language's memo: word id (interned) → stem span in `stems`.
#[derive(Default)]
struct Memo {
    words: Interner,
    stems: String,
    spans: Vec<(usize, usize)>,
}

thread_local! {
    static CACHE: RefCell<Vec<Memo>> =
        RefCell::new((0..STEMMERS.len()).map(|_| Memo::default()).collect());
}

/// The stemmer language names, for messages and help text.
pub fn stemmer_languages() -> Vec<&'static str> {
    STEMMERS.iter().map(|(name, _, _)| *name).collect()
}

/// Resolves a stemmer spec: `none` (or empty) → `None`; a language name or ISO code
/// (case-insensitive) → its canonical lower-case name.
pub fn resolve_stemmer(spec: &str) -> Result<Option<String>, TextError> {
    let s = spec.trim().to_lowercase();
    if s.is_empty() || s == "none" {
        return Ok(None);
    }
    STEMMERS
        .iter()
        .find(|(name, code, _)| *name == s || *code == s)
        .map(|(name, _, _)| Some(name.to_string()))
        .ok_or_else(|| {
            TextError::Invalid(format!(
                "unknown stemmer {:?}: use `none` or one of {}",
                spec.trim(),
                stemmer_languages().join(", ")
            ))
        })
}

/// A Snowball stemmer for one language, optionally memoised per thread.
pub struct StemFilter {
    index: usize,
    stemmer: Stemmer,
    cache: bool,
}

impl std::fmt::Debug for StemFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StemFilter")
            .field("language", &STEMMERS[self.index].0)
            .field("cache", &self.cache)
            .finish()
    }
}

impl Clone for StemFilter {
    fn clone(&self) -> Self {
        StemFilter {
            index: self.index,
            stemmer: Stemmer::create(STEMMERS[self.index].2),
            cache: self.cache,
        }
    }
}

impl StemFilter {
    /// Builds the stemmer for a language name as returned by [`resolve_stemmer`].
    pub fn new(language: &str) -> Result<Self, TextError> {
        let canonical = resolve_stemmer(language)?.ok_or_else(|| {
            TextError::Invalid("stemmer language `none` has no stemmer".to_string())
        })?;
        let index = STEMMERS
            .iter()
            .position(|(name, _, _)| *name == canonical)
            .unwrap_or(0);
        Ok(StemFilter {
            index,
            stemmer: Stemmer::create(STEMMERS[index].2),
            cache: true,
        })
    }

    /// Turns the per-thread cache on or off (on by default); results do not change.
    pub fn set_cache(&mut self, on: bool) {
        self.cache = on;
    }

    /// Calls `f` with the stem of `word`.
    #[inline]
    pub fn stem_with<R>(&self, word: &str, f: impl FnOnce(&str) -> R) -> R {
        if !self.cache {
            return f(&self.stemmer.stem(word));
        }
        CACHE.with(|cell| match cell.try_borrow_mut() {
            Ok(mut maps) => {
                let memo = &mut maps[self.index];
                if let Some(id) = memo.words.find(word) {
                    let (s, e) = memo.spans[id as usize];
                    return f(&memo.stems[s..e]);
                }
                let stem = self.stemmer.stem(word);
                if memo.words.len() >= CACHE_CAP {
                    *memo = Memo::default();
                }
                memo.words.intern(word);
                let start = memo.stems.len();
                memo.stems.push_str(&stem);
                memo.spans.push((start, memo.stems.len()));
                f(&stem)
            }
            // Re-entrant use from inside `f` on this thread: stem without the cache.
            Err(_) => f(&self.stemmer.stem(word)),
        })
    }

    /// The stem of `word`, computed without touching the per-thread cache (for callers
    /// that stem each distinct word once).
    pub fn stem_uncached(&self, word: &str) -> String {
        self.stemmer.stem(word).into_owned()
    }

    /// The stem of `word` as an owned string (convenience; not for hot paths).
    pub fn stem(&self, word: &str) -> String {
        self.stem_with(word, str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_and_german() {
        let en = StemFilter::new("english").unwrap();
        assert_eq!(en.stem("running"), "run");
        assert_eq!(en.stem("cats"), "cat");
        let de = StemFilter::new("de").unwrap();
        assert_eq!(de.stem("häuser"), "haus");
        assert_eq!(de.stem("katzen"), "katz");
    }

    #[test]
    fn cache_changes_nothing() {
        let cached = StemFilter::new("english").unwrap();
        let mut plain = cached.clone();
        plain.set_cache(false);
        for w in [
            "running",
            "runs",
            "generously",
            "running",
            "nationalization",
            "é",
        ] {
            assert_eq!(cached.stem(w), plain.stem(w), "{w}");
            assert_eq!(cached.stem(w), plain.stem(w), "{w} (cache hit)");
        }
    }

    #[test]
    fn resolve() {
        assert_eq!(resolve_stemmer("none").unwrap(), None);
        assert_eq!(
            resolve_stemmer("English").unwrap().as_deref(),
            Some("english")
        );
        assert_eq!(resolve_stemmer("ru").unwrap().as_deref(), Some("russian"));
        let e = resolve_stemmer("elvish").unwrap_err().to_string();
        assert!(
            e.contains("elvish") && e.contains("german") && e.contains("turkish"),
            "{e}"
        );
    }
}
