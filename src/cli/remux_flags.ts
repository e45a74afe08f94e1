// `avforge remux`: its flags and how they become remux()'s options.
import type { RemuxOptions } from '../index.js';
import { parseCommand, UsageError, type Command, type Parsed } from './argv.js';
import {
  applyFiles,
  containerFlags,
  durationFlag,
  fileWord,
  formatFlag,
  inputFlag,
  JOB_NOTES,
  jobArgs,
  jobState,
  outputFlags,
  seekFlag,
  type JobArgs,
  type JobState,
} from './shared_flags.js';
import { parseMapSpec } from './transcode_flags.js';

export type RemuxArgs = JobArgs<RemuxOptions>;

interface RemuxState extends JobState<RemuxOptions> {
  streams: (string | number)[];
  /** -map 0: every stream, whatever else is mapped. */
  all: boolean;
}

export const remuxCommand: Command<RemuxState> = {
  name: 'remux',
  summary: 'copy streams into another container, without re-encoding',
  usage: ['IN OUT [options]', '-i IN [options] OUT'],
  intro: 'Nothing is decoded: -ss starts at the keyframe at or before S.',
  groups: [
    {
      title: 'Options',
      flags: [
        inputFlag,
        seekFlag,
        durationFlag,
        {
          names: ['-map'],
          value: 'SPEC',
          help: 'streams to keep, repeatable: 0:v, 0:a:1, 0:s, 0:2 (default every video, audio\nand subtitle stream)',
          apply(s, v) {
            const m = parseMapSpec(v);
            if (m.label !== undefined) throw new UsageError(`-map ${v}: remux has no filter graph`);
            if (m.input !== 0) throw new UsageError(`-map ${v}: remux has one input, 0`);
            if (m.stream === undefined) s.all = true;
            else s.streams.push(m.stream);
          },
        },
        {
          names: ['-c'],
          aliases: ['-codec'],
          value: 'copy',
          help: 'accepted for habit: remux copies every stream',
          apply(_s, v, flag) {
            if (v !== 'copy') throw new UsageError(`${flag} ${v}: remux copies every stream; use avforge transcode to encode`);
          },
        },
        formatFlag,
        ...containerFlags,
      ],
    },
    { title: 'Output and progress', flags: outputFlags },
  ],
  notes: JOB_NOTES,
  examples: ['avforge remux in.mkv out.mp4 --faststart', 'avforge remux in.mp4 out.ts -map 0:v -map 0:a:0', 'avforge remux in.mp4 part.mp4 -ss 60 -t 30'],
  init: () => ({ ...jobState<RemuxOptions>({}), streams: [], all: false }),
  positional: fileWord,
};

/** `avforge remux`'s arguments -> remux()'s options. */
export function parseRemuxArgs(argv: readonly string[]): Parsed<RemuxArgs> {
  const s = parseCommand(remuxCommand, argv);
  if ('help' in s) return s;
  const files = applyFiles(s, false);
  if (s.streams.length && !s.all) s.options.streams = s.streams;
  return jobArgs(s, files);
}
