// The workloads, in the order they run and are reported: each a function of the media that
// returns its name, unit, note and contenders. registry() is the one list.
import os from 'node:os';
import path from 'node:path';

import { cfg, encodeSize } from './config.js';
import { avforge, cli, cProgram, framesOf, peer, type Workload } from './contenders.js';
import type { Media } from './media.js';

/**
 * Every workload, in order. demuxPackets: the packets of the demux workload (every pass), as the
 * C program counted them (the CLI prints no count for it).
 */
export function registry(media: Media, demuxPackets: number): Workload[] {
  const clipPackets = demuxPackets / cfg.demuxPasses;
  return [
    demux(media, demuxPackets),
    decodeH264(media, 1),
    decodeH264(media, 0),
    encodeX264(media),
    decodeHevc(media),
    encodeX265(media),
    transcodeHevc(media),
    ...remuxTargets.map((t) => remux(media, clipPackets, t)),
    decodeAac(media),
    thumbsBurst(media),
    thumbsAtTime(media),
    concurrentDecodes(media),
    concurrentTranscodes(media),
    ...isolationCost(media),
    callbacks(media),
  ];
}

const tmpOut = (ext: string, who: string): string => path.join(os.tmpdir(), `avforge-bench-remux-${who}.${ext}`);
// movflags: what remux({ fragmented: true }) sets, for every contender
const remuxTargets = [
  ['mkv', 'matroska', 'mkv', ''],
  ['fragmented MP4', 'mp4', 'mp4', 'frag_keyframe+empty_moov+default_base_moof'],
] as const;

/** Demux only: every packet, read and seeked back, passes times. */
function demux(media: Media, demuxPackets: number): Workload {
  const passes = String(cfg.demuxPasses);
  return {
    name: `demux 720p30+aac ${cfg.clipSeconds}s x${passes}`,
    unit: 'packets/s',
    what: 'packets',
    note: 'every packet of every stream, read to the end and seeked back to 0, passes times',
    contenders: [
      cProgram('C av_read_frame', 'demux', [media.clip, passes], 'packets'),
      avforge('avforge packets()', 'demux.js', ['--file', media.clip, '--passes', passes, '--mode', 'packets'], 'packets'),
      avforge('avforge read() loop', 'demux.js', ['--file', media.clip, '--passes', passes, '--mode', 'read'], 'packets'),
      avforge('avforge packets({reuse})', 'demux.js', ['--file', media.clip, '--passes', passes, '--mode', 'reuse'], 'packets'),
      avforge('avforge read() batchSize=1', 'demux.js', ['--file', media.clip, '--passes', passes, '--mode', 'read', '--batch', '1'], 'packets'),
      cli(
        'ffmpeg -c copy -f null',
        ['-stream_loop', String(cfg.demuxPasses - 1), '-i', media.clip, '-map', '0', '-c', 'copy', '-f', 'null', '-'],
        () => demuxPackets,
      ),
      ...peer('packets()', ['--op', 'demux', '--file', media.clip, '--passes', passes], 'packets'),
    ],
  };
}

/** H.264 1080p60 decode with one thread (1) or FFmpeg's choice (0). */
function decodeH264(media: Media, threads: number): Workload {
  const t = String(threads);
  const label = threads === 0 ? 'auto' : t;
  return {
    name: `decode 1080p60 ${cfg.hdSeconds}s threads=${label}`,
    unit: 'fps',
    what: 'frames',
    group: 'decode',
    note: `best video stream, h264 decoder, thread_count=${threads}`,
    contenders: [
      cProgram('C send/receive', 'decode', [media.hd, t], 'frames'),
      avforge('avforge frames()', 'decode.js', ['--file', media.hd, '--threads', t, '--mode', 'frames'], 'frames'),
      avforge('avforge read()+decode(8)', 'decode.js', ['--file', media.hd, '--threads', t, '--mode', 'loop', '--batch', '8'], 'frames'),
      // WebCodecs has no thread setting: FFmpeg's choice, as threads=auto
      ...(threads === 0 ? [avforge('avforge/webcodecs VideoDecoder', 'decode.js', ['--file', media.hd, '--threads', t, '--mode', 'webcodecs'], 'frames')] : []),
      cli(`ffmpeg -threads ${t} -f null`, ['-threads', t, '-i', media.hd, '-map', '0:v:0', '-f', 'null', '-'], framesOf),
      ...(threads === 0 ? peer('frames()', ['--op', 'decode', '--file', media.hd, '--threads', t], 'frames') : []),
    ],
  };
}

