// Runs every compiled test file with node's test runner. A file list rather than a directory
// or glob: Node 20 and Node 22+ read those arguments differently.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = 'build/test';
const files = fs
  .readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.js'))
  .map((f) => path.join(root, f))
  .sort();
if (files.length === 0) {
  console.error('no test files under build/test: run npm run build:ts');
  process.exit(1);
}
// A test that waits for something that never comes fails after 5 minutes, named, instead of
// holding CI until its hard limit.
const r = spawnSync(process.execPath, ['--expose-gc', '--test', '--test-concurrency=2', '--test-timeout=300000', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
