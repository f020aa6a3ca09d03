//! Tests of the TF-IDF vectorizer. Reference figures come from
//! `tests/fixtures/tfidf_reference.py` run with scikit-learn 1.9.1 (rounded to 7 decimals).
// Reference figures from scikit-learn, some of which happen to equal 1/sqrt(2).
#![allow(clippy::approx_constant)]
use super::*;
use crate::features::DfLimit;
use crate::text::AnalyzerConfig;

const DOCS: &[&str] = &[
    "The cat sat on the mat.",
    "The dog chased the cat; the cat ran away!",
    "Élan vital: the Café served naïve crème brûlée, the cat approved.",
    "Dogs and cats: 42 dogs, 7 cats, and one very_tired owner.",
    "a I x",
];

const UNSEEN: &[&str] = &["The zebra met the cat and the dog", "", "zebra"];

struct Case {
    vocab: &'static [&'static str],
    rows: &'static [&'static [(u32, f64)]],
    idf: &'static [f64],
}

/// scikit-learn 1.9.1, case `default_sublinear`.
const DEFAULT_SUBLINEAR: Case = Case {
    vocab: &[
        "42",
        "and",
        "approved",
        "away",
        "brûlée",
        "café",
        "cat",
        "cats",
        "chased",
        "crème",
        "dog",
        "dogs",
        "mat",
        "naïve",
        "on",
        "one",
        "owner",
        "ran",
        "sat",
        "served",
        "the",
        "very_tired",
        "vital",
        "élan",
    ],
    rows: &[
        &[
            (6, 0.3077942),
            (12, 0.4595922),
            (14, 0.4595922),
            (18, 0.4595922),
            (20, 0.5211409),
        ],
        &[
            (3, 0.3711065),
            (6, 0.4208052),
            (8, 0.3711065),
            (10, 0.3711065),
            (17, 0.3711065),
            (20, 0.5215772),
        ],
        &[
            (2, 0.3205146),
            (4, 0.3205146),
            (5, 0.3205146),
            (6, 0.2146524),
            (9, 0.3205146),
            (13, 0.3205146),
            (19, 0.3205146),
            (20, 0.3634381),
            (22, 0.3205146),
            (23, 0.3205146),
        ],
        &[
            (0, 0.2817154),
            (1, 0.4769856),
            (7, 0.4769856),
            (11, 0.4769856),
            (15, 0.2817154),
            (16, 0.2817154),
            (21, 0.2817154),
        ],
        &[],
    ],
    idf: &[
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 1.4054651, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 1.4054651, 2.0986123, 2.0986123, 2.0986123,
    ],
};
/// scikit-learn 1.9.1, case `default_sublinear transform(UNSEEN)`.
const DEFAULT_SUBLINEAR_TRANSFORM_UNSEEN: Case = Case {
    vocab: &[
        "42",
        "and",
        "approved",
        "away",
        "brûlée",
        "café",
        "cat",
        "cats",
        "chased",
        "crème",
        "dog",
        "dogs",
        "mat",
        "naïve",
        "on",
        "one",
        "owner",
        "ran",
        "sat",
        "served",
        "the",
        "very_tired",
        "vital",
        "élan",
    ],
    rows: &[
        &[
            (1, 0.4754447),
            (6, 0.3184109),
            (10, 0.4754447),
            (20, 0.6682209),
        ],
        &[],
        &[],
    ],
    idf: &[],
};
/// scikit-learn 1.9.1, case `raw_tf_smooth`.
const RAW_TF_SMOOTH: Case = Case {
    vocab: &[
        "42",
        "and",
        "approved",
        "away",
        "brûlée",
        "café",
        "cat",
        "cats",
        "chased",
        "crème",
        "dog",
        "dogs",
        "mat",
        "naïve",
        "on",
        "one",
        "owner",
        "ran",
        "sat",
        "served",
        "the",
        "very_tired",
        "vital",
        "élan",
    ],
    rows: &[
        &[
            (6, 0.2924932),
            (12, 0.4367450),
            (14, 0.4367450),
            (18, 0.4367450),
            (20, 0.5849864),
        ],
        &[
            (3, 0.3189395),
            (6, 0.4271950),
            (8, 0.3189395),
            (10, 0.3189395),
            (17, 0.3189395),
            (20, 0.6407924),
        ],
        &[
            (2, 0.3124608),
            (4, 0.3124608),
            (5, 0.3124608),
            (6, 0.2092586),
            (9, 0.3124608),
            (13, 0.3124608),
            (19, 0.3124608),
            (20, 0.4185173),
            (22, 0.3124608),
            (23, 0.3124608),
        ],
        &[
            (0, 0.2500000),
            (1, 0.5000000),
            (7, 0.5000000),
            (11, 0.5000000),
            (15, 0.2500000),
            (16, 0.2500000),
            (21, 0.2500000),
        ],
        &[],
    ],
    idf: &[
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 1.4054651, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 1.4054651, 2.0986123, 2.0986123, 2.0986123,
    ],
};
/// scikit-learn 1.9.1, case `no_smooth`.
const NO_SMOOTH: Case = Case {
    vocab: &[
        "42",
        "and",
        "approved",
        "away",
        "brûlée",
        "café",
        "cat",
        "cats",
        "chased",
        "crème",
        "dog",
        "dogs",
        "mat",
        "naïve",
        "on",
        "one",
        "owner",
        "ran",
        "sat",
        "served",
        "the",
        "very_tired",
        "vital",
        "élan",
    ],
    rows: &[
        &[
            (6, 0.2793340),
            (12, 0.4824546),
            (14, 0.4824546),
            (18, 0.4824546),
            (20, 0.4729536),
        ],
        &[
            (3, 0.3941352),
            (6, 0.3863735),
            (8, 0.3941352),
            (10, 0.3941352),
            (17, 0.3941352),
            (20, 0.4789000),
        ],
        &[
            (2, 0.3279795),
            (4, 0.3279795),
            (5, 0.3279795),
            (6, 0.1898952),
            (9, 0.3279795),
            (13, 0.3279795),
            (19, 0.3279795),
            (20, 0.3215206),
            (22, 0.3279795),
            (23, 0.3279795),
        ],
        &[
            (0, 0.2817154),
            (1, 0.4769856),
            (7, 0.4769856),
            (11, 0.4769856),
            (15, 0.2817154),
            (16, 0.2817154),
            (21, 0.2817154),
        ],
        &[],
    ],
    idf: &[
        2.6094379, 2.6094379, 2.6094379, 2.6094379, 2.6094379, 2.6094379, 1.5108256, 2.6094379,
        2.6094379, 2.6094379, 2.6094379, 2.6094379, 2.6094379, 2.6094379, 2.6094379, 2.6094379,
        2.6094379, 2.6094379, 2.6094379, 2.6094379, 1.5108256, 2.6094379, 2.6094379, 2.6094379,
    ],
};
/// scikit-learn 1.9.1, case `bigrams`.
const BIGRAMS: Case = Case {
    vocab: &[
        "42",
        "42 dogs",
        "and",
        "and cats",
        "and one",
        "approved",
        "away",
        "brûlée",
        "brûlée the",
        "café",
        "café served",
        "cat",
        "cat approved",
        "cat ran",
        "cat sat",
        "cat the",
        "cats",
        "cats 42",
        "cats and",
        "chased",
        "chased the",
        "crème",
        "crème brûlée",
        "dog",
        "dog chased",
        "dogs",
        "dogs and",
        "dogs cats",
        "mat",
        "naïve",
        "naïve crème",
        "on",
        "on the",
        "one",
        "one very_tired",
        "owner",
        "ran",
        "ran away",
        "sat",
        "sat on",
        "served",
        "served naïve",
        "the",
        "the café",
        "the cat",
        "the dog",
        "the mat",
        "very_tired",
        "very_tired owner",
        "vital",
        "vital the",
        "élan",
        "élan vital",
    ],
    rows: &[
        &[
            (11, 0.2210040),
            (14, 0.3299988),
            (28, 0.3299988),
            (31, 0.3299988),
            (32, 0.3299988),
            (38, 0.3299988),
            (39, 0.3299988),
            (42, 0.3741924),
            (44, 0.2210040),
            (46, 0.3299988),
        ],
        &[
            (6, 0.2621893),
            (11, 0.2973018),
            (13, 0.2621893),
            (15, 0.2621893),
            (19, 0.2621893),
            (20, 0.2621893),
            (23, 0.2621893),
            (24, 0.2621893),
            (36, 0.2621893),
            (37, 0.2621893),
            (42, 0.3684980),
            (44, 0.2973018),
            (45, 0.2621893),
        ],
        &[
            (5, 0.2283200),
            (7, 0.2283200),
            (8, 0.2283200),
            (9, 0.2283200),
            (10, 0.2283200),
            (11, 0.1529086),
            (12, 0.2283200),
            (21, 0.2283200),
            (22, 0.2283200),
            (29, 0.2283200),
            (30, 0.2283200),
            (40, 0.2283200),
            (41, 0.2283200),
            (42, 0.2588967),
            (43, 0.2283200),
            (44, 0.1529086),
            (49, 0.2283200),
            (50, 0.2283200),
            (51, 0.2283200),
            (52, 0.2283200),
        ],
        &[
            (0, 0.2151645),
            (1, 0.2151645),
            (2, 0.3643052),
            (3, 0.2151645),
            (4, 0.2151645),
            (16, 0.3643052),
            (17, 0.2151645),
            (18, 0.2151645),
            (25, 0.3643052),
            (26, 0.2151645),
            (27, 0.2151645),
            (33, 0.2151645),
            (34, 0.2151645),
            (35, 0.2151645),
            (47, 0.2151645),
            (48, 0.2151645),
        ],
        &[],
    ],
    idf: &[
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 1.4054651, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
        2.0986123, 2.0986123, 1.4054651, 2.0986123, 1.4054651, 2.0986123, 2.0986123, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
    ],
};
/// scikit-learn 1.9.1, case `min_df2`.
const MIN_DF2: Case = Case {
    vocab: &["cat", "the"],
    rows: &[
        &[(0, 0.5085423), (1, 0.8610370)],
        &[(0, 0.6279138), (1, 0.7782829)],
        &[(0, 0.5085423), (1, 0.8610370)],
        &[],
        &[],
    ],
    idf: &[1.4054651, 1.4054651],
};
/// scikit-learn 1.9.1, case `max_df_frac`.
const MAX_DF_FRAC: Case = Case {
    vocab: &[
        "42",
        "and",
        "approved",
        "away",
        "brûlée",
        "café",
        "cats",
        "chased",
        "crème",
        "dog",
        "dogs",
        "mat",
        "naïve",
        "on",
        "one",
        "owner",
        "ran",
        "sat",
        "served",
        "very_tired",
        "vital",
        "élan",
    ],
    rows: &[
        &[(11, 0.5773503), (13, 0.5773503), (17, 0.5773503)],
        &[
            (3, 0.5000000),
            (7, 0.5000000),
            (9, 0.5000000),
            (16, 0.5000000),
        ],
        &[
            (2, 0.3535534),
            (4, 0.3535534),
            (5, 0.3535534),
            (8, 0.3535534),
            (12, 0.3535534),
            (18, 0.3535534),
            (20, 0.3535534),
            (21, 0.3535534),
        ],
        &[
            (0, 0.2817154),
            (1, 0.4769856),
            (6, 0.4769856),
            (10, 0.4769856),
            (14, 0.2817154),
            (15, 0.2817154),
            (19, 0.2817154),
        ],
        &[],
    ],
    idf: &[
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
        2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123, 2.0986123,
    ],
};
/// scikit-learn 1.9.1, case `max_features2`.
const MAX_FEATURES2: Case = Case {
    vocab: &["cat", "the"],
    rows: &[
        &[(0, 0.4472136), (1, 0.8944272)],
        &[(0, 0.5547002), (1, 0.8320503)],
        &[(0, 0.4472136), (1, 0.8944272)],
        &[],
        &[],
    ],
    idf: &[1.4054651, 1.4054651],
};
/// scikit-learn 1.9.1, case `no_idf`.
const NO_IDF: Case = Case {
    vocab: &[
        "42",
        "and",
        "approved",
        "away",
        "brûlée",
        "café",
        "cat",
        "cats",
        "chased",
        "crème",
        "dog",
        "dogs",
        "mat",
        "naïve",
        "on",
        "one",
        "owner",
        "ran",
        "sat",
        "served",
        "the",
        "very_tired",
        "vital",
        "élan",
    ],
    rows: &[
        &[
            (6, 0.3535534),
            (12, 0.3535534),
            (14, 0.3535534),
            (18, 0.3535534),
            (20, 0.7071068),
        ],
        &[
            (3, 0.2425356),
            (6, 0.4850713),
            (8, 0.2425356),
            (10, 0.2425356),
            (17, 0.2425356),
            (20, 0.7276069),
        ],
        &[
            (2, 0.2773501),
            (4, 0.2773501),
            (5, 0.2773501),
            (6, 0.2773501),
            (9, 0.2773501),
            (13, 0.2773501),
            (19, 0.2773501),
            (20, 0.5547002),
            (22, 0.2773501),
            (23, 0.2773501),
        ],
        &[
            (0, 0.2500000),
            (1, 0.5000000),
            (7, 0.5000000),
            (11, 0.5000000),
            (15, 0.2500000),
            (16, 0.2500000),
            (21, 0.2500000),
        ],
        &[],
    ],
    idf: &[],
};

