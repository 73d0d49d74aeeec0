// The raw record behind a verdict, as tables: each journal's calls (what every io call was asked,
// what it returned, when, and current/sent after it), the client's wire events, the responses
// as parsed, and whatever else a scenario recorded (e.g. the ISO crowd's latencies).
import type { Journal, JournalEntry } from '../../../protocol/index.ts';
import type { ScenarioRecord } from '../../conformance/runner.ts';
import { esc } from './escape.ts';
import { fmtBytes, fmtMs, fmtTimeout, fmtWindow } from './format.ts';
import { callResult, outcomeOf } from './timeline.ts';

const KNOWN = new Set(['scenario', 'transport', 'ids', 'scripts', 'journals', 'timeline', 'responses', 'marks', 'bodyBytes']);

function args(e: JournalEntry): string {
  switch (e.op) {
    case 'write': return `k=${e.k}, ${fmtBytes(e.bytes)}${e.timeout !== undefined ? `, timeout ${e.timeout} s` : ''}`;
    case 'wait': return `pos ${e.pos.toLocaleString('en-US')}${e.timeout !== undefined ? `, timeout ${e.timeout} s` : ''}`;
    case 'write_header': return `status ${e.status}${e.timeout !== undefined ? `, timeout ${e.timeout} s` : ''}`;
    default: return '';
  }
}

function result(e: JournalEntry): string {
  if (e.op === 'helpers_on_nil') return JSON.stringify(e.helpers);
  if (e.op === 'write' || e.op === 'wait' || e.op === 'write_header') return callResult(e);
  return e.result && 'unsupported' in e.result ? 'unsupported' : '';
}

function outcomeClass(e: JournalEntry): string {
  const o = outcomeOf(e);
  return o === 'other' ? '' : `o-${o}`;
}

/** Journal times on the chart's axis: `offset` = ms from the chart's t = 0 to the handler's. */
export function journalTable(j: Journal, n: number, offset: number | null): string {
  const eff = `window ${esc(fmtWindow(j.effective.send_window))}, send_timeout ${esc(fmtTimeout(j.effective.send_timeout))}`;
  const end = j.end ? `ended ${esc(j.end.reason)} at ${fmtMs(j.end.t)}${j.end.error ? `: ${esc(j.end.error)}` : ''}` : j.done ? 'done' : 'not finished when fetched';
  const rows = j.entries.map((e) => {
    const st = e.stats;
    return `<tr class="${outcomeClass(e)}"><td>${e.i}</td><td>${esc(e.op)}</td><td>${esc(args(e))}</td><td class="num">${fmtMs(e.t0 + (offset ?? 0))}</td><td class="num">${fmtMs(e.t1 - e.t0)}</td><td>${esc(result(e))}</td>`
      + `<td class="num">${st ? st.current.toLocaleString('en-US') : ''}</td><td class="num">${st ? st.sent.toLocaleString('en-US') : ''}</td><td class="num">${st ? (st.current - st.sent).toLocaleString('en-US') : ''}</td><td>${st ? (st.cancelled ? 'yes' : 'no') : ''}</td></tr>`;
  });
  return `<details class="journal"><summary>Handler calls, journal #${n + 1}: ${j.entries.length} calls, ${j.samples.length} samples; ${eff}; ${end}</summary>`
    + `<table class="calls"><thead><tr><th>#</th><th>call</th><th>arguments</th><th>called at</th><th>took</th><th>returned</th><th>current</th><th>sent</th><th>in flight</th><th>cancelled</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    + `<p class="muted">Times in ms on the chart's axis${offset === null ? ' (journal-relative: the server gave no origin_unix_ms)' : ''}; current/sent are get_send_stats() right after the call (script id ${esc(j.id)}).</p></details>`;
}

const SKIP_FIELDS = new Set(['type', 't']);

