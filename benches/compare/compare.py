#!/usr/bin/env python3
"""textclf vs scikit-learn, stage by stage, on the same corpus and settings, in one run.

Run through ``benches/compare/run.sh`` (it makes the virtual environment and the release
build); by hand: ``python benches/compare/compare.py [--reps 5] [--stages a,b,c,d,e,f]``.
Settings on both sides: lowercase, the ``(?u)\\b\\w\\w+\\b`` tokenizer, unigrams, sublinear
TF-IDF, ``min_df=2``, smoothed IDF, L2 rows.

Stages (issue 6's table, and issue 3's fit times):
  a  TF-IDF fit_transform, all AllSides articles (title + content_original): library call only,
     one fit per process
  b  the same with English Snowball stemming (textclf only: scikit-learn has no stemmer)
  c  fit only, on scikit-learn's own 20NG-train TF-IDF matrix written as svmlight: LinearSVC(C=1)
     and LogisticRegression(lbfgs, C=30, max_iter=100) vs textclf's LinearSvm and
     LogisticRegression, with training accuracy and accuracy on a stratified 80/20 dev split
  d  train + save, 20NG train: a whole process each (read files, TF-IDF, linear SVM, write model)
  e  load + predict: a whole process each, the model of d scoring all 11,314 20NG train docs
     from a JSON Lines file (the 20NG test half is not in ../shared/datasets)
  f  cold start: a whole process each, load the model of d, score one ~1.7 kB post, exit

Times are medians of --reps runs. In a, b, d, e and f every run is a fresh process and the
two sides' runs alternate (in a: scikit-learn, textclf in memory, textclf streaming, scikit-learn, ...; in d,
e and f: sk, tc, sk, tc, ...), so that drifts of a shared machine's speed hit both alike; a and
b still time only the fit inside each process. Peak RSS is the maximum resident set size of the process
(/usr/bin/time -v, or the kernel's rusage for that child when /usr/bin/time is absent).
Temporary files (svmlight, models, JSONL) go to a temporary directory, never the repository.
"""
import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = (ROOT / ".." / "shared" / "datasets").resolve()
ALLSIDES = DATA / "allsides" / "articles.jsonl.gz"
NG_TRAIN = DATA / "20news-bydate-train"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release"
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


# ---------------------------------------------------------------- shared readers


def read_20ng(root):
    """One folder per class; classes and files in sorted byte order, as textclf reads them;
    UTF-8 with a Latin-1 fallback per file, as textclf decodes them."""
    texts, labels, names = [], [], []
    for cls in sorted(p.name for p in Path(root).iterdir() if p.is_dir()):
        for f in sorted(p for p in (Path(root) / cls).iterdir() if p.is_file()):
            raw = f.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            texts.append(text.lstrip("\ufeff").replace("\r\n", "\n"))
            labels.append(cls)
            names.append(f"{cls}/{f.name}")
    return texts, labels, names


def read_allsides(path):
    """title and content_original joined by a blank line (empty parts skipped), as textclf's
    --text-col title,content_original does."""
    texts = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                o = json.loads(line)
                parts = [o.get(k) or "" for k in ("title", "content_original")]
                texts.append("\n\n".join(p for p in parts if p))
    return texts


def vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(sublinear_tf=True, min_df=2)


# ---------------------------------------------------------------- scikit-learn workers
# Each runs in its own process (python compare.py --worker NAME ...) so its wall time and
# peak RSS are its own; the last stdout line is a JSON object.


def worker_tfidf(a):
    t = time.perf_counter()
    texts = read_allsides(a.data)
    read_seconds = time.perf_counter() - t
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    times = []
    for _ in range(a.reps):
        v = vectorizer()
        t = time.perf_counter()
        x = v.fit_transform(texts)
        times.append(time.perf_counter() - t)
        del v, x
    print(json.dumps({"times": times, "mb": mb, "read_seconds": read_seconds}))


