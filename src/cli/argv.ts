// The one argv parser of the avforge command. Each command declares its flags once, in a table
// (names, value placeholder, help line, what the flag does to the command's state); the same
// table drives the parsing and the --help text. Pure: argv in, state out (or a UsageError).

/** Wrong, missing or unknown arguments: the CLI exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One flag: its names, whether it takes a value, its help, and what it does. */
export interface Flag<S> {
  /** The names --help shows ('-y'); the first is the flag's name in messages. */
  names: readonly string[];
  /** More names, accepted but not shown (ffmpeg's spellings: -vcodec, -loglevel). */
  aliases?: readonly string[];
  /** The value's placeholder in --help ('CODEC'); without one, the flag is a switch. */
  value?: string;
  /** The --help description (later lines go under the first); none: the flag is not listed. */
  help?: string;
  /** Applies the flag (`value` is '' for a switch); throws a UsageError for a bad value. */
  apply(state: S, value: string, flag: string): void;
}

/** A titled block of flags in --help; `rows` are help-only lines (patterns, not single flags). */
export interface FlagGroup<S> {
  title: string;
  flags: readonly Flag<S>[];
  rows?: readonly { label: string; help: string }[];
}

export interface Command<S> {
  name: string;
  /** What the command does, in one line: the command list and the first line of its --help. */
  summary: string;
  /** Synopses after `avforge NAME`; the first goes in the command list. */
  usage: readonly string[];
  /** A sentence or two between the synopsis and the flags. */
  intro?: string;
  groups: readonly FlagGroup<S>[];
  /** Text after the flags (how it reports, exit statuses). */
  notes?: string;
  examples?: readonly string[];
  /** A fresh state for one parse. */
  init(): S;
  /** A file name or other word that is no flag; without this, such a word is a usage error. */
  positional?(state: S, token: string): void;
  /** A flag missing from the table, with the token after it: the tokens it used (1 or 2), or throws. */
  unknown?(state: S, flag: string, next: string | undefined): number;
}

/** What a parse gives: the state, or that --help was asked for. */
export type Parsed<T> = T | { help: true };

const HELP = new Set(['--help', '-h', '-help']);

/** A token that is a flag rather than a file name or a value ('-' alone is a file name: stdin/stdout). */
export const isFlag = (token: string) => token.length > 1 && token.startsWith('-') && !/^-\d/.test(token);

/** Tokens before `--` (after it every token is a file name). */
export const flagPart = (argv: readonly string[]) => (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv);

/**
 * Walks argv against a command's table: known flags (and --name=value), `--` (every later token
 * is positional), positionals, and --help / -h anywhere before `--`.
 */
export function parseCommand<S>(command: Command<S>, argv: readonly string[]): Parsed<S> {
  if (flagPart(argv).some((a) => HELP.has(a))) return { help: true };
  const table = new Map<string, Flag<S>>();
  for (const group of command.groups) for (const f of group.flags) for (const n of [...f.names, ...(f.aliases ?? [])]) table.set(n, f);
  const state = command.init();
  const positional = (token: string) => {
    if (!command.positional) throw new UsageError(`unexpected argument '${token}'`);
    command.positional(state, token);
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      for (const rest of argv.slice(i + 1)) positional(rest);
      break;
    }
    if (!isFlag(token)) {
      positional(token);
      continue;
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = eq > 0 ? token.slice(0, eq) : token;
    const flag = table.get(name);
    if (!flag) {
      if (command.unknown && eq < 0) {
        i += command.unknown(state, token, argv[i + 1]) - 1;
        continue;
      }
      throw new UsageError(`unknown option '${name}'`);
    }
    if (flag.value === undefined) {
      if (eq > 0) throw new UsageError(`${name} takes no value`);
      flag.apply(state, '', name);
      continue;
    }
    const value = eq > 0 ? token.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    flag.apply(state, value, name);
  }
  return state;
}

const COLUMN = 21;

/** '  -ss S               start here': a label and its help, later help lines under the first. */
function row(label: string, help: string): string {
  const [first, ...more] = help.split('\n');
  const head = label.length < COLUMN - 1 ? `  ${label.padEnd(COLUMN - 1)} ${first}` : `  ${label}\n${' '.repeat(COLUMN + 2)}${first}`;
  return [head, ...more.map((l) => `${' '.repeat(COLUMN + 2)}${l}`)].join('\n');
}

/** A command's --help, from its table. */
export function helpText(command: Command<unknown>): string {
  const parts = [
    `avforge ${command.name} — ${command.summary}`,
    ['Usage:', ...command.usage.map((u) => `  avforge ${command.name} ${u}`.trimEnd())].join('\n'),
  ];
  if (command.intro) parts.push(command.intro);
  const groups = command.groups
    .map((g) => {
      const rows = [
        ...g.flags.filter((f) => f.help !== undefined).map((f) => row(`${f.names.join(', ')}${f.value ? ` ${f.value}` : ''}`, f.help!)),
        ...(g.rows ?? []).map((r) => row(r.label, r.help)),
      ];
      return rows.length ? [`${g.title}:`, ...rows].join('\n') : '';
    })
    .filter(Boolean);
  if (groups.length) parts.push(groups.join('\n'));
  if (command.notes) parts.push(command.notes);
  if (command.examples?.length) parts.push(['Examples:', ...command.examples.map((e) => `  ${e}`)].join('\n'));
  return parts.join('\n\n');
}

