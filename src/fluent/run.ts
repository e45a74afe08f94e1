// Runs an FfmpegCommand in this process: its argument list goes through the same grammar and
// translation as `avforge ffmpeg` (src/cli/ffmpeg/), each output becomes a transcode() job,
// and the job's progress is reported as fluent-ffmpeg's events.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';

import { splitCommandLine } from '../cli/ffmpeg/grammar.js';
import { statsLine } from '../cli/ffmpeg/run.js';
import { translateCommandLine } from '../cli/ffmpeg/translate.js';
import { trustInputs } from '../cli/jobs.js';
import { probe, routeOption, transcode, versions, type Job, type Progress, type TranscodeResult } from '../index.js';
import type { FfmpegCommand } from './command.js';
import { capabilityError } from './capabilities.js';
import { codecData, type ProgressEvent, progressEvent } from './events.js';

/** The handle run() keeps on the command while it runs. */
export interface Running {
  kill(signal: string): void;
}

/** Lines kept of the (synthesized) stderr: fluent-ffmpeg's ring. */
class Ring {
  readonly #lines: string[] = [];
  constructor(readonly max: number) {}
  push(line: string): void {
    this.#lines.push(line);
    if (this.max > 0 && this.#lines.length > this.max) this.#lines.shift();
  }
  get(): string {
    return this.#lines.map((l) => `${l}\n`).join('');
  }
}

/**
 * A Readable input written to a temporary file: the translation probes its inputs before running,
 * and each output is a job of its own that reads the input. (`avforge ffmpeg` replays its stdin
 * from memory instead, cli/ffmpeg/translate.ts: a live pipe must flow while its one job runs.)
 */
async function spool(cmd: FfmpegCommand, args: string[]): Promise<() => void> {
  const stream = cmd._inputs.find((i) => i.isStream);
  if (!stream || typeof stream.source === 'string') return () => {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-fluent-'));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  const file = path.join(dir, 'input');
  stream.source.resume();
  try {
    await pipeline(stream.source, fs.createWriteStream(file));
  } catch (e) {
    cleanup();
    throw Object.assign(new Error(`Input stream error: ${(e as Error).message}`), { inputStreamError: e, fluent: true });
  }
  args[args.findIndex((a, i) => a === 'pipe:0' && args[i - 1] === '-i')] = file;
  return cleanup;
}

export function runCommand(cmd: FfmpegCommand): void {
  const stderr = new Ring(cmd.options.stdoutLines ?? 100);
  // events leave the run's promise chain: what a listener throws is thrown, as with fluent's
  const emit = (event: string, ...args: unknown[]) => process.nextTick(() => cmd.emit(event, ...args));
  const jobs: Job<TranscodeResult>[] = [];
  let killedWith: string | undefined;
  let ended = false;
  // fluent's kill leaves the truncated output behind: the run ends as a shorter, valid file and
  // reports the kill; SIGSTOP/SIGCONT (pause, resume) have no in-process meaning and are ignored
  const kill = (signal: string) => {
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') return;
    killedWith ??= signal;
    for (const j of jobs) j.cancel('graceful');
  };
  cmd._running = { kill };
  // fluent exposes its child process: a stand-in that emits 'exit' (code, signal) when the run ends
  const proc = Object.assign(new EventEmitter(), { pid: process.pid, kill: (signal = 'SIGKILL') => kill(signal) });
  cmd.ffmpegProc = proc;
  const log = (line: string) => {
    stderr.push(line);
    emit('stderr', line);
  };
  // end or error, then the stand-in process's exit (fluent's own exit handler emits them first)
  const finish = (err: Error | null) => {
    if (timer) clearTimeout(timer);
    cmd._running = undefined;
    if (!ended) {
      if (err) emit('error', err, '', stderr.get());
      else emit('end', '', stderr.get());
    }
    ended = true;
    const code = err ? (killedWith ? null : 1) : 0;
    process.nextTick(() => proc.emit('exit', code, killedWith && !killedWith.startsWith('timeout') ? killedWith : null));
  };
  // a timeout is reported at once, as fluent does, and the run then stops
  const timer = cmd.options.timeout
    ? setTimeout(() => {
        emit('timeout');
        emit('error', new Error(`process ran into a timeout (${cmd.options.timeout}s)`), '', stderr.get());
        ended = true;
        kill('SIGKILL');
      }, cmd.options.timeout * 1000).unref()
    : undefined;
  let outputStreamError: unknown;
  const out = cmd._outputs.find((o) => o.target !== undefined && typeof o.target !== 'string');
  (out?.target as Writable | undefined)?.on('error', (e: unknown) => {
    outputStreamError ??= e;
  });

  void (async () => {
    const cwd = cmd.options.cwd;
    const fluentArgs = cmd._getArguments(cwd ? (p) => path.resolve(cwd, p.replace(/^file:/, '')) : undefined).map(String);
    let cleanup = () => {};
    try {
      const unavailable = capabilityError(cmd);
      if (unavailable) throw Object.assign(unavailable, { fluent: true });
      emit('start', `ffmpeg ${fluentArgs.join(' ')}`);
      const args = fluentArgs;

      cleanup = await spool(cmd, args);
      const line = splitCommandLine(args);
      // ffmpeg's answer to an option no class has, before it reads any file
      for (const o of [...line.globals, ...line.inputs.flatMap((f) => f.options), ...line.outputs.flatMap((f) => f.options), ...line.trailing])
        if (!o.known && routeOption(o.name, {}).length === 0)
          throw new Error(`Unrecognized option '${o.name}'.\nError splitting the argument list: Option not found`);
      const translated = await translateCommandLine(line, routeOption);
      // ffmpeg's banner and input descriptions, which fluent reads codecData from: one per input
      const sources = args.filter((_a, i) => args[i - 1] === '-i');
      const probed = await Promise.all(sources.map((s) => probe(s).catch(() => undefined)));
      log(`ffmpeg version ${versions().ffmpeg} (avforge, in process)`);
      for (const [n, r] of probed.entries()) if (r) log(`Input #${n}, ${r.format.name}, from '${sources[n]}':`);
      const datas = probed.map((r) => (r ? codecData(r) : undefined)).filter((d) => d !== undefined);
      const data = datas[0];
      if (datas.length) emit('codecData', ...datas);
      log('Press [q] to stop, [?] for help');
      const duration = data?.durationSeconds;
      let latest: Progress | undefined;
      for (const j of translated) {
        const target = j.url === 'pipe:1' && out ? (out.target as Writable) : j.url;
        jobs.push(
          transcode(
            j.input,
            target,
            trustInputs({
              ...j.options,
              progressInterval: 250,
              onProgress: (p: Progress) => {
                latest = p;
                log(statsLine(p, false));
                emit('progress', progressEvent(p, duration) satisfies ProgressEvent);
              },
            }),
          ),
        );
        if (killedWith) jobs.at(-1)!.cancel('graceful');
      }
      const results = await Promise.all(jobs);
      // what filters printed as they closed (loudnorm's JSON, ebur128's summary), where ffmpeg
      // prints it: scripts of a two-pass loudnorm read it from stderr
      for (const l of results.flatMap((r) => r.filters.logs)) {
        const [first = '', ...rest] = l.text.replace(/\n$/, '').split('\n');
        log(`[${l.instance} @ 0x0] ${first}`);
        for (const line of rest) log(line);
      }
      if (latest) log(statsLine({ ...latest, bytes: results[0]?.bytes ?? latest.bytes }, true));
      if (killedWith) throw killedError(killedWith);
      finish(null);
    } catch (e) {
      const err = killedWith
        ? killedError(killedWith)
        : outputStreamError
          ? Object.assign(new Error(`Output stream error: ${(outputStreamError as Error).message}`), { outputStreamError })
          : (e as { fluent?: boolean }).fluent
            ? (e as Error)
            : new Error(`ffmpeg exited with code 1: ${(e as Error).message}`);
      if (!killedWith) log((e as Error).message);
      finish(err);
    } finally {
      cleanup();
    }
  })().catch((e: Error) => finish(new Error(`ffmpeg exited with code 1: ${e.message}`)));
}

function killedError(how: string): Error {
  return new Error(`ffmpeg was killed with signal ${how}`);
}
