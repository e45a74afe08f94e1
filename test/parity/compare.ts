// What "the same output" means for the corpus: ffprobe on both files, every stream's codec,
// dimensions, rotation, pixel and sample formats, rate, layout, frame count, duration within one
// frame, tags, dispositions; the container's duration, tags and chapters.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

interface ProbeJson {
  streams?: Record<string, unknown>[];
  format?: Record<string, unknown>;
  chapters?: Record<string, unknown>[];
}

/** Tags a muxer or encoder writes about itself (its version), not about the media. */
const OWN_TAGS =
  /^(encoder|ENCODER|handler_name|vendor_id|DURATION|creation_time|major_brand|minor_version|compatible_brands|_STATISTICS.*|NUMBER_OF_.*|BPS|variant_bitrate)$/;
const STREAM_KEYS = [
  'codec_type',
  'codec_name',
  'codec_tag_string',
  'width',
  'height',
  'pix_fmt',
  'sample_fmt',
  'sample_rate',
  'channels',
  'channel_layout',
  'nb_read_frames',
];

function probeFile(file: string): ProbeJson {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-show_chapters', '-of', 'json', file], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 60_000,
  });
  return JSON.parse(out) as ProbeJson;
}

const rotation = (s: Record<string, unknown>) =>
  ((s.side_data_list as { rotation?: number }[] | undefined) ?? []).find((d) => d.rotation !== undefined)?.rotation ?? 0;
const tags = (o: Record<string, unknown> | undefined) =>
  Object.fromEntries(
    Object.entries((o?.tags as Record<string, string>) ?? {})
      .filter(([k]) => !OWN_TAGS.test(k))
      .map(([k, v]) => [k.toLowerCase(), v]),
  );
const num = (v: unknown) => (v === undefined || v === 'N/A' ? null : Number(v));

/** One frame's duration of a stream, as the tolerance for its duration. */
function frameTime(s: Record<string, unknown>): number {
  const [n, d] = String(s.avg_frame_rate ?? '0/0')
    .split('/')
    .map(Number);
  if (s.codec_type === 'video' && n && d) return d / n;
  if (s.codec_type === 'audio') return 2048 / Number(s.sample_rate || 48000);
  return 0.05;
}

/** The files an output name stands for: itself, or each file of an image/segment pattern. */
export function outputFiles(out: string): string[] {
  if (!out.includes('%')) return fs.existsSync(out) ? [out] : [];
  const dir = path.dirname(out);
  const re = new RegExp(
    `^${path
      .basename(out)
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/%0?(\d*)d/, (_m, w: string) => (w ? `\\d{${w}}` : '\\d+'))}$`,
  );
  return fs
    .readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** The differences between the reference output and ours ([] when they match). */
export function compareOutputs(reference: string, ours: string): string[] {
  const refFiles = outputFiles(reference);
  const ourFiles = outputFiles(ours);
  if (ourFiles.length === 0) return ['no output file'];
  const diffs: string[] = [];
  if (refFiles.length !== ourFiles.length) diffs.push(`${ourFiles.length} files, the CLI wrote ${refFiles.length}`);
  const a = probeFile(refFiles[0]!);
  const b = probeFile(ourFiles[0]!);
  const as = a.streams ?? [];
  const bs = b.streams ?? [];
  if (as.length !== bs.length)
    diffs.push(`${bs.length} streams (${bs.map((s) => s.codec_name).join(',')}), the CLI ${as.length} (${as.map((s) => s.codec_name).join(',')})`);
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i]!;
    const y = bs[i]!;
    for (const k of STREAM_KEYS) if (String(x[k]) !== String(y[k])) diffs.push(`stream ${i} ${k}: ${y[k]} vs ${x[k]}`);
    if (rotation(x) !== rotation(y)) diffs.push(`stream ${i} rotation: ${rotation(y)} vs ${rotation(x)}`);
    const dx = num(x.duration);
    const dy = num(y.duration);
    if (dx !== null && dy !== null && Math.abs(dx - dy) > frameTime(x) + 1e-6) diffs.push(`stream ${i} duration: ${dy} vs ${dx}`);
    if (JSON.stringify(tags(x)) !== JSON.stringify(tags(y))) diffs.push(`stream ${i} tags: ${JSON.stringify(tags(y))} vs ${JSON.stringify(tags(x))}`);
    for (const d of ['default', 'forced', 'attached_pic', 'hearing_impaired'])
      if ((x.disposition as Record<string, number>)?.[d] !== (y.disposition as Record<string, number>)?.[d]) diffs.push(`stream ${i} disposition.${d} differs`);
  }
  const fx = num(a.format?.duration);
  const fy = num(b.format?.duration);
  const tol = Math.max(...as.map(frameTime), 0.05);
  if (fx !== null && fy !== null && Math.abs(fx - fy) > tol + 1e-6) diffs.push(`duration ${fy} vs ${fx}`);
  if (String(a.format?.format_name) !== String(b.format?.format_name)) diffs.push(`format ${b.format?.format_name} vs ${a.format?.format_name}`);
  if (JSON.stringify(tags(a.format)) !== JSON.stringify(tags(b.format)))
    diffs.push(`tags ${JSON.stringify(tags(b.format))} vs ${JSON.stringify(tags(a.format))}`);
  const ca = a.chapters ?? [];
  const cb = b.chapters ?? [];
  if (ca.length !== cb.length) diffs.push(`${cb.length} chapters, the CLI ${ca.length}`);
  else
    ca.forEach((c, i) => {
      const d = cb[i]!;
      if (
        Math.abs(Number(c.start_time) - Number(d.start_time)) > 0.01 ||
        Math.abs(Number(c.end_time) - Number(d.end_time)) > 0.01 ||
        tags(c).title !== tags(d).title
      )
        diffs.push(`chapter ${i} differs`);
    });
  return diffs;
}
