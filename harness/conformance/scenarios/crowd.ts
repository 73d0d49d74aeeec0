// ISO-01/02: a crowd of stalled clients whose handlers keep writing with timeouts, and the
// latency of other (fast) requests with and without them. Fast requests are GET {prefix}/info:
// served by the same HTTP worker and handler thread as everything else. The check's signal (its time
// limit, or the run interrupted) stops every wait and request at once; the crowd is then reset.
import { tlsVerifyOptions } from '../../clients/tls-policy.ts';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { createStalled } from '../../clients/index.ts';
import { behaviourFromProfile } from '../../clients/profiles.ts';
import { abortable, sleepOrAbort } from '../abortable.ts';
import type { CheckContext } from '../check.ts';
import type { ClientConnection } from '../client-connection.ts';
import type { ScenarioRun } from '../probe-run.ts';
import { header, script } from './ops.ts';

export const CROWD = {
  clients: 200,
  /** Each stalled handler writes pieces of this size with this timeout, until cancelled. */
  // 1 MiB pieces (views of the probe's pattern, no allocation): few journal entries per request,
  // so the probe's own bookkeeping adds little to what ISO-02 measures.
  piece: 1048576, pieceTimeout: 0.5, maxWrites: 200,
  // 1000 samples: p99 is the 10th slowest, so one pause of the measuring process (it stalls the
  // four requests in flight at once) cannot make the p99 on its own.
  fastRequests: 1000, fastConcurrency: 4,
  /**
   * Each handler first sends its head and sleeps this long, so the server's memory can be read with
   * every crowd connection open and no body written yet (ISO-02 compares against that).
   */
  idleSeconds: 6,
  /** After the idle phase: wait until the handlers have filled their paths and block. */
  settleMs: 2500,
} as const;

export interface Latency { n: number; p50: number; p99: number; max: number }

export interface CrowdRun extends ScenarioRun {
  baseline: Latency;
  loaded: Latency;
  /** Clients that connected and whose handler started. */
  opened: number;
  rssBefore: number | null;
  /** Every crowd request open, its handler sleeping before its first write. Null: not measured. */
  rssIdle: number | null;
  /** Why rssIdle is null when the target reports memory (the crowd took too long to open). */
  idleProblem: string | null;
  rssLoaded: number | null;
  activeLoaded: number;
}

/**
 * Latency of CROWD.fastRequests GET {prefix}/info, CROWD.fastConcurrency at a time, after one
 * warming request per lane. HTTP/1.1 transports: keep-alive connections (undici); HTTP/2: one
 * connection per lane through the transport, a stream per request, so the fast requests take the
 * same protocol path as the crowd.
 */
