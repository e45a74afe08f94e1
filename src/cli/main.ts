#!/usr/bin/env node
// The avforge command.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { AvError } from '../errors.js';
import { probe } from '../core/probe.js';
import { toFFprobeJson } from '../core/ffprobe.js';
import { versions } from '../index.js';
import { demo } from './demo.js';
import { runBench } from './bench.js';
import { runRemux, runThumbs, runTranscode } from './transcode.js';
import { runSubmit, runWorker } from './worker.js';

const usage = `avforge — FFmpeg for TypeScript at native speed

Usage:
  avforge transcode IN OUT [options]       decode, filter, encode, with ffmpeg's flags (-c:v, -crf, -vf, -map...)
  avforge remux IN OUT [options]           copy streams into another container (-ss, -t, -map, --faststart)
  avforge thumbs IN [options]              still images: --every S, --count N, --times T,..., --keyframes
  avforge worker --redis URL [options]     run engine jobs from a BullMQ queue on Redis until SIGTERM
  avforge submit --redis URL TYPE IN [OUT] enqueue a job for the workers (transcode, remux, thumbnails, probe)
  avforge probe FILE [--json]              describe a media file (--json: ffprobe -show_format -show_streams -of json)
  avforge demo [--dir DIR] [--seconds N]   generate a clip with avforge's own encoder, transcode it, report
  avforge version                          the FFmpeg libraries avforge runs on
  avforge bench [--quick] [--only X] ...   the benchmark suite (a source checkout; as npm run bench)

  avforge COMMAND --help                   a command's options and examples

Examples:
  avforge transcode in.mp4 out.mkv -c:v libx265 -crf 28 -c:a copy
  avforge transcode -i in.mov -vf scale=1280:-2 -c:v libx264 -crf 23 out.mp4 --faststart
  avforge remux in.mkv out.mp4
  avforge thumbs movie.mp4 --every 10 --width 320 -o thumbs/
  avforge probe movie.mp4

Exit status: 0 done, 1 failed, 2 usage error, 130 interrupted (Ctrl-C).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo': {
      const { values } = parseArgs({ args: rest, options: { dir: { type: 'string' }, seconds: { type: 'string' } } });
      const dir = values.dir ?? path.join(os.tmpdir(), 'avforge-demo');
      const seconds = values.seconds ? Number(values.seconds) : 5;
      if (!Number.isInteger(seconds) || seconds <= 0) throw new TypeError('--seconds must be a whole number > 0');
      console.log(`avforge demo on FFmpeg ${versions().ffmpeg}`);
      await demo(dir, seconds);
      return 0;
    }
    case 'probe': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
      const file = positionals[0];
      if (!file) throw new TypeError('probe needs a FILE');
      const info = await probe(file);
      if (values.json) {
        console.log(JSON.stringify(toFFprobeJson(info), null, 4));
      } else {
        console.log(`${file}: ${info.format.longName}, ${info.format.duration === null ? '?' : (info.format.duration / 1e6).toFixed(3)} s, ${info.format.bitRate} b/s`);
        for (const s of info.streams) console.log(`  #${s.index} ${s.type}: ${s.codec.codecName} ${s.codec.width ? `${s.codec.width}x${s.codec.height}` : `${s.codec.sampleRate} Hz`}`);
      }
      return 0;
    }
    case 'transcode':
      return runTranscode(rest);
    case 'remux':
      return runRemux(rest);
    case 'thumbs':
    case 'thumbnails':
      return runThumbs(rest);
    case 'worker':
      return runWorker(rest);
    case 'submit':
      return runSubmit(rest);
    case 'bench':
      return runBench(rest);
    case 'version':
    case '--version':
      console.log(JSON.stringify(versions(), null, 2));
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return command === undefined ? 2 : 0;
    default:
      console.error(`avforge: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof AvError) console.error(`avforge: ${e.message} [${e.code}]`);
    else if (e instanceof TypeError) console.error(`avforge: ${e.message}`);
    else console.error(e);
    process.exit(1);
  },
);