fn params(sublinear_tf: bool) -> TfidfParams {
    TfidfParams {
        sublinear_tf,
        ..TfidfParams::default()
    }
}

fn analyzer(ngram_range: (usize, usize)) -> Analyzer {
    Analyzer::new(AnalyzerConfig {
        ngram_range,
        ..AnalyzerConfig::default()
    })
    .unwrap()
}

fn rows_of(m: &SparseRecords) -> Vec<Vec<(u32, f32)>> {
    m.0.outer_iterator()
        .map(|r| r.iter().map(|(c, &v)| (c as u32, v)).collect())
        .collect()
}

fn assert_case(v: &TfidfVectorizer, m: &SparseRecords, case: &Case) {
    assert_eq!(v.vocabulary().iter().collect::<Vec<_>>(), case.vocab);
    assert_eq!(m.0.cols(), case.vocab.len());
    let rows = rows_of(m);
    assert_eq!(rows.len(), case.rows.len());
    for (i, (got, want)) in rows.iter().zip(case.rows).enumerate() {
        assert_eq!(got.len(), want.len(), "row {i}: {got:?} vs {want:?}");
        for (&(gc, gv), &(wc, wv)) in got.iter().zip(want.iter()) {
            assert_eq!(gc, wc, "row {i}");
            assert!(
                (f64::from(gv) - wv).abs() < 1e-6,
                "row {i} col {gc}: {gv} vs {wv}"
            );
        }
    }
    if !case.idf.is_empty() {
        assert_eq!(v.idf().len(), case.idf.len());
        for (g, w) in v.idf().iter().zip(case.idf) {
            assert!((f64::from(*g) - w).abs() < 1e-6, "idf {g} vs {w}");
        }
    }
}

