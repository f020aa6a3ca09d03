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
use super::{
    df_bounds, empty_vocabulary, idf_weight, nothing_left, ChunkCounts, Counts, FeatureError,
    TfidfParams, Vocabulary, NONE,
};
use crate::text::{Analyzer, InternKey, Interner};
use rayon::prelude::*;

/// Marks a chunk-local pair id (or n-gram prefix) as an n-gram id rather than a term id.
pub(super) const GRAM: u32 = 1 << 31;

/// Marks a global key (see [`GramTable::ukeys`]) as a term: the low bits are its index in
/// the global term interner.
const TERM: u64 = 1 << 63;

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
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
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

    /// Stores `uid` for `key` in `slot` (from [`UidTable::find`]).
    #[inline]
    fn fill(&mut self, slot: usize, key: u64, uid: u32) {
        self.slots[slot] = hash_key(key) >> 32 << 32 | u64::from(uid + 1);
        self.len += 1;
    }
}

/// Counts one chunk's documents as term ids and n-gram ids (see the module docs).
pub(super) fn count_chunk_ngrams<S: AsRef<str>>(analyzer: &Analyzer, texts: &[S]) -> ChunkCounts {
    let (min_n, max_n) = analyzer.config().ngram_range;
    let mut raw = Interner::with_capacity(1 << 14);
    let mut raw_term: Vec<u32> = Vec::with_capacity(1 << 14);
    let mut terms = Interner::with_capacity(1 << 14);
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
    let mut prepared: Vec<InternKey> = Vec::new();
    let mut pairs = Vec::new();
    let mut doc_ends = Vec::with_capacity(texts.len());
    const AHEAD: usize = 8;
    for text in texts {
        seq.clear();
        analyzer.with_token_spans(text.as_ref(), |doc, spans| {
            prepared.clear();
            prepared.extend(spans.iter().map(|&(a, b)| Interner::key(&doc[a..b])));
            for (i, &(a, b)) in spans.iter().enumerate() {
                if let Some(k) = prepared.get(i + AHEAD) {
                    raw.prefetch(k);
                }
                let tok = &doc[a..b];
                let id = raw.intern_key(tok, &prepared[i]) as usize;
                if id == raw_term.len() {
                    let t = analyzer.token_term(tok).map_or(NONE, |t| {
                        let t = terms.intern(&t);
                        if t as usize == tcounts.len() {
                            tcounts.push(0);
                        }
                        t
                    });
                    raw_term.push(t);
                }
                let t = raw_term[id];
                if t != NONE {
                    seq.push(t);
                }
            }
        });
        // codes[i]: the current-length n-gram starting at token i.
        let len = seq.len();
        codes.clear();
        codes.extend_from_slice(&seq);
        for n in 1..=max_n.min(len) {
            if n > 1 {
                for i in 0..=len - n {
                    let key = u64::from(codes[i]) << 32 | u64::from(seq[i + n - 1]);
                    gram_ids.reserve_one(&keys);
                    let g = match gram_ids.find(key, &keys) {
                        Ok(g) => g,
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
        keys: terms,
        pairs,
        doc_ends,
        key_df: Vec::new(),
        grams: Some(ChunkGrams { keys }),
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
    let mut out = String::new();
    for (i, &t) in chain.iter().rev().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(terms.get(t));
    }
    out
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
    let mut df = vec![0u32; n_all];
    let mut tf = vec![0u32; n_all];
    for (&u, &n) in ids.iter().zip(counts) {
        if let (Some(d), Some(t)) = (df.get_mut(u as usize), tf.get_mut(u as usize)) {
            *d += 1;
            *t = t.saturating_add(n);
        }
    }
    (df, tf)
}

/// Phase 2 for n-gram counts: counts document frequencies from the pairs (`ids`, `counts`:
/// [`Counts`]'s, still uids), prunes uids by document frequency and `max_features`,
/// builds the strings of the kept ones and returns the sorted vocabulary, its IDF and the
/// uid → column map (`NONE` for pruned uids). Same results and errors as the string path.
pub(super) fn gram_vocabulary(
    params: &TfidfParams,
    terms: Interner,
    table: GramTable,
    n_docs: usize,
    ids: &[u32],
    counts: &[u32],
) -> Result<(Vocabulary, Vec<f32>, Vec<u32>), FeatureError> {
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
            let mut ties: Vec<(String, u32)> = kept
                .iter()
                .filter(|&&u| tf[u as usize] == cut)
                .map(|&u| (string_of(u, &mut chain), u))
                .collect();
            ties.par_sort_unstable();
            let need = limit - top.len();
            top.extend(ties.iter().take(need).map(|&(_, u)| u));
            kept = top;
        }
    }
    if kept.is_empty() {
        return Err(nothing_left(n_counted, params, n_docs));
    }
    let mut named: Vec<(String, u32)> = kept
        .par_iter()
        .with_min_len(1 << 12)
        .map_init(Vec::new, |chain, &u| (string_of(u, chain), u))
        .collect();
    named.par_sort_unstable();
    let mut term_to_col = vec![NONE; n_all];
    for (col, (_, u)) in named.iter().enumerate() {
        term_to_col[*u as usize] = col as u32;
    }
    let vocabulary = Vocabulary::new(named.iter().map(|(s, _)| s.as_str()))
        .map_err(|e| FeatureError::Invalid(format!("internal error: {e}")))?;
    let idf: Vec<f32> = named
        .iter()
        .map(|&(_, u)| idf_weight(params, n_docs, df[u as usize]))
        .collect();
    Ok((vocabulary, idf, term_to_col))
}
