//! The TF-IDF vectorizer: vocabulary and IDF learnt once from training text, then applied
//! unchanged to any text (scikit-learn's `TfidfVectorizer` definitions).
//!
//! Fitting runs in three phases. (1) In parallel, each chunk of documents is analyzed and
//! counted against a chunk-local interned vocabulary, keeping each document's (local id,
//! count) pairs. For unigram analyzers the keys are the raw (lowercased) tokens: stop
//! words and stemming are pure functions of the token, so they are applied once per
//! distinct token in phase 2 instead of once per occurrence. Chunks are appended in
//! document order to one pair of flat arrays (global key ids, counts) as they finish, so the
//! serial append overlaps the analysis of later chunks (in memory, from outside the rayon
//! pool, and when streaming with [`TfidfVectorizer::fit_transform_batches`], where it also
//! overlaps reading; a batch's raw text is dropped once counted).
//! (2) Keys are mapped to terms, pairs of a document that map to one term are merged, and
//! document frequencies are counted (when keys are the terms, each chunk counts its keys'
//! document frequencies and the append sums them, so no pass over the pairs is left for
//! after reading); terms are filtered (min_df, max_df, max_features)
//! and sorted, so the column order depends only on the corpus. (3) In parallel per chunk,
//! each row is mapped to columns, sorted and weighted, and written back in place over
//! its own pairs: the counts array becomes the CSR data, so the corpus's counts exist
//! once, not once as pairs and once as the matrix. Counts are integers and each row is
//! weighted in column order, so the matrix is bit-identical at any thread count and for
//! any chunking or batch size.
//!
//! Word n-grams (built-in tokenizer) are counted as tuples of term ids, never as strings
//! until pruning has picked the ones kept: see the `ngrams` module (`tfidf_ngrams.rs`).
use super::{Csr, FeatureError, SparseRecords, TfidfParams, Vocabulary};
use crate::text::{Analyzer, AnalyzerConfig, Interner, Tokenizer};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[path = "tfidf_ngrams.rs"]
mod ngrams;

/// A fitted TF-IDF vectorizer: analyzer, settings, vocabulary (sorted) and IDF weights.
///
/// Serialized (e.g. with postcard) as the analyzer config, params, vocabulary and IDF;
/// deserializing rebuilds the analyzer and the term index and checks their consistency.
#[derive(Clone, Deserialize)]
#[serde(try_from = "TfidfRepr")]
pub struct TfidfVectorizer {
    analyzer: Analyzer,
    params: TfidfParams,
    vocabulary: Vocabulary,
    idf: Vec<f32>,
    /// The vocabulary's n-grams by term ids, built by the first `transform` of a batch
    /// large enough to repay it (never for a one-document cold start); `None` inside when
    /// the analyzer's n-grams cannot be counted by id. Derived data, not serialized;
    /// clones share it.
    grams: OnceLock<Option<std::sync::Arc<ngrams::GramIndex>>>,
}

impl std::fmt::Debug for TfidfVectorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TfidfVectorizer")
            .field("analyzer", self.analyzer.config())
            .field("params", &self.params)
            .field("n_features", &self.vocabulary.len())
            .finish()
    }
}

/// Two vectorizers are equal when they produce the same features: same analyzer, settings,
/// vocabulary and IDF.
impl PartialEq for TfidfVectorizer {
    fn eq(&self, other: &Self) -> bool {
        self.analyzer.config() == other.analyzer.config()
            && self.params == other.params
            && self.idf == other.idf
            && self.vocabulary == other.vocabulary
    }
}

/// The stored form (owned, for deserializing).
#[derive(Deserialize)]
struct TfidfRepr {
    analyzer: AnalyzerConfig,
    params: TfidfParams,
    vocabulary: Vocabulary,
    #[serde(with = "crate::packed::f32s")]
    idf: Vec<f32>,
}

/// The stored form (borrowed, for serializing without a copy); same layout as `TfidfRepr`.
#[derive(Serialize)]
struct TfidfReprRef<'a> {
    analyzer: &'a AnalyzerConfig,
    params: &'a TfidfParams,
    vocabulary: &'a Vocabulary,
    #[serde(with = "crate::packed::f32s")]
    idf: &'a [f32],
}

impl Serialize for TfidfVectorizer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TfidfReprRef {
            analyzer: self.analyzer.config(),
            params: &self.params,
            vocabulary: &self.vocabulary,
            idf: &self.idf,
        }
        .serialize(s)
    }
}

impl TryFrom<TfidfRepr> for TfidfVectorizer {
    type Error = FeatureError;

    fn try_from(r: TfidfRepr) -> Result<Self, FeatureError> {
        let bad = |m: String| FeatureError::Invalid(format!("inconsistent TF-IDF data: {m}"));
        let analyzer = Analyzer::new(r.analyzer).map_err(|e| bad(format!("analyzer: {e}")))?;
        r.params
            .check_ref()
            .map_err(|e| bad(format!("params: {e}")))?;
        if r.vocabulary.len() != r.idf.len() {
            return Err(bad(format!(
                "{} vocabulary terms but {} IDF weights",
                r.vocabulary.len(),
                r.idf.len()
            )));
        }
        if let Some(i) = r.idf.iter().position(|w| !w.is_finite() || *w < 0.0) {
            return Err(bad(format!(
                "IDF weight {} of term {i} is not finite and >= 0",
                r.idf[i]
            )));
        }
        Ok(TfidfVectorizer {
            analyzer,
            params: r.params,
            vocabulary: r.vocabulary,
            idf: r.idf,
            grams: OnceLock::new(),
        })
    }
}

/// Marks a dropped key or term (stop word, pruned by min_df/max_df/max_features).
const NONE: u32 = u32::MAX;

/// One chunk's counts against its own local vocabulary. Once appended, its emptied
/// buffers count a later chunk (see [`Counts::push`]).
#[derive(Default)]
struct ChunkCounts {
    /// Key ↔ local id. Keys are raw tokens for unigram analyzers (each distinct token is
    /// stopped/stemmed once, at merge time, instead of once per occurrence), final
    /// terms when n-grams are counted as strings, and local terms (not n-grams) when they
    /// are counted by id (`grams` set).
    keys: Interner,
    /// (local id, count) for every document, concatenated (unsorted within a document);
    /// after [`relabel`], (term id, count).
    pairs: Vec<(u32, u32)>,
    /// End offset into `pairs` of each document.
    doc_ends: Vec<usize>,
    /// Per local id: the number of documents it occurs in (empty for n-grams counted by
    /// id). Summed per global key as chunks are appended, so that when keys are the terms
    /// (no stop words or stemmer) the document frequencies are known as soon as the last
    /// chunk is in, without a pass over every pair after reading.
    key_df: Vec<u32>,
    /// Set by [`ngrams::count_chunk_ngrams`]: then `keys` are local terms and pair ids are term
    /// ids or `GRAM | gram id`.
    grams: Option<ngrams::ChunkGrams>,
    /// [`count_chunk`]'s working buffers (empty between chunks), kept with the chunk so
    /// that they are reused with it.
    work: CountScratch,
}

