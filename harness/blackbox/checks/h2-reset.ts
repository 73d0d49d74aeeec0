// BB-H2-04: a rapid reset burst (CVE-2023-44487) from one connection is survived. Every
// HEADERS+RST_STREAM pair makes the server start a request and tear it down, and the concurrency
// limit never counts them; a server without a budget for resets spends itself on one client while
// the others wait. What we judge is the others: a canary on its own connection must be served
// during the burst and after it. Whether the server pushed the attacker back (GOAWAY, with which
// code, after how many pairs; refused streams) is evidence.
import { createReading } from '../../clients/index.ts';
import { errorVerdict, fail, lateBy, pass, type Evidence } from '../../conformance/verdict.ts';
import type { BlackboxCheck, BlackboxContext } from '../check.ts';
import { resetBurst } from '../h2-burst.ts';
import { get, isVerdict, openH2OrSkip } from '../h2-open.ts';
import { sleep } from '../observe.ts';
import { processStats } from '../proc.ts';

/** The burst: at most this many HEADERS+RST_STREAM pairs, in this much time. */
export const BURST_PAIRS = 4000;
const BURST_MAX_MS = 10_000;
/** A canary asks after every this many pairs, and AFTER_CANARIES times once the burst is over. */
const CANARY_EVERY = 500;
const AFTER_CANARIES = 3;
/** A canary (new connection, GET --small-path) not answered within this is not served. */
export const CANARY_MS = 2000;

interface Canary { ms: number | null; status: number }

/** GET --small-path on a new HTTP/2 connection; its time (connect included), or null if not answered within CANARY_MS. */
async function canary(ctx: BlackboxContext): Promise<Canary> {
  const t0 = performance.now();
  let status = 0;
  const attempt = (async () => {
    const c = await openH2OrSkip(ctx, createReading());
    if (isVerdict(c)) return;
    try {
      const r = await c.waitForResponse(get(c, ctx.target.smallPath), CANARY_MS);
      status = r.status;
    } finally {
      c.destroy();
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const answered = await Promise.race([
    attempt.then(() => true, () => false),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), CANARY_MS); }),
  ]);
  clearTimeout(timer);
  const ms = performance.now() - t0;
  return { ms: answered && status !== 0 && ms <= CANARY_MS ? Math.round(ms * 10) / 10 : null, status };
}

export const H2_RAPID_RESET: BlackboxCheck = {
  id: 'BB-H2-04',
  group: 'BB-H2',
  level: 'MUST',
  transports: ['h2', 'h2c'],
  text: 'A burst of HEADERS+RST_STREAM pairs from one connection (rapid reset, CVE-2023-44487) is survived: the server keeps serving other connections during it and after it.',
  method: `First a canary: a new HTTP/2 connection GETs --small-path (it must answer). Then one connection sends up to ${BURST_PAIRS} pairs of HEADERS (a GET of --path, END_STREAM) and RST_STREAM(CANCEL) for the same stream, back to back in writes of 100 pairs, stopping at the server's GOAWAY or close (at most ${BURST_MAX_MS / 1000} s). After every ${CANARY_EVERY} pairs, and ${AFTER_CANARIES} times after the burst (200 ms apart), a canary asks again, each on a new connection: every one must be answered within ${CANARY_MS / 1000} s, connect included. Evidence: the pairs sent and how fast, the server's GOAWAY (code, after how many pairs: ENHANCE_YOUR_CALM is the usual answer of a server with a reset budget, NO_ERROR one that ends the connection at a request limit), the RST_STREAMs it sent (REFUSED_STREAM), the responses it started, and for a local target its RSS before and after.`,
  async run(ctx) {
    const first = await openH2OrSkip(ctx, createReading());
    if (isVerdict(first)) return first;
    first.destroy();
    const alone = await canary(ctx);
    if (alone.ms === null || alone.status >= 400) {
      return errorVerdict(`the canary alone (GET --small-path over HTTP/2) ${alone.ms === null ? `was not answered within ${CANARY_MS / 1000} s` : `answered ${alone.status}`}`, 'give --small-path a small response that answers 200 over HTTP/2');
    }
    const before = ctx.target.pids.length > 0 ? processStats(ctx.target.pids) : null;
    const during: Canary[] = [];
    const t = ctx.target;
    const burst = await resetBurst({
      host: t.host, port: t.port, tls: t.tls, path: t.path, pairs: BURST_PAIRS, maxMs: BURST_MAX_MS, connectTimeoutMs: 5000, signal: ctx.signal,
      between: { everyPairs: CANARY_EVERY, run: async () => { during.push(await canary(ctx)); } },
    });
    if (!burst.settingsSeen) return errorVerdict('the burst connection got no SETTINGS from the server', 'see whether the target speaks HTTP/2 on this transport');
    const after: Canary[] = [];
    for (let i = 0; i < AFTER_CANARIES && !ctx.signal.aborted; i++) {
      after.push(await canary(ctx));
      await sleep(200, ctx.signal);
    }
    const stats = ctx.target.pids.length > 0 ? processStats(ctx.target.pids) : null;
    const worst = (xs: Canary[]) => (xs.length === 0 ? null : xs.some((x) => x.ms === null) ? null : Math.max(...xs.map((x) => x.ms!)));
    const missed = [...during, ...after].filter((x) => x.ms === null).length;
    const ev: Evidence = {
      pairs_sent: burst.pairsSent, s_sending: burst.sendMs / 1000, goaway: burst.goaway?.code ?? null, goaway_after_pairs: burst.goaway?.afterPairs ?? null,
      goaway_last_stream_id: burst.goaway?.lastStreamId ?? null, attacker_closed_by_server: burst.closedByServer,
      resets_received: Object.entries(burst.resetsReceived).map(([k, v]) => `${k}:${v}`).join(',') || null, responses_started: burst.responsesStarted,
      canary_alone_ms: alone.ms, canaries: during.length + after.length, canaries_missed: missed,
      canary_worst_ms_during: worst(during), canary_worst_ms_after: worst(after),
      ...(before !== null ? { rss_before: before.rssBytes, rss_after: stats?.rssBytes ?? null, fds_before: before.fds, fds_after: stats?.fds ?? null } : {}),
    };
    if (before !== null && stats === null) return fail('the server survives the burst', 'the server processes are gone', ev);
    if (missed > 0) {
      const dead = after.every((x) => x.ms === null);
      return fail(`every canary answered within ${CANARY_MS / 1000} s`, `${missed} of ${during.length + after.length} not answered${dead ? ', none after the burst' : ''}`, ev, { timing: lateBy(null, CANARY_MS) });
    }
    const pushback = burst.goaway !== null ? `GOAWAY(${burst.goaway.code}) after ${burst.goaway.afterPairs} pairs`
      : burst.closedByServer ? `closed the connection after ${burst.pairsSent} pairs` : `no GOAWAY: all ${burst.pairsSent} pairs taken`;
    return pass(ev, pushback);
  },
};
