// Bitstream filters: https://ffmpeg.org/doxygen/trunk/group__lavc__bsf.html
import { avOptions, check, invalidArgument, is, optionsObject, settle } from '../errors.js';
import { addon, type NativeBitstreamFilter } from '../native.js';
import { CodecParameters } from './codec_parameters.js';
import { Packet, packetHandles } from './packet.js';
import { Resource } from './resource.js';
import { Stream } from './stream.js';
import type { AvOptions, Rational } from './types.js';

/**
 * A bitstream filter ('h264_mp4toannexb', 'hevc_mp4toannexb', 'aac_adtstoasc', 'dump_extra'...):
 * rewrites packets without decoding them. Its output parameters go to the muxer.
 */
export class BitstreamFilter extends Resource<NativeBitstreamFilter> {
  readonly name: string;
  /** The parameters of the filtered stream (give these to Muxer.addStream). */
  readonly codecParameters: CodecParameters;
  readonly timeBase: Rational;

  static async open(name: string, source: Stream | CodecParameters, options?: { timeBase?: Rational; options?: AvOptions }): Promise<BitstreamFilter> {
    if (!is.nonEmptyString(name)) throw invalidArgument('name', 'a bitstream filter name', name);
    if (!(source instanceof Stream) && !(source instanceof CodecParameters)) throw invalidArgument('source', 'a Stream or CodecParameters', source);
    const o = optionsObject(options);
    check(o.timeBase, 'timeBase', 'a rational { num, den }', is.rational);
    const params = source instanceof Stream ? source.codecParameters : source;
    const timeBase = (o.timeBase as Rational | undefined) ?? (source instanceof Stream ? source.timeBase : { num: 1, den: 1_000_000 });
    const handle = new (addon().BitstreamFilter)();
    try {
      const out = await settle(handle.open(name, params.native, timeBase, avOptions(o.options, 'options')));
      return new BitstreamFilter(handle, name, new CodecParameters(out.codecParameters), out.timeBase);
    } catch (e) {
      void handle.close();
      throw e;
    }
  }

  private constructor(handle: NativeBitstreamFilter, name: string, params: CodecParameters, timeBase: Rational) {
    super(handle);
    this.name = name;
    this.codecParameters = params;
    this.timeBase = timeBase;
  }

  /** Filters packets (the caller's stay untouched); returns the packets now ready. */
  async filter(packets: Packet | readonly Packet[]): Promise<Packet[]> {
    return (await settle(this.native.filter(packetHandles(packets), false))).map(Packet.wrap);
  }

  /** Ends the stream, returns what is left, and resets the filter for reuse. */
  async flush(): Promise<Packet[]> {
    return (await settle(this.native.filter([], true))).map(Packet.wrap);
  }
}
