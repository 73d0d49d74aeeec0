// The black-box runner: a preflight GET (a target that is not HTTP, hangs or resets is a
// BlackboxTargetError line within 5 s), then every BB check of the target's transport, one at a
// time (they judge timing and memory), each bounded by the conformance runner's runBounded; a
// failure on a time bound is run once more and fails only if it fails again (as in conformance). The
// result is a conformance RunResult (same reports, baselines and gate); the target's "info" is
// synthesised from what the preflight saw, since a black box reports none.
import { H1Connection, createReading } from '../clients/index.ts';
import { H2ClientConnection } from '../conformance/h2-adapter.ts';
import type { CheckResult, RunResult, ScenarioRecord } from '../conformance/runner.ts';
import { confirmed, RESULT_SCHEMA } from '../conformance/runner.ts';
import { selectChecks } from '../conformance/catalogue.ts';
import { runBounded } from '../conformance/run-check.ts';
import type { TransportName } from '../conformance/transports.ts';
import { skip, isMarginal } from '../conformance/verdict.ts';
import { BB_CHECKS } from './catalogue.ts';
import type { BlackboxCheck, BlackboxContext, BlackboxOptions, BlackboxTarget, Observation } from './check.ts';
import { pidsListeningOn } from './proc.ts';

export class BlackboxTargetError extends Error {
  override readonly name = 'BlackboxTargetError';
}

export const PREFLIGHT_MS = 5000;

export interface BlackboxConfig {
  url: string;
  path: string;
  /** --size: the response size --path asks for; the preflight's Content-Length, if any, must be it. */
  size?: number;
  bodyPath?: string;
  smallPath?: string;
  /** --pid; default: the processes holding the target's listening port, if local and visible. */
  pid?: number;
  options: BlackboxOptions;
  /** Transports to run, of those the URL offers (http: h1, h2c; https: h1tls, h2); default h1 or h1tls. */
  transports?: TransportName[];
  /** --only: ID patterns (BB-STL-*,BB-CXL-01). */
  only?: string;
  checks?: readonly BlackboxCheck[];
  checkTimeoutMs?: number;
  signal?: AbortSignal;
  /** After the preflight: what the run is against. */
  onStart?: (t: { url: string; transports: TransportName[]; server: string; pids: number[] }) => void;
  onEvent?: (e: { type: 'check-start'; id: string } | { type: 'check-done'; result: CheckResult; done: number; total: number }) => void;
}

function originOf(url: string): { host: string; port: number; tls: boolean; origin: string } {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new BlackboxTargetError(`--target: "${url}" must be http:// or https://`);
  const tls = u.protocol === 'https:';
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? (tls ? 443 : 80) : Number(u.port), tls, origin: u.origin };
}

/** GET `path` and read its head within PREFLIGHT_MS: what the server calls itself and how big it is. */
export async function preflight(cfg: Pick<BlackboxConfig, 'url' | 'path' | 'size'>): Promise<{ server: string; status: number; contentLength: number | null }> {
  const o = originOf(cfg.url);
  const t0 = Date.now();
  let c: H1Connection;
  try {
    c = await H1Connection.open({ host: o.host, port: o.port, tls: o.tls ? { alpn: ['http/1.1'] } : false, connectTimeoutMs: PREFLIGHT_MS, behaviour: createReading() });
  } catch (err) {
    throw new BlackboxTargetError(`${o.origin}: cannot connect: ${(err as Error).message}`);
  }
  try {
    c.send({ method: 'GET', path: cfg.path, headers: { 'user-agent': 'dawdle-blackbox' } });
    let r;
    try {
      r = await c.waitForHead(0, Math.max(500, PREFLIGHT_MS - (Date.now() - t0)));
    } catch (err) {
      const seen = c.bytesReceived > 0 ? `${c.bytesReceived} bytes that are not an HTTP/1.1 response` : c.closed ? 'the connection closed (or was reset) with no answer' : `no answer in ${PREFLIGHT_MS / 1000} s`;
      throw new BlackboxTargetError(`${o.origin}${cfg.path}: not an HTTP server answering GET: ${seen} (${(err as Error).message})`);
    }
    if (r.status === 0 || c.framingError) {
      throw new BlackboxTargetError(`${o.origin}${cfg.path}: not an HTTP/1.1 response (${c.framingError?.message ?? r.completion})`);
    }
    if (r.status !== 200) throw new BlackboxTargetError(`${o.origin}${cfg.path}: answered ${r.status}, not 200: --path must name a large response`);
    if (cfg.size !== undefined && r.contentLength !== null && r.contentLength !== cfg.size) {
      throw new BlackboxTargetError(`${o.origin}${cfg.path}: answered ${r.contentLength} bytes, not the ${cfg.size} --size asked for: check the --path template`);
    }
    const server = r.headers.find(([n]) => n.toLowerCase() === 'server')?.[1] ?? 'unknown (no Server header)';
    return { server, status: r.status, contentLength: r.contentLength };
  } finally {
    c.destroy();
  }
}

