// The hostile-upload suite (issue 15; SECURITY.md names these tests): every upload a service
// might receive that tries to reach other local files or to exhaust memory, each in a child
// process of its own, through probe, Demuxer.open, transcode, remux and thumbnails, by path and
// from a Buffer, with the library's defaults (untrusted). The parent kills a child that passes
// RSS_LIMIT or CASE_LIMIT_MS and fails the case; every operation must end within OP_LIMIT_MS in
// an AvError (INPUT_REFUSED where the upload names other files, INPUT_TOO_LARGE for a bomb), with
// nothing of the sentinel beside the upload and nothing over the decoding limit in what it made.
// `npm test` runs the regression cases of issue 15; `npm run test:reliability` runs all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { AvError, Demuxer, Engine, jobSchema, probe } from '../../src/index.js';
import { scratch } from '../media/generate.js';
import type { OperationReport } from './child.js';
import { BOMBS, NESTING, SENTINEL_SIZE, SENTINEL_TITLE, type Scenario } from './inputs.js';

/** A child's resident memory may not pass this (a bare child with the addon is about 100 MB). */
const RSS_LIMIT = 400 * 1024 * 1024;
/** A child's V8 heap limit (MB): what the native side allocates is bounded by RSS_LIMIT. */
const HEAP_LIMIT_MB = 128;
/** One operation must end within this. */
const OP_LIMIT_MS = 10_000;
/** A whole case (five operations and the child's start) within this, or the child is killed. */
const CASE_LIMIT_MS = 45_000;

const FULL = process.env.AVFORGE_RELIABILITY === '1';
/** The findings of issue 15, run by `npm test` as well. */
const REGRESSIONS = new Set([
  'self-referencing playlist (self.m3u8)',
  'HLS as upload.mp4 naming an absolute path',
  'concat script as upload.mp4 naming a sibling',
  'PNG 16000x16000',
]);

const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child.js');
let root = '';

before(() => {
  root = scratch('hostile');
  fs.mkdirSync(path.join(root, 'sentinel'));
  const sentinel = path.join(root, 'sentinel', 'sentinel.mkv');
  const size = `${SENTINEL_SIZE.width}x${SENTINEL_SIZE.height}`;
  const lavfi = ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=10:duration=1`];
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...lavfi, '-c:v', 'mpeg4', '-metadata', `title=${SENTINEL_TITLE}`, sentinel]);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...lavfi, '-frames:v', '1', path.join(root, 'sentinel', 'sentinel.png')]);
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** A fresh folder: up/ (the upload, a sentinel beside it) and other/ (a sentinel as its cousin). */
function layout(name: string): string {
  const dir = path.join(root, name.replace(/[^a-z0-9]+/gi, '-'));
  for (const sub of ['up', 'other']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  for (const f of ['sentinel.mkv', 'sentinel.png']) {
    fs.copyFileSync(path.join(root, 'sentinel', f), path.join(dir, 'up', f));
    fs.copyFileSync(path.join(root, 'sentinel', f), path.join(dir, 'other', f));
  }
  return path.join(dir, 'up');
}

interface CaseRun {
  reports: OperationReport[];
  peakRss: number;
  killed?: string;
  stderr: string;
}

function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs the child on one upload, watching its memory and time. */
function runCase(upload: string, mode: 'path' | 'buffer', trusted: boolean): Promise<CaseRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_LIMIT_MB}`, childScript, upload, mode, trusted ? 'trusted' : 'untrusted'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakRss = 0;
    let killed: string | undefined;
    const kill = (why: string) => {
      killed ??= why;
      child.kill('SIGKILL');
    };
    const watch = setInterval(() => {
      const rss = rssOf(child.pid!);
      peakRss = Math.max(peakRss, rss);
      if (rss > RSS_LIMIT) kill(`its RSS passed ${RSS_LIMIT >> 20} MB`);
    }, 25);
    const timer = setTimeout(() => kill(`it ran past ${CASE_LIMIT_MS / 1000} s`), CASE_LIMIT_MS);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-8192)));
    child.on('close', (status, signal) => {
      clearInterval(watch);
      clearTimeout(timer);
      if (!killed && (status !== 0 || signal)) killed = `it exited with ${signal ?? `status ${status}`}`;
      const reports = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as OperationReport);
      resolve({ reports, peakRss, killed, stderr });
    });
  });
}

/**
 * Whether the linked FFmpeg itself refuses the upload as invalid data, before it could open anything
 * else: its ffprobe on the path, or on a pipe for a Buffer (no name either way to go by). FFmpeg 7.1
 * and newer do not detect an HLS playlist under another extension, and FFmpeg 9 refuses a master
 * playlist nested in another; FFmpeg 5.1 opens both. Bounded in time and memory: an FFmpeg that
 * loops on a playlist naming itself is not refusing it.
 */
