// `avforge demo`: makes a clip with avforge's own encoder (no input needed), transcodes it,
// and says what it did. The whole object API in one short, readable program.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Decoder, Demuxer, Encoder, Frame, Muxer, probe, thumbnails, transcode, versions, type Packet } from '../index.js';
import { helpText, parseCommand, parseNumber, type Command } from './argv.js';

const WIDTH = 640;
const HEIGHT = 360;
const FPS = 30;
const SAMPLE_RATE = 48000;

/** Paints frame `n` of a moving test pattern into a yuv420p frame. */
function paintVideo(frame: Frame, n: number): void {
  const [y, u, v] = frame.planes as [Uint8Array, Uint8Array, Uint8Array];
  const [ys, us, vs] = frame.linesize as [number, number, number];
  const box = { x: (n * 7) % (WIDTH - 80), y: Math.round((HEIGHT - 80) * (0.5 + 0.5 * Math.sin(n / 9))) };
  for (let row = 0; row < HEIGHT; row++) {
    const inRow = row >= box.y && row < box.y + 80;
    for (let col = 0; col < WIDTH; col++) {
      const inBox = inRow && col >= box.x && col < box.x + 80;
      y[row * ys + col] = inBox ? 235 : (col + row + n * 2) & 0xff;
    }
  }
  for (let row = 0; row < HEIGHT / 2; row++) {
    for (let col = 0; col < WIDTH / 2; col++) {
      u[row * us + col] = (128 + 100 * Math.sin((col + n) / 20)) | 0;
      v[row * vs + col] = (128 + 100 * Math.cos((row - n) / 15)) | 0;
    }
  }
}

/** Fills a planar float frame with a chord that changes every half second. */
function paintAudio(frame: Frame, firstSample: number): void {
  const notes = [261.63, 329.63, 392.0, 523.25];
  frame.planes.forEach((plane, channel) => {
    const samples = new Float32Array(plane.buffer, plane.byteOffset, frame.nbSamples);
    for (let i = 0; i < samples.length; i++) {
      const t = (firstSample + i) / SAMPLE_RATE;
      const note = notes[Math.floor(t * 2) % notes.length]!;
      samples[i] = 0.2 * Math.sin(2 * Math.PI * note * (channel === 0 ? 1 : 1.5) * t);
    }
  });
}

/** Encodes `seconds` of synthetic H.264 + AAC into an MP4 file. */
export async function makeClip(file: string, seconds: number): Promise<{ videoFrames: number; audioFrames: number }> {
  await using video = await Encoder.open({
    codec: 'libx264',
    width: WIDTH,
    height: HEIGHT,
    pixelFormat: 'yuv420p',
    frameRate: { num: FPS, den: 1 },
    gopSize: FPS,
    options: { preset: 'veryfast', crf: 20 },
  });
  await using audio = await Encoder.open({ codec: 'aac', sampleRate: SAMPLE_RATE, channelLayout: 'stereo', bitRate: 128000 });
  await using muxer = await Muxer.open(file);
  const vOut = muxer.addStream(video);
  const aOut = muxer.addStream(audio);
  await muxer.writeHeader({ options: { movflags: 'faststart' }, metadata: { title: 'avforge demo' } });

  const picture = Frame.alloc({ width: WIDTH, height: HEIGHT, pixelFormat: 'yuv420p' });
  const frameSize = audio.frameSize || 1024;
  const sound = Frame.alloc({ sampleRate: SAMPLE_RATE, sampleFormat: audio.sampleFormat ?? 'fltp', channelLayout: 'stereo', nbSamples: frameSize });
  const videoFrames = seconds * FPS;
  let audioFrames = 0;
  for (let n = 0; n < videoFrames; n++) {
    picture.makeWritable(); // the encoder may still hold the previous picture
    paintVideo(picture, n);
    picture.set({ pts: n });
    await muxer.write(await video.encode(picture), vOut);
    // Keep audio up to the video's time, one encoder frame at a time.
    while (audioFrames * frameSize < ((n + 1) * SAMPLE_RATE) / FPS) {
      sound.makeWritable();
      paintAudio(sound, audioFrames * frameSize);
      sound.set({ pts: audioFrames * frameSize });
      await muxer.write(await audio.encode(sound), aOut);
      audioFrames++;
    }
  }
  await muxer.write(await video.flush(), vOut);
  await muxer.write(await audio.flush(), aOut);
  await muxer.writeTrailer();
  picture.close();
  sound.close();
  return { videoFrames, audioFrames };
}

