// Subtitle decoding in the object API matches the ffmpeg CLI: for text subtitles in Matroska
// (an SRT and an ASS track), plain .srt and .ass files and MP4 mov_text, every event's ASS
// line, text, start and end equal what `ffmpeg -copyts ... -c:s ass -f ass` and `-f srt` print.
// The way that used to abort the process (frames() on a subtitle decoder) is an AvError.
// Bitmap subtitles are not compared: the ffmpeg CLI cannot make them from text (dvdsub and
// dvbsub encode only from bitmaps), and the tests use only media they generate.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { AvError, Decoder, Demuxer, Packet, Subtitle } from '../src/index.js';
import { scratch } from './media/generate.js';
import { ffmpeg, runIsolated } from './util.js';

const SRT = `1
00:00:00,500 --> 00:00:01,200
Hello

2
00:00:02,000 --> 00:00:03,250
<i>two</i>
lines

3
00:00:04,000 --> 00:00:04,480
Ünïcödé – ok

4
00:01:05,010 --> 00:01:07,990
<b>bold</b> and plain
`;

const ASS = `[Script Info]
ScriptType: v4.00+
PlayResX: 384
PlayResY: 288

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,1
Style: Top,Arial,18,&H0000FFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,1,1,0,8,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.20,0:00:01.50,Default,,0,0,0,,First line
Dialogue: 1,0:00:01.00,0:00:02.00,Top,Speaker,5,6,7,,{\\b1}Overlap{\\b0}\\Nsecond row
Dialogue: 0,0:00:03.33,0:00:05.67,Default,,0,0,0,fade,{\\pos(100,200)}placed
`;

interface Input {
  label: string;
  file: string;
  n: number; // the nth subtitle stream
  styles?: RegExp; // what the decoder's subtitleHeader must hold
  texts: number; // SRT cues compared as text: those in FFmpeg's default style without override tags
}

// EIA-608 closed captions (Scenarist SCC: 608 byte pairs with odd parity, as hex): two pop-on
// captions, "HI" then "OK" (resume caption loading, erase the hidden memory, the characters,
// end of caption; each command twice, as broadcasts send them). cc_dec is a delaying decoder:
// the last caption comes out only at the flush.
const SCC = 'Scenarist_SCC V1.0\n\n00:00:01:00\t9420 9420 94ae 94ae c849 942f 942f\n\n00:00:03:00\t9420 9420 94ae 94ae 4fcb 942f 942f\n';

// Made once, before the tests are listed: the CLI muxes the files the cases then read.
const dir = scratch('subtitle-decode');
const srtFile = path.join(dir, 'a.srt');
const assFile = path.join(dir, 'a.ass');
const mkv = path.join(dir, 'subs.mkv');
const mp4 = path.join(dir, 'mov_text.mp4');
const sccFile = path.join(dir, 'a.scc');
fs.writeFileSync(srtFile, SRT);
fs.writeFileSync(sccFile, SCC);
fs.writeFileSync(assFile, ASS);
const cli = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
cli(['-i', srtFile, '-i', assFile, '-map', '0', '-map', '1', '-c', 'copy', mkv]);
cli(['-i', srtFile, '-c:s', 'mov_text', mp4]);

const inputs: Input[] = [
  { label: 'SRT track in Matroska', file: mkv, n: 0, texts: 2 },
  { label: 'ASS track in Matroska', file: mkv, n: 1, styles: /Style: Top,Arial,18/, texts: 0 },
  { label: 'plain .srt', file: srtFile, n: 0, texts: 2 },
  { label: 'plain .ass', file: assFile, n: 0, styles: /Style: Top,Arial,18/, texts: 0 },
  { label: 'mov_text in MP4', file: mp4, n: 0, texts: 2 },
  { label: 'SCC closed captions (a delaying decoder, flushed at the end)', file: sccFile, n: 0, texts: 0 },
];

/** One event as both sides can state it: times in ms, the ASS line after ReadOrder. */
interface Event {
  start: number;
  end: number;
  line: string; // Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text
}

const clock = (h: string, m: string, s: string, fraction: string, unit: number) =>
  ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(fraction) * unit;

