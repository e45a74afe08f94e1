#!/usr/bin/env node
// Reads the reports ASan, LSan and UBSan wrote (log_path=...) and sorts each finding by whose
// code it is in: avforge's (a frame in native/**/*.cc|h or avforge.node) or not (Node, V8, the
// system's FFmpeg with no avforge frame on the stack). Prints one line per finding in avforge's
// code and a summary; exits 1 when there is any.
// Usage: node scripts/sanitize_report.mjs REPORT...
import fs from 'node:fs';

const ours = /native\/(?:[a-z_]+\/)?[a-z_]+\.(cc|h)\b|avforge\.node/;

/** Splits a report into findings: ASan errors, each LSan leak block, each UBSan runtime error. */
function findings(text) {
  const out = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let kind = null;
    if (/ERROR: AddressSanitizer/.test(l)) kind = 'asan';
    else if (/^(Direct|Indirect) leak of \d+ byte/.test(l)) kind = l.startsWith('Direct') ? 'leak' : 'indirect-leak';
    else if (/runtime error:/.test(l)) kind = 'ubsan';
    if (!kind) continue;
    // the stack that follows: "#N 0x... in fn file:line" lines up to a blank line
    const stack = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*#\d+ /.test(lines[j]) && lines[j].trim() !== '' && j < i + 4) j++;
    for (; j < lines.length && /^\s*#\d+ /.test(lines[j]); j++) stack.push(lines[j].trim());
    const bytes = Number(/of (\d+) byte/.exec(l)?.[1] ?? 0);
    out.push({ kind, head: l.trim(), bytes, stack, ours: ours.test(l) || stack.some((f) => ours.test(f)) });
  }
  return out;
}

const files = process.argv.slice(2).filter((f) => fs.existsSync(f));
const all = files.flatMap((f) => findings(fs.readFileSync(f, 'utf8')).map((x) => ({ ...x, file: f })));
const mine = all.filter((x) => x.ours && x.kind !== 'indirect-leak');
for (const x of mine) {
  const frame = x.stack.find((f) => ours.test(f)) ?? '';
  console.log(`sanitize: ${x.kind} in avforge code: ${x.head}\n    ${frame}\n    (${x.file})`);
}
const count = (k, o) => all.filter((x) => x.kind === k && x.ours === o).length;
const leaked = (o) => all.filter((x) => x.kind === 'leak' && x.ours === o).reduce((n, x) => n + x.bytes, 0);
console.log(
  `sanitize: ${files.length} report file(s); in avforge code: ${count('asan', true)} ASan error(s), ${count('ubsan', true)} UBSan error(s), ` +
    `${count('leak', true)} definite leak(s) (${leaked(true)} bytes); elsewhere (Node, V8, system libraries): ${count('asan', false)} ASan, ` +
    `${count('ubsan', false)} UBSan, ${count('leak', false)} definite leak(s) (${leaked(false)} bytes)`,
);
process.exit(mine.length ? 1 : 0);
