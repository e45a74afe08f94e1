// The engine across machines, on BullMQ over Redis. A producer's Engine puts each job in a
// BullMQ queue (priority, attempts with backoff, delay, jobId) and follows it through the
// queue's event stream; workers (startWorker) take jobs from the queue and run them in a local
// Engine with the same concurrency rules, reporting progress and results back through BullMQ.
//
// What BullMQ gives: a job is locked while a worker runs it; a worker that dies (SIGKILL) stops
// renewing the lock, and another worker's stalled-job check puts the job back in the queue.
// Pipelines write NAME.partial and rename on success, so a re-run overwrites the dead worker's
// partial file and nothing incomplete appears under the final name.
//
// Cancellation: a queued job is removed from the queue; a running one is announced on the event
// stream (a custom 'avforge:cancel' event) and marked in a key, which the worker running it sees.
//
// bullmq is imported when a backend or worker connects, not when avforge is: it costs ~100 ms.
// The producer (bullmq/producer.ts), the worker (bullmq/worker.ts) and what they share (bullmq/wire.ts).
export { BullMQBackend, type BullMQOptions, type QueueJob, type QueueOverview } from './bullmq/producer.js';
export { EngineWorker, startWorker, type WorkerCloseOptions, type WorkerOptions } from './bullmq/worker.js';
export { redisConnection, type RedisSettings } from './bullmq/wire.js';
