// A capacity run: for each slow profile, for each step N, hold N slow clients, warm up, then
// measure a window in which vegeta sends the fast clients' requests at a constant rate; judge the
// SLO; stop after the first step that breaks it (run once more to confirm), unless allSteps.
// Returns data and emits events; prints nothing.
import { hostname, totalmem } from 'node:os';
import type { LoadedProfile } from '../clients/profiles.ts';
import { attack, type FastHttp } from '../load/vegeta.ts';
import { FastWindow } from './fast-window.ts';
import { encodeHistogram, summarise } from './histogram.ts';
import { SlowPopulation, type MergedWindow, type PopulationTick } from './population.ts';
import { cpuPercent, getInfo, probeInfo, readJsonCapped, sampleProc, type ProcSample } from './proc-stats.ts';
import {
  analyse, CAPACITY_SCHEMA, type CapacityDocument, type CapacityFinding, type ProfileRun, type StalenessFigures, type StepResult,
} from './result.ts';
import { formatSlo, judgeSlo, type Slo } from './slo.ts';

export interface CapacityOptions {
  kind: 'capacity' | 'staleness';
  /** Base URL (http://host:port). */
  target: string;
  embedded: boolean;
  /** A local server process to read /proc of (the embedded server's, or --pid). */
  pid: number | null;
  profiles: LoadedProfile[];
  steps: number[];
  slowPath: string;
  fastPath: string;
  fastRate: number;
  fastHttp: FastHttp;
  slo: Slo;
  stepSeconds: number;
  warmupSeconds: number;
  allSteps: boolean;
  vegeta: string;
  vegetaVersion: string;
  workers?: number;
  fastTimeoutS?: number;
  /** The server's clock minus this host's, ms (ticker ages of a remote target). */
  clockOffsetMs?: number;
  signal?: AbortSignal;
  argv: string[];
  dawdleVersion: string;
  onEvent?: (e: CapacityEvent) => void;
}

export type CapacityEvent =
  | { type: 'profile-start'; profile: string; workers: number }
  | { type: 'step-start'; profile: string; n: number; attempt: number; seconds: number }
  | { type: 'step-second'; profile: string; n: number; second: number; of: number; phase: 'warm-up' | 'window' }
  | { type: 'step-done'; step: StepResult }
  | { type: 'confirming'; profile: string; n: number }
  | { type: 'profile-done'; run: ProfileRun };

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  if (signal?.aborted) return resolve();
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
  signal?.addEventListener('abort', done, { once: true });
});

/** The ticker's interval when the slow path is /ticker, else null. */
export function tickerInterval(path: string): number | null {
  const u = new URL(path, 'http://x');
  if (u.pathname !== '/ticker') return null;
  const v = Number(u.searchParams.get('interval_ms') ?? 100);
  return Number.isFinite(v) && v > 0 ? v : 100;
}

/** The profile's nominal read rate (bytes/s), when its behaviour has one. */
export function nominalRate(p: LoadedProfile): number | null {
  const r = p.read.params.bytes_per_second;
  return p.read.behaviour === 'throttled' && typeof r === 'number' ? r : null;
}

