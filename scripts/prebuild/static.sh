#!/usr/bin/env bash
# The self-contained build (a recipe; see docs/prebuilt.md), in two halves:
# 1. FFmpeg 7.1 from Debian trixie's source package, built as static PIC archives with only the
#    components avforge uses, with the codec libraries' static archives from Debian's -dev
#    packages, installed in $AVFORGE_MATRIX_CACHE/static-VARIANT-<hash of this recipe>/ (made once
#    per recipe: CI rebuilds it only when the recipe below changes).
# 2. The addon linking them: prebuilds/linux-x64/avforge.static.VARIANT.glibc.node (N-API,
#    stripped, -Wl,-Bsymbolic and --exclude-libs,ALL so that none of FFmpeg's symbols is seen
#    by, or taken from, the process; AVF_FFMPEG_STATIC in binding.gyp). It may depend only on
#    glibc and libstdc++: checked.
#   gpl   with x264 and x265: the result is GPL-2.0-or-later
#   lgpl  without them: LGPL-2.1-or-later, as avforge
# It builds in a Debian 12 (bookworm) chroot, not trixie: the addon that links these archives
# then needs glibc 2.35 and GCC 12's libstdc++ (Ubuntu 22.04, Debian 12), where trixie's would need 2.38+.
# Debian ships no static dav1d (libdav1d-dev has only the .so), so dav1d 1.5 is built from
# trixie's source package too. libass, harfbuzz and fontconfig have no static archives either:
# the self-contained build has no `subtitles`/`ass`/`drawtext` filters (docs/prebuilt.md).
# Usage: scripts/prebuild/static.sh [gpl|lgpl]   (needs root; FFmpeg about 40 minutes on 2 cores,
#        then the addon about 3)
#        AVFORGE_STATIC_CONFIGURE_ONLY=1 ...     stops after FFmpeg's configure (checks the recipe)
#        AVFORGE_STATIC_FFMPEG_ONLY=1 ...        stops after FFmpeg (built if missing), prints its folder
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
variant=${1:-gpl}
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}
jobs=${JOBS:-2}
suite=bookworm
ffmpeg_source=7.1.5-0+deb13u1
dav1d_source=1.5.1-1
numa_source=2.0.16-1
packages=(ca-certificates g++ make pkg-config dpkg-dev xz-utils nasm meson ninja-build python3 zlib1g-dev libvpx-dev
  libopus-dev libmp3lame-dev libvorbis-dev)
# What avforge uses: the libraries it links (no avdevice, postproc), the network protocols it
# opens, every demuxer/muxer/decoder/encoder/filter FFmpeg has without external libraries, and
# the external codecs below. No TLS: OpenSSL linked into an addon would clash with Node's own.
# The ffmpeg and ffprobe CLIs are built too, from the same archives, for the tests only (their
# reference and media maker, in check-static.sh): no package ships them.
configure=(--prefix=/opt/ffmpeg --enable-static --disable-shared --enable-pic --disable-ffplay --disable-doc
  --disable-debug --disable-avdevice --disable-postproc --disable-autodetect --enable-zlib --enable-libvpx
  --enable-libopus --enable-libmp3lame --enable-libdav1d --enable-libvorbis --pkg-config-flags=--static
  --extra-libs=-lpthread --extra-libs=-lm)
case $variant in
  gpl)
    packages+=(libx264-dev libx265-dev libnuma-dev)
    configure+=(--enable-gpl --enable-libx264 --enable-libx265 --extra-libs=-lstdc++)
    ;;
  lgpl) ;;
  *) echo "static.sh: gpl or lgpl, not $variant" >&2 && exit 1 ;;
esac
key=$(printf '%s' "$suite $ffmpeg_source $dav1d_source ${packages[*]} ${configure[*]}" | sha256sum | cut -c1-12)
out="$cache/static-$variant-$key"
# one chroot per variant, so that both can build at once (their binds are on its paths)
chroot_name=$suite-static-build
[ "$variant" = gpl ] || chroot_name+=-$variant
root=$(bash "$here/chroot.sh" "$chroot_name" $suite amd64 22.23.3 "${packages[@]}")
exec 8>"$cache/static-$variant.lock"
flock 8
mirror=$(grep -rhoE '^(deb|URIs:) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
  grep -oE 'https?://[^ ]+' | head -1 || true)
