//! Argument groups shared by several commands, and their conversion to library settings.

use super::grid::{combinations, refuse_lists, refuse_repeats, GridOption, GridPoint, Pick};
use super::UsageError;
use crate::corpus::{Format, JoinSpec, ReadOptions};
use crate::features::{DfLimit, TfidfParams};
use crate::models::{ClassWeight, ClassifierKind, Hyperparameter, ModelSettings, SgdLoss};
use crate::text::{parse_ngram_range, resolve_stemmer, resolve_stop_words, AnalyzerConfig};
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use std::fmt;
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

/// A column name as given on the command line, without the spaces around it: header
/// names are read trimmed, so `--text-col "title, text"` means the `text` column.
pub fn column_name(given: &str) -> Result<String, String> {
    Ok(given.trim().to_string())
}

/// Which fields of a corpus to read, and how.
#[derive(Debug, Clone, Args)]
pub struct CorpusArgs {
    /// Corpus format; guessed from the extension when omitted (a directory is one folder per class)
    #[arg(long, value_enum)]
    pub data_format: Option<DataFormat>,
    /// Text field(s), comma-separated; several are joined with a blank line
    #[arg(long, value_delimiter = ',', default_value = "text", value_parser = column_name)]
    pub text_col: Vec<String>,
    /// Id field (default: `id` when present, else the record number)
    #[arg(long, value_parser = column_name)]
    pub id_col: Option<String>,
    /// Second text of each example (headline or target): trains or scores a paired stance model
    /// whose features relate --text-col (the body) to it
    #[arg(long, value_parser = column_name)]
    pub pair_col: Option<String>,
    /// Bring in the columns of another file, matched on --on (repeatable, one --on per --join)
    #[arg(long)]
    pub join: Vec<PathBuf>,
    /// Key column for the matching --join
    #[arg(long, value_parser = column_name)]
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
        // Values compare as parsed, so `1-2` and `01-2`, or `0.5` and `.5`, are one value.
        refuse_repeats(self, &options, |a| {
            Ok((a.analyzer_config()?, a.tfidf_params()?))
        })?;
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
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
pub enum LossArg {
    /// Linear SVM loss (the default)
    Hinge,
    /// Logistic regression loss, for meaningful probabilities
    Log,
    /// Smoothed hinge, more tolerant of outliers
    ModifiedHuber,
}

impl fmt::Display for LossArg {
    /// As the command line spells it (`modified-huber`), for run names and `train` flags.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.to_possible_value().expect("no value is skipped");
        f.write_str(value.get_name())
    }
}

impl From<LossArg> for SgdLoss {
    fn from(l: LossArg) -> SgdLoss {
        match l {
            LossArg::Hinge => SgdLoss::Hinge,
            LossArg::Log => SgdLoss::Log,
            LossArg::ModifiedHuber => SgdLoss::ModifiedHuber,
        }
    }
}

/// One class weighting as `--class-weight` gives it: checked, but not yet matched to the
/// labels, which are known only once the corpus is read.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassWeightSpec {
    /// Every class weighs 1.
    None,
    /// scikit-learn's "balanced".
    Balanced,
    /// (label, weight) pairs sorted by label, so two spellings of one weighting are equal;
    /// unnamed classes weigh 1.
    Explicit(Vec<(String, f32)>),
}

impl fmt::Display for ClassWeightSpec {
    /// As `--class-weight` takes it (`balanced`, `pos=2,neg=1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClassWeightSpec::None => f.write_str("none"),
            ClassWeightSpec::Balanced => f.write_str("balanced"),
            ClassWeightSpec::Explicit(pairs) => {
                let pairs: Vec<String> = pairs.iter().map(|(l, w)| format!("{l}={w}")).collect();
                f.write_str(&pairs.join(","))
            }
        }
    }
}

impl ClassWeightSpec {
    /// The weighting for a task with `labels`; an explicit weight for a class the task
    /// lacks is an error (a misspelt label would otherwise weigh nothing, silently).
    fn resolve(&self, labels: &[String]) -> Result<ClassWeight> {
        let pairs = match self {
            ClassWeightSpec::None => return Ok(ClassWeight::None),
            ClassWeightSpec::Balanced => return Ok(ClassWeight::Balanced),
            ClassWeightSpec::Explicit(pairs) => pairs,
        };
        let mut weights = vec![1.0f32; labels.len()];
        for (name, w) in pairs {
            let Some(i) = labels.iter().position(|l| l == name) else {
                bail!(UsageError(format!(
                    "--class-weight: no class named '{name}' (classes: {})",
                    labels.join(", ")
                )));
            };
            weights[i] = *w;
        }
        Ok(ClassWeight::Explicit(weights))
    }
}

/// The weightings one `--class-weight` flag gives: a comma-separated list of keywords to
/// compare (`none,balanced`), or one explicit weighting (`pos=2,neg=1`), whose commas
/// separate its classes.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassWeightFlag(Vec<ClassWeightSpec>);