/// The buffers [`count_chunk`] counts in besides those of its result.
#[derive(Default)]
struct CountScratch {
    /// Per local id, its count in the current document (all zero between documents);
    /// kept longer than the local ids ([`cover_ids`]).
    counts: Vec<u32>,
    /// The local ids the current document has counted.
    touched: Vec<u32>,
    /// The current document's token spans, at the start of a buffer kept as long as
    /// the longest document's bound on them.
    spans: Vec<(usize, usize)>,
}

/// Adds one occurrence of local id `id` to the current document's counts: `counts` is
/// indexed by local id (and longer than `id`: see [`cover_ids`]), `touched` lists the
/// ids this document has counted.
#[inline(always)]
fn count_id(id: u32, counts: &mut [u32], touched: &mut Vec<u32>) {
    let c = &mut counts[id as usize];
    if *c == 0 {
        touched.push(id);
    }
    *c += 1;
}

/// Makes `counts` longer than every local id below `n` (doubling, so that growing it
/// stays rare), so that [`count_id`] indexes a slice that does not grow.
#[inline(always)]
fn cover_ids(counts: &mut Vec<u32>, n: usize) {
    if counts.len() < n {
        counts.resize(n.max(2 * counts.len()), 0);
    }
}

/// Counts one document's tokens, given as byte spans of `doc`; with `LOWER` they are
/// interned ASCII-lowercased ([`Interner::intern_spans`]). See [`count_id`] for `counts`
/// and `touched`.
#[inline(never)]
fn count_tokens<const LOWER: bool>(
    doc: &str,
    spans: &[(usize, usize)],
    keys: &mut Interner,
    counts: &mut Vec<u32>,
    touched: &mut Vec<u32>,
) {
    // The document's tokens add at most one new id each.
    cover_ids(counts, keys.len() + spans.len());
    let counts = counts.as_mut_slice();
    keys.intern_spans::<LOWER>(doc, spans, |_, id| count_id(id, counts, touched));
}

/// About how many distinct tokens `bytes` of English text hold (Heaps' law, fitted on
/// AllSides: ~57,000 in a 27.5 MB chunk, growing with the square root of the size). A chunk's
/// interner is created this large, so it does not grow (and rehash, and fault in pages for
/// tables it drops) two or three times while counting; a low estimate only means a growth.
fn expected_distinct_tokens(bytes: usize) -> usize {
    ((bytes as f64).sqrt() * 11.0).clamp(1024.0, f64::from(1u32 << 17)) as usize
}

/// Counts the keys of each document of one chunk, in the buffers of `reuse` (an emptied
/// chunk, or a default one). A dense count array indexed by local id plus a list of the
/// ids touched by the current document replace a map per document.
fn count_chunk<S: AsRef<str>>(analyzer: &Analyzer, texts: &[S], reuse: ChunkCounts) -> ChunkCounts {
    let ChunkCounts {
        mut keys,
        mut pairs,
        mut doc_ends,
        mut key_df,
        work,
        ..
    } = reuse;
    let CountScratch {
        mut counts,
        mut touched,
        mut spans,
    } = work;
    let bytes = texts.iter().map(|t| t.as_ref().len()).sum();
    let expected = expected_distinct_tokens(bytes);
    keys.clear_with_capacity(expected);
    counts.resize(expected, 0);
    doc_ends.reserve(texts.len());
    let unigram = analyzer.is_unigram();
    // Each token is found in the raw text and lowercased while hashing
    // (`Interner::key_lower`): no lowercased copy of the document, one pass over its bytes.
    // Documents with a character whose lowercase differs outside ASCII (rare in English)
    // take the general path.
    let fused = raw_lowercase_unigrams(analyzer);
    for text in texts {
        let text = text.as_ref();
        if unigram {
            // Stored by index in a buffer long enough for any document this size (a
            // token is at least two bytes, and tokens are apart): no capacity check and
            // length update in memory per token, as `push` makes.
            let most = text.len() / 3 + 1;
            if spans.len() < most {
                spans.resize(most, (0, 0));
            }
            let mut n = 0;
            let done = fused
                && Tokenizer::lower_word_spans(text, |a, b| {
                    spans[n] = (a, b);
                    n += 1;
                });
            if done {
                let spans = &spans[..n];
                count_tokens::<true>(text, spans, &mut keys, &mut counts, &mut touched);
            } else {
                analyzer.with_token_spans(text, |doc, spans| {
                    count_tokens::<false>(doc, spans, &mut keys, &mut counts, &mut touched);
                });
            }
        } else {
            analyzer.for_each_term(text.as_ref(), |t| {
                let id = keys.intern(t);
                cover_ids(&mut counts, id as usize + 1);
                count_id(id, &mut counts, &mut touched);
            });
        }
        key_df.resize(keys.len(), 0);
        pairs.extend(touched.iter().map(|&id| {
            key_df[id as usize] += 1;
            (id, std::mem::take(&mut counts[id as usize]))
        }));
        touched.clear();
        doc_ends.push(pairs.len());
    }
    counts.clear();
    ChunkCounts {
        keys,
        pairs,
        doc_ends,
        key_df,
        grams: None,
        work: CountScratch {
            counts,
            touched,
            spans,
        },
    }
}

/// Counts one chunk with the fastest exact method for `analyzer`: [`count_chunk`] for
/// unigrams (and n-grams whose terms may contain spaces), in the buffers of `reuse`,
/// term-id n-grams otherwise.
fn count_any<S: AsRef<str>>(analyzer: &Analyzer, texts: &[S], reuse: ChunkCounts) -> ChunkCounts {
    if analyzer.ngrams_by_id() {
        ngrams::count_chunk_ngrams(analyzer, texts)
    } else {
        count_chunk(analyzer, texts, reuse)
    }
}

/// All documents' counts, appended chunk by chunk in document order: global key ids and
/// counts in two flat arrays (one copy of the counts for the whole corpus; phase 3 turns
/// them into the CSR indices and data in place, so no second matrix-sized buffer exists).
#[derive(Default)]
struct Counts {
    /// Key ↔ global key id (raw tokens for unigram analyzers, terms otherwise).
    keys: Interner,
    /// Global key id of each pair (later term id, then column).
    ids: Vec<u32>,
    /// Count of each pair (later its weight, as `f32` bits).
    counts: Vec<u32>,
    /// End offset into `ids` of each document.
    doc_ends: Vec<usize>,
    /// Number of documents at the end of each appended chunk (the unit of parallelism).
    chunk_docs: Vec<usize>,
    /// Document frequency per global key, summed from the chunks' [`ChunkCounts::key_df`]
    /// (not kept for n-grams counted by id).
    key_df: Vec<u32>,
    /// For n-gram analyzers counted by id ([`ngrams::count_chunk_ngrams`]): the global
    /// n-gram table; `keys` then holds terms, and `ids` uids (see the `ngrams` module).
    grams: Option<ngrams::GramTable>,
}

