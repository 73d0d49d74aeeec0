// The capacity report as one self-contained HTML file: the finding and its sentence, the steps
// table, charts against N (p99, errors, server resources, slow goodput, staleness) and one timeline
// per step. uPlot and the data are inlined, a Content-Security-Policy forbids every source (the
// inline scripts are allowed by hash), and every string from the target or a file goes through the
// conformance report's escaping (harness/report/html/escape.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { assets } from '../report/html/assets.ts';
import { esc, jsonForScript } from '../report/html/escape.ts';
import { columns, stepsOf } from './report-text.ts';
import { lastAttempts, type CapacityDocument, type StepResult } from './result.ts';

export interface ChartSpec {
  id: string;
  title: string;
  x: string;
  series: Array<{ label: string; unit?: string; scale?: string; color?: string; dash?: number[] }>;
  data: Array<Array<number | null>>;
  band?: [number, number];
  height?: number;
  points?: boolean;
}

let pageJs: string | undefined;
function script(): string {
  pageJs ??= readFileSync(new URL('./assets/capacity.js', import.meta.url), 'utf8');
  if (/<\/script/i.test(pageJs)) throw new Error('capacity.js contains a closing tag; cannot inline it');
  return pageJs;
}
const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** The series of one metric per profile over the union of N (null where a profile has no step). */
function byN(doc: CapacityDocument, pick: (s: StepResult) => number | null): { xs: number[]; ys: Array<Array<number | null>>; labels: string[] } {
  const runs = doc.runs.map((r) => ({ profile: r.profile, steps: lastAttempts(r.steps.filter((s) => !s.partial)) }));
  const xs = [...new Set(runs.flatMap((r) => r.steps.map((s) => s.n)))].sort((a, b) => a - b);
  return { xs, labels: runs.map((r) => r.profile), ys: runs.map((r) => xs.map((n) => { const s = r.steps.find((x) => x.n === n); return s ? pick(s) : null; })) };
}

