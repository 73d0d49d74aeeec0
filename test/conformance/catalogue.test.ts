// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { renderChecksDoc } from '../../scripts/gen-checks-doc.ts';
import { CHECKS, SelectionError, selectChecks } from '../../harness/conformance/catalogue.ts';
import { methodOn } from '../../harness/conformance/runner.ts';
import { TRANSPORT_NAMES } from '../../harness/conformance/transports.ts';

test('selection by IDs and wildcards, in catalogue order', () => {
  assert.equal(selectChecks('TMO-01,WIN-*').map((c) => c.id), ['WIN-01', 'WIN-02', 'WIN-03', 'WIN-04', 'WIN-05', 'TMO-01']);
  assert.equal(selectChecks('cfg-01').map((c) => c.id), ['CFG-01']);
  assert.is(selectChecks(undefined).length, CHECKS.length);
});

test('a pattern matching nothing is an error naming the known IDs', () => {
  assert.throws(() => selectChecks('NOPE-1'), (e: unknown) => e instanceof SelectionError && /matches no check.*CFG-01/.test(e.message));
});

test('every catalogue requirement has a check, with unique IDs', () => {
  const ids = CHECKS.map((c) => c.id);
  assert.is(new Set(ids).size, ids.length);
  const catalogue = readFileSync(new URL('../../docs/requirements.md', import.meta.url), 'utf8');
  const listed = [...catalogue.matchAll(/^- ([A-Z][A-Z0-9]*-\d\d) /gm)].map((m) => m[1]!);
  assert.ok(listed.length >= 30, `found ${listed.length} requirements in docs/requirements.md`);
  const missing = listed.filter((id) => !ids.includes(id));
  assert.equal(missing, [], `requirements without a check: ${missing.join(', ')}`);
  const unknown = ids.filter((id) => !listed.includes(id));
  assert.equal(unknown, [], `checks without a requirement: ${unknown.join(', ')}`);
});

test('HTTP/2-only requirements run on h2 and h2c only, CXL-08 on HTTP/1.1 only, each saying why elsewhere', () => {
  const only = (ids: string[]) => CHECKS.filter((c) => ids.includes(c.id));
  for (const c of only(['CXL-06', 'PWR-04', 'H2-01', 'H2-02', 'H2-03'])) {
    assert.equal(c.transports, ['h2', 'h2c'], c.id);
    assert.ok(c.features.includes('h2'), `${c.id} claims the h2 feature`);
    assert.match(c.notApplicable ?? '', /HTTP\/2 only/, c.id);
  }
  const half = only(['CXL-08'])[0]!;
  assert.equal(half.transports, ['h1', 'h1tls']);
  assert.match(half.notApplicable ?? '', /END_STREAM/);
  // Everything else applies everywhere.
  const rest = CHECKS.filter((c) => c.transports === undefined).map((c) => c.id);
  assert.is(rest.length + 6, CHECKS.length);
  for (const c of CHECKS) {
    if (c.transports) for (const t of c.transports) assert.ok((TRANSPORT_NAMES as readonly string[]).includes(t), `${c.id}: ${t}`);
    assert.ok(c.notApplicable === undefined || c.transports !== undefined, `${c.id}: a reason without a restriction`);
  }
});

test('a check that runs differently on HTTP/2 says how, in the method the report shows there', () => {
  const tmo = CHECKS.find((c) => c.id === 'TMO-03')!;
  assert.is(methodOn(tmo, 'h1'), tmo.method);
  assert.ok(methodOn(tmo, 'h2c').startsWith(`${tmo.method} On HTTP/2: `));
  assert.match(methodOn(tmo, 'h2'), /stops reading the socket/);
  for (const c of CHECKS) if (c.h2Method !== undefined) assert.ok(c.h2Method.length > 20 && c.transports?.every((t) => t.startsWith('h2')) !== true, c.id);
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
