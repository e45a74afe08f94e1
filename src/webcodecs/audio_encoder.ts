// AudioEncoder (https://www.w3.org/TR/webcodecs/#audioencoder-interface) over avforge's
// Resampler (sample format, rate, and frames of the encoder's size) and Encoder.
import { Encoder, Packet, Resampler, hasCodec, options, type AvOptions, type EncoderOptions, type Frame } from '../index.js';
import { audioFields, AudioData } from './audio_data.js';
import type { AudioDecoderConfig } from './audio_decoder.js';
import { CodecBase, IssueOrder, type Codec } from './codec_base.js';
import { audioCodec, type AudioCodec } from './codec_string.js';
import { EncodedAudioChunk, MICROSECONDS, wrapPacket } from './encoded_chunk.js';
import { dictionary, domError, enumValue, fromAvError, required, unsignedLong, unsignedLongLong } from './errors.js';
import { codecPrivate } from './extradata.js';
import { OPUS_NATIVE_US, opusFraming, opusPacketDuration, OpusRepacketizer } from './opus_packets.js';
import type { BitrateMode } from './video_encoder.js';

export interface OpusEncoderConfig {
  format?: 'opus' | 'ogg';
  signal?: 'auto' | 'music' | 'voice';
  application?: 'voip' | 'audio' | 'lowdelay';
  /** Microseconds. */
  frameDuration?: number;
  complexity?: number;
  packetlossperc?: number;
  useinbandfec?: boolean;
  usedtx?: boolean;
}

export interface AudioEncoderConfig {
  codec: string;
  sampleRate: number;
  numberOfChannels: number;
  bitrate?: number;
  bitrateMode?: Exclude<BitrateMode, 'quantizer'>;
  opus?: OpusEncoderConfig;
  aac?: { format?: 'aac' | 'adts' };
  flac?: { blockSize?: number; compressLevel?: number };
}

export interface EncodedAudioChunkMetadata {
  decoderConfig?: AudioDecoderConfig;
}

export interface AudioEncoderSupport {
  supported: boolean;
  config: AudioEncoderConfig;
}

export interface AudioEncoderInit {
  output: (chunk: EncodedAudioChunk, metadata?: EncodedAudioChunkMetadata) => void;
  error: (error: DOMException) => void;
}

const OPUS_RATES = [48000, 24000, 16000, 12000, 8000];
/** Rates the encoder takes (Opus itself runs at 48 kHz or below: others are resampled, as browsers do). */
const OPUS_INPUT_RATES = { min: 3000, max: 384000 };
/** libopus's bit rate range, per channel. */
const OPUS_BITRATE = { min: 6000, maxPerChannel: 256000 };
/** The OpusEncoderConfig defaults isConfigSupported() reports (complexity: what we open libopus with). */
const OPUS_DEFAULTS = {
  format: 'opus',
  signal: 'auto',
  application: 'audio',
  frameDuration: 20000,
  complexity: 9,
  packetlossperc: 0,
  useinbandfec: false,
  usedtx: false,
} as const;
const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
/** Opus above 8 channels: channel mapping family 255 (channels coded independently), up to 255. */
const MAX_CHANNELS: Partial<Record<AudioCodec['id'], number>> = { aac: 8, opus: 255, mp3: 2, flac: 8, vorbis: 8 };

