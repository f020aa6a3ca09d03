"""Third round of probes (2026-12-05): cheap changes to the term weighting, the length
normalisation and the model, then character n-grams.

Unlike cands.py / cands2.py, each candidate runs one proxy at a time in harness order and is
abandoned as soon as it cannot win on every proxy any more (two proxies below the baseline, or
one far below it), so the budget goes to breadth. Every proxy's CPU time (features after the
cached counts, plus fit and predict) is recorded, so a winner's cost can be set against the
baseline's: textclf's default may grow by at most about 1.3x.

    python cands3.py [NAME_REGEX] [ng80,ng60,asr,asm,asmg,bbc]
    python cands3.py --time NAME      # CPU time against the baseline, interleaved
    python cands3.py --extra NAME...  # 20NG 50/70/90 temporal splits (not used to choose)
    python cands3.py --extra-cv NAME... # AllSides random-train 5-fold, BBC seeds 3-6
    python cands3.py --sizes          # tokens / non-zeros the extra blocks add
The baseline runs first (its figures and times are cached in /tmp/feature_probes/probe5_base.json);
lines go to /tmp/feature_probes/results.txt like the other scripts'.
"""
import json, os, re, sys, time
import numpy as np, scipy.sparse as sp
from sklearn.linear_model import SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC
import harness as h, base
from cands import blocks, lead, tfv
from cands2 import WORD, custom, one, text_of

c = h.c; cached, cv = h.cached, h.cv_counts
BASE_JSON = "/tmp/feature_probes/probe5_base.json"
LOSS = 0.0005      # below the baseline by more than this counts as a loss
FAR = 0.005        # one loss this large ends the candidate at once


# ---- term weighting and length normalisation -------------------------------------------

def select_terms(Ctr, min_df=2, max_features=200000):
    """Kept columns and their smoothed IDF, chosen on the training rows as textclf does."""
    df = np.asarray((Ctr > 0).sum(0)).ravel()
    keep = np.where(df >= min_df)[0]
    if max_features and len(keep) > max_features:
        tot = np.asarray(Ctr.sum(0)).ravel()[keep]
        keep = np.sort(keep[np.argsort(-tot, kind="stable")[:max_features]])
    idf = np.log((1 + Ctr.shape[0]) / (1 + df[keep])) + 1
    return keep, idf


def weighted(tf_fn, row_norm):
    """Features with a custom tf transform tf_fn(counts csr, doc lengths, mean train length)
    and a row normaliser row_norm(train matrix, test matrix) -> (train, test)."""
    def f(corpus, tr, te):
        M = h.std(corpus)
        keep, idf = select_terms(M[tr])
        dl_tr = np.asarray(M[tr].sum(1)).ravel()
        avg = dl_tr.mean()
        out = []
        for rows in (tr, te):
            X = M[rows][:, keep].astype(np.float64).tocsr()
            dl = np.asarray(M[rows].sum(1)).ravel()
            out.append(tf_fn(X, dl, avg) @ sp.diags(idf))
        return row_norm(*out)
    return f


def sublinear(X, dl, avg):
    X = X.copy(); X.data = 1 + np.log(X.data); return X


def binary_tf(X, dl, avg):
    X = X.copy(); X.data[:] = 1.0; return X


def bm25_tf(k1=1.2, b=0.75):
    """BM25 saturation: tf (k1+1) / (tf + k1 (1 - b + b dl/avgdl)), document length in tokens."""
    def fn(X, dl, avg):
        X = X.copy()
        K = k1 * (1 - b + b * dl / avg)
        rowK = np.repeat(K, np.diff(X.indptr))
        X.data = X.data * (k1 + 1) / (X.data + rowK)
        return X
    return fn


def l2(A, B):
    return normalize(A).tocsr(), normalize(B).tocsr()


def pivoted(s):
    """Pivoted cosine normalisation (Singhal et al. 1996): divide each row by
    (1 - s) * pivot + s * ||row||, pivot the mean training norm, so long documents keep a
    little more weight than under plain L2 (s = 1)."""
    def norm(A, B):
        na = np.sqrt(np.asarray(A.multiply(A).sum(1)).ravel())
        pivot = na.mean()
        def scale(M):
            n = np.sqrt(np.asarray(M.multiply(M).sum(1)).ravel())
            return (sp.diags(1.0 / ((1 - s) * pivot + s * n)) @ M).tocsr()
        return scale(A), scale(B)
    return norm


def plus(feats, getter, w):
    """Any features plus a textclf-style TF-IDF block of getter's counts at weight w, rows
    re-normalised."""
    def f(corpus, tr, te):
        A, B = feats(corpus, tr, te)
        L = getter(corpus)
        a, b = base.tfidf(L[tr], L[te])
        return (normalize(sp.hstack([A, a * w]).tocsr()).tocsr(),
                normalize(sp.hstack([B, b * w]).tocsr()).tocsr())
    return f