async function measure(ctx: CheckContext, agent: Agent): Promise<Latency> {
  const times: number[] = [];
  const signal = ctx.signal;
  let next = 0;
  if (ctx.transport.http === '2') {
    const conns = await Promise.all(Array.from({ length: CROWD.fastConcurrency }, () => ctx.transport.open({ storeBodyCap: 64 * 1024 })));
    try {
      signal.throwIfAborted();
      const get = async (c: ClientConnection) => {
        const i = c.send({ method: 'GET', path: `${ctx.probe.prefix}/info` });
        const r = await abortable(c.waitForResponse(i, 10_000), signal);
        if (r.completion !== 'complete' || r.status !== 200) throw new Error(`fast request over ${ctx.transport.name}: ${r.status} ${r.completion}`);
      };
      await Promise.all(conns.map(get));
      await Promise.all(conns.map(async (c) => {
        while (next++ < CROWD.fastRequests) {
          const t0 = performance.now();
          await get(c);
          times.push(performance.now() - t0);
        }
      }));
    } finally {
      for (const c of conns) c.destroy();
    }
  } else {
    const url = new URL(`${ctx.probe.prefix}/info`, ctx.transport.url);
    const lane = async () => {
      while (next++ < CROWD.fastRequests) {
        const t0 = performance.now();
        const r = await request(url, { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000, signal });
        await r.body.dump();
        times.push(performance.now() - t0);
      }
    };
    // Warm the connections first, then measure.
    await Promise.all(Array.from({ length: CROWD.fastConcurrency }, () => request(url, { dispatcher: agent, signal }).then((r) => r.body.dump())));
    await Promise.all(Array.from({ length: CROWD.fastConcurrency }, lane));
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { n: times.length, p50: at(0.5), p99: at(0.99), max: times.at(-1)! };
}

/** What the crowd's clients do, in words for evidence and reports. */
export function crowdBehaviour(ctx: CheckContext): string {
  const p = ctx.options.crowdProfile;
  return p ? `profile ${p.name} (${p.read.behaviour}, ${p.file})` : 'stalled (read nothing)';
}

export async function crowd(ctx: CheckContext): Promise<CrowdRun> {
  const agent = new Agent({ connections: CROWD.fastConcurrency, connect: tlsVerifyOptions() });
  const conns: ClientConnection[] = [];
  const signal = ctx.signal;
  const info = () => abortable(ctx.probe.info(), signal);
  try {
    const baseline = await measure(ctx, agent);
    const before = await info();
    const s = script([header(), { op: 'sleep', seconds: CROWD.idleSeconds }, { op: 'repeat', times: CROWD.maxWrites, until: 'cancelled', ops: [{ op: 'write', bytes: CROWD.piece, timeout: CROWD.pieceTimeout }] }]);
    const tag = randomBytes(4).toString('hex');
    const ids = Array.from({ length: CROWD.clients }, (_, n) => `dw-crowd-${ctx.transport.name}-${tag}-${n}`);
    for (const id of ids) await ctx.probe.putScript(id, s, signal);
    // No handler can start before its request is sent, so until firstSent + idleSeconds none has
    // written a byte: a sufficient condition read from the client's clock alone.
    const profile = ctx.options.crowdProfile;
    const firstSent = performance.now();
    for (const id of ids) {
      signal.throwIfAborted();
      const c = await ctx.transport.open({ behaviour: profile ? behaviourFromProfile(profile) : createStalled(), storeBodyCap: 0 });
      conns.push(c);
      c.send({ method: 'GET', path: `${ctx.probe.prefix}/run/${id}` });
    }
    // ISO checks read active_requests (Check.infoFields), so a target here reports it.
    const activeOf = (i: typeof before) => i.active_requests ?? 0;
    const expected = activeOf(before) + conns.length;
    let idle = await info();
    while (activeOf(idle) < expected && performance.now() - firstSent < CROWD.idleSeconds * 500) {
      await sleepOrAbort(50, signal);
      idle = await info();
    }
    const idleAt = performance.now() - firstSent;
    const idleOk = activeOf(idle) >= expected && idleAt < CROWD.idleSeconds * 1000 - 500;
    const idleProblem = idleOk ? null : `the crowd took ${Math.round(idleAt)} ms to open (${activeOf(idle) - activeOf(before)} of ${conns.length} requests active), too long to read memory before its first writes`;
    await sleepOrAbort(Math.max(0, CROWD.idleSeconds * 1000 - (performance.now() - firstSent)) + CROWD.settleMs, signal);
    const mid = await info();
    const loaded = await measure(ctx, agent);
    return {
      scenario: 'crowd', transport: ctx.transport.name, ids, scripts: [s], journals: [], timeline: [], responses: [], bodies: [], marks: {},
      baseline, loaded, opened: conns.length,
      rssBefore: before.memory?.rss_bytes ?? null, rssLoaded: mid.memory?.rss_bytes ?? null,
      rssIdle: idleOk ? (idle.memory?.rss_bytes ?? null) : null, idleProblem,
      activeLoaded: activeOf(mid),
    };
  } finally {
    for (const c of conns) c.reset();
    // Aborted: requests still in flight are cut off rather than waited for.
    await (signal.aborted ? agent.destroy() : agent.close());
  }
}
