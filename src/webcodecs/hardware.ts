// hardwareAcceleration: 'prefer-hardware' over avforge's HwDevice: the platform's device types in
// HwDevice.preference() order (CUDA, VA-API, QSV on Linux; VideoToolbox on macOS...), each probed
// once per process (only those: probing OpenCL or Vulkan would log). Where none opens, or none can run the codec, the configuration is
// unsupported (NotSupportedError from configure(), supported: false from isConfigSupported()).
import { HwDevice, hasCodec } from '../index.js';
import { encoderDevice, hwEncoder, UPLOAD_TYPES } from '../core/hw_device.js';

const probes = new Map<string, Promise<string | null>>();

/** Whether a device of `type` opens here (null) or why not: probed once per process, only the types asked about. */
function probe(type: string): Promise<string | null> {
  let p = probes.get(type);
  if (!p) {
    p = HwDevice.open(type).then(
      (d) => d.close().then(() => null),
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    probes.set(type, p);
  }
  return p;
}

/** The first of the platform's device types for which `usable` holds and a device opens, or the reasons. */
async function firstDevice(usable: (type: string) => string | null): Promise<{ type: string } | { reason: string }> {
  const reasons: string[] = [];
  for (const type of HwDevice.preference()) {
    const unusable = usable(type) ?? (await probe(type));
    if (unusable === null) return { type };
    reasons.push(`${type}: ${unusable}`);
  }
  return { reason: reasons.join('; ') || `no device types on ${process.platform}` };
}

/** The device type `decoder` ('h264', 'libdav1d'...) decodes on here, or why there is none. */
export async function hardwareDecodeType(decoder: string): Promise<{ type: string } | { reason: string }> {
  const found = await firstDevice((type) => (HwDevice.decodeFormat(decoder, type) ? null : `${decoder} does not decode there`));
  return 'reason' in found ? { reason: `no hardware decoder here (${found.reason})` } : found;
}

/** Opens the device a hardware decoder of `decoder` runs on (hardwareDecodeType's), for one decoder. */
export async function openDecodeDevice(decoder: string): Promise<HwDevice | string> {
  const found = await hardwareDecodeType(decoder);
  if ('reason' in found) return found.reason;
  try {
    return await HwDevice.open(found.type);
  } catch (e) {
    return `the ${found.type} device did not open: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * The hardware encoder of `codec` ('h264', 'hevc', 'av1') here, or why there is none. Encoders
 * that take frames in device memory (VA-API, QSV, Vulkan) need an upload step that
 * avforge/webcodecs does not have: those count as none.
 */
export async function hardwareEncoder(codec: string): Promise<{ name: string } | { reason: string }> {
  const found = await firstDevice((type) => {
    const name = hwEncoder(codec, type);
    if (!name || !hasCodec(name, 'encoder')) return `this FFmpeg has no ${codec} encoder for it`;
    return UPLOAD_TYPES.includes(type) ? `${name} takes frames in device memory, which avforge/webcodecs does not upload` : null;
  });
  return 'reason' in found ? { reason: `no hardware encoder here (${found.reason})` } : { name: hwEncoder(codec, found.type)! };
}

/** Whether an encoder name is a hardware one (its codec-specific software options do not apply). */
export const isHardwareEncoder = (name: string): boolean => encoderDevice(name) !== null;
