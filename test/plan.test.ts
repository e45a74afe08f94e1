// The pure planner (src/pipeline/plan.ts), from options and probed inputs to the plan the native
// pipeline runs: stream selection, copy or encode, bitstream filters, filter chains and graphs,
// trimming, metadata and chapters, thumbnails. Synthetic inputs, no files, no addon: fast.
// The assertions read a few fields of the plan each (which stream, which codec, which graph),
// not the whole object, so that the plan can grow fields without these tests changing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { StreamDescription } from '../src/core/stream.js';
import { AvError } from '../src/errors.js';
import {
  planRemux,
  planThumbnails,
  planTranscode,
  selectStreams,
  thumbnailTimes,
  type GraphPads,
  type InputDescription,
  type NativePlan,
} from '../src/pipeline/plan.js';
import type { TranscodeOptions } from '../src/pipeline/types.js';

// ---- synthetic inputs ----

/** A stream as the planner reads it: its type, codec name and dispositions. */
interface StreamSpec {
  type: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment';
  codec: string;
  default?: boolean;
  attachedPic?: boolean;
}

const video = (codec = 'h264', more: Partial<StreamSpec> = {}): StreamSpec => ({ type: 'video', codec, ...more });
const audio = (codec = 'aac', more: Partial<StreamSpec> = {}): StreamSpec => ({ type: 'audio', codec, ...more });
const subtitle = (codec = 'mov_text'): StreamSpec => ({ type: 'subtitle', codec });
const data = (): StreamSpec => ({ type: 'data', codec: 'bin_data' });

/** An input as Demuxer.open describes it, with only the fields the planner reads filled in. */
function inputOf(url: string, format: string, streams: StreamSpec[]): InputDescription {
  return {
    format: { url, name: format } as InputDescription['format'],
    streams: streams.map(
      (s, index) =>
        ({
          index,
          type: s.type,
          codec: { codecName: s.codec },
          disposition: { default: s.default === true, attached_pic: s.attachedPic === true },
        }) as unknown as StreamDescription,
    ),
  };
}

const MP4_DEMUXER = 'mov,mp4,m4a,3gp,3g2,mj2';
/** video 0, audio 1: the usual clip */
const clip = (): InputDescription => inputOf('clip.mp4', MP4_DEMUXER, [video(), audio()]);
/** ADTS AAC in MPEG-TS: H.264 0, AAC 1 */
const ts = (): InputDescription => inputOf('live.ts', 'mpegts', [video(), audio()]);

/** The output streams in short: what each copies or encodes. */
const outputs = (plan: NativePlan) =>
  plan.streams.map((s) => (s.copy ? { copy: true, input: s.input, stream: s.stream, bsf: s.bsf } : { input: s.input, stream: s.stream, codec: s.codec }));

/** The filter graph description behind output stream `i`. */
const graphOf = (plan: NativePlan, i: number): string => plan.graphs[plan.streams[i]!.graph!]!.description;

const transcode = (inputs: InputDescription[], o: TranscodeOptions, extra?: Parameters<typeof planTranscode>[3]): NativePlan =>
  planTranscode(inputs, o, [o.input ?? {}, ...(o.inputs ?? []).map(() => ({}))], extra);

const avError = (code: string) => (e: unknown) => e instanceof AvError && e.code === code;
const typeError = (name: string) => (e: unknown) => e instanceof TypeError && e.message.includes(` for ${name} but received `);

// ---- stream specifiers ----

