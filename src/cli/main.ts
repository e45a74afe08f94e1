#!/usr/bin/env node
// The avforge command: the list of commands, and the dispatch to each.
import { AvError, routeOption, versions } from '../index.js';
import { commandList, helpText, parseCommand, UsageError, type Command } from './argv.js';
import { batchCommand, runBatch } from './batch.js';
import { benchCommand, runBench } from './bench.js';
import { demoCommand, runDemo } from './demo.js';
import { runFfmpeg } from './ffmpeg/run.js';
import { isFfmpegOption } from './ffmpeg/grammar.js';
import { EXIT, runRemux, runThumbs, runTranscode } from './jobs.js';
import { runFFprobe } from './ffprobe/run.js';
import { probeCommand, runProbe } from './probe.js';
import { remuxCommand } from './remux_flags.js';
import { thumbsCommand } from './thumbs_flags.js';
import { transcodeCommand } from './transcode_flags.js';
import { runSubmit, runWorker, submitCommand, workerCommand } from './worker.js';
import { runTop, topCommand } from './top.js';

const versionCommand: Command<object> = {
  name: 'version',
  summary: 'the FFmpeg libraries avforge runs on',
  usage: [''],
  groups: [],
  init: () => ({}),
};

async function runVersion(argv: string[]): Promise<number> {
  if ('help' in parseCommand(versionCommand, argv)) console.log(helpText(versionCommand));
  else console.log(JSON.stringify(versions(), null, 2));
  return EXIT.ok;
}

/** Every command, in the order `avforge --help` lists them, with the names it answers to. */
const COMMANDS: { spec: Command<unknown>; run: (argv: string[]) => Promise<number>; also?: string[] }[] = [
  { spec: transcodeCommand, run: runTranscode },
  { spec: remuxCommand, run: runRemux },
  { spec: thumbsCommand, run: runThumbs, also: ['thumbnails'] },
  { spec: workerCommand, run: runWorker },
  { spec: submitCommand, run: runSubmit },
  { spec: topCommand, run: runTop },
  { spec: batchCommand, run: runBatch },
  { spec: probeCommand, run: runProbe },
  { spec: demoCommand, run: runDemo },
  { spec: versionCommand, run: runVersion, also: ['--version'] },
  { spec: benchCommand, run: runBench },
];

const usage = `avforge — FFmpeg for TypeScript at native speed

Usage:
${commandList(COMMANDS.map((c) => c.spec))}
  ${'avforge ffprobe [OPTIONS] IN'.padEnd(40)} ffprobe's flags and output (-show_streams, -show_entries, -of csv...)

  ${'avforge COMMAND --help'.padEnd(40)} a command's options and examples

Examples:
  avforge transcode in.mp4 out.mkv -c:v libx265 -crf 28 -c:a copy
  avforge transcode -i in.mov -vf scale=1280:-2 -c:v libx264 -crf 23 out.mp4 --faststart
  avforge remux in.mkv out.mp4
  avforge thumbs movie.mp4 --every 10 --width 320 -o thumbs/
  avforge probe movie.mp4
  avforge ffprobe -v error -show_format -show_streams -of json movie.mp4   (ffprobe's grammar and output)

Exit status: 0 done, 1 failed, 2 usage error, 130 interrupted (Ctrl-C).`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  // ffprobe's and ffmpeg's own grammars and exit statuses: not flag-table commands.
  // `avforge ffmpeg ARGS` and `avforge -i in.mp4 ...` run an ffmpeg command line.
  if (name === 'ffprobe') return runFFprobe(rest);
  if (name === 'ffmpeg') return runFfmpeg(rest, routeOption);
  if (/^-[a-z]/.test(name) && isFfmpegOption(name.slice(1).split(':')[0]!)) return runFfmpeg(argv, routeOption);
  const command = COMMANDS.find((c) => c.spec.name === name || c.also?.includes(name));
  if (!command) {
    console.error(`avforge: unknown command '${name}'\n\n${usage}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // the job commands report their own failures; these are the other commands'
    if (e instanceof UsageError || e instanceof TypeError) {
      console.error(`avforge: ${e.message}${e instanceof UsageError ? `\nTry 'avforge ${command.spec.name} --help'.` : ''}`);
      return EXIT.usage;
    }
    if (e instanceof AvError) {
      console.error(`avforge: ${e.message} [${e.code}]`);
      return EXIT.failed;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(EXIT.failed);
  },
);
