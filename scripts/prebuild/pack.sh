#!/usr/bin/env bash
# Packs avforge for publishing, as `npm publish` would: the main package (npm pack: dist/, the
# native sources for a build from source, the install script) and one package per platform in
# packages/ (@avforge/linux-x64, ...) holding that platform's prebuilds/ from build.sh (and
# static.sh for the self-contained @avforge/linux-x64-static and -static-gpl), each LGPL one
# declared as an optional dependency of the main package (npm installs only the one whose os,
# cpu and libc match; the GPL one only on request). Checks that the versions agree; a package
# with none of its addons built is left out, named. Prints the tarballs and their sizes.
# Usage: scripts/prebuild/pack.sh [OUT_DIR]   (default: .pack; npm run pack:all)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "${1:-$repo/.pack}" && cd "${1:-$repo/.pack}" && pwd)
version=$(node -p "require('$repo/package.json').version")
rm -f "$out"/*.tgz
for dir in "$repo"/packages/*/; do
  name=$(node -p "require('$dir/package.json').name")
  # the platform's prebuilds/ folder (prebuilds/linux-x64 for linux-x64 and linux-x64-static):
  # each package takes the addons its package.json's "files" names
  platform=$(node -p "const p = require('$dir/package.json'); p.os[0] + '-' + p.cpu[0]")
  [ "$(node -p "require('$dir/package.json').version")" = "$version" ] || { echo "pack: $name is not at avforge's version $version" >&2 && exit 1; }
  optional=$(node -p "require('$repo/package.json').optionalDependencies?.['$name']")
  # A GPL package (the self-contained build with x264/x265) is installed on purpose, never as
  # a dependency of LGPL avforge; every other one is an optional dependency.
  if [ "$(node -p "require('$dir/package.json').license")" = GPL-2.0-or-later ]; then
    [ "$optional" = undefined ] || { echo "pack: $name is GPL: not an optional dependency of avforge" >&2 && exit 1; }
  else
    [ "$optional" = "$version" ] || { echo "pack: package.json's optionalDependencies lack $name@$version" >&2 && exit 1; }
  fi
  stage=$(mktemp -d)
  cp "$dir/package.json" "$dir/README.md" "$stage/" && cp "$repo/LICENSE" "$stage/"
  mkdir -p "$stage/prebuilds/$platform" && cp "$repo/prebuilds/$platform/"*.node "$stage/prebuilds/$platform/" 2>/dev/null || true
  if ! (cd "$stage" && npm pack --dry-run --json 2>/dev/null | grep -q '"path": "prebuilds/.*\.node"'); then
    echo "pack: $name: none of its addons in prebuilds/$platform/ (scripts/prebuild/build.sh, static.sh): not packed" >&2
    rm -rf "$stage"
    continue
  fi
  (cd "$stage" && npm pack --silent --pack-destination "$out" >/dev/null)
  rm -rf "$stage"
done
(cd "$repo" && npm pack --silent --pack-destination "$out" >/dev/null)
for f in "$out"/*.tgz; do
  echo "pack: $(basename "$f"): $(($(stat -c %s "$f") / 1024)) KiB packed, $(($(tar -xzOf "$f" | wc -c) / 1024)) KiB unpacked"
done
