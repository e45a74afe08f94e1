// The child_process half of bench/migration.mjs, in its own process as a script's code is: the
// same ffmpeg argument list run by promisified execFile('ffmpeg', args) (a process per job) and
// by avforge/ffmpeg's ffmpeg(args) (in this process). Runs `count` jobs with each in turn
// (A B A B ..., after one warm-up each) and prints every job's wall milliseconds as JSON:
// { execFile: [...], avforge: [...] }. The argument lists come as JSON in ARGS_JSON, with OUT
// where the output's base name goes.
//   ARGS_JSON='[...]' node bench/migration_execfile.mjs OUTDIR COUNT
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { ffmpeg } from '../dist/ffmpeg.js';

const [outDir, countText] = process.argv.slice(2);
const count = Number(countText);
const args = JSON.parse(process.env.ARGS_JSON);
const argsFor = (name) => args.map((a) => a.replaceAll('OUT', path.join(outDir, `exec-${name}`)));
const runners = {
  execFile: (a) => promisify(execFile)('ffmpeg', a),
  avforge: (a) => ffmpeg(a),
};

async function runOne(name) {
  const t = performance.now();
  await runners[name](argsFor(name));
  return performance.now() - t;
}

const walls = { execFile: [], avforge: [] };
for (const name of ['execFile', 'avforge']) await runOne(name); // warm-up: loading, first spawn
for (let i = 0; i < count; i++) for (const name of i % 2 ? ['avforge', 'execFile'] : ['execFile', 'avforge']) walls[name].push(await runOne(name));
process.stdout.write(`${JSON.stringify(walls)}\n`);
