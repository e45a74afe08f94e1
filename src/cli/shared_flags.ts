// The flags several commands share, declared once: the job commands' output and progress
// switches (--json, -y, -v, -stats_period, --strict, --options), the files (-i, -ss, -f, -t) and
// the container's (-movflags, --faststart...). Each command's table includes the ones it has.
import { LogLevels, type ExtraInput, type JobOptions, type LogLevel, type RemuxOptions, type TranscodeOptions } from '../index.js';
import { parseJsonObject, parseNumber, parsePair, parseTime, UsageError, type Flag } from './argv.js';

/** The options of a job that writes a file (the container's flags and -t set them). */
type OutputOptions = TranscodeOptions | RemuxOptions;

/** What a job command's parse collects: its switches, its files, and the library's options. */
export interface JobState<O> {
  json: boolean;
  /** -y: replace existing output files. */
  overwrite: boolean;
  /** -v / -loglevel: FFmpeg's log level (default 'warning'). */
  logLevel?: LogLevel;
  /** -stats_period: seconds between progress reports. */
  statsPeriod?: number;
  /** The options the flags make. */
  options: O;
  /** --options: library options merged over `options` at the end. */
  extra?: Record<string, unknown>;
  files: FileWords;
}

/** The file names and -i inputs, in the order given. */
export interface FileWords {
  words: { source: string; dashI: boolean; format?: string; start?: number }[];
  /** -f / -ss since the last -i: the next -i's, or the output's when no -i follows. */
  pending: { format?: string; start?: number };
}

/** What every job command's parse gives, with its inputs and output resolved. */
export interface JobArgs<O> {
  help?: false;
  json: boolean;
  overwrite: boolean;
  logLevel?: LogLevel;
  statsPeriod?: number;
  input: string;
  output: string;
  options: O;
}

export function jobState<O>(options: O): JobState<O> {
  return { json: false, overwrite: false, options, files: { words: [], pending: {} } };
}

/** A file name on the command line (not a flag's value). */
export function fileWord(s: JobState<unknown>, token: string): void {
  s.files.words.push({ source: token, dashI: false });
}

const ignored: Flag<unknown> = { names: ['-hide_banner'], aliases: ['-nostdin', '-stats', '-nostats'], apply: () => {} };

// ---------------------------------------------------------------------------------------
// Output and progress

export const jsonFlag: Flag<{ json: boolean }> = {
  names: ['--json'],
  help: 'one JSON object per line on stdout: {"event":"progress",...} while it runs,\nthen {"event":"done",...} or {"event":"error","code":...,"message":...}',
  apply: (s) => (s.json = true),
};

const logLevelFlag: Flag<JobState<unknown>> = {
  names: ['-v'],
  aliases: ['-loglevel', '--log-level'],
  value: 'LEVEL',
  help: "FFmpeg's log level: quiet, error, warning (default), info, verbose, debug",
  apply(s, value, flag) {
    const v = value.replace(/^(repeat\+|level\+)+/, '');
    if (!(v in LogLevels)) throw new UsageError(`${flag}: '${value}' is not a log level (${Object.keys(LogLevels).join(', ')})`);
    s.logLevel = v as LogLevel;
  },
};

/** --options JSON: the library's own options, merged over what the other flags make. */
export const optionsFlag: Flag<{ extra?: Record<string, unknown> }> = {
  names: ['--options'],
  value: 'JSON',
  help: "the library's options as a JSON object, merged over what the flags set (objects\nkey by key); the library checks them: one it refuses is a usage error",
  apply: (s, value, flag) => (s.extra = { ...s.extra, ...parseJsonObject(value, flag) }),
};

/** The switches of every job command (transcode, remux, thumbs). */
export const outputFlags: readonly Flag<JobState<JobOptions>>[] = [
  {
    names: ['-y'],
    aliases: ['--overwrite'],
    help: 'replace an existing output (without it an existing output is an error, exit 1)',
    apply: (s) => (s.overwrite = true),
  },
  { names: ['-n'], apply: (s) => (s.overwrite = false) },
  jsonFlag,
  {
    names: ['-stats_period'],
    value: 'S',
    help: 'seconds between progress reports (default 0.25 on a terminal, 0.5 with --json)',
    apply: (s, v, flag) => (s.statsPeriod = parseNumber(v, flag, { min: 0.01 })),
  },
  logLevelFlag,
  { names: ['--strict'], help: 'damaged input is an error (by default damaged packets are skipped and counted)', apply: (s) => (s.options.strict = true) },
  optionsFlag,
  ignored,
];

/** How the job commands report and end, for their --help. */
export const JOB_NOTES = `On a terminal a progress line is drawn on stderr; elsewhere nothing is printed unless --json.
Ctrl-C once stops early and finishes a valid, shorter output; twice aborts and removes it
(SIGTERM aborts too). A replaced file (-y) stays as it was until the new one is complete.

Exit status: 0 done, 1 the job failed (bad media, unknown codec, existing output without -y...),
2 usage error (unknown option, missing file name, bad value, an option the library refuses),
130 interrupted (Ctrl-C), 143 SIGTERM.`;

// ---------------------------------------------------------------------------------------
// Files and times

