#!/usr/bin/env bash
# Creates (or reuses) a Debian chroot with one suite's FFmpeg, Node.js and build tools, and prints
# its path. The chroot lives under $AVFORGE_MATRIX_CACHE (default /var/cache/avforge-matrix), keyed
# by a hash of the recipe (suite, mirror, packages, recipe_version): a changed recipe makes a new
# chroot, an unchanged one is reused.
# Usage: chroot.sh SUITE   (trixie: FFmpeg 7.1; sid: the newest FFmpeg Debian has)
set -euo pipefail
suite=$1
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
recipe="$recipe_version $suite $mirror ${packages[*]}"
key=$(printf '%s' "$recipe" | sha256sum | cut -c1-12)
root="$cache/$suite-$key"
mkdir -p "$cache"
exec 9>"$cache/$suite.lock"
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
log="$cache/$suite-$key.log"
echo "avforge matrix: creating the $suite chroot ($root, log $log)" >&2
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$log" 2>&1
# A dated snapshot mirror serves Release files past their Valid-Until.
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99avforge-matrix"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# npm and apt need the host's CA certificates until ca-certificates is installed in the chroot.
mkdir -p "$root/etc/ssl" && cp -rL /etc/ssl/certs "$root/etc/ssl/"
chroot "$root" apt-get update -qq >>"$log" 2>&1
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >>"$log" 2>&1
chroot "$root" apt-get clean >>"$log" 2>&1
touch "$root/.avforge-ready"
echo "$root"
