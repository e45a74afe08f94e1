#!/usr/bin/env bash
# One combination's build and test, run by run.sh in that combination's copy of the tree (in its
# chroot or on the host): builds the addon through ccache (the cache is shared by every
# combination and run), puts in the TypeScript output run.sh compiled once for the whole run (it
# depends on neither FFmpeg nor Node.js; the type tests run in the main CI job), and runs the tests.
# Prints the versions first and the build and test seconds last (run.sh's summary reads them).
set -uo pipefail
echo "FFmpeg $(ffmpeg -version | head -1 | cut -d' ' -f3), Node $(node --version)"
export CC="ccache gcc" CXX="ccache g++" JOBS=${JOBS:-$(nproc)}
ccache --zero-stats >/dev/null 2>&1 || true
start=$(date +%s)
npm run build:native || exit 1
built=$(date +%s)
ccache --show-stats 2>/dev/null | grep -iE '^ *(hits|misses|cache hit|cache miss)' || true
# node-gyp rebuild empties build/: the compiled tests go in after it.
cp -a .matrix-ts/build/. build/ && rm -rf dist && cp -a .matrix-ts/dist dist || exit 1
node scripts/test.mjs
rc=$?
echo "avforge matrix: build $((built - start))s, tests $(($(date +%s) - built))s"
exit $rc
