// Checks, before a build from source, that FFmpeg's development files and the build tools are
// there, and fails early with the exact packages to install. Also imported by scripts/install.mjs
// for the same advice when a build fails anyway.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const INSTALL_HELP = `  Debian/Ubuntu: sudo apt-get install g++ make python3 pkg-config libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev libavdevice-dev ffmpeg
  Fedora:        sudo dnf install gcc-c++ make python3 pkgconf-pkg-config ffmpeg-free-devel ffmpeg-free   (or ffmpeg-devel from RPM Fusion)
  Alpine:        apk add g++ make python3 pkgconf ffmpeg-dev ffmpeg
  macOS:         xcode-select --install; brew install ffmpeg pkg-config
Then run the install again ('npm rebuild avforge'). avforge builds against FFmpeg 5.1 through 9.x.`;

const libs = ['libavformat', 'libavcodec', 'libavutil', 'libswscale', 'libswresample', 'libavfilter'];
const works = (file, args) => {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** What a build from source lacks here (empty: nothing). */
export function missingForBuild() {
  const missing = [];
  if (!works('pkg-config', ['--version'])) missing.push('pkg-config', ...libs.map((l) => `${l} (development files)`));
  else missing.push(...libs.filter((l) => !works('pkg-config', ['--exists', l])).map((l) => `${l} (development files)`));
  if (process.platform !== 'win32') {
    const cxx = process.env.CXX?.split(' ').pop();
    if (!(cxx ? works(cxx, ['--version']) : ['c++', 'g++', 'clang++'].some((c) => works(c, ['--version'])))) missing.push('a C++ compiler');
    if (!works('make', ['--version'])) missing.push('make');
    if (!['python3', 'python'].some((p) => works(p, ['--version']))) missing.push('python3 (node-gyp runs it)');
  }
  return missing;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const missing = missingForBuild();
  if (missing.length > 0) {
    console.error(`avforge: cannot build the native addon: missing ${missing.join(', ')}.\n${INSTALL_HELP}`);
    process.exit(1);
  }
}
