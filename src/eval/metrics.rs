//! Classification metrics, computed exactly as scikit-learn's `classification_report`,
//! `confusion_matrix` and `accuracy_score` do when given the full label list
//! (`labels=range(n)`) and `zero_division=0`:
//!
//! * every label is reported, even one absent from both truth and predictions (all its
//!   figures are 0 and it counts in the macro average, as in scikit-learn);
//! * a class never predicted has precision 0, a class never true has recall 0;
//! * F1 is `2·tp / (2·tp + fp + fn)` (0 when that denominator is 0);
//! * the weighted average weighs by support; the micro average pools all decisions,
//!   which for single-label data equals accuracy.
//!
//! Everything is derived from the confusion matrix, so a report can be rebuilt (and the
//! FNC-1 score computed) from a stored matrix alone.

use serde::{Deserialize, Serialize};

use super::{check_labels, EvalError};

/// Precision, recall, F1 and support of one class or one average.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// tp / (tp + fp): how many predictions of the class were right (0 if never predicted).
    pub precision: f64,
    /// tp / (tp + fn): how many members of the class were found (0 if never true).
    pub recall: f64,
    /// Harmonic mean of precision and recall, 2tp / (2tp + fp + fn).
    pub f1: f64,
    /// Number of true samples of the class (for an average: of all classes averaged).
    pub support: u64,
}

/// The figures of `classification_report` plus the confusion matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Label names, indexed by class index.
    pub labels: Vec<String>,
    /// One entry per label, same order.
    pub per_class: Vec<ClassMetrics>,
    /// Fraction of samples whose prediction equals the truth.
    pub accuracy: f64,
    /// Unweighted mean over all labels.
    pub macro_avg: ClassMetrics,
    /// Mean over labels weighted by support.
    pub weighted_avg: ClassMetrics,
    /// Metrics over all decisions pooled (equals accuracy for single-label data).
    pub micro_avg: ClassMetrics,
    /// `confusion[true][predicted]` counts.
    pub confusion: Vec<Vec<u64>>,
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

fn metrics(tp: u64, fp: u64, fn_: u64) -> ClassMetrics {
    ClassMetrics {
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn_),
        f1: ratio(2 * tp, 2 * tp + fp + fn_),
        support: tp + fn_,
    }
}

impl ClassificationReport {
    /// Scores predictions against the truth. `labels[i]` names class index `i`; every
    /// index in `y_true` and `y_pred` must be below `labels.len()`.
    pub fn new(y_true: &[usize], y_pred: &[usize], labels: &[String]) -> Result<Self, EvalError> {
        if y_pred.len() != y_true.len() {
            return Err(EvalError::LengthMismatch {
                what: "predictions (one per true label)",
                expected: y_true.len(),
                got: y_pred.len(),
            });
        }
        if labels.is_empty() {
            return Err(EvalError::NoLabels);
        }
        check_labels("y_true", y_true, labels.len())?;
        check_labels("y_pred", y_pred, labels.len())?;
        let n = labels.len();
        let mut confusion = vec![vec![0u64; n]; n];
        for (&t, &p) in y_true.iter().zip(y_pred) {
            confusion[t][p] += 1;
        }
        Self::from_confusion(labels.to_vec(), confusion)
    }

