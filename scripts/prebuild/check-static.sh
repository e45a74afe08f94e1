#!/usr/bin/env bash
# The install check of the self-contained build: in a fresh Debian 12 chroot with only Node.js
# and npm (debootstrap's minbase: no FFmpeg library or CLI, no compiler, no python), installs the
# packed avforge and @avforge/linux-x64-static(-gpl) offline, checks that nothing was compiled and
# that the static addon was loaded, runs the demo, then the unit tests against the installed
# package. The tests need the ffmpeg and ffprobe CLIs (their reference and their media maker): the
# ones static.sh built (from the GPL build's FFmpeg, for x264/x265) are put in
# /opt/avforge-test-tools after the install and the demo, on the tests' PATH only. The LGPL
# build has no demo (it encodes H.264/HEVC) and fails the tests that encode with x264/x265.
# Usage: scripts/prebuild/check-static.sh [gpl|lgpl]   (npm run check:static; needs root; default gpl)
# Builds the static FFmpeg and addon first when missing (static.sh, cached by its recipe's hash).
# Prints the install time, the sizes and the tests' counts; exits 1 on a failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
variant=${1:-gpl}
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}
export AVFORGE_MATRIX_CACHE=$cache
start=$(date +%s)
package=linux-x64-static
[ "$variant" = gpl ] && package=linux-x64-static-gpl
base=$(bash "$here/chroot.sh" bookworm-bare bookworm amd64 22.23.3)
# static.sh reuses its FFmpeg when the recipe is unchanged, and rebuilds the addon for this tree
bash "$here/static.sh" "$variant" >/dev/null
# the tests' CLIs: the GPL build's (the tests' media are H.264/HEVC, made with x264/x265)
tools=$(AVFORGE_STATIC_FFMPEG_ONLY=1 bash "$here/static.sh" gpl)
out="$cache/prebuild/pack-static"
bash "$here/pack.sh" "$out"
(cd "$repo" && npm run build:ts --silent)
# The tests' media, made here with this machine's ffmpeg CLI (the static one has no lavfi input
# device to make them from): they are the tests' inputs, not part of the install.
(cd "$repo" && node --input-type=module -e "
  const { recipes, media } = await import('./build/test/media/generate.js');
  for (const name of Object.keys(recipes)) media(name);")

root="$cache/prebuild/static-check-run"
{ grep -o " $root/[^ ]*" /proc/mounts || true; } | sort -r | xargs -r -n1 umount -l
rm -rf --one-file-system "$root"
cp -a "$base" "$root"
app="$root/app"
mkdir -p "$app/tests" "$root/root/.npm" "$root/opt/avforge-test-tools/bin"
version=$(node -p "require('$repo/package.json').version")
cp "$out/avforge-$version.tgz" "$out/avforge-$package-$version.tgz" "$app/"
lock() { node -p "require('$repo/package-lock.json').packages['node_modules/$1'].version"; }
testdeps="mediabunny@$(lock mediabunny) @opentelemetry/sdk-trace-base@$(lock @opentelemetry/sdk-trace-base) @opentelemetry/context-async-hooks@$(lock @opentelemetry/context-async-hooks) @opentelemetry/core@$(lock @opentelemetry/core)"
# npm's cache, primed here with the same install: the chroot installs offline
prime=$(mktemp -d)
(cd "$prime" && npm init -y >/dev/null && npm install --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error \
  "$out/avforge-$version.tgz" "$out/avforge-$package-$version.tgz" $testdeps >/dev/null)
rm -rf "$prime"
cp -a "$HOME/.npm/_cacache" "$root/root/.npm/"
(cd "$repo" && git ls-files -co --exclude-standard -z | grep -zv '^node_modules$' | tar --null -cf - -T -) | tar -xf - -C "$app/tests"
cp -a "$repo/dist" "$app/tests/" && cp -a "$repo/build" "$app/tests/" && rm -rf "$app/tests/build/Release" "$app/tests/build/Debug"
cp -a "$repo/test/.media" "$app/tests/test/"
# The test files that fail here for what the self-contained build leaves out (docs/prebuilt.md),
# by their top-level names: any other failure fails the check.
#   -f lavfi inputs (no libavdevice), in avforge or in the reference CLI:
cat >"$root/tmp/expected-failures" <<'LIST'
avforge ffmpeg
the avforge command
filter results
avforge/fluent: running in process
hostile uploads (untrusted by default)
controls: trusted inputs do reach the sentinel
trusted inputs: playlists that name themselves are still bounded
a format the caller admits still opens nothing but itself
trusted is a boolean option of every input, in the calls and the job schema
Engine probe jobs are untrusted unless their options say trusted: true
thumbnails
a concat list, copied
frame timing matches the ffmpeg CLI
frame taps
inputs stop when every output stream has ended
toFFprobeJson
LIST
#   no hardware device type (--disable-autodetect), no AV1 encoder, no libwebp encoder:
printf '%s\n' HwDevice 'VideoEncoder configurations' ImageDecoder >>"$root/tmp/expected-failures"
# the tests' tools, outside the chroot's PATH until the tests
# (their codec libraries' shared objects beside them, seen by them only)
mkdir -p "$root/opt/avforge-test-tools/libexec" && cp -a "$tools/test-tools/lib" "$root/opt/avforge-test-tools/"
for cli in ffmpeg ffprobe; do
  cp "$tools/bin/$cli" "$root/opt/avforge-test-tools/libexec/"
  printf '#!/bin/sh\nLD_LIBRARY_PATH=/opt/avforge-test-tools/lib exec /opt/avforge-test-tools/libexec/%s "$@"\n' $cli >"$root/opt/avforge-test-tools/bin/$cli"
  chmod +x "$root/opt/avforge-test-tools/bin/$cli"
done

# shellcheck disable=SC2016
bash "$here/in-chroot.sh" "$root" '
  set -eo pipefail
  for tool in cc gcc g++ c++ clang make python3 python pkg-config ffmpeg ffprobe; do
    if command -v $tool >/dev/null; then echo "check-static: $tool is installed: not a bare machine"; exit 1; fi
  done
  if ldconfig -p | grep -E "lib(avformat|avcodec|avutil|x264|x265|vpx|dav1d|opus)\.so"; then echo "check-static: FFmpeg or a codec library is installed"; exit 1; fi
  echo "check-static: Node $(node --version), npm $(npm --version), no FFmpeg, no codec library, no compiler"
  cd /app && npm init -y >/dev/null
  t0=$(date +%s%N)
  npm install --offline --no-audit --no-fund --foreground-scripts ./avforge-'"$version"'.tgz ./avforge-'"$package"'-'"$version"'.tgz 2>&1 | tee /tmp/install.log
  echo "check-static: npm install took $((($(date +%s%N) - t0) / 1000000)) ms"
  grep -q "using the prebuilt .*avforge.static.'"$variant"'" /tmp/install.log || { echo "check-static: the install did not use the static addon"; exit 1; }
  [ ! -e node_modules/avforge/build ] || { echo "check-static: the install compiled"; exit 1; }
  node --input-type=module -e "
    import { versions, codecs } from \"avforge\";
    const encoders = codecs().filter((c) => c.kind === \"encoder\").map((c) => c.name);
    console.log(\"check-static: import avforge: FFmpeg\", versions().ffmpeg, \"encoders include\", [\"libx264\", \"libx265\", \"libvpx-vp9\", \"libopus\", \"aac\"].filter((n) => encoders.includes(n)).join(\" \"));"
  echo "check-static: du of node_modules/avforge and @avforge/'"$package"': $(du -sk node_modules/avforge | cut -f1) KiB, $(du -sk node_modules/@avforge/'"$package"' | cut -f1) KiB"
  if [ '"$variant"' = gpl ]; then
    (cd /tmp && timeout 300 /app/node_modules/.bin/avforge demo) | tail -5
  else
    echo "check-static: no demo: it encodes with libx264 and libx265, which the LGPL build lacks"
  fi
  npm install --offline --no-audit --no-fund --no-save '"$testdeps"' >/dev/null
  export PATH=/opt/avforge-test-tools/bin:$PATH
  echo "check-static: the tests reference: $(ffmpeg -version | head -1 | cut -d" " -f1-3), static, from /opt/avforge-test-tools"
  rc=0; cd /app/tests && CI=1 node scripts/test.mjs --test-reporter=tap > /tmp/tests.log 2>&1 || rc=$?
  tail -12 /tmp/tests.log
  { grep -E "^\s*not ok" /tmp/tests.log | grep -v "# SKIP" | sed "s/^/check-static: failed: /"; } || true
  grep -E "^# (tests|pass|fail|skipped) " /tmp/tests.log | tr "\n" " " | sed "s/^/check-static: /"; echo
  grep -E "^not ok [0-9]+ - " /tmp/tests.log | grep -v "# SKIP" | sed -E "s/^not ok [0-9]+ - //" | sort -u >/tmp/failed
  unexpected=$(sort -u /tmp/expected-failures | comm -23 /tmp/failed -)
  [ -z "$unexpected" ] || { echo "check-static: failed beyond what this build leaves out:"; echo "$unexpected"; exit 1; }
  [ ! -s /tmp/failed ] || echo "check-static: $(wc -l </tmp/failed) test files failed, each for what this build leaves out (check-static.sh lists them)"
  [ $rc -eq 0 ] || [ -s /tmp/failed ] || exit $rc' && rc=0 || rc=$?
echo "check-static: done in $(($(date +%s) - start))s"
exit $rc
