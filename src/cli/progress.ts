// What the job commands print: a progress line redrawn in place on a terminal (stderr), or
// with --json one JSON object per line on stdout ({"event":"progress"|"done"|"error",...}).
// Off a terminal and without --json, nothing but errors.
import type { Progress } from '../index.js';

/** Where the reporter writes: process.stdout / process.stderr, or stand-ins in tests. */
export interface Outputs {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

/** 55670 -> '54.4 KiB'. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ${units[i]}`;
}

/** 83.456 -> '00:01:23.45'. */
export function formatClock(seconds: number): string {
  const cs = Math.max(0, Math.round(seconds * 100));
  const h = Math.floor(cs / 360000);
  const m = Math.floor(cs / 6000) % 60;
  const s = Math.floor(cs / 100) % 60;
  const pad = (x: number, w = 2) => String(x).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(cs % 100)}`;
}

/** 222087 -> '222 kb/s'. */
export function formatBitRate(bps: number): string {
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(2)} Mb/s` : `${Math.round(bps / 1e3)} kb/s`;
}

/**
 * One progress line, at most `columns` wide:
 *   [########------------]  41% frame=  210 fps=104 speed=4.1x time=00:00:08.40 size=330 KiB
 * The bar goes first when the width allows and the percentage is known.
 */
export function progressLine(p: Progress, columns = 80): string {
  const stats = [
    `frame=${String(p.frames).padStart(5)}`,
    `fps=${p.fps.toFixed(p.fps < 10 ? 1 : 0).padStart(4)}`,
    `speed=${p.speed.toFixed(p.speed < 10 ? 2 : 1)}x`,
    `time=${formatClock(p.time)}`,
    `size=${formatBytes(p.bytes)}`,
    `bitrate=${formatBitRate(p.bitRate)}`,
  ];
  if (p.damaged) stats.push(`damaged=${p.damaged}`);
  const width = Math.max(20, columns - 1);
  let text = stats.join(' ');
  if (p.percent !== null) {
    const pct = `${p.percent.toFixed(0).padStart(3)}%`;
    const barWidth = Math.min(30, width - text.length - pct.length - 4);
    const bar = barWidth >= 10 ? `[${'#'.repeat(Math.round((p.percent / 100) * barWidth)).padEnd(barWidth, '-')}] ` : '';
    text = `${bar}${pct} ${text}`;
  }
  // narrow terminals: drop stats from the end rather than wrap (a wrapped line is not redrawn in place)
  while (text.length > width && stats.length > 1) {
    stats.pop();
    text = text.slice(0, text.lastIndexOf(' '));
  }
  return text.slice(0, width);
}

/** Rounds the numbers of an event for JSON (milliseconds and seconds to 1 µs / 1 ms). */
function rounded(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o))
    out[k] = typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(k === 'time' || k === 'duration' ? 6 : 3)) : v;
  return out;
}

export class Reporter {
  readonly #json: boolean;
  readonly #tty: boolean;
  readonly #io: Outputs;
  /** Whether a progress line is on the screen (to be cleared before anything else is written). */
  #drawn = false;
  #lastDraw = 0;
  #last: Progress | undefined;

  constructor(options: { json: boolean }, io: Outputs = { out: process.stdout, err: process.stderr }) {
    this.#json = options.json;
    this.#tty = io.err.isTTY === true;
    this.#io = io;
  }

  /** Whether progress is shown at all (the job then reports it). */
  get wantsProgress(): boolean {
    return this.#json || this.#tty;
  }

  /** A terminal: the human progress line and the closing summary. */
  get interactive(): boolean {
    return this.#tty;
  }

  progress(p: Progress): void {
    this.#last = p;
    if (this.#json) this.#event('progress', { ...p });
    if (!this.#tty) return;
    const now = Date.now();
    if (now - this.#lastDraw < 100) return; // redraws at most ten times a second
    this.#lastDraw = now;
    this.#draw(p);
  }

  /** A message for a person (stderr), above the progress line. */
  note(message: string): void {
    this.#clear();
    this.#io.err.write(message.endsWith('\n') ? message : `${message}\n`);
  }

  /**
   * The job's end: the final progress line kept on a terminal (at 100% when `complete`), then
   * `summary` there; the done event with --json.
   */
  done(result: Record<string, unknown>, summary: string, complete = true): void {
    if (this.#tty && this.#last) {
      this.#draw(complete && this.#last.percent !== null ? { ...this.#last, percent: 100 } : this.#last);
      this.#io.err.write('\n');
      this.#drawn = false;
    }
    if (this.#json) this.#event('done', result);
    if (this.#tty) this.#io.err.write(`${summary}\n`);
  }

  /** A failure: `avforge: message` on stderr, and the error event with --json. */
  error(code: string, message: string, hint?: string): void {
    this.#clear();
    if (this.#json) this.#event('error', { code, message });
    this.#io.err.write(`avforge: ${message}${hint ? `\n${hint}` : ''}\n`);
  }

  #draw(p: Progress): void {
    this.#io.err.write(`\r${progressLine(p, this.#io.err.columns || 80)}\x1b[K`);
    this.#drawn = true;
  }

  #clear(): void {
    if (!this.#drawn) return;
    this.#io.err.write('\r\x1b[K');
    this.#drawn = false;
  }

  #event(event: string, fields: Record<string, unknown>): void {
    this.#io.out.write(`${JSON.stringify({ event, ...rounded(fields) })}\n`);
  }
}
