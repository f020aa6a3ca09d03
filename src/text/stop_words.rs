//! Stop-word lists: resolution of a user spec, and the filter itself.
//!
//! `english` (and every other language name) comes from the `stop-words` crate. With its
//! `nltk` feature on, the NLTK list takes precedence over the stopwords-iso one for the
//! languages NLTK covers, so `english` is NLTK's English list (198 words, lowercase, with
//! contracted forms such as "don't" that the default tokenizer never produces). This is
//! not scikit-learn's `ENGLISH_STOP_WORDS` (318 words). The resolved list is stored in the
//! model, so a model never changes meaning with a crate upgrade.
use super::Interner;
use super::TextError;
use std::path::Path;

/// Language names accepted for stop-word lists, with the `stop-words` crate code.
/// Entries whose code the crate does not offer are ignored at run time.
const LANGUAGES: &[(&str, &str)] = &[
    ("afrikaans", "af"),
    ("albanian", "sq"),
    ("arabic", "ar"),
    ("armenian", "hy"),
    ("azerbaijani", "az"),
    ("basque", "eu"),
    ("belarusian", "be"),
    ("bengali", "bn"),
    ("breton", "br"),
    ("bulgarian", "bg"),
    ("catalan", "ca"),
    ("chinese", "zh"),
    ("croatian", "hr"),
    ("czech", "cs"),
    ("danish", "da"),
    ("dutch", "nl"),
    ("english", "en"),
    ("esperanto", "eo"),
    ("estonian", "et"),
    ("finnish", "fi"),
    ("french", "fr"),
    ("galician", "gl"),
    ("german", "de"),
    ("greek", "el"),
    ("gujarati", "gu"),
    ("hausa", "ha"),
    ("hebrew", "he"),
    ("hindi", "hi"),
    ("hinglish", "hinglish"),
    ("hungarian", "hu"),
    ("indonesian", "id"),
    ("irish", "ga"),
    ("italian", "it"),
    ("japanese", "ja"),
    ("kazakh", "kk"),
    ("korean", "ko"),
    ("kurdish", "ku"),
    ("latin", "la"),
    ("latvian", "lv"),
    ("lithuanian", "lt"),
    ("malay", "ms"),
    ("marathi", "mr"),
    ("nepali", "ne"),
    ("norwegian", "no"),
    ("persian", "fa"),
    ("polish", "pl"),
    ("portuguese", "pt"),
    ("romanian", "ro"),
    ("russian", "ru"),
    ("slovak", "sk"),
    ("slovenian", "sl"),
    ("somali", "so"),
    ("sotho", "st"),
    ("spanish", "es"),
    ("swahili", "sw"),
    ("swedish", "sv"),
    ("tagalog", "tl"),
    ("tajik", "tg"),
    ("tamil", "ta"),
    ("thai", "th"),
    ("turkish", "tr"),
    ("ukrainian", "uk"),
    ("urdu", "ur"),
    ("uzbek", "uz"),
    ("vietnamese", "vi"),
    ("yoruba", "yo"),
    ("zulu", "zu"),
];

/// The language names usable as a stop-word spec (those the crate actually provides).
pub fn stop_word_languages() -> Vec<&'static str> {
    LANGUAGES
        .iter()
        .filter(|(_, code)| stop_words::lookup(code).is_some())
        .map(|(name, _)| *name)
        .collect()
}

/// Resolves a stop-word spec to a sorted, deduplicated word list.
///
/// `spec` is `none` (or empty), a language name (`english`, `german`, ...; case-insensitive),
/// a code of the `stop-words` crate (`en`, `de`, ...), or the path of a UTF-8 file with one
/// word per line (blank lines and lines starting with `#` are ignored; words are trimmed).
pub fn resolve_stop_words(spec: &str) -> Result<Vec<String>, TextError> {
    let trimmed = spec.trim();
    let lower = trimmed.to_lowercase();
    if lower.is_empty() || lower == "none" {
        return Ok(Vec::new());
    }
    let code = LANGUAGES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, code)| *code)
        .unwrap_or(lower.as_str());
    let is_path = Path::new(trimmed).is_file();
    if !is_path {
        if let Some(words) = stop_words::lookup(code) {
            return Ok(normalise(words.iter().map(|w| w.to_string())));
        }
        return Err(TextError::Invalid(format!(
            "unknown stop-word list {trimmed:?}: not `none`, a language ({}), \
             nor an existing file (one word per line)",
            stop_word_languages().join(", ")
        )));
    }
    let data = std::fs::read_to_string(trimmed)
        .map_err(|e| TextError::Invalid(format!("cannot read stop-word file {trimmed:?}: {e}")))?;
    Ok(normalise(data.lines().filter_map(|line| {
        let w = line.trim();
        (!w.is_empty() && !w.starts_with('#')).then(|| w.to_string())
    })))
}

fn normalise(words: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = words.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Drops tokens that are in the stop list (exact, case-sensitive match on the token as
/// it comes out of the tokenizer, i.e. after lowercasing when that is on).
#[derive(Debug, Default)]
pub struct StopFilter {
    words: Interner,
}

impl Clone for StopFilter {
    fn clone(&self) -> Self {
        let mut words = Interner::default();
        for w in self.words.iter() {
            words.intern(w);
        }
        StopFilter { words }
    }
}

impl StopFilter {
    /// Builds the filter from a resolved list.
    pub fn new(words: &[String]) -> Self {
        let mut set = Interner::default();
        for w in words {
            set.intern(w);
        }
        StopFilter { words: set }
    }

    /// Whether the filter removes nothing (lets the analyzer skip the lookup).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `token` is a stop word.
    #[inline]
    pub fn is_stop(&self, token: &str) -> bool {
        self.words.find(token).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_nltk_list() {
        let en = resolve_stop_words("english").unwrap();
        assert_eq!(en, resolve_stop_words("EN").unwrap());
        for w in ["the", "and", "of", "ourselves", "don't"] {
            assert!(en.binary_search(&w.to_string()).is_ok(), "{w}");
        }
        assert!(en.windows(2).all(|p| p[0] < p[1]), "sorted and unique");
        let f = StopFilter::new(&en);
        assert!(f.is_stop("the") && !f.is_stop("cat") && !f.is_stop("The"));
    }

    #[test]
    fn other_languages_and_none() {
        let de = resolve_stop_words("german").unwrap();
        assert!(de.contains(&"und".to_string()));
        assert!(resolve_stop_words("none").unwrap().is_empty());
        assert!(resolve_stop_words("").unwrap().is_empty());
        assert!(stop_word_languages().contains(&"french"));
    }

    #[test]
    fn file_list() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        use std::io::Write;
        writeln!(f, "# my list\nzebra\n\n  apple  \nzebra").unwrap();
        let words = resolve_stop_words(f.path().to_str().unwrap()).unwrap();
        assert_eq!(words, ["apple", "zebra"]);
    }

    #[test]
    fn unknown_spec_is_a_clear_error() {
        let e = resolve_stop_words("klingonish").unwrap_err().to_string();
        assert!(e.contains("klingonish") && e.contains("english"), "{e}");
    }
}
