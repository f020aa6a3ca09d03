//! Word n-gram counting by term ids instead of strings (phases 1 and 2 of
//! [`TfidfVectorizer`](super::TfidfVectorizer) fitting when the analyzer makes n-grams).
//!
//! The string path (`Analyzer::for_each_term` joining "w1 w2" and interning every n-gram
//! as text, per chunk and again globally) kept every distinct n-gram of the corpus as a
//! string, most of them singletons pruned later by `min_df`: 4× the time and 5× the
//! memory of unigrams. Here:
//!
//! 1. Per chunk, raw tokens are interned as for unigrams and each distinct token is mapped
//!    once to its term (stop words, stemming) in a chunk-local term interner. An n-gram
//!    (n ≥ 2) is the pair (its (n−1)-gram prefix, its last term) packed into a `u64` and
//!    numbered by a hash map; each document's counts become (id, count) pairs where the id
//!    is a local term id or `GRAM | local gram id`. Per local id the chunk also sums its
//!    document frequency and total count.
//! 2. Merging a chunk (in document order) maps its terms through the global term interner
//!    and its n-grams, prefixes first, through the global n-gram table. Terms and n-grams
//!    share one global id space ("uids", in first-seen order), so the pairs are indexed
//!    by uid directly.
//! 3. Once every chunk is in and the key → uid table is freed, one pass over the pairs
//!    gives each uid's document frequency (its number of pairs) and total count. Keeping
//!    them per chunk and per uid while counting cost 24 bytes per distinct n-gram at the
//!    memory peak (most of them singletons pruned by `min_df`); now they take 8 bytes,
//!    allocated at their exact size after 8+ bytes per uid of table are released.
//! 4. Pruning (min_df, max_df, max_features) works on uids; strings ("w1 w2", exactly as
//!    the analyzer joins them) are built only for the n-grams kept (and, for the
//!    max_features cut, for those tied at the cut), then sorted into the vocabulary.
//!
//! The output is identical to the string path because an n-gram's string and its tuple of
//! terms determine each other when terms contain no space, which holds for the built-in
//! tokenizer; a custom token pattern (whose tokens may contain spaces) keeps the string
//! path ([`Analyzer::ngrams_by_id`]).
//!
//! `transform` does the same in reverse with a [`GramIndex`]: the vocabulary's entries
//! split at their spaces into a trie over term ids, so a document's tokens are looked up
//! once each as words and its n-grams as (prefix, word) integer pairs, never joined into
//! strings. The index is built lazily, only for batches large enough to repay it.
use super::{
    df_bounds, empty_vocabulary, expected_distinct_tokens, idf_weight, nothing_left,
    raw_lowercase_tokens, sort_by_term, ChunkCounts, Counts, FeatureError, TfidfParams, Vocabulary,
    NONE,
};
use crate::text::{Analyzer, InternKey, Interner, Tokenizer};
use rayon::prelude::*;

/// Marks a chunk-local pair id (or n-gram prefix) as an n-gram id rather than a term id.
pub(super) const GRAM: u32 = 1 << 31;

/// Marks a global key (see [`GramTable::ukeys`]) as a term: the low bits are its index in
/// the global term interner.
pub(super) const TERM: u64 = 1 << 63;

/// One chunk's n-grams (its terms are in `ChunkCounts::keys`).
pub(super) struct ChunkGrams {
    /// Per local n-gram id: prefix code (local term id, or `GRAM | local gram id`) << 32 |
    /// local id of the last term. A prefix always has a smaller id than its extensions.
    keys: Vec<u64>,
}

/// The global n-gram side of [`Counts`]: one id space ("uid") for terms and n-grams.
#[derive(Default)]
pub(super) struct GramTable {
    /// (prefix uid << 32 | last term uid) → uid of an n-gram.
    ids: UidTable,
    /// Per uid: `TERM | term index`, or the n-gram's key (prefix uid << 32 | last uid).
    ukeys: Vec<u64>,
    /// Per global term index: its uid.
    term_uid: Vec<u32>,
    /// More than 2^31 distinct terms and n-grams: reported by `finish`.
    overflow: bool,
}

/// The global n-gram key → uid map: open addressing over 8-byte slots (hash tag << 32 |
/// uid + 1; 0 is empty), the keys themselves read from the uid-indexed key array on a tag
/// match. Half the memory of a `HashMap<u64, u32>` (16-byte entries) and no second copy of
/// the keys; it holds every distinct n-gram of the corpus, so its size is what bigrams cost.
#[derive(Default)]
pub(super) struct UidTable {
    /// Power-of-two length (or empty), at most 3/4 full.
    slots: Vec<u64>,
    len: usize,
}

/// `n` zeros written into a fresh allocation, where `vec![0; n]` would `calloc` them: a large
/// calloc'd block comes straight from the kernel unwritten, so a table that is read before
/// it is written (a hash probe, a `+=`) first maps each page to the shared zero page and
/// then takes a second, copy-on-write fault when it is written, and that fault flushes the
/// page from every other core's TLB by interrupt. Writing the zeros makes the first touch
/// of each page a plain fault and the later reads and writes none.
fn written_zeros<T: Copy + Default>(n: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    v.resize(n, T::default());
    v
}