/** x264 encode of synthetic pictures. */
function encodeX264(media: Media): Workload {
  const { width, height } = encodeSize;
  const n = String(cfg.encodeFrames);
  return {
    name: `encode x264 veryfast ${width}x${height} ${n}f`,
    unit: 'fps',
    what: 'frames',
    group: 'encode',
    note: 'libx264 preset veryfast, yuv420p, 60 fps, threads=0 (auto); the same synthetic pictures for all',
    contenders: [
      cProgram('C send_frame', 'encode', [String(width), String(height), n, '0'], 'frames'),
      avforge('avforge encode()', 'encode.js', ['--width', String(width), '--height', String(height), '--frames', n, '--threads', '0'], 'frames'),
      cli(
        'ffmpeg rawvideo -> libx264',
        [
          '-f',
          'rawvideo',
          '-pix_fmt',
          'yuv420p',
          '-s',
          `${width}x${height}`,
          '-framerate',
          '60',
          '-stream_loop',
          '-1',
          '-i',
          media.raw,
          '-frames:v',
          n,
          '-c:v',
          'libx264',
          '-preset',
          'veryfast',
          '-threads',
          '0',
          '-f',
          'null',
          '-',
        ],
        framesOf,
      ),
    ],
  };
}

/** HEVC 1080p60 decode. */
function decodeHevc(media: Media): Workload {
  return {
    name: `decode HEVC 1080p60 ${cfg.hdSeconds}s threads=auto`,
    unit: 'fps',
    what: 'frames',
    group: 'decode',
    note: 'best video stream, hevc decoder, thread_count=0',
    contenders: [
      cProgram('C send/receive', 'decode', [media.hevc, '0'], 'frames'),
      avforge('avforge frames()', 'decode.js', ['--file', media.hevc, '--threads', '0', '--mode', 'frames'], 'frames'),
      cli('ffmpeg -f null', ['-threads', '0', '-i', media.hevc, '-map', '0:v:0', '-f', 'null', '-'], framesOf),
      ...peer('frames()', ['--op', 'decode', '--file', media.hevc, '--threads', '0'], 'frames'),
    ],
  };
}

/** x265 encode of synthetic pictures. */
function encodeX265(media: Media): Workload {
  const n = String(cfg.x265Frames);
  return {
    name: `encode x265 ultrafast 1920x1080 ${n}f`,
    unit: 'fps',
    what: 'frames',
    group: 'encode',
    note: 'libx265 preset ultrafast, yuv420p, 60 fps, threads=0, x265-params log-level=error; the same synthetic pictures for all',
    contenders: [
      cProgram('C send_frame', 'encode', ['1920', '1080', n, '0', 'libx265', 'ultrafast'], 'frames'),
      avforge(
        'avforge encode()',
        'encode.js',
        ['--width', '1920', '--height', '1080', '--frames', n, '--threads', '0', '--codec', 'libx265', '--preset', 'ultrafast'],
        'frames',
      ),
      cli(
        'ffmpeg rawvideo -> libx265',
        [
          '-f',
          'rawvideo',
          '-pix_fmt',
          'yuv420p',
          '-s',
          '1920x1080',
          '-framerate',
          '60',
          '-stream_loop',
          '-1',
          '-i',
          media.raw1080,
          '-frames:v',
          n,
          '-c:v',
          'libx265',
          '-preset',
          'ultrafast',
          '-x265-params',
          'log-level=error',
          '-threads',
          '0',
          '-f',
          'null',
          '-',
        ],
        framesOf,
      ),
    ],
  };
}

