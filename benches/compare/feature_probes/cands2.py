import time, re, sys
import numpy as np, scipy.sparse as sp
from sklearn.preprocessing import normalize
import harness as h, base
from cands import blocks, lead, body, tfv, split_lead
c = h.c; cached, cv = h.cached, h.cv_counts
WORD = re.compile(r"(?u)\b\w\w+\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HOST = re.compile(r"(?u)\b\w[\w-]*(?:\.[\w-]+)+\b")

def an_email(t):
    t = t.lower(); toks = WORD.findall(t)
    toks += ["@" + e for e in EMAIL.findall(t)]
    return toks
def an_host(t):
    t = t.lower(); toks = WORD.findall(t)
    toks += ["@" + e for e in EMAIL.findall(t)]
    toks += ["." + e for e in HOST.findall(t) if not e.replace(".", "").isdigit()]
    return toks
def an_nonum(t):
    return [w for w in WORD.findall(t.lower()) if not w.isdigit()]
def an_numshape(t):
    return [("#d%d" % min(len(w), 5)) if w.isdigit() else w for w in WORD.findall(t.lower())]
def an_headprefix(t):
    hd, bd = split_lead(t.lower())
    return WORD.findall(bd) + ["h:" + w for w in WORD.findall(hd)]
def an_headboth(t):
    hd, bd = split_lead(t.lower())
    return WORD.findall(t.lower()) + ["h:" + w for w in WORD.findall(hd)]

def text_of(corpus):
    if corpus == "as": return [a + "\n\n" + b for a, b in zip(c["as"]["title"], c["as"]["content"])]
    return c[corpus]["text"]
def custom(name, an):
    return lambda corpus: cached(f"{corpus}_{name}", lambda: cv(text_of(corpus), analyzer=an))
def one(getter, tf=None):
    return lambda corpus, tr, te: base.tfidf(getter(corpus)[tr], getter(corpus)[te], **(tf or {}))

CANDS = {
 "email tokens added": (one(custom("email", an_email)), h.svm_fit()),
 "email+host tokens added": (one(custom("host", an_host)), h.svm_fit()),
 "drop digit tokens": (one(custom("nonum", an_nonum)), h.svm_fit()),
 "digit tokens -> shape": (one(custom("numshape", an_numshape)), h.svm_fit()),
 "lead words prefixed (namespace)": (one(custom("headprefix", an_headprefix)), h.svm_fit()),
 "lead words plain + prefixed": (one(custom("headboth", an_headboth)), h.svm_fit()),
 "text + lead block w0.2": (blocks([(h.std, 1.0), (lead, 0.2)]), h.svm_fit()),
}
if __name__ == "__main__":
    h.run_cli(CANDS)
