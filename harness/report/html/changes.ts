// After a comparison (--baseline, report --diff): the verdicts that moved, as a table at the top
// of the report, each linking to its section; unchanged ones are only counted.
import { CHANGE_LABEL, changeSummary } from '../baseline.ts';
import type { ReportDocument } from '../document.ts';
import { esc } from './escape.ts';
import { checkAnchor, STATUS_TEXT } from './matrix.ts';

const ORDER = ['new-failure', 'fixed', 'changed', 'still-failing'] as const;

export function renderChanges(doc: ReportDocument): string {
  const c = doc.comparison;
  if (!c) return '';
  const status = (s: keyof typeof STATUS_TEXT | null) => (s === null ? '<span class="muted">not run</span>' : `<span class="badge ${s}">${STATUS_TEXT[s]}</span>`);
  const rows: string[] = [];
  for (const kind of ORDER) {
    for (const e of c.entries.filter((x) => x.change === kind)) {
      rows.push(`<tr data-change="${kind}"><td><span class="chg ${kind}">${esc(CHANGE_LABEL[kind])}</span></td><td><a href="#${checkAnchor(e.transport, e.id)}">${esc(e.id)}</a></td><td>${esc(e.transport)}</td><td>${status(e.before)} → ${status(e.after)}</td></tr>`);
    }
  }
  for (const e of c.removed) rows.push(`<tr data-change="removed"><td><span class="chg">not run now</span></td><td>${esc(e.id)}</td><td>${esc(e.transport)}</td><td>${status(e.before)} → <span class="muted">not run</span></td></tr>`);
  // The banner already says what the comparison was against and the counts.
  if (rows.length === 0) return `<section id="changes"><h2>Changes</h2><p class="muted">No verdict changed (${esc(changeSummary(c))}).</p></section>`;
  return `<section id="changes"><h2>Changes</h2><table class="changes"><thead><tr><th>change</th><th>requirement</th><th>transport</th><th>before → now</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}