def plus_lead(feats, w):
    """Plus the lead (title / header block) at weight w."""
    return plus(feats, lead, w)


# ---- models ------------------------------------------------------------------------------

def nb_ratio(Xb, pos, alpha):
    """NB log-count ratio of one class against the rest on binarised features."""
    p = alpha + np.asarray(Xb[pos].sum(0)).ravel()
    q = alpha + np.asarray(Xb[~pos].sum(0)).ravel()
    return np.log(p / p.sum()) - np.log(q / q.sum())


def nbsvm_fit(beta=0.25, alpha=1.0, C=1.0):
    """NBSVM (Wang & Manning 2012), one-vs-rest: per class a binary SVM on the features
    scaled by that class's NB log-count ratio, weights interpolated towards their mean
    magnitude (beta = 1: plain SVM on the scaled features)."""
    def fit(Xtr, ytr, Xte, corpus, tr):
        Xb = Xtr.copy(); Xb.data[:] = 1.0
        classes = np.unique(ytr)
        S = np.empty((Xte.shape[0], len(classes)))
        for j, k in enumerate(classes):
            pos = ytr == k
            D = sp.diags(nb_ratio(Xb, pos, alpha))
            m = LinearSVC(C=C, max_iter=2000).fit(Xtr @ D, pos)
            w = m.coef_.ravel()
            w = (1 - beta) * np.abs(w).mean() + beta * w
            S[:, j] = (Xte @ D) @ w + m.intercept_[0]
        return classes[S.argmax(1)]
    return fit


def rowz(S):
    """Per-document standardisation of class scores, so two models' scores can be added."""
    S = S - S.mean(1, keepdims=True)
    return S / (S.std(1, keepdims=True) + 1e-12)


def svm_cnb_fit(lam=0.5):
    """LinearSVC decision values blended with complement NB's (alpha 1, on the same TF-IDF,
    as textclf's cnb) joint log-likelihoods, each standardised per document."""
    def fit(Xtr, ytr, Xte, corpus, tr):
        m = LinearSVC(C=1.0, max_iter=2000).fit(Xtr, ytr)
        nb = ComplementNB(alpha=1.0).fit(Xtr, ytr)
        S = rowz(m.decision_function(Xte)) + lam * rowz(nb.predict_joint_log_proba(Xte))
        return m.classes_[S.argmax(1)]
    return fit


def sgd_fit(loss="modified_huber", alpha=1e-4, average=True):
    def fit(Xtr, ytr, Xte, corpus, tr):
        m = SGDClassifier(loss=loss, alpha=alpha, average=average, max_iter=10, tol=None,
                          random_state=42).fit(Xtr, ytr)
        return m.predict(Xte)
    return fit


def cs_fit(C=0.1):
    """Crammer-Singer multi-class SVM (one joint problem instead of one-vs-rest)."""
    def fit(Xtr, ytr, Xte, corpus, tr):
        return LinearSVC(C=C, multi_class="crammer_singer", max_iter=2000).fit(Xtr, ytr).predict(Xte)
    return fit


# ---- tokenisation ------------------------------------------------------------------------

PUNCT = re.compile(r"[^\w\s]")
WORD1 = re.compile(r"(?u)\b\w+\b")

def an_cased(t):
    return WORD.findall(t)
def an_punct(t):
    t = t.lower(); return WORD.findall(t) + PUNCT.findall(t)
def an_punct_only(t):
    return PUNCT.findall(t)
def an_single(t):
    return WORD1.findall(t.lower())


# ---- character n-grams ------------------------------------------------------------------

def chars(lo, hi):
    """char_wb n-gram counts of the whole text (lower-cased, within word boundaries)."""
    return lambda corpus: cached(f"{corpus}_charwb{lo}{hi}",
                                 lambda: cv(text_of(corpus), analyzer="char_wb", ngram_range=(lo, hi), min_df=2))


# ---- candidates ---------------------------------------------------------------------------

