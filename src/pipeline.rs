//! The whole flow as a library: label columns → class indices, one shared TF-IDF fit for
//! all tasks, one model per task, and scoring with saved bundles.

use crate::bundle::{ModelBundle, TrainingInfo};
use crate::corpus::Document;
use crate::features::paired::PairFeatures;
use crate::features::{Csr, SparseRecords, TfidfParams, TfidfVectorizer};
use crate::models::{argmax, Model, ModelSettings};
use crate::text::{Analyzer, AnalyzerConfig};
use anyhow::{bail, Context, Result};
use linfa::DatasetBase;
use ndarray::Array1;
use std::time::{Duration, Instant};

/// One label column turned into class indices over the documents that carry a label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledTask {
    /// The task's name: its label column (and the model file's stem).
    pub name: String,
    /// Class names in sorted order, so the same labels always get the same indices.
    pub labels: Vec<String>,
    /// Indices (into the corpus) of the documents with a label for this task.
    pub rows: Vec<usize>,
    /// Class index of each of `rows`.
    pub y: Vec<usize>,
    /// Documents without a label for this task (left out of it).
    pub unlabelled: usize,
}

impl LabelledTask {
    /// Collects label column `column` (an index into `Document::labels`) named `name`.
    pub fn from_documents(docs: &[Document], column: usize, name: &str) -> Result<Self> {
        let mut labels = LabelColumn::default();
        for d in docs {
            labels.push(d.label(column));
        }
        labels.task(name)
    }

    /// Label column `column` named `name`, scored against a model that knows `classes`:
    /// the task's classes are the union of `classes` and the documents' labels, sorted, so a
    /// label the model never learnt is still scored (as always wrong) rather than dropped,
    /// and a class the documents lack still counts the documents wrongly given it. Unlike
    /// [`Self::from_documents`] it asks for no second class (the model brings them) nor
    /// for any labelled document: the caller says what an empty test means.
    pub fn scored_against(
        docs: &[Document],
        column: usize,
        name: &str,
        classes: &[String],
    ) -> Self {
        let mut union: std::collections::BTreeSet<&str> =
            classes.iter().map(String::as_str).collect();
        union.extend(docs.iter().filter_map(|d| d.label(column)));
        let labels: Vec<String> = union.into_iter().map(str::to_owned).collect();
        let (mut rows, mut y) = (Vec::new(), Vec::new());
        for (i, label) in docs.iter().map(|d| d.label(column)).enumerate() {
            if let Some(label) = label {
                rows.push(i);
                y.push(
                    labels
                        .binary_search_by(|l| l.as_str().cmp(label))
                        .expect("every label is in the union"),
                );
            }
        }
        LabelledTask {
            name: name.to_owned(),
            labels,
            unlabelled: docs.len() - rows.len(),
            rows,
            y,
        }
    }

    /// The task's classes that are not among `known` (a model's): their documents can
    /// never be predicted right, which a report must say.
    pub fn classes_outside(&self, known: &[String]) -> Vec<String> {
        self.labels
            .iter()
            .filter(|l| !known.contains(l))
            .cloned()
            .collect()
    }

    /// Documents per class, in label order.
    pub fn counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.labels.len()];
        for &k in &self.y {
            c[k] += 1;
        }
        c
    }
}

/// One label column, collected document by document: each distinct label is stored once
/// and each document keeps only its label's index, so a caller that streams the corpus
/// need not keep the documents (nor free thousands of small strings at the end) to build
/// the task afterwards ([`LabelColumn::task`]).
#[derive(Debug, Clone, Default)]
pub struct LabelColumn {
    /// Distinct labels, in first-seen order.
    names: Vec<String>,
    /// Label → index into `names`.
    index: rustc_hash::FxHashMap<String, u32>,
    /// Per document, its label's index into `names` (`None`: no label).
    ids: Vec<Option<u32>>,
}

