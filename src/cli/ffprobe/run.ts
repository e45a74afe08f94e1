// `avforge ffprobe ARGS...`: ffprobe's grammar and output (see args.ts, writers.ts), over
// avforge's Demuxer and Decoder. Stdout is what the linked FFmpeg's ffprobe prints for the
// same argv; errors go to stderr the way ffprobe words them, and fail with status 1.
import {
  AvError,
  Decoder,
  Demuxer,
  ffprobeFormatSection,
  ffprobeFrameFields,
  ffprobePacketFields,
  ffprobeStreamSection,
  ffprobeTypedSideData,
  setLogLevel,
  type FFprobeFields,
  type FFprobeStreamSection,
  type FFprobePacketOrigin,
  type Frame,
  type Stream,
} from '../../index.js';
import { UsageError } from '../argv.js';
import { FFPROBE_HELP, parseFFprobeArgs, type FFprobeArgs } from './args.js';
import type { Sections } from './sections.js';
import { writerFor, type Writer } from './writers.js';

/** Where a probe's output goes: the process's streams for `avforge ffprobe`, a caller's for ffprobe() (cli/ffmpeg/in_process.ts). */
export interface ProbeIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether -loglevel sets libav's (process-wide) log level, as the ffprobe program does. */
  ownsLogLevel: boolean;
}

/** Runs `avforge ffprobe ARGS...`; the exit status. */
export function runFFprobe(argv: string[]): Promise<number> {
  return runProbeCommandLine(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    ownsLogLevel: true,
  });
}

/** Runs an ffprobe command line in this process, its output `io`'s; the exit status. */
export async function runProbeCommandLine(argv: readonly string[], io: ProbeIo): Promise<number> {
  let args: FFprobeArgs;
  let writer: Writer;
  try {
    args = parseFFprobeArgs([...argv]);
    if (args.help) {
      io.stdout(`${FFPROBE_HELP}\n`);
      return 0;
    }
    writer = writerFor(args.writer, ffprobeTypedSideData());
    if (!args.input) throw new UsageError('You have to specify one input file.');
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (io.ownsLogLevel) setLogLevel(args.logLevel ?? 'error');
  const quiet = args.logLevel === 'quiet';
  const sections = args.sections;
  writer.open(sections.get('root'));
  let status = 0;
  try {
    await probeInto(writer, args, args.input, io);
  } catch (e) {
    if (e instanceof UsageError) io.stderr(`${e.message}\n`);
    else if (!(e instanceof AvError)) throw e;
    else if (!quiet) io.stderr(`${args.input}: ${errorText(e)}\n`);
    status = 1;
  }
  writer.close();
  io.stdout(writer.take());
  return status;
}

/** ffprobe's words (av_strerror) for the common failures. */
function errorText(e: AvError): string {
  const words: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    INVALIDDATA: 'Invalid data found when processing input',
  };
  return words[e.code] ?? e.message;
}

