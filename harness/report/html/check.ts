// One verdict's section: what the requirement says and the interpretations it relies on, how the
// check exercised it, the verdict (expected vs actual for a failure, the reason for a skip, what the
// harness saw and what to do when it could not judge), the
// evidence numbers, and per scenario it was judged on: the timeline chart and the raw record.
import type { CheckResult, ScenarioRecord } from '../../conformance/runner.ts';
import { CHANGE_LABEL, type ComparisonEntry } from '../baseline.ts';
import type { ReportDocument } from '../document.ts';
import { esc, slug, withCode } from './escape.ts';
import { extrasTable, journalTable, responsesTable, wireTable } from './evidence.ts';
import { glossary } from './glossary.ts';
import { checkAnchor, STATUS_TEXT } from './matrix.ts';
import { timeAxis, type MarkKind, type Outcome } from './timeline.ts';

export function chartId(transport: string, scenario: string): string {
  return slug('t', transport, scenario);
}

const OUTCOME_LEGEND: Array<[Outcome, string]> = [
  ['nil', 'nil (done)'], ['partial', 'timed out, partial (body_bytes_sent)'], ['timed-out', 'timed out'], ['cancelled', 'cancelled'], ['unsupported', 'unsupported'], ['other', 'sleep'],
];
const MARK_LEGEND: Array<[MarkKind, string]> = [['fin', 'FIN'], ['rst', 'RST'], ['close', 'close'], ['end', 'handler end'], ['pause', 'pause/resume reading']];

function legend(): string {
  return `<div class="legend"><span class="lg-title">calls:</span>${OUTCOME_LEGEND.map(([o, t]) => `<span class="sw o-${o}"></span>${esc(t)}`).join(' ')}`
    + ` <span class="lg-title">events:</span>${MARK_LEGEND.map(([k, t]) => `<span class="ln m-${k}"></span>${esc(t)}`).join(' ')}</div>`;
}

function scenarioBlock(key: string, s: ScenarioRecord | undefined, transport: string, hasChart: boolean): string {
  if (s === undefined) return `<p class="muted">Scenario ${esc(key)}: no record (it did not finish).</p>`;
  const axis = timeAxis(s);
  const parts: string[] = [`<div class="scenario"><h4>Scenario <code>${esc(key)}</code></h4>`];
  if (hasChart) {
    parts.push(`<figure class="timeline"><div class="chart" data-chart="${chartId(transport, key)}" role="img" aria-label="timeline of scenario ${esc(key)}"></div>`
      + `<div class="readout" aria-live="polite">Hover the chart for the calls and events at that moment.</div>${legend()}`
      + `<figcaption>Left axis: the handler's <b>current</b> and <b>sent</b> (journal) and the bytes the <b>client received</b> (wire, headers and chunk framing included); right axis: <b>in flight</b> = current − sent against the send window. The band under zero: each io call from its start to its return, coloured by what it returned.${axis.aligned ? '' : ' <b>Journal times are not aligned with the client\'s</b> (the target gave no origin_unix_ms): t = 0 of the handler is placed at the request.'}</figcaption></figure>`);
  }
  s.journals.forEach((j, n) => parts.push(journalTable(j, n, axis.aligned ? axis.offsets[n]! : null)));
  if (s.timeline.length > 0) parts.push(wireTable(s.timeline, axis.base));
  parts.push(responsesTable(Array.isArray(s.responses) ? s.responses : []));
  parts.push(extrasTable(s));
  parts.push('</div>');
  return parts.join('\n');
}

function evidenceTable(r: CheckResult): string {
  const ev = Object.entries(r.verdict.evidence ?? {});
  if (ev.length === 0) return '';
  return `<table class="kv evidence"><caption>Evidence</caption><tbody>${ev.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v === null ? 'null' : typeof v === 'number' ? v.toLocaleString('en-US') : String(v))}</td></tr>`).join('')}</tbody></table>`;
}

export function renderCheck(r: CheckResult, doc: ReportDocument, change: ComparisonEntry | undefined, charted: ReadonlySet<string>): string {
  const v = r.verdict;
  const s = v.status;
  const interp = glossary().interpretations;
  const chg = change && change.change !== 'unchanged'
    ? ` <span class="chg ${change.change}">${esc(CHANGE_LABEL[change.change])} (was ${esc(change.before ?? 'not run')})</span>` : '';
  const out: string[] = [
    `<section class="check st-${s}" id="${checkAnchor(r.transport, r.id)}" data-status="${s}" data-group="${esc(r.group)}" data-transport="${esc(r.transport)}" data-change="${change ? change.change : 'none'}">`,
    `<h3><span class="badge ${s}">${STATUS_TEXT[s]}</span> ${esc(r.id)} <span class="tp">${esc(r.transport)}</span> <span class="lvl">${esc(r.level)}</span>${chg} <a class="up" href="#matrix" title="back to the matrix">↑</a></h3>`,
    `<p class="req">${withCode(r.text)}</p>`,
    '<dl class="meta">',
    `<dt>How it is checked</dt><dd>${withCode(r.method)}</dd>`,
  ];
  if (r.interpretations.length > 0) {
    out.push(`<dt>Relies on</dt><dd>${r.interpretations.map((i) => `<b>${esc(i)}</b>${interp.has(i) ? ` ${esc(interp.get(i))}` : ''}`).join('; ')} <span class="muted">(docs/interpretations.md)</span></dd>`);
  }
  out.push(`<dt>Ran</dt><dd>${r.durationMs.toLocaleString('en-US')} ms${r.scenarios.length > 0 ? `, judged on ${r.scenarios.map((k) => `<code>${esc(k)}</code>`).join(', ')}` : ''}</dd>`, '</dl>');
  if (v.status === 'fail') {
    out.push(`<table class="kv verdict"><tbody><tr><th>expected</th><td>${esc(v.expected)}</td></tr><tr class="actual"><th>actual</th><td>${esc(v.actual)}</td></tr></tbody></table>`);
  } else if (v.status === 'skip') {
    out.push(`<p class="reason">Skipped: ${esc(v.reason)}</p>`);
  } else if (v.status === 'error') {
    out.push(`<table class="kv verdict error"><caption>Could not judge (not a failure of the server)</caption><tbody><tr class="saw"><th>the harness saw</th><td>${esc(v.reason)}</td></tr><tr class="hint"><th>what you can do</th><td>${esc(v.hint)}</td></tr></tbody></table>`);
  } else if (v.status === 'pass' && v.note) {
    out.push(`<p class="note">${esc(v.note)}</p>`);
  }
  out.push(evidenceTable(r));
  const records = doc.scenarios[r.transport as keyof typeof doc.scenarios] ?? {};
  for (const key of r.scenarios) out.push(scenarioBlock(key, records[key], r.transport, charted.has(chartId(r.transport, key))));
  out.push('</section>');
  return out.filter((x) => x !== '').join('\n');
}
