// The result of a capacity run (JSON schema `dawdle.capacity/1`) and its analysis: the largest
// slow population within the SLO, the knee of the p99 curve, what gave out first, and one
// sentence a capacity planner can act on. Data only; the renderers live in report-*.ts.
import type { LatencySummary } from './histogram.ts';
import { findKnee } from './knee.ts';
import type { ClauseOutcome } from './slo.ts';

export const CAPACITY_SCHEMA = 'dawdle.capacity/1';

export interface StalenessFigures {
  updates_received: number;
  age_ms: LatencySummary;
  /** Time-average age of information, ms. */
  aoi_ms: number | null;
  version_lag: { p50: number | null; p99: number | null; max: number | null; mean: number | null };
  /** Updates never received whole (sequence gaps) / updates made, while connected. */
  drop_ratio: number | null;
}

export interface StepTimeline {
  /** Seconds since the step began (warm-up included; the window starts at window_start_s). */
  t: number[];
  fast_rps: (number | null)[];
  fast_p99_ms: (number | null)[];
  fast_errors: (number | null)[];
  slow_goodput_bps: (number | null)[];
  server_rss_mb: (number | null)[];
  server_cpu_pct: (number | null)[];
}

export interface StepResult {
  n: number;
  profile: string;
  /** 2 when the step was run again to confirm it broke the SLO. */
  attempt: number;
  started_at: string;
  warmup_s: number;
  window_s: number;
  /** Interrupted before its window ended: shown, never judged. */
  partial: boolean;
  fast: {
    path: string;
    http: string;
    requested_rate: number;
    achieved_rate: number;
    requests: number;
    errors: number;
    error_pct: number;
    error_kinds: Record<string, number>;
    latency_ms: LatencySummary;
    /** The window's HDR histogram (microseconds), compressed base64, for later merging. */
    histogram: string;
  };
  slow: {
    clients: number;
    path: string;
    goodput_bytes_per_s: number;
    nominal_bytes_per_s: number | null;
    per_client_bytes_per_s: { p5: number | null; p50: number | null; p95: number | null };
    /** |achieved / nominal - 1| at the 95th percentile of clients (null without a nominal rate). */
    pacing_error_p95: number | null;
    connects: number;
    completions: number;
    /** Responses the profile's behaviour cut short itself (cancelling profiles). */
    client_closes: number;
    server_closures: number;
    closure_lifetime_ms_p50: number | null;
    errors: number;
    error_kinds: Record<string, number>;
    staleness: StalenessFigures | null;
  };
  server: null | {
    rss_bytes: number | null;
    cpu_pct: number | null;
    fds: number | null;
    fd_limit: number | null;
    threads: number | null;
    probe_rss_bytes: number | null;
    probe_active_requests: number | null;
  };
  harness: { slow_workers: number; slow_workers_cpu_pct: number | null; slow_workers_rss_bytes: number | null };
  slo: { ok: boolean; clauses: ClauseOutcome[] };
  timeline: StepTimeline;
  window_start_s: number;
}

export type GaveOut = 'latency' | 'errors' | 'cpu' | 'memory' | 'fds';

export interface CapacityFinding {
  profile: string;
  max_slow_clients: number | null;
  /** The first step that broke the SLO (confirmed by a second run), null if none did. */
  breaking_n: number | null;
  /** Every step up to the largest one stayed within the SLO. */
  all_within: boolean;
  knee: number | null;
  gave_out_first: null | { what: GaveOut; at_n: number; detail: string };
  sentence: string;
}

export interface ProfileRun {
  profile: string;
  profile_description: string;
  steps: StepResult[];
  capacity: CapacityFinding;
}

export interface CapacityDocument {
  schema: typeof CAPACITY_SCHEMA;
  kind: 'capacity' | 'staleness';
  started_at: string;
  duration_ms: number;
  partial: boolean;
  target: { url: string; embedded: boolean; pid: number | null; server: string | null };
  config: {
    slow_profiles: string[];
    slow_steps: number[];
    slow_path: string;
    fast_path: string;
    fast_rate: number;
    fast_http: string;
    slo: string;
    step_seconds: number;
    warmup_seconds: number;
    all_steps: boolean;
    slow_workers: number;
    /** The server's clock minus the harness's (ms), added to ticker receipt times. */
    clock_offset_ms: number;
  };
  notes: string[];
  /** The most binding profile's finding (the lowest capacity); every profile's is in runs. */
  capacity: CapacityFinding;
  runs: ProfileRun[];
  vegeta: { version: string; path: string; requested_rate: number; lowest_achieved_rate: number | null; short_steps: number[]; note: string };
  environment: { dawdle: string; node: string; platform: string; cpus: number; argv: string[]; hostname: string };
  comparison?: Comparison;
}

export interface Comparison {
  against: { file: string; started_at: string };
  max_slow_clients: { before: number | null; after: number | null };
  /** p99 of the fast clients per N present in both runs (first profile). */
  p99_ms: Array<{ n: number; before: number | null; after: number | null }>;
}

const CPU_SATURATED_PCT = 90;
const FDS_NEAR = 0.9;
const MEMORY_NEAR = 0.8;

