// EncodedVideoChunk and EncodedAudioChunk (https://www.w3.org/TR/webcodecs/#encoded-media-interfaces):
// immutable, backed by an avforge Packet. The constructor copies the data once, into the
// packet a decoder is then given without another copy; chunks an encoder makes wrap its packet.
import { Packet, PacketFlags } from '../index.js';
import {
  bytes,
  checkTransfer,
  detach,
  dictionary,
  enumValue,
  longLong,
  required,
  unsignedLongLong,
  type AllowSharedBufferSource,
  type BufferSource,
} from './errors.js';

export type EncodedChunkType = 'key' | 'delta';

export interface EncodedChunkInit {
  type: EncodedChunkType;
  /** Microseconds. */
  timestamp: number;
  /** Microseconds. */
  duration?: number;
  data: BufferSource;
  transfer?: ArrayBuffer[];
}

/** Microseconds: the time base of every timestamp the WebCodecs classes hand to avforge. */
export const MICROSECONDS = { num: 1, den: 1_000_000 } as const;

let packetOf: (chunk: EncodedChunk) => Packet;

/** The constructor's internal path (a symbol users cannot name): wrap a packet, no copy. */
const wrapped = Symbol('wrapped');
interface Wrapped {
  [wrapped]: { packet: Packet; type: EncodedChunkType; timestamp: number; duration: number | null };
}

abstract class EncodedChunk {
  #type: EncodedChunkType;
  #timestamp: number;
  #duration: number | null;
  #packet: Packet;

  static {
    packetOf = (chunk) => chunk.#packet;
  }

  constructor(init: EncodedChunkInit) {
    const own = (init as Partial<Wrapped> | undefined)?.[wrapped];
    if (own) {
      this.#type = own.type;
      this.#timestamp = own.timestamp;
      this.#duration = own.duration;
      // The packet says what the chunk says, as one made by the constructor does.
      this.#packet = own.packet.set({
        pts: own.timestamp,
        dts: null,
        duration: own.duration ?? 0,
        flags: own.type === 'key' ? PacketFlags.KEY : 0,
        timeBase: MICROSECONDS,
      });
      return;
    }
    const where = `${new.target.name}`;
    const d = dictionary(init, where);
    const type = enumValue(required(d, 'type', where), ['key', 'delta'] as const, `${where}.type`);
    const timestamp = longLong(required(d, 'timestamp', where), `${where}.timestamp`);
    const duration = d.duration === undefined ? null : unsignedLongLong(d.duration, `${where}.duration`);
    const data = bytes(required(d, 'data', where), `${where}.data`);
    const transfer = checkTransfer(d.transfer, where);
    this.#type = type;
    this.#timestamp = timestamp;
    this.#duration = duration;
    this.#packet = Packet.from(data, {
      pts: timestamp,
      duration: duration ?? 0,
      flags: type === 'key' ? PacketFlags.KEY : 0,
      timeBase: MICROSECONDS,
    });
    detach(transfer);
  }

  get type(): EncodedChunkType {
    return this.#type;
  }
  /** Microseconds. */
  get timestamp(): number {
    return this.#timestamp;
  }
  /** Microseconds, or null. */
  get duration(): number | null {
    return this.#duration;
  }
  get byteLength(): number {
    return this.#packet.size;
  }

  copyTo(destination: AllowSharedBufferSource): void {
    const dest = bytes(destination, `${this.constructor.name}.copyTo`);
    const size = this.#packet.size;
    if (dest.byteLength < size) throw new TypeError(`${this.constructor.name}.copyTo: the destination has ${dest.byteLength} bytes, the chunk ${size}`);
    if (size > 0) dest.set(this.#packet.data);
  }

  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }
}

export class EncodedVideoChunk extends EncodedChunk {}
export class EncodedAudioChunk extends EncodedChunk {}

/** A chunk of class `cls` over an encoder's packet (no copy). */
export function wrapPacket<T extends EncodedChunk>(
  cls: new (init: EncodedChunkInit) => T,
  packet: Packet,
  type: EncodedChunkType,
  timestamp: number,
  duration: number | null,
): T {
  const init: Wrapped = { [wrapped]: { packet, type, timestamp, duration } };
  return new cls(init as unknown as EncodedChunkInit);
}

export { packetOf };
