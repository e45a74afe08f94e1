// Mirrors FFmpeg's doc/examples/remux.c: copy every audio, video and subtitle stream of
// a file into another container, rescaling timestamps, with no decoding.
// Usage: node dist-examples/remux.js INPUT OUTPUT
import { Demuxer, Muxer, type MuxerStream, type Packet } from '../src/index.js';

export async function remux(input: string, output: string): Promise<number> {
  await using demuxer = await Demuxer.open(input);
  await using muxer = await Muxer.open(output);
  const map = new Map<number, MuxerStream>();
  for (const stream of demuxer.streams)
    if (stream.type === 'video' || stream.type === 'audio' || stream.type === 'subtitle') map.set(stream.index, muxer.addStream(stream));
  await muxer.writeHeader();
  let written = 0;
  // Write in batches: one native crossing per batch instead of one per packet.
  let batch: Packet[] = [];
  const flush = async () => {
    await muxer.write(batch);
    written += batch.length;
    batch.forEach((p) => p.close());
    batch = [];
  };
  for await (const packet of demuxer.packets()) {
    const out = map.get(packet.streamIndex);
    if (!out) {
      packet.close();
      continue;
    }
    packet.streamIndex = out.index;
    batch.push(packet);
    if (batch.length === 64) await flush();
  }
  await flush();
  await muxer.writeTrailer();
  return written;
}

if (process.argv[1]?.endsWith('remux.js') && process.argv.length === 4) {
  console.log(`${await remux(process.argv[2]!, process.argv[3]!)} packets copied`);
}
