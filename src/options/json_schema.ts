// The JSON Schema (draft 2020-12) of a BullMQ job's data, written from the same rules the
// engine checks with: producers in other languages validate their jobs with it before they
// queue them. scripts/schema.mjs writes one file per kind to dist/schema/<kind>.json.
import { JOB_TYPES } from '../engine/job.js';
import { wireRule } from './jobs.js';
import type { JobKind } from './pipeline.js';
import type { JsonDefs, JsonSchema } from './rules.js';

/** The JSON Schema of the data of a BullMQ job of this kind ({ v: 1, job, priority, key, ... }). */
export function jobSchema(kind: JobKind): JsonSchema {
  if (!(JOB_TYPES as readonly unknown[]).includes(kind))
    throw new TypeError(`Expected 'transcode', 'remux', 'thumbnails' or 'probe' for kind but received ${JSON.stringify(kind)}`);
  const defs: JsonDefs = {};
  const root = wireRule(kind).json(defs)!;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `avforge ${kind} job`,
    description: `The data of a BullMQ job that an avforge worker runs as a ${kind} (queue it under the job name '${kind}').`,
    ...root,
    ...(Object.keys(defs).length ? { $defs: defs } : {}),
  };
}
