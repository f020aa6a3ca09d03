//! Features of a text *pair* (an article body and a headline or target), for stance.
//!
//! Bag-of-words on one side cannot tell whether a body agrees with a headline: that lives in
//! how the two relate. A paired row is laid out as
//!
//! ```text
//! [ body TF-IDF (the bundle's vectorizer) × BODY_SCALE | relation features ]
//! ```
//!
//! so every existing linear classifier works on it unchanged. There is no TF-IDF block of
//! the headline itself: in FNC-1 every headline comes with many bodies, so such a block
//! lets a model memorise each headline's stance. That wins on cross-validation grouped by
//! body (headlines still shared across folds) and loses on new stories: grouping the folds
//! by story (connected headline–body components), the headline block cost 4 FNC points
//! (85.2 → 81.1 for two-stage). The body block is scaled down ([`BODY_SCALE`]) for the same
//! reason: its vocabulary names the story, which does not carry to new stories.
//!
//! The relation features ([`RELATION_FEATURES`]) are a few dozen dense values: cosine
//! similarities in a TF-IDF space fitted on both sides (`joint`) between the headline and the
//! whole body, its lead sentences and its best-matching sentence; unigram/bigram overlap;
//! refuting and hedging cue words in the body, the headline and the sentences that match the
//! headline; cues *near* the headline's words in the body (a strong refutation such as
//! "hoax", a plain negation, a hedge within a few tokens of a headline word), which is where
//! a disagreeing body says so whatever the story; and one-hot bins of the main similarities,
//! because a linear model cannot otherwise bend a similarity into the sharp "related or not"
//! threshold it needs.
//!
//! Everything is fitted on the training pairs only ([`PairFeatures::fit`]); bodies and
//! headlines repeat a lot (FNC-1: 50k pairs over 1.7k bodies), so each distinct text is
//! analysed once per call.

use super::{FeatureError, SparseRecords, TfidfParams, TfidfVectorizer};
use crate::features::Csr;
use crate::text::{Analyzer, AnalyzerConfig};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Words that signal a body (or headline) refutes or doubts a claim, matched as word
/// prefixes on lowercased tokens ("deni" covers denied, denies, denial).
const REFUTE_CUES: &[&str] = &[
    "fake",
    "hoax",
    "false",
    "falsely",
    "deni",
    "deny",
    "debunk",
    "fraud",
    "not",
    "no",
    "never",
    "doubt",
    "refut",
    "retract",
    "untrue",
    "misleading",
    "myth",
    "prank",
    "satir",
    "rumor",
    "rumour",
    "nonsense",
    "bogus",
    "lie",
    "lies",
    "lying",
    "incorrect",
    "wrong",
    "dismiss",
    "reject",
    "contrary",
    "despite",
    "however",
    "isn",
    "wasn",
    "didn",
    "doesn",
    "aren",
    "pranks",
    "photoshop",
    "fabricat",
    "scam",
    "fictional",
];

/// Words that signal reporting at a distance rather than asserting: typical of "discuss".
const HEDGE_CUES: &[&str] = &[
    "reportedly",
    "allegedly",
    "alleged",
    "claim",
    "according",
    "unconfirmed",
    "unverified",
    "apparently",
    "may",
    "might",
    "could",
    "possibl",
    "perhaps",
    "suggest",
    "rumor",
    "rumour",
    "purported",
    "speculat",
    "believed",
    "supposed",
    "report",
    "sources",
    "says",
    "said",
    "unclear",
];

/// Words that signal a body confirms: official statements, evidence.
const CONFIRM_CUES: &[&str] = &[
    "confirm", "announc", "official", "verified", "proof", "evidence", "true", "indeed",
    "revealed", "shows", "showed",
];

/// The strong refuting cues: words that call a claim false outright (a subset of
/// [`REFUTE_CUES`] without the plain negations, which are common in any text).
const STRONG_REFUTE_CUES: &[&str] = &[
    "fake",
    "hoax",
    "false",
    "falsely",
    "deni",
    "deny",
    "debunk",
    "fraud",
    "refut",
    "retract",
    "untrue",
    "misleading",
    "myth",
    "prank",
    "satir",
    "nonsense",
    "bogus",
    "lie",
    "lies",
    "lying",
    "incorrect",
    "photoshop",
    "fabricat",
    "scam",
    "fictional",
    "baseless",
    "unfounded",
];

