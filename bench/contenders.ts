// The contenders a workload runs (a C program, an avforge workload script, the ffmpeg CLI, a peer
// library), each a command line and a parser of the one JSON line (or -benchmark line) it prints.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { baselineWorkloadsDir, benchDir, binDir, log, peers, workloadsDir } from './config.js';
import { lastJson, type Exec } from './exec.js';

export type Kind = 'c' | 'avforge' | 'cli' | 'peer';

export interface Contender {
  name: string;
  kind: Kind;
  /** an avforge native pipeline (transcode(), remux(), thumbnails()), not the object API */
  pipeline?: boolean;
  /** the workload's ratios are to this contender rather than to a C program (a workload with no C side) */
  reference?: boolean;
  cmd: string;
  args: string[];
  /** Reads the count and loop seconds out of the process's output. */
  parse(r: Exec): { count: number; seconds: number; cpuSeconds?: number | null; maxRssKiB?: number | null; extra?: Record<string, unknown> };
}

export type What = 'frames' | 'packets' | 'thumbs' | 'jobs' | 'items';

export interface Workload {
  name: string;
  unit: 'fps' | 'packets/s' | 'thumbs/s' | 'jobs/s' | 'items/s';
  /** what one count is */
  what: What;
  /** for the targets in the report */
  group?: 'decode' | 'encode' | 'transcode' | 'remux' | 'demux' | 'jobs' | 'loop';
  note: string;
  contenders: Contender[];
}

/** The contender a workload's ratios are to: the one marked `reference`, else its C program. */
export function referenceOf(w: Workload): Contender {
  return w.contenders.find((c) => c.reference) ?? w.contenders.find((c) => c.kind === 'c')!;
}

export function cProgram(name: string, bin: string, args: string[], what: What): Contender {
  return {
    name,
    kind: 'c',
    cmd: path.join(binDir, bin),
    args,
    parse(r) {
      const j = lastJson(r.stdout);
      const { seconds, cpuSeconds, vmhwmKiB, ...extra } = j;
      return {
        count: Number(j[what]),
        seconds: Number(seconds),
        cpuSeconds: cpuSeconds == null ? null : Number(cpuSeconds),
        maxRssKiB: Number(vmhwmKiB),
        extra,
      };
    },
  };
}

export function avforge(name: string, script: string, args: string[], what: What, kind: Kind = 'avforge'): Contender {
  return {
    name,
    kind,
    pipeline: script === 'pipeline.js',
    cmd: process.execPath,
    args: [path.join(workloadsDir, script), ...args],
    parse(r) {
      const j = lastJson(r.stdout);
      const { seconds, vmhwmKiB, loop, ...extra } = j;
      // the JS thread's CPU and run-queue wait during the loop, as numbers (medians in the report's extras)
      const l = loop as { cpuMs?: number; jsCpuMs?: number | null; jsRunqueueWaitMs?: number | null } | undefined;
      const js =
        l?.jsCpuMs != null && l.jsRunqueueWaitMs != null
          ? { jsThreadCpuSeconds: l.jsCpuMs / 1000, jsThreadRunqueueWaitSeconds: l.jsRunqueueWaitMs / 1000 }
          : {};
      const cpuSeconds = l?.cpuMs != null ? l.cpuMs / 1000 : null;
      return { count: Number(j[what]), seconds: Number(seconds), cpuSeconds, maxRssKiB: Number(vmhwmKiB), extra: { ...extra, ...js, loop } };
    },
  };
}

/** The ffmpeg CLI, timed by its own -benchmark (rtime: from the end of option parsing and input probing to the end). */
export function cli(name: string, args: string[], count: (r: Exec) => number = () => NaN): Contender {
  return {
    name,
    kind: 'cli',
    cmd: 'ffmpeg',
    args: ['-hide_banner', '-nostdin', '-v', 'info', '-nostats', '-benchmark', ...args],
    parse(r) {
      const m = /bench: utime=([\d.]+)s stime=([\d.]+)s rtime=([\d.]+)s/.exec(r.stderr);
      const rss = /bench: maxrss=(\d+)kB/.exec(r.stderr);
      if (!m) throw new Error(`no -benchmark line from ffmpeg:\n${r.stderr.slice(-1000)}`);
      return { count: count(r), seconds: Number(m[3]), cpuSeconds: Number(m[1]) + Number(m[2]), maxRssKiB: rss ? Number(rss[1]) : null, extra: {} };
    },
  };
}

export const framesOf = (r: Exec): number => {
  const all = [...r.stderr.matchAll(/frame=\s*(\d+)/g)];
  return all.length ? Number(all[all.length - 1]![1]) : NaN;
};

export const nodeAvInstalled = (): boolean => fs.existsSync(path.join(benchDir, 'peers', 'node_modules', 'node-av', 'package.json'));

/** --peers: node-av 6.x (the major the peer workload is written against) into bench/peers, once. */
export function installPeers(): void {
  if (!peers || nodeAvInstalled()) return;
  log('--peers: installing node-av into bench/peers (npm install --prefix bench/peers)');
  const r = spawnSync('npm', ['install', '--prefix', path.join(benchDir, 'peers'), 'node-av@^6.1.1', '--no-audit', '--no-fund', '--loglevel', 'error'], {
    stdio: 'inherit',
  });
  if (r.status !== 0 || !nodeAvInstalled()) log('--peers: node-av could not be installed; its rows are skipped');
}

/** node-av's contender for a workload (only with --peers, once it is installed). */
export function peer(name: string, args: string[], what: 'frames' | 'packets'): Contender[] {
  return peers && nodeAvInstalled() ? [avforge(`node-av ${name} (peer)`, 'peer_nodeav.js', args, what, 'peer')] : [];
}

/**
 * --baseline: the same avforge contender run from the baseline checkout's compiled workloads
 * (which load that checkout's addon and sources); null for contenders that are not avforge's
 * (the C programs, the CLI and the peers are the same binaries for both).
 */
export function baselineTwin(c: Contender): Contender | null {
  if (baselineWorkloadsDir === undefined || c.kind !== 'avforge') return null;
  const script = path.join(baselineWorkloadsDir, path.relative(workloadsDir, c.args[0]!));
  if (!fs.existsSync(script)) {
    log(`--baseline: ${path.relative(baselineWorkloadsDir, script)} is not in the baseline; ${c.name} runs alone`);
    return null;
  }
  return { ...c, name: `${c.name} [baseline]`, args: [script, ...c.args.slice(1)] };
}