#[inline(always)]
fn hash_key(key: u64) -> u64 {
    let r = u128::from(key ^ 0x243F_6A88_85A3_08D3) * 0x9E37_79B9_7F4A_7C15u128;
    (r as u64) ^ ((r >> 64) as u64)
}

impl UidTable {
    /// Makes room for one more entry (rehashing from `ukeys` when growing).
    fn reserve_one(&mut self, ukeys: &[u64]) {
        if (self.len + 1) * 4 <= self.slots.len() * 3 {
            return;
        }
        let size = (self.slots.len() * 2).max(1 << 12);
        let old = std::mem::replace(&mut self.slots, written_zeros(size));
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|&s| s != 0) {
            let mut i = hash_key(ukeys[(s as u32 - 1) as usize]) as usize & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// The uid of `key`, or the empty slot where it belongs. Needs room for one entry.
    #[inline]
    fn find(&self, key: u64, ukeys: &[u64]) -> Result<u32, usize> {
        let h = hash_key(key);
        let mask = self.slots.len() - 1;
        let tag = h >> 32;
        let mut i = h as usize & mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                return Err(i);
            }
            if s >> 32 == tag {
                let u = s as u32 - 1;
                if ukeys[u as usize] == key {
                    return Ok(u);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// Hints the CPU to load the slot where `key`'s search starts (a no-op off x86-64).
    /// The merge of a chunk into the global table is serial and mostly cache misses.
    #[inline(always)]
    fn prefetch(&self, key: u64) {
        if !self.slots.is_empty() {
            let i = hash_key(key) as usize & (self.slots.len() - 1);
            crate::hint::prefetch(self.slots.as_ptr().wrapping_add(i));
        }
    }

    /// Hints the CPU to load the stored key that [`UidTable::find`] compares first for
    /// `key` (when the slot where its search starts holds the same tag): the second cache
    /// miss of a hit, once [`UidTable::prefetch`] has brought that slot in.
    #[inline(always)]
    fn prefetch_key(&self, key: u64, ukeys: &[u64]) {
        if !self.slots.is_empty() {
            let h = hash_key(key);
            let s = self.slots[h as usize & (self.slots.len() - 1)];
            if s != 0 && s >> 32 == h >> 32 {
                crate::hint::prefetch(ukeys.as_ptr().wrapping_add((s as u32 - 1) as usize));
            }
        }
    }

    /// Stores `uid` for `key` in `slot` (from [`UidTable::find`]).
    #[inline]
    fn fill(&mut self, slot: usize, key: u64, uid: u32) {
        self.slots[slot] = hash_key(key) >> 32 << 32 | u64::from(uid + 1);
        self.len += 1;
    }
}

/// A chunk's tokens turned into local term ids: each distinct raw token is interned, and
/// mapped to its term (stop words, stemming) once, when first seen.
struct ChunkTerms<'a> {
    analyzer: &'a Analyzer,
    /// Raw tokens (lowercased when the analyzer lowercases) → local raw id.
    raw: Interner,
    /// Per raw id: its local term id, or `NONE` for a stop word.
    raw_term: Vec<u32>,
    /// The chunk's terms → local term id.
    terms: Interner,
}

impl ChunkTerms<'_> {
    /// Appends to `seq` the term ids of `doc`'s tokens, given as byte spans (stop words
    /// left out). With `LOWER` the spans are of the raw text and each token is interned
    /// ASCII-lowercased ([`Interner::intern_spans`], as the unigram path counts): the same
    /// ids and strings as tokens of a lowercased copy, without making the copy.
    #[inline(never)]
    fn push_terms<const LOWER: bool>(
        &mut self,
        doc: &str,
        spans: &[(usize, usize)],
        seq: &mut Vec<u32>,
    ) {
        let ChunkTerms {
            analyzer,
            raw,
            raw_term,
            terms,
        } = self;
        raw.intern_spans::<LOWER>(doc, spans, |raw, id| {
            if id as usize == raw_term.len() {
                raw_term.push(term_of_new_token(analyzer, terms, raw.get(id)));
            }
            let t = raw_term[id as usize];
            if t != NONE {
                seq.push(t);
            }
        });
    }
}

/// The local term id of a raw token seen for the first time (`NONE` for a stop word),
/// interning its term in `terms`.
#[cold]
fn term_of_new_token(analyzer: &Analyzer, terms: &mut Interner, token: &str) -> u32 {
    analyzer
        .token_term(token)
        .map_or(NONE, |t| terms.intern(&t))
}

/// Counts one chunk's documents as term ids and n-gram ids (see the module docs).
pub(super) fn count_chunk_ngrams<S: AsRef<str>>(analyzer: &Analyzer, texts: &[S]) -> ChunkCounts {
    let (min_n, max_n) = analyzer.config().ngram_range;
    // Sized as the unigram path sizes its chunk interner, so that they do not grow (and
    // rehash, and fault in pages for tables they drop) while counting; there are no more
    // distinct terms than raw tokens.
    let bytes = texts.iter().map(|t| t.as_ref().len()).sum();
    let expected = expected_distinct_tokens(bytes);
    let mut words = ChunkTerms {
        analyzer,
        raw: Interner::with_capacity(expected),
        raw_term: Vec::with_capacity(expected),
        terms: Interner::with_capacity(expected),
    };
    // Tokens are found in the raw text and lowercased while hashing, as for unigrams;
    // documents with a character whose lowercase differs outside ASCII take the general
    // tokenizer on a lowercased copy.
    let fused = raw_lowercase_tokens(analyzer);
    // How many n-grams ahead the chunk's n-gram table is prefetched (twice this for
    // the slot, this for the key it holds).
    const AHEAD: usize = 8;
    // The same 8-byte-slot table as the global one (a `HashMap<u64, u32>` has 16-byte
    // entries and a second copy of the keys): the chunk's n-gram table is most of its
    // memory, and up to threads + 1 chunks are alive while streaming.
    let mut gram_ids = UidTable::default();
    let mut keys: Vec<u64> = Vec::new();
    let mut tcounts: Vec<u32> = Vec::new();
    let mut gcounts: Vec<u32> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    let mut seq: Vec<u32> = Vec::new();
    let mut codes: Vec<u32> = Vec::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut pairs = Vec::new();
    let mut doc_ends = Vec::with_capacity(texts.len());
    for text in texts {
        let text = text.as_ref();
        seq.clear();
        spans.clear();
        if fused && Tokenizer::lower_word_spans(text, |a, b| spans.push((a, b))) {
            words.push_terms::<true>(text, &spans, &mut seq);
        } else {
            analyzer.with_token_spans(text, |doc, spans| {
                words.push_terms::<false>(doc, spans, &mut seq);
            });
        }
        tcounts.resize(words.terms.len(), 0);
        // codes[i]: the current-length n-gram starting at token i.
        let len = seq.len();
        codes.clear();
        codes.extend_from_slice(&seq);
        for n in 1..=max_n.min(len) {
            if n > 1 {
                // The key of the n-gram at i. Its slot is prefetched `2 * AHEAD`
                // positions before it is probed and the key stored there `AHEAD` before,
                // since the chunk's n-gram table and keys are far larger than the cache.
                let key_at =
                    |codes: &[u32], i: usize| u64::from(codes[i]) << 32 | u64::from(seq[i + n - 1]);
                for i in 0..=len - n {
                    if i + 2 * AHEAD <= len - n {
                        gram_ids.prefetch(key_at(&codes, i + 2 * AHEAD));
                    }
                    if i + AHEAD <= len - n {
                        gram_ids.prefetch_key(key_at(&codes, i + AHEAD), &keys);
                    }
                    let key = key_at(&codes, i);
                    gram_ids.reserve_one(&keys);
                    let g = match gram_ids.find(key, &keys) {
                        Ok(g) => {
                            // Counted once the whole level is coded.
                            crate::hint::prefetch(gcounts.as_ptr().wrapping_add(g as usize));
                            g
                        }
                        Err(slot) => {
                            let g = keys.len() as u32;
                            keys.push(key);
                            gcounts.push(0);
                            gram_ids.fill(slot, key, g);
                            g
                        }
                    };
                    codes[i] = GRAM | g;
                }
                codes.truncate(len - n + 1);
            }
            if n < min_n {
                continue;
            }
            for &c in &codes {
                let slot = if c & GRAM != 0 {
                    &mut gcounts[(c & !GRAM) as usize]
                } else {
                    &mut tcounts[c as usize]
                };
                if *slot == 0 {
                    touched.push(c);
                }
                *slot += 1;
            }
        }
        for &c in &touched {
            let slot = if c & GRAM != 0 {
                &mut gcounts[(c & !GRAM) as usize]
            } else {
                &mut tcounts[c as usize]
            };
            pairs.push((c, std::mem::take(slot)));
        }
        touched.clear();
        doc_ends.push(pairs.len());
    }
    ChunkCounts {
        keys: words.terms,
        pairs,
        doc_ends,
        key_df: Vec::new(),
        grams: Some(ChunkGrams { keys }),
        work: Default::default(),
    }
}

impl GramTable {
    /// A new uid for `key`, or `NONE` past 2^31 ids.
    fn new_uid(&mut self, key: u64) -> u32 {
        if self.ukeys.len() >= GRAM as usize {
            self.overflow = true;
            return NONE;
        }
        self.ukeys.push(key);
        (self.ukeys.len() - 1) as u32
    }
}

/// The string of `uid` (its terms joined by single spaces, as the analyzer joins them);
/// `chain` is scratch.
fn string_of(ukeys: &[u64], terms: &Interner, uid: u32, chain: &mut Vec<u32>) -> String {
    let mut out = String::new();
    write_gram(ukeys, terms, uid, chain, &mut out);
    out
}

/// Appends the string of `uid` to `out` (see [`string_of`]); `chain` is scratch.
fn write_gram(ukeys: &[u64], terms: &Interner, uid: u32, chain: &mut Vec<u32>, out: &mut String) {
    chain.clear();
    let mut u = uid;
    loop {
        let k = ukeys[u as usize];
        if k & TERM != 0 {
            chain.push((k & !TERM) as u32);
            break;
        }
        // The last part of an n-gram key is always a term's uid.
        chain.push((ukeys[k as u32 as usize] & !TERM) as u32);
        u = (k >> 32) as u32;
    }
    for (i, &t) in chain.iter().rev().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(terms.get(t));
    }
}