/** The CLI's ASS output: `Dialogue: Layer,Start,End,Rest`, times in centiseconds. */
async function cliAss(file: string, n: number): Promise<Event[]> {
  const { stdout } = await ffmpeg(['-copyts', '-i', file, '-map', `0:s:${n}`, '-c:s', 'ass', '-f', 'ass', '-']);
  const events: Event[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^Dialogue: (\d+),(\d+):(\d\d):(\d\d)\.(\d\d),(\d+):(\d\d):(\d\d)\.(\d\d),(.*)$/.exec(line);
    if (!m) continue;
    const [, layer, h1, m1, s1, c1, h2, m2, s2, c2, rest] = m as unknown as string[];
    events.push({ start: clock(h1!, m1!, s1!, c1!, 10), end: clock(h2!, m2!, s2!, c2!, 10), line: `${layer},${rest}` });
  }
  return events;
}

/** The CLI's SRT output: times in milliseconds and the text. */
async function cliSrt(file: string, n: number): Promise<{ start: number; end: number; text: string }[]> {
  const { stdout } = await ffmpeg(['-copyts', '-i', file, '-map', `0:s:${n}`, '-f', 'srt', '-']);
  const cues: { start: number; end: number; text: string }[] = [];
  for (const block of stdout.replace(/\r\n/g, '\n').split(/\n\n+/)) {
    const lines = block.split('\n');
    const m = /^(\d+):(\d\d):(\d\d),(\d\d\d) --> (\d+):(\d\d):(\d\d),(\d\d\d)$/.exec(lines[1] ?? '');
    if (!m) continue;
    const [, h1, m1, s1, f1, h2, m2, s2, f2] = m as unknown as string[];
    cues.push({ start: clock(h1!, m1!, s1!, f1!, 1), end: clock(h2!, m2!, s2!, f2!, 1), text: lines.slice(2).join('\n') });
  }
  return cues;
}

async function decodeAll(input: Input, oneByOne = false): Promise<{ subs: Subtitle[]; header: string | undefined }> {
  const d = await Demuxer.open(input.file);
  try {
    const stream = d.streams.filter((s) => s.type === 'subtitle')[input.n]!;
    await using dec = await Decoder.open(stream);
    assert.equal(dec.type, 'subtitle');
    const subs: Subtitle[] = [];
    if (oneByOne) {
      for await (const pkt of d.packets({ streams: [stream] })) {
        const s = await dec.decodeSubtitle(pkt);
        pkt.close();
        if (s) subs.push(s);
      }
      subs.push(...(await dec.flushSubtitles()));
    } else {
      for await (const s of dec.subtitles(d.packets())) subs.push(s);
    }
    return { subs, header: dec.subtitleHeader };
  } finally {
    await d.close();
  }
}

/** Ours, as the CLI writes them: each ASS rect one event, ReadOrder dropped. */
function ourEvents(subs: Subtitle[]): Event[] {
  return subs.flatMap((s) =>
    s.rects.map((r) => {
      assert.equal(r.type, 'ass');
      assert.equal(s.format, 1);
      assert.ok(s.start !== null && s.end !== null, 'text subtitles with a duration have an end');
      return { start: Math.round(s.start * 1000), end: Math.round(s.end * 1000), line: r.ass!.split(',').slice(1).join(',') };
    }),
  );
}

const byTime = (a: Event, b: Event) => a.start - b.start || a.end - b.end || a.line.localeCompare(b.line);

describe('text subtitles equal the ffmpeg CLI', () => {
  for (const input of inputs) {
    test(`${input.label}: ASS lines, SRT texts, start and end`, async () => {
      const { subs, header } = await decodeAll(input);
      assert.ok(subs.length > 0, `${input.label}: subtitles`);
      for (const s of subs) assert.ok(s instanceof Subtitle);
      if (input.styles) assert.match(header ?? '', input.styles, `${input.label}: the styles`);
      else assert.match(header ?? '', /\[V4\+ Styles\]/, `${input.label}: a default ASS header`);

      const ours = ourEvents(subs);
      const ass = await cliAss(input.file, input.n);
      assert.ok(ass.length > 0, `${input.label}: the CLI's ASS events`);
      // Centiseconds on the CLI's side: ours rounded the same way.
      const centi = (e: Event) => ({ ...e, start: Math.round(e.start / 10) * 10, end: Math.round(e.end / 10) * 10 });
      assert.deepEqual(ours.map(centi).sort(byTime), [...ass].sort(byTime), `${input.label}: ASS events`);

      const srt = await cliSrt(input.file, input.n);
      assert.equal(srt.length, ours.length, `${input.label}: SRT cues`);
      const sorted = [...ours].sort(byTime);
      let texts = 0;
      srt.forEach((cue, k) => {
        const e = sorted[k]!;
        assert.equal(e.start, cue.start, `${input.label}: cue ${k} start`);
        assert.equal(e.end, cue.end, `${input.label}: cue ${k} end`);
        // The SRT encoder turns ASS override tags, and a style's font when the file has its own
        // styles, into its own markup: plain lines in FFmpeg's default style compare as text.
        const text = e.line.split(',').slice(7).join(',');
        if (text.includes('{') || input.styles) return;
        assert.equal(text.replace(/\\N/g, '\n'), cue.text, `${input.label}: cue ${k} text`);
        texts++;
      });
      assert.ok(texts >= input.texts, `${input.label}: texts compared`);
    });
  }

  test('decodeSubtitle() one packet at a time, then flushSubtitles(), gives what subtitles() gives', async () => {
    for (const input of inputs) {
      const whole = await decodeAll(input);
      const single = await decodeAll(input, true);
      assert.deepEqual(single.subs, whole.subs, input.label);
    }
  });
});

