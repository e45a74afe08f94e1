#!/usr/bin/env bash
# Packs avforge for publishing, as `npm publish` would: the main package (npm pack: dist/, the
# native sources for a build from source, the install script) and one package per platform in
# packages/ (@avforge/linux-x64, ...) holding that platform's prebuilds/ from build.sh, each
# declared as an optional dependency of the main package (npm installs only the one whose os,
# cpu and libc match). Checks that the versions agree and that every platform package holds at
# least one addon. Prints the tarballs and their sizes.
# Usage: scripts/prebuild/pack.sh [OUT_DIR]   (default: .pack; npm run pack:all)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "${1:-$repo/.pack}" && cd "${1:-$repo/.pack}" && pwd)
version=$(node -p "require('$repo/package.json').version")
rm -f "$out"/*.tgz
for dir in "$repo"/packages/*/; do
  platform=$(basename "$dir")
  name=$(node -p "require('$dir/package.json').name")
  [ "$(node -p "require('$dir/package.json').version")" = "$version" ] || { echo "pack: $name is not at avforge's version $version" >&2 && exit 1; }
  [ "$(node -p "require('$repo/package.json').optionalDependencies?.['$name']")" = "$version" ] ||
    { echo "pack: package.json's optionalDependencies lack $name@$version" >&2 && exit 1; }
  if ! ls "$repo/prebuilds/$platform/"*.node >/dev/null 2>&1; then
    echo "pack: $name: no prebuilds/$platform/*.node (scripts/prebuild/build.sh): not packed" >&2
    continue
  fi
  stage=$(mktemp -d)
  cp "$dir/package.json" "$dir/README.md" "$stage/" && cp "$repo/LICENSE" "$stage/"
  mkdir -p "$stage/prebuilds/$platform" && cp "$repo/prebuilds/$platform/"*.node "$stage/prebuilds/$platform/"
  (cd "$stage" && npm pack --silent --pack-destination "$out" >/dev/null)
  rm -rf "$stage"
done
(cd "$repo" && npm pack --silent --pack-destination "$out" >/dev/null)
for f in "$out"/*.tgz; do
  echo "pack: $(basename "$f"): $(($(stat -c %s "$f") / 1024)) KiB packed, $(($(tar -xzOf "$f" | wc -c) / 1024)) KiB unpacked"
done
