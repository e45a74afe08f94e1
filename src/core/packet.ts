// AVPacket: https://ffmpeg.org/doxygen/trunk/structAVPacket.html
import { check, invalidArgument, is } from '../errors.js';
import { native } from '../native.js';
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

/**
 * One compressed packet. `data` is a zero-copy view that holds its own reference to the
 * packet's buffer: it stays valid after the packet is closed.
 */
export class Packet extends native.Packet implements Disposable {
  /** A packet holding a copy of `data`. */
  static from(data: Uint8Array, fields: PacketFields = {}): Packet {
    if (!(data instanceof Uint8Array)) throw invalidArgument('data', 'a Uint8Array or Buffer', data);
    const p = new Packet();
    p.setData(data);
    p.set(fields);
    return p;
  }

  constructor(external?: unknown) {
    super(external);
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

  override get pts(): number | null {
    return super.pts;
  }
  override set pts(v: number | null) {
    if (v !== null && !is.integer(v)) throw invalidArgument('pts', 'an integer or null', v);
    super.pts = v;
  }
  override get dts(): number | null {
    return super.dts;
  }
  override set dts(v: number | null) {
    if (v !== null && !is.integer(v)) throw invalidArgument('dts', 'an integer or null', v);
    super.dts = v;
  }
  override get duration(): number {
    return super.duration;
  }
  override set duration(v: number) {
    check(v, 'duration', 'an integer', is.integer);
    super.duration = v;
  }
  override get streamIndex(): number {
    return super.streamIndex;
  }
  override set streamIndex(v: number) {
    if (!is.integer(v) || v < 0) throw invalidArgument('streamIndex', 'an integer >= 0', v);
    super.streamIndex = v;
  }
  override get flags(): number {
    return super.flags;
  }
  override set flags(v: number) {
    check(v, 'flags', 'an integer', is.integer);
    super.flags = v;
  }
  override get timeBase(): Rational {
    return super.timeBase;
  }
  override set timeBase(v: Rational) {
    check(v, 'timeBase', 'a rational { num, den }', is.rational);
    super.timeBase = v;
  }

  get isKeyFrame(): boolean {
    return (this.flags & PacketFlags.KEY) !== 0;
  }

  /** Replaces the payload with a copy of `data`. */
  override setData(data: Uint8Array): this {
    if (!(data instanceof Uint8Array)) throw invalidArgument('data', 'a Uint8Array or Buffer', data);
    return super.setData(data);
  }

  /** Converts pts, dts and duration to another time base. */
  override rescale(timeBase: Rational): this {
    check(timeBase, 'timeBase', 'a rational { num, den }', is.rational);
    return super.rescale(timeBase);
  }

  /** A new packet referencing the same data (no copy). */
  override clone(): Packet {
    return super.clone() as Packet;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

native.setWrapperClass('Packet', Packet);
