//! Multinomial (softmax) logistic regression with an L2 penalty, fitted by L-BFGS on the
//! exact sparse gradient.
//!
//! The objective follows scikit-learn's `LogisticRegression(solver="lbfgs")` so that `C` and
//! `tol` mean the same thing in both:
//!
//! ```text
//! f(W, b) = (1/S) Σ_i s_i · logloss_i(W, b) + ‖W‖² / (2 C S),      S = Σ_i s_i
//! ```
//!
//! which has the same minimiser as `C Σ s_i logloss_i + ½‖W‖²` (the intercept is not
//! penalised); sample weights `s_i` are the class weights of each sample's class.
//!
//! Stopping. scikit-learn passes `tol` to scipy's L-BFGS-B as `gtol`, which stops as soon as
//! `max_i |∂f/∂θ_i| <= tol` (no bounds, so the projected gradient is the gradient), and sets
//! `ftol = 64 ε`. Unpreconditioned, the optimiser here makes the same first step (unit
//! length along `-g`) and uses the same sufficient-decrease and curvature constants in its
//! line search (1e-3, 0.9), so on 20 Newsgroups its objective tracked scipy's iteration by
//! iteration; but `max |g|` oscillates by 10× from one iteration to the next, and where a
//! path first dips under `tol` is luck: on the two 20 Newsgroups matrices measured, the
//! textclf path dipped 9 and 18 iterations *before* scipy's, up to three times further from
//! the optimum. So the gradient test is confirmed by a progress test: fitting stops when
//! `max |g| <= tol` **and** the last iteration lowered `f` by at most `tol` relative to `f`
//! (or when the decrease is below 64 ε, as scipy, or after `max_iter` iterations). Each
//! test alone is scikit-learn's `tol` on the same scale, and both read the true objective and
//! gradient, preconditioned or not.
//!
//! Preconditioning. TF-IDF columns differ in scale by orders of magnitude, so the Hessian is
//! badly conditioned along the coordinate axes and L-BFGS started from `γ I` spends many
//! iterations learning that. The fit therefore runs L-BFGS in scaled coordinates
//! `θ' = σ ⊙ θ`, `σ` a power of the Hessian's diagonal at W = 0 (one pass over the data,
//! [`SoftmaxObjective::preconditioner`]), which is L-BFGS with a diagonal initial inverse
//! Hessian while the vector-free recursion stays as it is ([`ScaledObjective`]). On 20
//! Newsgroups it stops after 28 iterations instead of 86, at a lower objective than before
//! and than scikit-learn's (benches/README.md).
//!
//! Speed on text: the data is cut into blocks of rows, each stored column by column
//! (`RowBlocks`). The forward pass runs over row blocks in parallel, visiting each block's
//! features in increasing order, so a row's scores are its own sum in its own feature order
//! and do not depend on the thread count; the backward pass runs over *tiles of features*
//! in parallel, walking the row blocks in order, so each gradient entry is one sequential
//! sum in row order and no cross-thread reduction is needed at all. (More than 32 classes,
//! or rows whose features are not sorted: the same sums row by row and feature by feature
//! on a transposed copy.) Every dot product of the optimiser is summed over a fixed chunk
//! partition in a fixed order, so the fitted weights are bit-identical whatever the number
//! of threads.

use super::{softmax_rows, ClassWeight, ModelError, ModelSettings};
use crate::features::{Csr, SparseRecords};
use linfa::dataset::{DatasetBase, Records};
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Checked hyperparameters of [`LogisticRegression`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticRegressionValidParams {
    c: f64,
    tol: f64,
    max_iter: usize,
    fit_intercept: bool,
    class_weight: ClassWeight,
    n_classes: usize,
    history: usize,
}

/// Unchecked hyperparameters of [`LogisticRegression`]; `fit` checks them first.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticRegressionParams(LogisticRegressionValidParams);

impl LogisticRegressionParams {
    /// Defaults as scikit-learn's (`C = 1`, `tol = 1e-4`, `max_iter = 100`) for `n_classes` outputs.
    pub fn new(n_classes: usize) -> Self {
        LogisticRegressionParams(LogisticRegressionValidParams {
            c: 1.0,
            tol: 1e-4,
            max_iter: 100,
            fit_intercept: true,
            class_weight: ClassWeight::None,
            n_classes,
            history: 10,
        })
    }
    /// Inverse L2 strength: larger `c` fits the training data more closely.
    pub fn c(mut self, c: f64) -> Self {
        self.0.c = c;
        self
    }
    /// Stop when every gradient component of the mean-scaled objective is at most `tol` in
    /// absolute value (scikit-learn's `tol`) and the last iteration lowered the objective by
    /// at most `tol` relative to its value (see the module docs for why both).
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }
    /// Upper bound on L-BFGS iterations.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.0.max_iter = max_iter;
        self
    }
    /// Whether to learn an (unpenalised) intercept per class.
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.0.fit_intercept = fit_intercept;
        self
    }
    /// Per-class loss weights, applied as sample weights.
    pub fn class_weight(mut self, class_weight: ClassWeight) -> Self {
        self.0.class_weight = class_weight;
        self
    }
    /// Number of outputs; every target must be smaller.
    pub fn n_classes(mut self, n_classes: usize) -> Self {
        self.0.n_classes = n_classes;
        self
    }
    /// Maximum number of L-BFGS correction pairs kept (fewer are kept when memory would
    /// exceed about 1 GiB, so that 100 classes × 300k features still fit).
    pub fn history(mut self, history: usize) -> Self {
        self.0.history = history;
        self
    }
}

impl ParamGuard for LogisticRegressionParams {
    type Checked = LogisticRegressionValidParams;
    type Error = ModelError;

    fn check_ref(&self) -> Result<&Self::Checked, ModelError> {
        let p = &self.0;
        if !(p.c.is_finite() && p.c > 0.0) {
            return Err(ModelError::InvalidParam(format!(
                "logreg C must be a finite number > 0, got {}",
                p.c
            )));
        }
        if !(p.tol.is_finite() && p.tol > 0.0) {
            return Err(ModelError::InvalidParam(format!(
                "logreg tol must be a finite number > 0, got {}",
                p.tol
            )));
        }
        if p.max_iter < 1 {
            return Err(ModelError::InvalidParam(
                "logreg max_iter must be at least 1, got 0".into(),
            ));
        }
        if p.n_classes < 2 {
            return Err(ModelError::InvalidParam(format!(
                "logreg needs at least 2 classes, got {}",
                p.n_classes
            )));
        }
        if p.history < 1 {
            return Err(ModelError::InvalidParam(
                "logreg L-BFGS history must be at least 1, got 0".into(),
            ));
        }
        check_class_weight(&p.class_weight, "logreg")?;
        Ok(p)
    }

    fn check(self) -> Result<Self::Checked, ModelError> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Rejects explicit class weights that are negative or not finite.
pub(crate) fn check_class_weight(cw: &ClassWeight, family: &str) -> Result<(), ModelError> {
    if let ClassWeight::Explicit(w) = cw {
        if let Some((i, v)) = w
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
        {
            return Err(ModelError::InvalidParam(format!(
                "{family} class weight for class {i} must be finite and >= 0, got {v}"
            )));
        }
    }
    Ok(())
}

/// The matrix in CSR storage (a CSC-stored one is converted).
pub(crate) fn as_csr(x: &Csr) -> std::borrow::Cow<'_, Csr> {
    if x.is_csr() {
        std::borrow::Cow::Borrowed(x)
    } else {
        std::borrow::Cow::Owned(x.to_csr())
    }
}

/// A fitted multinomial logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    n_classes: usize,
    n_features: usize,
    /// Row-major n_classes × n_features (kept flat so the model file needs no ndarray serde).
    #[serde(with = "crate::packed::f32s")]
    weights: Vec<f32>,
    #[serde(with = "crate::packed::f32s")]
    intercept: Vec<f32>,
    n_iter: usize,
}

impl LogisticRegression {
    /// Hyperparameters from the command-line settings (`c`, `tol`, `max_iter`, `fit_intercept`,
    /// `class_weight`).
    pub fn params_from(settings: &ModelSettings, n_classes: usize) -> LogisticRegressionParams {
        LogisticRegressionParams::new(n_classes)
            .c(settings.c as f64)
            .tol(settings.tol as f64)
            .max_iter(settings.max_iter)
            .fit_intercept(settings.fit_intercept)
            .class_weight(settings.class_weight.clone())
    }
    /// Linear scores (n_samples × n_classes): the log-odds up to a per-row constant.
    pub fn decision_function(&self, x: &SparseRecords) -> Array2<f32> {
        super::linear_scores_flat(x, &self.weights, &self.intercept)
    }
    /// Softmax probabilities (rows sum to 1).
    pub fn predict_proba(&self, x: &SparseRecords) -> Array2<f32> {
        let mut s = self.decision_function(x);
        softmax_rows(&mut s);
        s
    }
    /// Number of outputs.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }
    /// Number of input features seen in training.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
    /// Weights, n_classes × n_features.
    pub fn feature_weights(&self) -> Array2<f32> {
        Array2::from_shape_vec((self.n_classes, self.n_features), self.weights.clone())
            .expect("shape matches buffer")
    }
    /// Intercept of each class.
    pub fn intercept(&self) -> Array1<f32> {
        Array1::from(self.intercept.clone())
    }
    /// L-BFGS iterations the fit took (equal to `max_iter` when it did not converge).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
}

/// `model.predict(&records)` on sparse records (linfa's blanket impls cover only dense
/// arrays and datasets).
impl linfa::traits::Predict<&SparseRecords, Array1<usize>> for LogisticRegression {
    fn predict(&self, x: &SparseRecords) -> Array1<usize> {
        super::argmax_rows(&self.decision_function(x))
    }
}

impl PredictInplace<SparseRecords, Array1<usize>> for LogisticRegression {
    fn predict_inplace<'a>(&'a self, x: &'a SparseRecords, y: &mut Array1<usize>) {
        let pred = super::argmax_rows(&self.decision_function(x));
        // linfa's contract sizes `y` with default_target; tolerate a wrong size rather than panic.
        if y.len() == pred.len() {
            y.assign(&pred);
        } else {
            *y = pred;
        }
    }
    fn default_target(&self, x: &SparseRecords) -> Array1<usize> {
        Array1::zeros(x.nsamples())
    }
}

