// FfmpegCommand: fluent-ffmpeg 2.1.3's chained API. Each call adds to the ffmpeg argument list
// fluent-ffmpeg would build (inputs with their options, globals, -y for file outputs, complex
// filters, then each output's audio, video, filters and options); run() hands that list to
// avforge's ffmpeg command-line translation and runs it in this process (run.ts).
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';

import { ALIASES } from './aliases.js';
import { getAvailableCodecs, getAvailableEncoders, getAvailableFilters, getAvailableFormats } from './capabilities.js';
import { bracketed, type FilterSpec, filterStrings, parseAspect, type SizeData, sizeFilters } from './filters.js';
import { type FfprobeCallback, ffprobeInput, ffprobeStream } from './probe.js';
import { runCommand, type Running } from './run.js';
import { mergeToFile, type ScreenshotsConfig, screenshots } from './screenshots.js';

export type InputSourceArg = string | Readable;
export type OutputTargetArg = string | Writable;

/** fluent-ffmpeg's constructor options (the ones avforge reads; the rest are accepted). */
export interface FfmpegCommandOptions {
  source?: InputSourceArg;
  /** Milliseconds after which the command is killed. */
  timeout?: number;
  /** Accepted for compatibility: avforge runs in this process. */
  niceness?: number;
  /** Size of the stdout/stderr rings (lines); 0 is unlimited. */
  stdoutLines?: number;
  logger?: { debug?(m: string): void; info?(m: string): void; warn?(m: string): void; error?(m: string): void };
  /** Accepted for compatibility. */
  presets?: string;
  preset?: string;
}

export interface FluentInput {
  source: InputSourceArg;
  isFile: boolean;
  isStream: boolean;
  options: string[];
}

export interface FluentOutput {
  target?: OutputTargetArg;
  isFile: boolean;
  pipeopts: { end?: boolean };
  audio: string[];
  audioFilters: string[];
  video: string[];
  videoFilters: string[];
  size: SizeData;
  options: string[];
  flvmeta?: boolean;
}

const newOutput = (): FluentOutput => ({ isFile: false, pipeopts: {}, audio: [], audioFilters: [], video: [], videoFilters: [], size: {}, options: [] });

/** Options given as one array, one string ('-ss 10', split at its single space) or several arguments. */
function optionList(args: unknown[]): string[] {
  const split = args.length <= 1;
  const list = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as unknown[];
  return list.flatMap((o) => {
    const parts = String(o).split(' ');
    return split && parts.length === 2 ? parts : [String(o)];
  });
}

const kbits = (rate: string | number) => String(rate).replace(/k?$/, 'k');

type Callback<T> = (err: Error | null, data: T) => void;

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the aliases (interface below) are assigned to the prototype
export class FfmpegCommand extends EventEmitter {
  readonly options: FfmpegCommandOptions;
  readonly _inputs: FluentInput[] = [];
  readonly _outputs: FluentOutput[] = [newOutput()];
  _currentInput: FluentInput | undefined;
  _currentOutput: FluentOutput;
  readonly _global: string[] = [];
  _complexFilters: string[] = [];
  /** The running job, while run() is under way. */
  _running: Running | undefined;
  /** fluent's child process; here a stand-in emitting 'exit' when a run ends (there is no process). */
  ffmpegProc: (EventEmitter & { pid: number; kill(signal?: string): void }) | undefined;

  constructor(input?: InputSourceArg | FfmpegCommandOptions, options?: FfmpegCommandOptions) {
    super();
    let opts: FfmpegCommandOptions = options ?? {};
    let source: InputSourceArg | undefined;
    if (typeof input === 'string' || isReadable(input)) source = input;
    else if (input && typeof input === 'object') opts = input;
    source ??= opts.source;
    this.options = { stdoutLines: 100, ...opts };
    this._currentOutput = this._outputs[0]!;
    if (source !== undefined) this.input(source);
  }

