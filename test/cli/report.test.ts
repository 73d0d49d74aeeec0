// Report files from the command line, on real runs: conformance --html/--summary-md/--baseline/
// --gate against a correct and a faulty server, `dawdle report` re-rendering and diffing, bad
// report files (exit 2, one line), and an interrupted run still writing valid reports.
//
// @test weight 55
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readReport } from '../../harness/report/document.ts';
import { EMBEDDED_SERVER, startServerProcess, type ServerProcess } from '../../harness/conformance/server-process.ts';
import { FIXTURE, runWithErrors } from '../report/fixtures.ts';
import { junitSchemaCheck } from '../report/junit-schema.ts';
import { eachAtOnce } from '../dawdle-cli.ts';

const BIN = new URL('../../bin/dawdle.mjs', import.meta.url).pathname;
const FAULTY = new URL('../fixtures/faulty-server.ts', import.meta.url).pathname;
// Checks whose verdicts rest on byte counts and orders, not on timing (steady on a loaded machine):
// window-ignored fails WIN-02 and STS-04; STS-01 and RES-01 pass on both servers.
const ONLY = 'WIN-02,STS-01,STS-04,RES-01';

interface Ran { code: number | null; out: string; err: string; ms: number }

function dawdle(args: string[], o: { timeoutMs?: number; interruptOn?: RegExp } = {}): Promise<Ran> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let signalled = false;
    p.stdout.on('data', (d) => {
      out += d;
      if (o.interruptOn && !signalled && o.interruptOn.test(out)) {
        signalled = true;
        p.kill('SIGINT');
      }
    });
    p.stderr.on('data', (d) => (err += d));
    const kill = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 180_000);
    p.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out, err, ms: performance.now() - t0 });
    });
  });
}

async function validJunit(file: string): Promise<void> {
  const r = await junitSchemaCheck(readFileSync(file, 'utf8'));
  assert.ok(r.ok, `${file} does not pass the JUnit schema: ${r.out}`);
}

let ref: ServerProcess;
let faulty: ChildProcess;
let faultyUrl: string;
const dir = mkdtempSync(join(tmpdir(), 'dawdle-report-cli-'));
const f = (name: string) => join(dir, name);

test.before(async () => {
  ref = await startServerProcess(EMBEDDED_SERVER);
  faulty = spawn(process.execPath, ['--import', 'tsx', FAULTY, '--faults', 'window-ignored,cancel-unreported'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: faulty.stdout! }).once('line', resolve);
    faulty.once('exit', (code) => reject(new Error(`faulty server exited ${code}`)));
  });
  faultyUrl = (JSON.parse(line) as { http: string }).http;
});

test.after(async () => {
  faulty?.stdin?.end();
  await ref?.stop();
});

