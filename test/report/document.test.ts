// Reading reports back (one clear line for every bad file) and comparing runs (baseline changes,
// gates).
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeOf, compare, countChanges, failsGate } from '../../harness/report/baseline.ts';
import { countStatus, readReport, ReportInputError } from '../../harness/report/document.ts';
import { renderJson } from '../../harness/report/json.ts';
import { faultyRun, FIXTURE } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'dawdle-doc-'));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function problem(path: string): string {
  try {
    readReport(path);
  } catch (err) {
    assert.instance(err, ReportInputError);
    return (err as Error).message;
  }
  throw new Error(`${path} was accepted`);
}

test('a real report reads back; writing it again loses nothing', () => {
  const doc = readReport(FIXTURE);
  assert.is(doc.schema, 'dawdle.conformance/1');
  assert.is(doc.results.length, 24);
  const again = readReport(file('again.json', renderJson(doc)));
  assert.equal(again, doc);
});

test('an error verdict (could not judge) reads back; reports written before it existed still load', () => {
  const doc = faultyRun();
  assert.not.ok(doc.results.some((r) => r.verdict.status === 'error'), 'the committed fixture predates the error status');
  doc.results[0]!.verdict = { status: 'error', reason: 'ERR_JOURNAL: journal x: 404 gone', hint: 'check that the probe keeps journals until they are read', evidence: { error_code: 'ERR_JOURNAL' } };
  const again = readReport(file('error.json', renderJson(doc)));
  assert.equal(again.results[0]!.verdict, doc.results[0]!.verdict);
  assert.equal(countStatus(again.results), { pass: 9, fail: 14, skip: 0, error: 1 });
  const { hint: _hint, ...noHint } = doc.results[0]!.verdict as { hint: string };
  doc.results[0]!.verdict = noHint as never;
  assert.match(problem(file('no-hint.json', renderJson(doc))), /damaged report: results\[0\]\.verdict/);
});

test('bad report files: one line each, saying what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    [join(dir, 'missing.json'), /missing\.json: cannot read: no such file$/],
    [dir, /cannot read: is a directory$/],
    [file('text.json', 'hello'), /text\.json: not JSON \(Unexpected token/],
    [file('array.json', '[]'), /array\.json: not a dawdle report \(expected a JSON object\)/],
    [file('other.json', '{"name":"x"}'), /other\.json: not a dawdle conformance report this version reads \(no "schema" field; expected "dawdle\.conformance\/1"\)/],
    [file('future.json', '{"schema":"dawdle.conformance/2"}'), /schema "dawdle\.conformance\/2"; expected "dawdle\.conformance\/1"/],
    [file('damaged.json', JSON.stringify({ ...faultyRun(), results: [{ id: 'WIN-01' }] })), /damaged\.json: damaged report: results\[0\]\.group: .*\(and \d+ more problems\)/],
  ];
  for (const [path, re] of cases) {
    const m = problem(path);
    assert.match(m, re);
    assert.not.match(m, /\n/);
  }
});

test('change of a verdict against the baseline', () => {
  assert.is(changeOf('pass', 'fail'), 'new-failure');
  assert.is(changeOf(null, 'fail'), 'new-failure');
  assert.is(changeOf('skip', 'fail'), 'new-failure');
  assert.is(changeOf('fail', 'fail'), 'still-failing');
  assert.is(changeOf('fail', 'pass'), 'fixed');
  assert.is(changeOf('fail', 'skip'), 'changed');
  assert.is(changeOf('pass', 'skip'), 'changed');
  assert.is(changeOf(null, 'pass'), 'changed');
  assert.is(changeOf('pass', 'pass'), 'unchanged');
  assert.is(changeOf('skip', 'skip'), 'unchanged');
  // error (could not judge) is neither a failure nor a pass.
  assert.is(changeOf('pass', 'error'), 'changed');
  assert.is(changeOf('fail', 'error'), 'changed');
  assert.is(changeOf('error', 'pass'), 'changed');
  assert.is(changeOf(null, 'error'), 'changed');
  assert.is(changeOf('error', 'error'), 'unchanged');
  assert.is(changeOf('error', 'fail'), 'new-failure');
});

test('gates: any error fails both, even with no failure and nothing new against the baseline', () => {
  const clean = faultyRun();
  for (const r of clean.results) r.verdict = { status: 'pass' };
  clean.comparison = compare(clean, clean, 'base.json');
  assert.not.ok(failsGate(clean, 'any-fail'));
  assert.not.ok(failsGate(clean, 'regressions'));
  const errored = faultyRun();
  for (const r of errored.results) r.verdict = { status: 'pass' };
  errored.results[3]!.verdict = { status: 'error', reason: 'ERR_CHECK_TIMEOUT: ...', hint: 'rerun it' };
  errored.comparison = compare(errored, errored, 'base.json');
  assert.is(countChanges(errored.comparison)['new-failure'], 0);
  assert.ok(failsGate(errored, 'any-fail'));
  assert.ok(failsGate(errored, 'regressions'), 'an error cannot prove there was no regression');
});

test('compare and gates: only new failures fail the regressions gate', () => {
  const base = faultyRun();
  const same = faultyRun();
  same.comparison = compare(base, same, 'base.json');
  assert.equal(countChanges(same.comparison), { 'new-failure': 0, fixed: 0, 'still-failing': 14, unchanged: 10, changed: 0 });
  assert.ok(failsGate(same, 'any-fail'));
  assert.not.ok(failsGate(same, 'regressions'), 'failures the baseline had do not regress');

  const worse = faultyRun();
  const pass = base.results.find((r) => r.verdict.status === 'pass')!;
  worse.results.find((r) => r.id === pass.id && r.transport === pass.transport)!.verdict = { status: 'fail', expected: 'e', actual: 'a' };
  worse.results.pop();
  worse.comparison = compare(base, worse, 'base.json');
  const n = countChanges(worse.comparison);
  assert.is(n['new-failure'], 1);
  assert.is(worse.comparison.removed.length, 1);
  assert.ok(failsGate(worse, 'regressions'));
});

test.run();
