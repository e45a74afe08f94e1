// The job engine's public surface (src/index.ts re-exports it).
export { Engine, type EngineOptions, type EngineEvents, type CloseOptions as EngineCloseOptions } from './engine.js';
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
  type RedisSettings,
  type WorkerOptions as EngineWorkerOptions,
  type WorkerCloseOptions as EngineWorkerCloseOptions,
} from './backends/bullmq.js';
