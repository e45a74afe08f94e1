#!/usr/bin/env bash
# The load-time choice, on every FFmpeg this machine has: with all the prebuilts of prebuilds/
# side by side (and this checkout's build/Release, made for another FFmpeg, in front of them),
# each of the version matrix's chroots and this machine must load the prebuilt for its own
# libavformat major, and list it among the majors installed.
# Usage: scripts/prebuild/check-load.sh   (after build.sh and npm run build:ts; needs root)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
modules=$(readlink -f "$repo/node_modules")
# shellcheck disable=SC2016
probe='node --input-type=module -e "
  const m = await import(\"./dist/native.js\");
  const v = m.addon().versions();
  const major = Number(v.libavformat.split(\".\")[0]);
  const file = m.addonPath();
  const ok = file.includes(\"avforge.avformat\" + major + \".\") && m.installedAvformatMajors().includes(major);
  console.log((ok ? \"ok\" : \"WRONG\") + \": FFmpeg \" + v.ffmpeg + \", majors installed \" + m.installedAvformatMajors() + \": \" + file.replace(process.cwd() + \"/\", \"\"));
  process.exit(ok ? 0 : 1);"'
failed=0
echo -n "host: " && (cd "$repo" && AVFORGE_ADDON= bash -c "mv build/Release/avforge.node build/Release/avforge.node.away 2>/dev/null; $probe; rc=\$?; mv build/Release/avforge.node.away build/Release/avforge.node 2>/dev/null; exit \$rc") || failed=1
for suite in trixie "sid 8.1.2-2" sid; do
  # shellcheck disable=SC2086
  root=$(bash "$repo/scripts/matrix/chroot.sh" $suite) || { failed=1 && continue; }
  echo -n "$suite: "
  # the checkout's node_modules is a link out of the tree: its packages come in by NODE_PATH
  AVFORGE_BINDS="$repo:/avforge-check $modules:/avforge-modules" bash "$here/in-chroot.sh" "$root" "cd /avforge-check && $probe" \
    NODE_PATH=/avforge-modules || failed=1
done
exit $failed
