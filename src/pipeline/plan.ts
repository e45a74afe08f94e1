// From a job's options and its probed inputs to the plan the native pipeline runs
// (native_plan.ts, the contract with native/pipeline/plan.cc): which streams are decoded,
// the filter graphs, the encoders and copies, the muxer. Pure: no I/O, so every choice here
// is testable on its own.
import { AvError, invalidArgument, is } from '../errors.js';
import type { FormatInfo } from '../core/demuxer.js';
import { MAX_THUMBNAILS } from '../options/pipeline.js';
import type { StreamDescription } from '../core/stream.js';
import type { AvOptions } from '../core/types.js';
import { autorotateFilters } from './autorotate.js';
import type { NativeDecoderPlan, NativeGraphPlan, NativeOutputPlan, NativePlan, NativeStreamPlan } from './native_plan.js';
import type { AudioSettings, RemuxOptions, StreamMap, ThumbnailOptions, TranscodeOptions, VideoSettings } from './types.js';

export type { NativeDecoderPlan, NativeGraphPlan, NativePlan, NativeStreamPlan } from './native_plan.js';

export interface InputDescription {
  format: FormatInfo;
  streams: StreamDescription[];
}

/** The open pads of a filterComplex graph, as libavfilter parses it (describeFilterGraph). */
export interface GraphPads {
  inputs: { label: string; type: string }[];
  outputs: { label: string; type: string }[];
}

/** The hardware a job was given, resolved from its preference (see hw_device.ts). */
export interface HardwarePlan {
  /** Device type to decode video on (and to upload to for encoders that need it), or null. */
  type: string | null;
  device?: string;
  options?: AvOptions;
  /** The video encoder chosen for a codec family ('h264' -> 'h264_nvenc'), if any. */
  encoder?: string;
  /** Whether that encoder takes frames in device memory (hwupload before it). */
  upload?: boolean;
  /** The device type of that encoder. */
  encoderDevice?: string | null;
  /** Whether a codec ('h264') decodes on `type` (for zero-copy). */
  decodes?: (codec: string) => boolean;
}

/** '2M', '128k', 1500000 -> bits per second. */
export function parseBitRate(value: number | string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.round(value);
  const m = typeof value === 'string' ? /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(value.trim()) : null;
  if (!m) throw invalidArgument(name, "a bit rate (a number, or a string like '2M' or '128k')", value);
  const unit = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * unit);
}

const LAYOUTS: Record<number, string> = { 1: 'mono', 2: 'stereo', 3: '2.1', 4: 'quad', 5: '5.0', 6: '5.1', 8: '7.1' };

/** The input streams a specifier names: 3, 'v', 'a:1', 's'. */
export function selectStreams(input: InputDescription, spec: number | string, where: string): number[] {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 0 || spec >= input.streams.length)
      throw new AvError(`No stream ${spec} in ${input.format.url} (it has ${input.streams.length})`, {
        code: 'STREAM_NOT_FOUND',
        op: where,
        url: input.format.url,
      });
    return [spec];
  }
  const m = /^([vasdt])(?::(\d+))?$/.exec(spec);
  if (!m) {
    if (/^\d+$/.test(spec)) return selectStreams(input, Number(spec), where);
    throw invalidArgument(where, "a stream index or specifier ('v', 'a', 's', 'v:0', 'a:1')", spec);
  }
  const type = { v: 'video', a: 'audio', s: 'subtitle', d: 'data', t: 'attachment' }[m[1] as 'v'];
  const all = input.streams.filter((s) => s.type === type && !(type === 'video' && s.disposition.attached_pic)).map((s) => s.index);
  if (m[2] === undefined) return all;
  const one = all[Number(m[2])];
  if (one === undefined) throw new AvError(`No stream '${spec}' in ${input.format.url}`, { code: 'STREAM_NOT_FOUND', op: where, url: input.format.url });
  return [one];
}