fn fit_case(p: &TfidfParams, ngram: (usize, usize), case: &Case) -> TfidfVectorizer {
    let (v, m) = TfidfVectorizer::fit_transform(analyzer(ngram), p, DOCS).unwrap();
    assert_case(&v, &m, case);
    // Transforming the training text gives the same matrix, bit for bit.
    assert_eq!(v.transform(DOCS), m);
    v
}

#[test]
fn matches_sklearn_default_sublinear_and_transform() {
    let v = fit_case(&params(true), (1, 1), &DEFAULT_SUBLINEAR);
    let m = v.transform(UNSEEN);
    assert_case(&v, &m, &DEFAULT_SUBLINEAR_TRANSFORM_UNSEEN);
}

#[test]
fn matches_sklearn_raw_tf_no_smooth_no_idf() {
    fit_case(&params(false), (1, 1), &RAW_TF_SMOOTH);
    let p = TfidfParams {
        smooth_idf: false,
        ..params(true)
    };
    fit_case(&p, (1, 1), &NO_SMOOTH);
    let p = TfidfParams {
        use_idf: false,
        ..params(false)
    };
    let v = fit_case(&p, (1, 1), &NO_IDF);
    assert!(v.idf().iter().all(|&w| w == 1.0));
}

#[test]
fn matches_sklearn_bigrams() {
    fit_case(&params(true), (1, 2), &BIGRAMS);
}

#[test]
fn matches_sklearn_df_limits_and_max_features() {
    let p = TfidfParams {
        min_df: DfLimit::Count(2),
        ..params(true)
    };
    fit_case(&p, (1, 1), &MIN_DF2);
    let p = TfidfParams {
        max_df: DfLimit::Fraction(0.5),
        ..params(true)
    };
    fit_case(&p, (1, 1), &MAX_DF_FRAC);
    let p = TfidfParams {
        max_features: Some(2),
        ..params(false)
    };
    fit_case(&p, (1, 1), &MAX_FEATURES2);
}

#[test]
fn max_features_ties_go_to_the_earlier_term() {
    // Corpus counts: the 7, cat 4, then and/cats/dogs 2 each: "and" wins the tie.
    let p = TfidfParams {
        max_features: Some(3),
        ..params(false)
    };
    let (v, _) = TfidfVectorizer::fit_transform(analyzer((1, 1)), &p, DOCS).unwrap();
    assert_eq!(
        v.vocabulary().iter().collect::<Vec<_>>(),
        ["and", "cat", "the"]
    );
}

