#!/usr/bin/env bash
# Builds and tests the Python binding, end to end, the way a user installs it:
#   1. a venv (target/py-venv, or $CASEKIT_VENV) with maturin;
#   2. `pip install ./bindings-python[dev,frames]` (builds the native module from
#      source in the workspace's release profile);
#   3. the type stubs: `python/casekit/_native.pyi` (committed) is regenerated from the
#      module just built (`stubgen`, from pyo3's introspection data) and must not differ
#      (CASEKIT_BLESS=1 rewrites it instead); then mypy.stubtest checks it against the module;
#   4. mypy --strict on examples/python and on the package;
#   5. pytest (bindings-python/tests; no tests collected is a failure);
#   6. the quickstart script and the notebook (executed with nbclient).
# Idempotent: run it as often as you like. CARGO_TARGET_DIR is honoured if set.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="${CASEKIT_VENV:-$ROOT/target/py-venv}"
PYTHON="${PYTHON:-python3}"

step() { printf '\n== %s\n' "$*"; }

step "venv $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet "maturin>=1.16,<2"

step "pip install ./bindings-python[dev,frames]"
# --no-build-isolation: use the venv's maturin, so no network round trip per build.
# Cargo builds into the workspace's target dir (or $CARGO_TARGET_DIR), release profile.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
    export CARGO_TARGET_DIR="$ROOT/target"
fi
# A local directory is always rebuilt and reinstalled (cargo only recompiles what changed).
"$PY" -m pip install --quiet --no-build-isolation "$HERE[dev,frames]"

step "stubs (python/casekit/_native.pyi, generated from the module just built)"
native="$("$PY" -c 'import casekit._native as m; print(m.__file__)')"
generated="$(mktemp)"
trap 'rm -f "$generated"' EXIT
cargo run --quiet --release --manifest-path "$HERE/stubgen/Cargo.toml" -- "$native" "$generated"
committed="$HERE/python/casekit/_native.pyi"
if ! cmp -s "$committed" "$generated"; then
    if [ "${CASEKIT_BLESS:-}" = 1 ]; then
        cp "$generated" "$committed"
        # The installed package still has the old stub, and the checks below read that one.
        cp "$generated" "$(dirname "$native")/_native.pyi"
        echo "CASEKIT_BLESS=1: rewrote $committed; review and commit it"
    else
        diff -u --label "$committed (committed)" --label "generated from $native" "$committed" "$generated" >&2 || true
        echo "error: python/casekit/_native.pyi differs from the stub generated from the Rust source" >&2
        echo "       (bindings-python/src); regenerate it with CASEKIT_BLESS=1 bash bindings-python/scripts/test.sh" >&2
        exit 1
    fi
fi
(cd "$HERE" && "$PY" -m mypy.stubtest casekit._native)

step "mypy --strict"
"$PY" -m mypy --strict "$ROOT/examples/python/quickstart.py" "$HERE/bench/cm22.py"
(cd "$HERE" && "$PY" -m mypy --strict -p casekit --python-executable "$PY")

step "pytest"
set +e
(cd "$HERE" && "$PY" -m pytest -q tests "$@")
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure" >&2
    exit 1
fi
[ "$status" -eq 0 ] || exit "$status"

step "examples"
(cd "$(mktemp -d)" && "$PY" "$ROOT/examples/python/quickstart.py" >/dev/null)
"$PY" "$HERE/scripts/run_notebook.py" "$ROOT/examples/python/quickstart.ipynb"

echo
echo "bindings-python: all checks passed"
