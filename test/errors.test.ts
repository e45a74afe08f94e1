// AvErrorCode names every code an AvError can carry: the native error table's names
// (native/common/error.cc) and every code avforge's TS and C++ sources create.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { AVFORGE_ERROR_CODES, ERRNO_CODES, FFMPEG_ERROR_CODES } from '../src/errors.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (dir: string, ext: string) =>
  fs
    .readdirSync(path.join(root, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(ext))
    .map((f) => fs.readFileSync(path.join(root, dir, f), 'utf8'));

test("the FFmpeg and errno codes are native/common/error.cc's table", () => {
  const table = fs.readFileSync(path.join(root, 'native', 'common', 'error.cc'), 'utf8');
  const ffmpeg = [...new Set([...table.matchAll(/\{AVERROR_\w+, "(\w+)"\}/g)].map((m) => m[1]))];
  const errnos = [...table.matchAll(/AVF_ERRNO\((\w+)\)/g)].map((m) => m[1]).filter((n) => n !== 'e');
  assert.deepEqual(ffmpeg, [...FFMPEG_ERROR_CODES]);
  assert.deepEqual(errnos, [...ERRNO_CODES]);
});

// Node's own codes, on the Node-shaped errors avforge/ffmpeg rejects with where execFile would
const NODE_ERROR_CODES = ['ERR_CHILD_PROCESS_STDIO_MAXBUFFER'];

test('every code the sources create is an AvErrorCode', () => {
  const known = new Set<string>([...FFMPEG_ERROR_CODES, ...ERRNO_CODES, ...AVFORGE_ERROR_CODES, ...NODE_ERROR_CODES]);
  const made = new Set<string>();
  for (const text of read('src', '.ts')) for (const m of text.matchAll(/\bcode: '([A-Z_0-9]+)'/g)) made.add(m[1]!);
  for (const text of read('native', '.cc')) for (const m of text.matchAll(/AvException\("([A-Z_0-9]+)"/g)) made.add(m[1]!);
  assert.ok(made.size > 10, `found ${made.size} codes`);
  assert.deepEqual(
    [...made].filter((c) => !known.has(c)),
    [],
  );
});
