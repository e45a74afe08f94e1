#!/usr/bin/env bash
# Builds the prebuilt addons, one per platform and libavformat major, into prebuilds/ (prebuildify's
# layout: prebuilds/linux-x64/avforge.avformat61.glibc.node; src/native.ts picks the one
# for the FFmpeg installed), for every FFmpeg this machine has:
#   host      this machine's FFmpeg (Debian 12: 5.1, libavformat 59)
#   ffmpeg7   the version matrix's trixie chroot (7.1, libavformat 61)
#   ffmpeg8   its sid chroot with FFmpeg 8.1 built from Debian's source package (libavformat 62)
#   ffmpeg9   its sid chroot (9.x, libavformat 63)
#   arm64     a Debian 12 arm64 chroot under qemu-user-static (5.1, libavformat 59): cross-compiled
#             against it when aarch64-linux-gnu-g++ is here, else (or AVFORGE_ARM64_IN_CHROOT=1)
#             compiled inside it, emulated (slow)
# Usage: scripts/prebuild/build.sh [target...]   (default: host ffmpeg7 ffmpeg8 ffmpeg9; npm run build:prebuilts)
# The chroots are scripts/matrix/chroot.sh's (made once per machine, shared with the matrix) and
# chroot.sh's here; the builds go through the matrix's ccache. Each target builds in its own copy
# of the tree (the checkout's build/ is left alone), with N-API (one binary for every Node.js 20+)
# and stripped. Needs root for the chroots. Prints one line per target and exits 1 if one failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}
export AVFORGE_MATRIX_CACHE=$cache
export CCACHE_DIR=$cache/ccache CCACHE_MAXSIZE=2G
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(host ffmpeg7 ffmpeg8 ffmpeg9)
node_version=22.23.3
# What an arm64 build needs (the chroot's recipe: a change makes a new chroot).
arm64_packages=(ca-certificates g++ make python3 pkg-config ffmpeg libavformat-dev libavcodec-dev libavutil-dev
  libswscale-dev libswresample-dev libavfilter-dev libavdevice-dev redis-server)
modules=$(readlink -f "$repo/node_modules")
mkdir -p "$cache/logs" "$CCACHE_DIR" "$repo/prebuilds"
failed=0

# The tree (tracked and untracked-but-not-ignored files) in $1, without build outputs.
copy_tree() {
  rm -rf "$1" && mkdir -p "$1"
  (cd "$repo" && git ls-files -co --exclude-standard -z | grep -zv '^node_modules$' | tar --null -cf - -T -) | tar -xf - -C "$1"
}

# The build, in the tree copy at $PWD: named after the libavformat it links, so that the loader
# can tell the builds apart.
# shellcheck disable=SC2016
build='major=$(pkg-config --modversion libavformat | cut -d. -f1) &&
  if command -v ccache >/dev/null; then export CC="ccache gcc" CXX="ccache g++"; fi &&
  echo "FFmpeg $(ffmpeg -version | head -1 | cut -d" " -f3), libavformat $major, Node $(node --version)" &&
  JOBS=${JOBS:-$(nproc)} npm run prebuildify -- --name "avforge.avformat$major" &&
  node -e "const a = require(process.argv[1]); console.log(\"loads: FFmpeg\", a.versions().ffmpeg)" "$(ls $PWD/prebuilds/*/*.node)"'

for target in "${targets[@]}"; do
  log="$cache/logs/prebuild-$target.log"
  work="$cache/prebuild/$target"
  start=$(date +%s)
  copy_tree "$work"
  case $target in
    host)
      ln -s "$modules" "$work/node_modules"
      # node-gyp must not download headers (no nodejs.org here): this Node.js's own
      (cd "$work" && npm_config_nodedir=${npm_config_nodedir:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")} bash -c "$build") >"$log" 2>&1
      ;;
    ffmpeg7 | ffmpeg8 | ffmpeg9 | arm64)
      case $target in
        ffmpeg7) root=$(bash "$repo/scripts/matrix/chroot.sh" trixie 2>>"$log") ;;
        ffmpeg8) root=$(bash "$repo/scripts/matrix/chroot.sh" sid 8.1.2-2 2>>"$log") ;;
        ffmpeg9) root=$(bash "$repo/scripts/matrix/chroot.sh" sid 2>>"$log") ;;
        arm64) root=$(bash "$here/chroot.sh" bookworm-arm64-build bookworm arm64 "$node_version" "${arm64_packages[@]}" 2>>"$log") ;;
      esac
      mkdir -p "$work/node_modules" && echo "$root" >"$work/.avforge-chroot"
      if [ "$target" = arm64 ] && command -v aarch64-linux-gnu-g++ >/dev/null && [ -z "${AVFORGE_ARM64_IN_CHROOT:-}" ]; then
        # g++ under qemu is ~10x slower: cross-compile here against the chroot as the sysroot
        # (its FFmpeg, libc and libstdc++), with npm's arm64 Node.js headers; same flags otherwise.
        rmdir "$work/node_modules" && ln -s "$modules" "$work/node_modules"
        (cd "$work" && export CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ CFLAGS="--sysroot=$root" \
          CXXFLAGS="--sysroot=$root" LDFLAGS="--sysroot=$root" PKG_CONFIG_SYSROOT_DIR="$root" \
          PKG_CONFIG_LIBDIR="$root/usr/lib/aarch64-linux-gnu/pkgconfig:$root/usr/share/pkgconfig" \
          PREBUILD_STRIP_BIN=aarch64-linux-gnu-strip npm_config_arch=arm64 npm_config_nodedir="$root/usr/local" &&
          major=$(pkg-config --modversion libavformat | cut -d. -f1) &&
          echo "FFmpeg $(chroot "$root" ffmpeg -version | head -1 | cut -d' ' -f3), libavformat $major, cross-compiled" &&
          JOBS=${JOBS:-$(nproc)} npm run prebuildify -- --arch arm64 --name "avforge.avformat$major") >>"$log" 2>&1
      else
        # Debian's nodejs has its headers in /usr/include/node, node-dist.sh's in /usr/local/include/node
        AVFORGE_BINDS="$work:/avforge-prebuild $modules:/avforge-prebuild/node_modules $CCACHE_DIR:$CCACHE_DIR" \
          bash "$here/in-chroot.sh" "$root" "cd /avforge-prebuild && nodedir=/usr; [ -x /usr/local/bin/node ] && nodedir=/usr/local;
            export npm_config_nodedir=\$nodedir; $build" CCACHE_DIR="$CCACHE_DIR" CCACHE_MAXSIZE="$CCACHE_MAXSIZE" >>"$log" 2>&1
      fi
      ;;
    *) echo "unknown target: $target (host, ffmpeg7, ffmpeg8, ffmpeg9, arm64)" >"$log" && false ;;
  esac
  rc=$?
  built=$(find "$work/prebuilds" -name '*.node' 2>/dev/null)
  if [ $rc -eq 0 ] && [ -n "$built" ]; then
    for f in $built; do
      dir="$repo/prebuilds/$(basename "$(dirname "$f")")"
      mkdir -p "$dir" && cp "$f" "$dir/"
      echo "$target: $(grep -m1 '^FFmpeg ' "$log"): $(basename "$dir")/$(basename "$f") ($(($(stat -c %s "$f") / 1024)) KiB) in $(($(date +%s) - start))s"
    done
  else
    failed=$((failed + 1))
    echo "$target: FAILED in $(($(date +%s) - start))s (log $log)"
  fi
done
[ $failed -eq 0 ]