/// How many kept n-grams one naming task writes into its own text arena.
const NAMES_PER_ARENA: usize = 1 << 12;

/// The kept n-grams' strings in column order, held in a few text arenas (one per naming
/// task) rather than a `String` each: a bigram vocabulary has hundreds of thousands of
/// entries, and allocating and freeing one string per entry cost about a fifth of
/// [`gram_vocabulary`]'s time.
pub(super) struct GramNames {
    arenas: Vec<String>,
    /// Per column: (arena, start, end) of its string.
    spans: Vec<(usize, usize, usize)>,
}

impl GramNames {
    /// The number of entries.
    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The entries' strings in column order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        self.spans.iter().map(|&(a, s, e)| &self.arenas[a][s..e])
    }
}

impl Counts {
    /// [`Counts::push`] for a chunk counted by [`count_chunk_ngrams`]: local terms and
    /// n-grams → uids, pairs relabelled (document frequencies and totals are counted
    /// from the pairs once all chunks are in, see [`gram_vocabulary`]).
    pub(super) fn push_grams(&mut self, c: ChunkCounts, g: ChunkGrams) {
        let table = self.grams.get_or_insert_with(GramTable::default);
        let keys = &mut self.keys;
        let tmap: Vec<u32> = c
            .keys
            .iter()
            .map(|k| {
                let t = keys.intern(k) as usize;
                if t == table.term_uid.len() {
                    let u = table.new_uid(TERM | t as u64);
                    table.term_uid.push(u);
                }
                table.term_uid[t]
            })
            .collect();
        drop(c.keys);
        let mut gmap: Vec<u32> = Vec::with_capacity(g.keys.len());
        // How many n-grams ahead the global slot is prefetched.
        const AHEAD: usize = 8;
        for (j, &k) in g.keys.iter().enumerate() {
            if let Some(&ka) = g.keys.get(j + AHEAD) {
                // Only when the prefix is already mapped (always for bigrams).
                let p = (ka >> 32) as u32;
                let prefix = if p & GRAM != 0 {
                    gmap.get((p & !GRAM) as usize).copied().unwrap_or(NONE)
                } else {
                    tmap[p as usize]
                };
                let last = tmap[ka as u32 as usize];
                if prefix != NONE && last != NONE {
                    table
                        .ids
                        .prefetch(u64::from(prefix) << 32 | u64::from(last));
                }
            }
            let p = (k >> 32) as u32;
            let prefix = if p & GRAM != 0 {
                gmap[(p & !GRAM) as usize]
            } else {
                tmap[p as usize]
            };
            let last = tmap[k as u32 as usize];
            if prefix == NONE || last == NONE {
                gmap.push(NONE);
                continue;
            }
            let key = u64::from(prefix) << 32 | u64::from(last);
            table.ids.reserve_one(&table.ukeys);
            let u = match table.ids.find(key, &table.ukeys) {
                Ok(u) => u,
                Err(slot) => {
                    let u = table.new_uid(key);
                    if u != NONE {
                        table.ids.fill(slot, key, u);
                    }
                    u
                }
            };
            gmap.push(u);
        }
        drop(g);
        let base = self.ids.len();
        self.ids.extend(c.pairs.iter().map(|&(l, _)| {
            if l & GRAM != 0 {
                gmap[(l & !GRAM) as usize]
            } else {
                tmap[l as usize]
            }
        }));
        self.counts.extend(c.pairs.iter().map(|&(_, n)| n));
        drop(c.pairs);
        self.doc_ends.extend(c.doc_ends.iter().map(|&e| base + e));
        self.chunk_docs.push(self.doc_ends.len());
    }
}

