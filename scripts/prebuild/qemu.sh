#!/usr/bin/env bash
# Lets this machine run ARCH's binaries (chroots of another architecture): qemu-user-static,
# registered with binfmt_misc with the F flag, so that the emulator needs no copy in the chroot.
# Usage: qemu.sh ARCH (arm64)
set -euo pipefail
case $1 in arm64) q=aarch64 ;; *) q=$1 ;; esac
[ -x /usr/bin/qemu-$q-static ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[ -e /proc/sys/fs/binfmt_misc/qemu-$q ] || cat /usr/lib/binfmt.d/qemu-$q.conf >/proc/sys/fs/binfmt_misc/register
