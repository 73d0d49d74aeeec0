// BB-SLR: a slow but progressing reader. A client that keeps reading at a modest rate must not be
// cut: an inter-write idle timeout (nginx send_timeout, Node's socket timeout) never fires for it,
// while an absolute deadline on the response (Go's WriteTimeout) cuts it however well it reads.
import { createThrottled } from '../../clients/index.ts';
import { fail, pass, type Evidence } from '../../conformance/verdict.ts';
import type { BlackboxCheck } from '../check.ts';
import { newWatch, secs, watchUntil } from '../observe.ts';

/** The progressing reader's rate and read size. */
export const SLOW_RATE = 4 * 1024 * 1024;
const CHUNK = 64 * 1024;
export const DEFAULT_SLOW_WINDOW_MS = 6000;

export const SLR_CHECKS: BlackboxCheck[] = [
  {
    id: 'BB-SLR-01',
    group: 'BB-SLR',
    level: 'MUST',
    transports: ['h1', 'h1tls'],
    text: `A client that keeps reading at ${SLOW_RATE / 1048576} MiB/s is not cut, however long the response takes: the server's send timeout is an idle timeout between writes, not a deadline on the whole response.`,
    method: `GETs --path and reads it at ${SLOW_RATE / 1048576} MiB/s (${CHUNK / 1024} KiB reads) for ${DEFAULT_SLOW_WINDOW_MS / 1000} s, or send_timeout + 2 s when --expect send_timeout is longer (a deadline of send_timeout would fire within it). Fails if the server closes the connection (its socket leaves ESTABLISHED in /proc/net/tcp, or the client sees FIN or reset before the response ended) while the client was still reading: an absolute deadline (e.g. Go's WriteTimeout) or a minimum rate above this one. A response that ends complete within the window passes (it was too short to tell: the evidence says so). At this rate the server's send buffer drains by half (what makes a blocked writer writable again) well within a 2 s idle timeout on loopback.`,
    async run(ctx) {
      const T = ctx.options.expect.send_timeout;
      const windowMs = Math.min(20_000, Math.max(DEFAULT_SLOW_WINDOW_MS, typeof T === 'number' ? T + 2000 : 0));
      const c = await ctx.open(createThrottled({ bytes_per_second: SLOW_RATE, chunk_bytes: CHUNK }));
      try {
        c.send({ method: 'GET', path: ctx.target.path, headers: { 'user-agent': 'dawdle-blackbox' } });
        const w = newWatch();
        const ended = () => (c.responses[0]?.completion ?? 'in-progress') !== 'in-progress' || c.closed;
        await watchUntil(w, c, ctx.target.port, { maxMs: windowMs, signal: ctx.signal, until: ended });
        const r = c.responses[0];
        const completion = r?.completion ?? 'in-progress';
        const cutAt = w.closedAt ?? (completion !== 'in-progress' && completion !== 'complete' ? (r?.endAt ?? Date.now()) : null);
        ctx.record({ scenario: 'progressing-reader', timelines: [c.timeline], samples: w.samples, marks: cutAt !== null ? { server_closed: cutAt } : {} });
        const elapsed = (cutAt ?? Date.now()) - w.start;
        const lastSecond = c.timeline.filter((e) => e.type === 'bytes' && e.t > (cutAt ?? Date.now()) - 1000 && e.t <= (cutAt ?? Date.now()))
          .reduce((s, e) => s + (e.type === 'bytes' ? e.count : 0), 0);
        const ev: Evidence = {
          rate_bytes_per_s: SLOW_RATE, window_s: secs(windowMs), bytes_read: c.bytesReceived, response: completion,
          achieved_bytes_per_s: Math.round(c.bytesReceived / Math.max(0.001, elapsed / 1000)), bytes_in_last_second: lastSecond,
          cut_by_server: cutAt !== null, s_to_cut: cutAt !== null ? secs(elapsed) : null, server_state: w.closedState,
        };
        if (cutAt !== null) {
          return fail(`a client reading ${SLOW_RATE / 1048576} MiB/s kept for ${secs(windowMs)} s`, `cut ${secs(elapsed)} s into the response after ${c.bytesReceived} bytes, with ${lastSecond} bytes read in the second before: a deadline on the whole response, or a minimum rate above this one`, ev);
        }
        if (completion === 'complete') return pass(ev, `the response ended complete after ${secs(elapsed)} s: too short to tell an idle timeout from a deadline`);
        return pass(ev);
      } finally {
        c.destroy();
      }
    },
  },
];