describe('Subtitle times', () => {
  test('pts, start and end in seconds from the packet, the time base and the display window', async () => {
    await using dec = await Decoder.open(null, { codec: 'subrip', timeBase: { num: 1, den: 1000 } });
    assert.equal(dec.type, 'subtitle');
    using timed = Packet.from(Buffer.from('Hello'), { pts: 1500, duration: 700, timeBase: { num: 1, den: 1000 } });
    const s = await dec.decodeSubtitle(timed);
    assert.ok(s);
    assert.equal(s.pts, 1.5);
    assert.equal(s.start, 1.5);
    assert.equal(s.end, 2.2);
    assert.equal(s.startDisplayTime, 0);
    assert.equal(s.endDisplayTime, 700);
    assert.equal(s.rects.length, 1);
    assert.equal(s.rects[0]!.type, 'ass');
    assert.match(s.rects[0]!.ass!, /,Hello$/);
    // No duration: libavcodec cannot tell the end, and says so with end null.
    using open = Packet.from(Buffer.from('Until the next'), { pts: 3000 });
    const u = await dec.decodeSubtitle(open);
    assert.ok(u);
    assert.equal(u.start, 3);
    assert.equal(u.end, null);
    assert.deepEqual(await dec.flushSubtitles(), []);
  });

  test('without a time base or a pts, the times are null and the window stays', async () => {
    await using dec = await Decoder.open(null, { codec: 'subrip' });
    using pkt = Packet.from(Buffer.from('No clock'), { pts: 10, duration: 5 });
    const s = await dec.decodeSubtitle(pkt);
    assert.ok(s);
    assert.equal(s.pts, null);
    assert.equal(s.start, null);
    assert.equal(s.end, null);
    assert.equal(s.rects.length, 1);
  });
});

describe('misuse', () => {
  const einval = (pattern: RegExp) => (e: unknown) => {
    assert.ok(e instanceof AvError, String(e));
    assert.equal(e.code, 'EINVAL');
    assert.match(e.message, pattern);
    return true;
  };

  test('frames() on an SRT stream (the old abort in libavcodec) rejects with AvError; the process lives', async () => {
    const body = `
      const d = await Demuxer.open(${JSON.stringify(srtFile)});
      const dec = await Decoder.open(d.streams[0]);
      try {
        for await (const f of dec.frames(d.packets())) f.close();
        console.log('no error');
      } catch (e) {
        console.log(e.name, e.code, e.op);
      }
      await dec.close();
      await d.close();
      console.log('alive');
    `;
    const r = await runIsolated(body);
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^AvError EINVAL decode\nalive\n$/);
  });

  test('decode() and flush() on a subtitle decoder, decodeSubtitle() on a video one: EINVAL', async () => {
    await using sub = await Decoder.open(null, { codec: 'subrip' });
    await assert.rejects(sub.decode([]), einval(/not frames/));
    await assert.rejects(sub.flush(), einval(/not frames/));
    await using video = await Decoder.open(null, { codec: 'h264' });
    assert.equal(video.type, 'video');
    using pkt = Packet.from(Buffer.from([0, 0, 0, 1]));
    await assert.rejects(video.decodeSubtitle(pkt), einval(/take a subtitle decoder/));
    await assert.rejects(video.flushSubtitles(), einval(/take a subtitle decoder/));
    await using audio = await Decoder.open(null, { codec: 'aac' });
    assert.equal(audio.type, 'audio');
    await assert.rejects(audio.decodeSubtitle(pkt), einval(/take a subtitle decoder/));
  });

  test('wrong arguments are TypeErrors; after close() every subtitle method is ERR_CLOSED', async () => {
    const dec = await Decoder.open(null, { codec: 'subrip' });
    await assert.rejects(dec.decodeSubtitle('text' as unknown as Packet), /^TypeError: Expected a Packet for packet but received/);
    await assert.rejects(async () => {
      for await (const s of dec.subtitles(42 as unknown as Packet[])) void s;
    }, TypeError);
    await dec.close();
    using pkt = Packet.from(Buffer.from('late'), { pts: 0 });
    const closed = (e: unknown) => e instanceof AvError && e.code === 'ERR_CLOSED';
    await assert.rejects(dec.decodeSubtitle(pkt), closed);
    await assert.rejects(dec.flushSubtitles(), closed);
    await assert.rejects(async () => {
      for await (const s of dec.subtitles([])) void s;
    }, closed);
  });
});

