// probe(): what ffprobe tells, typed; and ffprobe's own JSON shape (toFFprobeJson, ffprobe.ts).
import { invalidArgument, is } from '../errors.js';
import { checkOptions, type ProbeOptions } from '../options/pipeline.js';
import { Demuxer, type FormatInfo } from './demuxer.js';
import type { Stream } from './stream.js';

export interface ProbeResult {
  format: FormatInfo;
  streams: Stream[];
}

/** Opens `url`, reads what the container and each stream's decoder say, and closes it. */
export async function probe(url: string, options?: ProbeOptions): Promise<ProbeResult> {
  if (!is.nonEmptyString(url)) throw invalidArgument('url', 'a non-empty string', url);
  const demuxer = await Demuxer.open(url, checkOptions('probe', options));
  try {
    await demuxer.refresh({ decoders: true });
    return { format: demuxer.format, streams: [...demuxer.streams] };
  } finally {
    await demuxer.close();
  }
}
