// The hostile uploads, made here byte by byte: inputs that name other local files (playlists,
// concat scripts, file patterns) under every disguise, and decompression bombs (headers of a few
// dozen bytes claiming pictures of gigabytes) in each image and video format libav probes.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

import { pngChunk } from '../util.js';

/** Marks the sentinel: a file beside the upload that must never reach a result or an output. */
export const SENTINEL_TITLE = 'AVFORGE-SENTINEL-2f9c';
/** The sentinel's odd picture size, told apart from every upload's. */
export const SENTINEL_SIZE = { width: 174, height: 98 };

export interface Scenario {
  /**
   * The AvError each operation must end in: INPUT_REFUSED (it names other resources),
   * INPUT_TOO_LARGE (its pictures are over the decoding limit), or any AvError.
   */
  expect: 'refused' | 'too large' | 'error';
  /** Writes the upload into `up` (beside `up/sentinel.mkv`; `other/sentinel.mkv` is its cousin) and returns its name. */
  make(up: string): string;
  /** Path only: the upload's name is part of the attack (an image2 pattern). */
  pathOnly?: boolean;
}

const write = (file: string, data: string | Buffer) => fs.writeFileSync(file, data);
/** Writes up/name and returns the name. */
function put(up: string, name: string, data: string | Buffer): string {
  write(path.join(up, name), data);
  return name;
}
const hlsMedia = (entry: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n${entry}\n#EXT-X-ENDLIST\n`;
const ffconcat = (entry: string) => `ffconcat version 1.0\nfile '${entry}'\n`;
const cousin = (up: string) => path.join(path.dirname(up), 'other', 'sentinel.mkv');

/** Inputs that try to open other files. */
export const NESTING: Record<string, Scenario> = {
  // issue 15's finding: 48 bytes that name themselves, memory without bound
  'self-referencing playlist (self.m3u8)': {
    expect: 'refused',
    make: (up) => put(up, 'self.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nself.m3u8\n'),
  },
  'mutually referencing playlists': {
    expect: 'refused',
    make: (up) => {
      write(path.join(up, 'b.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n');
      write(path.join(up, 'a.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nb.m3u8\n');
      return 'a.m3u8';
    },
  },
  'HLS as upload.mp4 naming an absolute path': {
    expect: 'refused',
    make: (up) => put(up, 'upload.mp4', hlsMedia(cousin(up))),
  },
  'HLS as upload.jpg naming a relative path': {
    expect: 'refused',
    make: (up) => put(up, 'upload.jpg', hlsMedia('../other/sentinel.mkv')),
  },
  'HLS as upload.txt naming a sibling': {
    expect: 'refused',
    make: (up) => put(up, 'upload.txt', hlsMedia('sentinel.mkv')),
  },
  'HLS naming a file: URL': {
    expect: 'refused',
    make: (up) => put(up, 'upload.mp4', hlsMedia(`file://${cousin(up)}`)),
  },
  'HLS naming a URL-encoded sibling': {
    expect: 'refused',
    make: (up) => put(up, 'upload.mp4', hlsMedia('sentin%65l.mkv')),
  },
  'concat script as upload.mp4 naming a sibling': {
    expect: 'refused',
    make: (up) => put(up, 'upload.mp4', ffconcat('sentinel.mkv')),
  },
  'concat script as upload.jpg naming an absolute path': {
    expect: 'refused',
    make: (up) => put(up, 'upload.jpg', ffconcat(cousin(up))),
  },
  'concat script as upload.txt naming a relative path': {
    expect: 'refused',
    make: (up) => put(up, 'upload.txt', ffconcat('../other/sentinel.mkv')),
  },
  'concat script naming a file: URL': {
    expect: 'refused',
    make: (up) => put(up, 'upload.mp4', ffconcat(`file:${cousin(up)}`)),
  },
  'DASH manifest naming a sibling': {
    expect: 'error', // refused where libavformat has the dash demuxer, unrecognised where not
    make: (up) => {
      const mpd = `<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT1S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"><Period><AdaptationSet><Representation id="1" bandwidth="1" mimeType="video/x-matroska"><BaseURL>sentinel.mkv</BaseURL></Representation></AdaptationSet></Period></MPD>\n`;
      write(path.join(up, 'upload.mp4'), mpd);
      return 'upload.mp4';
    },
  },
  'image2 pattern over siblings (frame%03d.png)': {
    expect: 'refused',
    pathOnly: true,
    make: (up) => {
      fs.copyFileSync(path.join(up, 'sentinel.png'), path.join(up, 'frame001.png'));
      write(path.join(up, 'frame%03d.png'), png(2, 2));
      return 'frame%03d.png';
    },
  },
};

// ---------------------------------------------------------------------------------------
// Bombs: tiny headers claiming huge pictures.

/** A PNG whose header says width x height (8-bit RGB), with one tiny IDAT. */
export function png(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(8))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const u16be = (v: number) => Buffer.from([v >> 8, v & 255]);
const u16le = (v: number) => Buffer.from([v & 255, v >> 8]);
const u32le = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};

function jpeg(width: number, height: number): Buffer {
  const dqt = Buffer.concat([Buffer.from([0xff, 0xdb]), u16be(67), Buffer.from([0]), Buffer.alloc(64, 1)]);
  const sof = Buffer.concat([
    Buffer.from([0xff, 0xc0]),
    u16be(17),
    Buffer.from([8]),
    u16be(height),
    u16be(width),
    Buffer.from([3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]),
  ]);
  const sos = Buffer.concat([Buffer.from([0xff, 0xda]), u16be(12), Buffer.from([3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]), Buffer.alloc(32)]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), dqt, sof, sos, Buffer.from([0xff, 0xd9])]);
}