/** "Check Valid AudioEncoderConfig" (TypeError when not valid) and "Clone Configuration". */
function checkConfig(config: unknown, where: string): AudioEncoderConfig {
  const d = dictionary(config, where);
  const codec = String(required(d, 'codec', where));
  if (codec.trim() === '') throw new TypeError(`${where}: codec is empty`);
  const out: AudioEncoderConfig = {
    codec,
    sampleRate: unsignedLong(required(d, 'sampleRate', where), `${where}.sampleRate`),
    numberOfChannels: unsignedLong(required(d, 'numberOfChannels', where), `${where}.numberOfChannels`),
  };
  if (out.sampleRate === 0 || out.numberOfChannels === 0) throw new TypeError(`${where}: sampleRate and numberOfChannels must not be 0`);
  if (d.bitrate !== undefined) {
    out.bitrate = unsignedLongLong(d.bitrate, `${where}.bitrate`);
    if (out.bitrate === 0) throw new TypeError(`${where}.bitrate must not be 0`);
    const max = OPUS_BITRATE.maxPerChannel * out.numberOfChannels;
    if (codec === 'opus' && (out.bitrate < OPUS_BITRATE.min || out.bitrate > max))
      throw new TypeError(`${where}.bitrate: Opus takes ${OPUS_BITRATE.min} to ${max} bits/s for ${out.numberOfChannels} channels, not ${out.bitrate}`);
  }
  if (d.bitrateMode !== undefined) out.bitrateMode = enumValue(d.bitrateMode, ['constant', 'variable'] as const, `${where}.bitrateMode`);
  if (d.opus !== undefined) {
    const o = dictionary(d.opus, `${where}.opus`);
    const opus: OpusEncoderConfig = {};
    if (o.format !== undefined) opus.format = enumValue(o.format, ['opus', 'ogg'] as const, `${where}.opus.format`);
    if (o.signal !== undefined) opus.signal = enumValue(o.signal, ['auto', 'music', 'voice'] as const, `${where}.opus.signal`);
    if (o.application !== undefined) opus.application = enumValue(o.application, ['voip', 'audio', 'lowdelay'] as const, `${where}.opus.application`);
    if (o.frameDuration !== undefined) {
      opus.frameDuration = unsignedLongLong(o.frameDuration, `${where}.opus.frameDuration`);
      if (opus.frameDuration === 0 || opus.frameDuration > 120000 || opus.frameDuration % 2500 !== 0)
        throw new TypeError(`${where}.opus.frameDuration: ${opus.frameDuration} is not a multiple of 2500 up to 120000`);
    }
    if (o.complexity !== undefined) {
      opus.complexity = unsignedLong(o.complexity, `${where}.opus.complexity`);
      if (opus.complexity > 10) throw new TypeError(`${where}.opus.complexity must be 0 to 10`);
    }
    if (o.packetlossperc !== undefined) {
      opus.packetlossperc = unsignedLong(o.packetlossperc, `${where}.opus.packetlossperc`);
      if (opus.packetlossperc > 100) throw new TypeError(`${where}.opus.packetlossperc must be 0 to 100`);
    }
    if (o.useinbandfec !== undefined) opus.useinbandfec = Boolean(o.useinbandfec);
    if (o.usedtx !== undefined) opus.usedtx = Boolean(o.usedtx);
    out.opus = opus;
  }
  if (d.aac !== undefined) {
    const a = dictionary(d.aac, `${where}.aac`);
    out.aac = a.format === undefined ? {} : { format: enumValue(a.format, ['aac', 'adts'] as const, `${where}.aac.format`) };
  }
  if (d.flac !== undefined) {
    const f = dictionary(d.flac, `${where}.flac`);
    out.flac = {};
    if (f.blockSize !== undefined) out.flac.blockSize = unsignedLong(f.blockSize, `${where}.flac.blockSize`);
    if (f.compressLevel !== undefined) {
      out.flac.compressLevel = unsignedLong(f.compressLevel, `${where}.flac.compressLevel`);
      if (out.flac.compressLevel > 8) throw new TypeError(`${where}.flac.compressLevel must be 0 to 8`);
    }
  }
  return out;
}

type Encoding = AudioCodec & { encoder: NonNullable<AudioCodec['encoder']> };

