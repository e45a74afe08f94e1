// AudioData (https://www.w3.org/TR/webcodecs/#audiodata-interface), backed by an avforge
// Frame: decoded audio is wrapped without a copy, clone() shares the buffers, close() detaches.
// copyTo() converts between every pair of sample formats, planar and interleaved.
import { Frame } from '../index.js';
import {
  bytes,
  checkTransfer,
  detach,
  dictionary,
  domError,
  double,
  enumValue,
  longLong,
  required,
  unsignedLong,
  type AllowSharedBufferSource,
  type BufferSource,
} from './errors.js';

export type AudioSampleFormat = 'u8' | 's16' | 's32' | 'f32' | 'u8-planar' | 's16-planar' | 's32-planar' | 'f32-planar';

interface SampleFormat {
  ff: string;
  bytes: number;
  planar: boolean;
}

export const SAMPLE_FORMATS: Record<AudioSampleFormat, SampleFormat> = {
  u8: { ff: 'u8', bytes: 1, planar: false },
  s16: { ff: 's16', bytes: 2, planar: false },
  s32: { ff: 's32', bytes: 4, planar: false },
  f32: { ff: 'flt', bytes: 4, planar: false },
  'u8-planar': { ff: 'u8p', bytes: 1, planar: true },
  's16-planar': { ff: 's16p', bytes: 2, planar: true },
  's32-planar': { ff: 's32p', bytes: 4, planar: true },
  'f32-planar': { ff: 'fltp', bytes: 4, planar: true },
};
const FORMAT_NAMES = Object.keys(SAMPLE_FORMATS) as AudioSampleFormat[];
const BY_FF = new Map<string, AudioSampleFormat>(FORMAT_NAMES.map((f) => [SAMPLE_FORMATS[f].ff, f]));

/** The WebCodecs format of an FFmpeg sample format, or undefined (dbl, s64: convert first). */
export function formatOfSampleFormat(sampleFormat: string | undefined): AudioSampleFormat | undefined {
  return sampleFormat === undefined ? undefined : BY_FF.get(sampleFormat);
}

export interface AudioDataInit {
  format: AudioSampleFormat;
  sampleRate: number;
  numberOfFrames: number;
  numberOfChannels: number;
  /** Microseconds. */
  timestamp: number;
  data: BufferSource;
  transfer?: ArrayBuffer[];
}

export interface AudioDataCopyToOptions {
  planeIndex: number;
  frameOffset?: number;
  frameCount?: number;
  format?: AudioSampleFormat;
}

interface State {
  frame: Frame;
  format: AudioSampleFormat;
  sampleRate: number;
  numberOfFrames: number;
  numberOfChannels: number;
  timestamp: number;
}

type Samples = Uint8Array | Int16Array | Int32Array | Float32Array;

/** A typed view of the right kind over a plane (FFmpeg's planes are aligned to the sample size). */
function samples(view: Uint8Array, format: AudioSampleFormat): Samples {
  const { bytes: n } = SAMPLE_FORMATS[format];
  const base = format.replace('-planar', '');
  if (base === 'u8') return view;
  const length = view.byteLength / n;
  if (base === 's16') return new Int16Array(view.buffer, view.byteOffset, length);
  if (base === 's32') return new Int32Array(view.buffer, view.byteOffset, length);
  return new Float32Array(view.buffer, view.byteOffset, length);
}

/** A sample as a float in [-1, 1) and back: the conversions of copyTo with a format. */
const toFloat: Record<string, (v: number) => number> = {
  u8: (v) => (v - 128) / 128,
  s16: (v) => v / 32768,
  s32: (v) => v / 2147483648,
  f32: (v) => v,
};
const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : Math.min(v, hi));
const fromFloat: Record<string, (v: number) => number> = {
  u8: (v) => clamp(Math.round(v * 128 + 128), 0, 255),
  s16: (v) => clamp(Math.round(v * 32768), -32768, 32767),
  s32: (v) => clamp(Math.round(v * 2147483648), -2147483648, 2147483647),
  f32: (v) => v,
};