export const inputFlag: Flag<JobState<unknown>> = {
  names: ['-i'],
  value: 'IN',
  help: 'an input, as in ffmpeg (a file name alone is one too); -ss and -f before it are its own',
  apply(s, value) {
    s.files.words.push({ source: value, dashI: true, ...s.files.pending });
    s.files.pending = {};
  },
};

export const seekFlag: Flag<JobState<unknown>> = {
  names: ['-ss'],
  value: 'S',
  help: 'start here (seconds, or [HH:]MM:SS[.ms])',
  apply: (s, v, flag) => (s.files.pending.start = parseTime(v, flag)),
};

export const formatFlag: Flag<JobState<unknown>> = {
  names: ['-f'],
  value: 'FMT',
  help: "output format (mp4, matroska, webm, mpegts, hls...); default from OUT's extension;\nbefore an -i, that input's format",
  apply: (s, v) => (s.files.pending.format = v),
};

export const durationFlag: Flag<JobState<OutputOptions>> = {
  names: ['-t'],
  value: 'S',
  help: 'write this much (seconds, or [HH:]MM:SS[.ms])',
  apply: (s, v, flag) => (s.options.duration = parseTime(v, flag)),
};

/** The container's flags (transcode, remux). */
export const containerFlags: readonly Flag<JobState<OutputOptions>>[] = [
  { names: ['-movflags'], value: 'F', help: 'MP4/MOV muxer flags (+faststart)', apply: (s, v) => ((s.options.formatOptions ??= {}).movflags = v) },
  { names: ['--faststart'], help: 'MP4: index at the front, for playback while downloading', apply: (s) => (s.options.fastStart = true) },
  { names: ['--fragmented'], help: 'fragmented MP4', apply: (s) => (s.options.fragmented = true) },
  {
    names: ['-metadata'],
    value: 'K=V',
    help: 'a global tag, repeatable ("" removes it)',
    apply(s, v, flag) {
      const [key, value] = parsePair(v, flag);
      (s.options.metadata ??= {})[key] = value;
    },
  },
];

interface InputWord {
  source: string;
  format?: string;
  start?: number;
}

/**
 * The files of a command line: the last file name is the output (when there is one); the
 * inputs are the other file name (at most one) and every -i, in the order given.
 */
export function resolveFiles(f: FileWords, needOutput: boolean): { inputs: InputWord[]; output: string } {
  const names = f.words.filter((w) => !w.dashI);
  if (names.length > (needOutput ? 2 : 1))
    throw new UsageError(`too many file names: ${names.map((p) => `'${p.source}'`).join(' ')}${needOutput ? '' : ' (name the output with -o PATTERN)'}`);
  const last = needOutput ? names.at(-1) : undefined;
  const output = needOutput ? last?.source : '';
  const inputs = f.words.filter((w) => w !== last).map(({ dashI: _, ...i }) => i);
  if (inputs.length === 0)
    throw new UsageError(
      !needOutput
        ? 'missing the input file'
        : output === undefined
          ? 'missing the input and output files'
          : `missing the input or the output file (got only '${output}')`,
    );
  if (output === undefined) throw new UsageError('missing the output file');
  for (const i of inputs) if (i.source === '') throw new UsageError('an empty file name');
  if (output === '' && needOutput) throw new UsageError('an empty output file name');
  return { inputs, output };
}

/**
 * transcode() and remux(): the first input's -f and -ss, -ss and -f after the last -i (the
 * output's), and the extra inputs. Returns the first input and the output.
 */
export function applyFiles(s: JobState<OutputOptions>, extraInputs: boolean): { input: string; output: string } {
  const { inputs, output } = resolveFiles(s.files, true);
  const [first, ...extra] = inputs;
  const o = s.options;
  if (extra.length && !extraInputs) throw new UsageError(`remux takes one input (got ${inputs.map((i) => `'${i.source}'`).join(', ')})`);
  if (s.files.pending.format !== undefined) o.format = s.files.pending.format;
  const out = s.files.pending.start;
  if (first!.start !== undefined || out !== undefined) o.start = (first!.start ?? 0) + (out ?? 0);
  if (first!.format !== undefined) o.input = { format: first!.format };
  if (extra.length) (o as TranscodeOptions).inputs = extra.map((e): ExtraInput => ({ ...e }));
  return { input: first!.source, output };
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `over` merged into `base`: objects key by key, anything else replaced. The library checks the result. */
export function mergeOptions<T>(base: T, over: Record<string, unknown> | undefined): T {
  if (!over) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = isPlain(v) && isPlain(out[k]) ? mergeOptions(out[k], v) : v;
  return out as T;
}

/** The parse's end for every job command: the switches, the files, and --options merged in. */
export function jobArgs<O>(s: JobState<O>, files: { input: string; output: string }): JobArgs<O> {
  const a: JobArgs<O> = { json: s.json, overwrite: s.overwrite, input: files.input, output: files.output, options: mergeOptions(s.options, s.extra) };
  if (s.logLevel !== undefined) a.logLevel = s.logLevel;
  if (s.statsPeriod !== undefined) a.statsPeriod = s.statsPeriod;
  return a;
}
