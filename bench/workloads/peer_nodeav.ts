// Peer: node-av (https://github.com/seydx/node-av; bundles its own FFmpeg), installed with
// `npm run bench -- --peers` (which runs `npm install --prefix bench/peers`). Its idiomatic
// async API, for the workloads avforge's object API runs:
//   --op decode (default): the best video (or with --audio, audio) stream,
//       `for await (const frame of decoder.frames(input.packets(stream.index)))`;
//   --op demux: every packet of every stream, `for await (const p of input.packets())`, --passes N
//       times (reopened each pass: it has no seek back to 0 on a finished generator);
//   --op remux: every stream copied into --format (matroska, or mp4 with --fragmented), --passes N
//       times, each to a new file: `output.addStream(stream)` and `await output.writePacket(p, i)`.
// Exits 3 when node-av is not installed (the runner skips it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';

const args = parseArgs();
const file = need(args, 'file');
const threads = Number(args.get('threads') ?? 0);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dir = path.join(root, 'bench', 'peers', 'node_modules', 'node-av');
if (!fs.existsSync(path.join(dir, 'package.json'))) {
  console.error('node-av is not installed (npm install --prefix bench/peers node-av)');
  process.exit(3);
}
// node-av 6.x calls Promise.withResolvers (Node >= 22) but declares no engines; on Node 20 its
// packets() generator ends silently after one packet. Polyfilled here so it can run at all.
const P = Promise as unknown as { withResolvers?: () => unknown };
const polyfilled = typeof P.withResolvers !== 'function';
if (polyfilled)
  P.withResolvers = () => {
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
// biome-ignore lint/suspicious/noExplicitAny: node-av's API, untyped here (it is installed at run time)
const api: any = await import(path.join(dir, 'dist', 'api', 'index.js'));
// biome-ignore lint/suspicious/noExplicitAny: node-av's API, untyped here (it is installed at run time)
const lib: any = await import(path.join(dir, 'dist', 'index.js'));
try {
  lib.Log?.setLevel?.(lib.AV_LOG_ERROR ?? 16);
} catch {
  // keep its default
}
if (args.has('versions')) {
  let libs: unknown = null;
  try {
    libs = typeof lib.avVersionInfo === 'function' ? lib.avVersionInfo() : typeof lib.getFFmpegInfo === 'function' ? await lib.getFFmpegInfo() : null;
  } catch {
    // none
  }
  console.log(JSON.stringify({ nodeAv: pkg.version, ffmpeg: libs }));
  process.exit(0);
}

const op = args.get('op') ?? 'decode';
const passes = Number(args.get('passes') ?? 1);

/** Runs `loop` under the event-loop monitor and prints its count (as `what`) and seconds. */
async function timed(what: 'frames' | 'packets', loop: () => Promise<number>, extra: Record<string, unknown> = {}): Promise<void> {
  const monitor = watchLoop();
  const t1 = performance.now();
  const count = await loop();
  const elapsed = seconds(t1);
  report({ [what]: count, seconds: elapsed, ...extra, nodeAv: pkg.version, withResolversPolyfill: polyfilled, loop: monitor.stop() });
}

async function decode(): Promise<void> {
  const t0 = performance.now();
  const input = await api.Demuxer.open(file);
  const stream = args.has('audio') ? input.audio() : input.video();
  const decoder = await api.Decoder.create(stream, { threads });
  const openSeconds = seconds(t0);
  await timed(
    'frames',
    async () => {
      let frames = 0;
      for await (const frame of decoder.frames(input.packets(stream.index))) {
        if (frame === null) break; // its generators end with a null at EOF
        frames++;
        frame.free?.();
      }
      return frames;
    },
    { openSeconds },
  );
  decoder.close?.();
  await input.close?.();
}

async function demux(): Promise<void> {
  await timed('packets', async () => {
    let packets = 0;
    for (let pass = 0; pass < passes; pass++) {
      const input = await api.Demuxer.open(file);
      for await (const p of input.packets()) {
        if (p === null) break;
        packets++;
        p.free?.();
      }
      await input.close?.();
    }
    return packets;
  });
}

async function remux(): Promise<void> {
  const out = need(args, 'out');
  const format = args.get('format') ?? 'matroska';
  const fragmented = args.has('fragmented');
  await timed('packets', async () => {
    let packets = 0;
    for (let pass = 0; pass < passes; pass++) {
      const input = await api.Demuxer.open(file);
      const output = await api.Muxer.open(`${out}.${pass % 2}`, {
        format,
        ...(fragmented ? { options: { movflags: 'frag_keyframe+empty_moov+default_base_moof' } } : {}),
      });
      const index = new Map<number, number>();
      for (const s of input.streams) {
        const i = output.addStream(s);
        // its Muxer keeps the input's codec tag (mp4a into Matroska fails the header); 0 lets the muxer pick, as the CLI does
        const added = output.getStream(i);
        if (added) added.codecpar.codecTag = 0;
        index.set(s.index, i);
      }
      for await (const p of input.packets()) {
        if (p === null) break;
        await output.writePacket(p, index.get(p.streamIndex));
        packets++;
        p.free?.();
      }
      await output.close();
      await input.close?.();
    }
    return packets;
  });
  for (const k of [0, 1]) fs.rmSync(`${out}.${k}`, { force: true });
}

if (op === 'decode') await decode();
else if (op === 'demux') await demux();
else if (op === 'remux') await remux();
else {
  console.error(`unknown --op ${op}`);
  process.exit(2);
}
