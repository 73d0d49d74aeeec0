// The console table and the markdown summary of a capacity run. Plain functions of the document.
import { lastAttempts, type CapacityDocument, type StepResult } from './result.ts';

const n0 = (v: number | null | undefined, d = 0) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v >= 100 ? n0(v) : n0(v, 1));
const kbps = (v: number | null | undefined) => (v === null || v === undefined ? '-' : n0(v / 1000, v >= 1e5 ? 0 : 1));
const mb = (v: number | null | undefined) => (v === null || v === undefined ? '-' : n0(v / 1048576));
const pct = (v: number | null | undefined, d = 1) => (v === null || v === undefined ? '-' : `${n0(v, d)}%`);

export interface Column { head: string; cell: (s: StepResult) => string }

export function columns(doc: CapacityDocument): Column[] {
  const stale = doc.kind === 'staleness' || doc.runs.some((r) => r.steps.some((s) => s.slow.staleness !== null));
  const cols: Column[] = [
    { head: 'profile', cell: (s) => s.profile },
    { head: 'N', cell: (s) => `${s.n}${s.attempt > 1 ? ' (again)' : ''}` },
    { head: 'SLO', cell: (s) => (s.partial ? 'partial' : s.slo.ok ? 'ok' : 'BROKEN') },
    { head: 'p50 ms', cell: (s) => ms(s.fast.latency_ms.p50) },
    { head: 'p95 ms', cell: (s) => ms(s.fast.latency_ms.p95) },
    { head: 'p99 ms', cell: (s) => ms(s.fast.latency_ms.p99) },
    { head: 'max ms', cell: (s) => ms(s.fast.latency_ms.max) },
    { head: 'errors', cell: (s) => pct(s.fast.error_pct, 2) },
    { head: 'req/s', cell: (s) => `${n0(s.fast.achieved_rate)}/${n0(s.fast.requested_rate)}` },
    { head: 'slow kB/s', cell: (s) => kbps(s.slow.goodput_bytes_per_s) },
    { head: 'pacing p95', cell: (s) => (s.slow.pacing_error_p95 === null ? '-' : pct(s.slow.pacing_error_p95 * 100)) },
    { head: 'closed', cell: (s) => n0(s.slow.server_closures) },
    { head: 'slow err', cell: (s) => n0(s.slow.errors) },
    { head: 'RSS MB', cell: (s) => mb(s.server?.rss_bytes ?? s.server?.probe_rss_bytes) },
    { head: 'CPU', cell: (s) => pct(s.server?.cpu_pct, 0) },
    { head: 'fds', cell: (s) => n0(s.server?.fds) },
    { head: 'harness CPU', cell: (s) => pct(s.harness.slow_workers_cpu_pct, 0) },
  ];
  if (stale) {
    cols.push(
      { head: 'age p50/p99/max ms', cell: (s) => (s.slow.staleness ? `${ms(s.slow.staleness.age_ms.p50)}/${ms(s.slow.staleness.age_ms.p99)}/${ms(s.slow.staleness.age_ms.max)}` : '-') },
      { head: 'AoI ms', cell: (s) => ms(s.slow.staleness?.aoi_ms) },
      { head: 'lag p99', cell: (s) => n0(s.slow.staleness?.version_lag.p99) },
      { head: 'dropped', cell: (s) => (s.slow.staleness?.drop_ratio == null ? '-' : pct(s.slow.staleness.drop_ratio * 100)) },
    );
  }
  return cols;
}

export function stepsOf(doc: CapacityDocument): StepResult[] {
  return doc.runs.flatMap((r) => r.steps);
}

/** The console table: one row per step (confirmations included). */
export function consoleTable(doc: CapacityDocument): string {
  const cols = columns(doc);
  const rows = [cols.map((c) => c.head), ...stepsOf(doc).map((s) => cols.map((c) => c.cell(s)))];
  const w = cols.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, j) => r.map((v, i) => (i < 2 && j >= 0 && i === 0 ? v.padEnd(w[i]!) : v.padStart(w[i]!))).join('  ')).join('\n');
}

/** One line per step as it finishes (progress). */
export function stepLine(s: StepResult): string {
  const st = s.slow.staleness;
  return `${s.profile} N=${s.n}${s.attempt > 1 ? ' (again)' : ''}: ${s.partial ? 'partial' : s.slo.ok ? 'within SLO' : 'SLO BROKEN'}; fast p99 ${ms(s.fast.latency_ms.p99)} ms, errors ${pct(s.fast.error_pct, 2)}, ${n0(s.fast.achieved_rate)}/${n0(s.fast.requested_rate)} req/s; slow ${kbps(s.slow.goodput_bytes_per_s)} kB/s, ${s.slow.server_closures} closed${st ? `; age p99 ${ms(st.age_ms.p99)} ms, AoI ${ms(st.aoi_ms)} ms, dropped ${st.drop_ratio === null ? '-' : pct(st.drop_ratio * 100)}` : ''}`;
}