    /// Rebuilds all figures from a square confusion matrix (`rows = true`,
    /// `columns = predicted`) whose size matches `labels`.
    pub fn from_confusion(
        labels: Vec<String>,
        confusion: Vec<Vec<u64>>,
    ) -> Result<Self, EvalError> {
        let n = labels.len();
        if n == 0 {
            return Err(EvalError::NoLabels);
        }
        if confusion.len() != n {
            return Err(EvalError::LengthMismatch {
                what: "confusion matrix rows (one per label)",
                expected: n,
                got: confusion.len(),
            });
        }
        if let Some(row) = confusion.iter().find(|r| r.len() != n) {
            return Err(EvalError::LengthMismatch {
                what: "confusion matrix columns (one per label)",
                expected: n,
                got: row.len(),
            });
        }
        let total: u64 = confusion.iter().flatten().sum();
        let correct: u64 = (0..n).map(|i| confusion[i][i]).sum();
        let per_class: Vec<ClassMetrics> = (0..n)
            .map(|c| {
                let tp = confusion[c][c];
                let row: u64 = confusion[c].iter().sum();
                let col: u64 = confusion.iter().map(|r| r[c]).sum();
                metrics(tp, col - tp, row - tp)
            })
            .collect();
        let mean = |f: fn(&ClassMetrics) -> f64| per_class.iter().map(f).sum::<f64>() / n as f64;
        let weighted = |f: fn(&ClassMetrics) -> f64| {
            if total == 0 {
                0.0
            } else {
                per_class
                    .iter()
                    .map(|m| f(m) * m.support as f64)
                    .sum::<f64>()
                    / total as f64
            }
        };
        let macro_avg = ClassMetrics {
            precision: mean(|m| m.precision),
            recall: mean(|m| m.recall),
            f1: mean(|m| m.f1),
            support: total,
        };
        let weighted_avg = ClassMetrics {
            precision: weighted(|m| m.precision),
            recall: weighted(|m| m.recall),
            f1: weighted(|m| m.f1),
            support: total,
        };
        // Single-label: every error is one false positive and one false negative.
        let micro_avg = metrics(correct, total - correct, total - correct);
        Ok(ClassificationReport {
            labels,
            per_class,
            accuracy: ratio(correct, total),
            macro_avg,
            weighted_avg,
            micro_avg,
            confusion,
        })
    }

    /// Number of scored samples.
    pub fn n_samples(&self) -> u64 {
        self.confusion.iter().flatten().sum()
    }

    /// The confusion matrix with each row divided by its sum (scikit-learn's
    /// `normalize="true"`): entry `[t][p]` is the share of class `t` predicted as `p`,
    /// i.e. the diagonal is per-class recall. A class with no true samples gets a row of 0.
    pub fn normalized_confusion(&self) -> Vec<Vec<f64>> {
        self.confusion
            .iter()
            .map(|row| {
                let s: u64 = row.iter().sum();
                row.iter().map(|&c| ratio(c, s)).collect()
            })
            .collect()
    }

