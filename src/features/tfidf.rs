//! The TF-IDF vectorizer: vocabulary and IDF learnt once from training text, then applied
//! unchanged to any text (scikit-learn's `TfidfVectorizer` definitions).
//!
//! Fitting runs in three phases. (1) In parallel, each chunk of documents is analyzed and
//! counted against a chunk-local interned vocabulary (a term is allocated once per chunk,
//! not once per occurrence), keeping each document's (local id, count) pairs. (2) The chunk
//! vocabularies are merged, filtered (min_df, max_df, max_features) and sorted by term, so
//! the column order depends only on the corpus. (3) In parallel, each chunk's pairs are
//! mapped to final columns and weighted straight into the output arrays. Counts are
//! integers and each row is weighted in column order, so the matrix is bit-identical at
//! any thread count and for any chunking.
use super::{Csr, FeatureError, SparseRecords, TfidfParams, Vocabulary};
use crate::text::{Analyzer, AnalyzerConfig, Interner};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

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
        })
    }
}

/// One chunk's counts against its own local vocabulary.
struct ChunkCounts {
    /// Term ↔ local id.
    terms: Interner,
    /// Documents containing each local term.
    df: Vec<u32>,
    /// Occurrences of each local term.
    tf: Vec<u64>,
    /// (local id, count) for every document, concatenated (unsorted within a document).
    pairs: Vec<(u32, u32)>,
    /// End offset into `pairs` of each document.
    doc_ends: Vec<usize>,
}

fn count_chunk(analyzer: &Analyzer, texts: &[&str]) -> ChunkCounts {
    let mut terms = Interner::default();
    let mut counts: Vec<u32> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    let mut df: Vec<u32> = Vec::new();
    let mut tf: Vec<u64> = Vec::new();
    let mut pairs = Vec::new();
    let mut doc_ends = Vec::with_capacity(texts.len());
    for text in texts {
        analyzer.for_each_term(text, |t| {
            let id = terms.intern(t);
            if id as usize == counts.len() {
                counts.push(0);
            }
            let c = &mut counts[id as usize];
            if *c == 0 {
                touched.push(id);
            }
            *c += 1;
        });
        df.resize(counts.len(), 0);
        tf.resize(counts.len(), 0);
        for &id in &touched {
            let c = std::mem::take(&mut counts[id as usize]);
            pairs.push((id, c));
            df[id as usize] += 1;
            tf[id as usize] += u64::from(c);
        }
        touched.clear();
        doc_ends.push(pairs.len());
    }
    ChunkCounts {
        terms,
        df,
        tf,
        pairs,
        doc_ends,
    }
}

