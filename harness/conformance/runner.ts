// The conformance runner: the matrix check x transport against one target. Returns data and
// emits progress events; prints nothing. Checks that judge timing run first, one at a time (every
// transport's, one after another); then the others of every transport run in parallel (they judge
// orders and byte counts, which load cannot change); then the checks that must run last. Each check
// runs bounded (run-check.ts): one that throws or outlives its time limit is an error verdict (could
// not judge), and is aborted and awaited before the next check starts.
import { setMaxListeners } from 'node:events';
import type { Info } from '../../protocol/index.ts';
import { CHECKS, selectChecks } from './catalogue.ts';
import type { Check, CheckContext, RunOptions } from './check.ts';
import { ProbeClient } from './probe-client.ts';
import { ScenarioUnfinished, type ScenarioRun } from './probe-run.ts';
import { FINDERS, lacking, type Trait, type TraitFinding } from './traits.ts';
import {
  isHttp2, schemeOf, transportsFor, type Transport, type TransportName, TRANSPORT_NAMES,
} from './transports.ts';
import { runBounded } from './run-check.ts';
import { isMarginal, pass, skip, type Verdict } from './verdict.ts';

export const RESULT_SCHEMA = 'dawdle.conformance/1';

export interface CheckResult {
  id: string;
  group: string;
  level: Check['level'];
  transport: TransportName;
  text: string;
  method: string;
  interpretations: string[];
  verdict: Verdict;
  /** Scenario runs (keys into RunResult.scenarios[transport]) the verdict was judged on. */
  scenarios: string[];
  startedAt: number;
  durationMs: number;
}

/** A scenario run as reports keep it: everything but the body bytes. */
export type ScenarioRecord = Omit<ScenarioRun, 'bodies'> & { bodyBytes: number[] };

export interface TargetRecord {
  transport: TransportName;
  url: string;
  info: Info;
  /** What reading its /__probe/info had to ignore or assume (info-reader.ts). */
  warnings?: string[];
}

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  /** Which command made it: absent for conformance (reports before black-box mode have none). */
  mode?: 'blackbox';
  startedAt: string;
  durationMs: number;
  interrupted: boolean;
  options: RunOptions;
  targets: TargetRecord[];
  results: CheckResult[];
  scenarios: Partial<Record<TransportName, Record<string, ScenarioRecord>>>;
}

export type RunEvent =
  | { type: 'start'; total: number; transports: TransportName[] }
  | { type: 'check-start'; id: string; transport: TransportName }
  | { type: 'check-done'; result: CheckResult; done: number; total: number };

export interface RunConfig {
  /** Target base URLs: http:// gives h1 and h2c, https:// gives h1tls and h2. */
  targets: string[];
  /** Transports to run (default: every transport a target offers). */
  transports?: TransportName[];
  only?: string;
  options: RunOptions;
  probePrefix?: string;
  concurrency?: number;
  /** A check's time limit (default 90 s): past it the check is aborted and its verdict is error. */
  checkTimeoutMs?: number;
  /** How long an aborted check may take to stop before the next one starts anyway (default 5 s). */
  abortSettleMs?: number;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  checks?: readonly Check[];
}

export interface PreparedTarget {
  transport: Transport;
  probe: ProbeClient;
  info: Info;
  warnings: string[];
}

/**
 * Connects to every target and reads its /info; throws TargetError (one line) when one is unusable.
 * Each target offers two transports (http: h1 and h2c; https: h1tls and h2) sharing its probe.
 */
export async function prepareTargets(urls: string[], prefix?: string): Promise<PreparedTarget[]> {
  const out: PreparedTarget[] = [];
  for (const url of urls) {
    const transports = transportsFor(url);
    const probe = new ProbeClient({ url, ...(prefix !== undefined ? { prefix } : {}) });
    try {
      const info = await probe.info();
      for (const transport of transports) out.push({ transport, probe, info, warnings: probe.warnings });
    } catch (err) {
      await probe.close();
      for (const p of new Set(out.map((x) => x.probe))) await p.close();
      throw err;
    }
  }
  return out;
}

