#!/usr/bin/env bash
# The version matrix: builds the addon and runs the tests against each FFmpeg and Node.js the
# README promises, beyond the one CI machine (Debian 12: FFmpeg 5.1, Node 20):
#   ffmpeg7   Debian trixie chroot: FFmpeg 7.1 and its Node.js
#   ffmpeg8   Debian sid chroot with FFmpeg 8.1 built once from sid's Debian source package
#             (no suite ships FFmpeg 8 -dev packages) and sid's Node.js
#   ffmpeg9   Debian sid chroot: the newest FFmpeg Debian has (9.x) and its Node.js
#   node22    this machine's FFmpeg with Node.js 22 (npm's `node` package)
#   node24    this machine's FFmpeg with Node.js 24
# Usage: scripts/matrix/run.sh [combination...]   (default: all five; npm run test:matrix)
# Chroots, the FFmpeg 8 build and Node.js builds are cached under $AVFORGE_MATRIX_CACHE (default
# /var/cache/avforge-matrix) and reused while their recipe is unchanged: the first run on a machine
# makes them (about an hour), later runs only build and test. Each combination works on its own
# copy of this tree there, so the checkout's build/ is left alone; build-and-test.sh is what runs
# in it. The addon builds go through ccache ($AVFORGE_MATRIX_CACHE/ccache, shared by all), and the
# TypeScript is compiled once per run (it depends on neither FFmpeg nor Node.js).
# Prints one line per combination, the total, and a final "matrix: N passed, N failed" (tests,
# all combinations together); exits 1 when a combination failed. Needs root (chroot, mount);
# installs debootstrap and ccache when missing.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}
export AVFORGE_MATRIX_CACHE=$cache
combos=("$@")
[ ${#combos[@]} -gt 0 ] || combos=(ffmpeg7 ffmpeg8 ffmpeg9 node22 node24)
# The Debian source package the ffmpeg8 combination builds FFmpeg from (sid's deb-src).
ffmpeg8_source=8.1.2-2
export CCACHE_DIR=$cache/ccache CCACHE_MAXSIZE=2G
mkdir -p "$cache/logs" "$CCACHE_DIR"
passed=0
failed=0
tests_passed=0
tests_failed=0

# Copies the tree (tracked and untracked-but-not-ignored files) into $1, and node_modules when
# the lock file changed. The generated test media (test/.media) stays: it belongs to that copy's FFmpeg.
copy_tree() {
  local dest=$1
  mkdir -p "$dest"
  find "$dest" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name test -exec rm -rf {} +
  find "$dest/test" -mindepth 1 -maxdepth 1 ! -name .media -exec rm -rf {} + 2>/dev/null || true
  (cd "$repo" && git ls-files -co --exclude-standard -z | grep -zv '^node_modules$' | tar --null -cf - -T -) | tar -xf - -C "$dest"
  # The TypeScript compile_ts made for this run (build-and-test.sh puts it in place).
  if [ "$dest" != "$cache/ts" ] && [ -d "$cache/ts/dist" ]; then
    mkdir -p "$dest/.matrix-ts" && cp -a "$cache/ts/dist" "$cache/ts/build" "$dest/.matrix-ts/"
  fi
  local lock
  lock=$(sha256sum "$repo/package-lock.json" | cut -c1-16)
  if [ "$(cat "$dest/node_modules/.avforge-lock" 2>/dev/null)" != "$lock" ]; then
    rm -rf "$dest/node_modules"
    mkdir -p "$dest/node_modules"
    cp -a "$(readlink -f "$repo/node_modules")/." "$dest/node_modules/"
    echo "$lock" >"$dest/node_modules/.avforge-lock"
  fi
}

# The TypeScript, compiled once for every combination in $cache/ts with this machine's Node.js.
compile_ts() {
  copy_tree "$cache/ts"
  (cd "$cache/ts" && rm -rf build dist && npm run build:ts) >"$cache/logs/ts.log" 2>&1
}

# ccache on this machine (the chroots get theirs in run_chroot).
command -v ccache >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ccache >/dev/null 2>&1 ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ccache >/dev/null; }

# "N tests, N passed, N failed" from node --test's summary in log $1 (TAP "# pass N" or, from
# Node 23 on, the spec reporter's "ℹ pass N").
counts() {
  local t p f
  t=$(grep -E '^(#|ℹ) tests [0-9]+' "$1" | tail -1 | grep -oE '[0-9]+$')
  p=$(grep -E '^(#|ℹ) pass [0-9]+' "$1" | tail -1 | grep -oE '[0-9]+$')
  f=$(grep -E '^(#|ℹ) fail [0-9]+' "$1" | tail -1 | grep -oE '[0-9]+$')
  echo "${t:-?} tests, ${p:-?} passed, ${f:-?} failed"
}

# Node.js $1 (a major version) from npm's `node` package; prints its platform package's folder,
# which holds bin/node and include/node (the headers the addon must build against).
node_dist() {
  local dir="$cache/node-$1"
  if [ ! -f "$dir/.ready" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm install --no-save --no-audit --no-fund --loglevel=error "node@$1" >&2) || return 1
    touch "$dir/.ready"
  fi
  find "$dir/node_modules" -maxdepth 3 -type d -name "node-$(uname -s | tr A-Z a-z)-*" | head -1
}

# run_chroot LOG SUITE [FFMPEG_SOURCE]: the combination in chroot.sh's chroot for those arguments.
run_chroot() {
  local log=$1 root
  shift
  root=$(bash "$here/chroot.sh" "$@") || { echo "no chroot: see the chroot log under $cache" >"$log" && return 1; }
  copy_tree "$root/avforge"
  mkdir -p "$root$CCACHE_DIR"
  for m in proc sys dev dev/shm "${CCACHE_DIR#/}"; do
    mountpoint -q "$root/$m" || mount --bind "/$m" "$root/$m"
  done
  # Chroots made before ccache joined the matrix get it here (their recipe, so their key, stays).
  chroot "$root" sh -c 'command -v ccache >/dev/null || { apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ccache && apt-get clean; }' >"$log" 2>&1
  # Debian's nodejs has its headers in /usr/include/node: build against them, not npm's guess.
  chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    npm_config_nodedir=/usr CI=1 CCACHE_DIR="$CCACHE_DIR" CCACHE_MAXSIZE="$CCACHE_MAXSIZE" \
    bash -c 'cd /avforge && bash scripts/matrix/build-and-test.sh' >>"$log" 2>&1
  local rc=$?
  for m in "${CCACHE_DIR#/}" dev/shm dev sys proc; do umount "$root/$m" 2>/dev/null || umount -l "$root/$m"; done
  return $rc
}

run_host_node() {
  local major=$1 log=$2 dist work="$cache/host/node$1"
  dist=$(node_dist "$major") || return 1
  copy_tree "$work"
  (cd "$work" && PATH="$dist/bin:$PATH" npm_config_nodedir="$dist" CI=1 bash scripts/matrix/build-and-test.sh) >"$log" 2>&1
}

run_start=$(date +%s)
ts_ok=1
compile_ts || { ts_ok=0 && echo "matrix: the TypeScript did not compile (log $cache/logs/ts.log)"; }
for combo in "${combos[@]}"; do
  log="$cache/logs/$combo.log"
  start=$(date +%s)
  rm -f "$log"
  if [ $ts_ok -eq 0 ]; then
    false
  else
    case $combo in
      ffmpeg7) run_chroot "$log" trixie ;;
      ffmpeg8) run_chroot "$log" sid "$ffmpeg8_source" ;;
      ffmpeg9) run_chroot "$log" sid ;;
      node22 | node24) run_host_node "${combo#node}" "$log" ;;
      *) echo "unknown combination: $combo (ffmpeg7, ffmpeg8, ffmpeg9, node22, node24)" >&2 && false ;;
    esac
  fi
  rc=$?
  seconds=$(($(date +%s) - start))
  versions=$(grep -m1 '^FFmpeg ' "$log" 2>/dev/null || echo "versions unknown")
  split=$(grep -m1 -oE '^avforge matrix: build [0-9]+s, tests [0-9]+s' "$log" 2>/dev/null | sed 's/^avforge matrix: //')
  line="$combo: $versions: $(counts "$log") in ${seconds}s${split:+ ($split)} (log $log)"
  if [ $rc -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); line="$line FAILED"; fi
  p=$(grep -E '^(#|ℹ) pass [0-9]+' "$log" 2>/dev/null | tail -1 | grep -oE '[0-9]+$')
  f=$(grep -E '^(#|ℹ) fail [0-9]+' "$log" 2>/dev/null | tail -1 | grep -oE '[0-9]+$')
  tests_passed=$((tests_passed + ${p:-0}))
  tests_failed=$((tests_failed + ${f:-0}))
  echo "$line"
done
echo "matrix: ${#combos[@]} combinations in $(($(date +%s) - run_start))s: $passed passed, $failed failed"
echo "matrix: $tests_passed passed, $tests_failed failed"
[ $failed -eq 0 ]