/// Plain negations, which refute only when they sit near what the headline claims.
const NEGATION_CUES: &[&str] = &[
    "not", "no", "never", "isn", "wasn", "didn", "doesn", "aren", "won", "nor", "nothing",
    "neither", "without",
];

/// The factor on the body TF-IDF block. Under one L2 penalty, a smaller scale makes its
/// weights dearer than those of the relation features, so the classifiers lean on how the
/// body relates to the headline rather than on which story's vocabulary it uses (which
/// does not carry to new stories). Measured by 5-fold CV on FNC-1 grouped by story
/// (two-stage, with the relation features as now): scale 1.0 → FNC 85.16, macro-F1 0.611,
/// disagree F1 0.123; 0.5 → 85.48 / 0.622 / 0.142; 0.3 → 85.64 / 0.629 / 0.161;
/// 0.15 → 85.53 / 0.633 / 0.174; scale 1.0 in stage 1 and no body block in stage 2 →
/// 84.09 / 0.626 / 0.202 (disagree found more often, discuss and agree less).
/// Grouped by Body ID, 0.3 also helps: 87.78 / 0.735 / 0.489 against 87.61 / 0.719 / 0.459.
pub const BODY_SCALE: f32 = 0.3;

/// Half-width, in tokens, of the window around a headline word in the body in which
/// [`STRONG_REFUTE_CUES`], [`NEGATION_CUES`] and [`HEDGE_CUES`] are looked for.
const NEAR_WINDOW: usize = 6;

/// Edges of the one-hot similarity bins (a value `v` lands in bin `i` when
/// `EDGES[i] <= v < EDGES[i + 1]`, the last bin open-ended).
const BIN_EDGES: [f32; 10] = [0.0, 0.02, 0.05, 0.08, 0.12, 0.16, 0.22, 0.3, 0.4, 0.55];

/// Names of the relation features, in column order after the two TF-IDF blocks.
pub const RELATION_FEATURES: &[&str] = &[
    "cos_body",
    "cos_lead",
    "cos_best_sentence",
    "cos_body_sq",
    "jaccard_unigrams",
    "head_unigrams_in_body",
    "head_bigrams_in_body",
    "shared_bigrams_log",
    "head_unigrams_in_lead",
    "refute_head",
    "refute_body",
    "refute_best_sentences",
    "refute_lead",
    "hedge_head",
    "hedge_body",
    "hedge_best_sentences",
    "confirm_body",
    "confirm_best_sentences",
    "question_mark_head",
    "body_length_log",
    "strong_refute_head",
    "negation_head",
    "near_strong_refute",
    "near_negation",
    "near_hedge",
    "strong_refute_top3",
    "negation_top3",
    "strong_refute_lead",
    "strong_refute_body",
    "head_and_body_refute",
    "body_refutes_plain_head",
    "cue_balance_best",
];

/// Number of one-hot bins per binned similarity.
const N_BINS: usize = BIN_EDGES.len();
/// The similarities that get one-hot bins, by name (each adds [`N_BINS`] columns).
const BINNED: &[&str] = &["cos_body", "cos_best_sentence", "head_unigrams_in_body"];

/// The fitted pair side of a paired model: the joint space similarities are measured in.
/// The body vectorizer is the bundle's own `vectorizer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairFeatures {
    /// The name of the pair column at training time (e.g. `Headline`), for messages.
    pub column: String,
    /// TF-IDF fitted on the distinct bodies and headlines together, for cosine similarities.
    pub joint: TfidfVectorizer,
}

/// Analysed form of one distinct text.
struct Side {
    /// Joint TF-IDF row (sorted column ids, values).
    vec: Vec<(u32, f32)>,
    /// Sorted, deduplicated hashes of the lowercased word tokens.
    unigrams: Vec<u64>,
    /// Sorted, deduplicated hashes of adjacent word pairs.
    bigrams: Vec<u64>,
    refute: f32,
    hedge: f32,
    confirm: f32,
    question: bool,
    n_words: usize,
    /// Hashes of the word tokens of four letters or more (sorted, deduplicated): the words
    /// of a headline looked for in the body.
    content: Vec<u64>,
    strong: f32,
    negation: f32,
}

