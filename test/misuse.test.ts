// Misuse: methods of closed objects, arguments of the wrong type, calls out of order, what
// FFmpeg refuses (unknown options, codecs, formats, paths), and the stacks of the errors.
// Each must end in an AvError or a TypeError with the one message template, never in a
// crash. The cases (children/misuse-cases.ts) run in child processes, as many per child as
// it survives: a case that aborts the process fails alone, with the child's stderr.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { media } from './media/generate.js';
import { cases } from './children/misuse-cases.js';
import { CaseRunner, failureOf } from './children/harness.js';

const script = fileURLToPath(new URL('./children/misuse.js', import.meta.url));

// Made here, once, before the children ask for it.
media('h264-aac.mp4');

const names = Object.keys(cases);
const runner = new CaseRunner(script, names, { caseTimeoutMs: 20_000 });

const groups: [string, (name: string) => boolean][] = [
  ['strings with a NUL, unbounded counts, object chunks, subtitle decoding: TypeError or AvError', (n) => n.startsWith('bounds: ')],
  ['after close(): ERR_CLOSED', (n) => n.startsWith('closed ') || n.includes('closed Packet given') || n.includes('closed Frame given')],
  [
    'wrong argument types: TypeError "Expected X for NAME but received Y"',
    (n) => /TypeError|argument types|option types|names the element|non-iterable/.test(n),
  ],
  ['calls out of order', (n) => /before writeHeader|twice|flush\(\)|read\(\) after|concurrent/.test(n)],
  ['frames that do not fit the encoder', (n) => n.startsWith('encode() of ')],
  ['what FFmpeg refuses', (n) => /^unknown|nonexistent|ENOENT/.test(n)],
  ['error stacks', (n) => n.startsWith('error stacks')],
];

const placed = new Set<string>();
for (const [title, member] of groups) {
  describe(title, () => {
    for (const name of names.filter((n) => !placed.has(n) && member(n))) {
      placed.add(name);
      test(name, async () => {
        const r = await runner.result(name);
        assert.ok(r.ok, failureOf(r));
      });
    }
  });
}

// Workers terminated at random moments while they decode, encode, transcode into a chunk
// callback with a frame tap, remux, take thumbnails and probe (children/terminate.ts): a
// native call into JS during a Worker's teardown must never take the process down.
const TERMINATIONS = process.env.AVFORGE_RELIABILITY ? 100 : 20;
test(`${TERMINATIONS} Workers doing mixed work, terminated at random moments: the process lives`, { timeout: 120_000 }, async () => {
  media('h264-aac.mp4');
  const script = fileURLToPath(new URL('./children/terminate.js', import.meta.url));
  // Under the sanitizers, ASan still checks every access; LeakSanitizer is off for this child:
  // a job in flight when its Worker goes away leaves its promise's and wrapper's N-API handles
  // (8-40 bytes each, freed by nobody once the environment is gone), a known finding.
  const env = process.env.AVFORGE_SANITIZED ? { ...process.env, ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ?? ''}:detect_leaks=0` } : process.env;
  const r = spawnSync(process.execPath, [script, String(TERMINATIONS), '4'], { encoding: 'utf8', timeout: 110_000, env });
  const output = `\n--- stdout\n${r.stdout}--- stderr\n${r.stderr.slice(-4000)}`;
  assert.equal(r.signal, null, `killed by ${r.signal}${output}`);
  assert.equal(r.status, 0, `exit status ${r.status}${output}`);
  assert.match(r.stdout, new RegExp(`terminated ${TERMINATIONS} workers`), output);
});

test('every misuse case belongs to a group', () => {
  assert.deepEqual(
    names.filter((n) => !placed.has(n)),
    [],
  );
});
