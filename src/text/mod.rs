//! The analyzer chain: normalise → tokenize → stop words → stem → n-grams.
//!
//! Each step is its own small unit (one file each, with tests); [`Analyzer`] wires them
//! together and runs them over a document with per-thread scratch buffers, so the hot path
//! allocates nothing per token (only one lowercased copy per non-ASCII document, and one
//! entry per new word in the stem cache).
mod interner;
mod lowercase;
mod ngram;
mod stem;
mod stop_words;
mod tokenize;

pub(crate) use interner::{eq_bytes, eq_bytes_lower, lower_word};
pub use interner::{Interner, Key as InternKey};
pub use lowercase::lowercase_into;
pub use ngram::{check_ngram_range, for_each_ngram, parse_ngram_range};
pub use stem::{resolve_stemmer, stemmer_languages, StemFilter};
pub use stop_words::{resolve_stop_words, stop_word_languages, StopFilter};
pub use tokenize::{is_word_char, Tokenizer};

use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// Everything needed to rebuild the analyzer exactly; stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzerConfig {
    /// Lowercase the whole document (Unicode-aware) before tokenizing.
    pub lowercase: bool,
    /// `None`: the built-in equivalent of `(?u)\b\w\w+\b`.
    pub token_pattern: Option<String>,
    /// The resolved stop-word list, sorted (stored so a model never depends on a crate version).
    pub stop_words: Vec<String>,
    /// rust-stemmers language name in lower case (e.g. "english"), or `None`.
    pub stemmer: Option<String>,
    /// Inclusive word n-gram range, e.g. (1, 2).
    pub ngram_range: (usize, usize),
}

impl Default for AnalyzerConfig {
    /// scikit-learn's defaults: lowercase, `(?u)\b\w\w+\b`, no stop words, unigrams.
    fn default() -> Self {
        AnalyzerConfig {
            lowercase: true,
            token_pattern: None,
            stop_words: Vec::new(),
            stemmer: None,
            ngram_range: (1, 1),
        }
    }
}

impl AnalyzerConfig {
    /// Builds and validates a config from command-line style specs.
    ///
    /// `stop_spec` is as for [`resolve_stop_words`], `stem_spec` as for [`resolve_stemmer`];
    /// `token_pattern` `None` selects the built-in tokenizer. The result is checked by
    /// building an [`Analyzer`] from it, so a bad regex or range is reported here.
    pub fn from_specs(
        lowercase: bool,
        token_pattern: Option<&str>,
        stop_spec: &str,
        stem_spec: &str,
        ngram_range: (usize, usize),
    ) -> Result<Self, TextError> {
        let config = AnalyzerConfig {
            lowercase,
            token_pattern: token_pattern.map(str::to_string),
            stop_words: resolve_stop_words(stop_spec)?,
            stemmer: resolve_stemmer(stem_spec)?,
            ngram_range,
        };
        Analyzer::new(config.clone())?;
        Ok(config)
    }
}

/// Errors from building an analyzer or resolving its specs; messages name the bad value.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// An invalid setting, with a message saying which and why.
    #[error("{0}")]
    Invalid(String),
}

/// Per-thread buffers reused across documents.
#[derive(Default)]
struct Scratch {
    lower: String,
    terms: String,
    spans: Vec<(usize, usize)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// A ready-to-run analyzer built from an [`AnalyzerConfig`]. Cheap to share across threads.
#[derive(Debug, Clone)]
pub struct Analyzer {
    config: AnalyzerConfig,
    tokenizer: Tokenizer,
    stop: StopFilter,
    stemmer: Option<StemFilter>,
}

impl Analyzer {
    /// Validates `config` and builds the chain.
    pub fn new(config: AnalyzerConfig) -> Result<Self, TextError> {
        check_ngram_range(config.ngram_range)?;
        let tokenizer = Tokenizer::new(config.token_pattern.as_deref())?;
        let stop = StopFilter::new(&config.stop_words);
        let stemmer = config.stemmer.as_deref().map(StemFilter::new).transpose()?;
        Ok(Analyzer {
            config,
            tokenizer,
            stop,
            stemmer,
        })
    }

    /// The settings this analyzer was built from.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// Turns the per-thread stem cache on or off (on by default); output is unchanged.
    pub fn with_stem_cache(mut self, on: bool) -> Self {
        if let Some(s) = &mut self.stemmer {
            s.set_cache(on);
        }
        self
    }