#[test]
fn min_df_fraction_and_max_df_count() {
    let p = TfidfParams {
        min_df: DfLimit::Fraction(0.2), // >= 1 of 5 documents
        max_df: DfLimit::Count(2),      // drops "cat" and "the" (3 documents each)
        ..params(true)
    };
    let (v, _) = TfidfVectorizer::fit_transform(analyzer((1, 1)), &p, DOCS).unwrap();
    assert_eq!(v.n_features(), 22);
    assert_eq!(v.term_index("cat"), None);
    assert_eq!(v.term_index("the"), None);
    assert_eq!(v.term_index("dogs"), Some(10));
}

#[test]
fn pruning_everything_or_nothing_to_learn_is_an_error() {
    let p = TfidfParams {
        min_df: DfLimit::Fraction(0.4),
        max_df: DfLimit::Count(2),
        ..params(true)
    };
    let e = TfidfVectorizer::fit_transform(analyzer((1, 1)), &p, DOCS).unwrap_err();
    assert!(e.to_string().contains("no terms remain"), "{e}");
    let p = TfidfParams {
        min_df: DfLimit::Count(3),
        max_df: DfLimit::Fraction(0.2),
        ..params(true)
    };
    let e = TfidfVectorizer::fit_transform(analyzer((1, 1)), &p, DOCS).unwrap_err();
    assert!(
        e.to_string()
            .contains("max_df 0.2 (1 documents) is below min_df 3"),
        "{e}"
    );
    // More documents asked for than there are: said as such, not as max_df being "below".
    let p = TfidfParams {
        min_df: DfLimit::Count(DOCS.len() + 1),
        ..params(true)
    };
    let e = TfidfVectorizer::fit_transform(analyzer((1, 1)), &p, DOCS).unwrap_err();
    let want = format!(
        "min_df {} keeps only terms found in at least {} documents, but there are {}",
        DOCS.len() + 1,
        DOCS.len() + 1,
        DOCS.len()
    );
    assert!(e.to_string().contains(&want), "{e}");
    let e = TfidfVectorizer::fit_transform(analyzer((1, 1)), &params(true), &["a b", ""]);
    assert!(e.unwrap_err().to_string().contains("empty vocabulary"));
    let e = TfidfVectorizer::fit_transform(analyzer((1, 1)), &params(true), &[]);
    assert!(e.unwrap_err().to_string().contains("empty corpus"));
}

#[test]
fn unknown_terms_and_empty_text() {
    let (v, _) = TfidfVectorizer::fit_transform(analyzer((1, 2)), &params(true), DOCS).unwrap();
    let m = v.transform(&["", "zebra quagga", "!!!", "cat"]);
    assert_eq!(m.0.rows(), 4);
    assert_eq!(m.0.cols(), v.n_features());
    let rows = rows_of(&m);
    assert!(rows[0].is_empty() && rows[1].is_empty() && rows[2].is_empty());
    assert_eq!(rows[3], [(v.term_index("cat").unwrap(), 1.0)]);
    assert_eq!(v.transform(&[]).0.rows(), 0);
}

#[test]
fn stop_words_and_stemming_in_features() {
    let config = AnalyzerConfig::from_specs(true, None, "english", "english", (1, 2)).unwrap();
    let texts = ["The runners are running", "A runner runs; the dog ran"];
    let (v, _) =
        TfidfVectorizer::fit_transform(Analyzer::new(config).unwrap(), &params(true), &texts)
            .unwrap();
    assert_eq!(
        v.vocabulary().iter().collect::<Vec<_>>(),
        [
            "dog",
            "dog ran",
            "ran",
            "run",
            "run dog",
            "runner",
            "runner run"
        ]
    );
    let mut seen = Vec::new();
    v.analyze_with_indices("The runner ran, zebras!", |t, c| {
        seen.push((t.to_string(), c))
    });
    assert_eq!(
        seen,
        [("runner".to_string(), 5), ("ran".to_string(), 2)],
        "unknown terms (zebra, runner ran) are skipped"
    );
}

#[test]
fn custom_token_pattern_features() {
    let config = AnalyzerConfig::from_specs(true, Some(r"[a-z]+"), "none", "none", (1, 1)).unwrap();
    let (v, _) = TfidfVectorizer::fit_transform(
        Analyzer::new(config).unwrap(),
        &params(true),
        &["A b1 c", "b"],
    )
    .unwrap();
    assert_eq!(v.vocabulary().iter().collect::<Vec<_>>(), ["a", "b", "c"]);
}

/// A deterministic synthetic corpus big enough to be split into many chunks.
fn synthetic(n: usize) -> Vec<String> {
    let words = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
        "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi",
        "chi", "psi", "omega", "élan", "ΟΔΟΣ",
    ];
    let mut state: u64 = 42;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    (0..n)
        .map(|_| {
            let len = next() % 60;
            let mut s = String::new();
            for _ in 0..len {
                s.push_str(words[next() % words.len()]);
                s.push_str(if next() % 7 == 0 { ". " } else { " " });
            }
            s
        })
        .collect()
}

#[test]
fn identical_output_at_any_thread_count() {
    let corpus = synthetic(3000);
    let texts: Vec<&str> = corpus.iter().map(String::as_str).collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let p = TfidfParams {
                min_df: DfLimit::Count(2),
                max_features: Some(500),
                ..params(true)
            };
            let (v, m) = TfidfVectorizer::fit_transform(analyzer((1, 3)), &p, &texts).unwrap();
            let t = v.transform(&texts[..700]);
            (v.vocabulary().clone(), v.idf().to_vec(), m, t)
        })
    };
    let one = run(1);
    assert_eq!(one.0.len(), 500);
    for threads in [2, 3] {
        let other = run(threads);
        assert_eq!(one.0, other.0, "{threads} threads: vocabulary");
        assert_eq!(one.1, other.1, "{threads} threads: idf");
        assert_eq!(one.2, other.2, "{threads} threads: fit_transform");
        assert_eq!(one.3, other.3, "{threads} threads: transform");
    }
}

