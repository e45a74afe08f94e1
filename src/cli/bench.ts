// `avforge bench`: runs the benchmark suite (bench/run.ts, compiled into build/bench/) of a
// source checkout, with the same options as `npm run bench -- ...` (--quick, --only X, --runs N,
// --peers, --soak 30m...). The suite is not part of the published package.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export async function runBench(args: string[]): Promise<number> {
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
