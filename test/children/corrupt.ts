// Child process for test/corrupt.test.ts: each argument is a (damaged) media file; each is a
// case that probes, demuxes and decodes every stream four ways (tolerant from the path,
// strict from the path, tolerant from memory, tolerant from a non-seekable stream), remuxes it
// into Matroska with the native pipeline, and reports what happened. It asserts nothing
// itself: the parent judges the reports. By hand:
//   node build/test/children/corrupt.js test/.media/scratch/corrupt-XXXX/hevc.mkv.flip-payload
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { AvError, Decoder, Demuxer, probe, remux, setLogger, type Frame, type Packet } from '../../src/index.js';
import { chunked } from '../util.js';
import { serveCases, type CaseFn } from './harness.js';

/** How a step failed: enough for the parent to tell an AvError from anything else. */
export interface Failure {
  stage: 'probe' | 'open' | 'decoder' | 'read' | 'decode' | 'flush' | 'frame' | 'seek' | 'close' | 'remux';
  name: string;
  isAvError: boolean;
  code?: string;
  op?: string;
  stream?: number;
  message: string;
}

export interface Outcome {
  /** The pipeline ran to the end of the input (decoder or seek failures aside). */
  completed: boolean;
  streams: number;
  packets: number;
  frames: number;
  /** decoder.damaged, summed. */
  damaged: number;
  /** The failure that ended the pipeline. */
  error?: Failure;
  /** Decoders that could not be opened (the other streams are still decoded). */
  decoderErrors: Failure[];
  /** seek(0) and a few reads after the decode. */
  seekError?: Failure;
  ms: number;
}

export interface Report {
  bytes: number;
  probe: Failure | 'ok';
  tolerant: Outcome;
  strict: Outcome;
  memory: Outcome;
  stream: Outcome;
  /** remux() into Matroska: done (with the bytes written) or its failure, and whether anything was left behind. */
  remux: { bytes?: number; error?: Failure; leftovers: string[] };
  warnings: number;
}

function failure(stage: Failure['stage'], e: unknown, stream?: number): Failure {
  const err = e as { name?: unknown; code?: unknown; op?: unknown; message?: unknown } | null;
  return {
    stage,
    name: e instanceof Error ? e.name : typeof e,
    isAvError: e instanceof AvError,
    ...(typeof err?.code === 'string' ? { code: err.code } : {}),
    ...(typeof err?.op === 'string' ? { op: err.op } : {}),
    ...(stream !== undefined ? { stream } : {}),
    message: e instanceof Error ? e.message : String(e),
  };
}

/** Reads every field and the payload of a frame, as a user would. */
function touch(f: Frame): void {
  if (f.kind === 'video') {
    const bytes = f.toBuffer();
    if (f.width <= 0 || f.height <= 0 || bytes.length === 0) throw new Error(`a video frame of ${f.width}x${f.height}, ${bytes.length} bytes`);
    for (const p of f.planes) if (p.length > 0) void p[p.length - 1];
  } else if (f.kind === 'audio') {
    const bytes = f.toBuffer();
    if (f.nbSamples <= 0 || bytes.length === 0) throw new Error(`an audio frame of ${f.nbSamples} samples, ${bytes.length} bytes`);
  }
  void f.pts;
  void f.timeBase;
}

async function run(file: string, mode: 'tolerant' | 'strict' | 'memory' | 'stream'): Promise<Outcome> {
  const started = performance.now();
  const strict = mode === 'strict';
  const out: Outcome = { completed: false, streams: 0, packets: 0, frames: 0, damaged: 0, decoderErrors: [], ms: 0 };
  let demuxer: Demuxer | undefined;
  const decoders = new Map<number, Decoder>();
  let stage: Failure['stage'] = 'open';
  let stream: number | undefined;
  const take = (frames: Frame[]): void => {
    stage = 'frame';
    for (const f of frames) {
      out.frames++;
      try {
        touch(f);
      } finally {
        f.close();
      }
    }
  };
  try {
    demuxer =
      mode === 'memory'
        ? await Demuxer.open(fs.readFileSync(file), { name: file })
        : mode === 'stream'
          ? await Demuxer.open(chunked(fs.readFileSync(file), 7000), { name: file })
          : await Demuxer.open(file, { strict });
    out.streams = demuxer.streams.length;
    for (const s of demuxer.streams) {
      if (s.type !== 'video' && s.type !== 'audio') continue;
      try {
        decoders.set(s.index, await Decoder.open(s, { strict }));
      } catch (e) {
        out.decoderErrors.push(failure('decoder', e, s.index));
      }
    }
    const packets = demuxer.packets()[Symbol.asyncIterator]();
    for (;;) {
      stage = 'read';
      stream = undefined;
      const next = await packets.next();
      if (next.done) break;
      const p: Packet = next.value;
      out.packets++;
      const dec = decoders.get(p.streamIndex);
      stream = p.streamIndex;
      try {
        if (dec) {
          stage = 'decode';
          take(await dec.decode(p));
        }
      } finally {
        p.close();
      }
    }
    for (const [index, dec] of decoders) {
      stage = 'flush';
      stream = index;
      take(await dec.flush());
    }
    out.completed = true;
  } catch (e) {
    out.error = failure(stage, e, stream);
  }
  for (const dec of decoders.values()) out.damaged += dec.damaged;
  if (demuxer && out.completed && mode !== 'stream') {
    try {
      await demuxer.seek(0);
      for (let i = 0; i < 5; i++) (await demuxer.read())?.close();
    } catch (e) {
      out.seekError = failure('seek', e);
    }
  }
  try {
    for (const dec of decoders.values()) await dec.close();
    await demuxer?.close();
  } catch (e) {
    out.error ??= failure('close', e);
  }
  out.ms = Math.round(performance.now() - started);
  return out;
}

/** The native remux pipeline into a scratch directory; a failure must leave no file there. */
async function remuxCase(file: string): Promise<Report['remux']> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-corrupt-remux-'));
  try {
    const r = await remux(file, path.join(dir, 'out.mkv'), { format: 'matroska' });
    return { bytes: r.bytes, leftovers: [] };
  } catch (e) {
    return { error: failure('remux', e), leftovers: fs.readdirSync(dir) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let warnings = 0;
setLogger(() => void warnings++);

const cases: Record<string, CaseFn> = {};
for (const file of process.argv.slice(2)) {
  cases[file] = async (): Promise<Report> => {
    warnings = 0;
    let probed: Failure | 'ok' = 'ok';
    try {
      await probe(file);
    } catch (e) {
      probed = failure('probe', e);
    }
    const tolerant = await run(file, 'tolerant');
    const strict = await run(file, 'strict');
    const memory = await run(file, 'memory');
    const stream = await run(file, 'stream');
    const remuxed = await remuxCase(file);
    return { bytes: fs.statSync(file).size, probe: probed, tolerant, strict, memory, stream, remux: remuxed, warnings };
  };
}

await serveCases(cases);