def worker_fit(a):
    import warnings

    from sklearn.datasets import load_svmlight_file
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    warnings.simplefilter("ignore", ConvergenceWarning)

    def make():
        if a.model == "svm":
            return LinearSVC(C=1.0)
        return LogisticRegression(C=30.0, max_iter=100)

    def load(path, n_features=None):
        # The loader gives int64 indices, which LIBLINEAR refuses; TfidfVectorizer's are int32.
        x, y = load_svmlight_file(path, zero_based=True, n_features=n_features)
        x.indices, x.indptr = x.indices.astype("int32"), x.indptr.astype("int32")
        return x, y

    x, y = load(a.train)
    times = []
    for _ in range(a.reps):
        m = make()
        t = time.perf_counter()
        m.fit(x, y)
        times.append(time.perf_counter() - t)
    train_acc = float((m.predict(x) == y).mean())
    xt, yt = load(a.dev_train)
    xd, yd = load(a.dev, n_features=xt.shape[1])
    dev_acc = float((make().fit(xt, yt).predict(xd) == yd).mean())
    print(json.dumps({"times": times, "train_accuracy": train_acc, "dev_accuracy": dev_acc}))


def worker_train(a):
    import joblib
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    texts, labels, _ = read_20ng(a.data)
    model = make_pipeline(vectorizer(), LinearSVC(C=1.0)).fit(texts, labels)
    joblib.dump(model, a.model_path)


def worker_predict(a):
    import joblib

    model = joblib.load(a.model_path)
    with open(a.input, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    with open(os.devnull, "w") as out:
        for label in model.predict(texts):
            out.write(f"{label}\n")


WORKERS = {"tfidf": worker_tfidf, "fit": worker_fit, "train": worker_train, "predict": worker_predict}

# What a user's one-off scoring script does: start Python, unpickle, score one text, exit.
COLD_SNIPPET = (
    "import sys, joblib; m = joblib.load(sys.argv[1]); "
    "print(m.predict([open(sys.argv[2], encoding='utf-8').read()])[0])"
)


# ---------------------------------------------------------------- measuring


def run(cmd, stdout_path=None):
    """Runs cmd; returns (wall seconds, peak RSS in KiB, stdout). Raises on failure."""
    out = open(stdout_path, "w") if stdout_path else tempfile.TemporaryFile("w+")
    err = tempfile.TemporaryFile("w+")
    tfile = None
    full = list(map(str, cmd))
    if TIME:
        fd, tfile = tempfile.mkstemp(prefix="time-")
        os.close(fd)
        full = [TIME, "-v", "-o", tfile] + full
    t = time.perf_counter()
    p = subprocess.Popen(full, stdout=out, stderr=err)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    err.seek(0)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(full)} exited with {p.returncode}:\n{err.read()[-3000:]}")
    rss = None
    if tfile:
        with open(tfile) as fh:
            for line in fh:
                if "Maximum resident set size" in line:
                    rss = int(line.rsplit(":", 1)[1])
        os.unlink(tfile)
    else:
        rss = usage.ru_maxrss  # KiB on Linux
    text = ""
    if not stdout_path:
        out.seek(0)
        text = out.read()
    out.close()
    err.close()
    return wall, rss, text


def side_by_side(n, sk_cmd, tc_cmd, tc_stdout=None):
    """Runs scikit-learn's and textclf's command alternately, n times each, so that the slow
    drifts of a shared machine's speed fall on both sides alike; returns both lists of
    (wall, peak RSS, stdout)."""
    sk, tc = [], []
    for _ in range(n):
        sk.append(run(sk_cmd))
        tc.append(run(tc_cmd, stdout_path=tc_stdout))
    return sk, tc


def json_line(text, prefix=""):
    lines = [l for l in text.splitlines() if l.startswith(prefix + "{")]
    return json.loads(lines[-1][len(prefix):])


def med(xs):
    return statistics.median(xs)


def mib(kib):
    return f"{kib / 1024:.0f} MiB" if kib else "-"


