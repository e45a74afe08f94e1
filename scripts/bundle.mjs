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
});
