// Capacity steps and documents built by hand, for the unit and report tests.
import { newHistogram, encodeHistogram } from '../../harness/capacity/histogram.ts';
import { analyse, CAPACITY_SCHEMA, type CapacityDocument, type StepResult } from '../../harness/capacity/result.ts';
import { judgeSlo, parseSlo } from '../../harness/capacity/slo.ts';

export function step(n: number, p99: number | null, o: { attempt?: number; cpu?: number; fds?: number; errorPct?: number; profile?: string; stale?: boolean } = {}): StepResult {
  const slo = parseSlo('p99<100ms,errors<1%');
  if (!slo.ok) throw new Error(slo.error);
  const lat = { count: 1000, p50: p99 === null ? null : p99 / 4, p90: p99, p95: p99, p99, 'p99.9': p99, max: p99 === null ? null : p99 * 1.5, mean: p99 };
  const errorPct = o.errorPct ?? 0;
  const clauses = judgeSlo(slo.slo, { latencyMs: lat, errorPct, requests: 1000 });
  const secs = Array.from({ length: 5 }, (_, i) => i);
  return {
    n, profile: o.profile ?? '3g', attempt: o.attempt ?? 1, started_at: '2026-11-29T12:00:00.000Z', warmup_s: 1, window_s: 4, partial: false,
    fast: { path: '/hello', http: 'h1', requested_rate: 200, achieved_rate: 199.5, requests: 800, errors: Math.round(errorPct * 8), error_pct: errorPct, error_kinds: errorPct ? { timeout: Math.round(errorPct * 8) } : {}, latency_ms: lat, histogram: encodeHistogram(newHistogram()) },
    slow: {
      clients: n, path: '/stream?bytes=100000000', goodput_bytes_per_s: n * 95_000, nominal_bytes_per_s: 96_000,
      per_client_bytes_per_s: { p5: 94_000, p50: 95_000, p95: 96_000 }, pacing_error_p95: 0.02, connects: n, completions: 0, client_closes: 0, server_closures: 0,
      closure_lifetime_ms_p50: null, errors: 0, error_kinds: {},
      staleness: o.stale ? { updates_received: 100, age_ms: { count: 100, p50: 3, p90: 5, p95: 6, p99: 9 + n, 'p99.9': 10 + n, max: 12 + n, mean: 4 }, aoi_ms: 52 + n / 10, version_lag: { p50: 0, p99: 1, max: 2, mean: 0.1 }, drop_ratio: n / 1000 } : null,
    },
    server: { rss_bytes: (100 + n) * 1048576, cpu_pct: o.cpu ?? 20, fds: o.fds ?? n + 30, fd_limit: 20_000, threads: 14, probe_rss_bytes: null, probe_active_requests: n },
    harness: { slow_workers: 2, slow_workers_cpu_pct: 10, slow_workers_rss_bytes: 2e8 },
    slo: { ok: clauses.every((c) => c.ok), clauses },
    timeline: { t: secs, fast_rps: secs.map(() => 200), fast_p99_ms: secs.map(() => p99), fast_errors: secs.map(() => 0), slow_goodput_bps: secs.map(() => n * 95_000), server_rss_mb: secs.map(() => 100 + n), server_cpu_pct: secs.map(() => 20) },
    window_start_s: 1,
  };
}

/** A document of two profiles; `hostile` puts markup into every string a target or file controls. */
export function capacityDoc(o: { hostile?: boolean; stale?: boolean } = {}): CapacityDocument {
  const evil = o.hostile ? '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>' : '';
  const ctx = { slo: 'p99<100ms,errors<1%', fastRate: 200, fastPath: '/hello', memTotalBytes: 8e9 };
  const p = `3g${evil}`;
  const a = [step(0, 3, { profile: p, stale: o.stale }), step(100, 5, { profile: p, stale: o.stale }), step(200, 9, { profile: p, stale: o.stale }), step(300, 180, { profile: p, stale: o.stale }), step(300, 190, { profile: p, attempt: 2, stale: o.stale })];
  const b = [step(0, 3, { profile: 'gprs', stale: o.stale }), step(100, 4, { profile: 'gprs', stale: o.stale }), step(200, 6, { profile: 'gprs', stale: o.stale })];
  const runs = [
    { profile: p, profile_description: 'A 3G phone', steps: a, capacity: analyse(p, a, ctx) },
    { profile: 'gprs', profile_description: 'GPRS', steps: b, capacity: analyse('gprs', b, ctx) },
  ];
  return {
    schema: CAPACITY_SCHEMA, kind: o.stale ? 'staleness' : 'capacity', started_at: '2026-11-29T12:00:00.000Z', duration_ms: 60_000, partial: false,
    target: { url: 'http://127.0.0.1:8080', embedded: false, pid: 1234, server: `dawdle-reference${evil}` },
    config: { slow_profiles: [p, 'gprs'], slow_steps: [0, 100, 200, 300], slow_path: `/stream?bytes=100000000${evil}`, fast_path: '/hello', fast_rate: 200, fast_http: 'h1', slo: 'p99<100ms,errors<1%', step_seconds: 4, warmup_seconds: 1, all_steps: false, slow_workers: 2, clock_offset_ms: 0 },
    notes: [`network sections not applied${evil}`], capacity: runs[0]!.capacity, runs,
    vegeta: { version: 'v12.13.0', path: '/x/vegeta', requested_rate: 200, lowest_achieved_rate: 199.5, short_steps: [], note: 'vegeta sent the requested rate' },
    environment: { dawdle: '0.1.0', node: 'v20', platform: 'linux x64', cpus: 2, argv: ['dawdle', 'capacity', evil], hostname: 'h' },
  };
}