CANDS = {
 "baseline": (h.default_feats, h.svm_fit()),
 "max_features 100k": (tfv(max_features=100000), h.svm_fit()),
 "max_features 50k": (tfv(max_features=50000), h.svm_fit()),
 "pivoted L2 s=0.75": (weighted(sublinear, pivoted(0.75)), h.svm_fit()),
 "pivoted L2 s=0.5": (weighted(sublinear, pivoted(0.5)), h.svm_fit()),
 "BM25 tf (1.2, 0.75) + L2": (weighted(bm25_tf(), l2), h.svm_fit()),
 "binary tf + L2": (weighted(binary_tf, l2), h.svm_fit()),
 "NBSVM beta=1 (NB-scaled SVM)": (h.default_feats, nbsvm_fit(beta=1.0)),
 "NBSVM beta=0.25": (h.default_feats, nbsvm_fit(beta=0.25)),
 "svm + cnb blend lam=0.5": (h.default_feats, svm_cnb_fit(0.5)),
 "svm + cnb blend lam=0.25": (h.default_feats, svm_cnb_fit(0.25)),
 "sgd modified_huber averaged": (h.default_feats, sgd_fit()),
 "crammer-singer C=0.1": (h.default_feats, cs_fit(0.1)),
 "max_features 20k": (tfv(max_features=20000), h.svm_fit()),
 "BM25 tf (1.2, 0.5) + L2": (weighted(bm25_tf(1.2, 0.5), l2), h.svm_fit()),
 "BM25 tf (2.0, 0.75) + L2": (weighted(bm25_tf(2.0, 0.75), l2), h.svm_fit()),
 "svm intercept_scaling 10": (h.default_feats, lambda Xtr, ytr, Xte, corpus, tr:
     LinearSVC(C=1.0, intercept_scaling=10, max_iter=2000).fit(Xtr, ytr).predict(Xte)),
 "case-preserving words": (one(custom("cased", an_cased)), h.svm_fit()),
 "words + punctuation tokens": (one(custom("punct", an_punct)), h.svm_fit()),
 "words + 1-char tokens": (one(custom("single", an_single)), h.svm_fit()),
 "svm + cnb blend lam=0.1": (h.default_feats, svm_cnb_fit(0.1)),
 "lead w0.3 + BM25 (1.2, 0.5)": (plus_lead(weighted(bm25_tf(1.2, 0.5), l2), 0.3), h.svm_fit()),
 "lead w0.3 + balanced": (plus_lead(h.default_feats, 0.3), h.svm_fit(cw="balanced")),
 "lead w0.3 + cnb blend lam=0.25": (plus_lead(h.default_feats, 0.3), svm_cnb_fit(0.25)),
 "words + punct block w0.5": (blocks([(h.std, 1.0), (custom("punctonly", an_punct_only), 0.5)]), h.svm_fit()),
 "words + punct block w0.3": (blocks([(h.std, 1.0), (custom("punctonly", an_punct_only), 0.3)]), h.svm_fit()),
 "punct tokens + lead w0.3": (plus_lead(one(custom("punct", an_punct)), 0.3), h.svm_fit()),
 "punct tokens + lead w0.2": (plus_lead(one(custom("punct", an_punct)), 0.2), h.svm_fit()),
 "text + lead block w0.3 (cands.py, for --extra)": (plus_lead(h.default_feats, 0.3), h.svm_fit()),
 "punct block w0.3 + lead w0.3": (blocks([(h.std, 1.0), (custom("punctonly", an_punct_only), 0.3), (lead, 0.3)]), h.svm_fit()),
 "punct block w0.5 + lead w0.3": (blocks([(h.std, 1.0), (custom("punctonly", an_punct_only), 0.5), (lead, 0.3)]), h.svm_fit()),
 "punct block w0.5 + lead w0.3 + BM25 (1.2, 0.5)": (plus(plus_lead(weighted(bm25_tf(1.2, 0.5), l2), 0.3),
                                                         custom("punctonly", an_punct_only), 0.5), h.svm_fit()),
 "char_wb 3-5 alone": (blocks([(chars(3, 5), 1.0)]), h.svm_fit()),
 "words + char_wb 3-5 w0.4": (blocks([(h.std, 1.0), (chars(3, 5), 0.4)]), h.svm_fit()),
 "words + char_wb 2-4 w0.4": (blocks([(h.std, 1.0), (chars(2, 4), 0.4)]), h.svm_fit()),
}


def run_one(feats, fit, key):
    """One proxy's score and the CPU seconds of features + fit (counts are cached)."""
    t = time.process_time()
    r = h.protocols(feats, fit, only=[key])[key]
    return r, time.process_time() - t


def verdict(r, base_r):
    """True once the candidate can no longer beat the baseline on every proxy worth going on for."""
    d = [r[k] - base_r[k] for k in r]
    return sum(x < -LOSS for x in d) >= 2 or min(d) < -FAR


def run(name, feats, fit, base_res, keys=h.KEYS):
    r, cpu = {}, {}
    t0 = time.time(); stopped = False
    for key in keys:
        r[key], cpu[key] = run_one(feats, fit, key)
        print(f"  {name}: {key}={r[key]:.4f} ({cpu[key]:.1f} cpu-s)", file=sys.stderr, flush=True)
        if base_res and verdict(r, base_res["r"]):
            stopped = key != keys[-1]
            break
    line = f"{name:40s} " + " ".join(f"{k}={r[k]:.4f}" if k in r else f"{k}=  -   " for k in h.KEYS)
    line += f"  ({time.time() - t0:.0f}s"
    if base_res:
        ratio = sum(cpu.values()) / sum(base_res["cpu"][k] for k in cpu)
        line += f", cpu {ratio:.2f}x base"
    line += ", abandoned)" if stopped else ")"
    print(line, flush=True)
    with open("/tmp/feature_probes/results.txt", "a") as fh:
        fh.write(line + "\n")
    return dict(r=r, cpu=cpu)