impl LabelColumn {
    /// Appends the next document's label.
    pub fn push(&mut self, label: Option<&str>) {
        let id = label.map(|l| match self.index.get(l) {
            Some(&i) => i,
            None => {
                let i = self.names.len() as u32;
                self.names.push(l.to_owned());
                self.index.insert(l.to_owned(), i);
                i
            }
        });
        self.ids.push(id);
    }

    /// The number of documents pushed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no document was pushed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The task named `name` over the documents pushed: classes in sorted order, the
    /// documents with a label as its rows.
    pub fn task(&self, name: &str) -> Result<LabelledTask> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut class = vec![0usize; order.len()];
        for (k, &id) in order.iter().enumerate() {
            class[id as usize] = k;
        }
        let labels: Vec<String> = order
            .iter()
            .map(|&id| self.names[id as usize].clone())
            .collect();
        let (mut rows, mut y, mut unlabelled) = (Vec::new(), Vec::new(), 0);
        for (i, id) in self.ids.iter().enumerate() {
            match id {
                Some(id) => {
                    rows.push(i);
                    y.push(class[*id as usize]);
                }
                None => unlabelled += 1,
            }
        }
        match labels.len() {
            0 => bail!("label column '{name}': no document has a label"),
            1 => bail!("label column '{name}': every labelled document has the same label '{}'; a classifier needs at least two classes", labels[0]),
            _ => {}
        }
        Ok(LabelledTask {
            name: name.to_owned(),
            labels,
            rows,
            y,
            unlabelled,
        })
    }
}

/// The rows `rows` of `x`, in that order, as a new matrix.
pub fn select_rows(x: &SparseRecords, rows: &[usize]) -> SparseRecords {
    let m = &x.0;
    let (indptr, indices, data) = (m.indptr(), m.indices(), m.data());
    let indptr = indptr.raw_storage();
    let nnz: usize = rows.iter().map(|&r| indptr[r + 1] - indptr[r]).sum();
    let (mut ptr, mut idx, mut val) = (
        Vec::with_capacity(rows.len() + 1),
        Vec::with_capacity(nnz),
        Vec::with_capacity(nnz),
    );
    ptr.push(0usize);
    for &r in rows {
        let (a, b) = (indptr[r] - indptr[0], indptr[r + 1] - indptr[0]);
        idx.extend_from_slice(&indices[a..b]);
        val.extend_from_slice(&data[a..b]);
        ptr.push(idx.len());
    }
    SparseRecords(Csr::new((rows.len(), m.cols()), ptr, idx, val))
}

/// Fits one classifier on the rows of a task.
pub fn fit_task(
    x: &SparseRecords,
    task: &LabelledTask,
    rows: &[usize],
    settings: &ModelSettings,
) -> Result<Model> {
    let xs = select_rows(x, &rows.iter().map(|&i| task.rows[i]).collect::<Vec<_>>());
    let y: Array1<usize> = rows.iter().map(|&i| task.y[i]).collect();
    let data = DatasetBase::new(xs, y);
    Model::fit(settings, &data, task.labels.len())
        .with_context(|| format!("fitting the {} model for '{}'", settings.kind, task.name))
}

/// Wall-clock time of each training stage.
#[derive(Debug, Clone, Default)]
pub struct StageTimes {
    /// Building the TF-IDF features, shared by every task.
    pub vectorize: Duration,
    /// Per task, in task order.
    pub fit: Vec<Duration>,
}

/// The corpus indices of the documents labelled for at least one task, sorted: the
/// documents that contribute vocabulary and IDF, in the order of the feature rows.
pub fn used_rows(tasks: &[LabelledTask]) -> Vec<usize> {
    let mut used: Vec<usize> = tasks.iter().flat_map(|t| t.rows.iter().copied()).collect();
    used.sort_unstable();
    used.dedup();
    used
}