/** The stream the CLI would pick for a type: the default-disposition one, else the first. */
export function bestStream(input: InputDescription, type: 'video' | 'audio'): number | undefined {
  const all = input.streams.filter((s) => s.type === type && !s.disposition.attached_pic);
  return (all.find((s) => s.disposition.default) ?? all[0])?.index;
}

function videoChain(v: VideoSettings): string {
  const parts: string[] = [];
  if (v.filter) parts.push(v.filter);
  if (v.width !== undefined || v.height !== undefined) parts.push(`scale=${v.width ?? -2}:${v.height ?? -2}`);
  if (v.pixelFormat) parts.push(`format=pix_fmts=${v.pixelFormat}`);
  return parts.length ? parts.join(',') : 'null';
}

function audioChain(a: AudioSettings): string {
  const parts: string[] = [];
  if (a.filter) parts.push(a.filter);
  const layout = a.channelLayout ?? (a.channels !== undefined ? (LAYOUTS[a.channels] ?? `${a.channels}c`) : undefined);
  // the rate as a format constraint that libavfilter converts to, as the CLI's -ar (an explicit
  // aresample after loudnorm fails to negotiate a layout on FFmpeg 5.1)
  const fmt = [
    a.sampleFormat ? `sample_fmts=${a.sampleFormat}` : '',
    a.sampleRate !== undefined ? `sample_rates=${a.sampleRate}` : '',
    layout ? `channel_layouts=${layout}` : '',
  ]
    .filter(Boolean)
    .join(':');
  if (fmt) parts.push(`aformat=${fmt}`);
  return parts.length ? parts.join(',') : 'anull';
}

function encoderOptions(s: VideoSettings & AudioSettings): AvOptions | undefined {
  const o: AvOptions = { ...s.options };
  if (s.crf !== undefined) o.crf = s.crf;
  if (s.preset !== undefined) o.preset = s.preset;
  if (s.gopSize !== undefined) o.g = s.gopSize;
  return Object.keys(o).length ? o : undefined;
}

function outputOptions(o: { formatOptions?: AvOptions; fastStart?: boolean; fragmented?: boolean }): AvOptions | undefined {
  const opts: AvOptions = { ...o.formatOptions };
  const flags = [opts.movflags ? String(opts.movflags) : '', o.fastStart ? '+faststart' : '', o.fragmented ? '+frag_keyframe+empty_moov+default_base_moof' : '']
    .filter(Boolean)
    .join('');
  if (flags) opts.movflags = flags;
  return Object.keys(opts).length ? opts : undefined;
}

function micros(seconds: number | undefined, name: string): number | null {
  if (seconds === undefined) return null;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw invalidArgument(name, 'a number of seconds >= 0', seconds);
  return Math.round(seconds * 1e6);
}

/** Builds the decoders, graphs and streams: one place for transcode and thumbnails. */
class Planner {
  readonly plan: NativePlan;
  readonly #decoders = new Map<string, number>();
  /** Per input: turn its video upright first (InputSettings.autorotate). */
  readonly autorotate: boolean[] = [];

  constructor(
    readonly inputs: InputDescription[],
    o: { strict?: boolean; duration?: number; threads?: number; input?: { duration?: number } },
  ) {
    // the output's -t, or the first input's (the shorter: both end the output)
    const output = micros(o.duration, 'duration');
    const input = micros(o.input?.duration, 'input.duration');
    this.plan = {
      start: inputs.map(() => null),
      duration: output !== null && input !== null ? Math.min(output, input) : (output ?? input),
      cutOutput: output !== null && (input === null || output <= input),
      targets: [],
      decoders: [],
      graphs: [],
      streams: [],
      outputs: [emptyOutput()],
      strict: Boolean(o.strict),
      tapBatch: 8,
      hardware: null,
    };
  }

