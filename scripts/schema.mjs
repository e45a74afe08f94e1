// Writes dist/schema/<kind>.json: the JSON Schema of a BullMQ job's data for each job kind,
// generated from the rules the engine checks with (src/options), for producers in other
// languages. Run by bundle.mjs after tsc; importable as 'avforge/schema/<kind>.json'.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const { jobSchema } = await import(path.join(root, 'dist', 'options', 'json_schema.js'));
const { JOB_TYPES } = await import(path.join(root, 'dist', 'engine', 'job.js'));
const dir = path.join(root, 'dist', 'schema');
fs.mkdirSync(dir, { recursive: true });
for (const kind of JOB_TYPES) fs.writeFileSync(path.join(dir, `${kind}.json`), `${JSON.stringify(jobSchema(kind), null, 2)}\n`);