/// A body split into sentences, each analysed.
struct Body {
    whole: Side,
    lead: Side,
    sentences: Vec<Side>,
    /// Hash of every word token of the body, in order.
    tokens: Vec<u64>,
    /// Per token: bit 0 a strong refuting cue, bit 1 a negation, bit 2 a hedge.
    cues: Vec<u8>,
}

impl PairFeatures {
    /// Fits the body vectorizer (returned first, it becomes the bundle's `vectorizer`) and the
    /// pair side on training `texts` (bodies) and `pairs` (headlines), one entry per example.
    /// Each distinct text counts once in the document frequencies.
    pub fn fit(
        analyzer: &AnalyzerConfig,
        tfidf: &TfidfParams,
        pair_column: &str,
        texts: &[&str],
        pairs: &[&str],
    ) -> Result<(TfidfVectorizer, PairFeatures), FeatureError> {
        if texts.len() != pairs.len() {
            return Err(FeatureError::Invalid(format!(
                "{} texts but {} pair texts",
                texts.len(),
                pairs.len()
            )));
        }
        let (bodies, _) = distinct(texts);
        let (heads, _) = distinct(pairs);
        let an = || Analyzer::new(analyzer.clone());
        let body = TfidfVectorizer::fit(an()?, tfidf, &bodies)?;
        let both: Vec<&str> = bodies.iter().chain(&heads).copied().collect();
        let joint_params = TfidfParams {
            min_df: super::DfLimit::Count(1),
            max_df: super::DfLimit::Fraction(1.0),
            max_features: None,
            ..tfidf.clone()
        };
        let joint = TfidfVectorizer::fit(an()?, &joint_params, &both)?;
        Ok((
            body,
            PairFeatures {
                column: pair_column.to_owned(),
                joint,
            },
        ))
    }

    /// Columns this adds after the body block: the relation features.
    pub fn n_features(&self) -> usize {
        n_relation_columns()
    }

    /// The name of column `j` of this block (0-based within the block), for inspect and
    /// explain: `rel:NAME`, or `rel:NAME>=EDGE` for a similarity bin.
    pub fn feature_name(&self, j: usize) -> String {
        relation_column_name(j)
    }

    /// The full paired feature matrix for `texts` (bodies) and `pairs` (headlines), with
    /// `body` the bundle's body vectorizer.
    pub fn transform(
        &self,
        body: &TfidfVectorizer,
        texts: &[&str],
        pairs: &[&str],
    ) -> SparseRecords {
        assert_eq!(texts.len(), pairs.len(), "one pair text per text");
        let (ub, bi) = distinct(texts);
        let (uh, hi) = distinct(pairs);
        let xb = body.transform(&ub);
        let bodies: Vec<Body> = ub.par_iter().map(|t| self.analyse_body(t)).collect();
        let heads: Vec<Side> = {
            let jv = self.joint.transform(&uh);
            uh.iter()
                .enumerate()
                .map(|(i, t)| analyse_side(t, row(&jv, i)))
                .collect()
        };
        let nb = body.n_features();
        let n_rel = n_relation_columns();
        let rows: Vec<Vec<(u32, f32)>> = (0..texts.len())
            .into_par_iter()
            .map(|r| {
                let mut out: Vec<(u32, f32)> = row(&xb, bi[r]);
                for e in &mut out {
                    e.1 *= BODY_SCALE;
                }
                let rel = relation(&heads[hi[r]], &bodies[bi[r]]);
                debug_assert_eq!(rel.len(), n_rel);
                let base = nb as u32;
                out.extend(
                    rel.iter()
                        .enumerate()
                        .filter(|(_, v)| **v != 0.0)
                        .map(|(j, &v)| (base + j as u32, v)),
                );
                out
            })
            .collect();
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0usize);
        let (mut ind, mut val) = (Vec::new(), Vec::new());
        for r in rows {
            for (j, v) in r {
                ind.push(j);
                val.push(v);
            }
            indptr.push(ind.len());
        }
        SparseRecords(
            Csr::try_new((texts.len(), nb + n_rel), indptr, ind, val)
                .expect("paired rows are built sorted and in range"),
        )
    }

    fn analyse_body(&self, text: &str) -> Body {
        let sents = sentences(text);
        let lead_end = sents.get(1).or(sents.first()).map_or(0, |s| s.1);
        let lead = &text[..lead_end];
        let mut all: Vec<&str> = vec![text, lead];
        all.extend(sents.iter().map(|&(a, b)| &text[a..b]));
        let x = self.joint.transform(&all);
        let side = |i: usize| analyse_side(all[i], row(&x, i));
        let toks = words(text);
        let cues = toks
            .iter()
            .map(|t| {
                u8::from(is_cue(t, STRONG_REFUTE_CUES))
                    | u8::from(is_cue(t, NEGATION_CUES)) << 1
                    | u8::from(is_cue(t, HEDGE_CUES)) << 2
            })
            .collect();
        Body {
            whole: side(0),
            lead: side(1),
            sentences: (2..all.len()).map(side).collect(),
            tokens: toks.iter().map(|t| hash(t.as_str())).collect(),
            cues,
        }
    }
}

