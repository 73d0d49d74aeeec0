// The data of one scenario's timeline chart, laid on one time axis (ms since the first thing that
// happened): the handler's `current` / `sent` / in flight over time (journal samples and the stats
// of each call), every write/wait call as a span with its outcome, the client's bytes received
// (wire timeline) and the connection's events (FIN, RST, close, pause/resume, handler end).
// Pure data: the page's script draws it with uPlot.
import type { Journal, JournalEntry } from '../../../protocol/index.ts';
import { fmtBytes, fmtMs } from './format.ts';

export type Outcome = 'nil' | 'partial' | 'cancelled' | 'timed-out' | 'unsupported' | 'other';

export interface Span {
  /** Row of the call lane: the journal's index (several pipelined scripts = several lanes). */
  lane: number;
  t0: number;
  t1: number;
  outcome: Outcome;
  label: string;
}

export type MarkKind = 'connect' | 'head' | 'response-end' | 'pause' | 'resume' | 'fin' | 'rst' | 'error' | 'close' | 'end';

export interface Mark {
  t: number;
  kind: MarkKind;
  label: string;
}

export interface ChartSeries {
  label: string;
  kind: 'current' | 'sent' | 'flight' | 'client';
  values: Array<number | null>;
}

export interface ChartData {
  title: string;
  /** Shared x values (ms); each series has one value (or null) per x. */
  xs: number[];
  series: ChartSeries[];
  lanes: string[];
  spans: Span[];
  marks: Mark[];
  /** The send window of the (first) journal, drawn against the in-flight series. */
  window: number | null;
  /** False when journal times could not be placed on the client's clock (no origin_unix_ms). */
  aligned: boolean;
}

/** The part of a scenario record a chart is drawn from. */
export interface ScenarioLike {
  scenario: string;
  transport: string;
  journals: readonly Journal[];
  timeline: ReadonlyArray<{ type: string; t: number; [k: string]: unknown }>;
}

/** Most points a series keeps; longer ones are thinned evenly (the last point always kept). */
const MAX_POINTS = 1500;

export function outcomeOf(e: JournalEntry): Outcome {
  if (e.op !== 'write' && e.op !== 'wait' && e.op !== 'write_header') return 'other';
  const r = e.result;
  if (r === null) return 'nil';
  if ('unsupported' in r) return 'unsupported';
  if (r.cancelled === true) return 'cancelled';
  return e.op === 'write' ? 'partial' : 'timed-out';
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  nil: 'nil', partial: 'timed out, partial', cancelled: 'cancelled', 'timed-out': 'timed out', unsupported: 'unsupported', other: 'done',
};

/** "write k=3 49,152 B, timeout 0.4 s: timed out, partial: 0 B sent, after 401.4 ms" */
export function describeCall(e: JournalEntry): string {
  let what: string;
  switch (e.op) {
    case 'write': what = `write k=${e.k} ${fmtBytes(e.bytes)}`; break;
    case 'wait': what = `wait pos ${e.pos.toLocaleString('en-US')}`; break;
    case 'write_header': what = `write_header ${e.status}`; break;
    default: what = e.op;
  }
  if ('timeout' in e && e.timeout !== undefined) what += `, timeout ${e.timeout} s`;
  return `${what}: ${callResult(e)}, after ${fmtMs(e.t1 - e.t0)}`;
}

/** "nil", "timed out, partial: 0 B sent", "cancelled", "timed out" ... */
export function callResult(e: JournalEntry): string {
  const result = OUTCOME_TEXT[outcomeOf(e)];
  if (e.op === 'write' && e.result !== null && !('unsupported' in e.result) && e.result.body_bytes_sent !== 'unsupported') return `${result}: ${fmtBytes(e.result.body_bytes_sent)} sent`;
  return result;
}

function thin<T>(points: T[]): T[] {
  if (points.length <= MAX_POINTS) return points;
  const step = points.length / MAX_POINTS;
  const out: T[] = [];
  for (let i = 0; i < MAX_POINTS - 1; i++) out.push(points[Math.floor(i * step)]!);
  out.push(points[points.length - 1]!);
  return out;
}

const round = (x: number) => Math.round(x * 100) / 100;

function markOf(e: ScenarioLike['timeline'][number], t: number): Mark | null {
  const n = typeof e.index === 'number' ? ` #${e.index + 1}` : '';
  switch (e.type) {
    case 'connect': return { t, kind: 'connect', label: 'connected' };
    case 'head': return { t, kind: 'head', label: `response${n} head ${String(e.status)}` };
    case 'response-end': return { t, kind: 'response-end', label: `response${n} ended: ${String(e.completion)}` };
    case 'pause': return { t, kind: 'pause', label: 'client stops reading' };
    case 'resume': return { t, kind: 'resume', label: 'client reads again' };
    case 'fin-received': return { t, kind: 'fin', label: 'FIN from server' };
    case 'fin-sent': return { t, kind: 'fin', label: `client FIN (${String(e.how)})` };
    case 'rst-sent': return { t, kind: 'rst', label: 'client RST' };
    case 'error': return e.code === 'ECONNRESET'
      ? { t, kind: 'rst', label: 'RST from server' }
      : { t, kind: 'error', label: `socket error ${String(e.code)}` };
    case 'close': return { t, kind: 'close', label: 'socket closed' };
    // HTTP/2
    case 'rst-stream': return { t, kind: 'rst', label: `${e.direction === 'sent' ? 'client' : 'server'} RST_STREAM ${String(e.errorCode)} on response${n}` };
    case 'goaway': return { t, kind: 'fin', label: `GOAWAY ${e.direction === 'sent' ? 'from client' : 'from server'} (${String(e.errorCode)})` };
    case 'socket-pause': return { t, kind: 'pause', label: 'client stops reading the socket' };
    case 'socket-resume': return { t, kind: 'resume', label: 'client reads the socket again' };
    default: return null;
  }
}

