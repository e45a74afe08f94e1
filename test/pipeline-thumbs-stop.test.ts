// thumbnails() at given times: the decoder stops at the frame the last time asks for (it does
// not decode on, nor drain what it holds), and the images are still the ffmpeg CLI's
// `-ss T -frames:v 1`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { thumbnails } from '../src/index.js';
import { planThumbnails } from '../src/pipeline/plan.js';
import { startJob } from '../src/pipeline/run.js';
import type { ThumbnailOptions } from '../src/pipeline/types.js';
import { media, scratch } from './media/generate.js';
import { ffmpeg } from './util.js';
import { FPS, INPUT, psnrs } from './pipeline-util.js';

/** A thumbnails job as thumbnails() plans it, with the job's own counters. */
async function run(times: number[], o: ThumbnailOptions = {}) {
  const options = { ...o, times };
  return startJob('thumbnails', [{ source: media(INPUT) }], [{}], options, ([d]) =>
    planThumbnails(
      d!,
      options,
      [...times].sort((a, b) => a - b),
    ),
  );
}

describe('thumbnails stop at their frame', () => {
  test('one time: frames decoded are those up to the one at the time, and no more', async () => {
    // 0.4 s is frame 10 of a 25 fps clip whose first keyframe is frame 0 (no seek this close)
    const r = await run([0.4]);
    assert.equal(r.collected[0]?.length, 1);
    assert.equal(r.framesDecoded, Math.round(0.4 * FPS) + 1, `decoded ${r.framesDecoded} frames`);
    // exactly on a frame's time: that frame is the image, the decoder stops there
    const later = await run([1.0]);
    assert.equal(later.framesDecoded, FPS + 1, `decoded ${later.framesDecoded} frames`);
    assert.ok(r.packetsRead < later.packetsRead, `read ${r.packetsRead} packets for 0.4 s, ${later.packetsRead} for 1 s`);
  });

  test('several times: it stops at the last one', async () => {
    const r = await run([0.2, 0.6]);
    assert.equal(r.collected[0]?.length, 2);
    assert.equal(r.framesDecoded, Math.round(0.6 * FPS) + 1, `decoded ${r.framesDecoded} frames`);
  });

  test("each image is the ffmpeg CLI's -ss T -frames:v 1", async () => {
    const dir = scratch('thumbs-stop-cli');
    const times = [0.4, 1.0, 1.5, 1.96];
    const inputs: string[] = [];
    for (const t of times) {
      const [ours] = await thumbnails(media(INPUT), { times: [t], format: 'png' });
      assert.ok(ours, `an image at ${t} s`);
      const mine = path.join(dir, `ours-${t}.png`);
      fs.writeFileSync(mine, ours.data);
      const cli = path.join(dir, `cli-${t}.png`);
      await ffmpeg(['-y', '-ss', String(t), '-i', media(INPUT), '-frames:v', '1', cli]);
      const next = path.join(dir, `cli-next-${t}.png`);
      await ffmpeg(['-y', '-ss', String(t - 0.12), '-i', media(INPUT), '-frames:v', '1', next]);
      inputs.push(mine, cli, next);
    }
    // per time: ours against the CLI's image, and (to tell frames apart) against the CLI's three frames earlier
    const parts = times.map((_, i) => {
      const [a, b, c] = [3 * i, 3 * i + 1, 3 * i + 2];
      return `[${a}:v]format=yuv444p,split[x${2 * i}][x${2 * i + 1}];[${b}:v]format=yuv444p[y${2 * i}];[${c}:v]format=yuv444p[y${2 * i + 1}]`;
    });
    const values = await psnrs(inputs, parts.join(';'), 2 * times.length);
    times.forEach((t, i) => {
      const [same, other] = [values[2 * i]!, values[2 * i + 1]!];
      assert.ok(same > 45 && same > other + 5, `${t} s: PSNR ${same} to the CLI's image, ${other} to three frames earlier`);
    });
  });
});
