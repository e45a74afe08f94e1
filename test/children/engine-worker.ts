// A BullMQ worker process for engine-distributed.test.ts: `avforge worker` with the given flags.
import { runWorker } from '../../src/cli/worker.js';

process.exitCode = await runWorker(process.argv.slice(2));
