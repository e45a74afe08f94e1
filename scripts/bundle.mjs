// Bundles dist/ into one ESM file, the package's entry: importing a dozen modules costs Node
// ~25 ms of resolving and compiling; one file costs a few. Types stay in dist/*.d.ts.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

// what every ESM bundle here shares
const esm = { bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: true, logLevel: 'warning' };

await build({
  entryPoints: ['dist/index.js'],
  outfile: 'dist/avforge.js',
  ...esm,
  // the engine's BullMQ backend imports bullmq when it connects: left out, it costs nothing to
  // users who never go distributed (bundled, it made the entry 1.7 MB and ~60 ms slower to import)
  external: ['bullmq'],
});

// avforge/webcodecs: its own file, which imports the main entry rather than bundling a second
// copy of it (one Frame class, one addon load, for users who import both).
const mainEntry = {
  name: 'avforge-main-entry',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}webcodecs${path.sep}`) ? { path: './avforge.js', external: true } : undefined,
    );
  },
};
await build({
  entryPoints: ['dist/webcodecs/index.js'],
  outfile: 'dist/webcodecs.js',
  ...esm,
  plugins: [mainEntry],
});

// require('avforge') and avforge/fluent: CommonJS builds of the same modules. import.meta.url
// (the addon's location) becomes the file's own URL; avforge/fluent imports the main entry
// (./avforge.js or ./avforge.cjs) rather than bundling a second copy of it.
const distIndex = path.resolve('dist/index.js');
const toMainEntry = (file) => ({
  name: 'avforge-main-entry',
  setup(b) {
    b.onResolve({ filter: /index\.js$/ }, (args) => (path.resolve(args.resolveDir, args.path) === distIndex ? { path: file, external: true } : undefined));
  },
});
const cjs = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  external: ['bullmq'],
  define: { 'import.meta.url': '__avforge_import_meta_url' },
  banner: { js: "const __avforge_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
};
await build({ ...cjs, entryPoints: ['dist/index.js'], outfile: 'dist/avforge.cjs' });
// module.exports is the ffmpeg() factory itself, as fluent-ffmpeg's is
const factory = { js: 'module.exports = Object.assign(module.exports.default, module.exports);' };
await build({ ...cjs, entryPoints: ['dist/fluent/index.js'], outfile: 'dist/fluent.cjs', plugins: [toMainEntry('./avforge.cjs')], footer: factory });
// the avforge command: its modules bundled into dist/cli/main.js itself (same place, so its paths
// hold), importing the main entry. A command line that replaces a spawned ffmpeg starts a process
// per job: one file instead of ~40 modules saves ~40 ms of CPU at each start.
await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/cli/main.js',
  allowOverwrite: true,
  ...esm,
  external: ['bullmq'],
  plugins: [toMainEntry('../avforge.js')],
});
// avforge/ffmpeg: ffmpeg(args) in process, over the main entry, for ESM and CommonJS
await build({ ...esm, entryPoints: ['dist/cli/ffmpeg/in_process.js'], outfile: 'dist/ffmpeg.js', plugins: [toMainEntry('./avforge.js')] });
await build({ ...cjs, entryPoints: ['dist/cli/ffmpeg/in_process.js'], outfile: 'dist/ffmpeg.cjs', plugins: [toMainEntry('./avforge.cjs')] });
fs.writeFileSync('dist/ffmpeg.d.cts', "// require('avforge/ffmpeg'): the ESM entry's declarations\nexport * from './cli/ffmpeg/in_process.js';\n");
// the CommonJS builds' types: the same declarations (dist/**/*.d.ts), seen from CommonJS
fs.writeFileSync('dist/avforge.d.cts', "// require('avforge'): the ESM entry's declarations\nexport * from './index.js';\n");
fs.writeFileSync(
  'dist/fluent.d.cts',
  `// require('avforge/fluent'): module.exports is the ffmpeg() factory, with the module's other exports on it
import type * as fluent from './fluent/index.js' with { 'resolution-mode': 'import' };
declare const ffmpeg: typeof fluent.default & Omit<typeof fluent, 'default'>;
declare namespace ffmpeg {
  type FfmpegCommand = fluent.FfmpegCommand;
  type FfmpegCommandOptions = fluent.FfmpegCommandOptions;
  type FfprobeData = fluent.FfprobeData;
  type ProgressEvent = fluent.ProgressEvent;
  type CodecDataEvent = fluent.CodecDataEvent;
  type ScreenshotsConfig = fluent.ScreenshotsConfig;
  type FilterSpec = fluent.FilterSpec;
}
export = ffmpeg;
`,
);
await build({
  entryPoints: ['dist/fluent/index.js'],
  outfile: 'dist/fluent.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  plugins: [toMainEntry('./avforge.js')],
});

// dist/schema/<kind>.json: the BullMQ job data's JSON Schema, from the same rules (schema.mjs).
await import('./schema.mjs');
