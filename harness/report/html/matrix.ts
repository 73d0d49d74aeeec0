// The report's opening: the verdict matrix (requirement x transport, coloured, counts per
// transport, every cell linking to its evidence) and the filters (verdict, group, transport, and
// the change against a baseline when there is one). Filtering itself is the page script's job.
// Verdicts: FAIL red, ERROR (could not judge) purple, PASS green, SKIP amber.
import { CHANGE_LABEL, CHANGES, changeIndex } from '../baseline.ts';
import { countStatus, resultKey, transportsOf, type ReportDocument } from '../document.ts';
import { esc, slug } from './escape.ts';
import { glossary } from './glossary.ts';

export const STATUS_TEXT = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', error: 'ERROR' } as const;

/** The order verdicts are offered and counted in: what needs attention first. */
export const STATUS_ORDER = ['fail', 'error', 'pass', 'skip'] as const;

export function checkAnchor(transport: string, id: string): string {
  return slug('c', transport, id);
}

function box(name: string, value: string, label: string): string {
  return `<label class="f-${esc(name)}"><input type="checkbox" name="${esc(name)}" value="${esc(value)}" checked> ${label}</label>`;
}

export function renderFilters(doc: ReportDocument): string {
  const n = countStatus(doc.results);
  const groups = [...new Set(doc.results.map((r) => r.group))];
  const titles = glossary().groups;
  const parts: string[] = ['<form id="filters" class="filters" autocomplete="off">'];
  parts.push(`<fieldset><legend>Verdict</legend>${STATUS_ORDER.map((s) => box('status', s, `<span class="badge ${s}">${STATUS_TEXT[s]}</span> ${n[s]}`)).join('')}</fieldset>`);
  parts.push(`<fieldset><legend>Group</legend>${groups.map((g) => box('group', g, `<span title="${esc(titles.get(g) ?? '')}">${esc(g)}</span>`)).join('')}</fieldset>`);
  parts.push(`<fieldset><legend>Transport</legend>${transportsOf(doc).map((t) => box('transport', t, esc(t))).join('')}</fieldset>`);
  if (doc.comparison) {
    const counts = new Map<string, number>();
    for (const e of doc.comparison.entries) counts.set(e.change, (counts.get(e.change) ?? 0) + 1);
    parts.push(`<fieldset><legend>Against baseline</legend>${CHANGES.map((c) => box('change', c, `<span class="chg ${c}">${CHANGE_LABEL[c]}</span> ${counts.get(c) ?? 0}`)).join('')}</fieldset>`);
  }
  parts.push('<div class="presets"><button type="button" data-preset="failures">Failures only</button> <button type="button" data-preset="all">Show all</button> <output id="shown-count"></output></div>');
  parts.push('</form>');
  return parts.join('\n');
}

export function renderMatrix(doc: ReportDocument): string {
  const transports = transportsOf(doc);
  const changes = changeIndex(doc.comparison);
  const titles = glossary().groups;
  const cell = new Map(doc.results.map((r) => [resultKey(r), r] as const));
  const ids = [...new Set(doc.results.map((r) => r.id))];
  const first = new Map(ids.map((id) => [id, doc.results.find((r) => r.id === id)!] as const));
  const cols = transports.length + 3;
  const out: string[] = ['<table id="matrix" class="matrix">'];
  out.push(`<thead><tr><th>requirement</th><th>level</th>${transports.map((t) => `<th data-transport="${esc(t)}">${esc(t)}</th>`).join('')}<th class="text">what it requires</th></tr></thead>`);
  out.push('<tbody>');
  let group = '';
  for (const id of ids) {
    const r0 = first.get(id)!;
    if (r0.group !== group) {
      group = r0.group;
      const title = titles.get(group);
      out.push(`<tr class="grp" data-group="${esc(group)}"><th colspan="${cols}">${esc(group)}${title ? ` <span class="muted">${esc(title)}</span>` : ''}</th></tr>`);
    }
    const tds = transports.map((t) => {
      const r = cell.get(`${t} ${id}`);
      if (!r) return `<td class="cell none" data-transport="${esc(t)}" data-status="none" data-change="none">–</td>`;
      const s = r.verdict.status;
      const c = changes.get(resultKey(r));
      const v = r.verdict;
      const tip = v.status === 'fail' ? `expected ${v.expected}; actual ${v.actual}` : v.status === 'skip' ? v.reason
        : v.status === 'error' ? `could not judge: ${v.reason} (${v.hint})` : 'passed';
      const chg = c && c.change !== 'unchanged' ? ` <span class="chg ${c.change}" title="was ${esc(c.before ?? 'not run')}">${esc(CHANGE_LABEL[c.change])}</span>` : '';
      return `<td class="cell ${s}" data-transport="${esc(t)}" data-status="${s}" data-change="${c ? c.change : 'none'}"><a href="#${checkAnchor(t, id)}" title="${esc(tip)}">${STATUS_TEXT[s]}</a>${chg}</td>`;
    });
    out.push(`<tr class="req" data-group="${esc(r0.group)}"><th><a href="#${checkAnchor(r0.transport, id)}">${esc(id)}</a></th><td class="lvl">${esc(r0.level)}</td>${tds.join('')}<td class="text">${esc(r0.text.replace(/`/g, ''))}</td></tr>`);
  }
  out.push('</tbody>');
  const foot = transports.map((t) => {
    const n = countStatus(doc.results.filter((r) => r.transport === t));
    return `<td data-transport="${esc(t)}">${STATUS_ORDER.map((s) => `<span class="n ${s}">${n[s]}</span>`).join(' ')}</td>`;
  });
  out.push(`<tfoot><tr><th colspan="2">${STATUS_ORDER.join(' · ')}</th>${foot.join('')}<td></td></tr></tfoot>`);
  out.push('</table>');
  return out.join('\n');
}