/** Why transport `name` cannot run at all (no target, or HTTP/2 not claimed), or null. */
function transportUnavailable(name: TransportName, target: PreparedTarget | undefined): string | null {
  if (target === undefined) return `no target for transport ${name} (give an ${schemeOf(name)}:// --target)`;
  if (isHttp2(name) && !target.info.features.includes('h2')) {
    return `target does not claim h2 in /__probe/info features (needed by the HTTP/2 transport ${name})`;
  }
  return null;
}

export async function runConformance(cfg: RunConfig, prepared?: PreparedTarget[]): Promise<RunResult> {
  const started = Date.now();
  const t0 = performance.now();
  const targets = prepared ?? (await prepareTargets(cfg.targets, cfg.probePrefix));
  const checks = selectChecks(cfg.only, cfg.checks ?? CHECKS);
  const offered = new Map(targets.map((t) => [t.transport.name, t] as const));
  const wanted = cfg.transports ?? TRANSPORT_NAMES.filter((n) => offered.has(n));
  const signal = cfg.signal ?? new AbortController().signal;
  // Every running check listens on it: up to --concurrency per transport, all transports at once.
  setMaxListeners(Math.max(10, 4 * (cfg.concurrency ?? 4) * TRANSPORT_NAMES.length), signal);
  const result: RunResult = {
    schema: RESULT_SCHEMA, startedAt: new Date(started).toISOString(), durationMs: 0, interrupted: false,
    options: cfg.options, targets: targets.map((t) => ({ transport: t.transport.name, url: t.transport.url, info: t.info, ...(t.warnings.length > 0 ? { warnings: t.warnings } : {}) })),
    results: [], scenarios: {},
  };
  const total = wanted.length * checks.length;
  cfg.onEvent?.({ type: 'start', total, transports: wanted });
  const record = (r: CheckResult) => {
    result.results.push(r);
    cfg.onEvent?.({ type: 'check-done', result: r, done: result.results.length, total });
  };

  // Per transport: what runs; run(c, fresh): `fresh` runs the check's scenarios anew instead of
  // sharing the lane's. A failure on a time bound waits in toConfirm for its second run (step 2b).
  type Lane = { target: PreparedTarget; pending: Check[]; run: (c: Check, fresh?: boolean) => Promise<CheckResult> };
  const toConfirm: Array<{ lane: Lane; c: Check; first: CheckResult }> = [];
  try {
    // Per transport: what runs, and the scenario records its checks share.
    const lanes: Lane[] = [];
    for (const name of wanted) {
      const target = offered.get(name);
      const unavailable = transportUnavailable(name, target);
      const pending: Check[] = [];
      for (const c of checks) {
        const why = unavailable ?? precondition(c, target!.info, cfg.options, name);
        if (why !== null) record(resultOf(c, name, skip(why), [], performance.now()));
        else pending.push(c);
      }
      if (unavailable !== null || target === undefined) continue;
      const memo = new Map<string, Promise<ScenarioRun>>();
      const scenarios: Record<string, ScenarioRecord> = (result.scenarios[name] = {});
      const traits = traitsOf(target);
      lanes.push({
        target, pending,
        run: async (c, fresh = false) => {
          const start = performance.now();
          for (const t of c.needs ?? []) {
            const f = await traits(t);
            if (!f.has) return resultOf(c, name, skip(lacking(t, f)), [], start);
          }
          return runCheck(c, target, cfg, fresh ? new Map() : memo, scenarios, signal, traits);
        },
      });
    }
    const recordOrConfirm = (lane: Lane, c: Check, r: CheckResult) => {
      if (r.verdict.status === 'fail' && r.verdict.timing && isMarginal(r.verdict.timing)) toConfirm.push({ lane, c, first: r });
      else record(r);
    };
    // 1. Checks that judge timing, one at a time, with nothing else running (every transport).
    for (const lane of lanes) {
      for (const c of lane.pending.filter((x) => x.exclusive)) {
        if (signal.aborted) break;
        recordOrConfirm(lane, c, await lane.run(c));
      }
    }
    // 2. The others: every transport at once, --concurrency checks at a time per transport
    //    (their verdicts rest mostly on orders and byte counts, which load does not change).
    await Promise.all(lanes.map((lane) => pool(lane.pending.filter((x) => !x.exclusive && !x.last), cfg.concurrency ?? 4, async (c) => {
      if (!signal.aborted) recordOrConfirm(lane, c, await lane.run(c));
    })));
    // 2b. A time bound missed (a call returned late, a rate fell short) can be the machine's doing
    //     rather than the server's: such a check runs once more, alone and with scenarios of its
    //     own, and fails only if it fails again. A verdict that flips between runs is not one.
    while (toConfirm.length > 0) {
      const { lane, c, first } = toConfirm.shift()!;
      record(signal.aborted ? first : confirmed(first, await lane.run(c, true)));
    }
    // 3. What must see every client gone (ISO-03), once nothing else runs on any transport: the
    //    transports of one target share its server.
    for (const lane of lanes) {
      for (const c of lane.pending.filter((x) => x.last && !x.exclusive)) {
        if (signal.aborted) break;
        record(await lane.run(c));
      }
    }
  } finally {
    for (const { first } of toConfirm.splice(0)) record(first);
    if (signal.aborted) {
      result.interrupted = true;
      const done = new Set(result.results.map((r) => `${r.transport} ${r.id}`));
      for (const name of wanted) {
        for (const c of checks) if (!done.has(`${name} ${c.id}`)) record(resultOf(c, name, skip('interrupted before it ran'), [], performance.now()));
      }
    }
    // Catalogue order within each transport, whatever order the checks finished in.
    const order = new Map(checks.map((c, n) => [c.id, n] as const));
    result.results.sort((a, b) => wanted.indexOf(a.transport) - wanted.indexOf(b.transport) || order.get(a.id)! - order.get(b.id)!);
    result.durationMs = Math.round(performance.now() - t0);
    if (prepared === undefined) for (const p of new Set(targets.map((t) => t.probe))) await p.close();
  }
  return result;
}