  stream(input: number, index: number): StreamDescription {
    const desc = this.inputs[input];
    if (!desc) throw new AvError(`No input ${input} (there are ${this.inputs.length})`, { code: 'STREAM_NOT_FOUND', op: 'map' });
    const s = desc.streams[index];
    if (!s) throw new AvError(`No stream ${index} in input ${input}`, { code: 'STREAM_NOT_FOUND', op: 'map', url: desc.format.url });
    return s;
  }

  /** The filters that turn a decoded video stream upright, first in its graph (none when autorotate is off). */
  rotation(input: number, stream: number): string[] {
    const s = this.stream(input, stream);
    return s.type === 'video' && this.autorotate[input] !== false ? autorotateFilters(s.displayMatrix) : [];
  }

  /** The CLI ends audio at -t to the sample (a trim at the graph's end), not with the frame that crosses it. */
  cutAudio(chain: string): string {
    const d = this.plan.duration;
    return d === null ? chain : `${chain === 'anull' ? '' : `${chain},`}atrim=duration=${d / 1e6}`;
  }

  decoder(input: number, stream: number, extra: Partial<NativeDecoderPlan> = {}): number {
    const key = `${input}:${stream}`;
    let d = this.#decoders.get(key);
    if (d === undefined) {
      d =
        this.plan.decoders.push({
          input,
          stream,
          threads: extra.threads ?? 0,
          keyframesOnly: extra.keyframesOnly ?? false,
          hardware: extra.hardware ?? false,
          download: extra.download ?? true,
        }) - 1;
      this.#decoders.set(key, d);
    }
    return d;
  }

  #complex = false; // the job has a filterComplex

  /** Set for MP4-family outputs: ADTS AAC (from TS, HLS, raw .aac) is copied through aac_adtstoasc. */
  adtsToAsc = false;

  copy(input: number, stream: number, bsf?: string): void {
    const s = this.stream(input, stream);
    // MP4 muxers want AAC's config in the header, not ADTS headers on every packet
    if (!bsf && this.adtsToAsc && s.codec.codecName === 'aac' && /^(mpegts|aac|hls)\b/.test(this.inputs[input]!.format.name)) bsf = 'aac_adtstoasc';
    this.plan.streams.push(outputStream({ copy: true, input, stream, bsf: bsf ?? '' }));
  }

  /** A subtitle stream decoded and encoded again in another subtitle format. */
  subtitle(input: number, stream: number, codec: string | undefined): void {
    this.stream(input, stream);
    this.plan.streams.push(outputStream({ subtitle: true, input, stream, codec: codec ?? '' }));
  }

