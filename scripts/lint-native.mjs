// The C++ half of `npm run lint`: clang-format (check, or rewrite with --fix) over native/ and the
// fuzz harnesses, then cpplint over native/. Both read their settings from the repo root
// (.clang-format, CPPLINT.cfg); without them clang-format would fall back to LLVM's own style,
// so a missing file is an error here, not a silent default.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fix = process.argv.includes('--fix');

function sources(dir, recursive) {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full, { recursive })
    .map(String)
    .filter((f) => /\.(cc|h)$/.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

function needTool(tool, config) {
  if (!fs.existsSync(path.join(root, config))) {
    console.error(`lint-native: ${config} is missing at the repo root (${tool} reads its settings from it)`);
    process.exit(2);
  }
  if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error) {
    console.error(`lint-native: ${tool} is not installed (scripts/setup.sh installs it; Debian/Ubuntu: apt-get install ${tool})`);
    process.exit(2);
  }
}

function run(tool, args) {
  const r = spawnSync(tool, args, { cwd: root, stdio: 'inherit' });
  return r.status === 0;
}

needTool('clang-format', '.clang-format');
needTool('cpplint', 'CPPLINT.cfg');

// fuzz/*.{cc,h}: the harnesses; fuzz/stub/ (a few forward declarations standing in for napi.h) is left out
const files = [...sources('native', true), ...sources('fuzz', false)];
const formatted = run('clang-format', fix ? ['-i', ...files] : ['--dry-run', '--Werror', ...files]);
const linted = fix || run('cpplint', ['--quiet', '--recursive', 'native']);
if (!formatted || !linted) {
  console.error(
    `lint-native: ${[!formatted && 'clang-format', !linted && 'cpplint'].filter(Boolean).join(' and ')} reported problems${formatted ? '' : ' (npm run format rewrites the formatting)'}`,
  );
  process.exit(1);
}
console.log(`lint-native: ${files.length} files ${fix ? 'formatted' : 'clean'}`);