test('bad report files and usage: exit 2, one line, no stack trace', async () => {
  writeFileSync(f('not.json'), 'nope');
  writeFileSync(f('other.json'), '{"schema":"something/9"}');
  const cases = [
    [['report', f('missing.json')], /missing\.json: cannot read: no such file/],
    [['report', f('not.json'), '--html', f('x.html')], /not\.json: not JSON/],
    [['report', f('other.json')], /other\.json: not a dawdle conformance report this version reads \(schema "something\/9"/],
    [['report', '--diff', FIXTURE, f('other.json')], /other\.json: not a dawdle conformance report/],
    [['report'], /name the JSON report to render/],
    [['report', '--diff', FIXTURE], /--diff takes two reports/],
    [['report', FIXTURE, '--baseline', f('missing.json')], /--baseline: .*missing\.json: cannot read: no such file/],
    [['conformance', '--gate', 'regressions'], /--gate regressions needs --baseline/],
    [['conformance', '--gate', 'sometimes'], /Invalid values:[\s\S]*gate/],
  ] as const;
  const ran = await eachAtOnce(cases, ([args]) => dawdle([...args]));
  for (const [i, [args, re]] of cases.entries()) {
    const r = ran[i]!;
    assert.is(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, re);
    assert.not.match(r.err, /\n\s+at /);
  }
  // A bad baseline is refused before the run starts (no target is contacted).
  const r = await dawdle(['conformance', '--target', 'http://127.0.0.1:9', '--baseline', f('not.json')]);
  assert.is(r.code, 2);
  assert.match(r.err, /^dawdle: --baseline: .*not\.json: not JSON/);
  assert.is(r.err.trim().split('\n').length, 1);
});

test('report RUN.json re-renders HTML, markdown and JUnit from the committed run', async () => {
  const r = await dawdle(['report', FIXTURE, '--html', f('re.html'), '--summary-md', f('re.md'), '--junit', f('re.xml'), '--json', f('re.json')]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /10 passed, 14 failed, 0 skipped/);
  assert.match(r.out, /wrote .*re\.html \(open file:\/\/\/.*re\.html\)/);
  assert.match(readFileSync(f('re.html'), 'utf8'), /<table id="matrix"/);
  assert.match(readFileSync(f('re.md'), 'utf8'), /^## dawdle conformance: ❌ FAIL/);
  await validJunit(f('re.xml'));
  assert.equal(readReport(f('re.json')), readReport(FIXTURE), 'JSON written back is the same document');
});

test('report RUN.json with errors (could not judge): rendered apart from failures in every format, exit 0', async () => {
  const { doc } = runWithErrors();
  writeFileSync(f('errors.json'), JSON.stringify(doc));
  const r = await dawdle(['report', f('errors.json'), '--html', f('err.html'), '--summary-md', f('err.md'), '--junit', f('err.xml'), '--baseline', FIXTURE]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /9 passed, 13 failed, 2 errors, 0 skipped/);
  assert.match(r.out, /\nErrors \(could not judge\):\n/);
  assert.match(r.out, /changed +h1 +\S+ +pass -> error: could not judge: ERR_CHECK_TIMEOUT/);
  assert.match(readFileSync(f('err.html'), 'utf8'), /<td class="cell error"/);
  assert.match(readFileSync(f('err.md'), 'utf8'), /### Errors \(could not judge\)/);
  assert.match(readFileSync(f('err.xml'), 'utf8'), /errors="2"/);
  await validJunit(f('err.xml'));
});

test('two real runs: --baseline marks new failures, --gate decides the exit code, report --diff shows the change', async () => {
  // A correct server: the baseline.
  let r = await dawdle(['conformance', '--target', ref.http, '--only', ONLY, '--json', f('good.json')]);
  assert.is(r.code, 0, r.out + r.err);

  // The faulty server against it: new failures, shown in console, HTML, markdown, JSON and JUnit.
  r = await dawdle(['conformance', '--target', faultyUrl, '--only', ONLY, '--baseline', f('good.json'), '--gate', 'regressions',
    '--json', f('bad.json'), '--html', f('bad.html'), '--summary-md', f('bad.md'), '--junit', f('bad.xml')]);
  assert.is(r.code, 1, `new failures fail the regressions gate: ${r.out}${r.err}`);
  assert.match(r.out, /Compared with .*good\.json .*: [1-9]\d* new failures?, 0 fixed/);
  assert.match(r.out, /new failure\s+h1\s+WIN-02\s+pass -> fail: expected/);
  const bad = readReport(f('bad.json'));
  assert.ok(bad.comparison, 'the JSON keeps the comparison');
  assert.ok(bad.comparison!.entries.some((e) => e.id === 'WIN-02' && e.change === 'new-failure'));
  assert.match(readFileSync(f('bad.html'), 'utf8'), /<span class="chg new-failure"/);
  assert.match(readFileSync(f('bad.md'), 'utf8'), /\| WIN-02 \| h1 \| new failure \| pass \| fail \|/);
  assert.match(readFileSync(f('bad.xml'), 'utf8'), /baseline: new failure \(pass -&gt; fail\)/);
  await validJunit(f('bad.xml'));

  // The same faulty server against its own run: still failing only. The regressions gate passes,
  // the default gate (any failure) does not.
  r = await dawdle(['conformance', '--target', faultyUrl, '--only', ONLY, '--baseline', f('bad.json'), '--gate', 'regressions', '--json', f('bad2.json')]);
  assert.is(r.code, 0, `nothing new: ${r.out}${r.err}`);
  assert.match(r.out, /0 new failures, 0 fixed, [1-9]\d* still failing/);
  r = await dawdle(['conformance', '--target', faultyUrl, '--only', 'WIN-02', '--baseline', f('bad.json')]);
  assert.is(r.code, 1, 'any-fail is the default gate');

  // report --diff: from the good run to the bad one.
  r = await dawdle(['report', '--diff', f('good.json'), f('bad.json'), '--html', f('diff.html'), '--summary-md', f('diff.md')]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /good\.json \(.*\) -> .*bad\.json \(.*\)/);
  assert.match(r.out, /new failure\s+h1\s+WIN-02/);
  assert.match(readFileSync(f('diff.html'), 'utf8'), /Against <code>[^<]*good\.json<\/code>/);
  // ... and back: what the fix would look like.
  r = await dawdle(['report', '--diff', f('bad.json'), f('good.json')]);
  assert.match(r.out, /fixed\s+h1\s+WIN-02\s+fail -> pass/);
});

test('an interrupted run still writes valid partial reports (exit 130)', async () => {
  const files = ['int.json', 'int.html', 'int.md', 'int.xml'].map(f);
  const r = await dawdle(['conformance', '--target', ref.http, '--only', 'WIN-*,TMO-*,CXL-*', '--concurrency', '1',
    '--json', files[0]!, '--html', files[1]!, '--summary-md', files[2]!, '--junit', files[3]!], { interruptOn: /\[1\/\d+\]/ });
  assert.is(r.code, 130, r.out + r.err);
  for (const x of files) assert.ok(existsSync(x), x);
  const doc = readReport(files[0]!);
  assert.is(doc.interrupted, true);
  assert.ok(doc.results.some((x) => x.verdict.status === 'skip' && /interrupted/.test(x.verdict.reason)));
  assert.match(readFileSync(files[1]!, 'utf8'), /The run was interrupted: partial results/);
  assert.match(readFileSync(files[2]!, 'utf8'), /\(interrupted: partial results\)/);
  await validJunit(files[3]!);
});

test.run();