/// Length of the fixed chunks that parallel reductions sum over, so their rounding never
/// depends on the thread count.
const CHUNK: usize = 1 << 14;

/// Deterministic parallel dot product.
pub(crate) fn pdot(a: &[f64], b: &[f64]) -> f64 {
    let parts: Vec<f64> = a
        .par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(x, y)| dot64(x, y))
        .collect();
    parts.iter().sum()
}

/// Number of independent accumulators of the dot products below: a single running sum is
/// bound by the latency of one add per element; eight lanes let the compiler use SIMD and
/// keep the summation order fixed (so results stay independent of the machine's threads).
const LANES: usize = 8;

/// Sum of products of `a` and `b` (converted to f64 by `fa`, `fb`) in [`LANES`] lanes.
#[inline(always)]
fn dot_lanes<A: Copy, B: Copy>(
    a: &[A],
    b: &[B],
    fa: impl Fn(A) -> f64,
    fb: impl Fn(B) -> f64,
) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f64; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            acc[l] += fa(x[l]) * fb(y[l]);
        }
    }
    for (l, (x, y)) in ra.iter().zip(rb).enumerate() {
        acc[l] += fa(*x) * fb(*y);
    }
    acc.iter().sum()
}

/// Defines `$name` as a function that runs `$body` compiled for AVX2 when the CPU has it
/// and for the baseline target otherwise. Written `fn name<const K> => body(...)`, both are
/// generic over `K`, the class count fixed at compile time (see [`with_classes!`]).
///
/// Why: the release build targets baseline x86-64 (SSE2, two f64 lanes); the hot loops of the
/// fit are lane-parallel arithmetic that AVX2 runs twice as wide. Rust never fuses a multiply
/// and an add on its own, and every loop keeps its explicit summation order, so both versions
/// give bit-identical results: the fitted model does not depend on the CPU's features either.
macro_rules! multiversion {
    ($(#[$m:meta])* fn $name:ident $(<const $k:ident>)? => $body:ident ( $($a:ident : $t:ty),* ) -> $r:ty) => {
        $(#[$m])*
        #[allow(clippy::too_many_arguments)]
        fn $name$(<const $k: usize>)?($($a: $t),*) -> $r {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn wide$(<const $k: usize>)?($($a: $t),*) -> $r {
                    $body$(::<$k>)?($($a),*)
                }
                if std::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    return unsafe { wide$(::<$k>)?($($a),*) };
                }
            }
            $body$(::<$k>)?($($a),*)
        }
    };
}

/// Calls `$f::<K>(args)` with `K = $k` when the class count is one of the compiled-in
/// sizes (2 to 32), else evaluates `$other`.
///
/// Why: with `k` known at compile time the `k` running sums of a row's scores (forward) or
/// a feature's gradient (backward) live in registers for the whole sparse loop (20 classes:
/// five AVX2 registers of f64). With a run-time `k` they were loaded from and stored to
/// memory at every non-zero, and the vectorised loop over `k` ran a scalar tail (20 = 16 +
/// 4). The arithmetic and its order are the same, so the results are bit-identical.
macro_rules! with_classes {
    ($k:expr, $f:ident ( $($a:expr),* ), $other:expr) => {
        with_classes!(@arms $k, $f, ($($a),*), $other,
            2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
    };
    (@arms $k:expr, $f:ident, $args:tt, $other:expr, $($n:literal)*) => {
        match $k {
            $($n => with_classes!(@call $f, $n, $args),)*
            _ => $other,
        }
    };
    (@call $f:ident, $n:literal, ($($a:expr),*)) => {
        $f::<$n>($($a),*)
    };
}

#[inline(always)]
fn dot64_body(a: &[f64], b: &[f64]) -> f64 {
    dot_lanes(a, b, |v| v, |v| v)
}

multiversion!(
    /// f64 dot product in [`LANES`] lanes.
    fn dot64 => dot64_body(a: &[f64], b: &[f64]) -> f64
);

/// `(s·g, y·g)` in one pass: each sum in the same [`LANES`] lanes and order as
/// an f32-by-f64 dot product through [`dot_lanes`] (so the iterates are unchanged), but `g`
/// is read once per pair instead of twice.
#[inline(always)]
fn dot2_32_64_body(s: &[f32], y: &[f32], g: &[f64]) -> (f64, f64) {
    let n = s.len().min(y.len()).min(g.len());
    let (s, y, g) = (&s[..n], &y[..n], &g[..n]);
    let (mut a, mut b) = ([0f64; LANES], [0f64; LANES]);
    let (cs, cy, cg) = (
        s.chunks_exact(LANES),
        y.chunks_exact(LANES),
        g.chunks_exact(LANES),
    );
    let (rs, ry, rg) = (cs.remainder(), cy.remainder(), cg.remainder());
    for ((xs, xy), xg) in cs.zip(cy).zip(cg) {
        for l in 0..LANES {
            a[l] += xs[l] as f64 * xg[l];
            b[l] += xy[l] as f64 * xg[l];
        }
    }
    for (l, ((xs, xy), xg)) in rs.iter().zip(ry).zip(rg).enumerate() {
        a[l] += *xs as f64 * *xg;
        b[l] += *xy as f64 * *xg;
    }
    (a.iter().sum(), b.iter().sum())
}

multiversion!(
    /// See [`dot2_32_64_body`].
    fn dot2_32_64 => dot2_32_64_body(s: &[f32], y: &[f32], g: &[f64]) -> (f64, f64)
);

/// `x += ds s + dy y` elementwise (one stored pair's share of an L-BFGS direction).
#[inline(always)]
fn add_pair_body(x: &mut [f64], s: &[f32], y: &[f32], ds: f64, dy: f64) {
    for ((xi, sv), yv) in x.iter_mut().zip(s).zip(y) {
        *xi += ds * *sv as f64 + dy * *yv as f64;
    }
}

multiversion!(
    /// See [`add_pair_body`].
    fn add_pair => add_pair_body(x: &mut [f64], s: &[f32], y: &[f32], ds: f64, dy: f64) -> ()
);

/// The new correction pair `s = t1 - t0`, `y = g1 - g0` (rounded to f32) of one chunk and,
/// from the same pass, `[s·s, s·y, y·y, s·g1, y·g1, g1·g1, max |g1|]`.
///
/// Each sum runs in the same [`LANES`] lanes and order as [`dot_lanes`] would (so the
/// iterates are those of separate dot products), but the chunk is read once instead of six
/// times, and the stopping test's `max |g|` needs no pass of its own.
#[inline(always)]
fn new_pair_stats_body(
    sc: &mut [f32],
    yc: &mut [f32],
    t0: &[f64],
    t1: &[f64],
    g0: &[f64],
    g1: &[f64],
) -> [f64; 7] {
    let n = sc.len();
    let (yc, t0, t1, g0, g1) = (&mut yc[..n], &t0[..n], &t1[..n], &g0[..n], &g1[..n]);
    let mut sums = PairSums::default();
    let full = n - n % LANES;
    for base in (0..full).step_by(LANES) {
        let (s8, y8) = (&mut sc[base..base + LANES], &mut yc[base..base + LANES]);
        let (a, b) = (&t0[base..base + LANES], &t1[base..base + LANES]);
        let (c, g) = (&g0[base..base + LANES], &g1[base..base + LANES]);
        for l in 0..LANES {
            s8[l] = (b[l] - a[l]) as f32;
            y8[l] = (g[l] - c[l]) as f32;
            sums.add(l, s8[l] as f64, y8[l] as f64, g[l]);
        }
    }
    for (l, i) in (full..n).enumerate() {
        sc[i] = (t1[i] - t0[i]) as f32;
        yc[i] = (g1[i] - g0[i]) as f32;
        sums.add(l, sc[i] as f64, yc[i] as f64, g1[i]);
    }
    sums.finish()
}

/// Per-lane running sums of [`new_pair_stats_body`]: `s·s, s·y, y·y, s·g, y·g, g·g` and
/// `max |g|`, each in [`LANES`] lanes.
#[derive(Default)]
struct PairSums {
    ss: [f64; LANES],
    sy: [f64; LANES],
    yy: [f64; LANES],
    sg: [f64; LANES],
    yg: [f64; LANES],
    gg: [f64; LANES],
    gmax: [f64; LANES],
}

impl PairSums {
    #[inline(always)]
    fn add(&mut self, l: usize, sv: f64, yv: f64, gv: f64) {
        self.ss[l] += sv * sv;
        self.sy[l] += sv * yv;
        self.yy[l] += yv * yv;
        self.sg[l] += sv * gv;
        self.yg[l] += yv * gv;
        self.gg[l] += gv * gv;
        self.gmax[l] = self.gmax[l].max(gv.abs());
    }

    /// The lanes summed in order (as [`dot_lanes`] sums them), and the largest `|g|`.
    #[inline(always)]
    fn finish(&self) -> [f64; 7] {
        let sum = |a: &[f64; LANES]| -> f64 { a.iter().sum() };
        [
            sum(&self.ss),
            sum(&self.sy),
            sum(&self.yy),
            sum(&self.sg),
            sum(&self.yg),
            sum(&self.gg),
            self.gmax.iter().fold(0.0f64, |m, v| m.max(*v)),
        ]
    }
}

multiversion!(
    /// See [`new_pair_stats_body`].
    fn new_pair_stats => new_pair_stats_body(
        sc: &mut [f32], yc: &mut [f32], t0: &[f64], t1: &[f64], g0: &[f64], g1: &[f64]
    ) -> [f64; 7]
);

/// How many non-zeros ahead the forward and backward passes prefetch the run of `k` values
/// they will read: those reads are scattered over arrays larger than the L2 cache (the
/// weights) and the hardware prefetcher cannot guess them, so without a hint each non-zero
/// waits for a cache miss.
const PREFETCH_AHEAD: usize = 16;

/// Hints the CPU to bring `v[start..start + len]` into cache (no effect on results).
#[inline(always)]
fn prefetch_run<T>(v: &[T], start: usize, len: usize) {
    let end = (start + len).min(v.len());
    if start >= end {
        return;
    }
    let base = v[start..end].as_ptr().cast::<u8>();
    let bytes = (end - start) * std::mem::size_of::<T>();
    for off in (0..bytes).step_by(64) {
        crate::hint::prefetch(base.wrapping_add(off));
    }
    // The last byte may sit on one more cache line when the run is not line-aligned.
    crate::hint::prefetch(base.wrapping_add(bytes - 1));
}

/// Scores of one row, turned into its weighted residuals `s (p - onehot(y))`; returns the
/// row's weighted loss.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn forward_row_body(
    idx: &[u32],
    val: &[f32],
    w: &[f64],
    b: &[f64],
    r: &mut [f64],
    out: &mut [f32],
    yi: usize,
    s: f64,
) -> f64 {
    let k = r.len();
    r.copy_from_slice(b);
    for (t, (&j, &v)) in idx.iter().zip(val).enumerate() {
        if let Some(&ahead) = idx.get(t + PREFETCH_AHEAD) {
            prefetch_run(w, ahead as usize * k, k);
        }
        let v = v as f64;
        let j = j as usize;
        for (z, wj) in r.iter_mut().zip(&w[j * k..j * k + k]) {
            *z += v * wj;
        }
    }
    softmax_residual(r, out, yi, s)
}