/// Stemmed and stop-worded unigrams are counted per distinct token and mapped at merge
/// time; this checks the result against counting the analyzer's terms directly.
#[test]
fn unigram_token_mapping_matches_term_counting() {
    let mut corpus = synthetic(800);
    // Words that share a stem within one document ("runs", "running", "run").
    corpus.push("Runs running run runner RUNS the a an".to_string());
    corpus.push("the and of".to_string());
    let texts: Vec<&str> = corpus.iter().map(String::as_str).collect();
    let config = AnalyzerConfig::from_specs(true, None, "english", "english", (1, 1)).unwrap();
    let a = Analyzer::new(config).unwrap();
    let p = TfidfParams {
        min_df: DfLimit::Count(1),
        sublinear_tf: false,
        l2_norm: false,
        use_idf: false,
        ..params(false)
    };
    let (v, m) = TfidfVectorizer::fit_transform(a.clone(), &p, &texts).unwrap();
    // Reference: raw term counts per document from `for_each_term`.
    let mut vocab: Vec<String> = texts.iter().flat_map(|t| a.terms(t)).collect();
    vocab.sort();
    vocab.dedup();
    assert_eq!(v.vocabulary().iter().collect::<Vec<_>>(), vocab);
    for (row, text) in rows_of(&m).iter().zip(&texts) {
        let mut want: Vec<(u32, f32)> = Vec::new();
        let mut cols: Vec<u32> = a
            .terms(text)
            .iter()
            .map(|t| vocab.binary_search(t).unwrap() as u32)
            .collect();
        cols.sort_unstable();
        for c in cols {
            match want.last_mut() {
                Some((last, n)) if *last == c => *n += 1.0,
                _ => want.push((c, 1.0)),
            }
        }
        assert_eq!(row, &want, "{text:?}");
    }
    let runs = rows_of(&m)[800].clone();
    assert_eq!(
        runs,
        [
            (v.term_index("run").unwrap(), 4.0),
            (v.term_index("runner").unwrap(), 1.0)
        ]
    );
}

/// Streaming in batches gives the same vectorizer and matrix as the in-memory fit, for
/// every batch size, thread count and analyzer kind (raw tokens, mapped tokens, n-grams).
#[test]
fn batches_match_in_memory_fit() {
    let corpus = synthetic(1500);
    let texts: Vec<&str> = corpus.iter().map(String::as_str).collect();
    let p = TfidfParams {
        min_df: DfLimit::Count(2),
        max_features: Some(300),
        ..params(true)
    };
    for (stop, stem, ngram) in [
        ("none", "none", (1, 1)),
        ("english", "english", (1, 1)),
        ("none", "english", (1, 2)),
    ] {
        let config = AnalyzerConfig::from_specs(true, None, stop, stem, ngram).unwrap();
        let a = Analyzer::new(config).unwrap();
        let (v0, m0) = TfidfVectorizer::fit_transform(a.clone(), &p, &texts).unwrap();
        for (threads, batch) in [(1, 1500), (2, 7), (3, 400)] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let batches = corpus.chunks(batch).map(<[String]>::to_vec);
            let (v, m) = pool
                .install(|| TfidfVectorizer::fit_transform_batches(a.clone(), &p, batches.clone()))
                .unwrap();
            assert!(
                v == v0 && m == m0,
                "{stop}/{stem}/{ngram:?}, {threads} threads, batch {batch} (in the pool)"
            );
            // From outside the pool: batches are analyzed on the global pool.
            let (v, m) = TfidfVectorizer::fit_transform_batches(a.clone(), &p, batches).unwrap();
            assert!(v == v0 && m == m0, "{stop}/{stem}/{ngram:?}, batch {batch}");
        }
    }
    let empty: Vec<Vec<String>> = Vec::new();
    assert!(TfidfVectorizer::fit_transform_batches(analyzer((1, 1)), &p, empty).is_err());
}

/// Fits `config` with `params(true)` on `texts`; returns the vectorizer, its matrix and the
/// vectorizer again after a postcard round trip.
fn fit_and_reload(
    config: AnalyzerConfig,
    texts: &[&str],
) -> (TfidfVectorizer, SparseRecords, TfidfVectorizer) {
    let (v, m) =
        TfidfVectorizer::fit_transform(Analyzer::new(config).unwrap(), &params(true), texts)
            .unwrap();
    let bytes = postcard::to_allocvec(&v).unwrap();
    let back: TfidfVectorizer = postcard::from_bytes(&bytes).unwrap();
    (v, m, back)
}

#[test]
fn serde_round_trip_gives_identical_transform() {
    let config = AnalyzerConfig::from_specs(true, None, "english", "english", (1, 2)).unwrap();
    let corpus = synthetic(300);
    let texts: Vec<&str> = corpus.iter().map(String::as_str).collect();
    let (v, m, back) = fit_and_reload(config, &texts);
    assert_eq!(back.vocabulary(), v.vocabulary());
    assert_eq!(back.idf(), v.idf());
    assert_eq!(back.analyzer().config(), v.analyzer().config());
    assert_eq!(back.params(), v.params());
    assert_eq!(back.transform(&texts), m);
    assert_eq!(back.term_index("alpha"), v.term_index("alpha"));
}

#[test]
fn inconsistent_stored_data_is_an_error_not_a_panic() {
    let good = AnalyzerConfig::default();
    let repr = |analyzer: &AnalyzerConfig, vocabulary: &[&str], idf: &[f32]| TfidfRepr {
        analyzer: analyzer.clone(),
        params: TfidfParams::default(),
        vocabulary: crate::features::Vocabulary::new(vocabulary.iter().copied()).unwrap(),
        idf: idf.to_vec(),
    };
    let bad_range = AnalyzerConfig {
        ngram_range: (0, 1),
        ..good.clone()
    };
    let bad_pattern = AnalyzerConfig {
        token_pattern: Some("(".into()),
        ..good.clone()
    };
    let cases = [
        (
            repr(&good, &["a", "b"], &[1.0]),
            "2 vocabulary terms but 1 IDF",
        ),
        (repr(&good, &["a"], &[f32::NAN]), "not finite"),
        (repr(&bad_range, &["a"], &[1.0]), "n-gram range"),
        (repr(&bad_pattern, &["a"], &[1.0]), "token pattern"),
    ];
    for (r, needle) in cases {
        // Through postcard: a clean error.
        let bytes = postcard::to_allocvec(&TfidfReprRef {
            analyzer: &r.analyzer,
            params: &r.params,
            vocabulary: &r.vocabulary,
            idf: &r.idf,
        })
        .unwrap();
        assert!(
            postcard::from_bytes::<TfidfVectorizer>(&bytes).is_err(),
            "{needle}"
        );
        // Directly: a message that says what is wrong.
        let e = TfidfVectorizer::try_from(r).unwrap_err().to_string();
        assert!(e.contains(needle), "{needle}: {e}");
    }
    // Truncated data is an error too.
    let ok = repr(&good, &["a", "b"], &[1.0, 2.0]);
    let v = TfidfVectorizer::try_from(ok).unwrap();
    let bytes = postcard::to_allocvec(&v).unwrap();
    assert!(postcard::from_bytes::<TfidfVectorizer>(&bytes).is_ok());
    assert!(postcard::from_bytes::<TfidfVectorizer>(&bytes[..bytes.len() - 3]).is_err());
}

