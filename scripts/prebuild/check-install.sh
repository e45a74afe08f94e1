#!/usr/bin/env bash
# The install check of the prebuilt binaries: in a fresh Debian 12 chroot with only Node.js, npm
# and Debian's `ffmpeg` package (FFmpeg 5.1's runtime libraries and CLI: no compiler, no make,
# no python, no -dev package), installs the packed tarballs offline (npm install
# ./avforge-V.tgz ./avforge-linux-x64-V.tgz), checks that nothing was compiled and the prebuilt
# for libavformat 59 was loaded, runs the demo, then the unit tests against the installed
# package (the compiled tests of this checkout, their addon resolved through node_modules).
# The base chroot is made once (chroot.sh's cache); each run works on a fresh copy of it.
# Usage: scripts/prebuild/check-install.sh   (npm run check:install; needs root)
# Prints the install time, the package sizes and the tests' counts; exits 1 on a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}
export AVFORGE_MATRIX_CACHE=$cache
start=$(date +%s)
base=$(bash "$here/chroot.sh" bookworm-install-check bookworm amd64 22.23.3 ffmpeg)
# The addon for this machine's FFmpeg (the chroot's is the same Debian 12 one).
ls "$repo"/prebuilds/linux-x64/avforge.avformat59.*node >/dev/null 2>&1 || bash "$here/build.sh" host
out="$cache/prebuild/pack"
bash "$here/pack.sh" "$out"
(cd "$repo" && npm run build:ts --silent)

root="$cache/prebuild/install-check-run"
{ grep -o " $root/[^ ]*" /proc/mounts || true; } | sort -r | xargs -r -n1 umount -l
rm -rf --one-file-system "$root"
cp -a "$base" "$root"
app="$root/app"
mkdir -p "$app/tests" "$root/root/.npm"
cp "$out"/*.tgz "$app/"
version=$(node -p "require('$repo/package.json').version")
mediabunny=$(node -p "require('$repo/package-lock.json').packages['node_modules/mediabunny'].version")
# what the tests import beyond avforge's own dependencies: mediabunny, the OpenTelemetry SDK
lock() { node -p "require('$repo/package-lock.json').packages['node_modules/$1'].version"; }
testdeps="mediabunny@$mediabunny @opentelemetry/sdk-trace-base@$(lock @opentelemetry/sdk-trace-base) @opentelemetry/context-async-hooks@$(lock @opentelemetry/context-async-hooks) @opentelemetry/core@$(lock @opentelemetry/core)"
# npm's cache, primed here with the same install (the registry's metadata and the tarballs of
# avforge's dependencies, and of mediabunny, which a test imports): the chroot installs offline
prime=$(mktemp -d)
(cd "$prime" && npm init -y >/dev/null && npm install --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error \
  "$out/avforge-$version.tgz" "$out/avforge-linux-x64-$version.tgz" $testdeps >/dev/null)
rm -rf "$prime"
cp -a "$HOME/.npm/_cacache" "$root/root/.npm/"
# The tests: the tree, its compiled TypeScript (build/ without the addon; dist/ for the CLI)
(cd "$repo" && git ls-files -co --exclude-standard -z | grep -zv '^node_modules$' | tar --null -cf - -T -) | tar -xf - -C "$app/tests"
cp -a "$repo/dist" "$app/tests/" && cp -a "$repo/build" "$app/tests/" && rm -rf "$app/tests/build/Release" "$app/tests/build/Debug"

# shellcheck disable=SC2016
bash "$here/in-chroot.sh" "$root" '
  set -eo pipefail
  for tool in cc gcc g++ c++ clang make python3 python pkg-config; do
    if command -v $tool >/dev/null; then echo "check-install: $tool is installed: not a machine without a compiler"; exit 1; fi
  done
  ls /usr/include/libavformat >/dev/null 2>&1 && { echo "check-install: FFmpeg dev files are installed"; exit 1; }
  echo "check-install: Node $(node --version), npm $(npm --version), $(ffmpeg -version | head -1 | cut -d" " -f1-3), no compiler, no -dev package"
  cd /app && npm init -y >/dev/null
  t0=$(date +%s%N)
  npm install --offline --no-audit --no-fund --foreground-scripts ./avforge-'"$version"'.tgz ./avforge-linux-x64-'"$version"'.tgz 2>&1 | tee /tmp/install.log
  echo "check-install: npm install took $((($(date +%s%N) - t0) / 1000000)) ms"
  grep -q "using the prebuilt .*avforge.avformat59" /tmp/install.log || { echo "check-install: the install did not use the prebuilt for libavformat 59"; exit 1; }
  [ ! -e node_modules/avforge/build ] || { echo "check-install: the install compiled"; exit 1; }
  node --input-type=module -e "
    import { versions } from \"avforge\";
    console.log(\"check-install: import avforge: FFmpeg\", versions().ffmpeg, \"(built against\", versions().builtAgainst + \")\");"
  echo "check-install: du of node_modules/avforge and @avforge/linux-x64: $(du -sk node_modules/avforge | cut -f1) KiB, $(du -sk node_modules/@avforge/linux-x64 | cut -f1) KiB"
  (cd /tmp && timeout 300 /app/node_modules/.bin/avforge demo) | tail -5
  # Without the platform package (a platform none is made for; --omit=optional, since npm'"'"'s
  # cache here holds it; outside /app, whose node_modules would be found): nothing to load,
  # nothing to build with; the install must fail and name what to install.
  mkdir /tmp/bare && cd /tmp/bare && npm init -y >/dev/null
  if npm install --offline --omit=optional --no-audit --no-fund --foreground-scripts /app/avforge-'"$version"'.tgz >/tmp/bare.log 2>&1; then
    echo "check-install: the install without a prebuilt or a compiler succeeded"; exit 1
  fi
  grep -q "missing .*a C++ compiler" /tmp/bare.log && grep -q "Debian/Ubuntu: " /tmp/bare.log && grep -q "Alpine: " /tmp/bare.log ||
    { cat /tmp/bare.log; echo "check-install: the failed install did not say what to install"; exit 1; }
  echo "check-install: without @avforge/linux-x64 the install fails and says what to install:"
  grep -E "^(avforge: the native addon could not|  (Debian|Fedora|Alpine|macOS))" /tmp/bare.log | cut -c1-150
  cd /app
  npm install --offline --no-audit --no-fund --no-save '"$testdeps"' >/dev/null
  rc=0; cd /app/tests && CI=1 node scripts/test.mjs > /tmp/tests.log 2>&1 || rc=$?
  tail -12 /tmp/tests.log
  { grep -E "^\s*not ok" /tmp/tests.log | grep -v "# SKIP" | sed "s/^/check-install: failed: /"; } || true
  grep -E "^# (tests|pass|fail|skipped) " /tmp/tests.log | tr "\n" " " | sed "s/^/check-install: /"; echo
  exit $rc' && rc=0 || rc=$?
echo "check-install: done in $(($(date +%s) - start))s"
exit $rc
