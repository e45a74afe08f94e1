#!/usr/bin/env bash
# Builds the addon with AddressSanitizer + UBSan (AVFORGE_SANITIZE=1, see binding.gyp) in a
# separate tree (default /tmp/avforge-asan; the normal build/ is never touched), then runs a
# subset of the compiled tests against it with libasan preloaded into node, LeakSanitizer on:
# every test process that ends reports what is still allocated and unreachable, and
# scripts/sanitize_report.mjs counts the findings with an avforge frame on their stack
# (scripts/lsan.supp holds Node's own). Passes when the tests pass and no finding is avforge's.
# Usage: bash scripts/sanitize.sh [test files relative to build/test, default below]
# Env: AVFORGE_ASAN_DIR (the tree), ASAN_OPTIONS, LSAN_OPTIONS (AVFORGE_LSAN=0: no leak check).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
tree=${AVFORGE_ASAN_DIR:-/tmp/avforge-asan}
gyp="$(dirname "$(dirname "$(command -v npm)")")/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
nodedir=$(node -p "require(\"fs\").existsSync(\"/usr/include/node/node_api.h\") ? \"--nodedir=/usr\" : \"\"")
[ -f "$gyp" ] || gyp=/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js

[ -d build/test ] || npm run build:ts --silent

# 1. The sanitized addon, built from a copy of the sources (rebuilt when a source changed).
mkdir -p "$tree"
rsync -a --delete native/ "$tree/native/" 2>/dev/null || { rm -rf "$tree/native"; cp -r native "$tree/native"; }
cp binding.gyp package.json "$tree/"
ln -sfn "$repo/node_modules" "$tree/node_modules"
( cd "$tree" && AVFORGE_SANITIZE=1 node "$gyp" configure $nodedir >/dev/null && AVFORGE_SANITIZE=1 node "$gyp" build -j 2 >/dev/null )
grep -q fsanitize=address "$tree/build/avforge.target.mk" || { echo "sanitize: the addon was not built with ASan" >&2; exit 1; }

# 2. The compiled JS next to it (build/src/native.js loads <tree>/build/Release/avforge.node).
rm -rf "$tree/build/src" "$tree/build/test"
cp -r build/src build/test "$tree/build/"
mkdir -p "$tree/test"
ln -sfn "$repo/test/.media" "$tree/test/.media"

# 3. Run the subset with libasan preloaded (node itself is not instrumented).
asan=$(g++ -print-file-name=libasan.so)
[ -f "$asan" ] || { echo "sanitize: libasan not found (apt-get install libasan8)" >&2; exit 1; }
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(objects.test.js decode.test.js processing.test.js remux.test.js io-files.test.js io-network.test.js pipeline-transcode.test.js pipeline-remux.test.js pipeline-cancel.test.js pipeline-errors.test.js plan-contract.test.js bomb.test.js misuse.test.js)
paths=()
for f in "${files[@]}"; do paths+=("$tree/build/test/$f"); done
log="$tree/asan.log"
leaks=$([ "${AVFORGE_LSAN:-1}" = 0 ] && echo 0 || echo 1)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=$leaks:abort_on_error=0:halt_on_error=1:log_path=$tree/asan-report}
# exitcode=0: a leak report does not change a test's exit status (the report is read below)
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$repo/scripts/lsan.supp:exitcode=0:print_suppressions=0}
# tests that bound how long something takes allow for ASan's slowdown
export AVFORGE_SANITIZED=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:log_path=$tree/ubsan-report}
rm -f "$tree"/asan-report.* "$tree"/ubsan-report.*
set +e
( cd "$tree" && LD_PRELOAD="$asan" node --expose-gc --test --test-concurrency=1 "${paths[@]}" ) >"$log" 2>&1
status=$?
grep -E '^# (tests|pass|fail|cancelled|skipped|todo)' "$log" || tail -20 "$log"
node "$repo/scripts/sanitize_report.mjs" "$tree"/asan-report.* "$tree"/ubsan-report.*
ours=$?
set -e
echo "sanitize: test status $status, log $log"
[ "$status" -eq 0 ] && [ "$ours" -eq 0 ]