/// Trains one bundle per task on `docs`, sharing one analyzer pass and one TF-IDF fit.
/// `settings[i]` is used for `tasks[i]`.
pub fn train(
    docs: &[Document],
    tasks: &[LabelledTask],
    analyzer: AnalyzerConfig,
    tfidf: &TfidfParams,
    settings: &[ModelSettings],
    corpus_name: &str,
) -> Result<(Vec<ModelBundle>, StageTimes)> {
    train_with_pairs(docs, tasks, analyzer, tfidf, settings, corpus_name, None)
}

/// [`train`], for paired models when `pair_column` names the column the documents' `pair`
/// texts came from (every document must carry one): the features are then the paired ones
/// ([`PairFeatures`]) and each bundle records its pair side.
pub fn train_with_pairs(
    docs: &[Document],
    tasks: &[LabelledTask],
    analyzer: AnalyzerConfig,
    tfidf: &TfidfParams,
    settings: &[ModelSettings],
    corpus_name: &str,
    pair_column: Option<&str>,
) -> Result<(Vec<ModelBundle>, StageTimes)> {
    // Only documents labelled for some task contribute vocabulary and IDF.
    let used = used_rows(tasks);
    let texts: Vec<&str> = used.iter().map(|&i| docs[i].text.as_str()).collect();
    let start = Instant::now();
    let (vectorizer, pair, x) = match pair_column {
        None => {
            let analyzer = Analyzer::new(analyzer)?;
            let (v, x) =
                TfidfVectorizer::fit_transform(analyzer, tfidf, &texts).map_err(no_features)?;
            (v, None, x)
        }
        Some(column) => {
            let pairs = pair_texts(docs, &used, column)?;
            let (v, p, x) = fit_paired(&texts, &pairs, &analyzer, tfidf, column)?;
            (v, Some(p), x)
        }
    };
    let vectorize = start.elapsed();
    let (bundles, mut times) = train_on_features(
        &vectorizer,
        pair.as_ref(),
        x,
        &used,
        tasks,
        settings,
        corpus_name,
    )?;
    times.vectorize = vectorize;
    Ok((bundles, times))
}

/// The second half of [`train`], for callers that vectorized the corpus themselves
/// (e.g. streaming it from disk): `x` has one row per entry of `used` ([`used_rows`]),
/// and `vectorizer` (with `pair`, for paired features) is what produced it.
/// `StageTimes::vectorize` is left at zero.
pub fn train_on_features(
    vectorizer: &TfidfVectorizer,
    pair: Option<&PairFeatures>,
    mut x: SparseRecords,
    used: &[usize],
    tasks: &[LabelledTask],
    settings: &[ModelSettings],
    corpus_name: &str,
) -> Result<(Vec<ModelBundle>, StageTimes)> {
    let mut times = StageTimes::default();
    if vectorizer.vocabulary().is_empty() {
        bail!("no terms left after analysis and --min-df/--max-df; lower --min-df or check the text columns");
    }
    let mut bundles = Vec::with_capacity(tasks.len());
    for (task, settings) in tasks.iter().zip(settings) {
        // Re-express the task's rows as rows of `x` (documents in `used` order).
        let local = LabelledTask {
            rows: task
                .rows
                .iter()
                .map(|r| used.binary_search(r).expect("row is used"))
                .collect(),
            ..task.clone()
        };
        let start = Instant::now();
        let model = if local.rows.iter().copied().eq(0..x.0.rows()) {
            // The task uses every row in order (the usual case): fit on the matrix itself
            // rather than on a copy, which would double training's peak memory.
            let data = DatasetBase::new(x, local.y.iter().copied().collect::<Array1<usize>>());
            let fitted = Model::fit(settings, &data, task.labels.len()).with_context(|| {
                format!("fitting the {} model for '{}'", settings.kind, task.name)
            });
            x = data.records;
            fitted?
        } else {
            let all: Vec<usize> = (0..local.rows.len()).collect();
            fit_task(&x, &local, &all, settings)?
        };
        times.fit.push(start.elapsed());
        bundles.push(ModelBundle {
            task: task.name.clone(),
            labels: task.labels.clone(),
            vectorizer: vectorizer.clone(),
            model,
            info: TrainingInfo {
                textclf_version: env!("CARGO_PKG_VERSION").to_owned(),
                corpus: corpus_name.to_owned(),
                documents: task.rows.len(),
                label_counts: task.counts(),
                settings: settings.clone(),
            },
            pair: pair.cloned(),
        });
    }
    Ok((bundles, times))
}

