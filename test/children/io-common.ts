// What the io-* child scripts share. Each script runs one scenario, named by its first
// argument, and prints `ok <scenario>` when every check passed; a failed check throws, so the
// process exits non-zero. No script calls process.exit(): exiting on its own is part of what
// the parent checks (a handle or a pending native job left behind would hold the process).
import assert from 'node:assert/strict';

import { AvError } from '../../src/index.js';

export type Scenarios = Record<string, () => Promise<void>>;

export async function runScenario(scenarios: Scenarios): Promise<void> {
  const name = process.argv[2] ?? '';
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`unknown scenario '${name}'; one of: ${Object.keys(scenarios).join(', ')}`);
  await scenario();
  console.log(`ok ${name}`);
}

/** Awaits `work`, which must reject; returns what it rejected with. */
export async function rejection(work: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await work;
  } catch (e) {
    return e;
  }
  assert.fail(`${what}: expected a rejection, but it resolved`);
}

/** `e` is an AvError whose cause is an Error with this message. */
export function assertAvErrorWithCause(e: unknown, message: string): asserts e is AvError {
  assert.ok(e instanceof AvError, `not an AvError: ${e instanceof Error ? e.stack : String(e)}`);
  assert.ok(e.cause instanceof Error, `the AvError (${e.message}) has no Error as cause: ${String(e.cause)}`);
  assert.equal(e.cause.message, message);
}

export function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name} ${(e as { code?: string }).code ?? ''}: ${e.message}` : String(e);
}