async function probeInto(w: Writer, args: FFprobeArgs, input: string, io: ProbeIo): Promise<void> {
  const sections = args.sections;
  await using demuxer = await Demuxer.open(input, { trusted: true, ...(args.format ? { format: args.format } : {}) });
  await demuxer.refresh({ decoders: true });
  const streams = demuxer.streams;
  const selected = streams.map((s) => (args.select === undefined ? true : matches(args.select, s, streams)));
  const showPackets = sections.shown('packets');
  const showFrames = sections.shown('frames');
  const readPackets = showPackets || args.countPackets;
  const readFrames = showFrames || args.countFrames;
  const packetCounts = streams.map(() => 0);
  const frameCounts = streams.map(() => 0);

  if (readPackets || readFrames) {
    // Both shown: one list, in the order ffprobe reads and decodes (JSON), or under "frames".
    const list = showFrames && showPackets && w.packetsAndFramesTogether ? 'packets_and_frames' : showFrames ? 'frames' : 'packets';
    if (showPackets || showFrames) w.open(sections.get(list));
    const decoders = new Map<number, Decoder | null>();
    // Each stream's packets by pts, until their frame comes out: the frame's pkt_pos and pkt_size.
    const origins = streams.map(() => new Map<number, FFprobePacketOrigin>());
    const printFrames = (frames: Frame[], st: Stream) => {
      for (const frame of frames) {
        frameCounts[st.index]!++;
        if (showFrames) {
          const origin = frame.pts !== null ? origins[st.index]!.get(frame.pts) : undefined;
          if (frame.pts !== null) origins[st.index]!.delete(frame.pts);
          const fields = ffprobeFrameFields(frame, st, origin);
          if (!fields) throw new AvError('-show_frames: the frame fields of this FFmpeg version are not written yet', { code: 'ENOSYS', op: 'show_frames' });
          section(w, sections, 'frame', fields);
        }
        frame.close();
      }
    };
    const decoderOf = async (st: Stream) => {
      let dec = decoders.get(st.index);
      if (dec === undefined) {
        // One thread, as ffprobe's decoders: frames come out as soon as its do.
        dec = st.type === 'video' || st.type === 'audio' ? await Decoder.open(st, { threads: 1 }) : null;
        decoders.set(st.index, dec);
      }
      return dec;
    };
    // ffprobe discards the streams it does not select, so its seeks look at the selected ones
    // only; the addon cannot discard streams: refused rather than seeking elsewhere.
    if (args.intervals.some((i) => i.start) && selected.includes(false))
      throw new AvError('-read_intervals with a start and -select_streams together: not supported yet', { code: 'ENOSYS', op: 'read_intervals' });
    // ffprobe's read_interval_packets(), once per interval (the whole input without -read_intervals).
    let curTs: number | null = null;
    try {
      for (const interval of args.intervals.length ? args.intervals : [{}]) {
        let start = 0;
        let hasStart = false;
        let end = interval.end && !interval.end.offset ? interval.end.value : 0;
        let hasEnd = interval.end !== undefined && !interval.end.offset;
        if (interval.start) {
          if (interval.start.offset && curTs === null)
            throw new AvError('Could not seek to relative position since current timestamp is not defined', { code: 'EINVAL', op: 'read_intervals' });
          const target = interval.start.offset ? curTs! + interval.start.us : interval.start.us;
          await demuxer.seek(target / 1e6);
        }
        let packetCount = 0;
        for await (const pkt of demuxer.packets({ reuse: true })) {
          const st = streams[pkt.streamIndex];
          if (!st || !selected[st.index]) continue;
          const ts = pkt.pts ?? pkt.dts;
          if (ts !== null) curTs = toMicroseconds(ts, st.timeBase);
          if (!hasStart && curTs !== null) {
            start = curTs;
            hasStart = true;
          }
          if (hasStart && !hasEnd && interval.end?.offset) {
            end = start + interval.end.value;
            hasEnd = true;
          }
          if (interval.end?.offset && interval.end.packets) {
            if (packetCount >= interval.end.value) break;
          } else if (hasEnd && curTs !== null && curTs >= end) break;
          packetCount++;
          // Long listings go out as they are made, not held whole.
          if (w.size > 1 << 20) io.stdout(w.take());
          if (readPackets) {
            if (showPackets) section(w, sections, 'packet', ffprobePacketFields(pkt, st));
            packetCounts[st.index]!++;
          }
          if (readFrames) {
            const dec = await decoderOf(st);
            if (!dec) continue;
            if (showFrames && pkt.pts !== null) origins[st.index]!.set(pkt.pts, { pos: pkt.pos, size: pkt.size });
            printFrames(await dec.decode(pkt), st);
          }
        }
        // What the decoders hold, in stream order; then they start afresh for the next interval.
        for (const index of [...decoders.keys()].sort((x, y) => x - y)) {
          const dec = decoders.get(index);
          if (!dec) continue;
          printFrames(await dec.flush(), streams[index]!);
          await dec.reset();
        }
      }
    } finally {
      for (const dec of decoders.values()) await dec?.close();
    }
    if (showPackets || showFrames) w.close();
  }

  // Programs hold streams printed as in the streams list, under their own section names; the
  // addon does not describe stream groups (FFmpeg 7+): an input with some is refused rather
  // than printed wrong.
  const format = ffprobeFormatSection(demuxer.format);
  const streamSections = new Map<number, FFprobeStreamSection>();
  const streamSection = (st: Stream) => {
    let s = streamSections.get(st.index);
    if (!s) {
      s = ffprobeStreamSection(st, demuxer.format, {
        ...(args.countFrames ? { frames: frameCounts[st.index]! } : {}),
        ...(args.countPackets ? { packets: packetCounts[st.index]! } : {}),
      });
      streamSections.set(st.index, s);
    }
    return s;
  };
  const printStream = (st: Stream, ids: { stream: string; disposition: string; tags: string }) => {
    const s = streamSection(st);
    w.open(sections.get(ids.stream));
    // ffprobe prints the refs its decoder found while decoding; the addon knows only the
    // refs of a decoder that decoded nothing: left out rather than printed wrong.
    const decoded = readFrames && (st.type === 'video' || st.type === 'audio');
    for (const [k, v] of s.fields) if (!(decoded && k === 'refs')) w.print(k, v);
    if (sections.shown(ids.disposition)) section(w, sections, ids.disposition, s.disposition);
    if (sections.shown(ids.tags) && s.tags.length) section(w, sections, ids.tags, s.tags);
    // a program's streams have the streams' side data sections, as in ffprobe
    if (s.sideData.length) {
      w.open(sections.get('stream_side_data_list'));
      for (const sd of s.sideData) section(w, sections, 'stream_side_data', sd, String(sd[0]?.[1] ?? ''));
      w.close();
    }
    w.close();
  };

  if (sections.shown('programs')) {
    w.open(sections.get('programs'));
    for (const p of demuxer.format.programs) {
      w.open(sections.get('program'));
      for (const [k, v] of [
        ['program_id', p.id],
        ['program_num', p.programNum],
        ['nb_streams', p.streams.length],
        ['pmt_pid', p.pmtPid],
        ['pcr_pid', p.pcrPid],
      ] as const)
        w.print(k, v);
      const tags = Object.entries(p.metadata);
      if (sections.shown('program_tags') && tags.length) section(w, sections, 'program_tags', tags);
      w.open(sections.get('program_streams'));
      for (const index of p.streams) {
        const st = streams[index];
        if (st && selected[index]) printStream(st, { stream: 'program_stream', disposition: 'program_stream_disposition', tags: 'program_stream_tags' });
      }
      w.close();
      w.close();
    }
    w.close();
  }
  const groupsKnown = format.fields.some(([k]) => k === 'nb_stream_groups');
  if (groupsKnown && sections.shown('stream_groups')) {
    if (demuxer.format.nbStreamGroups > 0)
      throw new AvError(`stream_groups: this input has ${demuxer.format.nbStreamGroups}, which avforge ffprobe does not print yet`, {
        code: 'ENOSYS',
        op: 'stream_groups',
      });
    w.open(sections.get('stream_groups'));
    w.close();
  }

  if (sections.shown('streams')) {
    w.open(sections.get('streams'));
    for (const st of streams) if (selected[st.index]) printStream(st, { stream: 'stream', disposition: 'stream_disposition', tags: 'stream_tags' });
    w.close();
  }
  // The addon does not describe chapters: the list is empty.
  if (sections.shown('chapters')) {
    w.open(sections.get('chapters'));
    w.close();
  }
  if (sections.shown('format')) {
    w.open(sections.get('format'));
    for (const [k, v] of format.fields) w.print(k, v);
    if (sections.shown('format_tags') && format.tags.length) section(w, sections, 'format_tags', format.tags);
    w.close();
  }
}

