// The parity corpus: jobs a video service runs, each as the ffmpeg command line a user types,
// and (where the TypeScript API has the words for it) the same job as a transcode()/remux() call.
// `in(name)` is a corpus input (media.ts); the output name's extension says the container.
import path from 'node:path';

import { ladder, remux, transcode, type TranscodeOptions } from '../../src/index.js';

export interface Shape {
  name: string;
  group: string;
  /** The output's file name (its extension picks the container, as for ffmpeg). */
  out: string;
  /** ffmpeg's arguments; `o` is the output path. */
  argv: (i: (name: string) => string, o: string) => string[];
  /** More outputs of the same command: suffixes of `out`'s path, compared as well. */
  more?: string[];
  /** The same job through the API, or absent where the API has no form for it (the table says so). */
  api?: (i: (name: string) => string, o: string) => Promise<unknown>;
}

// a service's own files, trusted as ffmpeg trusts them (image2 and concat open other files)
const t = (input: string, out: string, o: TranscodeOptions) =>
  transcode(input, out, {
    ...o,
    input: { trusted: true, ...o.input },
    ...(o.inputs ? { inputs: o.inputs.map((i) => (typeof i === 'string' ? { source: i, trusted: true } : i)) } : {}),
  });
const x264 = ['-c:v', 'libx264', '-preset', 'veryfast'];

// a two-rendition ladder as ladder() writes it: one split, keyframes every second (25 fps), VBV
const ladderRenditions = [
  { height: 240, bitRate: '400k' },
  { height: 120, bitRate: '150k' },
];
export const ladderArgs = [
  '-filter_complex',
  '[0:0]split=2[s0][s1];[s0]scale=-2:240[v0];[s1]scale=-2:120[v1]',
  '-map',
  '[v0]',
  '-map',
  '[v1]',
  '-map',
  '0:a',
  ...x264,
  '-g',
  '25',
  '-keyint_min',
  '25',
  '-sc_threshold',
  '0',
  '-b:v:0',
  '400k',
  '-maxrate:v:0',
  '428000',
  '-bufsize:v:0',
  '600000',
  '-b:v:1',
  '150k',
  '-maxrate:v:1',
  '160500',
  '-bufsize:v:1',
  '225000',
  '-c:a',
  'aac',
  '-b:a',
  '128k',
];

