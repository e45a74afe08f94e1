#!/usr/bin/env bash
# Creates (or reuses) a Debian chroot for the prebuilt binaries' builds and install checks, and
# prints its path. Same cache and conventions as scripts/matrix/chroot.sh: it lives under
# $AVFORGE_MATRIX_CACHE (default /var/cache/avforge-matrix), named NAME-<hash of the recipe>, made
# once per recipe (a changed recipe makes a new one), marked ready by .avforge-ready, one creation
# at a time per name. Differs in that the caller picks the architecture (arm64 runs under
# qemu-user-static through binfmt_misc) and the exact packages (the install check wants no compiler).
# Node.js is not from Debian (bookworm has 18, avforge needs 20+): node-dist.sh's copy goes in
# /usr/local.
# Usage: chroot.sh NAME SUITE ARCH NODE_VERSION PACKAGE...
set -euo pipefail
name=$1 suite=$2 arch=$3 node_version=$4
shift 4
packages=("$@")
here=$(cd "$(dirname "$0")" && pwd)
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}
mirror=$(grep -rhoE '^(deb|URIs:) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
  grep -oE 'https?://[^ ]+' | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
# Bump when the steps below change what a chroot holds.
recipe_version=1
key=$(printf '%s' "$recipe_version $name $suite $arch $mirror node=$node_version ${packages[*]}" | sha256sum | cut -c1-12)
root="$cache/$name-$key"
mkdir -p "$cache"
exec 9>"$cache/$name.lock"
flock 9
if [ -f "$root/.avforge-ready" ]; then
  echo "$root"
  exit 0
fi
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
  bash "$here/qemu.sh" "$arch" >&2
fi
node=$(bash "$here/node-dist.sh" "$node_version" "$arch")
{ grep -o " $root/[^ ]*" /proc/mounts || true; } | sort -r | xargs -r -n1 umount -l
rm -rf --one-file-system "$root"
log="$cache/$name-$key.log"
echo "avforge prebuild: creating the $name chroot ($root, log $log)" >&2
debootstrap --variant=minbase --arch="$arch" "$suite" "$root" "$mirror" >"$log" 2>&1
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99avforge-matrix"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if [ ${#packages[@]} -gt 0 ]; then
  chroot "$root" apt-get update -qq >>"$log" 2>&1
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >>"$log" 2>&1
fi
cp -a "$node/." "$root/usr/local/"
chroot "$root" apt-get clean >>"$log" 2>&1
touch "$root/.avforge-ready"
echo "$root"
