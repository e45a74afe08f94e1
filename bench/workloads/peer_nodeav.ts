// Peer: node-av (https://github.com/seydx/node-av; bundles its own FFmpeg), installed with
// `npm install --prefix bench/peers node-av`. Decode of the best video stream with its
// idiomatic async API: `for await (using frame of decoder.frames(input.packets(stream.index)))`.
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
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const api: any = await import(path.join(dir, 'dist', 'api', 'index.js'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
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

const t0 = performance.now();
const input = await api.Demuxer.open(file);
const stream = input.video();
const decoder = await api.Decoder.create(stream, { threads });
const openSeconds = seconds(t0);
let frames = 0;
const loop = watchLoop();
const t1 = performance.now();
for await (const frame of decoder.frames(input.packets(stream.index))) {
  if (frame === null) break; // its generators end with a null at EOF
  frames++;
  frame.free?.();
}
const elapsed = seconds(t1);
const loopDelay = loop.stop();
decoder.close?.();
await input.close?.();
report({ frames, seconds: elapsed, openSeconds, nodeAv: pkg.version, withResolversPolyfill: polyfilled, loop: loopDelay });
