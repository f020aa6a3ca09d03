import os, sys, time, pickle
import numpy as np, scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import StratifiedKFold, GroupKFold, StratifiedGroupKFold
from sklearn.preprocessing import normalize
import base
c = base.corp()
CD = "/tmp/feature_probes/counts"; os.makedirs(CD, exist_ok=True)
_mem = {}

def cached(name, builder):
    if name in _mem: return _mem[name]
    p = f"{CD}/{name}.npz"
    if os.path.exists(p): M = sp.load_npz(p).tocsr()
    else:
        t = time.time(); M = builder().tocsr(); sp.save_npz(p, M)
        print(f"  [built {name} {M.shape} in {time.time()-t:.0f}s]", file=sys.stderr)
    _mem[name] = M; return M

def cv_counts(texts, **kw):
    return CountVectorizer(dtype=np.int32, **kw).fit_transform(texts)

def std(corpus):
    """Default block: the whole text as the CLI joins it."""
    if corpus == "ng": return cached("ng_text", lambda: cv_counts(c["ng"]["text"]))
    if corpus == "bbc": return cached("bbc_text", lambda: cv_counts(c["bbc"]["text"]))
    if corpus == "as":
        a = c["as"]; return cached("as_joined", lambda: cv_counts([t + "\n\n" + b for t, b in zip(a["title"], a["content"])]))

def default_feats(corpus, tr, te, tf=None):
    M = std(corpus)
    return base.tfidf(M[tr], M[te], **(tf or {}))

def protocols(feats, fit, only=None):
    """feats(corpus, tr_idx, te_idx) -> (Xtr, Xte); fit(Xtr, ytr, Xte, corpus, tr_idx) -> predictions."""
    r = {}
    y = c["ng"]["y"]
    for frac, key in ((0.8, "ng80"), (0.6, "ng60")):
        if only and key not in only: continue
        tr, te = base.ng_split(c, frac)
        Xtr, Xte = feats("ng", tr, te)
        r[key] = base.acc(y[te], fit(Xtr, y[tr], Xte, "ng", tr))
    a = c["as"]; y = a["y"]
    if not only or "asr" in only:
        tr, te = a["splits"][("random", "train")], a["splits"][("random", "valid")]
        Xtr, Xte = feats("as", tr, te); r["asr"] = base.mf1(y[te], fit(Xtr, y[tr], Xte, "as", tr))
    if not only or "asm" in only:
        tr, te = a["splits"][("media", "train")], a["splits"][("media", "valid")]
        Xtr, Xte = feats("as", tr, te); r["asm"] = base.mf1(y[te], fit(Xtr, y[tr], Xte, "as", tr))
    if not only or "asmg" in only:
        mt = a["splits"][("media", "train")]
        s = []
        for ftr, fte in StratifiedGroupKFold(5, shuffle=True, random_state=42).split(mt, y[mt], a["source"][mt]):
            tr, te = mt[ftr], mt[fte]
            Xtr, Xte = feats("as", tr, te); s.append(base.mf1(y[te], fit(Xtr, y[tr], Xte, "as", tr)))
        r["asmg"] = float(np.mean(s))
    if not only or "bbc" in only:
        y = c["bbc"]["y"]; s = []
        for seed in (42, 0, 1, 2):
            for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(y, y):
                Xtr, Xte = feats("bbc", tr, te); s.append(base.acc(y[te], fit(Xtr, y[tr], Xte, "bbc", tr)))
        r["bbc"] = float(np.mean(s))
    return r

def svm_fit(C=1.0, cw=None):
    return lambda Xtr, ytr, Xte, corpus, tr: base.svm(Xtr, ytr, Xte, C=C, cw=cw)

KEYS = ["ng80", "ng60", "asr", "asm", "asmg", "bbc"]
def show(name, r, t0=None):
    line = f"{name:40s} " + " ".join(f"{k}={r[k]:.4f}" if k in r else f"{k}=  -   " for k in KEYS)
    if t0: line += f"  ({time.time()-t0:.0f}s)"
    print(line, flush=True)
    with open("/tmp/feature_probes/results.txt", "a") as fh: fh.write(line + "\n")

def run_cli(cands):
    """argv: [name regex] [comma-separated protocol keys]; runs and records each matching candidate."""
    import re
    pat = sys.argv[1] if len(sys.argv) > 1 else ""
    only = sys.argv[2].split(",") if len(sys.argv) > 2 else None
    for name, (f, m) in cands.items():
        if pat and not re.search(pat, name): continue
        t = time.time(); show(name, protocols(f, m, only=only), t)
