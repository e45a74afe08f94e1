// Mirrors FFmpeg's doc/examples/demux_decode.c: decode the video and audio of a file and
// write the raw frames to two files (packed video frames; audio planes as decoded).
// Usage: node dist-examples/demux_decode.js INPUT VIDEO_OUT AUDIO_OUT
import fs from 'node:fs';

import { Decoder, Demuxer, type Frame } from '../src/index.js';

export async function demuxDecode(input: string, videoOut: string, audioOut: string): Promise<{ video: number; audio: number }> {
  await using demuxer = await Demuxer.open(input);
  const videoStream = demuxer.bestStream('video');
  const audioStream = demuxer.bestStream('audio');
  await using video = videoStream ? await Decoder.open(videoStream) : undefined;
  await using audio = audioStream ? await Decoder.open(audioStream) : undefined;
  const vfd = fs.openSync(videoOut, 'w');
  const afd = fs.openSync(audioOut, 'w');
  const counts = { video: 0, audio: 0 };
  const save = (fd: number, frames: Frame[], kind: 'video' | 'audio') => {
    for (const frame of frames) {
      fs.writeSync(fd, frame.toBuffer());
      counts[kind]++;
      frame.close();
    }
  };
  try {
    for await (const packet of demuxer.packets()) {
      if (video && packet.streamIndex === videoStream!.index) save(vfd, await video.decode(packet), 'video');
      else if (audio && packet.streamIndex === audioStream!.index) save(afd, await audio.decode(packet), 'audio');
      packet.close();
    }
    if (video) save(vfd, await video.flush(), 'video');
    if (audio) save(afd, await audio.flush(), 'audio');
  } finally {
    fs.closeSync(vfd);
    fs.closeSync(afd);
  }
  return counts;
}

if (process.argv[1]?.endsWith('demux_decode.js') && process.argv.length === 5) {
  const [input, v, a] = process.argv.slice(2) as [string, string, string];
  console.log(await demuxDecode(input, v, a));
}