/** The command list of `avforge --help`: each command's first synopsis and summary. */
export function commandList(commands: readonly Command<unknown>[]): string {
  return commands
    .map((c) => {
      const synopsis = `avforge ${c.name} ${c.usage[0] ?? ''}`.trimEnd();
      return synopsis.length <= 40 ? `  ${synopsis.padEnd(40)} ${c.summary}` : `  ${synopsis}\n  ${' '.repeat(40)} ${c.summary}`;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------------------
// Values: text to numbers, as ffmpeg reads them

/**
 * A time in seconds >= 0, as ffmpeg reads it: '90', '1.5', '01:30', '00:01:30.5', '1500ms',
 * '2s', '250000us'.
 */
export function parseTime(value: string, flag: string): number {
  const v = value.trim();
  let m = /^(\d+(?:\.\d*)?|\.\d+)(s|ms|us)?$/.exec(v);
  if (m) return Number(m[1]) / { s: 1, ms: 1e3, us: 1e6 }[(m[2] ?? 's') as 's'];
  m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d*)?)$/.exec(v);
  if (m && Number(m[3]) < 60 && (m[1] === undefined || Number(m[2]) < 60)) return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  throw new UsageError(`${flag}: '${value}' is not a time (seconds like 90 or 1.5, or [HH:]MM:SS[.ms])`);
}

/** A number, whole when `integer`, within the bounds given. */
export function parseNumber(value: string, flag: string, what: { integer?: boolean; min?: number; max?: number } = {}): number {
  const n = Number(value);
  const ok =
    value.trim() !== '' &&
    Number.isFinite(n) &&
    (!what.integer || Number.isInteger(n)) &&
    (what.min === undefined || n >= what.min) &&
    (what.max === undefined || n <= what.max);
  if (!ok) {
    const range = what.min !== undefined && what.max !== undefined ? ` from ${what.min} to ${what.max}` : what.min !== undefined ? ` >= ${what.min}` : '';
    throw new UsageError(`${flag}: '${value}' is not ${what.integer ? 'a whole number' : 'a number'}${range}`);
  }
  return n;
}

/** A whole number, or undefined for no value (the worker's and submit's counts). */
export const optionalInt = (value: string | undefined, flag: string): number | undefined =>
  value === undefined ? undefined : parseNumber(value, flag, { integer: true });

/** '25', '29.97', '30000/1001' -> frames per second. */
/** '25', '29.97' -> a number; '30000/1001' stays a fraction, which the library reads exactly. */
export function parseRate(value: string, flag: string): number | string {
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(value.trim());
  const n = m ? Number(m[1]) / Number(m[2] ?? 1) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag}: '${value}' is not a frame rate (25, 29.97 or 30000/1001)`);
  return m?.[2] !== undefined && /^\d+\/\d+$/.test(value.trim()) ? value.trim() : n;
}

/** '2M', '128k', '96000': kept as text, which the library reads. */
export function parseBitRate(value: string, flag: string): string {
  if (!/^\d+(?:\.\d+)?[kKmMgG]?$/.test(value.trim())) throw new UsageError(`${flag}: '${value}' is not a bit rate (2M, 128k or 96000)`);
  return value.trim();
}

/** '1280x720', '1280x-2', '-2x720' -> width and height (-1 / -2: keep the aspect ratio). */
export function parseSize(value: string, flag: string): { width?: number; height?: number } {
  const m = /^(-[12]|\d+)x(-[12]|\d+)$/.exec(value.trim());
  if (!m || (m[1]!.startsWith('-') && m[2]!.startsWith('-')) || m[1] === '0' || m[2] === '0')
    throw new UsageError(`${flag}: '${value}' is not a size (WIDTHxHEIGHT, e.g. 1280x720; -2 for one side keeps the aspect ratio)`);
  const size: { width?: number; height?: number } = {};
  if (!m[1]!.startsWith('-')) size.width = Number(m[1]);
  if (!m[2]!.startsWith('-')) size.height = Number(m[2]);
  return size;
}

/** 'KEY=VALUE' -> [key, value]. */
export function parsePair(value: string, flag: string, shape = 'KEY=VALUE'): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag}: '${value}' is not ${shape}`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** A JSON object (what --options takes). */
export function parseJsonObject(value: string, flag: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    throw new UsageError(`${flag}: not JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${flag}: a JSON object is expected ({"key": value, ...})`);
  return parsed as Record<string, unknown>;
}