/// Parses one `--class-weight` value. Items without `=` are keywords, items with `=` are
/// the weights of one weighting; a value mixing both is refused, since it would be unclear
/// whether its commas separate weightings or classes. To compare explicit weights, repeat
/// the flag.
fn parse_class_weight_flag(spec: &str) -> Result<ClassWeightFlag, String> {
    if spec.trim().is_empty() {
        return Ok(ClassWeightFlag(vec![ClassWeightSpec::None]));
    }
    let items: Vec<&str> = spec.split(',').map(str::trim).collect();
    if items.iter().all(|i| !i.contains('=')) {
        return items
            .iter()
            .map(|i| keyword(i))
            .collect::<Result<_, _>>()
            .map(ClassWeightFlag);
    }
    if let Some(k) = items.iter().find(|i| !i.contains('=')) {
        return Err(format!(
            "'{k}' is a keyword and the rest are LABEL=WEIGHT pairs: a value is either keywords \
             to compare (none,balanced) or one set of weights (LABEL=W,LABEL=W); to compare \
             them, repeat the flag (--class-weight {k} --class-weight LABEL=W,...)"
        ));
    }
    let mut pairs = items
        .iter()
        .map(|i| weight_pair(i))
        .collect::<Result<Vec<_>, _>>()?;
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(p) = pairs.windows(2).find(|p| p[0].0 == p[1].0) {
        return Err(format!("class '{}' is given two weights", p[0].0));
    }
    Ok(ClassWeightFlag(vec![ClassWeightSpec::Explicit(pairs)]))
}

/// A `--class-weight` keyword.
fn keyword(item: &str) -> Result<ClassWeightSpec, String> {
    match item {
        "none" => Ok(ClassWeightSpec::None),
        "balanced" => Ok(ClassWeightSpec::Balanced),
        _ => Err(format!(
            "'{item}': expected LABEL=WEIGHT, 'balanced' or 'none'"
        )),
    }
}

/// A `LABEL=WEIGHT` item of an explicit weighting; the weight a positive number.
fn weight_pair(item: &str) -> Result<(String, f32), String> {
    let (name, w) = item.split_once('=').expect("an item with '='");
    let w: f32 = w
        .trim()
        .parse()
        .ok()
        .filter(|w: &f32| w.is_finite() && *w > 0.0)
        .ok_or_else(|| format!("'{item}': the weight must be a positive number"))?;
    Ok((name.trim().to_string(), w))
}

