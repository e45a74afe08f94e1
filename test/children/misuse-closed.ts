// Misuse cases: after close(), every member throws (sync) or rejects (async) with ERR_CLOSED;
// closed inputs handed to an open object.
import assert from 'node:assert/strict';

import { Demuxer, Encoder, Muxer, Packet } from '../../src/index.js';
import type { CaseFn } from './harness.js';
import {
  MP4,
  W,
  H,
  throwsClosed,
  rejectsClosed,
  videoFrame,
  closedPacket,
  closedFrame,
  openVideo,
  videoPackets,
  encoderOptions,
  closedDemuxer,
  closedDecoder,
  closedEncoder,
  closedMuxer,
} from './misuse-util.js';

export const cases: Record<string, CaseFn> = {};

// ---------------------------------------------------------------------------------------
// After close(): every member throws (sync) or rejects (async) with ERR_CLOSED.

type Bag = Record<string, unknown>;

const packetGetters = ['pts', 'dts', 'duration', 'streamIndex', 'flags', 'timeBase', 'size', 'pos', 'isKeyFrame', 'data'];
for (const k of packetGetters) cases[`closed Packet: get ${k}`] = () => throwsClosed(() => (closedPacket() as unknown as Bag)[k]);

const packetSetters: [string, unknown][] = [
  ['pts', 5],
  ['pts', null],
  ['dts', 5],
  ['duration', 2],
  ['streamIndex', 1],
  ['flags', 1],
  ['timeBase', { num: 1, den: 90000 }],
];
for (const [k, v] of packetSetters)
  cases[`closed Packet: set ${k} = ${JSON.stringify(v)}`] = () =>
    throwsClosed(() => {
      (closedPacket() as unknown as Bag)[k] = v;
    });

cases['closed Packet: set()'] = () => throwsClosed(() => closedPacket().set({ pts: 7 }));
cases['closed Packet: setData()'] = () => throwsClosed(() => closedPacket().setData(new Uint8Array(4)));
cases['closed Packet: rescale()'] = () => throwsClosed(() => closedPacket().rescale({ num: 1, den: 1000 }));
cases['closed Packet: clone()'] = () => throwsClosed(() => closedPacket().clone());
cases['closed Packet: close() again, closed, dispose'] = () => {
  const p = closedPacket();
  p.close();
  p[Symbol.dispose]();
  assert.equal(p.closed, true);
};

const frameGetters = [
  'kind',
  'pts',
  'duration',
  'timeBase',
  'keyFrame',
  'pictType',
  'bestEffortTimestamp',
  'width',
  'height',
  'pixelFormat',
  'sampleAspectRatio',
  'interlaced',
  'colorRange',
  'colorSpace',
  'colorPrimaries',
  'colorTransfer',
  'sampleRate',
  'sampleFormat',
  'nbSamples',
  'channels',
  'channelLayout',
  'planes',
  'linesize',
];
for (const k of frameGetters) cases[`closed Frame: get ${k}`] = () => throwsClosed(() => (closedFrame() as unknown as Bag)[k]);

cases['closed Frame: get width after reading it while open (no stale cache)'] = () => {
  const f = videoFrame();
  assert.equal(f.width, W);
  assert.equal(f.planes.length, 3);
  f.close();
  throwsClosed(() => f.width);
  throwsClosed(() => f.planes);
};
cases['closed Frame: set pts'] = () =>
  throwsClosed(() => {
    closedFrame().pts = 9;
  });
cases['closed Frame: set()'] = () => throwsClosed(() => closedFrame().set({ pts: 1, keyFrame: true }));
cases['closed Frame: toBuffer()'] = () => throwsClosed(() => closedFrame().toBuffer());
cases['closed Frame: copyTo()'] = () => throwsClosed(() => closedFrame().copyTo(new Uint8Array(W * H * 2)));
cases['closed Frame: copyFrom()'] = () => throwsClosed(() => closedFrame().copyFrom(new Uint8Array((W * H * 3) / 2)));
cases['closed Frame: makeWritable()'] = () => throwsClosed(() => closedFrame().makeWritable());
cases['closed Frame: clone()'] = () => throwsClosed(() => closedFrame().clone());
cases['closed Frame: close() again, closed, dispose'] = () => {
  const f = closedFrame();
  f.close();
  f[Symbol.dispose]();
  assert.equal(f.closed, true);
};

cases['closed Demuxer: read()'] = async () => {
  const d = await closedDemuxer();
  await rejectsClosed(() => d.read());
};
cases['closed Demuxer: readInto()'] = async () => {
  const d = await closedDemuxer();
  await rejectsClosed(() => d.readInto(new Packet()));
};
cases['closed Demuxer: packets()'] = async () => {
  const d = await closedDemuxer();
  await rejectsClosed(async () => {
    for await (const p of d.packets()) p.close();
  });
};
cases['closed Demuxer: seek()'] = async () => {
  const d = await closedDemuxer();
  await rejectsClosed(() => d.seek(0.5));
};
cases['closed Demuxer: refresh()'] = async () => {
  const d = await closedDemuxer();
  await rejectsClosed(() => d.refresh());
};
cases['closed Demuxer: read() after reading some, with a batch read ahead'] = async () => {
  const d = await Demuxer.open(MP4(), { batchSize: 4 });
  const p = await d.read();
  assert.ok(p, 'a first packet');
  p.close();
  await d.close();
  await rejectsClosed(() => d.read());
};
cases['closed Demuxer: close() again, asyncDispose, format and streams still readable'] = async () => {
  const d = await closedDemuxer();
  await d.close();
  await d[Symbol.asyncDispose]();
  d[Symbol.dispose]();
  assert.equal(d.closed, true);
  assert.equal(d.format.nbStreams, 2);
  assert.equal(d.streams.length, 2);
};

