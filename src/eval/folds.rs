//! k-fold assignment: stratified, and stratified under a grouping constraint.
//!
//! Both functions return the fold index of every sample (a vector parallel to `y`), so a
//! split is one small, serialisable vector and [`train_test_indices`] recovers any fold's
//! halves. Randomness comes only from a `ChaCha8Rng` seeded with the caller's seed: the
//! same inputs and seed give the same folds on every platform and thread count.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashMap;

use super::EvalError;

fn check_k(k: usize, n: usize, unit: &'static str) -> Result<(), EvalError> {
    if k < 2 {
        return Err(EvalError::TooFewFolds { k });
    }
    if k > n {
        return Err(EvalError::TooManyFolds { k, n, unit });
    }
    Ok(())
}

/// Stratified k-fold: every class is spread as evenly as possible over the folds.
///
/// Each class's members are shuffled (one seeded `ChaCha8Rng` for the whole call, classes
/// taken in index order) and dealt round-robin. The dealing position carries over from one
/// class to the next instead of restarting at fold 0, so each fold's count of any class
/// differs from another fold's by at most one *and* the fold sizes differ by at most one
/// (restarting at fold 0 would give the first folds one extra document per class).
///
/// Errors when `k < 2` or `k > y.len()`. A class with fewer than `k` members cannot be in
/// every fold; that is not an error (scikit-learn only warns): see [`fold_warnings`].
pub fn stratified_folds(y: &[usize], k: usize, seed: u64) -> Result<Vec<usize>, EvalError> {
    check_k(k, y.len(), "samples")?;
    let n_classes = y.iter().max().map_or(0, |&m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &c) in y.iter().enumerate() {
        members[c].push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut folds = vec![0usize; y.len()];
    let mut next = 0usize;
    for class_members in &mut members {
        class_members.shuffle(&mut rng);
        for &i in class_members.iter() {
            folds[i] = next;
            next = (next + 1) % k;
        }
    }
    Ok(folds)
}

/// Stratified k-fold that never splits a group: all rows sharing a `groups` value (e.g. the
/// FNC-1 `Body ID`, so no article body is both trained on and tested on) land in one fold.
///
/// Exact stratification is impossible under that constraint, so the split is greedy:
/// groups are shuffled with the seed, then stably sorted by size, largest first (big groups
/// are hardest to place, so they go while the folds are still empty, as in
/// longest-processing-time scheduling); each group then goes to the fold where adding it
/// least increases the chi-square-like discrepancy
///
/// `Σ_classes (count_fc − n_c/k)² / (n_c/k) + (size_f − n/k)² / (n/k)`
///
/// i.e. each fold's class counts are pulled toward their fair share, rare classes weighing
/// as much as common ones relative to their size, and the extra size term keeps the fold
/// sizes balanced. Ties go to the smaller fold, then the lower fold index. While some folds
/// are still empty and only as many groups remain as there are empty folds, the group goes
/// to an empty fold, so no fold is ever left empty.
///
/// Errors when `k < 2`, when there are fewer distinct groups than `k`, or when `groups` and
/// `y` differ in length.
pub fn grouped_stratified_folds(
    y: &[usize],
    groups: &[String],
    k: usize,
    seed: u64,
) -> Result<Vec<usize>, EvalError> {
    if groups.len() != y.len() {
        return Err(EvalError::LengthMismatch {
            what: "groups (one per sample)",
            expected: y.len(),
            got: groups.len(),
        });
    }
    if k < 2 {
        return Err(EvalError::TooFewFolds { k });
    }
    // Groups in order of first appearance, so the result depends on the data order and the
    // seed only, never on hash iteration order.
    let mut group_of: FxHashMap<&str, usize> = FxHashMap::default();
    let mut group_members: Vec<Vec<usize>> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let next_id = group_members.len();
        let id = *group_of.entry(g.as_str()).or_insert(next_id);
        if id == next_id {
            group_members.push(Vec::new());
        }
        group_members[id].push(i);
    }
    check_k(k, group_members.len(), "groups")?;

    let n_classes = y.iter().max().map_or(0, |&m| m + 1);
    let mut class_total = vec![0usize; n_classes];
    for &c in y {
        class_total[c] += 1;
    }
    // Sparse class counts per group: (class, count), sorted by class.
    let group_counts: Vec<Vec<(usize, usize)>> = group_members
        .iter()
        .map(|m| {
            let mut counts: Vec<(usize, usize)> = Vec::new();
            let mut classes: Vec<usize> = m.iter().map(|&i| y[i]).collect();
            classes.sort_unstable();
            for c in classes {
                match counts.last_mut() {
                    Some((last, n)) if *last == c => *n += 1,
                    _ => counts.push((c, 1)),
                }
            }
            counts
        })
        .collect();

    let mut order: Vec<usize> = (0..group_members.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order.sort_by(|&a, &b| group_members[b].len().cmp(&group_members[a].len()));

    let kf = k as f64;
    let target_size = y.len() as f64 / kf;
    let target_class: Vec<f64> = class_total.iter().map(|&t| t as f64 / kf).collect();
    let mut fold_class = vec![vec![0f64; n_classes]; k];
    let mut fold_size = vec![0usize; k];
    let mut empty_folds = k;
    let mut folds = vec![0usize; y.len()];

    for (placed, &g) in order.iter().enumerate() {
        let remaining = order.len() - placed;
        let only_empty = empty_folds > 0 && remaining <= empty_folds;
        let s = group_members[g].len() as f64;
        let mut best: Option<(f64, usize, usize)> = None; // (cost, size, fold)
        for f in 0..k {
            if only_empty && fold_size[f] > 0 {
                continue;
            }
            // Increase of (a + x − t)² / t over (a − t)² / t is x (2(a − t) + x) / t.
            let mut cost = s * (2.0 * (fold_size[f] as f64 - target_size) + s) / target_size;
            for &(c, n) in &group_counts[g] {
                let x = n as f64;
                cost += x * (2.0 * (fold_class[f][c] - target_class[c]) + x) / target_class[c];
            }
            let better = match best {
                None => true,
                Some((bc, bs, _)) => {
                    cost < bc - 1e-9 || ((cost - bc).abs() <= 1e-9 && fold_size[f] < bs)
                }
            };
            if better {
                best = Some((cost, fold_size[f], f));
            }
        }
        let (_, _, f) = best.expect("k >= 2 folds always offer a candidate");
        if fold_size[f] == 0 {
            empty_folds -= 1;
        }
        fold_size[f] += group_members[g].len();
        for &(c, n) in &group_counts[g] {
            fold_class[f][c] += n as f64;
        }
        for &i in &group_members[g] {
            folds[i] = f;
        }
    }
    Ok(folds)
}

/// The training and test sample indices (ascending) for one fold of a fold assignment.
/// A fold number that no sample has gives an empty test set.
pub fn train_test_indices(folds: &[usize], fold: usize) -> (Vec<usize>, Vec<usize>) {
    let mut train = Vec::with_capacity(folds.len());
    let mut test = Vec::new();
    for (i, &f) in folds.iter().enumerate() {
        if f == fold {
            test.push(i);
        } else {
            train.push(i);
        }
    }
    (train, test)
}

/// A property of a split that makes some figures less trustworthy, without making the
/// split invalid: the caller decides whether and how to show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FoldWarning {
    /// Fewer members than folds (scikit-learn's "The least populated class in y has only
    /// N members" warning): some test folds have none of this class, and their per-class
    /// figures for it are 0 by the zero_division = 0 rule.
    ClassSmallerThanFolds {
        /// Class index.
        class: usize,
        /// Its number of samples.
        members: usize,
        /// Number of folds.
        k: usize,
    },
    /// Every member is in this one fold, so the model tested on it never saw the class.
    ClassMissingFromTraining {
        /// Class index.
        class: usize,
        /// The only fold holding it.
        fold: usize,
    },
    /// The class has at least k members but a grouping kept it out of these test folds.
    ClassAbsentFromTestFolds {
        /// Class index.
        class: usize,
        /// Folds without any member of the class.
        folds: Vec<usize>,
    },
}