class Table:
    def __init__(self):
        self.rows = []

    def add(self, stage, sk, tc, sk_rss=None, tc_rss=None, note=""):
        ratio = f"{sk / tc:.1f}x" if sk and tc else "-"
        self.rows.append([stage, fmt_s(sk), fmt_s(tc), ratio, mib(sk_rss), mib(tc_rss), note])
        print(f"  -> {stage}: scikit-learn {fmt_s(sk)}, textclf {fmt_s(tc)}, ratio {ratio} {note}", flush=True)

    def markdown(self):
        head = ["stage", "scikit-learn median", "textclf median", "ratio (sklearn / textclf)",
                "sklearn peak RSS", "textclf peak RSS", "notes"]
        lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)


def fmt_s(s):
    if s is None:
        return "-"
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


# ---------------------------------------------------------------- stages


def self_cmd(*args):
    return [sys.executable, __file__, "--worker", *args]


def stage_tfidf(t, reps, stem):
    """Two textclf figures per stage: in memory (fit_transform alone on a corpus already
    read, as scikit-learn's side is timed) and from file, streaming (open + read + fit in
    one timed run, so its peak RSS holds no corpus copy); the latter is set against
    scikit-learn's read + fit_transform of the same process.

    Every repetition is a fresh process on each side, one fit each (what a user's run is),
    and the sides alternate (sk, textclf in memory, textclf streaming, sk, ...), so that
    the machine's drifts in speed fall on both alike, as in stages d-f."""
    if not ALLSIDES.exists():
        print(f"SKIP a/b: {ALLSIDES} is absent")
        return
    vec_cmd = [TARGET / "examples" / "vectorize", "--data", ALLSIDES,
               "--text-col", "title,content_original", "--reps", 1, "--json"]
    if stem:
        vec_cmd += ["--stem", "english"]
    print("b. the same with English Snowball stemming (textclf only)" if stem
          else "a. TF-IDF fit_transform, AllSides", flush=True)
    sk, tc, st = [], [], []
    for _ in range(reps):
        if not stem:
            _, rss, out = run(self_cmd("tfidf", "--data", ALLSIDES, "--reps", 1))
            sk.append((json_line(out), rss))
        _, rss, out = run(vec_cmd)
        tc.append((json_line(out, "json: "), rss))
        _, rss, out = run(vec_cmd + ["--stream"])
        st.append((json_line(out, "json: "), rss))

    def median_of(runs, key):
        return med([x for r, _ in runs for x in r[key]])

    c, cs = median_of(tc, "times"), median_of(st, "times")
    tc_rss, st_rss = max(r for _, r in tc), max(r for _, r in st)
    mb = tc[0][0]["mb"]
    sums = {x for r, _ in tc + st for x in r["checksums"]}
    same = "identical output" if len(sums) == 1 else "OUTPUT DIFFERS"
    if not stem:
        s = median_of(sk, "times")
        sk_rss = max(r for _, r in sk)
        sk_mb = sk[0][0]["mb"]
        t.add("a. TF-IDF fit_transform in memory, AllSides unigrams", s, c, sk_rss, tc_rss,
              f"{tc[0][0]['docs']} docs, {mb:.0f} MB; {sk_mb / s:.1f} vs {mb / c:.0f} MB/s; "
              f"textclf CPU {median_of(tc, 'cpu_seconds'):.2f} s; both RSS include the corpus")
        read = med([r["read_seconds"] for r, _ in sk])
        sr = med([r["read_seconds"] + r["times"][0] for r, _ in sk])
        t.add("a. from file: read + fit (textclf streaming)", sr, cs, sk_rss, st_rss,
              f"{mb / cs:.0f} MB/s, CPU {median_of(st, 'cpu_seconds'):.2f} s; scikit-learn read "
              f"({read:.2f} s) + fit of the same process; {same}")
    else:
        t.add("b. same + English Snowball stemming, in memory", None, c, None, tc_rss,
              f"{mb / c:.0f} MB/s, CPU {median_of(tc, 'cpu_seconds'):.2f} s; scikit-learn has no stemmer")
        t.add("b. stemmed, from file, streaming", None, cs, None, st_rss,
              f"{mb / cs:.0f} MB/s, CPU {median_of(st, 'cpu_seconds'):.2f} s; {same}")


