// Codec private data (libav's extradata: avcC, hvcC, av1C, OpusHead, AudioSpecificConfig,
// fLaC + STREAMINFO...) into a decoder and out of an encoder.
//
// avforge's core has no way to build CodecParameters from JS, nor to read extradata bytes:
// a decoder opened without a demuxer gets no extradata, and an encoder's headers stay native.
// Matroska carries exactly these bytes as CodecPrivate, in the form WebCodecs' `description`
// uses, so both directions go through a Matroska header in memory:
// - in: write a one-track header with the description as CodecPrivate, open it with a Demuxer,
//   and decode with that stream's CodecParameters (extradata, rate, channels, size included);
// - out: mux the encoder's CodecParameters into an empty Matroska file (FFmpeg's own writers
//   turn x264's Annex B headers into avcC, x265's into hvcC, AV1's into av1C) and read
//   CodecPrivate back.
// A few milliseconds per configure. When the core gains CodecParameters.from({... extradata})
// and an `extradata` getter, this file reduces to those two calls.
import { Demuxer, Muxer, type CodecParameters, type Encoder, type Stream } from '../index.js';

const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  BitDepth: 0x6264,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
} as const;

type Part = Uint8Array;

function idBytes(id: number): Uint8Array {
  const out: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Uint8Array.from(out);
}

/** An element with an 8-byte size field (simple, and valid EBML). */
function element(id: number, ...children: Part[]): Uint8Array {
  const size = children.reduce((n, c) => n + c.length, 0);
  const head = idBytes(id);
  const out = new Uint8Array(head.length + 8 + size);
  out.set(head);
  out[head.length] = 0x01;
  for (let i = 0, v = size; i < 7; i++, v = Math.floor(v / 256)) out[head.length + 7 - i] = v & 0xff;
  let o = head.length + 8;
  for (const c of children) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function uint(id: number, value: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = value; bytes.length === 0 || v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return element(id, Uint8Array.from(bytes));
}

function float(id: number, value: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value);
  return element(id, b);
}

const text = (id: number, value: string): Uint8Array => element(id, new TextEncoder().encode(value));

/** What the one track of the in-memory header says. */
export interface TrackSpec {
  codecId: string;
  codecPrivate?: Uint8Array;
  video?: { width: number; height: number };
  audio?: { sampleRate: number; channels: number; bitDepth?: number };
  /**
   * The first packet: the demuxer's probe decodes it, so that it learns the pixel or sample
   * format and frame size without warning that it could not.
   */
  firstPacket?: Uint8Array;
}

function matroskaHeader(t: TrackSpec): Uint8Array {
  const entry: Uint8Array[] = [uint(ID.TrackNumber, 1), uint(ID.TrackUID, 1), uint(ID.TrackType, t.video ? 1 : 2), text(ID.CodecID, t.codecId)];
  if (t.codecPrivate && t.codecPrivate.length > 0) entry.push(element(ID.CodecPrivate, t.codecPrivate));
  if (t.video) entry.push(element(ID.Video, uint(ID.PixelWidth, t.video.width), uint(ID.PixelHeight, t.video.height)));
  if (t.audio) {
    const a = [float(ID.SamplingFrequency, t.audio.sampleRate), uint(ID.Channels, t.audio.channels)];
    if (t.audio.bitDepth) a.push(uint(ID.BitDepth, t.audio.bitDepth));
    entry.push(element(ID.Audio, ...a));
  }
  const ebml = element(
    ID.EBML,
    uint(ID.EBMLVersion, 1),
    uint(ID.EBMLReadVersion, 1),
    uint(ID.EBMLMaxIDLength, 4),
    uint(ID.EBMLMaxSizeLength, 8),
    text(ID.DocType, 'matroska'),
    uint(ID.DocTypeVersion, 4),
    uint(ID.DocTypeReadVersion, 2),
  );
  // The demuxer reads the header up to the first cluster: one with the first packet, or empty.
  const cluster = [uint(ID.Timecode, 0)];
  if (t.firstPacket) cluster.push(element(ID.SimpleBlock, Uint8Array.of(0x81, 0, 0, 0x80), t.firstPacket));
  const segment = element(
    ID.Segment,
    element(ID.Info, uint(ID.TimecodeScale, 1_000_000), float(ID.Duration, 1)),
    element(ID.Tracks, element(ID.TrackEntry, ...entry)),
    element(ID.Cluster, ...cluster),
  );
  const out = new Uint8Array(ebml.length + segment.length);
  out.set(ebml);
  out.set(segment, ebml.length);
  return out;
}

/** Decoder parameters (codec, extradata, size or rate and channels) for one track. */
export async function decoderParameters(track: TrackSpec): Promise<CodecParameters> {
  const demuxer = await Demuxer.open(matroskaHeader(track), { format: 'matroska', name: '<webcodecs config>' });
  try {
    const stream = demuxer.streams[0];
    if (!stream) throw new Error(`the Matroska demuxer made no stream of ${track.codecId}`);
    return stream.codecParameters;
  } finally {
    await demuxer.close();
  }
}

// ---- reading CodecPrivate back ----

/** An EBML variable-size integer at `p`: [value, length]; the value is -1 for "unknown size". */
function vint(data: Uint8Array, p: number, keepMarker: boolean): [number, number] {
  const first = data[p];
  if (first === undefined || first === 0) throw new RangeError('bad EBML integer');
  const length = Math.clz32(first) - 23;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const b = data[p + i]!;
    value = value * 256 + b;
    allOnes &&= b === 0xff;
  }
  return [!keepMarker && allOnes ? -1 : value, length];
}

/** The first CodecPrivate under Segment/Tracks/TrackEntry, or undefined. */
function findCodecPrivate(data: Uint8Array, start = 0, end = data.length): Uint8Array | undefined {
  const masters = new Set<number>([ID.Segment, ID.Tracks, ID.TrackEntry]);
  for (let p = start; p < end; ) {
    const [id, idLength] = vint(data, p, true);
    const [size, sizeLength] = vint(data, p + idLength, false);
    const body = p + idLength + sizeLength;
    const bodyEnd = size < 0 ? end : Math.min(end, body + size);
    if (id === ID.CodecPrivate) return data.slice(body, bodyEnd);
    if (masters.has(id)) {
      const found = findCodecPrivate(data, body, bodyEnd);
      if (found) return found;
    }
    if (id === ID.Cluster) return undefined;
    p = bodyEnd;
  }
  return undefined;
}

/**
 * The codec private data of an encoder (or of a demuxed stream) in its container form, the
 * form of a WebCodecs `description`; undefined when it has none.
 */
export async function codecPrivate(source: Encoder | Stream): Promise<Uint8Array | undefined> {
  if (source.codecParameters.info.extradataSize === 0) return undefined;
  const muxer = await Muxer.toBuffer({ format: 'matroska', name: '<webcodecs description>' });
  try {
    muxer.addStream(source);
    await muxer.writeHeader();
    const { buffer } = await muxer.writeTrailer();
    return buffer ? findCodecPrivate(buffer) : undefined;
  } finally {
    await muxer.close();
  }
}