/** Decode + x265 encode: C, the object API, the transcode() pipeline, the CLI. */
function transcodeHevc(media: Media): Workload {
  const tf = String(cfg.transcodeFrames);
  return {
    name: `transcode H.264 720p30 -> HEVC ultrafast ${tf}f`,
    unit: 'fps',
    what: 'frames',
    group: 'transcode',
    note:
      `the 720p clip's video decoded (threads 0) and encoded with libx265 ultrafast (threads 0), ${tf} frames, packets dropped (C, object API) or written to the null muxer (pipeline, CLI); timed from before opening. ` +
      "The ratio is to the C program without libavfilter; 'C ... + null graph' is the same program with every frame through the graph the pipeline inserts for a plain transcode (buffer -> null -> format=<libx265's pixel formats> -> buffersink), so the graph's own cost is its ratio; the CLI also runs such a graph. " +
      'avforge pipeline: transcode(clip, "-", { format: "null", audio: false, video: { codec: "libx265", preset: "ultrafast", threads: 0, maxFrames } }), a thread per stage (demux, decode, filter, encode, mux)',
    contenders: [
      cProgram('C decode+encode', 'transcode', [media.clip, 'libx265', 'ultrafast', tf], 'frames'),
      cProgram('C decode+null graph+encode (libavfilter)', 'transcode_lavfi', [media.clip, 'libx265', 'ultrafast', tf], 'frames'),
      avforge('avforge frames()->packets()', 'transcode.js', ['--file', media.clip, '--max-frames', tf], 'frames'),
      avforge(
        'avforge pipeline transcode()',
        'pipeline.js',
        ['--op', 'transcode', '--file', media.clip, '--codec', 'libx265', '--preset', 'ultrafast', '--threads', '0', '--max-frames', tf],
        'frames',
      ),
      cli(
        'ffmpeg -c:v libx265 -f null',
        ['-i', media.clip, '-map', '0:v:0', '-frames:v', tf, '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-f', 'null', '-'],
        framesOf,
      ),
    ],
  };
}

/** Stream copy into another container, a new output file each pass. */
function remux(media: Media, clipPackets: number, [label, format, ext, movflags]: (typeof remuxTargets)[number]): Workload {
  const passes = String(cfg.remuxPasses);
  return {
    name: `remux 720p30+aac ${cfg.clipSeconds}s -> ${label} x${passes}`,
    unit: 'packets/s',
    what: 'packets',
    group: 'remux',
    note:
      `every stream copied into ${format}${movflags ? ` (movflags ${movflags})` : ''}, a new output file each pass, ${passes} passes; timed from before opening. ` +
      `avforge pipeline: remux(clip, out, { format: '${format}'${movflags ? ', fragmented: true' : ''} }) ${passes} times, one after another (a demux and a mux thread each; it also copies the input's metadata and chapters, the C program does not)`,
    contenders: [
      cProgram('C av_interleaved_write_frame', 'remux', [media.clip, tmpOut(ext, 'c'), format, passes, movflags], 'packets'),
      avforge(
        'avforge Demuxer->Muxer (batches of 64)',
        'remux.js',
        ['--in', media.clip, '--out', tmpOut(ext, 'avforge'), '--format', format, '--passes', passes, ...(movflags ? ['--movflags', movflags] : [])],
        'packets',
      ),
      avforge(
        'avforge pipeline remux()',
        'pipeline.js',
        ['--op', 'remux', '--in', media.clip, '--out', tmpOut(ext, 'pipeline'), '--format', format, '--passes', passes, ...(movflags ? ['--fragmented'] : [])],
        'packets',
      ),
      cli(
        'ffmpeg -c copy',
        [
          '-y',
          '-stream_loop',
          String(cfg.remuxPasses - 1),
          '-i',
          media.clip,
          '-map',
          '0',
          '-c',
          'copy',
          ...(movflags ? ['-movflags', movflags] : []),
          '-f',
          format,
          tmpOut(ext, 'cli'),
        ],
        () => clipPackets * cfg.remuxPasses,
      ),
      ...peer(
        'Demuxer->Muxer',
        ['--op', 'remux', '--file', media.clip, '--out', tmpOut(ext, 'nodeav'), '--format', format, '--passes', passes, ...(movflags ? ['--fragmented'] : [])],
        'packets',
      ),
    ],
  };
}

/** A long AAC-only track: many small frames. */
function decodeAac(media: Media): Workload {
  return {
    name: `decode AAC 48 kHz ${cfg.aacSeconds}s (audio only)`,
    unit: 'fps',
    what: 'frames',
    group: 'decode',
    note: 'a long AAC-LC track: many small frames (1024 samples each); avforge frames() batches 32 audio packets per crossing',
    contenders: [
      cProgram('C send/receive', 'decode', [media.aac, '1', 'audio'], 'frames'),
      avforge('avforge frames()', 'decode.js', ['--file', media.aac, '--threads', '1', '--mode', 'frames', '--type', 'audio'], 'frames'),
      avforge(
        'avforge read()+decode(32)',
        'decode.js',
        ['--file', media.aac, '--threads', '1', '--mode', 'loop', '--batch', '32', '--type', 'audio'],
        'frames',
      ),
      cli('ffmpeg -f null', ['-i', media.aac, '-map', '0:a:0', '-f', 'null', '-']),
      ...peer('frames()', ['--op', 'decode', '--audio', '--file', media.aac, '--threads', '1'], 'frames'),
    ],
  };
}

