// The one way options are checked: a rule per field, built from the few predicates below, that
// both validates a value (throwing the invalidArgument TypeError) and describes it as JSON Schema
// (draft 2020-12). transcode(), remux(), thumbnails(), probe(), Engine.submit and the BullMQ
// worker all check with these rules, so a bad option reads the same wherever it is refused.
import { availableParallelism } from 'node:os';

import { invalidArgument, is } from '../errors.js';

/** Where options are checked: the same rules, with what the caller cannot send refused. */
export interface Context {
  /** An Engine job: the options the engine sets itself (signal, onProgress...) are refused. */
  engine: boolean;
  /** The job may run on another machine: only data that survives JSON (no functions or streams). */
  portable: boolean;
}

/** The direct call: transcode(), remux(), thumbnails(), probe(). */
export const DIRECT: Context = { engine: false, portable: false };

export type JsonSchema = { [key: string]: unknown };

/** Named object schemas collected while a JSON Schema is written (its `$defs`). */
export type JsonDefs = Record<string, JsonSchema>;

export interface Rule {
  /** What the value must be, for the message ('an integer > 0'). */
  readonly expected: string;
  /** Whether the value has this rule's shape (chooses the branch of a union). */
  matches(value: unknown): boolean;
  /** Throws the TypeError for the first problem in `value`, named by `path`. */
  check(value: unknown, path: string, ctx: Context): void;
  /** The value's JSON Schema; null when it cannot leave the process (a function, a stream). */
  json(defs: JsonDefs): JsonSchema | null;
}

/** One rule per field of T: the compiler refuses a schema that forgets one. */
export type Fields<T> = { readonly [K in keyof T]-?: Rule };

/**
 * libav reads a string up to its first NUL, so one inside ('x.mp4\0/etc/passwd') would silently
 * stand for its prefix: refused, as Node's fs refuses such paths (the addon refuses the strings
 * that reach it without a rule the same way).
 */
export function refuseNul(v: unknown, path: string): void {
  if (typeof v === 'string' && v.includes('\0')) throw invalidArgument(path, 'a string without NUL characters', v);
}

/** A rule that tests the value itself (no fields inside it). */
export function leaf(expected: string, test: (v: unknown) => boolean, json: JsonSchema | null): Rule {
  return {
    expected,
    matches: test,
    check(v, path) {
      refuseNul(v, path);
      if (!test(v)) throw invalidArgument(path, expected, v);
    },
    json: () => (json === null ? null : noNul({ ...json })),
  };
}

/** A string schema says what refuseNul does (a pattern of its own, when it has one, is left as it is). */
const NO_NUL = '^[^\\u0000]*$';
function noNul(json: JsonSchema): JsonSchema {
  const types = Array.isArray(json.type) ? json.type : [json.type];
  return types.includes('string') && json.pattern === undefined ? { ...json, pattern: NO_NUL } : json;
}

// The predicates, once.
export const boolean = leaf('a boolean', is.boolean, { type: 'boolean' });
export const number = leaf('a number', is.number, { type: 'number' });
export const integer = leaf('an integer', is.integer, { type: 'integer' });
export const string = leaf('a string', is.string, { type: 'string' });
export const nonEmptyString = (expected: string) => leaf(expected, is.nonEmptyString, { type: 'string', minLength: 1 });
export const positiveInt = (expected = 'an integer > 0') => leaf(expected, is.positiveInt, { type: 'integer', minimum: 1 });
export const nonNegativeInt = (expected = 'an integer >= 0') => leaf(expected, is.nonNegativeInt, { type: 'integer', minimum: 0 });
export const positive = (expected: string) => leaf(expected, (v) => is.number(v) && v > 0, { type: 'number', exclusiveMinimum: 0 });
export const nonNegative = (expected: string) => leaf(expected, (v) => is.number(v) && v >= 0, { type: 'number', minimum: 0 });
export const func = leaf('a function', (v) => typeof v === 'function', null);