  /** A decoded input stream through a simple graph into an encoder. */
  encode(input: number, stream: number, settings: VideoSettings & AudioSettings, threads: number | undefined, hw?: HardwarePlan): void {
    const s = this.stream(input, stream);
    if (s.type !== 'video' && s.type !== 'audio')
      throw new AvError(`Stream ${stream} is ${s.type}: only video and audio are encoded (use 'copy')`, { code: 'EINVAL', op: 'map', stream });
    const video = s.type === 'video';
    let description = video ? [...this.rotation(input, stream), videoChain(settings)].join(',') : this.cutAudio(audioChain(settings));
    const onDevice = video && hw?.type ? { hardware: true, download: true } : {};
    let hardwareGraph = false;
    if (video && hw?.encoder && (settings.codec === undefined || settings.codec === hw.encoder)) {
      settings = { ...settings, codec: hw.encoder };
      // zero-copy when nothing filters in between and the stream decodes on the encoder's
      // device: its frames go from decoder to encoder without leaving the device
      const decodesThere = hw.type !== null && hw.encoderDevice === hw.type && hw.decodes?.(s.codec.codecName) === true;
      if (description === 'null' && decodesThere) onDevice.download = false;
      else if (hw.upload) {
        description = `${description},format=nv12,hwupload`;
        hardwareGraph = true;
      }
    }
    // filters that work on the device (hwupload, scale_vaapi, avgblur_opencl...) get it
    if (video && hw?.type && /\bhw(upload|map)\b|_(opencl|vulkan|vaapi|cuda|qsv)\b/.test(description)) hardwareGraph = true;
    const decoder = this.decoder(input, stream, { threads: settings.threads ?? threads, ...onDevice });
    const graph =
      this.plan.graphs.push({
        description,
        sources: [{ decoder, label: 'in' }],
        sinks: [{ label: 'out', type: video ? 'video' : 'audio' }],
        threads: 0,
        hardware: hardwareGraph,
      }) - 1;
    this.#encoder(graph, 0, settings, threads, input, stream);
    // as FFmpeg 5/6's CLI: with no filter asked for, a frame's own duration decides its repeats
    if (video && !settings.filter && !this.#complex) this.plan.streams.at(-1)!.ownDurations = true;
    // as the CLI: a picture not turned upright keeps the matrix that says how to show it
    if (video && this.autorotate[input] === false && s.displayMatrix) this.plan.streams.at(-1)!.displayMatrix = true;
  }

  #encoder(graph: number, sink: number, settings: VideoSettings & AudioSettings, threads: number | undefined, input = -1, stream = -1): void {
    this.plan.streams.push(
      outputStream({
        graph,
        sink,
        input,
        stream,
        codec: settings.codec ?? '',
        options: encoderOptions(settings) ?? {},
        threads: settings.threads ?? threads ?? 0,
        bitRate: parseBitRate(settings.bitRate, 'bitRate') ?? 0,
        frameRate: settings.frameRate !== undefined ? rationalOf(settings.frameRate) : null,
        fpsMode: settings.fpsMode ?? 'auto',
        maxFrames: settings.maxFrames ?? null,
        metadata: settings.metadata ?? {},
      }),
    );
  }

  /**
   * -filter_complex: its open inputs ([0:v], [1:a:0], [0:2]) are decoded input streams; its
   * outputs are written where `map` names their labels, through the map entry's own settings.
   */
  complex(description: string, pads: GraphPads, maps: StreamMap[], threads: number | undefined): void {
    this.#complex = true;
    const sources: NativeGraphPlan['sources'] = [];
    let upright = ''; // chains that turn rotated inputs upright before the graph sees them
    for (const pad of pads.inputs) {
      const m = /^(\d+)(?::(.+))?$/.exec(pad.label);
      if (!m)
        throw invalidArgument('filterComplex', `inputs labelled by input stream ([0:v], [1:a]), not [${pad.label || 'an unlabelled input'}]`, description);
      const input = Number(m[1]);
      if (!this.inputs[input])
        throw new AvError(`filterComplex names input ${input}, there are ${this.inputs.length}`, { code: 'STREAM_NOT_FOUND', op: 'filterComplex' });
      const spec = m[2] === undefined ? (pad.type === 'audio' ? 'a:0' : 'v:0') : /^\d+$/.test(m[2]) ? Number(m[2]) : m[2].replace(/^([vas])$/, '$1:0');
      const [stream] = selectStreams(this.inputs[input], spec, 'filterComplex');
      const decoder = this.decoder(input, stream!, { threads });
      const rotation = this.rotation(input, stream!);
      if (rotation.length === 0) {
        sources.push({ decoder, label: pad.label });
        continue;
      }
      const label = `avf_upright${sources.length}`;
      upright += `[${label}]${rotation.join(',')}[${pad.label}];`;
      sources.push({ decoder, label });
    }
    if (sources.length === 0) throw invalidArgument('filterComplex', 'a graph whose inputs are labelled like [0:v] or [1:a]', description);
    const graph = this.plan.graphs.length;
    const sinks: NativeGraphPlan['sinks'] = [];
    const encoders: [number, StreamMap][] = [];
    let full = upright + description;
    for (const m of maps) {
      if (m.label === undefined) continue;
      const pad = pads.outputs.find((p) => p.label === m.label);
      if (!pad || (pad.type !== 'video' && pad.type !== 'audio'))
        throw invalidArgument(
          'map.label',
          `an output label of filterComplex (${pads.outputs.map((p) => `'${p.label}'`).join(', ') || 'it has none'})`,
          m.label,
        );
      // the entry's own settings (scale, fps, rate, channels...) apply after the graph
      const chain = pad.type === 'video' ? videoChain(m) : this.cutAudio(audioChain(m));
      let label = m.label;
      if (chain !== 'null' && chain !== 'anull') {
        label = `avf_${m.label}`;
        full += `;[${m.label}]${chain}[${label}]`;
      }
      encoders.push([sinks.push({ label, type: pad.type }) - 1, m]);
    }
    if (sinks.length === 0) throw invalidArgument('map', "entries with the labels of filterComplex's outputs ({ label: 'out' })", maps);
    this.plan.graphs.push({ description: full, sources, sinks, threads: threads ?? 0, hardware: false });
    for (const [sink, m] of encoders) {
      this.#encoder(graph, sink, { ...m, filter: undefined }, threads);
      if (m.disposition) this.plan.streams.at(-1)!.disposition = m.disposition;
      if (m.tag) this.plan.streams.at(-1)!.tag = m.tag;
    }
  }
}

