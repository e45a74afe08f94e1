// An ffmpeg command line (grammar.ts) as transcode() jobs, one per output file: which streams
// each output gets (-map, or ffmpeg's automatic choice), each stream's settings from the options
// whose stream specifier selects it (the last one wins, as in ffmpeg), and every other option
// routed to the class that has it: encoder, muxer, demuxer or protocol.
import { PassThrough, Readable } from 'node:stream';

import {
  codecs,
  Demuxer,
  describeFilterGraph,
  formats,
  probe,
  type AvOptions,
  type ExtraInput,
  type GraphPads,
  type InputSettings,
  type InputSource,
  type StreamMap,
  type TranscodeOptions,
} from '../../index.js';
import type { Stream } from '../../core/stream.js';
import { parseBitRate, parseNumber, parseRate, parseSize, parseTime, UsageError } from '../argv.js';
import { lastWhere, type CommandLine, type FileArguments, type OptionUse } from './grammar.js';
import { parseMapArgument, parseStreamSpecifier, selectBySpecifier, specifierMatches, type SpecStream } from './stream_specifier.js';

/** Which classes take an AVOption: 'codec', 'format', 'protocol', 'swscale', 'swresample'. */
export type OptionRouter = (name: string, where: { encoder?: string; decoder?: string; muxer?: string; demuxer?: string }) => string[];

/** One output file as a transcode() call. */
export interface OutputJob {
  url: string;
  input: InputSource;
  options: TranscodeOptions;
}

interface ProbedInput {
  url: string;
  /** What the job reads: the URL, or for stdin a stream that replays what probing read. */
  source: InputSource;
  settings: InputSettings;
  streams: (SpecStream & { stream: Stream })[];
  format: string;
}

/** An output stream: an input stream or a -filter_complex output, with its type. */
interface OutStream extends SpecStream {
  input?: number;
  source?: number;
  label?: string;
}

const TYPE_LETTER: Record<string, string> = { video: 'v', audio: 'a', subtitle: 's', data: 'd', attachment: 't' };

/** ffmpeg's own options that are about the whole output file (translateCommandLine reads them). */
const FILE_OPTIONS = new Set(['map', 'map_metadata', 'map_chapters', 'f', 't', 'to', 'ss', 'shortest', 'threads']);

/** The option ffmpeg's grammar gave last for `name` (file-level: no stream specifier). */
function last(options: readonly OptionUse[], name: string): OptionUse | undefined {
  return lastWhere(options, (o) => o.name === name && o.spec === undefined);
}

const text = (o: OptionUse) => String(o.value);

async function probeInput(file: FileArguments, index: number, route: OptionRouter, stdin: Readable | undefined): Promise<ProbedInput> {
  const settings: InputSettings = {};
  const avOptions: AvOptions = {};
  for (const o of file.options) {
    switch (o.name) {
      case 'f':
        settings.format = text(o);
        break;
      case 'ss':
        settings.start = parseTime(text(o), o.flag);
        break;
      case 'autorotate':
        settings.autorotate = o.value !== false && o.value !== '0';
        break;
      case 't':
      case 'to':
      case 'threads':
      case 'c':
        break; // read where they apply (the output's duration, decoders)
      default:
        if (o.known) throw unsupported(o, `input #${index}`);
        if (!route(o.name, settings.format ? { demuxer: settings.format } : {}).some((c) => c === 'format' || c === 'protocol'))
          throw new UsageError(`Option ${o.name} not found for input #${index} (${file.url}): neither its demuxer nor its protocol has it.`);
        avOptions[o.name] = text(o);
    }
  }
  if (Object.keys(avOptions).length) settings.options = avOptions;
  // the CLI trusts its user's inputs, as ffmpeg does (SECURITY.md)
  if (isStdin(file.url) && !stdin) throw new UsageError(`input #${index} (${file.url}) is standard input, and none was given`);
  const piped = isStdin(file.url) ? await probeStdin(stdin!, settings) : undefined;
  const probed = piped?.probed ?? (await probe(file.url, { format: settings.format, options: settings.options, trusted: true }));
  return {
    url: file.url,
    source: piped?.source ?? file.url,
    settings,
    format: probed.format.name,
    streams: probed.streams.map((s) => ({
      type: s.type,
      index: s.index,
      id: s.id,
      tags: s.metadata,
      attachedPic: s.disposition.attached_pic === true,
      stream: s,
    })),
  };
}

