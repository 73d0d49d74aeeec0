// ISO: isolation and resources.
import type { Check } from '../check.ts';
import { CROWD, crowd, crowdBehaviour } from '../scenarios/crowd.ts';
import { sleepMs } from '../scenarios/ops.ts';
import { fail, firstFailure, pass, skip, lateBy } from '../verdict.ts';
import { fmtMs, KiB } from '../verifiers.ts';

/**
 * ISO-01 allows 2x the fast clients' p99; on a shared machine a p99 of ~1 ms moves by several ms
 * from scheduling alone, so the bound is 2x or baseline + this much, whichever is larger.
 */
const P99_FLOOR_MS = 20;
/** ISO-02 per stalled request: send_window + 64 KiB. */
const MEMORY_SLACK = 64 * KiB;
/**
 * RSS is a coarse, process-wide measure (pages, allocator arenas, the JS heap growing while 200
 * handlers run): the bound is judged with this relative tolerance (I-6). A server that buffers
 * more than its window per request exceeds it by far more (e.g. window-ignored: megabytes).
 */
const MEMORY_TOLERANCE = 0.1;

export const isoChecks: Check[] = [
  {
    id: 'ISO-01', group: 'ISO', level: 'MUST', interpretations: [], features: ['send_timeout'], infoFields: ['active_requests'],
    text: 'N stalled clients (default 200) do not slow other requests: fast-client p99 latency stays within 2x of the run without them.',
    method: `Measures ${CROWD.fastRequests} fast requests (GET /__probe/info, ${CROWD.fastConcurrency} at a time), then opens ${CROWD.clients} clients that read nothing (or read as --profile says) while their handlers write ${CROWD.piece / 1024} KiB pieces with ${CROWD.pieceTimeout} s timeouts, waits ${CROWD.settleMs / 1000} s and measures again. The loaded p99 may be 2x the baseline, or the baseline + ${P99_FLOOR_MS} ms on a fast baseline (scheduling noise).`,
    h2Method: 'each crowd client is an HTTP/2 connection with one stream, stalled by withholding WINDOW_UPDATE (it receives its 65,535 B initial window); the fast requests are HTTP/2 too: four connections, a stream per request.',
    exclusive: true,
    async run(ctx) {
      const r = await ctx.scenario('crowd', crowd);
      const bound = Math.max(2 * r.baseline.p99, r.baseline.p99 + P99_FLOOR_MS);
      const stalled = ctx.options.crowdProfile === undefined;
      const evidence = {
        crowd: crowdBehaviour(ctx), crowd_clients: r.opened, active_requests_loaded: r.activeLoaded,
        p99_without: fmtMs(r.baseline.p99), p99_with: fmtMs(r.loaded.p99), p50_without: fmtMs(r.baseline.p50), p50_with: fmtMs(r.loaded.p50), bound: fmtMs(bound),
      };
      return firstFailure([
        // Stalled clients keep every handler busy; a profile's clients may finish (evidence only).
        { ok: r.opened === CROWD.clients && (!stalled || r.activeLoaded >= CROWD.clients), expected: `${CROWD.clients} ${stalled ? 'stalled requests active on the server' : 'crowd clients connected'}`, actual: `${r.opened} opened, ${r.activeLoaded} active` },
        { timing: lateBy(r.loaded.p99, bound), ok: r.loaded.p99 <= bound, expected: `fast-client p99 <= ${fmtMs(bound)} with ${CROWD.clients} stalled clients`, actual: fmtMs(r.loaded.p99) },
      ], evidence);
    },
  },
  {
    id: 'ISO-02', group: 'ISO', level: 'MUST', interpretations: ['I-6'], features: ['send_timeout', 'memory'], infoFields: ['active_requests'],
    text: 'Memory stays bounded: server memory growth per stalled request whose handler keeps writing with timeouts is at most `send_window + 64 KiB`.',
    method: `During ISO-01's crowd (${CROWD.clients} stalled requests, or --profile's clients; default window), the server's resident set size from /__probe/info is read twice: with every crowd request open and its handler sleeping before its first write (the cost of the connections, requests and handlers themselves), and once the handlers have written until blocked. The growth between the two, per request, is what the writes hold and must not exceed send_window + 64 KiB, judged with a ${MEMORY_TOLERANCE * 100}% tolerance for RSS granularity (a pass within the tolerance says so in its note).`,
    h2Method: "ISO-01's HTTP/2 crowd: each stalled stream holds its send window's unsent bytes at the server; nothing more than its 65,535 B initial window has left.",
    exclusive: true,
    async run(ctx) {
      const r = await ctx.scenario('crowd', crowd);
      if (r.rssBefore === null || r.rssLoaded === null) return skip('the target did not report memory.rss_bytes in /__probe/info');
      // Could not take the first reading in time: the harness's trouble (or the machine's), not a verdict.
      if (r.rssIdle === null) throw Object.assign(new Error(`memory could not be read with every crowd request open before its first write: ${r.idleProblem ?? 'not measured'}`), { code: 'ERR_CROWD_NOT_READY' });
      const n = r.opened;
      if (n === 0 || r.activeLoaded < n) return skip(`not every crowd request was active while memory was measured (${r.activeLoaded} active of ${n}; ${crowdBehaviour(ctx)})`);
      const perWrites = (r.rssLoaded - r.rssIdle) / n;
      const perIdle = (r.rssIdle - r.rssBefore) / n;
      // The send_window feature gate guarantees a number here (a null default skips ISO-02).
      const bound = (ctx.info.defaults.send_window ?? 0) + MEMORY_SLACK;
      const judged = Math.floor(bound * (1 + MEMORY_TOLERANCE));
      const evidence = {
        crowd: crowdBehaviour(ctx), requests: n, rss_before: r.rssBefore, rss_crowd_idle: r.rssIdle, rss_crowd_writing: r.rssLoaded,
        per_request_without_writes: Math.round(perIdle), per_request_for_writes: Math.round(perWrites), bound, bound_with_tolerance: judged,
      };
      return perWrites <= judged
        ? pass(evidence, perWrites > bound ? `${Math.round(perWrites)} B per request is within the ${MEMORY_TOLERANCE * 100}% measurement tolerance of the bound, not under the bound itself` : undefined)
        : fail(`RSS growth per stalled request for its writes <= ${bound} B (send_window + 64 KiB), +${MEMORY_TOLERANCE * 100}% measurement tolerance = ${judged} B`, `${Math.round(perWrites)} B`, evidence);
    },
  },
  {
    id: 'ISO-03', group: 'ISO', level: 'MUST', interpretations: [], features: [], infoFields: ['active_requests'],
    text: 'After every client is gone, no request, fiber, shuttle or socket is left behind.',
    method: "Runs after every other check on the transport, once all their clients have closed: the target's active-request count must drop to 0 within 10 s. (Requests are what probe protocol v1 can observe; sockets and shuttles are counted only by the reference server's own tests.)",
    last: true,
    async run(ctx) {
      const t0 = performance.now();
      let active = await ctx.probe.activeRequests();
      while (active > 0 && performance.now() - t0 < 10_000) {
        await sleepMs(50);
        active = await ctx.probe.activeRequests();
      }
      const evidence = { active_requests: active, waited: fmtMs(performance.now() - t0) };
      return active === 0 ? pass(evidence) : fail('0 active requests once every client is gone', `${active} still active after 10 s`, evidence);
    },
  },
];
