// BB-ISO: isolation from outside (the ISO-01 idea without the probe). Clients that stopped reading
// must not slow the others down: a fast client's latency with a crowd of stalled readers against
// its latency alone.
import { createStalled, type H1Connection } from '../../clients/index.ts';
import { errorVerdict, fail, pass, type Evidence, lateBy } from '../../conformance/verdict.ts';
import type { BlackboxCheck, BlackboxContext } from '../check.ts';
import { newWatch, sample, sleep, type Watch } from '../observe.ts';

const REQUESTS = 30;
/** A fast request unanswered this long counts as this long (and ends the measurement). */
const ANSWER_MS = 3000;
/** p99 with the crowd may be this many times p99 without it, or this much longer, whichever is more. */
export const ISO_FACTOR = 5;
export const ISO_SLACK_MS = 250;

/**
 * p50 and p99 (ms) of REQUESTS GETs of the small path, one after another, each on a connection of
 * its own (connect included: a server that stops accepting is as slow as one that stops answering).
 */
async function latencies(ctx: BlackboxContext): Promise<{ p50: number; p99: number; statuses: number[] }> {
  const ms: number[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < REQUESTS && !ctx.signal.aborted; i++) {
    const t0 = performance.now();
    let c: H1Connection | null = null;
    try {
      c = await ctx.open(undefined, { connectTimeoutMs: ANSWER_MS });
      const r = await c.waitForResponse(c.send({ method: 'GET', path: ctx.target.smallPath, headers: { 'user-agent': 'dawdle-blackbox' } }), ANSWER_MS);
      statuses.push(r.status);
      ms.push(performance.now() - t0);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (ctx.signal.aborted || (code !== 'ERR_CONNECT_TIMEOUT' && code !== 'ERR_WAIT_TIMEOUT')) throw err;
      // Not accepted or not answered in time: that long a wait, and the measurement ends.
      ms.push(ANSWER_MS);
      break;
    } finally {
      c?.destroy();
    }
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]! * 100) / 100;
  return { p50: at(0.5), p99: at(0.99), statuses };
}

export const ISO_CHECKS: BlackboxCheck[] = [
  {
    id: 'BB-ISO-01',
    group: 'BB-ISO',
    level: 'MUST',
    transports: ['h1', 'h1tls'],
    text: 'Clients that stopped reading do not slow the others down: a fast client\'s p99 latency with --crowd stalled readers stays within a bound of its p99 without them.',
    method: `A fast client GETs --small-path ${REQUESTS} times in a row, each on a new connection (p99 over those, connect included); then --crowd clients GET --path and stop reading after the head (their kernel buffers fill, the server's writes to them block), and once none of them has been pushed anything for 300 ms (at most 3 s) the fast client measures again. The p99 with the crowd must stay within max(${ISO_FACTOR} x p99 without, p99 without + ${ISO_SLACK_MS} ms). A request unanswered after ${ANSWER_MS / 1000} s counts as ${ANSWER_MS / 1000} s and ends the measurement: a server that serves every client from one thread and blocks on a write fails it that way.`,
    async run(ctx) {
      const alone = await latencies(ctx);
      if (alone.statuses.some((s) => s < 200 || s >= 400)) return errorVerdict(`--small-path ${ctx.target.smallPath} answered ${[...new Set(alone.statuses)].join(', ')}`, 'give --small-path a small response that answers 200');
      const crowd: H1Connection[] = [];
      const watches: Watch[] = [];
      try {
        for (let i = 0; i < ctx.options.crowd && !ctx.signal.aborted; i++) {
          let c: H1Connection;
          try {
            c = await ctx.open(createStalled({ after_bytes: 0 }), { connectTimeoutMs: 1000 });
          } catch (err) {
            // The server stopped accepting: the crowd is as large as it got.
            if ((err as { code?: string }).code === 'ERR_CONNECT_TIMEOUT') break;
            throw err;
          }
          c.send({ method: 'GET', path: ctx.target.path, headers: { 'user-agent': 'dawdle-blackbox' } });
          crowd.push(c);
          watches.push(newWatch());
        }
        const end = Date.now() + 3000;
        while (Date.now() < end && !ctx.signal.aborted) {
          crowd.forEach((c, i) => sample(watches[i]!, c, ctx.target.port));
          if (watches.every((w) => Date.now() - w.lastProgress > 300)) break;
          await sleep(50, ctx.signal);
        }
        const withCrowd = await latencies(ctx);
        const bound = Math.max(ISO_FACTOR * alone.p99, alone.p99 + ISO_SLACK_MS);
        const ev: Evidence = {
          requests: REQUESTS, p50_alone_ms: alone.p50, p99_alone_ms: alone.p99, p50_with_crowd_ms: withCrowd.p50, p99_with_crowd_ms: withCrowd.p99,
          bound_ms: Math.round(bound * 100) / 100, crowd: crowd.length, crowd_bytes_pushed: watches.reduce((s, w) => s + w.pushed, 0),
          crowd_cut_meanwhile: watches.filter((w) => w.closedAt !== null).length,
        };
        ctx.record({ scenario: 'fast-beside-stalled', timelines: crowd.slice(0, 1).map((c) => c.timeline), samples: watches[0]?.samples ?? [] });
        if (withCrowd.p99 > bound) return fail(`p99 within ${ev.bound_ms} ms with ${crowd.length} stalled readers`, `${withCrowd.p99} ms (alone: ${alone.p99} ms)`, ev, { timing: lateBy(withCrowd.p99, bound) });
        return pass(ev);
      } finally {
        for (const c of crowd) c.destroy();
      }
    },
  },
];
