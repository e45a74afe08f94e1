// fluent-ffmpeg's capability queries (getAvailableFormats/Codecs/Encoders/Filters) in its
// shapes, from avforge's listings of the linked libraries rather than ffmpeg's -formats text.
import { codecs, filters, formats } from '../index.js';
import type { FfmpegCommand } from './command.js';

type Callback<T> = (err: Error | null, data: T) => void;

export interface FormatCapability {
  description: string;
  canDemux: boolean;
  canMux: boolean;
}
export interface CodecCapability {
  type: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment';
  description: string;
  canDecode: boolean;
  canEncode: boolean;
  intraFrameOnly: boolean;
  isLossy: boolean;
  isLossless: boolean;
}
export interface EncoderCapability {
  type: CodecCapability['type'];
  description: string;
  frameMT: boolean;
  sliceMT: boolean;
  experimental: boolean;
  drawHorizBand: boolean;
  directRendering: boolean;
}
export interface FilterCapability {
  description: string;
  input: 'audio' | 'video' | 'none';
  multipleInputs: boolean;
  output: 'audio' | 'video' | 'none';
  multipleOutputs: boolean;
}

const answer = <T>(cb: Callback<T>, make: () => T) => {
  let data: T;
  try {
    data = make();
  } catch (e) {
    return void setImmediate(() => cb(e as Error, undefined as never));
  }
  setImmediate(() => cb(null, data));
};

export function availableFormats(): Record<string, FormatCapability> {
  const out: Record<string, FormatCapability> = {};
  // a demuxer's names ('mov,mp4,m4a,3gp,3g2,mj2') each, as -f takes any of them
  for (const f of formats())
    for (const name of new Set([f.name, ...f.name.split(',')])) {
      const entry = (out[name] ??= { description: f.longName, canDemux: false, canMux: false });
      if (f.kind === 'demuxer') entry.canDemux = true;
      else entry.canMux = true;
    }
  return out;
}

export function availableCodecs(): Record<string, CodecCapability> {
  const out: Record<string, CodecCapability> = {};
  for (const c of codecs()) {
    const name = c.codecId ?? c.name;
    const entry = (out[name] ??= {
      type: c.type as CodecCapability['type'],
      description: c.longName,
      canDecode: false,
      canEncode: false,
      intraFrameOnly: c.properties.includes('intraOnly'),
      isLossy: c.properties.includes('lossy'),
      isLossless: c.properties.includes('lossless'),
    });
    if (c.kind === 'decoder') entry.canDecode = true;
    else entry.canEncode = true;
  }
  return out;
}

export function availableEncoders(): Record<string, EncoderCapability> {
  const out: Record<string, EncoderCapability> = {};
  for (const c of codecs())
    if (c.kind === 'encoder')
      out[c.name] = {
        type: c.type as CodecCapability['type'],
        description: c.longName,
        frameMT: c.capabilities.includes('frameThreads'),
        sliceMT: c.capabilities.includes('sliceThreads'),
        experimental: c.capabilities.includes('experimental'),
        drawHorizBand: c.capabilities.includes('drawHorizBand'),
        directRendering: c.capabilities.includes('dr1'),
      };
  return out;
}

const padType = (pads: readonly { type: string }[]): FilterCapability['input'] =>
  pads[0]?.type === 'audio' ? 'audio' : pads[0]?.type === 'video' ? 'video' : 'none';

export function availableFilters(): Record<string, FilterCapability> {
  const out: Record<string, FilterCapability> = {};
  for (const f of filters())
    out[f.name] = {
      description: f.description,
      input: padType(f.inputs),
      multipleInputs: f.inputs.length > 1 || f.flags.includes('dynamicInputs'),
      output: padType(f.outputs),
      multipleOutputs: f.outputs.length > 1 || f.flags.includes('dynamicOutputs'),
    };
  return out;
}

export const getAvailableFormats = (cb: Callback<Record<string, FormatCapability>>): void => answer(cb, availableFormats);
export const getAvailableCodecs = (cb: Callback<Record<string, CodecCapability>>): void => answer(cb, availableCodecs);
export const getAvailableEncoders = (cb: Callback<Record<string, EncoderCapability>>): void => answer(cb, availableEncoders);
export const getAvailableFilters = (cb: Callback<Record<string, FilterCapability>>): void => answer(cb, availableFilters);

const unavailable = (what: string, names: string[]): Error | null =>
  names.length === 0
    ? null
    : names.length === 1
      ? new Error(`${what} ${names[0]} is not available`)
      : new Error(`${what}s ${names.join(', ')} are not available`);

/** What fluent's _checkCapabilities reports: the first missing output format, input format, audio or video encoder. */
export function capabilityError(cmd: FfmpegCommand): Error | null {
  const f = availableFormats();
  const e = availableEncoders();
  const named = (list: { find(n: string, c: number): unknown[] | undefined }, flag: string) => list.find(flag, 1)?.map(String)[0];
  const missing = (values: (string | undefined)[], ok: (v: string) => boolean) => values.filter((v): v is string => v !== undefined && v !== 'copy' && !ok(v));
  return (
    unavailable(
      'Output format',
      missing(
        cmd._outputs.map((o) => named(o.options, '-f')),
        (v) => !!f[v]?.canMux,
      ),
    ) ??
    unavailable(
      'Input format',
      missing(
        cmd._inputs.map((i) => named(i.options, '-f')),
        // lavfi and the capture devices are libavdevice's, loaded on first need: not in the listing
        (v) => !!f[v]?.canDemux || v === 'lavfi',
      ),
    ) ??
    unavailable(
      'Audio codec',
      missing(
        cmd._outputs.map((o) => named(o.audio, '-acodec')),
        (v) => e[v]?.type === 'audio',
      ),
    ) ??
    unavailable(
      'Video codec',
      missing(
        cmd._outputs.map((o) => named(o.video, '-vcodec')),
        (v) => e[v]?.type === 'video',
      ),
    )
  );
}
