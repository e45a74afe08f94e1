// Opus packets of any multiple of 2.5 ms up to 120 ms (OpusEncoderConfig.frameDuration), from
// libopus's packets of a size it encodes: each output packet is a code 3 packet (RFC 6716
// section 3.2.5) holding the frames of `count` consecutive libopus packets.

/** The durations libopus encodes natively, in microseconds. */
export const OPUS_NATIVE_US = [2500, 5000, 10000, 20000, 40000, 60000, 80000, 100000, 120000];
/** Frames one Opus packet may hold (RFC 6716: at most 120 ms, at most 48 frames). */
const MAX_FRAMES = 48;
const MAX_FRAME_BYTES = 1275;

/**
 * How a frameDuration is encoded: libopus's frame size (the largest native size of at most
 * 20 ms dividing it, so that every frame can share one TOC) and the frames per packet.
 */
export function opusFraming(frameDuration: number): { frameUs: number; count: number } {
  if (OPUS_NATIVE_US.includes(frameDuration)) return { frameUs: frameDuration, count: 1 };
  const frameUs = [20000, 10000, 5000, 2500].find((d) => frameDuration % d === 0) ?? 2500;
  return { frameUs, count: frameDuration / frameUs };
}

/** The TOC byte and frames of one Opus packet (single stream), or null when it is malformed. */
export function opusFrames(packet: Uint8Array): { toc: number; frames: Uint8Array[] } | null {
  if (packet.length < 1) return null;
  const toc = packet[0]!;
  let pos = 1;
  const length = (): number => {
    const b = packet[pos++];
    if (b === undefined) return -1;
    if (b < 252) return b;
    const b2 = packet[pos++];
    return b2 === undefined ? -1 : b + 4 * b2;
  };
  const code = toc & 3;
  if (code === 0) return { toc, frames: [packet.subarray(1)] };
  if (code === 1) {
    if ((packet.length - 1) % 2 !== 0) return null;
    const half = (packet.length - 1) / 2;
    return { toc, frames: [packet.subarray(1, 1 + half), packet.subarray(1 + half)] };
  }
  if (code === 2) {
    const first = length();
    if (first < 0 || pos + first > packet.length) return null;
    return { toc, frames: [packet.subarray(pos, pos + first), packet.subarray(pos + first)] };
  }
  const header = packet[pos++];
  if (header === undefined) return null;
  const count = header & 0x3f;
  const vbr = (header & 0x80) !== 0;
  let padding = 0;
  if (header & 0x40) {
    for (;;) {
      const p = packet[pos++];
      if (p === undefined) return null;
      padding += p === 255 ? 254 : p;
      if (p !== 255) break;
    }
  }
  const end = packet.length - padding;
  const sizes: number[] = [];
  if (vbr) {
    for (let i = 0; i < count - 1; i++) sizes.push(length());
    const known = sizes.reduce((a, b) => a + b, 0);
    sizes.push(end - pos - known);
  } else {
    const each = (end - pos) / count;
    if (!Number.isInteger(each)) return null;
    for (let i = 0; i < count; i++) sizes.push(each);
  }
  if (count === 0 || sizes.some((s) => s < 0 || s > MAX_FRAME_BYTES)) return null;
  const frames: Uint8Array[] = [];
  for (const s of sizes) {
    if (pos + s > end) return null;
    frames.push(packet.subarray(pos, pos + s));
    pos += s;
  }
  return { toc, frames };
}

/** One code 3 packet (VBR, no padding) of frames that share `toc`'s configuration. */
export function opusPacket(toc: number, frames: Uint8Array[]): Uint8Array {
  if (frames.length < 1 || frames.length > MAX_FRAMES) throw new RangeError(`an Opus packet holds 1 to ${MAX_FRAMES} frames`);
  const lengths: number[] = [];
  for (const f of frames.slice(0, -1)) {
    if (f.length < 252) lengths.push(f.length);
    else lengths.push(252 + (f.length & 3), (f.length - 252 - (f.length & 3)) / 4);
  }
  const size = frames.reduce((a, f) => a + f.length, 2 + lengths.length);
  const out = new Uint8Array(size);
  out[0] = (toc & 0xfc) | 3;
  out[1] = 0x80 | frames.length;
  out.set(lengths, 2);
  let pos = 2 + lengths.length;
  for (const f of frames) {
    out.set(f, pos);
    pos += f.length;
  }
  return out;
}

export interface OpusGroup {
  data: Uint8Array;
  /** The timestamp of its first libopus packet, in the packets' units. */
  first: number;
  /** Frames it holds (count, or fewer where the configuration changed mid-group). */
  frames: number;
}

/**
 * Gathers libopus packets of one frame each into packets of `count` frames. A frame whose
 * configuration (mode, bandwidth, channels) differs from the group's closes the group early:
 * one TOC covers every frame of a packet.
 */
export class OpusRepacketizer {
  #toc = -1;
  #frames: Uint8Array[] = [];
  #first = 0;

  constructor(private readonly count: number) {}

  push(packet: Uint8Array, timestamp: number): OpusGroup[] {
    const parsed = opusFrames(packet);
    if (!parsed) throw new Error('libopus produced a malformed packet');
    const out: OpusGroup[] = [];
    for (const frame of parsed.frames) {
      if (this.#frames.length > 0 && (parsed.toc & 0xfc) !== (this.#toc & 0xfc)) out.push(this.#take());
      if (this.#frames.length === 0) {
        this.#toc = parsed.toc;
        this.#first = timestamp;
      }
      this.#frames.push(frame);
      if (this.#frames.length === this.count) out.push(this.#take());
    }
    return out;
  }

  /** The last group, filled up to `count` frames with empty ones (RFC 6716: decoded as lost, past the end of the audio). */
  end(): OpusGroup[] {
    if (this.#frames.length === 0) return [];
    while (this.#frames.length < this.count) this.#frames.push(new Uint8Array(0));
    return [this.#take()];
  }

  #take(): OpusGroup {
    const group = { data: opusPacket(this.#toc, this.#frames), first: this.#first, frames: this.#frames.length };
    this.#frames = [];
    return group;
  }
}

/** CELT, hybrid and SILK frame sizes by TOC configuration (RFC 6716 table 2), in microseconds. */
function frameUsOf(toc: number): number {
  const config = toc >> 3;
  if (config < 12) return [10000, 20000, 40000, 60000][config % 4]!;
  if (config < 16) return [10000, 20000][config % 2]!;
  return [2500, 5000, 10000, 20000][config % 4]!;
}

/** The audio one Opus packet holds, in microseconds (its TOC's frame size times its frames), or null when malformed. */
export function opusPacketDuration(packet: Uint8Array): number | null {
  const parsed = opusFrames(packet);
  return parsed ? parsed.frames.length * frameUsOf(parsed.toc) : null;
}
