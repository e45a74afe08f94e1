// avforge/webcodecs, the encoder modes the specification's codec registrations define beyond
// the defaults: Opus frame durations of any multiple of 2.5 ms, and bitrateMode 'quantizer'
// with a quantizer per frame.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { AudioData, AudioDecoder, AudioEncoder, type EncodedAudioChunk } from '../src/webcodecs/index.js';
import { opusFrames, opusPacket, opusPacketDuration, OpusRepacketizer } from '../src/webcodecs/opus_packets.js';

const RATE = 48000;

/** `seconds` of a stereo tone in 100 ms AudioData, encoded with `opus`; the chunks and the samples they decode to. */
async function opusRoundTrip(opus: Record<string, unknown>, seconds = 1): Promise<{ chunks: EncodedAudioChunk[]; decoded: number }> {
  const chunks: EncodedAudioChunk[] = [];
  const errors: unknown[] = [];
  let decoded = 0;
  const decoder = new AudioDecoder({
    output: (a) => {
      decoded += a.numberOfFrames;
      a.close();
    },
    error: (e) => errors.push(e),
  });
  decoder.configure({ codec: 'opus', sampleRate: RATE, numberOfChannels: 2 });
  const encoder = new AudioEncoder({
    output: (c) => {
      chunks.push(c);
      decoder.decode(c);
    },
    error: (e) => errors.push(e),
  });
  encoder.configure({ codec: 'opus', sampleRate: RATE, numberOfChannels: 2, bitrate: 128000, opus });
  const n = RATE / 10;
  for (let i = 0; i < seconds * 10; i++) {
    const data = new Float32Array(n * 2).map((_, j) => 0.3 * Math.sin((i * n * 2 + j) / 20));
    const a = new AudioData({ format: 'f32', sampleRate: RATE, numberOfChannels: 2, numberOfFrames: n, timestamp: i * 100_000, data });
    encoder.encode(a);
    a.close();
  }
  await encoder.flush();
  await decoder.flush();
  encoder.close();
  decoder.close();
  assert.deepEqual(errors, []);
  return { chunks, decoded };
}

describe('Opus frameDuration', () => {
  test('code 0 to 3 packets parse; a code 3 packet of parsed frames parses back to the same frames', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array(300).fill(7); // a two-byte length
    const toc = (31 << 3) | 0; // CELT FB 20 ms, mono, code 0
    assert.deepEqual(opusFrames(new Uint8Array([toc, ...a]))?.frames, [a]);
    assert.deepEqual(opusFrames(new Uint8Array([toc | 1, 1, 2, 3, 4]))?.frames, [new Uint8Array([1, 2]), new Uint8Array([3, 4])]);
    assert.deepEqual(opusFrames(new Uint8Array([toc | 2, 1, 9, 8, 7]))?.frames, [new Uint8Array([9]), new Uint8Array([8, 7])]);
    const joined = opusPacket(toc, [a, b, new Uint8Array(0)]);
    assert.equal(joined[0]! & 3, 3);
    assert.deepEqual(opusFrames(joined)?.frames, [a, b, new Uint8Array(0)]);
    assert.equal(opusPacketDuration(joined), 60000);
    assert.equal(opusFrames(new Uint8Array([toc | 3])), null, 'a code 3 packet without its frame count is malformed');
  });

  test('the repacketizer joins `count` frames, starts a new packet where the TOC changes, and fills the last one', () => {
    const r = new OpusRepacketizer(3);
    const celt = (16 << 3) | 0; // CELT NB 2.5 ms
    const out = [1, 2, 3, 4].flatMap((i) => r.push(new Uint8Array([celt, i]), i * 120));
    assert.equal(out.length, 1);
    assert.deepEqual({ first: out[0]!.first, frames: out[0]!.frames }, { first: 120, frames: 3 });
    const other = r.push(new Uint8Array([(20 << 3) | 0, 5]), 600); // CELT WB: another TOC
    assert.deepEqual(
      other.map((g) => g.frames),
      [1],
    );
    const last = r.end();
    assert.equal(last.length, 1);
    assert.equal(opusFrames(last[0]!.data)?.frames.length, 3, 'filled with empty frames');
  });

  for (const frameDuration of [7500, 30000, 45000, 120000]) {
    test(`${frameDuration / 1000} ms: every chunk lasts exactly that, and they decode to the input's length`, async () => {
      const support = await AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: RATE, numberOfChannels: 2, opus: { frameDuration } });
      assert.equal(support.supported, true);
      const { chunks, decoded } = await opusRoundTrip({ frameDuration });
      assert.ok(chunks.length > 0);
      for (const c of chunks) assert.equal(c.duration, frameDuration);
      for (let i = 1; i < chunks.length; i++) assert.equal(chunks[i]!.timestamp - chunks[i - 1]!.timestamp, frameDuration);
      // The decoder's output covers the input (the last packet's padding past it at most).
      assert.ok(decoded >= RATE - 312 && decoded <= RATE + (frameDuration * RATE) / 1e6, `decoded ${decoded} samples`);
    });
  }

  test('not a multiple of 2.5 ms, 0, or above 120 ms: TypeError; joined frames above 2 channels: unsupported', async () => {
    for (const frameDuration of [0, 2501, 120001])
      await assert.rejects(AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: RATE, numberOfChannels: 2, opus: { frameDuration } }), TypeError);
    const six = await AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: RATE, numberOfChannels: 6, opus: { frameDuration: 7500 } });
    assert.equal(six.supported, false);
    const sixNative = await AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: RATE, numberOfChannels: 6, opus: { frameDuration: 10000 } });
    assert.equal(sixNative.supported, true);
  });
});