/// The string path for n-grams (each n-gram joined and interned as text), kept as the
/// oracle for the term-id path: chunks of `chunk` documents, counted by [`count_chunk`].
fn fit_by_strings(
    analyzer: Analyzer,
    p: &TfidfParams,
    texts: &[&str],
    chunk: usize,
) -> Result<(TfidfVectorizer, SparseRecords), FeatureError> {
    p.check_ref()?;
    let mut counts = Counts::default();
    for c in texts.chunks(chunk) {
        counts.push(count_chunk(&analyzer, c, ChunkCounts::default()));
    }
    TfidfVectorizer::finish(analyzer, p, counts)
}

/// Up to `n` real news articles (BBC), or `None` when the shared corpora are absent.
fn real_articles(n: usize) -> Option<Vec<String>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/bbc");
    let mut files: Vec<_> = ["business", "politics", "tech"]
        .iter()
        .filter_map(|d| std::fs::read_dir(root.join(d)).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let docs: Vec<String> = files
        .iter()
        .take(n)
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    (!docs.is_empty()).then_some(docs)
}

/// Counting n-grams as term-id tuples gives exactly what counting their strings gives:
/// vocabulary, IDF, matrix and errors, for every range, filter and pruning setting, on
/// small fixtures, a synthetic corpus and real articles.
#[test]
fn ngrams_by_id_match_ngrams_by_string() {
    let synth = synthetic(600);
    let mut corpora: Vec<(&str, Vec<String>)> = vec![
        ("fixture", DOCS.iter().map(|s| s.to_string()).collect()),
        ("synthetic", synth),
        (
            "single words",
            vec!["alpha".into(), "the".into(), "".into(), "beta beta".into()],
        ),
    ];
    match real_articles(120) {
        Some(docs) => corpora.push(("bbc", docs)),
        None => eprintln!("SKIP: ../shared/datasets/bbc absent, real-text comparison not run"),
    }
    let pruning = [
        TfidfParams::default(),
        TfidfParams {
            min_df: DfLimit::Count(2),
            max_features: Some(200),
            ..params(true)
        },
        TfidfParams {
            min_df: DfLimit::Count(2),
            max_df: DfLimit::Fraction(0.5),
            max_features: Some(37),
            ..params(false)
        },
        // A limit that cuts through a long run of tied totals.
        TfidfParams {
            max_features: Some(1001),
            ..params(true)
        },
        TfidfParams {
            min_df: DfLimit::Count(1000),
            ..params(true)
        },
    ];
    for (name, corpus) in &corpora {
        let texts: Vec<&str> = corpus.iter().map(String::as_str).collect();
        for (stop, stem) in [
            ("none", "none"),
            ("english", "none"),
            ("english", "english"),
        ] {
            for range in [(1, 2), (2, 2), (1, 3), (2, 3), (3, 3)] {
                let config = AnalyzerConfig::from_specs(true, None, stop, stem, range).unwrap();
                let a = Analyzer::new(config).unwrap();
                assert!(a.ngrams_by_id());
                for p in &pruning {
                    let what = format!("{name}, {stop}/{stem}, {range:?}, {p:?}");
                    let want = fit_by_strings(a.clone(), p, &texts, 97);
                    let got = TfidfVectorizer::fit_transform(a.clone(), p, &texts);
                    match (want, got) {
                        (Ok((v0, m0)), Ok((v1, m1))) => {
                            assert!(v0 == v1, "{what}: vectorizer");
                            assert!(m0 == m1, "{what}: matrix");
                        }
                        (Err(e0), Err(e1)) => {
                            assert_eq!(e0.to_string(), e1.to_string(), "{what}")
                        }
                        (w, g) => panic!(
                            "{what}: string path {:?}, id path {:?}",
                            w.map(|_| ()),
                            g.map(|_| ())
                        ),
                    }
                }
            }
        }
    }
}

/// A token pattern that can match a space keeps the string path: the token "a b" and the
/// bigram of "a" and "b" are one term, as in scikit-learn.
#[test]
fn ngrams_with_spaced_tokens_join_as_strings() {
    let config = AnalyzerConfig::from_specs(true, Some(r"a b|\w"), "none", "none", (1, 2)).unwrap();
    let a = Analyzer::new(config).unwrap();
    assert!(!a.ngrams_by_id());
    // "a b" is one token in the first document, a bigram of two in the second.
    let (v, m) = TfidfVectorizer::fit_transform(a, &params(false), &["a b", "a-b"]).unwrap();
    let vocab: Vec<&str> = v.vocabulary().iter().collect();
    assert_eq!(vocab, ["a", "a b", "b"]);
    assert_eq!(v.idf(), [1.4054651, 1.0, 1.4054651]);
    assert_eq!(m.0.nnz(), 4);
}

