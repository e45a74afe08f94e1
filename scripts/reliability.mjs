#!/usr/bin/env node
// The reliability suites in one run, at CI size: leak loops (RSS from iteration 100 to 1,000),
// decompression bombs and input limits, hostile uploads (test/hostile/, about 20 s), 1,000 corrupt inputs, misuse and lifetime cases, a
// 2-minute fuzz run, and the unit tests under ASan+UBSan+LSan (scripts/sanitize.sh). Prints one
// line per suite and a final `N passed, N failed` (tests; a fuzz harness counts as one).
// Installs the fuzz toolchain (clang 14) itself when missing.
// Env: AVFORGE_FUZZ_MINUTES (default 2), AVFORGE_CORRUPT_INPUTS (default 1000),
// AVFORGE_LEAK_ITERATIONS (default 100,1000); --skip-fuzz, --skip-sanitize.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const args = process.argv.slice(2);
const env = { ...process.env, AVFORGE_RELIABILITY: '1', AVFORGE_CORRUPT_INPUTS: process.env.AVFORGE_CORRUPT_INPUTS ?? '1000' };

if (!fs.existsSync('build/test/bomb.test.js')) spawnSync('npm', ['run', 'build:ts', '--silent'], { stdio: 'inherit' });

const node = (files) => [process.execPath, ['--expose-gc', '--test', '--test-concurrency=2', ...files.map((f) => `build/test/${f}`)]];
const suites = [
  ['leaks', ...node(['leak/leak.test.js'])],
  ['bombs and limits', ...node(['bomb.test.js'])],
  ['hostile uploads', ...node(['hostile/hostile.test.js'])],
  ['corrupt inputs', ...node(['corrupt.test.js'])],
  ['misuse', ...node(['misuse.test.js'])],
  ['lifetime', ...node(['lifetime.test.js'])],
];
if (!args.includes('--skip-fuzz')) suites.push(['fuzz', process.execPath, ['fuzz/run.mjs', '--minutes', process.env.AVFORGE_FUZZ_MINUTES ?? '2']]);
if (!args.includes('--skip-sanitize')) suites.push(['sanitizers (ASan+UBSan+LSan)', 'bash', ['scripts/sanitize.sh']]);

let passed = 0;
let failed = 0;
const lines = [];
for (const [name, cmd, a] of suites) {
  if (a.some((f) => f.startsWith('build/test/') && !fs.existsSync(f))) {
    lines.push(`SKIP ${name}: ${a.find((f) => f.startsWith('build/test/') && !fs.existsSync(f))} missing`);
    continue;
  }
  const start = Date.now();
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd, a, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 512 << 20 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  // Keep the report short: failures, diagnostics (leak growth), totals, fuzz summary.
  const keep = out
    .split('\n')
    .filter((l) => /^(not ok|# (tests|pass|fail|todo|leak)|fuzz|sanitize|\s+not ok|\s+# leak)/.test(l.trimStart()) || /^#\s+\\?# leak/.test(l));
  console.log(keep.join('\n'));
  const tests = Number(/^# tests (\d+)/m.exec(out)?.[1] ?? NaN);
  const fails = Number(/^# fail (\d+)/m.exec(out)?.[1] ?? NaN);
  const harnesses = [...out.matchAll(/^fuzz \w+: .*crashes in avforge\/unknown: (\d+)/gm)];
  const ok = r.status === 0;
  // tests of a node --test run; a fuzz harness is one test; a failed suite counts at least one failure
  if (!Number.isNaN(tests)) {
    passed += tests - (fails || 0);
    failed += fails || (ok ? 0 : 1);
  } else if (harnesses.length) {
    for (const h of harnesses)
      if (Number(h[1]) === 0 && ok) passed++;
      else failed++;
  } else if (ok) passed++;
  else failed++;
  lines.push(
    `${ok ? 'PASS' : 'FAIL'} ${name}${Number.isNaN(tests) ? '' : ` (${tests - (fails || 0)}/${tests} tests)`} in ${((Date.now() - start) / 1000).toFixed(0)} s${r.signal ? ` (signal ${r.signal})` : ''}`,
  );
}
console.log(`\n${lines.join('\n')}\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