export const SHAPES: Shape[] = [
  // uploads from phones
  {
    name: 'phone upright (autorotate)',
    group: 'uploads',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('phone.mp4'), ...x264, '-c:a', 'copy', o],
    api: (i, o) => t(i('phone.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast' }, audio: 'copy' }),
  },
  {
    name: 'phone, -noautorotate keeps the matrix',
    group: 'uploads',
    out: 'o.mp4',
    argv: (i, o) => ['-noautorotate', '-i', i('phone.mp4'), ...x264, '-an', o],
    api: (i, o) => t(i('phone.mp4'), o, { input: { autorotate: false }, video: { codec: 'libx264', preset: 'veryfast' }, audio: false }),
  },
  {
    name: 'phone to 720p-bounded H.264',
    group: 'uploads',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('phone.mp4'), '-vf', 'scale=-2:160', ...x264, '-crf', '28', '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', o],
    api: (i, o) =>
      t(i('phone.mp4'), o, {
        video: { codec: 'libx264', preset: 'veryfast', crf: 28, filter: 'scale=-2:160' },
        audio: { codec: 'aac', bitRate: '64k' },
        fastStart: true,
      }),
  },
  {
    name: 'phone copy keeps rotation',
    group: 'uploads',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('phone.mp4'), '-c', 'copy', o],
    api: (i, o) => remux(i('phone.mp4'), o, { input: { trusted: true } }),
  },
  {
    name: 'VFR upload to CFR 25',
    group: 'uploads',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('vfr.mkv'), '-r', '25', ...x264, o],
    api: (i, o) => t(i('vfr.mkv'), o, { video: { codec: 'libx264', preset: 'veryfast', frameRate: 25 } }),
  },
  {
    name: 'VFR upload kept VFR',
    group: 'uploads',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('vfr.mkv'), '-fps_mode', 'vfr', ...x264, o],
    api: (i, o) => t(i('vfr.mkv'), o, { video: { codec: 'libx264', preset: 'veryfast', fpsMode: 'vfr' } }),
  },
  {
    name: 'HDR10 10-bit to SDR 8-bit H.264',
    group: 'uploads',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('hdr10.mkv'), '-pix_fmt', 'yuv420p', ...x264, o],
    api: (i, o) => t(i('hdr10.mkv'), o, { video: { codec: 'libx264', preset: 'veryfast', pixelFormat: 'yuv420p' } }),
  },
  {
    name: 'HDR10 kept 10-bit HEVC',
    group: 'uploads',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('hdr10.mkv'), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p10le', o],
    api: (i, o) =>
      t(i('hdr10.mkv'), o, { video: { codec: 'libx265', preset: 'ultrafast', pixelFormat: 'yuv420p10le', options: { 'x265-params': 'log-level=error' } } }),
  },
  {
    name: 'odd size 4:4:4 to even 4:2:0',
    group: 'uploads',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('odd.mp4'), '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2', '-pix_fmt', 'yuv420p', ...x264, o],
    api: (i, o) => t(i('odd.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', filter: 'scale=trunc(iw/2)*2:trunc(ih/2)*2', pixelFormat: 'yuv420p' } }),
  },
  {
    name: 'ProRes MOV to H.264 MP4',
    group: 'uploads',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('prores.mov'), ...x264, '-c:a', 'aac', o],
    api: (i, o) => t(i('prores.mov'), o, { video: { codec: 'libx264', preset: 'veryfast' }, audio: { codec: 'aac' } }),
  },
  {
    name: 'default codecs for .mp4',
    group: 'uploads',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('prores.mov'), '-preset', 'veryfast', o],
    api: (i, o) => t(i('prores.mov'), o, { video: { preset: 'veryfast' } }),
  },
  {
    name: 'default codecs for .webm',
    group: 'uploads',
    out: 'o.webm',
    argv: (i, o) => ['-i', i('movie.mp4'), '-t', '1', '-deadline', 'realtime', '-cpu-used', '8', o],
    api: (i, o) => t(i('movie.mp4'), o, { duration: 1, video: { options: { deadline: 'realtime', 'cpu-used': 8 } } }),
  },
  {
    name: 'VP9 + Opus WebM',
    group: 'uploads',
    out: 'o.webm',
    argv: (i, o) => ['-i', i('movie.mp4'), '-t', '1', '-c:v', 'libvpx-vp9', '-b:v', '300k', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', o],
    api: (i, o) =>
      t(i('movie.mp4'), o, {
        duration: 1,
        video: { codec: 'libvpx-vp9', bitRate: '300k', options: { deadline: 'realtime', 'cpu-used': 8 } },
        audio: { codec: 'libopus' },
      }),
  },
  {
    name: 'HEVC with hvc1-free defaults',
    group: 'uploads',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-crf', '30', '-c:a', 'copy', o],
    api: (i, o) =>
      t(i('movie.mp4'), o, { video: { codec: 'libx265', preset: 'ultrafast', crf: 30, options: { 'x265-params': 'log-level=error' } }, audio: 'copy' }),
  },
  {
    name: 'HEVC in MP4 for Apple players (-tag:v hvc1)',
    group: 'uploads',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-c:a', 'copy', o],
    api: (i, o) =>
      t(i('movie.mp4'), o, {
        map: [
          { input: 0, stream: 'v', codec: 'libx265', preset: 'ultrafast', tag: 'hvc1', options: { 'x265-params': 'log-level=error' } },
          { input: 0, stream: 'a', codec: 'copy' },
        ],
      }),
  },
  {
    name: 'bit rate with maxrate/bufsize',
    group: 'uploads',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), ...x264, '-b:v', '400k', '-maxrate', '500k', '-bufsize', '1M', '-c:a', 'copy', o],
    api: (i, o) =>
      t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', bitRate: '400k', options: { maxrate: '500k', bufsize: '1M' } }, audio: 'copy' }),
  },
  {
    name: 'MPEG-TS live to MP4 copy',
    group: 'live',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('live.ts'), '-c', 'copy', o],
    api: (i, o) => remux(i('live.ts'), o, { input: { trusted: true } }),
  },
  {
    name: 'MPEG-TS live to fragmented MP4',
    group: 'live',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('live.ts'), '-c', 'copy', '-bsf:a', 'aac_adtstoasc', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', o],
    api: (i, o) => remux(i('live.ts'), o, { input: { trusted: true }, fragmented: true }),
  },
  {
    name: 'MP4 to MPEG-TS copy',
    group: 'live',
    out: 'o.ts',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c', 'copy', o],
    api: (i, o) => remux(i('movie.mp4'), o, { input: { trusted: true } }),
  },
  // HLS / DASH
  {
    name: 'HLS single rendition segmented',
    group: 'streaming',
    out: 'o.m3u8',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c', 'copy', '-hls_time', '1', '-hls_playlist_type', 'vod', o],
    api: (i, o) => remux(i('movie.mp4'), o, { input: { trusted: true }, formatOptions: { hls_time: 1, hls_playlist_type: 'vod' } }),
  },
  {
    name: 'HLS fMP4 segments',
    group: 'streaming',
    out: 'o.m3u8',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c', 'copy', '-hls_time', '1', '-hls_segment_type', 'fmp4', '-hls_playlist_type', 'vod', o],
    api: (i, o) => remux(i('movie.mp4'), o, { input: { trusted: true }, formatOptions: { hls_time: 1, hls_segment_type: 'fmp4', hls_playlist_type: 'vod' } }),
  },
  {
    name: 'HLS encode 240p',
    group: 'streaming',
    out: 'o.m3u8',
    argv: (i, o) => [
      '-i',
      i('movie.mp4'),
      '-vf',
      'scale=-2:180',
      ...x264,
      '-g',
      '25',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-f',
      'hls',
      '-hls_time',
      '1',
      '-hls_list_size',
      '0',
      o,
    ],
    api: (i, o) =>
      t(i('movie.mp4'), o, {
        format: 'hls',
        formatOptions: { hls_time: 1, hls_list_size: 0 },
        video: { codec: 'libx264', preset: 'veryfast', gopSize: 25, filter: 'scale=-2:180' },
        audio: { codec: 'aac', bitRate: '64k' },
      }),
  },
  {
    name: 'HLS ladder, master playlist and audio group',
    group: 'streaming',
    out: 'master.m3u8',
    argv: (i, o) => [
      '-i',
      i('movie.mp4'),
      ...ladderArgs,
      '-f',
      'hls',
      '-hls_time',
      '1',
      '-hls_playlist_type',
      'vod',
      '-hls_segment_type',
      'mpegts',
      '-hls_segment_filename',
      path.join(path.dirname(o), 'v%v', 'seg%05d.ts'),
      '-master_pl_name',
      'master.m3u8',
      '-var_stream_map',
      'v:0,agroup:audio v:1,agroup:audio a:0,agroup:audio',
      path.join(path.dirname(o), 'v%v', 'index.m3u8'),
    ],
    api: (i, o) => ladder(i('movie.mp4'), path.dirname(o), { segmentDuration: 1, renditions: ladderRenditions }),
  },
  {
    name: 'DASH ladder',
    group: 'streaming',
    out: 'manifest.mpd',
    argv: (i, o) => ['-i', i('movie.mp4'), ...ladderArgs, '-f', 'dash', '-seg_duration', '1', '-adaptation_sets', 'id=0,streams=v id=1,streams=a', o],
    api: (i, o) => ladder(i('movie.mp4'), path.dirname(o), { format: 'dash', segmentDuration: 1, renditions: ladderRenditions }),
  },
  {
    name: 'DASH manifest copy',
    group: 'streaming',
    out: 'o.mpd',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c', 'copy', '-f', 'dash', '-seg_duration', '1', o],
    api: (i, o) => remux(i('movie.mp4'), o, { input: { trusted: true }, format: 'dash', formatOptions: { seg_duration: 1 } }),
  },
  {
    name: 'segment muxer 1 s chunks',
    group: 'streaming',
    out: 'o%03d.ts',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c', 'copy', '-f', 'segment', '-segment_time', '1', o],
    api: (i, o) => remux(i('movie.mp4'), o, { input: { trusted: true }, format: 'segment', formatOptions: { segment_time: 1 } }),
  },
  // thumbnails, storyboards, previews
  {
    name: 'one thumbnail at 1 s',
    group: 'thumbnails',
    out: 'o.jpg',
    argv: (i, o) => ['-ss', '1', '-i', i('movie.mp4'), '-frames:v', '1', o],
    api: (i, o) => t(i('movie.mp4'), o, { input: { start: 1 }, video: { maxFrames: 1 }, audio: false }),
  },
  {
    name: 'thumbnail PNG scaled',
    group: 'thumbnails',
    out: 'o.png',
    argv: (i, o) => ['-ss', '0.5', '-i', i('movie.mp4'), '-vf', 'scale=160:-1', '-frames:v', '1', o],
    api: (i, o) => t(i('movie.mp4'), o, { input: { start: 0.5 }, video: { filter: 'scale=160:-1', maxFrames: 1 }, audio: false }),
  },
  {
    name: 'thumbnail every second (image sequence)',
    group: 'thumbnails',
    out: 'o%02d.jpg',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vf', 'fps=1', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { filter: 'fps=1' }, audio: false }),
  },
  {
    name: 'storyboard sprite sheet (select,scale,tile)',
    group: 'thumbnails',
    out: 'o.png',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vf', "select='not(mod(n\\,15))',scale=80:-1,tile=3x2", '-frames:v', '1', '-fps_mode', 'vfr', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { filter: "select='not(mod(n\\,15))',scale=80:-1,tile=3x2", maxFrames: 1, fpsMode: 'vfr' }, audio: false }),
  },
  {
    name: 'scene-change thumbnails',
    group: 'thumbnails',
    out: 'o%02d.png',
    argv: (i, o) => ['-i', i('cuts.mp4'), '-vf', "select='gt(scene,0.1)',scale=80:-1", '-fps_mode', 'vfr', o],
    api: (i, o) => t(i('cuts.mp4'), o, { video: { filter: "select='gt(scene,0.1)',scale=80:-1", fpsMode: 'vfr' }, audio: false }),
  },
  {
    name: 'animated GIF preview',
    group: 'previews',
    out: 'o.gif',
    argv: (i, o) => ['-t', '1', '-i', i('movie.mp4'), '-vf', 'fps=10,scale=120:-1:flags=lanczos', o],
    api: (i, o) => t(i('movie.mp4'), o, { input: { duration: 1 }, video: { filter: 'fps=10,scale=120:-1:flags=lanczos' }, audio: false }),
  },
  {
    name: 'animated GIF with palette',
    group: 'previews',
    out: 'o.gif',
    argv: (i, o) => [
      '-t',
      '1',
      '-i',
      i('movie.mp4'),
      '-filter_complex',
      '[0:v]fps=10,scale=120:-1,split[a][b];[a]palettegen[p];[b][p]paletteuse[v]',
      '-map',
      '[v]',
      o,
    ],
    api: (i, o) =>
      t(i('movie.mp4'), o, { duration: 1, filterComplex: '[0:v]fps=10,scale=120:-1,split[a][b];[a]palettegen[p];[b][p]paletteuse[v]', map: [{ label: 'v' }] }),
  },
  {
    name: 'animated WebP preview',
    group: 'previews',
    out: 'o.webp',
    argv: (i, o) => ['-t', '1', '-i', i('movie.mp4'), '-vf', 'fps=10,scale=120:-1', '-loop', '0', o],
    api: (i, o) => t(i('movie.mp4'), o, { input: { duration: 1 }, video: { filter: 'fps=10,scale=120:-1' }, audio: false, formatOptions: { loop: 0 } }),
  },
  {
    name: 'muted short preview clip',
    group: 'previews',
    out: 'o.mp4',
    argv: (i, o) => ['-ss', '0.5', '-t', '1', '-i', i('movie.mp4'), '-an', '-vf', 'scale=160:-2', ...x264, o],
    api: (i, o) =>
      t(i('movie.mp4'), o, { input: { start: 0.5, duration: 1 }, audio: false, video: { codec: 'libx264', preset: 'veryfast', filter: 'scale=160:-2' } }),
  },
  // generated media (lavfi inputs)
  {
    name: 'test pattern and tone (lavfi inputs)',
    group: 'generated',
    out: 'o.mp4',
    argv: (_i, o) => [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25:duration=2',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=1000:duration=2',
      ...x264,
      '-c:a',
      'aac',
      o,
    ],
    api: (_i, o) =>
      transcode('testsrc2=size=320x240:rate=25:duration=2', o, {
        input: { format: 'lavfi', trusted: true },
        inputs: [{ source: 'sine=frequency=1000:duration=2', format: 'lavfi', trusted: true }],
        map: [
          { input: 0, stream: 'v', codec: 'libx264', preset: 'veryfast' },
          { input: 1, stream: 'a', codec: 'aac' },
        ],
      }),
  },
  {
    name: 'add a silent track (anullsrc, -shortest)',
    group: 'generated',
    out: 'o.mp4',
    argv: (i, o) => [
      '-i',
      i('odd.mp4'),
      '-f',
      'lavfi',
      '-i',
      'anullsrc=channel_layout=stereo:sample_rate=44100',
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-c:v',
      'copy',
      '-c:a',
      'aac',
      '-shortest',
      o,
    ],
    api: (i, o) =>
      t(i('odd.mp4'), o, {
        inputs: [{ source: 'anullsrc=channel_layout=stereo:sample_rate=44100', format: 'lavfi', trusted: true }],
        shortest: true,
        map: [
          { input: 0, stream: 'v', codec: 'copy' },
          { input: 1, stream: 'a', codec: 'aac' },
        ],
      }),
  },
  {
    name: 'color slate with title (lavfi color)',
    group: 'generated',
    out: 'o.mp4',
    argv: (_i, o) => ['-f', 'lavfi', '-i', 'color=c=black:s=320x240:d=1', '-vf', 'drawbox=x=20:y=20:w=100:h=40:color=white:t=fill', ...x264, o],
    api: (_i, o) =>
      transcode('color=c=black:s=320x240:d=1', o, {
        input: { format: 'lavfi', trusted: true },
        video: { codec: 'libx264', preset: 'veryfast', filter: 'drawbox=x=20:y=20:w=100:h=40:color=white:t=fill' },
      }),
  },
  // watermarks, intros, concat
  {
    name: 'PNG watermark overlay',
    group: 'editing',
    out: 'o.mp4',
    argv: (i, o) => [
      '-i',
      i('movie.mp4'),
      '-i',
      i('logo.png'),
      '-filter_complex',
      '[0:v][1:v]overlay=W-w-10:10[v]',
      '-map',
      '[v]',
      '-map',
      '0:a',
      ...x264,
      '-c:a',
      'copy',
      o,
    ],
    api: (i, o) =>
      t(i('movie.mp4'), o, {
        inputs: [i('logo.png')],
        filterComplex: '[0:v][1:v]overlay=W-w-10:10[v]',
        map: [
          { label: 'v', codec: 'libx264', preset: 'veryfast' },
          { input: 0, stream: 'a', codec: 'copy' },
        ],
      }),
  },
  {
    name: 'text-free drawbox watermark',
    group: 'editing',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vf', 'drawbox=x=10:y=10:w=50:h=20:color=white@0.5:t=fill', ...x264, '-c:a', 'copy', o],
    api: (i, o) =>
      t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', filter: 'drawbox=x=10:y=10:w=50:h=20:color=white@0.5:t=fill' }, audio: 'copy' }),
  },
  {
    name: 'intro + main (concat filter)',
    group: 'editing',
    out: 'o.mp4',
    argv: (i, o) => [
      '-i',
      i('clip2.mp4'),
      '-i',
      i('movie.mp4'),
      '-filter_complex',
      '[0:v][0:a][1:v][1:a]concat=n=2:v=1:a=1[v][a]',
      '-map',
      '[v]',
      '-map',
      '[a]',
      ...x264,
      o,
    ],
    api: (i, o) =>
      t(i('clip2.mp4'), o, {
        inputs: [i('movie.mp4')],
        filterComplex: '[0:v][0:a][1:v][1:a]concat=n=2:v=1:a=1[v][a]',
        map: [{ label: 'v', codec: 'libx264', preset: 'veryfast' }, { label: 'a' }],
      }),
  },
  {
    name: 'concat demuxer stream copy',
    group: 'editing',
    out: 'o.mp4',
    argv: (i, o) => ['-f', 'concat', '-safe', '0', '-i', i('list.txt'), '-c', 'copy', o],
    api: (i, o) => remux(i('list.txt'), o, { input: { trusted: true, format: 'concat', options: { safe: 0 } } }),
  },
  {
    name: 'concat demuxer re-encode',
    group: 'editing',
    out: 'o.mp4',
    argv: (i, o) => ['-f', 'concat', '-safe', '0', '-i', i('list.txt'), ...x264, '-c:a', 'aac', o],
    api: (i, o) =>
      t(i('list.txt'), o, {
        input: { trusted: true, format: 'concat', options: { safe: 0 } },
        video: { codec: 'libx264', preset: 'veryfast' },
        audio: { codec: 'aac' },
      }),
  },
  {
    name: 'crop to square',
    group: 'editing',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vf', 'crop=ih:ih', ...x264, '-c:a', 'copy', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', filter: 'crop=ih:ih' }, audio: 'copy' }),
  },
  {
    name: 'pad to 16:9 letterbox',
    group: 'editing',
    out: 'o.mp4',
    argv: (i, o) => [
      '-i',
      i('movie.mp4'),
      '-vf',
      'scale=320:180:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:(oh-ih)/2',
      ...x264,
      '-c:a',
      'copy',
      o,
    ],
    api: (i, o) =>
      t(i('movie.mp4'), o, {
        video: { codec: 'libx264', preset: 'veryfast', filter: 'scale=320:180:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:(oh-ih)/2' },
        audio: 'copy',
      }),
  },
  {
    name: 'side by side (hstack)',
    group: 'editing',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-i', i('clip2.mp4'), '-filter_complex', '[0:v][1:v]hstack=shortest=1[v]', '-map', '[v]', ...x264, o],
    api: (i, o) =>
      t(i('movie.mp4'), o, {
        inputs: [i('clip2.mp4')],
        filterComplex: '[0:v][1:v]hstack=shortest=1[v]',
        map: [{ label: 'v', codec: 'libx264', preset: 'veryfast' }],
      }),
  },
  // speed
  {
    name: '2x speed (setpts + atempo)',
    group: 'speed',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vf', 'setpts=0.5*PTS', '-af', 'atempo=2', ...x264, o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', filter: 'setpts=0.5*PTS' }, audio: { filter: 'atempo=2' } }),
  },
  {
    name: 'half speed slow motion',
    group: 'speed',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vf', 'setpts=2*PTS', '-an', ...x264, o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', filter: 'setpts=2*PTS' }, audio: false }),
  },
  {
    name: 'frame rate change 25 to 10',
    group: 'speed',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vf', 'fps=10', ...x264, '-c:a', 'copy', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', filter: 'fps=10' }, audio: 'copy' }),
  },
  {
    name: 'reverse a short clip',
    group: 'speed',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('clip2.mp4'), '-vf', 'reverse', '-af', 'areverse', ...x264, o],
    api: (i, o) => t(i('clip2.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', filter: 'reverse' }, audio: { filter: 'areverse' } }),
  },
  // loudness and audio
  {
    name: 'loudnorm into AAC',
    group: 'audio',
    out: 'o.m4a',
    argv: (i, o) => ['-i', i('voice.wav'), '-af', 'loudnorm=I=-16:TP=-1.5:LRA=11', '-c:a', 'aac', '-b:a', '96k', o],
    api: (i, o) => t(i('voice.wav'), o, { audio: { codec: 'aac', bitRate: '96k', filter: 'loudnorm=I=-16:TP=-1.5:LRA=11' } }),
  },
  {
    name: 'loudnorm into WAV at 44.1k',
    group: 'audio',
    out: 'o.wav',
    argv: (i, o) => ['-i', i('voice.wav'), '-af', 'loudnorm', '-ar', '44100', o],
    api: (i, o) => t(i('voice.wav'), o, { audio: { filter: 'loudnorm', sampleRate: 44100 } }),
  },
  {
    name: 'extract audio copy (AAC to M4A)',
    group: 'audio',
    out: 'o.m4a',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vn', '-c:a', 'copy', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: false, audio: 'copy' }),
  },
  {
    name: 'extract audio to MP3',
    group: 'audio',
    out: 'o.mp3',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vn', '-c:a', 'libmp3lame', '-q:a', '4', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: false, audio: { codec: 'libmp3lame', options: { global_quality: 472, flags: '+qscale' } } }),
  },
  { name: 'WAV to FLAC', group: 'audio', out: 'o.flac', argv: (i, o) => ['-i', i('voice.wav'), o], api: (i, o) => t(i('voice.wav'), o, {}) },
  {
    name: 'FLAC to 16-bit 44.1k WAV',
    group: 'audio',
    out: 'o.wav',
    argv: (i, o) => ['-i', i('music.flac'), '-ar', '44100', '-sample_fmt', 's16', o],
    api: (i, o) => t(i('music.flac'), o, { audio: { sampleRate: 44100, sampleFormat: 's16' } }),
  },
  {
    name: 'stereo to mono Opus',
    group: 'audio',
    out: 'o.opus',
    argv: (i, o) => ['-i', i('music.flac'), '-ac', '1', '-c:a', 'libopus', '-b:a', '32k', o],
    api: (i, o) => t(i('music.flac'), o, { audio: { codec: 'libopus', channels: 1, bitRate: '32k' } }),
  },
  {
    name: 'podcast: mono 64k MP3 with tags',
    group: 'audio',
    out: 'o.mp3',
    argv: (i, o) => ['-i', i('voice.wav'), '-ac', '1', '-b:a', '64k', '-metadata', 'title=Episode 1', '-metadata', 'artist=Host', o],
    api: (i, o) => t(i('voice.wav'), o, { audio: { channels: 1, bitRate: '64k' }, metadata: { title: 'Episode 1', artist: 'Host' } }),
  },
  {
    name: 'podcast with cover art',
    group: 'audio',
    out: 'o.mp3',
    argv: (i, o) => [
      '-i',
      i('voice.wav'),
      '-i',
      i('cover.jpg'),
      '-map',
      '0:a',
      '-map',
      '1:v',
      '-c:v',
      'copy',
      '-b:a',
      '64k',
      '-disposition:v',
      'attached_pic',
      o,
    ],
    api: (i, o) =>
      t(i('voice.wav'), o, {
        inputs: [i('cover.jpg')],
        map: [
          { input: 0, stream: 'a', bitRate: '64k' },
          { input: 1, stream: 'v', codec: 'copy', disposition: 'attached_pic' },
        ],
      }),
  },
  {
    name: 'volume boost',
    group: 'audio',
    out: 'o.m4a',
    argv: (i, o) => ['-i', i('voice.wav'), '-af', 'volume=2.0', '-c:a', 'aac', o],
    api: (i, o) => t(i('voice.wav'), o, { audio: { codec: 'aac', filter: 'volume=2.0' } }),
  },
  {
    name: 'silence trim (silenceremove)',
    group: 'audio',
    out: 'o.wav',
    argv: (i, o) => ['-i', i('voice.wav'), '-af', 'silenceremove=start_periods=1:start_threshold=-50dB', o],
    api: (i, o) => t(i('voice.wav'), o, { audio: { filter: 'silenceremove=start_periods=1:start_threshold=-50dB' } }),
  },
  {
    name: 'mix two audio tracks (amix)',
    group: 'audio',
    out: 'o.m4a',
    argv: (i, o) => [
      '-i',
      i('voice.wav'),
      '-i',
      i('music.flac'),
      '-filter_complex',
      '[0:a][1:a]amix=inputs=2:duration=shortest[a]',
      '-map',
      '[a]',
      '-c:a',
      'aac',
      o,
    ],
    api: (i, o) =>
      t(i('voice.wav'), o, { inputs: [i('music.flac')], filterComplex: '[0:a][1:a]amix=inputs=2:duration=shortest[a]', map: [{ label: 'a', codec: 'aac' }] }),
  },
  {
    name: 'pick the second audio track',
    group: 'audio',
    out: 'o.m4a',
    argv: (i, o) => ['-i', i('multi-audio.mkv'), '-map', '0:a:1', '-c:a', 'aac', o],
    api: (i, o) => t(i('multi-audio.mkv'), o, { map: [{ input: 0, stream: 'a:1', codec: 'aac' }] }),
  },
  {
    name: 'audio track by language (m:language)',
    group: 'audio',
    out: 'o.mka',
    argv: (i, o) => ['-i', i('multi-audio.mkv'), '-map', '0:m:language:spa', '-c', 'copy', o],
    api: (i, o) => t(i('multi-audio.mkv'), o, { map: [{ input: 0, stream: 2, codec: 'copy' }] }),
  },
  {
    name: 'keep all audio tracks, re-encode video',
    group: 'audio',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('multi-audio.mkv'), '-map', '0:v', '-map', '0:a', ...x264, '-c:a', 'copy', o],
    api: (i, o) =>
      t(i('multi-audio.mkv'), o, {
        map: [
          { input: 0, stream: 'v', codec: 'libx264', preset: 'veryfast' },
          { input: 0, stream: 'a', codec: 'copy' },
        ],
      }),
  },
  {
    name: 'per-stream codecs (-c:a:0 / -c:a:1)',
    group: 'audio',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('multi-audio.mkv'), '-map', '0', '-c:v', 'copy', '-c:a:0', 'libopus', '-c:a:1', 'copy', o],
    api: (i, o) =>
      t(i('multi-audio.mkv'), o, {
        map: [
          { input: 0, stream: 'v', codec: 'copy' },
          { input: 0, stream: 'a:0', codec: 'libopus' },
          { input: 0, stream: 'a:1', codec: 'copy' },
        ],
      }),
  },
  // subtitles
  {
    name: 'SRT to WebVTT',
    group: 'subtitles',
    out: 'o.vtt',
    argv: (i, o) => ['-i', i('subs.srt'), o],
    api: (i, o) => t(i('subs.srt'), o, { subtitles: { codec: 'webvtt' } }),
  },
  {
    name: 'extract subtitles from MKV',
    group: 'subtitles',
    out: 'o.srt',
    argv: (i, o) => ['-i', i('movie.mkv'), '-map', '0:s:0', o],
    api: (i, o) => t(i('movie.mkv'), o, { map: [{ input: 0, stream: 's:0', codec: 'subrip' }] }),
  },
  {
    name: 'add SRT as mov_text to MP4',
    group: 'subtitles',
    out: 'o.mp4',
    argv: (i, o) => [
      '-i',
      i('movie.mp4'),
      '-i',
      i('subs.srt'),
      '-map',
      '0',
      '-map',
      '1',
      '-c',
      'copy',
      '-c:s',
      'mov_text',
      '-metadata:s:s:0',
      'language=eng',
      o,
    ],
    api: (i, o) =>
      t(i('movie.mp4'), o, {
        inputs: [i('subs.srt')],
        map: [
          { input: 0, stream: 'v', codec: 'copy' },
          { input: 0, stream: 'a', codec: 'copy' },
          { input: 1, stream: 's', codec: 'mov_text', metadata: { language: 'eng' } },
        ],
      }),
  },
  { name: 'MKV with subtitles default mapping', group: 'subtitles', out: 'o.mkv', argv: (i, o) => ['-i', i('movie.mkv'), '-c:v', 'copy', '-c:a', 'copy', o] },
  {
    name: 'burn in subtitles',
    group: 'subtitles',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vf', `subtitles=${i('subs.srt')}`, ...x264, '-c:a', 'copy', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', filter: `subtitles=${i('subs.srt')}` }, audio: 'copy' }),
  },
  {
    name: 'drop subtitles (-sn)',
    group: 'subtitles',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('movie.mkv'), '-sn', '-c', 'copy', o],
    api: (i, o) => remux(i('movie.mkv'), o, { input: { trusted: true }, streams: ['v', 'a'] }),
  },
  // stills and image sequences
  {
    name: 'still image + audio to video',
    group: 'images',
    out: 'o.mp4',
    argv: (i, o) => [
      '-loop',
      '1',
      '-i',
      i('cover.jpg'),
      '-i',
      i('voice.wav'),
      '-map',
      '0:v',
      '-map',
      '1:a',
      ...x264,
      '-tune',
      'stillimage',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      o,
    ],
    api: (i, o) =>
      t(i('cover.jpg'), o, {
        input: { options: { loop: 1 } },
        inputs: [i('voice.wav')],
        shortest: true,
        map: [
          { input: 0, stream: 'v', codec: 'libx264', preset: 'veryfast', pixelFormat: 'yuv420p', options: { tune: 'stillimage' } },
          { input: 1, stream: 'a', codec: 'aac' },
        ],
      }),
  },
  {
    name: 'image sequence to video',
    group: 'images',
    out: 'o.mp4',
    argv: (i, o) => ['-framerate', '10', '-i', i('frames/img%03d.png'), ...x264, '-pix_fmt', 'yuv420p', o],
    api: (i, o) =>
      t(i('frames/img%03d.png'), o, { input: { options: { framerate: 10 } }, video: { codec: 'libx264', preset: 'veryfast', pixelFormat: 'yuv420p' } }),
  },
  {
    name: 'video to image sequence',
    group: 'images',
    out: 'o%03d.png',
    argv: (i, o) => ['-i', i('clip2.mp4'), '-vf', 'scale=80:-1', o],
    api: (i, o) => t(i('clip2.mp4'), o, { video: { filter: 'scale=80:-1' }, audio: false }),
  },
  { name: 'single PNG to JPEG', group: 'images', out: 'o.jpg', argv: (i, o) => ['-i', i('logo.png'), o], api: (i, o) => t(i('logo.png'), o, {}) },
  // trims
  {
    name: 'trim with stream copy (-ss before -i)',
    group: 'trims',
    out: 'o.mp4',
    argv: (i, o) => ['-ss', '1', '-i', i('movie.mp4'), '-t', '1', '-c', 'copy', o],
    api: (i, o) => remux(i('movie.mp4'), o, { input: { trusted: true, start: 1 }, duration: 1 }),
  },
  {
    name: 'frame-exact trim (re-encode)',
    group: 'trims',
    out: 'o.mp4',
    argv: (i, o) => ['-ss', '0.52', '-i', i('movie.mp4'), '-t', '1.2', ...x264, '-c:a', 'aac', o],
    api: (i, o) => t(i('movie.mp4'), o, { input: { start: 0.52 }, duration: 1.2, video: { codec: 'libx264', preset: 'veryfast' }, audio: { codec: 'aac' } }),
  },
  {
    name: 'trim with -to',
    group: 'trims',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('movie.mp4'), '-to', '1.5', ...x264, '-c:a', 'copy', o],
    api: (i, o) => t(i('movie.mp4'), o, { duration: 1.5, video: { codec: 'libx264', preset: 'veryfast' }, audio: 'copy' }),
  },
  {
    name: 'trim filter (trim/atrim)',
    group: 'trims',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-vf', 'trim=0.5:1.5,setpts=PTS-STARTPTS', '-af', 'atrim=0.5:1.5,asetpts=PTS-STARTPTS', ...x264, o],
    api: (i, o) =>
      t(i('movie.mp4'), o, {
        video: { codec: 'libx264', preset: 'veryfast', filter: 'trim=0.5:1.5,setpts=PTS-STARTPTS' },
        audio: { filter: 'atrim=0.5:1.5,asetpts=PTS-STARTPTS' },
      }),
  },
  {
    name: 'first 10 frames',
    group: 'trims',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-frames:v', '10', ...x264, '-an', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', maxFrames: 10 }, audio: false }),
  },
  // metadata and chapters
  {
    name: 'set title metadata on copy',
    group: 'metadata',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c', 'copy', '-metadata', 'title=New title', '-metadata', 'comment=ok', o],
    api: (i, o) => remux(i('movie.mp4'), o, { input: { trusted: true }, metadata: { title: 'New title', comment: 'ok' } }),
  },
  {
    name: 'strip metadata and chapters',
    group: 'metadata',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('movie.mkv'), '-map_metadata', '-1', '-map_chapters', '-1', '-c', 'copy', o],
    api: (i, o) => remux(i('movie.mkv'), o, { input: { trusted: true }, copyMetadata: false, chapters: false }),
  },
  {
    name: 'chapters kept on MKV to MP4',
    group: 'metadata',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mkv'), '-map', '0:v', '-map', '0:a', '-c', 'copy', o],
    api: (i, o) => remux(i('movie.mkv'), o, { input: { trusted: true }, streams: ['v', 'a'] }),
  },
  {
    name: 'stream language tag',
    group: 'metadata',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c', 'copy', '-metadata:s:a:0', 'language=deu', o],
    api: (i, o) =>
      t(i('movie.mp4'), o, {
        map: [
          { input: 0, stream: 'v', codec: 'copy' },
          { input: 0, stream: 'a', codec: 'copy', metadata: { language: 'deu' } },
        ],
      }),
  },
  {
    name: 'MP3 tags kept on re-encode',
    group: 'metadata',
    out: 'o.mp3',
    argv: (i, o) => ['-i', i('song.mp3'), '-b:a', '96k', o],
    api: (i, o) => t(i('song.mp3'), o, { audio: { bitRate: '96k' } }),
  },
  {
    name: 'disposition default off',
    group: 'metadata',
    out: 'o.mkv',
    argv: (i, o) => ['-i', i('multi-audio.mkv'), '-map', '0', '-c', 'copy', '-disposition:a:1', 'default', o],
    api: (i, o) =>
      t(i('multi-audio.mkv'), o, {
        map: [
          { input: 0, stream: 'v', codec: 'copy' },
          { input: 0, stream: 'a:0', codec: 'copy' },
          { input: 0, stream: 'a:1', codec: 'copy', disposition: 'default' },
        ],
      }),
  },
  // containers and encoders
  {
    name: 'MKV to MP4 remux',
    group: 'containers',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mkv'), '-map', '0:v', '-map', '0:a', '-c', 'copy', '-movflags', '+faststart', o],
    api: (i, o) => remux(i('movie.mkv'), o, { input: { trusted: true }, streams: ['v', 'a'], fastStart: true }),
  },
  {
    name: 'MP4 to MOV copy',
    group: 'containers',
    out: 'o.mov',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c', 'copy', o],
    api: (i, o) => remux(i('movie.mp4'), o, { input: { trusted: true } }),
  },
  {
    name: 'MPEG-2 DVD-style',
    group: 'containers',
    out: 'o.mpg',
    argv: (i, o) => ['-i', i('movie.mp4'), '-c:v', 'mpeg2video', '-q:v', '5', '-c:a', 'mp2', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { codec: 'mpeg2video', options: { global_quality: 590, flags: '+qscale' } }, audio: { codec: 'mp2' } }),
  },
  {
    name: 'MJPEG AVI',
    group: 'containers',
    out: 'o.avi',
    argv: (i, o) => ['-i', i('clip2.mp4'), '-c:v', 'mjpeg', '-q:v', '3', '-c:a', 'pcm_s16le', o],
    api: (i, o) => t(i('clip2.mp4'), o, { video: { codec: 'mjpeg', options: { global_quality: 354, flags: '+qscale' } }, audio: { codec: 'pcm_s16le' } }),
  },
  {
    name: 'raw NUT with FFV1 lossless',
    group: 'containers',
    out: 'o.nut',
    argv: (i, o) => ['-i', i('clip2.mp4'), '-c:v', 'ffv1', '-c:a', 'flac', o],
    api: (i, o) => t(i('clip2.mp4'), o, { video: { codec: 'ffv1' }, audio: { codec: 'flac' } }),
  },
  {
    name: 'two outputs from one command',
    group: 'outputs',
    out: 'o.mp4',
    more: ['.m4a'],
    argv: (i, o) => ['-i', i('movie.mp4'), ...x264, '-c:a', 'copy', o, '-vn', '-c:a', 'copy', `${o}.m4a`],
    api: (i, o) =>
      transcode(i('movie.mp4'), [
        { output: o, video: { codec: 'libx264', preset: 'veryfast' }, audio: 'copy' },
        { output: `${o}.m4a`, video: false, audio: 'copy' },
      ]),
  },
  {
    name: 'x264 profile/level and tune',
    group: 'encoders',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), ...x264, '-profile:v', 'main', '-level', '3.1', '-tune', 'film', '-c:a', 'copy', o],
    api: (i, o) =>
      t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', options: { profile: 'main', level: '3.1', tune: 'film' } }, audio: 'copy' }),
  },
  {
    name: 'keyframe interval and no B-frames',
    group: 'encoders',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), ...x264, '-g', '10', '-bf', '0', '-an', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', gopSize: 10, options: { bf: 0 } }, audio: false }),
  },
  {
    name: 'size with -s and aspect',
    group: 'encoders',
    out: 'o.mp4',
    argv: (i, o) => ['-i', i('movie.mp4'), '-s', '160x120', '-aspect', '16:9', ...x264, '-an', o],
    api: (i, o) => t(i('movie.mp4'), o, { video: { codec: 'libx264', preset: 'veryfast', width: 160, height: 120, filter: 'setdar=16/9' }, audio: false }),
  },
  {
    name: 'audio resample 8k mono u-law WAV',
    group: 'encoders',
    out: 'o.wav',
    argv: (i, o) => ['-i', i('voice.wav'), '-ar', '8000', '-ac', '1', '-c:a', 'pcm_mulaw', o],
    api: (i, o) => t(i('voice.wav'), o, { audio: { codec: 'pcm_mulaw', sampleRate: 8000, channels: 1 } }),
  },
];