  /** A copy with the same inputs, outputs and options, and no listeners. */
  clone(): FfmpegCommand {
    const c = new FfmpegCommand({ ...this.options, source: undefined });
    for (const i of this._inputs) c._inputs.push({ ...i, options: [...i.options] });
    c._currentInput = c._inputs.at(-1);
    c._outputs.length = 0;
    for (const o of this._outputs)
      c._outputs.push({
        ...o,
        audio: [...o.audio],
        audioFilters: [...o.audioFilters],
        video: [...o.video],
        videoFilters: [...o.videoFilters],
        size: { ...o.size },
        options: [...o.options],
      });
    c._currentOutput = c._outputs.at(-1)!;
    c._global.push(...this._global);
    c._complexFilters = [...this._complexFilters];
    return c;
  }

  // --- inputs

  input(source: InputSourceArg): this {
    const isStream = typeof source !== 'string';
    if (isStream) {
      if (!isReadable(source)) throw new Error('Invalid input');
      if (this._inputs.some((i) => i.isStream)) throw new Error('Only one input stream is supported');
      source.pause();
    }
    const protocol = typeof source === 'string' ? /^([a-z]{2,}):/i.exec(source) : null;
    const isFile = !isStream && (!protocol || protocol[0] === 'file');
    this._currentInput = { source, isFile, isStream, options: [] };
    this._inputs.push(this._currentInput);
    return this;
  }

