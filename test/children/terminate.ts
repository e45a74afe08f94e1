// Terminates Workers doing mixed work (children/mixed-worker.ts) at random moments, `runs`
// times, `parallel` at once: `node build/test/children/terminate.js [runs] [parallel] [seed]`.
// Prints `terminated N workers` and exits 0; a termination that takes the process down
// (a native throw during the environment's teardown) ends it with a signal instead.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { media } from '../media/generate.js';

const script = fileURLToPath(new URL('./mixed-worker.js', import.meta.url));
const runs = Number(process.argv[2] ?? 20);
const parallel = Number(process.argv[3] ?? 2);
let seed = Number(process.argv[4] ?? Date.now() % 100_000);
console.log(`seed ${seed}`);
// a small PRNG, so that a failing run can be replayed with its seed
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

const file = media('h264-aac.mp4');

async function one(): Promise<void> {
  const w = new Worker(script, { workerData: { file } });
  let failed: unknown;
  w.on('error', (e) => (failed = e));
  // Half the time during the start (the addon loading, the first opens), half once all the work runs.
  const early = random() < 0.5;
  if (!early) await new Promise<void>((resolve) => w.once('message', () => resolve()).once('exit', () => resolve()));
  await sleep(Math.floor(random() * (early ? 150 : 400)));
  await w.terminate();
  if (failed !== undefined) throw new Error(`the worker failed before it was terminated: ${String(failed)}`);
}

let done = 0;
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (done < runs) {
      done++;
      await one();
    }
  }),
);
console.log(`terminated ${done} workers`);
