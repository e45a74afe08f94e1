// avforge/webcodecs round trips through every codec this FFmpeg has (PSNR bounds, exact where
// lossless), and a real client: Mediabunny converting MP4 to WebM and MP4 with these classes
// installed as globals, checked with ffprobe and the ffmpeg CLI.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { hasCodec } from '../src/index.js';
import {
  AudioData,
  AudioDecoder,
  AudioEncoder,
  EncodedAudioChunk,
  install,
  type AudioDecoderConfig,
  type AudioEncoderConfig,
  type AudioSampleFormat,
} from '../src/webcodecs/index.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg, ffprobeJson } from './util.js';
import { W, H, FRAME_US, picture, psnr, domName, encodeVideo, decodeVideo, i420, captureLogs, expectNoLogs } from './webcodecs-util.js';

captureLogs();
expectNoLogs();

// ---- round trips ----

describe('round trips: encode with VideoEncoder, decode with VideoDecoder', () => {
  const FRAMES = 20;
  const video: [string, string, number][] = [
    // codec string, encoder it needs, PSNR bound (dB) of every frame's luma at 400 kb/s for 160x120
    // (measured: 46-53 dB; VP9 31 dB on its first frame, where its rate control starts low)
    ['avc1.42001f', 'libx264', 40],
    ['avc1.64001f', 'libx264', 40],
    ['hvc1.1.6.L93.B0', 'libx265', 40],
    ['vp8', 'libvpx', 40],
    ['vp09.00.10.08', 'libvpx-vp9', 28],
    ['av01.0.04M.08', 'libsvtav1', 40],
  ];
  for (const [codec, encoderName, bound] of video) {
    test(`${codec} (${encoderName}): PSNR > ${bound} dB, every frame, timestamps kept`, {
      skip: !hasCodec(encoderName, 'encoder') && `no ${encoderName}`,
    }, async () => {
      const { chunks, config } = await encodeVideo({ codec, width: W, height: H, bitrate: 400_000, framerate: 25 }, FRAMES);
      if (codec.startsWith('avc1') || codec.startsWith('hvc1')) assert.ok(config.description, 'avcC/hvcC description');
      const frames = await decodeVideo(config, chunks);
      assert.equal(frames.length, FRAMES);
      let worst = Infinity;
      let worstAt = -1;
      for (let i = 0; i < FRAMES; i++) {
        const f = frames[i]!;
        assert.equal(f.timestamp, i * FRAME_US);
        const got = await i420(f);
        const db = psnr(picture(i).subarray(0, W * H), got.subarray(0, W * H));
        assert.ok(db > bound, `${codec} frame ${i}: PSNR ${db.toFixed(1)} dB`);
        if (db < worst) [worst, worstAt] = [db, i];
        f.close();
      }
      if (process.env.WEBCODECS_PSNR) console.log(`${codec}: worst PSNR ${worst.toFixed(1)} dB at frame ${worstAt}`);
    });
  }

  test("avc: { format: 'annexb' }: no description, start codes and parameter sets in band, decodes", async () => {
    const { chunks, config } = await encodeVideo({ codec: 'avc1.42001f', width: W, height: H, avc: { format: 'annexb' }, latencyMode: 'realtime' }, 10);
    assert.equal(config.description, undefined);
    const first = new Uint8Array(chunks[0]!.byteLength);
    chunks[0]!.copyTo(first);
    assert.deepEqual([...first.subarray(0, 4)], [0, 0, 0, 1]);
    assert.ok(
      first.some((b, i) => i > 2 && first[i - 1] === 1 && first[i - 2] === 0 && (b & 0x1f) === 7),
      'an SPS in the key frame',
    );
    const frames = await decodeVideo(config, chunks);
    assert.equal(frames.length, 10);
    frames.forEach((f) => f.close());
  });

  test('AudioEncoder/AudioDecoder: validation and errors', async () => {
    assert.throws(() => new AudioEncoder({ output: () => {}, error: () => {} }).configure({ codec: 'opus', sampleRate: 0, numberOfChannels: 2 }), TypeError);
    assert.equal((await AudioEncoder.isConfigSupported({ codec: 'mp4a.40.5', sampleRate: 48000, numberOfChannels: 2 })).supported, false, 'no HE-AAC encoder');
    assert.equal((await AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: 44100, numberOfChannels: 2 })).supported, true, 'resampled to 48 kHz');
    assert.equal((await AudioDecoder.isConfigSupported({ codec: 'mp4a.40.5', sampleRate: 48000, numberOfChannels: 2 })).supported, true);
    const errors: DOMException[] = [];
    const encoder = new AudioEncoder({ output: () => {}, error: (e) => errors.push(e) });
    encoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
    const mono = new AudioData({ format: 'f32', sampleRate: 48000, numberOfChannels: 1, numberOfFrames: 480, timestamp: 0, data: new Float32Array(480) });
    encoder.encode(mono);
    await assert.rejects(encoder.flush(), domName('EncodingError'));
    assert.equal(errors[0]?.name, 'EncodingError');
    const decoder = new AudioDecoder({ output: () => {}, error: () => {} });
    decoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
    assert.throws(() => decoder.decode(new EncodedAudioChunk({ type: 'delta', timestamp: 0, data: new Uint8Array(3) })), domName('DataError'));
    decoder.close();
    mono.close();
  });

  const RATE = 48000;
  const SAMPLES = 9600 * 5; // 1 s
  const BLOCK = 9600 / 8; // 25 ms blocks of input
  /** Two tones (so that the alignment below is unique), amplitude 0.6. */
  const signal = (c: number, i: number): number => 0.4 * Math.sin((2 * Math.PI * 440 * i) / RATE + c) + 0.2 * Math.sin((2 * Math.PI * 1234 * i) / RATE);

  async function audioRoundTrip(
    codec: string,
    format: AudioSampleFormat,
    bitrate?: number,
    extra: Partial<AudioEncoderConfig> = {},
  ): Promise<{ input: Float32Array[]; output: Float32Array[]; exact: boolean[]; decoded: number; chunks: EncodedAudioChunk[]; config: AudioDecoderConfig }> {
    const channels = 2;
    const input = [new Float32Array(SAMPLES), new Float32Array(SAMPLES)];
    const raw: Uint8Array[] = [];
    const chunks: EncodedAudioChunk[] = [];
    let config: AudioDecoderConfig | undefined;
    const encoder = new AudioEncoder({
      output: (c, m) => {
        chunks.push(c);
        config ??= m?.decoderConfig;
      },
      error: (e) => assert.fail(String(e)),
    });
    encoder.configure({ codec, sampleRate: RATE, numberOfChannels: channels, ...(bitrate ? { bitrate } : {}), ...extra });
    for (let start = 0; start < SAMPLES; start += BLOCK) {
      const f32 = new Float32Array(BLOCK * channels);
      for (let i = 0; i < BLOCK; i++)
        for (let c = 0; c < channels; c++) {
          const v = signal(c, start + i);
          input[c]![start + i] = v;
          f32[i * channels + c] = v;
        }
      // Made as f32, handed over in `format` (AudioData converts), so the input is exactly representable.
      const src = new AudioData({
        format: 'f32',
        sampleRate: RATE,
        numberOfChannels: channels,
        numberOfFrames: BLOCK,
        timestamp: Math.round((start * 1e6) / RATE),
        data: f32,
      });
      const bytes = new Uint8Array(src.allocationSize({ planeIndex: 0, format: format.replace('-planar', '') as AudioSampleFormat }));
      src.copyTo(bytes, { planeIndex: 0, format: format.replace('-planar', '') as AudioSampleFormat });
      src.close();
      raw.push(bytes);
      const data = new AudioData({
        format: format.replace('-planar', '') as AudioSampleFormat,
        sampleRate: RATE,
        numberOfChannels: channels,
        numberOfFrames: BLOCK,
        timestamp: Math.round((start * 1e6) / RATE),
        data: bytes,
      });
      encoder.encode(data);
      data.close();
    }
    await encoder.flush();
    encoder.close();
    assert.ok(config, 'decoderConfig with the first chunk');
    const output = [new Float32Array(SAMPLES + 8192), new Float32Array(SAMPLES + 8192)];
    let decoded = 0;
    const exact: boolean[] = [];
    let rawAt = 0;
    const rawAll = new Uint8Array(raw.reduce((n, r) => n + r.length, 0));
    for (const r of raw) {
      rawAll.set(r, rawAt);
      rawAt += r.length;
    }
    let outAt = 0;
    const decoder = new AudioDecoder({
      output: (a) => {
        for (let c = 0; c < channels; c++) {
          const plane = new Float32Array(a.numberOfFrames);
          a.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
          output[c]!.set(plane.subarray(0, Math.max(0, Math.min(plane.length, output[c]!.length - decoded))), decoded);
        }
        if (a.format === format.replace('-planar', '') || a.format === format) {
          const same = new Uint8Array(a.allocationSize({ planeIndex: 0 }));
          a.copyTo(same, { planeIndex: 0 });
          exact.push(same.every((b, i) => b === rawAll[outAt + i]));
          outAt += same.length;
        } else exact.push(false);
        decoded += a.numberOfFrames;
        a.close();
      },
      error: (e) => assert.fail(String(e)),
    });
    decoder.configure(config);
    for (const c of chunks) decoder.decode(c);
    await decoder.flush();
    decoder.close();
    return { input, output, exact, decoded, chunks, config };
  }

  /** SNR (dB) of the output against the input, at the best alignment within ±4096 samples (encoder delay). */
  function alignedSnr(input: Float32Array, output: Float32Array): number {
    const from = 4096;
    const to = SAMPLES - 4096;
    let best = -Infinity;
    for (let d = -4096; d <= 4096; d++) {
      let signalPower = 0;
      let noise = 0;
      for (let i = from; i < to; i += 3) {
        const s = input[i]!;
        const e = s - (output[i + d] ?? 0);
        signalPower += s * s;
        noise += e * e;
        if (noise > signalPower && i > from + 300) break;
      }
      best = Math.max(best, 10 * Math.log10(signalPower / Math.max(noise, 1e-20)));
    }
    return best;
  }

  const lossy: [string, string, number, number][] = [
    // codec string, encoder, bitrate, SNR bound (dB)
    ['opus', 'libopus', 128_000, 20],
    ['mp4a.40.2', 'aac', 128_000, 20],
    ['mp3', 'libmp3lame', 128_000, 20],
    ['vorbis', 'libvorbis', 128_000, 20],
    ['ulaw', 'pcm_mulaw', 0, 30],
    ['alaw', 'pcm_alaw', 0, 30],
  ];
  for (const [codec, encoderName, bitrate, bound] of lossy) {
    test(`${codec} (${encoderName}): SNR > ${bound} dB`, { skip: !hasCodec(encoderName, 'encoder') && `no ${encoderName}` }, async () => {
      const { input, output, decoded } = await audioRoundTrip(codec, 'f32', bitrate || undefined);
      assert.ok(decoded >= SAMPLES - 2048, `decoded ${decoded} of ${SAMPLES} samples`);
      for (let c = 0; c < 2; c++) {
        const snr = alignedSnr(input[c]!, output[c]!);
        assert.ok(snr > bound, `${codec} channel ${c}: SNR ${snr.toFixed(1)} dB`);
      }
    });
  }

  test("mp4a.40.2 with aac: { format: 'adts' }: ADTS frames, no description, decodes", async () => {
    const { input, output, chunks, config } = await audioRoundTrip('mp4a.40.2', 'f32', 128_000, { aac: { format: 'adts' } });
    assert.equal(config.description, undefined);
    const head = new Uint8Array(chunks[1]!.byteLength);
    chunks[1]!.copyTo(head);
    assert.deepEqual([head[0], head[1]], [0xff, 0xf1], 'an ADTS sync word');
    assert.equal(((head[3]! & 3) << 11) | (head[4]! << 3) | (head[5]! >> 5), head.length, 'the ADTS frame length');
    assert.ok(alignedSnr(input[0]!, output[0]!) > 20);
  });

  const lossless: [string, AudioSampleFormat][] = [
    ['flac', 's16'],
    ['pcm-s16', 's16'],
    ['pcm-s32', 's32'],
    ['pcm-f32', 'f32'],
    ['pcm-u8', 'u8'],
  ];
  for (const [codec, format] of lossless) {
    test(`${codec}: bit-exact`, async () => {
      const { exact, decoded } = await audioRoundTrip(codec, format);
      assert.equal(decoded, SAMPLES);
      assert.ok(exact.length > 0 && exact.every(Boolean), `${codec}: every decoded block equals its input`);
    });
  }
});