function emptyOutput(): NativeOutputPlan {
  return { collect: false, target: null, name: '', format: '', options: {}, metadata: {}, metadataFrom: 0, chaptersFrom: 0, chapters: [], shortest: false };
}

/** An output stream with every key written; `fields` say what this one is. */
function outputStream(fields: Partial<NativeStreamPlan>): NativeStreamPlan {
  return {
    output: 0,
    copy: false,
    subtitle: false,
    input: -1,
    stream: -1,
    bsf: '',
    disposition: '',
    tag: '',
    graph: -1,
    sink: -1,
    codec: '',
    options: {},
    threads: 0,
    bitRate: 0,
    frameRate: null,
    fpsMode: 'auto',
    ownDurations: false,
    displayMatrix: false,
    maxFrames: null,
    metadata: {},
    tap: false,
    ...fields,
  };
}

/** The job's device for the plan, or null. */
function hardwareOf(hw: HardwarePlan | undefined): NativePlan['hardware'] {
  return hw?.type ? { type: hw.type, device: hw.device ?? '', options: hw.options ?? {} } : null;
}

function rationalOf(rate: number | string): { num: number; den: number } {
  const exact = typeof rate === 'string' ? /^(\d+)(?:\/(\d+))?$/.exec(rate) : null;
  if (exact && Number(exact[1]) > 0 && Number(exact[2] ?? 1) > 0) return { num: Number(exact[1]), den: Number(exact[2] ?? 1) };
  const fps = Number(rate);
  if (!(fps > 0) || !Number.isFinite(fps)) throw invalidArgument('frameRate', "a frame rate > 0 (a number or 'num/den')", rate);
  if (Number.isInteger(fps)) return { num: fps, den: 1 };
  if (Math.abs(fps * 1.001 - Math.round(fps * 1.001)) < 1e-3) return { num: Math.round(fps * 1.001) * 1000, den: 1001 };
  return { num: Math.round(fps * 1000), den: 1000 };
}

function setStart(p: Planner, inputs: { start?: number; autorotate?: boolean }[]): void {
  inputs.forEach((i, n) => {
    p.plan.start[n] = micros(i.start, n === 0 ? 'start' : `inputs[${n - 1}].start`);
    p.autorotate[n] = i.autorotate !== false;
  });
}

/** The output's container, from `format` or the output name's extension. */
function isMp4Family(o: { format?: string }, output: string | undefined): boolean {
  const name = o.format ?? output?.match(/\.(\w+)$/)?.[1];
  return /^(mp4|mov|m4a|m4v|3gp|3g2|ismv|ipod|f4v|psp)$/i.test(name ?? '');
}