export async function runBlackbox(cfg: BlackboxConfig): Promise<RunResult & { pids: number[] }> {
  const started = Date.now();
  const t0 = performance.now();
  const o = originOf(cfg.url);
  const pre = await preflight(cfg);
  const pids = cfg.pid !== undefined ? [cfg.pid] : ['127.0.0.1', 'localhost', '::1'].includes(o.host) ? pidsListeningOn(o.port) : [];
  const target: BlackboxTarget = {
    url: o.origin, host: o.host, port: o.port, tls: o.tls, path: cfg.path, bodyPath: cfg.bodyPath ?? cfg.path,
    smallPath: cfg.smallPath ?? '/', pids, server: pre.server, contentLength: pre.contentLength,
  };
  const offered: TransportName[] = o.tls ? ['h1tls', 'h2'] : ['h1', 'h2c'];
  const lanes = cfg.transports ?? [offered[0]!];
  const wrong = lanes.filter((t) => !offered.includes(t));
  if (wrong.length > 0) throw new BlackboxTargetError(`--transport ${wrong.join(',')}: a ${o.tls ? 'https' : 'http'}:// target offers ${offered.join(' and ')}`);
  cfg.onStart?.({ url: o.origin, transports: lanes, server: pre.server, pids });
  const signal = cfg.signal ?? new AbortController().signal;
  const checks = selectChecks(cfg.only, cfg.checks ?? BB_CHECKS);
  const result: RunResult & { pids: number[] } = {
    schema: RESULT_SCHEMA, mode: 'blackbox', startedAt: new Date(started).toISOString(), durationMs: 0, interrupted: false,
    options: { strict: cfg.options.strict, slow: false, fillBytes: 0 },
    targets: lanes.map((transport) => ({ transport, url: o.origin, info: { protocol: 1 as const, server: `${pre.server} (black box)`, features: [], defaults: { send_window: null, send_timeout: cfg.options.expect.send_timeout ?? null } } })),
    results: [], scenarios: Object.fromEntries(lanes.map((t) => [t, {}])), pids,
  };
  const runOne = async (c: BlackboxCheck, transport: TransportName): Promise<CheckResult> => {
    const scenarios = result.scenarios[transport]!;
    const start = performance.now();
    const used: string[] = [];
    cfg.onEvent?.({ type: 'check-start', id: c.id });
    let verdict;
    if (signal.aborted) verdict = skip('interrupted before it ran');
    else if (!c.transports.includes(transport)) verdict = skip(`does not apply to ${transport}`);
    else if (c.local && pids.length === 0) verdict = skip('needs a local target: no process found holding the listening port (give --pid)');
    else {
      verdict = await runBounded(c.id, transport, (checkSignal) => {
        const ctx: BlackboxContext = {
          transport, target, options: cfg.options, signal: checkSignal,
          open: (behaviour, oo) => H1Connection.open({
            host: o.host, port: o.port, tls: o.tls ? { alpn: ['http/1.1'] } : false,
            connectTimeoutMs: oo?.connectTimeoutMs ?? PREFLIGHT_MS, ...(behaviour ? { behaviour } : {}),
          }),
          openH2: (behaviour, ho) => H2ClientConnection.open({
            host: o.host, port: o.port, tls: o.tls ? { alpn: ['h2'] } : false, connectTimeoutMs: PREFLIGHT_MS, behaviour, ...ho,
          }),
          record: (obs: Observation) => {
            const key = `${c.id.toLowerCase()}:${obs.scenario}`;
            if (!used.includes(key)) used.push(key);
            scenarios[key] = toRecord(obs, transport);
          },
        };
        return c.run(ctx);
      }, { runSignal: signal, limitMs: cfg.checkTimeoutMs ?? 60_000, settleMs: 5000 });
    }
    return {
      id: c.id, group: c.group, level: c.level, transport, text: c.text, method: c.method, interpretations: [], verdict, scenarios: used,
      startedAt: Math.round(performance.timeOrigin + start), durationMs: Math.round(performance.now() - start),
    };
  };
  const total = checks.length * lanes.length;
  for (const transport of lanes) {
    for (const c of checks) {
      let r = await runOne(c, transport);
      // As in conformance: a missed time bound can be the machine's doing; it fails only if a second run misses it too.
      if (r.verdict.status === 'fail' && r.verdict.timing && isMarginal(r.verdict.timing) && !signal.aborted) r = confirmed(r, await runOne(c, transport));
      result.results.push(r);
      cfg.onEvent?.({ type: 'check-done', result: r, done: result.results.length, total });
    }
  }
  result.interrupted = signal.aborted;
  result.durationMs = Math.round(performance.now() - t0);
  return result;
}

/** A BB observation as a report's scenario record: the first timeline is the one the HTML charts. */
function toRecord(obs: Observation, transport: TransportName): ScenarioRecord {
  return {
    scenario: obs.scenario, transport, ids: [], scripts: [], journals: [], timeline: [...(obs.timelines[0] ?? [])] as ScenarioRecord['timeline'],
    responses: [], bodyBytes: [], marks: obs.marks ?? {},
    ...({ samples: obs.samples ?? [], otherTimelines: obs.timelines.slice(1) } as object),
  };
}
