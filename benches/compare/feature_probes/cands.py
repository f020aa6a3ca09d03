import time, re, sys
import numpy as np, scipy.sparse as sp
from sklearn.preprocessing import normalize
import harness as h, base
c = h.c
cached, cv = h.cached, h.cv_counts

def split_lead(t):
    t = t.replace("\r\n", "\n")
    i = t.find("\n\n")
    return (t, "") if i < 0 else (t[:i], t[i+2:])

def lead(corpus):
    if corpus == "as": return cached("as_title", lambda: cv(c["as"]["title"]))
    return cached(f"{corpus}_lead", lambda: cv([split_lead(t)[0] for t in c[corpus]["text"]]))
def body(corpus):
    if corpus == "as": return cached("as_content", lambda: cv(c["as"]["content"]))
    return cached(f"{corpus}_body", lambda: cv([split_lead(t)[1] for t in c[corpus]["text"]]))

def blocks(getters, renorm=True, tf=None):
    def f(corpus, tr, te):
        A, B = [], []
        for g, w in getters:
            M = g(corpus)
            if M is None: continue
            a, b = base.tfidf(M[tr], M[te], **(tf or {}))
            A.append(a * w); B.append(b * w)
        A, B = sp.hstack(A).tocsr(), sp.hstack(B).tocsr()
        if renorm: A, B = normalize(A), normalize(B)
        return A, B
    return f

def tfv(**tf): return lambda corpus, tr, te: h.default_feats(corpus, tr, te, tf)

CANDS = {}
for w in (0.3, 0.5, 1.0):
    CANDS[f"text + lead block w{w}"] = (blocks([(h.std, 1.0), (lead, w)]), h.svm_fit())
CANDS["lead block + body block (separate)"] = (blocks([(lead, 1.0), (body, 1.0)]), h.svm_fit())
CANDS["no sublinear tf"] = (tfv(sublinear=False), h.svm_fit())
CANDS["idf^1.5"] = (tfv(idf_pow=1.5), h.svm_fit())
CANDS["idf^0.5"] = (tfv(idf_pow=0.5), h.svm_fit())

if __name__ == "__main__":
    h.run_cli(CANDS)