function setOutput(p: Planner, k: number, o: TranscodeOptions | RemuxOptions, output?: string): void {
  p.adtsToAsc = isMp4Family(o, output);
  const out = p.plan.outputs[k]!;
  out.format = o.format ?? '';
  out.options = outputOptions(o) ?? {};
  out.metadata = o.metadata ?? {};
  if (o.copyMetadata === false) out.metadataFrom = -1;
  if (o.shortest) out.shortest = true;
  if (o.chapters === false) out.chaptersFrom = -1;
  if (Array.isArray(o.chapters)) {
    out.chapters = o.chapters.map((c, i) => {
      if (!is.object(c) || !(is.number(c.start) && is.number(c.end) && c.end > c.start && c.start >= 0))
        throw invalidArgument(`chapters[${i}]`, '{ start, end, title? } in seconds with end > start >= 0', c);
      return { start: Math.round(c.start * 1e6), end: Math.round(c.end * 1e6), title: c.title ?? '' };
    });
  }
}

/** One output of a job: its options (the job's, with the output's own over them) and its name. */
export interface PlannedOutput {
  options: TranscodeOptions;
  output?: string;
}

export function planTranscode(
  inputs: InputDescription[],
  o: TranscodeOptions,
  starts: { start?: number; autorotate?: boolean }[],
  extra: { pads?: GraphPads; hardware?: HardwarePlan; output?: string } = {},
): NativePlan {
  return planOutputs(inputs, o, [{ options: o, output: extra.output }], starts, extra);
}

/**
 * Several outputs from one reading of the inputs: each input stream is decoded once, for every
 * output that encodes it, and `shared.filterComplex` is one graph whose labels any output maps.
 */
