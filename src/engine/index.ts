// The job engine's public surface (src/index.ts re-exports it).
export { Engine, type EngineOptions, type EngineEvents, type CloseOptions as EngineCloseOptions, type JobInfo } from './engine.js';
export { JobHandle, type JobState, type JobEvents } from './handle.js';
export type {
  JobDescription,
  TranscodeJob,
  RemuxJob,
  ThumbnailsJob,
  ProbeJob,
  JobFunction,
  JobContext,
  EngineJob,
  JobResult,
  SubmitOptions,
  Backoff,
} from './job.js';
export type { EngineCounters, Percentiles } from './counters.js';
export type { Backend as EngineBackend, BackendHost as EngineBackendHost } from './backend.js';
export {
  BullMQBackend,
  startWorker,
  EngineWorker,
  type BullMQOptions,
  type QueueJob,
  type QueueOverview,
  type RedisSettings,
  type WorkerOptions as EngineWorkerOptions,
  type WorkerCloseOptions as EngineWorkerCloseOptions,
} from './backends/bullmq.js';
export type { MetricsOptions } from './metrics.js';
export { serveHealth, type HealthServer, type HealthServerOptions, type Readiness } from './health.js';
export type { JobLogger, LogOptions } from './logging.js';