def stage_fit(t, reps, tmp):
    if not NG_TRAIN.exists():
        print(f"SKIP c: {NG_TRAIN} is absent")
        return
    print("c. fit only, on scikit-learn's 20NG-train TF-IDF matrix (svmlight)", flush=True)
    import numpy as np
    from sklearn.datasets import dump_svmlight_file
    from sklearn.model_selection import train_test_split

    texts, labels, _ = read_20ng(NG_TRAIN)
    classes = sorted(set(labels))
    y = np.array([classes.index(l) for l in labels])
    full, tr, dev = tmp / "20ng_full.svm", tmp / "20ng_tr.svm", tmp / "20ng_dev.svm"
    x = vectorizer().fit_transform(texts)
    dump_svmlight_file(x, y, str(full), zero_based=True)
    itr, idev = train_test_split(np.arange(len(texts)), test_size=0.2, stratify=y, random_state=0)
    v = vectorizer()
    xtr = v.fit_transform([texts[i] for i in itr])
    dump_svmlight_file(xtr, y[itr], str(tr), zero_based=True)
    dump_svmlight_file(v.transform([texts[i] for i in idev]), y[idev], str(dev), zero_based=True)
    print(f"   features {x.shape}, {x.nnz} non-zeros; dev split {len(itr)}/{len(idev)}", flush=True)

    def tc_fit(*extra):
        _, rss, out = run([TARGET / "examples" / "fit_svmlight", "--train", full, "--dev-train", tr,
                           "--dev", dev, "--reps", reps, "--json", *extra])
        return json_line(out, "json: "), rss

    def acc(r):
        cal = ""
        if r.get("dev_log_loss") is not None and r.get("dev_ece") is not None:
            cal = f", dev log loss {r['dev_log_loss']:.4f}, ECE {r['dev_ece']:.4f}"
        return f"train acc {r['train_accuracy']:.4f}, dev acc {r['dev_accuracy']:.4f}{cal}"

    for model, name in [("svm", "LinearSVC(C=1)"), ("logreg", "LogisticRegression(lbfgs, C=30)")]:
        _, sk_rss, out = run(self_cmd("fit", "--model", model, "--train", full, "--dev-train", tr,
                                      "--dev", dev, "--reps", reps))
        sk = json_line(out)
        s = med(sk["times"])
        print(f"   scikit-learn {name}: {fmt_s(s)}; {acc(sk)}", flush=True)
        if model == "svm":
            for tol in ["0.2", "1e-4"]:
                for cal in [False, True]:
                    tc, rss = tc_fit("--model", "svm", "--tol", tol, *(["--calibrate"] if cal else []))
                    label = f"c. fit LinearSVC vs svm tol {tol}, calibration {'on' if cal else 'off'}"
                    t.add(label, s, med(tc["times"]), None, None,
                          f"sklearn {acc(sk)}; textclf {acc(tc)}")
        else:
            tc, rss = tc_fit("--model", "logreg", "--c", "30")
            t.add("c. fit LogisticRegression lbfgs C=30 vs logreg C=30", s, med(tc["times"]),
                  None, None, f"sklearn {acc(sk)}; textclf {acc(tc)}")