/// Maps a TF-IDF fitting error to the message `train` gives for it.
pub fn no_features_error(e: crate::features::FeatureError) -> anyhow::Error {
    no_features(e)
}

/// One task's verdict on one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The most probable label.
    pub label: String,
    /// Its probability.
    pub probability: f32,
    /// The best labels with their probabilities, best first (at least the winner).
    pub top: Vec<(String, f32)>,
    /// Which terms decided it, when asked for (see [`explain`]).
    pub explanation: Option<Explanation>,
}

/// The terms of one document that weighed most for its predicted label, and against it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// Terms with the largest positive contribution, largest first.
    #[serde(rename = "for")]
    pub for_label: Vec<(String, f32)>,
    /// Terms with the largest negative contribution, most negative first.
    pub against: Vec<(String, f32)>,
}

/// Adds to each prediction the `n` terms of its document that contributed most for and
/// against the predicted label: feature value × the model's evidence for that label
/// ([`Model::feature_evidence`], computed once by the caller and passed as `evidence`).
/// For linear models these contributions sum, with the intercept, to the decision value.
pub fn explain(
    bundle: &ModelBundle,
    evidence: &ndarray::Array2<f32>,
    x: &SparseRecords,
    preds: &mut [Prediction],
    n: usize,
) {
    for (i, p) in preds.iter_mut().enumerate() {
        let Some(class) = bundle.labels.iter().position(|l| *l == p.label) else {
            continue;
        };
        let row = x.0.outer_view(i).expect("one row per prediction");
        let mut parts: Vec<(usize, f32)> = row
            .iter()
            .filter(|(j, _)| *j < evidence.ncols())
            .map(|(j, &v)| (j, v * evidence[[class, j]]))
            .filter(|(_, c)| *c != 0.0)
            .collect();
        parts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let name = |&(j, c): &(usize, f32)| (bundle.feature_name(j), c);
        p.explanation = Some(Explanation {
            for_label: parts
                .iter()
                .filter(|(_, c)| *c > 0.0)
                .take(n)
                .map(name)
                .collect(),
            against: parts
                .iter()
                .rev()
                .filter(|(_, c)| *c < 0.0)
                .take(n)
                .map(name)
                .collect(),
        });
    }
}

/// Scores `texts` with `bundle`, keeping the `top_k` best labels (at least one).
///
/// A paired bundle scored this way sees every pair text as empty; use [`predict_pairs`].
pub fn predict(bundle: &ModelBundle, texts: &[&str], top_k: usize) -> Vec<Prediction> {
    let x = match &bundle.pair {
        None => bundle.vectorizer.transform(texts),
        Some(p) => p.transform(&bundle.vectorizer, texts, &vec![""; texts.len()]),
    };
    predict_features(bundle, &x, top_k)
}

/// Scores (text, pair text) examples with a paired `bundle` (`texts[i]` with `pairs[i]`).
pub fn predict_pairs(
    bundle: &ModelBundle,
    texts: &[&str],
    pairs: &[&str],
    top_k: usize,
) -> Result<Vec<Prediction>> {
    let x = bundle_features(bundle, texts, Some(pairs))?;
    Ok(predict_features(bundle, &x, top_k))
}

/// The feature rows `bundle` scores for `texts` (with `pairs`, required by a paired bundle
/// and ignored by any other).
pub fn bundle_features(
    bundle: &ModelBundle,
    texts: &[&str],
    pairs: Option<&[&str]>,
) -> Result<SparseRecords> {
    Ok(match (&bundle.pair, pairs) {
        (None, _) => bundle.vectorizer.transform(texts),
        (Some(p), Some(pairs)) => {
            if pairs.len() != texts.len() {
                bail!("{} texts but {} pair texts", texts.len(), pairs.len());
            }
            p.transform(&bundle.vectorizer, texts, pairs)
        }
        (Some(p), None) => bail!(missing_pair(&bundle.task, &p.column)),
    })
}

