// What the streaming I/O tests share: libav's log, kept for the checks that look for a message;
// loopback TCP servers; packet hashes of an input; the input kinds; ffprobe's view of an output
// and the remux that writes one.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { Demuxer, type Muxer, setLogger, type InputSource, type LogLevel } from '../src/index.js';
import { ffmpeg, ffprobeJson } from './util.js';

/** Lets log messages queued from native threads reach the logger. */
export async function settleLogs(): Promise<void> {
  await sleep(50);
}

// ---------------------------------------------------------------------------------------
// Helpers

export interface Server {
  port: number;
  close(): Promise<void>;
}

/** A loopback TCP server; every connection goes to `onConnection`; close() destroys them. */
export async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<Server> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // the client may go away first
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A connected client socket to a server that sends `bytes` and ends. */
async function socketSending(bytes: Buffer): Promise<{ socket: net.Socket; server: Server }> {
  const server = await tcpServer((s) => s.end(bytes));
  const socket = net.connect(server.port, '127.0.0.1');
  await once(socket, 'connect');
  return { socket, server };
}

/** Per stream: packet count and the md5 of each packet's pts, dts and data, in order. */
async function packetHashes(d: Demuxer): Promise<string[]> {
  const hashes = new Map<number, { n: number; h: ReturnType<typeof createHash> }>();
  for await (const p of d.packets()) {
    let s = hashes.get(p.streamIndex);
    if (!s) hashes.set(p.streamIndex, (s = { n: 0, h: createHash('md5') }));
    s.n++;
    s.h.update(`${p.pts},${p.dts},${p.size};`);
    s.h.update(p.data);
    p.close();
  }
  return [...hashes.entries()].sort((a, b) => a[0] - b[0]).map(([i, s]) => `${i}: ${s.n} packets ${s.h.digest('hex')}`);
}

export async function hashesOf(input: InputSource, options?: Parameters<typeof Demuxer.open>[1]): Promise<string[]> {
  const d = await Demuxer.open(input, options);
  try {
    return await packetHashes(d);
  } finally {
    await d.close();
  }
}

interface InputKind {
  name: string;
  seekable: boolean;
  /** The input, and what to do once it has been read. */
  make(file: string): Promise<{ input: InputSource; done?: () => Promise<void> }>;
}

/** Odd sizes, so no chunk lines up with a container's structure. */
const ODD = 1000;

export const inputKinds: InputKind[] = [
  { name: 'Buffer', seekable: true, make: async (f) => ({ input: fs.readFileSync(f) }) },
  {
    name: 'FileHandle',
    seekable: true,
    make: async (f) => {
      const fh = await fsp.open(f);
      return { input: fh, done: () => fh.close() };
    },
  },
  {
    name: 'callbacks with seek',
    seekable: true,
    make: async (f) => {
      const buf = fs.readFileSync(f);
      let pos = 0;
      return {
        input: {
          async read(size: number) {
            await null;
            const chunk = buf.subarray(pos, pos + Math.min(size, 7919));
            pos += chunk.length;
            return chunk;
          },
          seek(p: number) {
            pos = p;
          },
          size: buf.length,
        },
      };
    },
  },
  {
    name: 'callbacks without seek',
    seekable: false,
    make: async (f) => {
      const buf = fs.readFileSync(f);
      let pos = 0;
      return {
        input: {
          read(size: number) {
            const chunk = buf.subarray(pos, pos + Math.min(size, 4093));
            pos += chunk.length;
            return chunk.length ? chunk : null;
          },
        },
      };
    },
  },
  { name: 'Readable', seekable: false, make: async (f) => ({ input: fs.createReadStream(f) }) },
  {
    name: 'async iterable',
    seekable: false,
    make: async (f) => {
      const buf = fs.readFileSync(f);
      return {
        input: (async function* () {
          for (let i = 0; i < buf.length; i += ODD) {
            if (i % (ODD * 16) === 0) await sleep(0);
            yield buf.subarray(i, i + ODD);
          }
        })(),
      };
    },
  },
  {
    name: 'Web ReadableStream',
    seekable: false,
    make: async (f) => ({ input: Readable.toWeb(fs.createReadStream(f)) as unknown as ReadableStream<Uint8Array> }),
  },
  {
    name: 'ReadableStream-like (getReader only)',
    seekable: false,
    make: async (f) => {
      const web = Readable.toWeb(fs.createReadStream(f, { highWaterMark: ODD })) as unknown as ReadableStream<Uint8Array>;
      return { input: { getReader: () => web.getReader() } as unknown as ReadableStream<Uint8Array> };
    },
  },
  {
    name: 'net.Socket',
    seekable: false,
    make: async (f) => {
      const { socket, server } = await socketSending(fs.readFileSync(f));
      return {
        input: socket,
        done: async () => {
          socket.destroy();
          await server.close();
        },
      };
    },
  },
];

export interface ProbedStream {
  codec: string | undefined;
  type: string | undefined;
  packets: number;
}

export async function probeStreams(file: string): Promise<ProbedStream[]> {
  const j = await ffprobeJson(['-show_streams', '-count_packets', file]);
  return (j.streams ?? []).map((s) => ({ codec: s.codec_name, type: s.codec_type, packets: Number(s.nb_read_packets) }));
}

/**
 * ffprobe sees the expected streams and packet counts, and ffmpeg decodes all of it without a
 * complaint. `mp2IsMp3`: MP4 has one object type for MPEG-1 audio, which ffprobe names mp3.
 */
export async function assertPlayable(file: string, expected: ProbedStream[], options: { mp2IsMp3?: boolean } = {}): Promise<void> {
  const got = await probeStreams(file);
  const codec = (c: string | undefined) => (options.mp2IsMp3 && c === 'mp2' ? 'mp3' : c);
  const key = (s: ProbedStream[]) => s.map((x) => `${x.type}/${codec(x.codec)}: ${x.packets}`).sort();
  assert.deepEqual(key(got), key(expected), `streams of ${path.basename(file)}`);
  const { stderr } = await ffmpeg(['-i', file, '-map', '0', '-f', 'null', '-']);
  assert.equal(stderr.trim(), '', `ffmpeg decoding ${path.basename(file)} complained`);
}

/** Copies every stream of `input` into `m` (already open); returns writeTrailer()'s result. */
export async function remuxInto(input: InputSource, m: Muxer, headerOptions?: Record<string, string>): Promise<{ bytes: number; buffer?: Buffer }> {
  const d = await Demuxer.open(input);
  try {
    for (const s of d.streams) m.addStream(s);
    await m.writeHeader(headerOptions ? { options: headerOptions } : undefined);
    for await (const p of d.packets()) {
      await m.write(p);
      p.close();
    }
    return await m.writeTrailer();
  } finally {
    await d.close();
    await m.close();
  }
}

export const FRAGMENTED = { movflags: 'frag_keyframe+empty_moov+default_base_moof' };

/** Keeps libav's messages (and avforge's warnings) while the file's tests run, for the checks that look for one. */
export function captureLogs(): { level: LogLevel; message: string }[] {
  const logs: { level: LogLevel; message: string }[] = [];
  before(() => setLogger((level, message) => void logs.push({ level, message })));
  after(() => setLogger(null));
  return logs;
}
