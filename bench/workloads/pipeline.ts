// avforge native pipelines (transcode(), remux(), thumbnails()): the whole chain runs native-side
// with a thread per stage (demux, decode, filter, encode, mux) and bounded queues between them.
// The counterparts of transcode.js, remux.js, thumbs.js and concurrent.js, timed the same way
// (from before the first job opens its input, as the C programs are); the addon and libavfilter
// are loaded before the clock starts (see preload.ts) and what that cost is reported.
//
//   --op transcode --file F [--codec libx265] [--preset ultrafast] [--threads 0] [--max-frames N] [--jobs J]
//       transcode(F, '-', { format: 'null', audio: false, video: { codec, preset, threads, maxFrames } }):
//       the best video stream decoded, through the 'null' graph the pipeline inserts (plus the
//       format filter for the encoder's pixel formats), encoded, packets to the null muxer
//       (the C program drops them; the CLI writes -f null). J jobs at once with Promise.all.
//   --op remux --in F --out O --format matroska|mp4 [--fragmented] [--passes N]
//       remux(F, O, { format, fragmented }) N times one after another, a new output each time.
//   --op thumbs --file F [--jobs N] [--width 160] [--height 90]
//       N thumbnails(F, { times: [(i % 4) + 1], width, height, format: 'jpeg' }) one after another.
//   --op decode --file F [--jobs 20] [--threads 1]
//       J decode-only jobs at once (Promise.all): transcode(F, '-', { format: 'null', audio: false,
//       video: { codec: 'wrapped_avframe', threads } }): decode, the 'null' graph, an encoder that
//       wraps the decoded frame without copying it (what the ffmpeg CLI uses for -f null), the
//       null muxer. The nearest a pipeline gets to the C program's bare decode loop.
import { remux, setLogLevel, thumbnails, transcode, type TranscodeResult } from '../../src/index.js';
import { need, parseArgs, report, seconds, watchLoop } from './common.js';
import { loadAddon, loadLavfi } from './preload.js';

const args = parseArgs();
const op = need(args, 'op');
setLogLevel('error');

const addonLoadSeconds = loadAddon();
const lavfiLoadSeconds = op === 'remux' ? null : await loadLavfi();
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Runs `body` timed and under the event-loop monitor; prints the JSON line with `fields` from its result. */
async function timed<T>(body: () => Promise<T>, fields: (r: T) => Record<string, unknown>): Promise<void> {
  const loop = watchLoop();
  const t1 = performance.now();
  const r = await body();
  const elapsed = seconds(t1);
  const loopDelay = loop.stop();
  report({ ...fields(r), seconds: elapsed, loop: loopDelay, addonLoadSeconds, ...(lavfiLoadSeconds === null ? {} : { lavfiLoadSeconds }) });
}

/** Per-job wall time (each job's own elapsed), mean and max over the jobs. */
const jobStats = (rs: TranscodeResult[]) => ({
  jobMeanSeconds: sum(rs.map((r) => r.elapsed)) / rs.length / 1000,
  jobMaxSeconds: Math.max(...rs.map((r) => r.elapsed)) / 1000,
});

if (op === 'transcode' || op === 'decode') {
  const file = need(args, 'file');
  const jobs = Number(args.get('jobs') ?? (op === 'decode' ? 20 : 1));
  const threads = Number(args.get('threads') ?? (op === 'decode' ? 1 : 0));
  const codec = op === 'decode' ? 'wrapped_avframe' : (args.get('codec') ?? 'libx265');
  const preset = args.get('preset') ?? 'ultrafast';
  const maxFrames = Number(args.get('max-frames') ?? 0);
  const video =
    op === 'decode'
      ? { codec, threads }
      : {
          codec,
          preset,
          threads,
          ...(maxFrames > 0 ? { maxFrames } : {}),
          ...(codec === 'libx265' ? { options: { 'x265-params': 'log-level=error' } } : {}),
        };
  await timed(
    () => Promise.all(Array.from({ length: jobs }, () => transcode(file, '-', { format: 'null', audio: false, video }))),
    (rs) => ({ frames: sum(rs.map((r) => r.frames[0] ?? 0)), jobs, ...jobStats(rs) }),
  );
} else if (op === 'remux') {
  const input = need(args, 'in');
  const out = need(args, 'out');
  const format = need(args, 'format');
  const fragmented = args.has('fragmented');
  const passes = Number(args.get('passes') ?? 1);
  await timed(
    async () => {
      const rs: TranscodeResult[] = [];
      for (let i = 0; i < passes; i++) rs.push(await remux(input, out, { format, ...(fragmented ? { fragmented: true } : {}) }));
      return rs;
    },
    // frames: packets copied, per output stream
    (rs) => ({ packets: sum(rs.map((r) => sum(r.frames))), bytes: sum(rs.map((r) => r.bytes)), passes, ...jobStats(rs) }),
  );
} else if (op === 'thumbs') {
  const file = need(args, 'file');
  const jobs = Number(args.get('jobs') ?? 100);
  const width = Number(args.get('width') ?? 160);
  const height = Number(args.get('height') ?? 90);
  await timed(
    async () => {
      let thumbs = 0;
      let bytes = 0;
      for (let i = 0; i < jobs; i++) {
        const images = await thumbnails(file, { times: [(i % 4) + 1], width, height, format: 'jpeg' });
        thumbs += images.length;
        for (const img of images) bytes += img.data.length;
      }
      return { thumbs, bytes };
    },
    (r) => ({ thumbs: r.thumbs, bytes: r.bytes, jobs }),
  );
} else {
  console.error(`--op: transcode, remux, thumbs or decode, not ${op}`);
  process.exit(2);
}