/// `transform` counts dense from `DENSE_MIN_DOCS` documents on and by sorting below; both
/// give the rows of `fit_transform` (unigrams and n-grams, repeated terms included).
#[test]
fn dense_and_sorted_transform_counting_agree_with_the_fit() {
    let corpus = synthetic(300);
    let texts: Vec<&str> = corpus.iter().map(String::as_str).collect();
    for ngram in [(1, 1), (1, 2)] {
        let (v, m) =
            TfidfVectorizer::fit_transform(analyzer(ngram), &params(true), &texts).unwrap();
        let dense = v.transform(&texts);
        assert!(texts.len() >= DENSE_MIN_DOCS);
        assert_eq!(rows_of(&dense), rows_of(&m), "{ngram:?}: dense counting");
        // ASCII capitals are looked up lowercased in the raw text ("ΟΔΟΣ" sends its
        // documents down the lowercasing path): the same rows.
        let upper: Vec<String> = texts.iter().map(|t| t.to_ascii_uppercase()).collect();
        let upper: Vec<&str> = upper.iter().map(String::as_str).collect();
        assert_eq!(
            rows_of(&v.transform(&upper)),
            rows_of(&m),
            "{ngram:?}: upper case"
        );
        assert_eq!(rows_of(&v.transform(&upper[..7]))[..], rows_of(&m)[..7]);
        for (i, text) in texts.iter().enumerate().take(40) {
            let one = v.transform(&[text]);
            assert_eq!(
                rows_of(&one)[0],
                rows_of(&m)[i],
                "{ngram:?}: sorted counting, doc {i}"
            );
        }
    }
}

/// The phase-3 radix row sort orders exactly as `sort_unstable`, for every vocabulary
/// size class (one pass, two passes, the fallback) and row lengths around the cut-off.
#[test]
fn row_sorter_matches_sort_unstable() {
    let mut next = crate::test_rng::xorshift(0x9E37_79B9_7F4A_7C15);
    for n_cols in [
        1usize,
        2,
        100,
        4096,
        4097,
        76_684,
        1 << 24,
        (1 << 24) + 1,
        1 << 30,
    ] {
        let mut sorter = RowSorter::new(n_cols);
        for len in [0usize, 1, 5, 63, 64, 65, 420, 3000] {
            let len = len.min(n_cols);
            // Distinct columns, as in a real row, with arbitrary counts.
            let mut cols = std::collections::HashSet::new();
            while cols.len() < len {
                cols.insert(next() % n_cols as u64);
            }
            let mut row: Vec<u64> = cols
                .into_iter()
                .map(|c| c << 32 | (next() & 0xFFFF_FFFF))
                .collect();
            let mut expect = row.clone();
            expect.sort_unstable();
            sorter.sort(&mut row);
            assert_eq!(row, expect, "n_cols {n_cols}, len {len}");
        }
    }
}

/// The matrix as exact parts (shape, row pointers, columns, weight bits), so that equal
/// means bit for bit.
fn exact(m: &SparseRecords) -> ((usize, usize), Vec<usize>, Vec<u32>, Vec<u32>) {
    (
        m.0.shape(),
        m.0.indptr().raw_storage().to_vec(),
        m.0.indices().to_vec(),
        m.0.data().iter().map(|w| w.to_bits()).collect(),
    )
}