/** `-i -`, `-i pipe:`, `-i pipe:0`: standard input. */
const isStdin = (url: string) => url === '-' || url === 'pipe:' || url === 'pipe:0';

/**
 * Standard input can be read once: it is probed through a stream that records what it reads,
 * and the job gets a stream that replays that, then reads on (a live pipe keeps flowing). Not a
 * temporary file, as avforge/fluent spools an input stream to (src/fluent/run.ts, where several
 * outputs each read it): a live stdin has no end to wait for.
 */
async function probeStdin(stdin: Readable, settings: InputSettings): Promise<{ probed: { format: { name: string }; streams: Stream[] }; source: Readable }> {
  const seen: Buffer[] = [];
  const tap = new PassThrough();
  const onData = (chunk: Buffer) => {
    seen.push(chunk);
    tap.write(chunk);
  };
  const onEnd = () => tap.end();
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  try {
    const demuxer = await Demuxer.open(tap, { format: settings.format, options: settings.options, trusted: true });
    try {
      await demuxer.refresh({ decoders: true });
      return { probed: { format: demuxer.format, streams: [...demuxer.streams] }, source: replay(stdin, seen) };
    } finally {
      await demuxer.close();
    }
  } finally {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.pause();
    tap.destroy();
  }
}

/** What probing read of stdin, then the rest of it. */
function replay(stdin: Readable, seen: Buffer[]): Readable {
  return Readable.from(
    (async function* () {
      yield* seen;
      if (!stdin.readableEnded) yield* stdin;
    })(),
  );
}

function unsupported(o: OptionUse, where: string): UsageError {
  return new UsageError(`${o.flag} (for ${where}) is not supported by avforge ffmpeg yet`);
}

interface Muxer {
  name: string;
  videoCodec: string | null;
  audioCodec: string | null;
  subtitleCodec: string | null;
}

/** The muxer ffmpeg would choose: -f, else the output name's extension (av_guess_format's rule). */
function guessMuxer(url: string, format: string | undefined): Muxer {
  const muxers = formats().filter((f) => f.kind !== 'demuxer');
  const named = (name: string) => muxers.find((f) => f.name === name);
  if (format !== undefined) {
    const m = named(format);
    if (!m) throw new UsageError(`Requested output format '${format}' is not a suitable output format`);
    if (m.name !== 'segment' && m.name !== 'ssegment') return m;
    const inner = guessMuxer(url, undefined);
    return { ...inner, name: m.name };
  }
  const ext = /\.([^./\\]+)$/.exec(url)?.[1]?.toLowerCase();
  // (what a segment muxer carries follows its segments' names, as in av_guess_codec)
  if (ext && /%\d*d/.test(url) && named('image2')?.extensions.includes(ext)) return named('image2')!;
  const m = ext === undefined ? undefined : muxers.find((f) => f.extensions.includes(ext));
  if (!m) throw new UsageError(`Unable to choose an output format for '${url}'; use a standard extension for the filename or specify the format manually.`);
  return m;
}

/** The encoder ffmpeg uses for a codec id: the first registered that is not experimental. */
function defaultEncoder(codecId: string): string | undefined {
  return codecs().find((c) => c.kind === 'encoder' && c.codecId === codecId && !c.capabilities.includes('experimental'))?.name;
}

const isText = (codecId: string) => codecs().some((c) => c.codecId === codecId && c.properties.includes('textSub'));

/**
 * ffmpeg's choice without -map: the video with the most pixels, the audio with the most channels
 * (a default-disposition stream first), the first subtitle the muxer's subtitle codec can carry.
 * Types a -filter_complex output already gives are not chosen again.
 */
