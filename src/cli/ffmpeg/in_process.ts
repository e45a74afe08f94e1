// avforge/ffmpeg: ffmpeg and ffprobe argument lists run in this process, for Node code that spawns
// the programs with child_process today. The same grammars and translations as `avforge ffmpeg`
// (run.ts) and `avforge ffprobe` (../ffprobe/run.ts), with the caller's streams instead of the
// process's, and promisified execFile's contract: resolves with { stdout, stderr } on exit status
// 0, rejects with the status on `code`.
import { Writable, type Readable } from 'node:stream';

import { routeOption } from '../../index.js';
import { runProbeCommandLine } from '../ffprobe/run.js';
import { runCommandLine, type CommandIo } from './run.js';

export interface FfmpegOptions {
  /** Stops the command as SIGTERM stops ffmpeg: the outputs are finished, shorter; the promise rejects with an AbortError. */
  signal?: AbortSignal;
  /** What `-i -` (or `pipe:0`) reads. */
  stdin?: Readable;
  /** Where `-` (or `pipe:1`) output goes; none: it is collected and resolved as `stdout` (up to `maxBuffer`). */
  stdout?: Writable;
  /** Called with each piece of what ffmpeg would print on stderr (the stats line, errors), as it comes. */
  onStderr?: (text: string) => void;
  /** Bytes of collected standard output allowed (default 64 MiB); more stops the command with an error. */
  maxBuffer?: number;
}

export interface FfmpegResult {
  /** What the command wrote to `-` when no `stdout` stream was given (empty otherwise). */
  stdout: Buffer;
  /** What ffmpeg would have printed on stderr (the stats lines, the closing sizes line, errors). */
  stderr: string;
}

/** A command line that ended with a non-zero exit status (promisified execFile's error shape). */
export class FfmpegExitError extends Error {
  override readonly name = 'FfmpegExitError';
  constructor(
    message: string,
    /** ffmpeg's exit status: 1 failed, 255 interrupted. */
    readonly code: number,
    readonly stdout: Buffer,
    readonly stderr: string,
    /** The command line, as `ffmpeg ARGS`. */
    readonly cmd: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;

function checkArgs(program: string, args: readonly string[], maxBuffer: number): void {
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string'))
    throw new TypeError(`${program}(): args must be an array of strings (the arguments after \`${program}\`)`);
  if (args.some((a) => a.includes('\0'))) throw new TypeError(`${program}(): an argument contains a NUL byte`);
  if (!(maxBuffer > 0)) throw new RangeError(`${program}(): maxBuffer must be a positive number of bytes, not ${maxBuffer}`);
}

const overflowError = (program: string, maxBuffer: number) =>
  Object.assign(new RangeError(`${program}(): stdout maxBuffer length exceeded (${maxBuffer} bytes)`), { code: 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' });

/**
 * Runs an ffmpeg command line (the arguments after `ffmpeg`) in this process:
 * `await execFileAsync('ffmpeg', args)` becomes `await ffmpeg(args)`.
 */
export async function ffmpeg(args: readonly string[], options: FfmpegOptions = {}): Promise<FfmpegResult> {
  const { signal, onStderr } = options;
  const maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
  checkArgs('ffmpeg', args, maxBuffer);
  const cmd = ['ffmpeg', ...args].join(' ');
  signal?.throwIfAborted();

  let stderr = '';
  const collected: Buffer[] = [];
  let collectedBytes = 0;
  let overflow: Error | undefined;
  let interrupt: (() => void) | undefined;
  const collector = new Writable({
    write(chunk: Buffer, _encoding, done) {
      collectedBytes += chunk.length;
      if (collectedBytes > maxBuffer) {
        overflow ??= overflowError('ffmpeg', maxBuffer);
        // stop the command; what is written past the limit is dropped
        interrupt?.();
        interrupt?.();
        return done();
      }
      collected.push(chunk);
      done();
    },
  });
  const io: CommandIo = {
    stdin: options.stdin,
    stdout: options.stdout ?? collector,
    stderr(text) {
      stderr += text;
      onStderr?.(text);
    },
    interactive: false,
    // libav's log level is the process's: one command line must not change it for the others
    ownsLogLevel: false,
    onInterrupt(handler) {
      interrupt = handler;
      const onAbort = () => handler();
      signal?.addEventListener('abort', onAbort, { once: true });
      return () => {
        interrupt = undefined;
        signal?.removeEventListener('abort', onAbort);
      };
    },
  };
  const end = await runCommandLine(args, routeOption, io);
  const stdout = Buffer.concat(collected);
  if (overflow) throw Object.assign(overflow, { stdout, stderr, cmd });
  // as execFile's: an AbortError (the outputs were finished, shorter, as after SIGTERM)
  if (signal?.aborted)
    throw Object.assign(new Error(`The operation was aborted: ${cmd}`, { cause: signal.reason }), {
      name: 'AbortError',
      code: 'ABORT_ERR',
      exitCode: end.code,
      stdout,
      stderr,
      cmd,
    });
  if (end.code !== 0) {
    const why = end.error?.message ?? stderr.trim().split('\n').at(-1) ?? '';
    throw new FfmpegExitError(`Command failed: ${cmd}\n${why}`, end.code, stdout, stderr, cmd, { cause: end.error });
  }
  return { stdout, stderr };
}

export interface FfprobeOptions {
  /** Characters of output allowed (default 64 Mi); more stops the probe with an error. */
  maxBuffer?: number;
}

/**
 * Runs an ffprobe command line (the arguments after `ffprobe`) in this process; its output is
 * what the linked FFmpeg's ffprobe prints: `await execFileAsync('ffprobe', args)` becomes
 * `await ffprobe(args)`.
 */
export async function ffprobe(args: readonly string[], options: FfprobeOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
  checkArgs('ffprobe', args, maxBuffer);
  const cmd = ['ffprobe', ...args].join(' ');
  let stdout = '';
  let stderr = '';
  const code = await runProbeCommandLine(args, {
    stdout(text) {
      if (stdout.length + text.length > maxBuffer) throw Object.assign(overflowError('ffprobe', maxBuffer), { stdout, stderr, cmd });
      stdout += text;
    },
    stderr(text) {
      stderr += text;
    },
    ownsLogLevel: false,
  });
  if (code !== 0) throw new FfmpegExitError(`Command failed: ${cmd}\n${stderr.trim().split('\n').at(-1) ?? ''}`, code, Buffer.from(stdout), stderr, cmd);
  return { stdout, stderr };
}
