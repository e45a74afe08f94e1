// The packet and frame sections `ffprobe -show_packets` and `-show_frames` print (the ffprobe of
// the linked FFmpeg), as field lists in ffprobe's order with its absent values (see FFprobeValue).
import { linkedLavcMajor, seconds, type FFprobeFields, type FFprobeValue } from './ffprobe.js';
import type { Frame } from './frame.js';
import { PacketFlags, type Packet } from './packet.js';
import type { Stream } from './stream.js';

const NA = { absent: 'N/A' } as const;

/** What a frame's packet was (ffprobe's pkt_pos and pkt_size), found by the frame's pts. */
export interface FFprobePacketOrigin {
  pos: number;
  size: number;
}

/**
 * The packet section ffprobe prints for `packet` of `stream`. The packet's side data (AAC
 * priming as "Skip Samples", new extradata...) is not in what the addon exposes: left out.
 */
export function ffprobePacketFields(packet: Packet, stream: Stream): FFprobeFields {
  const tb = stream.timeBase;
  const flags = packet.flags;
  let flagText = `${flags & PacketFlags.KEY ? 'K' : '_'}${flags & PacketFlags.DISCARD ? 'D' : '_'}`;
  // FFmpeg 6 added the corrupt flag.
  if (linkedLavcMajor() >= 60) flagText += flags & PacketFlags.CORRUPT ? 'C' : '_';
  return [
    ['codec_type', stream.type !== 'unknown' ? stream.type : { absent: 'unknown' }],
    ['stream_index', packet.streamIndex],
    ...timestamp('pts', packet.pts, tb),
    ...timestamp('dts', packet.dts, tb),
    ...duration('duration', packet.duration, tb),
    ['size', String(packet.size)],
    ['pos', packet.pos !== -1 ? String(packet.pos) : NA],
    ['flags', flagText],
  ];
}

/**
 * The frame section ffprobe prints for a decoded `frame` of `stream` (FFmpeg 5.1's fields, or
 * those of 7 and newer), less what the addon does not expose: coded_picture_number,
 * display_picture_number (5.1), crop_top/bottom/left/right (7+), top_field_first, lossless
 * (8+), repeat_pict, alpha_mode (8+) and the frame's side data. `origin` is the packet that
 * carried the frame. Undefined for FFmpeg 6, whose fields are not written here.
 */
export function ffprobeFrameFields(frame: Frame, stream: Stream, origin: FFprobePacketOrigin | undefined): FFprobeFields | undefined {
  const lavc = linkedLavcMajor();
  if (lavc !== 59 && lavc < 61) return undefined;
  const tb = stream.timeBase;
  const f: FFprobeFields = [
    ['media_type', stream.type !== 'unknown' ? stream.type : { absent: 'unknown' }],
    ['stream_index', stream.index],
    ['key_frame', frame.keyFrame ? 1 : 0],
    ...timestamp('pts', frame.pts, tb),
    ...timestamp('pkt_dts', frame.pktDts, tb),
    ...timestamp('best_effort_timestamp', frame.bestEffortTimestamp, tb),
    // FFmpeg 7 prints AVFrame.duration; 5.1 its forerunner, pkt_duration.
    ...duration(lavc === 59 ? 'pkt_duration' : 'duration', frame.duration, tb),
    ['pkt_pos', origin && origin.pos !== -1 ? String(origin.pos) : NA],
    ['pkt_size', origin ? String(origin.size) : NA],
  ];
  const put = (key: string, value: FFprobeValue) => void f.push([key, value]);
  const named = (v: string | undefined, unspecified: string) => (v && v !== unspecified ? v : { absent: unspecified });
  if (frame.kind === 'video') {
    put('width', frame.width);
    put('height', frame.height);
    put('pix_fmt', frame.pixelFormat ?? { absent: 'unknown' });
    const sar = frame.sampleAspectRatio;
    put('sample_aspect_ratio', sar?.num ? `${sar.num}:${sar.den}` : NA);
    put('pict_type', frame.pictType ?? '?');
    put('interlaced_frame', frame.interlaced ? 1 : 0);
    put('color_range', named(frame.colorRange, 'unknown'));
    put('color_space', named(frame.colorSpace, 'unknown'));
    put('color_primaries', named(frame.colorPrimaries, 'unknown'));
    put('color_transfer', named(frame.colorTransfer, 'unknown'));
    // The frame's chroma location is not exposed; the decoder gives it the stream's.
    put('chroma_location', named(stream.codec.chromaLocation, 'unspecified'));
  } else if (frame.kind === 'audio') {
    put('sample_fmt', frame.sampleFormat ?? { absent: 'unknown' });
    put('nb_samples', frame.nbSamples);
    put('channels', frame.channels);
    put('channel_layout', frame.channelLayout ?? { absent: 'unknown' });
  }
  return f;
}

/** ffprobe's print_ts and print_time: a timestamp and its seconds, or N/A for none. */
function timestamp(key: string, ts: number | null, tb: { num: number; den: number }): FFprobeFields {
  return ts === null
    ? [
        [key, NA],
        [`${key}_time`, NA],
      ]
    : [
        [key, ts],
        [`${key}_time`, seconds(ts, tb)],
      ];
}

/** ffprobe's print_duration_ts and print_duration_time: 0 is N/A. */
function duration(key: string, d: number, tb: { num: number; den: number }): FFprobeFields {
  return d === 0
    ? [
        [key, NA],
        [`${key}_time`, NA],
      ]
    : [
        [key, d],
        [`${key}_time`, seconds(d, tb)],
      ];
}
