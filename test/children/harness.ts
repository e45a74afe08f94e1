// Running test cases in child processes, so that a case that aborts, segfaults or hangs
// fails on its own instead of taking the test runner down with it.
//
// Child side: serveCases() runs the named cases one after another and reports each on
// stdout as a marked JSON line, written synchronously so that a crash right after a case
// loses nothing. Parent side: CaseRunner runs a list of cases in a child, and when the child
// dies in a case (signal, exit, no progress before the timeout) charges that case with it
// and goes on with the rest in a fresh child. runChild() is the plain spawn-and-wait.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { inspect } from 'node:util';

const MARK = '@@avforge-case ';

/** What a case returns is sent to the parent as `data` (it must survive JSON). */
export type CaseFn = () => unknown;

interface Event {
  event: 'start' | 'end';
  name: string;
  ok?: boolean;
  error?: string;
  data?: unknown;
}

function emit(e: Event): void {
  fs.writeSync(1, `${MARK}${JSON.stringify(e)}\n`);
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    const extra = Object.entries(e).filter(([k]) => k !== 'stack' && k !== 'message');
    return `${e.stack ?? String(e)}${extra.length ? `\n${inspect(Object.fromEntries(extra))}` : ''}`;
  }
  return inspect(e);
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Child side: runs the cases named on the command line (all when none are), in order.
 * An unhandled rejection or uncaught exception while a case runs fails that case.
 */
export async function serveCases(cases: Record<string, CaseFn>, names: string[] = process.argv.slice(2)): Promise<void> {
  const list = names.length > 0 ? names : Object.keys(cases);
  let stray: unknown[] = [];
  process.on('unhandledRejection', (e) => void stray.push(e));
  process.on('uncaughtException', (e) => void stray.push(e));
  for (const name of list) {
    emit({ event: 'start', name });
    const fn = cases[name];
    let ok = true;
    let error: string | undefined;
    let data: unknown;
    try {
      if (!fn) throw new Error(`no case named '${name}'`);
      data = await fn();
    } catch (e) {
      ok = false;
      error = describeError(e);
    }
    // Rejections the case left behind surface within a few turns of the event loop.
    for (let i = 0; i < 3; i++) await tick();
    if (stray.length > 0) {
      ok = false;
      error = `${error ? `${error}\n` : ''}unhandled during the case:\n${stray.map(describeError).join('\n')}`;
      stray = [];
    }
    emit({ event: 'end', name, ok, ...(error !== undefined ? { error } : {}), ...(data !== undefined ? { data } : {}) });
  }
}

export interface ChildExit {
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  /** Kill the child (SIGKILL) when it runs longer than this. */
  timeoutMs: number;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Called with each complete stdout line. */
  onLine?: (line: string) => void;
}

/** Runs `node [execArgv] script args...` to its end (or the timeout). */
export function runChild(script: string, args: readonly string[], options: ChildOptions): Promise<ChildExit> & { restartTimer(): void } {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), script, ...args], {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
  };
  arm();
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      options.onLine?.(line);
    }
  });
  child.stderr.on('data', (chunk: string) => {
    // Keep the end: that is where an abort says why.
    stderr = (stderr + chunk).slice(-64 * 1024);
  });
  const done = new Promise<ChildExit>((resolve) => {
    child.on('close', (status, signal) => {
      if (timer) clearTimeout(timer);
      if (partial) options.onLine?.(partial);
      resolve({ status, signal, timedOut, stdout, stderr });
    });
  });
  return Object.assign(done, { restartTimer: arm });
}

/** A short account of how a child ended, for assertion messages. */
export function describeExit(exit: ChildExit, lines = 30): string {
  const how = exit.timedOut ? 'was killed after its timeout (a hang)' : exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.status}`;
  const tail = exit.stderr.trim().split('\n').slice(-lines).join('\n');
  return `the child process ${how}${tail ? `; its stderr ends with:\n${tail}` : ''}`;
}

export interface CaseResult {
  name: string;
  ok: boolean;
  /** The case's error, or how the child died in it. */
  error?: string;
  data?: unknown;
  /** Set when the child process died (or hung) during this case. */
  exit?: ChildExit;
}

export interface CaseRunnerOptions {
  /** Longest one case may run before its child is killed as hung. */
  caseTimeoutMs: number;
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Parent side: runs `names` through `script` (which calls serveCases) in as few child
 * processes as it can, and gives each case's result as it comes.
 */
export class CaseRunner {
  readonly #script: string;
  readonly #names: string[];
  readonly #options: CaseRunnerOptions;
  readonly #results = new Map<string, CaseResult>();
  readonly #waiting = new Map<string, (r: CaseResult) => void>();
  #started = false;

  constructor(script: string, names: readonly string[], options: CaseRunnerOptions) {
    this.#script = script;
    this.#names = [...names];
    this.#options = options;
  }

  /** The result of one case (starting the children on first call). */
  result(name: string): Promise<CaseResult> {
    if (!this.#names.includes(name)) return Promise.reject(new Error(`case '${name}' was not given to this runner`));
    if (!this.#started) {
      this.#started = true;
      void this.#run();
    }
    const known = this.#results.get(name);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => this.#waiting.set(name, resolve));
  }

  /** Every result, in order, once all cases have run. */
  async all(): Promise<CaseResult[]> {
    return Promise.all(this.#names.map((n) => this.result(n)));
  }

  #settle(r: CaseResult): void {
    if (this.#results.has(r.name)) return;
    this.#results.set(r.name, r);
    this.#waiting.get(r.name)?.(r);
    this.#waiting.delete(r.name);
  }

  async #run(): Promise<void> {
    let remaining = [...this.#names];
    while (remaining.length > 0) {
      let current: string | undefined;
      // A case's result is final once its child moves on to the next case or exits cleanly:
      // a crash just after a case (a finalizer, a late callback) is charged to that case.
      let ended: CaseResult | undefined;
      const child = runChild(this.#script, remaining, {
        timeoutMs: this.#options.caseTimeoutMs,
        execArgv: this.#options.execArgv,
        env: this.#options.env,
        onLine: (line) => {
          if (!line.startsWith(MARK)) return;
          const e = JSON.parse(line.slice(MARK.length)) as Event;
          if (e.event === 'start') {
            if (ended) this.#settle(ended);
            ended = undefined;
            current = e.name;
            child.restartTimer();
          } else {
            current = undefined;
            ended = { name: e.name, ok: e.ok === true, error: e.error, data: e.data };
          }
        },
      });
      const exit = await child;
      const died = exit.timedOut || exit.signal !== null || exit.status !== 0;
      if (current !== undefined) {
        this.#settle({ name: current, ok: false, error: `during this case, ${describeExit(exit)}`, exit });
      } else if (ended) {
        if (died) this.#settle({ ...ended, ok: false, error: `${ended.error ? `${ended.error}\n` : ''}after this case ended, ${describeExit(exit)}`, exit });
        else this.#settle(ended);
      }
      const before = remaining.length;
      remaining = remaining.filter((n) => !this.#results.has(n));
      if (remaining.length === before) {
        // It never reached a case: charge the rest with that rather than loop.
        for (const n of remaining) this.#settle({ name: n, ok: false, error: `before this case ran, ${describeExit(exit)}`, exit });
        remaining = [];
      }
    }
  }
}

/** A failure message for a case result, or undefined when it passed. */
export function failureOf(r: CaseResult): string | undefined {
  return r.ok ? undefined : `${r.name}: ${r.error ?? 'failed'}`;
}
