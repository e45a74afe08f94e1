// The corpus's inputs, made with the ffmpeg CLI's lavfi sources the first time they are asked
// for (the phone upload, the movie with subtitles and chapters, the logo...).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { mediaDir, rotatedInput } from '../media/generate.js';

const dir = path.join(mediaDir, 'parity');
const lavfi = (graph: string) => ['-f', 'lavfi', '-i', graph];
const tone = (seconds: number, rate = 48000, layout = 'stereo') =>
  lavfi(`sine=frequency=440:beep_factor=4:sample_rate=${rate}:duration=${seconds},aformat=channel_layouts=${layout}`);
const bars = (size: string, rate: number | string, seconds: number) => lavfi(`testsrc2=size=${size}:rate=${rate}:duration=${seconds}`);
const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '25'];

const SRT = `1
00:00:00,200 --> 00:00:01,000
Hello

2
00:00:01,200 --> 00:00:02,500
<i>World</i>, again
`;

const CHAPTERS = `;FFMETADATA1
title=Corpus movie
artist=avforge
[CHAPTER]
TIMEBASE=1/1000
START=0
END=1500
title=Opening
[CHAPTER]
TIMEBASE=1/1000
START=1500
END=3000
title=Ending
`;

/** name -> how to make it (ffmpeg arguments before the output name, or text). */
const recipes: Record<string, () => string[] | { text: string }> = {
  'subs.srt': () => ({ text: SRT }),
  'chapters.txt': () => ({ text: CHAPTERS }),
  'movie.mp4': () => [...bars('320x240', 25, 3), ...tone(3), ...h264, '-c:a', 'aac', '-b:a', '96k', '-shortest', '-movflags', '+faststart'],
  'clip2.mp4': () => [...lavfi('testsrc=size=320x240:rate=25:duration=1'), ...tone(1), ...h264, '-c:a', 'aac', '-b:a', '96k', '-shortest'],
  'phone.mp4': () => [...rotatedInput(file('movie.mp4'), 90), '-c', 'copy'],
  'wide.mp4': () => [...bars('640x360', '30000/1001', 2), ...tone(2, 44100), ...h264, '-c:a', 'aac', '-shortest'],
  'odd.mp4': () => [...bars('321x241', 25, 1), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv444p'],
  'vfr.mkv': () => [...bars('320x240', 30, 2), '-vf', "select='not(mod(n\\,3))+lt(n\\,10)'", '-fps_mode', 'vfr', ...h264],
  'hdr10.mkv': () => [
    ...bars('320x240', 25, 1),
    '-c:v',
    'libx265',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p10le',
    '-x265-params',
    'log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc',
    '-color_primaries',
    'bt2020',
    '-color_trc',
    'smpte2084',
    '-colorspace',
    'bt2020nc',
  ],
  'movie.mkv': () => [
    '-i',
    file('movie.mp4'),
    '-i',
    file('subs.srt'),
    '-i',
    file('chapters.txt'),
    '-map',
    '0',
    '-map',
    '1',
    '-map_metadata',
    '2',
    '-map_chapters',
    '2',
    '-c',
    'copy',
    '-metadata:s:s:0',
    'language=eng',
    '-metadata:s:a:0',
    'language=fra',
  ],
  'multi-audio.mkv': () => [
    ...bars('320x240', 25, 2),
    ...tone(2),
    ...tone(2, 44100, 'mono'),
    '-map',
    '0',
    '-map',
    '1',
    '-map',
    '2',
    ...h264,
    '-c:a',
    'aac',
    '-metadata:s:a:1',
    'language=spa',
  ],
  'voice.wav': () => [...tone(3, 44100, 'mono'), '-c:a', 'pcm_s16le'],
  'music.flac': () => [...tone(3, 48000), '-c:a', 'flac'],
  'song.mp3': () => [...tone(3, 44100), '-c:a', 'libmp3lame', '-b:a', '128k', '-metadata', 'title=Song', '-metadata', 'artist=Someone'],
  'live.ts': () => [...bars('320x240', 25, 3), ...tone(3), ...h264, '-c:a', 'aac', '-f', 'mpegts'],
  'cuts.mp4': () => [
    ...lavfi('testsrc=size=320x240:rate=25:duration=1'),
    ...lavfi('smptebars=size=320x240:rate=25:duration=1'),
    ...lavfi('color=c=blue:size=320x240:rate=25:duration=1'),
    '-filter_complex',
    '[0:v][1:v][2:v]concat=n=3:v=1:a=0',
    ...h264,
  ],
  'logo.png': () => [...lavfi('color=c=red@0.5:size=64x32,format=rgba'), '-frames:v', '1'],
  'cover.jpg': () => [...lavfi('testsrc2=size=300x300:rate=1'), '-frames:v', '1'],
  'frames/img%03d.png': () => [...bars('160x120', 10, 1)],
  'list.txt': () => ({ text: `file '${file('movie.mp4')}'\nfile '${file('clip2.mp4')}'\n` }),
  'prores.mov': () => [...bars('320x240', 25, 1), ...tone(1), '-c:v', 'prores_ks', '-profile:v', '0', '-c:a', 'pcm_s16le'],
};

export const CORPUS_MEDIA = Object.keys(recipes);

/** The path of a corpus input, made first if needed. */
export function file(name: string): string {
  const out = path.join(dir, name);
  const marker = name.includes('%') ? path.join(path.dirname(out), '.done') : out;
  if (fs.existsSync(marker)) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const recipe = recipes[name];
  if (!recipe) throw new Error(`no corpus medium ${name}`);
  const made = recipe();
  if ('text' in made) fs.writeFileSync(out, made.text);
  else {
    const tmp = name.includes('%') ? out : path.join(path.dirname(out), `.tmp-${path.basename(out)}`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...made, tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (tmp !== out) fs.renameSync(tmp, out);
    else fs.writeFileSync(marker, '');
  }
  return out;
}
