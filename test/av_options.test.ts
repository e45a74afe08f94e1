// options() and routeOption() against the linked ffmpeg CLI: every option `ffmpeg -h <kind>=<name>`
// prints must be listed, with its type and constants, and nothing the CLI would print may be
// missing. Nothing here is one FFmpeg version's output: the expectations are parsed from the CLI
// at hand or derived from the listings themselves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  AvError,
  type AvOptionFlags,
  type AvOptionInfo,
  codecs,
  filters,
  formats,
  hasCodec,
  type NamedOptionClass,
  options,
  routeOption,
} from '../src/index.js';
import { run } from './util.js';

async function cli(...args: string[]): Promise<string> {
  return (await run('ffmpeg', ['-hide_banner', '-nostdin', ...args])).stdout;
}

interface CliOption {
  type: string;
  constants: Set<string>;
}

/**
 * The `<Class> AVOptions:` sections of a help text, by class name (the first section of each
 * name): each option line ('  -crf  <float>  E..V....... ...', a filter's without the dash) with
 * the constant lines below it ('     faststart  E.......... ...').
 */
function parseHelp(text: string): Map<string, Map<string, CliOption>> {
  const sections = new Map<string, Map<string, CliOption>>();
  let current: Map<string, CliOption> | null = null;
  let option: CliOption | null = null;
  for (const line of text.split('\n')) {
    const header = /^(\S.*) AVOptions:$/.exec(line);
    if (header?.[1]) {
      current = sections.has(header[1]) ? null : new Map();
      if (current) sections.set(header[1], current);
      option = null;
      continue;
    }
    if (!current) continue;
    const o = /^ {2,3}-?([^\s<]+)\s+\[?<([^>]*)>/.exec(line);
    if (o?.[1]) {
      option = { type: o[2] ?? '', constants: new Set() };
      current.set(o[1], option);
      continue;
    }
    const c = /^ {4,}(\S+)/.exec(line);
    if (c?.[1] && option) option.constants.add(c[1]);
    else if (!line.startsWith(' ')) current = null;
  }
  return sections;
}

/** The CLI's type names that are not ours. */
const CLI_TYPE: Record<string, string> = { boolean: 'bool', dictionary: 'dict', pix_fmt: 'pixel_format', sample_fmt: 'sample_format', unsigned: 'uint' };

/** Every option of the CLI's sections is ours, with its type and (at least) its constants. */
function assertCovers(ours: readonly AvOptionInfo[], cli: Map<string, CliOption>, what: string): void {
  const byName = new Map(ours.map((o) => [o.name, o]));
  for (const [name, c] of cli) {
    const o = byName.get(name);
    assert.ok(o, `${what}: the CLI lists -${name}, options() does not`);
    if (c.type) assert.equal(o.type, CLI_TYPE[c.type] ?? c.type, `${what}: -${name}'s type`);
    const constants = new Set(o.constants.map((k) => k.name));
    for (const k of c.constants) assert.ok(constants.has(k), `${what}: -${name}'s constant ${k}`);
  }
}

const any = (o: AvOptionInfo, ...flags: (keyof AvOptionFlags)[]) => flags.some((f) => o.flags[f]);

describe('options()', () => {
  // Which of its own options each `ffmpeg -h` prints: those with one of these flags (av_opt_show2's req_flags).
  const SPOT: [NamedOptionClass, string, (keyof AvOptionFlags)[]][] = [
    ['encoder', 'libx264', ['encoding']],
    ['encoder', 'aac', ['encoding']],
    ['encoder', 'mpeg4', ['encoding']],
    ['decoder', 'h264', ['decoding']],
    ['muxer', 'mp4', ['encoding']],
    ['muxer', 'hls', ['encoding']],
    ['muxer', 'matroska', ['encoding']],
    ['demuxer', 'mov', ['decoding']],
    ['demuxer', 'mpegts', ['decoding']],
    ['filter', 'scale', ['video', 'audio', 'filtering']],
    ['filter', 'volume', ['video', 'audio', 'filtering']],
    ['protocol', 'http', ['encoding', 'decoding']],
    ['protocol', 'file', ['encoding', 'decoding']],
  ];

  it('has exactly what `ffmpeg -h <kind>=<name>` prints, with its types and constants', async () => {
    let checked = 0;
    for (const [kind, name, flags] of SPOT) {
      if ((kind === 'encoder' || kind === 'decoder') && !hasCodec(name, kind)) continue;
      const what = `${kind} ${name}`;
      // (the first section is the class's own; the CLI follows it with its children's: scale's libswscale)
      const [own] = parseHelp(await cli('-h', `${kind}=${name}`)).values();
      const cliNames = own ?? new Map<string, CliOption>();
      const ours = options(kind, name);
      assertCovers(ours, cliNames, what);
      const shown = ours.filter((o) => any(o, ...flags)).map((o) => o.name);
      assert.deepEqual([...new Set(shown)].sort(), [...cliNames.keys()].sort(), `${what}: the option names`);
      checked++;
    }
    assert.ok(checked >= 10);
  });

  it('has every generic option `ffmpeg -h full` prints', async () => {
    const help = parseHelp(await cli('-h', 'full'));
    const generic = [
      ['codec-generic', 'AVCodecContext'],
      ['format-generic', 'AVFormatContext'],
      ['swscale', 'SWScaler'],
      ['swresample', 'SWResampler'],
    ] as const;
    for (const [kind, section] of generic) {
      const cliOptions = help.get(section);
      assert.ok(cliOptions && cliOptions.size > 0, `no ${section} section in -h full`);
      assertCovers(options(kind), cliOptions, kind);
    }
  });

  it('describes the options a translator of ffmpeg arguments looks up', (t) => {
    const find = (kind: NamedOptionClass, name: string, option: string) => options(kind, name).find((o) => o.name === option);
    const movflags = find('muxer', 'mp4', 'movflags');
    assert.equal(movflags?.type, 'flags');
    assert.equal(movflags.unit, 'movflags');
    assert.ok(movflags.constants.some((c) => c.name === 'faststart' && c.value > 0 && c.help.length > 0));
    assert.equal(find('muxer', 'hls', 'hls_time')?.flags.encoding, true);
    assert.equal(find('filter', 'scale', 'w')?.flags.filtering, true);
    assert.equal(options('codec-generic').find((o) => o.name === 'b')?.type, 'int64');
    if (!hasCodec('libx264', 'encoder')) return t.skip('no libx264');
    const crf = find('encoder', 'libx264', 'crf');
    assert.ok(crf?.type === 'float' || crf?.type === 'double', `crf is ${crf?.type}`);
    assert.ok(crf.min < crf.max && typeof crf.default === 'number');
    assert.ok(crf.flags.encoding && crf.flags.video && !crf.flags.decoding);
    const preset = find('encoder', 'libx264', 'preset');
    assert.equal(preset?.type, 'string');
    assert.equal(typeof preset.default, 'string');
  });

  it('folds constants into their options, and reads every class of this FFmpeg', () => {
    const check = (list: readonly AvOptionInfo[], what: string) => {
      for (const o of list) {
        assert.notEqual(o.type, 'const', `${what}: ${o.name}`);
        assert.notEqual(o.type, 'unknown', `${what}: ${o.name}`);
        if (!o.unit) assert.deepEqual(o.constants, [], `${what}: ${o.name}`);
        if (o.type === 'string' || o.type === 'image_size' || o.type === 'video_rate' || o.type === 'color' || o.type === 'dict')
          assert.ok(o.default === null || typeof o.default === 'string', `${what}: ${o.name}`);
        if (o.type === 'int' || o.type === 'int64' || o.type === 'double' || o.type === 'float' || o.type === 'bool' || o.type === 'flags')
          assert.ok(o.array || typeof o.default === 'number', `${what}: ${o.name}`);
      }
    };
    const named: [NamedOptionClass, string][] = [
      ...codecs().map((c): [NamedOptionClass, string] => [c.kind, c.name]),
      ...formats().map((f): [NamedOptionClass, string] => [f.kind, f.name]),
      ...filters().map((f): [NamedOptionClass, string] => ['filter', f.name]),
    ];
    for (const [kind, name] of named) check(options(kind, name), `${kind} ${name}`);
    for (const kind of ['codec-generic', 'format-generic', 'swscale', 'swresample'] as const) check(options(kind), kind);
    assert.ok(named.length > 100);
    // Pixel and sample formats by name.
    const pix = options('codec-generic').find((o) => o.type === 'pixel_format');
    assert.ok(pix && (pix.default === null || typeof pix.default === 'string'));
  });

  it("lists a codec name's encoder and decoder both", () => {
    const both = options('codec', 'aac');
    const names = (list: readonly AvOptionInfo[]) => list.map((o) => o.name);
    assert.deepEqual(names(both), [...names(options('encoder', 'aac')), ...names(options('decoder', 'aac'))]);
  });

  it('is read once per class, and frozen', () => {
    const list = options('muxer', 'mp4');
    assert.equal(options('muxer', 'mp4'), list);
    assert.ok(Object.isFrozen(list) && Object.isFrozen(list[0]) && Object.isFrozen(list[0]?.constants) && Object.isFrozen(list[0]?.flags));
  });

  it('refuses a name this FFmpeg lacks with the AvError that names it', () => {
    const cases: [NamedOptionClass, string][] = [
      ['encoder', 'ENCODER_NOT_FOUND'],
      ['decoder', 'DECODER_NOT_FOUND'],
      ['codec', 'DECODER_NOT_FOUND'],
      ['muxer', 'MUXER_NOT_FOUND'],
      ['demuxer', 'DEMUXER_NOT_FOUND'],
      ['filter', 'FILTER_NOT_FOUND'],
      ['protocol', 'PROTOCOL_NOT_FOUND'],
    ];
    for (const [kind, code] of cases)
      assert.throws(
        () => options(kind, 'no_such_thing'),
        (e: unknown) => e instanceof AvError && e.code === code && e.message.includes("'no_such_thing'"),
        kind,
      );
  });

  it('refuses wrong arguments with TypeErrors', () => {
    assert.throws(() => options('codecs' as never), /Expected one of 'codec', 'encoder'.* for kind but received 'codecs'/);
    assert.throws(() => (options as (k: string, n?: string) => unknown)('encoder'), /Expected the name of the encoder for name but received undefined/);
    assert.throws(() => (options as (k: string, n?: string) => unknown)('swscale', 'x'), /Expected nothing \(there is one 'swscale' class\) for name/);
    assert.throws(() => options('encoder', 'a\0b'), /NUL/);
  });
});

describe('routeOption()', () => {
  it('routes as the ffmpeg CLI does: codec and format, else swscale, else swresample', (t) => {
    assert.deepEqual(routeOption('movflags', { muxer: 'mp4', encoder: 'aac' }), ['format']);
    assert.deepEqual(routeOption('movflags', { muxer: 'matroska' }), []);
    assert.deepEqual(routeOption('b', { encoder: 'aac', muxer: 'mp4' }), ['codec']);
    assert.deepEqual(routeOption('probesize', { demuxer: 'mov' }), ['format']);
    assert.deepEqual(routeOption('probesize', { muxer: 'mp4' }), [], 'a demuxing option is no muxer option');
    assert.deepEqual(routeOption('headers', { demuxer: 'mov', protocol: 'http' }), ['protocol']);
    assert.deepEqual(routeOption('no_such_option', { encoder: 'aac', muxer: 'mp4' }), []);
    // The generic video options are no audio encoder's (filter_codec_opts' media-type flags).
    assert.deepEqual(routeOption('g', { encoder: 'mpeg4' }), ['codec']);
    assert.deepEqual(routeOption('g', { encoder: 'aac', muxer: 'mp4' }), []);
    if (!hasCodec('libx264', 'encoder')) return t.skip('no libx264');
    assert.deepEqual(routeOption('hls_time', { muxer: 'hls', encoder: 'libx264' }), ['format']);
    assert.deepEqual(routeOption('crf', { encoder: 'libx264' }), ['codec']);
    assert.deepEqual(routeOption('crf', { encoder: 'libx264', decoder: 'h264', muxer: 'mp4' }), ['codec']);
    assert.deepEqual(routeOption('crf', { encoder: 'aac', muxer: 'mp4' }), []);
    // With no codec named, any codec's options count, as for the CLI before it opens one.
    assert.deepEqual(routeOption('crf'), ['codec']);
    assert.deepEqual(routeOption('sws_flags', { encoder: 'libx264', muxer: 'mp4' }), ['swscale']);
  });

  it("routes each of a class's options to its layer", () => {
    const names = (list: readonly AvOptionInfo[]) => new Set(list.map((o) => o.name));
    for (const o of options('encoder', 'mpeg4')) if (o.flags.encoding) assert.ok(routeOption(o.name, { encoder: 'mpeg4' }).includes('codec'), o.name);
    for (const o of options('muxer', 'mp4')) if (o.flags.encoding) assert.ok(routeOption(o.name, { muxer: 'mp4' }).includes('format'), o.name);
    for (const o of options('protocol', 'http')) assert.ok(routeOption(o.name, { protocol: 'http', muxer: 'mp4' }).includes('protocol'), o.name);
    // libswscale's and libswresample's options no codec or format in play has.
    const taken = [options('codec-generic'), options('format-generic'), options('encoder', 'aac'), options('muxer', 'mp4')].flatMap((l) => [...names(l)]);
    const sws = names(options('swscale'));
    let swr = 0;
    for (const name of names(options('swscale'))) {
      if (!taken.includes(name)) assert.deepEqual(routeOption(name, { encoder: 'aac', muxer: 'mp4' }), ['swscale'], name);
    }
    for (const name of names(options('swresample'))) {
      if (taken.includes(name) || sws.has(name)) continue;
      assert.deepEqual(routeOption(name, { encoder: 'aac', muxer: 'mp4' }), ['swresample'], name);
      swr++;
    }
    assert.ok(swr > 0);
  });

  it('refuses unknown names and fields', () => {
    assert.throws(
      () => routeOption('crf', { encoder: 'no_such_encoder' }),
      (e: unknown) => e instanceof AvError && e.code === 'ENCODER_NOT_FOUND',
    );
    assert.throws(
      () => routeOption('b', { demuxer: 'no_such_demuxer' }),
      (e: unknown) => e instanceof AvError && e.code === 'DEMUXER_NOT_FOUND',
    );
    assert.throws(
      () => routeOption('b', { protocol: 'no_such_protocol' }),
      (e: unknown) => e instanceof AvError && e.code === 'PROTOCOL_NOT_FOUND',
    );
    assert.throws(() => routeOption('b', { encodr: 'aac' } as never), /Expected a known field \(did you mean 'encoder'\?\) for context.encodr/);
    assert.throws(() => routeOption('', {}), /Expected an option name for name but received '' \(string\)/);
    assert.throws(() => routeOption('b', { muxer: '' }), /Expected a muxer name for context.muxer/);
  });
});
