// The report's charts, hand-written SVG into bench/report/: throughput ratio bars, soak RSS over
// time, frame-gap histograms.
import fs from 'node:fs';
import path from 'node:path';

import { reportDir } from './config.js';
import type { Kind } from './contenders.js';
import type { Soak } from './measures.js';
import { fmt, type Latency, type Row } from './stats.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Hand-written SVG: throughput ratio bars, soak RSS over time, frame-gap histogram. Returns the file names written. */
export function writeCharts(rows: Row[], soak: Soak | null, latency: Latency[]): string[] {
  const files: string[] = [];
  const colors: Record<Kind, string> = { c: '#888', avforge: '#2a7ae2', cli: '#e2a02a', peer: '#9b59b6' };
  const color = (r: Row): string => (r.pipeline ? '#1f9d55' : colors[r.kind]);
  // 1. ratio bars
  const groups = [...new Set(rows.map((r) => r.workload))];
  const rowH = 14;
  let y = 30;
  const W = 900;
  const x0 = 330;
  const maxRatio = Math.max(1.2, ...rows.map((r) => r.ratioToC ?? 0));
  const scale = (W - x0 - 60) / maxRatio;
  const parts: string[] = [];
  for (const g of groups) {
    parts.push(`<text x="4" y="${y + 10}" font-weight="bold">${esc(g)}</text>`);
    y += rowH + 2;
    for (const r of rows.filter((r) => r.workload === g)) {
      const w = Math.max(1, (r.ratioToC ?? 0) * scale);
      parts.push(`<text x="${x0 - 6}" y="${y + 10}" text-anchor="end">${esc(r.contender)}</text>`);
      parts.push(`<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 3}" fill="${color(r)}"/>`);
      parts.push(`<text x="${x0 + w + 4}" y="${y + 10}">${fmt(r.ratioToC, 2)}×</text>`);
      y += rowH;
    }
    y += 6;
  }
  const one = x0 + scale;
  parts.push(`<line x1="${one}" y1="20" x2="${one}" y2="${y}" stroke="#c00" stroke-dasharray="4 3"/><text x="${one + 3}" y="16" fill="#c00">1.0× C</text>`);
  const legend: [string, string][] = [
    ['C', colors.c],
    ['avforge object API', colors.avforge],
    ['avforge pipeline', '#1f9d55'],
    ['ffmpeg CLI', colors.cli],
  ];
  legend.forEach(([label, c], i) =>
    parts.push(`<rect x="${x0 + i * 130}" y="${y + 2}" width="10" height="10" fill="${c}"/><text x="${x0 + 14 + i * 130}" y="${y + 11}">${esc(label)}</text>`),
  );
  files.push(svgFile('throughput_ratio.svg', W, y + 24, 'Throughput ratio to C (median), one bar per contender', parts));
  // 2. soak RSS over time
  if (soak && soak.samples.length > 1) {
    const S = soak.samples;
    const w = 700,
      h = 300,
      px = 50,
      py = 30;
    const tMax = Math.max(...S.map((s) => s.t));
    const vMax = Math.max(...S.map((s) => s.rssMiB)) * 1.1;
    const X = (t: number): number => px + (t / tMax) * (w - px - 20);
    const Y = (v: number): number => h - py - (v / vMax) * (h - 2 * py);
    const line = (k: 'rssMiB' | 'heapUsedMiB', c: string): string =>
      `<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${S.map((s) => `${X(s.t).toFixed(1)},${Y(s[k]).toFixed(1)}`).join(' ')}"/>`;
    const p = [
      `<line x1="${px}" y1="${h - py}" x2="${w - 10}" y2="${h - py}" stroke="#000"/><line x1="${px}" y1="${py}" x2="${px}" y2="${h - py}" stroke="#000"/>`,
      line('rssMiB', '#2a7ae2'),
      line('heapUsedMiB', '#e2a02a'),
      `<line x1="${X(soak.warmupSeconds)}" y1="${py}" x2="${X(soak.warmupSeconds)}" y2="${h - py}" stroke="#c00" stroke-dasharray="4 3"/>`,
      `<text x="${X(soak.warmupSeconds) + 3}" y="${py + 10}" fill="#c00">warm-up</text>`,
      `<text x="${px}" y="${h - 8}">0 s</text><text x="${w - 40}" y="${h - 8}">${tMax.toFixed(0)} s</text>`,
      `<text x="4" y="${Y(vMax / 1.1) + 4}">${(vMax / 1.1).toFixed(0)}</text><text x="4" y="${h - py}">0 MiB</text>`,
      `<text x="${w - 200}" y="${py + 10}" fill="#2a7ae2">RSS</text><text x="${w - 150}" y="${py + 10}" fill="#e2a02a">JS heap used</text>`,
    ];
    files.push(
      svgFile(
        'soak_rss.svg',
        w,
        h,
        `Soak: RSS and heap over time (growth after warm-up ${soak.rssGrowth === null ? '?' : `${(soak.rssGrowth * 100).toFixed(2)}%`})`,
        p,
      ),
    );
  }
  // 3. frame-gap histogram
  for (const [i, l] of latency.entries()) {
    const w = 700,
      h = 260,
      px = 40,
      py = 30;
    const maxC = Math.max(1, ...l.hist);
    const bw = (w - px - 10) / l.hist.length;
    const p = l.hist.map(
      (c, k) =>
        `<rect x="${(px + k * bw).toFixed(1)}" y="${(h - py - (c / maxC) * (h - 2 * py)).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${((c / maxC) * (h - 2 * py)).toFixed(1)}" fill="${k < 17 ? '#2a7ae2' : '#e24a2a'}"/>`,
    );
    p.push(`<line x1="${px + 16.7 * bw}" y1="${py}" x2="${px + 16.7 * bw}" y2="${h - py}" stroke="#c00" stroke-dasharray="4 3"/>`);
    p.push(
      `<text x="${px}" y="${h - 10}">0 ms</text><text x="${px + 16.7 * bw - 20}" y="${h - 10}">16.7</text><text x="${w - 50}" y="${h - 10}">≥50 ms</text>`,
    );
    p.push(
      `<text x="${w - 320}" y="${py + 10}">p50 ${fmt(l.p50Ms, 2)} p99 ${fmt(l.p99Ms, 2)} max ${fmt(l.maxMs, 1)} ms; ≤16.7 ms: ${fmt((l.within ?? 0) * 100, 1)}%</text>`,
    );
    files.push(svgFile(`frame_gaps_${i}.svg`, w, h, `Gap between frames from frames(): ${l.workload} (all runs)`, p));
  }
  return files;
}

function svgFile(name: string, w: number, h: number, title: string, body: string[]): string {
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h + 20}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="4" y="14" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<g transform="translate(0,10)">`,
    ...body,
    '</g></svg>',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(reportDir, name), svg);
  return name;
}
