// Damaged inputs: truncated, bit-flipped (in the header, the payload, the index), smashed,
// zeroed, random and empty files made from the test media with a seeded PRNG, so every run
// sees the same bytes. Each is probed, demuxed and decoded (every stream) in child processes
// (children/corrupt.ts), tolerant and strict, from a path, from memory and from a stream, and
// remuxed by the native pipeline. No input may
// kill, hang or abort its child; every failure must be an AvError with a code; tolerant
// decoding must get through damage that strict decoding refuses.
//
// AVFORGE_CORRUPT_INPUTS=n sets how many inputs (default 100); the first ones are always the
// same, more are drawn from the same PRNG.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { media, scratch, type MediaName } from './media/generate.js';
import { CaseRunner, failureOf, type CaseResult } from './children/harness.js';
import type { Failure, Outcome, Report } from './children/corrupt.js';

const script = fileURLToPath(new URL('./children/corrupt.js', import.meta.url));
const INPUTS = Number(process.env.AVFORGE_CORRUPT_INPUTS ?? 100);
assert.ok(Number.isInteger(INPUTS) && INPUTS > 0, 'AVFORGE_CORRUPT_INPUTS is a positive integer');
/** Children run at once (each takes a share of the inputs). */
const CHILDREN = Math.max(1, Math.min(2, os.availableParallelism()));

const sources: MediaName[] = ['h264-aac.mp4', 'hevc.mkv', 'vp9-opus.webm', 'mpeg2.ts', 'audio.mp3'];
/** Formats that can be read from any point on: a truncated file still has its first frames. */
const streamable = new Set<MediaName>(['hevc.mkv', 'vp9-opus.webm', 'mpeg2.ts', 'audio.mp3']);

// ---------------------------------------------------------------------------------------
// The damage.

/** mulberry32: small, fast, and the same everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const between = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * Math.max(1, hi - lo));

/** Where damage goes: the first bytes (headers), the middle (payload), the end (index, cues). */
type Region = 'header' | 'payload' | 'tail';
function span(size: number, region: Region): [number, number] {
  if (region === 'header') return [0, Math.max(16, Math.min(2048, Math.floor(size * 0.05)))];
  if (region === 'tail') return [Math.floor(size * 0.95), size];
  return [Math.floor(size * 0.2), Math.floor(size * 0.8)];
}

function flipBits(src: Buffer, r: Rand, region: Region, count: number): Buffer {
  const b = Buffer.from(src);
  const [lo, hi] = span(b.length, region);
  for (let i = 0; i < count; i++) {
    const at = between(r, lo, hi);
    b[at] = b[at]! ^ (1 << between(r, 0, 8));
  }
  return b;
}

/** Overwrites `runs` runs of `len` bytes with random bytes. */
function smash(src: Buffer, r: Rand, region: Region, runs: number, len: number): Buffer {
  const b = Buffer.from(src);
  const [lo, hi] = span(b.length, region);
  for (let i = 0; i < runs; i++) {
    const at = between(r, lo, Math.max(lo + 1, hi - len));
    for (let k = 0; k < len && at + k < b.length; k++) b[at + k] = between(r, 0, 256);
  }
  return b;
}

function zeroRange(src: Buffer, from: number, to: number): Buffer {
  const b = Buffer.from(src);
  b.fill(0, Math.floor(from * b.length), Math.floor(to * b.length));
  return b;
}

function swapBlocks(src: Buffer, r: Rand, len: number): Buffer {
  const b = Buffer.from(src);
  const [lo, hi] = span(b.length, 'payload');
  const x = between(r, lo, hi - len);
  const y = between(r, lo, hi - len);
  const tmp = Buffer.from(b.subarray(x, x + len));
  b.copy(b, x, y, y + len);
  tmp.copy(b, y);
  return b;
}

function randomBytes(r: Rand, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = between(r, 0, 256);
  return b;
}

interface Input {
  source: MediaName | null;
  kind: string;
  file: string;
  /** Whole, undamaged: the control. */
  intact?: boolean;
  /** The damage is in the payload only: headers and index are whole. */
  payload?: boolean;
  /** A prefix of the file of this fraction. */
  truncated?: number;
}

type Make = (src: Buffer, r: Rand) => Buffer;

