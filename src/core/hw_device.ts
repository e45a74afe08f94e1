// Hardware devices: https://ffmpeg.org/doxygen/trunk/hwcontext_8h.html
// One API over VA-API, VideoToolbox, MediaCodec, CUDA, QSV, Vulkan, OpenCL, D3D11VA and DRM.
// Probing opens a device on a native thread: a missing driver is a reason, never a crash.
import { AvError, check, invalidArgument, is, optionsObject, settle, avOptions } from '../errors.js';
import { addon, type NativeHwDevice } from '../native.js';
import { Resource } from './resource.js';
import type { AvOptions } from './types.js';

export type HwType = 'vaapi' | 'videotoolbox' | 'mediacodec' | 'cuda' | 'qsv' | 'vulkan' | 'opencl' | 'd3d11va' | 'dxva2' | 'drm' | 'vdpau' | 'amf';

export interface HwDeviceOptions {
  /** Which device: '/dev/dri/renderD128' (vaapi), '0' (cuda), a platform index (opencl '0.0')... */
  device?: string;
  /** Device AVOptions. */
  options?: AvOptions;
}

/** The result of probing one device type. */
export interface HwProbe {
  type: string;
  /** This FFmpeg knows the type and a device of it opened here. */
  available: boolean;
  /** Why not, when it is not. */
  reason?: string;
}

/**
 * The device types `auto` tries for decoding and encoding, best first, per platform. OpenCL and
 * Vulkan are for filters (FFmpeg 5.1 decodes nothing on them), so `auto` leaves them out.
 */
const PREFERENCE: Record<string, HwType[]> = {
  linux: ['cuda', 'vaapi', 'qsv'],
  darwin: ['videotoolbox'],
  win32: ['cuda', 'd3d11va', 'qsv', 'dxva2'],
  android: ['mediacodec'],
};

/** A hardware encoder: the codec family it encodes and the device types it runs on, preferred first. */
interface HwEncoder {
  codec: 'h264' | 'hevc' | 'av1';
  name: string;
  devices: readonly string[];
}

/**
 * Every hardware encoder avforge knows: the one table behind chooseEncoder (codec + device type
 * -> encoder) and encoderDevice (encoder -> the device family whose sessions it uses). AMF takes
 * a D3D11VA or DXVA2 device (FFmpeg >= 7.1 also has an 'amf' device type); V4L2 M2M encoders
 * open no hwdevice, their family is the driver's.
 */
const HW_ENCODERS: readonly HwEncoder[] = (['h264', 'hevc', 'av1'] as const).flatMap((codec) => {
  const on = (suffix: string, ...devices: string[]): HwEncoder => ({ codec, name: `${codec}_${suffix}`, devices });
  const all = [on('nvenc', 'cuda'), on('vaapi', 'vaapi'), on('qsv', 'qsv'), on('amf', 'd3d11va', 'dxva2', 'amf'), on('vulkan', 'vulkan')];
  if (codec !== 'av1') all.push(on('videotoolbox', 'videotoolbox'), on('mediacodec', 'mediacodec'), on('v4l2m2m', 'v4l2m2m'));
  return all;
});

/** The hardware encoder of `codec` ('h264') that runs on device type `type`, or undefined. */
export function hwEncoder(codec: string, type: string): string | undefined {
  return HW_ENCODERS.find((e) => e.codec === codec && e.devices.includes(type))?.name;
}

/** The device family a named encoder uses ('h264_nvenc' -> 'cuda'), or null for a software one. */
export function encoderDevice(name: string): string | null {
  return HW_ENCODERS.find((e) => e.name === name)?.devices[0] ?? null;
}

const SOFTWARE: Record<string, string> = { h264: 'libx264', hevc: 'libx265', av1: 'libsvtav1', vp9: 'libvpx-vp9', vp8: 'libvpx' };

/** Device types whose encoders take frames in device memory (the pipeline uploads for them). */
export const UPLOAD_TYPES: readonly string[] = ['vaapi', 'qsv', 'vulkan'];

let probes: Promise<HwProbe[]> | undefined;

export class HwDevice extends Resource<NativeHwDevice> {
  readonly type: string;
  readonly device: string | undefined;

  /** The device types this FFmpeg build supports (whether or not one can be opened here). */
  static types(): string[] {
    return addon().hwDeviceTypes();
  }

  /** The `auto` order on this platform. */
  static preference(): HwType[] {
    return [...(PREFERENCE[process.platform] ?? [])];
  }

