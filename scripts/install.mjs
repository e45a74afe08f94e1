// The package's install script: uses a prebuilt addon when one loads here (the platform package
// @avforge/<platform>-<arch> holds one per libavformat major; src/native.ts picks it by the
// FFmpeg installed), and builds from source otherwise. A failed build ends with the exact
// packages to install. `npm install --build-from-source` (or AVFORGE_BUILD_FROM_SOURCE=1)
// skips the prebuilts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { INSTALL_HELP, missingForBuild } from './check-ffmpeg.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fromSource = process.env.npm_config_build_from_source === 'true' || process.env.AVFORGE_BUILD_FROM_SOURCE === '1';
// dist/ is in the published package; a git checkout runs this before compiling it
const loader = path.join(root, 'dist', 'native.js');

if (!fromSource && fs.existsSync(loader)) {
  try {
    const { addon, addonPath } = await import(pathToFileURL(loader).href);
    const { ffmpeg } = addon().versions();
    // a build from source left by an earlier install is rebuilt, as `npm rebuild` asks
    if (!addonPath().startsWith(path.join(root, 'build') + path.sep)) {
      console.log(`avforge: using the prebuilt ${path.relative(root, addonPath())} (FFmpeg ${ffmpeg}): nothing to compile`);
      process.exit(0);
    }
  } catch (e) {
    console.log(`avforge: no prebuilt addon loads here: building from source.\n${e instanceof Error ? e.message : e}`);
  }
}

const missing = missingForBuild();
if (missing.length === 0 && spawnSync('node-gyp', ['rebuild'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' }).status === 0)
  process.exit(0);
console.error(`
avforge: the native addon could not be built from source${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}.
Either install FFmpeg's shared libraries in a version that has a prebuilt for this platform
(FFmpeg 5.1, 6, 7, 8 or 9: libavformat 59 to 63; Debian/Ubuntu: apt-get install ffmpeg), or what the build needs:
${INSTALL_HELP}`);
process.exit(1);
