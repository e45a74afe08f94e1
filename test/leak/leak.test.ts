// Leak checks: each core path looped in a child process (--expose-gc). RSS is sampled after
// full GCs at checkpoints from iteration A to iteration B; the growth between A and B must stay
// under 5% (the criterion), and the per-iteration slope (Theil-Sen over the checkpoints,
// so one allocator step does not decide it) is reported beside it.
// The children run with V8's young generation at a fixed, small size: V8 otherwise grows it in
// steps (16 -> 22 -> 38 MB of heap committed over a few thousand iterations, heapUsed flat), and
// even at a fixed size its pages become resident only as they are first used; both read as RSS
// growth but are heap sizing, not leaks. The C allocator's bytes in use are reported beside RSS.
// Run by `npm run test:reliability` (AVFORGE_RELIABILITY=1); skipped by plain `npm test`.
// AVFORGE_LEAK_ITERATIONS=A,B (default 100,1000) or just B (A = B/10).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./child.js', import.meta.url));
const enabled = process.env.AVFORGE_RELIABILITY === '1' || process.env.AVFORGE_LEAK === '1';
const [A, B] = (() => {
  const v = (process.env.AVFORGE_LEAK_ITERATIONS ?? '100,1000').split(',').map(Number);
  if (v.length === 1) return [Math.max(1, Math.round(v[0]! / 10)), v[0]!];
  return [v[0]!, v[1]!];
})();
assert.ok(Number.isInteger(A) && Number.isInteger(B) && A > 0 && B > A, 'AVFORGE_LEAK_ITERATIONS: A,B with 0 < A < B');
const FIXED_YOUNG_GENERATION = ['--min-semi-space-size=1', '--max-semi-space-size=1'];
const LIMIT = Number(process.env.AVFORGE_LEAK_LIMIT ?? 0.05);
const PATHS = [
  'decode',
  'decode-subtitles',
  'encode',
  'packets-unclosed',
  'remux-unclosed',
  'frames-unclosed',
  'remux-file',
  'remux-buffer',
  'filter',
  'scale',
  'resample',
  'stream-readable',
  'stream-buffer',
  'pipeline-transcode',
  'pipeline-transcode-filter',
  'pipeline-transcode-stream',
  'pipeline-remux',
  'pipeline-remux-stream',
  'pipeline-thumbnails',
];

interface Sample {
  path: string;
  rssA: number;
  rssB: number;
  growth: number;
  bytesPerIteration: number;
  nativeA: number;
  nativeB: number;
  nativeBytesPerIteration: number;
  series: [number, number][];
  ms: number;
}

function runChild(name: string, a: number, b: number, env: Record<string, string> = {}): Promise<Sample> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', ...FIXED_YOUNG_GENERATION, child, name, String(a), String(b)],
      { env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2', ...env }, encoding: 'utf8', timeout: 900_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${name}: ${err.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Sample);
      },
    );
  });
}

const mb = (n: number): string => (n / 2 ** 20).toFixed(1);

describe(`leaks: RSS growth from iteration ${A} to ${B} under ${LIMIT * 100}%`, {
  skip: !enabled && 'run by npm run test:reliability (AVFORGE_RELIABILITY=1)',
}, () => {
  for (const name of PATHS)
    test(name, async (t) => {
      const s = await runChild(name, A, B);
      const line = `${name}: RSS ${mb(s.rssA)} MB at ${A} -> ${mb(s.rssB)} MB at ${B}: ${(s.growth * 100).toFixed(2)}%, slope ${(s.bytesPerIteration / 1024).toFixed(1)} KiB/iteration; malloc in use ${mb(s.nativeA)} -> ${mb(s.nativeB)} MB, ${s.nativeBytesPerIteration} B/iteration (${s.ms} ms)`;
      t.diagnostic(line);
      console.log(`# leak ${line}`);
      assert.ok(s.growth < LIMIT, `RSS grew ${(s.growth * 100).toFixed(2)}% from iteration ${A} to ${B}: ${JSON.stringify(s.series)}`);
    });

  // The check can fail: the same loop keeping 64 KiB of native memory per iteration is caught.
  test('a leak of 64 KiB per iteration is caught', async () => {
    const a = Math.max(10, Math.round(A / 2));
    const b = Math.max(a + 100, Math.round(B / 2));
    const s = await runChild('remux-buffer', a, b, { AVFORGE_LEAK_ON_PURPOSE: String(64 << 10) });
    assert.ok(s.growth >= LIMIT, `a 64 KiB/iteration leak grew RSS only ${(s.growth * 100).toFixed(2)}%`);
    assert.ok(s.bytesPerIteration > 48 << 10, `slope ${s.bytesPerIteration} B/iteration`);
  });
});
