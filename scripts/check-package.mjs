// `npm run lint:package`: packs avforge as `npm publish` would (prepack builds dist/ first) and
// checks the tarball: only what users need (dist/, the native sources and binding.gyp that a
// build from source needs, the install script and its FFmpeg check), everything those files
// point at, then publint and Are the Types Wrong over the same tarball. Then the platform
// packages (packages/*: the prebuilt addons, scripts/prebuild/pack.sh packs them): each is an
// optional dependency at avforge's version (but the GPL self-contained one, installed on
// purpose), limited to its os and cpu, and ships its prebuilds/ only.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// What may ship: anything else (tests, benchmarks, fuzzers, examples, sources, dev scripts,
// configs) is a mistake in package.json's `files`.
const allowed = [
  /^(package\.json|README\.md|LICENSE(\.\w+)?|binding\.gyp|scripts\/(check-ffmpeg|install)\.mjs)$/,
  /^native\/.+\.(cc|h)$/,
  /^dist\/.+\.(js|d\.ts)$/,
  // require('avforge') and require('avforge/fluent'): CommonJS builds of the bundles
  /^dist\/(avforge|fluent|ffmpeg)\.(cjs|d\.cts)$/,
  // the two bundles' maps carry their TypeScript sources: stack traces under --enable-source-maps
  // read in .ts lines; tsc's per-module maps point into src/, which is not shipped
  /^dist\/(avforge|webcodecs)\.js\.map$/,
  // the job schemas (jobSchema(kind) as JSON Schema), for producers in other languages
  /^dist\/schema\/\w+\.json$/,
];

