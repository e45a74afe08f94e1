#!/usr/bin/env bash
# linux-arm64 under emulation: builds the prebuilt (build.sh arm64: against a Debian 12 arm64
# chroot's FFmpeg 5.1, cross-compiled or in the chroot under qemu-user-static), then in that
# chroot, with that prebuilt loaded the way an install loads it (prebuilds/linux-arm64/, no
# build/Release), the per-frame decode latency
# (decode-latency.mjs: a correctness run, every frame decoded in order; emulated, so no speed
# figure) and the unit tests, each file under its own time limit: under qemu a few timing tests
# can run out of time, so the counts are the result, not a pass/fail gate.
# Usage: scripts/prebuild/arm64.sh [build/test/FILE.test.js...]   (default: all, an hour or more
#        on 2 cores; needs root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}
log="$cache/logs/prebuild-arm64-tests.log"
bash "$here/build.sh" arm64 || exit 1
work="$cache/prebuild/arm64"
root=$(cat "$work/.avforge-chroot")
# The compiled TypeScript (it depends on neither FFmpeg nor the CPU): this checkout's.
(cd "$repo" && npm run build:ts --silent) || exit 1
cp -a "$repo/dist" "$work/" && cp -a "$repo/build/src" "$repo/build/test" "$work/build/" || exit 1
rm -f "$work/build/Release/avforge.node"
# a cross build links node_modules; the chroot gets it bound in
rm -f "$work/node_modules" 2>/dev/null; mkdir -p "$work/node_modules"
tests=("$@")
# shellcheck disable=SC2016
AVFORGE_BINDS="$work:/avforge-prebuild $(readlink -f "$repo/node_modules"):/avforge-prebuild/node_modules" \
  bash "$here/in-chroot.sh" "$root" 'cd /avforge-prebuild &&
    echo "arm64: $(uname -m), Node $(node --version), $(ffmpeg -version | head -1 | cut -d" " -f1-3)" &&
    node -e "import(\"./dist/native.js\").then((m) => { m.addon(); console.log(\"arm64: addon\", m.addonPath()) })" &&
    node scripts/prebuild/decode-latency.mjs 300
    if [ -n "'"${tests[*]}"'" ]; then
      node --expose-gc --test --test-concurrency=2 --test-timeout=900000 '"${tests[*]}"'
    else
      node scripts/test.mjs
    fi; echo "arm64: tests exit $?"' CI=1 >"$log" 2>&1
echo "arm64: $(grep -m1 '^arm64: aarch64' "$log")"
grep -E '^(arm64: addon|decode latency)' "$log"
grep -E '^# (tests|pass|fail|cancelled|skipped) ' "$log" | tr '\n' ' '
echo "(log $log)"