/** Each trait of one target's transport, found out once (on first need) and shared by its checks. */
function traitsOf(target: PreparedTarget): (t: Trait) => Promise<TraitFinding> {
  const found = new Map<Trait, Promise<TraitFinding>>();
  return (t) => {
    let p = found.get(t);
    if (p === undefined) {
      // A target that cannot even answer this is not judged on it here: the checks find out.
      p = FINDERS[t](target.transport, target.probe.prefix).catch((err: unknown) => ({ has: true, seen: `could not tell: ${(err as Error).message}` }));
      found.set(t, p);
    }
    return p;
  };
}

/** The verdict of a timing failure's second run, saying what the first one saw. */
export function confirmed(first: CheckResult, second: CheckResult): CheckResult {
  const f = first.verdict as Extract<Verdict, { status: 'fail' }>;
  const v = second.verdict;
  const durationMs = first.durationMs + second.durationMs;
  if (v.status === 'pass') {
    return { ...second, durationMs, verdict: pass(v.evidence, `${v.note ? `${v.note}; ` : ''}a first run missed a time bound (expected ${f.expected}; actual ${f.actual}) and a second run alone met it: put down to the machine's load, not the server`) };
  }
  if (v.status === 'fail') return { ...second, durationMs, verdict: { ...v, evidence: { ...v.evidence, first_run: f.actual, confirmed: 'failed again on a second run alone' } } };
  return { ...second, durationMs };
}