/// Turns the scores `r` of a row of class `yi` and weight `s` into its weighted residuals
/// `s (p - onehot(y))`, written to `out` in f32; returns the row's weighted loss.
#[inline(always)]
fn softmax_residual(r: &mut [f64], out: &mut [f32], yi: usize, s: f64) -> f64 {
    let zy = r[yi];
    let max = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for z in r.iter_mut() {
        *z = (*z - max).exp();
        sum += *z;
    }
    let loss = s * (max + sum.ln() - zy);
    let inv = s / sum;
    for z in r.iter_mut() {
        *z *= inv;
    }
    r[yi] -= s;
    for (o, z) in out.iter_mut().zip(r.iter()) {
        *o = *z as f32;
    }
    loss
}

multiversion!(
    /// See [`forward_row_body`].
    fn forward_row => forward_row_body(
        idx: &[u32], val: &[f32], w: &[f64], b: &[f64], r: &mut [f64], out: &mut [f32],
        yi: usize, s: f64
    ) -> f64
);

/// Gradient of one feature's `k` weights: `l2 w_j + Σ_i x_ij r_i` in column order.
#[inline(always)]
fn backward_col_body(
    idx: &[u32],
    val: &[f32],
    wj: &[f64],
    l2: f64,
    resid: &[f32],
    g: &mut [f64],
) -> f64 {
    let k = g.len();
    let mut ww = 0.0;
    for (gc, wc) in g.iter_mut().zip(wj) {
        *gc = l2 * wc;
        ww += wc * wc;
    }
    for (t, (&i, &v)) in idx.iter().zip(val).enumerate() {
        if let Some(&ahead) = idx.get(t + PREFETCH_AHEAD) {
            prefetch_run(resid, ahead as usize * k, k);
        }
        let v = v as f64;
        let i = i as usize;
        for (gc, rc) in g.iter_mut().zip(&resid[i * k..i * k + k]) {
            *gc += v * *rc as f64;
        }
    }
    ww
}

multiversion!(
    /// See [`backward_col_body`].
    fn backward_col => backward_col_body(
        idx: &[u32], val: &[f32], wj: &[f64], l2: f64, resid: &[f32], g: &mut [f64]
    ) -> f64
);

/// Scores and residuals of one block of rows stored column by column ([`RowBlocks`]), with
/// the class count fixed at `K`; writes each row's residuals to `out` and its weighted loss
/// to `losses`.
///
/// Why column order: the weights (features × `K` f64) are larger than the L2 cache and,
/// between two evaluations, the optimiser's passes over its stored pairs push them out of
/// L3 too. Row by row, every non-zero waited for its own run of weights; here a block's
/// features are visited in increasing order, so its weights are read once per block, in
/// address order, and the scattered traffic is on the block's scores, which stay in cache.
/// Each row still receives its terms in increasing feature order (the order of its CSR row),
/// so every score is the same sum, bit for bit, as the row-by-row loop's.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn forward_block_k_body<const K: usize>(
    blocks: &RowBlocks,
    block: usize,
    w: &[f64],
    b: &[f64],
    y: &[usize],
    sw: &[f64],
    scores: &mut [f64],
    out: &mut [f32],
    losses: &mut [f64],
) {
    let rows = losses.len();
    let scores = &mut scores[..rows * K];
    for z in scores.chunks_exact_mut(K) {
        z.copy_from_slice(&b[..K]);
    }
    let (cols, starts) = blocks.block(block);
    for (t, &j) in cols.iter().enumerate() {
        if let Some(&ahead) = cols.get(t + PREFETCH_AHEAD) {
            prefetch_run(w, ahead as usize * K, K);
        }
        let j = j as usize;
        let wj: [f64; K] = w[j * K..j * K + K].try_into().expect("K weights");
        for e in starts[t]..starts[t + 1] {
            let r = blocks.rows[e] as usize;
            let v = blocks.vals[e] as f64;
            let z: &mut [f64; K] = (&mut scores[r * K..r * K + K])
                .try_into()
                .expect("K scores");
            for c in 0..K {
                z[c] += v * wj[c];
            }
        }
    }
    let first = block * ROW_BLOCK;
    for (r, ((z, o), loss)) in scores
        .chunks_exact_mut(K)
        .zip(out.chunks_exact_mut(K))
        .zip(losses.iter_mut())
        .enumerate()
    {
        *loss = softmax_residual(z, o, y[first + r], sw[first + r]);
    }
}

multiversion!(
    /// See [`forward_block_k_body`].
    fn forward_block_k<const K> => forward_block_k_body(
        blocks: &RowBlocks, block: usize, w: &[f64], b: &[f64], y: &[usize], sw: &[f64],
        scores: &mut [f64], out: &mut [f32], losses: &mut [f64]
    ) -> ()
);

/// Rows per block of [`RowBlocks`] (the block's f64 scores, 256 × 20 classes = 40 KiB, stay
/// in the L1/L2 cache).
const ROW_BLOCK: usize = 256;

/// The training matrix cut into blocks of [`ROW_BLOCK`] rows, each block stored column by
/// column (its features in increasing order, each with its rows in increasing order).
struct RowBlocks {
    /// Start of each block's features in `cols` (one more entry than blocks).
    block_start: Vec<usize>,
    /// Feature of each (block, feature) pair.
    cols: Vec<u32>,
    /// Start of each pair's non-zeros in `rows` / `vals` (one more entry than pairs).
    starts: Vec<usize>,
    /// Row of each non-zero, counted from its block's first row.
    rows: Vec<u16>,
    /// Value of each non-zero.
    vals: Vec<f32>,
    /// Tiles of [`FEATURE_TILE`] features.
    tiles: usize,
    /// For block `b` and tile `t`, the first of the block's pairs in the tile is
    /// `tile_start[b * (tiles + 1) + t]` (the next entry ends the range).
    tile_start: Vec<usize>,
}

impl RowBlocks {
    /// Column-ordered blocks of `x`, or `None` when a row's features are not in increasing
    /// order (then the column order would not reproduce the row's summation order).
    fn new(x: &Csr) -> Option<Self> {
        let mut out = RowBlocks {
            block_start: vec![0],
            cols: Vec::new(),
            starts: vec![0],
            rows: Vec::with_capacity(x.nnz()),
            vals: Vec::with_capacity(x.nnz()),
            tiles: x.cols().div_ceil(FEATURE_TILE),
            tile_start: Vec::new(),
        };
        let mut entries: Vec<(u32, u16, f32)> = Vec::new();
        for first in (0..x.rows()).step_by(ROW_BLOCK) {
            entries.clear();
            for i in first..(first + ROW_BLOCK).min(x.rows()) {
                let row = x.outer_view(i).expect("row in range");
                if !row.indices().windows(2).all(|p| p[0] < p[1]) {
                    return None;
                }
                let r = (i - first) as u16;
                entries.extend(row.iter().map(|(j, &v)| (j as u32, r, v)));
            }
            // Stable: rows stay in increasing order within each feature.
            entries.sort_by_key(|e| e.0);
            for (t, &(j, r, v)) in entries.iter().enumerate() {
                if t > 0 && entries[t - 1].0 != j {
                    out.starts.push(out.rows.len());
                }
                if t == 0 || entries[t - 1].0 != j {
                    out.cols.push(j);
                }
                out.rows.push(r);
                out.vals.push(v);
            }
            if !entries.is_empty() {
                out.starts.push(out.rows.len());
            }
            out.block_start.push(out.cols.len());
        }
        for b in 0..out.len() {
            let lo = out.block_start[b];
            let cols = &out.cols[lo..out.block_start[b + 1]];
            for t in 0..=out.tiles {
                let at = cols.partition_point(|&j| (j as usize) < t * FEATURE_TILE);
                out.tile_start.push(lo + at);
            }
        }
        Some(out)
    }

    /// Number of blocks.
    fn len(&self) -> usize {
        self.block_start.len() - 1
    }

    /// Features of block `b` in tile `t` and the start of each one's non-zeros (one more
    /// entry).
    fn tile(&self, b: usize, t: usize) -> (&[u32], &[usize]) {
        let at = b * (self.tiles + 1) + t;
        let (lo, hi) = (self.tile_start[at], self.tile_start[at + 1]);
        (&self.cols[lo..hi], &self.starts[lo..=hi])
    }

    /// Features of block `b` and the start of each one's non-zeros (one more entry).
    fn block(&self, b: usize) -> (&[u32], &[usize]) {
        let (lo, hi) = (self.block_start[b], self.block_start[b + 1]);
        (&self.cols[lo..hi], &self.starts[lo..=hi])
    }
}

