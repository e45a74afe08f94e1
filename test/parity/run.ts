// `npm run test:parity`: every shape of the corpus run three ways (the ffmpeg CLI, `avforge
// ffmpeg` with the very same argv, and the API form), outputs compared with ffprobe
// (compare.ts), and a table. It fails on a crash or a hang of either avforge route; the pass
// rates are reported (README, "Coming from the ffmpeg CLI"). `--only TEXT` runs the shapes whose
// name contains TEXT; `--slice N` every N-th shape.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { scratch } from '../media/generate.js';
import { compareOutputs } from './compare.js';
import { file } from './media.js';
import { SHAPES } from './shapes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.resolve(here, '../../../dist/cli/main.js');
const TIMEOUT = 120_000;

type Outcome = { status: 'pass' | 'diff' | 'error' | 'crash' | 'hang' | 'n/a'; detail: string };

function run(cmd: string, args: string[], cwd: string): { status: number | null; signal: string | null; stderr: string; timedOut: boolean } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: TIMEOUT, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 16 << 20 });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return { status: r.status, signal: r.signal, stderr: r.stderr ?? '', timedOut };
}

function outcome(r: ReturnType<typeof run>, reference: string, ours: string, more: string[] = []): Outcome {
  const lastLine = r.stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
  if (r.timedOut) return { status: 'hang', detail: `no end in ${TIMEOUT / 1000} s` };
  if (r.signal) return { status: 'crash', detail: `${r.signal}: ${lastLine}` };
  if (r.status === 3) return { status: 'n/a', detail: 'no API form' };
  if (r.status !== 0) return { status: 'error', detail: lastLine.slice(0, 160) };
  const diffs = ['', ...more].flatMap((suffix) => compareOutputs(reference + suffix, ours + suffix).map((d) => (suffix ? `${suffix}: ${d}` : d)));
  return diffs.length ? { status: 'diff', detail: diffs.slice(0, 3).join('; ').slice(0, 200) } : { status: 'pass', detail: '' };
}

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1]! : '';
const slice = args.includes('--slice') ? Number(args[args.indexOf('--slice') + 1]) : 1;
const shapes = SHAPES.map((s, index) => ({ s, index })).filter(({ s, index }) => s.name.includes(only) && index % slice === 0);
const rows: { name: string; group: string; cliRoute: Outcome; apiRoute: Outcome }[] = [];
const started = Date.now();
for (const { s, index } of shapes) {
  const dir = scratch('parity');
  const [ref, viaCli, viaApi] = ['ffmpeg', 'cli', 'api'].map((d) => {
    fs.mkdirSync(path.join(dir, d));
    return path.join(dir, d, s.out);
  }) as [string, string, string];
  const reference = run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...s.argv(file, ref)], path.dirname(ref));
  if (reference.status !== 0) {
    rows.push({
      name: s.name,
      group: s.group,
      cliRoute: { status: 'n/a', detail: `the ffmpeg CLI failed: ${reference.stderr.trim().split('\n').pop()}` },
      apiRoute: { status: 'n/a', detail: '' },
    });
    continue;
  }
  const cliRoute = outcome(
    run(process.execPath, [cli, 'ffmpeg', '-nostdin', '-v', 'error', '-y', ...s.argv(file, viaCli)], path.dirname(viaCli)),
    ref,
    viaCli,
    s.more,
  );
  const apiRoute = s.api
    ? outcome(run(process.execPath, [path.join(here, 'api_child.js'), String(index), viaApi], path.dirname(viaApi)), ref, viaApi, s.more)
    : { status: 'n/a' as const, detail: 'no API form' };
  rows.push({ name: s.name, group: s.group, cliRoute, apiRoute });
  process.stdout.write(
    `${cliRoute.status.padEnd(5)} ${apiRoute.status.padEnd(5)} ${s.name}${cliRoute.detail ? `\n      cli: ${cliRoute.detail}` : ''}${apiRoute.detail && apiRoute.status !== 'n/a' ? `\n      api: ${apiRoute.detail}` : ''}\n`,
  );
}

const count = (route: 'cliRoute' | 'apiRoute') => {
  const ran = rows.filter((r) => r[route].status !== 'n/a');
  const passed = ran.filter((r) => r[route].status === 'pass').length;
  return { passed, ran: ran.length, pct: ran.length ? Math.round((passed / ran.length) * 1000) / 10 : 0 };
};
const table = [
  '| shape | group | avforge ffmpeg | API | difference |',
  '|---|---|---|---|---|',
  ...rows.map(
    (r) => `| ${r.name} | ${r.group} | ${r.cliRoute.status} | ${r.apiRoute.status} | ${(r.cliRoute.detail || r.apiRoute.detail).replace(/\|/g, '\\|')} |`,
  ),
].join('\n');
const out = path.join(path.dirname(scratch('parity-table')), 'parity-table.md');
fs.writeFileSync(out, `${table}\n`);
const c = count('cliRoute');
const a = count('apiRoute');
const broken = rows.filter((r) => ['crash', 'hang'].includes(r.cliRoute.status) || ['crash', 'hang'].includes(r.apiRoute.status));
console.log(`\ntable: ${out}`);
console.log(
  `parity: ${rows.length} shapes in ${Math.round((Date.now() - started) / 1000)} s; avforge ffmpeg ${c.passed}/${c.ran} (${c.pct}%), API ${a.passed}/${a.ran} (${a.pct}%); ${broken.length} crashed or hung`,
);
process.exit(broken.length ? 1 : 0);
