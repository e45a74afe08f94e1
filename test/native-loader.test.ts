// src/native.ts's choice of addon: the libavformat installed, read from the loader's cache and
// library folders, picks among the prebuilts (prebuildify's layout, node-gyp-build's tags).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { addon, addonCandidates, addonPath, installedAvformatMajors, prebuiltsIn } from '../src/native.js';

test('the libavformat the addon runs on is among the majors found installed', () => {
  const linked = Number(addon().versions().libavformat.split('.')[0]);
  // the self-contained build (tagged static) carries its FFmpeg: the one case it need not be installed
  const selfContained = path
    .basename(addonPath() ?? '')
    .split('.')
    .includes('static');
  if (!selfContained) assert.ok(installedAvformatMajors().includes(linked), `${linked} in ${installedAvformatMajors().join(', ')}`);
  const majors = installedAvformatMajors();
  assert.deepEqual(
    majors,
    [...majors].sort((a, b) => b - a),
    'newest first',
  );
});

test('the addon comes from one of the candidates, a build from source first', () => {
  addon();
  const candidates = addonCandidates();
  assert.ok(candidates.includes(addonPath() ?? ''), `${addonPath()} in ${candidates.join(', ')}`);
  assert.match(candidates[0] ?? '', /build[/\\]Release[/\\]avforge\.node$/);
});

test('prebuilts: only those for the asked major that this Node.js and libc can load', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avforge-prebuilds-'));
  try {
    // node-gyp-build's rule: musl on Alpine, glibc elsewhere
    const libc = process.platform === 'linux' && fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
    const other = libc === 'glibc' ? 'musl' : 'glibc';
    for (const f of [
      `avforge.avformat59.${libc}.node`,
      `avforge.avformat59.${other}.node`,
      'avforge.avformat61.node',
      `avforge.avformat59.abi1.${libc}.node`,
      'avforge.avformat591.node',
      'avforge.avformat59.txt',
      `avforge.static.lgpl.${libc}.node`,
      `avforge.static.lgpl.${other}.node`,
    ])
      fs.writeFileSync(path.join(dir, f), '');
    assert.deepEqual(
      prebuiltsIn(dir, 59).map((f) => path.basename(f)),
      [`avforge.avformat59.${libc}.node`],
    );
    assert.deepEqual(
      prebuiltsIn(dir, 61).map((f) => path.basename(f)),
      ['avforge.avformat61.node'],
    );
    // the self-contained build (FFmpeg linked in) is its own tag, never one major's
    assert.deepEqual(
      prebuiltsIn(dir, 'static').map((f) => path.basename(f)),
      [`avforge.static.lgpl.${libc}.node`],
    );
    assert.deepEqual(prebuiltsIn(path.join(dir, 'absent'), 59), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('AVFORGE_ADDON names the one file to load', () => {
  const saved = process.env.AVFORGE_ADDON;
  process.env.AVFORGE_ADDON = 'some/where/avforge.node';
  try {
    assert.deepEqual(addonCandidates(), [path.resolve('some/where/avforge.node')]);
  } finally {
    if (saved === undefined) delete process.env.AVFORGE_ADDON;
    else process.env.AVFORGE_ADDON = saved;
  }
});