/** The damage every source gets, in this order. */
const fixed: [string, Make, Partial<Input>][] = [
  ['truncated-1-byte', (s) => s.subarray(0, 1), { truncated: 0 }],
  ['truncated-10%', (s) => s.subarray(0, Math.floor(s.length * 0.1)), { truncated: 0.1 }],
  ['truncated-50%', (s) => s.subarray(0, Math.floor(s.length * 0.5)), { truncated: 0.5 }],
  ['truncated-90%', (s) => s.subarray(0, Math.floor(s.length * 0.9)), { truncated: 0.9 }],
  ['truncated-4k', (s) => s.subarray(0, 4096), {}],
  ['flip-header-8', (s, r) => flipBits(s, r, 'header', 8), {}],
  ['flip-header-64', (s, r) => flipBits(s, r, 'header', 64), {}],
  ['flip-payload-32', (s, r) => flipBits(s, r, 'payload', 32), { payload: true }],
  ['flip-payload-512', (s, r) => flipBits(s, r, 'payload', 512), { payload: true }],
  ['smash-payload', (s, r) => smash(s, r, 'payload', 24, 48), { payload: true }],
  ['zero-payload', (s) => zeroRange(s, 0.4, 0.6), { payload: true }],
  ['flip-tail-32', (s, r) => flipBits(s, r, 'tail', 32), {}],
  ['swap-blocks', (s, r) => swapBlocks(s, r, 4096), { payload: true }],
  ['random-same-size', (s, r) => randomBytes(r, s.length), {}],
];

/** Damage drawn at random for the inputs past the fixed ones. */
const drawn: [string, (r: Rand) => Make, (r: Rand) => Partial<Input>][] = [
  [
    'truncated',
    (r) => {
      const f = r();
      return (s) => s.subarray(0, Math.floor(s.length * f));
    },
    () => ({}),
  ],
  [
    'flip-header',
    (r) => {
      const n = between(r, 1, 200);
      return (s, rr) => flipBits(s, rr, 'header', n);
    },
    () => ({}),
  ],
  [
    'flip-payload',
    (r) => {
      const n = between(r, 1, 2000);
      return (s, rr) => flipBits(s, rr, 'payload', n);
    },
    () => ({ payload: true }),
  ],
  [
    'smash-payload',
    (r) => {
      const runs = between(r, 1, 64);
      const len = between(r, 1, 256);
      return (s, rr) => smash(s, rr, 'payload', runs, len);
    },
    () => ({ payload: true }),
  ],
  [
    'smash-header',
    (r) => {
      const runs = between(r, 1, 8);
      const len = between(r, 1, 32);
      return (s, rr) => smash(s, rr, 'header', runs, len);
    },
    () => ({}),
  ],
  [
    'flip-tail',
    (r) => {
      const n = between(r, 1, 300);
      return (s, rr) => flipBits(s, rr, 'tail', n);
    },
    () => ({}),
  ],
];

/** The inputs, written into `dir`. */
function makeInputs(dir: string, count: number): Input[] {
  const out: Input[] = [];
  const write = (name: string, bytes: Uint8Array, input: Omit<Input, 'file'>): void => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    out.push({ ...input, file });
  };
  const bytes = new Map(sources.map((s) => [s, fs.readFileSync(media(s))]));
  // Controls first, then what needs no source.
  for (const s of sources) write(`${s}.intact${path.extname(s)}`, bytes.get(s)!, { source: s, kind: 'intact', intact: true });
  write('empty.mp4', new Uint8Array(0), { source: null, kind: 'empty' });
  write('random-64k.bin', randomBytes(prng(1), 65536), { source: null, kind: 'random-64k' });
  fixed.forEach(([kind, make, extra], k) => {
    sources.forEach((s, j) => {
      // The name keeps the extension: FFmpeg takes it as a hint when probing.
      write(`${s}.${kind}${path.extname(s)}`, make(bytes.get(s)!, prng(1000 + k * 16 + j)), { source: s, kind, ...extra });
    });
  });
  const r = prng(424242);
  for (let i = 0; out.length < count; i++) {
    const s = sources[i % sources.length]!;
    const [kind, draw, extra] = drawn[between(r, 0, drawn.length)]!;
    const make = draw(r);
    write(`${s}.${kind}-${i}${path.extname(s)}`, make(bytes.get(s)!, prng(5000 + i)), { source: s, kind: `${kind}-${i}`, ...extra(r) });
  }
  return out.slice(0, count);
}

// ---------------------------------------------------------------------------------------
// Running them: the inputs are dealt to CHILDREN runners, which run at once.

