// The listings against the linked ffmpeg CLI: every name set must be the CLI's (less what the CLI
// adds from libavdevice, which avforge does not load), and the flags the CLI prints must agree.
// Nothing here is one FFmpeg version's output: each expectation is parsed from the CLI at hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { codecs, filters, formats, hasCodec, hwaccels, pixelFormats, sampleFormats, type CodecCapability } from '../src/index.js';
import { run } from './util.js';

async function cli(...args: string[]): Promise<string> {
  return (await run('ffmpeg', ['-hide_banner', '-nostdin', ...args])).stdout;
}

interface Entry {
  flags: string;
  name: string;
  rest: string[];
}
interface Listing {
  /** A legend's meaning ('Frame-level multithreading') -> the column and letter that mark it. */
  legend: Map<string, { column: number; letter: string }>;
  entries: Entry[];
}

/**
 * A `-encoders`-style listing: a legend of flag columns (' .F.... = Frame-level multithreading'),
 * a line of dashes, then one entry per line, its flags in the legend's columns.
 */
function parseListing(text: string): Listing {
  const lines = text.split('\n');
  const sep = lines.findIndex((l) => /^\s*-+\s*$/.test(l));
  assert.ok(sep > 0, `no separator in:\n${text.slice(0, 500)}`);
  const legend = new Map<string, { column: number; letter: string }>();
  let offset = 0;
  let width = 0;
  for (const line of lines.slice(0, sep)) {
    const m = /^(\s*)([.\w]+) = (.+)$/.exec(line);
    if (!m?.[2] || !m[3]) continue;
    offset = m[1]?.length ?? 0;
    width = m[2].length;
    const column = [...m[2]].findIndex((c) => c !== '.');
    legend.set(m[3].trim(), { column, letter: m[2][column] ?? '' });
  }
  const entries: Entry[] = [];
  for (const line of lines.slice(sep + 1)) {
    if (!line.trim()) continue;
    const [name = '', ...rest] = line
      .slice(offset + width)
      .trim()
      .split(/\s+/);
    entries.push({ flags: line.slice(offset, offset + width), name, rest });
  }
  return { legend, entries };
}

function has(listing: Listing, entry: Entry, meaning: string): boolean {
  const col = listing.legend.get(meaning);
  assert.ok(col, `the CLI's legend has no '${meaning}'`);
  return entry.flags[col.column] === col.letter;
}

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