impl FoldWarning {
    /// A one-line explanation using the label names (falls back to the index).
    pub fn describe(&self, labels: &[String]) -> String {
        let name = |c: usize| {
            labels
                .get(c)
                .map_or_else(|| format!("#{c}"), |l| format!("'{l}'"))
        };
        match self {
            FoldWarning::ClassSmallerThanFolds { class, members, k } => format!(
                "class {} has only {members} member(s), fewer than the {k} folds: some test folds lack it",
                name(*class)
            ),
            FoldWarning::ClassMissingFromTraining { class, fold } => format!(
                "class {} occurs only in fold {fold}: the model tested on that fold never saw it",
                name(*class)
            ),
            FoldWarning::ClassAbsentFromTestFolds { class, folds } => format!(
                "class {} is absent from test fold(s) {:?} (grouping kept it out)",
                name(*class),
                folds
            ),
        }
    }
}

/// Everything questionable about a fold assignment, in class order: classes smaller than
/// `k`, classes confined to one fold, and classes that a grouping kept out of some folds.
pub fn fold_warnings(y: &[usize], folds: &[usize], k: usize) -> Vec<FoldWarning> {
    let n_classes = y.iter().max().map_or(0, |&m| m + 1);
    let mut per_fold = vec![vec![0usize; k]; n_classes];
    for (&c, &f) in y.iter().zip(folds) {
        if f < k {
            per_fold[c][f] += 1;
        }
    }
    let mut warnings = Vec::new();
    for (class, counts) in per_fold.iter().enumerate() {
        let members: usize = counts.iter().sum();
        if members == 0 {
            continue;
        }
        if members < k {
            warnings.push(FoldWarning::ClassSmallerThanFolds { class, members, k });
        } else {
            let absent: Vec<usize> = (0..k).filter(|&f| counts[f] == 0).collect();
            if !absent.is_empty() {
                warnings.push(FoldWarning::ClassAbsentFromTestFolds {
                    class,
                    folds: absent,
                });
            }
        }
        if let Some(fold) = (0..k).find(|&f| counts[f] == members) {
            warnings.push(FoldWarning::ClassMissingFromTraining { class, fold });
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(y: &[usize], folds: &[usize], k: usize) -> Vec<Vec<usize>> {
        let n_classes = y.iter().max().unwrap() + 1;
        let mut m = vec![vec![0; n_classes]; k];
        for (&c, &f) in y.iter().zip(folds) {
            m[f][c] += 1;
        }
        m
    }

    fn imbalanced(n: usize) -> Vec<usize> {
        // Classes of sizes roughly 50%, 30%, 15%, 5%, in a scrambled order.
        (0..n)
            .map(|i| match (i * 7919) % 20 {
                0..=9 => 0,
                10..=15 => 1,
                16..=18 => 2,
                _ => 3,
            })
            .collect()
    }

    #[test]
    fn stratified_class_counts_and_sizes_differ_by_at_most_one() {
        for &(n, k) in &[(103, 5), (50, 10), (7, 7), (1000, 3)] {
            let y = imbalanced(n);
            let folds = stratified_folds(&y, k, 42).unwrap();
            let m = counts(&y, &folds, k);
            for c in 0..m[0].len() {
                let col: Vec<usize> = m.iter().map(|r| r[c]).collect();
                let (lo, hi) = (col.iter().min().unwrap(), col.iter().max().unwrap());
                assert!(hi - lo <= 1, "n={n} k={k} class {c}: {col:?}");
            }
            let sizes: Vec<usize> = m.iter().map(|r| r.iter().sum()).collect();
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "n={n} k={k} sizes {sizes:?}");
        }
    }

    #[test]
    fn stratified_is_deterministic_and_seed_dependent() {
        let y = imbalanced(200);
        let a = stratified_folds(&y, 5, 7).unwrap();
        assert_eq!(a, stratified_folds(&y, 5, 7).unwrap());
        assert_ne!(a, stratified_folds(&y, 5, 8).unwrap());
    }

    #[test]
    fn stratified_rejects_bad_k() {
        let y = vec![0, 1, 0, 1];
        assert_eq!(
            stratified_folds(&y, 1, 0),
            Err(EvalError::TooFewFolds { k: 1 })
        );
        assert_eq!(
            stratified_folds(&y, 5, 0),
            Err(EvalError::TooManyFolds {
                k: 5,
                n: 4,
                unit: "samples"
            })
        );
        assert!(stratified_folds(&[], 2, 0).is_err());
        assert_eq!(stratified_folds(&y, 4, 0).unwrap().len(), 4);
    }

    #[test]
    fn small_classes_are_reported() {
        // Class 1 has 2 members for 3 folds; class 2 a single member.
        let y = vec![0, 0, 0, 0, 0, 0, 1, 1, 2];
        let folds = stratified_folds(&y, 3, 1).unwrap();
        let w = fold_warnings(&y, &folds, 3);
        assert!(w.contains(&FoldWarning::ClassSmallerThanFolds {
            class: 1,
            members: 2,
            k: 3
        }));
        assert!(w.contains(&FoldWarning::ClassSmallerThanFolds {
            class: 2,
            members: 1,
            k: 3
        }));
        assert!(w.contains(&FoldWarning::ClassMissingFromTraining {
            class: 2,
            fold: folds[8]
        }));
        assert!(!w
            .iter()
            .any(|w| matches!(w, FoldWarning::ClassSmallerThanFolds { class: 0, .. })));
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert!(w[0].describe(&labels).contains("'b'"));
        // A well-populated split has nothing to say.
        let y = imbalanced(100);
        assert!(fold_warnings(&y, &stratified_folds(&y, 5, 0).unwrap(), 5).is_empty());
    }

    #[test]
    fn train_test_split_partitions() {
        let folds = vec![0, 1, 2, 0, 1, 2, 0];
        let (train, test) = train_test_indices(&folds, 0);
        assert_eq!(test, vec![0, 3, 6]);
        assert_eq!(train, vec![1, 2, 4, 5]);
        let (train, test) = train_test_indices(&folds, 9);
        assert!(test.is_empty());
        assert_eq!(train.len(), 7);
    }

    fn grouped_fixture() -> (Vec<usize>, Vec<String>) {
        // 60 groups of sizes 1..=12 (like bodies with several headlines), stance mixture
        // varying by group.
        let mut y = Vec::new();
        let mut groups = Vec::new();
        for g in 0..60usize {
            let size = 1 + (g * 37) % 12;
            for j in 0..size {
                groups.push(format!("body-{g}"));
                y.push(match (g * 3 + j * 5) % 10 {
                    0..=5 => 3,
                    6 | 7 => 2,
                    8 => 0,
                    _ => 1,
                });
            }
        }
        (y, groups)
    }

    #[test]
    fn grouped_never_splits_a_group_and_balances() {
        let (y, groups) = grouped_fixture();
        let k = 5;
        let folds = grouped_stratified_folds(&y, &groups, k, 3).unwrap();
        let mut fold_of_group: FxHashMap<&str, usize> = FxHashMap::default();
        for (g, &f) in groups.iter().zip(&folds) {
            assert_eq!(*fold_of_group.entry(g).or_insert(f), f, "group {g} split");
        }
        let m = counts(&y, &folds, k);
        let n = y.len() as f64;
        for (f, row) in m.iter().enumerate() {
            let size: usize = row.iter().sum();
            // Within 10% of the fair share n/k.
            assert!(
                (size as f64 - n / k as f64).abs() <= 0.1 * n / k as f64,
                "fold {f} size {size} of {n}"
            );
            for (c, &cnt) in row.iter().enumerate() {
                let total: usize = m.iter().map(|r| r[c]).sum();
                let share = total as f64 / k as f64;
                assert!(
                    (cnt as f64 - share).abs() <= 0.25 * share + 2.0,
                    "fold {f} class {c}: {cnt} vs fair {share}"
                );
            }
        }
        assert_eq!(folds, grouped_stratified_folds(&y, &groups, k, 3).unwrap());
    }

    /// On the real FNC-1 training set, grouped by Body ID: no body in two folds, fold sizes
    /// within 0.5% of n/k, and every stance's share within 0.5 percentage points of its
    /// corpus share in every fold.
    #[test]
    fn grouped_folds_on_fnc1_bodies() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/datasets/fnc1/train_stances.csv");
        if !path.is_file() {
            eprintln!("skipping: {} not found", path.display());
            return;
        }
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let stances = ["agree", "disagree", "discuss", "unrelated"];
        let (mut y, mut groups) = (Vec::new(), Vec::new());
        for rec in reader.records() {
            let rec = rec.unwrap();
            groups.push(rec[1].to_string());
            y.push(stances.iter().position(|s| *s == &rec[2]).unwrap());
        }
        let k = 5;
        let folds = grouped_stratified_folds(&y, &groups, k, 42).unwrap();
        let mut fold_of_group: FxHashMap<&str, usize> = FxHashMap::default();
        for (g, &f) in groups.iter().zip(&folds) {
            assert_eq!(*fold_of_group.entry(g).or_insert(f), f, "body {g} split");
        }
        let m = counts(&y, &folds, k);
        let n = y.len() as f64;
        let mut worst_size = 0f64;
        let mut worst_share = 0f64;
        for row in &m {
            let size: usize = row.iter().sum();
            worst_size = worst_size.max((size as f64 / (n / k as f64) - 1.0).abs());
            for (c, &cnt) in row.iter().enumerate() {
                let total: usize = m.iter().map(|r| r[c]).sum();
                let dev = (cnt as f64 / size as f64 - total as f64 / n).abs();
                worst_share = worst_share.max(dev);
            }
        }
        eprintln!(
            "FNC-1 grouped 5-fold: {} rows, {} bodies, worst size deviation {:.2}%, \
             worst stance-share deviation {:.2} pp",
            y.len(),
            fold_of_group.len(),
            100.0 * worst_size,
            100.0 * worst_share
        );
        assert!(
            worst_size <= 0.005,
            "fold sizes off by {:.2}%",
            100.0 * worst_size
        );
        assert!(
            worst_share <= 0.005,
            "stance shares off by {:.2} pp",
            100.0 * worst_share
        );
    }

    #[test]
    fn grouped_errors_and_edge_cases() {
        let y = vec![0, 1, 0];
        let g: Vec<String> = ["a", "a", "b"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            grouped_stratified_folds(&y, &g, 3, 0),
            Err(EvalError::TooManyFolds {
                k: 3,
                n: 2,
                unit: "groups"
            })
        );
        assert!(matches!(
            grouped_stratified_folds(&y, &g[..2], 2, 0),
            Err(EvalError::LengthMismatch { .. })
        ));
        // Exactly k groups: one per fold, none empty, even when one group dwarfs the rest.
        let y = vec![0; 10];
        let g: Vec<String> = (0..10)
            .map(|i| if i < 8 { "big".into() } else { format!("s{i}") })
            .collect();
        let folds = grouped_stratified_folds(&y, &g, 3, 0).unwrap();
        let mut seen = folds.clone();
        seen.sort();
        seen.dedup();
        assert_eq!(seen, vec![0, 1, 2]);
    }
}