export function capacityCharts(doc: CapacityDocument): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const latencyBound = doc.runs[0]?.steps[0]?.slo.clauses.find((c) => c.unit === 'ms')?.bound ?? null;
  const p99 = byN(doc, (s) => s.fast.latency_ms.p99);
  charts.push({
    id: 'chart-p99', title: 'Fast clients\' p99 latency vs slow clients', x: 'slow clients (N)',
    series: [...p99.labels.map((l) => ({ label: `p99 ${l}`, unit: 'ms' })), ...(latencyBound !== null ? [{ label: 'SLO bound', unit: 'ms', color: '#cf222e', dash: [6, 4] }] : [])],
    data: [p99.xs, ...p99.ys, ...(latencyBound !== null ? [p99.xs.map(() => latencyBound)] : [])],
  });
  const err = byN(doc, (s) => s.fast.error_pct);
  charts.push({ id: 'chart-errors', title: 'Fast clients\' errors vs slow clients', x: 'slow clients (N)', series: err.labels.map((l) => ({ label: `errors ${l}`, unit: '%' })), data: [err.xs, ...err.ys] });
  const rss = byN(doc, (s) => (s.server?.rss_bytes ?? s.server?.probe_rss_bytes ?? null) === null ? null : Math.round((s.server!.rss_bytes ?? s.server!.probe_rss_bytes!) / 10485.76) / 100);
  const cpu = byN(doc, (s) => (s.server?.cpu_pct == null ? null : Math.round(s.server.cpu_pct)));
  const fds = byN(doc, (s) => s.server?.fds ?? null);
  charts.push({
    id: 'chart-resources', title: 'Server resources vs slow clients', x: 'slow clients (N)',
    series: [...rss.labels.map((l) => ({ label: `RSS MB ${l}`, unit: 'MB', scale: 'mb' })), ...cpu.labels.map((l) => ({ label: `CPU % ${l}`, unit: '% / fds', scale: 'pct' })), ...fds.labels.map((l) => ({ label: `open fds ${l}`, unit: '% / fds', scale: 'pct', dash: [4, 3] }))],
    data: [rss.xs, ...rss.ys, ...cpu.ys, ...fds.ys],
  });
  const good = byN(doc, (s) => Math.round(s.slow.goodput_bytes_per_s / 100) / 10);
  const nominal = byN(doc, (s) => (s.slow.nominal_bytes_per_s === null ? null : Math.round((s.slow.nominal_bytes_per_s * s.n) / 100) / 10));
  charts.push({
    id: 'chart-goodput', title: 'Slow clients\' goodput vs slow clients', x: 'slow clients (N)',
    series: [...good.labels.map((l) => ({ label: `goodput kB/s ${l}`, unit: 'kB/s' })), ...nominal.labels.map((l) => ({ label: `nominal kB/s ${l}`, unit: 'kB/s', dash: [6, 4] }))],
    data: [good.xs, ...good.ys, ...nominal.ys],
  });
  if (stepsOf(doc).some((s) => s.slow.staleness !== null)) {
    const ageP99 = byN(doc, (s) => s.slow.staleness?.age_ms.p99 ?? null);
    const aoi = byN(doc, (s) => (s.slow.staleness?.aoi_ms == null ? null : Math.round(s.slow.staleness.aoi_ms * 10) / 10));
    const drop = byN(doc, (s) => (s.slow.staleness?.drop_ratio == null ? null : Math.round(s.slow.staleness.drop_ratio * 1000) / 10));
    charts.push({
      id: 'chart-staleness', title: 'Staleness of the slow clients\' stream vs slow clients', x: 'slow clients (N)',
      series: [...ageP99.labels.map((l) => ({ label: `age p99 ms ${l}`, unit: 'ms', scale: 'ms' })), ...aoi.labels.map((l) => ({ label: `AoI ms ${l}`, unit: 'ms', scale: 'ms', dash: [6, 4] })), ...drop.labels.map((l) => ({ label: `dropped % ${l}`, unit: '%', scale: 'pct' }))],
      data: [ageP99.xs, ...ageP99.ys, ...aoi.ys, ...drop.ys],
    });
  }
  stepsOf(doc).forEach((s, i) => {
    const tl = s.timeline;
    charts.push({
      id: `chart-step-${i}`, title: `${s.profile}, N = ${s.n}${s.attempt > 1 ? ' (again)' : ''}`, x: 'seconds into the step', height: 200, points: false,
      band: [s.window_start_s, s.window_start_s + s.window_s],
      series: [
        { label: 'fast p99 ms', unit: 'ms', scale: 'ms' }, { label: 'fast req/s', unit: 'req/s, kB/s', scale: 'rate' },
        { label: 'fast errors/s', unit: 'req/s, kB/s', scale: 'rate', color: '#cf222e' }, { label: 'slow goodput kB/s', unit: 'req/s, kB/s', scale: 'rate', color: '#1a7f37' },
      ],
      data: [tl.t, tl.fast_p99_ms, tl.fast_rps, tl.fast_errors, tl.slow_goodput_bps.map((b) => (b === null ? null : Math.round(b / 100) / 10))],
    });
  });
  return charts;
}

const CSS = `
.cap-banner{padding:16px 24px;border-bottom:1px solid var(--line)}.cap-banner.ok{background:var(--pass-bg)}.cap-banner.broken{background:var(--fail-bg)}
.cap-banner h1{margin:0 0 6px;font-size:22px}.sentence{font-size:16px;margin:6px 0}.chart{margin:8px 0 20px;min-height:200px}
table.steps{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}table.steps td,table.steps th{border:1px solid var(--line);padding:3px 6px;text-align:right}
table.steps td:first-child,table.steps th{text-align:left}tr.broken td{background:var(--fail-bg)}tr.partial td{color:var(--muted)}
.steps-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:8px}`;

