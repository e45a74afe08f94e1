// `avforge transcode`, `avforge remux` and `avforge thumbs`: parse (*_flags.ts), check the
// output, run the job with progress (progress.ts), and turn Ctrl-C into a graceful stop
// (once) or an abort (twice). Each returns the exit status.
import fs from 'node:fs';
import path from 'node:path';

import {
  AvError,
  remux,
  setLogger,
  setLogLevel,
  thumbnailFile,
  thumbnails,
  transcode,
  type AvOptions,
  type Job,
  type LogLevel,
  type Progress,
  type StreamMap,
  type TranscodeOptions,
  type TranscodeResult,
  type VideoSettings,
} from '../index.js';
import { flagPart, helpText, UsageError, type Command, type Parsed } from './argv.js';
import { formatBytes, formatClock, Reporter } from './progress.js';
import { parseRemuxArgs, remuxCommand } from './remux_flags.js';
import type { JobArgs } from './shared_flags.js';
import { parseThumbsArgs, thumbsCommand } from './thumbs_flags.js';
import { parseTranscodeArgs, transcodeCommand } from './transcode_flags.js';

/** Exit statuses: see the help of each command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

/** A failure found before the job starts (the output exists...): exit 1, with this code in --json. */
class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function runTranscode(argv: string[]): Promise<number> {
  return command(transcodeCommand, argv, parseTranscodeArgs, async (a, r, { start }) => {
    const extra = Array.isArray(a.options.inputs) ? a.options.inputs : []; // --options may hold anything: the library checks it
    refuseOverwrite(a.output, [a.input, ...extra.map((i) => (i && typeof i === 'object' && 'source' in i ? i.source : i))], a.overwrite);
    quietX265(a.options, a.logLevel ?? 'warning');
    const result = await start((o) => transcode(a.input, a.output, trustInputs({ ...a.options, ...o })));
    r.done({ ...result }, summary(result), !result.stopped);
  });
}

export function runRemux(argv: string[]): Promise<number> {
  return command(remuxCommand, argv, parseRemuxArgs, async (a, r, { start }) => {
    refuseOverwrite(a.output, [a.input], a.overwrite);
    const result = await start((o) => remux(a.input, a.output, trustInputs({ ...a.options, ...o })));
    r.done({ ...result }, summary(result), !result.stopped);
  });
}

export function runThumbs(argv: string[]): Promise<number> {
  return command(thumbsCommand, argv, parseThumbsArgs, async (a, r, { start, interrupted }) => {
    // A folder: an existing one, a name ending in a slash, or a name with no extension (an image
    // file needs one to say what it is); a missing one is made. Else a file name or a pattern.
    let pattern = a.output;
    const folder = !pattern.includes('%') && (isDirectory(pattern) || /[\\/]$/.test(pattern) || path.extname(pattern) === '');
    if (folder) {
      fs.mkdirSync(pattern, { recursive: true });
      pattern = path.join(pattern, `thumb-%03d.${a.options.format === 'jpeg' ? 'jpg' : a.options.format}`);
    }
    const options = { output: pattern, ...a.options };
    // thumbnails() names and writes the images; the names it will use are checked first
    if (typeof options.output === 'string' && options.output !== '') {
      // how many --every or --keyframes make is known only at the end: then the first name is checked
      const count = Array.isArray(options.times) ? options.times.length : Number.isInteger(options.count) ? options.count! : 1;
      for (let n = 1; n <= Math.min(count, 10000); n++) refuseOverwrite(thumbnailFile(options.output, n), [a.input], a.overwrite);
    }
    const images = await start((o) => thumbnails(a.input, trustInputs({ ...options, ...o })));
    const files = images.map((t) => ({ time: t.time, file: t.file, bytes: t.data.length }));
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    r.done(
      { count: files.length, bytes, thumbnails: files },
      files.length === 0
        ? 'no thumbnails'
        : `${files.length} thumbnail${files.length > 1 ? 's' : ''} (${formatBytes(bytes)}): ${files[0]!.file}${files.length > 1 ? ` … ${files.at(-1)!.file}` : ''}`,
      !interrupted(),
    );
  });
}

interface Control {
  /** Starts the job with the progress options the command adds, and hands Ctrl-C to it. */
  start<T>(job: (o: { onProgress?: (p: Progress) => void; progressInterval?: number }) => Job<T>): Promise<T>;
  /** Whether Ctrl-C (or SIGTERM) came. */
  interrupted(): boolean;
}

/**
 * What every job command does around its job: --help, usage errors (2), the log level,
 * Ctrl-C (once: 'graceful', twice: 'abort'; exit 130), failures (1), --json events.
 */