/** An integer in [min, max], said so in the message; the JSON Schema says the same. */
export const intRange = (min: number, max: number, unit = '') =>
  leaf(`an integer${unit} from ${min} to ${max}`, (v) => is.integer(v) && (v as number) >= min && (v as number) <= max, {
    type: 'integer',
    minimum: min,
    maximum: max,
  });

/**
 * Bounds on arguments that size what the native side allocates, so that a typo or a hostile
 * job cannot take the machine: a thread count up to 4 per core (as the addon's own pool, at
 * least 16) and never past THREADS_CAP; pictures up to 32768 pixels a side; sample rates,
 * channels and buffered bytes within what FFmpeg handles.
 */
export const THREADS_CAP = 256;
export const MAX_THREADS = Math.min(THREADS_CAP, Math.max(16, 4 * availableParallelism()));
/** A thread count: 0 (FFmpeg's choice) or more, when min is 0; at most MAX_THREADS. */
export const threadCount = (min: 0 | 1 = 0) => {
  const rule = intRange(min, MAX_THREADS);
  // the schema is the same on every machine: a producer's may not be the worker's
  return { ...rule, json: () => ({ type: 'integer', minimum: min, maximum: THREADS_CAP }) } satisfies Rule;
};
export const MAX_PICTURE_SIDE = 32768;
export const pictureSide = intRange(1, MAX_PICTURE_SIDE, ' number of pixels');
export const MAX_BUFFERED_BYTES = 2 ** 30;
export const bufferedBytes = intRange(1, MAX_BUFFERED_BYTES, ' number of bytes');

/** One of a few literal values: oneOf('graceful', 'abort'). */
export function literal(expected: string, ...values: readonly (string | number | boolean)[]): Rule {
  return leaf(expected, (v) => values.includes(v as string), values.length === 1 ? { const: values[0] } : { enum: [...values] });
}

/** A string matching `pattern`. */
export function pattern(expected: string, re: RegExp): Rule {
  return leaf(expected, (v) => is.string(v) && re.test(v), { type: 'string', pattern: re.source });
}

/** The first rule whose shape the value has checks it; none: the union's message. */
export function union(expected: string, ...rules: Rule[]): Rule {
  return {
    expected,
    matches: (v) => rules.some((r) => r.matches(v)),
    check(v, path, ctx) {
      const rule = rules.find((r) => r.matches(v));
      if (!rule) throw invalidArgument(path, expected, v);
      rule.check(v, path, ctx);
    },
    json(defs) {
      const each = rules.map((r) => r.json(defs)).filter((j): j is JsonSchema => j !== null);
      if (each.length === 0) return null;
      return each.length === 1 ? each[0]! : { anyOf: each };
    },
  };
}

export function arrayOf(expected: string, item: Rule, o: { minItems?: number; maxItems?: number } = {}): Rule {
  const min = o.minItems ?? 0;
  const max = o.maxItems ?? Infinity;
  return {
    expected,
    matches: (v) => Array.isArray(v),
    check(v, path, ctx) {
      if (!Array.isArray(v) || v.length < min || v.length > max) throw invalidArgument(path, expected, v);
      v.forEach((x, i) => item.check(x, `${path}[${i}]`, ctx));
    },
    json: (defs) => ({ type: 'array', items: item.json(defs) ?? false, ...(min ? { minItems: min } : {}), ...(max < Infinity ? { maxItems: max } : {}) }),
  };
}

/** An object of free keys (matching `keys`, when given) whose values all pass `value`. */
export function recordOf(expected: string, value: Rule, keys?: RegExp): Rule {
  return {
    expected,
    matches: is.object,
    check(v, path, ctx) {
      if (!is.object(v)) throw invalidArgument(path, expected, v);
      for (const [k, x] of Object.entries(v)) {
        refuseNul(k, `a key of ${path}`);
        if (keys && !keys.test(k)) throw invalidArgument(`${path}.${k}`, `a key matching ${keys.source} in ${expected}`, x);
        if (x !== undefined) value.check(x, `${path}.${k}`, ctx);
      }
    },
    json: (defs) => ({ type: 'object', propertyNames: { pattern: keys ? keys.source : NO_NUL }, additionalProperties: value.json(defs) ?? false }),
  };
}

