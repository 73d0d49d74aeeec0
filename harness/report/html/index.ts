// The HTML report: one self-contained file. It opens with the verdict and the matrix, then every
// verdict's section (failures first, then errors: what the harness could not judge) with its
// evidence and timeline charts, then the environment.
// Styles, uPlot, the chart data and the page script are inlined; a Content-Security-Policy that
// allows only those inline scripts (by hash) and no source at all keeps the page from making any
// request, and keeps anything a hostile target smuggled into its strings from running.
import { createHash } from 'node:crypto';
import { runTitle, type ScenarioRecord } from '../../conformance/runner.ts';
import { changeIndex, changeSummary } from '../baseline.ts';
import { countStatus, resultKey, transportsOf, type ReportDocument } from '../document.ts';
import type { Reporter } from '../reporter.ts';
import { assets } from './assets.ts';
import { renderChanges } from './changes.ts';
import { chartId, renderCheck } from './check.ts';
import { renderEnvironment } from './environment.ts';
import { esc, jsonForScript } from './escape.ts';
import { fmtDuration } from './format.ts';
import { renderFilters, renderMatrix, STATUS_TEXT } from './matrix.ts';
import { chartOf, type ChartData } from './timeline.ts';

function hash(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

/** Chart data of every scenario some verdict was judged on, by chart id. */
function charts(doc: ReportDocument): Record<string, ChartData> {
  const out: Record<string, ChartData> = {};
  for (const r of doc.results) {
    const records: Record<string, ScenarioRecord> = doc.scenarios[r.transport as keyof typeof doc.scenarios] ?? {};
    for (const key of r.scenarios) {
      const id = chartId(r.transport, key);
      const s = records[key];
      if (id in out || s === undefined) continue;
      const c = chartOf(s);
      if (c) out[id] = c;
    }
  }
  return out;
}

/** The run's verdict: FAIL when any check failed, else ERROR when any could not be judged, else PASS. */
function runVerdict(n: ReturnType<typeof countStatus>): 'fail' | 'error' | 'pass' {
  return n.fail > 0 ? 'fail' : n.error > 0 ? 'error' : 'pass';
}

function banner(doc: ReportDocument): string {
  const n = countStatus(doc.results);
  const verdict = runVerdict(n);
  const servers = [...new Set(doc.targets.map((t) => t.info.server))];
  const lines = [
    `<header class="banner ${verdict}"><h1><span class="verdict">${STATUS_TEXT[verdict]}</span> ${runTitle(doc)}${servers.length ? ` — ${esc(servers.join(', '))}` : ''}</h1>`,
    `<p class="counts"><span class="n fail">${n.fail} failed</span> <span class="n error">${n.error} ${n.error === 1 ? 'error' : 'errors'} (could not judge)</span> <span class="n pass">${n.pass} passed</span> <span class="n skip">${n.skip} skipped</span> · ${doc.results.length} verdicts on ${esc(transportsOf(doc).join(', ') || 'no transport')} · ${fmtDuration(doc.durationMs)} · started ${esc(doc.startedAt)}</p>`,
    `<p class="targets">${doc.targets.map((t) => `<code>${esc(t.url)}</code>`).join(' ')}</p>`,
  ];
  if (doc.interrupted) lines.push('<p class="warn">The run was interrupted: partial results (checks that did not run are skipped "interrupted").</p>');
  if (doc.comparison) lines.push(`<p class="cmp">Against <code>${esc(doc.comparison.against.file)}</code> (run of ${esc(doc.comparison.against.startedAt)}): ${esc(changeSummary(doc.comparison))}.</p>`);
  lines.push(`<nav>${doc.comparison ? '<a href="#changes">Changes</a> · ' : ''}<a href="#matrix">Matrix</a> · <a href="#failures">Failures</a> · <a href="#errors">Errors</a> · <a href="#others">Other verdicts</a> · <a href="#environment">Environment</a> · <a href="#reading">How to read this</a></nav></header>`);
  return lines.join('\n');
}

const HOW_TO_READ = `<section id="reading" class="reading"><h2>How to read this report</h2>
<p>The matrix has one row per requirement and one column per transport; a cell is the verdict of that requirement on that transport and links to its section. The filters hide verdicts (and matrix rows) by verdict, group, transport and, after a comparison, by what changed.</p>
<p>A section says what the requirement demands, how the check exercised it, and the verdict: for a failure what was expected and what the server did, with the numbers behind it. An <b>ERROR</b> (purple) is a verdict the harness could not reach (the check threw or ran out of time): not a failure of the server; its section says what the harness saw and what you can do. The chart is the scenario the verdict was judged on, as both sides saw it: the handler's <b>current</b> (bytes written so far) and <b>sent</b> (bytes passed to the TCP/IP stack) from its journal, the bytes the <b>client received</b> from the wire, and <b>in flight</b> (current − sent) against the send window on the right axis. Each io call is a bar under the zero line from its start to its return, coloured by what it returned; vertical lines are connection events (FIN, RST, close, the handler's end). Drag to zoom, double-click to reset. The tables below the chart are the raw record: every call with its arguments, result and send stats, and the client's wire events.</p></section>`;

export function renderHtml(doc: ReportDocument): string {
  const a = assets();
  const changes = changeIndex(doc.comparison);
  const chartData = charts(doc);
  const charted = new Set(Object.keys(chartData));
  const section = (rs: ReportDocument['results']) => rs.map((r) => renderCheck(r, doc, changes.get(resultKey(r)), charted)).join('\n');
  const fails = doc.results.filter((r) => r.verdict.status === 'fail');
  const errors = doc.results.filter((r) => r.verdict.status === 'error');
  const others = doc.results.filter((r) => r.verdict.status !== 'fail' && r.verdict.status !== 'error');
  const data = jsonForScript({ charts: chartData, total: doc.results.length });
  const n = countStatus(doc.results);
  const counted = [n.fail > 0 ? `${n.fail} failed` : '', n.error > 0 ? `${n.error} could not be judged` : ''].filter((x) => x !== '').join(', ');
  const title = `${runTitle(doc)}: ${STATUS_TEXT[runVerdict(n)]}${counted ? ` (${counted})` : ''} — ${[...new Set(doc.targets.map((t) => t.info.server))].join(', ')}`;
  const csp = `default-src 'none'; script-src ${hash(a.uplotJs)} ${hash(a.js)}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dawdle ${esc(doc.environment.dawdle)}">
<title>${esc(title)}</title>
<style>${a.uplotCss}</style>
<style>${a.css}</style>
</head>
<body>
${banner(doc)}
<main>
${renderChanges(doc)}
<section id="overview"><h2>Verdicts</h2>
${renderFilters(doc)}
${renderMatrix(doc)}
</section>
<h2 id="failures">Failures (${fails.length})</h2>
${fails.length === 0 ? '<p class="muted">None.</p>' : section(fails)}
<h2 id="errors">Errors: could not judge (${errors.length})</h2>
${errors.length === 0 ? '<p class="muted">None.</p>' : section(errors)}
<h2 id="others">Passed and skipped (${others.length})</h2>
${section(others)}
<section id="environment"><h2>Environment</h2>
${renderEnvironment(doc)}
</section>
${HOW_TO_READ}
</main>
<script type="application/json" id="report-data">${data}</script>
<script>${a.uplotJs}</script>
<script>${a.js}</script>
</body>
</html>
`;
}

export const htmlReporter: Reporter = {
  format: 'html',
  describe: 'one self-contained HTML file: verdict matrix, evidence, timeline charts (opens offline)',
  render: renderHtml,
};