/// Per uid: (documents containing it, total count), from the merged pairs (`ids`: uids or
/// `NONE`, `counts`: per-document counts). The total saturates at `u32::MAX`: only a term
/// counted over 4 billion times could be ordered differently from the string path, and
/// only among others counted as often. Integer sums, so the result does not depend on the
/// order of the pairs or the thread count.
fn doc_frequencies(n_all: usize, ids: &[u32], counts: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut df: Vec<u32> = written_zeros(n_all);
    let mut tf: Vec<u32> = written_zeros(n_all);
    for (&u, &n) in ids.iter().zip(counts) {
        if let (Some(d), Some(t)) = (df.get_mut(u as usize), tf.get_mut(u as usize)) {
            *d += 1;
            *t = t.saturating_add(n);
        }
    }
    (df, tf)
}

/// The positions in `kept` (uids of n-grams of at most `max_n` terms) in the order of
/// their strings, found without comparing the strings: each entry becomes the sequence of
/// its terms' ranks (the terms sorted as strings, ranks from 1, padded with 0 to
/// `max_n`), packed into one integer above its position, and the integers are sorted.
/// Joined by spaces, term sequences sort as their strings when every byte of every term
/// is above the space: at the first term that differs the strings differ at the same place
/// or one term is a prefix of the other, where the shorter one's space (or end) sorts
/// first, as its 0 padding or smaller rank does. Sorting the 385,501 bigram strings of 20
/// Newsgroups with `memcmp` was about an eighth of a bigram fit's instructions.
///
/// `None` when a term has a byte at or below the space (impossible for the built-in
/// tokenizer; a stemmer could make one) or the ranks do not fit in 96 bits (very long
/// n-grams): the caller then sorts the strings.
pub(super) fn rank_order(
    ukeys: &[u64],
    terms: &Interner,
    kept: &[u32],
    max_n: usize,
) -> Option<Vec<u32>> {
    let width = max_n.max(1);
    // Each rank takes at least a bit, so more than 96 terms cannot fit whatever the terms:
    // said before the sequences are allocated, which take `max_n` slots per entry
    // (`--ngrams 1-4294967295` asked for terabytes and aborted).
    if width > 96 {
        return None;
    }
    // Per kept entry: its term indices + 1, first term first, padded with 0.
    let mut seqs: Vec<u32> = written_zeros(kept.len() * width);
    seqs.par_chunks_mut(width)
        .zip(kept.par_iter())
        .with_min_len(1 << 12)
        .for_each(|(seq, &u)| term_sequence(ukeys, u, seq));
    // Marks the terms used, then holds their ranks from 1.
    let mut rank: Vec<u32> = written_zeros(terms.len());
    for &t in seqs.iter().filter(|&&t| t != 0) {
        rank[t as usize - 1] = 1;
    }
    let mut used: Vec<u32> = (0..terms.len() as u32)
        .filter(|&t| rank[t as usize] != 0)
        .collect();
    let bits = (u32::BITS - (used.len() as u32).leading_zeros()) as usize;
    if width * bits > 96
        || used
            .iter()
            .any(|&t| terms.get(t).bytes().any(|b| b <= b' '))
    {
        return None;
    }
    sort_by_term(&mut used, terms);
    for (r, &t) in used.iter().enumerate() {
        rank[t as usize] = r as u32 + 1;
    }
    let rank_of = |t: u32| if t == 0 { 0 } else { rank[t as usize - 1] };
    let mut keys: Vec<u128> = seqs
        .par_chunks(width)
        .enumerate()
        .map(|(i, seq)| {
            let ranks = seq
                .iter()
                .fold(0u128, |k, &t| k << bits | u128::from(rank_of(t)));
            ranks << 32 | i as u128
        })
        .collect();
    keys.par_sort_unstable();
    Some(keys.iter().map(|&k| k as u32).collect())
}

