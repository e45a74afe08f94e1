// The errors WebCodecs raises (DOMException names, as the specification throws them) and the
// WebIDL conversions its dictionaries go through: https://www.w3.org/TR/webcodecs/
import { AvError } from '../index.js';

/** WebIDL buffer types (lib.dom's names; this package does not load lib.dom). */
export type BufferSource = ArrayBuffer | ArrayBufferView;
export type AllowSharedBufferSource = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

export type DomErrorName = 'InvalidStateError' | 'NotSupportedError' | 'DataError' | 'EncodingError' | 'AbortError' | 'QuotaExceededError';

export function domError(name: DomErrorName, message: string, cause?: unknown): DOMException {
  const e = new DOMException(message, name);
  // DOMException has no `cause` option on Node 20; keep libav's error for whoever debugs.
  if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause, configurable: true, writable: true });
  return e;
}

/** An avforge failure as the DOMException WebCodecs reports it under `name`, libav's text kept. */
export function fromAvError(name: DomErrorName, what: string, e: unknown): DOMException {
  const text = e instanceof AvError || e instanceof Error ? e.message : String(e);
  return domError(name, `${what}: ${text}`, e);
}

export const closedState = (cls: string, op: string): DOMException => domError('InvalidStateError', `${cls}.${op}: the object is closed`);

// ---- WebIDL conversions (the subset WebCodecs dictionaries use) ----

/** A required dictionary member that is missing: WebIDL throws a TypeError. */
export function required<T>(dict: Record<string, unknown>, key: string, where: string): T {
  const v = dict[key];
  if (v === undefined) throw new TypeError(`${where}: the required member '${key}' is missing`);
  return v as T;
}

/** A dictionary argument: undefined and null read as {}; anything else not an object is a TypeError. */
export function dictionary(v: unknown, where: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' && typeof v !== 'function') throw new TypeError(`${where}: expected an object, got ${typeof v}`);
  return v as Record<string, unknown>;
}

/** [EnforceRange] integer types: finite, truncated toward zero, within the type's range. */
export function enforceRange(v: unknown, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError(`${name}: ${String(v)} is not a finite number`);
  const t = Math.trunc(n) || 0;
  if (t < min || t > max) throw new TypeError(`${name}: ${t} is outside [${min}, ${max}]`);
  return t;
}

export const longLong = (v: unknown, name: string): number => enforceRange(v, name, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
export const unsignedLongLong = (v: unknown, name: string): number => enforceRange(v, name, 0, Number.MAX_SAFE_INTEGER);
export const unsignedLong = (v: unknown, name: string): number => enforceRange(v, name, 0, 0xffffffff);

/** Two members given together or not at all, neither 0 (codedWidth/codedHeight, display sizes). */
export function pair(d: Record<string, unknown>, a: string, b: string, where: string): [number, number] | undefined {
  if ((d[a] === undefined) !== (d[b] === undefined)) throw new TypeError(`${where}: give both ${a} and ${b}, or neither`);
  if (d[a] === undefined) return undefined;
  const x = unsignedLong(d[a], `${where}.${a}`);
  const y = unsignedLong(d[b], `${where}.${b}`);
  if (x === 0 || y === 0) throw new TypeError(`${where}: ${a} and ${b} must not be 0`);
  return [x, y];
}

/** A WebIDL `double` (finite). */
export function double(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError(`${name}: ${String(v)} is not a finite number`);
  return n;
}

/** A WebIDL enum member. */
export function enumValue<T extends string>(v: unknown, values: readonly T[], name: string): T {
  const s = String(v);
  if (!values.includes(s as T)) throw new TypeError(`${name}: '${s}' is not one of ${values.map((x) => `'${x}'`).join(', ')}`);
  return s as T;
}

/** A BufferSource / AllowSharedBufferSource as a byte view over the same memory. */
export function bytes(v: unknown, name: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)) return new Uint8Array(v);
  throw new TypeError(`${name}: expected an ArrayBuffer or a view of one`);
}

/** Whether an ArrayBuffer was detached (transferred). Node 20 has no `ArrayBuffer.prototype.detached`. */
export function isDetached(buffer: ArrayBufferLike): boolean {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * The `transfer` member of an init dictionary: checked before use (duplicates and detached
 * buffers are DataCloneErrors), detached after the data was taken.
 */
export function checkTransfer(v: unknown, name: string): ArrayBuffer[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new TypeError(`${name}.transfer: expected a sequence of ArrayBuffers`);
  const seen = new Set<ArrayBuffer>();
  for (const b of v) {
    if (!(b instanceof ArrayBuffer)) throw new TypeError(`${name}.transfer: expected ArrayBuffers`);
    if (seen.has(b)) throw new DOMException(`${name}.transfer: the same ArrayBuffer is listed twice`, 'DataCloneError');
    if (isDetached(b)) throw new DOMException(`${name}.transfer: an ArrayBuffer is detached`, 'DataCloneError');
    seen.add(b);
  }
  return v as ArrayBuffer[];
}

export function detach(buffers: readonly ArrayBuffer[]): void {
  if (buffers.length > 0) structuredClone(buffers, { transfer: buffers as ArrayBuffer[] });
}
