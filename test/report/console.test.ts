// Console output: a verdict the harness could not reach is ERROR, counted and listed apart from
// failures with what the harness saw and what to do.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compare } from '../../harness/report/baseline.ts';
import { comparisonText, countsLine, resultLine, summaryTable } from '../../harness/report/console.ts';
import { faultyRun, runWithErrors } from './fixtures.ts';

const plain = { color: false };

test('resultLine: ERROR with what stopped the check, columns aligned with the other verdicts', () => {
  const { doc, errors } = runWithErrors();
  const line = resultLine(errors[0]!, plain);
  assert.match(line, /^ERROR h1 +[A-Z0-9]+-\d\d +\(\d+ ms\) +could not judge: ERR_JOURNAL: journal dw-x: 404 gone/);
  const other = resultLine(doc.results.find((r) => r.verdict.status === 'fail')!, plain);
  assert.match(other, /^FAIL h1 /);
  assert.is(line.indexOf(errors[0]!.id), other.indexOf(doc.results.find((r) => r.verdict.status === 'fail')!.id), 'the ID column lines up');
  assert.match(resultLine(errors[0]!, { color: true }), /^\x1b\[35mERROR/, 'its own colour (magenta), not the red of FAIL');
});

test('summaryTable: ERROR cells, errors counted apart, then an "Errors (could not judge)" list after the failures', () => {
  const { doc, errors } = runWithErrors();
  const text = summaryTable(doc, plain);
  assert.match(text, /\n9 passed, 13 failed, 2 errors, 0 skipped in [\d.]+ s/);
  assert.match(text, new RegExp(`\\n${errors[0]!.id} +(\\S+ +)*ERROR `));
  const failures = text.indexOf('\nFailures:');
  const errs = text.indexOf('\nErrors (could not judge):');
  assert.ok(failures > 0 && errs > failures, 'errors listed after the failures');
  const block = text.slice(errs);
  assert.match(block, new RegExp(`  ${errors[0]!.id} on h1: `));
  assert.match(block, /    saw: +ERR_JOURNAL: journal dw-x: 404 gone/);
  assert.match(block, /    hint: +the target's journal endpoint answered 404 for a script the harness had stored; check that the probe keeps journals until they are read/);
  assert.match(block, /ERR_CHECK_TIMEOUT/);
  assert.not.match(text.slice(failures, errs), /ERR_JOURNAL/, 'an error is not listed among the failures');
});

test('counts: no "errors" when there are none (a clean run reads as before); one error is singular', () => {
  assert.is(countsLine(faultyRun().results), '10 passed, 14 failed, 0 skipped');
  const { doc, errors } = runWithErrors();
  errors[1]!.verdict = { status: 'pass' };
  assert.is(countsLine(doc.results), '10 passed, 13 failed, 1 error, 0 skipped');
});

test('comparison: pass -> error is "changed" with what stopped the check, not a new failure', () => {
  const base = faultyRun();
  const { doc, errors } = runWithErrors();
  doc.comparison = compare(base, doc, 'base.json');
  const text = comparisonText({ ...doc, comparison: doc.comparison }, plain);
  assert.match(text, /: 0 new failures, 0 fixed, 13 still failing, 2 changed, 9 unchanged/);
  assert.match(text, new RegExp(`changed +h1 +${errors[1]!.id} +pass -> error: could not judge: ERR_CHECK_TIMEOUT`));
  assert.match(text, new RegExp(`changed +h1 +${errors[0]!.id} +fail -> error: could not judge: ERR_JOURNAL`));
});

test.run();
