// AVPacket: https://ffmpeg.org/doxygen/trunk/structAVPacket.html
import { check, invalidArgument, is } from '../errors.js';
import { addon, handle, type NativePacket, type NativePacketList } from '../native.js';
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

// A packet's fields in its batch's Float64Array (native/packet.h, PacketField); NaN: no timestamp.
const FIELDS = 9;
const PTS = 0;
const DTS = 1;
const DURATION = 2;
const STREAM_INDEX = 3;
const FLAGS = 4;
const SIZE = 5;
const POS = 6;
const TB_NUM = 7;
const TB_DEN = 8;

// What PacketBatch does to the private state of Packets (set by Packet's static block).
let detach: (p: Packet, batch: PacketBatch) => void;
let point: (p: Packet, batch: PacketBatch, index: number) => void;
let entryOf: (p: Packet, entries: unknown[], indices: number[]) => void;

/**
 * One compressed packet. `data` is a zero-copy view that holds its own reference to the
 * packet's buffer: it stays valid after the packet is closed.
 *
 * A packet read by a Demuxer starts out in its read batch: its fields are read from the
 * batch's shared array and its AVPacket stays in the batch's slot, so reading a packet costs
 * no native object. It gets an AVPacket of its own when something needs one (setData,
 * rescale, clone, a consumer other than Muxer and Decoder) or when the demuxer moves past the
 * batch while the packet is still open.
 */
export class Packet implements Disposable {
  #native: NativePacket | null;
  #batch: PacketBatch | null;
  #index: number;

