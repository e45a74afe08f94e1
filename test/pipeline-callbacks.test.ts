// The user's code inside a pipeline job: a Readable input that errors or throws, read
// callbacks that throw, a chunk callback output that throws, a frame tap or a progress
// callback that throws. Each becomes the job's error (the user's own error, or an AvError
// with it as its cause), the job leaves no output behind, and the process goes on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import { AvError, remux, thumbnails, transcode } from '../src/index.js';
import { media, scratch } from './media/generate.js';
import { listDir } from './util.js';
import { captureLogs } from './pipeline-util.js';

captureLogs();

const ts = () => fs.readFileSync(media('mpeg2.ts'));
const boom = () => new Error('boom from the user');

/** The job failed because of `cause`: it is the error itself, or the AvError's cause. */
function failedWith(cause: Error) {
  return (e: unknown) => {
    if (e === cause) return true;
    assert.ok(e instanceof AvError, `an AvError or the user's error, not ${String(e)}`);
    assert.equal(e.cause, cause, `the cause of: ${e.message}`);
    return true;
  };
}

/** A Readable over `bytes` that fails after `after` bytes: by destroy(error), or by throwing from _read. */
function failingReadable(bytes: Buffer, after: number, how: 'destroy' | 'throw', error: Error): Readable {
  let pos = 0;
  return new Readable({
    read() {
      if (pos >= after) {
        if (how === 'throw') throw error;
        this.destroy(error);
        return;
      }
      const chunk = bytes.subarray(pos, Math.min(after, pos + 16384));
      pos += chunk.length;
      this.push(chunk);
    },
  });
}

const mpeg4 = { video: { codec: 'mpeg4' }, audio: { codec: 'mp2' } } as const;

describe("the user's code failing inside a job is the job's error", () => {
  for (const how of ['destroy', 'throw'] as const)
    for (const after of [0, 100_000])
      test(`a Readable input that ${how === 'destroy' ? 'is destroyed with an error' : 'throws from _read'} after ${after} bytes`, async () => {
        const dir = scratch('cb-readable');
        const error = boom();
        await assert.rejects(transcode(failingReadable(ts(), after, how, error), path.join(dir, 'o.mkv'), mpeg4), failedWith(error));
        assert.deepEqual(listDir(dir), [], 'no output, no partial');
        const again = boom();
        await assert.rejects(remux(failingReadable(ts(), after, how, again), path.join(dir, 'r.mkv')), failedWith(again));
        assert.deepEqual(listDir(dir), []);
      });

  for (const when of ['at once', 'after some data'] as const)
    test(`a read callback that throws ${when} (transcode, thumbnails)`, async () => {
      const bytes = ts();
      const dir = scratch('cb-read');
      const make = (error: Error) => {
        let pos = 0;
        return {
          read: async (n: number) => {
            if (when === 'at once' || pos > 100_000) throw error;
            const chunk = bytes.subarray(pos, pos + n);
            pos += chunk.length;
            return chunk;
          },
        };
      };
      const e1 = boom();
      await assert.rejects(transcode(make(e1), path.join(dir, 'o.mkv'), mpeg4), failedWith(e1));
      const e2 = boom();
      await assert.rejects(thumbnails(make(e2), { every: 0.1, width: 32 }), failedWith(e2));
      assert.deepEqual(listDir(dir), []);
    });

  for (const kind of ['sync', 'async'] as const)
    test(`a chunk callback output that throws (${kind}): transcode and remux`, async () => {
      for (const run of [
        (out: (c: Buffer) => unknown) => transcode(media('mpeg2.ts'), out as never, { format: 'matroska', ...mpeg4 }),
        (out: (c: Buffer) => unknown) => remux(media('mpeg2.ts'), out as never, { format: 'mpegts' }),
      ]) {
        const error = boom();
        let n = 0;
        const out =
          kind === 'sync'
            ? () => {
                if (++n === 2) throw error;
              }
            : async () => {
                await new Promise((r) => setImmediate(r));
                if (++n === 2) throw error;
              };
        await assert.rejects(run(out), failedWith(error));
      }
    });

  test('a frame tap that throws, and one that rejects', async () => {
    for (const onFrames of [
      (error: Error) => () => {
        throw error;
      },
      (error: Error) => async () => {
        await new Promise((r) => setImmediate(r));
        throw error;
      },
    ]) {
      const dir = scratch('cb-tap');
      const error = boom();
      await assert.rejects(transcode(media('mpeg2.ts'), path.join(dir, 'o.mkv'), { ...mpeg4, onFrames: onFrames(error) }), failedWith(error));
      assert.deepEqual(listDir(dir), []);
    }
  });

  test('a progress callback that throws', async () => {
    const dir = scratch('cb-progress');
    const error = boom();
    await assert.rejects(
      transcode(media('h264-aac-4s.mp4'), path.join(dir, 'o.mkv'), {
        ...mpeg4,
        progressInterval: 10,
        onProgress: () => {
          throw error;
        },
      }),
      failedWith(error),
    );
    assert.deepEqual(listDir(dir), []);
  });
});