const internal = Symbol('internal');
let stateOf: (a: AudioData) => State | null;

export class AudioData {
  #s: State | null;
  #timestamp: number;

  static {
    stateOf = (a) => a.#s;
  }

  constructor(init: AudioDataInit) {
    const own = (init as { [internal]?: State } | null)?.[internal];
    this.#s = own ?? fromInit(init);
    this.#timestamp = this.#s.timestamp;
  }

  get format(): AudioSampleFormat | null {
    return this.#s?.format ?? null;
  }
  get sampleRate(): number {
    return this.#s?.sampleRate ?? 0;
  }
  get numberOfFrames(): number {
    return this.#s?.numberOfFrames ?? 0;
  }
  get numberOfChannels(): number {
    return this.#s?.numberOfChannels ?? 0;
  }
  /** Microseconds. */
  get timestamp(): number {
    return this.#timestamp;
  }
  /** Microseconds. */
  get duration(): number {
    const s = this.#s;
    return s ? Math.trunc((s.numberOfFrames * 1_000_000) / s.sampleRate) : 0;
  }

  /** The "Compute Copy Element Count" algorithm: [state, destination format, first frame, frames, elements]. */
  #copyCount(options: unknown, where: string): [State, AudioSampleFormat, number, number, number] {
    const s = this.#s;
    if (!s) throw domError('InvalidStateError', `${where}: the AudioData is closed`);
    const o = dictionary(options, where);
    const planeIndex = unsignedLong(required(o, 'planeIndex', where), `${where}.planeIndex`);
    const format = o.format === undefined ? s.format : enumValue(o.format, FORMAT_NAMES, `${where}.format`);
    const planar = SAMPLE_FORMATS[format].planar;
    if (!planar && planeIndex > 0) throw new RangeError(`${where}: an interleaved format has one plane, planeIndex is ${planeIndex}`);
    if (planar && planeIndex >= s.numberOfChannels) throw new RangeError(`${where}: planeIndex ${planeIndex} is past the ${s.numberOfChannels} channels`);
    const frameOffset = o.frameOffset === undefined ? 0 : unsignedLong(o.frameOffset, `${where}.frameOffset`);
    if (frameOffset >= s.numberOfFrames) throw new RangeError(`${where}: frameOffset ${frameOffset} is past the ${s.numberOfFrames} frames`);
    let count = s.numberOfFrames - frameOffset;
    if (o.frameCount !== undefined) {
      const asked = unsignedLong(o.frameCount, `${where}.frameCount`);
      if (asked > count) throw new RangeError(`${where}: frameCount ${asked} is more than the ${count} frames from frameOffset`);
      count = asked;
    }
    return [s, format, planeIndex, frameOffset, count];
  }

  allocationSize(options: AudioDataCopyToOptions): number {
    const [s, format, , , count] = this.#copyCount(options, 'AudioData.allocationSize');
    const f = SAMPLE_FORMATS[format];
    return count * (f.planar ? 1 : s.numberOfChannels) * f.bytes;
  }

  copyTo(destination: AllowSharedBufferSource, options: AudioDataCopyToOptions): void {
    const [s, format, plane, offset, count] = this.#copyCount(options, 'AudioData.copyTo');
    const dst = SAMPLE_FORMATS[format];
    const channels = s.numberOfChannels;
    const size = count * (dst.planar ? 1 : channels) * dst.bytes;
    const dest = bytes(destination, 'AudioData.copyTo');
    if (dest.byteLength < size) throw new RangeError(`AudioData.copyTo: the destination has ${dest.byteLength} bytes, ${size} are needed`);
    const src = SAMPLE_FORMATS[s.format];
    const planes = s.frame.planes;
    if (format === s.format) {
      const view = planes[src.planar ? plane : 0]!;
      const per = src.planar ? src.bytes : src.bytes * channels;
      dest.set(view.subarray(offset * per, (offset + count) * per));
      return;
    }
    // Conversion: every sample through a float, channel by channel.
    const srcBase = s.format.replace('-planar', '');
    const dstBase = format.replace('-planar', '');
    const read = toFloat[srcBase]!;
    const write = fromFloat[dstBase]!;
    const input = src.planar ? planes.slice(0, channels).map((p) => samples(p, s.format)) : [samples(planes[0]!, s.format)];
    const aligned = dest.byteOffset % dst.bytes === 0 ? dest : new Uint8Array(size);
    const out = samples(aligned.subarray(0, size), format);
    const sample = src.planar ? (c: number, i: number): number => read(input[c]![i]!) : (c: number, i: number): number => read(input[0]![i * channels + c]!);
    if (dst.planar) {
      for (let i = 0; i < count; i++) out[i] = write(sample(plane, offset + i));
    } else {
      for (let i = 0; i < count; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = write(sample(c, offset + i));
    }
    if (aligned !== dest) dest.set(aligned.subarray(0, size));
  }

  clone(): AudioData {
    const s = this.#s;
    if (!s) throw domError('InvalidStateError', 'AudioData.clone: the AudioData is closed');
    return makeAudioData({ ...s, frame: s.frame.clone() });
  }

  close(): void {
    this.#s?.frame.close();
    this.#s = null;
  }

  get [Symbol.toStringTag](): string {
    return 'AudioData';
  }
}