/**
 * The chart's time axis: t = 0 is the first thing that happened (client event or handler start),
 * in Unix ms `base`; `offsets[n]` places journal n's times on it. Journals carry their handler's
 * start as origin_unix_ms (the server's clock: the same clock when the target runs on this
 * machine). Without it, journal t = 0 is taken as the moment the first request was sent and the
 * chart says it is not aligned.
 */
export function timeAxis(s: ScenarioLike): { aligned: boolean; base: number; offsets: number[] } {
  const origins = s.journals.map((j) => j.origin_unix_ms);
  const aligned = origins.every((o) => typeof o === 'number');
  if (aligned) {
    const base = Math.min(...(origins as number[]), ...(s.timeline.length > 0 ? [s.timeline[0]!.t] : []));
    return { aligned, base, offsets: (origins as number[]).map((o) => o - base) };
  }
  const base = s.timeline.find((e) => e.type === 'request-sent')?.t ?? s.timeline[0]?.t ?? 0;
  return { aligned, base, offsets: origins.map(() => 0) };
}

/** The chart of a scenario, or null when it recorded nothing to draw (e.g. the ISO crowd). */
export function chartOf(s: ScenarioLike): ChartData | null {
  if (s.journals.length === 0 && s.timeline.length === 0) return null;
  const { aligned, base, offsets } = timeAxis(s);
  const jt = (n: number, t: number) => round((offsets[n] ?? 0) + t);
  const ct = (t: number) => round(t - base);

  const tables: Array<{ label: string; kind: ChartSeries['kind']; points: Array<[number, number]> }> = [];
  const many = s.journals.length > 1;
  s.journals.forEach((j, n) => {
    const rows: Array<[number, number, number]> = j.samples.map(([t, c, x]) => [jt(n, t), c, x]);
    for (const e of j.entries) if (e.stats) rows.push([jt(n, e.t1), e.stats.current, e.stats.sent]);
    rows.sort((a, b) => a[0] - b[0]);
    if (rows.length === 0) return;
    const sfx = many ? ` #${n + 1}` : '';
    tables.push({ label: `current${sfx}`, kind: 'current', points: thin(rows.map((r) => [r[0], r[1]])) });
    tables.push({ label: `sent${sfx}`, kind: 'sent', points: thin(rows.map((r) => [r[0], r[2]])) });
    tables.push({ label: `in flight${sfx}`, kind: 'flight', points: thin(rows.map((r) => [r[0], r[1] - r[2]])) });
  });
  const bytes = s.timeline.filter((e) => e.type === 'bytes' && typeof e.total === 'number');
  if (s.timeline.length > 0) {
    const first = s.timeline[0]!;
    tables.push({ label: 'client received', kind: 'client', points: thin([[ct(first.t), 0], ...bytes.map((e) => [ct(e.t), e.total as number] as [number, number])]) });
  }

  const spans: Span[] = [];
  s.journals.forEach((j, n) => {
    for (const e of j.entries) {
      if (e.op !== 'write' && e.op !== 'wait' && e.op !== 'write_header' && e.op !== 'sleep') continue;
      spans.push({ lane: n, t0: jt(n, e.t0), t1: jt(n, e.t1), outcome: outcomeOf(e), label: describeCall(e) });
    }
  });
  const marks: Mark[] = [];
  for (const e of s.timeline) {
    const m = markOf(e, ct(e.t));
    if (m) marks.push(m);
  }
  s.journals.forEach((j, n) => {
    if (j.end) marks.push({ t: jt(n, j.end.t), kind: 'end', label: `handler${many ? ` #${n + 1}` : ''} ended: ${j.end.reason}${j.end.error ? ` (${j.end.error.slice(0, 200)})` : ''}` });
  });
  marks.sort((a, b) => a.t - b.t);

  // The x axis spans every point, call and event (calls and events after the last sample too).
  const times = [...tables.flatMap((t) => t.points.map((p) => p[0])), ...spans.flatMap((x) => [x.t0, x.t1]), ...marks.map((m) => m.t)];
  const xs = [...new Set(times)].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i] as const));
  const series: ChartSeries[] = tables.map((t) => {
    const values: Array<number | null> = new Array(xs.length).fill(null);
    for (const [x, y] of t.points) values[at.get(x)!] = y;
    return { label: t.label, kind: t.kind, values };
  });
  return {
    title: `${s.scenario} (${s.transport})`,
    xs, series,
    lanes: s.journals.map((j, n) => `calls${many ? ` #${n + 1}` : ''}`),
    spans, marks,
    window: s.journals[0]?.effective.send_window ?? null,
    aligned,
  };
}