    /// Calls `f` with each term of `text` in order (n-grams joined by a single space).
    pub fn for_each_term(&self, text: &str, mut f: impl FnMut(&str)) {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.run(text, &mut scratch, &mut f),
            // `f` itself analyzes text on this thread: use fresh buffers.
            Err(_) => self.run(text, &mut Scratch::default(), &mut f),
        })
    }

    /// Whether each term is one token mapped on its own (unigrams), so that a caller may
    /// count raw tokens ([`Analyzer::for_each_token`]) and map each distinct token once
    /// ([`Analyzer::token_term`]) instead of stemming every occurrence.
    pub fn is_unigram(&self) -> bool {
        self.config.ngram_range == (1, 1)
    }

    /// Whether n-grams may be counted as tuples of term ids and joined into strings only at
    /// the end: true for n-gram analyzers whose terms cannot contain a space (the built-in
    /// tokenizer), so an n-gram's string and its terms determine each other. A custom token
    /// pattern may match spaces ("a b" as one token would collide with the bigram "a b").
    pub fn ngrams_by_id(&self) -> bool {
        !self.is_unigram() && self.config.token_pattern.is_none()
    }

    /// Whether [`Analyzer::token_term`] is the identity (no stop words, no stemmer).
    pub fn maps_tokens(&self) -> bool {
        !self.stop.is_empty() || self.stemmer.is_some()
    }

    /// Calls `f` with each token of `text` (lowercased if configured), before stop words,
    /// stemming and n-grams.
    pub fn for_each_token(&self, text: &str, mut f: impl FnMut(&str)) {
        self.with_lowercased(text, |text| self.tokenizer.for_each_token(text, &mut f));
    }

    /// Calls `g` with `text` lowercased (into this thread's scratch buffer) if configured,
    /// else with `text` itself.
    fn with_lowercased(&self, text: &str, g: impl FnOnce(&str)) {
        let go = |scratch: &mut Scratch| {
            if self.config.lowercase {
                lowercase_into(text, &mut scratch.lower);
                g(scratch.lower.as_str());
            } else {
                g(text);
            }
        };
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => go(&mut scratch),
            // `g` itself analyzes text on this thread: use a fresh buffer.
            Err(_) => go(&mut Scratch::default()),
        })
    }

    /// Calls `f` once with the (lowercased if configured) text and the byte spans of its
    /// tokens, for callers that process a document's tokens as a batch (e.g. to prefetch
    /// hash-table slots ahead of use).
    pub fn with_token_spans(&self, text: &str, f: impl FnOnce(&str, &[(usize, usize)])) {
        let go = |scratch: &mut Scratch| {
            let Scratch { lower, spans, .. } = scratch;
            let text = if self.config.lowercase {
                lowercase_into(text, lower);
                lower.as_str()
            } else {
                text
            };
            spans.clear();
            let base = text.as_ptr() as usize;
            self.tokenizer.for_each_token(text, |tok| {
                let start = tok.as_ptr() as usize - base;
                spans.push((start, start + tok.len()));
            });
            f(text, spans);
        };
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => go(&mut scratch),
            Err(_) => go(&mut Scratch::default()),
        })
    }

    /// The unigram term that token `tok` becomes: `None` for a stop word, else its stem
    /// (or the token itself without a stemmer). Bypasses the stem cache: callers use it
    /// once per distinct token.
    pub fn token_term<'a>(&self, tok: &'a str) -> Option<std::borrow::Cow<'a, str>> {
        if !self.stop.is_empty() && self.stop.is_stop(tok) {
            return None;
        }
        Some(match &self.stemmer {
            Some(st) => std::borrow::Cow::Owned(st.stem_uncached(tok)),
            None => std::borrow::Cow::Borrowed(tok),
        })
    }

    /// Collects the terms of `text` (convenience for tests and explanations).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut v = Vec::new();
        self.for_each_term(text, |t| v.push(t.to_string()));
        v
    }

    /// Calls `f` with the unigram term of each token of `text` in order, whatever the
    /// n-gram range: stop words dropped, stems (cached) for the rest; `text` is already
    /// lowercased if configured.
    fn token_terms(&self, text: &str, f: &mut impl FnMut(&str)) {
        let stop = (!self.stop.is_empty()).then_some(&self.stop);
        self.tokenizer.for_each_token(text, |tok| {
            if stop.is_some_and(|s| s.is_stop(tok)) {
                return;
            }
            match &self.stemmer {
                Some(st) => st.stem_with(tok, &mut *f),
                None => f(tok),
            }
        });
    }

    /// Calls `f` with each term of `text` that n-grams are made of, in order: what
    /// [`Analyzer::for_each_term`] gives for unigrams (lowercased if configured, stop
    /// words dropped, stemmed), for any n-gram range. The n-grams of `text` are the runs
    /// of n consecutive terms, joined by single spaces.
    pub fn for_each_token_term(&self, text: &str, mut f: impl FnMut(&str)) {
        self.with_lowercased(text, |text| self.token_terms(text, &mut f));
    }

    fn run(&self, text: &str, scratch: &mut Scratch, f: &mut impl FnMut(&str)) {
        let Scratch {
            lower,
            terms,
            spans,
        } = scratch;
        let text = if self.config.lowercase {
            lowercase_into(text, lower);
            lower.as_str()
        } else {
            text
        };
        let stop = (!self.stop.is_empty()).then_some(&self.stop);
        if self.config.ngram_range == (1, 1) {
            // Unigrams: hand each token straight to `f`.
            self.token_terms(text, f);
            return;
        }
        // N-grams: lay the filtered tokens out space-separated, then slice.
        terms.clear();
        spans.clear();
        self.tokenizer.for_each_token(text, |tok| {
            if stop.is_some_and(|s| s.is_stop(tok)) {
                return;
            }
            let start = terms.len();
            match &self.stemmer {
                Some(st) => st.stem_with(tok, |s| terms.push_str(s)),
                None => terms.push_str(tok),
            }
            spans.push((start, terms.len()));
            terms.push(' ');
        });
        for_each_ngram(terms, spans, self.config.ngram_range, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer(c: AnalyzerConfig) -> Analyzer {
        Analyzer::new(c).unwrap()
    }

    #[test]
    fn default_chain() {
        let a = analyzer(AnalyzerConfig::default());
        assert_eq!(
            a.terms("The Cat's hat, a HAT!"),
            ["the", "cat", "hat", "hat"]
        );
        assert!(a.terms("").is_empty());
    }

    #[test]
    fn no_lowercase() {
        let a = analyzer(AnalyzerConfig {
            lowercase: false,
            ..Default::default()
        });
        assert_eq!(a.terms("The Cat"), ["The", "Cat"]);
    }

    #[test]
    fn stop_words_then_stem_then_ngrams() {
        let c = AnalyzerConfig::from_specs(true, None, "english", "english", (1, 2)).unwrap();
        let a = analyzer(c);
        // "the" and "are" are stop words and go before stemming; "running" → "run".
        assert_eq!(
            a.terms("The dogs are running fast"),
            ["dog", "run", "fast", "dog run", "run fast"]
        );
    }

    #[test]
    fn stemming_with_and_without_cache_is_identical() {
        let c = AnalyzerConfig::from_specs(true, None, "none", "english", (1, 3)).unwrap();
        let cached = analyzer(c.clone());
        let plain = analyzer(c).with_stem_cache(false);
        let text = "Generously running nations nationalized the runners' generous runs, \
                    and nationalization ran on; running again.";
        assert_eq!(cached.terms(text), plain.terms(text));
        assert_eq!(cached.terms(text), cached.terms(text));
    }

    #[test]
    fn german_stemming() {
        let c = AnalyzerConfig::from_specs(true, None, "german", "german", (1, 1)).unwrap();
        assert_eq!(
            analyzer(c).terms("Die Häuser und die Katzen"),
            ["haus", "katz"]
        );
    }

    #[test]
    fn custom_token_pattern() {
        let c = AnalyzerConfig::from_specs(true, Some(r"\b\w+\b"), "none", "none", (1, 1)).unwrap();
        assert_eq!(analyzer(c).terms("A b-cd"), ["a", "b", "cd"]);
        let c = AnalyzerConfig::from_specs(true, Some(r"(\d+)%"), "none", "none", (1, 2)).unwrap();
        assert_eq!(analyzer(c).terms("up 5% to 12%"), ["5", "12", "5 12"]);
    }

    #[test]
    fn bad_specs_are_errors() {
        assert!(AnalyzerConfig::from_specs(true, Some("(("), "none", "none", (1, 1)).is_err());
        assert!(AnalyzerConfig::from_specs(true, None, "none", "none", (2, 1)).is_err());
        assert!(AnalyzerConfig::from_specs(true, None, "nope", "none", (1, 1)).is_err());
        assert!(AnalyzerConfig::from_specs(true, None, "none", "nope", (1, 1)).is_err());
        let bad = AnalyzerConfig {
            stemmer: Some("klingon".into()),
            ..Default::default()
        };
        assert!(Analyzer::new(bad).is_err());
    }

    #[test]
    fn reentrant_use_is_safe() {
        let a = analyzer(AnalyzerConfig {
            ngram_range: (1, 2),
            stemmer: Some("english".into()),
            ..Default::default()
        });
        let mut inner = Vec::new();
        a.for_each_term("running dogs", |t| inner.push(a.terms(t)));
        assert_eq!(
            inner,
            [vec!["run"], vec!["dog"], vec!["run", "dog", "run dog"]]
        );
    }
}
