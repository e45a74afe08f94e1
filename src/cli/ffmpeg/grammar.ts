// ffmpeg's command-line grammar: global options anywhere; a file's options before it (`-ss 5 -i
// in.mp4`, `-c:v libx264 out.mp4`); `-name:SPEC` for one stream; `-noNAME` for a false boolean.
// This file only splits the argument list the way ffmpeg does; translate.ts gives it meaning.
import { UsageError } from '../argv.js';

/** Where an option may stand. */
type Scope = 'global' | 'input' | 'output' | 'file';

interface OptionDef {
  /** It takes a value (else it is a boolean: -y, -an, -shortest). */
  value: boolean;
  scope: Scope;
  /** The name it stands for (-vcodec is -c:v). */
  alias?: { name: string; spec?: string };
}

const def = (value: boolean, scope: Scope, alias?: string): OptionDef => {
  if (!alias) return { value, scope };
  const [name, spec] = alias.split(':');
  return { value, scope, alias: { name: name!, spec } };
};

/** The options of ffmpeg itself (not AVOptions), by name. */
const OPTIONS: Record<string, OptionDef> = {
  // global
  y: def(false, 'global'),
  n: def(false, 'global'),
  hide_banner: def(false, 'global'),
  stdin: def(false, 'global'),
  stats: def(false, 'global'),
  stats_period: def(true, 'global'),
  progress: def(true, 'global'),
  benchmark: def(false, 'global'),
  benchmark_all: def(false, 'global'),
  loglevel: def(true, 'global'),
  v: def(true, 'global', 'loglevel'),
  report: def(false, 'global'),
  xerror: def(false, 'global'),
  filter_complex: def(true, 'global'),
  lavfi: def(true, 'global', 'filter_complex'),
  filter_complex_threads: def(true, 'global'),
  filter_threads: def(true, 'global'),
  init_hw_device: def(true, 'global'),
  filter_hw_device: def(true, 'global'),
  copyts: def(false, 'global'),
  start_at_zero: def(false, 'global'),
  vsync: def(true, 'global', 'fps_mode'),
  // input
  i: def(true, 'input'),
  re: def(false, 'input'),
  stream_loop: def(true, 'input'),
  itsoffset: def(true, 'input'),
  sseof: def(true, 'input'),
  autorotate: def(false, 'input'),
  accurate_seek: def(false, 'input'),
  hwaccel: def(true, 'input'),
  hwaccel_device: def(true, 'input'),
  hwaccel_output_format: def(true, 'input'),
  // input or output
  f: def(true, 'file'),
  ss: def(true, 'file'),
  t: def(true, 'file'),
  to: def(true, 'file'),
  c: def(true, 'file'),
  codec: def(true, 'file', 'c'),
  vcodec: def(true, 'file', 'c:v'),
  acodec: def(true, 'file', 'c:a'),
  scodec: def(true, 'file', 'c:s'),
  dcodec: def(true, 'file', 'c:d'),
  r: def(true, 'file'),
  s: def(true, 'file'),
  pix_fmt: def(true, 'file'),
  ar: def(true, 'file'),
  ac: def(true, 'file'),
  sample_fmt: def(true, 'file'),
  vn: def(false, 'file'),
  an: def(false, 'file'),
  sn: def(false, 'file'),
  dn: def(false, 'file'),
  tag: def(true, 'file'),
  vtag: def(true, 'file', 'tag:v'),
  atag: def(true, 'file', 'tag:a'),
  // output
  map: def(true, 'output'),
  map_metadata: def(true, 'output'),
  map_chapters: def(true, 'output'),
  metadata: def(true, 'output'),
  disposition: def(true, 'output'),
  shortest: def(false, 'output'),
  filter: def(true, 'output'),
  vf: def(true, 'output', 'filter:v'),
  af: def(true, 'output', 'filter:a'),
  filter_script: def(true, 'output'),
  frames: def(true, 'output'),
  vframes: def(true, 'output', 'frames:v'),
  aframes: def(true, 'output', 'frames:a'),
  dframes: def(true, 'output', 'frames:d'),
  q: def(true, 'output'),
  qscale: def(true, 'output', 'q'),
  aspect: def(true, 'output'),
  fps_mode: def(true, 'output'),
  bsf: def(true, 'output'),
  absf: def(true, 'output', 'bsf:a'),
  vbsf: def(true, 'output', 'bsf:v'),
  fs: def(true, 'output'),
  threads: def(true, 'file'),
  max_muxing_queue_size: def(true, 'output'),
  force_key_frames: def(true, 'output'),
  pass: def(true, 'output'),
  passlogfile: def(true, 'output'),
  timestamp: def(true, 'output'),
  target: def(true, 'output'),
  attach: def(true, 'output'),
  vb: def(true, 'output', 'b:v'),
  ab: def(true, 'output', 'b:a'),
};

