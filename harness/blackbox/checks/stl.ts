// BB-STL: a stalled reader (reads nothing once it has the head). Does the server cut it, when
// (against --expect send_timeout), and what does each one cost it?
import { createStalled, type H1Connection } from '../../clients/index.ts';
import { errorVerdict, fail, pass, type Evidence, lateBy } from '../../conformance/verdict.ts';
import { finding, type BlackboxCheck, type BlackboxContext } from '../check.ts';
import { showMs } from '../expect.ts';
import { newWatch, sample, secs, sleep, watchUntil, type Watch } from '../observe.ts';
import { processStats } from '../proc.ts';

/** Without --expect send_timeout: a stalled reader held this long after the last write is a finding. */
export const DEFAULT_STALL_BOUND_MS = 5000;
/** Bytes read before stalling: the head and a little body. */
const HEAD_BYTES = 16 * 1024;
/** Memory a stalled client may cost a server by default (BB-STL-02). */
export const DEFAULT_PER_CLIENT_BYTES = 4 * 1024 * 1024;

function get(ctx: BlackboxContext, c: H1Connection): void {
  c.send({ method: 'GET', path: ctx.target.path, headers: { 'user-agent': 'dawdle-blackbox' } });
}

export const STL_CHECKS: BlackboxCheck[] = [
  {
    id: 'BB-STL-01',
    group: 'BB-STL',
    level: 'SHOULD',
    transports: ['h1', 'h1tls'],
    text: 'A client that stops reading mid-response is cut once the server has been unable to write to it for its send timeout (--expect send_timeout), not held forever.',
    method: `GETs --path, reads the head and ${HEAD_BYTES / 1024} KiB, then reads nothing. Watches both ends of the connection in /proc/net/tcp every 50 ms: the bytes the server pushed (our receive queue + its send queue) and when that last grew (its last successful write), and when the server closed its end (its socket leaves ESTABLISHED: FIN queued behind the unsent data, or reset). With send_timeout=T it must close between T - slack and T + slack after its last write (slack: max(1 s, T/2)); with send_timeout=none it must not close. Without an expectation, a reader still held ${DEFAULT_STALL_BOUND_MS / 1000} s after the last write is a SHOULD-level finding (skipped with what was seen; fails under --strict).`,
    async run(ctx) {
      const T = ctx.options.expect.send_timeout;
      const bound = typeof T === 'number' ? T : DEFAULT_STALL_BOUND_MS;
      const slack = typeof T === 'number' ? Math.max(1000, T / 2) : 1000;
      const c = await ctx.open(createStalled({ after_bytes: HEAD_BYTES }));
      try {
        get(ctx, c);
        const w = newWatch();
        await watchUntil(w, c, ctx.target.port, { maxMs: 30_000, signal: ctx.signal, until: (x) => Date.now() - x.lastProgress > bound + slack });
        ctx.record({ scenario: 'stalled-reader', timelines: [c.timeline], samples: w.samples, marks: { last_write: w.lastProgress, ...(w.closedAt !== null ? { server_closed: w.closedAt } : {}) } });
        const idle = (w.closedAt ?? Date.now()) - w.lastProgress;
        const status = c.responses[0]?.status ?? 0;
        const ev: Evidence = {
          status, bytes_pushed: w.pushed, closed_by_server: w.closedAt !== null, server_state: w.closedState,
          s_from_request_to_last_write: secs(w.lastProgress - w.start),
          [w.closedAt !== null ? 's_last_write_to_close' : 's_held_after_last_write']: secs(idle),
          expected_send_timeout: T === undefined ? 'not given' : showMs(T),
        };
        const length = ctx.target.contentLength;
        if (length !== null && w.pushed >= length && w.closedAt === null) {
          return errorVerdict(`the whole response (${length} bytes) fit in the connection's buffers: the server never had to wait for this client`, 'give a larger response with --path (tens of MB)', ev);
        }
        if (T === null) return w.closedAt === null ? pass(ev) : fail('never cut (send_timeout=none)', `closed ${secs(idle)} s after its last write`, ev);
        if (typeof T === 'number') {
          if (w.closedAt === null) return fail(`closed ${showMs(T)} (± ${showMs(slack)}) after the last write`, `still open ${secs(idle)} s after the last write`, ev, { timing: lateBy(null, T + slack) });
          if (idle < T - slack) return fail(`closed ${showMs(T)} (± ${showMs(slack)}) after the last write`, `closed after only ${secs(idle)} s`, ev);
          return pass(ev);
        }
        if (w.closedAt !== null) return pass(ev, `cut ${secs(idle)} s after its last write`);
        return finding(ctx.options.strict, `a stalled reader cut within ${DEFAULT_STALL_BOUND_MS / 1000} s of the last write (default bound; give --expect send_timeout=...)`, `still open ${secs(idle)} s after the last write, ${w.pushed} bytes pushed`, ev);
      } finally {
        c.destroy();
      }
    },
  },
  {
    id: 'BB-STL-02',
    group: 'BB-STL',
    level: 'SHOULD',
    transports: ['h1', 'h1tls'],
    local: true,
    text: 'Each stalled reader costs the server a bounded amount of memory (it does not buffer the rest of the response for a client that does not read).',
    method: `Local target only (--pid, or the processes holding its listening port). Samples the server's RSS, fds and threads, opens --crowd stalled readers of --path (each reads the head and ${HEAD_BYTES / 1024} KiB), waits until none of them has been pushed anything for 500 ms (at most 4 s), samples again, and divides the RSS growth by the number of clients. Default bound: ${DEFAULT_PER_CLIENT_BYTES / 1048576} MiB per stalled client (SHOULD: a finding over it, failing under --strict). After they are closed the server is sampled once more (evidence).`,
    async run(ctx) {
      const pids = ctx.target.pids;
      const n = ctx.options.crowd;
      const before = processStats(pids);
      if (before === null) return errorVerdict(`cannot read /proc of the server processes ${pids.join(', ')}`, 'run dawdle as the server\'s user or root, or give --pid');
      const conns: H1Connection[] = [];
      try {
        const watches: Watch[] = [];
        for (let i = 0; i < n && !ctx.signal.aborted; i++) {
          const c = await ctx.open(createStalled({ after_bytes: HEAD_BYTES }));
          conns.push(c);
          get(ctx, c);
          watches.push(newWatch());
        }
        const end = Date.now() + 4000;
        while (Date.now() < end && !ctx.signal.aborted) {
          conns.forEach((c, i) => sample(watches[i]!, c, ctx.target.port));
          if (watches.every((w) => Date.now() - w.lastProgress > 500)) break;
          await sleep(50, ctx.signal);
        }
        const during = processStats(pids);
        if (during === null) return errorVerdict('the server processes went away while stalled clients were connected', 'see whether the server crashed');
        const closed = watches.filter((w) => w.closedAt !== null).length;
        const perClient = Math.max(0, during.rssBytes - before.rssBytes) / n;
        ctx.record({ scenario: 'stalled-crowd', timelines: conns.slice(0, 2).map((c) => c.timeline), samples: [{ t: Date.now(), rss_before: before.rssBytes, rss_during: during.rssBytes, fds_before: before.fds, fds_during: during.fds }] });
        for (const c of conns) c.destroy();
        await sleep(1000, ctx.signal);
        const after = processStats(pids);
        const ev: Evidence = {
          clients: n, rss_before: before.rssBytes, rss_with_stalled: during.rssBytes, rss_growth_per_client: Math.round(perClient),
          fds_before: before.fds, fds_with_stalled: during.fds, threads_before: before.threads, threads_with_stalled: during.threads,
          bytes_pushed_per_client: Math.round(watches.reduce((s, w) => s + w.pushed, 0) / n), closed_by_server_meanwhile: closed,
          rss_after_close: after?.rssBytes ?? null, fds_after_close: after?.fds ?? null,
        };
        if (perClient <= DEFAULT_PER_CLIENT_BYTES) return pass(ev);
        return finding(ctx.options.strict, `at most ${DEFAULT_PER_CLIENT_BYTES / 1048576} MiB of RSS per stalled client`, `${(perClient / 1048576).toFixed(1)} MiB per client`, ev);
      } finally {
        for (const c of conns) c.destroy();
      }
    },
  },
];
