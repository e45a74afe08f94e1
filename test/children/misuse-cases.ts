// The misuse cases of test/misuse.test.ts, run by children/misuse.js in a child process (see
// harness.ts) so that one that takes the process down fails alone. Each case asserts; run
// one by hand with `node build/test/children/misuse.js '<case name>'`.
// The cases live by topic in misuse-closed, -types, -order, -refused and -bounds (helpers in
// misuse-util); this is their one list, in that order (the order the tests run in).
import type { CaseFn } from './harness.js';
import { cases as bounds } from './misuse-bounds.js';
import { cases as closed } from './misuse-closed.js';
import { cases as order } from './misuse-order.js';
import { cases as refused } from './misuse-refused.js';
import { cases as types } from './misuse-types.js';

export const cases: Record<string, CaseFn> = { ...closed, ...types, ...order, ...refused, ...bounds };
