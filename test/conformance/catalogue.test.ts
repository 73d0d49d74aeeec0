import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { renderChecksDoc } from '../../scripts/gen-checks-doc.ts';
import { CHECKS, NOT_ON_H1, SelectionError, selectChecks } from '../../harness/conformance/catalogue.ts';

test('selection by IDs and wildcards, in catalogue order', () => {
  assert.equal(selectChecks('TMO-01,WIN-*').map((c) => c.id), ['WIN-01', 'WIN-02', 'WIN-03', 'WIN-04', 'WIN-05', 'TMO-01']);
  assert.equal(selectChecks('cfg-01').map((c) => c.id), ['CFG-01']);
  assert.is(selectChecks(undefined).length, CHECKS.length);
});

test('a pattern matching nothing is an error naming the known IDs', () => {
  assert.throws(() => selectChecks('NOPE-1'), (e: unknown) => e instanceof SelectionError && /matches no check.*CFG-01/.test(e.message));
});

test('every catalogue requirement that applies to HTTP/1.1 has a check, with unique IDs', () => {
  const ids = CHECKS.map((c) => c.id);
  assert.is(new Set(ids).size, ids.length);
  const catalogue = readFileSync(new URL('../../docs/requirements.md', import.meta.url), 'utf8');
  const listed = [...catalogue.matchAll(/^- ([A-Z]+-\d\d) /gm)].map((m) => m[1]!);
  assert.ok(listed.length >= 30, `found ${listed.length} requirements in docs/requirements.md`);
  const missing = listed.filter((id) => !ids.includes(id) && !(id in NOT_ON_H1));
  assert.equal(missing, [], `requirements without a check: ${missing.join(', ')}`);
});

test('every check states its method and the catalogue sentence', () => {
  for (const c of CHECKS) {
    assert.ok(c.text.length > 20, c.id);
    assert.ok(c.method.length > 20, c.id);
    assert.is(c.group, c.id.split('-')[0]);
  }
});

test('docs/checks.md is generated from the checks and up to date', () => {
  const doc = readFileSync(new URL('../../docs/checks.md', import.meta.url), 'utf8');
  assert.ok(doc === renderChecksDoc(), 'docs/checks.md is stale: run node --import tsx scripts/gen-checks-doc.ts');
});

test.run();
