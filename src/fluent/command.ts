// FfmpegCommand: fluent-ffmpeg 2.1.3's chained API. Each call adds to the ffmpeg argument list
// fluent-ffmpeg would build (inputs with their options, globals, -y for file outputs, complex
// filters, then each output's audio, video, filters and options); run() hands that list to
// avforge's ffmpeg command-line translation and runs it in this process (run.ts).
import { EventEmitter } from 'node:events';
import { PassThrough, type Readable, type Writable } from 'node:stream';

import { ALIASES } from './aliases.js';
import { capabilityError, getAvailableCodecs, getAvailableEncoders, getAvailableFilters, getAvailableFormats } from './capabilities.js';
import { bracketed, type FilterSpec, filterStrings, parseAspect, type SizeData, sizeFilters } from './filters.js';
import { applyPreset } from './presets.js';
import { type FfprobeCallback, ffprobeInput, ffprobeStream } from './probe.js';
import { runCommand, type Running } from './run.js';
import { mergeToFile, type ScreenshotsConfig, screenshots } from './screenshots.js';

export type InputSourceArg = string | Readable;
export type OutputTargetArg = string | Writable;

/** fluent-ffmpeg's constructor options (the ones avforge reads; the rest are accepted). */
export interface FfmpegCommandOptions {
  source?: InputSourceArg;
  /** Seconds after which the command is killed. */
  timeout?: number;
  /** The folder relative input and output paths are read from. */
  cwd?: string;
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
  options: ArgList;
}

/** An argument list as fluent keeps them: values as given (numbers stay numbers), get() a copy, find(name, n). */
export class ArgList {
  items: Arg[] = [];
  push(...args: Arg[]): void {
    this.items.push(...args);
  }
  get(): Arg[] {
    return [...this.items];
  }
  clear(): void {
    this.items = [];
  }
  /** The `count` values after the last `name`. */
  find(name: string, count = 0): Arg[] | undefined {
    const at = this.items.lastIndexOf(name);
    return at < 0 ? undefined : this.items.slice(at + 1, at + 1 + count);
  }
  copy(): ArgList {
    const c = new ArgList();
    c.items = [...this.items];
    return c;
  }
}

export type Arg = string | number;

export interface FluentOutput {
  target?: OutputTargetArg;
  isFile: boolean;
  pipeopts: { end?: boolean };
  audio: ArgList;
  audioFilters: ArgList;
  video: ArgList;
  videoFilters: ArgList;
  size: SizeData;
  /** The scale/pad filters of size(), aspect() and autopad(). */
  sizeFilters: { get(): FilterSpec[] };
  options: ArgList;
  flvmeta?: boolean;
}

function newOutput(from?: FluentOutput): FluentOutput {
  const size: SizeData = { ...from?.size };
  return {
    isFile: false,
    pipeopts: {},
    audio: from?.audio.copy() ?? new ArgList(),
    audioFilters: from?.audioFilters.copy() ?? new ArgList(),
    video: from?.video.copy() ?? new ArgList(),
    videoFilters: from?.videoFilters.copy() ?? new ArgList(),
    size,
    sizeFilters: { get: () => sizeFilters(size) },
    options: from?.options.copy() ?? new ArgList(),
  };
}