/// Gradient of one tile of [`FEATURE_TILE`] features (`g`, with the tile's weights `w` and
/// their squared norms `ww`), with the class count fixed at `K`: `l2 w_j + Σ_i x_ij r_i`,
/// each sum over the rows in increasing order, row block by row block.
///
/// Why tiles: feature by feature over the whole column, each non-zero read its run of `K`
/// residuals from anywhere in the n × `K` residual matrix (larger than L2). Here the tile's
/// gradient (2048 × 20 f64 = 320 KiB) stays in L2 while the row blocks stream past, and a
/// block's residuals (256 × 20 f32 = 20 KiB) sit in L1 while its non-zeros in the tile are
/// added. Each gradient entry still receives its terms in increasing row order, starting
/// from `l2 w_j`, so it is the same sum, bit for bit, as the column loop's.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn backward_tile_k_body<const K: usize>(
    blocks: &RowBlocks,
    tile: usize,
    w: &[f64],
    l2: f64,
    resid: &[f32],
    g: &mut [f64],
    ww: &mut [f64],
) {
    for ((gj, wj), wwj) in g.chunks_exact_mut(K).zip(w.chunks_exact(K)).zip(ww) {
        let mut s = 0.0;
        for c in 0..K {
            gj[c] = l2 * wj[c];
            s += wj[c] * wj[c];
        }
        *wwj = s;
    }
    let first = tile * FEATURE_TILE;
    for blk in 0..blocks.len() {
        let (cols, starts) = blocks.tile(blk, tile);
        let res = &resid[(blk * ROW_BLOCK * K).min(resid.len())..];
        for (t, &j) in cols.iter().enumerate() {
            let j = j as usize - first;
            let gj: &mut [f64; K] = (&mut g[j * K..j * K + K]).try_into().expect("K sums");
            let mut acc = *gj;
            for e in starts[t]..starts[t + 1] {
                let r = blocks.rows[e] as usize;
                let v = blocks.vals[e] as f64;
                let ri: &[f32; K] = res[r * K..r * K + K].try_into().expect("K residuals");
                for c in 0..K {
                    acc[c] += v * ri[c] as f64;
                }
            }
            *gj = acc;
        }
    }
}

multiversion!(
    /// See [`backward_tile_k_body`].
    fn backward_tile_k<const K> => backward_tile_k_body(
        blocks: &RowBlocks, tile: usize, w: &[f64], l2: f64, resid: &[f32], g: &mut [f64],
        ww: &mut [f64]
    ) -> ()
);

/// Features per tile of the blocked backward pass ([`backward_tile_k_body`]).
const FEATURE_TILE: usize = 2048;

/// `x = t + a d` elementwise.
#[inline(always)]
fn axpy_body(x: &mut [f64], t: &[f64], a: f64, d: &[f64]) {
    for ((xi, ti), di) in x.iter_mut().zip(t).zip(d) {
        *xi = ti + a * di;
    }
}

multiversion!(
    /// See [`axpy_body`].
    fn axpy => axpy_body(x: &mut [f64], t: &[f64], a: f64, d: &[f64]) -> ()
);

/// The smooth objective and its exact gradient on one training set.
///
/// Parameters are laid out feature-major: `theta[j * k + c]` is the weight of feature `j`
/// for class `c`, followed by the `k` intercepts, so each non-zero of a sparse row touches
/// one contiguous run of `k` values.
pub(crate) struct SoftmaxObjective<'a> {
    x: &'a Csr,
    /// `x` transposed, for the backward pass without row blocks.
    xt: Option<Csr>,
    /// `x` in column-ordered row blocks for the forward pass (`None`: row by row, see
    /// [`RowBlocks::new`]).
    blocks: Option<RowBlocks>,
    y: &'a [usize],
    /// Per-sample weight divided by the total weight.
    sw: Vec<f64>,
    k: usize,
    d: usize,
    /// 1 / (C · Σ s_i): the scaled L2 strength.
    l2: f64,
    fit_intercept: bool,
}

impl<'a> SoftmaxObjective<'a> {
    /// Builds the objective; `x` must be CSR.
    pub(crate) fn new(
        x: &'a Csr,
        y: &'a [usize],
        sample_weight: &[f64],
        k: usize,
        c: f64,
        fit_intercept: bool,
    ) -> Result<Self, ModelError> {
        let total: f64 = sample_weight.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(ModelError::Data(
                "logreg: the total sample weight is zero (all present classes have weight 0)"
                    .into(),
            ));
        }
        // The column-blocked forward pass is compiled for 2 to 32 classes (`with_classes!`).
        let blocks = if (2..=32).contains(&k) {
            RowBlocks::new(x)
        } else {
            None
        };
        let xt = match blocks {
            Some(_) => None,
            None => Some(x.transpose_view().to_csr()),
        };
        Ok(SoftmaxObjective {
            x,
            xt,
            blocks,
            y,
            sw: sample_weight.iter().map(|s| s / total).collect(),
            k,
            d: x.cols(),
            l2: 1.0 / (c * total),
            fit_intercept,
        })
    }

    /// The diagonal preconditioner: per parameter, the Hessian's diagonal at W = 0 raised
    /// to [`PRECONDITION_POWER`] (the scale `σ` of [`ScaledObjective`]).
    ///
    /// At W = 0 every probability is 1/K, so the curvature of weight (j, c) is
    /// `(K-1)/K² · Σ_i (s_i/S) x_ij² + 1/(C S)`, the same for every class; an intercept is a
    /// feature that is 1 in every row (`(K-1)/K²`, unpenalised). One pass over the rows in
    /// order, so the sums do not depend on the thread count.
    fn preconditioner(&self) -> Vec<f64> {
        let (k, d) = (self.k, self.d);
        let pq = (k as f64 - 1.0) / (k * k) as f64;
        let mut col = vec![0f64; d];
        for i in 0..self.x.rows() {
            let row = self.x.outer_view(i).expect("row in range");
            for (&j, &v) in row.indices().iter().zip(row.data()) {
                col[j as usize] += self.sw[i] * (v as f64) * (v as f64);
            }
        }
        let pw = PRECONDITION_POWER;
        let mut out = Vec::with_capacity(self.dim());
        for c in col {
            out.extend(std::iter::repeat_n((pq * c + self.l2).powf(pw), k));
        }
        // Without an intercept its parameters stay 0 (zero gradient): any scale will do.
        let vb = if self.fit_intercept { pq.powf(pw) } else { 1.0 };
        out.extend(std::iter::repeat_n(vb, k));
        out
    }

    /// Number of parameters.
    pub(crate) fn dim(&self) -> usize {
        self.d * self.k + self.k
    }

    /// Forward pass over column-ordered row blocks (see [`forward_block_k_body`]).
    fn forward_blocks(
        &self,
        blocks: &RowBlocks,
        w: &[f64],
        b: &[f64],
        resid: &mut [f32],
        losses: &mut [f64],
    ) {
        let k = self.k;
        let (y, sw) = (self.y, &self.sw[..]);
        resid
            .par_chunks_mut(ROW_BLOCK * k)
            .zip(losses.par_chunks_mut(ROW_BLOCK))
            .enumerate()
            .with_max_len(1)
            .for_each_init(
                || vec![0f64; ROW_BLOCK * k],
                |scores, (blk, (out, loss))| {
                    debug_assert!(blk < blocks.len());
                    with_classes!(
                        k,
                        forward_block_k(blocks, blk, w, b, y, sw, scores, out, loss),
                        unreachable!("row blocks are built for 2 to 32 classes only")
                    )
                },
            );
    }

    /// Forward pass row by row (any class count, any row order).
    fn forward_rows(&self, w: &[f64], b: &[f64], resid: &mut [f32], losses: &mut [f64]) {
        let k = self.k;
        resid
            .par_chunks_mut(k)
            .zip(losses.par_iter_mut())
            .enumerate()
            .for_each_init(
                || vec![0f64; k],
                |scores, (i, (r, loss))| {
                    let row = self.x.outer_view(i).expect("row in range");
                    *loss = forward_row(
                        row.indices(),
                        row.data(),
                        w,
                        b,
                        scores,
                        r,
                        self.y[i],
                        self.sw[i],
                    );
                },
            );
    }

    /// Objective value, writing the gradient into `grad`.
    pub(crate) fn eval(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (k, d) = (self.k, self.d);
        let (w, b) = theta.split_at(d * k);
        let n = self.x.rows();
        // Forward: residuals r_i = s_i (p_i - onehot(y_i)) and per-row losses.
        // Stored in f32: the backward pass reads one row of it per non-zero, so halving it
        // halves that memory traffic; every product and sum is still formed in f64.
        let mut resid = vec![0f32; n * k];
        let mut losses = vec![0f64; n];
        match &self.blocks {
            Some(blocks) => self.forward_blocks(blocks, w, b, &mut resid, &mut losses),
            None => self.forward_rows(w, b, &mut resid, &mut losses),
        }
        // Backward over features: each gradient entry is one ordered sum over its column.
        let (gw, gb) = grad.split_at_mut(d * k);
        let l2 = self.l2;
        // ‖W‖² comes out of the same pass (each feature's share, summed in feature order).
        let mut ww = vec![0f64; d];
        match (&self.blocks, &self.xt) {
            (Some(blocks), _) => backward_tiles(blocks, k, w, l2, &resid, gw, &mut ww),
            (None, Some(xt)) => backward_cols(xt, k, w, l2, &resid, gw, &mut ww),
            (None, None) => unreachable!("the transpose is built when there are no row blocks"),
        }
        gb.iter_mut().for_each(|g| *g = 0.0);
        if self.fit_intercept {
            for r in resid.chunks(k) {
                for (g, rc) in gb.iter_mut().zip(r) {
                    *g += *rc as f64;
                }
            }
        }
        let loss: f64 = losses.iter().sum();
        loss + 0.5 * l2 * ww.iter().sum::<f64>()
    }
}

