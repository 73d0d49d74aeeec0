// JUnit XML: one <testsuite> per requirement group and transport, one <testcase> per
// requirement; fail -> <failure> with the evidence summary, skip -> <skipped> with the reason,
// error (the harness could not judge) -> <error> with what it saw and the hint, counted in the
// `errors` attributes. Checked against test/fixtures/junit.xsd with xmllint in the tests.
import { runTitle, type CheckResult } from '../conformance/runner.ts';
import { CHANGE_LABEL, changeIndex, type ComparisonEntry } from './baseline.ts';
import { countStatus, type ReportDocument } from './document.ts';
import type { Reporter } from './reporter.ts';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function xmlEscape(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

function evidenceText(r: CheckResult, change: ComparisonEntry | undefined): string {
  const v = r.verdict;
  const lines: string[] = [];
  if (v.status === 'fail') lines.push(`expected: ${v.expected}`, `actual:   ${v.actual}`);
  if (v.status === 'skip') lines.push(`skipped: ${v.reason}`);
  if (v.status === 'error') lines.push(`could not judge: ${v.reason}`, `hint: ${v.hint}`);
  if (v.status === 'pass' && v.note) lines.push(`note: ${v.note}`);
  for (const [k, val] of Object.entries(v.evidence ?? {})) lines.push(`${k}: ${String(val)}`);
  if (r.interpretations.length > 0) lines.push(`relies on: ${r.interpretations.join(', ')}`);
  if (change) lines.push(`baseline: ${CHANGE_LABEL[change.change]} (${change.before ?? 'not run'} -> ${change.after})`);
  return lines.join('\n');
}

export function renderJunit(doc: ReportDocument): string {
  const suites = new Map<string, CheckResult[]>();
  for (const r of doc.results) {
    const key = `${r.group} ${r.transport}`;
    if (!suites.has(key)) suites.set(key, []);
    suites.get(key)!.push(r);
  }
  const changes = changeIndex(doc.comparison);
  const secs = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);
  const stamp = xmlEscape(doc.startedAt.replace(/\.\d+Z$/, '').replace(/Z$/, ''));
  const all = countStatus(doc.results);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="${runTitle(doc)}" tests="${doc.results.length}" failures="${all.fail}" errors="${all.error}" skipped="${all.skip}" time="${secs(doc.durationMs)}">`);
  let n = 0;
  for (const [key, rs] of suites) {
    const [group, transport] = key.split(' ') as [string, string];
    const target = doc.targets.find((t) => t.transport === transport);
    const c = countStatus(rs);
    out.push(`  <testsuite name="${xmlEscape(`${group} (${transport})`)}" id="${n++}" package="dawdle.${xmlEscape(transport)}" tests="${rs.length}" failures="${c.fail}" errors="${c.error}" skipped="${c.skip}" time="${secs(rs.reduce((a, r) => a + r.durationMs, 0))}" timestamp="${stamp}">`);
    out.push('    <properties>');
    const props: Array<[string, string]> = [['dawdle', doc.environment.dawdle], ['transport', transport]];
    if (target) props.push(['target', target.url], ['server', target.info.server]);
    if (doc.interrupted) props.push(['interrupted', 'true']);
    for (const [k, v] of props) out.push(`      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`);
    out.push('    </properties>');
    for (const r of rs) {
      const v = r.verdict;
      const text = evidenceText(r, changes.get(`${r.transport} ${r.id}`));
      out.push(`    <testcase name="${xmlEscape(`${r.id} ${firstSentence(r.text)}`)}" classname="dawdle.${xmlEscape(transport)}.${xmlEscape(group)}" time="${secs(r.durationMs)}">`);
      if (v.status === 'skip') out.push(`      <skipped message="${xmlEscape(v.reason)}"/>`);
      if (v.status === 'fail') {
        out.push(`      <failure message="${xmlEscape(`expected ${v.expected}; actual ${v.actual}`)}" type="${r.level}">${xmlEscape(text)}</failure>`);
      }
      if (v.status === 'error') {
        out.push(`      <error message="${xmlEscape(`could not judge: ${v.reason}`)}" type="${xmlEscape(String(v.evidence?.error_code ?? 'error'))}">${xmlEscape(text)}</error>`);
      }
      if (v.status !== 'fail' && v.status !== 'error') out.push(`      <system-out>${xmlEscape(text)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function firstSentence(text: string): string {
  const s = text.replace(/`/g, '');
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

export const junitReporter: Reporter = {
  format: 'junit',
  describe: 'JUnit XML (one testsuite per requirement group and transport)',
  render: renderJunit,
};
