// BB-H2-02: a stream held at window 0 does not stall its siblings. HTTP/2 flow control is per
// stream: a server that waits on one stream's window (a write loop blocked on it, a shared output
// buffer full of its data) holds every other stream of the connection back with it.
import { createCancelling, createReading, createStalled } from '../../clients/index.ts';
import type { H2ClientConnection } from '../../conformance/h2-adapter.ts';
import { errorVerdict, fail, lateBy, pass, type Evidence } from '../../conformance/verdict.ts';
import type { BlackboxCheck, BlackboxContext } from '../check.ts';
import { get, held, isVerdict, openH2OrSkip, until } from '../h2-open.ts';
import { secs } from '../observe.ts';

/** The held stream's window and every stream's: small, so the held one is at 0 at once. */
const WINDOW = 65_535;
/** What the sibling reads (then it resets its stream): enough to time a transfer. */
export const SIBLING_BYTES = 4 * 1024 * 1024;
/** The sibling beside the held stream may take this many times as long as alone, or this much longer. */
export const SIBLING_FACTOR = 5;
export const SIBLING_SLACK_MS = 1000;
/** A stream that has not read its bytes by then is stalled: at most this long alone, and the bound + WATCH_MORE_MS beside the held one. */
const SIBLING_MAX_MS = 10_000;
const WATCH_MORE_MS = 1000;

interface Transfer { ms: number | null; bytes: number; headMs: number | null; status: number }

/** GET --path on a new stream, read `bytes` of it (then RST_STREAM CANCEL), timed from the request. */
async function transfer(ctx: BlackboxContext, c: H2ClientConnection, bytes: number, maxMs: number): Promise<Transfer> {
  const t0 = performance.now();
  const i = get(c, ctx.target.path, createCancelling({ mode: 'rst', after_bytes: bytes }));
  const r = () => c.responses[i]!;
  let headMs: number | null = null;
  const done = await until(ctx, c, () => {
    if (headMs === null && r().status !== 0) headMs = performance.now() - t0;
    return r().bodyBytes >= bytes || r().h2!.endStream || r().completion === 'reset-by-peer';
  }, maxMs);
  const ms = done && r().bodyBytes >= bytes ? performance.now() - t0 : null;
  return { ms: ms === null ? null : Math.round(ms * 10) / 10, bytes: r().bodyBytes, headMs: headMs === null ? null : Math.round(headMs * 10) / 10, status: r().status };
}

const mbps = (t: Transfer) => (t.ms === null || t.ms === 0 ? null : Math.round((t.bytes / 1048576 / (t.ms / 1000)) * 10) / 10);

export const H2_SIBLING: BlackboxCheck = {
  id: 'BB-H2-02',
  group: 'BB-H2',
  level: 'MUST',
  transports: ['h2', 'h2c'],
  text: 'A stream held at window 0 does not stall its sibling streams on the same connection: a sibling with an open window is served at the speed it is served alone (RFC 9113 §5.2: flow control is per stream).',
  method: `One HTTP/2 connection, every stream window ${WINDOW} B, the connection window granted back as DATA arrives (so only a stream's own window can hold it). First a stream GETs --path alone, reads ${SIBLING_BYTES / 1048576} MiB granting as it reads, and resets its stream (RST_STREAM CANCEL): its time is the baseline. Then stream A GETs --path and grants nothing: once it has received its ${WINDOW} B (at most 3 s) it is held at window 0. Then stream B does what the first stream did, beside A. B must read its ${SIBLING_BYTES / 1048576} MiB within max(${SIBLING_FACTOR} x the baseline, the baseline + ${SIBLING_SLACK_MS} ms); one that has not ${WATCH_MORE_MS / 1000} s past that bound is stalled (the baseline itself may take up to ${SIBLING_MAX_MS / 1000} s). Evidence: both times and rates, and what A received meanwhile (exactly its window, if the server holds it).`,
  async run(ctx) {
    const c = await openH2OrSkip(ctx, createReading(), { settings: { initialWindowSize: WINDOW }, connectionBehaviour: createReading() });
    if (isVerdict(c)) return c;
    try {
      const length = ctx.target.contentLength;
      const bytes = length !== null ? Math.min(SIBLING_BYTES, length) : SIBLING_BYTES;
      if (bytes <= 4 * WINDOW) return errorVerdict(`--path has ${length} bytes: too few to hold one stream at its window and time another`, 'give a larger response with --path (tens of MB)');
      const alone = await transfer(ctx, c, bytes, SIBLING_MAX_MS);
      const ev: Evidence = { bytes, status: alone.status, ms_alone: alone.ms, mb_per_s_alone: mbps(alone), first_head_ms: alone.headMs };
      if (alone.status !== 200) return errorVerdict(`--path answered ${alone.status || 'nothing'} over HTTP/2`, 'give a --path that answers 200 over HTTP/2', ev);
      if (alone.ms === null) return errorVerdict(`a stream alone read only ${alone.bytes} of ${bytes} bytes in ${SIBLING_MAX_MS / 1000} s: no baseline`, 'see whether --path is served over HTTP/2', ev);
      const a = get(c, ctx.target.path, createStalled({ after_bytes: 0 }));
      const isHeld = await until(ctx, c, () => held(c, a) || c.responses[a]!.completion !== 'in-progress', 3000);
      const ra = c.responses[a]!;
      if (!isHeld || ra.completion !== 'in-progress') {
        return errorVerdict(ra.completion !== 'in-progress' ? `stream A ended (${ra.completion}) before it was held at its window` : `stream A received ${ra.bodyBytes} of its ${WINDOW} B window in 3 s: never held at 0`, 'give a larger --path', ev);
      }
      const bound = Math.max(SIBLING_FACTOR * alone.ms, alone.ms + SIBLING_SLACK_MS);
      const watch = Math.min(SIBLING_MAX_MS, bound + WATCH_MORE_MS);
      const beside = await transfer(ctx, c, bytes, watch);
      const w = ra.h2!.window;
      Object.assign(ev, {
        ms_beside_held: beside.ms, mb_per_s_beside_held: mbps(beside), bytes_beside_held: beside.bytes, bound_ms: Math.round(bound),
        held_stream_received: w.received, held_stream_window: w.granted, held_stream_excess: w.excess, held_stream_still_open: ra.completion === 'in-progress',
      });
      ctx.record({ scenario: 'held-and-sibling', timelines: [c.timeline] });
      if (beside.ms === null) {
        // Not done by the end of a watch well past the bound: at least that late, not a near miss.
        return fail(`the sibling reads its ${bytes} B within ${Math.round(bound)} ms`, `stalled: ${beside.bytes} B in ${secs(watch)} s beside the held stream${c.closed ? ' (the connection closed)' : ''}`, ev, { timing: lateBy(watch, bound) });
      }
      if (beside.ms > bound) return fail(`the sibling reads its ${bytes} B within ${Math.round(bound)} ms`, `${beside.ms} ms beside the held stream (alone: ${alone.ms} ms)`, ev, { timing: lateBy(beside.ms, bound) });
      return pass(ev);
    } finally {
      c.destroy();
    }
  },
};
