//! Argument groups shared by several commands, and their conversion to library settings.

use super::grid::{combinations, refuse_lists, refuse_repeats, GridOption, GridPoint, Pick};
use super::UsageError;
use crate::corpus::{Format, JoinSpec, ReadOptions};
use crate::features::{DfLimit, TfidfParams};
use crate::models::{ClassWeight, ClassifierKind, ModelSettings, SgdLoss};
use crate::text::{parse_ngram_range, resolve_stemmer, resolve_stop_words, AnalyzerConfig};
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Corpus file formats accepted by `--data-format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DataFormat {
    /// Comma-separated values with a header row
    Csv,
    /// Tab-separated values with a header row
    Tsv,
    /// JSON Lines: one object per line
    Jsonl,
    /// A folder with one sub-folder per class, one file per document
    Dir,
}

impl From<DataFormat> for Format {
    fn from(f: DataFormat) -> Format {
        match f {
            DataFormat::Csv => Format::Csv,
            DataFormat::Tsv => Format::Tsv,
            DataFormat::Jsonl => Format::Jsonl,
            DataFormat::Dir => Format::Dir,
        }
    }
}

/// Which fields of a corpus to read, and how.
#[derive(Debug, Clone, Args)]
pub struct CorpusArgs {
    /// Corpus format; guessed from the extension when omitted (a directory is one folder per class)
    #[arg(long, value_enum)]
    pub data_format: Option<DataFormat>,
    /// Text field(s), comma-separated; several are joined with a blank line
    #[arg(long, value_delimiter = ',', default_value = "text")]
    pub text_col: Vec<String>,
    /// Id field (default: `id` when present, else the record number)
    #[arg(long)]
    pub id_col: Option<String>,
    /// Second text of each example (headline or target): trains or scores a paired stance model
    /// whose features relate --text-col (the body) to it
    #[arg(long)]
    pub pair_col: Option<String>,
    /// Bring in the columns of another file, matched on --on (repeatable, one --on per --join)
    #[arg(long)]
    pub join: Vec<PathBuf>,
    /// Key column for the matching --join
    #[arg(long)]
    pub on: Vec<String>,
    /// Skip malformed records and count them instead of stopping at the first
    #[arg(long)]
    pub skip_bad: bool,
}

impl CorpusArgs {
    /// Reading options for these arguments; `labels` are the label columns wanted.
    pub fn read_options(
        &self,
        labels: &[String],
        require_labels: bool,
        group_col: Option<&str>,
    ) -> Result<ReadOptions> {
        if let Some(p) = &self.pair_col {
            if self.text_col.iter().any(|t| t == p) {
                bail!(UsageError(format!(
                    "--pair-col '{p}' is also a --text-col: the pair text (headline or target) must be separate from the main text"
                )));
            }
        }
        if let Some(l) = labels.iter().find(|l| self.text_col.contains(l)) {
            bail!(UsageError(format!(
                "--label '{l}' is also a --text-col: the model would read its own answer"
            )));
        }
        let cols = &self.text_col;
        if let Some(t) =
            (1..cols.len()).find_map(|i| cols[..i].contains(&cols[i]).then_some(&cols[i]))
        {
            bail!(UsageError(format!(
                "--text-col '{t}' is given twice: its text would count double"
            )));
        }
        if self.join.len() != self.on.len() {
            bail!(UsageError(format!(
                "each --join FILE needs its own --on COLUMN ({} --join, {} --on)",
                self.join.len(),
                self.on.len()
            )));
        }
        Ok(ReadOptions {
            format: self.data_format.map(Format::from),
            text_cols: self.text_col.clone(),
            id_col: self.id_col.clone(),
            label_cols: labels.to_vec(),
            require_labels,
            pair_col: self.pair_col.clone(),
            group_col: group_col.map(str::to_owned),
            skip_bad: self.skip_bad,
            joins: self
                .join
                .iter()
                .zip(&self.on)
                .map(|(path, on)| JoinSpec {
                    path: path.clone(),
                    on: on.clone(),
                })
                .collect(),
        })
    }
}

/// Default vocabulary cap (`--max-features`). With bigrams, 20 Newsgroups has about
/// 385,000 terms in two or more posts (AllSides, with its long articles, far more); keeping
/// the 200,000 most frequent scored as well as keeping all of them on 20 Newsgroups and
/// AllSides (README "Quality") while halving the model file and the fit's memory.
pub const DEFAULT_MAX_FEATURES: usize = 200_000;

/// How text becomes terms and terms become TF-IDF features.
#[derive(Debug, Clone, Args)]
pub struct FeatureArgs {
    /// Stop words: english, none, another language name, or a file with one word per line;
    /// eval compares a comma-separated list (none,english)
    #[arg(long, value_delimiter = ',', default_value = "none")]
    pub stop_words: Vec<String>,
    /// Snowball stemmer language (english, french, german, ...) or none; eval compares a
    /// comma-separated list (none,english)
    #[arg(long, value_delimiter = ',', default_value = "none")]
    pub stem: Vec<String>,
    /// Word n-gram range: 1-1 is unigrams (the default), 1-2 adds bigrams (more accurate on
    /// every corpus measured but BBC, at 2–3× the time and memory: README "Quality"); eval
    /// compares a comma-separated list of ranges (1-1,1-2)
    #[arg(long, value_delimiter = ',', default_value = "1-1")]
    pub ngrams: Vec<String>,
    /// Regular expression for tokens (default: runs of two or more word characters)
    #[arg(long)]
    pub token_pattern: Option<String>,
    /// Keep the original case
    #[arg(long)]
    pub no_lowercase: bool,
    /// Ignore terms in fewer documents than this (a count, or a fraction below 1.0); eval
    /// compares a comma-separated list (1,2,5)
    #[arg(long, value_delimiter = ',', default_value = "2")]
    pub min_df: Vec<String>,
    /// Ignore terms in more documents than this (a count, or a fraction up to 1.0); eval
    /// compares a comma-separated list (0.5,1.0)
    #[arg(long, value_delimiter = ',', default_value = "1.0")]
    pub max_df: Vec<String>,
    /// Keep only this many of the most frequent terms (0: no limit); the cap keeps bigram
    /// models small at no measured cost in accuracy; eval compares a comma-separated list
    #[arg(long, value_delimiter = ',', default_values_t = [DEFAULT_MAX_FEATURES])]
    pub max_features: Vec<usize>,
    /// Use raw term counts instead of 1 + ln(tf)
    #[arg(long)]
    pub no_sublinear_tf: bool,
}

fn parse_df(s: &str, flag: &str) -> Result<DfLimit> {
    let s = s.trim();
    if let Ok(n) = s.parse::<usize>() {
        return Ok(DfLimit::Count(n));
    }
    match s.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(DfLimit::Fraction(f)),
        _ => bail!(UsageError(format!("{flag} '{s}': expected a document count (e.g. 2) or a fraction between 0 and 1 (e.g. 0.95)"))),
    }
}

/// One feature setting of an `eval` grid, checked; each is vectorized once per fold and
/// shared by every classifier setting.
#[derive(Debug, Clone)]
pub struct FeatureSet {
    /// The values that tell its runs apart (`ngrams=1-2`); none without a feature grid.
    pub picks: Vec<Pick>,
    /// Tokens, case, stop words, stemming, n-grams.
    pub analyzer: AnalyzerConfig,
    /// Document-frequency limits, vocabulary cap, weighting.
    pub tfidf: TfidfParams,
}

impl FeatureArgs {
    /// The analyzer settings (tokens, case, stop words, stemming, n-grams) these arguments
    /// ask for; an unknown stop-word list, stemmer or n-gram range is an error. Arguments
    /// listing several values give the first: narrow them first ([`Self::grid`],
    /// or [`refuse_grid`] for commands that take one value).
    pub fn analyzer_config(&self) -> Result<AnalyzerConfig> {
        Ok(AnalyzerConfig {
            lowercase: !self.no_lowercase,
            token_pattern: self.token_pattern.clone(),
            stop_words: resolve_stop_words(first(&self.stop_words).as_str())
                .context("--stop-words")?,
            stemmer: resolve_stemmer(first(&self.stem).as_str()).context("--stem")?,
            ngram_range: parse_ngram_range(first(&self.ngrams).as_str()).context("--ngrams")?,
        })
    }

    /// The vocabulary and weighting settings (document-frequency limits, vocabulary cap,
    /// sublinear TF), checked. Like [`Self::analyzer_config`], for one value per option.
    pub fn tfidf_params(&self) -> Result<TfidfParams> {
        let max_features = *first(&self.max_features);
        let params = TfidfParams {
            min_df: parse_df(first(&self.min_df).as_str(), "--min-df")?,
            max_df: parse_df(first(&self.max_df).as_str(), "--max-df")?,
            max_features: (max_features > 0).then_some(max_features),
            sublinear_tf: !self.no_sublinear_tf,
            ..TfidfParams::default()
        };
        Ok(params.check()?)
    }

    /// Every combination of the listed stop-word lists, stemmers, n-gram ranges, `min_df`,
    /// `max_df` and `max_features` values, each checked (so a bad value is named before any data is read); one set without a
    /// list.
    pub fn grid(&self) -> Result<Vec<FeatureSet>> {
        self.refuse_bare_ngram_list()?;
        let options = self.grid_options();
        refuse_repeats(&options)?;
        combinations(self, &options)
            .into_iter()
            .map(|p| {
                Ok(FeatureSet {
                    analyzer: p.args.analyzer_config()?,
                    tfidf: p.args.tfidf_params()?,
                    picks: p.picks,
                })
            })
            .collect()
    }

    /// The options an `eval` grid may list several values of.
    fn grid_options(&self) -> [GridOption<Self>; 6] {
        [
            GridOption::new(
                "--stop-words",
                "stop_words",
                &self.stop_words,
                true,
                |a, i| a.stop_words = vec![a.stop_words[i].clone()],
            ),
            GridOption::new("--stem", "stem", &self.stem, true, |a, i| {
                a.stem = vec![a.stem[i].clone()]
            }),
            GridOption::new("--ngrams", "ngrams", &self.ngrams, true, |a, i| {
                a.ngrams = vec![a.ngrams[i].clone()]
            }),
            GridOption::new("--min-df", "min_df", &self.min_df, true, |a, i| {
                a.min_df = vec![a.min_df[i].clone()]
            }),
            GridOption::new("--max-df", "max_df", &self.max_df, true, |a, i| {
                a.max_df = vec![a.max_df[i].clone()]
            }),
            GridOption::new(
                "--max-features",
                "max_features",
                &self.max_features,
                true,
                |a, i| a.max_features = vec![a.max_features[i]],
            ),
        ]
    }

    /// Refuses `--ngrams 1,2`, scikit-learn's `ngram_range=(1, 2)` written with a comma:
    /// the comma separates ranges to compare, so it would run unigrams alone against
    /// bigrams alone instead of the range the user most likely meant.
    fn refuse_bare_ngram_list(&self) -> Result<()> {
        let bare = |v: &String| v.trim().parse::<usize>().is_ok();
        if self.ngrams.len() > 1 && self.ngrams.iter().any(bare) {
            bail!(UsageError(format!(
                "--ngrams {}: write an n-gram range as MIN-MAX (1-2 for unigrams and bigrams); \
                 a comma separates ranges that eval compares (1-1,1-2)",
                self.ngrams.join(",")
            )));
        }
        Ok(())
    }
}

/// The value of an option given one (clap's default makes it never empty); for a list,
/// its first.
fn first<T>(values: &[T]) -> &T {
    values.first().expect("a default value")
}

/// Refuses a list of values, before any data is read, in a command that fits one model
/// (`train`): comparing values is `eval`'s job, on the same folds.
pub fn refuse_grid(model: &ModelArgs, features: &FeatureArgs) -> Result<()> {
    features.refuse_bare_ngram_list()?;
    refuse_lists(&model.grid_options(None))?;
    refuse_lists(&features.grid_options())
}

/// Losses accepted by `--loss` (sgd only).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LossArg {
    /// Linear SVM loss (the default)
    Hinge,
    /// Logistic regression loss, for meaningful probabilities
    Log,
    /// Smoothed hinge, more tolerant of outliers
    ModifiedHuber,
}

/// Classifier choice and hyperparameters.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Inverse regularisation strength for svm and logreg; eval compares a comma-separated
    /// list (0.1,1,10)
    #[arg(long = "c", value_delimiter = ',')]
    pub c: Vec<f32>,
    /// Smoothing for nb/cnb; L2 strength for sgd; eval compares a comma-separated list
    #[arg(long, value_delimiter = ',')]
    pub alpha: Vec<f32>,
    /// Stopping tolerance
    #[arg(long)]
    pub tol: Option<f32>,
    /// Iteration cap for svm and logreg
    #[arg(long)]
    pub max_iter: Option<usize>,
    /// Passes over the data for sgd
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Loss for sgd
    #[arg(long, value_enum)]
    pub loss: Option<LossArg>,
    /// Plain hinge loss for svm instead of squared hinge
    #[arg(long)]
    pub hinge: bool,
    /// Class weights: none, balanced, or LABEL=W,LABEL=W (unnamed classes weigh 1)
    #[arg(long, default_value = "none")]
    pub class_weight: String,
    /// Seed for every random choice (shuffling, folds, calibration splits)
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl ModelArgs {
    /// Refuses a hyperparameter out of range for any of `kinds` (every listed value of a
    /// grid), a value listed twice, or a family that cannot fit a `paired` model, before any
    /// data is read. The ranges are each family's own `ParamGuard`
    /// (`ModelSettings::check`), which would otherwise refuse them only when fitting, after
    /// the corpus has been read and vectorized.
    pub fn check(&self, kinds: &[ClassifierKind], paired: bool) -> Result<()> {
        let nb = |k: &&ClassifierKind| matches!(k, ClassifierKind::Nb | ClassifierKind::Cnb);
        if let Some(k) = kinds.iter().find(nb).filter(|_| paired) {
            bail!(UsageError(format!(
                "--classifier {k} cannot fit a paired model (--pair-col): some relation features \
                 are negative, which naive Bayes cannot take; use svm, logreg, sgd or two-stage"
            )));
        }
        refuse_repeats(&self.grid_options(None))?;
        for &kind in kinds {
            for point in self.grid(kind) {
                point
                    .args
                    .unweighted_settings(kind)
                    .check()
                    .map_err(|e| UsageError(e.to_string()))?;
            }
        }
        Ok(())
    }

    /// Every combination of the listed C and alpha values that `kind` reads (one point
    /// without a list): a value it ignores does not repeat its run.
    pub fn grid(&self, kind: ClassifierKind) -> Vec<GridPoint<Self>> {
        combinations(self, &self.grid_options(Some(kind)))
    }

    /// The flags listing several values that none of `kinds` reads (`--alpha` for svm):
    /// they change nothing, which the report says.
    pub fn unread_lists(&self, kinds: &[ClassifierKind]) -> Vec<String> {
        let listed = self.grid_options(None);
        let per_kind: Vec<_> = kinds.iter().map(|&k| self.grid_options(Some(k))).collect();
        (0..listed.len())
            .filter(|&i| listed[i].is_list() && per_kind.iter().all(|o| !o[i].is_list()))
            .map(|i| listed[i].describe())
            .collect()
    }

    /// The options an `eval` grid may list several values of, as family `kind` reads them
    /// (`None`: as listed).
    fn grid_options(&self, kind: Option<ClassifierKind>) -> [GridOption<Self>; 2] {
        let reads = |f: fn(ClassifierKind) -> bool| kind.is_none_or(f);
        [
            GridOption::new(
                "--c",
                "C",
                &self.c,
                reads(ClassifierKind::reads_c),
                |a, i| a.c = vec![a.c[i]],
            ),
            GridOption::new(
                "--alpha",
                "alpha",
                &self.alpha,
                reads(ClassifierKind::reads_alpha),
                |a, i| a.alpha = vec![a.alpha[i]],
            ),
        ]
    }

    /// Settings for `kind`, with the class weights resolved against `labels`; for one value
    /// per option (a [`GridPoint`], or after [`refuse_grid`]).
    pub fn settings(&self, kind: ClassifierKind, labels: &[String]) -> Result<ModelSettings> {
        let mut s = self.unweighted_settings(kind);
        s.class_weight = parse_class_weight(&self.class_weight, labels)?;
        Ok(s)
    }

    /// Settings for `kind` from every option but the class weights, which need the labels.
    fn unweighted_settings(&self, kind: ClassifierKind) -> ModelSettings {
        let mut s = ModelSettings::new(kind);
        if let Some(&c) = self.c.first() {
            s.c = c;
        }
        if let Some(&a) = self.alpha.first() {
            s.alpha = a;
        }
        if let Some(t) = self.tol {
            s.tol = t;
        }
        if let Some(m) = self.max_iter {
            s.max_iter = m;
        }
        if let Some(e) = self.epochs {
            s.epochs = e;
        }
        if let Some(l) = self.loss {
            s.sgd_loss = match l {
                LossArg::Hinge => SgdLoss::Hinge,
                LossArg::Log => SgdLoss::Log,
                LossArg::ModifiedHuber => SgdLoss::ModifiedHuber,
            };
        }
        if self.hinge {
            s.squared_hinge = false;
        }
        s.seed = self.seed;
        s
    }
}

fn parse_class_weight(spec: &str, labels: &[String]) -> Result<ClassWeight> {
    match spec.trim() {
        "none" | "" => return Ok(ClassWeight::None),
        "balanced" => return Ok(ClassWeight::Balanced),
        _ => {}
    }
    let mut weights = vec![1.0f32; labels.len()];
    for part in spec.split(',') {
        let Some((name, w)) = part.split_once('=') else {
            bail!(UsageError(format!(
                "--class-weight '{part}': expected LABEL=WEIGHT, 'balanced' or 'none'"
            )));
        };
        let w: f32 = w
            .trim()
            .parse()
            .ok()
            .filter(|w: &f32| w.is_finite() && *w > 0.0)
            .ok_or_else(|| {
                UsageError(format!(
                    "--class-weight '{part}': the weight must be a positive number"
                ))
            })?;
        let Some(i) = labels.iter().position(|l| l == name.trim()) else {
            bail!(UsageError(format!(
                "--class-weight: no class named '{}' (classes: {})",
                name.trim(),
                labels.join(", ")
            )));
        };
        weights[i] = w;
    }
    Ok(ClassWeight::Explicit(weights))
}

/// The classifier when `--classifier` is not given: the one measured best for the input
/// (README "Quality" for single texts; datasets/README.md, FNC-1, for paired stance).
pub fn default_classifier(paired: bool) -> ClassifierKind {
    if paired {
        ClassifierKind::TwoStage
    } else {
        ClassifierKind::Svm
    }
}

/// Parses a comma-separated `--classifier` list.
pub fn parse_classifiers(spec: &str) -> Result<Vec<ClassifierKind>> {
    let kinds: Vec<ClassifierKind> = spec
        .split(',')
        .map(|s| s.parse().map_err(anyhow::Error::msg))
        .collect::<Result<_>>()?;
    if kinds.is_empty() {
        bail!("--classifier needs at least one name");
    }
    // As a grid value listed twice: the runs would share a name and repeat the same work.
    if let Some(k) =
        (1..kinds.len()).find_map(|i| kinds[..i].contains(&kinds[i]).then_some(kinds[i]))
    {
        bail!("--classifier {spec}: {} is listed twice", k.name());
    }
    Ok(kinds)
}

/// The `--label` columns, each once, in the order first given: a label repeated (apart:
/// `--label a --label b --label a`) was trained, or evaluated, and reported twice.
pub fn unique_labels(given: &[String]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::with_capacity(given.len());
    for l in given {
        if !labels.contains(l) {
            labels.push(l.clone());
        }
    }
    labels
}