  static async open(type: HwType | string, options?: HwDeviceOptions): Promise<HwDevice> {
    if (!is.nonEmptyString(type)) throw invalidArgument('type', "a device type ('cuda', 'vaapi', 'opencl'...)", type);
    const o = optionsObject(options);
    check(o.device, 'device', 'a device name', is.string);
    const native = new (addon().HwDevice)();
    await settle(native.open(type, o.device as string | undefined, avOptions(o.options, 'options')));
    return new HwDevice(native, type, o.device as string | undefined);
  }

  /**
   * Probes every type this FFmpeg supports, once per process (the result is cached): which
   * can be opened here, and why the others cannot.
   */
  static available(): Promise<HwProbe[]> {
    probes ??= Promise.all(
      HwDevice.types().map(async (type): Promise<HwProbe> => {
        try {
          const d = await HwDevice.open(type);
          await d.close();
          return { type, available: true };
        } catch (e) {
          return { type, available: false, reason: e instanceof Error ? e.message : String(e) };
        }
      }),
    );
    return probes;
  }

  /** The best device on this platform that opens here, or null (with the reasons in available()). */
  static async auto(): Promise<HwDevice | null> {
    const found = await HwDevice.available();
    for (const type of HwDevice.preference()) {
      if (!found.find((p) => p.type === type)?.available) continue;
      try {
        return await HwDevice.open(type);
      } catch {
        // opened during the probe, not now (a device that went away): try the next one
      }
    }
    return null;
  }

  /** The hardware pixel format `decoder` ('h264', 'hevc'...) outputs on `type`, or null when it cannot decode there. */
  static decodeFormat(decoder: string, type: string): string | null {
    return addon().hwDecodeFormat(decoder, type);
  }

  private constructor(native: NativeHwDevice, type: string, device: string | undefined) {
    super(native);
    this.type = type;
    this.device = device;
  }

  /** @internal the native handle, for Decoder and FilterGraph */
  get handle(): NativeHwDevice {
    if (this.closed) throw new AvError('HwDevice is closed', { code: 'ERR_CLOSED', op: 'use' });
    return this.native;
  }
}

/** What a hardware preference came to for one stage. */
export interface HardwareChoice {
  stage: 'decode' | 'encode' | 'filter';
  stream?: number;
  requested: string;
  /** The device type used, or 'software'. */
  used: string;
  /** Why software, when it is. */
  reason?: string;
}

/**
 * The encoder for `codec` ('h264', 'hevc', 'av1') under a preference: a hardware one whose
 * encoder this FFmpeg has and whose device opens here, in the platform's order; else the
 * software one, with the reason.
 */
export async function chooseEncoder(codec: string, preference: string): Promise<{ codec: string; device: string | null; choice: HardwareChoice }> {
  const software = SOFTWARE[codec] ?? codec;
  if (preference === 'none' || !HW_ENCODERS.some((e) => e.codec === codec)) {
    const reason = preference === 'none' ? undefined : `no hardware encoder is known for ${codec}`;
    return { codec: software, device: null, choice: { stage: 'encode', requested: preference, used: 'software', ...(reason ? { reason } : {}) } };
  }
  const found = await HwDevice.available();
  const order = preference === 'auto' ? HwDevice.preference() : [preference as HwType];
  const reasons: string[] = [];
  for (const type of order) {
    const name = hwEncoder(codec, type);
    if (!name) {
      reasons.push(`${type}: no ${codec} encoder`);
      continue;
    }
    if (!addon().hasCodec(name, true)) {
      reasons.push(`${type}: this FFmpeg has no ${name}`);
      continue;
    }
    const probe = found.find((p) => p.type === type);
    if (!probe?.available) {
      reasons.push(`${type}: ${probe?.reason ?? 'not supported by this FFmpeg'}`);
      continue;
    }
    return { codec: name, device: type, choice: { stage: 'encode', requested: preference, used: type } };
  }
  return {
    codec: software,
    device: null,
    choice: { stage: 'encode', requested: preference, used: 'software', reason: reasons.join('; ') || 'no hardware device on this platform' },
  };
}

/** The device to decode on under a preference, or null with the reason. */
export async function chooseDecodeDevice(preference: string): Promise<{ device: string | null; reason?: string }> {
  if (preference === 'none') return { device: null };
  const found = await HwDevice.available();
  const order = preference === 'auto' ? HwDevice.preference() : [preference];
  const reasons: string[] = [];
  for (const type of order) {
    const probe = found.find((p) => p.type === type);
    if (probe?.available) return { device: type };
    reasons.push(`${type}: ${probe?.reason ?? 'not supported by this FFmpeg'}`);
  }
  return { device: null, reason: reasons.join('; ') || 'no hardware device on this platform' };
}
