// avforge/fluent: fluent-ffmpeg's API over avforge, run in this process. The module's value is
// the ffmpeg() factory, with fluent's static methods on it (ffprobe, the path setters, the
// capability queries): `const ffmpeg = require('avforge/fluent')` or `import ffmpeg from 'avforge/fluent'`.
import {
  availableCodecs,
  availableEncoders,
  availableFilters,
  availableFormats,
  getAvailableCodecs,
  getAvailableEncoders,
  getAvailableFilters,
  getAvailableFormats,
} from './capabilities.js';
import { FfmpegCommand, type FfmpegCommandOptions, type InputSourceArg } from './command.js';
import { type FfprobeCallback, ffprobeInput } from './probe.js';

/** fluent's ffprobe(file, [index], [options], callback): the index and ffprobe options are accepted and not used. */
function ffprobe(file: string, callback: FfprobeCallback): void;
function ffprobe(file: string, indexOrOptions: number | string[], callback: FfprobeCallback): void;
function ffprobe(file: string, index: number, options: string[], callback: FfprobeCallback): void;
function ffprobe(file: string, ...rest: unknown[]): void {
  const cb = rest.pop() as FfprobeCallback;
  const options = rest.find((r) => Array.isArray(r)) as string[] | undefined;
  ffprobeInput(file, options ?? [], cb);
}

const noop = (_path: string): void => {};

type Factory = {
  (input?: InputSourceArg | FfmpegCommandOptions, options?: FfmpegCommandOptions): FfmpegCommand;
  new (input?: InputSourceArg | FfmpegCommandOptions, options?: FfmpegCommandOptions): FfmpegCommand;
  prototype: FfmpegCommand;
  FfmpegCommand: typeof FfmpegCommand;
  ffprobe: typeof ffprobe;
  setFfmpegPath: typeof noop;
  setFfprobePath: typeof noop;
  setFlvtoolPath: typeof noop;
  availableFormats: typeof getAvailableFormats;
  getAvailableFormats: typeof getAvailableFormats;
  availableCodecs: typeof getAvailableCodecs;
  getAvailableCodecs: typeof getAvailableCodecs;
  availableEncoders: typeof getAvailableEncoders;
  getAvailableEncoders: typeof getAvailableEncoders;
  availableFilters: typeof getAvailableFilters;
  getAvailableFilters: typeof getAvailableFilters;
};

/**
 * ffmpeg(input?, options?) or new ffmpeg(...): a new command. As fluent-ffmpeg's module
 * function, it is also the class: its prototype is FfmpegCommand's (instanceof, prototype aliases).
 */
function create(input?: InputSourceArg | FfmpegCommandOptions, options?: FfmpegCommandOptions): FfmpegCommand {
  return new FfmpegCommand(input, options);
}
create.prototype = FfmpegCommand.prototype;

const ffmpeg = Object.assign(create, {
  FfmpegCommand,
  ffprobe,
  setFfmpegPath: noop,
  setFfprobePath: noop,
  setFlvtoolPath: noop,
  availableFormats: getAvailableFormats,
  getAvailableFormats,
  availableCodecs: getAvailableCodecs,
  getAvailableCodecs,
  availableEncoders: getAvailableEncoders,
  getAvailableEncoders,
  availableFilters: getAvailableFilters,
  getAvailableFilters,
});

export default ffmpeg as Factory;
export { FfmpegCommand, ffprobe, availableCodecs, availableEncoders, availableFilters, availableFormats };
export type { FfmpegCommandOptions, InputSourceArg, OutputTargetArg, FluentInput, FluentOutput } from './command.js';
export type { FfprobeData, FfprobeStream, FfprobeFormat, FfprobeCallback } from './probe.js';
export type { CodecDataEvent, ProgressEvent } from './events.js';
export type { FilterSpec } from './filters.js';
export type { ScreenshotsConfig } from './screenshots.js';
export type { FormatCapability, CodecCapability, EncoderCapability, FilterCapability } from './capabilities.js';
