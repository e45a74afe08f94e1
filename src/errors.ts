// AvError and the argument checks: every failure that reaches a user is one of these.

/** FFmpeg's own AVERROR codes, by the names native/common/error.cc gives them (test/errors.test.ts compares). */
export const FFMPEG_ERROR_CODES = [
  'BSF_NOT_FOUND',
  'BUG',
  'BUFFER_TOO_SMALL',
  'DECODER_NOT_FOUND',
  'DEMUXER_NOT_FOUND',
  'ENCODER_NOT_FOUND',
  'EOF',
  'EXIT',
  'EXTERNAL',
  'FILTER_NOT_FOUND',
  'INVALIDDATA',
  'MUXER_NOT_FOUND',
  'OPTION_NOT_FOUND',
  'PATCHWELCOME',
  'PROTOCOL_NOT_FOUND',
  'STREAM_NOT_FOUND',
  'UNKNOWN',
  'EXPERIMENTAL',
  'INPUT_CHANGED',
  'OUTPUT_CHANGED',
  'HTTP_BAD_REQUEST',
  'HTTP_UNAUTHORIZED',
  'HTTP_FORBIDDEN',
  'HTTP_NOT_FOUND',
  'HTTP_OTHER_4XX',
  'HTTP_SERVER_ERROR',
] as const;
export type FFmpegErrorCode = (typeof FFMPEG_ERROR_CODES)[number];

/** POSIX errors (AVERROR(errno)) by name, as native/common/error.cc names them. */
export const ERRNO_CODES = [
  'EPERM',
  'ENOENT',
  'EINTR',
  'EIO',
  'EBADF',
  'EAGAIN',
  'ENOMEM',
  'EACCES',
  'EBUSY',
  'EEXIST',
  'ENOTDIR',
  'EISDIR',
  'EINVAL',
  'ENFILE',
  'EMFILE',
  'EFBIG',
  'ENOSPC',
  'ESPIPE',
  'EROFS',
  'EPIPE',
  'EDOM',
  'ERANGE',
  'ENOSYS',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRINUSE',
  'ENOTSUP',
  'EXDEV',
  'ENAMETOOLONG',
  'ENOTCONN',
  'ECONNABORTED',
] as const;
export type ErrnoCode = (typeof ERRNO_CODES)[number];

/**
 * avforge's own codes: ERR_CLOSED (used after close), ERR_TAP (a frame tap failed), ABORT_ERR
 * (aborted), STALLED / REQUEUED / EWORKER (BullMQ: a lost worker, a worker's shutdown, a failure
 * without an avforge error), ERR_MODULE_NOT_FOUND (no bullmq package), INPUT_REFUSED (an untrusted
 * input's format or nested open refused). docs/errors.md has each.
 */
export const AVFORGE_ERROR_CODES = [
  'ERR_CLOSED',
  'ERR_TAP',
  'ABORT_ERR',
  'STALLED',
  'REQUEUED',
  'EWORKER',
  'ERR_MODULE_NOT_FOUND',
  'JOB_CRASHED',
  'JOB_MEMORY',
  'JOB_CPU',
  'INPUT_REFUSED',
  'INPUT_TOO_LARGE',
] as const;
export type AvforgeErrorCode = (typeof AVFORGE_ERROR_CODES)[number];

/**
 * Every `AvError.code`: FFmpeg's AVERROR names, POSIX errno names, avforge's own, and
 * `E<n>` for an AVERROR that has no name (its negated value).
 */
export type AvErrorCode = FFmpegErrorCode | ErrnoCode | AvforgeErrorCode | `E${number}`;

export interface AvErrorInfo {
  code: AvErrorCode;
  errno?: number;
  op: string;
  url?: string;
  stream?: number;
  /** Pipelines: the stage that failed ('demux', 'decode', 'filter', 'encode', 'mux', 'tap'). */
  stage?: string;
  /** Pipelines: where in the media, in seconds. */
  time?: number;
}