  static {
    detach = (p, batch) => {
      if (p.#batch !== batch) return;
      p.#native = batch.native.take(p.#index);
      p.#batch = null;
    };
    point = (p, batch, index) => {
      p.#native?.close();
      p.#native = null;
      p.#batch = batch;
      p.#index = index;
    };
    entryOf = (p, entries, indices) => {
      const b = p.#batch;
      if (b !== null) {
        entries.push(b.native);
        indices.push(p.#index);
      } else {
        entries.push(p[handle]);
        indices.push(-1);
      }
    };
  }

  /** A packet holding a copy of `data`. */
  static from(data: Uint8Array, fields: PacketFields = {}): Packet {
    return new Packet().setData(data).set(fields);
  }

  /** @internal Wraps a native packet (from a demuxer, an encoder, a clone). */
  static wrap(native: NativePacket): Packet {
    return new (Packet as unknown as new (native: NativePacket) => Packet)(native);
  }

  /** An empty packet (for `Demuxer.readInto`, or to fill with `setData`). */
  constructor();
  constructor(source?: NativePacket | PacketBatch, index?: number) {
    if (source instanceof PacketBatch) {
      this.#native = null;
      this.#batch = source;
      this.#index = index ?? 0;
    } else {
      this.#native = source ?? new (addon().Packet)();
      this.#batch = null;
      this.#index = 0;
    }
  }

  /** @internal The AVPacket (a packet still in its read batch gets its own first). */
  get [handle](): NativePacket {
    const n = this.#native;
    if (n !== null) return n;
    const b = this.#batch;
    if (b !== null) {
      detach(this, b);
      return this.#native!;
    }
    // Closed while in its batch: a closed native packet answers as a closed Packet does.
    const closed = new (addon().Packet)();
    closed.close();
    this.#native = closed;
    return closed;
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
    const b = this.#batch;
    if (b === null) return this[handle].pts;
    const v = b.fields[this.#index * FIELDS + PTS]!;
    return Number.isNaN(v) ? null : v;
  }
  set pts(v: number | null) {
    if (v !== null && !is.integer(v)) throw invalidArgument('pts', 'an integer or null', v);
    const b = this.#batch;
    if (b === null) this[handle].pts = v;
    else b.fields[this.#index * FIELDS + PTS] = v ?? Number.NaN;
  }
  /** Decoding timestamp in `timeBase` units; null when unknown. */
  get dts(): number | null {
    const b = this.#batch;
    if (b === null) return this[handle].dts;
    const v = b.fields[this.#index * FIELDS + DTS]!;
    return Number.isNaN(v) ? null : v;
  }
  set dts(v: number | null) {
    if (v !== null && !is.integer(v)) throw invalidArgument('dts', 'an integer or null', v);
    const b = this.#batch;
    if (b === null) this[handle].dts = v;
    else b.fields[this.#index * FIELDS + DTS] = v ?? Number.NaN;
  }
  get duration(): number {
    const b = this.#batch;
    return b === null ? this[handle].duration : b.fields[this.#index * FIELDS + DURATION]!;
  }
  set duration(v: number) {
    if (!is.integer(v)) throw invalidArgument('duration', 'an integer', v);
    const b = this.#batch;
    if (b === null) this[handle].duration = v;
    else b.fields[this.#index * FIELDS + DURATION] = v;
  }
  get streamIndex(): number {
    const b = this.#batch;
    return b === null ? this[handle].streamIndex : b.fields[this.#index * FIELDS + STREAM_INDEX]!;
  }
  set streamIndex(v: number) {
    if (!is.integer(v) || v < 0) throw invalidArgument('streamIndex', 'an integer >= 0', v);
    const b = this.#batch;
    if (b === null) this[handle].streamIndex = v;
    else b.fields[this.#index * FIELDS + STREAM_INDEX] = v | 0;
  }
  /** AV_PKT_FLAG_* bits (see PacketFlags). */
  get flags(): number {
    const b = this.#batch;
    return b === null ? this[handle].flags : b.fields[this.#index * FIELDS + FLAGS]!;
  }
  set flags(v: number) {
    if (!is.integer(v)) throw invalidArgument('flags', 'an integer', v);
    const b = this.#batch;
    if (b === null) this[handle].flags = v;
    else b.fields[this.#index * FIELDS + FLAGS] = v | 0;
  }
  get timeBase(): Rational {
    const b = this.#batch;
    if (b === null) return this[handle].timeBase;
    const at = this.#index * FIELDS;
    return { num: b.fields[at + TB_NUM]!, den: b.fields[at + TB_DEN]! };
  }
  set timeBase(v: Rational) {
    if (!is.rational(v)) throw invalidArgument('timeBase', rational, v);
    const b = this.#batch;
    if (b === null) {
      this[handle].timeBase = v;
      return;
    }
    const at = this.#index * FIELDS;
    b.fields[at + TB_NUM] = v.num | 0;
    b.fields[at + TB_DEN] = v.den | 0;
  }
  get size(): number {
    const b = this.#batch;
    return b === null ? this[handle].size : b.fields[this.#index * FIELDS + SIZE]!;
  }
  /** Byte position in the input, or -1. */
  get pos(): number {
    const b = this.#batch;
    return b === null ? this[handle].pos : b.fields[this.#index * FIELDS + POS]!;
  }
  get isKeyFrame(): boolean {
    return (this.flags & PacketFlags.KEY) !== 0;
  }
  /** The payload: a zero-copy view holding its own reference to the packet's buffer. */
  get data(): Uint8Array {
    const b = this.#batch;
    return b === null ? this[handle].data : b.native.dataAt(this.#index);
  }
  get closed(): boolean {
    const n = this.#native;
    return n === null ? this.#batch === null : n.closed;
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
    if (this.#batch !== null) {
      // the AVPacket goes back with its batch, to be freed or reused on the demuxer's thread
      this.#batch = null;
      return;
    }
    this.#native?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * @internal A demuxer's read batch as JS sees it: the packets' fields in one shared array,
 * filled natively; Packets made only for the packets handed out.
 */
export class PacketBatch {
  readonly native: NativePacketList;
  readonly fields: Float64Array;
  readonly count: number;
  /** The next packet to hand out. */
  next = 0;
  // Packets handed out (or pointed here): those still open get their own AVPacket on release.
  #out: Packet[] = [];

  constructor(native: NativePacketList) {
    this.native = native;
    this.fields = native.fields;
    this.count = this.fields.length / FIELDS;
  }

  get remaining(): number {
    return this.count - this.next;
  }

  /** The stream index of the next packet (see remaining). */
  nextStreamIndex(): number {
    return this.fields[this.next * FIELDS + STREAM_INDEX]!;
  }

  /** The next packet as a Packet of the caller's, or null when all were handed out. */
  take(): Packet | null {
    if (this.next >= this.count) return null;
    const p = new (Packet as unknown as new (batch: PacketBatch, index: number) => Packet)(this, this.next++);
    this.#out.push(p);
    return p;
  }

  /** Points `packet` at the next packet (its previous contents are released); false when none. */
  moveInto(packet: Packet): boolean {
    if (this.next >= this.count) return false;
    point(packet, this, this.next++);
    this.#out.push(packet);
    return true;
  }

  /** Gives each packet handed out and still open an AVPacket of its own. */
  #detachAll(): void {
    for (const p of this.#out) detach(p, this);
    this.#out = [];
  }

  /** Done with the batch: the AVPackets left go back to the demuxer. */
  release(): void {
    this.#detachAll();
    this.native.close();
  }

  /** The native list, for a consumer that takes the packets not handed out yet. */
  handOver(): NativePacketList {
    this.#detachAll();
    this.native.skip(this.next);
    return this.native;
  }
}

/**
 * @internal The packets for a native consumer (Muxer, Decoder), checked: each a Packet's
 * native handle, or its batch's list with the slot in `indices` (-1 for a handle).
 */
export function packetEntries(packets: Packet | readonly Packet[], name = 'packets'): { entries: unknown[]; indices: number[] } {
  const entries: unknown[] = [];
  const indices: number[] = [];
  if (packets instanceof Packet) entryOf(packets, entries, indices);
  else if (!Array.isArray(packets)) throw invalidArgument(name, 'a Packet or an array of Packets', packets);
  else
    for (const p of packets as unknown[]) {
      if (!(p instanceof Packet)) throw invalidArgument(`${name}[]`, 'a Packet', p);
      entryOf(p, entries, indices);
    }
  return { entries, indices };
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