export function renderCapacityHtml(doc: CapacityDocument): string {
  const a = assets();
  const js = script();
  const c = doc.capacity;
  const charts = capacityCharts(doc);
  const cols = columns(doc);
  const ok = c.breaking_n === null && c.max_slow_clients !== null;
  const headline = c.max_slow_clients === null ? 'no slow clients within the SLO' : `${c.max_slow_clients}${c.all_within ? '+' : ''} "${c.profile}" clients within the SLO`;
  const title = `dawdle ${doc.kind}: ${headline}`;
  const csp = `default-src 'none'; script-src ${hash(a.uplotJs)} ${hash(js)}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  const div = (ch: ChartSpec) => `<figure><figcaption>${esc(ch.title)}</figcaption><div class="chart" id="${esc(ch.id)}"></div></figure>`;
  const vsN = charts.filter((ch) => !ch.id.startsWith('chart-step-'));
  const perStep = charts.filter((ch) => ch.id.startsWith('chart-step-'));
  const rows = stepsOf(doc).map((s) => `<tr class="${s.partial ? 'partial' : s.slo.ok ? 'ok' : 'broken'}">${cols.map((col) => `<td>${esc(col.cell(s))}</td>`).join('')}</tr>`).join('\n');
  const findings = doc.runs.map((r) => `<li><b>${esc(r.profile)}</b>: capacity ${esc(r.capacity.max_slow_clients ?? 'none')}${r.capacity.all_within ? '+' : ''}; knee ${esc(r.capacity.knee ?? 'none found')}${r.capacity.gave_out_first ? `; gave out first: <b>${esc(r.capacity.gave_out_first.what)}</b> at ${esc(r.capacity.gave_out_first.at_n)} (${esc(r.capacity.gave_out_first.detail)})` : ''}. ${esc(r.capacity.sentence)}</li>`).join('\n');
  const cmp = doc.comparison;
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
<style>${CSS}</style>
</head>
<body>
<header class="cap-banner ${ok ? 'ok' : 'broken'}"><h1 id="headline">${esc(title)}</h1>
<p class="sentence" id="sentence">${esc(c.sentence)}</p>
<p>Target <code>${esc(doc.target.url)}</code>${doc.target.server ? ` (${esc(doc.target.server)})` : ''}${doc.target.embedded ? ', the embedded reference server' : ''} · SLO <code>${esc(doc.config.slo)}</code> for ${esc(doc.config.fast_rate)}/s on <code>${esc(doc.config.fast_path)}</code> (${esc(doc.config.fast_http)}) · slow clients on <code>${esc(doc.config.slow_path)}</code> · ${esc(doc.config.warmup_seconds)} s warm-up + ${esc(doc.config.step_seconds)} s measured per step · started ${esc(doc.started_at)}</p>
${doc.partial ? '<p class="warn">The run was interrupted: partial results.</p>' : ''}
</header>
<main>
<h2>Finding</h2>
<ul>${findings}</ul>
${doc.notes.map((n) => `<p class="muted">${esc(n)}</p>`).join('\n')}
<p class="muted">vegeta ${esc(doc.vegeta.version)}: ${esc(doc.vegeta.note)}</p>
${cmp ? `<h2>Against ${esc(cmp.against.file)}</h2><p>Capacity ${esc(cmp.max_slow_clients.before ?? 'none')} → ${esc(cmp.max_slow_clients.after ?? 'none')} (that run started ${esc(cmp.against.started_at)}).</p><table class="steps"><tr><th>N</th><th>p99 before (ms)</th><th>p99 now (ms)</th></tr>${cmp.p99_ms.map((p) => `<tr><td>${esc(p.n)}</td><td>${esc(p.before ?? '-')}</td><td>${esc(p.after ?? '-')}</td></tr>`).join('')}</table>` : ''}
<h2>Steps</h2>
<table class="steps" id="steps"><thead><tr>${cols.map((col) => `<th>${esc(col.head)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
<h2>Against the slow population</h2>
${vsN.map(div).join('\n')}
<h2>Each step over time</h2>
<p class="muted">The shaded band is the measured window; before it, the warm-up.</p>
<div class="steps-grid">${perStep.map(div).join('\n')}</div>
<section id="reading"><h2>How to read this report</h2>
<p>Each step held N slow clients (the profile's reading behaviour, each asking for the slow path and asking again when a response ends) while vegeta sent the fast clients' requests at a constant rate (an open model: requests leave on schedule however slowly the server answers). Only the measured window counts. A step breaks the SLO when any clause fails; the first such step is run once more to confirm it. The capacity is the largest N below the first confirmed break; the knee is where p99 starts to climb faster than N (Kneedle). "Gave out first" names a server resource at its limit at the breaking step (CPU at 90% of a core or more, fds at 90% of the limit, memory at 80% of the machine), else the SLO clause that broke. Pacing error is how far the slow clients' achieved rate fell from the profile's (95th percentile of clients). See docs/capacity.md.</p></section>
<section id="environment"><h2>Environment</h2><p>dawdle ${esc(doc.environment.dawdle)}, Node ${esc(doc.environment.node)}, ${esc(doc.environment.platform)}, host ${esc(doc.environment.hostname)}, ${esc(doc.config.slow_workers)} slow-client worker processes. Command: <code>${esc(doc.environment.argv.join(' '))}</code></p></section>
</main>
<script type="application/json" id="capacity-data">${jsonForScript({ charts })}</script>
<script>${a.uplotJs}</script>
<script>${js}</script>
</body>
</html>
`;
}