/// For each bundle, the first bundle (itself or an earlier one) with the same vectorizer
/// and pair features: both turn a text into the same feature row, so a caller scoring
/// several models computes each distinct set of features once.
pub fn feature_sharing<B: std::borrow::Borrow<ModelBundle>>(bundles: &[B]) -> Vec<usize> {
    let same = |a: &ModelBundle, b: &ModelBundle| a.vectorizer == b.vectorizer && a.pair == b.pair;
    (0..bundles.len())
        .map(|i| {
            (0..i)
                .find(|&j| same(bundles[j].borrow(), bundles[i].borrow()))
                .unwrap_or(i)
        })
        .collect()
}

/// What to say when a paired model gets no pair text: names the model and the column.
pub fn missing_pair(task: &str, column: &str) -> String {
    format!(
        "model '{task}' is a paired model (trained with --pair-col '{column}'): it scores a text together with its pair text; score a corpus with --input FILE --pair-col {column:?} (and --text-col for the main text)"
    )
}

/// The pair text of each of `rows`; a document without one is an error naming it.
fn pair_texts<'a>(docs: &'a [Document], rows: &[usize], column: &str) -> Result<Vec<&'a str>> {
    rows.iter()
        .map(|&i| {
            docs[i].pair.as_deref().with_context(|| {
                format!(
                    "document '{}' has no pair text (--pair-col '{column}')",
                    docs[i].id
                )
            })
        })
        .collect()
}

/// Fits the paired features on training texts and pairs; returns the body vectorizer, the
/// pair side and the training matrix.
pub fn fit_paired(
    texts: &[&str],
    pairs: &[&str],
    analyzer: &AnalyzerConfig,
    tfidf: &TfidfParams,
    column: &str,
) -> Result<(TfidfVectorizer, PairFeatures, SparseRecords)> {
    let (v, p) = PairFeatures::fit(analyzer, tfidf, column, texts, pairs).map_err(no_features)?;
    let x = p.transform(&v, texts, pairs);
    Ok((v, p, x))
}

