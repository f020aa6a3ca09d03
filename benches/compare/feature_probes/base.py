import os, gzip, json, pickle, csv, re, time
import numpy as np, scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.svm import LinearSVC
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, GroupKFold
from sklearn.preprocessing import normalize
D = "/work/shared/datasets"
C = "/tmp/feature_probes/corp.pkl"

def read_file(p):
    b = open(p, "rb").read()
    try: return b.decode("utf-8")
    except UnicodeDecodeError: return b.decode("latin-1")

def build():
    out = {}
    # 20NG: docs in group order, with article-number rank fraction
    root = f"{D}/20news-bydate-train"
    docs, y, pos = [], [], []
    for g in sorted(os.listdir(root)):
        files = sorted(os.listdir(f"{root}/{g}"), key=int)
        n = len(files)
        for i, f in enumerate(files):
            docs.append(read_file(f"{root}/{g}/{f}")); y.append(g); pos.append((i, n))
    out["ng"] = dict(text=docs, y=np.array(y), pos=pos)
    root = f"{D}/bbc"; docs, y = [], []
    for g in sorted(os.listdir(root)):
        if not os.path.isdir(f"{root}/{g}"): continue
        for f in sorted(os.listdir(f"{root}/{g}")):
            docs.append(read_file(f"{root}/{g}/{f}")); y.append(g)
    out["bbc"] = dict(text=docs, y=np.array(y))
    arts = {}
    with gzip.open(f"{D}/allsides/articles.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            o = json.loads(line)
            arts[o["ID"]] = o
    idx = {}; ids = []
    splits = {}
    for s in ("random", "media"):
        for h in ("train", "valid"):
            rows = []
            for r in csv.DictReader(open(f"{D}/allsides/splits/{s}/{h}.tsv"), delimiter="\t"):
                i = r["ID"]
                if i not in idx: idx[i] = len(ids); ids.append(i)
                rows.append(idx[i])
            splits[(s, h)] = np.array(rows)
    out["as"] = dict(title=[arts[i]["title"] or "" for i in ids], content=[arts[i]["content_original"] or "" for i in ids],
                     y=np.array([arts[i]["bias_text"] for i in ids]), source=np.array([arts[i]["source"] for i in ids]),
                     splits=splits)
    os.makedirs(os.path.dirname(C), exist_ok=True)
    pickle.dump(out, open(C, "wb"))
    return out

def corp():
    return pickle.load(open(C, "rb")) if os.path.exists(C) else build()

def ng_split(c, frac):
    tr = np.array([i < int(n * frac) for i, n in c["ng"]["pos"]])
    return np.where(tr)[0], np.where(~tr)[0]

def tfidf(Ctr, Cte, min_df=2, max_features=200000, sublinear=True, norm=True, idf_pow=1.0):
    df = np.asarray((Ctr > 0).sum(0)).ravel()
    keep = np.where(df >= min_df)[0]
    if max_features and len(keep) > max_features:
        tot = np.asarray(Ctr.sum(0)).ravel()[keep]
        keep = keep[np.argsort(-tot, kind="stable")[:max_features]]; keep.sort()
    n = Ctr.shape[0]
    idf = (np.log((1 + n) / (1 + df[keep])) + 1) ** idf_pow
    res = []
    for M in (Ctr, Cte):
        M = M[:, keep].astype(np.float64).tocsr()
        if sublinear: M.data = 1 + np.log(M.data)
        M = M @ sp.diags(idf)
        if norm: M = normalize(M)
        res.append(M.tocsr())
    return res

def svm(Xtr, ytr, Xte, C=1.0, cw=None):
    m = LinearSVC(C=C, class_weight=cw, max_iter=2000).fit(Xtr, ytr)
    return m.predict(Xte)

def acc(y, p): return accuracy_score(y, p)
def mf1(y, p): return f1_score(y, p, average="macro")