/** Options given as one array, one string ('-ss 10', split at its single space) or several arguments. */
function optionList(args: unknown[]): Arg[] {
  const split = args.length <= 1;
  const list = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as Arg[];
  return list.flatMap((o) => {
    const parts = String(o).split(' ');
    return split && parts.length === 2 ? parts : [o];
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
  readonly _global: Arg[] = [];
  _complexFilters: Arg[] = [];
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
    for (const i of this._inputs) c._inputs.push({ ...i, options: i.options.copy() });
    c._currentInput = c._inputs.at(-1);
    c._outputs.length = 0;
    for (const o of this._outputs) c._outputs.push({ ...newOutput(o), target: o.target, isFile: o.isFile, pipeopts: o.pipeopts, flvmeta: o.flvmeta });
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
    this._currentInput = { source, isFile, isStream, options: new ArgList() };
    this._inputs.push(this._currentInput);
    return this;
  }

  #inputOpts(...o: Arg[]): this {
    if (!this._currentInput) throw new Error('No input specified');
    this._currentInput.options.push(...o);
    return this;
  }

  inputFormat(format: string): this {
    return this.#inputOpts('-f', format);
  }
  inputFPS(fps: number | string): this {
    return this.#inputOpts('-r', fps);
  }
  native(): this {
    return this.#inputOpts('-re');
  }
  seekInput(seek: number | string): this {
    return this.#inputOpts('-ss', seek);
  }
  loop(duration?: number | string): this {
    this.#inputOpts('-loop', '1');
    return duration === undefined ? this : this.duration(duration);
  }
  inputOptions(...options: (Arg | Arg[])[]): this {
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

  outputOptions(...options: (Arg | Arg[])[]): this {
    return this.#outputOpts(...optionList(options));
  }
  #outputOpts(...o: Arg[]): this {
    this._currentOutput.options.push(...o);
    return this;
  }
  seek(seek: number | string): this {
    return this.#outputOpts('-ss', seek);
  }
  duration(duration: number | string): this {
    return this.#outputOpts('-t', duration);
  }
  format(format: string): this {
    return this.#outputOpts('-f', format);
  }
  map(spec: string): this {
    return this.#outputOpts('-map', bracketed(spec));
  }
  /** Accepted: the flvtool step is not needed (FFmpeg's flv muxer writes the metadata). */
  flvmeta(): this {
    this._currentOutput.flvmeta = true;
    return this;
  }

  // --- audio

  noAudio(): this {
    const o = this._currentOutput;
    o.audio.clear();
    o.audioFilters.clear();
    o.audio.push('-an');
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
    this._currentOutput.audio.push('-ac', channels);
    return this;
  }
  audioFrequency(freq: number): this {
    this._currentOutput.audio.push('-ar', freq);
    return this;
  }
  audioQuality(quality: number): this {
    this._currentOutput.audio.push('-aq', quality);
    return this;
  }
  audioFilters(...filters: (string | FilterSpec | (string | FilterSpec)[])[]): this {
    this._currentOutput.audioFilters.push(...filterStrings(filters.flat()));
    return this;
  }

  // --- video

  noVideo(): this {
    const o = this._currentOutput;
    o.video.clear();
    o.videoFilters.clear();
    o.video.push('-vn');
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
    this._currentOutput.video.push('-r', fps);
    return this;
  }
  frames(frames: number): this {
    this._currentOutput.video.push('-vframes', frames);
    return this;
  }
  size(size: string): this {
    this._currentOutput.size.size = size;
    sizeFilters(this._currentOutput.size); // throws now on a size it cannot read, as fluent's does
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
  /** A preset: a function of the command, a built-in one by name, or a module in options.preset's folder. */
  preset(preset: string | ((command: FfmpegCommand) => void)): this {
    applyPreset(this, preset);
    return this;
  }

  /** fluent's check before running: every -f format and -acodec/-vcodec encoder is available. */
  _checkCapabilities(cb: (err?: Error | null) => void): void {
    const err = capabilityError(this);
    process.nextTick(cb, err);
  }

  // --- the argument list

  /** The ffmpeg arguments fluent-ffmpeg would spawn ffmpeg with. */
  _getArguments(file: (path: string) => string = (p) => p): Arg[] {
    const args: Arg[] = [];
    for (const i of this._inputs) args.push(...i.options.items, '-i', typeof i.source === 'string' ? (i.isFile ? file(i.source) : i.source) : 'pipe:0');
    args.push(...this._global);
    if (this._outputs.some((o) => o.isFile)) args.push('-y');
    args.push(...this._complexFilters);
    for (const o of this._outputs) {
      const video = [...o.videoFilters.items, ...filterStrings(sizeFilters(o.size))];
      args.push(...o.audio.items);
      if (o.audioFilters.items.length) args.push('-filter:a', o.audioFilters.items.join(','));
      args.push(...o.video.items);
      if (video.length) args.push('-filter:v', video.join(','));
      args.push(...o.options.items);
      if (o.target !== undefined) args.push(typeof o.target === 'string' ? (o.isFile ? file(o.target) : o.target) : 'pipe:1');
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
  /** Writes the output to `stream`; without one, to a new PassThrough, returned. */
  pipe(stream?: Writable | { end?: boolean }, options: { end?: boolean } = {}): Writable {
    let target: Writable;
    if (stream && typeof (stream as Writable).write === 'function') target = stream as Writable;
    else {
      options = (stream as { end?: boolean } | undefined) ?? options;
      target = new PassThrough();
    }
    this.output(target, options).run();
    return target;
  }
  /** Stops the command: SIGKILL (the default) aborts at once, SIGTERM/SIGINT finish the output. */
  kill(signal = 'SIGKILL'): this {
    this._running?.kill(signal);
    return this;
  }
  /** Kept in options.niceness (-20..20) as fluent does; there is no process to renice: a warning says so. */
  renice(niceness = 0): this {
    this.options.niceness = Math.min(20, Math.max(-20, niceness || 0));
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