impl Counts {
    /// Appends one chunk (the next in document order) and returns it emptied, its
    /// buffers' capacity kept for counting a later chunk: reused, they are not allocated,
    /// grown and faulted in again for every chunk. Runs on one thread, overlapping the
    /// analysis of later chunks when streaming.
    fn push(&mut self, mut c: ChunkCounts) -> ChunkCounts {
        if let Some(g) = c.grams.take() {
            self.push_grams(c, g);
            return ChunkCounts::default();
        }
        let remap = self.keys.intern_all(&c.keys);
        self.key_df.resize(self.keys.len(), 0);
        for (&g, &df) in remap.iter().zip(&c.key_df) {
            self.key_df[g as usize] += df;
        }
        let base = self.ids.len();
        self.ids
            .extend(c.pairs.iter().map(|&(l, _)| remap[l as usize]));
        self.counts.extend(c.pairs.iter().map(|&(_, n)| n));
        self.doc_ends.extend(c.doc_ends.iter().map(|&e| base + e));
        self.chunk_docs.push(self.doc_ends.len());
        c.key_df.clear();
        c.pairs.clear();
        c.doc_ends.clear();
        c
    }

    /// Per chunk: (first document, its documents' ends, ids, counts), as disjoint slices
    /// for parallel passes.
    #[allow(clippy::type_complexity)]
    fn chunks_mut(&mut self) -> Vec<(usize, &[usize], &mut [u32], &mut [u32])> {
        let mut out = Vec::with_capacity(self.chunk_docs.len());
        let (mut ids, mut counts) = (self.ids.as_mut_slice(), self.counts.as_mut_slice());
        let (mut doc0, mut pos) = (0usize, 0usize);
        for &doc1 in &self.chunk_docs {
            let ends = &self.doc_ends[doc0..doc1];
            let end = ends.last().copied().unwrap_or(pos);
            let (a, rest_i) = std::mem::take(&mut ids).split_at_mut(end - pos);
            let (b, rest_c) = std::mem::take(&mut counts).split_at_mut(end - pos);
            out.push((doc0, ends, a, b));
            ids = rest_i;
            counts = rest_c;
            doc0 = doc1;
            pos = end;
        }
        out
    }
}

/// Maps one chunk's key ids to term ids in place (`key_to_term`, or the identity when
/// `None`), marks pairs to drop with count 0 (stop words, and pairs merged into an
/// earlier pair of the same document with the same term: two tokens with one stem),
/// and adds each document's terms to `df` (and their counts to `tf` when non-empty).
/// `seen[t]` is scratch: the last position of term `t`, checked since it may be stale.
#[allow(clippy::too_many_arguments)]
fn relabel(
    base: usize,
    ends: &[usize],
    ids: &mut [u32],
    counts: &mut [u32],
    key_to_term: Option<&[u32]>,
    df: &mut [u32],
    tf: &mut [u64],
    seen: &mut [u32],
) {
    let want_tf = !tf.is_empty();
    let mut start = 0usize;
    for &end in ends {
        let end = end - base;
        for r in start..end {
            let t = match key_to_term {
                Some(map) => map[ids[r] as usize],
                None => ids[r],
            };
            ids[r] = t;
            if t == NONE {
                counts[r] = 0;
                continue;
            }
            if want_tf {
                tf[t as usize] += u64::from(counts[r]);
            }
            if key_to_term.is_some() {
                let s = seen[t as usize] as usize;
                if s >= start && s < r && ids[s] == t && counts[s] != 0 {
                    counts[s] += counts[r];
                    counts[r] = 0;
                    continue;
                }
                seen[t as usize] = r as u32;
            }
            df[t as usize] += 1;
        }
        start = end;
    }
}

/// The position in the flat arrays where a chunk's `len` pairs start, from its
/// documents' (absolute) ends.
fn chunk_base(ends: &[usize], len: usize) -> usize {
    ends.last().map_or(0, |&e| e - len)
}

thread_local! {
    /// [`TfidfVectorizer::transform`]'s per-thread term counts, kept across calls so that
    /// scoring batch after batch does not zero a vocabulary-sized array each time.
    static COUNTS: std::cell::RefCell<DenseCounts> = std::cell::RefCell::default();
}

/// From this many documents on, [`TfidfVectorizer::transform`] counts terms in a dense
/// array; below, it sorts each document's term occurrences (no array to allocate).
const DENSE_MIN_DOCS: usize = 64;

/// [`TfidfVectorizer::transform`] builds the vectorizer's [`ngrams::GramIndex`] (once;
/// later calls of any size use it) for a batch of at least this many bytes of text per
/// vocabulary entry; below, and until then, n-grams are looked up as strings. On 20
/// Newsgroups with a 200,000-entry bigram vocabulary the index saves about 20 ns per byte
/// of text and costs about 50 ns per entry to build (break-even near 2.5 bytes per entry),
/// so a cold start (one post) never builds it and a batch of a few hundred posts does.
const GRAM_INDEX_MIN_BYTES_PER_ENTRY: usize = 4;

/// How [`TfidfVectorizer::transform_by`] finds n-gram columns.
#[derive(Clone, Copy, Debug, PartialEq)]
enum GramLookup {
    /// By term ids when the index exists or the batch is large enough to build it
    /// ([`GRAM_INDEX_MIN_BYTES_PER_ENTRY`]).
    Auto,
    /// Always as strings (the reference the id path is tested against).
    #[cfg_attr(not(test), allow(dead_code))]
    Strings,
    /// By term ids whenever the analyzer allows (building the index if needed).
    #[cfg_attr(not(test), allow(dead_code))]
    Ids,
}

thread_local! {
    /// [`ngrams::GramIndex::count`]'s per-thread buffers.
    static GRAM_SCRATCH: std::cell::RefCell<ngrams::GramScratch> = std::cell::RefCell::default();
}

/// Term counts of one document: in dense mode a vocabulary-sized array (all zero between
/// documents) plus the list of the columns touched; otherwise the list of every occurrence.
#[derive(Default)]
struct DenseCounts {
    counts: Vec<u32>,
    touched: Vec<u32>,
    dense: bool,
}

impl DenseCounts {
    /// Makes room for columns `0..n` in dense mode (the counts are all zero already).
    fn prepare(&mut self, n: usize, dense: bool) {
        if dense && self.counts.len() < n {
            self.counts.resize(n, 0);
        }
        self.dense = dense;
        self.touched.clear();
    }

    fn add(&mut self, c: u32) {
        if !self.dense {
            self.touched.push(c);
            return;
        }
        let slot = &mut self.counts[c as usize];
        if *slot == 0 {
            self.touched.push(c);
        }
        *slot += 1;
    }

    /// [`DenseCounts::add`] for each of `columns`.
    fn add_all(&mut self, columns: &[u32]) {
        if !self.dense {
            self.touched.extend_from_slice(columns);
            return;
        }
        for &c in columns {
            self.add(c);
        }
    }

