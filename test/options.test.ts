// One option schema per job kind: the same invalid options are refused with the same message by
// the direct calls, Engine.submit, the BullMQ worker's check of a job's data and the CLI's
// --options (exit status 2, the message on stderr); the JSON
// Schema written from the same rules agrees with them on every case.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Engine, jobSchema, remux, thumbnails, transcode } from '../src/index.js';
import { checkWireJob } from '../src/options/jobs.js';
import { OPTIONS, videoSettings } from '../src/options/pipeline.js';
import { closest, type JsonSchema } from '../src/options/rules.js';
import { INVALID_OPTIONS, VALID_OPTIONS, type OptionKind } from './option-cases.js';
import { listDir } from './util.js';
import { scratch } from './media/generate.js';

const dir = scratch('options');
const input = path.join(dir, 'in.mp4');

function direct(kind: OptionKind, options: Record<string, unknown>): unknown {
  if (kind === 'transcode') return transcode(input, path.join(dir, 'a.mkv'), options);
  if (kind === 'remux') return remux(input, path.join(dir, 'b.mkv'), options);
  return thumbnails(input, options);
}

function job(kind: OptionKind, options: Record<string, unknown>) {
  return kind === 'thumbnails' ? { type: kind, input, options } : { type: kind, input, output: path.join(dir, 'c.mkv'), options };
}

function wire(kind: OptionKind, options: Record<string, unknown>) {
  return { v: 1, job: job(kind, options), priority: 0, key: '' };
}

/** The TypeError `call` throws, synchronously. */
function refusal(call: () => unknown): string {
  try {
    const r = call() as Promise<unknown> | undefined;
    r?.catch?.(() => {});
  } catch (e) {
    assert.ok(e instanceof TypeError, `${(e as Error).name}: ${(e as Error).message}`);
    return e.message;
  }
  return '(no error)';
}

// A small JSON Schema (2020-12) evaluator for the keywords jobSchema() writes: enough to check
// that the published schema agrees with the engine's rules, without a validator dependency.
function valid(schema: JsonSchema | boolean, value: unknown, root: JsonSchema): boolean {
  if (schema === true) return true;
  if (schema === false) return false;
  const s = schema;
  if (typeof s.$ref === 'string') return valid((root.$defs as Record<string, JsonSchema>)[s.$ref.replace('#/$defs/', '')]!, value, root);
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub: JsonSchema) => valid(sub, value, root))) return false;
  if ('const' in s && value !== s.const) return false;
  if (Array.isArray(s.enum) && !s.enum.includes(value)) return false;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const kind = (t: string) =>
      t === 'integer'
        ? Number.isInteger(value)
        : t === 'number'
          ? typeof value === 'number'
          : t === 'object'
            ? typeof value === 'object' && value !== null && !Array.isArray(value)
            : t === 'array'
              ? Array.isArray(value)
              : typeof value === t;
    if (!types.some(kind)) return false;
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) return false;
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) return false;
    if (typeof s.maximum === 'number' && value > s.maximum) return false;
  }
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength) return false;
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) return false;
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) return false;
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) return false;
    if (s.items !== undefined && !value.every((v) => valid(s.items as JsonSchema, v, root))) return false;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, JsonSchema>;
    for (const k of (s.required ?? []) as string[]) if (!(k in o)) return false;
    for (const [k, v] of Object.entries(o)) {
      const names = s.propertyNames as JsonSchema | undefined;
      if (names && typeof names.pattern === 'string' && !new RegExp(names.pattern, 'u').test(k)) return false;
      if (k in props) {
        if (!valid(props[k]!, v, root)) return false;
      } else if (s.additionalProperties !== undefined && !valid(s.additionalProperties as JsonSchema | boolean, v, root)) return false;
    }
  }
  return true;
}

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'main.js');

/** The CLI route: the same options as --options JSON; resolves to its exit status and stderr. */
function viaCli(kind: OptionKind, options: Record<string, unknown>): Promise<{ status: number | null; stderr: string }> {
  const json = JSON.stringify(options);
  const args =
    kind === 'thumbnails' ? ['thumbs', input, '-o', path.join(dir, 't.jpg'), '--options', json] : [kind, input, path.join(dir, 'c.mkv'), '--options', json];
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 30_000 }, (error, _stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, stderr });
    });
  });
}