export async function runCapacity(o: CapacityOptions): Promise<CapacityDocument> {
  const started = Date.now();
  const url = new URL(o.target);
  const server = await probeServerName(o.target);
  const runs: ProfileRun[] = [];
  const notes: string[] = [];
  if (o.profiles.some((p) => p.network !== undefined)) {
    notes.push(`Slow clients read as their profile says (read behaviour only): the profiles' network sections (${o.profiles.filter((p) => p.network).map((p) => p.name).join(', ')}) are not applied: capacity does not put its slow clients behind a shaped link yet (dawdle shape does that for one command); on loopback the path adds no delay or loss.`);
  }
  let workers = 0;
  for (const profile of o.profiles) {
    if (o.signal?.aborted) break;
    const pop = await SlowPopulation.start({
      host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), tls: url.protocol === 'https:', path: o.slowPath, profile, tickerIntervalMs: tickerInterval(o.slowPath), clockOffsetMs: o.clockOffsetMs ?? 0,
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
    });
    workers = pop.workerCount;
    o.onEvent?.({ type: 'profile-start', profile: profile.name, workers });
    const steps: StepResult[] = [];
    try {
      let confirmedBreak = false;
      for (let i = 0; i < o.steps.length && !o.signal?.aborted; i++) {
        const n = o.steps[i]!;
        let step = await runStep(o, pop, profile, n, 1);
        steps.push(step);
        o.onEvent?.({ type: 'step-done', step });
        // Confirm the first break only: past a confirmed one (--all-steps), a step is run once.
        if (!step.partial && !step.slo.ok && !o.signal?.aborted && !confirmedBreak) {
          o.onEvent?.({ type: 'confirming', profile: profile.name, n });
          step = await runStep(o, pop, profile, n, 2);
          steps.push(step);
          o.onEvent?.({ type: 'step-done', step });
          if (!step.partial && !step.slo.ok) confirmedBreak = true;
        } else if (!step.partial && !step.slo.ok) {
          confirmedBreak = true;
        }
        if (confirmedBreak && !o.allSteps) break;
      }
    } finally {
      await pop.stop();
    }
    const run: ProfileRun = { profile: profile.name, profile_description: profile.description ?? '', steps, capacity: finding(o, profile.name, steps) };
    runs.push(run);
    o.onEvent?.({ type: 'profile-done', run });
  }
  const binding = runs.map((r) => r.capacity).sort((a, b) => rank(a) - rank(b))[0] ?? finding(o, o.profiles[0]?.name ?? '?', []);
  const fastSteps = runs.flatMap((r) => r.steps).filter((s) => !s.partial);
  const short = fastSteps.filter((s) => s.fast.achieved_rate < 0.95 * s.fast.requested_rate);
  const lowest = fastSteps.length ? Math.min(...fastSteps.map((s) => s.fast.achieved_rate)) : null;
  return {
    schema: CAPACITY_SCHEMA, kind: o.kind, started_at: new Date(started).toISOString(), duration_ms: Date.now() - started,
    partial: o.signal?.aborted === true,
    target: { url: o.target, embedded: o.embedded, pid: o.pid, server },
    config: {
      slow_profiles: o.profiles.map((p) => p.name), slow_steps: o.steps, slow_path: o.slowPath, fast_path: o.fastPath,
      fast_rate: o.fastRate, fast_http: o.fastHttp, slo: formatSlo(o.slo), step_seconds: o.stepSeconds,
      warmup_seconds: o.warmupSeconds, all_steps: o.allSteps, slow_workers: workers, clock_offset_ms: o.clockOffsetMs ?? 0,
    },
    notes, capacity: binding, runs,
    vegeta: {
      version: o.vegetaVersion, path: o.vegeta, requested_rate: o.fastRate, lowest_achieved_rate: lowest,
      short_steps: short.map((s) => s.n),
      note: short.length === 0
        ? `vegeta sent the requested ${o.fastRate}/s in every measured window (lowest ${lowest === null ? 'n/a' : lowest.toFixed(1)}/s, counting requests sent in the window).`
        : `vegeta sent less than 95% of the requested ${o.fastRate}/s at N = ${short.map((s) => s.n).join(', ')} (lowest ${lowest!.toFixed(1)}/s): the machine could not generate the load beside the slow population there, so those steps are under-loaded.`,
    },
    environment: { dawdle: o.dawdleVersion, node: process.version, platform: `${process.platform} ${process.arch}`, cpus: workers, argv: o.argv, hostname: hostname() },
  };
}

const rank = (c: CapacityFinding) => (c.max_slow_clients === null ? (c.breaking_n === null ? Infinity : -1) : c.max_slow_clients);

function finding(o: CapacityOptions, profile: string, steps: StepResult[]): CapacityFinding {
  return analyse(profile, steps, { slo: formatSlo(o.slo), fastRate: o.fastRate, fastPath: o.fastPath, memTotalBytes: totalmem() });
}