/// Backward pass over feature tiles and row blocks (see [`backward_tile_k_body`]); writes
/// the weights' gradient `gw` and each feature's squared weight norm `ww`.
fn backward_tiles(
    blocks: &RowBlocks,
    k: usize,
    w: &[f64],
    l2: f64,
    resid: &[f32],
    gw: &mut [f64],
    ww: &mut [f64],
) {
    gw.par_chunks_mut(FEATURE_TILE * k)
        .zip(w.par_chunks(FEATURE_TILE * k))
        .zip(ww.par_chunks_mut(FEATURE_TILE))
        .enumerate()
        .with_max_len(1)
        .for_each(|(t, ((g, wt), wwt))| {
            with_classes!(
                k,
                backward_tile_k(blocks, t, wt, l2, resid, g, wwt),
                unreachable!("row blocks are built for 2 to 32 classes only")
            )
        });
}

/// Backward pass feature by feature on the transposed matrix (any class count).
fn backward_cols(
    xt: &Csr,
    k: usize,
    w: &[f64],
    l2: f64,
    resid: &[f32],
    gw: &mut [f64],
    ww: &mut [f64],
) {
    gw.par_chunks_mut(k)
        .zip(w.par_chunks(k))
        .zip(ww.par_iter_mut())
        .enumerate()
        .for_each(|(j, ((g, wj), wwj))| {
            let col = xt.outer_view(j).expect("feature in range");
            *wwj = backward_col(col.indices(), col.data(), wj, l2, resid, g);
        });
}

/// Outcome of an L-BFGS run.
pub(crate) struct LbfgsResult {
    pub theta: Vec<f64>,
    pub n_iter: usize,
}

/// The stored correction pairs of L-BFGS and every dot product among them and with the
/// current gradient (the "vector-free" form of Chen, Wang & Zhou, NeurIPS 2014).
///
/// Why: the textbook two-loop recursion makes 4m passes over vectors of n parameters per
/// iteration (2m dot products, 2m updates of the direction), which on text (n = classes ×
/// features, over a million) cost as much as the gradient itself. Here the recursion runs on
/// the (2m+1)-dimensional coefficients of the direction in the basis {s_i, y_i, g} using
/// these dot products, so each iteration makes one fused pass that computes the new pair and
/// its dot products and one pass that assembles the direction.
struct History {
    /// Pairs (s, y), oldest first, stored in f32 to halve their memory.
    pairs: VecDeque<(Vec<f32>, Vec<f32>)>,
    /// dots[a][b] for the stored vectors interleaved as s_0, y_0, s_1, y_1, ...
    dots: VecDeque<VecDeque<f64>>,
    /// Dot product of the current gradient with each stored vector (same order).
    gdot: VecDeque<f64>,
    /// ‖g‖² of the current gradient.
    gg: f64,
    /// max |g_i| of the current gradient (the stopping test's).
    gmax: f64,
    /// Buffers of the last rejected or evicted pair, reused for the next one.
    spare: Option<(Vec<f32>, Vec<f32>)>,
    /// Coefficients of the last direction in the basis (s_0, y_0, ..., g).
    delta: Vec<f64>,
    cap: usize,
}

impl History {
    fn new(cap: usize, g: &[f64]) -> Self {
        History {
            pairs: VecDeque::new(),
            dots: VecDeque::new(),
            gdot: VecDeque::new(),
            gg: pdot(g, g),
            gmax: max_abs(g),
            spare: None,
            delta: Vec::new(),
            cap,
        }
    }

    fn clear(&mut self) {
        while let Some(p) = self.pairs.pop_front() {
            self.spare = Some(p);
        }
        self.dots.clear();
        self.gdot.clear();
    }

    /// The direction `-H g` written into `d`; returns `gᵀd`.
    fn direction(&mut self, g: &[f64], d: &mut [f64]) -> f64 {
        let l = self.pairs.len();
        // Coefficients of s_p (2p), y_p (2p + 1) and g (last).
        let mut delta = vec![0f64; 2 * l + 1];
        delta[2 * l] = -1.0;
        // Dot product of stored vector `a` with the current combination.
        let dot_with = |a: usize, delta: &[f64]| -> f64 {
            let row = &self.dots[a];
            (0..2 * l).map(|b| delta[b] * row[b]).sum::<f64>() + delta[2 * l] * self.gdot[a]
        };
        let mut alphas = vec![0f64; l];
        for p in (0..l).rev() {
            let rho = 1.0 / self.dots[2 * p][2 * p + 1];
            let a = rho * dot_with(2 * p, &delta);
            alphas[p] = a;
            delta[2 * p + 1] -= a;
        }
        if l > 0 {
            let gamma = self.dots[2 * l - 2][2 * l - 1] / self.dots[2 * l - 1][2 * l - 1];
            delta.iter_mut().for_each(|v| *v *= gamma);
        }
        for p in 0..l {
            let rho = 1.0 / self.dots[2 * p][2 * p + 1];
            let beta = rho * dot_with(2 * p + 1, &delta);
            delta[2 * p] += alphas[p] - beta;
        }
        // Assemble d over fixed chunks (each element is computed alone: no reduction).
        let pairs = &self.pairs;
        d.par_chunks_mut(CHUNK)
            .zip(g.par_chunks(CHUNK))
            .enumerate()
            .for_each(|(c, (dc, gc))| {
                let lo = c * CHUNK;
                let hi = lo + dc.len();
                let dg = delta[2 * l];
                for (x, gv) in dc.iter_mut().zip(gc) {
                    *x = dg * gv;
                }
                for (p, (s, y)) in pairs.iter().enumerate() {
                    add_pair(dc, &s[lo..hi], &y[lo..hi], delta[2 * p], delta[2 * p + 1]);
                }
            });
        let gtd = (0..2 * l).map(|a| delta[a] * self.gdot[a]).sum::<f64>() + delta[2 * l] * self.gg;
        self.delta = delta;
        gtd
    }

    /// After a step from (theta, g) to (theta_new, g_new): forms the new pair, keeps it when
    /// its curvature `sᵀy` is positive, and refreshes every dot product, in one pass.
    ///
    /// Only `g_new` needs a dot product with each stored vector: `s = step · d` and `d` is a
    /// known combination of the basis, and `y = g_new - g` (both up to the f32 rounding of
    /// the stored pair, far below what L-BFGS is sensitive to).
    fn update(&mut self, step: f64, theta: &[f64], theta_new: &[f64], g: &[f64], g_new: &[f64]) {
        let n = theta.len();
        let (mut s_new, mut y_new) = self
            .spare
            .take()
            .unwrap_or_else(|| (vec![0f32; n], vec![0f32; n]));
        let m = 2 * self.pairs.len();
        // Per chunk: [s·v, y·v, g·v for each stored v] then s·s, s·y, y·y, s·g, y·g, g·g,
        // max |g|.
        let width = m + 7;
        let pairs = &self.pairs;
        let parts: Vec<Vec<f64>> = s_new
            .par_chunks_mut(CHUNK)
            .zip(y_new.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(c, (sc, yc))| {
                let lo = c * CHUNK;
                let hi = lo + sc.len();
                let (t0, t1, g0, g1) = (
                    &theta[lo..hi],
                    &theta_new[lo..hi],
                    &g[lo..hi],
                    &g_new[lo..hi],
                );
                let mut out = vec![0f64; width];
                out[m..].copy_from_slice(&new_pair_stats(sc, yc, t0, t1, g0, g1));
                for (p, (s, y)) in pairs.iter().enumerate() {
                    let (sg, yg) = dot2_32_64(&s[lo..hi], &y[lo..hi], g1);
                    out[2 * p] = sg;
                    out[2 * p + 1] = yg;
                }
                out
            })
            .collect();
        let mut tot = vec![0f64; width];
        for part in &parts {
            for (t, v) in tot[..width - 1].iter_mut().zip(part) {
                *t += v;
            }
        }
        let gmax = parts.iter().fold(0.0f64, |a, p| a.max(p[width - 1]));
        let [ss, sy, yy, sg, yg, gg]: [f64; 6] = tot[m..m + 6].try_into().expect("six sums");
        // s·v and y·v for each stored v, from the dot products of the old basis.
        let delta = &self.delta;
        let sv: Vec<f64> = (0..m)
            .map(|a| {
                let row = &self.dots[a];
                step * ((0..m).map(|b| delta[b] * row[b]).sum::<f64>() + delta[m] * self.gdot[a])
            })
            .collect();
        let yv: Vec<f64> = (0..m).map(|a| tot[a] - self.gdot[a]).collect();
        self.gg = gg;
        self.gmax = gmax;
        self.gdot
            .iter_mut()
            .zip(&tot[..m])
            .for_each(|(o, n)| *o = *n);
        if sy.is_nan() || sy <= 1e-12 {
            self.spare = Some((s_new, y_new));
            return;
        }
        // Append the new pair's rows and columns.
        for a in 0..m {
            self.dots[a].push_back(sv[a]);
            self.dots[a].push_back(yv[a]);
        }
        let mut row_s: VecDeque<f64> = sv.iter().copied().collect();
        row_s.extend([ss, sy]);
        let mut row_y: VecDeque<f64> = yv.iter().copied().collect();
        row_y.extend([sy, yy]);
        self.dots.push_back(row_s);
        self.dots.push_back(row_y);
        self.gdot.extend([sg, yg]);
        self.pairs.push_back((s_new, y_new));
        if self.pairs.len() > self.cap {
            self.spare = self.pairs.pop_front();
            self.dots.pop_front();
            self.dots.pop_front();
            for row in self.dots.iter_mut() {
                row.pop_front();
                row.pop_front();
            }
            self.gdot.pop_front();
            self.gdot.pop_front();
        }
    }
}

