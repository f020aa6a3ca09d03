"""Reference figures from scikit-learn for the logreg and sgd families, on identical features.

Builds TfidfVectorizer(sublinear_tf=True, min_df=2) unigram features on the 20 Newsgroups
bydate training set (a stratified 80/20 dev split, seed 0, vectorizer fitted on the 80 %, plus
the full training set) and on BBC (vectorizer fitted on all of BBC; stratified 5-fold ids,
seed 0), writes them as svmlight files to /tmp/textclf-svmlight-b/ (never into the repository),
and prints accuracy, macro-F1 and fit time of LogisticRegression(lbfgs) and SGDClassifier(hinge).

Run: /work/venv/bin/python benches/compare/make_svmlight_b.py
The Rust side: cargo run --release --example compare_b
"""
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import dump_svmlight_file
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
OUT = Path("/tmp/textclf-svmlight-b")
REPS = int(os.environ.get("REPS", "3"))


def read_tree(root):
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    texts, labels = [], []
    for ci, c in enumerate(classes):
        for f in sorted((root / c).iterdir()):
            if f.is_file():
                texts.append(f.read_bytes().decode("latin-1"))
                labels.append(ci)
    return texts, np.array(labels), classes


def timed(make, X, y, reps=None):
    times, model = [], None
    for _ in range(reps or REPS):
        model = make()
        t = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - t)
    return model, statistics.median(times)


def scores(y, p):
    return accuracy_score(y, p), f1_score(y, p, average="macro")


def main():
    if not DATA.is_dir():
        sys.exit(f"skipping: {DATA} not found")
    OUT.mkdir(parents=True, exist_ok=True)
    vec = lambda: TfidfVectorizer(sublinear_tf=True, min_df=2)

    # 20 Newsgroups
    texts, y, classes = read_tree(DATA / "20news-bydate-train")
    idx = np.arange(len(texts))
    tr, dv = train_test_split(idx, test_size=0.2, stratify=y, random_state=0)
    v = vec()
    Xtr = v.fit_transform([texts[i] for i in tr])
    Xdv = v.transform([texts[i] for i in dv])
    dump_svmlight_file(Xtr, y[tr], str(OUT / "20ng_train.svm"), zero_based=True)
    dump_svmlight_file(Xdv, y[dv], str(OUT / "20ng_dev.svm"), zero_based=True)
    Xfull = vec().fit_transform(texts)
    dump_svmlight_file(Xfull, y, str(OUT / "20ng_full.svm"), zero_based=True)
    print(f"20NG: train {Xtr.shape} nnz {Xtr.nnz}, dev {Xdv.shape}, full {Xfull.shape} nnz {Xfull.nnz}")

    # BBC
    btexts, by, _ = read_tree(DATA / "bbc")
    bX = vec().fit_transform(btexts)
    dump_svmlight_file(bX, by, str(OUT / "bbc.svm"), zero_based=True)
    folds = np.zeros(len(by), dtype=int)
    skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for f, (_, te) in enumerate(skf.split(bX, by)):
        folds[te] = f
    np.savetxt(OUT / "bbc_folds.txt", folds, fmt="%d")
    print(f"BBC: {bX.shape} nnz {bX.nnz}")

    m, t = timed(lambda: SGDClassifier(random_state=0), Xtr, y[tr])
    acc, f1 = scores(y[dv], m.predict(Xdv))
    print(f"sklearn sgd-hinge 20NG dev acc {acc:.4f} macroF1 {f1:.4f} fit(80%) {t:.2f}s")

    y20 = y
    X, y = bX, by
    for name, make in [
        ("sgd-hinge", lambda: SGDClassifier(random_state=0)),
        ("logreg C=10", lambda: LogisticRegression(C=10.0, max_iter=100)),
    ]:
        accs, f1s, ts = [], [], []
        for f in range(5):
            trm, tem = folds != f, folds == f
            m, t = timed(make, X[trm], y[trm], reps=1)
            a, f1 = scores(y[tem], m.predict(X[tem]))
            accs.append(a); f1s.append(f1); ts.append(t)
        print(f"sklearn {name} BBC 5-fold acc {np.mean(accs):.4f} macroF1 {np.mean(f1s):.4f} fit/fold {np.mean(ts):.3f}s")


    y = y20
    best_c, best_acc = None, -1
    for C in [1.0, 10.0, 30.0, 100.0]:
        m, t = timed(lambda: LogisticRegression(C=C, max_iter=100), Xtr, y[tr], reps=1)
        acc, f1 = scores(y[dv], m.predict(Xdv))
        print(f"sklearn logreg 20NG dev  C={C:<5g} acc {acc:.4f} macroF1 {f1:.4f} fit(80%) {t:.2f}s n_iter {m.n_iter_[0]}")
        if acc > best_acc:
            best_c, best_acc = C, acc
    for C in sorted({1.0, best_c}):
        m, t = timed(lambda: LogisticRegression(C=C, max_iter=100), Xfull, y)
        print(f"sklearn logreg 20NG full C={C:<5g} fit {t:.2f}s (median of {REPS}) n_iter {m.n_iter_[0]}")

if __name__ == "__main__":
    main()
