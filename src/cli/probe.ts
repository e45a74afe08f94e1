// `avforge probe`: what a media file holds, in one line per stream or as ffprobe's JSON.
import { probe, toFFprobeJson } from '../index.js';
import { helpText, parseCommand, UsageError, type Command } from './argv.js';
import { jsonFlag } from './shared_flags.js';

interface ProbeState {
  files: string[];
  json: boolean;
}

export const probeCommand: Command<ProbeState> = {
  name: 'probe',
  summary: 'describe a media file (--json: ffprobe -show_format -show_streams -of json)',
  usage: ['FILE [--json]'],
  groups: [{ title: 'Options', flags: [{ ...jsonFlag, help: "ffprobe's JSON (-show_format -show_streams -of json) on stdout" }] }],
  examples: ['avforge probe movie.mp4', "avforge probe movie.mp4 --json | jq '.streams[].codec_name'"],
  init: () => ({ files: [], json: false }),
  positional: (s, token) => void s.files.push(token),
};

export async function runProbe(argv: string[]): Promise<number> {
  const s = parseCommand(probeCommand, argv);
  if ('help' in s) {
    console.log(helpText(probeCommand));
    return 0;
  }
  const [file, ...more] = s.files;
  if (!file) throw new UsageError('probe needs a FILE');
  if (more.length) throw new UsageError(`probe takes one FILE (got ${s.files.map((f) => `'${f}'`).join(' ')})`);
  const info = await probe(file, { trusted: true });
  if (s.json) {
    console.log(JSON.stringify(toFFprobeJson(info), null, 4));
    return 0;
  }
  console.log(
    `${file}: ${info.format.longName}, ${info.format.duration === null ? '?' : (info.format.duration / 1e6).toFixed(3)} s, ${info.format.bitRate} b/s`,
  );
  for (const st of info.streams)
    console.log(`  #${st.index} ${st.type}: ${st.codec.codecName} ${st.codec.width ? `${st.codec.width}x${st.codec.height}` : `${st.codec.sampleRate} Hz`}`);
  return 0;
}
