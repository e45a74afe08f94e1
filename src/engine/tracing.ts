// OpenTelemetry traces of the engine's jobs, through @opentelemetry/api: a span per job (from
// submit to its end) with a child span per pipeline stage, and the job's trace context in its
// BullMQ data so that a producer's job span parents the worker's.
//
// Nothing is loaded or recorded until the process has registered an OpenTelemetry SDK (a tracer
// provider on the API's global): the API costs ~25 ms to import, which `import 'avforge'` does
// not pay.
//
// The stage spans: a pipeline runs its stages (demux, decode, filter, encode, mux) at once, a
// thread each, and reports progress and a result with each stage's busy seconds (on the span as
// avforge.busy_seconds), not when each worked. So 'open' (opening and
// probing the inputs, planning) runs from the attempt's start to the pipeline's start, estimated
// from its first progress report (which comes one progress interval after it starts), and the
// other stages span the pipeline's run together, each with what the result says about it.
import { createRequire } from 'node:module';

import type { Context, Span, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { TranscodeResult } from '../pipeline/types.js';
import type { JobRecord } from './handle.js';
import { jobInput, type JobDescription } from './job.js';
import type { JobObserver } from './observer.js';

type OTel = typeof import('@opentelemetry/api');

const API_KEY = Symbol.for('opentelemetry.js.api.1');
let api: OTel | undefined;

/** The API, once an SDK has registered something on its global (else null: traces are off). */
function otel(): OTel | null {
  if (api) return api;
  const registered = (globalThis as Record<symbol, { trace?: unknown; propagation?: unknown } | undefined>)[API_KEY];
  if (!registered?.trace && !registered?.propagation) return null;
  api = createRequire(import.meta.url)('@opentelemetry/api') as OTel;
  return api;
}

const setter: TextMapSetter<Record<string, string>> = { set: (c, k, v) => void (c[k] = v) };
const getter: TextMapGetter<Record<string, string>> = { keys: (c) => Object.keys(c), get: (c, k) => c[k] };
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context's span as W3C headers: the registered propagator's, or traceparent written here when none is registered. */
function inject(o: OTel, ctx: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  o.propagation.inject(ctx, carrier, setter);
  const sc = o.trace.getSpanContext(ctx);
  if (carrier.traceparent === undefined && sc && o.trace.isSpanContextValid(sc))
    carrier.traceparent = `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  return carrier;
}

/** The remote parent in W3C headers, as a context over `base`. */
function extract(o: OTel, base: Context, carrier: Record<string, string>): Context {
  const ctx = o.propagation.extract(base, carrier, getter);
  if (o.trace.getSpanContext(ctx) !== o.trace.getSpanContext(base)) return ctx;
  const m = TRACEPARENT.exec(carrier.traceparent ?? '');
  if (!m) return ctx;
  return o.trace.setSpanContext(base, { traceId: m[1]!, spanId: m[2]!, traceFlags: Number.parseInt(m[3]!, 16), isRemote: true });
}

let parentCarrier: Record<string, string> | undefined;

/** Runs `submit` with the trace context in `carrier` (a BullMQ job's) as the parent of the job it submits. */
export function withTraceParent<T>(carrier: Record<string, string> | undefined, submit: () => T): T {
  parentCarrier = carrier;
  try {
    return submit();
  } finally {
    parentCarrier = undefined;
  }
}

/** A URL's password and query (tokens, signatures) left out of a span. */
function redact(input: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return input;
  try {
    const u = new URL(input);
    if (u.password) u.password = '***';
    if (u.search) u.search = '?…';
    return u.toString();
  } catch {
    return input;
  }
}

interface Traced {
  span: Span;
  context: Context;
  attemptStart: number;
  firstProgress: number | null;
}

const epoch = (t: number) => performance.timeOrigin + t;

/** The stages a job description's pipeline runs after 'open', with what the job says of each. */
function stagesOf(job: JobDescription): [string, Record<string, string | number>][] {
  if (job.type === 'probe') return [];
  if (job.type === 'remux') return [['mux', {}]];
  if (job.type === 'thumbnails')
    return [
      ['decode', {}],
      ['filter', {}],
      ['encode', { 'avforge.codec': job.options?.format ?? 'jpeg' }],
    ];
  const o = job.options ?? {};
  const codecs: Record<string, string> = {};
  for (const kind of ['video', 'audio'] as const) {
    const s = o[kind];
    if (s === false) continue;
    codecs[`avforge.${kind}.codec`] = s === 'copy' ? 'copy' : (s?.codec ?? 'default');
  }
  if (Object.values(codecs).every((c) => c === 'copy')) return [['mux', {}]];
  return [
    ['decode', {}],
    ['filter', {}],
    ['encode', codecs],
    ['mux', o.format ? { 'avforge.output.format': o.format } : {}],
  ];
}

/** What a result says, as span attributes. */
function resultAttributes(value: unknown): Record<string, number | boolean | string[]> {
  if (Array.isArray(value)) return { 'avforge.thumbnails': value.length };
  const r = value as Partial<TranscodeResult> & { streams?: { codec_name?: string }[] };
  if (!r || typeof r !== 'object') return {};
  if (Array.isArray(r.streams)) return { 'avforge.input.codecs': r.streams.map((s) => s.codec_name ?? 'unknown') };
  const a: Record<string, number | boolean> = {};
  if (typeof r.bytes === 'number') a['avforge.output.bytes'] = r.bytes;
  if (Array.isArray(r.frames)) a['avforge.frames'] = r.frames.reduce((x, y) => x + y, 0);
  if (typeof r.speed === 'number') a['avforge.speed'] = r.speed;
  if (typeof r.duration === 'number') a['avforge.output.duration_s'] = r.duration;
  if (typeof r.damaged === 'number') a['avforge.damaged'] = r.damaged;
  if (r.stopped) a['avforge.stopped'] = true;
  return a;
}

/** The engine's tracer: spans for its jobs while an SDK is registered. `producer`: jobs leave this process (BullMQ). */
export function jobTracer(producer: boolean): JobObserver {
  const traced = new Map<JobRecord, Traced>();

  /** The attempt's stage spans, ended now. */
  const stages = (o: OTel, r: JobRecord, t: Traced, error: Error | null, result: unknown) => {
    if (typeof r.job === 'function') return;
    const tracer = o.trace.getTracer('avforge');
    const end = performance.now();
    const interval = (r.job.options as { progressInterval?: number } | undefined)?.progressInterval ?? 500;
    const running = t.firstProgress === null ? t.attemptStart : Math.min(end, Math.max(t.attemptStart, t.firstProgress - interval));
    const list: [string, Record<string, string | number>, number][] = [
      ['open', { 'avforge.input': jobInput(r.job) === null ? '<stream>' : redact(jobInput(r.job)!) }, t.attemptStart],
      ...stagesOf(r.job).map(([name, attrs]) => [name, attrs, running] as [string, Record<string, string | number>, number]),
    ];
    const res = result as Partial<TranscodeResult> | null;
    for (const [i, [name, attrs, start]] of list.entries()) {
      const stop = i === 0 && list.length > 1 ? running : end;
      const span = tracer.startSpan(`avforge.${name}`, { startTime: epoch(start), attributes: { 'avforge.attempt': r.attempt, ...attrs } }, t.context);
      if (name === 'encode' && Array.isArray(res?.frames))
        span.setAttribute(
          'avforge.frames',
          res.frames.reduce((x, y) => x + y, 0),
        );
      if (name === 'mux' && typeof res?.bytes === 'number') span.setAttribute('avforge.output.bytes', res.bytes);
      if (name === 'decode' && typeof res?.damaged === 'number') span.setAttribute('avforge.damaged', res.damaged);
      const busy = res?.busy?.[name as keyof NonNullable<TranscodeResult['busy']>];
      if (typeof busy === 'number') span.setAttribute('avforge.busy_seconds', busy);
      if (error && i === list.length - 1) span.setStatus({ code: o.SpanStatusCode.ERROR, message: error.message });
      span.end(epoch(stop));
    }
  };

  return {
    submitted(r) {
      const o = otel();
      if (!o) return;
      let parent = o.context.active();
      if (parentCarrier) parent = extract(o, parent, parentCarrier);
      const remote = o.trace.getSpanContext(parent)?.isRemote === true;
      const kind = producer ? o.SpanKind.PRODUCER : remote ? o.SpanKind.CONSUMER : o.SpanKind.INTERNAL;
      const input = jobInput(r.job);
      const output = typeof r.job !== 'function' && 'output' in r.job && typeof r.job.output === 'string' ? r.job.output : null;
      const span = o.trace.getTracer('avforge').startSpan(
        `avforge.${r.handle.type}`,
        {
          kind,
          startTime: epoch(performance.now()),
          attributes: {
            'avforge.job.id': r.id,
            'avforge.job.type': r.handle.type,
            'avforge.job.priority': r.settings.priority,
            ...(r.settings.key ? { 'avforge.job.key': r.settings.key } : {}),
            ...(input !== null ? { 'avforge.input': redact(input) } : {}),
            ...(output !== null ? { 'avforge.output': redact(output) } : {}),
          },
        },
        parent,
      );
      const context = o.trace.setSpan(parent, span);
      traced.set(r, { span, context, attemptStart: 0, firstProgress: null });
      if (producer) r.trace = inject(o, context);
    },
    started(r, waitedMs) {
      const t = traced.get(r);
      if (!t) return;
      t.attemptStart = performance.now();
      t.firstProgress = null;
      t.span.addEvent('started', { 'avforge.attempt': r.attempt, ...(waitedMs !== null ? { 'avforge.wait_ms': waitedMs } : {}) });
    },
    progress(r) {
      const t = traced.get(r);
      if (t && t.firstProgress === null) t.firstProgress = performance.now();
    },
    retried(r, error) {
      const t = traced.get(r);
      if (!t || !api) return;
      if (!producer) stages(api, r, t, error, null);
      t.span.addEvent('retry', { 'avforge.attempt': r.attempt, 'error.type': errorType(error), 'error.message': error.message });
    },
    settled(r, outcome, value) {
      const t = traced.get(r);
      if (!t || !api) return;
      traced.delete(r);
      const ran = t.attemptStart > 0;
      if (ran && !producer) stages(api, r, t, outcome === 'failed' ? (value as Error) : null, outcome === 'completed' ? value : null);
      t.span.setAttribute('avforge.job.outcome', outcome);
      t.span.setAttribute('avforge.job.attempts', r.attempt);
      if (outcome === 'completed') t.span.setAttributes(resultAttributes(value));
      else if (outcome === 'failed') {
        const e = value as Error;
        t.span.recordException(e);
        t.span.setAttribute('error.type', errorType(e));
        t.span.setStatus({ code: api.SpanStatusCode.ERROR, message: e.message });
      }
      t.span.end(epoch(performance.now()));
    },
  };
}

function errorType(e: Error): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : e.name;
}
