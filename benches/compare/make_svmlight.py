"""Build identical TF-IDF features for textclf and scikit-learn, and print sklearn's reference figures.

Writes zero-based svmlight files to /tmp/textclf-svmlight/ (never into the repository):
  20ng_train.svm / 20ng_dev.svm : stratified 80/20 split (seed 0) of 20news-bydate-train
  20ng_full.svm                 : all of 20news-bydate-train (fit-time benchmark)
  bbc.svm                       : all of BBC (for 5-fold CV)
Each vectorizer is fitted on the data it is written with (the dev split's on the 80% part).

Run: /work/venv/bin/python benches/compare/make_svmlight.py
"""
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import dump_svmlight_file
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.svm import LinearSVC

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
if not DATA.exists():
    DATA = Path("/work/shared/datasets")
OUT = Path("/tmp/textclf-svmlight")


def read_tree(root):
    """One folder per class; classes in sorted order; files in sorted order."""
    texts, labels, names = [], [], sorted(p.name for p in root.iterdir() if p.is_dir())
    for ci, name in enumerate(names):
        for f in sorted((root / name).iterdir(), key=lambda p: p.name):
            if f.is_file():
                texts.append(f.read_bytes().decode("latin-1"))
                labels.append(ci)
    return texts, np.array(labels), names


def vec():
    return TfidfVectorizer(sublinear_tf=True, min_df=2)


def median_fit_time(make, X, y, reps=5):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        make().fit(X, y)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    texts, y, names = read_tree(DATA / "20news-bydate-train")
    print(f"20NG train: {len(texts)} docs, {len(names)} classes")
    idx = np.arange(len(texts))
    tr, dev = train_test_split(idx, test_size=0.2, stratify=y, random_state=0)
    v = vec()
    Xtr = v.fit_transform([texts[i] for i in tr])
    Xdev = v.transform([texts[i] for i in dev])
    dump_svmlight_file(Xtr, y[tr], str(OUT / "20ng_train.svm"), zero_based=True)
    dump_svmlight_file(Xdev, y[dev], str(OUT / "20ng_dev.svm"), zero_based=True)
    print(f"dev split: train {Xtr.shape}, dev {Xdev.shape}")
    for name, make in [
        ("LinearSVC(C=1)", lambda: LinearSVC(C=1.0)),
        ("MultinomialNB", lambda: MultinomialNB()),
        ("ComplementNB", lambda: ComplementNB()),
    ]:
        t = time.perf_counter()
        m = make().fit(Xtr, y[tr])
        ft = time.perf_counter() - t
        p = m.predict(Xdev)
        print(f"  {name:16s} dev acc {accuracy_score(y[dev], p):.4f}  macro-F1 "
              f"{f1_score(y[dev], p, average='macro'):.4f}  fit {ft:.3f}s")

    Xfull = vec().fit_transform(texts)
    dump_svmlight_file(Xfull, y, str(OUT / "20ng_full.svm"), zero_based=True)
    print(f"20NG full train features {Xfull.shape}")
    t = median_fit_time(lambda: LinearSVC(C=1.0), Xfull, y)
    print(f"  LinearSVC(C=1) fit on full 20NG train: median of 5 = {t:.3f}s")
    t = median_fit_time(lambda: MultinomialNB(), Xfull, y)
    print(f"  MultinomialNB fit on full 20NG train: median of 5 = {t:.4f}s")

    btexts, by, bnames = read_tree(DATA / "bbc")
    Xb = vec().fit_transform(btexts)
    dump_svmlight_file(Xb, by, str(OUT / "bbc.svm"), zero_based=True)
    print(f"BBC: {Xb.shape}, classes {bnames}")
    # Features fitted on all of BBC (as the svmlight file holds), stratified shuffled 5-fold, seed 0.
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for name, make in [
        ("LinearSVC(C=1)", lambda: LinearSVC(C=1.0)),
        ("MultinomialNB", lambda: MultinomialNB()),
        ("ComplementNB", lambda: ComplementNB()),
    ]:
        s = cross_val_score(make(), Xb, by, cv=cv)
        print(f"  BBC 5-fold {name:16s} acc {s.mean():.4f}")


if __name__ == "__main__":
    sys.exit(main())