/// The values of the relation features (then the one-hot bins) for one pair.
fn relation(head: &Side, body: &Body) -> Vec<f32> {
    let cos_body = cosine(&head.vec, &body.whole.vec);
    let cos_lead = cosine(&head.vec, &body.lead.vec);
    // The sentences that match the headline best: the best one and the runner-up.
    let mut sims: Vec<(f32, usize)> = body
        .sentences
        .iter()
        .enumerate()
        .map(|(i, s)| (cosine(&head.vec, &s.vec), i))
        .collect();
    sims.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let best: Vec<&Side> = sims
        .iter()
        .take(2)
        .map(|&(_, i)| &body.sentences[i])
        .collect();
    let cos_best = sims.first().map_or(0.0, |s| s.0);
    let sum = |f: fn(&Side) -> f32| best.iter().map(|s| f(s)).sum::<f32>();
    let h1 = head.unigrams.len().max(1) as f32;
    let shared1 = intersect(&head.unigrams, &body.whole.unigrams) as f32;
    let union1 = head.unigrams.len() as f32 + body.whole.unigrams.len() as f32 - shared1;
    let shared2 = intersect(&head.bigrams, &body.whole.bigrams) as f32;
    let in_lead = intersect(&head.unigrams, &body.lead.unigrams) as f32;
    let log = |v: f32| (1.0 + v).ln();
    let mut v = vec![
        cos_body,
        cos_lead,
        cos_best,
        cos_body * cos_body,
        if union1 > 0.0 { shared1 / union1 } else { 0.0 },
        shared1 / h1,
        shared2 / head.bigrams.len().max(1) as f32,
        log(shared2) / 3.0,
        in_lead / h1,
        head.refute.min(2.0),
        log(body.whole.refute) / 3.0,
        log(sum(|s| s.refute)),
        log(body.lead.refute),
        head.hedge.min(2.0),
        log(body.whole.hedge) / 3.0,
        log(sum(|s| s.hedge)),
        log(body.whole.confirm) / 3.0,
        log(sum(|s| s.confirm)),
        f32::from(u8::from(head.question)),
        log(body.whole.n_words as f32) / 8.0,
    ];
    // Cues near the headline's words: the share of body occurrences of a headline word
    // (four letters or more) with a strong refuting cue, a negation or a hedge within
    // NEAR_WINDOW tokens. Story-independent, unlike the body's vocabulary.
    let mut near = [0usize; 3];
    let mut hits = 0usize;
    for (p, t) in body.tokens.iter().enumerate() {
        if head.content.binary_search(t).is_err() {
            continue;
        }
        hits += 1;
        let lo = p.saturating_sub(NEAR_WINDOW);
        let hi = (p + NEAR_WINDOW + 1).min(body.tokens.len());
        let mask = body.cues[lo..hi].iter().fold(0u8, |m, c| m | c);
        for (b, n) in near.iter_mut().enumerate() {
            *n += usize::from(mask & (1 << b) != 0);
        }
    }
    let frac = |n: usize| {
        if hits > 0 {
            n as f32 / hits as f32
        } else {
            0.0
        }
    };
    let top3: Vec<&Side> = sims
        .iter()
        .take(3)
        .map(|&(_, i)| &body.sentences[i])
        .collect();
    let share = |f: fn(&Side) -> bool| {
        if top3.is_empty() {
            0.0
        } else {
            top3.iter().filter(|s| f(s)).count() as f32 / top3.len() as f32
        }
    };
    let head_refutes = head.strong > 0.0 || head.negation > 0.0;
    let body_refutes = best.iter().any(|s| s.strong > 0.0);
    let best_balance = best.first().map_or(0.0, |s| {
        (s.confirm - s.strong - s.negation).clamp(-2.0, 2.0) / 2.0
    });
    v.extend([
        head.strong.min(1.0),
        head.negation.min(1.0),
        frac(near[0]),
        frac(near[1]),
        frac(near[2]),
        share(|s| s.strong > 0.0),
        share(|s| s.negation > 0.0),
        log(body.lead.strong),
        log(body.whole.strong) / 3.0,
        f32::from(u8::from(head_refutes && body_refutes)),
        f32::from(u8::from(!head_refutes && body_refutes)),
        best_balance,
    ]);
    debug_assert_eq!(v.len(), RELATION_FEATURES.len());
    for name in BINNED {
        let x = v[RELATION_FEATURES
            .iter()
            .position(|n| n == name)
            .expect("binned feature")];
        let bin = BIN_EDGES.iter().rposition(|&e| x >= e).unwrap_or(0);
        v.extend((0..N_BINS).map(|i| f32::from(u8::from(i == bin))));
    }
    v
}