/// The positions in `uids` in the order of (`name` of the position, uid): the string
/// path's order, for when [`rank_order`] cannot give it.
fn order_by_name<'a>(name: impl Fn(u32) -> &'a str + Sync, uids: &[u32]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..uids.len() as u32).collect();
    let uid = |i: u32| uids[i as usize];
    order.par_sort_unstable_by(|&x, &y| name(x).cmp(name(y)).then(uid(x).cmp(&uid(y))));
    order
}

/// Writes the term indices + 1 of n-gram `uid`, first term first, at the start of `seq`
/// (which is longer than the n-gram or as long, and zero past it).
fn term_sequence(ukeys: &[u64], uid: u32, seq: &mut [u32]) {
    let mut len = 0;
    let mut u = uid;
    loop {
        let k = ukeys[u as usize];
        let (last, prefix) = if k & TERM != 0 {
            (k, None)
        } else {
            // The last part of an n-gram key is always a term's uid.
            (ukeys[k as u32 as usize], Some((k >> 32) as u32))
        };
        seq[len] = (last & !TERM) as u32 + 1;
        len += 1;
        match prefix {
            Some(p) => u = p,
            None => break,
        }
    }
    seq[..len].reverse();
}

/// Phase 2 for n-gram counts (of at most `max_n` terms): counts document frequencies from
/// the pairs (`ids`, `counts`: [`Counts`]'s, still uids), prunes uids by document frequency
/// and `max_features`,
/// builds the strings of the kept ones and returns them sorted (the vocabulary's entries,
/// built into a [`Vocabulary`] by the caller), their IDF and the uid → column map (`NONE`
/// for pruned uids). Same results and errors as the string path.
pub(super) fn gram_vocabulary(
    params: &TfidfParams,
    max_n: usize,
    terms: Interner,
    table: GramTable,
    n_docs: usize,
    ids: &[u32],
    counts: &[u32],
) -> Result<(GramNames, Vec<f32>, Vec<u32>), FeatureError> {
    if table.overflow {
        return Err(FeatureError::Invalid(format!(
            "more than {GRAM} distinct terms and n-grams: use a smaller n-gram range"
        )));
    }
    let GramTable {
        ids: uid_table,
        ukeys,
        term_uid,
        ..
    } = table;
    drop(uid_table);
    drop(term_uid);
    let n_all = ukeys.len();
    let (df, tf) = doc_frequencies(n_all, ids, counts);
    // Prefixes shorter than the smallest n counted have uids but no documents.
    let n_counted = df.par_iter().filter(|&&d| d > 0).count();
    if n_counted == 0 {
        return Err(empty_vocabulary());
    }
    let (lo, hi) = df_bounds(params, n_docs)?;
    let mut kept: Vec<u32> = (0..n_all as u32)
        .into_par_iter()
        .with_min_len(1 << 16)
        .filter(|&u| {
            let d = f64::from(df[u as usize]);
            d > 0.0 && d >= lo && d <= hi
        })
        .collect();
    let mut chain = Vec::new();
    let string_of = |u: u32, chain: &mut Vec<u32>| string_of(&ukeys, &terms, u, chain);
    if let Some(limit) = params.max_features {
        if kept.len() > limit {
            // Everything counted more often than the limit-th term is kept; among those
            // tied with it, the smallest strings (the string path's tie order).
            let (_, nth, _) = kept
                .select_nth_unstable_by(limit - 1, |&a, &b| tf[b as usize].cmp(&tf[a as usize]));
            let cut = tf[*nth as usize];
            let mut top: Vec<u32> = kept
                .iter()
                .copied()
                .filter(|&u| tf[u as usize] > cut)
                .collect();
            let ties: Vec<u32> = kept
                .iter()
                .copied()
                .filter(|&u| tf[u as usize] == cut)
                .collect();
            let order = rank_order(&ukeys, &terms, &ties, max_n).unwrap_or_else(|| {
                let names: Vec<String> = ties.iter().map(|&u| string_of(u, &mut chain)).collect();
                order_by_name(|i| &names[i as usize], &ties)
            });
            let need = limit - top.len();
            top.extend(order.iter().take(need).map(|&i| ties[i as usize]));
            kept = top;
        }
    }
    if kept.is_empty() {
        return Err(nothing_left(n_counted, params, n_docs));
    }
    // Each task names its share of `kept` into one arena: (text, per entry its range).
    let named: Vec<(String, Vec<(usize, usize)>)> = kept
        .par_chunks(NAMES_PER_ARENA)
        .map(|part| {
            let (mut text, mut chain) = (String::new(), Vec::new());
            let ranges = part
                .iter()
                .map(|&u| {
                    let start = text.len();
                    write_gram(&ukeys, &terms, u, &mut chain, &mut text);
                    (start, text.len())
                })
                .collect();
            (text, ranges)
        })
        .collect();
    // Each kept entry's (arena, start, end), by position in `kept`.
    let at: Vec<(usize, usize, usize)> = named
        .iter()
        .enumerate()
        .flat_map(|(a, (_, ranges))| ranges.iter().map(move |&(s, e)| (a, s, e)))
        .collect();
    // Positions in `kept` in the order of their strings, then uids, as the string path
    // sorts (equal strings only when a term holds a space).
    let order = rank_order(&ukeys, &terms, &kept, max_n).unwrap_or_else(|| {
        let name = |i: u32| {
            let (a, s, e) = at[i as usize];
            &named[a].0[s..e]
        };
        order_by_name(name, &kept)
    });
    let mut term_to_col = vec![NONE; n_all];
    for (col, &i) in order.iter().enumerate() {
        term_to_col[kept[i as usize] as usize] = col as u32;
    }
    let idf: Vec<f32> = order
        .iter()
        .map(|&i| idf_weight(params, n_docs, df[kept[i as usize] as usize]))
        .collect();
    let spans = order.iter().map(|&i| at[i as usize]).collect();
    let arenas = named.into_iter().map(|(text, _)| text).collect();
    Ok((GramNames { arenas, spans }, idf, term_to_col))
}

