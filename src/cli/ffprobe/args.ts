// `avforge ffprobe`'s argv, in ffprobe's grammar: the common flags, in order (a later
// -show_entries narrows what an earlier -show_streams opened, as in ffprobe).
import type { LogLevel } from '../../index.js';
import { UsageError } from '../argv.js';
import { Sections } from './sections.js';

export interface FFprobeArgs {
  input?: string;
  /** -f: the input format. */
  format?: string;
  logLevel?: LogLevel;
  /** -of / -print_format. */
  writer: string;
  sections: Sections;
  /** -select_streams. */
  select?: string;
  countFrames: boolean;
  countPackets: boolean;
  /** -read_intervals, in order; empty: the whole input. */
  intervals: ReadInterval[];
  help: boolean;
}

/** One -read_intervals interval: times in microseconds (AV_TIME_BASE). */
export interface ReadInterval {
  /** Seek there first (`offset`: after the last packet read). */
  start?: { us: number; offset: boolean };
  /** Stop there (`offset`: that long after the first packet read; `packets`: after that many packets). */
  end?: { value: number; offset: boolean; packets: boolean };
}

const LOG_LEVELS: Record<string, LogLevel> = {
  quiet: 'quiet',
  panic: 'panic',
  fatal: 'fatal',
  error: 'error',
  warning: 'warning',
  info: 'info',
  verbose: 'verbose',
  debug: 'debug',
  trace: 'trace',
  '-8': 'quiet',
  '0': 'panic',
  '8': 'fatal',
  '16': 'error',
  '24': 'warning',
  '32': 'info',
  '40': 'verbose',
  '48': 'debug',
  '56': 'trace',
};

/** Sections the -show_SECTION switches open. */
const SHOW: Record<string, string> = {
  '-show_format': 'format',
  '-show_streams': 'streams',
  '-show_packets': 'packets',
  '-show_frames': 'frames',
  '-show_chapters': 'chapters',
  '-show_programs': 'programs',
};

export function parseFFprobeArgs(argv: readonly string[]): FFprobeArgs {
  const a: FFprobeArgs = { writer: 'default', sections: new Sections(), countFrames: false, countPackets: false, intervals: [], help: false };
  const setInput = (file: string) => {
    if (a.input !== undefined) throw new UsageError(`Argument '${file}' provided as input filename, but '${a.input}' was already specified.`);
    a.input = file;
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`Missing argument for option '${token.slice(1)}'.`);
      return v;
    };
    const show = SHOW[token];
    if (show) a.sections.showAll(show);
    else if (token === '-show_entries') a.sections.showEntries(value());
    else if (token === '-of' || token === '-print_format') a.writer = value();
    else if (token === '-select_streams') a.select = value();
    else if (token === '-read_intervals') a.intervals = parseReadIntervals(value());
    else if (token === '-count_frames') a.countFrames = true;
    else if (token === '-count_packets') a.countPackets = true;
    else if (token === '-hide_banner') {
      // no banner is printed
    } else if (token === '-v' || token === '-loglevel') {
      const v = value();
      // ffprobe's flags ('repeat+level', 'level+...'): the level is the word that is one.
      const level = v.split('+').find((w) => LOG_LEVELS[w] !== undefined);
      if (!level) throw new UsageError(`Invalid loglevel "${v}".`);
      a.logLevel = LOG_LEVELS[level];
    } else if (token === '-i') setInput(value());
    else if (token === '-f') a.format = value();
    else if (token === '-h' || token === '-help' || token === '--help') a.help = true;
    else if (token.length > 1 && token.startsWith('-')) throw new UsageError(`Unrecognized option '${token.slice(1)}'.`);
    else setInput(token);
  }
  return a;
}

/**
 * -read_intervals INTERVAL[,INTERVAL]...: INTERVAL is [START|+START_OFFSET][%[END|+END_OFFSET|+#PACKETS]],
 * times as ffprobe reads them ([-][HH:]MM:SS[.m...] or [-]S[.m...][s|ms|us]).
 */
export function parseReadIntervals(spec: string): ReadInterval[] {
  return spec.split(',').map((text) => {
    const bad = () => new UsageError(`Invalid interval specification '${text}'`);
    const cut = text.indexOf('%');
    const startText = (cut < 0 ? text : text.slice(0, cut)).trim();
    const endText = cut < 0 ? undefined : text.slice(cut + 1).trim();
    const interval: ReadInterval = {};
    if (startText) {
      const offset = startText.startsWith('+');
      const us = durationUs(offset ? startText.slice(1) : startText);
      if (us === undefined) throw bad();
      interval.start = { us, offset };
    }
    if (endText) {
      const offset = endText.startsWith('+');
      const body = offset ? endText.slice(1) : endText;
      if (offset && body.startsWith('#')) {
        if (!/^\d+$/.test(body.slice(1))) throw bad();
        interval.end = { value: Number(body.slice(1)), offset, packets: true };
      } else {
        const us = durationUs(body);
        if (us === undefined) throw bad();
        interval.end = { value: us, offset, packets: false };
      }
    }
    return interval;
  });
}

/** av_parse_time's duration syntax, in microseconds; undefined when it is not one. */
function durationUs(text: string): number | undefined {
  const clock = /^(-)?(?:(\d+):)?(\d+):(\d+)(?:\.(\d+))?$/.exec(text);
  const plain = /^(-)?(\d+)(?:\.(\d+))?(s|ms|us)?$/.exec(text);
  const micro = (frac: string | undefined) => Number(`${frac ?? ''}000000`.slice(0, 6));
  let us: number;
  if (clock) {
    const [, minus, h, m, sec, frac] = clock;
    if (Number(m) > 59 || Number(sec) > 59) return undefined;
    us = ((Number(h ?? 0) * 60 + Number(m)) * 60 + Number(sec)) * 1e6 + micro(frac);
    return minus ? -us : us;
  }
  if (!plain) return undefined;
  const [, minus, whole, frac, unit] = plain;
  us = Number(whole) * 1e6 + micro(frac);
  if (unit === 'ms') us = Math.trunc(us / 1000);
  else if (unit === 'us') us = Math.trunc(us / 1e6);
  return minus ? -us : us;
}

export const FFPROBE_HELP = `avforge ffprobe — ffprobe's output, from avforge's own probing, demuxing and decoding

Usage: avforge ffprobe [OPTIONS] INPUT

Options (ffprobe's):
  -i INPUT                    the input (or give it as the last word)
  -f FORMAT                   the input format
  -v, -loglevel LEVEL         quiet, panic, fatal, error, warning, info, verbose, debug, trace
  -hide_banner                accepted (no banner is printed)
  -show_format, -show_streams, -show_programs, -show_packets, -show_frames, -show_chapters
  -show_entries SPEC          SECTION[=KEY,...][:SECTION[=KEY,...]]... (format=duration,
                              stream=codec_name,width:stream_tags=language, packet=pts,flags)
  -select_streams SPEC        v, a, s, d, t, V, N, v:N...
  -count_frames, -count_packets   fill nb_read_frames / nb_read_packets
  -read_intervals SPEC        [START|+OFFSET][%[END|+DURATION|+#PACKETS]],... (10%+5, %+#20)
  -of, -print_format WRITER   default, compact, csv, flat, json, with options
                              (csv=p=0, default=nw=1:nk=1, compact=nk=1, flat=s=_, json=c=1)

Exit status: 0 done, 1 failed (as ffprobe).`;
