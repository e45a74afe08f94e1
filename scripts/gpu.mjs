// npm run test:gpu — on a machine with an NVIDIA GPU: decodes H.264 and HEVC with CUDA
// (NVDEC), downloads every frame, and compares its hash with software decoding of the same
// file (NVDEC output is bit-exact for these codecs); reports frames per second for both.
// Exits 0 when every frame matches, 1 on a mismatch or failure, 77 (skipped) without a CUDA device.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Decoder, Demuxer, HwDevice, versions } from '../dist/avforge.js';

const seconds = Number(process.env.AVFORGE_GPU_SECONDS ?? 10);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-gpu-'));

const probe = (await HwDevice.available()).find((p) => p.type === 'cuda');
console.log(`FFmpeg ${versions().ffmpeg}; cuda: ${probe?.available ? 'available' : `not available (${probe?.reason ?? 'not in this FFmpeg'})`}`);
if (!probe?.available) process.exit(77);

function make(name, codecArgs) {
  const file = path.join(dir, name);
  execFileSync(
    'ffmpeg',
    ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=60:duration=${seconds}`, '-pix_fmt', 'yuv420p', ...codecArgs, file],
    { stdio: 'inherit' },
  );
  return file;
}

async function decode(file, device) {
  const input = await Demuxer.open(file);
  const decoder = await Decoder.open(input.bestStream('video'), device ? { hardware: device } : {});
  try {
    const hashes = [];
    const start = performance.now();
    for await (const frame of decoder.frames(input.packets())) {
      const soft = frame.hardware ? await frame.download() : frame;
      hashes.push(createHash('md5').update(soft.toBuffer()).digest('hex'));
      if (soft !== frame) soft.close();
      frame.close();
    }
    return { hashes, fps: (hashes.length * 1000) / (performance.now() - start) };
  } finally {
    await decoder.close();
    await input.close();
  }
}

let failed = false;
const cuda = await HwDevice.open('cuda');
for (const [name, args] of [
  ['h264.mp4', ['-c:v', 'libx264', '-preset', 'veryfast']],
  ['hevc.mp4', ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error']],
]) {
  const file = make(name, args);
  const sw = await decode(file, null);
  const hw = await decode(file, cuda);
  const same = sw.hashes.length === hw.hashes.length && sw.hashes.every((h, i) => h === hw.hashes[i]);
  failed ||= !same;
  console.log(
    `${name}: ${sw.hashes.length} frames 1080p60; software ${sw.fps.toFixed(1)} fps, cuda ${hw.fps.toFixed(1)} fps (with download); frames ${same ? 'identical' : 'DIFFER'}`,
  );
}
await cuda.close();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
