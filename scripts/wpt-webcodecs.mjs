// `npm run test:wpt [-- SUITE_DIR] [FILTER...]`: the W3C web-platform-tests `webcodecs/*.any.js`
// files run under Node against avforge/webcodecs (dist/webcodecs.js). The suite stays where it is
// (default ../shared/conformance/wpt-webcodecs beside the repository, or
// /work/shared/conformance/wpt-webcodecs); it is only read. Each file, once per `META: variant`,
// runs in a child process with the suite's own resources/testharness.js (its shell environment),
// the `META: script` helpers and the WebCodecs classes as globals, plus the few browser globals a
// classic script expects (self, location with the variant as its search, window).
// A subtest counts as needs-browser when it stops on something Node has no counterpart for (an
// OffscreenCanvas, ImageBitmap, a document) or on a media file the suite does not ship.
// PRECONDITION_FAILED (assert_implements_optional) counts as optional, as WPT's own reports do.
// test/wpt/expected-failures.txt lists the subtests that cannot pass here, each with its reason.
// Exits 1 when an applicable subtest fails that is not listed there (or a listed one passes).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FILE_TIMEOUT_MS = 180_000;
/** What Node lacks and a browser has: a subtest that stops on one of these needs a browser. */
const BROWSER_ONLY =
  /\b(OffscreenCanvas|createImageBitmap|ImageBitmap|document|HTMLCanvasElement|HTMLImageElement|CanvasRenderingContext2D|indexedDB) is not defined|file \S+ is not in the suite/;

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4], process.argv[5] ?? '');
else await parent(process.argv.slice(2));

// ---- the parent: find the files, run each variant, compare with the known differences ----

