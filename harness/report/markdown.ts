// The markdown summary (--summary-md), shaped for a CI job summary page: the verdict in one
// heading, counts, the failures with expected/actual, the errors (checks the harness could not
// judge) apart from them with what it saw and what to do, the changes against a baseline, and the
// whole matrix folded away. Text from the target (server names, error strings) is escaped so it
// can neither format the page nor inject HTML (job summary pages render both).
import { runTitle, type CheckResult } from '../conformance/runner.ts';
import { CHANGE_LABEL, changeIndex, changeSummary, type Change } from './baseline.ts';
import { countStatus, resultKey, transportsOf, type ReportDocument } from './document.ts';
import type { Reporter } from './reporter.ts';

/** Plain text for markdown: no HTML, no emphasis/links/code, one line (table-cell safe). */
export function mdEscape(s: string): string {
  return s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

const ICON = { pass: '✅ pass', fail: '❌ FAIL', skip: '⏭️ skip', error: '⚠️ ERROR' } as const;
const CHANGE_ICON: Readonly<Record<Change, string>> = {
  'new-failure': '🆕 new failure', fixed: '🔧 fixed', 'still-failing': 'still failing', changed: 'changed', unchanged: '',
};

export function renderMarkdown(doc: ReportDocument): string {
  const n = countStatus(doc.results);
  const transports = transportsOf(doc);
  const changes = changeIndex(doc.comparison);
  const out: string[] = [];
  const verdict = n.fail > 0 ? '❌ FAIL' : n.error > 0 ? '⚠️ ERROR' : '✅ PASS';
  out.push(`## ${runTitle(doc)}: ${verdict}${doc.interrupted ? ' (interrupted: partial results)' : ''}`, '');
  const errors = n.error > 0 ? `${n.error} ${n.error === 1 ? 'error' : 'errors'} (could not judge), ` : '';
  out.push(`**${n.fail} failed, ${errors}${n.pass} passed, ${n.skip} skipped** — ${doc.results.length} verdicts on ${transports.join(', ') || 'no transport'} in ${(doc.durationMs / 1000).toFixed(1)} s`, '');
  for (const t of doc.targets) out.push(`- target ${mdEscape(t.url)} (${mdEscape(t.transport)}): ${mdEscape(t.info.server)}`);
  out.push(`- dawdle ${mdEscape(doc.environment.dawdle)}, Node ${mdEscape(doc.environment.node)}, ${mdEscape(doc.environment.os)}, started ${mdEscape(doc.startedAt)}`, '');
  if (doc.comparison) {
    out.push(`Compared with ${mdEscape(doc.comparison.against.file)} (run of ${mdEscape(doc.comparison.against.startedAt)}): ${changeSummary(doc.comparison)}.`, '');
  }

  const fails = doc.results.filter((r) => r.verdict.status === 'fail');
  if (fails.length > 0) {
    out.push('### Failures', '');
    out.push(`| requirement | transport | expected | actual |${doc.comparison ? ' baseline |' : ''}`);
    out.push(`|---|---|---|---|${doc.comparison ? '---|' : ''}`);
    for (const r of fails) {
      const v = r.verdict as Extract<CheckResult['verdict'], { status: 'fail' }>;
      const c = changes.get(resultKey(r));
      out.push(`| ${r.id} | ${mdEscape(r.transport)} | ${mdEscape(v.expected)} | ${mdEscape(v.actual)} |${doc.comparison ? ` ${c ? CHANGE_ICON[c.change] : ''} |` : ''}`);
    }
    out.push('');
  }

  const errs = doc.results.filter((r) => r.verdict.status === 'error');
  if (errs.length > 0) {
    out.push('### Errors (could not judge)', '', 'Not failures of the server: the harness could not reach these verdicts.', '');
    out.push(`| requirement | transport | what the harness saw | what you can do |${doc.comparison ? ' baseline |' : ''}`);
    out.push(`|---|---|---|---|${doc.comparison ? '---|' : ''}`);
    for (const r of errs) {
      const v = r.verdict as Extract<CheckResult['verdict'], { status: 'error' }>;
      const c = changes.get(resultKey(r));
      out.push(`| ${r.id} | ${mdEscape(r.transport)} | ${mdEscape(v.reason)} | ${mdEscape(v.hint)} |${doc.comparison ? ` ${c ? CHANGE_ICON[c.change] : ''} |` : ''}`);
    }
    out.push('');
  }

  if (doc.comparison) {
    const moved = doc.comparison.entries.filter((e) => e.change !== 'unchanged' && e.change !== 'still-failing');
    if (moved.length > 0 || doc.comparison.removed.length > 0) {
      out.push('### Changes against the baseline', '', '| requirement | transport | change | before | now |', '|---|---|---|---|---|');
      for (const e of moved) out.push(`| ${mdEscape(e.id)} | ${mdEscape(e.transport)} | ${CHANGE_LABEL[e.change]} | ${e.before ?? 'not run'} | ${e.after} |`);
      for (const e of doc.comparison.removed) out.push(`| ${mdEscape(e.id)} | ${mdEscape(e.transport)} | not run now | ${e.before} | - |`);
      out.push('');
    }
  }

  const cell = new Map(doc.results.map((r) => [resultKey(r), r] as const));
  const ids = [...new Set(doc.results.map((r) => r.id))];
  out.push('<details><summary>All verdicts (requirement × transport)</summary>', '');
  out.push(`| requirement | ${transports.map(mdEscape).join(' | ')} |`, `|---|${transports.map(() => '---|').join('')}`);
  for (const id of ids) {
    const row = transports.map((t) => {
      const r = cell.get(`${t} ${id}`);
      if (!r) return '-';
      const c = changes.get(resultKey(r));
      return `${ICON[r.verdict.status]}${c && c.change !== 'unchanged' ? ` (${CHANGE_LABEL[c.change]})` : ''}`;
    });
    out.push(`| ${mdEscape(id)} | ${row.join(' | ')} |`);
  }
  out.push('', '</details>', '');
  return `${out.join('\n')}`;
}

export const markdownReporter: Reporter = {
  format: 'summary-md',
  describe: 'a markdown summary for CI job summary pages',
  render: renderMarkdown,
};
