// `avforge top`: a live view of a queue (--redis) or of an engine in this process: counts,
// workers and their load, the running jobs with progress bars, speed and throughput, redrawn in
// the terminal. --once prints one frame (for scripts, logs and tests).
import { BullMQBackend, Engine, type Progress } from '../index.js';
import { helpText, optionalInt, parseCommand, UsageError, type Command } from './argv.js';
import { queueFlags, type QueueState } from './worker.js';

/** What a frame shows: from a queue's overview or an engine's counters and jobs. */
export interface TopView {
  title: string;
  counts: { queued: number; delayed: number; running: number; completed: number; failed: number };
  /** Jobs finished per minute, over the last minute. */
  throughput: number;
  workers: { name: string; running: number }[];
  /** Budget lines (a local engine's threads and memory). */
  resources?: string[];
  jobs: { id: string; type: string; state: string; priority: number; worker: string | null; progress: unknown; for: number }[];
}

/** A local engine's view. */
export function engineView(engine: Engine, title = `engine in process ${process.pid}`): TopView {
  const c = engine.counters();
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const resources = [
    `threads ${c.threads.used}/${c.threads.budget}`,
    c.memory.budget === null ? `memory ${mib(c.memory.used)} (no budget)` : `memory ${mib(c.memory.used)}/${mib(c.memory.budget)}`,
    ...Object.entries(c.devices).map(([d, s]) => `${d} ${s.used}/${s.limit}`),
  ];
  return {
    title,
    counts: { queued: c.queued, delayed: c.delayed, running: c.running, completed: c.completed, failed: c.failed },
    throughput: c.throughput,
    workers: [{ name: `pid ${process.pid}`, running: c.running }],
    resources,
    jobs: engine.jobs().map((j) => ({ ...j, worker: j.state === 'running' ? `pid ${process.pid}` : null })),
  };
}

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function bar(fraction: number, width: number): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

const fit = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));

/** One frame as text: `width` columns, at most `rows` job lines. */
export function renderTop(view: TopView, width = 100, rows = 20, now = new Date()): string {
  const c = view.counts;
  const lines = [
    `avforge top — ${view.title} — ${now.toISOString().slice(11, 19)} UTC`,
    `jobs: ${c.running} running, ${c.queued} queued, ${c.delayed} delayed · ${c.completed} completed, ${c.failed} failed · ${view.throughput.toFixed(1)}/min`,
  ];
  if (view.resources?.length) lines.push(`budget: ${view.resources.join(' · ')}`);
  lines.push('', `WORKERS (${view.workers.length})`);
  const busiest = Math.max(1, ...view.workers.map((w) => w.running));
  for (const w of view.workers) lines.push(`  ${fit(w.name, 28)} ${bar(w.running / busiest, 10)} ${w.running} running`);
  const barWidth = Math.max(10, Math.min(30, width - 86));
  lines.push(
    '',
    `${fit('JOB', 14)} ${fit('TYPE', 10)} ${fit('STATE', 8)} ${'PRI'.padStart(4)} ${fit('WORKER', 18)} ${fit('PROGRESS', barWidth + 7)} ${'SPEED'.padStart(7)} ${'FPS'.padStart(5)} ${'TIME'.padStart(7)}`,
  );
  for (const j of view.jobs.slice(0, rows)) {
    const p = (j.progress && typeof j.progress === 'object' ? j.progress : {}) as Partial<Progress>;
    const progress =
      typeof p.percent === 'number'
        ? `${bar(p.percent / 100, barWidth)} ${`${p.percent.toFixed(1)}%`.padStart(6)}`
        : typeof p.time === 'number'
          ? fit(`${p.time.toFixed(1)}s of output`, barWidth + 7)
          : ''.padEnd(barWidth + 7);
    lines.push(
      [
        fit(j.id, 14),
        fit(j.type, 10),
        fit(j.state, 8),
        String(j.priority).padStart(4),
        fit(j.worker ?? '', 18),
        progress,
        (typeof p.speed === 'number' ? `${p.speed.toFixed(2)}x` : '').padStart(7),
        (typeof p.fps === 'number' ? p.fps.toFixed(0) : '').padStart(5),
        duration(j.for).padStart(7),
      ].join(' '),
    );
  }
  if (view.jobs.length > rows) lines.push(`… ${view.jobs.length - rows} more`);
  if (view.jobs.length === 0) lines.push('(no jobs running or waiting)');
  return lines.map((l) => (l.length > width ? l.slice(0, width) : l)).join('\n');
}