/// Minimises `f` by L-BFGS with a strong-Wolfe line search.
///
/// `eval(theta, grad) -> f`. Stops when `max |g| <= tol` and the last iteration's relative
/// decrease of `f` is at most `tol` (module docs), when the decrease is below 64 machine
/// epsilons (scipy's setting in scikit-learn), or after `max_iter` iterations. Correction
/// pairs are stored in f32 to halve the memory of large problems. With `gscale`, `eval`
/// works in scaled coordinates and the stopping test reads `max |gscale ⊙ g|`, the gradient
/// of the unscaled problem ([`ScaledObjective`]), so that `tol` keeps its meaning.
pub(crate) fn lbfgs<F>(
    eval: F,
    mut theta: Vec<f64>,
    max_iter: usize,
    tol: f64,
    history: usize,
    gscale: Option<&[f64]>,
) -> LbfgsResult
where
    F: Fn(&[f64], &mut [f64]) -> f64,
{
    let n = theta.len();
    let mut g = vec![0f64; n];
    let mut f = eval(&theta, &mut g);
    let mut hist = History::new(history, &g);
    let mut d = vec![0f64; n];
    let mut pool = Pool::default();
    let ftol = 64.0 * f64::EPSILON;
    let mut iter = 0;
    // Relative decrease of f in the last iteration; nothing to confirm before the first.
    let mut last_rel = 0.0;
    while iter < max_iter {
        let gmax = match gscale {
            Some(sc) => max_abs_scaled(&g, sc),
            None => hist.gmax,
        };
        if gmax <= tol && last_rel <= tol {
            break;
        }
        iter += 1;
        let mut gtd = hist.direction(&g, &mut d);
        if gtd.is_nan() || gtd >= 0.0 {
            // Not a descent direction (rounding in the stored pairs): restart from steepest descent.
            hist.clear();
            gtd = hist.direction(&g, &mut d);
        }
        // Without curvature pairs the direction is -g: try a step of unit length, as
        // L-BFGS-B does (`stp = 1/‖d‖` on its first iteration). Capping it at 1 (a step of
        // length ‖g‖, tiny at the start) cost several doublings and put the whole path
        // behind scipy's.
        let a0 = if hist.pairs.is_empty() {
            1.0 / hist.gg.sqrt()
        } else {
            1.0
        };
        let Some((step, f_new, theta_new, g_new)) =
            wolfe_search(&eval, &theta, f, gtd, &d, a0, &mut pool)
        else {
            if hist.pairs.is_empty() {
                break;
            }
            hist.clear();
            continue;
        };
        hist.update(step, &theta, &theta_new, &g, &g_new);
        let f_old = f;
        pool.put(std::mem::replace(&mut theta, theta_new));
        pool.put(std::mem::replace(&mut g, g_new));
        f = f_new;
        let rel = (f_old - f) / f_old.abs().max(f.abs()).max(1.0);
        if rel <= ftol {
            break;
        }
        let scale = f_old.abs().max(f.abs());
        last_rel = if scale > 0.0 {
            (f_old - f) / scale
        } else {
            0.0
        };
    }
    LbfgsResult {
        theta,
        n_iter: iter,
    }
}

/// Parameter-sized buffers kept for reuse: a fresh multi-megabyte vector per line-search
/// trial costs page faults and zeroing comparable to a pass of the solver.
#[derive(Default)]
struct Pool(Vec<Vec<f64>>);

impl Pool {
    /// A buffer of length `n` with unspecified contents.
    fn take(&mut self, n: usize) -> Vec<f64> {
        match self.0.pop() {
            Some(v) if v.len() == n => v,
            _ => vec![0f64; n],
        }
    }
    fn put(&mut self, v: Vec<f64>) {
        if self.0.len() < 6 {
            self.0.push(v);
        }
    }
}

/// max |g_i · s_i|: the true gradient's largest entry when `g` is taken in scaled coordinates.
fn max_abs_scaled(g: &[f64], s: &[f64]) -> f64 {
    g.par_chunks(CHUNK)
        .zip(s.par_chunks(CHUNK))
        .map(|(c, sc)| {
            c.iter()
                .zip(sc)
                .fold(0.0f64, |m, (v, s)| m.max((v * s).abs()))
        })
        .reduce(|| 0.0, f64::max)
}

fn max_abs(g: &[f64]) -> f64 {
    g.par_chunks(CHUNK)
        .map(|c| c.iter().fold(0.0f64, |m, v| m.max(v.abs())))
        .reduce(|| 0.0, f64::max)
}

/// Minimiser of the cubic through (a, fa, ga) and (b, fb, gb), kept inside the interval
/// away from its ends; bisection when the cubic has no usable minimiser.
fn cubic_step(a: f64, fa: f64, ga: f64, b: f64, fb: f64, gb: f64) -> f64 {
    let (lo, hi) = (a.min(b), a.max(b));
    let width = hi - lo;
    let d1 = ga + gb - 3.0 * (fa - fb) / (a - b);
    let disc = d1 * d1 - ga * gb;
    let mid = 0.5 * (lo + hi);
    if disc < 0.0 || !disc.is_finite() {
        return mid;
    }
    let d2 = (b - a).signum() * disc.sqrt();
    let t = b - (b - a) * (gb + d2 - d1) / (gb - ga + 2.0 * d2);
    if t.is_finite() && t > lo + 0.1 * width && t < hi - 0.1 * width {
        t
    } else {
        mid
    }
}

type Trial = (f64, f64, Vec<f64>, Vec<f64>);

/// Line search for a step meeting the strong Wolfe conditions (Nocedal & Wright, alg. 3.5–3.6).
/// Returns (step, f, theta, grad), or None when no decrease was found.
fn wolfe_search<F>(
    eval: &F,
    theta: &[f64],
    f0: f64,
    gtd0: f64,
    d: &[f64],
    a_init: f64,
    pool: &mut Pool,
) -> Option<Trial>
where
    F: Fn(&[f64], &mut [f64]) -> f64,
{
    // scipy's line search (dcsrch) as L-BFGS-B calls it: ftol = 1e-3, gtol = 0.9.
    const C1: f64 = 1e-3;
    const C2: f64 = 0.9;
    let n = theta.len();
    let try_step = |a: f64, pool: &mut Pool| -> (f64, f64, Vec<f64>, Vec<f64>) {
        let mut x = pool.take(n);
        x.par_chunks_mut(CHUNK)
            .zip(theta.par_chunks(CHUNK).zip(d.par_chunks(CHUNK)))
            .for_each(|(xc, (tc, dc))| axpy(xc, tc, a, dc));
        let mut g = pool.take(n);
        let f = eval(&x, &mut g);
        let gtd = pdot(&g, d);
        (f, gtd, x, g)
    };
    // Best point with sufficient decrease seen so far, a fallback when the search stalls.
    let mut best: Option<Trial> = None;
    let keep =
        |a: f64, f: f64, x: Vec<f64>, g: Vec<f64>, best: &mut Option<Trial>, pool: &mut Pool| {
            if f <= f0 + C1 * a * gtd0 && best.as_ref().is_none_or(|b| f < b.1) {
                if let Some((_, _, bx, bg)) = best.replace((a, f, x, g)) {
                    pool.put(bx);
                    pool.put(bg);
                }
            } else {
                pool.put(x);
                pool.put(g);
            }
        };
    let (mut a_prev, mut f_prev, mut gtd_prev) = (0.0, f0, gtd0);
    let mut a = a_init;
    let (mut lo, mut hi);
    let mut i = 0;
    loop {
        let (f, gtd, x, g) = try_step(a, pool);
        if !f.is_finite() {
            // Overshot into overflow: shrink.
            pool.put(x);
            pool.put(g);
            lo = (a_prev, f_prev, gtd_prev);
            hi = (a, f64::INFINITY, f64::NAN);
            break;
        }
        if f > f0 + C1 * a * gtd0 || (i > 0 && f >= f_prev) {
            pool.put(x);
            pool.put(g);
            lo = (a_prev, f_prev, gtd_prev);
            hi = (a, f, gtd);
            break;
        }
        if gtd.abs() <= -C2 * gtd0 {
            return Some((a, f, x, g));
        }
        keep(a, f, x, g, &mut best, pool);
        if gtd >= 0.0 {
            lo = (a, f, gtd);
            hi = (a_prev, f_prev, gtd_prev);
            break;
        }
        a_prev = a;
        f_prev = f;
        gtd_prev = gtd;
        a *= 2.0;
        i += 1;
        if i >= 20 {
            return best;
        }
    }
    for _ in 0..30 {
        let aj = if hi.1.is_finite() && hi.2.is_finite() {
            cubic_step(lo.0, lo.1, lo.2, hi.0, hi.1, hi.2)
        } else {
            0.5 * (lo.0 + hi.0)
        };
        if (hi.0 - lo.0).abs() < 1e-16 * lo.0.abs().max(1e-300) {
            break;
        }
        let (f, gtd, x, g) = try_step(aj, pool);
        if !f.is_finite() || f > f0 + C1 * aj * gtd0 || f >= lo.1 {
            pool.put(x);
            pool.put(g);
            hi = (aj, f, gtd);
        } else {
            if gtd.abs() <= -C2 * gtd0 {
                return Some((aj, f, x, g));
            }
            keep(aj, f, x, g, &mut best, pool);
            if gtd * (hi.0 - lo.0) >= 0.0 {
                hi = lo;
            }
            lo = (aj, f, gtd);
        }
    }
    best
}

/// Exponent of the diagonal preconditioner ([`SoftmaxObjective::preconditioner`]).
///
/// 0.5 would be plain Jacobi scaling (unit curvature along every axis at W = 0). Less
/// than that works better: the diagonal at W = 0 overstates how much frequent terms differ
/// from rare ones once their documents are fitted (their probabilities saturate), and a
/// milder scaling leaves L-BFGS's own curvature pairs less to undo. Iterations to the
/// stopping rule on 20 Newsgroups for 0.5 / 0.35 / 0.3 / 0.25 / 0.2 / 0.15: 65 / 32 / 28 /
/// 28 / 28 / 42 (86 unscaled), each at a lower objective than unscaled; on BBC (5 folds)
/// 292 / 168 / 141 / 117 / 115 / 122 (233); 0.25 sits in the middle of the flat region
/// (benches/README.md).
const PRECONDITION_POWER: f64 = 0.25;

/// The objective in scaled coordinates `θ' = σ ⊙ θ` (σ from
/// [`SoftmaxObjective::preconditioner`]): plain L-BFGS on `θ'` is L-BFGS on `θ` with the
/// diagonal `σ⁻²` as its initial inverse Hessian, while the optimiser itself stays untouched.
/// Its gradient is `g' = g / σ`; the stopping test still reads the true gradient `σ ⊙ g'`.
struct ScaledObjective<'o, 'a> {
    obj: &'o SoftmaxObjective<'a>,
    /// σ, per parameter.
    scale: Vec<f64>,
    /// 1 / σ, per parameter.
    inv: Vec<f64>,
    /// θ = θ' / σ, rebuilt at every evaluation (one buffer: the optimiser evaluates one
    /// point at a time).
    theta: std::cell::RefCell<Vec<f64>>,
}

