// fluent-ffmpeg's filter specs ({ filter, options, inputs, outputs } or a string) as ffmpeg
// filter strings, and its size/aspect/padding options as scale and pad filters.

/** A filter as fluent-ffmpeg takes it: a string ('scale=320:240') or its parts. */
export interface FilterSpec {
  filter: string;
  options?: string | number | (string | number)[] | Record<string, string | number>;
  inputs?: string | string[];
  outputs?: string | string[];
}

/** '0:v', '[0:v]' -> '[0:v]'. */
export const bracketed = (spec: string): string => spec.replace(/^\[?(.*?)\]?$/, '[$1]');

// a value with a comma would end the filter: quoted
const quoted = (v: string | number) => (typeof v === 'string' && v.includes(',') ? `'${v}'` : String(v));

function pads(p: string | string[] | undefined): string {
  if (Array.isArray(p)) return p.map(bracketed).join('');
  return typeof p === 'string' ? bracketed(p) : '';
}

export function filterStrings(specs: readonly (string | FilterSpec)[]): string[] {
  return specs.map((f) => {
    if (typeof f === 'string') return f;
    let text = pads(f.inputs) + f.filter;
    const o = f.options;
    if (typeof o === 'string' || typeof o === 'number') {
      if (o !== '' && o !== 0) text += `=${o}`;
    } else if (Array.isArray(o)) text += `=${o.map(quoted).join(':')}`;
    else if (o && Object.keys(o).length)
      text += `=${Object.entries(o)
        .map(([k, v]) => `${k}=${quoted(v)}`)
        .join(':')}`;
    return text + pads(f.outputs);
  });
}

/** What size(), aspect() and autopad() set on an output. */
export interface SizeData {
  size?: string;
  aspect?: number;
  pad?: string | false;
}

const even = (n: number) => Math.round(n / 2) * 2;

function scalePad(w: number, h: number, aspect: number, color: string): FilterSpec[] {
  return [
    { filter: 'scale', options: { w: `if(gt(a,${aspect}),${w},trunc(${h}*a/2)*2)`, h: `if(lt(a,${aspect}),${h},trunc(${w}/a/2)*2)` } },
    { filter: 'pad', options: { w, h, x: `if(gt(a,${aspect}),0,(${w}-iw)/2)`, y: `if(lt(a,${aspect}),0,(${h}-ih)/2)`, color } },
  ];
}

/** The scale (and pad) filters for an output's size settings; none until a size is set. */
export function sizeFilters(d: SizeData): FilterSpec[] {
  if (d.size === undefined) return [];
  const fixed = /([0-9]+)x([0-9]+)/.exec(d.size);
  const fixedW = /([0-9]+)x\?/.exec(d.size);
  const fixedH = /\?x([0-9]+)/.exec(d.size);
  const percent = /\b([0-9]{1,3})%/.exec(d.size);
  if (percent) {
    const r = Number(percent[1]) / 100;
    return [{ filter: 'scale', options: { w: `trunc(iw*${r}/2)*2`, h: `trunc(ih*${r}/2)*2` } }];
  }
  if (fixed) {
    const w = even(Number(fixed[1]));
    const h = even(Number(fixed[2]));
    return d.pad ? scalePad(w, h, w / h, d.pad) : [{ filter: 'scale', options: { w, h } }];
  }
  if (fixedW || fixedH) {
    if (d.aspect !== undefined) {
      const w = even(fixedW ? Number(fixedW[1]) : Math.round(Number(fixedH![1]) * d.aspect));
      const h = even(fixedH ? Number(fixedH[1]) : Math.round(Number(fixedW![1]) / d.aspect));
      return d.pad ? scalePad(w, h, d.aspect, d.pad) : [{ filter: 'scale', options: { w, h } }];
    }
    if (fixedW) return [{ filter: 'scale', options: { w: even(Number(fixedW[1])), h: 'trunc(ow/a/2)*2' } }];
    return [{ filter: 'scale', options: { w: 'trunc(oh*a/2)*2', h: even(Number(fixedH![1])) } }];
  }
  throw new Error(`Invalid size specified: ${d.size}`);
}

/** '16:9', '1.777', 1.777 -> 1.777...; NaN when unreadable. */
export function parseAspect(aspect: string | number): number {
  if (typeof aspect === 'number') return aspect;
  const m = /^(\d+):(\d+)$/.exec(aspect);
  return m ? Number(m[1]) / Number(m[2]) : Number(aspect);
}