def time_vs_base(name, keys=("ng80", "asr", "bbc"), reps=3):
    """CPU seconds of features (from cached counts) + fit + predict, baseline and candidate
    alternated reps times per proxy so both see the same machine load; prints the medians.
    Counting cost is not in it: see sizes()."""
    f, m = CANDS[name]
    for key in keys:
        h.protocols(f, m, only=[key])        # warm the count caches
        tb, tc = [], []
        for _ in range(reps):
            tb.append(run_one(*CANDS["baseline"], key)[1]); tc.append(run_one(f, m, key)[1])
        b, cand = np.median(tb), np.median(tc)
        print(f"time {name} {key}: base {b:.2f} cpu-s, cand {cand:.2f} cpu-s, {cand / b:.2f}x", flush=True)


def sizes(names=("std", "punctonly", "lead")):
    """Tokens and stored non-zeros of each count block against the default block's, a proxy
    for what a block adds to textclf's counting (tokens) and its fit (non-zeros)."""
    get = {"std": h.std, "punctonly": custom("punctonly", an_punct_only), "lead": lead}
    for corpus in ("ng", "as", "bbc"):
        S = h.std(corpus); tok, nnz = S.sum(), S.nnz
        for n in names:
            M = get[n](corpus)
            print(f"size {corpus} {n}: tokens {M.sum() / tok:.3f}x, non-zeros {M.nnz / nnz:.3f}x", flush=True)


def extra_20ng(names, fracs=(0.5, 0.7, 0.9)):
    """20NG temporal splits the candidates were not chosen on (accuracy), as a check on
    selection luck: the same per-group posting-order cut at other fractions."""
    y = c["ng"]["y"]
    for name in names:
        f, m = CANDS[name]; out = []
        for frac in fracs:
            tr, te = base.ng_split(c, frac)
            Xtr, Xte = f("ng", tr, te)
            out.append(f"ng{int(frac * 100)}={base.acc(y[te], m(Xtr, y[tr], Xte, 'ng', tr)):.4f}")
        print(f"{name:40s} " + " ".join(out), flush=True)


def extra_cv(names):
    """More checks the candidates were not chosen on: AllSides random train 5-fold
    (stratified, seed 7) macro-F1 and BBC 5-fold accuracy over fold seeds 3-6."""
    from sklearn.model_selection import StratifiedKFold
    a = c["as"]; ya = a["y"]; rt = a["splits"][("random", "train")]; yb = c["bbc"]["y"]
    for name in names:
        f, m = CANDS[name]; s_as, s_bbc = [], []
        for ftr, fte in StratifiedKFold(5, shuffle=True, random_state=7).split(rt, ya[rt]):
            tr, te = rt[ftr], rt[fte]
            Xtr, Xte = f("as", tr, te); s_as.append(base.mf1(ya[te], m(Xtr, ya[tr], Xte, "as", tr)))
        for seed in (3, 4, 5, 6):
            for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(yb, yb):
                Xtr, Xte = f("bbc", tr, te); s_bbc.append(base.acc(yb[te], m(Xtr, yb[tr], Xte, "bbc", tr)))
        print(f"{name:40s} as_random_cv5={np.mean(s_as):.4f} bbc_seeds3-6={np.mean(s_bbc):.4f}", flush=True)


def main():
    if sys.argv[1:2] == ["--extra"]:
        return extra_20ng(sys.argv[2:])
    if sys.argv[1:2] == ["--extra-cv"]:
        return extra_cv(sys.argv[2:])
    if sys.argv[1:2] == ["--time"]:
        return time_vs_base(sys.argv[2])
    if sys.argv[1:2] == ["--sizes"]:
        return sizes()
    pat = sys.argv[1] if len(sys.argv) > 1 else ""
    keys = sys.argv[2].split(",") if len(sys.argv) > 2 else h.KEYS
    base_res = json.load(open(BASE_JSON)) if os.path.exists(BASE_JSON) else None
    if base_res is None:
        base_res = run("baseline", *CANDS["baseline"], None)
        json.dump(base_res, open(BASE_JSON, "w"))
    for name, (f, m) in CANDS.items():
        if name == "baseline" or (pat and not re.search(pat, name)):
            continue
        run(name, f, m, base_res, keys)


if __name__ == "__main__":
    main()
