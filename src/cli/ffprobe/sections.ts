// ffprobe's section tree (what it prints, nested), and -show_entries / -show_SECTION: which
// sections and keys are shown. Names are ffprobe's: a section answers to its name ('tags',
// 'stream') and its unique name ('stream_tags'); `-show_entries tags` selects every tags section.
import { UsageError } from '../argv.js';

export interface Section {
  /** Unique in the tree ("stream_tags"). */
  id: string;
  /** The name writers print ("streams", "tags"). */
  name: string;
  /** The name -show_entries knows it by when `name` is shared ("stream_tags"). */
  unique?: string;
  /** The name of one of its elements, where writers use it ("tag", "side_data"). */
  element?: string;
  /** An array of like sections (JSON `[...]`). */
  array?: boolean;
  /** The document itself. */
  wrapper?: boolean;
  /** A side data entry: FFmpeg 7's compact writer names it by its type. */
  typed?: boolean;
  children: string[];
  /** Set by the selection: every key is shown, or these. */
  showAll: boolean;
  entries: Set<string>;
}

const TABLE: [id: string, name: string, extra: Partial<Section>, children: string[]][] = [
  ['root', 'root', { wrapper: true }, ['chapters', 'format', 'frames', 'programs', 'stream_groups', 'streams', 'packets']],
  ['packets', 'packets', { array: true }, ['packet']],
  // Packets and frames in one list (the JSON writer, when both are shown); not in the root's
  // children: -show_packets and -show_frames select it.
  ['packets_and_frames', 'packets_and_frames', { array: true }, ['packet', 'frame']],
  ['packet', 'packet', {}, ['packet_tags', 'packet_side_data_list']],
  ['packet_tags', 'tags', { element: 'tag', unique: 'packet_tags' }, []],
  ['packet_side_data_list', 'side_data_list', { element: 'side_data', unique: 'packet_side_data_list', array: true }, ['packet_side_data']],
  ['packet_side_data', 'side_data', { unique: 'packet_side_data', element: 'side_datum', typed: true }, []],
  ['frames', 'frames', { array: true }, ['frame']],
  ['frame', 'frame', {}, ['frame_tags', 'frame_side_data_list']],
  ['frame_tags', 'tags', { element: 'tag', unique: 'frame_tags' }, []],
  ['frame_side_data_list', 'side_data_list', { element: 'side_data', unique: 'frame_side_data_list', array: true }, ['frame_side_data']],
  ['frame_side_data', 'side_data', { unique: 'frame_side_data', element: 'side_datum', typed: true }, []],
  ['streams', 'streams', { array: true }, ['stream']],
  ['stream', 'stream', {}, ['stream_disposition', 'stream_tags', 'stream_side_data_list']],
  ['stream_disposition', 'disposition', { unique: 'stream_disposition' }, []],
  ['stream_tags', 'tags', { element: 'tag', unique: 'stream_tags' }, []],
  ['stream_side_data_list', 'side_data_list', { element: 'side_data', unique: 'stream_side_data_list', array: true }, ['stream_side_data']],
  ['stream_side_data', 'side_data', { unique: 'stream_side_data', element: 'side_datum', typed: true }, []],
  // Programs and (FFmpeg 7+) stream groups hold streams too: `-show_entries stream=...` selects them.
  ['programs', 'programs', { array: true }, ['program']],
  ['program', 'program', {}, ['program_tags', 'program_streams']],
  ['program_tags', 'tags', { element: 'tag', unique: 'program_tags' }, []],
  ['program_streams', 'streams', { array: true, unique: 'program_streams' }, ['program_stream']],
  ['program_stream', 'stream', { unique: 'program_stream' }, ['program_stream_disposition', 'program_stream_tags']],
  ['program_stream_disposition', 'disposition', { unique: 'program_stream_disposition' }, []],
  ['program_stream_tags', 'tags', { element: 'tag', unique: 'program_stream_tags' }, []],
  ['stream_groups', 'stream_groups', { array: true }, ['stream_group']],
  ['stream_group', 'stream_group', {}, ['stream_group_disposition', 'stream_group_tags', 'stream_group_streams']],
  ['stream_group_disposition', 'disposition', { unique: 'stream_group_disposition' }, []],
  ['stream_group_tags', 'tags', { element: 'tag', unique: 'stream_group_tags' }, []],
  ['stream_group_streams', 'streams', { array: true, unique: 'stream_group_streams' }, ['stream_group_stream']],
  ['stream_group_stream', 'stream', { unique: 'stream_group_stream' }, ['stream_group_stream_disposition', 'stream_group_stream_tags']],
  ['stream_group_stream_disposition', 'disposition', { unique: 'stream_group_stream_disposition' }, []],
  ['stream_group_stream_tags', 'tags', { element: 'tag', unique: 'stream_group_stream_tags' }, []],
  ['format', 'format', {}, ['format_tags']],
  ['format_tags', 'tags', { element: 'tag', unique: 'format_tags' }, []],
  ['chapters', 'chapters', { array: true }, ['chapter']],
  ['chapter', 'chapter', {}, ['chapter_tags']],
  ['chapter_tags', 'tags', { element: 'tag', unique: 'chapter_tags' }, []],
];

export type SectionId = (typeof TABLE)[number][0];

/** One selection: a fresh copy of the tree with nothing shown. */
export class Sections {
  readonly byId = new Map<string, Section>();

  constructor() {
    for (const [id, name, extra, children] of TABLE) this.byId.set(id, { id, name, ...extra, children, showAll: false, entries: new Set() });
  }

  get(id: string): Section {
    const s = this.byId.get(id);
    if (!s) throw new Error(`no ffprobe section '${id}'`);
    return s;
  }

  /** -show_format, -show_streams...: the section and everything in it, every key. */
  showAll(id: string): void {
    const s = this.get(id);
    s.showAll = true;
    for (const c of s.children) this.showAll(c);
  }

  /** -show_entries SECTION[=KEY,...][:SECTION[=KEY,...]]... */
  showEntries(spec: string): void {
    for (const part of spec.split(':')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const keys =
        eq < 0
          ? undefined
          : part
              .slice(eq + 1)
              .split(',')
              .filter(Boolean);
      let matched = 0;
      for (const [id, s] of this.byId) {
        if (s.name !== name && s.unique !== name) continue;
        matched++;
        if (keys === undefined) this.showAll(id);
        else {
          s.showAll = false;
          s.entries = new Set(keys);
        }
      }
      if (!matched) throw new UsageError(`-show_entries: no section named '${name}'`);
    }
  }

  /** Whether anything in the section or below it is shown (ffprobe's check_section_show_entries). */
  shown(id: string): boolean {
    const s = this.get(id);
    return s.showAll || s.entries.size > 0 || s.children.some((c) => this.shown(c));
  }
}
