// What the contenders run on: the C reference programs (built from bench/cref/ when a source
// is newer than its binary) and the media (generated once into bench/.media/ by the ffmpeg CLI).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { binDir, cfg, crefDir, encodeSize, log, mediaDir, root } from './config.js';
import { mustRun, type Exec } from './exec.js';

const pkgFlags = (extra: string[] = []): string[] => [
  ...execFileSync('pkg-config', ['--cflags', '--libs', 'libavformat', 'libavcodec', 'libswscale', 'libavutil', ...extra], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .filter(Boolean),
  '-lpthread',
];

/**
 * The C programs: binary name, its source, extra cc flags and pkg-config packages. Only
 * transcode_lavfi links libavfilter (the others' start-up and peak RSS stay as they were).
 */
const crefPrograms: { name: string; src: string; defines?: string[]; pkgs?: string[] }[] = [
  ...['demux', 'decode', 'encode', 'transcode', 'remux', 'thumbs', 'multidecode', 'callback'].map((name) => ({ name, src: `${name}.c` })),
  { name: 'transcode_lavfi', src: 'transcode.c', defines: ['-DWITH_LAVFI'], pkgs: ['libavfilter'] },
];

export function buildCref(): void {
  fs.mkdirSync(binDir, { recursive: true });
  const headers = ['common.h', 'pattern.h'].map((h) => fs.statSync(path.join(crefDir, h)).mtimeMs);
  for (const p of crefPrograms) {
    const src = path.join(crefDir, p.src);
    const bin = path.join(binDir, p.name);
    const srcTime = Math.max(fs.statSync(src).mtimeMs, ...headers);
    if (fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= srcTime) continue;
    log(`cc -O2 ${(p.defines ?? []).join(' ')} ${path.relative(root, src)} -> ${p.name}`);
    execFileSync('cc', ['-O2', '-Wall', ...(p.defines ?? []), '-o', bin, src, ...pkgFlags(p.pkgs)], { stdio: 'inherit' });
  }
}

export interface Media {
  hd: string; // 1080p60 H.264, decode
  clip: string; // 720p30 H.264 + AAC, demux
  raw: string; // the encode workload's pictures (one pan period), for the CLI
  hevc: string; // 1080p60 HEVC, decode
  aac: string; // a long AAC-only track, audio decode
  small: string; // 360p30 H.264, 2 s: concurrent jobs, soak
  raw1080: string; // the x265 encode workload's pictures, for the CLI
}

async function ensure(file: string, make: (tmp: string) => Promise<unknown>): Promise<string> {
  if (fs.existsSync(file)) return file;
  const ext = path.extname(file);
  const tmp = `${file.slice(0, -ext.length)}.tmp${ext}`;
  const t0 = performance.now();
  await make(tmp);
  fs.renameSync(tmp, file);
  log(`generated ${path.relative(root, file)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return file;
}

const ff = (args: string[]): Promise<Exec> => mustRun('ffmpeg', ['-hide_banner', '-nostdin', '-y', '-v', 'error', ...args]);

export async function makeMedia(): Promise<Media> {
  fs.mkdirSync(mediaDir, { recursive: true });
  const d = cfg.hdSeconds;
  const hd = await ensure(path.join(mediaDir, `h264_1080p60_${d}s.mp4`), (tmp) =>
    ff([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=1920x1080:r=60:d=${d},noise=alls=8:allf=t`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '23',
      '-pix_fmt',
      'yuv420p',
      tmp,
    ]),
  );
  const c = cfg.clipSeconds;
  const clip = await ensure(path.join(mediaDir, `h264_720p30_aac_${c}s.mp4`), (tmp) =>
    ff([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=1280x720:r=30:d=${c}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=48000:duration=${c}`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '23',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-shortest',
      tmp,
    ]),
  );
  const { width, height } = encodeSize;
  // pattern.h's pictures repeat every 2*PAN = 64 frames: one period, looped by the CLI.
  const raw = await ensure(path.join(mediaDir, `pattern_${width}x${height}_64.yuv`), (tmp) =>
    mustRun(path.join(binDir, 'encode'), [String(width), String(height), '64', '--dump', tmp]),
  );
  const hevc = await ensure(path.join(mediaDir, `hevc_1080p60_${d}s.mp4`), (tmp) =>
    ff([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=1920x1080:r=60:d=${d},noise=alls=8:allf=t`,
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-crf',
      '26',
      '-x265-params',
      'log-level=error',
      '-pix_fmt',
      'yuv420p',
      '-tag:v',
      'hvc1',
      tmp,
    ]),
  );
  const a = cfg.aacSeconds;
  const aac = await ensure(path.join(mediaDir, `aac_48k_stereo_${a}s.m4a`), (tmp) =>
    ff(['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${a}`, '-ac', '2', '-c:a', 'aac', '-b:a', '128k', tmp]),
  );
  const small = await ensure(path.join(mediaDir, 'h264_360p30_2s.mp4'), (tmp) =>
    ff(['-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=30:d=2', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', tmp]),
  );
  const n1080 = Math.min(64, cfg.x265Frames);
  const raw1080 = await ensure(path.join(mediaDir, `pattern_1920x1080_${n1080}.yuv`), (tmp) =>
    mustRun(path.join(binDir, 'encode'), ['1920', '1080', String(n1080), '--dump', tmp]),
  );
  return { hd, clip, raw, hevc, aac, small, raw1080 };
}