/** One option as written: `-c:v:0 libx264` is { name: 'c', spec: 'v:0', value: 'libx264' }. */
export interface OptionUse {
  name: string;
  /** The stream specifier after the first colon, if any. */
  spec?: string;
  /** The value, or a boolean's state. */
  value: string | boolean;
  /** How it was written, for messages. */
  flag: string;
  /** ffmpeg's own option (else an AVOption for a codec, format, protocol, swscale or swresample). */
  known: boolean;
}

export interface FileArguments {
  url: string;
  options: OptionUse[];
}

export interface CommandLine {
  globals: OptionUse[];
  inputs: FileArguments[];
  outputs: FileArguments[];
  /** Options after the last output: ffmpeg warns and ignores them. */
  trailing: OptionUse[];
}

/** Whether `-name` is one of ffmpeg's own options (as opposed to an AVOption). */
export function isFfmpegOption(name: string): boolean {
  return OPTIONS[name] !== undefined;
}

/** Splits an ffmpeg argument list into globals, inputs and outputs, each with its options. */
export function splitCommandLine(argv: readonly string[]): CommandLine {
  const line: CommandLine = { globals: [], inputs: [], outputs: [], trailing: [] };
  let pending: OptionUse[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      line.outputs.push({ url: arg, options: pending });
      pending = [];
      continue;
    }
    const flag = arg;
    const colon = flag.indexOf(':');
    let name = flag.slice(1, colon < 0 ? undefined : colon);
    let spec = colon < 0 ? undefined : flag.slice(colon + 1);
    let d = OPTIONS[name];
    let value: string | boolean = true;
    if (!d && name.startsWith('no') && OPTIONS[name.slice(2)]?.value === false) {
      name = name.slice(2);
      d = OPTIONS[name];
      value = false;
    }
    if (d?.alias) {
      name = d.alias.name;
      spec = d.alias.spec ?? spec;
    }
    if (!d || d.value) {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`Missing argument for option '${flag.slice(1)}'.`);
      value = next;
      i++;
    }
    const use: OptionUse = { name, spec, value, flag, known: d !== undefined };
    if (d?.scope === 'global') line.globals.push(use);
    else if (name === 'i') {
      line.inputs.push({ url: String(value), options: pending });
      pending = [];
    } else pending.push(use);
  }
  line.trailing = pending;
  for (const f of line.inputs) refuseScope(f, 'output', 'input');
  for (const f of line.outputs) refuseScope(f, 'input', 'output');
  return line;
}

/** ffmpeg's message for an output option before -i, or an input option before an output. */
function refuseScope(file: FileArguments, wrong: Scope, kind: 'input' | 'output'): void {
  for (const o of file.options) {
    if (o.known && OPTIONS[o.name]?.scope === wrong)
      throw new UsageError(
        `Option ${o.flag.slice(1)} cannot be applied to ${kind} url ${file.url} -- you are trying to apply an input option to an output file or vice versa. Move this option before the file it belongs to.`,
      );
  }
}

/** The last option that `test` accepts: ffmpeg's rule when an option is given twice. */
export function lastWhere(options: readonly OptionUse[], test: (o: OptionUse) => boolean): OptionUse | undefined {
  for (let i = options.length - 1; i >= 0; i--) if (test(options[i]!)) return options[i];
  return undefined;
}