const ONCE_TIMEOUT_MS = 10_000;

interface TopState extends QueueState {
  values: Record<string, string>;
  once: boolean;
}

export const topCommand: Command<TopState> = {
  name: 'top',
  summary: "a live view of a queue's jobs and workers",
  usage: ['--redis URL [--queue NAME] [--interval MS] [--once]'],
  intro: 'Queued, running and delayed jobs, each worker and its load, progress bars, speed and throughput, redrawn until Ctrl-C.',
  groups: [
    { title: 'Queue', flags: queueFlags },
    {
      title: 'View',
      flags: [
        { names: ['--interval'], value: 'MS', help: 'redraw every MS (default 1000)', apply: (s, v) => (s.values['--interval'] = v) },
        { names: ['--limit'], value: 'N', help: 'job lines at most (default: what the terminal fits)', apply: (s, v) => (s.values['--limit'] = v) },
        { names: ['--once'], help: 'print one frame and exit', apply: (s) => (s.once = true) },
      ],
    },
  ],
  examples: ['avforge top --redis redis://localhost:6379', 'avforge top --redis redis://localhost:6379 --once'],
  init: () => ({ values: {}, once: false }),
};

/** `avforge top`: draws until SIGINT (or once); resolves with the exit code. */
export async function runTop(argv: string[]): Promise<number> {
  const s = parseCommand(topCommand, argv);
  if ('help' in s) {
    console.log(helpText(topCommand));
    return 0;
  }
  if (!s.redis) throw new UsageError('top needs --redis URL');
  const interval = optionalInt(s.values['--interval'], '--interval') ?? 1000;
  if (interval < 100) throw new UsageError(`--interval: ${interval} is under 100 ms`);
  const limit = optionalInt(s.values['--limit'], '--limit');
  const backend = new BullMQBackend({ redis: s.redis, queue: s.queue, prefix: s.prefix });
  const engine = new Engine({ backend });
  const frame = async () => {
    const o = await backend.overview(Math.max(limit ?? 0, 200));
    const view: TopView = { ...o, title: `${s.redis} queue '${o.queue}'` };
    const width = process.stdout.columns ?? 120;
    const rows = limit ?? Math.max(5, (process.stdout.rows ?? 30) - 10 - o.workers.length);
    return renderTop(view, width, rows);
  };
  try {
    if (s.once) {
      // ioredis retries for ever: a server that does not answer is an error here
      let timer: NodeJS.Timeout | undefined;
      const silent = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from ${s.redis} within ${ONCE_TIMEOUT_MS / 1000} s`)), ONCE_TIMEOUT_MS);
      });
      try {
        console.log(await Promise.race([frame(), silent]));
      } catch (e) {
        console.error(`avforge top: ${(e as Error).message}`);
        return 1;
      } finally {
        clearTimeout(timer);
      }
      return 0;
    }
    return await new Promise<number>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const stop = () => {
        clearTimeout(timer);
        process.off('SIGINT', stop);
        process.stdout.write('\n');
        resolve(0);
      };
      process.on('SIGINT', stop);
      const draw = async () => {
        try {
          const text = await frame();
          process.stdout.write(`\x1b[H\x1b[2J${text}\n`);
        } catch (e) {
          process.stdout.write(`\x1b[H\x1b[2Javforge top: ${(e as Error).message}\n`);
        }
        timer = setTimeout(draw, interval);
      };
      void draw();
    });
  } finally {
    // a connection that never came is not waited for (the command exits)
    await Promise.race([engine.close({ wait: false }), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}