  #inputOpts(...o: string[]): this {
    if (!this._currentInput) throw new Error('No input specified');
    this._currentInput.options.push(...o);
    return this;
  }

  inputFormat(format: string): this {
    return this.#inputOpts('-f', format);
  }
  inputFPS(fps: number | string): this {
    return this.#inputOpts('-r', String(fps));
  }
  native(): this {
    return this.#inputOpts('-re');
  }
  seekInput(seek: number | string): this {
    return this.#inputOpts('-ss', String(seek));
  }
  loop(duration?: number | string): this {
    this.#inputOpts('-loop', '1');
    return duration === undefined ? this : this.duration(duration);
  }
  inputOptions(...options: (string | string[])[]): this {
    return this.#inputOpts(...optionList(options));
  }

  // --- outputs

  output(target: OutputTargetArg, pipeopts: { end?: boolean } = {}): this {
    if (typeof target !== 'string' && !(target && (target as Writable).writable)) throw new Error('Invalid output');
    const isFile =
      typeof target === 'string' &&
      (() => {
        const protocol = /^([a-z]{2,}):/i.exec(target);
        return !protocol || protocol[0] === 'file:';
      })();
    if (this._currentOutput.target === undefined) {
      Object.assign(this._currentOutput, { target, isFile, pipeopts });
      return this;
    }
    if (typeof target !== 'string' && this._outputs.some((o) => o.target !== undefined && typeof o.target !== 'string'))
      throw new Error('Only one output stream is supported');
    this._currentOutput = { ...newOutput(), target, isFile, pipeopts };
    this._outputs.push(this._currentOutput);
    return this;
  }

  outputOptions(...options: (string | string[])[]): this {
    this._currentOutput.options.push(...optionList(options));
    return this;
  }
  seek(seek: number | string): this {
    return this.outputOptions(['-ss', String(seek)]);
  }
  duration(duration: number | string): this {
    return this.outputOptions(['-t', String(duration)]);
  }
  format(format: string): this {
    return this.outputOptions(['-f', format]);
  }
  map(spec: string): this {
    return this.outputOptions(['-map', spec.replace(/^\[?(.*?)\]?$/, '[$1]')]);
  }
  /** Accepted: the flvtool step is not needed (FFmpeg's flv muxer writes the metadata). */
  flvmeta(): this {
    this._currentOutput.flvmeta = true;
    return this;
  }

  // --- audio

  noAudio(): this {
    const o = this._currentOutput;
    o.audio = ['-an'];
    o.audioFilters = [];
    return this;
  }
  audioCodec(codec: string): this {
    this._currentOutput.audio.push('-acodec', codec);
    return this;
  }
  audioBitrate(bitrate: string | number): this {
    this._currentOutput.audio.push('-b:a', kbits(bitrate));
    return this;
  }
  audioChannels(channels: number): this {
    this._currentOutput.audio.push('-ac', String(channels));
    return this;
  }
  audioFrequency(freq: number): this {
    this._currentOutput.audio.push('-ar', String(freq));
    return this;
  }
  audioQuality(quality: number): this {
    this._currentOutput.audio.push('-aq', String(quality));
    return this;
  }
  audioFilters(...filters: (string | FilterSpec | (string | FilterSpec)[])[]): this {
    this._currentOutput.audioFilters.push(...filterStrings(filters.flat()));
    return this;
  }

  // --- video

  noVideo(): this {
    const o = this._currentOutput;
    o.video = ['-vn'];
    o.videoFilters = [];
    return this;
  }
  videoCodec(codec: string): this {
    this._currentOutput.video.push('-vcodec', codec);
    return this;
  }
  videoBitrate(bitrate: string | number, constant = false): this {
    const b = kbits(bitrate);
    this._currentOutput.video.push('-b:v', b);
    if (constant) this._currentOutput.video.push('-maxrate', b, '-minrate', b, '-bufsize', '3M');
    return this;
  }
  videoFilters(...filters: (string | FilterSpec | (string | FilterSpec)[])[]): this {
    this._currentOutput.videoFilters.push(...filterStrings(filters.flat()));
    return this;
  }
  fps(fps: number | string): this {
    this._currentOutput.video.push('-r', String(fps));
    return this;
  }
  frames(frames: number): this {
    this._currentOutput.video.push('-vframes', String(frames));
    return this;
  }
  size(size: string): this {
    this._currentOutput.size.size = size;
    return this;
  }
  aspect(aspect: string | number): this {
    const a = parseAspect(aspect);
    if (Number.isNaN(a)) throw new Error(`Invalid aspect ratio: ${aspect}`);
    this._currentOutput.size.aspect = a;
    return this;
  }
  autopad(pad: boolean | string = true, color = 'black'): this {
    if (typeof pad === 'string') {
      color = pad;
      pad = true;
    }
    this._currentOutput.size.pad = pad ? color : false;
    return this;
  }
  keepDAR(): this {
    return this.videoFilters([
      { filter: 'scale', options: { w: 'if(gt(sar,1),iw*sar,iw)', h: 'if(lt(sar,1),ih/sar,ih)' } },
      { filter: 'setsar', options: '1' },
    ]);
  }

  // --- complex filters, presets

  complexFilter(spec: string | FilterSpec | (string | FilterSpec)[], map?: string | string[]): this {
    const specs = Array.isArray(spec) ? spec : [spec];
    this._complexFilters = ['-filter_complex', filterStrings(specs).join(';')];
    for (const m of typeof map === 'string' ? [map] : (map ?? [])) this._complexFilters.push('-map', bracketed(m));
    return this;
  }
  /** A preset: a function called with the command (fluent's preset modules by name are not shipped). */
  preset(preset: string | ((command: FfmpegCommand) => void)): this {
    if (typeof preset === 'function') preset(this);
    else throw new Error(`preset ${preset} could not be loaded: avforge/fluent takes preset functions only`);
    return this;
  }

  // --- the argument list

  /** The ffmpeg arguments fluent-ffmpeg would spawn ffmpeg with. */
  _getArguments(): string[] {
    const args: string[] = [];
    for (const i of this._inputs) args.push(...i.options, '-i', typeof i.source === 'string' ? i.source : 'pipe:0');
    args.push(...this._global);
    if (this._outputs.some((o) => o.isFile)) args.push('-y');
    args.push(...this._complexFilters);
    for (const o of this._outputs) {
      const video = [...o.videoFilters, ...filterStrings(sizeFilters(o.size))];
      args.push(...o.audio);
      if (o.audioFilters.length) args.push('-filter:a', o.audioFilters.join(','));
      args.push(...o.video);
      if (video.length) args.push('-filter:v', video.join(','));
      args.push(...o.options);
      if (o.target !== undefined) args.push(typeof o.target === 'string' ? o.target : 'pipe:1');
    }
    return args;
  }

  // --- running

  run(): this {
    const outputs = this._outputs.filter((o) => o.target !== undefined);
    if (outputs.length === 0 && this._outputs.length <= 1) throw new Error('No output specified');
    if (this._inputs.length === 0) throw new Error('No input specified');
    runCommand(this);
    return this;
  }
  save(file: string): this {
    return this.output(file).run();
  }
  pipe(stream?: Writable, options: { end?: boolean } = {}): Writable | this {
    if (stream === undefined) {
      throw new Error('avforge/fluent: pipe() needs a Writable (pass a PassThrough to read the output)');
    }
    this.output(stream, options).run();
    return stream;
  }
  /** Stops the command: SIGKILL (the default) aborts at once, SIGTERM/SIGINT finish the output. */
  kill(signal = 'SIGKILL'): this {
    this._running?.kill(signal);
    return this;
  }
  /** No process to renice: accepted, and reported as a warning. */
  renice(niceness = 0): this {
    this.options.logger?.warn?.(`avforge/fluent: renice(${niceness}) ignored: ffmpeg runs in this process`);
    return this;
  }

  /** ffprobe([index], [options], callback): the input at index (default: the last one added). */
  ffprobe(...args: unknown[]): void {
    const cb = args.pop() as FfprobeCallback;
    const input = typeof args[0] === 'number' ? this._inputs[args[0]] : this._currentInput;
    const options = (args.find((a) => Array.isArray(a)) as string[] | undefined) ?? [];
    if (!input) return void process.nextTick(cb, new Error('No input specified'), undefined as never);
    if (typeof input.source === 'string') ffprobeInput(input.source, options, cb);
    else ffprobeStream(input.source, options, cb);
  }

  screenshots(config: number | ScreenshotsConfig | string, folder?: string): this {
    const c: ScreenshotsConfig = typeof config === 'number' ? { count: config, folder } : typeof config === 'string' ? { folder: config } : { ...config };
    if (folder !== undefined && typeof config !== 'number') c.folder = folder;
    screenshots(this, c);
    return this;
  }
  mergeToFile(target: string, _tmpFolder?: string): this {
    mergeToFile(this, target);
    return this;
  }

  // fluent's path setters and capability queries (instance forms)
  setFfmpegPath(_path: string): this {
    return this;
  }
  setFfprobePath(_path: string): this {
    return this;
  }
  setFlvtoolPath(_path: string): this {
    return this;
  }
  availableFormats(cb: Callback<Record<string, unknown>>): void {
    getAvailableFormats(cb as never);
  }
  availableCodecs(cb: Callback<Record<string, unknown>>): void {
    getAvailableCodecs(cb as never);
  }
  availableEncoders(cb: Callback<Record<string, unknown>>): void {
    getAvailableEncoders(cb as never);
  }
  availableFilters(cb: Callback<Record<string, unknown>>): void {
    getAvailableFilters(cb as never);
  }
}

function isReadable(v: unknown): v is Readable {
  const r = v as Readable;
  return typeof v === 'object' && v !== null && typeof r.on === 'function' && typeof r.read === 'function' && r.readable !== false;
}

// every fluent-ffmpeg alias, on the prototype
for (const [alias, name] of Object.entries(ALIASES)) {
  const proto = FfmpegCommand.prototype as unknown as Record<string, unknown>;
  proto[alias] = proto[name];
}

type Aliased = { [A in keyof typeof ALIASES]: FfmpegCommand[(typeof ALIASES)[A]] };
export interface FfmpegCommand extends Aliased {}
