// Options every route must refuse with the same message: transcode()/remux()/thumbnails(), an
// Engine's submit, the BullMQ worker's check of a job's data (and the CLI's --options). Each
// route's test imports this table; `valid` ones must pass everywhere, JSON Schema included.
import { MAX_THREADS } from '../src/options/rules.js';

export type OptionKind = 'transcode' | 'remux' | 'thumbnails';

export interface InvalidOptionCase {
  name: string;
  kind: OptionKind;
  options: Record<string, unknown>;
  /** The exact TypeError message. */
  message: string;
}

export const INVALID_OPTIONS: readonly InvalidOptionCase[] = [
  {
    name: 'unknown key, close to a known one',
    kind: 'transcode',
    options: { durtion: 5 },
    message: "Expected a known option (did you mean 'duration'?) for durtion but received 5 (number)",
  },
  {
    name: 'unknown key in video',
    kind: 'transcode',
    options: { video: { codec: 'libx264', crff: 23 } },
    message: "Expected a known option (did you mean 'crf'?) for video.crff but received 23 (number)",
  },
  {
    name: 'an old name (fps)',
    kind: 'transcode',
    options: { map: [{ stream: 'v', fps: 25 }] },
    message: "Expected a known option (did you mean 'frameRate'?) for map[0].fps but received 25 (number)",
  },
  {
    name: 'an old name (gop)',
    kind: 'transcode',
    options: { video: { gop: 48 } },
    message: "Expected a known option (did you mean 'gopSize'?) for video.gop but received 48 (number)",
  },
  {
    name: 'unknown key, nothing close',
    kind: 'transcode',
    options: { video: { zzzzzz: 1 } },
    message:
      'Expected a known option (codec, bitRate, filter, threads, options, metadata, crf, preset, width, height, frameRate, fpsMode, pixelFormat, gopSize, maxFrames) for video.zzzzzz but received 1 (number)',
  },
  {
    name: 'unknown key in audio',
    kind: 'transcode',
    options: { audio: { sampleRat: 44100 } },
    message: "Expected a known option (did you mean 'sampleRate'?) for audio.sampleRat but received 44100 (number)",
  },
  {
    name: 'unknown key in map',
    kind: 'transcode',
    options: { map: [{ stream: 'v' }, { stream: 'a', codc: 'aac' }] },
    message: "Expected a known option (did you mean 'codec'?) for map[1].codc but received 'aac' (string)",
  },
  {
    name: 'unknown key in input',
    kind: 'transcode',
    options: { input: { formt: 'mp4' } },
    message: "Expected a known option (did you mean 'format'?) for input.formt but received 'mp4' (string)",
  },
  {
    name: 'unknown key in inputs',
    kind: 'transcode',
    options: { inputs: [{ source: 'b.mp4', strt: 1 }] },
    message: "Expected a known option (did you mean 'start'?) for inputs[0].strt but received 1 (number)",
  },
  {
    name: 'unknown key in hardware',
    kind: 'transcode',
    options: { hardware: { type: 'vaapi', devcie: '/dev/dri/renderD128' } },
    message: "Expected a known option (did you mean 'device'?) for hardware.devcie but received '/dev/dri/renderD128' (string)",
  },
  { name: 'wrong type', kind: 'transcode', options: { video: { crf: 'high' } }, message: "Expected a number for video.crf but received 'high' (string)" },
  {
    name: 'wrong type (settings)',
    kind: 'transcode',
    options: { audio: 'aac' },
    message: "Expected audio settings, 'copy' or false for audio but received 'aac' (string)",
  },
  {
    name: 'wrong type (bit rate)',
    kind: 'transcode',
    options: { video: { bitRate: '2 megabits' } },
    message: "Expected bits per second (a number > 0, or a string like '2M' or '128k') for video.bitRate but received '2 megabits' (string)",
  },
  {
    name: 'out of range',
    kind: 'transcode',
    options: { video: { width: 0 } },
    message: 'Expected an integer number of pixels from 1 to 32768 for video.width but received 0 (number)',
  },
  {
    name: 'out of range (seconds)',
    kind: 'transcode',
    options: { start: -1 },
    message: 'Expected a number of seconds >= 0 for start but received -1 (number)',
  },
  {
    name: 'out of range (frame rate)',
    kind: 'transcode',
    options: { video: { frameRate: '30000/0' } },
    message: "Expected a frame rate > 0 (a number, or 'num/den' like '30000/1001') for video.frameRate but received '30000/0' (string)",
  },
  {
    name: 'remux: unknown key',
    kind: 'remux',
    options: { bitstreamFilter: { 0: 'h264_mp4toannexb' } },
    message: "Expected a known option (did you mean 'bitstreamFilters'?) for bitstreamFilter but received an object",
  },
  {
    name: 'remux: wrong type',
    kind: 'remux',
    options: { streams: 'v' },
    message: "Expected an array of stream indexes or specifiers ('v', 'a:0') for streams but received 'v' (string)",
  },
  {
    name: 'remux: unknown key in input',
    kind: 'remux',
    options: { input: { highwater: 1 } },
    message: "Expected a known option (did you mean 'highWater'?) for input.highwater but received 1 (number)",
  },
  {
    name: 'thumbnails: unknown key',
    kind: 'thumbnails',
    options: { widht: 32 },
    message: "Expected a known option (did you mean 'width'?) for widht but received 32 (number)",
  },
  {
    name: 'thumbnails: out of range',
    kind: 'thumbnails',
    options: { count: 0 },
    message: 'Expected an integer from 1 to 10000 for count but received 0 (number)',
  },
  {
    name: 'thumbnails: more images than one job makes',
    kind: 'thumbnails',
    options: { count: 1e9 },
    message: 'Expected an integer from 1 to 10000 for count but received 1000000000 (number)',
  },
  {
    name: 'threads past what the machine runs',
    kind: 'transcode',
    options: { threads: 1e6 },
    message: `Expected an integer from 0 to ${MAX_THREADS} for threads but received 1000000 (number)`,
  },
  {
    name: 'a picture side past 32768',
    kind: 'transcode',
    options: { video: { codec: 'mpeg4', width: 100_000 } },
    message: 'Expected an integer number of pixels from 1 to 32768 for video.width but received 100000 (number)',
  },
  {
    name: 'a string with a NUL',
    kind: 'remux',
    options: { metadata: { title: 'a\u0000b' } },
    message: "Expected a string without NUL characters for metadata.title but received 'a\u0000b' (string)",
  },
  {
    name: 'thumbnails: wrong type',
    kind: 'thumbnails',
    options: { format: 'gif' },
    message: "Expected 'jpeg', 'png' or 'webp' for format but received 'gif' (string)",
  },
];

