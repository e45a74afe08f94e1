// What a process pays once, before its first job: dlopen of the addon (and with it
// libavformat/libavcodec/...), and for the pipelines dlopen of libavfilter, which avforge
// loads on first use. The C reference programs have their libraries mapped by the dynamic
// loader before main() and start their clocks after that, so the workloads do these first,
// outside the timed loop and before the event-loop monitor starts, and report what they cost.
import { FilterGraph, versions } from '../../src/index.js';
import { seconds } from './common.js';

/** Loads the addon (versions() is its first use); returns the seconds it took. */
export function loadAddon(): number {
  const t0 = performance.now();
  versions();
  return seconds(t0);
}

/**
 * Loads libavfilter (what a pipeline's first filter graph would do) by opening and closing a
 * one-frame-size 'null' graph; returns the seconds it took.
 */
export async function loadLavfi(): Promise<number> {
  const t0 = performance.now();
  const g = await FilterGraph.open('null', { inputs: [{ type: 'video', width: 16, height: 16, pixelFormat: 'yuv420p', timeBase: { num: 1, den: 25 } }] });
  await g.close();
  return seconds(t0);
}
