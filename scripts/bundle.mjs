// Bundles dist/ into one ESM file, the package's entry: importing a dozen modules costs Node
// ~25 ms of resolving and compiling; one file costs a few. Types stay in dist/*.d.ts.
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
