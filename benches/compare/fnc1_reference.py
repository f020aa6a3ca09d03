"""FNC-1: how well does grouped cross-validation on the training set predict the competition test?

Issue 5 quotes one scikit-learn reference measured on the FNC-1 competition test set: logistic
regression on term frequencies of the headline and of the body plus the TF-IDF cosine of the
two, 74.77 FNC score, 0.525 macro-F1, 0.003 disagree F1. This script runs that reference under
5-fold cross-validation on FNC-1 *train*, with folds grouped either by story (connected
components of headlines and bodies over related pairs, the recipe in datasets/README.md) or by
Body ID (the official protocol), and prints the same three figures. The grouping whose figures
land nearest the test figures is the one to tune textclf on and to quote as its estimate.

Usage (scikit-learn 1.9.1, e.g. the virtual environment benches/compare/run.sh makes):
    python benches/compare/fnc1_reference.py [--data ../shared/datasets/fnc1] [--group story|body]
"""
import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

LABELS = ["agree", "disagree", "discuss", "unrelated"]


def story_ids(rows):
    """One story id per row: connected components of headlines and bodies over related pairs."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in rows:
        find(("b", r["Body ID"]))
        if r["Stance"] != "unrelated":
            parent[find(("h", r["Headline"]))] = find(("b", r["Body ID"]))
    ids = {}
    return [ids.setdefault(find(("b", r["Body ID"])), len(ids)) for r in rows]


def fnc_score(gold, pred):
    """The FNC-1 score as a percentage of the best possible (0.25 for related vs unrelated, 0.75 more for the exact related stance)."""
    score = best = 0.0
    for g, p in zip(gold, pred):
        related, said_related = g != "unrelated", p != "unrelated"
        best += 1.0 if related else 0.25
        score += 0.25 * (related == said_related) + 0.75 * (related and g == p)
    return 100 * score / best


def features(headlines, bodies, train, test):
    """TF of headline and body (5,000 terms, English stop words) and the TF-IDF cosine, fitted on the training rows."""
    fit_text = [headlines[i] for i in train] + sorted({bodies[i] for i in train})
    tf = TfidfVectorizer(max_features=5000, stop_words="english", use_idf=False).fit(fit_text)
    tfidf = TfidfVectorizer(max_features=5000, stop_words="english").fit(fit_text)

    def build(idx):
        h, b = [headlines[i] for i in idx], [bodies[i] for i in idx]
        cos = np.asarray(tfidf.transform(h).multiply(tfidf.transform(b)).sum(axis=1))
        return sp.hstack([tf.transform(h), tf.transform(b), sp.csr_matrix(cos)]).tocsr()

    return build(train), build(test)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "../shared/datasets/fnc1"))
    ap.add_argument("--group", choices=["story", "body"], default="story")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    csv.field_size_limit(sys.maxsize)
    data = Path(args.data)
    with open(data / "train_bodies.csv", encoding="utf-8") as f:
        body_text = {r["Body ID"]: r["articleBody"] for r in csv.DictReader(f)}
    with open(data / "train_stances.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    headlines = [r["Headline"] for r in rows]
    bodies = [body_text[r["Body ID"]] for r in rows]
    y = np.array([r["Stance"] for r in rows])
    groups = story_ids(rows) if args.group == "story" else [r["Body ID"] for r in rows]

    folds = StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
    gold, pred, per_fold = [], [], []
    for k, (train, test) in enumerate(folds.split(headlines, y, groups)):
        x_train, x_test = features(headlines, bodies, train, test)
        p = LogisticRegression(max_iter=1000).fit(x_train, y[train]).predict(x_test)
        per_fold.append(fnc_score(y[test], p))
        print(f"fold {k}: FNC {per_fold[-1]:.2f}, macro-F1 "
              f"{f1_score(y[test], p, labels=LABELS, average='macro'):.3f}", flush=True)
        gold += list(y[test])
        pred += list(p)
    f1 = f1_score(gold, pred, labels=LABELS, average=None)
    print(f"grouped by {args.group}, {args.folds} folds, seed {args.seed}: FNC {fnc_score(gold, pred):.2f} "
          f"(folds {np.mean(per_fold):.2f} ± {np.std(per_fold, ddof=1):.2f}), macro-F1 {f1.mean():.3f}, "
          + ", ".join(f"{label} F1 {v:.3f}" for label, v in zip(LABELS, f1)))


if __name__ == "__main__":
    main()
