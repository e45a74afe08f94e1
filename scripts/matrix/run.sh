#!/usr/bin/env bash
# The version matrix: builds the addon and runs `npm test` against each FFmpeg and Node.js the
# README promises, beyond the one CI machine (Debian 12: FFmpeg 5.1, Node 20):
#   ffmpeg7   Debian trixie chroot: FFmpeg 7.1 and its Node.js
#   ffmpeg9   Debian sid chroot: the newest FFmpeg Debian has (9.x) and its Node.js
#   node22    this machine's FFmpeg with Node.js 22 (npm's `node` package)
#   node24    this machine's FFmpeg with Node.js 24
# Usage: scripts/matrix/run.sh [combination...]   (default: all four)
# Chroots and Node.js builds are cached under $AVFORGE_MATRIX_CACHE (default
# /var/cache/avforge-matrix) and reused while their recipe is unchanged; each combination
# works on its own copy of this tree there, so the checkout's build/ is left alone.
# Prints one line per combination and a final "N passed, N failed" (combinations); exits 1 when
# one failed. Needs root (chroot, mount) and debootstrap (installed when missing).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}
export AVFORGE_MATRIX_CACHE=$cache
combos=("$@")
[ ${#combos[@]} -gt 0 ] || combos=(ffmpeg7 ffmpeg9 node22 node24)
mkdir -p "$cache/logs"
summary=()
passed=0
failed=0

# Copies the tree (tracked and untracked-but-not-ignored files) into $1, and node_modules when
# the lock file changed. The generated test media (test/.media) stays: it belongs to that copy's FFmpeg.
copy_tree() {
  local dest=$1
  mkdir -p "$dest"
  find "$dest" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name test -exec rm -rf {} +
  find "$dest/test" -mindepth 1 -maxdepth 1 ! -name .media -exec rm -rf {} + 2>/dev/null || true
  (cd "$repo" && git ls-files -co --exclude-standard -z | grep -zv '^node_modules$' | tar --null -cf - -T -) | tar -xf - -C "$dest"
  local lock
  lock=$(sha256sum "$repo/package-lock.json" | cut -c1-16)
  if [ "$(cat "$dest/node_modules/.avforge-lock" 2>/dev/null)" != "$lock" ]; then
    rm -rf "$dest/node_modules"
    mkdir -p "$dest/node_modules"
    cp -a "$(readlink -f "$repo/node_modules")/." "$dest/node_modules/"
    echo "$lock" >"$dest/node_modules/.avforge-lock"
  fi
}

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

run_chroot() {
  local combo=$1 suite=$2 log=$3 root
  root=$(bash "$here/chroot.sh" "$suite") || return 1
  copy_tree "$root/avforge"
  for m in proc sys dev dev/shm; do
    mountpoint -q "$root/$m" || mount --bind "/$m" "$root/$m"
  done
  # Debian's nodejs has its headers in /usr/include/node: build against them, not npm's guess.
  chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    npm_config_nodedir=/usr CI=1 bash -c 'cd /avforge && echo "FFmpeg $(ffmpeg -version | head -1 | cut -d" " -f3), Node $(node --version)" &&
      npm run build:native && npm test' >"$log" 2>&1
  local rc=$?
  for m in dev/shm dev sys proc; do umount "$root/$m" 2>/dev/null || umount -l "$root/$m"; done
  return $rc
}

run_host_node() {
  local major=$1 log=$2 dist work="$cache/host/node$1"
  dist=$(node_dist "$major") || return 1
  copy_tree "$work"
  (cd "$work" && PATH="$dist/bin:$PATH" npm_config_nodedir="$dist" CI=1 bash -c \
    'echo "FFmpeg $(ffmpeg -version | head -1 | cut -d" " -f3), Node $(node --version)" && npm run build:native && npm test') >"$log" 2>&1
}

for combo in "${combos[@]}"; do
  log="$cache/logs/$combo.log"
  start=$(date +%s)
  case $combo in
    ffmpeg7) run_chroot "$combo" trixie "$log" ;;
    ffmpeg9) run_chroot "$combo" sid "$log" ;;
    node22 | node24) run_host_node "${combo#node}" "$log" ;;
    *) echo "unknown combination: $combo (ffmpeg7, ffmpeg9, node22, node24)" >&2 && false ;;
  esac
  rc=$?
  seconds=$(($(date +%s) - start))
  versions=$(grep -m1 '^FFmpeg ' "$log" 2>/dev/null || echo "versions unknown")
  line="$combo: $versions: $(counts "$log") in ${seconds}s (log $log)"
  if [ $rc -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); line="$line FAILED"; fi
  echo "$line"
  summary+=("$line")
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