async function runStep(o: CapacityOptions, pop: SlowPopulation, profile: LoadedProfile, n: number, attempt: number): Promise<StepResult> {
  const seconds = o.warmupSeconds + o.stepSeconds;
  o.onEvent?.({ type: 'step-start', profile: profile.name, n, attempt, seconds });
  await pop.scale(n);
  const start = Date.now();
  const windowStart = start + o.warmupSeconds * 1000;
  const windowEnd = windowStart + o.stepSeconds * 1000;
  const fast = new FastWindow(start, windowStart, windowEnd);
  const procs: ProcSample[] = [];
  const ticks: PopulationTick[] = [];
  const tickFrom = pop.ticks.length;
  const base = new URL(o.target);
  const attackDone = attack({
    vegeta: o.vegeta, url: new URL(o.fastPath, base).href, rate: o.fastRate, durationS: seconds, http: o.fastHttp,
    timeoutS: o.fastTimeoutS ?? 10, ...(o.signal ? { signal: o.signal } : {}),
  }, (r) => fast.add(r));
  let marked = false;
  let window: MergedWindow | null = null;
  let info: Awaited<ReturnType<typeof probeInfo>> = null;
  let windowProcs: [ProcSample | null, ProcSample | null] = [null, null];
  for (let s = 0; s < seconds && !o.signal?.aborted; s++) {
    if (o.pid !== null) {
      const p = sampleProc(o.pid);
      if (p) procs.push(p);
      if (s === o.warmupSeconds) windowProcs[0] = p;
    }
    if (s === o.warmupSeconds) {
      await pop.mark();
      marked = true;
    }
    o.onEvent?.({ type: 'step-second', profile: profile.name, n, second: s, of: seconds, phase: s < o.warmupSeconds ? 'warm-up' : 'window' });
    await sleep(Math.max(0, start + (s + 1) * 1000 - Date.now()), o.signal);
  }
  if (!marked && !o.signal?.aborted) { await pop.mark(); marked = true; }
  const partial = o.signal?.aborted === true || Date.now() < windowEnd - 50;
  if (marked) window = await pop.collect();
  if (o.pid !== null) {
    const p = sampleProc(o.pid);
    if (p) { procs.push(p); windowProcs[1] = p; }
  }
  info = await probeInfo(o.target);
  await attackDone;
  ticks.push(...pop.ticks.slice(tickFrom));
  const windowS = partial ? Math.max(0.001, (Math.min(Date.now(), windowEnd) - windowStart) / 1000) : o.stepSeconds;
  const lat = summarise(fast.histogram);
  const errorPct = fast.requests > 0 ? (fast.errors / fast.requests) * 100 : 0;
  const clauses = judgeSlo(o.slo, { latencyMs: lat, errorPct, requests: fast.requests });
  const nominal = nominalRate(profile);
  const rates = (window?.perClientBytes ?? []).map((b) => b / windowS).sort((a, b) => a - b);
  const pct = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : null);
  // Pacing compares the reader with its profile: only meaningful when the source offers more than
  // the profile reads. The ticker paces itself (it offers bytes/interval), so not there.
  const pacing = nominal === null || rates.length === 0 || tickerInterval(o.slowPath) !== null ? null : pct(rates.map((r) => Math.abs(r / nominal - 1)).sort((a, b) => a - b), 95);
  const lifetimes = (window?.closureLifetimesMs ?? []).slice().sort((a, b) => a - b);
  const [p0, p1] = windowProcs;
  const last = procs[procs.length - 1] ?? null;
  const workerTicks = ticks.filter((t) => t.t >= windowStart && t.t <= windowEnd + 1000);
  const perSecond = fast.perSecond(seconds);
  return {
    n, profile: profile.name, attempt, started_at: new Date(start).toISOString(), warmup_s: o.warmupSeconds, window_s: windowS, partial,
    fast: {
      path: o.fastPath, http: o.fastHttp, requested_rate: o.fastRate, achieved_rate: fast.requests / windowS, requests: fast.requests,
      errors: fast.errors, error_pct: errorPct, error_kinds: Object.fromEntries(fast.errorKinds), latency_ms: lat, histogram: encodeHistogram(fast.histogram),
    },
    slow: {
      clients: n, path: o.slowPath, goodput_bytes_per_s: (window?.bytes ?? 0) / windowS, nominal_bytes_per_s: nominal,
      per_client_bytes_per_s: { p5: pct(rates, 5), p50: pct(rates, 50), p95: pct(rates, 95) }, pacing_error_p95: pacing,
      connects: window?.connects ?? 0, completions: window?.completions ?? 0, client_closes: window?.clientCloses ?? 0, server_closures: window?.serverClosures ?? 0,
      closure_lifetime_ms_p50: pct(lifetimes, 50), errors: window?.errors ?? 0, error_kinds: window?.errorKinds ?? {},
      staleness: staleness(window, tickerInterval(o.slowPath)),
    },
    server: o.pid === null && info === null ? null : {
      rss_bytes: last?.rssBytes ?? null, cpu_pct: p0 && p1 ? cpuPercent(p0, p1) : null, fds: last?.fds ?? null, fd_limit: last?.fdLimit ?? null,
      threads: last?.threads ?? null, probe_rss_bytes: info?.rssBytes ?? null, probe_active_requests: info?.activeRequests ?? null,
    },
    harness: workerFigures(workerTicks, pop.workerCount),
    slo: { ok: !partial && clauses.every((c) => c.ok), clauses },
    timeline: timeline(start, seconds, perSecond, ticks, procs),
    window_start_s: o.warmupSeconds,
  };
}