describe('selectStreams', () => {
  const input = inputOf('in.mkv', 'matroska,webm', [video(), audio('aac'), audio('opus'), subtitle('ass'), video('mjpeg', { attachedPic: true })]);

  test('an index, as a number or a string of digits', () => {
    assert.deepEqual(selectStreams(input, 2, 'map'), [2]);
    assert.deepEqual(selectStreams(input, '3', 'map'), [3]);
  });

  test("a type takes every stream of it, a cover picture is not video; 'a:1' the second audio", () => {
    assert.deepEqual(selectStreams(input, 'v', 'map'), [0]);
    assert.deepEqual(selectStreams(input, 'a', 'map'), [1, 2]);
    assert.deepEqual(selectStreams(input, 'a:1', 'map'), [2]);
    assert.deepEqual(selectStreams(input, 's:0', 'map'), [3]);
    assert.deepEqual(selectStreams(input, 'd', 'map'), []);
  });

  test('a stream that is not there is STREAM_NOT_FOUND; a specifier that does not parse is a TypeError', () => {
    assert.throws(() => selectStreams(input, 5, 'map'), avError('STREAM_NOT_FOUND'));
    assert.throws(() => selectStreams(input, -1, 'map'), avError('STREAM_NOT_FOUND'));
    assert.throws(() => selectStreams(input, 'a:2', 'map'), avError('STREAM_NOT_FOUND'));
    assert.throws(() => selectStreams(input, 'x', 'map.stream'), typeError('map.stream'));
    assert.throws(() => selectStreams(input, 'v:', 'map.stream'), typeError('map.stream'));
  });
});

// ---- transcode: which streams ----

describe('planTranscode: stream choice, copy or encode', () => {
  test('by default the default-disposition video and audio are decoded, through null graphs, into the container default encoders', () => {
    const input = inputOf('in.mkv', 'matroska,webm', [audio('aac'), video('h264'), video('hevc', { default: true }), audio('opus', { default: true })]);
    const plan = transcode([input], {});
    assert.deepEqual(outputs(plan), [
      { input: 0, stream: 2, codec: '' },
      { input: 0, stream: 3, codec: '' },
    ]);
    assert.deepEqual(
      plan.decoders.map((d) => d.stream),
      [2, 3],
    );
    assert.equal(graphOf(plan, 0), 'null');
    assert.equal(graphOf(plan, 1), 'anull');
    assert.deepEqual(plan.graphs[0]!.sinks, [{ label: 'out', type: 'video' }]);
  });

  test('without a default disposition the first stream of each type; a cover picture is never the video', () => {
    const input = inputOf('in.mp3', 'mp3', [video('mjpeg', { attachedPic: true }), audio('mp3')]);
    assert.deepEqual(outputs(transcode([input], {})), [{ input: 0, stream: 1, codec: '' }]);
  });

  test("video: false and audio: 'copy' leave the video out and copy the audio", () => {
    const plan = transcode([clip()], { video: false, audio: 'copy' });
    assert.deepEqual(outputs(plan), [{ copy: true, input: 0, stream: 1, bsf: '' }]);
    assert.equal(plan.decoders.length, 0);
  });

  test("subtitles: 'copy' copies every subtitle stream; { codec } converts them", () => {
    const input = inputOf('in.mkv', 'matroska,webm', [video(), subtitle('subrip'), subtitle('ass')]);
    const copied = transcode([input], { video: 'copy', subtitles: 'copy' });
    assert.deepEqual(
      outputs(copied).map((s) => s.stream),
      [0, 1, 2],
    );
    assert.ok(copied.streams.every((s) => s.copy));
    const converted = transcode([input], { video: 'copy', subtitles: { codec: 'webvtt' } });
    assert.deepEqual(
      converted.streams.slice(1).map((s) => [s.subtitle, s.stream, s.codec]),
      [
        [true, 1, 'webvtt'],
        [true, 2, 'webvtt'],
      ],
    );
  });

  test('an input with nothing the options select is STREAM_NOT_FOUND', () => {
    assert.throws(() => transcode([clip()], { video: false, audio: false }), avError('STREAM_NOT_FOUND'));
    assert.throws(() => transcode([inputOf('in.srt', 'srt', [subtitle('subrip')])], {}), avError('STREAM_NOT_FOUND'));
  });
});

// ---- transcode: map ----

