// screenshots() and mergeToFile(), fluent-ffmpeg's recipes, as commands of their own: one
// single-frame output per timestamp, and a concat filter over every input.
import fs from 'node:fs';
import path from 'node:path';

import { FfmpegCommand } from './command.js';
import { fluentProbe } from './probe.js';

export interface ScreenshotsConfig {
  count?: number;
  /** Seconds, 'HH:MM:SS.cc' or 'NN%' of the duration. */
  timemarks?: (number | string)[];
  timestamps?: (number | string)[];
  folder?: string;
  /** Default 'tn.png'; %s seconds, %i index (%000i padded), %f input file name, %b its base name, %r size, %w, %h. */
  filename?: string;
  size?: string;
  /** Accepted: each screenshot is taken by an accurate seek. */
  fastSeek?: boolean;
}

function seconds(mark: number | string, duration: number | undefined): number {
  if (typeof mark === 'number') return mark;
  const pct = /^([\d.]+)%$/.exec(mark);
  if (pct) {
    if (duration === undefined) throw new Error('Could not get input duration, please specify fixed timemarks');
    return (Number(pct[1]) / 100) * duration;
  }
  return mark.split(':').reduce((t, part) => t * 60 + Number(part), 0);
}

function fileName(pattern: string, i: number, secs: number, input: string, size: { w?: number; h?: number }): string {
  const base = path.basename(input);
  return pattern
    .replace(/%(0*)i/g, (_m, zeros: string) => String(i + 1).padStart(zeros.length + 1, '0'))
    .replace(/%s/g, String(Number(secs.toFixed(3))))
    .replace(/%f/g, base)
    .replace(/%b/g, base.slice(0, base.length - path.extname(base).length))
    .replace(/%r/g, `${size.w ?? ''}x${size.h ?? ''}`)
    .replace(/%w/g, String(size.w ?? ''))
    .replace(/%h/g, String(size.h ?? ''));
}

function runOne(cmd: FfmpegCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    cmd.on('end', () => resolve()).on('error', (e: Error) => reject(e));
    cmd.run();
  });
}

export function screenshots(cmd: FfmpegCommand, config: ScreenshotsConfig): void {
  const input = cmd._inputs[0];
  void (async () => {
    if (!input || typeof input.source !== 'string') throw new Error('screenshots() needs a file input');
    const source = input.source;
    const data = await fluentProbe(source);
    const duration = Number(data.format.duration);
    const video = data.streams.find((s) => s.codec_type === 'video');
    let marks = config.timemarks ?? config.timestamps;
    if (!marks) {
      const count = config.count ?? 1;
      const step = 100 / (count + 1);
      marks = Array.from({ length: count }, (_v, i) => `${step * (i + 1)}%`);
    }
    const times = marks.map((m) => seconds(m, Number.isFinite(duration) ? duration : undefined));
    let pattern = config.filename ?? 'tn.png';
    if (times.length > 1 && !/%(s|0*i)/.test(pattern)) {
      const ext = path.extname(pattern);
      pattern = `${pattern.slice(0, pattern.length - ext.length)}_%i${ext}`;
    }
    if (!path.extname(pattern)) pattern += '.png';
    const sizeOf = (): { w?: number; h?: number } => {
      const m = config.size ? /(\d+|\?)x(\d+|\?)/.exec(config.size) : null;
      const w0 = Number(video?.width);
      const h0 = Number(video?.height);
      if (!m) return Number.isFinite(w0) ? { w: w0, h: h0 } : {};
      const w = m[1] === '?' ? undefined : Number(m[1]);
      const h = m[2] === '?' ? undefined : Number(m[2]);
      if (w === undefined && h !== undefined) return { w: Math.round((h * w0) / h0 / 2) * 2, h };
      if (h === undefined && w !== undefined) return { w, h: Math.round((w * h0) / w0 / 2) * 2 };
      return { w, h };
    };
    const folder = config.folder ?? '.';
    fs.mkdirSync(folder, { recursive: true });
    const names = times.map((t, i) => fileName(pattern, i, t, source, sizeOf()));
    process.nextTick(() => cmd.emit('filenames', names));
    for (const [i, t] of times.entries()) {
      const shot = new FfmpegCommand(source).seekInput(t).frames(1);
      shot._inputs[0]!.options.push(...input.options.items);
      if (config.size) shot.size(config.size);
      shot.on('start', (line: string) => {
        cmd.ffmpegProc = shot.ffmpegProc;
        cmd.emit('start', line);
      });
      await runOne(shot.output(path.join(folder, names[i]!)));
    }
    process.nextTick(() => cmd.emit('end'));
  })().catch((e: Error) => process.nextTick(() => cmd.emit('error', e)));
}

export function mergeToFile(cmd: FfmpegCommand, target: string): void {
  const input = cmd._inputs.find((i) => !i.isStream);
  void (async () => {
    if (!input) throw new Error('No file input to read the streams from');
    const data = await fluentProbe(input.source as string);
    const v = data.streams.some((s) => s.codec_type === 'video') ? 1 : 0;
    const a = data.streams.some((s) => s.codec_type === 'audio') ? 1 : 0;
    // avforge's translation wants a graph's pads labelled: each input's streams in, [v][a] out, mapped
    const inputs = cmd._inputs.flatMap((_i, n) => [...(v ? [`${n}:v:0`] : []), ...(a ? [`${n}:a:0`] : [])]);
    const outputs = [...(v ? ['v'] : []), ...(a ? ['a'] : [])];
    cmd
      .output(target)
      .complexFilter({ filter: 'concat', options: { n: cmd._inputs.length, v, a }, inputs, outputs }, outputs)
      .run();
  })().catch((e: Error) => process.nextTick(() => cmd.emit('error', e)));
}
