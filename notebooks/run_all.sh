#!/usr/bin/env bash
# Executes every notebook headlessly in notebooks/.venv (made by setup.sh) and fails on the
# first cell error. Outputs are written to a scratch folder; the committed notebooks stay clean.
# Uses $TEXTCLF_BIN (default: the release build under $CARGO_TARGET_DIR or target/).
# Usage: bash notebooks/run_all.sh [NOTEBOOK.ipynb ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/setup.sh" >/dev/null
out="${NOTEBOOK_OUT:-$(mktemp -d)}"
mkdir -p "$out"
passed=0
failed=0
if [ "$#" -gt 0 ]; then books=("$@"); else books=("$here"/*.ipynb); fi
for nb in "${books[@]}"; do
    name="$(basename "$nb")"
    start=$(date +%s)
    if "$here/.venv/bin/python" - "$nb" "$out/$name" <<'PY'
import sys, nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
src, dst = sys.argv[1], sys.argv[2]
nb = nbformat.read(src, as_version=4)
client = NotebookClient(nb, timeout=900, kernel_name="python3",
                        resources={"metadata": {"path": __import__("os").path.dirname(src)}})
try:
    client.execute()
except CellExecutionError as e:
    print(e, file=sys.stderr)
    sys.exit(1)
finally:
    nbformat.write(nb, dst)
skips = sum("SKIP" in o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
print(f"{len(nb.cells)} cells" + (f", {skips} skipped (data absent)" if skips else ""), end="")
PY
    then
        echo " — $name ok in $(( $(date +%s) - start ))s"
        passed=$((passed + 1))
    else
        echo "notebook $name FAILED (executed copy: $out/$name)" >&2
        failed=$((failed + 1))
    fi
done
echo "executed notebooks: $out"
echo "notebooks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