    /// Forgets the current document's counts.
    fn clear(&mut self) {
        if self.dense {
            for &c in &self.touched {
                self.counts[c as usize] = 0;
            }
        }
        self.touched.clear();
    }

    /// Writes the document's `(column << 32) | count` pairs, by column, to `row` and
    /// resets the counts for the next document.
    fn drain_sorted(&mut self, row: &mut Vec<u64>) {
        self.touched.sort_unstable();
        row.clear();
        if self.dense {
            row.extend(self.touched.iter().map(|&c| {
                let n = std::mem::take(&mut self.counts[c as usize]);
                u64::from(c) << 32 | u64::from(n)
            }));
        } else {
            for &c in &self.touched {
                match row.last_mut() {
                    Some(last) if (*last >> 32) as u32 == c => *last += 1,
                    _ => row.push(u64::from(c) << 32 | 1),
                }
            }
        }
        self.touched.clear();
    }
}

/// Whether the analyzer's tokens can be found in the raw text and ASCII-lowercased on the
/// fly ([`Tokenizer::lower_word_spans`]): it lowercases and uses the built-in tokenizer.
fn raw_lowercase_tokens(analyzer: &Analyzer) -> bool {
    let c = analyzer.config();
    c.lowercase && c.token_pattern.is_none()
}

/// [`raw_lowercase_tokens`] for a unigram analyzer.
fn raw_lowercase_unigrams(analyzer: &Analyzer) -> bool {
    analyzer.is_unigram() && raw_lowercase_tokens(analyzer)
}

/// How many document chunks to process in parallel: a few per thread for load balance,
/// few enough that the chunk vocabularies stay cheap to merge.
fn chunk_len(n_docs: usize) -> usize {
    let n_chunks = (rayon::current_num_threads() * 4).clamp(1, n_docs.max(1));
    n_docs.div_ceil(n_chunks).max(1)
}

/// Sorts phase 3's rows, `(column << 32) | count` with distinct columns, by column: an LSD
/// radix sort on the column's bits in one or two passes. A row holds a few hundred
/// entries (about 420 on AllSides), where pdqsort cost ~75 instructions per entry with
/// data-dependent branches; the counting passes take about 60 % of those instructions
/// (callgrind, 2,000 AllSides articles) and no unpredictable branch. Short rows, and
/// vocabularies too large for two passes, use `sort_unstable`. Keys are distinct, so the
/// order is the same either way.
struct RowSorter {
    /// Bits per digit (0: always `sort_unstable`).
    digit: u32,
    /// Number of digits (1 or 2) covering the column's bits.
    passes: u32,
    /// Bucket counts: `passes` histograms of `1 << digit` entries each.
    hist: Vec<u32>,
    /// Scatter target, swapped with the row after each pass.
    tmp: Vec<u64>,
}

impl RowSorter {
    /// Rows shorter than this are sorted with `sort_unstable`: clearing and scanning the
    /// histograms would outweigh sorting a handful of entries (a round figure, not tuned).
    const MIN_RADIX: usize = 64;
    /// Widest digit: 2^12 buckets (16 KiB of counts per pass).
    const MAX_DIGIT: u32 = 12;

    /// A sorter for rows whose columns are below `n_cols`.
    fn new(n_cols: usize) -> Self {
        let bits = usize::BITS - n_cols.saturating_sub(1).leading_zeros();
        let (digit, passes) = match bits {
            0 => (0, 0),
            b if b <= Self::MAX_DIGIT => (b, 1),
            b if b <= 2 * Self::MAX_DIGIT => (b.div_ceil(2), 2),
            _ => (0, 0),
        };
        RowSorter {
            digit,
            passes,
            hist: vec![0; (passes as usize) << digit],
            tmp: Vec::new(),
        }
    }

    /// Sorts `row` by column.
    fn sort(&mut self, row: &mut Vec<u64>) {
        if self.passes == 0 || row.len() < Self::MIN_RADIX {
            row.sort_unstable();
            return;
        }
        let (digit, size) = (self.digit, 1usize << self.digit);
        let mask = (size - 1) as u64;
        self.hist.fill(0);
        // Both digits' histograms in one read of the row.
        for &x in row.iter() {
            let col = x >> 32;
            self.hist[(col & mask) as usize] += 1;
            if self.passes == 2 {
                self.hist[size + ((col >> digit) & mask) as usize] += 1;
            }
        }
        for pass in 0..self.passes {
            let hist = &mut self.hist[pass as usize * size..][..size];
            // Counts → start offsets of each bucket.
            let mut sum = 0u32;
            for h in hist.iter_mut() {
                let n = *h;
                *h = sum;
                sum += n;
            }
            // Every slot of `tmp[..n]` is overwritten, so it only grows, never re-zeroed.
            let n = row.len();
            if self.tmp.len() < n {
                self.tmp.resize(n, 0);
            }
            let shift = 32 + pass * digit;
            for &x in row.iter() {
                let b = &mut hist[((x >> shift) & mask) as usize];
                self.tmp[*b as usize] = x;
                *b += 1;
            }
            std::mem::swap(row, &mut self.tmp);
            row.truncate(n);
        }
    }
}

/// Per-document weighting: tf (raw or sublinear) × idf, then optional L2 normalisation.
struct Weigher<'a> {
    idf: &'a [f32],
    l2: bool,
    /// tf weight for counts below the table size.
    tf_table: Vec<f64>,
    sublinear: bool,
}

impl<'a> Weigher<'a> {
    fn new(idf: &'a [f32], params: &TfidfParams) -> Self {
        let tf = |n: u32| {
            if params.sublinear_tf {
                1.0 + f64::from(n).ln()
            } else {
                f64::from(n)
            }
        };
        Weigher {
            idf,
            l2: params.l2_norm,
            tf_table: (0..256).map(tf).collect(),
            sublinear: params.sublinear_tf,
        }
    }

    #[inline]
    fn tf(&self, n: u32) -> f64 {
        match self.tf_table.get(n as usize) {
            Some(&w) => w,
            None => self.tf_beyond_table(n),
        }
    }

    /// [`Weigher::tf`] for counts past the table: rare, and kept out of line because a
    /// possible call to `ln` in the loop made the compiler keep the loop's values on the
    /// stack.
    #[cold]
    #[inline(never)]
    fn tf_beyond_table(&self, n: u32) -> f64 {
        if self.sublinear {
            1.0 + f64::from(n).ln()
        } else {
            f64::from(n)
        }
    }