describe('codecs()', () => {
  const TYPE_LETTER: Record<string, string> = { video: 'V', audio: 'A', subtitle: 'S', data: 'D', attachment: 'T' };
  // The legend's capability columns of -encoders/-decoders.
  const CAP_COLUMNS: Record<string, CodecCapability> = {
    'Frame-level multithreading': 'frameThreads',
    'Slice-level multithreading': 'sliceThreads',
    'Codec is experimental': 'experimental',
    'Supports draw_horiz_band': 'drawHorizBand',
    'Supports direct rendering method 1': 'dr1',
  };

  for (const kind of ['encoder', 'decoder'] as const) {
    it(`has exactly the CLI's ${kind}s, with its type and capability columns`, async () => {
      const listing = parseListing(await cli(`-${kind}s`));
      const ours = codecs().filter((c) => c.kind === kind);
      assert.deepEqual(sorted(ours.map((c) => c.name)), sorted(listing.entries.map((e) => e.name)));
      const byName = new Map(ours.map((c) => [c.name, c]));
      const typeColumn = listing.legend.get('Video')?.column ?? 0;
      for (const e of listing.entries) {
        const c = byName.get(e.name);
        assert.ok(c);
        assert.equal(e.flags[typeColumn], TYPE_LETTER[c.type], `${e.name}: type`);
        for (const [meaning, cap] of Object.entries(CAP_COLUMNS)) {
          if (!listing.legend.has(meaning)) continue;
          assert.equal(c.capabilities.includes(cap), has(listing, e, meaning), `${kind} ${e.name}: ${cap}`);
        }
      }
      for (const meaning of ['Frame-level multithreading', 'Slice-level multithreading', 'Codec is experimental'])
        assert.ok(listing.legend.has(meaning), meaning);
    });
  }

  it("agrees with -codecs on each codec id's properties and on who encodes and decodes it", async () => {
    const listing = parseListing(await cli('-codecs'));
    const byId = new Map(listing.entries.map((e) => [e.name, e]));
    for (const c of codecs()) {
      if (c.codecId === null) continue;
      const e = byId.get(c.codecId);
      assert.ok(e, `-codecs lists ${c.codecId}`);
      assert.ok(has(listing, e, c.kind === 'encoder' ? 'Encoding supported' : 'Decoding supported'), `${c.name} ${c.kind}`);
      assert.equal(c.properties.includes('intraOnly'), has(listing, e, 'Intra frame-only codec'), `${c.name}: intraOnly`);
      assert.equal(c.properties.includes('lossy'), has(listing, e, 'Lossy compression'), `${c.name}: lossy`);
      assert.equal(c.properties.includes('lossless'), has(listing, e, 'Lossless compression'), `${c.name}: lossless`);
    }
  });

  // `ffmpeg -h encoder=NAME` prints what the implementation supports; a few common ones, where present.
  const GENERAL: Record<string, CodecCapability> = {
    horizband: 'drawHorizBand',
    dr1: 'dr1',
    delay: 'delay',
    small: 'smallLastFrame',
    exp: 'experimental',
    paramchange: 'paramChange',
    variable: 'variableFrameSize',
    avoidprobe: 'avoidProbing',
    hardware: 'hardware',
    hybrid: 'hybrid',
  };
  const SPOT = [
    ['encoder', 'libx264'],
    ['encoder', 'mjpeg'],
    ['encoder', 'aac'],
    ['encoder', 'libopus'],
    ['encoder', 'libmp3lame'],
    ['encoder', 'ac3'],
    ['encoder', 'mpeg2video'],
    ['encoder', 'pcm_s16le'],
    ['decoder', 'h264'],
    ['decoder', 'hevc'],
    ['decoder', 'aac'],
  ] as const;
  it('agrees with `ffmpeg -h encoder=`/`decoder=` on formats, rates, layouts, devices and capabilities', async () => {
    let checked = 0;
    for (const [kind, name] of SPOT) {
      if (!hasCodec(name, kind)) continue;
      const help = await cli('-h', `${kind}=${name}`);
      const raw = (label: string): string | null => new RegExp(`^\\s*${label}:(.*)$`, 'm').exec(help)?.[1]?.trim() ?? null;
      const line = (label: string): string[] | null => raw(label)?.split(/\s+/).filter(Boolean) ?? null;
      const c = codecs().find((x) => x.kind === kind && x.name === name);
      assert.ok(c);
      assert.deepEqual(c.pixelFormats, line('Supported pixel formats'), `${name}: pixel formats`);
      assert.deepEqual(c.sampleFormats, line('Supported sample formats'), `${name}: sample formats`);
      assert.deepEqual(c.sampleRates?.map(String) ?? null, line('Supported sample rates'), `${name}: sample rates`);
      // (a layout's description may have spaces: '2 channels (FC+LFE)')
      assert.equal(c.channelLayouts?.join(' ') ?? null, raw('Supported channel layouts'), `${name}: channel layouts`);
      assert.deepEqual(c.frameRates?.map((r) => `${r.num}/${r.den}`) ?? null, line('Supported framerates'), `${name}: frame rates`);
      const devices = c.hwConfigs.flatMap((h) => (h.deviceType ? [h.deviceType] : []));
      assert.deepEqual(
        devices,
        (line('Supported hardware devices') ?? []).filter((d) => d !== '(null)'),
        `${name}: devices`,
      );
      const general = line('General capabilities') ?? [];
      for (const [word, cap] of Object.entries(GENERAL)) assert.equal(c.capabilities.includes(cap), general.includes(word), `${name}: ${cap}`);
      checked++;
    }
    assert.ok(checked > 0, 'no spot-checked codec in this build');
  });

  it('describes libx264 and aac as a scheduler needs them (when the build has them)', (t) => {
    if (!hasCodec('libx264', 'encoder')) return t.skip('no libx264');
    const x264 = codecs().find((c) => c.name === 'libx264' && c.kind === 'encoder');
    assert.equal(x264?.type, 'video');
    assert.equal(x264?.codecId, 'h264');
    assert.ok(x264?.pixelFormats?.includes('yuv420p'));
    assert.ok(x264?.properties.includes('lossy'));
    assert.deepEqual(x264?.hwConfigs, []);
    const aac = codecs().find((c) => c.name === 'aac' && c.kind === 'encoder');
    assert.ok(aac?.sampleFormats?.includes('fltp'));
    assert.ok(aac?.sampleRates?.includes(48000));
  });

  it('is computed once, frozen, and every name opens with hasCodec', () => {
    const all = codecs();
    assert.equal(codecs(), all);
    assert.ok(Object.isFrozen(all) && Object.isFrozen(all[0]) && Object.isFrozen(all[0]?.capabilities));
    for (const c of all) assert.ok(hasCodec(c.name, c.kind), `${c.kind} ${c.name}`);
  });
});