const problems = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-pack-'));
try {
  const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (packed.status !== 0) {
    console.error('check-package: npm pack failed');
    process.exit(1);
  }
  const [report] = JSON.parse(packed.stdout);
  const files = new Set(report.files.map((f) => f.path));

  for (const f of files) if (!allowed.some((re) => re.test(f))) problems.push(`${f}: not for users (package.json "files" lets it in)`);

  // dist/ is never cleaned by the build: a module renamed in src/ leaves its old output behind
  for (const f of files) {
    const m = /^dist\/(.+?)(\.d\.ts|\.js)$/.exec(f);
    if (m && !/^(avforge|webcodecs|fluent|ffmpeg)$/.test(m[1]) && !fs.existsSync(path.join(root, 'src', `${m[1]}.ts`)))
      problems.push(`${f}: stale build output (no src/${m[1]}.ts): remove dist/ and rebuild`);
  }

  const needed = new Map();
  const need = (file, why) => needed.set(path.posix.normalize(file.replace(/^\.\//, '')), why);
  need('package.json', 'the manifest');
  need('README.md', 'the documentation');
  need('binding.gyp', 'the install script builds the addon from source');
  need('scripts/install.mjs', "package.json's install script");
  need('scripts/check-ffmpeg.mjs', 'the install script imports it');
  // binding.gyp is a Python literal (comments, trailing commas allowed): read its source lists as text
  const gyp = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
  for (const list of gyp.matchAll(/['"]sources['"]\s*:\s*\[([^\]]*)\]/g))
    for (const s of list[1].matchAll(/['"]([^'"]+)['"]/g)) need(s[1], 'binding.gyp compiles it');
  for (const f of fs.readdirSync(path.join(root, 'native'), { recursive: true }).map(String))
    if (/\.(cc|h)$/.test(f)) need(`native/${f.split(path.sep).join('/')}`, 'a native source');
  const targets = (v) => (typeof v === 'string' ? [v] : Object.values(v ?? {}).flatMap(targets));
  for (const f of [pkg.main, pkg.types, ...targets(pkg.exports), ...targets(pkg.bin)]) if (f) need(f, 'package.json points at it');
  // every relative import in a shipped module or declaration resolves to a shipped file
  for (const f of files) {
    if (!/^dist\/.+\.(js|d\.ts)$/.test(f)) continue;
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|import\s+)['"](\.\.?\/[^'"]+)['"]/g)) {
      const target = path.posix.join(path.posix.dirname(f), m[1]);
      need(f.endsWith('.d.ts') ? target.replace(/\.js$/, '.d.ts') : target, `${f} imports it`);
    }
  }
  // an exports pattern ('./dist/schema/*.json') needs at least one file it matches
  const matches = (pattern) => {
    if (!pattern.includes('*')) return files.has(pattern);
    const [head, tail] = pattern.split('*');
    return [...files].some((f) => f.startsWith(head) && f.endsWith(tail) && f.length > head.length + tail.length);
  };
  for (const [f, why] of needed) if (!matches(f)) problems.push(`${f}: missing (${why})`);

  const tarball = path.join(tmp, report.filename);
  console.log(`check-package: ${files.size} files, ${(report.size / 1024).toFixed(0)} KiB packed, ${(report.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
  if (spawnSync(bin('publint'), ['run', tarball, '--strict'], { cwd: root, stdio: 'inherit' }).status !== 0) problems.push('publint reported problems (above)');
  // "avforge" and "avforge/fluent" have CommonJS builds (require() on Node 20) with .d.cts types;
  // "avforge/webcodecs" stays ESM only, so a require() of it resolving to ESM is expected. The
  // node16 profile leaves out TypeScript's legacy node10 resolution (no exports map).
  if (spawnSync(bin('attw'), [tarball, '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm'], { cwd: root, stdio: 'inherit' }).status !== 0)
    problems.push('Are the Types Wrong reported problems (above)');
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

// The platform packages: what npm installs beside avforge on a matching machine only.
const optional = pkg.optionalDependencies ?? {};
const platforms = fs.readdirSync(path.join(root, 'packages')).filter((d) => fs.existsSync(path.join(root, 'packages', d, 'package.json')));
// packages/<os>-<cpu> holds the addons linked to the system's FFmpeg; <os>-<cpu>-static and
// -static-gpl the self-contained ones (FFmpeg linked in), the GPL one never a dependency.
const addonGlobs = { '': 'avforge.avformat*.node', static: 'avforge.static.lgpl*.node', 'static-gpl': 'avforge.static.gpl*.node' };
for (const dir of platforms) {
  const p = JSON.parse(fs.readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8'));
  const [platformOs, cpu, ...rest] = dir.split('-');
  const variant = rest.join('-');
  const gpl = variant === 'static-gpl';
  if (p.name !== `@avforge/${dir}`) problems.push(`packages/${dir}: named ${p.name}, not @avforge/${dir}`);
  if (p.version !== pkg.version) problems.push(`packages/${dir}: version ${p.version}, avforge is ${pkg.version}`);
  if (gpl ? optional[p.name] !== undefined : optional[p.name] !== pkg.version)
    problems.push(`packages/${dir}: ${gpl ? 'GPL: must not be an optional dependency' : `not an optional dependency of avforge at ${pkg.version}`}`);
  if (p.os?.join() !== platformOs || p.cpu?.join() !== cpu) problems.push(`packages/${dir}: os/cpu ${p.os}/${p.cpu}, not ${platformOs}/${cpu}`);
  const glob = addonGlobs[variant];
  if (!glob || p.files?.join() !== `prebuilds/${platformOs}-${cpu}/${glob}`)
    problems.push(`packages/${dir}: files must be prebuilds/${platformOs}-${cpu}/${glob ?? '(no such variant)'} only`);
  const license = gpl ? 'GPL-2.0-or-later' : pkg.license;
  if (p.license !== license) problems.push(`packages/${dir}: license ${p.license}, not ${license}`);
}
for (const name of Object.keys(optional))
  if (!platforms.some((d) => `@avforge/${d}` === name)) problems.push(`optionalDependencies: ${name} has no packages/ folder`);
console.log(`check-package: ${platforms.length} platform packages (${platforms.join(', ')})`);

if (problems.length > 0) {
  for (const p of problems) console.error(`check-package: ${p}`);
  process.exit(1);
}
console.log('check-package: the package holds what users need and nothing else');