fn n_relation_columns() -> usize {
    RELATION_FEATURES.len() + BINNED.len() * N_BINS
}

fn relation_column_name(j: usize) -> String {
    if j < RELATION_FEATURES.len() {
        return format!("rel:{}", RELATION_FEATURES[j]);
    }
    let k = j - RELATION_FEATURES.len();
    let (name, bin) = (BINNED[k / N_BINS], k % N_BINS);
    format!("rel:{name}>={}", BIN_EDGES[bin])
}

/// Distinct texts in first-seen order, and the index of each input among them.
fn distinct<'a>(texts: &[&'a str]) -> (Vec<&'a str>, Vec<usize>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut uniq = Vec::new();
    let idx = texts
        .iter()
        .map(|&t| {
            *seen.entry(t).or_insert_with(|| {
                uniq.push(t);
                uniq.len() - 1
            })
        })
        .collect();
    (uniq, idx)
}

/// Row `i` of a CSR matrix as (column, value) pairs.
fn row(x: &SparseRecords, i: usize) -> Vec<(u32, f32)> {
    let r = x.0.outer_view(i).expect("row in range");
    r.indices()
        .iter()
        .copied()
        .zip(r.data().iter().copied())
        .collect()
}

/// Cosine of two sparse vectors with sorted columns (0 when either is empty).
pub fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += f64::from(a[i].1) * f64::from(b[j].1);
                i += 1;
                j += 1;
            }
        }
    }
    let norm = |v: &[(u32, f32)]| v.iter().map(|&(_, x)| f64::from(x).powi(2)).sum::<f64>();
    let d = (norm(a) * norm(b)).sqrt();
    if d > 0.0 {
        (dot / d) as f32
    } else {
        0.0
    }
}

/// Number of common elements of two sorted, deduplicated slices.
pub fn intersect(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Lowercased word tokens (runs of letters and digits; apostrophes split words, so "isn't"
/// gives "isn" and "t").
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Byte ranges of the sentences of `text`: split after `.`, `!` or `?` followed by
/// whitespace, and at line breaks; empty pieces dropped.
fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let end = match b {
            b'\n' => Some(i),
            b'.' | b'!' | b'?' if bytes.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()) => {
                Some(i + 1)
            }
            _ => None,
        };
        if let Some(e) = end {
            if text[start..e].trim().len() > 1 {
                out.push((start, e));
            }
            start = e;
        }
    }
    if text[start..].trim().len() > 1 {
        out.push((start, text.len()));
    }
    out
}

fn hash<T: Hash + ?Sized>(t: &T) -> u64 {
    // SipHash with fixed zero keys: the same value in every run and on every thread.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    t.hash(&mut h);
    h.finish()
}

