// Report files: every output path is checked before the run (exit 2, one line, nothing run), and
// when one file cannot be written after all, every other one still is, its temp file is removed,
// and the exit is 2 naming the one that failed.
//
// @test weight 3
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outputPathProblem, writeEachFile } from '../../harness/report/files.ts';
import { FIXTURE } from '../report/fixtures.ts';
import { dawdle } from '../dawdle-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'dawdle-outputs-'));
const f = (name: string) => join(dir, name);
// A regular file: nothing can be written "under" it, not even by root.
writeFileSync(f('plain-file'), 'x');


test('outputPathProblem: fine paths pass, impossible ones are named', () => {
  assert.is(outputPathProblem(f('ok.json')), null);
  assert.is(outputPathProblem(f('new/sub/dir/ok.json')), null);
  assert.match(outputPathProblem(f('plain-file/x.json')) ?? '', /plain-file is not a directory/);
  assert.match(outputPathProblem(f('plain-file/a/b/x.json')) ?? '', /plain-file is not a directory/);
  mkdirSync(f('a-dir'));
  assert.match(outputPathProblem(f('a-dir')) ?? '', /is a directory/);
  if (process.getuid?.() !== 0) assert.ok(outputPathProblem('/nonexistent-dir/x.json') !== null);
});

test('writeEachFile: one failure does not stop the others, and leaves no temp file', () => {
  mkdirSync(f('occupied'));
  writeFileSync(f('occupied/inside'), 'keeps the directory non-empty');
  const r = writeEachFile([
    { path: f('plain-file/x.json'), render: () => 'a' }, // mkdir fails
    { path: f('occupied'), render: () => 'b' }, // temp file written, rename onto a directory fails
    { path: f('good.html'), render: () => '<p>c</p>' },
  ]);
  assert.equal(r.written, [f('good.html')]);
  assert.equal(r.failed.map((x) => x.path), [f('plain-file/x.json'), f('occupied')]);
  for (const x of r.failed) assert.not.match(x.message, /\n/);
  assert.ok(existsSync(f('good.html')));
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'temp files left behind');
});

test('report: an unwritable --json still writes the --html beside it, exit 2 naming the --json', async () => {
  const r = await dawdle(['report', FIXTURE, '--json', f('plain-file/r.json'), '--html', f('r.html')]);
  assert.is(r.code, 2, r.err);
  assert.ok(existsSync(f('r.html')), 'the html report was not written');
  assert.match(r.out, /wrote .*r\.html/);
  assert.is(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /cannot write .*plain-file\/r\.json/);
});

for (const [cmd, extra] of [
  ['conformance', ['--only', 'RES-01']],
  ['blackbox', ['--target', 'http://127.0.0.1:9', '--only', 'BB-STL-01']],
] as const) {
  test(`${cmd}: an unwritable --json is exit 2 before the run, in one line; nothing written`, async () => {
    const html = f(`${cmd}.html`);
    const r = await dawdle([cmd, ...extra, '--json', f('plain-file/x.json'), '--html', html]);
    assert.is(r.code, 2, r.err);
    assert.is(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /cannot write .*plain-file\/x\.json: .*not a directory \(checked before the run\)/);
    assert.not.match(r.out, /embedded reference server|target /, 'the run started');
    assert.not.ok(existsSync(html));
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
  });
}

test.run();
