// The one hardware-encoder table: chooseEncoder's codec + device -> encoder and the engine's
// encoder -> device family (its session limit) both come from it, so they agree (AMF included).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { encoderDevice, hwEncoder } from '../src/core/hw_device.js';
import { costOf } from '../src/engine/cost.js';
import { checkSubmitOptions } from '../src/options/jobs.js';

test('codec + device -> encoder and encoder -> device come from one table', () => {
  assert.equal(hwEncoder('h264', 'cuda'), 'h264_nvenc');
  assert.equal(hwEncoder('hevc', 'vaapi'), 'hevc_vaapi');
  assert.equal(hwEncoder('av1', 'qsv'), 'av1_qsv');
  // AMF takes a D3D11VA or DXVA2 device; FFmpeg >= 7.1 also has an 'amf' device type
  for (const type of ['d3d11va', 'dxva2', 'amf']) assert.equal(hwEncoder('h264', type), 'h264_amf', type);
  assert.equal(hwEncoder('h264', 'opencl'), undefined);
  assert.equal(encoderDevice('h264_nvenc'), 'cuda');
  assert.equal(encoderDevice('hevc_amf'), 'd3d11va');
  assert.equal(encoderDevice('h264_videotoolbox'), 'videotoolbox');
  assert.equal(encoderDevice('libx264'), null);
  for (const codec of ['h264', 'hevc', 'av1'])
    for (const type of ['cuda', 'vaapi', 'qsv', 'd3d11va', 'dxva2', 'amf', 'videotoolbox', 'mediacodec']) {
      const name = hwEncoder(codec, type);
      if (name) assert.ok(hwEncoder(codec, encoderDevice(name)!) === name, `${name} runs on its own family`);
    }
});

test("a job's hardware session is its encoder's device family", () => {
  const s = checkSubmitOptions(undefined);
  const d = { threadsPerJob: 1, cpus: 4 };
  const job = (codec: string) => ({ type: 'transcode' as const, input: 'in.mp4', output: 'out.mp4', options: { video: { codec } } });
  assert.equal(costOf(job('h264_nvenc'), s, d).device, 'cuda');
  assert.equal(costOf(job('h264_amf'), s, d).device, 'd3d11va');
  assert.equal(costOf(job('libx264'), s, d).device, null);
  assert.equal(costOf({ ...job('h264'), options: { hardware: 'vaapi', video: { codec: 'h264' } } }, s, d).device, 'vaapi');
});