describe('planTranscode: map', () => {
  const two = (): InputDescription[] => [
    inputOf('a.mkv', 'matroska,webm', [video(), audio('aac'), audio('ac3'), data()]),
    inputOf('b.mp4', MP4_DEMUXER, [video('hevc')]),
  ];

  test('entries in order, by specifier and input; a data stream is copied', () => {
    const plan = transcode(two(), { inputs: ['b.mp4'], map: [{ stream: 'a:1' }, { input: 1, stream: 'v' }, { stream: 3 }] });
    assert.deepEqual(outputs(plan), [
      { input: 0, stream: 2, codec: '' },
      { input: 1, stream: 0, codec: '' },
      { copy: true, input: 0, stream: 3, bsf: '' },
    ]);
    assert.deepEqual(
      plan.decoders.map((d) => [d.input, d.stream]),
      [
        [0, 2],
        [1, 0],
      ],
    );
  });

  test("an entry's settings override video/audio's defaults; a stream mapped twice is decoded once", () => {
    const plan = transcode(two(), { video: { codec: 'libx264', crf: 23 }, map: [{ stream: 'v' }, { stream: 'v', codec: 'libx265', width: 640 }] });
    assert.deepEqual(
      plan.streams.map((s) => s.codec),
      ['libx264', 'libx265'],
    );
    assert.deepEqual(plan.streams[0]!.options, { crf: 23 });
    assert.equal(graphOf(plan, 1), 'scale=640:-2');
    assert.equal(plan.decoders.length, 1);
    assert.equal(plan.graphs[0]!.sources[0]!.decoder, plan.graphs[1]!.sources[0]!.decoder);
  });

  test("audio: 'copy' applies to audio entries of the map", () => {
    const plan = transcode(two(), { audio: 'copy', map: [{ stream: 'v' }, { stream: 'a' }] });
    assert.deepEqual(
      plan.streams.map((s) => s.copy === true),
      [false, true, true],
    );
  });

  test('a map naming a missing input or stream is STREAM_NOT_FOUND', () => {
    assert.throws(() => transcode(two(), { map: [{ input: 2, stream: 'v' }] }), avError('STREAM_NOT_FOUND'));
    assert.throws(() => transcode(two(), { map: [{ stream: 'a:5' }] }), avError('STREAM_NOT_FOUND'));
    assert.throws(() => transcode(two(), { map: [{ stream: 'q' }] }), typeError('map.stream'));
  });
});

// ---- transcode: filters and encoder settings ----