    /// Writes the weights of `row` (column << 32 | count, sorted: by column) into the
    /// outputs, each as `to` turns it into a datum. Packing each pair into one `u64` lets
    /// rows sort as plain integers.
    #[inline]
    fn weigh<D>(
        &self,
        row: &[u64],
        wbuf: &mut Vec<f64>,
        indices: &mut [u32],
        data: &mut [D],
        to: impl Fn(f32) -> D,
    ) {
        wbuf.clear();
        wbuf.extend(
            row.iter()
                .map(|&p| self.tf(p as u32) * f64::from(self.idf[(p >> 32) as usize])),
        );
        // A loop of its own: the sum is a chain of dependent additions (in column order,
        // which fixes its rounding), and alone it stays in registers.
        let sq = wbuf.iter().fold(0.0f64, |sq, &w| sq + w * w);
        let norm = if self.l2 && sq > 0.0 { sq.sqrt() } else { 1.0 };
        for ((&p, &w), (i, d)) in row
            .iter()
            .zip(wbuf.iter())
            .zip(indices.iter_mut().zip(data.iter_mut()))
        {
            *i = (p >> 32) as u32;
            *d = to((w / norm) as f32);
        }
    }
}

impl TfidfVectorizer {
    /// Learns the vocabulary and IDF from `texts` (the training documents only) and returns
    /// the fitted vectorizer with their TF-IDF matrix.
    ///
    /// Errors on invalid params, and when no term survives (empty vocabulary, or pruning
    /// by min_df/max_df removed everything), as scikit-learn does.
    pub fn fit_transform(
        analyzer: Analyzer,
        params: &TfidfParams,
        texts: &[&str],
    ) -> Result<(Self, SparseRecords), FeatureError> {
        params.check_ref()?;
        let size = chunk_len(texts.len());
        let mut counts = Counts::default();
        if rayon::current_thread_index().is_some() {
            // Inside the pool: blocking this thread on a channel could deadlock, so count
            // all chunks first and append them afterwards.
            let chunks: Vec<ChunkCounts> = texts
                .par_chunks(size)
                .map(|c| count_any(&analyzer, c, ChunkCounts::default()))
                .collect();
            for c in chunks {
                counts.push(c);
            }
        } else {
            counts = Self::count_overlapped(&analyzer, texts, size)?;
        }
        Self::finish(analyzer, params, counts)
    }

    /// Phase 1 for a caller outside the rayon pool: chunks are counted on the pool while
    /// this thread appends each one as soon as it and all earlier chunks are done, so the
    /// serial merge overlaps the counting of later chunks instead of following it. The
    /// chunks are appended in document order, as in the serial path.
    fn count_overlapped(
        analyzer: &Analyzer,
        texts: &[&str],
        size: usize,
    ) -> Result<Counts, FeatureError> {
        let mut counts = Counts::default();
        let (tx, rx) = std::sync::mpsc::channel::<(usize, ChunkCounts)>();
        let mut n_chunks = 0usize;
        let mut appended = 0usize;
        // Runs on this thread (not a pool thread), so waiting on `rx` blocks no worker;
        // the spawned counting tasks run on the pool, oldest first.
        rayon::in_place_scope(|s| {
            for (i, chunk) in texts.chunks(size).enumerate() {
                let tx = tx.clone();
                s.spawn(move |_| {
                    let _ = tx.send((i, count_any(analyzer, chunk, ChunkCounts::default())));
                });
                n_chunks += 1;
            }
            drop(tx);
            // Finished chunks waiting for an earlier one, by chunk number.
            let mut waiting: std::collections::BTreeMap<usize, ChunkCounts> = Default::default();
            // Ends early only if a task panicked (its sender dropped without sending);
            // the scope then re-raises that panic.
            for (i, c) in rx.iter() {
                waiting.insert(i, c);
                while let Some(c) = waiting.remove(&appended) {
                    counts.push(c);
                    appended += 1;
                }
            }
        });
        if appended != n_chunks {
            return Err(FeatureError::Invalid(
                "internal error: a counting task died".to_string(),
            ));
        }
        Ok(counts)
    }

    /// [`TfidfVectorizer::fit_transform`] for documents that arrive in batches (e.g.
    /// straight from a corpus reader), so the raw text is never all in memory at once.
    ///
    /// Each batch is analyzed on the rayon pool while the caller's thread produces the
    /// next one (reading, decompressing, parsing) and appends finished batches' counts
    /// in order; a batch's text is dropped once analyzed. At most `threads + 1` batches
    /// are in flight. The result is identical to `fit_transform` on the concatenated
    /// batches, whatever the batch sizes and thread count. Called from inside the rayon
    /// pool, batches are analyzed one by one on the calling thread instead (blocking a
    /// pool thread could deadlock).
    pub fn fit_transform_batches<I>(
        analyzer: Analyzer,
        params: &TfidfParams,
        batches: I,
    ) -> Result<(Self, SparseRecords), FeatureError>
    where
        I: IntoIterator<Item = Vec<String>>,
    {
        params.check_ref()?;
        let mut counts = Counts::default();
        if rayon::current_thread_index().is_some() {
            let mut spare = ChunkCounts::default();
            for b in batches {
                spare = counts.push(count_any(&analyzer, &b, spare));
            }
            return Self::finish(analyzer, params, counts);
        }
        let shared = std::sync::Arc::new(analyzer);
        let (tx, rx) = std::sync::mpsc::channel::<(usize, ChunkCounts)>();
        let max_in_flight = rayon::current_num_threads() + 1;
        // Finished chunks waiting for an earlier one, by batch number.
        let mut waiting: std::collections::BTreeMap<usize, ChunkCounts> = Default::default();
        // Appended chunks, emptied, whose buffers count the next batches (at most one per
        // batch in flight, so no more than the chunks alive without reuse).
        let mut spare: Vec<ChunkCounts> = Vec::new();
        let (mut sent, mut appended) = (0usize, 0usize);
        let lost = || FeatureError::Invalid("internal error: a counting task died".to_string());
        // `spare` is `None` once every batch is sent: the last chunks' buffers are freed.
        let mut receive = |counts: &mut Counts,
                           appended: &mut usize,
                           mut spare: Option<&mut Vec<ChunkCounts>>|
         -> Result<(), FeatureError> {
            let (j, c) = rx.recv().map_err(|_| lost())?;
            waiting.insert(j, c);
            while let Some(c) = waiting.remove(appended) {
                let emptied = counts.push(c);
                if let Some(spare) = spare.as_deref_mut() {
                    spare.push(emptied);
                }
                *appended += 1;
            }
            Ok(())
        };
        for batch in batches {
            while sent - appended >= max_in_flight {
                receive(&mut counts, &mut appended, Some(&mut spare))?;
            }
            let (a, tx, i) = (shared.clone(), tx.clone(), sent);
            let reuse = spare.pop().unwrap_or_default();
            rayon::spawn(move || {
                let c = count_any(&a, &batch, reuse);
                drop(batch);
                let _ = tx.send((i, c));
            });
            sent += 1;
        }
        drop(tx);
        drop(spare);
        while appended < sent {
            receive(&mut counts, &mut appended, None)?;
        }
        let analyzer = std::sync::Arc::try_unwrap(shared).unwrap_or_else(|a| (*a).clone());
        Self::finish(analyzer, params, counts)
    }

