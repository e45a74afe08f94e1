#!/usr/bin/env bash
# Runs COMMAND (bash) in chroot ROOT with /proc, /sys and /dev mounted, and the host folders in
# $AVFORGE_BINDS ("HOST:INSIDE ...", INSIDE absolute in the chroot), in a clean environment
# (PATH has /usr/local/bin: node-dist.sh's Node.js), and unmounts all of them whatever happens.
# Usage: [AVFORGE_BINDS=...] in-chroot.sh ROOT COMMAND [VAR=VALUE...]
set -uo pipefail
root=$1 command=$2
shift 2
sources=(/proc /sys /dev /dev/shm /dev/pts)
targets=(proc sys dev dev/shm dev/pts)
for bind in ${AVFORGE_BINDS:-}; do
  sources+=("${bind%%:*}")
  targets+=("${bind#*:}")
done
mounted=()
unmount() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}"
  done
  # the mount points this made for the binds
  for ((i = 5; i < ${#targets[@]}; i++)); do rmdir "$root/${targets[i]#/}" 2>/dev/null; done
  return 0
}
trap unmount EXIT
for i in "${!sources[@]}"; do
  target="$root/${targets[i]#/}"
  # a bind onto a symlink would follow it out of the chroot
  [ -L "$target" ] && { echo "in-chroot: $target is a symlink: not mounted" >&2 && exit 1; }
  mkdir -p "$target"
  mountpoint -q "$target" && continue
  mount --bind "${sources[i]}" "$target" && mounted+=("$target")
done
chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@" bash -c "$command"