async function command<A extends JobArgs<unknown>>(
  spec: Command<unknown>,
  argv: string[],
  parse: (argv: string[]) => Parsed<A> | Promise<Parsed<A>>,
  body: (args: A, reporter: Reporter, control: Control) => Promise<void>,
): Promise<number> {
  // --json before parsing, so that a usage error is an event too
  const reporter = new Reporter({ json: flagPart(argv).includes('--json') });
  let args: Parsed<A>;
  try {
    args = await parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      reporter.error('USAGE', e.message, `Try 'avforge ${spec.name} --help'.`);
      return EXIT.usage;
    }
    return failure(e, reporter, false); // libavfilter refusing a -filter_complex
  }
  if (args.help) {
    console.log(helpText(spec));
    return EXIT.ok;
  }
  const a = args as A;
  setLogLevel(a.logLevel ?? 'warning');
  // on a terminal, libav's messages clear the progress line first
  if (reporter.interactive) setLogger((_level, message) => reporter.note(message));

  let interrupts = 0;
  let job: Job<unknown> | undefined;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      if (reporter.interactive) reporter.note('avforge: stopping: finishing the output (Ctrl-C again to abort and remove it)');
      job?.cancel('graceful');
    } else if (interrupts === 2) {
      job?.cancel('abort');
    } else {
      process.exit(EXIT.interrupted); // a third: leave now
    }
  };
  // SIGTERM (a service manager, kill): abort, exit 143
  let terminated = false;
  const onSigterm = () => {
    terminated = true;
    job?.cancel('abort');
  };
  const start: Control['start'] = (make) => {
    const j = make(
      reporter.wantsProgress
        ? { onProgress: (p) => reporter.progress(p), progressInterval: (a.statsPeriod ?? (reporter.interactive && !a.json ? 0.25 : 0.5)) * 1000 }
        : {},
    );
    job = j;
    // a signal before the job existed
    if (terminated || interrupts > 1) j.cancel('abort');
    else if (interrupts === 1) j.cancel('graceful');
    return j;
  };
  const stopped = () => (terminated ? EXIT.terminated : interrupts > 0 ? EXIT.interrupted : undefined);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  // with --json | head, the reader may leave first: the job still finishes
  const onStdoutError = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  };
  process.stdout.on('error', onStdoutError);
  try {
    await body(a, reporter, { start, interrupted: () => stopped() !== undefined });
    return stopped() ?? EXIT.ok;
  } catch (e) {
    const code = failure(e, reporter, stopped() !== undefined);
    return code === EXIT.failed ? (stopped() ?? code) : code;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    process.stdout.off('error', onStdoutError);
    if (reporter.interactive) setLogger(null);
  }
}

/** Reports a job's failure; the exit status (an error that is none of these is thrown on). */
function failure(e: unknown, reporter: Reporter, interrupted: boolean): number {
  if (e instanceof AvError && interrupted) {
    // a graceful stop before anything was encoded fails too: there is nothing to finish
    reporter.error(e.code, `interrupted: ${e.code === 'ABORT_ERR' ? 'the job was aborted and its output removed' : e.message}`);
    return EXIT.failed;
  }
  if (e instanceof AvError || e instanceof Refusal) {
    reporter.error(e.code, e.message);
    return EXIT.failed;
  }
  // the library's argument checks (a flag's value or an --options entry it does not take)
  if (e instanceof TypeError) {
    reporter.error('USAGE', e.message);
    return EXIT.usage;
  }
  // the file system (thumbnails() writing its images)
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string') {
    reporter.error((e as NodeJS.ErrnoException).code!, e.message);
    return EXIT.failed;
  }
  throw e;
}

const isDirectory = (p: string) => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** An existing output is replaced only with -y, and never when it is one of the inputs. */
function refuseOverwrite(output: string, inputs: unknown[], overwrite: boolean): void {
  if (/^[a-z][\w+.-]+:/i.test(output) && !/^[a-z]:[\\/]/i.test(output)) return; // a URL
  const full = path.resolve(output);
  for (const i of inputs)
    if (typeof i === 'string' && path.resolve(i) === full) throw new Refusal('EINVAL', `'${output}' is also an input: choose another output file`);
  if (!overwrite && fs.existsSync(output)) throw new Refusal('EEXIST', `'${output}' already exists (-y to overwrite it)`);
}

/** The CLI, like ffmpeg, trusts its user's inputs (SECURITY.md): FFmpeg's defaults, playlists included; --options may say otherwise. */
export function trustInputs<T extends { input?: object; inputs?: unknown }>(o: T): T {
  const trust = (i: unknown) =>
    typeof i === 'string' ? { source: i, trusted: true } : i && typeof i === 'object' && 'source' in i ? { trusted: true, ...i } : i;
  return { ...o, input: { trusted: true, ...o.input }, ...(Array.isArray(o.inputs) ? { inputs: o.inputs.map(trust) } : {}) };
}

/** x265 prints its banner and statistics itself (not through libav's log): only what the log level lets through. */
export function quietX265(o: TranscodeOptions, level: LogLevel): void {
  const x265 = (
    { quiet: 'none', panic: 'none', fatal: 'none', error: 'error', warning: 'warning', info: 'info', verbose: 'debug', debug: 'debug', trace: 'full' } as const
  )[level];
  const quiet = (s: VideoSettings | StreamMap) => {
    if (s.codec !== 'libx265') return;
    const opts: AvOptions = { ...s.options };
    const params = String(opts['x265-params'] ?? '');
    if (/(^|:)log-level=/.test(params)) return;
    opts['x265-params'] = params ? `${params}:log-level=${x265}` : `log-level=${x265}`;
    s.options = opts;
  };
  if (o.video && typeof o.video === 'object') quiet(o.video);
  for (const m of Array.isArray(o.map) ? o.map : []) if (m && typeof m === 'object') quiet(m);
}

function summary(r: TranscodeResult): string {
  const what = r.stopped ? 'stopped early, wrote' : 'wrote';
  const duration = r.duration === null ? '' : `, ${formatClock(r.duration)}`;
  const damaged = r.damaged ? `, ${r.damaged} damaged packets skipped` : '';
  return `${what} ${r.output ?? 'the output'} (${formatBytes(r.bytes)}${duration}) in ${(r.elapsed / 1000).toFixed(2)} s, ${r.speed.toFixed(2)}x${damaged}`;
}
