// The fast clients' service-level objective: `p99<200ms,errors<0.1%`. A list of clauses, each a
// metric, `<` or `<=`, and a bound. Latency metrics (p50, p90, p95, p99, p99.9, max) take ms or s;
// `errors` takes a percentage. Parsing never throws: it returns the problem in one line.

export type LatencyMetric = 'p50' | 'p90' | 'p95' | 'p99' | 'p99.9' | 'max';
export type SloClause =
  | { metric: LatencyMetric; op: '<' | '<='; boundMs: number; text: string }
  | { metric: 'errors'; op: '<' | '<='; boundPct: number; text: string };
export type Slo = SloClause[];

/** What a step's fast clients measured, as the SLO reads it (ms; errors in percent). */
export interface SloInput {
  latencyMs: Record<LatencyMetric, number | null>;
  errorPct: number;
  requests: number;
}

export interface ClauseOutcome {
  clause: string;
  ok: boolean;
  /** The measured value (ms or %), null when nothing was measured. */
  value: number | null;
  bound: number;
  unit: 'ms' | '%';
}

const LATENCY: readonly LatencyMetric[] = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max'];
const CLAUSE = /^\s*(p\d+(?:\.\d+)?|max|errors)\s*(<=|<)\s*(\d+(?:\.\d+)?)\s*(ms|s|%)?\s*$/i;

export function parseSlo(text: string): { ok: true; slo: Slo } | { ok: false; error: string } {
  const parts = text.split(',').map((p) => p.trim());
  if (text.trim() === '' || parts.some((p) => p === '')) return { ok: false, error: `--slo "${text}": expected clauses like "p99<200ms,errors<0.1%"` };
  const slo: Slo = [];
  for (const part of parts) {
    const m = CLAUSE.exec(part);
    if (!m) return { ok: false, error: `--slo: cannot read "${part}" (expected e.g. p99<200ms, max<=1s, errors<0.1%)` };
    const metric = m[1]!.toLowerCase();
    const op = m[2] as '<' | '<=';
    const n = Number(m[3]);
    const unit = m[4]?.toLowerCase();
    if (metric === 'errors') {
      if (unit !== '%') return { ok: false, error: `--slo: "${part}": an error bound is a percentage (e.g. errors<0.1%)` };
      if (n > 100) return { ok: false, error: `--slo: "${part}": a percentage is at most 100` };
      slo.push({ metric: 'errors', op, boundPct: n, text: part.replace(/\s+/g, '') });
      continue;
    }
    if (!(LATENCY as readonly string[]).includes(metric)) return { ok: false, error: `--slo: "${part}": unknown metric ${metric} (known: ${LATENCY.join(', ')}, errors)` };
    if (unit !== 'ms' && unit !== 's') return { ok: false, error: `--slo: "${part}": a latency bound needs a unit, ms or s` };
    const boundMs = unit === 's' ? n * 1000 : n;
    if (boundMs <= 0) return { ok: false, error: `--slo: "${part}": the bound must be above 0` };
    slo.push({ metric: metric as LatencyMetric, op, boundMs, text: part.replace(/\s+/g, '') });
  }
  return { ok: true, slo };
}

export function formatSlo(slo: Slo): string {
  return slo.map((c) => c.text).join(',');
}

/** Each clause against a step's figures. A step with no fast request at all meets no clause. */
export function judgeSlo(slo: Slo, m: SloInput): ClauseOutcome[] {
  return slo.map((c) => {
    const within = (v: number, b: number) => (c.op === '<' ? v < b : v <= b);
    if (c.metric === 'errors') {
      const v = m.requests > 0 ? m.errorPct : null;
      return { clause: c.text, ok: v !== null && within(v, c.boundPct), value: v, bound: c.boundPct, unit: '%' };
    }
    const v = m.latencyMs[c.metric];
    return { clause: c.text, ok: v !== null && within(v, c.boundMs), value: v, bound: c.boundMs, unit: 'ms' };
  });
}
