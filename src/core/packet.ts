// AVPacket: https://ffmpeg.org/doxygen/trunk/structAVPacket.html
import { check, invalidArgument, is } from '../errors.js';
import { addon, handle, type NativePacket } from '../native.js';
import type { Rational } from './types.js';

/** AV_PKT_FLAG_* */
export const PacketFlags = { KEY: 0x1, CORRUPT: 0x2, DISCARD: 0x4, TRUSTED: 0x8, DISPOSABLE: 0x10 } as const;

export interface PacketFields {
  pts?: number | null;
  dts?: number | null;
  duration?: number;
  streamIndex?: number;
  flags?: number;
  timeBase?: Rational;
}

const rational = 'a rational { num, den }';

/**
 * One compressed packet. `data` is a zero-copy view that holds its own reference to the
 * packet's buffer: it stays valid after the packet is closed.
 */
export class Packet implements Disposable {
  /** @internal */
  [handle]: NativePacket;

  /** A packet holding a copy of `data`. */
  static from(data: Uint8Array, fields: PacketFields = {}): Packet {
    return new Packet().setData(data).set(fields);
  }

  /** @internal Wraps a native packet (from a demuxer, an encoder, a clone). */
  static wrap(native: NativePacket): Packet {
    const p = Object.create(Packet.prototype) as Packet;
    p[handle] = native;
    return p;
  }

  /** An empty packet (for `Demuxer.readInto`, or to fill with `setData`). */
  constructor() {
    this[handle] = new (addon().Packet)();
  }

  /** Sets several fields at once. */
  set(fields: PacketFields): this {
    if (!is.object(fields as unknown)) throw invalidArgument('fields', 'an object', fields);
    if (fields.pts !== undefined) this.pts = fields.pts;
    if (fields.dts !== undefined) this.dts = fields.dts;
    if (fields.duration !== undefined) this.duration = fields.duration;
    if (fields.streamIndex !== undefined) this.streamIndex = fields.streamIndex;
    if (fields.flags !== undefined) this.flags = fields.flags;
    if (fields.timeBase !== undefined) this.timeBase = fields.timeBase;
    return this;
  }

  /** Presentation timestamp in `timeBase` units; null when unknown. */
  get pts(): number | null {
    return this[handle].pts;
  }
  set pts(v: number | null) {
    if (v !== null && !is.integer(v)) throw invalidArgument('pts', 'an integer or null', v);
    this[handle].pts = v;
  }
  /** Decoding timestamp in `timeBase` units; null when unknown. */
  get dts(): number | null {
    return this[handle].dts;
  }
  set dts(v: number | null) {
    if (v !== null && !is.integer(v)) throw invalidArgument('dts', 'an integer or null', v);
    this[handle].dts = v;
  }
  get duration(): number {
    return this[handle].duration;
  }
  set duration(v: number) {
    if (!is.integer(v)) throw invalidArgument('duration', 'an integer', v);
    this[handle].duration = v;
  }
  get streamIndex(): number {
    return this[handle].streamIndex;
  }
  set streamIndex(v: number) {
    if (!is.integer(v) || v < 0) throw invalidArgument('streamIndex', 'an integer >= 0', v);
    this[handle].streamIndex = v;
  }
  /** AV_PKT_FLAG_* bits (see PacketFlags). */
  get flags(): number {
    return this[handle].flags;
  }
  set flags(v: number) {
    if (!is.integer(v)) throw invalidArgument('flags', 'an integer', v);
    this[handle].flags = v;
  }
  get timeBase(): Rational {
    return this[handle].timeBase;
  }
  set timeBase(v: Rational) {
    if (!is.rational(v)) throw invalidArgument('timeBase', rational, v);
    this[handle].timeBase = v;
  }
  get size(): number {
    return this[handle].size;
  }
  /** Byte position in the input, or -1. */
  get pos(): number {
    return this[handle].pos;
  }
  get isKeyFrame(): boolean {
    return (this[handle].flags & PacketFlags.KEY) !== 0;
  }
  /** The payload: a zero-copy view holding its own reference to the packet's buffer. */
  get data(): Uint8Array {
    return this[handle].data;
  }
  get closed(): boolean {
    return this[handle].closed;
  }

  /** Replaces the payload with a copy of `data`. */
  setData(data: Uint8Array): this {
    if (!(data instanceof Uint8Array)) throw invalidArgument('data', 'a Uint8Array or Buffer', data);
    this[handle].setData(data);
    return this;
  }

  /**
   * A copy of the side data libav calls `name` (its av_packet_side_data_name, such as
   * 'Matroska BlockAdditional': libvpx's alpha), or null when the packet has none.
   */
  sideData(name: string): Uint8Array | null {
    if (typeof name !== 'string') throw invalidArgument('name', 'a string', name);
    return this[handle].sideData(name);
  }

  /** Converts pts, dts and duration to another time base. */
  rescale(timeBase: Rational): this {
    check(timeBase, 'timeBase', rational, is.rational);
    this[handle].rescale(timeBase);
    return this;
  }

  /** A new packet referencing the same data (no copy). */
  clone(): Packet {
    return Packet.wrap(this[handle].clone());
  }

  /** Releases the packet's data now (views already taken stay valid); idempotent. */
  close(): void {
    this[handle].close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** @internal The native handles of packets, checked. */
export function packetHandles(packets: Packet | readonly Packet[], name = 'packets'): NativePacket[] {
  if (packets instanceof Packet) return [packets[handle]];
  if (!Array.isArray(packets)) throw invalidArgument(name, 'a Packet or an array of Packets', packets);
  return packets.map((p: unknown) => {
    if (!(p instanceof Packet)) throw invalidArgument(`${name}[]`, 'a Packet', p);
    return p[handle];
  });
}
