// Runs one shape's API form in its own process (a crash there is a result, not the runner's end).
// argv: shape index, output path.
import { file } from './media.js';
import { SHAPES } from './shapes.js';

const [index, out] = process.argv.slice(2);
const shape = SHAPES[Number(index)];
if (!shape?.api) process.exit(3);
shape.api(file, out!).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e));
    process.exit(1);
  },
);