/** Sequential one-frame jobs, the keyframe before the time. */
function thumbsBurst(media: Media): Workload {
  return {
    name: `thumbnails burst: ${cfg.thumbJobs} jobs on the 720p clip`,
    unit: 'thumbs/s',
    what: 'thumbs',
    group: 'jobs',
    note: 'sequential jobs, each: open, seek to 1-4 s, decode one frame (threads 1), scale to 160x90 yuvj420p, mjpeg encode, close. The first frame decoded after the seek is the keyframe at or before the time (this clip has one, at 0 s): thumbnails() cannot do that (it returns the frame at the time), so its contender is in the next workload',
    contenders: [
      cProgram('C sws_scale + mjpeg', 'thumbs', [media.clip, String(cfg.thumbJobs)], 'thumbs'),
      avforge('avforge Scaler + Encoder mjpeg', 'thumbs.js', ['--file', media.clip, '--jobs', String(cfg.thumbJobs)], 'thumbs'),
    ],
  };
}

/** Sequential one-frame jobs, the frame at the time (what thumbnails() returns). */
function thumbsAtTime(media: Media): Workload {
  return {
    name: `thumbnails burst, frame at the time: ${cfg.thumbAtJobs} jobs on the 720p clip`,
    unit: 'thumbs/s',
    what: 'thumbs',
    group: 'jobs',
    note:
      'sequential jobs (--quick: 20, each decodes up to 4 s of 720p; full: 100), each: open, seek to T = 1-4 s, decode on to the first frame at or after T (what thumbnails({ times: [T] }) returns; the clip has one keyframe, at 0 s, so up to 4 s of 720p30 are decoded), scale to 160x90 yuvj420p, mjpeg encode, close. ' +
      "Decoder threads 0 (auto) for all: ThumbnailOptions has no thread setting and the pipeline opens its decoder with 0. C scales plain bicubic (the scale filter's default), the object API with its Scaler defaults. " +
      "avforge pipeline: thumbnails(clip, { times: [T], width: 160, height: 90, format: 'jpeg' }): demux, decode, select+scale graph, mjpeg, each on its thread",
    contenders: [
      cProgram('C decode to T + sws_scale + mjpeg', 'thumbs', [media.clip, String(cfg.thumbAtJobs), 'accurate', '0'], 'thumbs'),
      avforge(
        'avforge Scaler + Encoder mjpeg (to T)',
        'thumbs.js',
        ['--file', media.clip, '--jobs', String(cfg.thumbAtJobs), '--accurate', '--threads', '0'],
        'thumbs',
      ),
      avforge(
        'avforge pipeline thumbnails()',
        'pipeline.js',
        ['--op', 'thumbs', '--file', media.clip, '--jobs', String(cfg.thumbAtJobs), '--width', '160', '--height', '90'],
        'thumbs',
      ),
    ],
  };
}

/** Many decodes at once in one process. */
function concurrentDecodes(media: Media): Workload {
  return {
    name: `${cfg.concurrentJobs} concurrent decodes of a 360p 2s clip`,
    unit: 'fps',
    what: 'frames',
    group: 'jobs',
    note:
      `C: ${cfg.concurrentJobs} pthreads at once, one decode each (thread_count 1); avforge: ${cfg.concurrentJobs} decoders in one process via Promise.all (threads 1; the calls run on the addon's own pool, up to max(16, 4 x cores) threads). ` +
      `avforge pipeline: ${cfg.concurrentJobs} transcode(clip, '-', { format: 'null', audio: false, video: { codec: 'wrapped_avframe', threads: 1 } }) at once: decode, the 'null' graph, wrapped_avframe (wraps the frame, no copy; the CLI's -f null encoder), the null muxer, each job on 5 threads of its own. ` +
      'The addon (and for the pipeline libavfilter) is loaded before the clock and the event-loop monitor start',
    contenders: [
      cProgram(`C ${cfg.concurrentJobs} pthreads`, 'multidecode', [media.small, String(cfg.concurrentJobs)], 'frames'),
      avforge('avforge Promise.all', 'concurrent.js', ['--file', media.small, '--jobs', String(cfg.concurrentJobs)], 'frames'),
      avforge(
        `avforge pipeline ${cfg.concurrentJobs}x transcode() decode-only`,
        'pipeline.js',
        ['--op', 'decode', '--file', media.small, '--jobs', String(cfg.concurrentJobs), '--threads', '1'],
        'frames',
      ),
    ],
  };
}