/// Scores already-vectorised rows (from `bundle.vectorizer`).
pub fn predict_features(bundle: &ModelBundle, x: &SparseRecords, top_k: usize) -> Vec<Prediction> {
    let proba = bundle.model.predict_proba(x);
    proba
        .rows()
        .into_iter()
        .map(|row| {
            if top_k <= 1 {
                // The winner alone (the common case): a scan instead of sorting every class,
                // same pick as the stable sort below (first of the highest).
                let k = argmax(row.iter().copied());
                return Prediction {
                    label: bundle.labels[k].clone(),
                    probability: row[k],
                    top: vec![(bundle.labels[k].clone(), row[k])],
                    explanation: None,
                };
            }
            let mut order: Vec<usize> = (0..row.len()).collect();
            // Stable sort keeps the lower class index first on ties, matching argmax.
            order.sort_by(|&a, &b| {
                row[b]
                    .partial_cmp(&row[a])
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            let top: Vec<(String, f32)> = order
                .iter()
                .take(top_k.max(1))
                .map(|&k| (bundle.labels[k].clone(), row[k]))
                .collect();
            Prediction {
                label: top[0].0.clone(),
                probability: top[0].1,
                top,
                explanation: None,
            }
        })
        .collect()
}

/// A TF-IDF fit that fails here, with settings already checked, fails because of the
/// texts (none has a term, or none survives --min-df/--max-df): a data error (exit 3),
/// not the usage error a `FeatureError` otherwise maps to.
fn no_features(e: crate::features::FeatureError) -> anyhow::Error {
    anyhow::anyhow!("the training texts give no features: {e}")
}

/// The features of one evaluation split: the vectorizer is fitted on `train_texts` only, so
/// nothing of the test part (its terms, their document frequencies) leaks into training.
pub fn fold_features(
    train_texts: &[&str],
    test_texts: &[&str],
    analyzer: &AnalyzerConfig,
    tfidf: &TfidfParams,
) -> Result<(TfidfVectorizer, SparseRecords, SparseRecords)> {
    let (vectorizer, x_train) =
        TfidfVectorizer::fit_transform(Analyzer::new(analyzer.clone())?, tfidf, train_texts)
            .map_err(no_features)?;
    let x_test = vectorizer.transform(test_texts);
    Ok((vectorizer, x_train, x_test))
}

/// Fits the vectorizer on `train_texts` only (no leakage from the test part), then fits
/// each of `settings` on it and predicts `test_texts`. One fold of cross-validation, or a
/// train → test evaluation. Returns, per classifier, the predicted class of each test text.
pub fn fit_and_predict(
    train_texts: &[&str],
    train_y: &[usize],
    test_texts: &[&str],
    n_classes: usize,
    analyzer: &AnalyzerConfig,
    tfidf: &TfidfParams,
    settings: &[ModelSettings],
) -> Result<Vec<crate::eval::FoldPrediction>> {
    fit_and_predict_pairs(
        train_texts,
        None,
        train_y,
        test_texts,
        None,
        n_classes,
        analyzer,
        tfidf,
        settings,
    )
}

/// [`fit_and_predict`] with pair texts: when `train_pairs` and `test_pairs` are given, the
/// paired features are fitted on the training pairs only and the models see those.
#[allow(clippy::too_many_arguments)]
pub fn fit_and_predict_pairs(
    train_texts: &[&str],
    train_pairs: Option<&[&str]>,
    train_y: &[usize],
    test_texts: &[&str],
    test_pairs: Option<&[&str]>,
    n_classes: usize,
    analyzer: &AnalyzerConfig,
    tfidf: &TfidfParams,
    settings: &[ModelSettings],
) -> Result<Vec<crate::eval::FoldPrediction>> {
    let start = Instant::now();
    let (x_train, x_test) = match (train_pairs, test_pairs) {
        (Some(tp), Some(sp)) => {
            let (v, p, x_train) = fit_paired(train_texts, tp, analyzer, tfidf, "pair")?;
            (x_train, p.transform(&v, test_texts, sp))
        }
        _ => {
            let (_, x_train, x_test) = fold_features(train_texts, test_texts, analyzer, tfidf)?;
            (x_train, x_test)
        }
    };
    let vectorize_s = start.elapsed().as_secs_f64();
    let y: Array1<usize> = train_y.iter().copied().collect();
    let data = DatasetBase::new(x_train, y);
    settings
        .iter()
        .map(|s| {
            let start = Instant::now();
            let model =
                Model::fit(s, &data, n_classes).with_context(|| format!("fitting {}", s.kind))?;
            let fit_s = start.elapsed().as_secs_f64();
            let start = Instant::now();
            let predictions = model.predict(&x_test).to_vec();
            let predict_s = start.elapsed().as_secs_f64();
            Ok(crate::eval::FoldPrediction {
                predictions,
                timings: crate::eval::Timings {
                    vectorize_s,
                    fit_s,
                    predict_s,
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// scikit-learn's default analyzer: lowercase, `\w\w+` tokens, unigrams.
    fn analyzer() -> AnalyzerConfig {
        AnalyzerConfig::default()
    }

    #[test]
    fn argmax_picks_what_the_top_k_sort_puts_first() {
        assert_eq!(argmax([0.1f32, 0.7, 0.2]), 1);
        assert_eq!(argmax([0.4f32, 0.2, 0.4]), 0);
        assert_eq!(argmax([0.2f32, 0.4, 0.4]), 1);
        assert_eq!(argmax([0.5f32]), 0);
        assert_eq!(argmax(std::iter::empty()), 0);
        // The same pick as the stable descending sort of `predict_features` for --top-k > 1.
        let row = [0.05f32, 0.3, 0.1, 0.3, 0.25];
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by(|&a, &b| row[b].partial_cmp(&row[a]).unwrap());
        assert_eq!(argmax(row), order[0]);
    }

    #[test]
    fn fold_features_learn_nothing_from_the_test_part() {
        let train = ["apple banana", "apple cherry", "banana cherry"];
        let test = ["zebra yak", "apple zebra"];
        let params = TfidfParams::default();
        let (v, x_train, x_test) = fold_features(&train, &test, &analyzer(), &params).unwrap();
        // Fitted on all texts, the vocabulary would hold zebra and yak, and the IDF of apple
        // would count the test document that has it.
        assert_eq!(
            v.vocabulary().iter().collect::<Vec<_>>(),
            ["apple", "banana", "cherry"]
        );
        assert_eq!(x_test.0.outer_view(0).unwrap().nnz(), 0);
        let (alone, _) =
            TfidfVectorizer::fit_transform(Analyzer::new(analyzer()).unwrap(), &params, &train)
                .unwrap();
        assert_eq!(v.idf(), alone.idf());
        assert_eq!(x_train.0.rows(), 3);
        assert_eq!(x_test.0.rows(), 2);
    }

    /// A document with one label column holding `label`.
    fn doc(label: Option<&str>) -> Document {
        Document {
            id: String::new(),
            text: String::new(),
            pair: None,
            labels: vec![label.map(str::to_owned)],
            group: None,
        }
    }

    #[test]
    fn labelled_task_sorts_labels_and_leaves_out_unlabelled_documents() {
        let docs = [doc(Some("b")), doc(None), doc(Some("a")), doc(Some("b"))];
        let task = LabelledTask::from_documents(&docs, 0, "t").unwrap();
        assert_eq!(task.labels, ["a", "b"]);
        assert_eq!(task.rows, [0, 2, 3]);
        assert_eq!(task.y, [1, 0, 1]);
        assert_eq!(task.unlabelled, 1);
        assert_eq!(task.counts(), [1, 2]);
        let one = [doc(Some("a")), doc(Some("a"))];
        let err = LabelledTask::from_documents(&one, 0, "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least two classes"), "{err}");
    }

    #[test]
    fn a_task_scored_against_a_model_keeps_its_classes_and_the_unknown_ones() {
        // One gold class alone is fine: the model brings the others.
        let docs = [doc(Some("c")), doc(None), doc(Some("c")), doc(Some("a"))];
        let known = ["b".to_owned(), "c".to_owned()];
        let task = LabelledTask::scored_against(&docs, 0, "t", &known);
        assert_eq!(task.labels, ["a", "b", "c"]);
        assert_eq!(task.rows, [0, 2, 3]);
        assert_eq!(task.y, [2, 2, 0]);
        assert_eq!(task.unlabelled, 1);
        assert_eq!(task.classes_outside(&known), ["a"]);
        let none = LabelledTask::scored_against(&[doc(None)], 0, "t", &known);
        assert!(none.rows.is_empty());
        assert_eq!(none.labels, known);
    }

    #[test]
    fn select_rows_keeps_order_and_values() {
        let params = TfidfParams::default();
        let texts = ["a1 b1", "c1", "a1 c1 d1"];
        let (_, x) =
            TfidfVectorizer::fit_transform(Analyzer::new(analyzer()).unwrap(), &params, &texts)
                .unwrap();
        let picked = select_rows(&x, &[2, 0]);
        assert_eq!(picked.0.rows(), 2);
        assert_eq!(
            picked.0.outer_view(0).unwrap().to_owned(),
            x.0.outer_view(2).unwrap().to_owned()
        );
        assert_eq!(
            picked.0.outer_view(1).unwrap().to_owned(),
            x.0.outer_view(0).unwrap().to_owned()
        );
    }
}
