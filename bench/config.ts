// The suite's command line, its sizes (--quick or full) and its paths: read once, when the
// runner starts, and shared by every other bench module.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const benchDir = path.join(root, 'bench');
export const crefDir = path.join(benchDir, 'cref');
export const binDir = path.join(crefDir, 'bin');
export const mediaDir = path.join(benchDir, '.media');
export const reportDir = path.join(benchDir, 'report');
/** --publish: a full run's report, copied where the documentation links it */
export const publishedReport = path.join(root, 'docs', 'benchmarks.md');
export const workloadsDir = path.join(root, 'build', 'bench', 'workloads');
export const distIndex = path.join(root, 'dist', 'avforge.js'); // the package's entry (the bundle)

// The runner's flags (node's parseArgs, as the workloads and pipeline_vs_cli.mjs read theirs):
// an unknown flag is an error rather than a run that silently ignores it.
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string', multiple: true },
    peers: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    soak: { type: 'string' },
    'no-import': { type: 'boolean', default: false },
    'no-callgrind': { type: 'boolean', default: false },
    'no-soak': { type: 'boolean', default: false },
    publish: { type: 'boolean', default: false },
  },
});
type Flag = 'quick' | 'peers' | 'no-import' | 'no-callgrind' | 'no-soak' | 'publish';
export const flag = (name: Flag): boolean => args[name] === true;
export const option = (name: 'runs' | 'baseline' | 'soak'): string | undefined => args[name];
export const quick = flag('quick');
export const runs = Number(option('runs') ?? (quick ? 3 : 5));
/** every --only value: a workload or contender runs when its name contains any of them */
export const only = args.only?.length ? args.only : undefined;
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