async function parent(args) {
  const isSuite = (c) => c && fs.existsSync(path.join(c, 'resources', 'testharness.js'));
  const given = args.find(isSuite);
  const filters = args.filter((a) => a !== given);
  const suite = given ?? [path.join(root, '..', 'shared', 'conformance', 'wpt-webcodecs'), '/work/shared/conformance/wpt-webcodecs'].find(isSuite);
  if (!suite) {
    console.error('wpt-webcodecs: no suite found (pass the folder that holds resources/testharness.js)');
    process.exit(2);
  }
  const known = readExpected(path.join(root, 'test', 'wpt', 'expected-failures.txt'));
  const files = fs
    .readdirSync(path.join(suite, 'webcodecs'))
    .filter((f) => f.endsWith('.any.js'))
    .sort();
  const jobs = [];
  for (const file of files) {
    const source = fs.readFileSync(path.join(suite, 'webcodecs', file), 'utf8');
    const variants = meta(source, 'variant');
    for (const variant of variants.length ? variants : ['']) {
      const id = file + variant;
      if (filters.length && !filters.some((f) => id.includes(f))) continue;
      jobs.push({ file, variant, id });
    }
  }
  const started = Date.now();
  const results = new Map();
  const queue = [...jobs];
  const workers = Array.from({ length: Number(process.env.WPT_JOBS ?? 2) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) results.set(job.id, await runChild(suite, job));
  });
  await Promise.all(workers);

  const totals = { pass: 0, fail: 0, known: 0, needsBrowser: 0, optional: 0 };
  const unexpected = [];
  const seenKnown = new Set();
  console.log(`WPT webcodecs (${suite})`);
  for (const job of jobs) {
    const run = results.get(job.id);
    const counts = { pass: 0, fail: 0, known: 0, needsBrowser: 0, optional: 0 };
    for (const t of run.tests) {
      const key = `${job.id} | ${t.name}`;
      const listed = known.has(key);
      if (listed) seenKnown.add(key);
      if (t.kind === 'fail' && listed) counts.known++;
      else if (t.kind === 'fail') {
        counts.fail++;
        unexpected.push(`${key}\n      ${t.message}`);
      } else {
        if (listed) unexpected.push(`${key}\n      listed in expected-failures.txt but ${t.kind}`);
        counts[t.kind]++;
      }
    }
    for (const k of Object.keys(totals)) totals[k] += counts[k];
    const extra = `  ${run.seconds.toFixed(1)} s${run.harness ? `  [${run.harness}]` : ''}`;
    console.log(
      `  ${job.id.padEnd(58)} pass ${String(counts.pass).padStart(3)}  fail ${String(counts.fail).padStart(2)}  known ${String(counts.known).padStart(2)}  needs-browser ${String(counts.needsBrowser).padStart(2)}  optional ${String(counts.optional).padStart(2)}${extra}`,
    );
  }
  const all = Object.values(totals).reduce((a, b) => a + b, 0);
  console.log(
    `total: ${all} subtests in ${jobs.length} runs of ${new Set(jobs.map((j) => j.file)).size} files: ${totals.pass} pass, ${totals.fail} fail, ${totals.known} known differences, ${totals.needsBrowser} need a browser, ${totals.optional} optional unsupported (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  if (unexpected.length) {
    console.log(`\n${unexpected.length} unexpected:`);
    for (const u of unexpected) console.log(`  ${u}`);
    process.exit(1);
  }
}

function readExpected(file) {
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  const out = new Map();
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const parts = line.split(' | ');
    if (parts.length < 3) throw new Error(`expected-failures.txt: "${line}" needs 'file | subtest | reason'`);
    out.set(`${parts[0]} | ${parts.slice(1, -1).join(' | ')}`, parts.at(-1));
  }
  return out;
}

function meta(source, key) {
  const out = [];
  for (const m of source.matchAll(/^\/\/ META: ([a-z]+)=(.*)$/gm)) if (m[1] === key) out.push(m[2].trim());
  return out;
}

function runChild(suite, job) {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', suite, job.file, job.variant], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tests = [];
    let harness = '';
    let buffered = '';
    let stderr = '';
    proc.stdout.on('data', (d) => {
      buffered += d;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('WPT ')) continue;
        const msg = JSON.parse(line.slice(4));
        if (msg.test) tests.push(msg.test);
        if (msg.harness) harness = msg.harness;
      }
    });
    proc.stderr.on('data', (d) => {
      stderr += d;
    });
    const t0 = Date.now();
    const timer = setTimeout(() => {
      harness = `timed out after ${FILE_TIMEOUT_MS / 1000} s`;
      proc.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (!harness && code !== 0) harness = `exited ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`;
      if (harness && harness !== 'OK') tests.push({ name: '(harness)', kind: 'fail', message: harness });
      resolve({ tests, harness: harness === 'OK' ? '' : harness, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

// ---- the child: one file, one variant, under the suite's testharness.js ----

async function child(suite, file, variant) {
  // WPT_WEBCODECS: another build's webcodecs.js (to compare with an earlier commit)
  const webcodecs = await import(pathToFileURL(process.env.WPT_WEBCODECS ?? path.join(root, 'dist', 'webcodecs.js')).href);
  webcodecs.install({ overwrite: true });
  const g = globalThis;
  g.self = g;
  g.window = g;
  g.location = new URL(`https://web-platform.test/webcodecs/${file}${variant}`);
  g.crossOriginIsolated = true; // Node has SharedArrayBuffer
  const mediaDir = path.join(suite, 'webcodecs');
  g.fetch = async (url) => {
    const local = path.join(suite, new URL(url, g.location).pathname);
    if (!fs.existsSync(local)) throw new TypeError(`file ${path.relative(suite, local)} is not in the suite`);
    return new Response(fs.readFileSync(local));
  };
  if (!ArrayBuffer.prototype.transfer) {
    // Node 20: ArrayBuffer.prototype.transfer and transferToFixedLength, by structuredClone's transfer list
    function transfer(length) {
      const moved = structuredClone(this, { transfer: [this] });
      if (length === undefined || length === moved.byteLength) return moved;
      const out = new ArrayBuffer(length);
      new Uint8Array(out).set(new Uint8Array(moved, 0, Math.min(length, moved.byteLength)));
      return out;
    }
    for (const name of ['transfer', 'transferToFixedLength'])
      Object.defineProperty(ArrayBuffer.prototype, name, { value: transfer, configurable: true, writable: true });
  }

  const emit = (msg) => process.stdout.write(`WPT ${JSON.stringify(msg)}\n`);
  const load = (p) => vm.runInThisContext(fs.readFileSync(p, 'utf8'), { filename: p });
  // A browser reports an exception thrown by a callback, or a rejection nobody handles, as an
  // event on the global, which testharness.js turns into a harness error: the same here.
  const target = new EventTarget();
  for (const m of ['addEventListener', 'removeEventListener', 'dispatchEvent']) g[m] = target[m].bind(target);
  const report = (type, fields) => target.dispatchEvent(Object.assign(new Event(type), fields));
  process.on('uncaughtException', (error) => report('error', { error, message: String(error?.message ?? error) }));
  process.on('unhandledRejection', (reason) => report('unhandledrejection', { reason }));
  load(path.join(suite, 'resources', 'testharness.js'));
  g.setup({ explicit_timeout: true });
  g.add_result_callback((t) => emit({ test: { name: t.name, ...classify(t) } }));
  g.add_completion_callback((_tests, status) => {
    emit({ harness: status.status === 0 ? 'OK' : `harness ${status.format_status()}: ${status.message}` });
    setImmediate(() => process.exit(0));
  });
  const source = fs.readFileSync(path.join(mediaDir, file), 'utf8');
  for (const script of meta(source, 'script')) {
    // WPT serves its copy of webidl2.js as WebIDLParser.js
    const p = script.startsWith('/') ? path.join(suite, script.replace('/WebIDLParser.js', '/webidl2.js')) : path.join(mediaDir, script);
    load(p);
  }
  load(path.join(mediaDir, file));
}

function classify(t) {
  const message = t.message ?? '';
  if (t.status === t.PASS) return { kind: 'pass' };
  if (t.status === t.PRECONDITION_FAILED) return { kind: 'optional', message };
  if (BROWSER_ONLY.test(message)) return { kind: 'needsBrowser', message };
  return { kind: 'fail', message: `${t.format_status()}: ${message}` };
}
