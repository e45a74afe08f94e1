// The media the tests use, generated on first use with the ffmpeg CLI's lavfi sources
// (nothing binary is committed). Each file is made once per checkout, atomically, so test
// files running in parallel can ask for the same one.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// build/test/media -> <repo>/test/.media ; test/media -> <repo>/test/.media
const repo = path.resolve(here, here.includes(`${path.sep}build${path.sep}`) ? '../../..' : '../..');
export const mediaDir = path.join(repo, 'test', '.media');

const video = (size: string, rate: number, seconds: number) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`];
const audio = (rate: number, seconds: number, layout = 'stereo') => [
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:beep_factor=4:sample_rate=${rate}:duration=${seconds},aformat=channel_layouts=${layout}`,
];

/** name -> ffmpeg arguments (inputs and codecs) that make it. */
export const recipes = {
  'h264-aac.mp4': [
    ...video('320x240', 25, 2),
    ...audio(48000, 2),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '12',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-shortest',
  ],
  'hevc.mkv': [...video('320x240', 25, 1), '-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-x265-params', 'log-level=error'],
  'hevc10.mkv': [...video('320x240', 25, 1), '-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le', '-x265-params', 'log-level=error'],
  'vp9-opus.webm': [
    ...video('320x240', 25, 1),
    ...audio(48000, 1),
    '-c:v',
    'libvpx-vp9',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-b:v',
    '300k',
    '-c:a',
    'libopus',
    '-b:a',
    '64k',
    '-shortest',
  ],
  'mpeg2.ts': [...video('320x240', 25, 1), ...audio(48000, 1), '-c:v', 'mpeg2video', '-q:v', '4', '-c:a', 'mp2', '-shortest'],
  'audio.mp3': [...audio(44100, 2), '-c:a', 'libmp3lame', '-b:a', '128k'],
  'h264-aac-faststart.mp4': [
    ...video('320x240', 25, 2),
    ...audio(48000, 2),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '12',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-shortest',
    '-movflags',
    '+faststart',
  ],
  'h264-aac.mkv': [
    ...video('320x240', 25, 2),
    ...audio(48000, 2),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '12',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-shortest',
  ],
  'image.png': ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=1:duration=1', '-frames:v', '1', '-c:v', 'png'],
  // long enough that a transcode is still running when a test cancels it or kills its worker
  'h264-aac-10s.mp4': [
    ...video('320x240', 25, 10),
    ...audio(48000, 10),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '25',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-shortest',
  ],
  // the pipeline tests: a longer clip (cancel at 50%, event loop), a second input for filterComplex, a TS to damage
  'h264-aac-4s.mp4': [
    ...video('320x240', 25, 4),
    ...audio(48000, 4),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '12',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-shortest',
  ],
  'overlay.mp4': [
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=160x120:rate=25:duration=2',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=880:sample_rate=48000:duration=2,aformat=channel_layouts=stereo',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-shortest',
  ],
  'h264-aac.ts': [
    ...video('320x240', 25, 2),
    ...audio(48000, 2),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '12',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-shortest',
  ],
  // Tiny files for loops run thousands of times (the leak suite): 64x48, 0.4 s.
  'tiny-h264-aac.mp4': [
    ...video('64x48', 25, 0.4),
    ...audio(48000, 0.4),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
  ],
  'tiny-mpeg2.ts': [...video('64x48', 25, 0.4), ...audio(48000, 0.4), '-c:v', 'mpeg2video', '-c:a', 'mp2', '-shortest'],
} as const satisfies Record<string, readonly string[]>;

export type MediaName = keyof typeof recipes;

/** The path of a generated media file, making it first if needed. */
export function media(name: MediaName): string {
  const file = path.join(mediaDir, name);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(mediaDir, { recursive: true });
  const tmp = path.join(mediaDir, `.${process.pid}.${Date.now()}.${name}`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...recipes[name], tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.renameSync(tmp, file);
  return file;
}

let displayRotationOption: boolean | undefined;

/**
 * ffmpeg arguments that read `input` and tag its first video stream with a display matrix that
 * ffprobe reports as `rotation` degrees. FFmpeg 6's CLI has the -display_rotation input option
 * (the angle ffprobe reports); FFmpeg 7's ignores the older way, the
 * "rotate" stream tag, which 5.1's needs. The CLI's option list tells which one it has.
 */
export function rotatedInput(input: string, rotation: number): string[] {
  displayRotationOption ??= execFileSync('ffmpeg', ['-hide_banner', '-h', 'long'], { encoding: 'utf8', maxBuffer: 16 << 20 }).includes('-display_rotation');
  if (displayRotationOption) return ['-display_rotation:v:0', String(rotation), '-i', input];
  return ['-i', input, '-metadata:s:v:0', `rotate=${((rotation % 360) + 360) % 360}`];
}

/** A fresh scratch directory for one test's outputs. */
export function scratch(label: string): string {
  fs.mkdirSync(path.join(mediaDir, 'scratch'), { recursive: true });
  return fs.mkdtempSync(path.join(mediaDir, 'scratch', `${label}-`));
}
