"""Helpers shared by the notebooks: run the `textclf` binary and read its JSON, plot results.

The notebooks talk to textclf only through its command line, as a user's script would: every
figure they show comes from `eval --json`, `inspect --format json` or `predict --format json`.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def binary() -> Path:
    """The textclf binary: $TEXTCLF_BIN, else the project's release build."""
    env = os.environ.get("TEXTCLF_BIN")
    if env:
        path = Path(env)
    else:
        target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
        if not target.is_absolute():
            target = ROOT / target
        path = target / "release" / "textclf"
    if not path.exists():
        raise FileNotFoundError(
            f"textclf binary not found at {path}: run `cargo build --release` in {ROOT} "
            "or set TEXTCLF_BIN to the binary"
        )
    return path


def run(*args, show: bool = True) -> str:
    """Runs `textclf ARGS...` from the project root; returns stdout, raises on failure.

    With `show`, prints the command line first, so each notebook doubles as a list of commands
    to copy into a terminal.
    """
    argv = [str(binary()), *map(str, args)]
    if show:
        print("$ textclf " + " ".join(shlex.quote(str(a)) for a in args))
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"textclf exited with {done.returncode}:\n{done.stderr.strip()}"
        )
    return done.stdout


def run_json(*args, show: bool = True):
    """Runs a command that prints JSON on stdout and parses it."""
    return json.loads(run(*args, show=show))


def eval_json(*args, show: bool = True) -> dict:
    """Runs `textclf eval ARGS... --json TMP` and returns the parsed report."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "eval.json"
        run("eval", "--quiet", *args, "--json", out, show=show)
        return json.loads(out.read_text())


def datasets_dir() -> Path:
    """The shared public corpora: $TEXTCLF_DATASETS, else ../shared/datasets beside the project."""
    return Path(os.environ.get("TEXTCLF_DATASETS", ROOT.parent / "shared" / "datasets"))


def require_data(*subdirs: str) -> bool:
    """True when every corpus folder is present; otherwise prints why the notebook skips.

    Also registers the `%%needs_data` cell magic: a cell that starts with it runs only when
    the data are there, and prints `SKIP` otherwise, so the notebook still runs end to end.
    """
    base = datasets_dir()
    missing = [s for s in subdirs if not (base / s).exists()]
    have = not missing
    if missing:
        print(
            f"SKIP: {', '.join(str(base / m) for m in missing)} absent; the cells marked "
            "%%needs_data will be skipped (see notebooks/README.md)"
        )
    _register_magic(have)
    return have


def _register_magic(have: bool) -> None:
    try:
        from IPython import get_ipython
        from IPython.core.magic import register_cell_magic
    except ImportError:  # plain Python: nothing to register
        return
    ip = get_ipython()
    if ip is None:
        return

    def needs_data(line, cell):
        if not have:
            print("SKIP: needs ../shared/datasets")
            return
        result = ip.run_cell(cell)
        # Re-raise so that a failing cell fails the notebook (and CI), not just prints.
        result.raise_error()

    register_cell_magic(needs_data)


# ----------------------------------------------------------------------------- plotting


def plot_confusion(ax, labels, matrix, title="", normalise=True):
    """A confusion matrix heat map (rows: true label, columns: predicted)."""
    import numpy as np

    m = np.asarray(matrix, dtype=float)
    if normalise:
        m = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    im = ax.imshow(m, cmap="Blues", vmin=0, vmax=1 if normalise else None)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    # Numbers in the cells only while they stay readable.
    annotate = len(labels) <= 8
    for i in range(len(labels) if annotate else 0):
        for j in range(len(labels)):
            ax.text(
                j, i, f"{m[i, j]:.2f}" if normalise else int(m[i, j]),
                ha="center", va="center", fontsize=8,
                color="white" if m[i, j] > 0.6 * m.max() else "black",
            )
    ax.set_title(title)
    return im


def plot_top_terms(axes, inspect: dict, n=10):
    """One horizontal bar chart per class of the strongest terms for it (from inspect JSON)."""
    for ax, cls in zip(axes, inspect["top_terms"]):
        terms = cls["for_class"][:n][::-1]
        ax.barh([t for t, _ in terms], [w for _, w in terms], color="tab:blue")
        ax.set_title(cls["label"])
        ax.tick_params(axis="y", labelsize=8)
