// Mirrors FFmpeg's doc/examples/decode_audio.c: decode an audio stream and write its
// samples as raw interleaved PCM (planar formats are interleaved here, in JS).
// Usage: node dist-examples/decode_audio.js INPUT OUTPUT.raw
import fs from 'node:fs';

import { Decoder, Demuxer, type Frame } from '../src/index.js';

/** Interleaves the channels of a planar frame: [L0 L1 ...][R0 R1 ...] -> L0 R0 L1 R1 ... */
export function interleave(frame: Frame): Uint8Array {
  const planes = frame.planes;
  if (planes.length === 1) return planes[0]!.slice();
  const bytes = planes[0]!.byteLength / frame.nbSamples;
  const out = new Uint8Array(planes[0]!.byteLength * planes.length);
  for (let s = 0; s < frame.nbSamples; s++) planes.forEach((plane, c) => out.set(plane.subarray(s * bytes, (s + 1) * bytes), (s * planes.length + c) * bytes));
  return out;
}

export async function decodeAudio(input: string, output: string): Promise<{ frames: number; sampleFormat: string }> {
  await using demuxer = await Demuxer.open(input);
  const stream = demuxer.bestStream('audio');
  if (!stream) throw new Error(`${input} has no audio stream`);
  await using decoder = await Decoder.open(stream);
  const fd = fs.openSync(output, 'w');
  let frames = 0;
  let sampleFormat = '';
  try {
    for await (const frame of decoder.frames(demuxer.packets())) {
      fs.writeSync(fd, interleave(frame));
      sampleFormat = frame.sampleFormat ?? '';
      frames++;
      frame.close();
    }
  } finally {
    fs.closeSync(fd);
  }
  return { frames, sampleFormat };
}

if (process.argv[1]?.endsWith('decode_audio.js') && process.argv.length === 4) {
  console.log(await decodeAudio(process.argv[2]!, process.argv[3]!));
}