export function planOutputs(
  inputs: InputDescription[],
  shared: TranscodeOptions,
  outputs: PlannedOutput[],
  starts: { start?: number; autorotate?: boolean }[],
  extra: { pads?: GraphPads; hardware?: HardwarePlan } = {},
): NativePlan {
  const p = new Planner(inputs, shared);
  const hw = extra.hardware;
  p.plan.hardware = hardwareOf(hw);
  setStart(p, starts);
  p.plan.outputs = outputs.map(() => emptyOutput());
  const first = inputs[0]!;
  // the shared graph's outputs, in the order the outputs' maps name them
  const labelled = outputs.flatMap((out, k) => (out.options.map ?? []).filter((m) => m.label !== undefined).map((m) => ({ k, m })));
  let graphStreams: NativeStreamPlan[] = [];
  if (shared.filterComplex) {
    if (labelled.length === 0) throw invalidArgument('map', "the filterComplex outputs to write ({ label: 'out' })", shared.map);
    p.complex(
      shared.filterComplex,
      extra.pads ?? { inputs: [], outputs: [] },
      labelled.map((l) => l.m),
      shared.threads,
    );
    graphStreams = p.plan.streams.splice(0);
  }
  for (const [k, out] of outputs.entries()) {
    const o = out.options;
    const begin = p.plan.streams.length;
    setOutput(p, k, o, out.output);
    const defaults = (type: string): VideoSettings & AudioSettings => {
      const v = type === 'video' ? o.video : type === 'audio' ? o.audio : undefined;
      return typeof v === 'object' ? v : {};
    };
    const place = (input: number, stream: number, settings: StreamMap) => {
      const type = p.stream(input, stream).type;
      if (type === 'subtitle' && settings.codec !== 'copy' && (settings.codec !== undefined || typeof o.subtitles === 'object'))
        p.subtitle(input, stream, settings.codec ?? (typeof o.subtitles === 'object' && o.subtitles ? o.subtitles.codec : undefined));
      else if (settings.codec === 'copy' || type === 'subtitle' || type === 'data' || type === 'attachment') p.copy(input, stream, settings.bitstreamFilter);
      else p.encode(input, stream, settings, o.threads, hw);
      // what every kind of output stream takes from its map entry
      const placed = p.plan.streams.at(-1)!;
      if (settings.metadata) placed.metadata = settings.metadata;
      if (settings.disposition) placed.disposition = settings.disposition;
      if (settings.tag) placed.tag = settings.tag;
    };
    if (o.map?.length) {
      // the output keeps the order of `map`
      for (const m of o.map) {
        if (m.label !== undefined) {
          if (!shared.filterComplex) throw invalidArgument('map.label', 'a label of filterComplex (there is none)', m.label);
          p.plan.streams.push(graphStreams.shift()!);
          continue;
        }
        const input = m.input ?? 0;
        const desc = inputs[input];
        if (!desc) throw new AvError(`map names input ${input}, there are ${inputs.length}`, { code: 'STREAM_NOT_FOUND', op: 'map' });
        for (const s of selectStreams(desc, m.stream ?? 'v', 'map.stream')) {
          const type = desc.streams[s]!.type;
          const base = type === 'video' ? o.video : type === 'audio' ? o.audio : undefined;
          place(input, s, { ...(base === 'copy' ? { codec: 'copy' } : defaults(type)), ...m });
        }
      }
    } else {
      if (shared.filterComplex && outputs.length === 1) throw invalidArgument('map', "the filterComplex outputs to write ({ label: 'out' })", o.map);
      const v = o.video === false ? undefined : bestStream(first, 'video');
      if (v !== undefined) place(0, v, o.video === 'copy' ? { codec: 'copy' } : defaults('video'));
      const a = o.audio === false ? undefined : bestStream(first, 'audio');
      if (a !== undefined) place(0, a, o.audio === 'copy' ? { codec: 'copy' } : defaults('audio'));
      if (o.subtitles === 'copy') for (const s of selectStreams(first, 's', 'subtitles')) p.copy(0, s);
      else if (typeof o.subtitles === 'object' && o.subtitles) for (const s of selectStreams(first, 's', 'subtitles')) p.subtitle(0, s, o.subtitles.codec);
    }
    if (p.plan.streams.length === begin)
      throw new AvError(`Nothing to write${outputs.length > 1 ? ` to output ${k}` : ''}: the input has no stream the options select`, {
        code: 'STREAM_NOT_FOUND',
        op: 'transcode',
        url: first.format.url,
      });
    for (const s of p.plan.streams.slice(begin)) s.output = k;
  }
  if (shared.onFrames) {
    const o = shared;
    const tap = o.tapStream ?? p.plan.streams.findIndex((s) => !s.copy && p.plan.graphs[s.graph!]!.sinks[s.sink!]!.type === 'video');
    const target = p.plan.streams[tap < 0 ? p.plan.streams.findIndex((s) => !s.copy) : tap];
    if (!target || target.copy) throw invalidArgument('tapStream', 'the index of an encoded output stream', o.tapStream);
    target.tap = true;
    p.plan.tapBatch = o.tapBatch ?? 8;
  }
  return p.plan;
}

export function planRemux(input: InputDescription, o: RemuxOptions, output?: string): NativePlan {
  const p = new Planner([input], o);
  setStart(p, [o.input ?? {}]);
  if (o.start !== undefined) p.plan.start[0] = micros(o.start, 'start');
  setOutput(p, 0, o, output);
  const picked = o.streams
    ? o.streams.flatMap((s) => selectStreams(input, s, 'streams'))
    : input.streams.filter((s) => s.type === 'video' || s.type === 'audio' || s.type === 'subtitle').map((s) => s.index);
  for (const s of picked) p.copy(0, s, o.bitstreamFilters?.[p.plan.streams.length]);
  if (p.plan.streams.length === 0)
    throw new AvError('Nothing to remux: the input has no video, audio or subtitle stream', { code: 'STREAM_NOT_FOUND', op: 'remux', url: input.format.url });
  return p.plan;
}

const IMAGE_CODECS = { jpeg: 'mjpeg', png: 'png', webp: 'libwebp' } as const;

