// What a job costs the engine's budgets: codec threads, memory, and a hardware session.
import { encoderDevice } from '../core/hw_device.js';
import { is } from '../errors.js';
import { encodersOf } from '../options/jobs.js';
import type { Cost } from './budget.js';
import { jobType, type EngineJob, type JOB_TYPES, type SubmitSettings } from './job.js';

/** Default memory estimates by job type (bytes), used when submit() does not say. */
export const MEMORY_ESTIMATES: Record<(typeof JOB_TYPES)[number] | 'function', number> = {
  transcode: 128 << 20,
  remux: 16 << 20,
  thumbnails: 48 << 20,
  probe: 8 << 20,
  function: 64 << 20,
};

/**
 * The hardware device family a job opens a session on: its `hardware` option's type, or its
 * encoder's ('h264_nvenc' -> 'cuda'). 'auto' is known only once the pipeline has chosen: null.
 */
function deviceOf(job: EngineJob): string | null {
  if (typeof job === 'function' || (job.type !== 'transcode' && job.type !== 'thumbnails')) return null;
  const hw = job.options?.hardware;
  if (typeof hw === 'string' && hw !== 'none' && hw !== 'auto') return hw;
  if (is.object(hw) && is.nonEmptyString(hw.type)) return hw.type;
  for (const name of encodersOf(job)) {
    const device = encoderDevice(name);
    if (device) return device;
  }
  return null;
}

export interface CostDefaults {
  /** Codec threads a job gets when it does not set its own. */
  threadsPerJob: number;
  /** What threads: 0 ("as many as useful") is charged as. */
  cpus: number;
  estimateMemory?: (job: EngineJob) => number | undefined;
}

/**
 * What a job is charged. A transcode gets `threadsPerJob` codec threads unless it sets
 * `threads` itself (then it is charged that). Remux and probe run no codecs; thumbnails decode
 * a few frames with FFmpeg's own thread choice (the pipeline has no threads option): each is
 * charged one thread.
 */
export function costOf(job: EngineJob, s: SubmitSettings, d: CostDefaults): Cost {
  const type = jobType(job);
  let threads = 1;
  if (typeof job === 'function') {
    threads = s.threads ?? d.threadsPerJob;
  } else if (job.type === 'transcode') {
    const o = job.options ?? {};
    const asked = (t: number | undefined) => (t === 0 ? d.cpus : t);
    threads = asked(o.threads) ?? d.threadsPerJob;
    for (const st of [o.video, o.audio, ...(o.map ?? [])]) {
      const t = is.object(st) ? asked(st.threads as number | undefined) : undefined;
      if (t !== undefined) threads = Math.max(threads, t);
    }
  } else if (job.type === 'probe') {
    threads = 0;
  }
  const memory = s.memory ?? d.estimateMemory?.(job) ?? MEMORY_ESTIMATES[type];
  return { threads, memory, device: s.device ?? deviceOf(job) };
}