    /// Phases 2 and 3: turns the appended counts into the vocabulary, IDF and matrix.
    fn finish(
        analyzer: Analyzer,
        params: &TfidfParams,
        mut all: Counts,
    ) -> Result<(Self, SparseRecords), FeatureError> {
        let n_docs = all.doc_ends.len();
        if n_docs == 0 {
            return Err(FeatureError::Invalid(
                "cannot fit TF-IDF on an empty corpus (0 documents)".to_string(),
            ));
        }
        if n_docs >= u32::MAX as usize {
            return Err(FeatureError::Invalid(format!(
                "{n_docs} documents is too many"
            )));
        }

        let (vocabulary, idf, term_to_col) = match all.grams.take() {
            Some(table) => {
                let terms = std::mem::take(&mut all.keys);
                let max_n = analyzer.config().ngram_range.1;
                let (names, idf, map) = ngrams::gram_vocabulary(
                    params,
                    max_n,
                    terms,
                    table,
                    n_docs,
                    &all.ids,
                    &all.counts,
                )?;
                (VocabularyParts::Grams(names), idf, map)
            }
            None => term_vocabulary(&analyzer, params, &mut all, n_docs)?,
        };

        // Phase 3: per chunk in parallel, each row's kept pairs → (column, weight), sorted
        // by column, written back at the front of the chunk's own range; then the ranges
        // are closed up. Row lengths go to `lens`.
        let weigher = Weigher::new(&idf, params);
        let map = &term_to_col;
        let n_cols = vocabulary.len();
        let mut lens = vec![0u32; n_docs];
        let mut parts = all.chunks_mut();
        let mut len_slices = Vec::with_capacity(parts.len());
        let mut rest = lens.as_mut_slice();
        for (_, ends, _, _) in &parts {
            let (a, b) = std::mem::take(&mut rest).split_at_mut(ends.len());
            len_slices.push(a);
            rest = b;
        }
        let weigh_rows = || -> Vec<usize> {
            parts
                .par_drain(..)
                .zip(len_slices)
                .map(|((_, ends, ids, counts), lens)| {
                    let base = chunk_base(ends, ids.len());
                    let mut row: Vec<u64> = Vec::new();
                    let mut sorter = RowSorter::new(n_cols);
                    let mut wbuf = Vec::new();
                    let (mut start, mut pos) = (0usize, 0usize);
                    for (&end, len) in ends.iter().zip(lens.iter_mut()) {
                        let end = end - base;
                        row.clear();
                        row.reserve(end - start);
                        // A plain loop over zipped slices: one bounds check per row, not
                        // two per pair as indexing from a `filter_map` costs.
                        for (&id, &n) in ids[start..end].iter().zip(&counts[start..end]) {
                            let col = if n == 0 { NONE } else { map[id as usize] };
                            if col != NONE {
                                row.push(u64::from(col) << 32 | u64::from(n));
                            }
                        }
                        // Columns are distinct within a row, so this orders by column.
                        sorter.sort(&mut row);
                        let n = row.len();
                        // pos <= start: the kept pairs never outnumber the row's pairs,
                        // and the row was copied out, so its weights go straight back.
                        weigher.weigh(
                            &row,
                            &mut wbuf,
                            &mut ids[pos..pos + n],
                            &mut counts[pos..pos + n],
                            f32::to_bits,
                        );
                        *len = n as u32;
                        pos += n;
                        start = end;
                    }
                    pos
                })
                .collect()
        };
        let (vocabulary, written) = rayon::join(|| vocabulary.build(), weigh_rows);
        let vocabulary = vocabulary?;
        drop(parts);
        // Close the gaps between chunks (a memmove of each chunk's kept prefix), the
        // indices and the weights on two threads.
        let mut moves = Vec::with_capacity(written.len());
        let (mut at, mut doc0, mut chunk_start) = (0usize, 0usize, 0usize);
        for (&n, &doc1) in written.iter().zip(&all.chunk_docs) {
            let chunk_end = if doc1 > doc0 {
                all.doc_ends[doc1 - 1]
            } else {
                chunk_start
            };
            moves.push((chunk_start..chunk_start + n, at));
            at += n;
            chunk_start = chunk_end;
            doc0 = doc1;
        }
        let close_gaps = |v: &mut Vec<u32>| {
            for (from, to) in &moves {
                v.copy_within(from.clone(), *to);
            }
        };
        rayon::join(|| close_gaps(&mut all.ids), || close_gaps(&mut all.counts));
        let Counts {
            mut ids,
            mut counts,
            ..
        } = all;
        ids.truncate(at);
        counts.truncate(at);
        ids.shrink_to_fit();
        counts.shrink_to_fit();
        // Same size and alignment: collected in place, no copy of the buffer.
        let data: Vec<f32> = counts.into_iter().map(f32::from_bits).collect();
        let mut indptr = Vec::with_capacity(n_docs + 1);
        indptr.push(0usize);
        let mut acc = 0usize;
        for &n in &lens {
            acc += n as usize;
            indptr.push(acc);
        }

        let matrix = Csr::try_new((n_docs, vocabulary.len()), indptr, ids, data)
            .map_err(|e| FeatureError::Invalid(format!("internal error building CSR: {}", e.3)))?;
        let vectorizer = TfidfVectorizer {
            analyzer,
            params: params.clone(),
            vocabulary,
            idf,
            grams: OnceLock::new(),
        };
        Ok((vectorizer, SparseRecords(matrix)))
    }

    /// Learns the vocabulary and IDF only (the matrix is built and dropped).
    pub fn fit(
        analyzer: Analyzer,
        params: &TfidfParams,
        texts: &[&str],
    ) -> Result<Self, FeatureError> {
        Self::fit_transform(analyzer, params, texts).map(|(v, _)| v)
    }

    /// TF-IDF rows for `texts` with the fitted vocabulary and IDF; terms not in the
    /// vocabulary are dropped, and a text with no known term gives an all-zero row.
    pub fn transform(&self, texts: &[&str]) -> SparseRecords {
        self.transform_by(texts, GramLookup::Auto)
    }

    /// The vocabulary's n-gram index for a `transform` of `texts`, if used.
    fn gram_index(&self, texts: &[&str], how: GramLookup) -> Option<&ngrams::GramIndex> {
        if !self.analyzer.ngrams_by_id() {
            return None;
        }
        let build = match how {
            GramLookup::Strings => return None,
            GramLookup::Ids => true,
            GramLookup::Auto => {
                let bytes: usize = texts.iter().map(|t| t.len()).sum();
                bytes >= self.vocabulary.len() * GRAM_INDEX_MIN_BYTES_PER_ENTRY
            }
        };
        let range = self.analyzer.config().ngram_range;
        if build {
            self.grams
                .get_or_init(|| {
                    ngrams::GramIndex::new(&self.vocabulary, range).map(std::sync::Arc::new)
                })
                .as_deref()
        } else {
            self.grams.get().and_then(Option::as_deref)
        }
    }

