// `avforge batch [-j N] [FILE]`: many ffmpeg/ffprobe command lines, one per line, run in this one
// process, N at a time. A shell script that starts ffmpeg once per file pays a process start and
// the libraries' loading per job; `avforge ffmpeg` pays Node's start-up on top. Here each job
// pays neither: the lines go through the same grammar as `avforge ffmpeg` (ffmpeg/run.ts).
import fs from 'node:fs';
import { availableParallelism } from 'node:os';

import { ffmpeg, ffprobe, FfmpegExitError } from './ffmpeg/in_process.js';
import { helpText, parseCommand, parseNumber, UsageError, type Command } from './argv.js';

interface BatchState {
  files: string[];
  jobs: number;
}

export const batchCommand: Command<BatchState> = {
  name: 'batch',
  summary: 'run ffmpeg/ffprobe command lines (one per line of FILE or stdin) in one process, N at a time',
  usage: ['[-j N] [FILE]'],
  intro:
    'Each line is a command as a shell script writes it: `ffmpeg ARGS...` or `ffprobe ARGS...`, words quoted as in sh (\'...\', "...", \\). Empty lines and lines starting with # are skipped; variables, pipes, redirections and ; are not shell here and are refused.',
  groups: [
    {
      title: 'Options',
      flags: [
        {
          names: ['-j', '--jobs'],
          value: 'N',
          help: 'command lines run at the same time (default: the number of CPUs)',
          apply: (s, v, flag) => void (s.jobs = parseNumber(v, flag, { integer: true, min: 1, max: 1024 })),
        },
      ],
    },
  ],
  notes:
    "Reports one line per command on stderr as it ends ('[LINE] ok 0.42 s' or '[LINE] exit 1: why'), and what an ffprobe line prints on stdout. Exit status: 0 when every line succeeded, 1 when one failed, 2 for a usage error (nothing is run), 255 when interrupted.",
  examples: ['avforge batch jobs.txt', "for f in *.mov; do echo \"ffmpeg -y -i '$f' -c:v libx264 '$f.mp4'\"; done | avforge batch -j 2"],
  init: () => ({ files: [], jobs: availableParallelism() }),
  positional: (s, token) => void s.files.push(token),
};

/** A line's words, split and unquoted as sh does for plain words; null for a blank or comment line. */
export function shellWords(line: string): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  const add = (text: string) => void (word = (word ?? '') + text);
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '#' && word === null) break;
    else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new UsageError('an unterminated single quote');
      add(line.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      let text = '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '$' || line[i] === '`') throw new UsageError(`'${line[i]}' (shell expansion) is not supported in a batch line`);
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
        text += line[i];
      }
      if (i >= line.length) throw new UsageError('an unterminated double quote');
      add(text);
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new UsageError('a backslash at the end of the line');
      add(line[++i]!);
    } else if ('$`|&;<>(){}*?['.includes(c)) {
      throw new UsageError(`'${c}' is shell syntax, which a batch line does not have: quote it, or write the command out`);
    } else add(c);
  }
  if (word !== null) words.push(word);
  return words.length ? words : null;
}

interface BatchLine {
  number: number;
  program: 'ffmpeg' | 'ffprobe';
  args: string[];
}

function parseLines(text: string): BatchLine[] {
  const lines: BatchLine[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    let words: string[] | null;
    try {
      words = shellWords(raw);
    } catch (e) {
      throw new UsageError(`line ${i + 1}: ${(e as Error).message}`);
    }
    if (!words) continue;
    const [program, ...args] = words;
    if (program !== 'ffmpeg' && program !== 'ffprobe') throw new UsageError(`line ${i + 1}: a command starts with ffmpeg or ffprobe, not '${program}'`);
    lines.push({ number: i + 1, program, args });
  }
  return lines;
}

export async function runBatch(argv: string[]): Promise<number> {
  const s = parseCommand(batchCommand, argv);
  if ('help' in s) {
    console.log(helpText(batchCommand));
    return 0;
  }
  if (s.files.length > 1) throw new UsageError(`batch reads one FILE (got ${s.files.length})`);
  const file = s.files[0] ?? '-';
  const lines = parseLines(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  let failed = 0;
  const runOne = async (line: BatchLine) => {
    const started = performance.now();
    try {
      if (line.program === 'ffprobe') process.stdout.write((await ffprobe(line.args)).stdout);
      else await ffmpeg(line.args, { signal: stop.signal });
      process.stderr.write(`[${line.number}] ok ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
    } catch (e) {
      failed++;
      const code = e instanceof FfmpegExitError ? e.code : (e as { exitCode?: number }).exitCode;
      const why = (e instanceof FfmpegExitError ? e.stderr.trim().split('\n').at(-1) : undefined) ?? (e as Error).message;
      process.stderr.write(`[${line.number}] exit ${code ?? 1}: ${why}\n`);
    }
  };
  try {
    let next = 0;
    const worker = async () => {
      while (next < lines.length && !stop.signal.aborted) await runOne(lines[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(s.jobs, lines.length) }, worker));
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
  if (stop.signal.aborted) return 255;
  return failed ? 1 : 0;
}
