// ffmpeg's stream specifiers (`v`, `a:1`, `V`, `3`, `m:language:eng`, `#0x101`, `u`), parsed once
// and matched against a file's streams: the one home for what `-map 0:a:1?`, `-c:v:0` and
// `-metadata:s:a:0` select.
import { UsageError } from '../argv.js';

/** What a specifier needs to know of a stream. */
export interface SpecStream {
  type: string;
  /** Its index in its file. */
  index: number;
  id?: number;
  tags?: Readonly<Record<string, string>>;
  attachedPic?: boolean;
  /** Whether its codec parameters are known (the `u` specifier). */
  usable?: boolean;
}

export interface StreamSpecifier {
  /** 'video'... or undefined: any type. */
  type?: string;
  /** `V`: video that is not an attached picture. */
  noPictures?: boolean;
  /** The n-th of the streams the rest selects. */
  nth?: number;
  tag?: { key: string; value?: string };
  id?: number;
  usable?: boolean;
  /** The specifier as written. */
  text: string;
}

const TYPES: Record<string, string> = { v: 'video', V: 'video', a: 'audio', s: 'subtitle', d: 'data', t: 'attachment' };

/** 'a:1' -> { type: 'audio', nth: 1 }. An empty specifier selects every stream. */
export function parseStreamSpecifier(text: string, where: string): StreamSpecifier {
  const spec: StreamSpecifier = { text };
  const parts = text === '' ? [] : text.split(':');
  const bad = (why: string) => new UsageError(`${where}: '${text}' is not a stream specifier (${why})`);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const last = i === parts.length - 1;
    if (/^\d+$/.test(p)) {
      if (!last) throw bad('a stream number comes last');
      spec.nth = Number(p);
    } else if (TYPES[p] !== undefined && spec.type === undefined && spec.tag === undefined) {
      spec.type = TYPES[p];
      if (p === 'V') spec.noPictures = true;
    } else if (p === 'm') {
      const key = parts[i + 1];
      if (!key) throw bad('m: needs a key, as in m:language or m:language:eng');
      spec.tag = { key, value: parts.slice(i + 2).join(':') || undefined };
      break;
    } else if (p.startsWith('#') || p === 'i') {
      const id = p === 'i' ? parts[++i] : p.slice(1);
      if (!id || !/^(0x[\da-f]+|\d+)$/i.test(id)) throw bad('a stream id is a number: #257 or #0x101');
      spec.id = Number(id);
      if (i !== parts.length - 1) throw bad('a stream id comes last');
    } else if (p === 'u') spec.usable = true;
    else if (p === 'p') throw bad('program specifiers (p:ID) are not supported');
    else throw bad(`'${p}' is neither a stream type (v, V, a, s, d, t), a number, m:KEY, #ID nor u`);
  }
  return spec;
}

/** The streams of `streams` that `spec` selects, in their order. */
export function selectBySpecifier<S extends SpecStream>(spec: StreamSpecifier, streams: readonly S[]): S[] {
  const matching = streams.filter(
    (s) =>
      (spec.type === undefined || s.type === spec.type) &&
      !(spec.noPictures && s.attachedPic) &&
      (spec.id === undefined || s.id === spec.id) &&
      (spec.usable === undefined || s.usable !== false) &&
      (spec.tag === undefined || (s.tags?.[spec.tag.key] !== undefined && (spec.tag.value === undefined || s.tags[spec.tag.key] === spec.tag.value))),
  );
  if (spec.nth === undefined) return matching;
  const one = matching[spec.nth];
  return one ? [one] : [];
}

/** Whether `spec` selects `stream` among `streams` (per-stream options: -c:a:1 on output stream 3). */
export function specifierMatches(spec: StreamSpecifier, stream: SpecStream, streams: readonly SpecStream[]): boolean {
  return selectBySpecifier(spec, streams).includes(stream);
}

export interface MapArgument {
  /** `-map -0:s`: removes what earlier maps added. */
  negative: boolean;
  /** `-map 0:a?`: nothing selected is not an error. */
  optional: boolean;
  /** `-map '[out]'`: a -filter_complex output. */
  label?: string;
  input?: number;
  spec?: StreamSpecifier;
}

/** '-0:s', '1:a:0?', '[v]', '0' -> what a -map argument says. */
export function parseMapArgument(text: string): MapArgument {
  const label = /^\[([^\]]+)\]$/.exec(text);
  if (label) return { negative: false, optional: false, label: label[1]! };
  let rest = text;
  const negative = rest.startsWith('-');
  if (negative) rest = rest.slice(1);
  const optional = rest.endsWith('?');
  if (optional) rest = rest.slice(0, -1);
  const m = /^(\d+)(?::(.*))?$/.exec(rest);
  if (!m) throw new UsageError(`-map: '${text}' names no input (0, 0:v, 1:a:0?, -0:s, [label])`);
  return { negative, optional, input: Number(m[1]), spec: parseStreamSpecifier(m[2] ?? '', `-map ${text}`) };
}
