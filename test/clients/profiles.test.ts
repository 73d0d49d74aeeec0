// @test quick
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { behaviourFromProfile, loadProfile, loadProfiles, ProfileError, formatProblem } from '../../harness/clients/profiles.ts';
import { parseRate } from '../../harness/clients/profile-schema.ts';

let dir = '';
test.before(async () => { dir = await mkdtemp(join(tmpdir(), 'dawdle-profiles-')); });
test.after(async () => { await rm(dir, { recursive: true, force: true }); });

async function write(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

async function problemsOf(fileOrDir: string): Promise<ProfileError> {
  const err = await loadProfiles(fileOrDir).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ProfileError, `expected a ProfileError, got ${String(err)}`);
  return err;
}

test('every shipped profile loads and builds its behaviour', async () => {
  const profiles = await loadProfiles('profiles');
  const names = profiles.map((p) => p.name);
  for (const n of ['fast', 'stalled', 'gprs', '3g', 'bursty-wifi', 'cancel-midway']) assert.ok(names.includes(n), n);
  for (const p of profiles) {
    const b = behaviourFromProfile(p);
    assert.is(b.name, p.read.behaviour, p.file);
    assert.ok(p.description.length > 10, p.file);
    assert.ok(p.file.startsWith('profiles/'), p.file);
  }
  const g = profiles.find((p) => p.name === 'gprs')!;
  assert.equal(g.read, { behaviour: 'throttled', params: { bytes_per_second: 5000, chunk_bytes: 1400 } });
  assert.is(typeof g.network === 'object' ? g.network.rate : g.network, '40kbit');
  assert.is(profiles.find((p) => p.name === '3g')!.network, '3g');
  assert.is(behaviourFromProfile(g).readChunkBytes, 1400);
});

test('a broken profile reports every problem at once, with file and field path', async () => {
  const file = await write('broken.yaml', [
    'name: 3G',
    'description: ""',
    'read:',
    '  behaviour: throttled',
    '  bytes_per_second: -5',
    '  chunk_bytes: 1.5',
    '  burst: 10',
    'network:',
    '  rate: fast',
    '  loss_pct: 150',
    'extra: 1',
    '',
  ].join('\n'));
  const err = await problemsOf(file);
  assert.is(err.code, 'ERR_PROFILE_INVALID');
  const lines = err.problems.map((p) => `${p.path}: ${p.message}`).sort();
  assert.equal(lines, [
    'description: required: one line saying what the profile stands for',
    'extra: unknown field',
    'name: expected lowercase letters, digits, ".", "_" or "-" (at most 64)',
    'network.loss_pct: expected a percentage from 0 to 100',
    'network.rate: expected a rate like "750kbit", "5mbit" or "100kbps"',
    'read.burst: unknown field',
    'read.bytes_per_second: expected a positive number',
    'read.chunk_bytes: expected a positive integer',
  ]);
  assert.ok(err.message.includes(`${file}: read.bytes_per_second: expected a positive number (line 5)`), err.message);
  for (const p of err.problems) assert.is(p.file, file);
});

test('unknown behaviour, missing sections and YAML syntax errors are problems too', async () => {
  const unknown = await problemsOf(await write('u.yaml', 'name: u\ndescription: x\nread:\n  behaviour: sleepy\n'));
  assert.match(unknown.problems[0]!.message, /unknown behaviour "sleepy" \(known: reading, stalled, throttled, bursty, cancelling\)/);
  assert.is(unknown.problems[0]!.path, 'read.behaviour');
  const missing = await problemsOf(await write('m.yaml', 'name: m\n'));
  assert.equal(missing.problems.map((p) => `${p.path}: ${p.message}`).sort(), [
    'description: required: one line saying what the profile stands for',
    'read: required',
  ]);
  const params = await problemsOf(await write('p.yaml', 'name: p\ndescription: x\nread:\n  behaviour: cancelling\n  mode: later\n'));
  assert.equal(params.problems.map((p) => `${p.path}: ${p.message}`).sort(), [
    'read.after_bytes: give after_bytes, after_ms or both',
    'read.mode: expected fin, rst or half-close',
  ]);
  const syntax = await problemsOf(await write('s.yaml', 'name: s\nread: [unclosed\n'));
  assert.match(syntax.problems[0]!.message, /^YAML: /);
  assert.ok(syntax.problems[0]!.line !== undefined);
});

test('a directory: problems of every file together, names used twice, good files ignored in the error', async () => {
  const sub = join(dir, 'set');
  await rm(sub, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(sub));
  await writeFile(join(sub, 'a.yaml'), 'name: same\ndescription: first\nread: { behaviour: reading }\n');
  await writeFile(join(sub, 'b.yaml'), 'name: same\ndescription: second\nread: { behaviour: reading }\n');
  await writeFile(join(sub, 'c.yml'), 'name: c\ndescription: bad\nread: { behaviour: stalled, after_bytes: -1 }\n');
  await writeFile(join(sub, 'notes.txt'), 'not a profile');
  const err = await problemsOf(sub);
  assert.equal(err.problems.map(formatProblem), [
    `${join(sub, 'b.yaml')}: name: "same" is already the name of ${join(sub, 'a.yaml')}`,
    `${join(sub, 'c.yml')}: read.after_bytes: expected an integer >= 0 (line 3)`,
  ]);
});

test('a missing path is ERR_PROFILE_NOT_FOUND; loadProfile returns the one profile', async () => {
  const err = await problemsOf(join(dir, 'nope.yaml'));
  assert.is(err.code, 'ERR_PROFILE_NOT_FOUND');
  const p = await loadProfile('profiles/3g.yaml');
  assert.is(p.name, '3g');
  assert.is(p.read.params.bytes_per_second, 96000);
});

test('a directory with no profile in it is ERR_PROFILE_NOT_FOUND, not silently nothing (issue 15, 23)', async () => {
  const empty = join(dir, 'empty-profiles');
  await rm(empty, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(empty));
  await writeFile(join(empty, 'README.txt'), 'no profiles here');
  const err = await problemsOf(empty);
  assert.is(err.code, 'ERR_PROFILE_NOT_FOUND');
  assert.match(formatProblem(err.problems[0]!), /no \*\.yaml or \*\.yml profile/);
});

test('tc rates', () => {
  assert.is(parseRate('750kbit'), 750_000);
  assert.is(parseRate('5mbit'), 5_000_000);
  assert.is(parseRate('100kbps'), 800_000);
  assert.is(parseRate('1Mibit'), 1024 * 1024);
  assert.is(parseRate('1.5gbit'), 1.5e9);
  assert.is(parseRate('fast'), null);
  assert.is(parseRate('0kbit'), null);
  assert.is(parseRate('10 mbit'), 10_000_000);
});

test.run();
