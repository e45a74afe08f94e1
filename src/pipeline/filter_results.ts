// What a job's filters measured, read from where libavfilter leaves it: the metadata filters
// attach to frames (select's scene score, silencedetect, cropdetect, ebur128 with metadata=1)
// and what filters print as they close (loudnorm's measurement, ebur128's summary). The
// native pipeline keeps both (native/pipeline/filter_report.h); here they become typed values.

/** The metadata one frame carried out of a filter graph. */
export interface FrameMetadataEntry {
  /** The output stream the frame went to. */
  stream: number;
  /** Its presentation time in the output, seconds (null when it has none). */
  time: number | null;
  /** Keys as the filters set them ('lavfi.scene_score', 'lavfi.r128.I', ...). */
  values: Record<string, string>;
}

/** What a filter printed at info level or above (its newest 64 KiB). */
export interface FilterLogText {
  /** The filter's name ('loudnorm'). */
  filter: string;
  /** Its instance in the graph ('Parsed_loudnorm_0'). */
  instance: string;
  text: string;
}

/** loudnorm's measurement (its print_format=json output), for a second, linear pass. */
export interface LoudnormMeasurement {
  /** Integrated loudness of the input, LUFS. */
  inputI: number;
  /** True peak of the input, dBTP. */
  inputTp: number;
  /** Loudness range of the input, LU. */
  inputLra: number;
  inputThresh: number;
  outputI: number;
  outputTp: number;
  outputLra: number;
  outputThresh: number;
  normalizationType: string;
  targetOffset: number;
}

/** ebur128's summary at the end of the stream. */
export interface Ebur128Summary {
  /** Integrated loudness, LUFS, and its gating threshold. */
  integrated: number;
  threshold: number;
  /** Loudness range, LU, its threshold and its low and high ends (LUFS). */
  lra: number;
  lraThreshold: number;
  lraLow: number;
  lraHigh: number;
  /** With peak=sample / peak=true, dBFS / dBTP. */
  samplePeak?: number;
  truePeak?: number;
}

/** A silence silencedetect found (end and duration null when the stream ended in it). */
export interface SilenceInterval {
  stream: number;
  start: number;
  end: number | null;
  duration: number | null;
}

export interface FilterResults {
  /** Every frame that left a graph with metadata, in time order. */
  frames: FrameMetadataEntry[];
  /** True when more frames carried metadata than are kept (200,000). */
  truncated: boolean;
  /** What each filter printed, for those that printed anything. */
  logs: FilterLogText[];
  /** The first loudnorm's measurement. */
  loudnorm?: LoudnormMeasurement;
  /** The first ebur128's summary. */
  ebur128?: Ebur128Summary;
  /** silencedetect's silences, from the frames' lavfi.silence_* metadata. */
  silences: SilenceInterval[];
  /** Frames with a scene score (select='gt(scene,X)' and the like): where the cuts are. */
  scenes: { stream: number; time: number | null; score: number }[];
  /** cropdetect's latest suggestion (crop=width:height:x:y). */
  crop?: { stream: number; width: number; height: number; x: number; y: number };
}

/** The native report, as pipeline.cc hands it over. */
export interface NativeFilterReport {
  frames: FrameMetadataEntry[];
  logs: FilterLogText[];
  truncated: boolean;
}

// libav prints infinities as 'inf' / '-inf' (silence has -inf LUFS)
function num(v: unknown): number {
  const s = String(v).trim();
  if (/^[-+]?inf(inity)?$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return Number(s);
}

export function parseLoudnorm(text: string): LoudnormMeasurement | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text.slice(start, end + 1)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (j.input_i === undefined) return undefined;
  return {
    inputI: num(j.input_i),
    inputTp: num(j.input_tp),
    inputLra: num(j.input_lra),
    inputThresh: num(j.input_thresh),
    outputI: num(j.output_i),
    outputTp: num(j.output_tp),
    outputLra: num(j.output_lra),
    outputThresh: num(j.output_thresh),
    normalizationType: String(j.normalization_type ?? ''),
    targetOffset: num(j.target_offset),
  };
}

export function parseEbur128(text: string): Ebur128Summary | undefined {
  const at = text.lastIndexOf('Summary:');
  if (at < 0) return undefined;
  // sections: "Integrated loudness:", "Loudness range:", "Sample peak:", "True peak:"
  const sections = new Map<string, Map<string, number>>();
  let current = new Map<string, number>();
  for (const line of text.slice(at).split('\n')) {
    const head = /^\s*([A-Za-z ]+):\s*$/.exec(line);
    if (head) {
      current = new Map();
      sections.set(head[1]!.trim().toLowerCase(), current);
      continue;
    }
    const kv = /^\s*([A-Za-z ]+):\s*([-+]?(?:inf|[\d.]+))/i.exec(line);
    if (kv) current.set(kv[1]!.trim().toLowerCase(), num(kv[2]));
  }
  const integrated = sections.get('integrated loudness');
  const range = sections.get('loudness range');
  if (!integrated || !range) return undefined;
  const summary: Ebur128Summary = {
    integrated: integrated.get('i') ?? Number.NaN,
    threshold: integrated.get('threshold') ?? Number.NaN,
    lra: range.get('lra') ?? Number.NaN,
    lraThreshold: range.get('threshold') ?? Number.NaN,
    lraLow: range.get('lra low') ?? Number.NaN,
    lraHigh: range.get('lra high') ?? Number.NaN,
  };
  const sample = sections.get('sample peak')?.get('peak');
  const truePeak = sections.get('true peak')?.get('peak');
  if (sample !== undefined) summary.samplePeak = sample;
  if (truePeak !== undefined) summary.truePeak = truePeak;
  return summary;
}

function silences(frames: FrameMetadataEntry[]): SilenceInterval[] {
  const out: SilenceInterval[] = [];
  const open = new Map<number, SilenceInterval>();
  for (const f of frames) {
    const start = f.values['lavfi.silence_start'];
    const end = f.values['lavfi.silence_end'];
    if (end !== undefined) {
      const s = open.get(f.stream);
      if (s) {
        s.end = num(end);
        const d = f.values['lavfi.silence_duration'];
        s.duration = d !== undefined ? num(d) : s.end - s.start;
        open.delete(f.stream);
      }
    }
    if (start !== undefined) {
      const s: SilenceInterval = { stream: f.stream, start: num(start), end: null, duration: null };
      out.push(s);
      open.set(f.stream, s);
    }
  }
  return out;
}

export function filterResults(report: NativeFilterReport): FilterResults {
  const { frames, logs, truncated } = report;
  const results: FilterResults = { frames, truncated, logs, silences: silences(frames), scenes: [] };
  for (const f of frames) {
    const score = f.values['lavfi.scene_score'];
    if (score !== undefined) results.scenes.push({ stream: f.stream, time: f.time, score: num(score) });
    const w = f.values['lavfi.cropdetect.w'];
    const h = f.values['lavfi.cropdetect.h'];
    if (w !== undefined && h !== undefined)
      results.crop = {
        stream: f.stream,
        width: num(w),
        height: num(h),
        x: num(f.values['lavfi.cropdetect.x'] ?? 0),
        y: num(f.values['lavfi.cropdetect.y'] ?? 0),
      };
  }
  for (const l of logs) {
    if (l.filter === 'loudnorm' && !results.loudnorm) {
      const m = parseLoudnorm(l.text);
      if (m) results.loudnorm = m;
    }
    if (l.filter === 'ebur128' && !results.ebur128) {
      const s = parseEbur128(l.text);
      if (s) results.ebur128 = s;
    }
  }
  return results;
}
