#!/usr/bin/env bash
# Creates (or reuses) a Debian chroot with one suite's FFmpeg, Node.js and build tools, and prints
# its path. The chroot lives under $AVFORGE_MATRIX_CACHE (default /var/cache/avforge-matrix), keyed
# by a hash of the recipe (suite, mirror, packages, recipe_version, and the FFmpeg build when one
# is asked for): a changed recipe makes a new chroot, an unchanged one is reused.
# Usage: chroot.sh SUITE [FFMPEG_SOURCE]
#   chroot.sh trixie        FFmpeg 7.1 from Debian's packages
#   chroot.sh sid           the newest FFmpeg Debian has, from its packages
#   chroot.sh sid 8.1.2-2   FFmpeg built once from the suite's Debian source package of that version
#                           (for a version no suite ships as -dev packages), installed in /usr/local
set -euo pipefail
suite=$1
ffmpeg_source=${2:-}
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}
# The mirror the host's apt uses (these machines reach no other).
mirror=$(grep -rhoE '^(deb|URIs:) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
  grep -oE 'https?://[^ ]+' | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
packages=(ca-certificates nodejs npm g++ make python3 pkg-config ffmpeg libavformat-dev libavcodec-dev
  libavutil-dev libswscale-dev libswresample-dev libavfilter-dev libavdevice-dev pocl-opencl-icd
  mesa-vulkan-drivers redis-server)
# Bump when the steps below change what a chroot holds.
recipe_version=1
name=$suite
if [ -n "$ffmpeg_source" ]; then
  # Debian's FFmpeg packages make way for the libraries FFmpeg's build needs and the encoders,
  # decoders and devices the tests use; ccache is for the addon builds (run.sh).
  packages=(ca-certificates nodejs npm g++ make python3 pkg-config pocl-opencl-icd mesa-vulkan-drivers
    redis-server ccache dpkg-dev xz-utils nasm zlib1g-dev liblzma-dev libbz2-dev libxml2-dev libx264-dev
    libx265-dev libvpx-dev libopus-dev libvorbis-dev libmp3lame-dev libdav1d-dev libaom-dev
    libsvtav1enc-dev libwebp-dev ocl-icd-opencl-dev opencl-headers libvulkan-dev glslang-dev)
  configure=(--prefix=/usr/local --enable-shared --disable-static --disable-doc --disable-ffplay --enable-gpl
    --enable-version3 --enable-libx264 --enable-libx265 --enable-libvpx --enable-libopus --enable-libvorbis
    --enable-libmp3lame --enable-libdav1d --enable-libaom --enable-libsvtav1 --enable-libwebp --enable-opencl
    --enable-vulkan --enable-libglslang --enable-libxml2 --enable-lzma --enable-bzlib --enable-zlib)
  name="$suite-ffmpeg$ffmpeg_source"
fi
recipe="$recipe_version $suite $mirror ${packages[*]}"
[ -z "$ffmpeg_source" ] || recipe="$recipe ffmpeg=$ffmpeg_source ${configure[*]}"
key=$(printf '%s' "$recipe" | sha256sum | cut -c1-12)
root="$cache/$name-$key"
mkdir -p "$cache"
exec 9>"$cache/$name.lock"
flock 9  # one creation at a time per suite
if [ -f "$root/.avforge-ready" ]; then
  echo "$root"
  exit 0
fi
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
mkdir -p "$cache"
# A half-made chroot may still have debootstrap's or run.sh's mounts: never delete through them.
{ grep -o " $root/[^ ]*" /proc/mounts || true; } | sort -r | xargs -r -n1 umount -l
rm -rf --one-file-system "$root"
log="$cache/$name-$key.log"
echo "avforge matrix: creating the $name chroot ($root, log $log)" >&2
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$log" 2>&1
# A dated snapshot mirror serves Release files past their Valid-Until.
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99avforge-matrix"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# npm and apt need the host's CA certificates until ca-certificates is installed in the chroot.
mkdir -p "$root/etc/ssl" && cp -rL /etc/ssl/certs "$root/etc/ssl/"
chroot "$root" apt-get update -qq >>"$log" 2>&1
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >>"$log" 2>&1
if [ -n "$ffmpeg_source" ]; then
  # Debian's epoch for ffmpeg is 7; the source tree is ffmpeg-<upstream version>.
  echo "deb-src $mirror $suite main" >"$root/etc/apt/sources.list.d/avforge-src.list"
  echo "avforge matrix: building FFmpeg $ffmpeg_source in $root (about 30 minutes on 2 cores)" >&2
  chroot "$root" apt-get update -qq >>"$log" 2>&1
  chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root bash -euc "
    rm -rf /usr/src/ffmpeg && mkdir -p /usr/src/ffmpeg && cd /usr/src/ffmpeg
    apt-get source -qq --only-source ffmpeg=7:$ffmpeg_source
    cd ffmpeg-${ffmpeg_source%-*}
    ./configure ${configure[*]}
    make -j$(nproc)
    make install
    ldconfig
    cd / && rm -rf /usr/src/ffmpeg" >>"$log" 2>&1
fi
chroot "$root" apt-get clean >>"$log" 2>&1
touch "$root/.avforge-ready"
echo "$root"
