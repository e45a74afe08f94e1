// The plan contract (src/pipeline/native_plan.ts): the addon reads every key of the plan as
// required and typed, and refuses an unknown one, naming the key's path. The addon's pipeline
// entry is called directly, as src/pipeline/run.ts calls it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { AvError } from '../src/index.js';
import { addon, type NativePipeline } from '../src/native.js';
import { planRemux, type InputDescription } from '../src/pipeline/plan.js';
import type { NativePlan } from '../src/pipeline/native_plan.js';
import { media, scratch } from './media/generate.js';

// The plan as plain data, to break on purpose in ways its type forbids.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
// biome-ignore lint/suspicious/noExplicitAny: plans broken on purpose, past what NativePlan allows
type Untyped = Record<string, any>;

describe('the native plan contract', () => {
  const input = media('h264-aac.mp4');
  const output = path.join(scratch('plan-contract'), 'out.mp4');
  let handle: NativePipeline;
  let valid: NativePlan;

  before(async () => {
    handle = new (addon().Pipeline)();
    const [desc] = (await handle.open([{ target: input, options: {}, name: input }])) as InputDescription[];
    valid = planRemux(desc!, {}, output);
    valid.outputs[0]!.target = output;
    valid.outputs[0]!.name = output;
  });
  after(async () => {
    await handle.close();
    fs.rmSync(path.dirname(output), { recursive: true, force: true });
  });

  /** The plan after `edit`, refused synchronously by run() with an EINVAL naming `key`. */
  function refused(edit: (plan: Untyped) => void, key: string, problem: RegExp): void {
    const plan = structuredClone(valid) as unknown as Untyped;
    edit(plan);
    assert.throws(
      () => handle.run(plan as unknown as NativePlan),
      (e: unknown) => {
        assert.ok(e instanceof AvError, `an AvError, got ${String(e)}`);
        assert.equal(e.code, 'EINVAL');
        assert.ok(e.message.includes(`${key}:`), `the message names ${key}: ${e.message}`);
        assert.match(e.message, problem);
        return true;
      },
    );
  }

  test('a missing key is an error naming its path', () => {
    refused((p) => delete p.streams[1].bitRate, 'plan.streams[1].bitRate', /missing/);
    refused((p) => delete p.outputs[0].chapters, 'plan.outputs[0].chapters', /missing/);
    refused((p) => delete p.hardware, 'plan.hardware', /missing/);
  });

  test('a key of the wrong type is an error naming its path', () => {
    refused((p) => (p.streams[0].bitRate = '2M'), 'plan.streams[0].bitRate', /expected a number, got a string/);
    refused((p) => (p.streams[0].bsf = undefined), 'plan.streams[0].bsf', /expected a string, got undefined/);
    refused((p) => (p.tapBatch = null), 'plan.tapBatch', /expected a number, got null/);
    refused((p) => (p.outputs[0].options = { movflags: { a: 1 } }), 'plan.outputs[0].options.movflags', /expected a string, number or boolean/);
  });

  test('an unknown key is an error naming its path', () => {
    refused((p) => (p.queueSize = 8), 'plan.queueSize', /unknown key/);
    refused((p) => (p.streams[0].language = 'eng'), 'plan.streams[0].language', /unknown key/);
    refused((p) => (p.outputs[0].chapters = [{ start: 0, end: 1, title: '', lang: 'en' }]), 'plan.outputs[0].chapters[0].lang', /unknown key/);
  });

  test('streams name outputs that exist; a collected output is the only one', () => {
    refused((p) => (p.streams[0].output = 1), 'plan.streams', /names output 1, there are 1/);
    refused((p) => (p.outputs = []), 'plan.outputs', /at least one output/);
    refused(
      (p) => {
        p.outputs[0].collect = true;
        p.outputs[0].target = null;
        p.outputs.push(structuredClone(p.outputs[0]));
      },
      'plan.outputs',
      /collected output is the only output/,
    );
  });

  test('the plan TypeScript writes is accepted and runs', async () => {
    const r = await handle.run(valid);
    assert.ok(r.bytes > 0);
    assert.ok(fs.statSync(output).size > 0);
  });
});
