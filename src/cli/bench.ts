// `avforge bench`: runs the benchmark suite (bench/run.ts, compiled into build/bench/) of a
// source checkout, with the same options as `npm run bench -- ...` (--quick, --only X, --runs N,
// --peers, --soak 30m...). The suite is not part of the published package.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { helpText, parseCommand, type Command, type Flag } from './argv.js';

/** The suite reads its own flags: these are checked and listed here, and passed on as given. */
const flag = (names: string[], help: string, value?: string): Flag<object> => ({ names, value, help, apply: () => {} });

export const benchCommand: Command<object> = {
  name: 'bench',
  summary: 'the benchmark suite (a source checkout; as npm run bench)',
  usage: ['[--quick] [--only X] ...'],
  groups: [
    {
      title: 'Options',
      flags: [
        flag(['--quick'], 'shorter workloads, 3 runs each'),
        flag(['--runs'], 'runs per contender (default 5, 3 with --quick)', 'N'),
        flag(['--only'], 'only workloads and contenders whose name contains X (repeatable)', 'X'),
        flag(['--peers'], 'install node-av into bench/peers and run it side by side'),
        flag(['--soak'], 'how long the soak runs (30m, 90s, 2h)', 'D'),
        flag(['--no-import'], 'skip the import-time measurements'),
        flag(['--no-callgrind'], 'skip the instruction counts'),
        flag(['--no-soak'], 'skip the soak'),
        flag(['--baseline'], 'another built avforge checkout whose contenders run beside these, compared per row', 'DIR'),
      ],
    },
  ],
  examples: ['avforge bench --quick --only remux'],
  init: () => ({}),
};

export async function runBench(args: string[]): Promise<number> {
  if ('help' in parseCommand(benchCommand, args)) {
    console.log(helpText(benchCommand));
    return 0;
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  if (!fs.existsSync(path.join(root, 'bench', 'run.ts'))) {
    console.error('avforge bench: needs a source checkout of avforge (bench/ is not in the published package)');
    return 2;
  }
  const run = (cmd: string, a: string[]): Promise<number> =>
    new Promise((resolve, reject) => {
      const child = spawn(cmd, a, { cwd: root, stdio: 'inherit' });
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
  // the same as `npm run bench`: compile the TypeScript (bench included), then run the suite
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const project of ['tsconfig.json', 'tsconfig.test.json']) {
    const code = await run(process.execPath, [tsc, '-p', project]);
    if (code !== 0) return code;
  }
  return run(process.execPath, [path.join(root, 'build', 'bench', 'run.js'), ...args]);
}