/** Re-encodes the video of `input` to HEVC and copies its audio, into Matroska. */
export async function transcodeClip(input: string, output: string): Promise<{ frames: number; packets: number }> {
  await using demuxer = await Demuxer.open(input);
  const vIn = demuxer.bestStream('video')!;
  const aIn = demuxer.bestStream('audio');
  await using decoder = await Decoder.open(vIn);
  await using encoder = await Encoder.open({
    codec: 'libx265',
    width: vIn.codec.width!,
    height: vIn.codec.height!,
    pixelFormat: 'yuv420p',
    frameRate: vIn.frameRate,
    options: { preset: 'ultrafast', crf: 28, 'x265-params': 'log-level=error' },
  });
  await using muxer = await Muxer.open(output);
  const vOut = muxer.addStream(encoder);
  const aOut = aIn ? muxer.addStream(aIn) : undefined;
  await muxer.writeHeader();

  let frames = 0;
  let packets = 0;
  const write = async (list: Packet[], stream: typeof vOut) => {
    await muxer.write(list, stream);
    packets += list.length;
    for (const p of list) p.close();
  };
  for await (const packet of demuxer.packets()) {
    if (aIn && aOut && packet.streamIndex === aIn.index) {
      await write([packet], aOut); // stream copy
    } else if (packet.streamIndex === vIn.index) {
      const decoded = await decoder.decode(packet);
      packet.close();
      frames += decoded.length;
      await write(await encoder.encode(decoded), vOut);
      decoded.forEach((f) => f.close());
    } else {
      packet.close();
    }
  }
  const rest = await decoder.flush();
  frames += rest.length;
  await write(await encoder.encode(rest), vOut);
  rest.forEach((f) => f.close());
  await write(await encoder.flush(), vOut);
  await muxer.writeTrailer();
  return { frames, packets };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

export async function demo(dir: string, seconds = 5): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const clip = path.join(dir, 'demo-h264-aac.mp4');
  const out = path.join(dir, 'demo-hevc.mkv');

  let t = performance.now();
  const made = await makeClip(clip, seconds);
  let ms = performance.now() - t;
  console.log(`1. Generated ${clip}`);
  console.log(
    `   ${made.videoFrames} frames ${WIDTH}x${HEIGHT}@${FPS} painted in JS -> libx264, ${made.audioFrames} AAC frames -> ${mib(fs.statSync(clip).size)} in ${(ms / 1000).toFixed(2)} s (${((made.videoFrames * 1000) / ms).toFixed(0)} fps)`,
  );

  t = performance.now();
  const done = await transcodeClip(clip, out);
  ms = performance.now() - t;
  console.log(`2. Transcoded to ${out}`);
  console.log(
    `   H.264 -> HEVC (libx265 ultrafast), AAC copied: ${done.frames} frames, ${done.packets} packets written in ${(ms / 1000).toFixed(2)} s (${((done.frames * 1000) / ms).toFixed(0)} fps)`,
  );

  t = performance.now();
  const piped = path.join(dir, 'demo-pipeline-hevc.mkv');
  const result = await transcode(clip, piped, {
    video: { codec: 'libx265', preset: 'ultrafast', crf: 28, options: { 'x265-params': 'log-level=error' } },
    audio: 'copy',
  });
  ms = performance.now() - t;
  console.log(`3. The same job as one transcode() call, every stage on native threads: ${piped}`);
  console.log(
    `   ${result.frames[0]} frames in ${(ms / 1000).toFixed(2)} s (${((result.frames[0]! * 1000) / ms).toFixed(0)} fps, ${result.speed.toFixed(1)}x real time), ${mib(result.bytes)}`,
  );

  const stills = await thumbnails(piped, { count: 3, width: 320, output: path.join(dir, 'demo-thumb-%02d.jpg') });
  console.log(`4. ${stills.length} thumbnails: ${stills.map((s) => `${s.file} (${s.time.toFixed(2)} s, ${s.data.length} bytes)`).join(', ')}`);

  const info = await probe(out);
  console.log(`5. Probed the result: ${info.format.longName}, ${(info.format.duration! / 1e6).toFixed(2)} s, ${mib(info.format.size)}`);
  for (const s of info.streams) {
    const c = s.codec;
    const what = s.type === 'video' ? `${c.width}x${c.height} ${c.pixelFormat}` : `${c.sampleRate} Hz ${c.channelLayout}`;
    console.log(`   stream ${s.index}: ${s.type} ${c.codecName} (${c.profileName ?? 'no profile'}) ${what}`);
  }
}

interface DemoState {
  dir: string;
  seconds: number;
}

export const demoCommand: Command<DemoState> = {
  name: 'demo',
  summary: "generate a clip with avforge's own encoder, transcode it, report",
  usage: ['[--dir DIR] [--seconds N]'],
  groups: [
    {
      title: 'Options',
      flags: [
        { names: ['--dir'], value: 'DIR', help: 'where the files go (default avforge-demo in the temporary folder)', apply: (s, v) => (s.dir = v) },
        {
          names: ['--seconds'],
          value: 'N',
          help: 'length of the clip (default 5)',
          apply: (s, v, flag) => (s.seconds = parseNumber(v, flag, { integer: true, min: 1 })),
        },
      ],
    },
  ],
  init: () => ({ dir: path.join(os.tmpdir(), 'avforge-demo'), seconds: 5 }),
};

export async function runDemo(argv: string[]): Promise<number> {
  const s = parseCommand(demoCommand, argv);
  if ('help' in s) {
    console.log(helpText(demoCommand));
    return 0;
  }
  console.log(`avforge demo on FFmpeg ${versions().ffmpeg}`);
  await demo(s.dir, s.seconds);
  return 0;
}
