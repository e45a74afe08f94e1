// Child process for test/lifetime.test.ts: runs the cases named on the command line.
import { serveCases } from './harness.js';
import { cases } from './lifetime-cases.js';

await serveCases(cases);