/// Marks a token whose term is in no vocabulary entry: every n-gram through it is absent.
const ABSENT: u32 = u32::MAX;

/// The empty key of an [`EdgeTable`] slot (a real key has a word id below `GRAM` in its
/// low half).
const NO_EDGE: u64 = u64::MAX;

/// The vocabulary's n-grams as a trie over term ids, so that `transform` finds a
/// document's n-gram columns from its terms' ids, without joining the n-grams into strings
/// and looking those up in the vocabulary (two string hash-table probes per token for
/// bigrams, most of them misses into a 200,000-term table: half of `predict`'s time on a
/// bigram model).
///
/// Exactly the string path's columns: an entry split at its spaces gives back the terms it
/// was joined from when no term contains a space. The built-in tokenizer never makes one;
/// a stemmer's output is checked by [`GramIndex::count`], which hands such a document back
/// to the string path. Building takes about 50 ns per vocabulary entry (10 ms for 200,000),
/// so `transform` builds it once, lazily, for batches large enough to repay it.
pub(super) struct GramIndex {
    /// Every term that occurs in an entry of a counted length → its word id.
    words: Interner,
    /// Per word id: its column as a unigram (`NONE` if it has none or unigrams are not
    /// counted).
    unigram: Vec<u32>,
    /// (prefix code, word id) → (code, column) for every n-gram (n ≥ 2) that is an entry
    /// or a prefix of one. A prefix code is a word id (1-gram prefix) or `GRAM | node`.
    edges: EdgeTable,
    /// The analyzer's n-gram range.
    range: (usize, usize),
}