// ---- the real client ----

describe('Mediabunny with avforge/webcodecs installed as globals', () => {
  const dir = scratch('webcodecs');

  for (const [name, formatName, videoCodec, audioCodec, ffVideo, ffAudio] of [
    ['h264-aac-to-vp9-opus.webm', 'webm', 'vp9', 'opus', 'vp9', 'opus'],
    ['h264-aac-to-hevc-aac.mp4', 'mp4', 'hevc', 'aac', 'hevc', 'aac'],
  ] as const) {
    test(`Conversion: MP4 (H.264 + AAC) to ${formatName} (${videoCodec} + ${audioCodec})`, async () => {
      install();
      const mb = await import('mediabunny');
      const source = media('h264-aac.mp4');
      const target = path.join(dir, name);
      const input = new mb.Input({ source: new mb.FilePathSource(source), formats: mb.ALL_FORMATS });
      const output = new mb.Output({
        format: formatName === 'webm' ? new mb.WebMOutputFormat() : new mb.Mp4OutputFormat(),
        target: new mb.FilePathTarget(target),
      });
      const conversion = await mb.Conversion.init({
        input,
        output,
        video: { codec: videoCodec, forceTranscode: true },
        audio: { codec: audioCodec, forceTranscode: true },
      });
      assert.ok(conversion.isValid, JSON.stringify(conversion.discardedTracks));
      await conversion.execute();

      interface Probe {
        streams: { codec_name: string; codec_type: string; nb_read_frames?: string; width?: number; height?: number; sample_rate?: string }[];
        format: { duration: string };
      }
      const probe = (file: string): Promise<Probe> =>
        ffprobeJson<Probe>(['-count_frames', '-show_entries', 'stream=codec_name,codec_type,nb_read_frames,width,height,sample_rate:format=duration', file]);
      const [src, out] = await Promise.all([probe(source), probe(target)]);
      const v = out.streams.find((s) => s.codec_type === 'video')!;
      const a = out.streams.find((s) => s.codec_type === 'audio')!;
      const sv = src.streams.find((s) => s.codec_type === 'video')!;
      assert.equal(v.codec_name, ffVideo);
      assert.equal(a.codec_name, ffAudio);
      assert.equal(v.width, sv.width);
      assert.equal(v.height, sv.height);
      assert.equal(v.nb_read_frames, sv.nb_read_frames, 'every frame');
      assert.equal(a.sample_rate, '48000');
      const audioFrames = Number(a.nb_read_frames);
      const expected = audioCodec === 'opus' ? 2 / 0.02 : (2 * 48000) / 1024;
      assert.ok(Math.abs(audioFrames - expected) <= 2, `${audioFrames} audio packets, ~${expected} expected`);
      assert.ok(Math.abs(Number(out.format.duration) - Number(src.format.duration)) < 0.1, `duration ${out.format.duration} vs ${src.format.duration}`);
      // The CLI decodes every stream with no error (-xerror stops at the first).
      const { stderr } = await ffmpeg(['-xerror', '-i', target, '-f', 'null', '-']);
      assert.equal(stderr.trim(), '');
    });
  }
});