function autoSelect(inputs: ProbedInput[], muxer: Muxer, taken: Set<string>, off: Set<string>): OutStream[] {
  const out: OutStream[] = [];
  const best = (type: string, score: (s: Stream) => number) => {
    let pick: { input: number; s: ProbedInput['streams'][number]; score: number } | undefined;
    inputs.forEach((inp, input) => {
      for (const s of inp.streams) {
        if (s.type !== type) continue;
        const sc = score(s.stream) + (s.stream.disposition.default ? 5e6 : 0);
        if (!pick || sc > pick.score) pick = { input, s, score: sc };
      }
    });
    if (pick) out.push({ type, index: -1, input: pick.input, source: pick.s.index });
  };
  if (!off.has('video') && !taken.has('video') && muxer.videoCodec && muxer.videoCodec !== 'none')
    best('video', (s) => (s.disposition.attached_pic ? 1 : (s.codec.width ?? 0) * (s.codec.height ?? 0)));
  if (!off.has('audio') && !taken.has('audio') && muxer.audioCodec && muxer.audioCodec !== 'none') best('audio', (s) => s.codec.channels ?? 0);
  if (!off.has('subtitle') && !taken.has('subtitle') && muxer.subtitleCodec && muxer.subtitleCodec !== 'none') {
    const wantText = isText(muxer.subtitleCodec);
    inputs.some((inp, input) => {
      const s = inp.streams.find((x) => x.type === 'subtitle' && isText(x.stream.codec.codecName) === wantText);
      if (s) out.push({ type: 'subtitle', index: -1, input, source: s.index });
      return s !== undefined;
    });
  }
  return out;
}

/** The output's streams from its -map options, in their order (a negative map removes). */
function mappedStreams(maps: OptionUse[], inputs: ProbedInput[], pads: GraphPads | undefined): OutStream[] {
  let out: OutStream[] = [];
  for (const o of maps) {
    const m = parseMapArgument(text(o));
    if (m.label !== undefined) {
      const pad = pads?.outputs.find((p) => p.label === m.label);
      if (!pad) throw new UsageError(`Output with label '${m.label}' does not exist in any defined filter graph, or was already used elsewhere.`);
      out.push({ type: pad.type, index: -1, label: m.label });
      continue;
    }
    const inp = inputs[m.input!];
    if (!inp) throw new UsageError(`Invalid input file index: ${m.input}.`);
    const picked = selectBySpecifier(m.spec!, inp.streams);
    if (m.negative) {
      out = out.filter((s) => !(s.input === m.input && picked.some((p) => p.index === s.source)));
      continue;
    }
    if (picked.length === 0 && !m.optional) throw new UsageError(`Stream map '${text(o)}' matches no streams.\nTo ignore this, add a trailing '?' to the map.`);
    for (const s of picked) out.push({ type: s.type, index: -1, input: m.input, source: s.index });
  }
  return out;
}

