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
  help: boolean;
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
};

export function parseFFprobeArgs(argv: readonly string[]): FFprobeArgs {
  const a: FFprobeArgs = { writer: 'default', sections: new Sections(), countFrames: false, countPackets: false, help: false };
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

export const FFPROBE_HELP = `avforge ffprobe — ffprobe's output, from avforge's own probing, demuxing and decoding

Usage: avforge ffprobe [OPTIONS] INPUT

Options (ffprobe's):
  -i INPUT                    the input (or give it as the last word)
  -f FORMAT                   the input format
  -v, -loglevel LEVEL         quiet, panic, fatal, error, warning, info, verbose, debug, trace
  -hide_banner                accepted (no banner is printed)
  -show_format, -show_streams, -show_packets, -show_frames, -show_chapters
  -show_entries SPEC          SECTION[=KEY,...][:SECTION[=KEY,...]]... (format=duration,
                              stream=codec_name,width:stream_tags=language, packet=pts,flags)
  -select_streams SPEC        v, a, s, d, t, V, N, v:N...
  -count_frames, -count_packets   fill nb_read_frames / nb_read_packets
  -of, -print_format WRITER   default, compact, csv, flat, json, with options
                              (csv=p=0, default=nw=1:nk=1, compact=nk=1, flat=s=_, json=c=1)

Exit status: 0 done, 1 failed (as ffprobe).`;