function makeAudioData(state: State): AudioData {
  return new AudioData({ [internal]: state } as unknown as AudioDataInit);
}

function fromInit(init: unknown): State {
  const where = 'AudioData';
  const d = dictionary(init, where);
  const format = enumValue(required(d, 'format', where), FORMAT_NAMES, `${where}.format`);
  const sampleRate = double(required(d, 'sampleRate', where), `${where}.sampleRate`);
  const numberOfFrames = unsignedLong(required(d, 'numberOfFrames', where), `${where}.numberOfFrames`);
  const numberOfChannels = unsignedLong(required(d, 'numberOfChannels', where), `${where}.numberOfChannels`);
  const timestamp = longLong(required(d, 'timestamp', where), `${where}.timestamp`);
  const data = bytes(required(d, 'data', where), `${where}.data`);
  const transfer = checkTransfer(d.transfer, where);
  if (!(sampleRate > 0)) throw new TypeError(`${where}: sampleRate must be > 0`);
  if (numberOfFrames === 0) throw new TypeError(`${where}: numberOfFrames must not be 0`);
  if (numberOfChannels === 0) throw new TypeError(`${where}: numberOfChannels must not be 0`);
  const f = SAMPLE_FORMATS[format];
  const size = numberOfFrames * numberOfChannels * f.bytes;
  if (data.byteLength < size) throw new TypeError(`${where}: the data has ${data.byteLength} bytes, ${size} are needed`);
  // Planar data is laid out plane after plane: the layout Frame.from takes.
  const frame = Frame.from(data.subarray(0, size), {
    sampleRate: Math.max(1, Math.round(sampleRate)),
    sampleFormat: f.ff,
    nbSamples: numberOfFrames,
    channels: numberOfChannels,
  });
  detach(transfer);
  return { frame, format, sampleRate, numberOfFrames, numberOfChannels, timestamp };
}

/** An AudioData over decoded audio (taken, not copied); its format must map (formatOfSampleFormat). */
export function audioDataOf(frame: Frame, timestamp: number): AudioData {
  const format = formatOfSampleFormat(frame.sampleFormat);
  if (!format) throw new Error(`no WebCodecs format for ${frame.sampleFormat}`);
  return makeAudioData({ frame, format, sampleRate: frame.sampleRate, numberOfFrames: frame.nbSamples, numberOfChannels: frame.channels, timestamp });
}

/** What an encoder reads of an AudioData: its Frame (not a copy) and fields; throws when closed. */
export function audioFields(a: AudioData): Readonly<State> {
  const s = stateOf(a);
  if (!s) throw new TypeError('the AudioData is closed');
  return s;
}
