// An isolated job process (an Engine with isolation: 'process' starts a pool of them): runs one
// job description at a time, under the memory and CPU limits the Engine sends with it, and
// reports progress and the result over IPC. When libav crashes here, or the kernel stops this
// process at a limit, only the job it was running fails.
import fs from 'node:fs';

import { addon } from '../../native.js';
import { runJob, type Started } from '../attempt.js';
import { FAILED_MARK, toPlainError, type FromChild, type ProcessLimits, type TestHook, type ToChild } from './protocol.js';

if (!process.send) {
  console.error('avforge: this is an Engine job process; the Engine starts it (isolation: "process")');
  process.exit(2);
}

const native = addon();
// A crash must not leave a core file per failed upload; and this process must not outlive the
// Engine's, even one killed with SIGKILL while this one is busy in native code.
native.setProcessLimit('core', 0);
native.dieWithParent();
// Terminal and service-manager signals are the Engine's to handle: a worker's first SIGINT lets
// the running jobs finish, which needs this process alive. The Engine ends it (disconnect, SIGKILL).
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => {});
process.on('disconnect', () => process.exit(0));

const send = (m: FromChild) => {
  process.send!(m);
};

/** The process's data segment now (VmData: heap, native buffers, thread stacks), in bytes. */
function dataBytes(): number {
  try {
    const m = /^VmData:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function setLimits(limits: ProcessLimits): void {
  // the job's memory is what it adds to the idle process (a bare Node process's data segment
  // ranges from about 50 MB to over 500 MB with the Node build)
  if (limits.memory !== null) native.setProcessLimit('data', dataBytes() + limits.memory);
  if (limits.cpu !== null) {
    // RLIMIT_CPU counts the process's whole life: the job gets its seconds on top of what is used
    const used = process.cpuUsage();
    native.setProcessLimit('cpu', Math.ceil((used.user + used.system) / 1e6 + limits.cpu));
  }
}

function clearLimits(limits: ProcessLimits): void {
  if (limits.memory !== null) native.setProcessLimit('data', null);
  if (limits.cpu !== null) native.setProcessLimit('cpu', null);
}

/** Whether a failure says it is out of memory: libav's ENOMEM, a failed ArrayBuffer. (The Engine also watches the peak.) */
function outOfMemory(e: unknown): boolean {
  const x = e as { code?: unknown; message?: unknown } | null;
  return x?.code === 'ENOMEM' || (e instanceof RangeError && /allocation failed/i.test(String(x?.message)));
}

/** Test-only misbehaviour (the Engine sends a hook only under AVFORGE_ISOLATION_TEST_HOOKS=1, and so does this check). */
function misbehave(hook: TestHook): void {
  if (process.env.AVFORGE_ISOLATION_TEST_HOOKS !== '1') return;
  const keep: unknown[] = [];
  switch (hook) {
    case 'abort':
      process.abort();
      break;
    case 'segv':
      process.kill(process.pid, 'SIGSEGV');
      break;
    case 'exit':
      process.exit(3);
      break;
    case 'alloc': // native memory (calloc), touched: throws a RangeError at the limit
      for (;;) keep.push(Buffer.alloc(16 << 20, 1));
    case 'alloc-heap': // the JS heap: V8 gives up with a fatal out-of-memory at the limit
      for (;;) keep.push(new Array(1 << 20).fill(1.5));
    case 'spin': // a busy loop that never yields: no message is read, CPU time runs
      for (;;);
  }
}

let current: { id: number; controller: AbortController; started: Started } | null = null;

function run(m: Extract<ToChild, { t: 'run' }>): void {
  const controller = new AbortController();
  let started: Started;
  try {
    setLimits(m.limits);
    if (m.hook) misbehave(m.hook);
    started = runJob(m.job, {
      id: m.jobId,
      attempt: m.attempt,
      signal: controller.signal,
      threads: m.threads,
      onProgress: (progress) => send({ t: 'progress', id: m.id, progress }),
    });
  } catch (e) {
    started = { result: Promise.reject(e), cancel: () => {} };
  }
  current = { id: m.id, controller, started };
  const finish = (ok: boolean, value: unknown) => {
    clearLimits(m.limits);
    current = null;
    const data = dataBytes();
    if (ok) {
      send({ t: 'done', id: m.id, ok: true, value, data });
      return;
    }
    process.stderr.write(`${FAILED_MARK}${m.id}\n`); // synchronous for a pipe: after libav's lines
    send({ t: 'done', id: m.id, ok: false, error: toPlainError(value), memory: outOfMemory(value), data });
  };
  started.result.then(
    (v) => finish(true, v),
    (e: unknown) => finish(false, e),
  );
}

process.on('message', (m: ToChild) => {
  if (m.t === 'run') run(m);
  else if (m.t === 'cancel' && current?.id === m.id) {
    // as the in-process backend does: the signal, then the pipeline's own cancel
    if (!current.controller.signal.aborted) current.controller.abort(m.mode === 'graceful' ? 'graceful' : undefined);
    current.started.cancel(m.mode);
  }
});