/// Documents to transform with a fitted n-gram model: seen and unseen words, stop words
/// only, ASCII capitals (looked up lowercased in the raw text), capitals that lowercase
/// outside ASCII (the lowercasing path), other scripts, repeats, empty and blank texts.
fn transform_probes() -> Vec<String> {
    let mut docs: Vec<String> = DOCS.iter().chain(UNSEEN).map(|s| s.to_string()).collect();
    docs.extend(
        [
            "",
            "   \n\t ",
            "the and of a",
            "zebra quagga okapi",
            "THE CAT SAT ON THE MAT. The Dog Chased The Cat",
            "ÉLAN VITAL: THE CAFÉ SERVED NAÏVE CRÈME BRÛLÉE",
            "ΟΔΟΣ οδος Straße STRASSE straße İstanbul",
            "cat cat cat cat the cat the cat sat sat",
            "running runners ran runs the runner ran away",
            "alpha beta alpha beta gamma zzz alpha beta gamma delta",
            "x",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    docs
}

/// `transform` finding n-gram columns by term ids gives the string path's matrix bit for
/// bit: stop words, stemming, ranges 1-2, 1-3, 2-2, 2-3, 3-3, lowercasing on and off,
/// pruned vocabularies (words kept in n-grams but not as unigrams), dense and sorted
/// counting, and words absent from the vocabulary.
#[test]
fn ngram_transform_by_ids_matches_strings() {
    let train = synthetic(400);
    let mut train: Vec<&str> = train.iter().map(String::as_str).collect();
    train.extend(DOCS);
    train.push("the runner ran, the runners are running; runs");
    let mut probes = transform_probes();
    probes.extend(synthetic(150).into_iter().map(|s| s.to_uppercase()));
    let articles = real_articles(80);
    if let Some(a) = &articles {
        probes.extend(a.iter().cloned());
    }
    let probes: Vec<&str> = probes.iter().map(String::as_str).collect();
    let few = &probes[..20];
    assert!(probes.len() >= DENSE_MIN_DOCS && few.len() < DENSE_MIN_DOCS);
    let pruning = [
        TfidfParams::default(),
        TfidfParams {
            max_df: DfLimit::Fraction(0.3),
            ..params(true)
        },
        TfidfParams {
            min_df: DfLimit::Count(2),
            max_features: Some(150),
            ..params(false)
        },
    ];
    for lowercase in [true, false] {
        for (stop, stem) in [
            ("none", "none"),
            ("english", "none"),
            ("none", "english"),
            ("english", "english"),
        ] {
            for range in [(1, 2), (1, 3), (2, 2), (2, 3), (3, 3)] {
                let config =
                    AnalyzerConfig::from_specs(lowercase, None, stop, stem, range).unwrap();
                let a = Analyzer::new(config).unwrap();
                for p in &pruning {
                    let what = format!("lowercase {lowercase}, {stop}/{stem}, {range:?}, {p:?}");
                    let (v, m) = TfidfVectorizer::fit_transform(a.clone(), p, &train).unwrap();
                    assert_eq!(
                        exact(&v.transform_by(&train, GramLookup::Ids)),
                        exact(&m),
                        "{what}: training text"
                    );
                    assert!(
                        matches!(v.grams.get(), Some(Some(_))),
                        "{what}: index built"
                    );
                    for texts in [&probes[..], few] {
                        let want = v.transform_by(texts, GramLookup::Strings);
                        let got = v.transform_by(texts, GramLookup::Ids);
                        assert_eq!(exact(&got), exact(&want), "{what}: {} docs", texts.len());
                    }
                }
            }
        }
    }
}

/// A vectorizer saved and loaded again builds its n-gram index from the stored vocabulary
/// and gives the same rows; `transform` builds the index only for batches large enough to
/// repay it, not for one short document (a cold start).
#[test]
fn ngram_index_after_a_round_trip_and_only_for_large_batches() {
    let config = AnalyzerConfig::from_specs(true, None, "none", "none", (1, 2)).unwrap();
    let corpus = synthetic(300);
    let texts: Vec<&str> = corpus.iter().map(String::as_str).collect();
    let (v, m, back) = fit_and_reload(config, &texts);
    assert!(back.grams.get().is_none());
    let probes = transform_probes();
    let probes: Vec<&str> = probes.iter().map(String::as_str).collect();
    let want = v.transform_by(&probes, GramLookup::Strings);
    let one = back.transform(&probes[..1]);
    assert!(
        back.grams.get().is_none(),
        "no index for one short document"
    );
    assert_eq!(
        exact(&one).3,
        exact(&v.transform_by(&probes[..1], GramLookup::Strings)).3
    );
    assert_eq!(exact(&back.transform(&texts)), exact(&m));
    assert!(
        matches!(back.grams.get(), Some(Some(_))),
        "a large batch builds the index"
    );
    assert_eq!(exact(&back.transform(&probes)), exact(&want));
    // A clone shares the built index.
    let copy = back.clone();
    assert!(matches!(copy.grams.get(), Some(Some(_))));
    assert_eq!(
        exact(&copy.transform(&probes[..3])),
        exact(&v.transform_by(&probes[..3], GramLookup::Strings))
    );
    // Serializing is unchanged by the index.
    assert_eq!(
        postcard::to_allocvec(&back).unwrap(),
        postcard::to_allocvec(&v).unwrap()
    );
}

/// A bigram model saved to a file and loaded again finds n-gram columns by term ids
/// exactly as the string path does, and as the model in memory.
#[test]
fn saved_ngram_model_transforms_by_ids_like_strings() {
    use crate::corpus::Document;
    use crate::models::{ClassifierKind, ModelSettings};
    use crate::pipeline::{train, LabelledTask};
    let corpus = synthetic(200);
    let docs: Vec<Document> = corpus
        .iter()
        .enumerate()
        .map(|(i, text)| Document {
            id: String::new(),
            text: text.clone(),
            pair: None,
            labels: vec![Some(["a", "b", "c"][i % 3].into())],
            group: None,
        })
        .collect();
    let task = LabelledTask::from_documents(&docs, 0, "topic").unwrap();
    let config = AnalyzerConfig::from_specs(true, None, "english", "none", (1, 2)).unwrap();
    let (mut bundles, _) = train(
        &docs,
        &[task],
        config,
        &TfidfParams::default(),
        &[ModelSettings::new(ClassifierKind::Svm)],
        "t",
    )
    .unwrap();
    let bundle = bundles.pop().unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("topic.model");
    bundle.save(&path).unwrap();
    let loaded = crate::bundle::ModelBundle::load(&path).unwrap();
    let probes = transform_probes();
    let mut probes: Vec<&str> = probes.iter().map(String::as_str).collect();
    probes.extend(corpus.iter().map(String::as_str));
    let want = bundle.vectorizer.transform_by(&probes, GramLookup::Strings);
    let got = loaded.vectorizer.transform_by(&probes, GramLookup::Ids);
    assert!(matches!(loaded.vectorizer.grams.get(), Some(Some(_))));
    assert_eq!(exact(&got), exact(&want));
    assert_eq!(exact(&loaded.vectorizer.transform(&probes)), exact(&want));
}

/// `rank_order` gives the order of the joined strings (then uids) for terms that are
/// prefixes of one another, of mixed lengths and non-ASCII, and declines terms holding a
/// space, whose strings could tie.
#[test]
fn gram_rank_order_is_string_order() {
    let words = ["b", "a", "ab", "a_", "é", "z9", "aa", "ba"];
    let mut terms = Interner::default();
    // uids: the terms first, then every bigram and some trigrams over them.
    let mut ukeys: Vec<u64> = words
        .iter()
        .map(|w| ngrams::TERM | u64::from(terms.intern(w)))
        .collect();
    let mut strings: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let n_terms = ukeys.len() as u64;
    for p in 0..n_terms {
        for l in 0..n_terms {
            ukeys.push(p << 32 | l);
            strings.push(format!("{} {}", words[p as usize], words[l as usize]));
        }
    }
    let n_bigrams = ukeys.len() as u64;
    for p in (n_terms..n_bigrams).step_by(5) {
        for l in [0, 2, 6] {
            ukeys.push(p << 32 | l);
            strings.push(format!("{} {}", strings[p as usize], words[l as usize]));
        }
    }
    // Every uid but a few, in a scrambled order.
    let kept: Vec<u32> = (0..ukeys.len() as u32)
        .map(|u| u * 37 % ukeys.len() as u32)
        .filter(|u| u % 7 != 3)
        .collect();
    let mut expected: Vec<u32> = (0..kept.len() as u32).collect();
    expected.sort_by_key(|&i| (&strings[kept[i as usize] as usize], kept[i as usize]));
    assert_eq!(ngrams::rank_order(&ukeys, &terms, &kept, 3), Some(expected));

    let spaced = terms.intern("a b");
    ukeys.push(ngrams::TERM | u64::from(spaced));
    let with_space = [kept.as_slice(), &[ukeys.len() as u32 - 1]].concat();
    assert_eq!(ngrams::rank_order(&ukeys, &terms, &with_space, 3), None);
}
