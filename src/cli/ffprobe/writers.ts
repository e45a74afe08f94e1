// ffprobe's output writers (-of default|compact|csv|flat|json, with their options), byte for
// byte: what each prints around a section, for an integer and for a string, and how it escapes.
import type { FFprobeValue } from '../../index.js';
import { UsageError } from '../argv.js';
import type { Section } from './sections.js';

/** The state every writer keeps per nesting level (ffprobe's WriterContext). */
abstract class Writer {
  /** Whether packets and frames shown together go in one list (packets_and_frames). */
  readonly packetsAndFramesTogether: boolean = false;
  protected out = '';
  protected level = -1;
  protected sections: Section[] = [];
  /** Items printed at each level (entries and closed child sections). */
  protected items: number[] = [];
  /** Each level's key prefix (ffprobe's section_pbuf). */
  protected prefix: string[] = [];
  /** Whether the writer prints absent values ('N/A'); the JSON writer leaves them out. */
  protected abstract readonly printsAbsent: boolean;

  protected get section(): Section {
    return this.sections[this.level]!;
  }
  protected get parent(): Section | undefined {
    return this.level > 0 ? this.sections[this.level - 1] : undefined;
  }

  /** In packets_and_frames: the packets and the frames so far, and the index of the one open. */
  #packetsAndFrames = { packet: 0, frame: 0 };
  protected indexInPacketsAndFrames = 0;
  /** The type of the section being opened (see open()). */
  protected type = '';

  /** `type`: a side data entry's type (its side_data_type). */
  open(section: Section, type?: string): void {
    this.level++;
    this.sections[this.level] = section;
    this.type = type ?? '';
    this.items[this.level] = 0;
    this.prefix[this.level] = '';
    if (section.id === 'packets_and_frames') this.#packetsAndFrames = { packet: 0, frame: 0 };
    else if (this.parent?.id === 'packets_and_frames') this.indexInPacketsAndFrames = this.#packetsAndFrames[section.id === 'packet' ? 'packet' : 'frame'];
    this.header();
  }

  close(): void {
    if (this.level > 0) this.items[this.level - 1]!++;
    if (this.parent?.id === 'packets_and_frames') this.#packetsAndFrames[this.section.id === 'packet' ? 'packet' : 'frame']++;
    this.footer();
    this.level--;
  }

  /** One entry, if the section shows its key. */
  print(key: string, value: FFprobeValue): void {
    const s = this.section;
    if (!s.showAll && !s.entries.has(key)) return;
    if (typeof value === 'object') {
      if (!this.printsAbsent) return;
      this.str(key, value.absent);
    } else if (typeof value === 'number') this.int(key, value);
    else this.str(key, value);
    this.items[this.level]!++;
  }

  /** What was written since the last take(). */
  take(): string {
    const text = this.out;
    this.out = '';
    return text;
  }

  /** Characters written and not taken yet. */
  get size(): number {
    return this.out.length;
  }

  protected abstract header(): void;
  protected abstract footer(): void;
  protected abstract int(key: string, value: number): void;
  protected abstract str(key: string, value: string): void;
}

const boxed = (s: Section) => s.wrapper === true || s.array === true;