describe('bitmap subtitles', () => {
  // A DVD subpicture (SPU) built here byte by byte, since the ffmpeg CLI cannot render text into
  // bitmap subtitles: a 4 x 2 picture at (10, 20), 2-bit run-length coded, shown from the
  // packet's time until 180 x 1024 / 90 ms later.
  function subpicture(): Buffer {
    const top = [0x96, 0x70]; // row 0: 2 x colour 1, colour 2, colour 3
    const bottom = [0x76, 0x54]; // row 1: colours 3, 2, 1, 0
    const show = [
      ...[0x00, 0x00, 0x00, 0x20], // date 0; the next sequence at byte 32
      0x01, // start display
      ...[0x03, 0x32, 0x10], // colour indices 3, 2, 1, 0 of the 16-entry palette
      ...[0x04, 0xff, 0xf8], // alpha 15, 15, 15, 8 (of 15)
      ...[0x05, 0x00, 0xa0, 0x0d, 0x01, 0x40, 0x15], // x 10..13, y 20..21
      ...[0x06, 0x00, 0x04, 0x00, 0x06], // the two fields' rows at bytes 4 and 6
      0xff,
    ];
    const hide = [0x00, 0xb4, 0x00, 0x20, 0x02, 0xff]; // date 180: stop display; the last sequence
    const body = [...top, ...bottom, ...show, ...hide];
    const size = 4 + body.length;
    return Buffer.from([size >> 8, size & 0xff, 0x00, 0x08, ...body]);
  }

  test('a DVD subpicture: position, size, palette indices and RGBA palette, times', async () => {
    // The palette (rrggbb) a DVD's IFO would give: black, red, green, blue, then black.
    const palette = ['000000', 'ff0000', '00ff00', '0000ff', ...Array<string>(12).fill('000000')].join(',');
    await using dec = await Decoder.open(null, { codec: 'dvdsub', timeBase: { num: 1, den: 90000 }, options: { palette } });
    assert.equal(dec.type, 'subtitle');
    using pkt = Packet.from(subpicture(), { pts: 90000 });
    const s = await dec.decodeSubtitle(pkt);
    assert.ok(s, 'a subtitle');
    assert.equal(s.format, 0);
    assert.equal(s.start, 1);
    assert.equal(s.end, 1 + Math.floor((180 * 1024) / 90) / 1000);
    assert.equal(s.rects.length, 1);
    const r = s.rects[0]!;
    assert.equal(r.type, 'bitmap');
    assert.deepEqual([r.x, r.y, r.width, r.height], [10, 20, 4, 2]);
    assert.equal(r.nbColors, 4);
    assert.equal(r.forced, false);
    const rows = [0, 1].map((y) => [...r.data!.subarray(y * r.linesize!, y * r.linesize! + r.width)]);
    assert.deepEqual(rows, [
      [1, 1, 2, 3],
      [3, 2, 1, 0],
    ]);
    // R, G, B, A bytes per entry; alpha n of 15 is n x 17.
    const rgba = new Uint8Array(r.palette!.buffer, r.palette!.byteOffset, r.palette!.byteLength);
    assert.deepEqual([...rgba], [...[0, 0, 0, 8 * 17], ...[255, 0, 0, 255], ...[0, 255, 0, 255], ...[0, 0, 255, 255]]);
    assert.deepEqual(await dec.flushSubtitles(), []);
  });
});
