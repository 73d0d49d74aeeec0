// JUnit XML: one <testsuite> per requirement group and transport, one <testcase> per
// requirement; fail -> <failure> with the evidence summary, skip -> <skipped> with the reason.
import type { CheckResult, RunResult } from '../conformance/runner.ts';
import { writeFileAtomic } from './files.ts';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function xmlEscape(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

function evidenceText(r: CheckResult): string {
  const v = r.verdict;
  const lines: string[] = [];
  if (v.status === 'fail') lines.push(`expected: ${v.expected}`, `actual:   ${v.actual}`);
  if (v.status === 'skip') lines.push(`skipped: ${v.reason}`);
  if (v.status === 'pass' && v.note) lines.push(`note: ${v.note}`);
  for (const [k, val] of Object.entries(v.evidence ?? {})) lines.push(`${k}: ${String(val)}`);
  if (r.interpretations.length > 0) lines.push(`relies on: ${r.interpretations.join(', ')}`);
  return lines.join('\n');
}

export function renderJunit(result: RunResult): string {
  const suites = new Map<string, CheckResult[]>();
  for (const r of result.results) {
    const key = `${r.group} ${r.transport}`;
    if (!suites.has(key)) suites.set(key, []);
    suites.get(key)!.push(r);
  }
  const count = (rs: CheckResult[], s: string) => rs.filter((r) => r.verdict.status === s).length;
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = result.results;
  out.push(`<testsuites name="dawdle conformance" tests="${all.length}" failures="${count(all, 'fail')}" errors="0" skipped="${count(all, 'skip')}" time="${secs(result.durationMs)}">`);
  for (const [key, rs] of suites) {
    const [group, transport] = key.split(' ') as [string, string];
    const name = `${group} (${transport})`;
    out.push(`  <testsuite name="${xmlEscape(name)}" tests="${rs.length}" failures="${count(rs, 'fail')}" errors="0" skipped="${count(rs, 'skip')}" time="${secs(rs.reduce((a, r) => a + r.durationMs, 0))}" timestamp="${xmlEscape(result.startedAt.replace(/\.\d+Z$/, ''))}">`);
    for (const r of rs) {
      const v = r.verdict;
      const head = `    <testcase name="${xmlEscape(`${r.id} ${firstSentence(r.text)}`)}" classname="dawdle.${transport}.${group}" time="${secs(r.durationMs)}"`;
      if (v.status === 'pass') {
        out.push(`${head}>`, `      <system-out>${xmlEscape(evidenceText(r))}</system-out>`, '    </testcase>');
      } else if (v.status === 'skip') {
        out.push(`${head}>`, `      <skipped message="${xmlEscape(v.reason)}"/>`, '    </testcase>');
      } else {
        out.push(`${head}>`, `      <failure message="${xmlEscape(`expected ${v.expected}; actual ${v.actual}`)}" type="${r.level}">${xmlEscape(evidenceText(r))}</failure>`, '    </testcase>');
      }
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

export function writeJunit(path: string, result: RunResult): void {
  writeFileAtomic(path, renderJunit(result));
}
