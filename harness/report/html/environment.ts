// The report's environment section: what was tested (targets and what each claims in
// /__probe/info), with what (dawdle, Node, kernel), how (transports, options, client profile)
// and when (start, duration, command line).
import { transportsOf, type ReportDocument } from '../document.ts';
import { esc } from './escape.ts';
import { fmtDuration, fmtTimeout, fmtWindow } from './format.ts';

function row(k: string, v: string): string {
  return `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;
}

export function renderEnvironment(doc: ReportDocument): string {
  const rows: string[] = [];
  for (const t of doc.targets) {
    const i = t.info;
    const facts = [
      `server <b>${esc(i.server)}</b>`,
      `features ${i.features.map((f) => `<code>${esc(f)}</code>`).join(' ') || 'none'}`,
      `default send_window ${esc(fmtWindow(i.defaults.send_window))}, send_timeout ${esc(fmtTimeout(i.defaults.send_timeout))}`,
    ];
    if (i.limits) facts.push(`limits: ${Object.entries(i.limits).map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ')}`);
    rows.push(row(`target (${t.transport})`, `<code>${esc(t.url)}</code><br>${facts.join('<br>')}`));
  }
  if (doc.targets.length === 0) rows.push(row('target', 'none reached'));
  const env = doc.environment;
  rows.push(row('dawdle', esc(env.dawdle)), row('Node', esc(env.node)), row('kernel', esc(env.os)));
  rows.push(row('transports', esc(transportsOf(doc).join(', '))));
  const o = doc.options as unknown as Record<string, unknown>;
  const profile = o.crowdProfile as { name?: unknown; file?: unknown } | undefined;
  rows.push(row('client profile (ISO crowd)', profile ? `${esc(profile.name ?? '?')} <span class="muted">${esc(profile.file ?? '')}</span>` : 'stalled (default: reads nothing)'));
  // Reports written before --tls-verify/--ca have none: the harness never verified then.
  rows.push(row('TLS', esc(typeof o.tls === 'string' ? o.tls : 'not verified')));
  const opts = Object.entries(o).filter(([k]) => k !== 'crowdProfile' && k !== 'tls').map(([k, v]) => `${esc(k)} ${esc(typeof v === 'number' ? v.toLocaleString('en-US') : JSON.stringify(v))}`);
  rows.push(row('options', opts.join(', ')));
  rows.push(row('started', esc(doc.startedAt)), row('duration', `${fmtDuration(doc.durationMs)}${doc.interrupted ? ' <b>(interrupted: partial results)</b>' : ''}`));
  rows.push(row('command line', `<code>${esc(env.command)}</code>`));
  if (doc.comparison) rows.push(row('compared with', `<code>${esc(doc.comparison.against.file)}</code> (run of ${esc(doc.comparison.against.startedAt)})`));
  return `<table class="kv env"><tbody>${rows.join('\n')}</tbody></table>`;
}
