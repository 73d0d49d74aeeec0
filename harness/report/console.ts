// Console output of a conformance run: one line per verdict as it arrives, and the summary table
// (requirement x transport) with the failures spelled out, then the errors (checks the harness could
// not judge: what it saw, what to do) apart from them. Text only; the CLI decides where it goes.
import type { CheckResult, RunResult } from '../conformance/runner.ts';
import type { TransportName } from '../conformance/transports.ts';
import type { VerdictStatus } from '../conformance/verdict.ts';
import { CHANGE_LABEL, changeSummary, type Comparison } from './baseline.ts';

export interface Style {
  color: boolean;
}

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'skip', error: 'ERROR' } as const;
const COLOR = { pass: '\x1b[32m', fail: '\x1b[31m', skip: '\x1b[33m', error: '\x1b[35m' } as const;
const RESET = '\x1b[0m';

function mark(status: keyof typeof MARK, s: Style, width = 4): string {
  const m = MARK[status].padEnd(width);
  return s.color ? `${COLOR[status]}${m}${RESET}` : m;
}

/**
 * "PASS h1     WIN-01  (930 ms)" plus the reason of a skip, the gist of a failure or what stopped a
 * check that could not be judged ("ERROR h1    ...": the transport column gives way by one).
 */
export function resultLine(r: CheckResult, s: Style): string {
  const v = r.verdict;
  const head = `${mark(v.status, s)} ${r.transport.padEnd(10 - MARK[v.status].length)}`;
  const base = `${head} ${r.id.padEnd(7)} ${`(${r.durationMs} ms)`.padEnd(11)}`;
  if (v.status === 'fail') return `${base} expected ${v.expected}; actual ${v.actual}`;
  if (v.status === 'skip') return `${base} ${v.reason}`;
  if (v.status === 'error') return `${base} could not judge: ${v.reason}`;
  return base.trimEnd();
}

/** "156 passed, 0 failed, 2 errors, 12 skipped": errors only when there are any. */
export function countsLine(results: ReadonlyArray<Pick<CheckResult, 'verdict'>>): string {
  const n = (st: VerdictStatus) => results.filter((r) => r.verdict.status === st).length;
  const errors = n('error');
  return `${n('pass')} passed, ${n('fail')} failed, ${errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}, ` : ''}${n('skip')} skipped`;
}

export function summaryTable(result: RunResult, s: Style): string {
  const transports = [...new Set(result.results.map((r) => r.transport))] as TransportName[];
  const ids = [...new Set(result.results.map((r) => r.id))];
  const cell = new Map(result.results.map((r) => [`${r.id} ${r.transport}`, r] as const));
  const lines: string[] = [];
  lines.push(`${'requirement'.padEnd(12)}${transports.map((t) => t.padEnd(8)).join('')}`);
  for (const id of ids) {
    const row = transports.map((t) => {
      const r = cell.get(`${id} ${t}`);
      return r ? `${mark(r.verdict.status, s, 5)}   ` : '-       ';
    });
    lines.push(`${id.padEnd(12)}${row.join('')}`);
  }
  lines.push('');
  lines.push(`${countsLine(result.results)} in ${(result.durationMs / 1000).toFixed(1)} s${result.interrupted ? ' (interrupted: partial results)' : ''}`);
  const fails = result.results.filter((r) => r.verdict.status === 'fail');
  if (fails.length > 0) {
    lines.push('', 'Failures:');
    for (const r of fails) {
      const v = r.verdict as Extract<CheckResult['verdict'], { status: 'fail' }>;
      lines.push(`  ${r.id} on ${r.transport}: ${r.text.replace(/`/g, '')}`);
      lines.push(`    expected: ${v.expected}`);
      lines.push(`    actual:   ${v.actual}`);
      const ev = Object.entries(v.evidence ?? {}).map(([k, x]) => `${k}=${String(x)}`).join(', ');
      if (ev) lines.push(`    evidence: ${ev}`);
      if (r.interpretations.length > 0) lines.push(`    relies on: ${r.interpretations.join(', ')} (docs/interpretations.md)`);
    }
  }
  const errors = result.results.filter((r) => r.verdict.status === 'error');
  if (errors.length > 0) {
    lines.push('', 'Errors (could not judge):');
    for (const r of errors) {
      const v = r.verdict as Extract<CheckResult['verdict'], { status: 'error' }>;
      lines.push(`  ${r.id} on ${r.transport}: ${r.text.replace(/`/g, '')}`);
      lines.push(`    saw:   ${v.reason}`);
      lines.push(`    hint:  ${v.hint}`);
    }
  }
  return lines.join('\n');
}

/**
 * Each verdict against the baseline: the summary line, then every verdict that is not unchanged
 * (new failures first, with what failed), then what the baseline had and this run did not.
 */
export function comparisonText(doc: Pick<RunResult, 'results'> & { comparison: Comparison }, s: Style): string {
  const c = doc.comparison;
  const lines = [`Compared with ${c.against.file} (run of ${c.against.startedAt}): ${changeSummary(c)}`];
  const byKey = new Map<string, CheckResult>(doc.results.map((r) => [`${r.transport} ${r.id}`, r]));
  const order = ['new-failure', 'fixed', 'changed', 'still-failing'] as const;
  for (const kind of order) {
    for (const e of c.entries.filter((x) => x.change === kind)) {
      const r = byKey.get(`${e.transport} ${e.id}`);
      const label = CHANGE_LABEL[e.change].padEnd(14);
      const painted = s.color && kind === 'new-failure' ? `${COLOR.fail}${label}${RESET}` : s.color && kind === 'fixed' ? `${COLOR.pass}${label}${RESET}` : label;
      let detail = `${e.before ?? 'not run'} -> ${e.after}`;
      if (r && r.verdict.status === 'fail' && kind !== 'still-failing') detail += `: expected ${r.verdict.expected}; actual ${r.verdict.actual}`;
      if (r && r.verdict.status === 'skip') detail += `: ${r.verdict.reason}`;
      if (r && r.verdict.status === 'error') detail += `: could not judge: ${r.verdict.reason}`;
      lines.push(`  ${painted} ${e.transport.padEnd(6)} ${e.id.padEnd(7)} ${detail}`);
    }
  }
  for (const e of c.removed) lines.push(`  ${'not run now'.padEnd(14)} ${e.transport.padEnd(6)} ${e.id.padEnd(7)} (was ${e.before})`);
  return lines.join('\n');
}