const dir = scratch('corrupt');
const inputs = makeInputs(dir, INPUTS);
const runners = Array.from({ length: CHILDREN }, (_, c) => {
  const mine = inputs.filter((_, i) => i % CHILDREN === c).map((x) => x.file);
  return new CaseRunner(script, mine, { caseTimeoutMs: 30_000 });
});
const runnerOf = new Map(inputs.map((x, i) => [x.file, runners[i % CHILDREN]!]));
const reports = new Map<string, Report>();

async function reportOf(input: Input): Promise<{ result: CaseResult; report?: Report }> {
  const result = await runnerOf.get(input.file)!.result(input.file);
  const report = result.ok ? (result.data as Report) : undefined;
  if (report) reports.set(input.file, report);
  return { result, report };
}

const label = (x: Input): string => path.basename(x.file);
const show = (f: Failure): string => `${f.stage}: ${f.name}${f.code ? ` ${f.code}` : ''}${f.op ? ` (${f.op})` : ''}: ${f.message}`;

/** Every failure of an outcome is an AvError with a code. */
function assertAvErrors(o: Outcome, mode: string): void {
  const all = [o.error, o.seekError, ...o.decoderErrors].filter((f): f is Failure => f !== undefined);
  for (const f of all) {
    assert.ok(f.isAvError && f.name === 'AvError', `${mode}: not an AvError: ${show(f)}`);
    assert.ok(typeof f.code === 'string' && f.code.length > 0, `${mode}: an AvError with no code: ${show(f)}`);
  }
}

before(() => {
  // Start every child now: the tests below then take the reports as they come.
  for (const x of inputs) void runnerOf.get(x.file)!.result(x.file);
});

