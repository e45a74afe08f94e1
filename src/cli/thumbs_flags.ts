// `avforge thumbs`: its flags and how they become thumbnails()'s options, with the file name
// pattern that thumbnails() writes the images to.
import type { ThumbnailOptions } from '../index.js';
import { parseCommand, parseNumber, parseSize, parseTime, UsageError, type Command, type Flag, type Parsed } from './argv.js';
import { fileWord, inputFlag, JOB_NOTES, jobArgs, jobState, outputFlags, resolveFiles, seekFlag, type JobArgs, type JobState } from './shared_flags.js';

/** `output`: the pattern ('thumb-%03d.jpg'), given to thumbnails() as its `output`. */
export type ThumbsArgs = JobArgs<ThumbnailOptions & { format: ImageFormat }>;

const IMAGE_FORMATS = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const;
type ImageFormat = keyof typeof IMAGE_FORMATS;

function imageFormat(value: string, flag: string): ImageFormat {
  const v = value.toLowerCase() === 'jpg' ? 'jpeg' : value.toLowerCase();
  if (v in IMAGE_FORMATS) return v as ImageFormat;
  throw new UsageError(`${flag}: '${value}' is not an image format (jpeg, png or webp)`);
}

interface ThumbsState extends JobState<ThumbnailOptions> {
  format?: ImageFormat;
  output?: string;
  /** The ways of picking frames given (--every, --times, --keyframes): one at most. */
  pick: string[];
}

const picks = (flag: string, s: ThumbsState) => s.pick.push(flag);

const frames: Flag<ThumbsState>[] = [
  {
    names: ['--every'],
    value: 'S',
    help: 'one every S seconds (--count N: at most N)',
    apply(s, v, flag) {
      s.options.every = parseTime(v, flag);
      if (!(s.options.every > 0)) throw new UsageError(`${flag}: needs a time > 0`);
      picks(flag, s);
    },
  },
  {
    names: ['--count'],
    value: 'N',
    help: 'N spread evenly over the video (default 1, from the middle)',
    apply: (s, v, flag) => (s.options.count = parseNumber(v, flag, { integer: true, min: 1 })),
  },
  {
    names: ['--times'],
    value: '1,5,1:30',
    help: 'at these times',
    apply(s, v, flag) {
      s.options.times = v
        .split(',')
        .filter((t) => t.trim() !== '')
        .map((t) => parseTime(t, flag));
      if (s.options.times.length === 0) throw new UsageError(`${flag}: needs one time or more (1,5,10)`);
      picks(flag, s);
    },
  },
  {
    names: ['--keyframes'],
    help: 'keyframes only, fast: nothing else is decoded (--count N: the first N)',
    apply(s, _v, flag) {
      s.options.keyframes = true;
      picks(flag, s);
    },
  },
];

const images: Flag<ThumbsState>[] = [
  {
    names: ['--width'],
    value: 'W',
    help: 'scale to this width (with --height alone, the width keeps the aspect ratio)',
    apply: (s, v, flag) => (s.options.width = parseNumber(v, flag, { integer: true, min: 1 })),
  },
  {
    names: ['--height'],
    value: 'H',
    help: 'scale to this height',
    apply: (s, v, flag) => (s.options.height = parseNumber(v, flag, { integer: true, min: 1 })),
  },
  {
    names: ['-s'],
    value: 'WxH',
    help: 'both at once (-2 for one side keeps the aspect ratio)',
    apply: (s, v, flag) => Object.assign(s.options, parseSize(v, flag)),
  },
  {
    names: ['--format'],
    value: 'F',
    help: "jpeg (default), png or webp; default from -o's extension",
    apply: (s, v, flag) => (s.format = imageFormat(v, flag)),
  },
  {
    names: ['-q'],
    aliases: ['--quality'],
    value: 'N',
    help: 'JPEG: 2 (best) to 31; WebP: 0 to 100 (best)',
    apply: (s, v, flag) => (s.options.quality = parseNumber(v, flag, { min: 0, max: 100 })),
  },
  {
    names: ['-o'],
    aliases: ['--output'],
    value: 'PATTERN',
    help: 'file names: %d or %03d is the image number from 1\n(default thumb-%03d.jpg in the current folder; a folder: thumb-%03d.jpg in it)',
    apply: (s, v) => (s.output = v),
  },
];

export const thumbsCommand: Command<ThumbsState> = {
  name: 'thumbs',
  summary: 'still images from a video',
  usage: ['IN [options]', '-i IN [options]'],
  groups: [
    { title: 'Which frames (one of)', flags: frames },
    { title: 'Input', flags: [inputFlag, { ...seekFlag, help: "skip the video's first S seconds" }] },
    { title: 'Images', flags: images },
    { title: 'Output and progress', flags: outputFlags },
  ],
  notes: `${JOB_NOTES}\n\nWith --json the done event lists the images: {"event":"done","count":N,"thumbnails":[{"time":..,"file":..,"bytes":..}]}.`,
  examples: [
    'avforge thumbs movie.mp4 --every 10 --width 320 -o thumbs/',
    "avforge thumbs movie.mp4 --count 9 --format webp -q 80 -o 'poster-%02d.webp'",
    'avforge thumbs movie.mp4 --times 0:05,1:30 -o shot.png',
  ],
  init: () => ({ ...jobState<ThumbnailOptions>({}), pick: [] }),
  positional: fileWord,
};

/** `avforge thumbs`'s arguments -> thumbnails()'s options, and the output pattern. */
export function parseThumbsArgs(argv: readonly string[]): Parsed<ThumbsArgs> {
  const s = parseCommand(thumbsCommand, argv);
  if ('help' in s) return s;
  const o = s.options;
  const { inputs } = resolveFiles(s.files, false);
  if (inputs.length > 1)
    throw new UsageError(`thumbs takes one input (got ${inputs.map((i) => `'${i.source}'`).join(', ')}); the output pattern is -o PATTERN`);
  if (s.pick.length > 1) throw new UsageError(`${s.pick.join(' and ')}: choose one (--count may go with --every or --keyframes as a limit)`);
  if (o.times && o.count !== undefined) throw new UsageError('--times and --count: choose one');
  // -ss before or after the input: where the input is read from
  const start = inputs[0]!.start !== undefined || s.files.pending.start !== undefined ? (inputs[0]!.start ?? 0) + (s.files.pending.start ?? 0) : undefined;
  if (start !== undefined) o.input = { start };
  // the format: --format, else the pattern's extension, else JPEG
  const ext = s.output ? /\.(jpe?g|png|webp)$/i.exec(s.output)?.[1] : undefined;
  const format: ImageFormat = s.format ?? (ext ? imageFormat(ext, '-o') : 'jpeg');
  if (o.quality !== undefined) {
    if (format === 'jpeg' && !(o.quality >= 2 && o.quality <= 31)) throw new UsageError(`-q: JPEG quality is 2 (best) to 31 (got ${o.quality})`);
    if (format === 'png') throw new UsageError('-q: PNG is lossless, it has no quality');
  }
  let pattern = s.output ?? `thumb-%03d.${IMAGE_FORMATS[format]}`;
  if (pattern.endsWith('/') || pattern.endsWith('\\')) pattern += `thumb-%03d.${IMAGE_FORMATS[format]}`;
  return jobArgs({ ...s, options: { ...o, format } }, { input: inputs[0]!.source, output: pattern });
}