    /// [`TfidfVectorizer::transform`], with n-grams found as `how` says.
    fn transform_by(&self, texts: &[&str], how: GramLookup) -> SparseRecords {
        let weigher = Weigher::new(&self.idf, &self.params);
        // Tokens are looked up straight from the raw text when each token is its own term.
        let raw_terms = raw_lowercase_tokens(&self.analyzer) && !self.analyzer.maps_tokens();
        let fused = raw_terms && self.analyzer.is_unigram();
        let grams = self.gram_index(texts, how);
        let parts: Vec<(Vec<usize>, Vec<u32>, Vec<f32>)> = texts
            .par_chunks(chunk_len(texts.len()))
            .map(|chunk| {
                let (mut lens, mut out_i, mut out_d) =
                    (Vec::with_capacity(chunk.len()), Vec::new(), Vec::new());
                let mut row: Vec<u64> = Vec::new();
                let mut wbuf = Vec::new();
                // Counting into a dense per-thread array and sorting only the distinct
                // columns costs about half of sorting every token occurrence (predict's
                // largest cost after tokenizing); the rows are the same.
                COUNTS.with(|cell| {
                    let mut owned = None;
                    let mut borrowed = cell.try_borrow_mut().ok();
                    let counts: &mut DenseCounts = match borrowed.as_deref_mut() {
                        Some(c) => c,
                        None => owned.insert(DenseCounts::default()),
                    };
                    // A handful of documents (a cold start scores one) is not worth a
                    // vocabulary-sized array: those sort their occurrences instead.
                    counts.prepare(self.vocabulary.len(), texts.len() >= DENSE_MIN_DOCS);
                    for text in chunk {
                        // As in fitting: tokens found in the raw text and looked up
                        // ASCII-lowercased, no lowercased copy; a document with a character
                        // that lowercases outside ASCII starts again the general way.
                        let done = match grams {
                            Some(g) => GRAM_SCRATCH.with(|s| {
                                let mut fresh = ngrams::GramScratch::default();
                                let mut borrowed = s.try_borrow_mut().ok();
                                let s = borrowed.as_deref_mut().unwrap_or(&mut fresh);
                                match g.count(&self.analyzer, raw_terms, text, s) {
                                    Some(columns) => {
                                        counts.add_all(columns);
                                        true
                                    }
                                    None => false,
                                }
                            }),
                            None => {
                                fused
                                    && Tokenizer::lower_word_spans(text, |a, b| {
                                        let token = &text.as_bytes()[a..b];
                                        if let Some(c) = self.vocabulary.index_of_ascii_lower(token)
                                        {
                                            counts.add(c);
                                        }
                                    })
                            }
                        };
                        if !done {
                            counts.clear();
                            self.analyzer.for_each_term(text, |t| {
                                if let Some(c) = self.vocabulary.index_of(t) {
                                    counts.add(c);
                                }
                            });
                        }
                        counts.drain_sorted(&mut row);
                        let pos = out_i.len();
                        out_i.resize(pos + row.len(), 0);
                        out_d.resize(pos + row.len(), 0.0);
                        weigher.weigh(&row, &mut wbuf, &mut out_i[pos..], &mut out_d[pos..], |d| d);
                        lens.push(row.len());
                    }
                });
                (lens, out_i, out_d)
            })
            .collect();
        let nnz = parts.iter().map(|p| p.1.len()).sum();
        let mut indptr = Vec::with_capacity(texts.len() + 1);
        indptr.push(0usize);
        let (mut indices, mut data) = (Vec::with_capacity(nnz), Vec::with_capacity(nnz));
        for (lens, i, d) in parts {
            for n in lens {
                indptr.push(indptr.last().copied().unwrap_or(0) + n);
            }
            indices.extend_from_slice(&i);
            data.extend_from_slice(&d);
        }
        // Rows are built sorted and in range, so this cannot fail.
        SparseRecords(
            Csr::try_new((texts.len(), self.vocabulary.len()), indptr, indices, data)
                .expect("transform builds a valid CSR matrix"),
        )
    }

    /// The analyzer that turns text into terms.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The TF-IDF settings used at fit time.
    pub fn params(&self) -> &TfidfParams {
        &self.params
    }

    /// The terms, in column order (sorted).
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The IDF weight of each column (all 1 when `use_idf` is off).
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// The number of columns.
    pub fn n_features(&self) -> usize {
        self.vocabulary.len()
    }

    /// The column of `term`, if it is in the vocabulary.
    pub fn term_index(&self, term: &str) -> Option<u32> {
        self.vocabulary.index_of(term)
    }

    /// Calls `f(term, column)` for each term of `text` that is in the vocabulary, in
    /// analyzer order (for explaining a prediction).
    pub fn analyze_with_indices(&self, text: &str, mut f: impl FnMut(&str, u32)) {
        self.analyzer.for_each_term(text, |t| {
            if let Some(c) = self.vocabulary.index_of(t) {
                f(t, c);
            }
        });
    }
}

/// Phase 2 for token/term keys (unigrams, and n-grams counted as strings): keys → terms,
/// document frequencies, pruning; returns the sorted vocabulary, its IDF and the term id →
/// column map (`NONE` for pruned terms).
fn term_vocabulary(
    analyzer: &Analyzer,
    params: &TfidfParams,
    all: &mut Counts,
    n_docs: usize,
) -> Result<(VocabularyParts, Vec<f32>, Vec<u32>), FeatureError> {
    // Phase 2b: keys → terms. For unigrams with stop words or a stemmer, each
    // distinct token is mapped once here (in parallel), not once per occurrence.
    let keys = std::mem::take(&mut all.keys);
    let merge = analyzer.is_unigram() && analyzer.maps_tokens();
    let (terms, key_to_term) = if merge {
        let list: Vec<&str> = keys.iter().collect();
        let mapped: Vec<Option<std::borrow::Cow<str>>> = list
            .par_iter()
            .with_min_len(1024)
            .map(|k| analyzer.token_term(k))
            .collect();
        let mut terms = Interner::with_capacity(list.len());
        let key_to_term: Vec<u32> = mapped
            .iter()
            .map(|t| t.as_ref().map_or(NONE, |t| terms.intern(t)))
            .collect();
        drop(mapped);
        drop(list);
        (terms, Some(key_to_term))
    } else {
        (keys, None)
    };
    if terms.is_empty() {
        return Err(empty_vocabulary());
    }

    // Phase 2c: pairs → term ids, document frequencies (and total counts if needed).
    // When keys are the terms, document frequencies were summed as the chunks came in,
    // and total counts are only needed if max_features has to cut (computed below then).
    let n_terms = terms.len();
    let want_tf = params.max_features.is_some();
    let zeros = || {
        (
            vec![0u32; n_terms],
            vec![0u64; if want_tf { n_terms } else { 0 }],
        )
    };
    let map = key_to_term.as_deref();
    let key_df = std::mem::take(&mut all.key_df);
    let (df, mut tf) = if !merge && key_df.len() == n_terms {
        (key_df, Vec::new())
    } else {
        drop(key_df);
        all.chunks_mut()
            .into_par_iter()
            .fold(
                || (zeros(), vec![u32::MAX; if merge { n_terms } else { 0 }]),
                |((mut df, mut tf), mut seen), (_, ends, ids, counts)| {
                    relabel(
                        chunk_base(ends, ids.len()),
                        ends,
                        ids,
                        counts,
                        map,
                        &mut df,
                        &mut tf,
                        &mut seen,
                    );
                    ((df, tf), seen)
                },
            )
            .map(|(acc, _)| acc)
            .reduce(zeros, |(mut df, mut tf), (df2, tf2)| {
                df.iter_mut().zip(df2).for_each(|(a, b)| *a += b);
                tf.iter_mut().zip(tf2).for_each(|(a, b)| *a += b);
                (df, tf)
            })
    };
    drop(key_to_term);

    // Filter by document frequency, then keep the max_features most frequent terms.
    let (lo, hi) = df_bounds(params, n_docs)?;
    let mut kept: Vec<u32> = (0..n_terms as u32)
        .filter(|&g| {
            let d = f64::from(df[g as usize]);
            d > 0.0 && d >= lo && d <= hi
        })
        .collect();
    if let Some(limit) = params.max_features {
        if kept.len() > limit {
            if tf.len() != n_terms {
                tf = term_totals(all, n_terms);
            }
            kept.par_sort_unstable_by(|&a, &b| {
                tf[b as usize]
                    .cmp(&tf[a as usize])
                    .then_with(|| terms.get(a).cmp(terms.get(b)))
            });
            kept.truncate(limit);
        }
    }
    if kept.is_empty() {
        return Err(nothing_left(n_terms, params, n_docs));
    }
    sort_by_term(&mut kept, &terms);
    let mut term_to_col = vec![NONE; n_terms];
    for (col, &g) in kept.iter().enumerate() {
        term_to_col[g as usize] = col as u32;
    }
    let idf: Vec<f32> = kept
        .iter()
        .map(|&g| idf_weight(params, n_docs, df[g as usize]))
        .collect();
    Ok((VocabularyParts::Terms { terms, kept }, idf, term_to_col))
}