function webp(width: number, height: number): Buffer {
  // VP8L: signature, then 14-bit width-1 and height-1, alpha bit, version 0
  const bits = (width - 1) | ((height - 1) << 14);
  const vp8l = Buffer.concat([Buffer.from([0x2f]), u32le(bits >>> 0), Buffer.alloc(16)]);
  // RIFF chunks are padded to an even size: without the pad byte the decoder never reads the chunk
  const chunk = Buffer.concat([Buffer.from('VP8L'), u32le(vp8l.length), vp8l, Buffer.alloc(vp8l.length & 1)]);
  return Buffer.concat([Buffer.from('RIFF'), u32le(4 + chunk.length), Buffer.from('WEBP'), chunk]);
}

function gif(width: number, height: number): Buffer {
  return Buffer.concat([
    Buffer.from('GIF89a'),
    u16le(width),
    u16le(height),
    Buffer.from([0x80, 0, 0]), // global colour table of 2
    Buffer.from([0, 0, 0, 255, 255, 255]),
    Buffer.from([0x2c]),
    u16le(0),
    u16le(0),
    u16le(width),
    u16le(height),
    Buffer.from([0, 2, 2, 0x4c, 0x01, 0, 0x3b]),
  ]);
}

function bmp(width: number, height: number): Buffer {
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + 64, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  return Buffer.concat([header, Buffer.alloc(64)]);
}

function tiff(width: number, height: number): Buffer {
  const entries: [number, number, number][] = [
    [256, 4, width], // ImageWidth LONG
    [257, 4, height], // ImageLength
    [258, 3, 8], // BitsPerSample
    [259, 3, 1], // Compression none
    [262, 3, 1], // BlackIsZero
    [273, 4, 8 + 2 + 8 * 12 + 4], // StripOffsets: after the IFD
    [278, 4, height], // RowsPerStrip
    [279, 4, 16], // StripByteCounts
  ];
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, value], i) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(1, at + 4);
    if (type === 3) ifd.writeUInt16LE(value, at + 8);
    else ifd.writeUInt32LE(value, at + 8);
  });
  return Buffer.concat([Buffer.from('II*\0', 'latin1'), u32le(8), ifd, Buffer.alloc(16)]);
}

const ppm = (width: number, height: number) => Buffer.concat([Buffer.from(`P6\n${width} ${height}\n255\n`), Buffer.alloc(48)]);

function qoi(width: number, height: number): Buffer {
  const b = Buffer.alloc(14 + 16);
  b.write('qoif', 0, 'latin1');
  b.writeUInt32BE(width, 4);
  b.writeUInt32BE(height, 8);
  b[12] = 3;
  return b;
}

const y4m = (width: number, height: number) => Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F25:1 Ip A1:1 C420jpeg\nFRAME\n`), Buffer.alloc(64)]);

function ivfVp8(width: number, height: number): Buffer {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(32, 6);
  header.write('VP80', 8, 'latin1');
  header.writeUInt16LE(width, 12);
  header.writeUInt16LE(height, 14);
  header.writeUInt32LE(25, 16);
  header.writeUInt32LE(1, 20);
  header.writeUInt32LE(1, 24);
  // one key frame: frame tag (key, version 0, shown, partition size 16), start code, 14-bit sizes
  const frame = Buffer.concat([Buffer.from([0x00 | 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]), u16le(width & 0x3fff), u16le(height & 0x3fff), Buffer.alloc(32)]);
  const fh = Buffer.alloc(12);
  fh.writeUInt32LE(frame.length, 0);
  return Buffer.concat([header, fh, frame]);
}

const bomb = (name: string, data: Buffer): Scenario => ({ expect: 'too large', make: (up) => put(up, name, data) });

/** Decompression bombs: each header claims far more pixels than the decoding limit (2^26). */
export const BOMBS: Record<string, Scenario> = {
  // issue 15's finding: 16000x16000 cost 700-830 MB in probe before avforge's limit applied
  'PNG 16000x16000': bomb('upload.png', png(16000, 16000)),
  'PNG 65535x65535 named .mp4': bomb('upload.mp4', png(65535, 65535)),
  'JPEG 65500x65500': bomb('upload.jpg', jpeg(65500, 65500)),
  'WebP 16384x16384': bomb('upload.webp', webp(16384, 16384)),
  'GIF 65535x65535': bomb('upload.gif', gif(65535, 65535)),
  'BMP 30000x30000': bomb('upload.bmp', bmp(30000, 30000)),
  'TIFF 60000x60000': bomb('upload.tif', tiff(60000, 60000)),
  'PPM 60000x60000': bomb('upload.ppm', ppm(60000, 60000)),
  'QOI 60000x60000': bomb('upload.qoi', qoi(60000, 60000)),
  'Y4M video 30000x30000': bomb('upload.y4m', y4m(30000, 30000)),
  'IVF/VP8 video 16383x16383': bomb('upload.ivf', ivfVp8(16383, 16383)),
};