describe('formats()', () => {
  for (const [kind, flag] of [
    ['muxer', 'Muxing supported'],
    ['demuxer', 'Demuxing supported'],
  ] as const) {
    // The CLI registers libavdevice's devices as formats too; avforge does not load libavdevice.
    it(`has exactly the CLI's ${kind}s, less its devices`, async () => {
      const listing = parseListing(await cli(`-${kind}s`));
      const devices = parseListing(await cli('-devices'));
      const deviceNames = new Set(devices.entries.filter((e) => has(devices, e, flag)).map((e) => e.name));
      const expected = listing.entries.map((e) => e.name).filter((n) => !deviceNames.has(n));
      assert.deepEqual(sorted(formats().flatMap((f) => (f.kind === kind ? [f.name] : []))), sorted(expected));
    });
  }

  it('agrees with `ffmpeg -h muxer=` on extensions, mime types and default codecs', async () => {
    for (const name of ['mp4', 'matroska', 'wav', 'ogg', 'mpegts', 'image2']) {
      const f = formats().find((x) => x.kind === 'muxer' && x.name === name);
      assert.ok(f, name);
      const help = await cli('-h', `muxer=${name}`);
      const field = (label: string): string | null => new RegExp(`^\\s*${label}: (.*)\\.$`, 'm').exec(help)?.[1] ?? null;
      assert.equal(f.extensions.join(',') || null, field('Common extensions'), `${name}: extensions`);
      assert.equal(f.mimeTypes.join(',') || null, field('Mime type'), `${name}: mime types`);
      assert.equal(f.videoCodec, field('Default video codec'), `${name}: video codec`);
      assert.equal(f.audioCodec, field('Default audio codec'), `${name}: audio codec`);
      assert.equal(f.subtitleCodec, field('Default subtitle codec'), `${name}: subtitle codec`);
    }
    assert.ok(
      formats()
        .find((x) => x.kind === 'muxer' && x.name === 'null')
        ?.flags.includes('nofile'),
    );
    assert.ok(
      formats()
        .find((x) => x.kind === 'muxer' && x.name === 'mp4')
        ?.flags.includes('globalheader'),
    );
  });
});