class DefaultWriter extends Writer {
  protected readonly printsAbsent = true;
  #nested: boolean[] = [];
  constructor(
    private readonly noWrappers: boolean,
    private readonly noKey: boolean,
  ) {
    super();
  }
  protected header(): void {
    const parent = this.parent;
    this.#nested[this.level] = parent !== undefined && !boxed(parent);
    if (this.#nested[this.level]) this.prefix[this.level] = `${this.prefix[this.level - 1]}${(this.section.element ?? this.section.name).toUpperCase()}:`;
    if (this.noWrappers || this.#nested[this.level]) return;
    if (!boxed(this.section)) this.out += `[${this.section.name.toUpperCase()}]\n`;
  }
  protected footer(): void {
    if (this.noWrappers || this.#nested[this.level]) return;
    if (!boxed(this.section)) this.out += `[/${this.section.name.toUpperCase()}]\n`;
  }
  protected int(key: string, value: number): void {
    this.str(key, String(value));
  }
  protected str(key: string, value: string): void {
    if (!this.noKey) this.out += `${this.prefix[this.level]}${key}=`;
    this.out += `${value}\n`;
  }
}

type Escape = (value: string, sep: string) => string;

const escapeC: Escape = (value, sep) => {
  let s = '';
  for (const ch of value) {
    if (ch === '\b') s += '\\b';
    else if (ch === '\f') s += '\\f';
    else if (ch === '\n') s += '\\n';
    else if (ch === '\r') s += '\\r';
    else if (ch === '\\') s += '\\\\';
    else s += ch === sep ? `\\${ch}` : ch;
  }
  return s;
};

const escapeCsv: Escape = (value, sep) => {
  const quote = [sep, '"', '\n', '\r'].some((c) => value.includes(c));
  const body = value.replaceAll('"', '""');
  return quote ? `"${body}"` : body;
};

class CompactWriter extends Writer {
  protected readonly printsAbsent = true;
  #nested: boolean[] = [];
  #terminate: boolean[] = [];
  #hasNested: boolean[] = [];
  constructor(
    private readonly sep: string,
    private readonly noKey: boolean,
    private readonly escapeValue: Escape,
    private readonly printSection: boolean,
    /** FFmpeg 7 and newer: side data entries continue their owner's line, named by type. */
    private readonly typedSideData: boolean,
  ) {
    super();
  }
  protected header(): void {
    const section = this.section;
    const parent = this.parent;
    this.#terminate[this.level] = true;
    this.#hasNested[this.level] = false;
    this.#nested[this.level] = false;
    const typed = this.typedSideData && section.typed === true;
    if (parent && (typed || (!section.array && !boxed(parent)))) {
      this.#nested[this.level] = true;
      this.#hasNested[this.level - 1] = true;
      const type = typed ? `/${this.type.replace(/[^0-9A-Za-z]/g, '_').toLowerCase()}` : '';
      this.prefix[this.level] = `${this.prefix[this.level - 1]}${section.element ?? section.name}${type}:`;
      this.items[this.level] = this.items[this.level - 1]!;
      return;
    }
    // FFmpeg 5: an array after nested sections ends its owner's line itself.
    if (!this.typedSideData && parent && this.#hasNested[this.level - 1] && section.array) this.#terminate[this.level - 1] = false;
    if (parent && !boxed(parent) && this.items[this.level - 1]) this.out += this.sep;
    if (this.printSection && !boxed(section)) this.out += `${section.name}${this.sep}`;
  }
  protected footer(): void {
    if (!this.#nested[this.level] && this.#terminate[this.level] && !boxed(this.section)) this.out += '\n';
  }
  protected int(key: string, value: number): void {
    this.item(key, String(value));
  }
  protected str(key: string, value: string): void {
    this.item(key, this.escapeValue(value, this.sep));
  }
  private item(key: string, text: string): void {
    if (this.items[this.level]) this.out += this.sep;
    if (!this.noKey) this.out += `${this.prefix[this.level]}${key}=`;
    this.out += text;
  }
}

class FlatWriter extends Writer {
  protected readonly printsAbsent = true;
  override readonly packetsAndFramesTogether = true;
  constructor(
    private readonly sep: string,
    private readonly hierarchical: boolean,
  ) {
    super();
  }
  protected header(): void {
    const parent = this.parent;
    if (!parent) return;
    let p = this.prefix[this.level - 1]!;
    if (this.hierarchical || !boxed(this.section)) {
      p += `${this.section.name}${this.sep}`;
      if (parent.array) p += `${parent.id === 'packets_and_frames' ? this.indexInPacketsAndFrames : this.items[this.level - 1]}${this.sep}`;
    }
    this.prefix[this.level] = p;
  }
  protected footer(): void {}
  protected int(key: string, value: number): void {
    this.out += `${this.prefix[this.level]}${key}=${value}\n`;
  }
  protected str(key: string, value: string): void {
    const k = key.replace(/[^0-9A-Za-z]/g, '_');
    const v = value.replace(/["`$\\\n\r]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
    this.out += `${this.prefix[this.level]}${k}="${v}"\n`;
  }
}

const JSON_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function jsonString(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ffprobe escapes exactly these
  return s.replace(/["\\\u0000-\u001f]/g, (c) => JSON_ESCAPES[c] ?? `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

class JsonWriter extends Writer {
  protected readonly printsAbsent = false;
  override readonly packetsAndFramesTogether = true;
  #indent = 0;
  constructor(private readonly compact: boolean) {
    super();
  }
  private get itemSep() {
    return this.compact ? ', ' : ',\n';
  }
  private get startEnd() {
    return this.compact ? ' ' : '\n';
  }
  /** ffprobe's JSON_INDENT: printf("%*c", indent * 4, ' '), so never less than one space. */
  private indent(): void {
    this.out += ' '.repeat(Math.max(1, this.#indent * 4));
  }
  protected header(): void {
    const section = this.section;
    const parent = this.parent;
    if (this.level > 0 && this.items[this.level - 1]) this.out += ',\n';
    if (section.wrapper) {
      this.out += '{\n';
      this.#indent++;
      return;
    }
    this.indent();
    this.#indent++;
    const name = jsonString(section.name);
    if (section.array) this.out += `"${name}": [\n`;
    else if (parent && !parent.array) this.out += `"${name}": {${this.startEnd}`;
    else {
      this.out += `{${this.startEnd}`;
      // What tells a packet from a frame in the one list.
      if (parent?.id === 'packets_and_frames') {
        if (!this.compact) this.indent();
        this.out += `"type": "${name}"`;
        this.items[this.level]!++;
      }
    }
  }
  protected footer(): void {
    if (this.level === 0) {
      this.#indent--;
      this.out += '\n}\n';
    } else if (this.section.array) {
      this.out += '\n';
      this.#indent--;
      this.indent();
      this.out += ']';
    } else {
      this.out += this.startEnd;
      this.#indent--;
      if (!this.compact) this.indent();
      this.out += '}';
    }
  }
  private key(key: string): void {
    if (this.items[this.level]) this.out += this.itemSep;
    if (!this.compact) this.indent();
    this.out += `"${jsonString(key)}": `;
  }
  protected int(key: string, value: number): void {
    this.key(key);
    this.out += String(value);
  }
  protected str(key: string, value: string): void {
    this.key(key);
    this.out += `"${jsonString(value)}"`;
  }
}

export type { Writer };

/**
 * The writer `-of SPEC` names: NAME[=OPT=VALUE[:OPT=VALUE]...]. `typedSideData`: the linked
 * ffprobe's compact writer names side data by type (ffprobeTypedSideData()).
 */
export function writerFor(spec: string, typedSideData: boolean): Writer {
  const eq = spec.indexOf('=');
  const name = eq < 0 ? spec : spec.slice(0, eq);
  const options = new Map<string, string>();
  if (eq >= 0)
    for (const pair of spec.slice(eq + 1).split(':')) {
      if (!pair) continue;
      const i = pair.indexOf('=');
      if (i < 0) throw new UsageError(`-of ${spec}: '${pair}' is no OPTION=VALUE`);
      options.set(pair.slice(0, i), pair.slice(i + 1));
    }
  const known = new Set<string>();
  const text = (long: string, short: string | undefined, fallback: string) => {
    known.add(long).add(short ?? long);
    return options.get(long) ?? (short ? options.get(short) : undefined) ?? fallback;
  };
  const flag = (long: string, short: string | undefined, fallback: boolean) => {
    const v = text(long, short, fallback ? '1' : '0');
    if (/^(1|true|yes|y)$/i.test(v)) return true;
    if (/^(0|false|no|n)$/i.test(v)) return false;
    throw new UsageError(`-of ${spec}: ${long} takes 0 or 1 (got '${v}')`);
  };
  const char = (long: string, short: string, fallback: string) => {
    const v = text(long, short, fallback);
    if (v.length !== 1) throw new UsageError(`-of ${spec}: ${long} takes one character (got '${v}')`);
    return v;
  };
  let writer: Writer;
  if (name === 'default') writer = new DefaultWriter(flag('noprint_wrappers', 'nw', false), flag('nokey', 'nk', false));
  else if (name === 'compact' || name === 'csv') {
    const csv = name === 'csv';
    const sep = char('item_sep', 's', csv ? ',' : '|');
    const noKey = flag('nokey', 'nk', csv);
    const mode = text('escape', 'e', csv ? 'csv' : 'c');
    const escaper: Escape | undefined = mode === 'csv' ? escapeCsv : mode === 'c' ? escapeC : mode === 'none' ? (v) => v : undefined;
    if (!escaper) throw new UsageError(`-of ${spec}: escape is c, csv or none (got '${mode}')`);
    writer = new CompactWriter(sep, noKey, escaper, flag('print_section', 'p', true), typedSideData);
  } else if (name === 'flat') writer = new FlatWriter(char('sep_char', 's', '.'), flag('hierarchical', 'h', true));
  else if (name === 'json') writer = new JsonWriter(flag('compact', 'c', false));
  else throw new UsageError(`-of: unknown writer '${name}' (default, compact, csv, flat, json)`);
  for (const k of options.keys()) if (!known.has(k)) throw new UsageError(`-of ${spec}: ${name} has no option '${k}'`);
  return writer;
}