if [ ! -f "$out/.avforge-ready" ]; then
  echo "deb-src ${mirror:-http://deb.debian.org/debian} trixie main" >"$root/etc/apt/sources.list.d/avforge-src.list"
  rm -rf "$out" && mkdir -p "$out"
  start=$(date +%s)
  echo "avforge static: building FFmpeg ($variant) into $out (log $out.log)" >&2
  AVFORGE_BINDS="$out:/opt/ffmpeg" bash "$here/in-chroot.sh" "$root" "set -e
    apt-get update -qq
    rm -rf /usr/src/avforge-static && mkdir -p /usr/src/avforge-static && cd /usr/src/avforge-static
    apt-get source -qq --only-source dav1d=$dav1d_source ffmpeg=7:$ffmpeg_source
    cd dav1d-${dav1d_source%-*}
    meson setup build --prefix=/opt/ffmpeg --libdir=lib --buildtype=release -Ddefault_library=static \
      -Denable_tools=false -Denable_tests=false -Db_pie=true
    ninja -C build -j$jobs install
    cd ../ffmpeg-${ffmpeg_source%-*}
    export PKG_CONFIG_PATH=/opt/ffmpeg/lib/pkgconfig
    ./configure ${configure[*]}
    [ -z '${AVFORGE_STATIC_CONFIGURE_ONLY:-}' ] || exit 0
    make -j$jobs && make install
    cd / && rm -rf /usr/src/avforge-static" >"$out.log" 2>&1
  if [ -n "${AVFORGE_STATIC_CONFIGURE_ONLY:-}" ]; then
    grep -E '^(External libraries|License:)' -A3 "$out.log" || true
    exit 0
  fi
  echo "avforge static: FFmpeg built in $(($(date +%s) - start)) s; $(du -sh "$out/lib" | cut -f1) of archives" | tee -a "$out.log" >&2
  touch "$out/.avforge-ready"
fi
# AVFORGE_STATIC_FFMPEG_ONLY=1: the FFmpeg half only, for check-static.sh's test tools: the
# CLIs link the codec libraries' shared objects (ld prefers them), which go in test-tools/lib
if [ -n "${AVFORGE_STATIC_FFMPEG_ONLY:-}" ]; then
  if [ ! -d "$out/test-tools/lib" ]; then
    # shellcheck disable=SC2016
    AVFORGE_BINDS="$out:/opt/ffmpeg" bash "$here/in-chroot.sh" "$root" 'set -e
      mkdir -p /opt/ffmpeg/test-tools/lib.tmp
      ldd /opt/ffmpeg/bin/ffmpeg /opt/ffmpeg/bin/ffprobe | grep -oE "/[^ ]+\.so[^ ]*" | sort -u | while read -r lib; do
        case ${lib##*/} in libc.so.* | libm.so.* | libstdc++.so.* | libgcc_s.so.* | ld-linux* | libpthread.so.* | libdl.so.* | librt.so.* | libz.so.*) ;;
          *) cp -L "$lib" /opt/ffmpeg/test-tools/lib.tmp/ ;;
        esac
      done
      mv /opt/ffmpeg/test-tools/lib.tmp /opt/ffmpeg/test-tools/lib' >&2
  fi
  echo "$out"
  exit 0
fi

# The addon, in a copy of the tree, in the same chroot (its glibc, its codec archives). Every
# -lNAME pkg-config names becomes that library's static archive, except glibc's and the C++
# runtime; one without an archive stops the build (it would be a dependency users lack). Two
# of Debian's archives cannot go into a shared object as they are:
# - libnuma.a (x265's) uses initial-exec TLS: libnuma is built here from Debian 12's source
#   package, position-independent (cached in static-libnuma-VERSION/; its symbol versions,
#   which need a version script, folded into the plain names);
# - the PIE-compiled ones read `stderr` PC-relative: a copy of each with stderr renamed to
#   avf_static_stderr, which native/common/lavfi.cc defines in the static build.
work="$cache/prebuild/static-$variant"
log="$cache/logs/prebuild-static-$variant.log"
built="$repo/prebuilds/linux-x64/avforge.static.$variant.glibc.node"
# an addon newer than the native sources, binding.gyp and this FFmpeg is reused
if [ -f "$built" ] && [ -z "$(cd "$repo" && find native binding.gyp "$out/.avforge-ready" -newer "$built" | head -1)" ]; then
  echo "avforge static: prebuilds/linux-x64/${built##*/} is up to date" >&2
  echo "$out"
  exit 0