/** av_rescale_q(ts, tb, AV_TIME_BASE_Q): to microseconds, a half rounded away from zero. */
function toMicroseconds(ts: number, tb: { num: number; den: number }): number {
  const n = BigInt(ts) * BigInt(tb.num) * 1_000_000n;
  const d = BigInt(tb.den);
  const q = (n < 0n ? -n : n) * 2n + d;
  const r = q / (2n * d);
  return Number(n < 0n ? -r : r);
}

/** A section with its fields and nothing nested (`type`: a side data entry's). */
function section(w: Writer, sections: Sections, id: string, fields: FFprobeFields, type?: string): void {
  w.open(sections.get(id), type);
  for (const [k, v] of fields) w.print(k, v);
  w.close();
}

/**
 * Whether `spec` (-select_streams) selects `s`: an index, or a type (v a s d t; V: video but
 * not attached pictures) optionally followed by :N, the Nth stream of that type.
 */
function matches(spec: string, s: Stream, all: readonly Stream[]): boolean {
  if (/^\d+$/.test(spec)) return s.index === Number(spec);
  const m = /^([vVasdt])(?::(\d+))?$/.exec(spec);
  if (!m) throw new UsageError(`-select_streams: '${spec}' is not a stream specifier avforge knows (v, a, s, d, t, V, N, v:N)`);
  const types: Record<string, string> = { v: 'video', V: 'video', a: 'audio', s: 'subtitle', d: 'data', t: 'attachment' };
  const ofType = (x: Stream) => x.type === types[m[1]!] && !(m[1] === 'V' && x.disposition.attached_pic);
  if (!ofType(s)) return false;
  return m[2] === undefined || all.filter(ofType).indexOf(s) === Number(m[2]);
}
