// What the suite measures beside the workloads: import time, the FFmpeg each side runs on, the
// code measured, the binding's instructions per packet (callgrind) and the memory soak.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { binDir, cfg, distIndex, log, workloadsDir } from './config.js';
import { exec, lastJson, mustRun } from './exec.js';
import { med, median } from './stats.js';

export interface ImportTime {
  ms: number;
  maxRssMiB: number | null;
}

/** Wall time (median) and peak RSS (median) of whole node processes: bare, importing avforge, and loading its addon. */
export async function importTimes(): Promise<Record<string, ImportTime>> {
  const variants: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    "import('avforge')": ['-e', `import(${JSON.stringify(distIndex)})`],
    "import('avforge') + versions() (loads the addon)": ['-e', `import(${JSON.stringify(distIndex)}).then((m) => m.versions())`],
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const rss: Record<string, (number | null)[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < cfg.importRuns; i++)
    for (const [k, a] of Object.entries(variants)) {
      const r = await exec(process.execPath, a, { measure: true });
      if (r.code !== 0) throw new Error(`node ${a.join(' ')}: ${r.stderr}`);
      times[k]!.push(r.wallSeconds * 1000);
      rss[k]!.push(r.maxRssKiB);
    }
  return Object.fromEntries(
    Object.keys(variants).map((k) => {
      const m = med(rss[k]!);
      return [k, { ms: median(times[k]!), maxRssMiB: m === null ? null : m / 1024 }];
    }),
  );
}

export async function versions(): Promise<Record<string, unknown>> {
  const cliVersion = (await mustRun('ffmpeg', ['-hide_banner', '-version'])).stdout.trim().split('\n');
  const forge = lastJson(
    (await mustRun(process.execPath, ['-e', `import(${JSON.stringify(distIndex)}).then((m) => console.log(JSON.stringify(m.versions())))`])).stdout,
  );
  const pkg = execFileSync('pkg-config', ['--modversion', 'libavformat', 'libavcodec', 'libavutil'], { encoding: 'utf8' }).trim().split('\n');
  return {
    cli: { version: cliVersion[0], libs: cliVersion.filter((l) => /^lib\w+\s/.test(l)).map((l) => l.replace(/\s+/g, ' ')) },
    avforge: forge,
    cref: { pkgConfig: { libavformat: pkg[0], libavcodec: pkg[1], libavutil: pkg[2] } },
  };
}

/**
 * What code was measured: the addon binary (sha1, size, mtime) and the source tree (commit, and
 * the files changed since it under native/ and src/). Taken at the start and the end: in a
 * shared checkout someone may rebuild the addon while the suite runs. root: this checkout, or
 * --baseline's.
 */
export function codeState(root: string): { addon: string; commit: string; dirty: string[] } {
  const addonPath = path.join(root, 'build', 'Release', 'avforge.node');
  let addon = 'missing';
  if (fs.existsSync(addonPath)) {
    const st = fs.statSync(addonPath);
    addon = `sha1 ${createHash('sha1').update(fs.readFileSync(addonPath)).digest('hex').slice(0, 12)}, ${st.size} bytes, built ${st.mtime.toISOString()}`;
  }
  let commit = '?';
  try {
    commit = execFileSync('git', ['-C', root, 'log', '-1', '--format=%h %s'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .slice(0, 80);
  } catch {
    // not a git checkout
  }
  let dirty: string[] = [];
  try {
    // not trimmed: each line is "XY path"
    dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'native', 'src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter((l) => l.length > 3)
      .map((l) => l.slice(3));
  } catch {
    // not a git checkout
  }
  return { addon, commit, dirty };
}

export interface Callgrind {
  error?: string;
  cPerPacket?: number;
  avforgePerPacket?: number;
  diffPerPacket?: number;
  raw?: Record<string, { passes: number; packets: number; instructions: number }[]>;
}

/** Instructions per packet, demux only, C vs avforge readInto(): two pass counts each, so start-up cancels out. */
export async function callgrind(clip: string): Promise<Callgrind> {
  if (!fs.existsSync('/usr/bin/valgrind')) return { error: 'valgrind is not installed (apt-get install valgrind)' };
  const one = async (cmd: string, args: string[]): Promise<{ packets: number; instructions: number }> => {
    const out = path.join(os.tmpdir(), `avforge-bench-cg-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const r = await exec('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, cmd, ...args]);
    const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    fs.rmSync(out, { force: true });
    if (r.code !== 0) {
      const vex = /unhandled instruction bytes: ([0-9xA-Fa-f ]+)/.exec(r.stderr);
      const where = /at 0x[0-9A-F]+: (.+)/.exec(r.stderr)?.[1];
      throw new Error(
        vex
          ? `valgrind cannot run it: unhandled instruction ${vex[1]!.trim().split(' ').slice(0, 3).join(' ')} (RDTSCP) in ${where ?? '?'}`
          : `exit ${r.code}: ${r.stderr.slice(-300)}`,
      );
    }
    const m = /^(?:summary|totals): (\d+)/m.exec(text);
    return { packets: Number(lastJson(r.stdout).packets), instructions: Number(m?.[1]) };
  };
  const raw: Record<string, { passes: number; packets: number; instructions: number }[]> = { c: [], avforge: [] };
  try {
    for (const passes of cfg.callgrindPasses) {
      raw.c!.push({ passes, ...(await one(path.join(binDir, 'demux'), [clip, String(passes)])) });
      raw.avforge!.push({
        passes,
        ...(await one(process.execPath, [path.join(workloadsDir, 'demux.js'), '--file', clip, '--passes', String(passes), '--mode', 'into'])),
      });
    }
  } catch (e) {
    log(`callgrind: ${(e as Error).message}`);
    return { error: (e as Error).message, raw };
  }
  const per = (xs: { packets: number; instructions: number }[]): number => (xs[1]!.instructions - xs[0]!.instructions) / (xs[1]!.packets - xs[0]!.packets);
  const c = per(raw.c!);
  const a = per(raw.avforge!);
  return { cPerPacket: c, avforgePerPacket: a, diffPerPacket: a - c, raw };
}

export interface Soak {
  seconds: number;
  iterations: number;
  warmupSeconds: number;
  rssBaseMiB: number;
  rssEndMiB: number;
  rssGrowth: number | null;
  heapBaseMiB: number;
  heapEndMiB: number;
  heapGrowth: number | null;
  maxRssMiB: number | null;
  /** V8's committed heap and the C allocator's bytes in use, after warm-up and at the end. */
  heapTotalMiB?: [number, number];
  mallocInUseMiB?: [number, number];
  samples: { t: number; rssMiB: number; heapUsedMiB: number }[];
}

export async function runSoak(file: string): Promise<Soak> {
  log(`\nsoak: ${cfg.soakSeconds} s of decode + encode, RSS and heap sampled every second`);
  const r = await exec(process.execPath, [path.join(workloadsDir, 'soak.js'), '--file', file, '--seconds', String(cfg.soakSeconds)], { measure: true });
  if (r.code !== 0) throw new Error(`soak exited ${r.code}\n${r.stderr.slice(-2000)}`);
  const j = lastJson(r.stdout) as unknown as Soak;
  j.maxRssMiB = r.maxRssKiB === null ? null : r.maxRssKiB / 1024;
  log(`  RSS ${j.rssBaseMiB} -> ${j.rssEndMiB} MiB (${j.rssGrowth === null ? '?' : (j.rssGrowth * 100).toFixed(2)}%), ${j.iterations} iterations`);
  return j;
}