/** 4 transcodes at once: the target is the event loop's delay. */
function concurrentTranscodes(media: Media): Workload {
  const sf = String(cfg.smallFrames);
  return {
    name: '4 concurrent transcodes 360p -> HEVC (event loop)',
    unit: 'fps',
    what: 'frames',
    group: 'loop',
    note: `4 transcodes of the 360p clip to libx265 ultrafast at once (${cfg.smallFrames || 'all'} frames each); C: 4 pthreads; avforge: object API, Promise.all; the target is the event loop's p99`,
    contenders: [
      cProgram('C 4 pthreads', 'transcode', [media.small, 'libx265', 'ultrafast', sf, '4'], 'frames'),
      avforge('avforge 4x object API', 'transcode.js', ['--file', media.small, '--max-frames', sf, '--jobs', '4'], 'frames'),
    ],
  };
}

/**
 * The Engine's isolation: the same jobs in this process and in pooled job processes
 * (isolation: 'process'). The ratio is to the in-process engine: per-job overhead on many short
 * jobs (probe, a 1-second remux, one at a time), throughput on a few longer transcodes.
 */
function isolationCost(media: Media): Workload[] {
  const modes = (args: string[], what: 'jobs' | 'frames') => [
    { ...avforge('avforge Engine in process', 'isolation.js', [...args, '--isolation', 'none'], what), reference: true },
    avforge("avforge Engine isolation: 'process'", 'isolation.js', [...args, '--isolation', 'process'], what),
  ];
  const jobs = String(cfg.isolationJobs);
  const note =
    "new Engine({ isolation }), one warm-up job before the clock (for 'process' it starts the job process: firstJobSeconds); ratio: to the in-process engine; " +
    "the 'process' rows' CPU adds the job processes' (/proc/PID/stat)";
  return [
    {
      name: `engine isolation: ${jobs} probe jobs, one at a time`,
      unit: 'jobs/s',
      what: 'jobs',
      note: `${note}. Probe of the 720p clip (ffprobe JSON back over IPC): the per-job overhead (msPerJob)`,
      contenders: modes(['--op', 'probe', '--file', media.clip, '--jobs', jobs], 'jobs'),
    },
    {
      name: `engine isolation: ${jobs} 1-second remux jobs, one at a time`,
      unit: 'jobs/s',
      what: 'jobs',
      note: `${note}. remux of the 720p clip's first second to Matroska (duration: 1)`,
      contenders: modes(['--op', 'remux', '--file', media.clip, '--jobs', jobs], 'jobs'),
    },
    {
      name: 'engine isolation: 4 transcodes 360p -> H.264, 2 at once',
      unit: 'fps',
      what: 'frames',
      note: `${note}. libx264 ultrafast, video only, to .mkv: throughput`,
      contenders: modes(['--op', 'transcode', '--file', media.small, '--jobs', '4', '--concurrency', '2'], 'frames'),
    },
  ];
}

/**
 * The cost per item of a callback into JS, against a C function-pointer call: a frame tap (per
 * frame, batched and not), a custom input's read() and a chunk output's write() (per call).
 * Each avforge figure is a difference: the job with the callback less the same job without it.
 */
function callbacks(media: Media): Workload {
  return {
    name: 'callbacks: cost per item (frame tap, custom I/O read/write) vs a C function pointer',
    unit: 'items/s',
    what: 'items',
    group: 'jobs',
    note:
      'items per second of callback cost (nsPerItem in the extras is its inverse; the difference of the fastest of 5 rounds with and without the callback, NaN where it is at or below zero: below what the method resolves). C: a call through a function pointer. ' +
      'tap: transcode() of 50,000 32x32 lavfi frames to the null muxer with onFrames (tapBatch 64 or 1) less without; ' +
      'read: remux() of the 720p clip to the null muxer, 10 passes, from a CallbackSource returning at most 4 KiB per read() (in memory) less from the path; ' +
      'write: remux() of the clip to Matroska, 10 passes, through a chunk callback less into a file',
    contenders: [
      cProgram('C function pointer', 'callback', ['100000000'], 'items'),
      avforge('avforge frame tap, batches of 64', 'callbacks.js', ['--op', 'tap', '--batch', '64'], 'items'),
      avforge('avforge frame tap, batches of 1', 'callbacks.js', ['--op', 'tap', '--batch', '1'], 'items'),
      avforge('avforge read() callback', 'callbacks.js', ['--op', 'read', '--file', media.clip], 'items'),
      avforge('avforge write() callback', 'callbacks.js', ['--op', 'write', '--file', media.clip], 'items'),
    ],
  };
}