/// Counts of tokens starting with any of `cues` (whole-word match for cues of 3 letters or
/// fewer, so "no" does not match "north").
fn count_cues(tokens: &[String], cues: &[&str]) -> f32 {
    tokens.iter().filter(|t| is_cue(t, cues)).count() as f32
}

/// Whether `token` matches one of `cues`, as [`count_cues`] counts it.
fn is_cue(token: &str, cues: &[&str]) -> bool {
    cues.iter().any(|c| {
        if c.len() <= 3 {
            token == *c
        } else {
            token.starts_with(c)
        }
    })
}

fn analyse_side(text: &str, vec: Vec<(u32, f32)>) -> Side {
    let toks = words(text);
    let mut unigrams: Vec<u64> = toks.iter().map(|t| hash(t.as_str())).collect();
    let mut bigrams: Vec<u64> = toks
        .windows(2)
        .map(|w| hash(&(w[0].as_str(), w[1].as_str())))
        .collect();
    unigrams.sort_unstable();
    unigrams.dedup();
    let mut content: Vec<u64> = toks
        .iter()
        .filter(|t| t.chars().count() >= 4)
        .map(|t| hash(t.as_str()))
        .collect();
    content.sort_unstable();
    content.dedup();
    bigrams.sort_unstable();
    bigrams.dedup();
    Side {
        vec,
        unigrams,
        bigrams,
        refute: count_cues(&toks, REFUTE_CUES),
        hedge: count_cues(&toks, HEDGE_CUES),
        confirm: count_cues(&toks, CONFIRM_CUES),
        question: text.contains('?'),
        n_words: toks.len(),
        content,
        strong: count_cues(&toks, STRONG_REFUTE_CUES),
        negation: count_cues(&toks, NEGATION_CUES),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_and_overlap_on_hand_written_vectors() {
        // (1,2)·(2,1) over columns {0,1} and {1,2}: only column 1 is shared.
        let a = [(0u32, 3.0f32), (1, 4.0)];
        let b = [(1u32, 4.0f32), (2, 3.0)];
        assert!((cosine(&a, &b) - 16.0 / 25.0).abs() < 1e-6);
        assert_eq!(cosine(&a, &[]), 0.0);
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(intersect(&[1, 3, 5, 7], &[2, 3, 4, 7, 9]), 2);
        assert_eq!(intersect(&[], &[1]), 0);
    }

    #[test]
    fn sentences_split_after_stops_and_at_line_breaks() {
        let t = "Mr. Smith came. He left!\nThen? No 3.5 times";
        let s: Vec<&str> = sentences(t).iter().map(|&(a, b)| t[a..b].trim()).collect();
        assert_eq!(
            s,
            ["Mr.", "Smith came.", "He left!", "Then?", "No 3.5 times"]
        );
    }

    #[test]
    fn overlap_counts_and_cues_on_a_hand_written_pair() {
        let head = analyse_side("Pope is not dead, hoax claims", vec![]);
        let body = analyse_side(
            "The pope is alive. Reports that the pope is dead are a hoax, officials said.",
            vec![],
        );
        // head words: pope is not dead hoax claims (6); shared with body: pope is dead hoax (4).
        assert_eq!(head.unigrams.len(), 6);
        assert_eq!(intersect(&head.unigrams, &body.unigrams), 4);
        // head bigrams: "pope is", "is not", "not dead", "dead hoax", "hoax claims";
        // the body has "pope is" only.
        assert_eq!(head.bigrams.len(), 5);
        assert_eq!(intersect(&head.bigrams, &body.bigrams), 1);
        assert_eq!(head.refute, 2.0); // not, hoax
        assert_eq!(head.hedge, 1.0); // claims
        assert_eq!(body.refute, 1.0); // hoax
        assert_eq!(body.hedge, 2.0); // reports, said
        assert_eq!(body.confirm, 1.0); // officials
    }

    #[test]
    fn strong_refutations_and_negations_are_counted_apart() {
        let s = analyse_side("Reports deny the fake video isn't real, not a hoax", vec![]);
        assert_eq!(s.strong, 3.0); // deny, fake, hoax
        assert_eq!(s.negation, 2.0); // isn, not
                                     // Content words are those of four letters or more: reports deny fake video real hoax.
        assert_eq!(s.content.len(), 6);
    }

    #[test]
    fn cues_near_headline_words_on_a_hand_written_pair() {
        let bodies = [
            // "shark" at token 1 and 18: a hoax 2 tokens from the first; "never" 3 tokens
            // before the second; "reportedly" (hedge) 8 tokens away from either (outside).
            "the shark attack story was a hoax made up by a blogger reportedly \
             one two three four it never bit a shark",
        ];
        let heads = ["Shark bites swimmer"];
        let params = TfidfParams::default();
        let (body, pf) = PairFeatures::fit(&analyzer(), &params, "h", &bodies, &heads).unwrap();
        let x = pf.transform(&body, &bodies, &heads);
        let base = body.n_features();
        let get = |name: &str| {
            let j = base + RELATION_FEATURES.iter().position(|n| *n == name).unwrap();
            x.0.get(0, j).copied().unwrap_or(0.0)
        };
        // Headline content words: shark, bites, swimmer; only "shark" is in the body (twice).
        assert_eq!(get("near_strong_refute"), 0.5);
        assert_eq!(get("near_negation"), 0.5);
        assert_eq!(get("near_hedge"), 0.0);
        assert_eq!(get("strong_refute_head"), 0.0);
        assert_eq!(get("negation_head"), 0.0);
        // One sentence, which holds "hoax": refuted by the body, not by the headline.
        assert_eq!(get("strong_refute_top3"), 1.0);
        assert_eq!(get("negation_top3"), 1.0);
        assert_eq!(get("body_refutes_plain_head"), 1.0);
        assert_eq!(get("head_and_body_refute"), 0.0);
        // Best sentence: no confirming cue, one strong refutation, one negation → -2 / 2.
        assert_eq!(get("cue_balance_best"), -1.0);
        // The body block is scaled: every body value is BODY_SCALE times its TF-IDF weight.
        let plain = body.transform(&bodies);
        let b0 = plain.0.outer_view(0).unwrap();
        for (j, &v) in b0.iter() {
            assert_eq!(x.0.get(0, j).copied(), Some(v * BODY_SCALE));
        }
    }

    /// scikit-learn's default analyzer: lowercase, `\w\w+` tokens, unigrams.
    fn analyzer() -> AnalyzerConfig {
        AnalyzerConfig::default()
    }

    #[test]
    fn paired_rows_have_body_and_relation_blocks_and_exact_relation_values() {
        let bodies = ["apple pie is tasty. bake it today", "the moon is far away"];
        let heads = ["apple pie", "apple pie"];
        let params = TfidfParams::default();
        let (body, pf) = PairFeatures::fit(&analyzer(), &params, "h", &bodies, &heads).unwrap();
        assert_eq!(body.vocabulary().len(), 11);
        let x = pf.transform(&body, &bodies, &heads);
        assert_eq!(x.0.cols(), 11 + n_relation_columns());
        let base = 11;
        let get = |r: usize, name: &str| {
            let j = base + RELATION_FEATURES.iter().position(|n| *n == name).unwrap();
            x.0.get(r, j).copied().unwrap_or(0.0)
        };
        // Pair 0: both head words in the body (2 of 2), their bigram too.
        assert_eq!(get(0, "head_unigrams_in_body"), 1.0);
        assert_eq!(get(0, "head_bigrams_in_body"), 1.0);
        assert!((get(0, "jaccard_unigrams") - 2.0 / 7.0).abs() < 1e-6);
        assert!(get(0, "cos_best_sentence") > get(0, "cos_body"));
        // Pair 1: nothing shared.
        assert_eq!(get(1, "cos_body"), 0.0);
        assert_eq!(get(1, "head_unigrams_in_body"), 0.0);
        // The first bin of cos_body is on for the unrelated pair.
        let bin0 = base + RELATION_FEATURES.len();
        assert_eq!(x.0.get(1, bin0).copied(), Some(1.0));
        assert_eq!(pf.feature_name(0), "rel:cos_body");
        assert_eq!(
            pf.feature_name(RELATION_FEATURES.len() + 1),
            "rel:cos_body>=0.02"
        );
        assert_eq!(pf.n_features(), n_relation_columns());
    }
}