// The inputs stay on disk when a test failed (the messages name them), and go otherwise.
let failed = false;
async function watched(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    failed = true;
    throw e;
  }
}
after(() => {
  if (failed) console.log(`the damaged inputs are kept in ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
});

describe(`${inputs.length} damaged inputs: no crash, no hang, AvErrors only`, () => {
  for (const input of inputs) {
    test(label(input), () =>
      watched(async () => {
        const { result, report } = await reportOf(input);
        assert.ok(result.ok, failureOf(result));
        assert.ok(report);
        if (report.probe !== 'ok') {
          assert.ok(report.probe.isAvError && report.probe.code, `probe: not an AvError: ${show(report.probe)}`);
        }
        assertAvErrors(report.tolerant, 'tolerant');
        assertAvErrors(report.strict, 'strict');
        assertAvErrors(report.memory, 'from memory');
        assertAvErrors(report.stream, 'from a stream');
        if (report.remux.error) {
          const f = report.remux.error;
          assert.ok(f.isAvError && f.code, `remux: not an AvError with a code: ${show(f)}`);
          assert.deepEqual(report.remux.leftovers, [], 'remux: a failed remux leaves no file behind');
        }
        // Tolerant decoding either reads the input to its end or fails with an AvError.
        for (const [mode, o] of [
          ['tolerant', report.tolerant],
          ['from memory', report.memory],
          ['from a stream', report.stream],
        ] as const)
          assert.ok(o.completed || o.error, `${mode}: neither completed nor failed`);

        if (input.intact) {
          for (const [mode, o] of [
            ['tolerant', report.tolerant],
            ['strict', report.strict],
            ['from memory', report.memory],
          ] as const) {
            assert.ok(o.completed, `${mode}: the intact file decodes: ${o.error ? show(o.error) : ''}`);
            assert.deepEqual(o.decoderErrors, [], `${mode}: every decoder opens`);
            assert.ok(o.frames > 0, `${mode}: frames`);
            assert.equal(o.damaged, 0, `${mode}: nothing damaged`);
            assert.equal(o.seekError, undefined, `${mode}: seeks back`);
          }
          assert.equal(report.strict.frames, report.tolerant.frames);
          assert.equal(report.memory.frames, report.tolerant.frames);
          if (streamable.has(input.source!)) {
            assert.ok(report.stream.completed, `from a stream: ${report.stream.error ? show(report.stream.error) : ''}`);
            assert.equal(report.stream.frames, report.tolerant.frames);
          }
          assert.equal(report.probe, 'ok');
          assert.ok(
            !report.remux.error && (report.remux.bytes ?? 0) > 0,
            `remux: the intact file remuxes: ${report.remux.error ? show(report.remux.error) : ''}`,
          );
        }
        if (input.kind === 'empty') {
          for (const o of [report.tolerant, report.strict, report.memory, report.stream]) {
            assert.ok(o.error, 'an empty file cannot be opened');
            assert.equal(o.error.stage, 'open');
          }
          assert.notEqual(report.probe, 'ok');
        }
        if (input.source && streamable.has(input.source) && (input.truncated ?? 0) >= 0.5) {
          // Half the file or more of a format read from the front: its frames decode, tolerantly.
          assert.ok(
            report.tolerant.completed,
            `tolerant: a truncated ${input.source} reads to its end: ${report.tolerant.error ? show(report.tolerant.error) : ''}`,
          );
          assert.ok(report.tolerant.frames > 0, 'tolerant: frames from the part that is there');
        }
      }),
    );
  }
});

describe('strict and tolerant', () => {
  test('strict mode refuses payload damage with INVALIDDATA (or the like) that tolerant mode skips', () =>
    watched(async () => {
      await Promise.all(inputs.map(reportOf));
      const payload = inputs.filter((x) => x.payload && reports.has(x.file));
      assert.ok(payload.length > 0, 'payload-damaged inputs ran');
      const refused = payload.filter((x) => {
        const s = reports.get(x.file)!.strict;
        return s.error && ['decode', 'flush', 'read'].includes(s.error.stage);
      });
      assert.ok(refused.length > 0, `strict mode refused none of the ${payload.length} payload-damaged inputs`);
      const codes = new Set(refused.map((x) => reports.get(x.file)!.strict.error!.code));
      const dataCodes = ['INVALIDDATA', 'EOF', 'EIO', 'PATCHWELCOME', 'ENOMEM', 'EINVAL', 'BUG'];
      assert.ok(codes.has('INVALIDDATA'), `INVALIDDATA among the codes of strict refusals: ${[...codes].join(', ')}`);
      for (const c of codes) assert.ok(dataCodes.includes(c!), `a strict refusal with code ${c}`);
      // Some of what strict decoding refused, tolerant decoding got through, counting the damage.
      const skipped = refused.filter((x) => {
        const { strict, tolerant } = reports.get(x.file)!;
        return strict.error!.stage !== 'read' && tolerant.completed && tolerant.damaged > 0;
      });
      assert.ok(skipped.length > 0, 'some strict refusal was a decode error that tolerant decoding skipped and counted');
    }));

  test('tolerant decoding skips damage: it never fails in decode() or flush()', () =>
    watched(async () => {
      await Promise.all(inputs.map(reportOf));
      const failed: string[] = [];
      for (const x of inputs) {
        const r = reports.get(x.file);
        if (!r) continue;
        for (const [mode, o] of [
          ['tolerant', r.tolerant],
          ['from memory', r.memory],
          ['from a stream', r.stream],
        ] as const)
          if (o.error && ['decode', 'flush', 'frame'].includes(o.error.stage)) failed.push(`${label(x)} (${mode}): ${show(o.error)}`);
      }
      assert.deepEqual(failed, [], 'tolerant decoders threw on damaged input');
    }));

  test('tolerant decoding warns about what it skips', () =>
    watched(async () => {
      await Promise.all(inputs.map(reportOf));
      const damaged = inputs.filter((x) => (reports.get(x.file)?.tolerant.damaged ?? 0) > 0);
      assert.ok(damaged.length > 0, 'some input has damage that tolerant decoding skipped');
      for (const x of damaged) assert.ok(reports.get(x.file)!.warnings > 0, `${label(x)}: a warning for the skipped damage`);
    }));

  test('the damage is real: most damaged inputs decode differently from their source, or fail', () =>
    watched(async () => {
      await Promise.all(inputs.map(reportOf));
      const intact = new Map(inputs.filter((x) => x.intact).map((x) => [x.source, reports.get(x.file)?.tolerant]));
      const damaged = inputs.filter((x) => !x.intact && x.source && reports.has(x.file));
      const differs = damaged.filter((x) => {
        const r = reports.get(x.file)!;
        const base = intact.get(x.source);
        return !base || !r.tolerant.completed || r.tolerant.frames !== base.frames || r.tolerant.damaged > 0 || r.strict.error !== undefined;
      });
      assert.ok(differs.length >= damaged.length / 2, `${differs.length} of ${damaged.length} damaged inputs behave differently from their source`);
    }));
});