fi
numa="$cache/static-libnuma-$numa_source"
mkdir -p "$cache/logs" "$numa"
rm -rf "$work" && mkdir -p "$work/node_modules"
(cd "$repo" && git ls-files -co --exclude-standard -z | grep -zv '^node_modules$' | tar --null -cf - -T -) | tar -xf - -C "$work"
start=$(date +%s)
# shellcheck disable=SC2016
AVFORGE_BINDS="$out:/opt/ffmpeg $numa:/opt/numa $work:/avforge-prebuild $(readlink -f "$repo/node_modules"):/avforge-prebuild/node_modules" \
  bash "$here/in-chroot.sh" "$root" 'set -e
  if [ '"$variant"' = gpl ] && [ ! -f /opt/numa/libnuma.a ]; then
    rm -rf /tmp/numa && mkdir -p /tmp/numa/lists/partial && cd /tmp/numa
    echo "deb-src '"${mirror:-http://deb.debian.org/debian}"' bookworm main" >sources.list
    apt="-o Dir::Etc::SourceList=/tmp/numa/sources.list -o Dir::Etc::SourceParts=- -o Dir::State::Lists=/tmp/numa/lists"
    apt-get $apt update -qq && apt-get $apt source -qq numactl='"$numa_source"'
    cd numactl-'"${numa_source%-*}"' && : >config.h
    for f in libnuma syscall distance affinity sysfs rtnetlink; do
      gcc -O2 -fPIC -DTLS=__thread -I. -c $f.c -o $f.o
      renames=$(nm $f.o | awk "{print \$NF}" | grep @ | sort -u |
        sed -E "s/^([^@]+)@@.*/--redefine-sym &=\1/; s/^([^@]+)@([^@]+)$/--redefine-sym &=\1_\2/")
      [ -z "$renames" ] || objcopy $renames $f.o
    done
    ar rcs /opt/numa/libnuma.a libnuma.o syscall.o distance.o affinity.o sysfs.o rtnetlink.o
    cd / && rm -rf /tmp/numa
  fi
  cd /avforge-prebuild && mkdir -p static-archives
  export PKG_CONFIG_PATH=/opt/ffmpeg/lib/pkgconfig npm_config_nodedir=/usr/local
  flags=$(pkg-config --static --libs libavfilter libavformat libavcodec libswscale libswresample libavutil)
  libs=
  for flag in $flags; do
    case $flag in
      -L*) ;;
      -lm | -lpthread | -ldl | -lrt | -lc | -lstdc++ | -lgcc | -lgcc_s | -latomic) libs="$libs $flag" ;;
      -l*)
        archive=$(ls /opt/ffmpeg/lib/lib${flag#-l}.a /opt/numa/lib${flag#-l}.a /usr/lib/x86_64-linux-gnu/lib${flag#-l}.a 2>/dev/null | head -1)
        [ -n "$archive" ] || { echo "static: no static archive for $flag"; exit 1; }
        if [ "${archive#/usr/}" != "$archive" ] && nm -u "$archive" 2>/dev/null | grep -qx " *U stderr"; then
          objcopy --redefine-sym stderr=avf_static_stderr "$archive" "static-archives/${archive##*/}"
          archive=$PWD/static-archives/${archive##*/}
        fi
        libs="$libs $archive" ;;
      *) libs="$libs $flag" ;;
    esac
  done
  export AVFORGE_FFMPEG_STATIC_LIBS=$(echo $libs | tr " " "\n" | awk "!seen[\$0]++" | tr "\n" " ")
  echo "static: linking $AVFORGE_FFMPEG_STATIC_LIBS"
  JOBS='"$jobs"' npm run prebuildify -- --name avforge.static.'"$variant"'
  addon=$(ls prebuilds/linux-x64/avforge.static.*.node)
  needed=$(readelf -d "$addon" | sed -n "s/.*(NEEDED).*\[\(.*\)\]/\1/p" | tr "\n" " ")
  echo "static: $addon needs: $needed"
  for lib in $needed; do
    case $lib in libc.so.* | libm.so.* | libstdc++.so.* | libgcc_s.so.* | libpthread.so.* | libdl.so.* | librt.so.* | ld-linux-*) ;;
      *) echo "static: $addon needs $lib, which a machine without FFmpeg lacks"; exit 1 ;;
    esac
  done
  ! readelf -d "$addon" | grep -q TEXTREL || { echo "static: $addon has text relocations"; exit 1; }
  echo "static: newest glibc symbol: $(objdump -T "$addon" | grep -o "GLIBC_[0-9.]*" | sort -uV | tail -1)"
  node -e "const a = require(process.argv[1]); console.log(\"static: loads: FFmpeg\", a.versions().ffmpeg, \"filters:\", a.listFilters().length)" "$PWD/$addon"
' >"$log" 2>&1 || { tail -30 "$log" >&2; echo "avforge static: the addon failed (log $log)" >&2; exit 1; }
grep '^static: ' "$log" | grep -v '^static: linking' >&2
mkdir -p "$repo/prebuilds/linux-x64"
cp "$work"/prebuilds/linux-x64/avforge.static.*.node "$repo/prebuilds/linux-x64/"
for f in "$work"/prebuilds/linux-x64/avforge.static.*.node; do
  echo "avforge static: prebuilds/linux-x64/$(basename "$f") ($(($(stat -c %s "$f") / 1024)) KiB) in $(($(date +%s) - start)) s" >&2
done
echo "$out"
