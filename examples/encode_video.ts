// Mirrors FFmpeg's doc/examples/encode_video.c: encode generated pictures with a named
// codec, reusing one frame (made writable before each fill), into a container.
// Usage: node dist-examples/encode_video.js OUTPUT [CODEC]
import { Encoder, Frame, Muxer } from '../src/index.js';

export async function encodeVideo(output: string, codec = 'libx264', frames = 25): Promise<number> {
  const width = 352;
  const height = 288;
  await using encoder = await Encoder.open({
    codec,
    width,
    height,
    pixelFormat: 'yuv420p',
    frameRate: { num: 25, den: 1 },
    gopSize: 10,
    maxBFrames: 1,
    bitRate: 400_000,
  });
  await using muxer = await Muxer.open(output);
  const stream = muxer.addStream(encoder);
  await muxer.writeHeader();
  using frame = Frame.alloc({ width, height, pixelFormat: 'yuv420p' });
  let packets = 0;
  for (let i = 0; i < frames; i++) {
    frame.makeWritable();
    const [y, cb, cr] = frame.planes as [Uint8Array, Uint8Array, Uint8Array];
    const [ys, cs] = frame.linesize as [number, number];
    for (let row = 0; row < height; row++) for (let x = 0; x < width; x++) y[row * ys + x] = x + row + i * 3;
    for (let row = 0; row < height / 2; row++)
      for (let x = 0; x < width / 2; x++) {
        cb[row * cs + x] = 128 + row + i * 2;
        cr[row * cs + x] = 64 + x + i * 5;
      }
    frame.pts = i;
    const out = await encoder.encode(frame);
    await muxer.write(out, stream);
    packets += out.length;
    out.forEach((p) => p.close());
  }
  const rest = await encoder.flush();
  await muxer.write(rest, stream);
  packets += rest.length;
  await muxer.writeTrailer();
  return packets;
}

if (process.argv[1]?.endsWith('encode_video.js') && process.argv.length >= 3) {
  console.log(`${await encodeVideo(process.argv[2]!, process.argv[3])} packets written`);
}