function precondition(c: Check, info: Info, o: RunOptions, transport: TransportName): string | null {
  if (c.transports && !c.transports.includes(transport)) return `does not apply to ${transport}${c.notApplicable ? `: ${c.notApplicable}` : ''}`;
  const missing = c.features.filter((f) => !info.features.includes(f));
  if (missing.length > 0) return `target does not claim ${missing.join(', ')} in /__probe/info features`;
  const unreported = (c.infoFields ?? []).filter((f) => info[f] === undefined);
  if (unreported.length > 0) return `target does not report ${unreported.join(', ')} in /__probe/info`;
  // A target may claim a feature and still report "none" for its default: nothing to judge against.
  if (c.features.includes('send_window') && info.defaults.send_window === null) return 'target reports no send window (/__probe/info defaults.send_window is null)';
  if (c.features.includes('send_timeout') && info.defaults.send_timeout === null) return 'target reports no send timeout (/__probe/info defaults.send_timeout is null)';
  if (c.slow && !o.slow) return 'needs --slow (real default timeouts)';
  return null;
}

async function runCheck(
  c: Check, target: PreparedTarget, cfg: RunConfig, memo: Map<string, Promise<ScenarioRun>>,
  scenarios: Record<string, ScenarioRecord>, signal: AbortSignal, trait: (t: Trait) => Promise<TraitFinding>,
): Promise<CheckResult> {
  const start = performance.now();
  const used: string[] = [];
  const transport = target.transport.name;
  cfg.onEvent?.({ type: 'check-start', id: c.id, transport });
  // The check's own signal (ctx.signal): aborted at its time limit or when the run is interrupted.
  // A scenario runs with the signal of the check that started it; the checks sharing it share its fate.
  const contextFor = (checkSignal: AbortSignal): CheckContext => {
    const ctx: CheckContext = {
      transport: target.transport, probe: target.probe, info: target.info, options: cfg.options, signal: checkSignal, trait,
      scenario<T extends ScenarioRun>(key: string, run: (ctx: CheckContext) => Promise<T>): Promise<T> {
        if (!used.includes(key)) used.push(key);
        let p = memo.get(key);
        if (p === undefined) {
          p = run(ctx);
          memo.set(key, p);
          p.then((r) => { scenarios[key] = toRecord(r); }, () => {});
        }
        // A run whose script had not finished is judged only by checks that can judge a prefix.
        return p.then((r) => {
          if (r.unfinished && !c.judgesUnfinished) throw new ScenarioUnfinished(key, r.unfinished);
          return r;
        }) as Promise<T>;
      },
    };
    return ctx;
  };
  const verdict = await runBounded(c.id, transport, (checkSignal) => c.run(contextFor(checkSignal)), {
    runSignal: signal, limitMs: cfg.checkTimeoutMs ?? 90_000, settleMs: cfg.abortSettleMs ?? 5000,
  });
  return resultOf(c, transport, verdict, used, start);
}

function resultOf(c: Check, transport: TransportName, verdict: Verdict, scenarios: string[], start: number): CheckResult {
  return {
    id: c.id, group: c.group, level: c.level, transport, text: c.text, method: methodOn(c, transport),
    interpretations: [...c.interpretations], verdict, scenarios,
    startedAt: Math.round(performance.timeOrigin + start), durationMs: Math.round(performance.now() - start),
  };
}

/** The check's method as it runs on `transport`: HTTP/2 adds what differs there. */
export function methodOn(c: Check, transport: TransportName): string {
  return isHttp2(transport) && c.h2Method !== undefined ? `${c.method} On HTTP/2: ${c.h2Method}` : c.method;
}

function toRecord(r: ScenarioRun): ScenarioRecord {
  const { bodies, ...rest } = r;
  return { ...rest, bodyBytes: bodies.map((b) => b.length) };
}

/** Runs `work` over `items` with at most `n` at a time. */
async function pool<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/** "dawdle conformance" or "dawdle blackbox": what reports call the run. */
export function runTitle(r: Pick<RunResult, 'mode'>): string {
  return `dawdle ${r.mode ?? 'conformance'}`;
}