/// The [`EdgeTable`] key of the n-gram extending prefix code `prefix` by word `word`.
#[inline(always)]
fn edge_key(prefix: u32, word: u32) -> u64 {
    u64::from(prefix) << 32 | u64::from(word)
}

/// One trie edge: `key` = [`edge_key`]`(prefix code, last word id)`.
#[derive(Clone, Copy)]
struct Edge {
    key: u64,
    /// The code of the n-gram this edge leads to (`GRAM | node id`).
    code: u32,
    /// Its column, or `NONE` if it is only a prefix of entries.
    column: u32,
}

/// Open addressing (linear probing) over 16-byte slots holding the whole key and the
/// value: a lookup, hit or miss, reads one cache line in the common case.
struct EdgeTable {
    /// Power-of-two length, at most 2/3 full.
    slots: Vec<Edge>,
}

impl EdgeTable {
    /// A table with room for `n` edges.
    fn with_capacity(n: usize) -> Self {
        let size = (n + n / 2 + 1).next_power_of_two().max(16);
        EdgeTable {
            slots: vec![
                Edge {
                    key: NO_EDGE,
                    code: NONE,
                    column: NONE,
                };
                size
            ],
        }
    }

    #[inline(always)]
    fn start(&self, key: u64) -> usize {
        hash_key(key) as usize & (self.slots.len() - 1)
    }

