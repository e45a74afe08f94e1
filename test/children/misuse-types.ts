// Misuse cases: arguments of the wrong type, a TypeError with the one message template.
import assert from 'node:assert/strict';
import path from 'node:path';

import { Decoder, Demuxer, Encoder, Frame, Muxer, Packet, probe, setLogger, setLogLevel, type LogLevel, type Stream } from '../../src/index.js';
import type { CaseFn } from './harness.js';
import { MP4, dir, typeError, typeErrorExactly, rejectsWith, videoFrame, openVideo, encoderOptions } from './misuse-util.js';
import { MAX_THREADS } from '../../src/options/rules.js';

export const cases: Record<string, CaseFn> = {};

// ---------------------------------------------------------------------------------------
// Wrong argument types: a TypeError with the one template.

const frameLike = (): Frame => videoFrame();
const packetLike = (): Packet => Packet.from(new Uint8Array(8));

// [description, value factory, how describe() renders it]
const wrongPackets: [string, () => unknown, string][] = [
  ['a Frame', frameLike, 'an instance of Frame'],
  ['undefined', () => undefined, 'undefined'],
  ['null', () => null, 'null'],
  ['{}', () => ({}), 'an object'],
  ['a string', () => 'abc', "'abc' (string)"],
  ['a number', () => 42, '42 (number)'],
];

for (const [what, value, described] of wrongPackets) {
  cases[`decode(${what}) rejects with a TypeError`] = async () => {
    const { demuxer, decoder } = await openVideo();
    await rejectsWith(() => decoder.decode(value() as Packet), typeError('packets', described, 'a Packet or an array of Packets'));
    await decoder.close();
    await demuxer.close();
  };
  cases[`muxer.write(${what}) rejects with a TypeError`] = async () => {
    const demuxer = await Demuxer.open(MP4());
    const muxer = await Muxer.toBuffer({ format: 'matroska' });
    muxer.addStream(demuxer.bestStream('video')!);
    await muxer.writeHeader();
    await rejectsWith(() => muxer.write(value() as Packet), typeError('packets', described, 'a Packet or an array of Packets'));
    await muxer.close();
    await demuxer.close();
  };
}

const wrongFrames: [string, () => unknown, string][] = [
  ['a Packet', packetLike, 'an instance of Packet'],
  ['undefined', () => undefined, 'undefined'],
  ['{}', () => ({}), 'an object'],
  ['a string', () => 'abc', "'abc' (string)"],
  ['a number', () => 42, '42 (number)'],
];
for (const [what, value, described] of wrongFrames) {
  cases[`encode(${what}) rejects with a TypeError`] = async () => {
    const e = await Encoder.open(encoderOptions);
    await rejectsWith(() => e.encode(value() as Frame), typeError('frames', described, 'a Frame or an array of Frames'));
    await e.close();
  };
}

cases['TypeError messages, in full'] = async () => {
  const { demuxer, stream, decoder } = await openVideo();
  const frame = frameLike();
  await rejectsWith(
    () => decoder.decode(frame as unknown as Packet),
    typeErrorExactly('Expected a Packet or an array of Packets for packets but received an instance of Frame'),
  );
  await rejectsWith(
    () => decoder.decode([packetLike(), frame] as unknown as Packet[]),
    typeErrorExactly('Expected a Packet for packets[] but received an instance of Frame'),
  );
  await rejectsWith(() => demuxer.seek('1' as unknown as number), typeErrorExactly("Expected a finite number for seconds but received '1' (string)"));
  await rejectsWith(
    () => Demuxer.open(MP4(), { strict: 'yes' as unknown as boolean }),
    typeErrorExactly("Expected a boolean for strict but received 'yes' (string)"),
  );
  await rejectsWith(
    () => Decoder.open(stream, { threads: -1 }),
    typeErrorExactly(`Expected an integer from 0 to ${MAX_THREADS} for threads but received -1 (number)`),
  );
  await rejectsWith(
    () => Encoder.open({ ...encoderOptions, width: '320' as unknown as number }),
    typeErrorExactly("Expected an integer > 0 for width but received '320' (string)"),
  );
  assert.throws(() => Packet.from('abc' as unknown as Uint8Array), typeErrorExactly("Expected a Uint8Array or Buffer for data but received 'abc' (string)"));
  assert.throws(
    () => Frame.alloc(undefined as unknown as { width: number; height: number; pixelFormat: string }),
    typeErrorExactly('Expected an object for layout but received undefined'),
  );
  const long = 'x'.repeat(50);
  await rejectsWith(
    () => Demuxer.open(MP4(), long as unknown as object),
    typeErrorExactly(`Expected an object for options but received '${'x'.repeat(40)}...' (string)`),
  );
  frame.close();
  await decoder.close();
  await demuxer.close();
};

