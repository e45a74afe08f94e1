// fluent-ffmpeg's presets: a function of the command, one of the three it ships by name
// (podcast, flashvideo, divx: the same settings), or a module in options.preset's folder
// whose load(command) applies it.
import { createRequire } from 'node:module';
import path from 'node:path';

import type { FfmpegCommand } from './command.js';

type Preset = (command: FfmpegCommand) => void;

const BUILT_IN: Record<string, Preset> = {
  podcast: (c) =>
    c
      .format('m4v')
      .videoBitrate('512k')
      .videoCodec('libx264')
      .size('320x176')
      .audioBitrate('128k')
      .audioCodec('aac')
      .audioChannels(1)
      .outputOptions([
        ...['-flags', '+loop', '-cmp', '+chroma', '-partitions', '+parti4x4+partp8x8+partb8x8', '-flags2', '+mixed_refs'],
        ...['-me_method umh', '-subq 5', '-bufsize 2M', "-rc_eq 'blurCplx^(1-qComp)'", '-qcomp 0.6', '-qmin 10', '-qmax 51', '-qdiff 4', '-level 13'],
      ]),
  flashvideo: (c) =>
    c
      .format('flv')
      .flvmeta()
      .size('320x?')
      .videoBitrate('512k')
      .videoCodec('libx264')
      .fps(24)
      .audioBitrate('96k')
      .audioCodec('aac')
      .audioFrequency(22050)
      .audioChannels(2),
  divx: (c) =>
    c
      .format('avi')
      .videoBitrate('1024k')
      .videoCodec('mpeg4')
      .size('720x?')
      .audioBitrate('128k')
      .audioChannels(2)
      .audioCodec('libmp3lame')
      .outputOptions(['-vtag DIVX']),
};

export function applyPreset(command: FfmpegCommand, preset: string | Preset): void {
  if (typeof preset === 'function') {
    preset(command);
    return;
  }
  const folder = command.options.preset ?? command.options.presets;
  let loaded: { load?: unknown } | undefined;
  if (folder === undefined) {
    const builtIn = BUILT_IN[preset];
    if (builtIn) {
      builtIn(command);
      return;
    }
  } else {
    try {
      loaded = createRequire(path.join(path.resolve(folder), 'x.js'))(path.join(path.resolve(folder), preset));
    } catch {}
  }
  if (!loaded) throw new Error(`preset ${preset} could not be loaded`);
  if (typeof loaded.load !== 'function') throw new Error(`preset ${preset} has no load() function`);
  loaded.load(command);
}