export interface ValidOptionCase {
  name: string;
  kind: OptionKind;
  options: Record<string, unknown>;
}

/** Options every route accepts (data only: they can be queued for another machine). */
export const VALID_OPTIONS: readonly ValidOptionCase[] = [
  { name: 'nothing', kind: 'transcode', options: {} },
  {
    name: 'video and audio settings',
    kind: 'transcode',
    options: {
      video: { codec: 'libx264', crf: 23, preset: 'fast', frameRate: '30000/1001', gopSize: 48, bitRate: '2M', options: { tune: 'film' } },
      audio: { codec: 'aac', bitRate: 128000, channels: 2 },
    },
  },
  {
    name: 'copy and none',
    kind: 'transcode',
    options: { video: 'copy', audio: false, subtitles: 'copy', start: 1.5, duration: 2, metadata: { title: 'x' }, chapters: false },
  },
  {
    name: 'map and filterComplex',
    kind: 'transcode',
    options: {
      inputs: ['b.mp4', { source: 'c.mp4', start: 1 }],
      filterComplex: '[0:v][1:v]hstack[out]',
      map: [
        { label: 'out', codec: 'libx264' },
        { input: 0, stream: 'a:0', codec: 'copy' },
      ],
    },
  },
  { name: 'hardware', kind: 'transcode', options: { hardware: { type: 'vaapi', device: '/dev/dri/renderD128' }, video: { codec: 'h264', frameRate: 25 } } },
  {
    name: 'remux',
    kind: 'remux',
    options: { streams: [0, 'a:0'], bitstreamFilters: { 0: 'h264_mp4toannexb' }, fastStart: true, input: { format: 'mpegts', timeout: 5000 } },
  },
  { name: 'thumbnails', kind: 'thumbnails', options: { times: [0, 1.5], width: 160, format: 'png', keyframes: false, hardware: 'auto' } },
];