function support(config: AudioEncoderConfig): Encoding | string {
  const info = audioCodec(config.codec);
  if (!info) return `'${config.codec}' is not a codec string this implementation knows`;
  if (!info.encoder) return `encoding ${config.codec} is not supported`;
  if (!hasCodec(info.encoder.name, 'encoder')) return `this FFmpeg has no ${info.encoder.name} encoder`;
  const max = MAX_CHANNELS[info.id];
  if (max !== undefined && config.numberOfChannels > max) return `${info.id} takes up to ${max} channels here`;
  if (info.id === 'aac' && !AAC_RATES.includes(config.sampleRate)) return `AAC has no ${config.sampleRate} Hz`;
  if (info.id === 'opus' && config.opus?.format === 'ogg') return "opus.format 'ogg' is not supported";
  if (info.id === 'opus' && (config.sampleRate < OPUS_INPUT_RATES.min || config.sampleRate > OPUS_INPUT_RATES.max))
    return `Opus input is ${OPUS_INPUT_RATES.min} to ${OPUS_INPUT_RATES.max} Hz here, not ${config.sampleRate}`;
  const frame = config.opus?.frameDuration;
  // Other multiples of 2.5 ms are libopus's frames joined into one packet, which takes one stream.
  if (info.id === 'opus' && frame !== undefined && !OPUS_NATIVE_US.includes(frame) && config.numberOfChannels > 2)
    return `Opus frames of ${frame / 1000} ms are joined from libopus's ${OPUS_NATIVE_US.map((f) => f / 1000).join('/')} ms frames, for 1 or 2 channels only (one stream per packet)`;
  return info as Encoding;
}

let dtx: boolean | undefined;
function opusHasDtx(): boolean {
  dtx ??= options('encoder', 'libopus').some((o) => o.name === 'dtx');
  return dtx;
}

function encoderOptions(info: Encoding, config: AudioEncoderConfig): EncoderOptions {
  const o: AvOptions = {};
  let sampleRate = config.sampleRate;
  let bitRate = config.bitrate;
  if (info.id === 'opus') {
    // Opus runs at 48 kHz (or 24, 16, 12, 8): other rates are resampled, as browsers do.
    if (!OPUS_RATES.includes(sampleRate)) sampleRate = 48000;
    bitRate ??= config.numberOfChannels > 1 ? 96000 : 64000;
    o.vbr = config.bitrateMode === 'constant' ? 'off' : 'on';
    const opus = config.opus ?? {};
    if (opus.frameDuration !== undefined) {
      const framing = opusFraming(opus.frameDuration);
      o.frame_duration = framing.frameUs / 1000;
      // Joined frames share one TOC: CELT alone (no switch to SILK or hybrid) keeps them alike.
      if (framing.count > 1 && opus.application === undefined) o.application = 'lowdelay';
    }
    o.compression_level = opus.complexity ?? OPUS_DEFAULTS.complexity;
    if (config.numberOfChannels > 8) o.mapping_family = 255;
    // DTX: on FFmpeg builds whose libopus wrapper has the option; elsewhere the hint is not applied
    // (the stream stays valid, silence just costs its usual bits).
    if (opus.usedtx && opusHasDtx()) o.dtx = true;
    if (opus.packetlossperc !== undefined) o.packet_loss = opus.packetlossperc;
    if (opus.useinbandfec !== undefined) o.fec = opus.useinbandfec;
    if (opus.application !== undefined) o.application = opus.application;
  } else if (info.id === 'flac') {
    if (config.flac?.compressLevel !== undefined) o.compression_level = config.flac.compressLevel;
    if (config.flac?.blockSize !== undefined) o.frame_size = config.flac.blockSize;
  }
  return {
    codec: info.encoder.name,
    sampleRate,
    channels: config.numberOfChannels,
    ...(info.encoder.sampleFormat ? { sampleFormat: info.encoder.sampleFormat } : {}),
    ...(bitRate !== undefined && info.id !== 'pcm' && info.id !== 'flac' ? { bitRate } : {}),
    options: o,
  };
}

/** The 7-byte ADTS header of one raw AAC frame (aac.format 'adts'). */
function adts(frame: Uint8Array, sampleRate: number, channels: number): Uint8Array {
  const out = new Uint8Array(7 + frame.length);
  const length = out.length;
  const freq = AAC_RATES.indexOf(sampleRate);
  out[0] = 0xff;
  out[1] = 0xf1; // MPEG-4, no CRC
  out[2] = (1 << 6) | (freq << 2) | ((channels >> 2) & 1); // AAC LC
  out[3] = ((channels & 3) << 6) | ((length >> 11) & 3);
  out[4] = (length >> 3) & 0xff;
  out[5] = ((length & 7) << 5) | 0x1f;
  out[6] = 0xfc;
  out.set(frame, 7);
  return out;
}

