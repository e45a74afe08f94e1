// options() and routeOption(): a name is required exactly for the named classes, the results are
// readonly, and the types, flags and layers are closed unions. Compiled by `npm run test:types`, never run.
import { type AvOptionConstant, type AvOptionInfo, type AvOptionLayer, type AvOptionType, type OptionRouteContext, options, routeOption } from 'avforge';
import { expectTypeOf } from 'expect-type';

expectTypeOf(options('encoder', 'libx264')).toEqualTypeOf<readonly AvOptionInfo[]>();
expectTypeOf(options('swscale')).toEqualTypeOf<readonly AvOptionInfo[]>();
// @ts-expect-error: a codec needs its name
options('encoder');
// @ts-expect-error: there is one generic class, with no name
options('codec-generic', 'libx264');
// @ts-expect-error: an unknown class
options('bsf', 'h264_mp4toannexb');

const o = options('muxer', 'mp4')[0];
if (o) {
  expectTypeOf(o.type).toEqualTypeOf<AvOptionType>();
  expectTypeOf(o.default).toEqualTypeOf<number | string | null>();
  expectTypeOf(o.unit).toEqualTypeOf<string | null>();
  expectTypeOf(o.flags.encoding).toEqualTypeOf<boolean>();
  expectTypeOf(o.constants).toEqualTypeOf<readonly AvOptionConstant[]>();
  // @ts-expect-error: an unknown type is a type error
  if (o.type === 'integer') void o;
  // @ts-expect-error: the listings are frozen
  o.constants.push({ name: 'x', help: '', value: 1 });
  // @ts-expect-error: and readonly
  o.name = 'x';
}

expectTypeOf(routeOption('crf', { encoder: 'libx264' })).toEqualTypeOf<AvOptionLayer[]>();
expectTypeOf(routeOption('crf')).toEqualTypeOf<AvOptionLayer[]>();
expectTypeOf<OptionRouteContext>().toHaveProperty('protocol');
// @ts-expect-error: an unknown context field
routeOption('crf', { codec: 'libx264' });