describe('options', () => {
  test('every route refuses the same invalid options with the same message', () => {
    const engine = new Engine();
    const problems: string[] = [];
    for (const c of INVALID_OPTIONS) {
      const messages = {
        direct: refusal(() => direct(c.kind, c.options)),
        engine: refusal(() => engine.submit(job(c.kind, c.options) as never)),
        worker: refusal(() => checkWireJob(wire(c.kind, c.options), '7a')),
      };
      for (const [route, m] of Object.entries(messages)) if (m !== c.message) problems.push(`${c.name} (${route}): ${m}`);
    }
    assert.deepEqual(problems, []);
    assert.equal(engine.counters().submitted, 0);
    assert.deepEqual(listDir(dir), []);
  });

  test('the CLI refuses them with the same message and exit status 2', async () => {
    const problems: string[] = [];
    const results = await Promise.all(INVALID_OPTIONS.map((c) => viaCli(c.kind, c.options)));
    INVALID_OPTIONS.forEach((c, i) => {
      const r = results[i]!;
      if (r.status !== 2 || r.stderr.trim() !== `avforge: ${c.message}`) problems.push(`${c.name}: exit ${r.status}, ${r.stderr.trim()}`);
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(listDir(dir), []);
  });

  test('the JSON Schema refuses every invalid case and accepts every valid one, as the worker does', () => {
    for (const c of INVALID_OPTIONS) {
      const schema = jobSchema(c.kind);
      assert.equal(valid(schema, wire(c.kind, c.options), schema), false, c.name);
    }
    for (const c of VALID_OPTIONS) {
      const schema = jobSchema(c.kind);
      assert.equal(valid(schema, wire(c.kind, c.options), schema), true, c.name);
      assert.doesNotThrow(() => checkWireJob(wire(c.kind, c.options), '7b'), c.name);
    }
    const probe = jobSchema('probe');
    assert.equal(valid(probe, { v: 1, job: { type: 'probe', input: 'in.mp4' }, priority: 0, key: '' }, probe), true);
    assert.equal(valid(probe, { v: 1, job: { type: 'probe', input: 'in.mp4', output: 'x' }, priority: 0, key: '' }, probe), false);
    assert.equal(valid(probe, { v: 2, job: { type: 'probe', input: 'in.mp4' }, priority: 0, key: '' }, probe), false);
  });

  test("the JSON Schema's options are the TS schema's, less what cannot leave the process", () => {
    const inProcess = ['signal', 'cancel', 'onProgress', 'onFrames', 'output'];
    for (const kind of ['transcode', 'remux', 'thumbnails'] as const) {
      const schema = jobSchema(kind);
      assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
      const defs = schema.$defs as Record<string, JsonSchema>;
      const jobProps = (schema.properties as Record<string, JsonSchema>).job!.properties as Record<string, JsonSchema>;
      const ref = (jobProps.options!.$ref as string).replace('#/$defs/', '');
      const options = Object.keys(defs[ref]!.properties as object);
      const fields = Object.keys(OPTIONS[kind].fields).filter((k) => !inProcess.includes(k));
      assert.deepEqual(options, fields, kind);
      assert.equal(defs[ref]!.additionalProperties, false);
    }
    // nested settings are named definitions, each closed to unknown keys
    const defs = jobSchema('transcode').$defs as Record<string, JsonSchema>;
    for (const name of ['VideoSettings', 'AudioSettings', 'StreamMap', 'InputSettings']) assert.equal(defs[name]?.additionalProperties, false, name);
    assert.deepEqual(Object.keys(defs.VideoSettings!.properties as object), Object.keys(videoSettings.fields));
  });

  test('functions and streams are refused in a job that may run on another machine', () => {
    assert.equal(
      refusal(() => checkWireJob(wire('transcode', { onFrames: () => {} }), '7c')),
      'Expected no frame tap (a function cannot be sent to another machine) for onFrames but received a function',
    );
    assert.equal(
      refusal(() => checkWireJob({ v: 1, job: { type: 'remux', input: 3, output: 'x.mkv' }, priority: 0, key: '' }, '7d')),
      'Expected a path or URL (a string: the job may run on another machine) for job.input but received 3 (number)',
    );
    assert.equal(
      refusal(() => checkWireJob({ v: 1, job: { type: 'probe', input: 'a' }, priority: 0, key: '', retries: 2 }, '7e')),
      'Expected a known field (v, job, priority, key, timeout, memory, device, trace) for retries but received 2 (number)',
    );
    assert.match(
      refusal(() => checkWireJob({ job: {} }, '7f')),
      /^Expected an avforge job \(v: 1\) for the data of BullMQ job 7f/,
    );
  });

  test('a typo is matched to the closest known name, and only when it is close', () => {
    const known = ['codec', 'crf', 'preset', 'gopSize', 'retries', 'bitRate'];
    assert.equal(closest('crff', known), 'crf');
    assert.equal(closest('preest', known), 'preset');
    assert.equal(closest('bitrate', known), 'bitRate');
    assert.equal(closest('gop', known), 'gopSize');
    assert.equal(closest('retry', known), 'retries');
    assert.equal(closest('x', known), null);
    assert.equal(closest('colour', known), null);
  });

  test('the build wrote dist/schema/<kind>.json from the same rules', (t) => {
    const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'schema');
    if (!fs.existsSync(dist)) return t.skip('no dist/ (npm run build:ts writes it)');
    for (const kind of ['transcode', 'remux', 'thumbnails', 'probe'] as const)
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dist, `${kind}.json`), 'utf8')), jobSchema(kind), kind);
  });

  test('probe() checks its options too', async () => {
    await assert.rejects(
      import('../src/index.js').then(({ probe }) => probe(input, { fromat: 'mp4' } as never)),
      {
        name: 'TypeError',
        message: "Expected a known option (did you mean 'format'?) for fromat but received 'mp4' (string)",
      },
    );
  });
});