export function wireTable(timeline: ScenarioRecord['timeline'], base: number): string {
  const reads = timeline.filter((e) => e.type === 'bytes');
  const last = reads.at(-1) as { total?: number } | undefined;
  const rows = timeline.filter((e) => e.type !== 'bytes').map((e) => {
    const detail = Object.entries(e).filter(([k]) => !SKIP_FIELDS.has(k)).map(([k, v]) => `${k}=${String(v)}`).join(', ');
    return `<tr><td class="num">${fmtMs(e.t - base)}</td><td>${esc(e.type)}</td><td>${esc(detail)}</td></tr>`;
  });
  return `<details class="wire"><summary>Client wire events: ${timeline.length - reads.length} events, ${reads.length} reads, ${fmtBytes(last?.total ?? 0)} received</summary>`
    + `<table class="events"><thead><tr><th>at (ms)</th><th>event</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}

export function responsesTable(responses: unknown[]): string {
  if (responses.length === 0) return '';
  const rows = responses.map((x, n) => {
    const r = x as Record<string, unknown>;
    const list = Array.isArray(r.anomalies) ? r.anomalies.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))) : [];
    const h2 = r.h2 as { streamId?: number; endStream?: boolean; resetCode?: string | null; resetBy?: string | null; paddingBytes?: number } | undefined;
    if (h2 !== undefined && typeof h2 === 'object') {
      const end = h2.endStream ? 'END_STREAM' : h2.resetCode ? `RST_STREAM ${h2.resetCode} from the ${h2.resetBy ?? '?'}` : 'no END_STREAM';
      list.unshift(`stream ${h2.streamId ?? '?'}: ${end}${h2.paddingBytes ? `, ${h2.paddingBytes} B padding` : ''}`);
    }
    const anomalies = list.join('; ');
    return `<tr><td>${n + 1}</td><td>${esc(r.status ?? '')}</td><td>${esc(r.framing ?? '')}</td><td class="num">${esc(typeof r.bodyBytes === 'number' ? r.bodyBytes.toLocaleString('en-US') : '')}</td><td>${esc(r.completion ?? '')}</td><td>${esc(anomalies)}${r.error ? ` ${esc(typeof r.error === 'string' ? r.error : JSON.stringify(r.error))}` : ''}</td></tr>`;
  });
  return `<details class="responses"><summary>Responses as the client parsed them: ${responses.length}</summary><table><thead><tr><th>#</th><th>status</th><th>framing</th><th>body bytes</th><th>completion</th><th>anomalies / error</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}

/** Fields a scenario added beyond the common record (numbers and small objects), as a table. */
export function extrasTable(s: ScenarioRecord): string {
  const extra = Object.entries(s as unknown as Record<string, unknown>).filter(([k]) => !KNOWN.has(k));
  const marks = Object.entries(s.marks ?? {});
  if (extra.length === 0 && marks.length === 0) return '';
  const show = (v: unknown) => {
    const text = typeof v === 'number' ? v.toLocaleString('en-US') : JSON.stringify(v, (_k, x) => (typeof x === 'number' ? Math.round(x * 100) / 100 : x));
    return esc(text.length > 400 ? `${text.slice(0, 400)}...` : text);
  };
  const rows = [...extra.map(([k, v]) => [k, k === 'h2' ? h2Summary(v) : show(v)] as const), ...marks.map(([k, v]) => [`mark ${k}`, show(v)] as const)];
  return `<table class="kv extras"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

/** An HTTP/2 run's record in words: our settings, the connection window, grants, violations. */
function h2Summary(v: unknown): string {
  const h = v as {
    settings?: Array<[string, number]>; connectionWindow?: { initial: number; granted: number; received: number; excess: number };
    violations?: Array<{ code: string; rule: string; streamId: number; message: string }>; windowUpdatesSent?: { stream: number; connection: number };
  };
  if (typeof h !== 'object' || h === null) return esc(String(v));
  const parts: string[] = [];
  if (Array.isArray(h.settings)) parts.push(`our SETTINGS ${h.settings.map(([n, x]) => `${n}=${x}`).join(', ') || '(defaults)'}`);
  const w = h.connectionWindow;
  if (w) parts.push(`connection window: granted ${fmtBytes(w.granted)}, received ${fmtBytes(w.received)}${w.excess ? `, EXCESS ${fmtBytes(w.excess)}` : ''}`);
  if (h.windowUpdatesSent) parts.push(`WINDOW_UPDATEs sent: ${h.windowUpdatesSent.stream} stream, ${h.windowUpdatesSent.connection} connection`);
  const vs = Array.isArray(h.violations) ? h.violations : [];
  parts.push(vs.length === 0 ? 'no violation' : `${vs.length} violation(s): ${vs.slice(0, 5).map((x) => `${x.code} (${x.rule}) stream ${x.streamId}: ${x.message}`).join('; ')}${vs.length > 5 ? ' ...' : ''}`);
  return esc(parts.join('; '));
}
