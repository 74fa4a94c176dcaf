#!/usr/bin/env bash
# Everything the Node binding promises, from a fresh clone: install, build the addon,
# regenerate the TypeScript definitions and fail on drift, type-check the examples with
# `tsc --strict`, run the quickstart and the tests (`node --test`; running no test is a
# failure).
# Idempotent: run it as often as you like.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/.." && pwd)"
examples="$repo/examples/node"
cd "$here"

step() { printf '\n== %s\n' "$*"; }

step "npm ci (bindings-node)"
# The registry reachable here holds only this platform's builds of @napi-rs/cli's
# optional native helpers (lzma, tar, wasm-tools), so npm writes a lock file without the
# other platforms' entries and `npm ci` calls it out of sync. Then install exactly what
# the lock names, without rewriting it.
if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/casekit-npm-ci.$$; then
  if grep -q "EUSAGE" /tmp/casekit-npm-ci.$$; then
    echo "npm ci refused the lock file (other platforms' optional packages missing); npm install --no-save instead"
    npm install --no-save --no-audit --no-fund --loglevel=error
  else
    cat /tmp/casekit-npm-ci.$$ >&2
    rm -f /tmp/casekit-npm-ci.$$
    exit 1
  fi
fi
rm -f /tmp/casekit-npm-ci.$$

step "build: the native addon (napi build --platform --release) and the typed layer (tsc)"
npm run --silent build

step "generated files are committed as generated (native.cjs, native.d.ts, lib/)"
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  if ! git -C "$repo" diff --exit-code --stat -- bindings-node/native.cjs bindings-node/native.d.ts bindings-node/lib; then
    echo "error: the generated bindings differ from the committed ones; commit the regenerated files" >&2
    git -C "$repo" diff -- bindings-node/native.d.ts bindings-node/lib | head -80 >&2
    exit 1
  fi
  untracked="$(git -C "$repo" ls-files --others --exclude-standard -- bindings-node/native.cjs bindings-node/native.d.ts bindings-node/lib)"
  if [ -n "$untracked" ]; then
    echo "warning: generated files not committed yet:" $untracked >&2
  fi
else
  echo "not a git checkout: drift check skipped"
fi

step "npm ci (examples/node, which links the package)"
(cd "$examples" && npm ci --no-audit --no-fund --loglevel=error)

step "tsc --strict over examples/node"
npx --no-install tsc -p tsconfig.json

step "examples/node/quickstart.mjs (a case's lifecycle and an import, on a SQLite file)"
scratch="$(mktemp -d)"
node "$examples/quickstart.mjs" "$scratch/quickstart.db" >/dev/null
rm -rf "$scratch"

step "node --test"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
node --test --test-reporter=tap test/ | tee "$log"
status=${PIPESTATUS[0]}
set -e
tests="$(grep -E '^# tests [0-9]+' "$log" | tail -1 | awk '{print $3}')"
pass="$(grep -E '^# pass [0-9]+' "$log" | tail -1 | awk '{print $3}')"
fail="$(grep -E '^# fail [0-9]+' "$log" | tail -1 | awk '{print $3}')"
if [ -z "${tests:-}" ] || [ "$tests" -eq 0 ]; then
  echo "error: node --test ran no test" >&2
  exit 1
fi
echo "bindings-node: ${pass:-0} passed, ${fail:-0} failed"
[ "$status" -eq 0 ] || exit "$status"
# Answers reach JavaScript by two paths: the mailbox this thread polls right after a call,
# and the threadsafe function (with a Wake for what is posted as polling stops). The
# default window exercises both by turns; these runs pin each: polling off (every answer
# and event through the threadsafe function) and a 10 ms window (nearly all through the
# mailbox).
for window in 0 10000; do
  step "node --test with CASEKIT_NODE_POLL_US=$window"
  CASEKIT_NODE_POLL_US=$window node --test --test-reporter=dot test/
done
