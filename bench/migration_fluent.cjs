// The fluent half of bench/migration.mjs, in its own process as a fluent-ffmpeg user's code is:
// CommonJS, loading fluent-ffmpeg 2.1.3 (FLUENT_LIB: its folder, read where it lies, with its
// dependencies on NODE_PATH) and avforge/fluent (dist/fluent.cjs). Runs `count` jobs of one kind
// with each library in turn (A B A B ..., after one warm-up each) and prints every job's wall
// milliseconds as JSON: { fluent: [...], avforge: [...] }.
//   node bench/migration_fluent.cjs JOB INPUT OUTDIR COUNT
const path = require('node:path');

const [job, input, outDir, countText] = process.argv.slice(2);
const count = Number(countText);
const libs = {
  fluent: require(process.env.FLUENT_LIB),
  avforge: require(path.join(__dirname, '..', 'dist', 'fluent.cjs')),
};

// the same job, as a fluent-ffmpeg user writes it; each builds the same ffmpeg argument list
const jobs = {
  transcode: (ffmpeg, out) =>
    ffmpeg(input)
      .videoCodec('libx264')
      .outputOptions(['-preset veryfast', '-crf 23'])
      .audioCodec('aac')
      .audioBitrate('128k')
      .output(`${out}.mp4`),
  remux: (ffmpeg, out) => ffmpeg(input).outputOptions(['-c copy']).output(`${out}.mkv`),
  thumbnail: (ffmpeg, out) => ffmpeg(input).seekInput(0.5).frames(1).output(`${out}.jpg`),
  thumbnails: (ffmpeg, out) => ffmpeg(input).videoFilters('fps=1').output(`${out}-%03d.jpg`),
};

function runOne(name) {
  const out = path.join(outDir, `fluent-${name}`);
  return new Promise((resolve, reject) => {
    const t = performance.now();
    jobs[job](libs[name], out)
      .on('error', (e) => reject(new Error(`${name} ${job}: ${e.message}`)))
      .on('end', () => resolve(performance.now() - t))
      .run();
  });
}

(async () => {
  const walls = { fluent: [], avforge: [] };
  for (const name of ['fluent', 'avforge']) await runOne(name); // warm-up: loading, first spawn
  for (let i = 0; i < count; i++) for (const name of i % 2 ? ['avforge', 'fluent'] : ['fluent', 'avforge']) walls[name].push(await runOne(name));
  process.stdout.write(`${JSON.stringify(walls)}\n`);
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