impl<'o, 'a> ScaledObjective<'o, 'a> {
    fn new(obj: &'o SoftmaxObjective<'a>) -> Self {
        let scale = obj.preconditioner();
        let inv = scale.iter().map(|v| 1.0 / v).collect();
        let theta = std::cell::RefCell::new(vec![0f64; scale.len()]);
        ScaledObjective {
            obj,
            scale,
            inv,
            theta,
        }
    }

    /// Objective at `θ'`, writing the scaled gradient `g'` into `grad`.
    fn eval(&self, theta_s: &[f64], grad: &mut [f64]) -> f64 {
        let mut theta = self.theta.borrow_mut();
        theta
            .par_chunks_mut(CHUNK)
            .zip(theta_s.par_chunks(CHUNK).zip(self.inv.par_chunks(CHUNK)))
            .for_each(|(t, (ts, inv))| {
                t.iter_mut()
                    .zip(ts.iter().zip(inv))
                    .for_each(|(t, (ts, inv))| *t = ts * inv)
            });
        let f = self.obj.eval(&theta, grad);
        self.unscale(grad);
        f
    }

    /// Divides `v` by σ element-wise (θ' → θ, or a true gradient → g').
    fn unscale(&self, v: &mut [f64]) {
        v.par_chunks_mut(CHUNK)
            .zip(self.inv.par_chunks(CHUNK))
            .for_each(|(v, inv)| v.iter_mut().zip(inv).for_each(|(v, inv)| *v *= inv));
    }
}

impl Fit<SparseRecords, Array1<usize>, ModelError> for LogisticRegressionValidParams {
    type Object = LogisticRegression;

    fn fit(
        &self,
        data: &DatasetBase<SparseRecords, Array1<usize>>,
    ) -> Result<LogisticRegression, ModelError> {
        self.fit_with(data, true)
    }
}