/**
 * A failure from FFmpeg or from avforge. `code` is FFmpeg's name for the error
 * ('INVALIDDATA', 'ENOENT', 'EAGAIN', 'EOF'...) or avforge's own ('ERR_CLOSED'),
 * `errno` the AVERROR value, `op` the operation, `url` and `stream` where it happened.
 */
export class AvError extends Error {
  readonly code: AvErrorCode;
  declare readonly errno?: number;
  readonly op: string;
  declare readonly url?: string;
  declare readonly stream?: number;
  declare readonly stage?: string;
  declare readonly time?: number;

  constructor(text: string, info: AvErrorInfo) {
    const details = [
      info.stream !== undefined ? `stream ${info.stream}` : '',
      info.stage ?? '',
      info.time !== undefined ? `at ${info.time.toFixed(3)} s` : '',
    ].filter(Boolean);
    const where = `${info.url ? ` '${info.url}'` : ''}${details.length ? ` (${details.join(', ')})` : ''}`;
    super(`${info.op}${where}: ${text}`);
    this.name = 'AvError';
    this.code = info.code;
    if (info.errno !== undefined) this.errno = info.errno;
    this.op = info.op;
    if (info.url !== undefined) this.url = info.url;
    if (info.stream !== undefined) this.stream = info.stream;
    if (info.stage !== undefined) this.stage = info.stage;
    if (info.time !== undefined) this.time = info.time;
  }
}

/**
 * Errors from work that ran on a native thread carry no JS stack; give them the stack of
 * the awaiting caller (V8's async stack traces reach the user's code from here).
 */
export function withCallerStack(e: unknown, at: (...args: never[]) => unknown): unknown {
  if (e instanceof Error && !/\n\s+at /.test(e.stack ?? '')) Error.captureStackTrace(e, at);
  return e;
}

/** Awaits native work, so that its errors have the caller's stack. */
export async function settle<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    throw withCallerStack(e, settle);
  }
}

export function closedError(cls: string, op: string): AvError {
  return new AvError(`${cls} is closed`, { code: 'ERR_CLOSED', op });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}' (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${String(value)} (${typeof value})`;
  if (typeof value === 'function') return 'a function';
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `an instance of ${name}` : 'an object';
}

/** The one message template for wrong arguments. */
export function invalidArgument(name: string, expected: string, actual: unknown): TypeError {
  return new TypeError(`Expected ${expected} for ${name} but received ${describe(actual)}`);
}

export const is = {
  defined: (v: unknown): boolean => v !== undefined && v !== null,
  object: (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v),
  string: (v: unknown): v is string => typeof v === 'string',
  nonEmptyString: (v: unknown): v is string => typeof v === 'string' && v.length > 0,
  integer: (v: unknown): v is number => Number.isInteger(v),
  positiveInt: (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0,
  nonNegativeInt: (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0,
  number: (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v),
  boolean: (v: unknown): v is boolean => typeof v === 'boolean',
  rational: (v: unknown): boolean =>
    typeof v === 'object' && v !== null && Number.isInteger((v as { num: unknown }).num) && Number.isInteger((v as { den: unknown }).den),
};

/** Checks an optional field of an options object. */
export function check<T>(value: unknown, name: string, expected: string, test: (v: unknown) => boolean): T | undefined {
  if (value === undefined) return undefined;
  if (!test(value)) throw invalidArgument(name, expected, value);
  return value as T;
}

/** Checks that `options` is undefined or a plain object, and returns it as one. */
export function optionsObject(options: unknown, name = 'options'): Record<string, unknown> {
  if (options === undefined) return {};
  if (!is.object(options)) throw invalidArgument(name, 'an object', options);
  return options;
}

/** Checks an AVOptions object: string, number or boolean values. */
export function avOptions(value: unknown, name: string): Record<string, string | number | boolean> | undefined {
  if (value === undefined) return undefined;
  if (!is.object(value)) throw invalidArgument(name, 'an object of AVOptions', value);
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw invalidArgument(`${name}.${k}`, 'a string, number or boolean', v);
  }
  return value as Record<string, string | number | boolean>;
}