describe('planTranscode: filter chains and encoder settings', () => {
  test("video: the user filter first, then scale and format; the frame rate is the encoder's (as -r); crf, preset and gopSize are encoder options", () => {
    const plan = transcode([clip()], {
      audio: false,
      video: { codec: 'libx264', filter: 'hflip', width: 640, frameRate: 30, pixelFormat: 'yuv420p', crf: 20, preset: 'fast', gopSize: 48 },
    });
    assert.equal(graphOf(plan, 0), 'hflip,scale=640:-2,format=pix_fmts=yuv420p');
    assert.deepEqual(plan.streams[0]!.options, { crf: 20, preset: 'fast', g: 48 });
    assert.deepEqual(plan.streams[0]!.frameRate, { num: 30, den: 1 });
  });

  test('only a height keeps the aspect ratio (-2 for the width); NTSC rates become 1001 fractions', () => {
    const plan = transcode([clip()], { audio: false, video: { height: 360, frameRate: 29.97 } });
    assert.equal(graphOf(plan, 0), 'scale=-2:360');
    assert.deepEqual(plan.streams[0]!.frameRate, { num: 30000, den: 1001 });
  });

  test('audio: one aformat with the sample format, the rate (libavfilter resamples to it) and the layout a channel count stands for', () => {
    const plan = transcode([clip()], { video: false, audio: { codec: 'aac', sampleRate: 48000, channels: 1, sampleFormat: 'fltp', bitRate: '128k' } });
    assert.equal(graphOf(plan, 0), 'aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=mono');
    assert.equal(plan.streams[0]!.bitRate, 128_000);
    assert.equal(graphOf(transcode([clip()], { video: false, audio: { channels: 6 } }), 0), 'aformat=channel_layouts=5.1');
  });

  test('threads: a stream setting wins over the job setting, for the decoder and the encoder', () => {
    const plan = transcode([clip()], { threads: 2, video: { threads: 4 } });
    assert.deepEqual(
      plan.decoders.map((d) => d.threads),
      [4, 2],
    );
    assert.deepEqual(
      plan.streams.map((s) => s.threads),
      [4, 2],
    );
  });

  test('a bit rate that does not parse, or a frameRate of 0, is a TypeError', () => {
    assert.throws(() => transcode([clip()], { video: { bitRate: 'fast' } }), typeError('bitRate'));
    assert.throws(() => transcode([clip()], { video: { frameRate: 0 } }), typeError('frameRate'));
  });

  test('a hardware encoder takes the stream, with the frames uploaded after the filters', () => {
    const hardware = { type: 'vaapi', encoder: 'h264_vaapi', upload: true, encoderDevice: 'vaapi', decodes: () => false };
    const plan = transcode([clip()], { audio: false, video: { width: 1280 } }, { hardware });
    assert.equal(plan.streams[0]!.codec, 'h264_vaapi');
    assert.equal(graphOf(plan, 0), 'scale=1280:-2,format=nv12,hwupload');
    assert.equal(plan.graphs[0]!.hardware, true);
    assert.equal(plan.hardware?.type, 'vaapi');
  });
});

// ---- transcode: filterComplex ----

describe('planTranscode: filterComplex', () => {
  const inputs = (): InputDescription[] => [clip(), inputOf('logo.png', 'png_pipe', [video('png')])];
  const pads: GraphPads = {
    inputs: [
      { label: '0:v', type: 'video' },
      { label: '1:v', type: 'video' },
      { label: '0:a', type: 'audio' },
    ],
    outputs: [
      { label: 'v', type: 'video' },
      { label: 'a', type: 'audio' },
    ],
  };
  const graph = '[0:v][1:v]overlay[v];[0:a]volume=0.5[a]';

  test('its inputs are decoded input streams, its labelled outputs are encoded where map names them', () => {
    const plan = transcode(inputs(), { inputs: ['logo.png'], filterComplex: graph, map: [{ label: 'v', codec: 'libx264' }, { label: 'a' }] }, { pads });
    assert.equal(plan.graphs.length, 1);
    assert.equal(plan.graphs[0]!.description, graph);
    assert.deepEqual(
      plan.graphs[0]!.sources.map((s) => [plan.decoders[s.decoder]!.input, plan.decoders[s.decoder]!.stream, s.label]),
      [
        [0, 0, '0:v'],
        [1, 0, '1:v'],
        [0, 1, '0:a'],
      ],
    );
    assert.deepEqual(plan.graphs[0]!.sinks, [
      { label: 'v', type: 'video' },
      { label: 'a', type: 'audio' },
    ]);
    assert.deepEqual(
      plan.streams.map((s) => [s.graph, s.sink, s.codec]),
      [
        [0, 0, 'libx264'],
        [0, 1, ''],
      ],
    );
  });

  test("a map entry's own settings are a chain after the graph's output, to a label of its own", () => {
    const plan = transcode(inputs(), { inputs: ['logo.png'], filterComplex: graph, map: [{ label: 'v', width: 320 }] }, { pads });
    assert.equal(plan.graphs[0]!.description, `${graph};[v]scale=320:-2[avf_v]`);
    assert.deepEqual(plan.graphs[0]!.sinks, [{ label: 'avf_v', type: 'video' }]);
  });

  test('map entries without a label add input streams beside the graph', () => {
    const plan = transcode(inputs(), { inputs: ['logo.png'], filterComplex: graph, map: [{ label: 'v' }, { stream: 'a', codec: 'copy' }] }, { pads });
    assert.deepEqual(
      plan.streams.map((s) => (s.copy ? `copy ${s.stream}` : `graph ${s.graph}`)),
      ['graph 0', 'copy 1'],
    );
  });

  test('errors: no map, a label the graph does not have, an input pad not named by stream, a missing input', () => {
    assert.throws(() => transcode(inputs(), { inputs: ['logo.png'], filterComplex: graph }, { pads }), typeError('map'));
    assert.throws(() => transcode(inputs(), { inputs: ['logo.png'], filterComplex: graph, map: [{ label: 'x' }] }, { pads }), typeError('map.label'));
    const unlabelled: GraphPads = { inputs: [{ label: '', type: 'video' }], outputs: [{ label: 'v', type: 'video' }] };
    assert.throws(() => transcode(inputs(), { filterComplex: 'hflip[v]', map: [{ label: 'v' }] }, { pads: unlabelled }), typeError('filterComplex'));
    const third: GraphPads = { inputs: [{ label: '2:v', type: 'video' }], outputs: [{ label: 'v', type: 'video' }] };
    assert.throws(() => transcode(inputs(), { filterComplex: '[2:v]hflip[v]', map: [{ label: 'v' }] }, { pads: third }), avError('STREAM_NOT_FOUND'));
  });
});

