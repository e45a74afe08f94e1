// AVOptions as types: transcode()'s and remux()'s encoder and muxer options, typed from the
// tables of the FFmpeg the build links (scripts/gen-option-types.mjs). libx264, libopus and the
// mp4/hls muxers are in every FFmpeg the tests run on; an encoder the build has no types for
// takes any AVOption. Compiled by `npm run test:types`, never run.
import { type AvOptions, type EncoderOptionsOf, type KnownEncoderOptions, type MuxerOptionsOf, remux, transcode } from 'avforge';
import { expectTypeOf } from 'expect-type';

// an option libx264 has, with a number; a string number as av_opt_set reads it; a constant-free string option
transcode('in.mp4', 'out.mp4', { video: { codec: 'libx264', options: { crf: 20, preset: 'slow', 'x264-params': 'keyint=60' } } });
transcode('in.mp4', 'out.mp4', { video: { codec: 'libx264', options: { crf: '20', b: '2M' } } });
// @ts-expect-error: a misspelt option of libx264
transcode('in.mp4', 'out.mp4', { video: { codec: 'libx264', options: { crff: 20 } } });
// @ts-expect-error: crf is a number
transcode('in.mp4', 'out.mp4', { video: { codec: 'libx264', options: { crf: 'fast' } } });
// @ts-expect-error: a bool option takes no word but true, false and auto
transcode('in.mp4', 'out.mp4', { video: { codec: 'libx264', options: { 'fast-pskip': 'sometimes' } } });

// constants as string unions: libopus's application (an int with named values)
transcode('in.mp4', 'out.webm', { audio: { codec: 'libopus', options: { application: 'voip', vbr: 'on' } } });
// @ts-expect-error: not a constant of application
transcode('in.mp4', 'out.webm', { audio: { codec: 'libopus', options: { application: 'speech' } } });
// an audio encoder's options are not a video encoder's
// @ts-expect-error: crf is libx264's, not libopus's
transcode('in.mp4', 'out.webm', { audio: { codec: 'libopus', options: { crf: 20 } } });

// the muxer's options by format: flags by name, several joined with +
transcode('in.mp4', 'out.mp4', { format: 'mp4', formatOptions: { movflags: '+faststart' } });
remux('in.mp4', 'out.mp4', { format: 'mp4', formatOptions: { movflags: 'frag_keyframe+empty_moov' } });
remux('in.mp4', 'out.m3u8', { format: 'hls', formatOptions: { hls_time: 4, hls_playlist_type: 'vod', hls_segment_filename: 'seg%03d.ts' } });
// @ts-expect-error: an mp4 option on the hls muxer
remux('in.mp4', 'out.m3u8', { format: 'hls', formatOptions: { movflags: '+faststart' } });
// @ts-expect-error: a misspelt hls option
remux('in.mp4', 'out.m3u8', { format: 'hls', formatOptions: { hls_tme: 4 } });
// @ts-expect-error: not a flag of movflags
remux('in.mp4', 'out.mp4', { format: 'mp4', formatOptions: { movflags: 'fastest' } });

// unknown at compile time, or untyped: any AVOption, as before
const codec: string = 'libx264';
transcode('in.mp4', 'out.mp4', { video: { codec, options: { crff: 20 } } });
transcode('in.mp4', 'out.mp4', { video: { codec: 'some_encoder', options: { anything: 1 } } });
transcode('in.mp4', 'out.mp4', { video: { options: { anything: 'x' } }, audio: 'copy' });
remux('in.mp4', 'out.mkv', { formatOptions: { anything: true } });
expectTypeOf<EncoderOptionsOf<string>>().toEqualTypeOf<AvOptions>();
expectTypeOf<EncoderOptionsOf<'some_encoder'>>().toEqualTypeOf<AvOptions>();
expectTypeOf<MuxerOptionsOf<'some_muxer'>>().toEqualTypeOf<AvOptions>();
// a typed encoder's options still fit the untyped AvOptions that the Engine and the CLI pass
expectTypeOf<KnownEncoderOptions['libx264']>().toMatchTypeOf<AvOptions>();