/** The finding of one profile's steps (the last attempt of each N counts). */
export function analyse(profile: string, steps: readonly StepResult[], ctx: { slo: string; fastRate: number; fastPath: string; memTotalBytes: number }): CapacityFinding {
  const judged = lastAttempts(steps.filter((s) => !s.partial));
  const firstBreak = judged.find((s) => !s.slo.ok) ?? null;
  const within = judged.filter((s) => s.slo.ok && (firstBreak === null || s.n < firstBreak.n));
  const max = firstBreak === null ? (judged.length ? judged[judged.length - 1]!.n : null) : (within.length ? within[within.length - 1]!.n : null);
  const knee = findKnee(judged.filter((s) => s.fast.latency_ms.p99 !== null).map((s) => ({ n: s.n, value: s.fast.latency_ms.p99! })));
  const gave = firstBreak ? gaveOut(firstBreak, ctx.memTotalBytes) : null;
  return {
    profile, max_slow_clients: firstBreak !== null && within.length === 0 ? null : max,
    breaking_n: firstBreak?.n ?? null, all_within: firstBreak === null && judged.length > 0,
    knee, gave_out_first: gave, sentence: sentence(profile, judged, firstBreak, max, gave, ctx),
  };
}

/** Of steps run twice (a confirmation), the later attempt. */
export function lastAttempts(steps: readonly StepResult[]): StepResult[] {
  const byN = new Map<number, StepResult>();
  for (const s of steps) {
    const had = byN.get(s.n);
    if (!had || s.attempt >= had.attempt) byN.set(s.n, s);
  }
  return [...byN.values()].sort((a, b) => a.n - b.n);
}

export function gaveOut(s: StepResult, memTotalBytes: number): { what: GaveOut; at_n: number; detail: string } {
  const broke = s.slo.clauses.filter((c) => !c.ok);
  const symptom = broke.map((c) => `${c.clause} measured ${c.value === null ? 'nothing' : `${fmt(c.value)}${c.unit === '%' ? '%' : ' ms'}`}`).join(', ');
  const sv = s.server;
  if (sv?.fds != null && sv.fd_limit != null && sv.fds >= FDS_NEAR * sv.fd_limit) {
    return { what: 'fds', at_n: s.n, detail: `open fds ${sv.fds} of a limit of ${sv.fd_limit} (${symptom})` };
  }
  if (sv?.rss_bytes != null && memTotalBytes > 0 && sv.rss_bytes >= MEMORY_NEAR * memTotalBytes) {
    return { what: 'memory', at_n: s.n, detail: `server RSS ${mb(sv.rss_bytes)} MB of ${mb(memTotalBytes)} MB (${symptom})` };
  }
  if (sv?.cpu_pct != null && sv.cpu_pct >= CPU_SATURATED_PCT) {
    return { what: 'cpu', at_n: s.n, detail: `server CPU ${Math.round(sv.cpu_pct)}% of a core (${symptom})` };
  }
  // A latency clause with nothing measured (every request failed) is an error, not a latency.
  const latency = broke.some((c) => c.unit === 'ms' && c.value !== null);
  return { what: latency ? 'latency' : 'errors', at_n: s.n, detail: symptom };
}

function sentence(profile: string, judged: StepResult[], brk: StepResult | null, max: number | null, gave: CapacityFinding['gave_out_first'], ctx: { slo: string; fastRate: number; fastPath: string }): string {
  const load = `${ctx.slo} for ${fmt(ctx.fastRate)}/s on ${ctx.fastPath}`;
  if (judged.length === 0) return 'No step was measured completely, so nothing can be said about capacity.';
  if (brk === null) {
    const top = judged[judged.length - 1]!;
    return `Every step up to ${top.n} "${profile}" clients kept ${load} (p99 ${fmtMs(top.fast.latency_ms.p99)} at ${top.n}): one instance carries at least ${top.n}; run larger steps to find its limit.`;
  }
  if (max === null) {
    return `Even ${brk.n === 0 ? 'without slow clients' : `at ${brk.n} "${profile}" clients (the smallest step)`} the fast clients miss ${load} (${gave?.detail ?? ''}): fix the fast path or lower --fast-rate before planning for slow clients.`;
  }
  const ok = judged.find((s) => s.n === max)!;
  const why = gave ? `${gave.what} gave out first: ${gave.detail}` : '';
  return `Plan for at most ${max} "${profile}" clients per instance: at ${max} the fast clients kept ${load} (p99 ${fmtMs(ok.fast.latency_ms.p99)}), at ${brk.n} they did not (${why}).`;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));
const fmtMs = (v: number | null) => (v === null ? 'n/a' : `${fmt(v)} ms`);
const mb = (b: number) => Math.round(b / 1048576);

/** The change against an earlier run (first profile of each). */
export function compareRuns(before: CapacityDocument, after: CapacityDocument, file: string): Comparison {
  const b = lastAttempts(before.runs[0]?.steps ?? []);
  const a = lastAttempts(after.runs[0]?.steps ?? []);
  const ns = [...new Set([...b.map((s) => s.n), ...a.map((s) => s.n)])].sort((x, y) => x - y);
  return {
    against: { file, started_at: before.started_at },
    max_slow_clients: { before: before.capacity.max_slow_clients, after: after.capacity.max_slow_clients },
    p99_ms: ns.map((n) => ({ n, before: b.find((s) => s.n === n)?.fast.latency_ms.p99 ?? null, after: a.find((s) => s.n === n)?.fast.latency_ms.p99 ?? null })),
  };
}
