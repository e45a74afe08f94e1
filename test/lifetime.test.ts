// Lifetimes: close() while work is queued, views that outlive their frames, objects left to
// the GC, process.exit() and Worker termination with work in flight, a logger that throws,
// many objects at once. Each case runs alone in a child process (children/lifetime-cases.ts)
// with --expose-gc and a timeout: it passes when the child reports it passed and exits 0,
// with no signal, in time. The 'exit:' cases must end with the code they give process.exit().
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import { media } from './media/generate.js';
import { cases, EXIT_CODE } from './children/lifetime-cases.js';
import { CaseRunner, describeExit, failureOf, runChild } from './children/harness.js';

const script = fileURLToPath(new URL('./children/lifetime.js', import.meta.url));
const execArgv = ['--expose-gc'];
const TIMEOUT_MS = 30_000;

// Made here, once, before the children ask for them.
for (const m of ['h264-aac.mp4', 'hevc.mkv', 'vp9-opus.webm', 'mpeg2.ts', 'audio.mp3'] as const) media(m);

const names = Object.keys(cases);

describe('lifetime, each case in its own process', () => {
  for (const name of names.filter((n) => !n.startsWith('exit:'))) {
    test(name, async () => {
      const r = await new CaseRunner(script, [name], { caseTimeoutMs: TIMEOUT_MS, execArgv }).result(name);
      assert.ok(r.ok, failureOf(r));
    });
  }
});

describe('process.exit() with work in flight ends the process with its code, no signal', () => {
  for (const name of names.filter((n) => n.startsWith('exit:'))) {
    test(name.slice('exit: '.length), async () => {
      const exit = await runChild(script, [name], { timeoutMs: TIMEOUT_MS, execArgv });
      assert.equal(exit.timedOut, false, describeExit(exit));
      assert.equal(exit.signal, null, describeExit(exit));
      assert.equal(exit.status, EXIT_CODE, describeExit(exit));
    });
  }
});
