// A process that calls process.exit() while avforge's native side is still working: right after
// an aborted job settled (its inputs still closing), or in the middle of a running job. exit()
// runs the libraries' destructors; the addon halts and waits for its threads first, so the
// process ends with the code it asked for, never a crash. One scenario per run; the codec is the
// encoder is x265 where there is one, whose close after an abort mid-flush could deadlock (the
// parent repeats runs: what it guards against is a race).
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

import { hasCodec, setLogger, transcode } from '../../src/index.js';
import { media } from '../media/generate.js';

setLogger(() => {});

const EXIT_CODE = 7;
const scenario = process.argv[2];
const codec = hasCodec('libx265', 'encoder') ? 'libx265' : 'libx264';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-exit-'));
const out = path.join(dir, 'out.mkv');
// the folder goes at exit too: what the job left behind is the addon's to remove, or no one's
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

let progressed = false;
const job = transcode(media('h264-aac-10s.mp4'), out, {
  video: { codec },
  progressInterval: 50,
  onProgress: () => {
    if (progressed) return;
    progressed = true;
    if (scenario === 'after-abort') {
      job.cancel('graceful');
      setTimeout(() => job.cancel('abort'), 20);
    } else if (scenario === 'while-running') {
      process.exit(EXIT_CODE);
    }
  },
});
job.then(
  () => process.exit(1),
  () => process.exit(EXIT_CODE),
);