    /// The edge for `key`, if any.
    #[inline(always)]
    fn get(&self, key: u64) -> Option<&Edge> {
        let mask = self.slots.len() - 1;
        let mut i = self.start(key);
        loop {
            let e = &self.slots[i];
            if e.key == key {
                return Some(e);
            }
            if e.key == NO_EDGE {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Hints the CPU to load the slot where `key`'s search starts.
    #[inline(always)]
    fn prefetch(&self, key: u64) {
        crate::hint::prefetch(self.slots.as_ptr().wrapping_add(self.start(key)));
    }

    /// The edge for `key`, inserted with code `GRAM | *next` (then incremented) if new.
    /// The table must have room (sized by the caller).
    fn entry(&mut self, key: u64, next: &mut u32) -> &mut Edge {
        let mask = self.slots.len() - 1;
        let mut i = self.start(key);
        while self.slots[i].key != key && self.slots[i].key != NO_EDGE {
            i = (i + 1) & mask;
        }
        let e = &mut self.slots[i];
        if e.key == NO_EDGE {
            *e = Edge {
                key,
                code: GRAM | *next,
                column: NONE,
            };
            *next += 1;
        }
        e
    }
}

/// Per-thread buffers of [`GramIndex::count`].
#[derive(Default)]
pub(super) struct GramScratch {
    spans: Vec<(usize, usize)>,
    /// The document's word ids (`ABSENT` for terms in no entry).
    seq: Vec<u32>,
    /// Per start position: the code of the current-length n-gram there.
    codes: Vec<u32>,
    /// The columns found, one per occurrence.
    columns: Vec<u32>,
}

impl GramIndex {
    /// The index of `vocabulary`'s entries whose length (terms) is in `range`; `None` if
    /// its ids would not fit (over 2^31 distinct words or n-gram prefixes).
    ///
    /// Two passes, each prefetching the hash-table slot it will need some entries ahead:
    /// nearly every word lookup and edge insertion is a cache miss (a 200,000-entry
    /// vocabulary makes 4 MB tables), and one after the other they took 80 ms.
    pub(super) fn new(vocabulary: &Vocabulary, range: (usize, usize)) -> Option<Self> {
        const AHEAD: usize = 16;
        let (min_n, max_n) = range;
        let length = |entry: &str| entry.bytes().filter(|&b| b == b' ').count() + 1;
        // Pass 1: (column, length) of each entry of a counted length, and the word ids of
        // their terms, flat.
        let mut entries: Vec<(u32, u32)> = Vec::new();
        let mut ids: Vec<u32> = Vec::new();
        let mut words = Interner::with_capacity(vocabulary.len().min(1 << 16));
        {
            let mut parts = vocabulary
                .iter()
                .enumerate()
                .filter_map(|(column, entry)| {
                    let k = length(entry);
                    (k >= min_n && k <= max_n).then_some((column, k, entry))
                })
                .inspect(|&(column, k, _)| entries.push((column as u32, k as u32)))
                .flat_map(|(_, _, entry)| entry.split(' '));
            let mut ring = std::collections::VecDeque::with_capacity(AHEAD);
            let mut next = |ring: &mut std::collections::VecDeque<_>, words: &Interner| {
                if let Some(p) = parts.next() {
                    let key = Interner::key(p);
                    words.prefetch(&key);
                    ring.push_back((p, key));
                }
            };
            for _ in 0..AHEAD {
                next(&mut ring, &words);
            }
            while let Some((p, key)) = ring.pop_front() {
                next(&mut ring, &words);
                ids.push(words.intern_key(p, &key));
            }
        }
        if words.len() >= GRAM as usize {
            return None;
        }
        // Pass 2: the trie. Room for every edge an entry can add (one per term after the
        // first); a bigram's key is known from pass 1, so its slot is prefetched.
        let edges_max = entries.iter().map(|&(_, k)| k as usize - 1).sum();
        let mut index = GramIndex {
            unigram: vec![NONE; words.len()],
            words,
            edges: EdgeTable::with_capacity(edges_max),
            range,
        };
        let mut next_node = 0u32;
        let (mut pos, mut ahead_pos) = (0usize, 0usize);
        for &(_, k) in entries.iter().take(AHEAD) {
            ahead_pos += k as usize;
        }
        for (i, &(column, k)) in entries.iter().enumerate() {
            if let Some(&(_, ka)) = entries.get(i + AHEAD) {
                if ka == 2 {
                    index
                        .edges
                        .prefetch(edge_key(ids[ahead_pos], ids[ahead_pos + 1]));
                }
                ahead_pos += ka as usize;
            }
            let terms = &ids[pos..pos + k as usize];
            pos += k as usize;
            let mut code = terms[0];
            if k == 1 {
                index.unigram[code as usize] = column;
                continue;
            }
            for (j, &w) in terms.iter().enumerate().skip(1) {
                let e = index.edges.entry(edge_key(code, w), &mut next_node);
                if j + 1 == k as usize {
                    e.column = column;
                }
                code = e.code;
            }
        }
        (next_node < GRAM - 1).then_some(index)
    }

    /// The column of each n-gram occurrence of `text` that is in the vocabulary (the
    /// columns the string path finds, in another order). `raw_lower`: the analyzer
    /// lowercases, has no stop words or stemmer and the built-in tokenizer, so tokens may
    /// be looked up in the raw text ASCII-lowercased. `None` when a term contains a space:
    /// the caller takes the string path.
    pub(super) fn count<'s>(
        &self,
        analyzer: &Analyzer,
        raw_lower: bool,
        text: &str,
        s: &'s mut GramScratch,
    ) -> Option<&'s [u32]> {
        s.seq.clear();
        s.spans.clear();
        let spans = &mut s.spans;
        if raw_lower && Tokenizer::lower_word_spans(text, |a, b| spans.push((a, b))) {
            self.words_of_spans(text, &s.spans, &mut s.seq);
        } else {
            let mut spaced = false;
            analyzer.for_each_token_term(text, |t| {
                spaced |= t.as_bytes().contains(&b' ');
                s.seq.push(self.words.find(t).unwrap_or(ABSENT));
            });
            if spaced {
                return None;
            }
        }
        self.count_words(s);
        Some(&s.columns)
    }

    /// The word ids of `text[a..b]` ASCII-lowercased for each span, appended to `seq`.
    /// Keys are prepared `AHEAD` tokens early and their slots prefetched, overlapping the
    /// cache misses of a word table larger than the cache.
    #[inline(never)]
    fn words_of_spans(&self, text: &str, spans: &[(usize, usize)], seq: &mut Vec<u32>) {
        const AHEAD: usize = 16;
        let bytes = text.as_bytes();
        let key = |&(a, b): &(usize, usize)| Interner::key_lower_bytes(&bytes[a..b]);
        let mut ring = [InternKey::default(); AHEAD];
        for (slot, span) in ring.iter_mut().zip(spans) {
            *slot = key(span);
            self.words.prefetch(slot);
        }
        for (i, &(a, b)) in spans.iter().enumerate() {
            let k = &mut ring[i % AHEAD];
            seq.push(self.words.find_key_lower(&text[a..b], k).unwrap_or(ABSENT));
            if let Some(next) = spans.get(i + AHEAD) {
                *k = key(next);
                self.words.prefetch(k);
            }
        }
    }

    /// The n-gram columns of the word ids in `s.seq`, level by level as in fitting
    /// (`codes[i]` turns from the (n−1)-gram at `i` into the n-gram there).
    #[inline(never)]
    fn count_words(&self, s: &mut GramScratch) {
        const AHEAD: usize = 8;
        let (min_n, max_n) = self.range;
        let seq = &s.seq;
        let columns = &mut s.columns;
        columns.clear();
        let mut add = |c: u32| columns.push(c);
        let len = seq.len();
        if min_n == 1 {
            for &w in seq {
                if w != ABSENT {
                    let c = self.unigram[w as usize];
                    if c != NONE {
                        add(c);
                    }
                }
            }
        }
        let codes = &mut s.codes;
        codes.clear();
        codes.extend_from_slice(seq);
        for n in 2..=max_n.min(len) {
            let count = n >= min_n;
            for i in 0..=len - n {
                if let (Some(&p), Some(&w)) = (codes.get(i + AHEAD), seq.get(i + AHEAD + n - 1)) {
                    if p != ABSENT && w != ABSENT {
                        self.edges.prefetch(edge_key(p, w));
                    }
                }
                let (p, w) = (codes[i], seq[i + n - 1]);
                codes[i] = if p == ABSENT || w == ABSENT {
                    ABSENT
                } else {
                    match self.edges.get(edge_key(p, w)) {
                        Some(e) => {
                            if count && e.column != NONE {
                                add(e.column);
                            }
                            e.code
                        }
                        None => ABSENT,
                    }
                };
            }
            codes.truncate(len - n + 1);
        }
    }
}
