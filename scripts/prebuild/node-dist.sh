#!/usr/bin/env bash
# Node.js VERSION for ARCH (x64, arm64) laid out as nodejs.org's tarballs are (bin/node, bin/npm,
# include/node, lib/node_modules/npm), from the npm registry's packages (node-linux-ARCH holds the
# binary and headers; npm is plain JavaScript). Cached under $AVFORGE_MATRIX_CACHE/tools; prints
# the folder. Usage: node-dist.sh VERSION ARCH
set -euo pipefail
version=$1 arch=$2
case $arch in amd64) arch=x64 ;; esac
npm_version=10.9.9
cache=${AVFORGE_MATRIX_CACHE:-/var/cache/avforge-matrix}/tools
dir="$cache/node-v$version-linux-$arch"
if [ ! -f "$dir/.ready" ]; then
  rm -rf "$dir" "$dir.tmp" && mkdir -p "$dir.tmp" "$dir/lib/node_modules"
  (cd "$dir.tmp" && npm pack --silent "node-linux-$arch@$version" "npm@$npm_version" >/dev/null)
  tar -xzf "$dir.tmp/node-linux-$arch-$version.tgz" -C "$dir.tmp" && cp -a "$dir.tmp/package/." "$dir/"
  rm -f "$dir/package.json" "$dir"/*.md
  mkdir -p "$dir/lib/node_modules/npm" && tar -xzf "$dir.tmp/npm-$npm_version.tgz" -C "$dir/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dir/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dir/bin/npx"
  chmod +x "$dir/bin/node" "$dir/lib/node_modules/npm/bin/"*-cli.js
  rm -rf "$dir.tmp"
  touch "$dir/.ready"
fi
echo "$dir"