export function capacityLines(doc: CapacityDocument): string {
  const out: string[] = [];
  for (const r of doc.runs) {
    const c = r.capacity;
    out.push(`capacity (${r.profile}): ${c.max_slow_clients === null ? 'none (the smallest step broke the SLO)' : `${c.max_slow_clients} slow clients${c.all_within ? ' or more (no step broke the SLO)' : ''}`}; knee ${c.knee === null ? 'none found' : `at ${c.knee}`}${c.gave_out_first ? `; gave out first: ${c.gave_out_first.what} at ${c.gave_out_first.at_n}` : ''}`);
    out.push(`  ${c.sentence}`);
  }
  for (const n of doc.notes) out.push(`note: ${n}`);
  out.push(`vegeta: ${doc.vegeta.note}`);
  if (doc.comparison) {
    const cmp = doc.comparison;
    out.push(`against ${cmp.against.file} (${cmp.against.started_at}): capacity ${cmp.max_slow_clients.before ?? 'none'} -> ${cmp.max_slow_clients.after ?? 'none'}; p99 ${cmp.p99_ms.map((p) => `N=${p.n} ${ms(p.before)}->${ms(p.after)} ms`).join(', ')}`);
  }
  if (doc.partial) out.push('interrupted: partial results');
  return out.join('\n');
}

// Text from the target or a file, for markdown: markup characters as entities (shown as they are,
// never as HTML), the table and emphasis characters backslash-escaped.
const MD_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };
const mdEscape = (s: string) => s.replace(/[<>&]/g, (c) => MD_ENTITIES[c]!).replace(/[|\\`*_[\]]/g, (c) => `\\${c}`);

export function renderMarkdown(doc: CapacityDocument): string {
  const cols = columns(doc);
  const c = doc.capacity;
  const lines = [
    `## dawdle ${doc.kind}: ${c.max_slow_clients === null ? 'no capacity within the SLO' : `${c.max_slow_clients}${c.all_within ? '+' : ''} "${mdEscape(c.profile)}" clients`}${doc.partial ? ' (partial: interrupted)' : ''}`,
    '',
    mdEscape(c.sentence),
    '',
    `Target ${mdEscape(doc.target.url)}${doc.target.server ? ` (${mdEscape(doc.target.server)})` : ''}; SLO ${mdEscape(doc.config.slo)} for ${doc.config.fast_rate}/s on ${mdEscape(doc.config.fast_path)} (${doc.config.fast_http}, vegeta ${doc.vegeta.version}); slow clients on ${mdEscape(doc.config.slow_path)}; ${doc.config.warmup_seconds} s warm-up + ${doc.config.step_seconds} s measured per step; started ${doc.started_at}.`,
    '',
    `| ${cols.map((x) => x.head).join(' | ')} |`,
    `|${cols.map(() => '---').join('|')}|`,
    ...stepsOf(doc).map((s) => `| ${cols.map((x) => mdEscape(x.cell(s))).join(' | ')} |`),
    '',
  ];
  for (const r of doc.runs) {
    lines.push(`- **${mdEscape(r.profile)}**: capacity ${r.capacity.max_slow_clients ?? 'none'}${r.capacity.all_within ? '+' : ''}, knee ${r.capacity.knee ?? 'none'}${r.capacity.gave_out_first ? `, gave out first: ${r.capacity.gave_out_first.what} (${mdEscape(r.capacity.gave_out_first.detail)})` : ''}`);
  }
  for (const n of doc.notes) lines.push(`- ${mdEscape(n)}`);
  lines.push(`- vegeta: ${mdEscape(doc.vegeta.note)}`);
  if (doc.comparison) {
    const cmp = doc.comparison;
    lines.push('', `Against ${mdEscape(cmp.against.file)} (${cmp.against.started_at}): capacity ${cmp.max_slow_clients.before ?? 'none'} → ${cmp.max_slow_clients.after ?? 'none'}.`, '', '| N | p99 before (ms) | p99 now (ms) |', '|---|---|---|');
    for (const p of cmp.p99_ms) lines.push(`| ${p.n} | ${ms(p.before)} | ${ms(p.after)} |`);
  }
  return `${lines.join('\n')}\n`;
}

export { lastAttempts };