/** The times (seconds) thumbnails are taken at, from times / every / count and the duration. */
export function thumbnailTimes(o: ThumbnailOptions, duration: number | null): number[] | null {
  if (o.times) return [...o.times].sort((a, b) => a - b);
  if (o.keyframes) return null;
  if (o.every !== undefined) {
    if (!(o.every > 0)) throw invalidArgument('every', 'a number of seconds > 0', o.every);
    if (duration === null) return null;
    const images = Math.min(o.count ?? Infinity, Math.ceil(duration / o.every));
    if (images > MAX_THUMBNAILS)
      throw invalidArgument(
        'every',
        `an interval of at least ${duration / MAX_THUMBNAILS} s (at most ${MAX_THUMBNAILS} images of this ${duration} s input)`,
        o.every,
      );
    const out: number[] = [];
    for (let t = 0; t < duration && out.length < (o.count ?? Infinity); t += o.every) out.push(Number(t.toFixed(6)));
    return out;
  }
  const count = o.count ?? 1;
  if (duration === null) return [0];
  return Array.from({ length: count }, (_, i) => Number(((duration * (i + 0.5)) / count).toFixed(6)));
}

export function planThumbnails(input: InputDescription, o: ThumbnailOptions, times: number[] | null, hw?: HardwarePlan): NativePlan {
  const p = new Planner([input], o);
  p.plan.hardware = hardwareOf(hw);
  setStart(p, [o.input ?? {}]);
  const stream = o.stream ?? bestStream(input, 'video');
  if (stream === undefined || input.streams[stream]?.type !== 'video')
    throw new AvError('The input has no video stream to take thumbnails from', { code: 'STREAM_NOT_FOUND', op: 'thumbnails', url: input.format.url });
  const decoder = p.decoder(0, stream, { keyframesOnly: o.keyframes === true, ...(hw?.type ? { hardware: true, download: true } : {}) });
  const parts: string[] = p.rotation(0, stream);
  if (times) {
    // The first frame at or after each time: shown when a time falls in (previous frame, this frame].
    // The times in microseconds, as the native decoder has them: it stops after the frame the
    // select takes for the last one, comparing as the select does.
    const targets = times.map((t) => Math.round(t * 1e6));
    const terms = targets.map((us) => `(isnan(prev_t)+gt(${us / 1e6},prev_t))*lte(${us / 1e6},t)`);
    parts.push(`select='${terms.join('+')}'`);
    p.plan.targets = targets;
  } else if (o.every !== undefined && !o.keyframes) {
    parts.push(`select='isnan(prev_selected_t)+gte(t-prev_selected_t,${o.every})'`);
  }
  if (o.width !== undefined || o.height !== undefined) parts.push(`scale=${o.width ?? -2}:${o.height ?? -2}`);
  const format = o.format ?? 'jpeg';
  const codec = IMAGE_CODECS[format];
  if (!codec) throw invalidArgument('format', "'jpeg', 'png' or 'webp'", o.format);
  const options: AvOptions = {};
  if (o.quality !== undefined) {
    if (format === 'jpeg') Object.assign(options, { flags: '+qscale', global_quality: Math.round(o.quality * 118) });
    else if (format === 'webp') options.quality = o.quality;
  }
  const graph =
    p.plan.graphs.push({
      description: parts.join(',') || 'null',
      sources: [{ decoder, label: 'in' }],
      sinks: [{ label: 'out', type: 'video' }],
      // one thread each for the graph and the image encoder: they see a few frames per job (the
      // select passes one per image), and threads of their own would be started for every job
      threads: 1,
      hardware: false,
    }) - 1;
  const max = times ? times.length : o.count;
  p.plan.streams.push(outputStream({ graph, sink: 0, codec, options, threads: 1, maxFrames: max ?? null }));
  p.plan.outputs[0] = { ...p.plan.outputs[0]!, collect: true, metadataFrom: -1, chaptersFrom: -1 };
  return p.plan;
}
