#!/usr/bin/env bash
# The self-contained build's first half (a recipe; see docs/prebuilt.md): FFmpeg from Debian
# trixie's source package, built as static PIC archives with only the components avforge uses
# and the codec libraries' static archives from Debian's -dev packages, installed in
# $AVFORGE_MATRIX_CACHE/static-VARIANT-<hash of this recipe>/ (made once per recipe: CI rebuilds
# it only when this file's recipe changes).
#   gpl   with x264 and x265: the result is GPL-2.0-or-later
#   lgpl  without them: LGPL-2.1-or-later, as avforge
# The second half, the addon linking these archives (pkg-config --static, -Wl,-Bsymbolic,
# --exclude-libs,ALL, stripped), needs native/common/lavfi.cc to find libavfilter's symbols in
# the process (dlopen(NULL)) rather than in libavfilter.so.N: not done yet (docs/prebuilt.md).
# Usage: scripts/prebuild/static.sh [gpl|lgpl]   (about 30-40 minutes on 2 cores; needs root)
#        AVFORGE_STATIC_CONFIGURE_ONLY=1 ...     stops after FFmpeg's configure (checks the recipe)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
variant=${1:-gpl}
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}
ffmpeg_source=7.1.5-0+deb13u1
packages=(ca-certificates g++ make pkg-config dpkg-dev xz-utils nasm zlib1g-dev libvpx-dev libopus-dev libmp3lame-dev
  libdav1d-dev libvorbis-dev libass-dev libfreetype-dev libfribidi-dev libharfbuzz-dev libfontconfig-dev)
# What avforge uses: the libraries it links (no avdevice, postproc), the network protocols it
# opens, every demuxer/muxer/decoder/encoder/filter FFmpeg has without external libraries, and
# the external codecs below.
configure=(--prefix=/opt/ffmpeg --enable-static --disable-shared --enable-pic --disable-programs --disable-doc
  --disable-avdevice --disable-postproc --disable-autodetect --enable-zlib --enable-libvpx --enable-libopus
  --enable-libmp3lame --enable-libdav1d --enable-libvorbis --enable-libass --enable-libfreetype --enable-libfribidi
  --enable-libharfbuzz --enable-libfontconfig --pkg-config-flags=--static --extra-libs=-lpthread --extra-libs=-lm)
case $variant in
  gpl)
    packages+=(libx264-dev libx265-dev libnuma-dev)
    configure+=(--enable-gpl --enable-libx264 --enable-libx265 --extra-cxxflags=-fPIC --extra-libs=-lstdc++)
    ;;
  lgpl) ;;
  *) echo "static.sh: gpl or lgpl, not $variant" >&2 && exit 1 ;;
esac
key=$(printf '%s' "$ffmpeg_source ${packages[*]} ${configure[*]}" | sha256sum | cut -c1-12)
out="$cache/static-$variant-$key"
if [ -f "$out/.avforge-ready" ]; then
  echo "$out"
  exit 0
fi
root=$(bash "$here/chroot.sh" trixie-static-build trixie amd64 22.23.3 "${packages[@]}")
mirror=$(grep -rhoE '^(deb|URIs:) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
  grep -oE 'https?://[^ ]+' | head -1 || true)
echo "deb-src ${mirror:-http://deb.debian.org/debian} trixie main" >"$root/etc/apt/sources.list.d/avforge-src.list"
rm -rf "$out" && mkdir -p "$out"
AVFORGE_BINDS="$out:/opt/ffmpeg" bash "$here/in-chroot.sh" "$root" "set -e
  apt-get update -qq
  rm -rf /usr/src/ffmpeg && mkdir -p /usr/src/ffmpeg && cd /usr/src/ffmpeg
  apt-get source -qq --only-source ffmpeg=7:$ffmpeg_source
  cd ffmpeg-${ffmpeg_source%-*}
  ./configure ${configure[*]}
  [ -z '${AVFORGE_STATIC_CONFIGURE_ONLY:-}' ] || exit 0
  make -j\$(nproc) && make install
  cd / && rm -rf /usr/src/ffmpeg" >"$out.log" 2>&1
if [ -n "${AVFORGE_STATIC_CONFIGURE_ONLY:-}" ]; then
  grep -E '^(External libraries|License:)' -A3 "$out.log" || true
  exit 0
fi
du -sh "$out/lib" >>"$out.log"
touch "$out/.avforge-ready"
echo "$out"