def stage_end_to_end(t, reps, tmp, which):
    if not NG_TRAIN.exists():
        print(f"SKIP d/e/f: {NG_TRAIN} is absent")
        return
    textclf = TARGET / "textclf"
    sk_model, tc_dir = tmp / "sk_20ng.joblib", tmp / "tc_models"
    if "d" in which or not sk_model.exists() or not (tc_dir / "group.model").exists():
        print("d. train + save, 20NG train, whole process" if "d" in which else "   (training the models e and f use)", flush=True)
        n = reps if "d" in which else 1  # e and f alone only need the models
        # unigrams, as on scikit-learn's side (also textclf's default; stated so the comparison holds if that changes)
        sk, tc = side_by_side(n, self_cmd("train", "--data", NG_TRAIN, "--model-path", sk_model),
                              [textclf, "train", "--data", NG_TRAIN, "--label", "group", "--ngrams", "1-1",
                               "--model-dir", tc_dir])
        if "d" in which:
            t.add("d. train + save (TF-IDF + linear SVM), 20NG train", med([w for w, _, _ in sk]),
                  med([w for w, _, _ in tc]), max(r for _, r, _ in sk), max(r for _, r, _ in tc),
                  "textclf also fits Platt calibration (2 internal folds, then the full fit from their duals), LinearSVC has none")
    texts, _, names = read_20ng(NG_TRAIN)
    if "e" in which:
        print("e. load + predict all 11,314 20NG train docs, whole process", flush=True)
        jl = tmp / "20ng_docs.jsonl"
        with open(jl, "w", encoding="utf-8") as fh:
            for name, text in zip(names, texts):
                fh.write(json.dumps({"id": name, "text": text}) + "\n")
        sk, tc = side_by_side(reps, self_cmd("predict", "--model-path", sk_model, "--input", jl),
                              [textclf, "predict", "--model-dir", tc_dir, "--input", jl, "--format", "jsonl"],
                              tc_stdout=os.devnull)
        t.add(f"e. load + predict {len(texts)} docs (20NG train, JSONL)", med([w for w, _, _ in sk]),
              med([w for w, _, _ in tc]), max(r for _, r, _ in sk), max(r for _, r, _ in tc),
              "sklearn: predict (labels); textclf: label + probability JSONL")
    if "f" in which:
        print("f. cold start: load model, score one ~1.7 kB post, exit", flush=True)
        text = min(texts, key=lambda s: abs(len(s.encode("utf-8")) - 1700))
        one = tmp / "one_post.txt"
        one.write_text(text, encoding="utf-8")
        sk, tc = side_by_side(reps, [sys.executable, "-c", COLD_SNIPPET, sk_model, one],
                              [textclf, "predict", "--model-dir", tc_dir, one])
        t.add(f"f. cold start, one {len(text.encode('utf-8'))}-byte post", med([w for w, _, _ in sk]),
              med([w for w, _, _ in tc]), max(r for _, r, _ in sk), max(r for _, r, _ in tc))


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5, help="repetitions per measurement (median)")
    ap.add_argument("--stages", default="a,b,c,d,e,f", help="comma-separated subset of a..f")
    ap.add_argument("--markdown", help="also write the table to this file")
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    for opt in ["--data", "--model", "--train", "--dev-train", "--dev", "--model-path", "--input"]:
        ap.add_argument(opt, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        WORKERS[a.worker](a)
        return
    which = set(a.stages.replace(" ", "").split(","))
    for exe in [TARGET / "textclf", TARGET / "examples" / "vectorize", TARGET / "examples" / "fit_svmlight"]:
        if not exe.exists():
            sys.exit(f"{exe} is missing: run `cargo build --release --bins --examples` (run.sh does)")
    import sklearn

    load = os.getloadavg()
    print(f"scikit-learn {sklearn.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {a.reps} repetitions; data {DATA}",
          flush=True)
    if not DATA.exists():
        print(f"SKIP all stages: {DATA} is absent")
        return
    t = Table()
    tmp = Path(tempfile.mkdtemp(prefix="textclf-compare-"))
    try:
        if "a" in which:
            stage_tfidf(t, a.reps, stem=False)
        if "b" in which:
            stage_tfidf(t, a.reps, stem=True)
        if "c" in which:
            stage_fit(t, a.reps, tmp)
        if which & {"d", "e", "f"}:
            stage_end_to_end(t, a.reps, tmp, which)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load = os.getloadavg()
    print(f"\nload average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print(t.markdown())
    if a.markdown:
        Path(a.markdown).write_text(t.markdown() + "\n")


if __name__ == "__main__":
    main()