/// What a fitted vocabulary is built from: the kept n-grams' strings in column order, or
/// the ids of the kept terms in column order and the interner holding them. Phase 3 needs
/// only the column count and the term → column map, so building the vocabulary (its text
/// and lookup table) and freeing what it is built from run on one thread while the others
/// weigh rows, instead of before them.
enum VocabularyParts {
    Grams(ngrams::GramNames),
    Terms { terms: Interner, kept: Vec<u32> },
}

impl VocabularyParts {
    /// The number of columns.
    fn len(&self) -> usize {
        match self {
            VocabularyParts::Grams(names) => names.len(),
            VocabularyParts::Terms { kept, .. } => kept.len(),
        }
    }

    fn build(self) -> Result<Vocabulary, FeatureError> {
        match self {
            VocabularyParts::Grams(names) => Vocabulary::new(names.iter()),
            VocabularyParts::Terms { terms, kept } => {
                Vocabulary::new(kept.iter().map(|&g| terms.get(g)))
            }
        }
        .map_err(|e| FeatureError::Invalid(format!("internal error: {e}")))
    }
}

/// Total occurrences of each term over all documents, when pair ids are term ids (keys
/// that are the terms, no pairs merged or dropped).
fn term_totals(all: &mut Counts, n_terms: usize) -> Vec<u64> {
    let zeros = || vec![0u64; n_terms];
    all.chunks_mut()
        .into_par_iter()
        .fold(zeros, |mut tf, (_, _, ids, counts)| {
            for (&t, &n) in ids.iter().zip(counts.iter()) {
                tf[t as usize] += u64::from(n);
            }
            tf
        })
        .reduce(zeros, |mut a, b| {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
            a
        })
}

/// Sorts term ids by their strings (byte order, which is `str`'s order). Each id is
/// paired with its first 8 bytes as a big-endian integer (zero-padded), so most
/// comparisons are one integer compare instead of two interner lookups and a `memcmp`;
/// equal prefixes fall back to the full strings. Terms are distinct, so the order is the
/// same as sorting by the strings alone. This sort was ~15 % of a 3,000-article fit's
/// instructions when it compared strings only.
fn sort_by_term(ids: &mut Vec<u32>, terms: &Interner) {
    let prefix = |s: &str| {
        let mut b = [0u8; 8];
        let n = s.len().min(8);
        b[..n].copy_from_slice(&s.as_bytes()[..n]);
        u64::from_be_bytes(b)
    };
    let mut keyed: Vec<(u64, u32)> = ids.iter().map(|&g| (prefix(terms.get(g)), g)).collect();
    keyed.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| terms.get(a.1).cmp(terms.get(b.1)))
    });
    ids.clear();
    ids.extend(keyed.iter().map(|&(_, g)| g));
}

/// The error when the documents hold no term at all (both fitting paths).
fn empty_vocabulary() -> FeatureError {
    FeatureError::Invalid(
        "empty vocabulary: the documents contain no terms (only stop words, \
         or nothing the token pattern matches)"
            .to_string(),
    )
}

/// The document-frequency range `[lo, hi]` a kept term must fall in, in documents.
fn df_bounds(params: &TfidfParams, n_docs: usize) -> Result<(f64, f64), FeatureError> {
    let lo = params.min_df.docs(n_docs);
    let hi = params.max_df.docs(n_docs);
    // Said first: a min_df above the corpus size is what the user must change (max_df
    // 1.0 being "below" it is a consequence).
    if lo > n_docs as f64 {
        return Err(FeatureError::Invalid(format!(
            "min_df {} keeps only terms found in at least {lo} documents, but there are \
             {n_docs}: no term can reach it; give a lower min_df",
            params.min_df
        )));
    }
    if hi < lo {
        return Err(FeatureError::Invalid(format!(
            "max_df {} ({hi} documents) is below min_df {} ({lo} documents) for {n_docs} \
             documents",
            params.max_df, params.min_df
        )));
    }
    Ok((lo, hi))
}

/// The error when `min_df` / `max_df` prune all `n_terms` terms.
fn nothing_left(n_terms: usize, params: &TfidfParams, n_docs: usize) -> FeatureError {
    FeatureError::Invalid(format!(
        "after pruning no terms remain ({n_terms} terms, min_df {}, max_df {}, \
         {n_docs} documents): try a lower min_df or a higher max_df",
        params.min_df, params.max_df
    ))
}

/// scikit-learn's IDF: `ln((1+n)/(1+df)) + 1` smoothed, `ln(n/df) + 1` otherwise.
fn idf_weight(params: &TfidfParams, n_docs: usize, df: u32) -> f32 {
    if !params.use_idf {
        return 1.0;
    }
    let (n, df) = (n_docs as f64, f64::from(df));
    let w = if params.smooth_idf {
        ((1.0 + n) / (1.0 + df)).ln() + 1.0
    } else {
        (n / df).ln() + 1.0
    };
    w as f32
}

#[cfg(test)]
#[path = "tfidf_tests.rs"]
mod tests;