// ---- transcode: output, trimming, metadata, taps ----

describe('planTranscode: the output', () => {
  test('start per input and duration, in microseconds; a negative start is a TypeError', () => {
    const plan = planTranscode([clip(), clip()], { duration: 1.5, inputs: ['b.mp4'], map: [{ stream: 'v' }, { input: 1, stream: 'a' }] }, [
      { start: 2 },
      { start: 0.25 },
    ]);
    assert.deepEqual(plan.start, [2_000_000, 250_000]);
    assert.equal(plan.duration, 1_500_000);
    assert.deepEqual(planTranscode([clip()], {}, [{}]).start, [null]);
    assert.throws(() => planTranscode([clip()], {}, [{ start: -1 }]), typeError('start'));
    assert.throws(() => transcode([clip()], { duration: Number.NaN }), typeError('duration'));
  });

  test('metadata and chapters: copied from input 0 by default, dropped with false, replaced by a list', () => {
    const byDefault = transcode([clip()], { metadata: { title: 'x' } });
    assert.deepEqual([byDefault.outputs[0]!.metadataFrom, byDefault.outputs[0]!.chaptersFrom, byDefault.outputs[0]!.metadata], [0, 0, { title: 'x' }]);
    const none = transcode([clip()], { copyMetadata: false, chapters: false });
    assert.deepEqual([none.outputs[0]!.metadataFrom, none.outputs[0]!.chaptersFrom], [-1, -1]);
    const listed = transcode([clip()], { chapters: [{ start: 0, end: 1.5, title: 'one' }] });
    assert.deepEqual(listed.outputs[0]!.chapters, [{ start: 0, end: 1_500_000, title: 'one' }]);
    assert.throws(() => transcode([clip()], { chapters: [{ start: 2, end: 1 }] }), typeError('chapters[0]'));
  });

  test('fastStart and fragmented add to the movflags of formatOptions', () => {
    assert.deepEqual(transcode([clip()], { fastStart: true }).outputs[0]!.options, { movflags: '+faststart' });
    assert.deepEqual(transcode([clip()], { fragmented: true, formatOptions: { movflags: '+isml', brand: 'mp42' } }).outputs[0]!.options, {
      movflags: '+isml+frag_keyframe+empty_moov+default_base_moof',
      brand: 'mp42',
    });
    assert.deepEqual(transcode([clip()], { format: 'matroska' }).outputs[0]!.options, {});
  });

  test('ADTS AAC copied from MPEG-TS into an MP4-family output goes through aac_adtstoasc', () => {
    const bsfs = (output: string, o: TranscodeOptions = {}) => transcode([ts()], { video: 'copy', audio: 'copy', ...o }, { output }).streams.map((s) => s.bsf);
    assert.deepEqual(bsfs('out.mp4'), ['', 'aac_adtstoasc']);
    assert.deepEqual(bsfs('out.m4a'), ['', 'aac_adtstoasc']);
    assert.deepEqual(bsfs('out.mkv'), ['', '']);
    assert.deepEqual(bsfs('-', { format: 'mov' }), ['', 'aac_adtstoasc']);
    // AAC from an MP4 is not ADTS
    assert.deepEqual(
      transcode([clip()], { video: 'copy', audio: 'copy' }, { output: 'out.mp4' }).streams.map((s) => s.bsf),
      ['', ''],
    );
  });

  test('onFrames taps the first encoded video stream, or tapStream; a copied stream cannot be tapped', () => {
    const onFrames = () => {};
    const plan = transcode([clip()], { onFrames, tapBatch: 4 });
    assert.deepEqual(
      plan.streams.map((s) => s.tap === true),
      [true, false],
    );
    assert.equal(plan.tapBatch, 4);
    assert.deepEqual(
      transcode([clip()], { onFrames, tapStream: 1 }).streams.map((s) => s.tap === true),
      [false, true],
    );
    assert.throws(() => transcode([clip()], { onFrames, video: 'copy', tapStream: 0 }), typeError('tapStream'));
  });
});