/** Settings of one output stream from the per-stream options that select it. */
function streamSettings(o: OutStream, all: OutStream[], options: OptionUse[], muxer: Muxer, route: OptionRouter, where: string): StreamMap {
  const settings: StreamMap = {};
  const avOptions: AvOptions = {};
  const metadata: Record<string, string> = {};
  const matching = options.filter((u) => {
    if (u.name === 'metadata') return u.spec?.startsWith('s') === true && specifierMatches(parseStreamSpecifier(u.spec.replace(/^s:?/, ''), u.flag), o, all);
    return u.spec === undefined || specifierMatches(parseStreamSpecifier(u.spec, u.flag), o, all);
  });
  const video = o.type === 'video';
  const audio = o.type === 'audio';
  const codec = lastWhere(matching, (u) => u.name === 'c');
  if (codec) settings.codec = text(codec);
  const encoder =
    settings.codec === 'copy'
      ? undefined
      : (settings.codec ?? defaultEncoder((video ? muxer.videoCodec : audio ? muxer.audioCodec : muxer.subtitleCodec) ?? ''));
  // (an image muxer's codec follows the file's extension: transcode() chooses it, as ffmpeg)
  for (const u of matching) {
    const v = text(u);
    switch (u.name) {
      case 'c':
      case 'vn':
      case 'an':
      case 'sn':
      case 'dn':
        break; // read above
      case 'max_muxing_queue_size':
        break; // avforge's muxing queue has no such limit to raise
      case 'threads':
        if (u.spec !== undefined) settings.threads = parseNumber(v, u.flag, { integer: true, min: 0 });
        break;
      case 'disposition':
        settings.disposition = v;
        break;
      case 'tag':
        settings.tag = v;
        break;
      case 'bsf':
        if (settings.codec !== 'copy') throw new UsageError(`${u.flag}: avforge applies bitstream filters to copied streams only (-c copy)`);
        settings.bitstreamFilter = v;
        break;
      case 'metadata': {
        const eq = v.indexOf('=');
        metadata[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
        break;
      }
      case 'b':
        if (encoder && route('b', { encoder }).includes('codec')) settings.bitRate = parseBitRate(v, u.flag);
        break;
      case 'filter':
        if (video || audio) settings.filter = v;
        break;
      case 'frames':
        if (video) settings.maxFrames = parseNumber(v, u.flag, { integer: true, min: 0 });
        else if (u.spec !== undefined) throw unsupported(u, where);
        break;
      case 'r':
        if (video) settings.frameRate = parseRate(v, u.flag);
        break;
      case 's':
        if (video) Object.assign(settings, parseSize(v, u.flag));
        break;
      case 'aspect':
        if (video) settings.filter = [settings.filter, `setdar=${v.replace(':', '/')}`].filter(Boolean).join(',');
        break;
      case 'pix_fmt':
        if (video) settings.pixelFormat = v;
        break;
      case 'fps_mode':
        if (video) settings.fpsMode = v as StreamMap['fpsMode'];
        break;
      case 'ar':
        if (audio) settings.sampleRate = parseNumber(v, u.flag, { integer: true, min: 1 });
        break;
      case 'ac':
        if (audio) settings.channels = parseNumber(v, u.flag, { integer: true, min: 1, max: 64 });
        break;
      case 'sample_fmt':
        if (audio) settings.sampleFormat = v;
        break;
      case 'q':
        avOptions.global_quality = Math.round(parseNumber(v, u.flag, { min: 0 }) * 118);
        avOptions.flags = '+qscale';
        break;
      default:
        if (u.known) {
          if (FILE_OPTIONS.has(u.name) && u.spec === undefined) break; // the file's, read in translateCommandLine
          throw unsupported(u, where);
        }
        // an AVOption: the stream's encoder's, if it has it (a format option is the file's)
        if (encoder && route(u.name, { encoder }).includes('codec')) avOptions[u.name] = v;
    }
  }
  if (settings.codec === 'copy' && settings.filter !== undefined)
    throw new UsageError(
      `Filtergraph '${settings.filter}' was specified for ${o.type} stream ${o.index} of ${where}, whose codec is copy.\nFiltering and streamcopy cannot be used together.`,
    );
  if (Object.keys(avOptions).length && settings.codec !== 'copy') settings.options = avOptions;
  if (Object.keys(metadata).length) settings.metadata = metadata;
  if (settings.codec === undefined && o.type === 'subtitle') settings.codec = muxer.subtitleCodec ?? 'copy';
  return settings;
}

/** The command line's outputs as transcode() jobs. */
/** A command line as transcode() jobs; `stdin` is what `-i -` reads (none: an error). */
export async function translateCommandLine(line: CommandLine, route: OptionRouter, stdin?: Readable): Promise<OutputJob[]> {
  if (line.outputs.length === 0) throw new UsageError('At least one output file must be specified');
  if (line.inputs.length === 0) throw new UsageError('At least one input file must be specified (-i IN)');
  if (line.outputs.length > 1 && line.inputs.some((i) => isStdin(i.url)))
    throw new UsageError('avforge ffmpeg reads standard input (-i -) into one output file: write one output, or save the input first');
  const inputs = await Promise.all(line.inputs.map((f, i) => probeInput(f, i, route, stdin)));
  const complex = last(line.globals, 'filter_complex');
  const pads = complex ? await describeFilterGraph(text(complex)) : undefined;
  const jobs: OutputJob[] = [];
  for (const [n, file] of line.outputs.entries()) {
    const where = `output #${n} (${file.url})`;
    const opts = file.options;
    const format = last(opts, 'f');
    const muxer = guessMuxer(file.url, format && text(format));
    const off = new Set(['video', 'audio', 'subtitle', 'data'].filter((t) => opts.some((o) => o.name === `${TYPE_LETTER[t]}n` && o.value !== false)));
    const maps = opts.filter((o) => o.name === 'map');
    let streams: OutStream[];
    if (maps.length) streams = mappedStreams(maps, inputs, pads);
    else {
      // a -filter_complex's unlabelled outputs go to the first output file, as in ffmpeg
      const unlabelled = n === 0 && pads ? pads.outputs.filter((p) => p.label === '') : [];
      if (pads && unlabelled.length === 0 && n === 0 && pads.outputs.length)
        throw new UsageError(`Filter graph output(s) ${pads.outputs.map((p) => `[${p.label}]`).join(' ')} must be mapped (-map '[${pads.outputs[0]!.label}]')`);
      if (unlabelled.length) throw new UsageError('avforge ffmpeg: label the -filter_complex outputs ([out]) and map them (-map [out])');
      streams = autoSelect(inputs, muxer, new Set(), off);
    }
    streams = streams.filter((s) => !off.has(s.type));
    if (streams.length === 0) throw new UsageError(`Output file #${n} (${file.url}) does not contain any stream`);
    const all = streams.map((s, index) => ({ ...s, index }));
    const map = all.map((s): StreamMap => {
      const settings = streamSettings(s, all, opts, muxer, route, where);
      return s.label !== undefined ? { ...settings, label: s.label } : { ...settings, input: s.input, stream: s.source };
    });
    const options: TranscodeOptions = { map };
    if (complex) options.filterComplex = text(complex);
    const formatOptions: AvOptions = {};
    const metadata: Record<string, string> = {};
    for (const o of opts) {
      if (o.spec !== undefined && o.name !== 'metadata') continue;
      const v = text(o);
      switch (o.name) {
        case 'f':
          options.format = v;
          break;
        case 'ss':
          options.start = parseTime(v, o.flag);
          break;
        case 't':
          options.duration = parseTime(v, o.flag);
          break;
        case 'to':
          options.duration = parseTime(v, o.flag) - (options.start ?? 0);
          break;
        case 'threads':
          options.threads = parseNumber(v, o.flag, { integer: true, min: 0 });
          break;
        case 'metadata':
          if (o.spec === undefined || o.spec === 'g') {
            const eq = v.indexOf('=');
            metadata[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
          } else if (!o.spec.startsWith('s')) throw unsupported(o, where);
          break;
        case 'map_metadata':
          if (v === '-1') options.copyMetadata = false;
          else if (v !== '0' && v !== '0:g') throw unsupported(o, where);
          break;
        case 'map_chapters':
          if (v === '-1') options.chapters = false;
          else if (v !== '0') throw unsupported(o, where);
          break;
        case 'shortest':
          options.shortest = o.value !== false;
          break;
        default:
          if (o.known) break; // stream settings, read above
          if (route(o.name, { muxer: muxer.name }).includes('format')) formatOptions[o.name] = v;
          else if (!map.some((m) => m.options?.[o.name] !== undefined))
            throw new UsageError(`Option ${o.name} not found for ${where}: neither its encoders nor its muxer (${muxer.name}) has it.`);
      }
    }
    if (Object.keys(formatOptions).length) options.formatOptions = formatOptions;
    if (Object.keys(metadata).length) options.metadata = metadata;
    const [first, ...rest] = inputs;
    // the first input's -t limits what the output reads
    const inT = last(line.inputs[0]!.options, 't');
    const input = inT ? { ...first!.settings, duration: parseTime(text(inT), inT.flag) } : first!.settings;
    if (Object.keys(input).length) options.input = input;
    if (rest.length) options.inputs = rest.map((i): ExtraInput => ({ source: i.source, ...i.settings }));
    // `-` is standard output, as in ffmpeg (libavformat would take it for a file named '-')
    jobs.push({ url: file.url === '-' ? 'pipe:1' : file.url, input: first!.source, options });
  }
  return jobs;
}