impl LogisticRegressionValidParams {
    /// Fits with or without the diagonal preconditioner (both reach the same minimiser;
    /// the tests compare them).
    fn fit_with(
        &self,
        data: &DatasetBase<SparseRecords, Array1<usize>>,
        precondition: bool,
    ) -> Result<LogisticRegression, ModelError> {
        let k = self.n_classes;
        super::check_training_data(data, k, "logreg")?;
        let x = as_csr(&data.records.0);
        let y: Vec<usize> = data.targets.iter().copied().collect();
        let cw = self.class_weight.per_class(&y, k);
        let sw: Vec<f64> = y.iter().map(|&c| cw[c] as f64).collect();
        let obj = SoftmaxObjective::new(&x, &y, &sw, k, self.c, self.fit_intercept)?;
        let dim = obj.dim();
        // Keep the correction pairs (2 f32 vectors each) within about 1 GiB.
        let per_pair = 2 * 4 * dim.max(1);
        let m = self.history.min(((1usize << 30) / per_pair).max(3));
        let res = if precondition {
            let scaled = ScaledObjective::new(&obj);
            let mut r = lbfgs(
                |t, g| scaled.eval(t, g),
                vec![0f64; dim],
                self.max_iter,
                self.tol,
                m,
                Some(&scaled.scale),
            );
            scaled.unscale(&mut r.theta);
            r
        } else {
            lbfgs(
                |t, g| obj.eval(t, g),
                vec![0f64; dim],
                self.max_iter,
                self.tol,
                m,
                None,
            )
        };
        let d = obj.d;
        let mut weights = vec![0f32; k * d];
        for j in 0..d {
            for c in 0..k {
                weights[c * d + j] = res.theta[j * k + c] as f32;
            }
        }
        let intercept = res.theta[d * k..].iter().map(|&v| v as f32).collect();
        Ok(LogisticRegression {
            n_classes: k,
            n_features: d,
            weights,
            intercept,
            n_iter: res.n_iter,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use linfa::traits::Predict;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Builds a CSR matrix from dense rows.
    pub(crate) fn csr(rows: &[Vec<f32>]) -> SparseRecords {
        let d = rows.first().map_or(0, |r| r.len());
        let mut tri = sprs::TriMatI::<f32, u32>::new((rows.len(), d));
        for (i, r) in rows.iter().enumerate() {
            for (j, &v) in r.iter().enumerate() {
                if v != 0.0 {
                    tri.add_triplet(i, j, v);
                }
            }
        }
        SparseRecords(tri.to_csr())
    }

    /// A random sparse text-like problem whose classes own disjoint "topic" features plus
    /// shared noise, so it is learnable but not trivially separable.
    pub(crate) fn random_problem(
        n: usize,
        d: usize,
        k: usize,
        nnz: usize,
        seed: u64,
    ) -> DatasetBase<SparseRecords, Array1<usize>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut tri = sprs::TriMatI::<f32, u32>::new((n, d));
        let mut y = Vec::with_capacity(n);
        let block = d / (2 * k);
        for i in 0..n {
            let c = rng.random_range(0..k);
            y.push(c);
            let mut cols: Vec<usize> = (0..nnz)
                .map(|t| {
                    if t % 3 == 0 {
                        c * block + rng.random_range(0..block)
                    } else {
                        rng.random_range(0..d)
                    }
                })
                .collect();
            cols.sort_unstable();
            cols.dedup();
            let norm = (cols.len() as f32).sqrt();
            for j in cols {
                tri.add_triplet(i, j, rng.random_range(0.5f32..1.5) / norm);
            }
        }
        DatasetBase::new(SparseRecords(tri.to_csr()), Array1::from(y))
    }

    /// The fixture of tests/fixtures/logreg_reference.py.
    fn sklearn_fixture() -> DatasetBase<SparseRecords, Array1<usize>> {
        let rows: Vec<Vec<f32>> = (0..12)
            .map(|i| {
                (0..6)
                    .map(|j| {
                        if (i * 7 + j * 3) % 4 != 0 {
                            ((i * 5 + j * 11) % 9 + 1) as f32 / 10.0
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let y: Vec<usize> = (0..12).map(|i| (i * 5) % 3).collect();
        DatasetBase::new(csr(&rows), Array1::from(y))
    }

    #[test]
    fn param_guard_rejects_bad_values() {
        let bad = [
            LogisticRegressionParams::new(3).c(0.0),
            LogisticRegressionParams::new(3).c(-1.0),
            LogisticRegressionParams::new(3).c(f64::NAN),
            LogisticRegressionParams::new(3).tol(0.0),
            LogisticRegressionParams::new(3).tol(f64::INFINITY),
            LogisticRegressionParams::new(3).max_iter(0),
            LogisticRegressionParams::new(1),
            LogisticRegressionParams::new(3).history(0),
            LogisticRegressionParams::new(3).class_weight(ClassWeight::Explicit(vec![1.0, -2.0])),
        ];
        for p in bad {
            let err = p
                .clone()
                .check()
                .expect_err(&format!("{p:?} should be rejected"));
            assert!(matches!(err, ModelError::InvalidParam(_)), "{err}");
        }
        let msg = LogisticRegressionParams::new(3)
            .c(-1.0)
            .check()
            .unwrap_err()
            .to_string();
        assert!(msg.contains("C must be") && msg.contains("-1"), "{msg}");
        assert!(LogisticRegressionParams::new(3).check().is_ok());
    }

    #[test]
    fn rejects_out_of_range_targets() {
        let data = DatasetBase::new(
            csr(&[vec![1.0, 0.0], vec![0.0, 1.0]]),
            Array1::from(vec![0, 3]),
        );
        let err = LogisticRegressionParams::new(2).fit(&data).unwrap_err();
        assert!(
            err.to_string()
                .contains("label 3 of document 1 is out of range"),
            "{err}"
        );
    }

    #[test]
    fn learns_a_separable_problem() {
        let rows = vec![
            vec![1.0, 0.2, 0.0, 0.0],
            vec![0.9, 0.0, 0.1, 0.0],
            vec![0.0, 1.0, 0.0, 0.3],
            vec![0.1, 0.8, 0.0, 0.0],
            vec![0.0, 0.0, 1.0, 0.2],
            vec![0.0, 0.1, 0.7, 0.0],
        ];
        let y = Array1::from(vec![0, 0, 1, 1, 2, 2]);
        // Class 3 is absent from the data: the model still has 4 outputs.
        let data = DatasetBase::new(csr(&rows), y.clone());
        let m = LogisticRegressionParams::new(4)
            .c(100.0)
            .fit(&data)
            .unwrap();
        assert_eq!(m.n_classes(), 4);
        assert_eq!(m.n_features(), 4);
        assert_eq!(m.predict(&data.records), y);
        let p = m.predict_proba(&data.records);
        for (i, &c) in y.iter().enumerate() {
            assert!(p[[i, c]] > 0.8, "row {i}: {:?}", p.row(i));
            assert!(p[[i, 3]] < 0.05);
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = random_problem(40, 12, 3, 5, 7);
        let x = &data.records.0;
        let y: Vec<usize> = data.targets.to_vec();
        let sw: Vec<f64> = (0..40).map(|i| 0.5 + (i % 3) as f64).collect();
        let obj = SoftmaxObjective::new(x, &y, &sw, 3, 0.7, true).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let theta: Vec<f64> = (0..obj.dim())
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        let mut g = vec![0.0; obj.dim()];
        obj.eval(&theta, &mut g);
        let mut scratch = vec![0.0; obj.dim()];
        let h = 1e-6;
        for i in 0..obj.dim() {
            let mut tp = theta.clone();
            tp[i] += h;
            let fp = obj.eval(&tp, &mut scratch);
            tp[i] -= 2.0 * h;
            let fm = obj.eval(&tp, &mut scratch);
            let fd = (fp - fm) / (2.0 * h);
            assert!(
                (fd - g[i]).abs() < 1e-7 + 1e-5 * fd.abs(),
                "param {i}: analytic {} vs fd {fd}",
                g[i]
            );
        }
    }

    #[test]
    fn matches_sklearn_probabilities() {
        // From tests/fixtures/logreg_reference.py (scikit-learn 1.9.1, C=2, tol=1e-10).
        let plain = [
            0.336637, 0.432870, 0.230493, 0.279342, 0.242040, 0.478617, 0.321256, 0.344393,
            0.334351, 0.451881, 0.255461, 0.292658, 0.218543, 0.461374, 0.320083, 0.262575,
            0.382920, 0.354505, 0.375417, 0.284479, 0.340104, 0.347767, 0.238761, 0.413472,
            0.255587, 0.479429, 0.264985, 0.569214, 0.219489, 0.211297, 0.228692, 0.226345,
            0.544963, 0.353090, 0.432437, 0.214474,
        ];
        let weighted = [
            0.278469, 0.332071, 0.389460, 0.149120, 0.131405, 0.719475, 0.221702, 0.222572,
            0.555726, 0.335342, 0.191759, 0.472899, 0.140605, 0.271162, 0.588233, 0.177225,
            0.274492, 0.548282, 0.272104, 0.205136, 0.522760, 0.187245, 0.130701, 0.682054,
            0.195898, 0.350346, 0.453756, 0.492404, 0.186114, 0.321483, 0.100576, 0.099299,
            0.800125, 0.294218, 0.339805, 0.365977,
        ];
        let data = sklearn_fixture();
        for (cw, want) in [
            (ClassWeight::None, &plain),
            (ClassWeight::Explicit(vec![1.0, 1.0, 3.0]), &weighted),
        ] {
            let m = LogisticRegressionParams::new(3)
                .c(2.0)
                .tol(1e-8)
                .max_iter(1000)
                .class_weight(cw.clone())
                .fit(&data)
                .unwrap();
            let p = m.predict_proba(&data.records);
            for (got, want) in p.iter().zip(want.iter()) {
                assert!((got - want).abs() < 1e-3, "{cw:?}: {got} vs sklearn {want}");
            }
        }
    }

    /// All fitted parameters, feature-major as the optimiser lays them out.
    fn theta_of(m: &LogisticRegression) -> Vec<f64> {
        let w = m.feature_weights();
        let mut theta: Vec<f64> = (0..m.n_features())
            .flat_map(|j| w.column(j).iter().map(|&v| v as f64).collect::<Vec<_>>())
            .collect();
        theta.extend(m.intercept().iter().map(|&v| v as f64));
        theta
    }

    /// `random_problem` with column `j` multiplied by `scale(j)`.
    fn scaled_columns(
        mut data: DatasetBase<SparseRecords, Array1<usize>>,
        scale: impl Fn(usize) -> f32,
    ) -> DatasetBase<SparseRecords, Array1<usize>> {
        let mut x = data.records.0.clone();
        x.data_mut()
            .iter_mut()
            .zip(data.records.0.indices())
            .for_each(|(v, &j)| *v *= scale(j as usize));
        data.records = SparseRecords(x);
        data
    }

    #[test]
    fn preconditioned_fit_reaches_the_unscaled_minimiser() {
        // Columns of very different scales, as TF-IDF's, so the scaling really matters.
        let data = scaled_columns(random_problem(300, 60, 4, 8, 11), |j| {
            0.02 + (j % 7) as f32 * 0.4
        });
        for cw in [
            ClassWeight::None,
            ClassWeight::Explicit(vec![1.0, 2.0, 1.0, 0.5]),
        ] {
            let params = LogisticRegressionParams::new(4)
                .c(30.0)
                .tol(1e-9)
                .max_iter(5000)
                .class_weight(cw.clone())
                .check()
                .unwrap();
            let scaled = theta_of(&params.fit_with(&data, true).unwrap());
            let plain = theta_of(&params.fit_with(&data, false).unwrap());
            let top = plain.iter().fold(0f64, |m, v| m.max(v.abs()));
            for (i, (a, b)) in scaled.iter().zip(&plain).enumerate() {
                assert!((a - b).abs() <= 1e-4 * top, "{cw:?} θ[{i}]: {a} vs {b}");
            }
        }
    }

    #[test]
    fn lbfgs_stops_on_the_gradient_scaled_back() {
        // With `gscale`, `max |gscale ⊙ g|` (the unscaled problem's gradient) must reach
        // `tol`, not `max |g|`: here it is 100 times stricter.
        let data = random_problem(200, 40, 3, 6, 9);
        let x = as_csr(&data.records.0);
        let y: Vec<usize> = data.targets.to_vec();
        let obj = SoftmaxObjective::new(&x, &y, &vec![1.0; y.len()], 3, 30.0, true).unwrap();
        let eval = |t: &[f64], g: &mut [f64]| obj.eval(t, g);
        let tol = 1e-4;
        let grad_at = |theta: &[f64]| {
            let mut g = vec![0f64; theta.len()];
            obj.eval(theta, &mut g);
            max_abs(&g)
        };
        let loose = lbfgs(eval, vec![0f64; obj.dim()], 1000, tol, 10, None);
        let strict_scale = vec![100.0; obj.dim()];
        let strict = lbfgs(
            eval,
            vec![0f64; obj.dim()],
            1000,
            tol,
            10,
            Some(&strict_scale),
        );
        assert!(grad_at(&loose.theta) <= tol);
        assert!(grad_at(&loose.theta) > tol / 100.0, "test problem too easy");
        assert!(grad_at(&strict.theta) <= tol / 100.0);
        assert!(strict.n_iter > loose.n_iter);
    }

    #[test]
    fn identical_weights_at_one_and_two_threads() {
        // dim > CHUNK so the chunked reductions really split.
        let data = random_problem(400, 3000, 8, 30, 3);
        let fit = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| LogisticRegressionParams::new(8).c(10.0).fit(&data).unwrap())
        };
        let (a, b) = (fit(1), fit(2));
        assert!(a.n_iter() > 5);
        assert_eq!(a, b);
    }

    #[test]
    fn blocked_passes_match_row_and_column_passes_bit_for_bit() {
        // Several row blocks and feature tiles, rows of unequal length, k = 5 and 32 (the
        // largest compiled-in class count).
        for (k, seed) in [(5usize, 21u64), (32, 22)] {
            let data = random_problem(3 * ROW_BLOCK + 17, 2 * FEATURE_TILE + 300, k, 40, seed);
            let x = as_csr(&data.records.0);
            let y: Vec<usize> = data.targets.iter().copied().collect();
            let sw: Vec<f64> = (0..y.len()).map(|i| 1.0 + (i % 3) as f64).collect();
            let blocked = SoftmaxObjective::new(&x, &y, &sw, k, 5.0, true).unwrap();
            assert!(blocked.blocks.is_some() && blocked.xt.is_none());
            let mut plain = SoftmaxObjective::new(&x, &y, &sw, k, 5.0, true).unwrap();
            plain.blocks = None;
            plain.xt = Some(x.transpose_view().to_csr());
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let theta: Vec<f64> = (0..blocked.dim())
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            let (mut ga, mut gb) = (vec![0f64; theta.len()], vec![0f64; theta.len()]);
            let (fa, fb) = (blocked.eval(&theta, &mut ga), plain.eval(&theta, &mut gb));
            assert_eq!(fa.to_bits(), fb.to_bits());
            assert!(ga.iter().zip(&gb).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

    #[test]
    fn many_classes_use_the_row_and_column_passes() {
        let data = random_problem(120, 300, 40, 12, 5);
        let x = as_csr(&data.records.0);
        let y: Vec<usize> = data.targets.iter().copied().collect();
        let obj = SoftmaxObjective::new(&x, &y, &vec![1.0; y.len()], 40, 1.0, true).unwrap();
        assert!(obj.blocks.is_none() && obj.xt.is_some());
        let m = LogisticRegressionParams::new(40).fit(&data).unwrap();
        assert!(m.n_iter() > 1);
    }

    #[test]
    fn class_weights_shift_predictions() {
        let data = random_problem(300, 200, 3, 8, 11);
        let count = |cw: ClassWeight| {
            let m = LogisticRegressionParams::new(3)
                .class_weight(cw)
                .fit(&data)
                .unwrap();
            m.predict(&data.records).iter().filter(|&&c| c == 1).count()
        };
        let base = count(ClassWeight::None);
        let up = count(ClassWeight::Explicit(vec![1.0, 10.0, 1.0]));
        assert!(
            up > base + 20,
            "class 1 predicted {base} times unweighted, {up} up-weighted"
        );
    }

    #[test]
    fn probabilities_are_finite_and_sum_to_one() {
        let data = random_problem(200, 300, 5, 10, 5);
        let m = LogisticRegressionParams::new(5)
            .c(100.0)
            .fit(&data)
            .unwrap();
        // Extreme inputs, and columns beyond the training width, must not break anything.
        let x = csr(&[vec![1e6; 400], vec![0.0; 400], vec![-1e6; 400]]);
        for p in [m.predict_proba(&data.records), m.predict_proba(&x)] {
            for row in p.rows() {
                assert!(row.iter().all(|v| v.is_finite() && *v >= 0.0));
                assert!((row.sum() - 1.0).abs() < 1e-5, "{row:?}");
            }
        }
    }

    #[test]
    fn postcard_round_trip_predicts_identically() {
        let data = random_problem(150, 100, 4, 8, 9);
        let m = LogisticRegressionParams::new(4).fit(&data).unwrap();
        let bytes = postcard::to_stdvec(&m).unwrap();
        let back: LogisticRegression = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(m, back);
        assert_eq!(
            m.decision_function(&data.records),
            back.decision_function(&data.records)
        );
    }

    #[test]
    fn params_from_settings() {
        let mut s = ModelSettings::new(super::super::ClassifierKind::Logreg);
        s.c = 5.0;
        s.max_iter = 7;
        let p = LogisticRegression::params_from(&s, 4).check().unwrap();
        assert_eq!((p.c, p.max_iter, p.n_classes), (5.0, 7, 4));
    }
}
