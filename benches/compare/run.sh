#!/bin/sh
# textclf vs scikit-learn 1.9.1, every stage, same corpus and settings, one run.
# Usage: benches/compare/run.sh [--reps N] [--stages a,b,c,d,e,f] [--markdown FILE]
# Makes its own virtual environment (benches/compare/.venv, git-ignored; VENV=DIR to put it
# elsewhere), builds the release binaries, then runs compare.py with the arguments given.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=${VENV:-$ROOT/benches/compare/.venv}
if ! "$VENV/bin/python" -c 'import sklearn, sys; sys.exit(sklearn.__version__ != "1.9.1")' 2>/dev/null; then
    echo "creating the virtual environment in $VENV (scikit-learn 1.9.1)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet scikit-learn==1.9.1 numpy scipy
fi
cd "$ROOT"
cargo build --release --bins --examples
exec "$VENV/bin/python" "$ROOT/benches/compare/compare.py" "$@"