// ---- remux ----

describe('planRemux', () => {
  const input = (): InputDescription => inputOf('in.mkv', 'matroska,webm', [video(), audio('opus'), subtitle('ass'), data()]);

  test('copies every video, audio and subtitle stream by default, nothing decoded', () => {
    const plan = planRemux(input(), {});
    assert.deepEqual(
      outputs(plan).map((s) => s.stream),
      [0, 1, 2],
    );
    assert.ok(plan.streams.every((s) => s.copy));
    assert.deepEqual([plan.decoders.length, plan.graphs.length], [0, 0]);
  });

  test('streams picks by index or specifier; bitstreamFilters apply per output stream', () => {
    const plan = planRemux(input(), { streams: ['a', 0], bitstreamFilters: { 1: 'h264_mp4toannexb' } });
    assert.deepEqual(outputs(plan), [
      { copy: true, input: 0, stream: 1, bsf: '' },
      { copy: true, input: 0, stream: 0, bsf: 'h264_mp4toannexb' },
    ]);
  });

  test('ADTS AAC into MP4 gets aac_adtstoasc unless a filter is given for it', () => {
    assert.deepEqual(
      planRemux(ts(), {}, 'out.mp4').streams.map((s) => s.bsf),
      ['', 'aac_adtstoasc'],
    );
    assert.deepEqual(
      planRemux(ts(), { bitstreamFilters: { 1: 'null' } }, 'out.mp4').streams.map((s) => s.bsf),
      ['', 'null'],
    );
  });

  test('start (or input.start) in microseconds; nothing to copy is STREAM_NOT_FOUND', () => {
    assert.deepEqual(planRemux(input(), { start: 1.25 }).start, [1_250_000]);
    assert.deepEqual(planRemux(input(), { input: { start: 3 } }).start, [3_000_000]);
    assert.throws(() => planRemux(inputOf('in.bin', 'data', [data()]), {}), avError('STREAM_NOT_FOUND'));
    assert.throws(() => planRemux(input(), { streams: ['v:1'] }), avError('STREAM_NOT_FOUND'));
  });
});

// ---- thumbnails ----