function ffmpegRefuses(upload: string, mode: 'path' | 'buffer'): Promise<boolean> {
  return new Promise((resolve) => {
    const stdin = mode === 'path' ? 'ignore' : fs.openSync(upload, 'r');
    const child = spawn('sh', ['-c', 'ulimit -v 2000000; exec ffprobe -v error -i "$0"', mode === 'path' ? upload : 'pipe:0'], {
      stdio: [stdin, 'ignore', 'pipe'],
    });
    if (typeof stdin === 'number') fs.closeSync(stdin);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4096)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve(status !== 0 && status !== null && /Invalid data found when processing input/.test(stderr));
    });
  });
}

/** A refusal: INPUT_REFUSED, or INVALIDDATA where the linked FFmpeg refuses the upload itself. */
async function assertRefused(r: OperationReport, what: string, upload: string, mode: 'path' | 'buffer'): Promise<void> {
  if (r.code === 'INVALIDDATA' && (await ffmpegRefuses(upload, mode))) return;
  assert.equal(r.code, 'INPUT_REFUSED', `${what}: refused with INPUT_REFUSED`);
  assert.match(r.message ?? '', /'[^']+'/, `${what}: the refusal names what it refused`);
}

async function checkCase(name: string, scenario: Scenario, run: CaseRun, upload: string, mode: 'path' | 'buffer'): Promise<void> {
  const where = `${name}, ${mode}`;
  assert.equal(run.killed, undefined, `${where}: the child was killed: ${run.killed}; peak RSS ${run.peakRss >> 20} MB; stderr: ${run.stderr}`);
  assert.equal(run.reports.length, 5, `${where}: five operations reported (${JSON.stringify(run.reports)})`);
  for (const r of run.reports) {
    const what = `${where}, ${r.op}: ${JSON.stringify(r)}`;
    assert.ok(r.ms < OP_LIMIT_MS, `${what}: ended after ${r.ms} ms`);
    assert.equal(r.leaked, undefined, `${what}: the sentinel reached the result`);
    assert.equal(r.oversized, undefined, `${what}: a picture over the decoding limit`);
    assert.ok(!r.ok && r.avError, `${what}: failed with an AvError`);
    if (scenario.expect === 'refused') await assertRefused(r, what, upload, mode);
    if (scenario.expect === 'too large') {
      assert.equal(r.code, 'INPUT_TOO_LARGE', `${what}: refused with INPUT_TOO_LARGE`);
      assert.match(r.message ?? '', /picture size \d+x\d+ is over the decoding limit/, `${what}: the refusal names the size`);
    }
  }
}

const cases = Object.entries({ ...NESTING, ...BOMBS }).filter(([name]) => FULL || REGRESSIONS.has(name));

describe('hostile uploads (untrusted by default)', { concurrency: 2 }, () => {
  for (const [name, scenario] of cases)
    for (const mode of ['path', 'buffer'] as const) {
      if (mode === 'buffer' && scenario.pathOnly) continue;
      test(`${name}, ${mode === 'path' ? 'by path' : 'from a Buffer'}`, async (t) => {
        const up = layout(`${name}-${mode}`);
        const upload = path.join(up, scenario.make(up));
        const run = await runCase(upload, mode, false);
        t.diagnostic(`peak RSS ${(run.peakRss / 2 ** 20).toFixed(0)} MB; ${run.reports.map((r) => `${r.op} ${r.ok ? 'ok' : r.code} ${r.ms} ms`).join(', ')}`);
        await checkCase(name, scenario, run, upload, mode);
      });
    }
});

// The controls: with trusted: true, FFmpeg's defaults open what the playlist names, and the
// sentinel reaches the result. Without this the suite could pass by failing to notice a leak.
// Where the linked FFmpeg does not take the upload for a playlist (an HLS playlist as .txt from
// FFmpeg 7.1 on), the same playlist as .m3u8 is the control.
describe('controls: trusted inputs do reach the sentinel', () => {
  for (const name of ['HLS as upload.txt naming a sibling', 'concat script as upload.mp4 naming a sibling'])
    test(name, async () => {
      const up = layout(`control-${name}`);
      let upload = path.join(up, NESTING[name]!.make(up));
      if (await ffmpegRefuses(upload, 'path')) {
        const named = path.join(up, 'upload.m3u8');
        fs.copyFileSync(upload, named);
        upload = named;
      }
      const run = await runCase(upload, 'path', true);
      assert.equal(run.killed, undefined, run.stderr);
      const first = run.reports.find((r) => r.op === 'probe');
      assert.ok(first?.leaked, `trusted probe of ${path.basename(upload)} reads the sentinel: ${JSON.stringify(run.reports)}`);
    });
});

