#!/usr/bin/env bash
# Everything avforge needs on a fresh Debian/Ubuntu machine: FFmpeg's libraries and dev files,
# the ffmpeg CLI (the tests' reference), a C++ toolchain, then npm ci and the build.
# Idempotent: a second run skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(pkg-config g++ make python3 ffmpeg
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  # OpenCL and Vulkan on the CPU (pocl, lavapipe): the hardware-frame tests run without a GPU
  pocl-opencl-icd mesa-vulkan-drivers
  # the distributed engine's tests start a Redis server on loopback
  redis-server
  # the observability tests start a Prometheus server that scrapes a worker's /metrics
  prometheus
  # npm run lint's C++ half (scripts/lint-native.mjs)
  clang-format cpplint)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "avforge: install these with your package manager: ${missing[*]}" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "avforge setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null; then
  echo "avforge: Node.js >= 20 is required (https://nodejs.org or your distribution's nodejs package)" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "avforge: Node.js >= 20 is required, this is $(node --version)" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error   # also builds the addon (the install script)
npm run build:ts --silent
echo "avforge setup: done ($(node -p "require('./package.json').version"), FFmpeg $(pkg-config --modversion libavformat) libavformat)"