interface Opened {
  encoder: Encoder;
  resampler: Resampler;
  decoderConfig: AudioDecoderConfig;
  rate: number;
  /** The encoder's delay in samples: chunk timestamps are shifted by it so they start where the input did. */
  padding: number;
  announced: boolean;
  /** Opus frameDurations libopus does not encode: its packets joined (see opus_packets.ts). */
  joined?: { repacketizer: OpusRepacketizer; frameSamples: number };
}

export interface EncodedAudio {
  chunk: EncodedAudioChunk;
  metadata: EncodedAudioChunkMetadata;
}

/** One configured encoder; after flush() the next data opens a fresh one (see VideoEncoder). */
class EncoderCodec implements Codec<Frame, EncodedAudio> {
  #encoder: Promise<Opened> | undefined;
  #resampling = new IssueOrder();
  #encoding = new IssueOrder();

  constructor(
    private readonly info: Encoding,
    private readonly config: AudioEncoderConfig,
  ) {}

  async start(): Promise<this> {
    await (this.#encoder = this.#open());
    return this;
  }

  async #open(): Promise<Opened> {
    const { info, config } = this;
    let encoder: Encoder;
    try {
      encoder = await Encoder.open(encoderOptions(info, config));
    } catch (e) {
      throw fromAvError('NotSupportedError', `AudioEncoder cannot encode ${config.codec} with this configuration`, e);
    }
    const rate = encoder.sampleRate!;
    const resampler = new Resampler({
      sampleRate: rate,
      sampleFormat: encoder.sampleFormat!,
      channelLayout: encoder.channelLayout!,
      frameSize: encoder.frameSize,
    });
    const decoderConfig: AudioDecoderConfig = { codec: config.codec, sampleRate: rate, numberOfChannels: config.numberOfChannels };
    if (!(info.id === 'aac' && config.aac?.format === 'adts')) {
      const description = await codecPrivate(encoder);
      if (description) decoderConfig.description = description;
    }
    const opened: Opened = { encoder, resampler, decoderConfig, rate, padding: encoder.codecParameters.info.initialPadding ?? 0, announced: false };
    const duration = info.id === 'opus' ? config.opus?.frameDuration : undefined;
    if (duration !== undefined && opusFraming(duration).count > 1) {
      const { frameUs, count } = opusFraming(duration);
      opened.joined = { repacketizer: new OpusRepacketizer(count), frameSamples: Math.round((frameUs * rate) / 1_000_000) };
    }
    return opened;
  }