cases['decode([Packet, 1]) names the element'] = async () => {
  const { demuxer, decoder } = await openVideo();
  await rejectsWith(() => decoder.decode([packetLike(), 1] as unknown as Packet[]), typeError('packets[]', '1 (number)', 'a Packet'));
  await decoder.close();
  await demuxer.close();
};
cases['encode([Frame, Packet]) names the element'] = async () => {
  const e = await Encoder.open(encoderOptions);
  await rejectsWith(() => e.encode([frameLike(), packetLike()] as unknown as Frame[]), typeError('frames[]', 'an instance of Packet', 'a Frame'));
  await e.close();
};
cases['frames() of a non-iterable, or of Frames'] = async () => {
  const { demuxer, decoder } = await openVideo();
  await rejectsWith(
    async () => {
      for await (const f of decoder.frames(5 as unknown as Packet[])) f.close();
    },
    typeError('packets', '5 (number)', 'an iterable of Packets'),
  );
  await rejectsWith(
    async () => {
      for await (const f of decoder.frames([frameLike()] as unknown as Packet[])) f.close();
    },
    typeError('packet', 'an instance of Frame', 'a Packet'),
  );
  await decoder.close();
  await demuxer.close();
};

const openInputs: [string, unknown, string][] = [
  ['a number', 42, '42 (number)'],
  ['undefined', undefined, 'undefined'],
  ['a Frame', 'frame', 'an instance of Frame'],
  ['{}', {}, 'an object'],
  ['an empty string', '', "'' (string)"],
];
for (const [what, value, described] of openInputs) {
  cases[`Demuxer.open(${what}) rejects with a TypeError`] = async () => {
    const v = value === 'frame' ? frameLike() : value;
    await rejectsWith(() => Demuxer.open(v as string), typeError('input', described));
  };
}
cases['Demuxer.open option types'] = async () => {
  await rejectsWith(() => Demuxer.open(MP4(), 'x' as unknown as object), typeError('options', "'x' (string)", 'an object'));
  await rejectsWith(() => Demuxer.open(MP4(), { format: 5 as unknown as string }), typeError('format', '5 (number)'));
  await rejectsWith(() => Demuxer.open(MP4(), { batchSize: 0 }), typeError('batchSize', '0 (number)', 'an integer > 0'));
  await rejectsWith(
    () => Demuxer.open(MP4(), { options: 5 as unknown as Record<string, string> }),
    typeError('options', '5 (number)', 'an object of AVOptions'),
  );
  await rejectsWith(
    () => Demuxer.open(MP4(), { options: { probesize: {} as unknown as string } }),
    typeError('options.probesize', 'an object', 'a string, number or boolean'),
  );
  await rejectsWith(() => Demuxer.open(MP4(), { signal: {} as unknown as AbortSignal }), typeError('signal', 'an object', 'an AbortSignal'));
};
cases['probe() argument types'] = async () => {
  await rejectsWith(() => probe(undefined as unknown as string), typeError('url', 'undefined'));
  await rejectsWith(() => probe(7 as unknown as string), typeError('url', '7 (number)'));
};
cases['Decoder.open argument types'] = async () => {
  const d = await Demuxer.open(MP4());
  const v = d.bestStream('video')!;
  await rejectsWith(() => Decoder.open(undefined as unknown as Stream), typeError('source', 'undefined', 'a Stream, CodecParameters or null'));
  await rejectsWith(() => Decoder.open(frameLike() as unknown as Stream), typeError('source', 'an instance of Frame', 'a Stream, CodecParameters or null'));
  await rejectsWith(() => Decoder.open('h264' as unknown as Stream), typeError('source', "'h264' (string)", 'a Stream, CodecParameters or null'));
  await rejectsWith(() => Decoder.open(v, 'fast' as unknown as object), typeError('options', "'fast' (string)", 'an object'));
  await rejectsWith(() => Decoder.open(v, { strict: 1 as unknown as boolean }), typeError('strict', '1 (number)', 'a boolean'));
  await rejectsWith(() => Decoder.open(v, { timeBase: 25 as unknown as { num: number; den: number } }), typeError('timeBase', '25 (number)'));
  await rejectsWith(() => Decoder.open(null), typeError('codec', 'undefined'));
  await d.close();
};
cases['seek argument types'] = async () => {
  const d = await Demuxer.open(MP4());
  await rejectsWith(() => d.seek(undefined as unknown as number), typeError('seconds', 'undefined', 'a finite number'));
  await rejectsWith(() => d.seek(Number.NaN), typeError('seconds', 'NaN (number)', 'a finite number'));
  await rejectsWith(() => d.seek(Number.POSITIVE_INFINITY), typeError('seconds', 'Infinity (number)', 'a finite number'));
  await rejectsWith(() => d.seek({} as unknown as number), typeError('seconds', 'an object', 'a finite number'));
  await rejectsWith(() => d.seek(frameLike() as unknown as number), typeError('seconds', 'an instance of Frame', 'a finite number'));
  await rejectsWith(() => d.seek(1, { stream: 9 }), typeError('stream', '9 (number)'));
  await rejectsWith(() => d.readInto({} as unknown as Packet), typeError('packet', 'an object', 'a Packet'));
  await rejectsWith(() => d.readInto(frameLike() as unknown as Packet), typeError('packet', 'an instance of Frame', 'a Packet'));
  await rejectsWith(
    async () => {
      for await (const p of d.packets({ streams: 1 as unknown as number[] })) p.close();
    },
    typeError('streams', '1 (number)'),
  );
  await rejectsWith(() => d.seek(1, { backward: 'yes' as unknown as boolean }), typeError('backward', "'yes' (string)", 'a boolean'));
  // and it still works
  await d.seek(0);
  const p = await d.read();
  assert.ok(p, 'reads after the rejected seeks');
  p.close();
  await d.close();
};
cases['Frame.alloc argument types'] = () => {
  const bad: [unknown, string, string][] = [
    [undefined, 'layout', 'undefined'],
    ['yuv420p', 'layout', "'yuv420p' (string)"],
    [42, 'layout', '42 (number)'],
    [{ width: 'a', height: 4, pixelFormat: 'gray' }, 'width', "'a' (string)"],
    [{ width: 4, height: 0, pixelFormat: 'gray' }, 'height', '0 (number)'],
    [{ width: 4, height: 4, pixelFormat: '' }, 'pixelFormat', "'' (string)"],
    [{ width: 4, height: 4, pixelFormat: 'gray', align: 1.5 }, 'align', '1.5 (number)'],
    [{ sampleRate: 48000, sampleFormat: 's16', nbSamples: -1 }, 'nbSamples', '-1 (number)'],
    [{ sampleRate: '48000', sampleFormat: 's16', nbSamples: 10 }, 'sampleRate', "'48000' (string)"],
    [{}, 'sampleRate', 'undefined'],
    [packetLike(), 'sampleRate', 'undefined'],
  ];
  for (const [layout, name, described] of bad) assert.throws(() => Frame.alloc(layout as never), typeError(name, described));
};
cases['Frame methods: argument types'] = () => {
  const f = videoFrame();
  assert.throws(() => f.copyTo('x' as unknown as Uint8Array), typeError('dest', "'x' (string)", 'a Uint8Array or Buffer'));
  assert.throws(() => f.copyFrom(5 as unknown as Uint8Array), typeError('data', '5 (number)', 'a Uint8Array or Buffer'));
  assert.throws(() => f.set({ pts: 1.5 }), typeError('pts', '1.5 (number)'));
  assert.throws(() => f.set({ pictType: 'X' as 'I' }), typeError('pictType', "'X' (string)"));
  assert.throws(() => f.set('x' as unknown as object), typeError('fields', "'x' (string)", 'an object'));
  assert.throws(
    () => {
      f.pts = '1' as unknown as number;
    },
    typeError('pts', "'1' (string)"),
  );
  assert.throws(() => Frame.from('abc' as unknown as Uint8Array, { width: 4, height: 4, pixelFormat: 'gray' }), typeError('data', "'abc' (string)"));
  f.close();
};
cases['Packet.from and Packet setters: argument types'] = () => {
  const bad: [() => unknown, string, string][] = [
    [() => Packet.from(undefined as unknown as Uint8Array), 'data', 'undefined'],
    [() => Packet.from(frameLike() as unknown as Uint8Array), 'data', 'an instance of Frame'],
    [() => Packet.from([1, 2, 3] as unknown as Uint8Array), 'data', 'an instance of Array'],
    [() => Packet.from({} as unknown as Uint8Array), 'data', 'an object'],
    [() => Packet.from(42 as unknown as Uint8Array), 'data', '42 (number)'],
    [() => Packet.from(new Uint8Array(2), 5 as unknown as object), 'fields', '5 (number)'],
    [() => Packet.from(new Uint8Array(2), { pts: 1.5 }), 'pts', '1.5 (number)'],
    [() => Packet.from(new Uint8Array(2), { streamIndex: -1 }), 'streamIndex', '-1 (number)'],
    [() => Packet.from(new Uint8Array(2), { timeBase: { num: 1 } as unknown as { num: number; den: number } }), 'timeBase', 'an object'],
    [() => Packet.from(new Uint8Array(2), { duration: '1' as unknown as number }), 'duration', "'1' (string)"],
  ];
  for (const [fn, name, described] of bad) assert.throws(fn, typeError(name, described));
  const p = packetLike();
  assert.throws(
    () => {
      p.flags = 0.5;
    },
    typeError('flags', '0.5 (number)'),
  );
  assert.throws(() => p.rescale(5 as unknown as { num: number; den: number }), typeError('timeBase', '5 (number)'));
  assert.throws(() => p.setData('x' as unknown as Uint8Array), typeError('data', "'x' (string)"));
  p.close();
};
cases['Encoder.open argument types'] = async () => {
  const bad: [unknown, string, string][] = [
    [undefined, 'codec', 'undefined'],
    ['libx264', 'options', "'libx264' (string)"],
    [{}, 'codec', 'undefined'],
    [{ codec: 264 }, 'codec', '264 (number)'],
    [{ ...encoderOptions, height: -2 }, 'height', '-2 (number)'],
    [{ ...encoderOptions, width: frameLike() }, 'width', 'an instance of Frame'],
    [{ ...encoderOptions, pixelFormat: 5 }, 'pixelFormat', '5 (number)'],
    [{ ...encoderOptions, frameRate: 25 }, 'frameRate', '25 (number)'],
    [{ ...encoderOptions, frameRate: { num: 25 } }, 'frameRate', 'an object'],
    [{ ...encoderOptions, bitRate: -1 }, 'bitRate', '-1 (number)'],
    [{ ...encoderOptions, globalHeader: 'no' }, 'globalHeader', "'no' (string)"],
    [{ ...encoderOptions, options: 'fast' }, 'options', "'fast' (string)"],
    [{ ...encoderOptions, options: { preset: {} } }, 'options.preset', 'an object'],
    [{ codec: 'aac', sampleRate: 0 }, 'sampleRate', '0 (number)'],
  ];
  for (const [options, name, described] of bad) await rejectsWith(() => Encoder.open(options as never), typeError(name, described));
};
cases['Muxer argument types'] = async () => {
  await rejectsWith(() => Muxer.open(42 as unknown as string, { format: 'mp4' }), typeError('output', '42 (number)'));
  await rejectsWith(() => Muxer.open('', {}), typeError('output', "'' (string)"));
  await rejectsWith(() => Muxer.open(path.join(dir(), 'x.mkv'), 'x' as unknown as object), typeError('options', "'x' (string)", 'an object'));
  const demuxer = await Demuxer.open(MP4());
  const muxer = await Muxer.toBuffer({ format: 'matroska' });
  assert.throws(() => muxer.addStream(undefined as unknown as Stream), typeError('source', 'undefined', 'an Encoder, Stream or CodecParameters'));
  assert.throws(() => muxer.addStream(frameLike() as unknown as Stream), typeError('source', 'an instance of Frame', 'an Encoder, Stream or CodecParameters'));
  assert.throws(
    () => muxer.addStream(demuxer.streams[0]!, { timeBase: 'x' as unknown as { num: number; den: number } }),
    typeError('timeBase', "'x' (string)"),
  );
  const s = muxer.addStream(demuxer.bestStream('video')!);
  await rejectsWith(() => muxer.writeHeader({ options: 5 as unknown as Record<string, string> }), typeError('options', '5 (number)'));
  await muxer.writeHeader();
  const p = packetLike();
  await rejectsWith(() => muxer.write(p, 5), typeError('stream', '5 (number)', 'a stream of this muxer'));
  assert.equal(s.index, 0);
  await muxer.close();
  await demuxer.close();
};
cases['setLogger and setLogLevel argument types'] = () => {
  assert.throws(() => setLogger('x' as unknown as null), typeErrorExactly("Expected a function or null for logger but received 'x' (string)"));
  assert.throws(() => setLogLevel('loud' as LogLevel), typeError('level', "'loud' (string)"));
};
