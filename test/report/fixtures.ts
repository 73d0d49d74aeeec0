// Report documents for the report tests: the committed real run against a faulty server
// (scripts/make-report-fixture.ts), and the same run with hostile strings where a target can put
// them (server name, error texts, evidence), to prove every format escapes them.
import { readFileSync } from 'node:fs';
import { parseReport, type ReportDocument } from '../../harness/report/document.ts';

export const FIXTURE = new URL('../fixtures/report-faulty.json', import.meta.url).pathname;

export function faultyRun(): ReportDocument {
  return parseReport(JSON.parse(readFileSync(FIXTURE, 'utf8')), FIXTURE);
}

export const HOSTILE = `<img src=x onerror="window.__pwned=1">"'</script><script>window.__pwned=2</script>`;

export function hostileRun(): ReportDocument {
  const doc = faultyRun();
  for (const t of doc.targets) t.info.server = `evil ${HOSTILE}`;
  const fail = doc.results.find((r) => r.verdict.status === 'fail')!;
  if (fail.verdict.status === 'fail') {
    fail.verdict.actual = `boom ${HOSTILE} | [x](http://example.invalid) **bold**`;
    fail.verdict.evidence = { ...fail.verdict.evidence, error: `${HOSTILE}` };
  }
  const scenarios = Object.values(doc.scenarios.h1 ?? {});
  for (const s of scenarios) {
    for (const j of s.journals) j.end = { reason: 'error', t: j.end?.t ?? 1, error: `handler threw ${HOSTILE}` };
  }
  return doc;
}

/** What a verdict the harness could not reach looks like (a probe that forgot a journal). */
export const ERROR_VERDICT = {
  status: 'error', reason: `ERR_JOURNAL: journal dw-x: 404 gone ${HOSTILE}`,
  hint: "the target's journal endpoint answered 404 for a script the harness had stored; check that the probe keeps journals until they are read",
  evidence: { error_code: 'ERR_JOURNAL' },
} as const;

/** The faulty run with one failure and one pass turned into errors (could not judge). */
export function runWithErrors(): { doc: ReportDocument; errors: ReportDocument['results'] } {
  const doc = faultyRun();
  const fail = doc.results.find((r) => r.verdict.status === 'fail')!;
  const pass = doc.results.find((r) => r.verdict.status === 'pass')!;
  fail.verdict = { ...ERROR_VERDICT };
  pass.verdict = { status: 'error', reason: 'ERR_CHECK_TIMEOUT: did not finish within 90 s (its time limit) and was aborted', hint: 'rerun it alone with --only X', evidence: { error_code: 'ERR_CHECK_TIMEOUT', time_limit_s: 90 } };
  return { doc, errors: [fail, pass] };
}
