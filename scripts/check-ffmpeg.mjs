// Fails the build early, with the exact packages to install, when FFmpeg's dev files are missing.
import { execFileSync } from 'node:child_process';

const libs = ['libavformat', 'libavcodec', 'libavutil', 'libswscale', 'libswresample', 'libavfilter'];
function has(lib) {
  try {
    execFileSync('pkg-config', ['--exists', lib], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
let pkgConfig = true;
try {
  execFileSync('pkg-config', ['--version'], { stdio: 'ignore' });
} catch {
  pkgConfig = false;
}
const missing = pkgConfig ? libs.filter((l) => !has(l)) : libs;
if (missing.length > 0) {
  const apt = ['pkg-config', ...missing.map((l) => `${l}-dev`)].join(' ');
  console.error(`avforge: FFmpeg development files not found (${pkgConfig ? missing.join(', ') : 'pkg-config is not installed'}).
  Debian/Ubuntu: sudo apt-get install ${apt} ffmpeg
  macOS:         brew install ffmpeg pkg-config
  Then run the install again. avforge builds against FFmpeg 5.1 through 9.x.`);
  process.exit(1);
}