/// How many document chunks to process in parallel: a few per thread for load balance,
/// few enough that the chunk vocabularies stay cheap to merge.
fn chunk_len(n_docs: usize) -> usize {
    let n_chunks = (rayon::current_num_threads() * 4).clamp(1, n_docs.max(1));
    n_docs.div_ceil(n_chunks).max(1)
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
            None if self.sublinear => 1.0 + f64::from(n).ln(),
            None => f64::from(n),
        }
    }

    /// Writes the weights of `row` ((column, count), sorted by column) into the outputs.
    #[inline]
    fn weigh(
        &self,
        row: &[(u32, u32)],
        wbuf: &mut Vec<f64>,
        indices: &mut [u32],
        data: &mut [f32],
    ) {
        wbuf.clear();
        let mut sq = 0.0f64;
        for &(c, n) in row {
            let w = self.tf(n) * f64::from(self.idf[c as usize]);
            sq += w * w;
            wbuf.push(w);
        }
        let norm = if self.l2 && sq > 0.0 { sq.sqrt() } else { 1.0 };
        for ((&(c, _), &w), (i, d)) in row
            .iter()
            .zip(wbuf.iter())
            .zip(indices.iter_mut().zip(data.iter_mut()))
        {
            *i = c;
            *d = (w / norm) as f32;
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
        let n_docs = texts.len();
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

        // Phase 1: count each chunk against a local vocabulary, in parallel.
        let chunks: Vec<ChunkCounts> = texts
            .par_chunks(chunk_len(n_docs))
            .map(|c| count_chunk(&analyzer, c))
            .collect();

        // Phase 2: merge into global term ids (first-seen order, only an intermediate).
        let mut gterms = Interner::default();
        let mut gdf: Vec<u32> = Vec::new();
        let mut gtf: Vec<u64> = Vec::new();
        let remaps: Vec<Vec<u32>> = chunks
            .iter()
            .map(|c| {
                let mut remap = vec![0u32; c.terms.len()];
                for (lid, term) in c.terms.iter().enumerate() {
                    let gid = gterms.intern(term);
                    if gid as usize == gdf.len() {
                        gdf.push(0);
                        gtf.push(0);
                    }
                    remap[lid] = gid;
                    gdf[gid as usize] += c.df[lid];
                    gtf[gid as usize] += c.tf[lid];
                }
                remap
            })
            .collect();
        if gterms.is_empty() {
            return Err(FeatureError::Invalid(
                "empty vocabulary: the documents contain no terms (only stop words, \
                 or nothing the token pattern matches)"
                    .to_string(),
            ));
        }

        // Filter by document frequency, then keep the max_features most frequent terms.
        let lo = params.min_df.docs(n_docs);
        let hi = params.max_df.docs(n_docs);
        if hi < lo {
            return Err(FeatureError::Invalid(format!(
                "max_df ({:?} = {hi} documents) is below min_df ({:?} = {lo} documents) \
                 for {n_docs} documents",
                params.max_df, params.min_df
            )));
        }
        let mut kept: Vec<u32> = (0..gterms.len() as u32)
            .filter(|&g| {
                let d = f64::from(gdf[g as usize]);
                d >= lo && d <= hi
            })
            .collect();
        if let Some(limit) = params.max_features {
            if kept.len() > limit {
                kept.par_sort_unstable_by(|&a, &b| {
                    gtf[b as usize]
                        .cmp(&gtf[a as usize])
                        .then_with(|| gterms.get(a).cmp(gterms.get(b)))
                });
                kept.truncate(limit);
            }
        }
        if kept.is_empty() {
            return Err(FeatureError::Invalid(format!(
                "after pruning no terms remain ({} terms, min_df {:?}, max_df {:?}, \
                 {n_docs} documents): try a lower min_df or a higher max_df",
                gterms.len(),
                params.min_df,
                params.max_df
            )));
        }
        kept.par_sort_unstable_by(|&a, &b| gterms.get(a).cmp(gterms.get(b)));
        let mut gid_to_col = vec![u32::MAX; gterms.len()];
        for (col, &g) in kept.iter().enumerate() {
            gid_to_col[g as usize] = col as u32;
        }
        let vocabulary = Vocabulary::new(kept.iter().map(|&g| gterms.get(g)))
            .map_err(|e| FeatureError::Invalid(format!("internal error: {e}")))?;
        let idf: Vec<f32> = kept
            .iter()
            .map(|&g| idf_weight(params, n_docs, gdf[g as usize]))
            .collect();
        drop(gterms);
        drop(gdf);
        drop(gtf);
        drop(kept);

        // Phase 3a: row lengths, so the output is allocated once and filled in place.
        let chunk_maps: Vec<Vec<u32>> = remaps
            .into_par_iter()
            .map(|remap| remap.into_iter().map(|g| gid_to_col[g as usize]).collect())
            .collect();
        let row_nnz: Vec<Vec<usize>> = chunks
            .par_iter()
            .zip(&chunk_maps)
            .map(|(c, map)| {
                let mut start = 0;
                c.doc_ends
                    .iter()
                    .map(|&end| {
                        let n = c.pairs[start..end]
                            .iter()
                            .filter(|&&(lid, _)| map[lid as usize] != u32::MAX)
                            .count();
                        start = end;
                        n
                    })
                    .collect()
            })
            .collect();
        let mut indptr = Vec::with_capacity(n_docs + 1);
        indptr.push(0usize);
        for n in row_nnz.iter().flatten() {
            indptr.push(indptr.last().copied().unwrap_or(0) + n);
        }
        let nnz = *indptr.last().unwrap_or(&0);
        let mut indices = vec![0u32; nnz];
        let mut data = vec![0f32; nnz];

        // Phase 3b: weigh each chunk into its own slice of the output.
        let mut slices = Vec::with_capacity(chunks.len());
        let (mut rest_i, mut rest_d) = (indices.as_mut_slice(), data.as_mut_slice());
        for lens in &row_nnz {
            let n: usize = lens.iter().sum();
            let (a, b) = std::mem::take(&mut rest_i).split_at_mut(n);
            let (c, d) = std::mem::take(&mut rest_d).split_at_mut(n);
            slices.push((a, c));
            rest_i = b;
            rest_d = d;
        }
        let weigher = Weigher::new(&idf, params);
        chunks.into_par_iter().zip(chunk_maps).zip(slices).for_each(
            |((c, map), (out_i, out_d))| {
                let mut row: Vec<(u32, u32)> = Vec::new();
                let mut wbuf = Vec::new();
                let (mut start, mut pos) = (0, 0);
                for &end in &c.doc_ends {
                    row.clear();
                    row.extend(c.pairs[start..end].iter().filter_map(|&(lid, n)| {
                        let col = map[lid as usize];
                        (col != u32::MAX).then_some((col, n))
                    }));
                    row.sort_unstable_by_key(|&(col, _)| col);
                    let len = row.len();
                    weigher.weigh(
                        &row,
                        &mut wbuf,
                        &mut out_i[pos..pos + len],
                        &mut out_d[pos..pos + len],
                    );
                    pos += len;
                    start = end;
                }
            },
        );

        let matrix = Csr::try_new((n_docs, vocabulary.len()), indptr, indices, data)
            .map_err(|e| FeatureError::Invalid(format!("internal error building CSR: {}", e.3)))?;
        let vectorizer = TfidfVectorizer {
            analyzer,
            params: params.clone(),
            vocabulary,
            idf,
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
        let weigher = Weigher::new(&self.idf, &self.params);
        let parts: Vec<(Vec<usize>, Vec<u32>, Vec<f32>)> = texts
            .par_chunks(chunk_len(texts.len()))
            .map(|chunk| {
                let (mut lens, mut out_i, mut out_d) =
                    (Vec::with_capacity(chunk.len()), Vec::new(), Vec::new());
                let mut cols: Vec<u32> = Vec::new();
                let mut row: Vec<(u32, u32)> = Vec::new();
                let mut wbuf = Vec::new();
                for text in chunk {
                    cols.clear();
                    self.analyzer.for_each_term(text, |t| {
                        if let Some(c) = self.vocabulary.index_of(t) {
                            cols.push(c);
                        }
                    });
                    cols.sort_unstable();
                    row.clear();
                    for &c in &cols {
                        match row.last_mut() {
                            Some((last, n)) if *last == c => *n += 1,
                            _ => row.push((c, 1)),
                        }
                    }
                    let pos = out_i.len();
                    out_i.resize(pos + row.len(), 0);
                    out_d.resize(pos + row.len(), 0.0);
                    weigher.weigh(&row, &mut wbuf, &mut out_i[pos..], &mut out_d[pos..]);
                    lens.push(row.len());
                }
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
