// Bundles dist/ into one ESM file, the package's entry: importing a dozen modules costs Node
// ~25 ms of resolving and compiling; one file costs a few. Types stay in dist/*.d.ts.
import path from 'node:path';
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/index.js'],
  outfile: 'dist/avforge.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
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
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [mainEntry],
});

// dist/schema/<kind>.json: the BullMQ job data's JSON Schema, from the same rules (schema.mjs).
await import('./schema.mjs');