  process(frames: Frame[]): Promise<EncodedAudio[]> {
    const { sampleRate, numberOfChannels } = this.config;
    const wrong = frames.find((f) => f.channels !== numberOfChannels || f.sampleRate !== sampleRate);
    if (wrong) {
      for (const f of frames) f.close();
      return Promise.reject(
        domError(
          'EncodingError',
          `AudioEncoder: the data is ${wrong.sampleRate} Hz ${wrong.channels} ch, the encoder was configured for ${sampleRate} Hz ${numberOfChannels} ch`,
        ),
      );
    }
    const opened = (this.#encoder ??= this.#open());
    const resampled = this.#resampling.after(opened, (o) => {
      const out = o.resampler.resample(frames);
      for (const f of frames) f.close(); // the native call took its own references
      return { o, out };
    });
    return this.#encode(resampled, false);
  }

  /** The encoder's call for what the resampler gave (and its end, when flushing), in order. */
  async #encode(resampled: Promise<{ o: Opened; out: Promise<Frame[]> }>, end: boolean): Promise<EncodedAudio[]> {
    const step = this.#encoding.after(
      resampled.then(async ({ o, out }) => ({ o, input: await out })),
      ({ o, input }) => {
        const sent = o.encoder.encode(input);
        for (const f of input) f.close();
        return { o, sent, rest: end ? o.encoder.flush() : undefined };
      },
    );
    const { o, sent, rest } = await step;
    return this.#chunks(o, [...(await sent), ...((await rest) ?? [])], end);
  }

  flush(): Promise<EncodedAudio[]> {
    const opened = this.#encoder;
    if (!opened) return Promise.resolve([]);
    this.#encoder = undefined;
    const drained = this.#resampling.after(opened, (o) => ({ o, out: o.resampler.flush() }));
    return this.#encode(drained, true).finally(() =>
      opened.then(
        (o) => {
          void o.encoder.close();
          void o.resampler.close();
        },
        () => {},
      ),
    );
  }

  close(): void {
    this.#encoder?.then(
      (o) => {
        void o.encoder.close();
        void o.resampler.close();
      },
      () => {},
    );
    this.#encoder = undefined;
  }

  #chunks(o: Opened, all: Packet[], end = false): EncodedAudio[] {
    const us = (samples: number): number => Math.round((samples * 1_000_000) / o.rate);
    const adtsFormat = this.info.id === 'aac' && this.config.aac?.format === 'adts';
    // An empty packet carries side data only (FLAC's final STREAMINFO): not a chunk.
    for (const p of all) if (p.size === 0) p.close();
    let packets = all.filter((p) => !p.closed);
    if (o.joined) {
      const { repacketizer, frameSamples } = o.joined;
      const groups = packets.flatMap((p) => {
        const out = repacketizer.push(p.data, p.pts ?? 0);
        p.close();
        return out;
      });
      if (end) groups.push(...repacketizer.end());
      packets = groups.map((g) => Packet.from(g.data, { pts: g.first, duration: g.frames * frameSamples }));
    }
    return packets.map((p) => {
      const timestamp = us((p.pts ?? 0) + o.padding);
      // An Opus packet lasts what its TOC says, the last one too (libav counts only the input it covers).
      const opus = this.info.id === 'opus' && this.config.numberOfChannels <= 2 ? opusPacketDuration(p.data) : null;
      const duration = opus ?? (p.duration > 0 ? us(p.duration) : null);
      let packet = p;
      if (adtsFormat) {
        packet = Packet.from(adts(p.data, o.rate, this.config.numberOfChannels));
        p.close();
      }
      const chunk = wrapPacket(EncodedAudioChunk, packet, 'key', timestamp, duration);
      const metadata: EncodedAudioChunkMetadata = {};
      if (!o.announced) {
        metadata.decoderConfig = { ...o.decoderConfig };
        o.announced = true;
      }
      return { chunk, metadata };
    });
  }
}

export class AudioEncoder extends CodecBase<AudioEncoderConfig, Frame, EncodedAudio> {
  protected readonly maxBatch = 32;
  protected readonly maxInflight = 2;
  protected readonly name = 'AudioEncoder';
  readonly #output: (chunk: EncodedAudioChunk, metadata?: EncodedAudioChunkMetadata) => void;

  constructor(init: AudioEncoderInit) {
    super(init, 'AudioEncoder');
    this.#output = init.output;
  }

  get encodeQueueSize(): number {
    return this.queueSize;
  }

  static async isConfigSupported(config: AudioEncoderConfig): Promise<AudioEncoderSupport> {
    const clean = checkConfig(config, 'AudioEncoder.isConfigSupported');
    if (clean.opus && audioCodec(clean.codec)?.id === 'opus') clean.opus = { ...OPUS_DEFAULTS, ...clean.opus };
    return { supported: typeof support(clean) !== 'string', config: clean };
  }

  configure(config: AudioEncoderConfig): void {
    this.queueConfigure(checkConfig(config, 'AudioEncoder.configure'));
  }

  encode(data: AudioData): void {
    if (!(data instanceof AudioData)) throw new TypeError('AudioEncoder.encode: expected an AudioData');
    if (data.format === null) throw new TypeError('AudioEncoder.encode: the AudioData is closed');
    this.requireConfigured('encode');
    const s = audioFields(data);
    // The "Clone AudioData" step: a new reference to the same buffers, timed in microseconds.
    this.queueWork(s.frame.clone().set({ pts: s.timestamp, timeBase: MICROSECONDS }));
  }

  protected async open(config: AudioEncoderConfig): Promise<Codec<Frame, EncodedAudio>> {
    const info = support(config);
    if (typeof info === 'string') throw domError('NotSupportedError', `AudioEncoder.configure: ${info}`);
    return new EncoderCodec(info, config).start();
  }

  protected emit(out: EncodedAudio): void {
    this.#output(out.chunk, out.metadata);
  }
  protected drop(): void {}
  protected dropInput(frame: Frame): void {
    frame.close();
  }
}