describe('filters()', () => {
  it("has exactly the CLI's filters, with its timeline, slice-threading and pad columns", async () => {
    const text = await cli('-filters');
    const legend = new Map<string, number>();
    const cli_: Map<string, { flags: string; io: string }> = new Map();
    for (const line of text.split('\n')) {
      const l = /^\s+([.A-Z]{2,}) = (.+)$/.exec(line);
      if (l?.[1] && l[2])
        legend.set(
          l[2].trim(),
          [...l[1]].findIndex((ch) => ch !== '.'),
        );
      const m = /^ (\S+) (\S+)\s+(\S*->\S*)\s/.exec(line);
      if (m?.[1] && m[2] && m[3]) cli_.set(m[2], { flags: m[1], io: m[3] });
    }
    assert.deepEqual(sorted(filters().map((f) => f.name)), sorted(cli_.keys()));
    const timeline = legend.get('Timeline support');
    const slice = legend.get('Slice threading');
    assert.ok(timeline !== undefined && slice !== undefined);
    const letter: Record<string, string> = { video: 'V', audio: 'A', data: 'D', subtitle: 'S', attachment: 'T' };
    const side = (pads: readonly { type: string }[], dynamic: boolean) => (pads.length ? pads.map((p) => letter[p.type] ?? '?').join('') : dynamic ? 'N' : '|');
    for (const f of filters()) {
      const e = cli_.get(f.name);
      assert.ok(e);
      assert.equal(f.timeline, e.flags[timeline] === 'T', `${f.name}: timeline`);
      assert.equal(f.flags.includes('sliceThreads'), e.flags[slice] === 'S', `${f.name}: slice threads`);
      const io = `${side(f.inputs, f.flags.includes('dynamicInputs'))}->${side(f.outputs, f.flags.includes('dynamicOutputs'))}`;
      assert.equal(io, e.io, `${f.name}: pads`);
    }
  });

  it('tells sources and sinks apart', () => {
    const by = (name: string) => filters().find((f) => f.name === name);
    assert.deepEqual([by('testsrc')?.source, by('testsrc')?.sink], [true, false]);
    assert.deepEqual([by('nullsink')?.source, by('nullsink')?.sink], [false, true]);
    assert.deepEqual(
      by('scale')?.inputs.map((p) => p.type),
      ['video'],
    );
    assert.equal(by('amix')?.flags.includes('dynamicInputs'), true);
    assert.equal(by('amix')?.source, false);
  });
});

describe('pixelFormats()', () => {
  it("has exactly the CLI's pixel formats, with its flag, component, bits and depth columns", async () => {
    const text = await cli('-pix_fmts');
    const listing = parseListing(text);
    const depths = /BIT_DEPTHS/.test(text);
    assert.deepEqual(
      pixelFormats().map((p) => p.name),
      listing.entries.map((e) => e.name),
    );
    const ours = new Map(pixelFormats().map((p) => [p.name, p]));
    for (const e of listing.entries) {
      const p = ours.get(e.name);
      assert.ok(p);
      assert.equal(p.scalerInput, has(listing, e, 'Supported Input  format for conversion'), `${e.name}: I`);
      assert.equal(p.scalerOutput, has(listing, e, 'Supported Output format for conversion'), `${e.name}: O`);
      assert.equal(p.flags.includes('hwaccel'), has(listing, e, 'Hardware accelerated format'), `${e.name}: H`);
      assert.equal(p.flags.includes('pal'), has(listing, e, 'Paletted format'), `${e.name}: P`);
      assert.equal(p.flags.includes('bitstream'), has(listing, e, 'Bitstream format'), `${e.name}: B`);
      assert.equal(String(p.components), e.rest[0], `${e.name}: components`);
      assert.equal(String(p.bitsPerPixel), e.rest[1], `${e.name}: bits per pixel`);
      if (depths) assert.equal(p.components ? p.componentDepths.join('-') : '0', e.rest[2], `${e.name}: depths`);
    }
    const yuv420p = ours.get('yuv420p');
    assert.deepEqual([yuv420p?.planes, yuv420p?.log2ChromaW, yuv420p?.log2ChromaH], [3, 1, 1]);
    assert.ok(yuv420p?.flags.includes('planar') && !yuv420p.flags.includes('rgb'));
    assert.ok(ours.get('rgba')?.flags.includes('alpha'));
  });
});

describe('sampleFormats()', () => {
  it("has exactly the CLI's sample formats and depths", async () => {
    const rows = (await cli('-sample_fmts'))
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((r) => r.length === 2);
    assert.deepEqual(
      sampleFormats().map((s) => [s.name, String(s.bytesPerSample * 8)]),
      rows,
    );
    const s16p = sampleFormats().find((s) => s.name === 's16p');
    assert.deepEqual([s16p?.planar, s16p?.packedName, s16p?.planarName], [true, 's16', 's16p']);
  });
});

describe('hwaccels()', () => {
  it("is the CLI's -hwaccels", async () => {
    const lines = (await cli('-hwaccels')).split('\n').map((l) => l.trim());
    const start = lines.findIndex((l) => l.endsWith(':'));
    assert.deepEqual(hwaccels(), lines.slice(start + 1).filter(Boolean));
  });
});
