// `npm run test:fluent [-- SUITE_DIR]`: fluent-ffmpeg 2.1.3's own mocha suite (default
// /work/shared/conformance/fluent-ffmpeg, or ../shared/conformance/fluent-ffmpeg beside the
// repository) run twice on scratch copies: once as shipped (fluent's lib spawning the ffmpeg
// CLI: the baseline), once with the suite's `require('../index')` answering avforge/fluent's
// CommonJS build (dist/fluent.cjs). Prints passed/failed/out-of-scope per test file side by
// side. Out of scope (test/fluent/out-of-scope.txt): tests of what avforge does not do by
// design, such as asserting the spawned ffmpeg process itself; they are not run against
// avforge (mocha --grep --invert), since a failed test's listeners that fire later (the renice
// test's, at its timeout) fail whichever test runs then. The suite's missing big asset
// (testvideo-5m.mpg) is generated into the copies; the suite's folder is only read.
// Needs the suite's dev dependencies (mocha, should, async, which): installed into the scratch
// folder from the npm registry. Exits 1 when avforge fails a test in scope that the baseline passes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const candidates = [process.argv[2], path.join(root, '..', 'shared', 'conformance', 'fluent-ffmpeg'), '/work/shared/conformance/fluent-ffmpeg'];
const suite = candidates.find((c) => c && fs.existsSync(path.join(c, 'test')));
if (!suite) {
  console.error('fluent-conformance: no fluent-ffmpeg suite found (pass its folder)');
  process.exit(2);
}
const only = process.env.FLUENT_FILES?.split(',');
const outOfScope = new Set(
  fs
    .readFileSync(path.join(root, 'test', 'fluent', 'out-of-scope.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(' | ')[0]),
);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-fluent-conf-'));
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
try {
  // the suite's dev dependencies, once for both copies
  const deps = path.join(tmp, 'deps');
  fs.mkdirSync(deps);
  fs.writeFileSync(path.join(deps, 'package.json'), '{"private":true}');
  const installed = run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', 'mocha@10', 'should@13', 'async@0.2.10', 'which@1'], { cwd: deps });
  if (installed.status !== 0) throw new Error(`npm install of the suite's dev dependencies failed:\n${installed.stderr}`);
  // the asset the suite expects and does not ship: 5 minutes of MPEG-1 video with MP2 audio
  const big = path.join(tmp, 'testvideo-5m.mpg');
  const made = run('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=25:duration=300',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:duration=300',
    '-c:v',
    'mpeg1video',
    '-b:v',
    '400k',
    '-c:a',
    'mp2',
    '-b:a',
    '64k',
    '-shortest',
    big,
  ]);
  if (made.status !== 0) throw new Error(`could not make testvideo-5m.mpg:\n${made.stderr}`);

  const copy = (name, swap) => {
    const dir = path.join(tmp, name);
    fs.cpSync(suite, dir, { recursive: true });
    fs.chmodSync(dir, 0o755);
    for (const f of fs.readdirSync(dir, { recursive: true })) fs.chmodSync(path.join(dir, String(f)), 0o755);
    fs.copyFileSync(big, path.join(dir, 'test', 'assets', 'testvideo-5m.mpg'));
    fs.symlinkSync(path.join(deps, 'node_modules'), path.join(dir, 'node_modules'));
    if (swap) fs.writeFileSync(path.join(dir, 'index.js'), `module.exports = require(${JSON.stringify(path.join(root, 'dist', 'fluent.cjs'))});\n`);
    return dir;
  };

  const files = fs
    .readdirSync(path.join(suite, 'test'))
    .filter((f) => f.endsWith('.test.js') && (!only || only.includes(f)))
    .sort();
  const results = {};
  const regexEscape = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const skipOutOfScope = outOfScope.size ? ['--grep', `^(${[...outOfScope].map(regexEscape).join('|')})$`, '--invert'] : [];
  for (const [mode, swap] of [
    ['baseline', false],
    ['avforge', true],
  ]) {
    const dir = copy(mode, swap);
    for (const f of files) {
      const json = path.join(tmp, `${mode}-${f}.json`);
      const r = run(
        path.join(deps, 'node_modules', '.bin', 'mocha'),
        [
          '--require',
          'should',
          '--reporter',
          'json',
          '--reporter-option',
          `output=${json}`,
          '--timeout',
          '60000',
          '--exit',
          ...(swap ? skipOutOfScope : []),
          `test/${f}`,
        ],
        { cwd: dir, env: { ...process.env, NODE_ENV: 'test', FLUENTFFMPEG_COV: '1' }, timeout: 15 * 60 * 1000 },
      );
      if (!fs.existsSync(json)) {
        results[`${mode}/${f}`] = { error: `mocha did not report (exit ${r.status}): ${r.stderr.slice(-500)}` };
        continue;
      }
      const report = JSON.parse(fs.readFileSync(json, 'utf8'));
      results[`${mode}/${f}`] = report;
    }
  }

  const verdicts = (report) => new Map([...report.passes.map((t) => [t.fullTitle, 'pass']), ...report.failures.map((t) => [t.fullTitle, 'fail'])]);
  const rows = [];
  const regressions = [];
  for (const f of files) {
    const base = results[`baseline/${f}`];
    const av = results[`avforge/${f}`];
    if (base.error || av.error) {
      rows.push([f, base.error ? 'error' : '', av.error ? 'error' : '']);
      console.error(`${f}: ${base.error ?? ''} ${av.error ?? ''}`);
      continue;
    }
    const b = verdicts(base);
    const a = verdicts(av);
    let bPass = 0;
    let bFail = 0;
    let aPass = 0;
    let aFail = 0;
    let aOut = 0;
    for (const v of b.values()) v === 'pass' ? bPass++ : bFail++;
    for (const t of b.keys()) if (outOfScope.has(t) && !a.has(t)) aOut++;
    for (const [t, v] of a) {
      if (v === 'pass') aPass++;
      else if (outOfScope.has(t)) aOut++;
      else {
        aFail++;
        if (b.get(t) === 'pass') regressions.push(`${f}: ${t}`);
      }
    }
    rows.push([f, `${bPass} passed, ${bFail} failed`, `${aPass} passed, ${aFail} failed, ${aOut} out of scope`]);
  }
  const widths = [0, 1, 2].map((i) =>
    Math.max(...[['file', 'baseline (fluent-ffmpeg + ffmpeg CLI)', 'avforge/fluent'], ...rows].map((r) => String(r[i]).length)),
  );
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  console.log(line(['file', 'baseline (fluent-ffmpeg + ffmpeg CLI)', 'avforge/fluent']));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
  if (process.env.FLUENT_VERBOSE)
    for (const [k, v] of Object.entries(results))
      if (v.failures) for (const t of v.failures) console.log(`${k}: FAIL ${t.fullTitle}: ${t.err?.message?.split('\n')[0]}`);
  if (regressions.length) {
    console.log(`\nfailing with avforge, passing in the baseline, in scope (${regressions.length}):`);
    for (const r of regressions) console.log(`  ${r}`);
  }
  process.exitCode = regressions.length ? 1 : 0;
} finally {
  if (!process.env.FLUENT_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`kept ${tmp}`);
}