function staleness(w: MergedWindow | null, intervalMs: number | null): StalenessFigures | null {
  const s = w?.staleness;
  if (!s || intervalMs === null) return null;
  const lag = s.lags;
  const made = s.received + s.dropped;
  return {
    updates_received: s.received, age_ms: summarise(s.ages), aoi_ms: s.aoiTime > 0 ? s.aoiArea / s.aoiTime : null,
    version_lag: lag.totalCount === 0 ? { p50: null, p99: null, max: null, mean: null }
      : { p50: lag.getValueAtPercentile(50), p99: lag.getValueAtPercentile(99), max: lag.maxValue, mean: Math.round(lag.mean * 1000) / 1000 },
    drop_ratio: made > 0 ? s.dropped / made : null,
  };
}

function workerFigures(ticks: PopulationTick[], workers: number): StepResult['harness'] {
  if (ticks.length === 0) return { slow_workers: workers, slow_workers_cpu_pct: null, slow_workers_rss_bytes: null };
  const byWorker = new Map<number, PopulationTick[]>();
  for (const t of ticks) byWorker.set(t.worker, [...(byWorker.get(t.worker) ?? []), t]);
  let cpu = 0;
  let rss = 0;
  for (const ts of byWorker.values()) {
    cpu += ts.reduce((s, t) => s + t.cpuMs, 0) / (ts.length * 1000) * 100;
    rss += ts[ts.length - 1]!.rssBytes;
  }
  return { slow_workers: workers, slow_workers_cpu_pct: cpu, slow_workers_rss_bytes: rss };
}

function timeline(start: number, seconds: number, fast: Array<{ n: number; errors: number; p99: number | null }>, ticks: PopulationTick[], procs: ProcSample[]): StepResult['timeline'] {
  const t = Array.from({ length: seconds }, (_, i) => i);
  // Goodput per second: the increase of every worker's cumulative bytes, by the second it fell in.
  const goodput: (number | null)[] = t.map(() => null);
  const prev = new Map<number, PopulationTick>();
  for (const k of ticks) {
    const p = prev.get(k.worker);
    prev.set(k.worker, k);
    if (!p) continue;
    const sec = Math.floor((k.t - start) / 1000);
    if (sec < 0 || sec >= seconds) continue;
    goodput[sec] = (goodput[sec] ?? 0) + ((k.bytes - p.bytes) * 1000) / Math.max(1, k.t - p.t);
  }
  const rss: (number | null)[] = t.map(() => null);
  const cpu: (number | null)[] = t.map(() => null);
  for (let i = 0; i < procs.length; i++) {
    const sec = Math.min(seconds - 1, Math.floor((procs[i]!.t - start) / 1000));
    if (sec < 0) continue;
    rss[sec] = Math.round(procs[i]!.rssBytes / 10485.76) / 100;
    if (i > 0) cpu[sec] = Math.round(cpuPercent(procs[i - 1]!, procs[i]!));
  }
  return {
    t, fast_rps: fast.map((f) => f.n), fast_p99_ms: fast.map((f) => f.p99), fast_errors: fast.map((f) => f.errors),
    slow_goodput_bps: goodput.map((g) => (g === null ? null : Math.round(g))), server_rss_mb: rss, server_cpu_pct: cpu,
  };
}

async function probeServerName(base: string): Promise<string | null> {
  try {
    const r = await getInfo(base, '/__probe/info');
    if (!r.ok) return r.headers.get('server');
    const o = (await readJsonCapped(r)) as { server?: unknown };
    return typeof o.server === 'string' ? o.server : null;
  } catch {
    return null;
  }
}


