// One hostile case in a process of its own (test/hostile/hostile.test.ts bounds its memory and
// time): opens the upload through probe, Demuxer.open, transcode, remux and thumbnails, by path
// or from a Buffer, and prints one JSON line per operation: how it ended, how long it took, and
// whether anything of the sentinel beside the upload reached its result or output.
import fs from 'node:fs';
import path from 'node:path';

import { AvError, Demuxer, probe, remux, setLogLevel, thumbnails, transcode, type InputSource } from '../../src/index.js';
import { SENTINEL_SIZE, SENTINEL_TITLE } from './inputs.js';

export const OPERATIONS = ['probe', 'Demuxer.open', 'transcode', 'remux', 'thumbnails'] as const;

export interface OperationReport {
  op: (typeof OPERATIONS)[number];
  ok: boolean;
  avError: boolean;
  code?: string;
  message?: string;
  ms: number;
  /** What of the sentinel showed up (its title, its picture size), if anything. */
  leaked?: string;
  /** Output frames or streams larger than the decoding limit. */
  oversized?: string;
}

const MAX_PIXELS = 1 << 26;

function sentinelIn(value: unknown): string | undefined {
  const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? undefined : v));
  if (json?.includes(SENTINEL_TITLE)) return 'its title';
  if (json?.includes(`"width":${SENTINEL_SIZE.width}`) && json.includes(`"height":${SENTINEL_SIZE.height}`)) return 'its picture size';
  return undefined;
}

function oversizedIn(streams: readonly { codec: { width?: number; height?: number } }[]): string | undefined {
  const big = streams.find((s) => (s.codec.width ?? 0) * (s.codec.height ?? 0) > MAX_PIXELS);
  return big ? `a ${big.codec.width}x${big.codec.height} stream` : undefined;
}

/** What a finished output holds of the sentinel (opened trusted: it is ours). */
async function inspectOutput(file: string): Promise<{ leaked?: string; oversized?: string }> {
  if (!fs.existsSync(file)) return {};
  if (fs.readFileSync(file).includes(SENTINEL_TITLE)) return { leaked: 'its title, in the output' };
  try {
    const info = await probe(file, { trusted: true });
    return { leaked: sentinelIn(info.streams.map((s) => s.codec)), oversized: oversizedIn(info.streams) };
  } catch {
    return {};
  }
}

async function run(
  op: OperationReport['op'],
  input: InputSource,
  out: string,
  trusted: boolean,
): Promise<Omit<OperationReport, 'op' | 'ok' | 'avError' | 'ms'>> {
  const input_ = { trusted };
  switch (op) {
    case 'probe': {
      // probe() takes a name; from memory the same is Demuxer.open with the decoders asked
      if (typeof input === 'string') {
        const info = await probe(input, input_);
        return { leaked: sentinelIn(info), oversized: oversizedIn(info.streams) };
      }
      await using d = await Demuxer.open(input, input_);
      await d.refresh({ decoders: true });
      return { leaked: sentinelIn({ format: d.format, streams: d.streams.map((s) => s.codec) }), oversized: oversizedIn(d.streams) };
    }
    case 'Demuxer.open': {
      await using d = await Demuxer.open(input, input_);
      let packets = 0;
      for await (const p of d.packets()) {
        p.close();
        if (++packets >= 50) break;
      }
      return { leaked: sentinelIn({ format: d.format, streams: d.streams.map((s) => s.codec) }), oversized: oversizedIn(d.streams) };
    }
    case 'transcode': {
      const file = `${out}.mkv`;
      await transcode(input, file, { input: input_, video: { codec: 'mpeg4' }, audio: false });
      return inspectOutput(file);
    }
    case 'remux': {
      const file = `${out}.mkv`;
      await remux(input, file, { input: input_, metadata: {}, copyMetadata: true });
      return inspectOutput(file);
    }
    case 'thumbnails': {
      const shots = await thumbnails(input, { input: input_, count: 1, width: 64 });
      return { leaked: shots.some((t) => t.data.includes(SENTINEL_TITLE)) ? 'its title, in a thumbnail' : undefined };
    }
  }
}

async function main(): Promise<void> {
  setLogLevel('quiet');
  const [upload, mode, trusted] = process.argv.slice(2) as [string, 'path' | 'buffer', string];
  const outDir = fs.mkdtempSync(path.join(path.dirname(path.dirname(upload)), 'out-'));
  for (const op of OPERATIONS) {
    const input: InputSource = mode === 'path' ? upload : fs.readFileSync(upload);
    const start = performance.now();
    let report: OperationReport;
    try {
      const found = await run(op, input, path.join(outDir, op), trusted === 'trusted');
      report = { op, ok: true, avError: false, ms: 0, ...found };
    } catch (e) {
      report = { op, ok: false, avError: e instanceof AvError, code: (e as { code?: string }).code, message: (e as Error).message, ms: 0 };
    }
    report.ms = Math.round(performance.now() - start);
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }
}

await main();
