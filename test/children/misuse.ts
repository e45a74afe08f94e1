// Child process for test/misuse.test.ts: runs the cases named on the command line.
import { serveCases } from './harness.js';
import { cases } from './misuse-cases.js';

await serveCases(cases);
