// The suite's command line, its sizes (--quick or full) and its paths: read once, when the
// runner starts, and shared by every other bench module.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const benchDir = path.join(root, 'bench');
export const crefDir = path.join(benchDir, 'cref');
export const binDir = path.join(crefDir, 'bin');
export const mediaDir = path.join(benchDir, '.media');
export const reportDir = path.join(benchDir, 'report');
export const workloadsDir = path.join(root, 'build', 'bench', 'workloads');
export const distIndex = path.join(root, 'dist', 'avforge.js'); // the package's entry (the bundle)

const argv = process.argv.slice(2);
export const flag = (name: string): boolean => argv.includes(`--${name}`);
export const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
export const quick = flag('quick');
export const runs = Number(option('runs') ?? (quick ? 3 : 5));
/** every --only value: a workload or contender runs when its name contains any of them */
const onlyList = argv.flatMap((a, i) => (a === '--only' && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));
export const only = onlyList.length ? onlyList : undefined;
export const matches = (name: string): boolean => only?.some((o) => name.includes(o)) ?? false;
export const peers = flag('peers');

/**
 * --baseline DIR: another avforge checkout, built (DIR/build/Release/avforge.node and its
 * compiled workloads in DIR/build/bench/workloads/), whose avforge contenders run beside this
 * checkout's, interleaved in the same runs.
 */
export const baselineDir = option('baseline') === undefined ? undefined : path.resolve(option('baseline')!);
export const baselineWorkloadsDir = baselineDir === undefined ? undefined : path.join(baselineDir, 'build', 'bench', 'workloads');

/** '30m', '90s', '2h' or plain seconds. */
function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`--soak: not a duration: ${v}`);
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2] ?? 's']!;
}

export const cfg = {
  ...(quick
    ? { hdSeconds: 2, clipSeconds: 5, demuxPasses: 20, encodeFrames: 60, importRuns: 10 }
    : { hdSeconds: 10, clipSeconds: 10, demuxPasses: 50, encodeFrames: 240, importRuns: 10 }),
  ...(quick
    ? {
        x265Frames: 16,
        transcodeFrames: 30,
        remuxPasses: 5,
        aacSeconds: 120,
        thumbJobs: 100,
        thumbAtJobs: 20,
        concurrentJobs: 20,
        isolationJobs: 50,
        smallFrames: 30,
        soakSeconds: 30,
        callgrindPasses: [1, 2],
      }
    : {
        x265Frames: 120,
        transcodeFrames: 150,
        remuxPasses: 20,
        aacSeconds: 1200,
        thumbJobs: 100,
        thumbAtJobs: 100,
        concurrentJobs: 20,
        isolationJobs: 200,
        smallFrames: 0,
        soakSeconds: 120,
        callgrindPasses: [1, 5],
      }),
};
if (option('soak') !== undefined) cfg.soakSeconds = parseDuration(option('soak')!);
export const encodeSize = { width: 1280, height: 720 };

export const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

export const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};
