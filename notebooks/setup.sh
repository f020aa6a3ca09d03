#!/usr/bin/env bash
# Creates notebooks/.venv with the notebooks' kernel, runner and plotting (requirements.txt)
# and registers nothing globally: the venv's own `python3` kernel is used.
# Usage: bash notebooks/setup.sh            (idempotent; reinstalls only when requirements change)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    echo "$want" >"$stamp"
fi
echo "notebooks venv ready: $venv"