cases['closed Decoder: decode()'] = async () => {
  const d = await closedDecoder();
  const [p] = await videoPackets(1);
  await rejectsClosed(() => d.decode(p!));
};
cases['closed Decoder: decode([])'] = async () => {
  const d = await closedDecoder();
  await rejectsClosed(() => d.decode([]));
};
cases['closed Decoder: flush()'] = async () => {
  const d = await closedDecoder();
  await rejectsClosed(() => d.flush());
};
cases['closed Decoder: reset()'] = async () => {
  const d = await closedDecoder();
  await rejectsClosed(() => d.reset());
};
cases['closed Decoder: frames()'] = async () => {
  const d = await closedDecoder();
  const packets = await videoPackets(3);
  await rejectsClosed(async () => {
    for await (const f of d.frames(packets)) f.close();
  });
};
cases['closed Decoder: decodeSubtitle(), flushSubtitles(), subtitles()'] = async () => {
  const d = await closedDecoder();
  const [p] = await videoPackets(1);
  await rejectsClosed(() => d.decodeSubtitle(p!));
  await rejectsClosed(() => d.flushSubtitles());
  await rejectsClosed(async () => {
    for await (const s of d.subtitles([])) void s;
  });
};
cases['closed Decoder: damaged, codecName and closed still readable; close() again'] = async () => {
  const d = await closedDecoder();
  assert.equal(d.damaged, 0);
  assert.equal(d.codecName, 'h264');
  await d.close();
  await d[Symbol.asyncDispose]();
  assert.equal(d.closed, true);
};

cases['closed Encoder: encode()'] = async () => {
  const e = await closedEncoder();
  const f = videoFrame();
  f.pts = 0;
  await rejectsClosed(() => e.encode(f));
};
cases['closed Encoder: flush()'] = async () => {
  const e = await closedEncoder();
  await rejectsClosed(() => e.flush());
};
cases['closed Encoder: packets()'] = async () => {
  const e = await closedEncoder();
  const f = videoFrame();
  f.pts = 0;
  await rejectsClosed(async () => {
    for await (const p of e.packets([f])) p.close();
  });
};

cases['closed Muxer: write()'] = async () => {
  const { muxer } = await closedMuxer();
  const [p] = await videoPackets(1);
  await rejectsClosed(() => muxer.write(p!));
};
cases['closed Muxer: addStream() throws synchronously'] = async () => {
  const { muxer, stream } = await closedMuxer();
  throwsClosed(() => muxer.addStream(stream));
};
cases['closed Muxer: writeHeader()'] = async () => {
  const { muxer } = await closedMuxer();
  await rejectsClosed(() => muxer.writeHeader());
};
cases['closed Muxer: writeTrailer()'] = async () => {
  const { muxer } = await closedMuxer();
  await rejectsClosed(() => muxer.writeTrailer());
};
cases['closed Muxer: after its header, write() and writeTrailer()'] = async () => {
  const demuxer = await Demuxer.open(MP4());
  const v = demuxer.bestStream('video')!;
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  muxer.addStream(v);
  await muxer.writeHeader();
  await muxer.close();
  const p = (await demuxer.packets({ streams: [v] }).next()).value as Packet;
  await rejectsClosed(() => muxer.write(p));
  await rejectsClosed(() => muxer.writeTrailer());
  await demuxer.close();
};

// Closed inputs handed to an open object.
cases['a closed Packet given to decode() rejects with ERR_CLOSED'] = async () => {
  const { demuxer, decoder } = await openVideo();
  await rejectsClosed(() => decoder.decode(closedPacket()));
  await rejectsClosed(() => decoder.decode([closedPacket()]));
  // and the decoder still works
  const packets = await videoPackets(2);
  await decoder.decode(packets);
  await decoder.close();
  await demuxer.close();
};
cases['a closed Frame given to encode() rejects with ERR_CLOSED'] = async () => {
  const e = await Encoder.open(encoderOptions);
  await rejectsClosed(() => e.encode(closedFrame()));
  const f = videoFrame();
  f.pts = 0;
  await e.encode(f);
  assert.ok((await e.flush()).length >= 1, 'the encoder still works');
  await e.close();
};
cases['a closed Packet given to write() rejects with ERR_CLOSED'] = async () => {
  const demuxer = await Demuxer.open(MP4());
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  muxer.addStream(demuxer.bestStream('video')!);
  await muxer.writeHeader();
  await rejectsClosed(() => muxer.write(closedPacket()));
  await muxer.close();
  await demuxer.close();
};
