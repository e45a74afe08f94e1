// Child processes, measured from outside: wall time always, and with /usr/bin/time the peak RSS
// and CPU time of the whole process, the same way for the C programs, node and the CLI.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { timeBin } from './config.js';

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  /** Peak RSS in KiB measured from outside (/usr/bin/time), when available. */
  maxRssKiB: number | null;
  cpuSeconds: number | null;
}

export function exec(cmd: string, args: string[], options: { measure?: boolean } = {}): Promise<Exec> {
  const measured = options.measure && timeBin !== null;
  const timeFile = measured ? path.join(os.tmpdir(), `avforge-bench-${process.pid}-${Math.random().toString(36).slice(2)}`) : '';
  const [c, a] = measured ? [timeBin!, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let maxRssKiB: number | null = null;
      let cpuSeconds: number | null = null;
      if (measured) {
        try {
          const line = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!;
          const [m, u, s] = line.split(/\s+/).map(Number);
          maxRssKiB = m!;
          cpuSeconds = u! + s!;
        } catch {
          // left null
        }
        fs.rmSync(timeFile, { force: true });
      }
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), wallSeconds, maxRssKiB, cpuSeconds });
    });
  });
}

export async function mustRun(cmd: string, args: string[]): Promise<Exec> {
  const r = await exec(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stderr.slice(-2000)}`);
  return r;
}

/** The last line of the output that parses as JSON: every bench program ends with one. */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n').reverse();
  for (const l of lines) {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      // not this one
    }
  }
  throw new Error(`no JSON line in: ${stdout.slice(-500)}`);
}
