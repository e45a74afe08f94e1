// fluent-ffmpeg's event payloads, from what avforge knows: 'codecData' from the first input's
// probe (fluent reads it from ffmpeg's input banner), 'progress' from transcode()'s progress.
import type { ProbeResult, Progress } from '../index.js';

/** Seconds as ffmpeg's HH:MM:SS.cc. */
export function timemark(seconds: number): string {
  const t = Math.max(0, seconds);
  const cs = Math.round(t * 100);
  const h = Math.floor(cs / 360000);
  const m = Math.floor(cs / 6000) % 60;
  const s = (cs % 6000) / 100;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(2).padStart(5, '0')}`;
}

/** 'codecData': the input's format, first audio and video codecs and duration. */
export interface CodecDataEvent {
  format: string;
  audio: string;
  audio_details: string[];
  video: string;
  video_details: string[];
  duration: string;
  /** The duration in seconds (avforge's addition, used for percent). */
  durationSeconds?: number;
}

export function codecData(r: ProbeResult): CodecDataEvent | undefined {
  const audio = r.streams.find((s) => s.type === 'audio');
  const video = r.streams.find((s) => s.type === 'video');
  if (!audio && !video) return undefined;
  const d = r.format.duration === null ? null : r.format.duration / 1e6;
  const details = (s: typeof audio): string[] => {
    if (!s) return [];
    const c = s.codec;
    const parts = [c.codecName];
    if (c.pixelFormat) parts.push(c.pixelFormat);
    if (c.width && c.height) parts.push(`${c.width}x${c.height}`);
    if (c.sampleRate) parts.push(`${c.sampleRate} Hz`);
    if (c.channelLayout) parts.push(c.channelLayout);
    return parts;
  };
  const a = details(audio);
  const v = details(video);
  return {
    format: r.format.name,
    audio: a[0] ?? '',
    audio_details: a,
    video: v[0] ?? '',
    video_details: v,
    duration: d !== undefined && d !== null ? timemark(d) : 'N/A',
    ...(d ? { durationSeconds: d } : {}),
  };
}

/** 'progress': fluent-ffmpeg's keys (targetSize in kB, currentKbps in kbit/s). */
export interface ProgressEvent {
  frames: number;
  currentFps: number;
  currentKbps: number;
  targetSize: number;
  timemark: string;
  percent?: number;
}

export function progressEvent(p: Progress, duration: number | undefined): ProgressEvent {
  const e: ProgressEvent = {
    frames: p.frames,
    currentFps: Math.round(p.fps),
    currentKbps: p.time > 0 ? (p.bytes * 8) / p.time / 1000 : 0,
    targetSize: Math.round(p.bytes / 1024),
    timemark: timemark(p.time),
  };
  if (duration) e.percent = (p.time / duration) * 100;
  return e;
}