describe('thumbnailTimes', () => {
  test('times sorted; every N seconds up to the duration (and count); count spread over it; keyframes: none', () => {
    assert.deepEqual(thumbnailTimes({ times: [3, 1, 2] }, 10), [1, 2, 3]);
    assert.deepEqual(thumbnailTimes({ every: 2 }, 7), [0, 2, 4, 6]);
    assert.deepEqual(thumbnailTimes({ every: 2, count: 2 }, 7), [0, 2]);
    assert.deepEqual(thumbnailTimes({ count: 4 }, 8), [1, 3, 5, 7]);
    assert.deepEqual(thumbnailTimes({}, 10), [5]);
    assert.equal(thumbnailTimes({ keyframes: true }, 10), null);
  });

  test('an unknown duration: every is left to the graph, a count takes the first frame; every <= 0 is a TypeError', () => {
    assert.equal(thumbnailTimes({ every: 1 }, null), null);
    assert.deepEqual(thumbnailTimes({ count: 3 }, null), [0]);
    assert.throws(() => thumbnailTimes({ every: 0 }, 10), typeError('every'));
  });
});

describe('planThumbnails', () => {
  test('times: a select expression with a target per time, then scale, into mjpeg, collected', () => {
    const plan = planThumbnails(clip(), { width: 160 }, [1, 2.5]);
    assert.deepEqual(plan.targets, [1_000_000, 2_500_000]);
    assert.equal(plan.graphs[0]!.description, "select='(isnan(prev_t)+gt(1,prev_t))*lte(1,t)+(isnan(prev_t)+gt(2.5,prev_t))*lte(2.5,t)',scale=160:-2");
    assert.deepEqual([plan.streams[0]!.codec, plan.streams[0]!.maxFrames], ['mjpeg', 2]);
    assert.deepEqual([plan.outputs[0]!.collect, plan.outputs[0]!.metadataFrom, plan.outputs[0]!.chaptersFrom], [true, -1, -1]);
    assert.deepEqual([plan.decoders[0]!.stream, plan.decoders[0]!.keyframesOnly], [0, false]);
    // a few frames per job: no graph or encoder threads started for each one
    assert.deepEqual([plan.graphs[0]!.threads, plan.streams[0]!.threads], [1, 1]);
  });

  test('keyframes decode keyframes only; every selects by the gap since the last one taken', () => {
    const keys = planThumbnails(clip(), { keyframes: true, count: 5 }, null);
    assert.equal(keys.decoders[0]!.keyframesOnly, true);
    assert.equal(keys.graphs[0]!.description, 'null');
    assert.equal(keys.streams[0]!.maxFrames, 5);
    const every = planThumbnails(clip(), { every: 2 }, null);
    assert.equal(every.graphs[0]!.description, "select='isnan(prev_selected_t)+gte(t-prev_selected_t,2)'");
  });

  test('formats and quality: png, webp with its quality, jpeg with qscale', () => {
    assert.equal(planThumbnails(clip(), { format: 'png' }, [0]).streams[0]!.codec, 'png');
    assert.deepEqual(planThumbnails(clip(), { format: 'webp', quality: 80 }, [0]).streams[0]!.options, { quality: 80 });
    assert.deepEqual(planThumbnails(clip(), { quality: 2 }, [0]).streams[0]!.options, { flags: '+qscale', global_quality: 236 });
    assert.throws(() => planThumbnails(clip(), { format: 'gif' as 'png' }, [0]), typeError('format'));
  });

  test('the default video stream, or the one asked for; none, or a stream that is not video, is STREAM_NOT_FOUND', () => {
    const input = inputOf('in.mkv', 'matroska,webm', [audio(), video('h264'), video('hevc', { default: true })]);
    assert.equal(planThumbnails(input, {}, [0]).decoders[0]!.stream, 2);
    assert.equal(planThumbnails(input, { stream: 1 }, [0]).decoders[0]!.stream, 1);
    assert.throws(() => planThumbnails(input, { stream: 0 }, [0]), avError('STREAM_NOT_FOUND'));
    assert.throws(() => planThumbnails(inputOf('in.m4a', MP4_DEMUXER, [audio()]), {}, [0]), avError('STREAM_NOT_FOUND'));
  });
});
