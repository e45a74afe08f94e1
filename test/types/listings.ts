// The listings' result types: readonly, with the flag unions, and null where a codec lists nothing.
// Compiled by `npm run test:types`, never run.
import {
  type CodecCapability,
  type CodecListing,
  codecs,
  type FilterListing,
  filters,
  type FormatListing,
  formats,
  hwaccels,
  type PixelFormatListing,
  pixelFormats,
  type SampleFormatListing,
  sampleFormats,
} from 'avforge';
import { expectTypeOf } from 'expect-type';

expectTypeOf(codecs()).toEqualTypeOf<readonly CodecListing[]>();
expectTypeOf(formats()).toEqualTypeOf<readonly FormatListing[]>();
expectTypeOf(filters()).toEqualTypeOf<readonly FilterListing[]>();
expectTypeOf(pixelFormats()).toEqualTypeOf<readonly PixelFormatListing[]>();
expectTypeOf(sampleFormats()).toEqualTypeOf<readonly SampleFormatListing[]>();
expectTypeOf(hwaccels()).toEqualTypeOf<readonly string[]>();

const c = codecs()[0];
if (c) {
  expectTypeOf(c.kind).toEqualTypeOf<'encoder' | 'decoder'>();
  expectTypeOf(c.pixelFormats).toEqualTypeOf<readonly string[] | null>();
  expectTypeOf(c.capabilities).toEqualTypeOf<readonly CodecCapability[]>();
  // @ts-expect-error: the listings are frozen
  c.capabilities.push('hardware');
  // @ts-expect-error: an unknown capability is a type error
  c.capabilities.includes('turbo');
}
