// Which jobs an isolated engine can send to a job process: descriptions made of data (paths,
// URLs, Uint8Arrays, plain options). A stream, a callback or a frame tap lives in this process
// and cannot follow the job; such a job is refused at submit rather than run unprotected.
import { invalidArgument, is } from '../../errors.js';
import type { JobDescription } from '../job.js';

/** The first value inside `v` that cannot cross to another process, with its path. */
function firstNonData(v: unknown, path: string): { path: string; value: unknown } | null {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return null;
  if (v instanceof Uint8Array) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = firstNonData(v[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  if (is.object(v) && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) {
      const bad = firstNonData(x, `${path}.${k}`);
      if (bad) return bad;
    }
    return null;
  }
  return { path, value: v };
}

/** Refuses (TypeError) a description that holds something other than data. */
export function checkIsolatable(job: JobDescription): void {
  const bad = firstNonData(job, 'job');
  if (!bad) return;
  const e = invalidArgument(bad.path, 'data (a path or URL, a Uint8Array, plain options)', bad.value);
  e.message +=
    ": with isolation: 'process' the job runs in another process (write a stream to a file or a Buffer first, or use an Engine with isolation: 'none')";
  throw e;
}
