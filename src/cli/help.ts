// The --help texts of the job commands (args.ts reads the flags these describe).

const common = `Output and progress:
  -y                   replace an existing output (without it an existing output is an error, exit 1)
  --json               one JSON object per line on stdout: {"event":"progress",...} while it runs,
                       then {"event":"done",...} or {"event":"error","code":...,"message":...}
  -stats_period S      seconds between progress reports (default 0.25 on a terminal, 0.5 with --json)
  -v LEVEL             FFmpeg's log level: quiet, error, warning (default), info, verbose, debug
  --strict             damaged input is an error (by default damaged packets are skipped and counted)

On a terminal a progress line is drawn on stderr; elsewhere nothing is printed unless --json.
Ctrl-C once stops early and finishes a valid, shorter output; twice aborts and removes it
(SIGTERM aborts too). A replaced file (-y) stays as it was until the new one is complete.

Exit status: 0 done, 1 the job failed (bad media, unknown codec, existing output without -y...),
2 usage error (unknown option, missing file name, bad value), 130 interrupted (Ctrl-C), 143 SIGTERM.`;

export const transcodeHelp = `avforge transcode — decode, filter and encode (ffmpeg's flags)

Usage:
  avforge transcode IN OUT [options]
  avforge transcode -i IN [-i EXTRA ...] [options] OUT

Options placed before an -i are that input's (-f FMT, -ss S), as in ffmpeg; all others are the output's.

Time:
  -ss S                start here (seconds, or [HH:]MM:SS[.ms])
  -t S                 write this much
Video:
  -c:v CODEC|copy      encoder (libx264, libx265, libvpx-vp9, libsvtav1...) or copy; default the container's
  -crf N  -preset P    quality and speed of x264/x265 and others
  -b:v RATE            bit rate (2M, 800k)
  -vf CHAIN            filter chain (scale=640:-2,hflip)
  -s WxH               size (-2 for one side keeps the aspect ratio: 640x-2)
  -r FPS               frame rate (25, 29.97, 30000/1001)
  -pix_fmt F           pixel format (yuv420p, yuv420p10le)
  -g N                 keyframe interval
  -frames:v N          stop after N frames
  -q:v N               fixed quality (mpeg2video, mjpeg)
  -vn                  no video
Audio:
  -c:a CODEC|copy      encoder (aac, libopus, libmp3lame, flac...) or copy
  -b:a RATE            bit rate (128k)
  -af CHAIN            filter chain (volume=0.5)
  -ar HZ  -ac N        sample rate and channels
  -q:a N               fixed quality (libmp3lame)
  -an                  no audio
Streams:
  -c copy              copy video and audio (no re-encoding)
  -c:s copy  -sn       copy subtitle streams / none (default none)
  -map SPEC            choose streams, repeatable: 0 (all of input 0), 0:v, 0:a:1, 1:a, 0:3, [label]
  -i EXTRA             another input (input 1, 2...) for -map and -filter_complex
  -filter_complex G    a filter graph over [0:v], [1:a]...; map its labelled outputs with -map '[out]'
                       (without -map, its unconnected outputs); an audio output needs -ar or -ac
  -threads N           codec threads (0: as many as useful)
Encoder options:
  -NAME VALUE          after -c:v CODEC (or -c:a CODEC), an option of that encoder:
                       -c:v libx265 -x265-params aq-mode=3   -c:v libx264 -tune film -profile:v high
  -NAME:v VALUE        an option of the video encoder (-NAME:a for audio), wherever it stands
Container:
  -f FMT               output format (mp4, matroska, webm, mpegts...); default from OUT's extension
  -movflags F          MP4/MOV muxer flags (+faststart)
  --faststart          MP4: index at the front, for playback while downloading
  --fragmented         fragmented MP4
  -metadata K=V        a global tag, repeatable ("" removes it)

${common}

Examples:
  avforge transcode in.mp4 out.mkv -c:v libx265 -crf 28 -c:a copy
  avforge transcode -i in.mov -vf scale=1280:-2 -c:v libx264 -preset fast -crf 23 -c:a aac -b:a 128k --faststart out.mp4
  avforge transcode in.mp4 clip.mp4 -ss 00:01:00 -t 30 -c copy
  avforge transcode in.mp4 out.mp4 -i music.m4a -map 0:v -map 1:a -c:v copy -t 60
  avforge transcode in.mp4 out.mp4 -i logo.png -filter_complex '[0:v][1:v]overlay=10:10[v]' -map '[v]' -map 0:a
  avforge transcode in.mkv out.mp4 --json > progress.jsonl`;

export const remuxHelp = `avforge remux — copy streams into another container, without re-encoding

Usage:
  avforge remux IN OUT [options]
  avforge remux -i IN [options] OUT

Options:
  -ss S                start at the keyframe at or before S (seconds, or [HH:]MM:SS[.ms])
  -t S                 copy this much
  -map SPEC            streams to keep, repeatable: 0:v, 0:a:1, 0:s, 0:2 (default every video, audio
                       and subtitle stream)
  -f FMT               output format (mp4, matroska, mpegts, hls...); default from OUT's extension
  -movflags F          MP4/MOV muxer flags
  --faststart          MP4: index at the front
  --fragmented         fragmented MP4
  -metadata K=V        a global tag, repeatable ("" removes it)

${common}

Examples:
  avforge remux in.mkv out.mp4 --faststart
  avforge remux in.mp4 out.ts -map 0:v -map 0:a:0
  avforge remux in.mp4 part.mp4 -ss 60 -t 30`;

export const thumbsHelp = `avforge thumbs — still images from a video

Usage:
  avforge thumbs IN [options]

Which frames (one of):
  --every S            one every S seconds (--count N: at most N)
  --count N            N spread evenly over the video (default 1, from the middle)
  --times 1,5,1:30     at these times
  --keyframes          keyframes only, fast: nothing else is decoded (--count N: the first N)
Images:
  --width W  --height H   scale (with one of them the other keeps the aspect ratio); or -s WxH
  --format F           jpeg (default), png or webp; default from -o's extension
  -q N                 JPEG: 2 (best) to 31; WebP: 0 to 100 (best)
  -o PATTERN           file names: %d or %03d is the image number from 1
                       (default thumb-%03d.jpg in the current folder; a folder: thumb-%03d.jpg in it)
  -ss S                skip the video's first S seconds

${common}

With --json the done event lists the images: {"event":"done","count":N,"thumbnails":[{"time":..,"file":..,"bytes":..}]}.

Examples:
  avforge thumbs movie.mp4 --every 10 --width 320 -o thumbs/
  avforge thumbs movie.mp4 --count 9 --format webp -q 80 -o 'poster-%02d.webp'
  avforge thumbs movie.mp4 --times 0:05,1:30 -o shot.png`;