/// Classifier choice and hyperparameters.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct ModelArgs {
    /// Inverse regularisation strength for svm and logreg; eval compares a comma-separated
    /// list (0.1,1,10)
    #[arg(long = "c", value_delimiter = ',')]
    pub c: Vec<f32>,
    /// Smoothing for nb/cnb; L2 strength for sgd; eval compares a comma-separated list
    #[arg(long, value_delimiter = ',')]
    pub alpha: Vec<f32>,
    /// Stopping tolerance for svm and logreg; eval compares a comma-separated list
    #[arg(long, value_delimiter = ',')]
    pub tol: Vec<f32>,
    /// Iteration cap for svm and logreg; eval compares a comma-separated list
    #[arg(long, value_delimiter = ',')]
    pub max_iter: Vec<usize>,
    /// Passes over the data for sgd; eval compares a comma-separated list (5,10,20)
    #[arg(long, value_delimiter = ',')]
    pub epochs: Vec<usize>,
    /// Loss for sgd; eval compares a comma-separated list (hinge,log)
    #[arg(long, value_enum, value_delimiter = ',')]
    pub loss: Vec<LossArg>,
    /// Plain hinge loss for svm instead of squared hinge
    #[arg(long)]
    pub hinge: bool,
    /// Class weights: none, balanced, or LABEL=W,LABEL=W (unnamed classes weigh 1); eval
    /// compares keywords listed with commas (none,balanced) or repeated flags
    /// (--class-weight balanced --class-weight pos=2)
    #[arg(long, default_value = "none", value_parser = parse_class_weight_flag)]
    pub class_weight: Vec<ClassWeightFlag>,
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
        // Every option's values are already parsed, so the narrowed arguments compare them.
        refuse_repeats(self, &self.grid_options(None), |a| Ok(a.clone()))?;
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

    /// Every combination of the listed values that `kind` reads (one point without a
    /// list): a value it ignores does not repeat its run.
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

    /// The class weightings listed, over every `--class-weight` flag.
    fn class_weights(&self) -> impl Iterator<Item = &ClassWeightSpec> {
        self.class_weight.iter().flat_map(|f| &f.0)
    }

    /// The options an `eval` grid may list several values of, as family `kind` reads them
    /// (`None`: as listed).
    fn grid_options(&self, kind: Option<ClassifierKind>) -> [GridOption<Self>; 7] {
        let reads = |h| kind.is_none_or(|k| k.reads(h));
        let class_weights: Vec<_> = self.class_weights().collect();
        [
            GridOption::new("--c", "C", &self.c, reads(Hyperparameter::C), |a, i| {
                a.c = vec![a.c[i]]
            }),
            GridOption::new(
                "--alpha",
                "alpha",
                &self.alpha,
                reads(Hyperparameter::Alpha),
                |a, i| a.alpha = vec![a.alpha[i]],
            ),
            GridOption::new(
                "--loss",
                "loss",
                &self.loss,
                reads(Hyperparameter::Loss),
                |a, i| a.loss = vec![a.loss[i]],
            ),
            GridOption::new(
                "--epochs",
                "epochs",
                &self.epochs,
                reads(Hyperparameter::Epochs),
                |a, i| a.epochs = vec![a.epochs[i]],
            ),
            GridOption::new(
                "--tol",
                "tol",
                &self.tol,
                reads(Hyperparameter::Tol),
                |a, i| a.tol = vec![a.tol[i]],
            ),
            GridOption::new(
                "--max-iter",
                "max_iter",
                &self.max_iter,
                reads(Hyperparameter::MaxIter),
                |a, i| a.max_iter = vec![a.max_iter[i]],
            ),
            GridOption::new(
                "--class-weight",
                "class_weight",
                &class_weights,
                reads(Hyperparameter::ClassWeight),
                |a, i| {
                    let w = a
                        .class_weights()
                        .nth(i)
                        .cloned()
                        .expect("a listed weighting");
                    a.class_weight = vec![ClassWeightFlag(vec![w])];
                },
            ),
        ]
    }

    /// Settings for `kind`, with the class weights resolved against `labels`; for one value
    /// per option (a [`GridPoint`], or after [`refuse_grid`]).
    pub fn settings(&self, kind: ClassifierKind, labels: &[String]) -> Result<ModelSettings> {
        let mut s = self.unweighted_settings(kind);
        let weights = self.class_weights().next().expect("a default value");
        s.class_weight = weights.resolve(labels)?;
        Ok(s)
    }

    /// Settings for `kind` from every option but the class weights, which need the labels;
    /// an option not given keeps the family's default.
    fn unweighted_settings(&self, kind: ClassifierKind) -> ModelSettings {
        let mut s = ModelSettings::new(kind);
        if let Some(&c) = self.c.first() {
            s.c = c;
        }
        if let Some(&a) = self.alpha.first() {
            s.alpha = a;
        }
        if let Some(&t) = self.tol.first() {
            s.tol = t;
        }
        if let Some(&m) = self.max_iter.first() {
            s.max_iter = m;
        }
        if let Some(&e) = self.epochs.first() {
            s.epochs = e;
        }
        if let Some(&l) = self.loss.first() {
            s.sgd_loss = l.into();
        }
        if self.hinge {
            s.squared_hinge = false;
        }
        s.seed = self.seed;
        s
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(spec: &str) -> Vec<ClassWeightSpec> {
        parse_class_weight_flag(spec).unwrap().0
    }

    #[test]
    fn a_class_weight_value_is_keywords_or_one_weighting_never_both() {
        use ClassWeightSpec as W;
        assert_eq!(weights("none, balanced"), [W::None, W::Balanced]);
        assert_eq!(weights(""), [W::None]);
        // One weighting, its labels sorted so that two spellings are one value.
        let pairs = vec![("neg".to_string(), 0.5), ("pos".to_string(), 2.0)];
        assert_eq!(weights("pos=2, neg=0.5"), [W::Explicit(pairs.clone())]);
        assert_eq!(weights("neg=0.5,pos=2"), [W::Explicit(pairs)]);
        assert_eq!(weights("pos=2,neg=0.5")[0].to_string(), "neg=0.5,pos=2");
        let refused = |spec: &str| parse_class_weight_flag(spec).unwrap_err();
        assert!(refused("balanced,pos=2").starts_with("'balanced' is a keyword and the rest"));
        assert!(refused("pos=2,none").contains("repeat the flag"));
        assert_eq!(refused("pos=2,pos=3"), "class 'pos' is given two weights");
        assert_eq!(
            refused("pos=-1"),
            "'pos=-1': the weight must be a positive number"
        );
        assert_eq!(
            refused("Balanced"),
            "'Balanced': expected LABEL=WEIGHT, 'balanced' or 'none'"
        );
    }

    #[test]
    fn explicit_weights_are_matched_to_the_labels() {
        let labels = ["neg".to_string(), "neutral".to_string(), "pos".to_string()];
        let w = weights("pos=2,neg=0.5").remove(0);
        assert_eq!(
            w.resolve(&labels).unwrap(),
            ClassWeight::Explicit(vec![0.5, 1.0, 2.0])
        );
        let err = weights("posh=2").remove(0).resolve(&labels).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--class-weight: no class named 'posh' (classes: neg, neutral, pos)"
        );
    }

    #[test]
    fn loss_values_show_as_the_command_line_spells_them() {
        assert_eq!(LossArg::ModifiedHuber.to_string(), "modified-huber");
        assert_eq!(SgdLoss::from(LossArg::Log), SgdLoss::Log);
    }
}
