// Test-only misbehaviour of isolated job processes (crash, allocate past the limit, spin), by
// job id. Not reachable from a job description: a test sets it here, and both the Engine's
// process and the child honour it only with AVFORGE_ISOLATION_TEST_HOOKS=1 in their environment.
import type { TestHook } from './protocol.js';

const hooks = new Map<string, TestHook>();

/** @internal Makes the process running job `id` misbehave before the job starts (tests only). */
export function setTestHook(id: string, hook: TestHook | null): void {
  if (hook === null) hooks.delete(id);
  else hooks.set(id, hook);
}

export function testHook(id: string): TestHook | undefined {
  return process.env.AVFORGE_ISOLATION_TEST_HOOKS === '1' ? hooks.get(id) : undefined;
}