// A trusted input opens what FFmpeg would, but only so much while it opens: a playlist naming
// itself (or its twin) loops inside FFmpeg's hls demuxer, growing without bound (the avforge CLI
// trusts its input, as ffmpeg does, so this is its bound too).
describe('trusted inputs: playlists that name themselves are still bounded', () => {
  for (const name of ['self-referencing playlist (self.m3u8)', 'mutually referencing playlists'])
    test(name, async (t) => {
      const up = layout(`trusted-${name}`);
      const scenario = NESTING[name]!;
      const upload = path.join(up, scenario.make(up));
      const run = await runCase(upload, 'path', true);
      t.diagnostic(`peak RSS ${(run.peakRss / 2 ** 20).toFixed(0)} MB; ${run.reports.map((r) => `${r.op} ${r.ok ? 'ok' : r.code} ${r.ms} ms`).join(', ')}`);
      await checkCase(name, scenario, run, upload, 'path');
      // FFmpeg 9 refuses a master playlist nested in another by itself (INVALIDDATA, checked above)
      for (const r of run.reports) if (r.code !== 'INVALIDDATA') assert.match(r.message ?? '', /opened more than \d+ other resources/, `${r.op}: ${r.message}`);
    });
});

// The second line of defence alone: a caller's format_whitelist may admit a playlist format, and
// the playlist still opens nothing but itself (io_open refuses, naming what it was asked for).
test('a format the caller admits still opens nothing but itself', async () => {
  const up = layout('caller-admits-hls');
  // named .m3u8: FFmpeg 7.1 and newer take nothing else for a playlist
  const upload = path.join(up, 'upload.m3u8');
  fs.renameSync(path.join(up, NESTING['HLS as upload.txt naming a sibling']!.make(up)), upload);
  const e = await Demuxer.open(upload, { options: { format_whitelist: 'hls' } }).then(
    (d) => d.close(),
    (e: unknown) => e,
  );
  assert.ok(e instanceof AvError && e.code === 'INPUT_REFUSED', String(e));
  assert.match(e.message, /sentinel\.mkv.*\(hls\)/);
  // from a Buffer, FFmpeg's hls fails before it asks (it has no URL to resolve against)
  const fromMemory = await Demuxer.open(fs.readFileSync(upload), { options: { format_whitelist: 'hls' } }).then(
    (d) => d.close(),
    (e: unknown) => e,
  );
  assert.ok(fromMemory instanceof AvError, String(fromMemory));
});

test('trusted is a boolean option of every input, in the calls and the job schema', async () => {
  for (const open of [() => probe('x.mp4', { trusted: 'yes' as never }), () => Demuxer.open('x.mp4', { trusted: 1 as never })])
    await assert.rejects(open, (e: unknown) => e instanceof TypeError && /trusted/.test(e.message));
  for (const kind of ['transcode', 'remux', 'thumbnails', 'probe'] as const)
    assert.match(JSON.stringify(jobSchema(kind)), /"trusted":\{"description":"a boolean","type":"boolean"\}/, kind);
});

test('Engine probe jobs are untrusted unless their options say trusted: true', async () => {
  const up = layout('engine-probe');
  // named .m3u8: FFmpeg 7.1 and newer take nothing else for a playlist
  const playlist = path.join(up, 'upload.m3u8');
  fs.renameSync(path.join(up, NESTING['HLS as upload.txt naming a sibling']!.make(up)), playlist);
  const bomb = path.join(up, BOMBS['PNG 16000x16000']!.make(up));
  const engine = new Engine({ concurrency: 1 });
  try {
    const refusal = (input: string) =>
      engine.submit({ type: 'probe', input }).done.then(
        () => assert.fail(`${input} was probed`),
        (e: unknown) => e,
      );
    const refused = await refusal(playlist);
    assert.ok(refused instanceof AvError && refused.code === 'INPUT_REFUSED', String(refused));
    const tooLarge = await refusal(bomb);
    assert.ok(tooLarge instanceof AvError && tooLarge.code === 'INPUT_TOO_LARGE', String(tooLarge));
    const trusted = await engine.submit({ type: 'probe', input: playlist, options: { trusted: true } }).done;
    assert.ok(JSON.stringify(trusted).includes(SENTINEL_TITLE), 'a trusted probe job opens what the playlist names');
    assert.throws(() => engine.submit({ type: 'probe', input: playlist, options: { trusted: 'yes' as never } }), /Expected a boolean for trusted/);
  } finally {
    await engine.close();
  }
});
