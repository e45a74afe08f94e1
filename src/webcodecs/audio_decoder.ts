// AudioDecoder (https://www.w3.org/TR/webcodecs/#audiodecoder-interface) over avforge's Decoder.
import { Resampler, hasCodec, type Frame, type Packet } from '../index.js';
import { audioDataOf, formatOfSampleFormat, type AudioData } from './audio_data.js';
import { CodecBase, DecoderCodec, type Codec } from './codec_base.js';
import { audioCodec, type AudioCodec } from './codec_string.js';
import { EncodedAudioChunk, MICROSECONDS, packetOf } from './encoded_chunk.js';
import { bytes, dictionary, domError, isDetached, required, unsignedLong, type AllowSharedBufferSource } from './errors.js';
import { decoderParameters } from './extradata.js';

export interface AudioDecoderConfig {
  codec: string;
  sampleRate: number;
  numberOfChannels: number;
  description?: AllowSharedBufferSource;
}

export interface AudioDecoderSupport {
  supported: boolean;
  config: AudioDecoderConfig;
}

export interface AudioDecoderInit {
  output: (data: AudioData) => void;
  error: (error: DOMException) => void;
}

/** "Check Valid AudioDecoderConfig" (TypeError when not valid) and "Clone Configuration". */
function checkConfig(config: unknown, where: string): AudioDecoderConfig {
  const d = dictionary(config, where);
  const codec = String(required(d, 'codec', where));
  if (codec.trim() === '') throw new TypeError(`${where}: codec is empty`);
  const out: AudioDecoderConfig = {
    codec,
    sampleRate: unsignedLong(required(d, 'sampleRate', where), `${where}.sampleRate`),
    numberOfChannels: unsignedLong(required(d, 'numberOfChannels', where), `${where}.numberOfChannels`),
  };
  if (out.sampleRate === 0 || out.numberOfChannels === 0) throw new TypeError(`${where}: sampleRate and numberOfChannels must not be 0`);
  if (d.description !== undefined) {
    const view = bytes(d.description, `${where}.description`);
    if (isDetached(view.buffer)) throw new TypeError(`${where}: the description is detached`);
    out.description = view.slice();
  }
  return out;
}

function support(config: AudioDecoderConfig): AudioCodec | string {
  const info = audioCodec(config.codec);
  if (!info) return `'${config.codec}' is not a codec string this implementation knows`;
  if (!hasCodec(info.decoder)) return `this FFmpeg has no ${info.decoder} decoder`;
  if (info.id === 'vorbis' && !config.description) return 'Vorbis needs its headers as the description';
  if (info.id === 'flac' && !config.description) return "FLAC needs its 'fLaC' header and STREAMINFO as the description";
  // Without an OpusHead the stream is mono or stereo (channel mapping family 0); the head has 19
  // bytes, and 2 + channels more (stream counts, mapping table) for the families above 0.
  const head = config.description ? bytes(config.description, 'description').byteLength : 0;
  if (info.id === 'opus' && config.numberOfChannels > 2 && head < 21 + config.numberOfChannels)
    return `an OpusHead for ${config.numberOfChannels} channels has ${21 + config.numberOfChannels} bytes at least, the description has ${head}`;
  return info;
}

/** The WAVEFORMATEX that Matroska's A_MS/ACM carries for μ-law and A-law. */
function waveFormat(tag: number, rate: number, channels: number): Uint8Array {
  const b = new Uint8Array(18);
  const v = new DataView(b.buffer);
  v.setUint16(0, tag, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, rate * channels, true);
  v.setUint16(12, channels, true);
  v.setUint16(14, 8, true);
  return b;
}

/** The decoder of one configuration; sample formats WebCodecs has no name for (dbl, s64) become f32-planar. */
function decoderCodec(info: AudioCodec, config: AudioDecoderConfig): DecoderCodec<AudioData> {
  let resampler: Resampler | undefined;
  return new DecoderCodec<AudioData>({
    what: `AudioDecoder cannot decode ${config.codec}`,
    options: { codec: info.decoder, timeBase: MICROSECONDS, strict: true },
    // Audio always goes through Matroska: it carries the rate and channels (and the description).
    parameters: (first) =>
      decoderParameters({
        codecId: info.mkv,
        codecPrivate: info.waveTag ? waveFormat(info.waveTag, config.sampleRate, config.numberOfChannels) : (config.description as Uint8Array | undefined),
        audio: { sampleRate: config.sampleRate, channels: config.numberOfChannels, ...(info.bitDepth ? { bitDepth: info.bitDepth } : {}) },
        firstPacket: first.data,
      }),
    async outputs(frames: Frame[]): Promise<AudioData[]> {
      const out: AudioData[] = [];
      for (const f of frames) {
        const timestamp = f.pts ?? 0;
        if (formatOfSampleFormat(f.sampleFormat)) {
          out.push(audioDataOf(f, timestamp));
          continue;
        }
        resampler ??= new Resampler({ sampleFormat: 'fltp' });
        try {
          for (const c of await resampler.resample(f)) out.push(audioDataOf(c, timestamp));
        } finally {
          f.close();
        }
      }
      return out;
    },
    close: () => void resampler?.close(),
  });
}

export class AudioDecoder extends CodecBase<AudioDecoderConfig, Packet, AudioData> {
  protected readonly maxBatch = 32;
  protected readonly maxInflight = 2;
  protected readonly name = 'AudioDecoder';
  readonly #output: (data: AudioData) => void;
  #keyRequired = false;

  constructor(init: AudioDecoderInit) {
    super(init, 'AudioDecoder');
    this.#output = init.output;
  }

  get decodeQueueSize(): number {
    return this.queueSize;
  }

  static async isConfigSupported(config: AudioDecoderConfig): Promise<AudioDecoderSupport> {
    const clean = checkConfig(config, 'AudioDecoder.isConfigSupported');
    return { supported: typeof support(clean) !== 'string', config: clean };
  }

  configure(config: AudioDecoderConfig): void {
    const clean = checkConfig(config, 'AudioDecoder.configure');
    this.queueConfigure(clean);
    this.#keyRequired = true;
  }

  decode(chunk: EncodedAudioChunk): void {
    if (!(chunk instanceof EncodedAudioChunk)) throw new TypeError('AudioDecoder.decode: expected an EncodedAudioChunk');
    this.requireConfigured('decode');
    if (this.#keyRequired) {
      if (chunk.type !== 'key') throw domError('DataError', 'AudioDecoder.decode: a key chunk is required after configure() and flush()');
      this.#keyRequired = false;
    }
    this.queueWork(packetOf(chunk));
  }

  protected override beforeFlush(): void {
    this.#keyRequired = true;
  }

  protected async open(config: AudioDecoderConfig): Promise<Codec<Packet, AudioData>> {
    const info = support(config);
    if (typeof info === 'string') throw domError('NotSupportedError', `AudioDecoder.configure: ${info}`);
    return decoderCodec(info, config);
  }

  protected emit(data: AudioData): void {
    this.#output(data);
  }
  protected drop(data: AudioData): void {
    data.close();
  }
  protected dropInput(): void {}
}