    /// The FNC-1 score (see [`fnc_score`]) of this report's predictions, when its labels are
    /// the four FNC-1 stances.
    pub fn fnc_score(&self) -> Option<f64> {
        let roles = fnc_roles(&self.labels)?;
        let mut score = 0.0;
        let mut max = 0.0;
        for (t, row) in self.confusion.iter().enumerate() {
            let gold_related = roles[t] != FncRole::Unrelated;
            for (p, &count) in row.iter().enumerate() {
                let c = count as f64;
                max += if gold_related { c } else { 0.25 * c };
                let pred_related = roles[p] != FncRole::Unrelated;
                if gold_related == pred_related {
                    score += 0.25 * c;
                    if gold_related && t == p {
                        score += 0.75 * c;
                    }
                }
            }
        }
        if max == 0.0 {
            None
        } else {
            Some(100.0 * score / max)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FncRole {
    Related,
    Unrelated,
}

/// The FNC-1 role of each label, when the label set is exactly the four stances.
fn fnc_roles(labels: &[String]) -> Option<Vec<FncRole>> {
    const STANCES: [&str; 4] = ["agree", "disagree", "discuss", "unrelated"];
    let lower: Vec<String> = labels.iter().map(|l| l.trim().to_lowercase()).collect();
    let mut sorted = lower.clone();
    sorted.sort();
    if sorted != STANCES {
        return None;
    }
    Some(
        lower
            .iter()
            .map(|l| {
                if l == "unrelated" {
                    FncRole::Unrelated
                } else {
                    FncRole::Related
                }
            })
            .collect(),
    )
}

/// The Fake News Challenge stage-1 score, as a percentage of the best achievable score.
///
/// Only defined when the label set is exactly {agree, disagree, discuss, unrelated}
/// (case-insensitive): each pair earns 0.25 for a correct related/unrelated decision, and
/// 0.75 more when the gold stance is related (agree, disagree or discuss) and predicted
/// exactly. The maximum is what the gold labels themselves would score (0.25 per unrelated
/// pair, 1 per related pair). `None` for any other label set, for empty or mismatched
/// inputs, or for indices outside `labels`.
pub fn fnc_score(y_true: &[usize], y_pred: &[usize], labels: &[String]) -> Option<f64> {
    fnc_roles(labels)?;
    ClassificationReport::new(y_true, y_pred, labels)
        .ok()?
        .fnc_score()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("c{i}")).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn assert_row(m: &ClassMetrics, expected: [f64; 4], what: &str) {
        assert!(
            close(m.precision, expected[0])
                && close(m.recall, expected[1])
                && close(m.f1, expected[2])
                && m.support as f64 == expected[3],
            "{what}: got {m:?}, expected {expected:?}"
        );
    }

    #[test]
    fn hand_computed_binary() {
        // tp=2 fp=1 fn=1 for class 1; class 0: tp=1 fp=1 fn=1.
        let r = ClassificationReport::new(&[1, 1, 1, 0, 0], &[1, 1, 0, 1, 0], &names(2)).unwrap();
        assert_eq!(r.confusion, vec![vec![1, 1], vec![1, 2]]);
        assert_row(
            &r.per_class[1],
            [2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 3.0],
            "c1",
        );
        assert_row(&r.per_class[0], [0.5, 0.5, 0.5, 2.0], "c0");
        assert!(close(r.accuracy, 0.6));
        assert!(close(r.macro_avg.f1, (0.5 + 2.0 / 3.0) / 2.0));
        assert!(close(
            r.weighted_avg.f1,
            (0.5 * 2.0 + 2.0 / 3.0 * 3.0) / 5.0
        ));
        assert_row(&r.micro_avg, [0.6, 0.6, 0.6, 5.0], "micro");
        let norm = r.normalized_confusion();
        assert!(close(norm[0][0], 0.5) && close(norm[1][2 - 1], 2.0 / 3.0));
    }

    /// Figures printed by tests/fixtures/metrics_reference.py (scikit-learn 1.9.1).
    struct Reference {
        y_true: &'static [usize],
        y_pred: &'static [usize],
        n: usize,
        per_class: &'static [[f64; 4]],
        macro_: [f64; 4],
        weighted: [f64; 4],
        accuracy: f64,
        confusion: &'static [&'static [u64]],
    }

    const REFERENCES: &[(&str, Reference)] = &[
        (
            "three_class",
            Reference {
                y_true: &[0, 0, 0, 1, 1, 2, 2, 2, 2, 0, 1, 2],
                y_pred: &[0, 1, 0, 1, 2, 2, 2, 0, 2, 0, 1, 1],
                n: 3,
                per_class: &[
                    [0.75, 0.75, 0.75, 4.0],
                    [0.5, 0.6666666666666666, 0.5714285714285714, 3.0],
                    [0.75, 0.6, 0.6666666666666666, 5.0],
                ],
                macro_: [
                    0.6666666666666666,
                    0.6722222222222222,
                    0.6626984126984127,
                    12.0,
                ],
                weighted: [0.6875, 0.6666666666666666, 0.6706349206349206, 12.0],
                accuracy: 0.6666666666666666,
                confusion: &[&[3, 1, 0], &[0, 2, 1], &[1, 1, 3]],
            },
        ),
        (
            "never_predicted",
            Reference {
                y_true: &[0, 0, 2, 2, 2, 3, 3, 0, 2, 3, 0],
                y_pred: &[0, 1, 2, 2, 0, 0, 2, 0, 2, 1, 0],
                n: 4,
                per_class: &[
                    [0.6, 0.75, 0.6666666666666666, 4.0],
                    [0.0, 0.0, 0.0, 0.0],
                    [0.75, 0.75, 0.75, 4.0],
                    [0.0, 0.0, 0.0, 3.0],
                ],
                macro_: [0.3375, 0.375, 0.35416666666666663, 11.0],
                weighted: [
                    0.49090909090909096,
                    0.5454545454545454,
                    0.5151515151515151,
                    11.0,
                ],
                accuracy: 0.5454545454545454,
                confusion: &[&[3, 1, 0, 0], &[0, 0, 0, 0], &[1, 0, 3, 0], &[1, 1, 1, 0]],
            },
        ),
        (
            "absent_label",
            Reference {
                y_true: &[0, 1, 1, 0, 1, 3, 3, 0],
                y_pred: &[0, 1, 0, 0, 1, 3, 1, 1],
                n: 4,
                per_class: &[
                    [
                        0.6666666666666666,
                        0.6666666666666666,
                        0.6666666666666666,
                        3.0,
                    ],
                    [0.5, 0.6666666666666666, 0.5714285714285714, 3.0],
                    [0.0, 0.0, 0.0, 0.0],
                    [1.0, 0.5, 0.6666666666666666, 2.0],
                ],
                macro_: [
                    0.5416666666666666,
                    0.4583333333333333,
                    0.47619047619047616,
                    8.0,
                ],
                weighted: [0.6875, 0.625, 0.6309523809523809, 8.0],
                accuracy: 0.625,
                confusion: &[&[2, 1, 0, 0], &[1, 2, 0, 0], &[0, 0, 0, 0], &[0, 1, 0, 1]],
            },
        ),
    ];

    #[test]
    fn matches_scikit_learn() {
        for (name, r) in REFERENCES {
            let rep = ClassificationReport::new(r.y_true, r.y_pred, &names(r.n)).unwrap();
            for (c, expected) in r.per_class.iter().enumerate() {
                assert_row(&rep.per_class[c], *expected, &format!("{name} class {c}"));
            }
            assert_row(&rep.macro_avg, r.macro_, &format!("{name} macro"));
            assert_row(&rep.weighted_avg, r.weighted, &format!("{name} weighted"));
            assert!(close(rep.accuracy, r.accuracy), "{name} accuracy");
            let acc = r.accuracy;
            assert_row(&rep.micro_avg, [acc, acc, acc, r.y_true.len() as f64], name);
            let expected: Vec<Vec<u64>> = r.confusion.iter().map(|row| row.to_vec()).collect();
            assert_eq!(rep.confusion, expected, "{name} confusion");
        }
    }

    #[test]
    fn rejects_bad_input() {
        let l = names(2);
        assert!(matches!(
            ClassificationReport::new(&[0, 1], &[0], &l),
            Err(EvalError::LengthMismatch { .. })
        ));
        assert_eq!(
            ClassificationReport::new(&[0, 1], &[0, 2], &l),
            Err(EvalError::LabelOutOfRange {
                what: "y_pred",
                position: 1,
                index: 2,
                n_labels: 2
            })
        );
        assert_eq!(
            ClassificationReport::new(&[], &[], &[]),
            Err(EvalError::NoLabels)
        );
        // Empty but labelled: all zeros, no NaN.
        let r = ClassificationReport::new(&[], &[], &l).unwrap();
        assert_eq!(r.accuracy, 0.0);
        assert_eq!(r.weighted_avg.f1, 0.0);
    }

    #[test]
    fn fnc_score_hand_case() {
        let labels: Vec<String> = ["Agree", "disagree", "discuss", "UNRELATED"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (agree, disagree, discuss, unrelated) = (0, 1, 2, 3);
        let y_true = [
            agree, agree, disagree, discuss, unrelated, unrelated, unrelated, discuss,
        ];
        let y_pred = [
            agree, discuss, unrelated, discuss, unrelated, agree, unrelated, disagree,
        ];
        // Scores: 1, 0.25, 0, 1, 0.25, 0, 0.25, 0.25 = 3.0.
        // Maximum: 5 related × 1 + 3 unrelated × 0.25 = 5.75.
        let s = fnc_score(&y_true, &y_pred, &labels).unwrap();
        assert!(close(s, 100.0 * 3.0 / 5.75), "{s}");
        assert!(close(fnc_score(&y_true, &y_true, &labels).unwrap(), 100.0));
        // Label order does not matter, only the set.
        let shuffled: Vec<String> = ["unrelated", "discuss", "agree", "disagree"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let remap = |v: &[usize]| v.iter().map(|&c| [2, 3, 1, 0][c]).collect::<Vec<_>>();
        let s2 = fnc_score(&remap(&y_true), &remap(&y_pred), &shuffled).unwrap();
        assert!(close(s, s2));
        // Not the FNC label set, or nothing to score.
        assert_eq!(fnc_score(&[0, 1], &[0, 1], &names(2)), None);
        let mut five = labels.clone();
        five.push("other".into());
        assert_eq!(fnc_score(&[0], &[0], &five), None);
        assert_eq!(fnc_score(&[], &[], &labels), None);
    }
}
