// Leak checks: each core path looped in a child process (--expose-gc), RSS sampled after GC at
// iteration A and at iteration B; the growth between them must stay under 5%.
// Run by `npm run test:reliability` (AVFORGE_RELIABILITY=1); skipped by plain `npm test`.
// AVFORGE_LEAK_ITERATIONS=A,B (default 50,300; e.g. 100,1000 for a long run) or just B (A = B/10).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { scratch } from '../media/generate.js';

const child = fileURLToPath(new URL('./child.js', import.meta.url));
const enabled = process.env.AVFORGE_RELIABILITY === '1' || process.env.AVFORGE_LEAK === '1';
const [A, B] = (() => {
  const v = (process.env.AVFORGE_LEAK_ITERATIONS ?? '50,300').split(',').map(Number);
  if (v.length === 1) return [Math.max(1, Math.round(v[0]! / 10)), v[0]!];
  return [v[0]!, v[1]!];
})();
assert.ok(Number.isInteger(A) && Number.isInteger(B) && A > 0 && B > A, 'AVFORGE_LEAK_ITERATIONS: A,B with 0 < A < B');
const LIMIT = Number(process.env.AVFORGE_LEAK_LIMIT ?? 0.05);
const PATHS = ['decode', 'encode', 'remux-file', 'remux-buffer', 'filter', 'scale', 'resample', 'stream-readable', 'stream-buffer'];

interface Sample {
  path: string;
  rssA: number;
  rssB: number;
  growth: number;
  ms: number;
}

function runChild(name: string, dir: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', child, name, String(A), String(B), dir], { env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' }, encoding: 'utf8', timeout: 600_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${name}: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Sample);
    });
  });
}

describe(`leaks: RSS growth from iteration ${A} to ${B} under ${LIMIT * 100}%`, { skip: !enabled && 'run by npm run test:reliability (AVFORGE_RELIABILITY=1)' }, () => {
  let dir = '';
  const results: Sample[] = [];
  before(() => {
    dir = scratch('leak');
    const lavfi = ['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25:duration=0.4', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=0.4'];
    const gen = (out: string, codecs: string[]) =>
      execFileSync('ffmpeg', ['-v', 'error', '-y', ...lavfi, ...codecs, '-shortest', path.join(dir, out)], { stdio: ['ignore', 'ignore', 'inherit'] });
    gen('tiny.mp4', ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac']);
    gen('tiny.ts', ['-c:v', 'mpeg2video', '-c:a', 'mp2']);
  });

  for (const name of PATHS)
    test(name, async (t) => {
      const s = await runChild(name, dir);
      results.push(s);
      const line = `${name}: RSS ${(s.rssA / 2 ** 20).toFixed(1)} MB at ${A} -> ${(s.rssB / 2 ** 20).toFixed(1)} MB at ${B}: ${(s.growth * 100).toFixed(2)}% (${s.ms} ms)`;
      t.diagnostic(line);
      console.log(`# leak ${line}`);
      fs.appendFileSync(path.join(dir, 'results.jsonl'), JSON.stringify(s) + '\n');
      assert.ok(s.growth < LIMIT, `RSS grew ${(s.growth * 100).toFixed(2)}% from iteration ${A} to ${B}`);
    });
});