/** A value that cannot be sent to another machine (a function, a stream): refused in a portable job. */
export function inProcess(rule: Rule, refusal: string): Rule {
  return {
    ...rule,
    check(v, path, ctx) {
      if (ctx.portable) throw invalidArgument(path, refusal, v);
      rule.check(v, path, ctx);
    },
    json: () => null,
  };
}

/** An option the engine sets on each run itself: refused in an Engine job's options, with where it goes instead. */
export function callOnly(rule: Rule, refusal: string): Rule {
  return {
    ...rule,
    check(v, path, ctx) {
      if (ctx.engine) throw invalidArgument(path, refusal, v);
      rule.check(v, path, ctx);
    },
    json: () => null,
  };
}

export interface ObjectRule<T> extends Rule {
  readonly fields: Fields<T>;
}

/**
 * An object with exactly these fields (undefined ones are skipped). An unknown key is refused
 * with the known ones, or the closest of them when it looks like a typo.
 */
export function objectOf<T>(
  fields: Fields<T>,
  o: {
    expected?: string;
    /** Written once into the JSON Schema's $defs under this name, and referred to. */
    name?: string;
    noun?: 'option' | 'field';
    required?: readonly (keyof T & string)[];
    matches?: (v: unknown) => boolean;
    /** Old names, suggested as their new ones ({ fps: 'frameRate' }). */
    renamed?: Readonly<Record<string, keyof T & string>>;
  } = {},
): ObjectRule<T> {
  const expected = o.expected ?? 'an object';
  const table = fields as Record<string, Rule>;
  const known = Object.keys(table);
  const required = o.required ?? [];
  return {
    expected,
    fields,
    matches: o.matches ?? is.object,
    check(v, path, ctx) {
      if (!is.object(v)) throw invalidArgument(path, expected, v);
      const at = (k: string) => (path ? `${path}.${k}` : k);
      for (const [k, x] of Object.entries(v)) {
        const rule = Object.hasOwn(table, k) ? table[k] : undefined;
        if (!rule) throw unknownKey(at(k), k, known, x, o.noun ?? 'option', o.renamed?.[k]);
        if (x !== undefined) rule.check(x, at(k), ctx);
      }
      for (const k of required) if (v[k] === undefined) table[k]!.check(undefined, at(k), ctx);
    },
    json(defs) {
      const properties: Record<string, JsonSchema> = {};
      for (const k of known) {
        const j = table[k]!.json(defs);
        if (j !== null) properties[k] = { description: table[k]!.expected, ...j };
      }
      const schema: JsonSchema = { type: 'object', properties, additionalProperties: false, ...(required.length ? { required: [...required] } : {}) };
      if (!o.name) return schema;
      defs[o.name] ??= schema;
      return { $ref: `#/$defs/${o.name}` };
    },
  };
}

/** The refusal of an unknown key: the closest known one when it looks like a typo, else all of them. */
export function unknownKey(
  path: string,
  key: string,
  known: readonly string[],
  value: unknown,
  noun: 'option' | 'field' = 'option',
  renamed?: string,
): TypeError {
  const close = renamed ?? closest(key, known);
  return invalidArgument(path, close ? `a known ${noun} (did you mean '${close}'?)` : `a known ${noun} (${known.join(', ')})`, value);
}

/**
 * The known name a typo most likely meant, else null: within an edit (short names) or two, a
 * third when they share their first three letters ('retry' -> 'retries'), or a name it begins
 * ('gop' -> 'gopSize').
 */
export function closest(key: string, known: readonly string[]): string | null {
  const k = key.toLowerCase();
  let best: string | null = null;
  let bestScore = Infinity;
  for (const name of known) {
    const n = name.toLowerCase();
    const d = n === k ? 0 : k.length >= 3 && n.startsWith(k) ? 0.5 : editDistance(k, n);
    const limit = (k.length <= 4 ? 1 : 2) + (k.slice(0, 3) === n.slice(0, 3) ? 1 : 0);
    if (d <= limit && d < bestScore) [best, bestScore] = [name, d];
  }
  return best;
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b: the optimal string alignment distance. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
