// BB-REQ: a slow request. Headers dribbled a byte at a time (slowloris) and a body that stops
// arriving: does the server give up (against --expect header_timeout / body_timeout), when, and
// what does it answer (408, or a silent close)?
import { errorVerdict, fail, pass, skip, type Evidence, type Verdict, lateBy } from '../../conformance/verdict.ts';
import { finding, type BlackboxCheck, type BlackboxContext } from '../check.ts';
import { showMs } from '../expect.ts';
import { secs, sleep } from '../observe.ts';
import { RawConnection } from '../raw.ts';

/** Without an expectation: a slow request still held this long is a finding. */
export const DEFAULT_REQUEST_BOUND_MS = 5000;
/** Slowloris: one header byte this often. */
const DRIBBLE_MS = 250;
const BODY_BYTES = 1024 * 1024;
const BODY_SENT = 1024;

interface SlowOutcome { conn: RawConnection; start: number; heldMs: number }

/** Writes `first`, then `each()` every DRIBBLE_MS (when it returns a string) until the server ends it or `maxMs`. */
async function slowRequest(ctx: BlackboxContext, first: string, each: () => string | null, maxMs: number): Promise<SlowOutcome> {
  const t = ctx.target;
  const conn = await RawConnection.open(t.host, t.port, t.tls, 5000);
  const start = Date.now();
  conn.write(first);
  let next = start + DRIBBLE_MS;
  while (!conn.ended && !ctx.signal.aborted && Date.now() - start < maxMs) {
    await sleep(20, ctx.signal);
    if (Date.now() >= next) {
      const piece = each();
      if (piece !== null) conn.write(piece);
      next += DRIBBLE_MS;
    }
  }
  return { conn, start, heldMs: (conn.endedAt ?? Date.now()) - start };
}

function judge(ctx: BlackboxContext, key: 'header_timeout' | 'body_timeout', o: SlowOutcome, ev: Evidence): Verdict {
  const T = ctx.options.expect[key];
  const ended = o.conn.endedAt !== null;
  if (T === null) return ended ? fail(`held (${key}=none)`, `ended after ${secs(o.heldMs)} s (${o.conn.endedBy}, answer ${o.conn.status ?? 'none'})`, ev) : pass(ev);
  if (typeof T === 'number') {
    const slack = Math.max(1000, T / 2);
    if (!ended) return fail(`ended within ${showMs(T)} (+ ${showMs(slack)})`, `still open after ${secs(o.heldMs)} s`, ev, { timing: lateBy(null, T + slack) });
    if (o.heldMs < T - slack) return fail(`ended ${showMs(T)} (± ${showMs(slack)}) after the request began`, `ended after only ${secs(o.heldMs)} s`, ev);
    return pass(ev);
  }
  if (ended) return pass(ev, `ended after ${secs(o.heldMs)} s`);
  return finding(ctx.options.strict, `a slow request ended within ${DEFAULT_REQUEST_BOUND_MS / 1000} s (default bound; give --expect ${key}=...)`, `still open after ${secs(o.heldMs)} s`, ev);
}

function windowFor(T: number | null | undefined): number {
  return typeof T === 'number' ? T + Math.max(2000, T) : DEFAULT_REQUEST_BOUND_MS + 500;
}

export const REQ_CHECKS: BlackboxCheck[] = [
  {
    id: 'BB-REQ-01',
    group: 'BB-REQ',
    level: 'SHOULD',
    transports: ['h1', 'h1tls'],
    text: 'A client that sends its request headers a byte at a time (slowloris) is cut once the server\'s header timeout (--expect header_timeout) has passed since the request began, however steadily the bytes trickle.',
    method: `Opens a connection, sends "GET --path HTTP/1.1" and a Host header at once, then one byte of an endless header every ${DRIBBLE_MS} ms. Records when the server ends the connection (FIN or reset, seen by the client) and what it answered first (e.g. 408, or nothing: a silent close). With header_timeout=T it must end it between T - slack and T + slack after the request began (slack: max(1 s, T/2)): a timeout restarted by every byte never fires; with none it must not. Without an expectation, a request still unfinished and held after ${DEFAULT_REQUEST_BOUND_MS / 1000} s is a SHOULD-level finding (skipped with what was seen; fails under --strict).`,
    async run(ctx) {
      const T = ctx.options.expect.header_timeout;
      const host = `${ctx.target.host}:${ctx.target.port}`;
      const o = await slowRequest(ctx, `GET ${ctx.target.path} HTTP/1.1\r\nHost: ${host}\r\nX-Dawdle: `, () => 'a', windowFor(T));
      try {
        ctx.record({ scenario: 'slowloris', timelines: [o.conn.timeline] });
        const ev: Evidence = {
          ended_by_server: o.conn.endedAt !== null, how: o.conn.endedBy, answer_status: o.conn.status, s_held: secs(o.heldMs), request_bytes_sent: o.conn.sent,
          expected_header_timeout: T === undefined ? 'not given' : showMs(T),
        };
        return judge(ctx, 'header_timeout', o, ev);
      } finally {
        o.conn.destroy();
      }
    },
  },
  {
    id: 'BB-REQ-02',
    group: 'BB-REQ',
    level: 'SHOULD',
    transports: ['h1', 'h1tls'],
    text: 'A client that stops sending its request body is cut once the server\'s body timeout (--expect body_timeout) has passed without a byte of it.',
    method: `POSTs to --body-path (default --path) with Content-Length ${BODY_BYTES / 1048576} MiB, sends the head and ${BODY_SENT} bytes of body at once, then nothing. Records when the server ends the connection and what it answered (408, or a silent close). With body_timeout=T it must end it between T - slack and T + slack (slack: max(1 s, T/2)); with none it must not. A server that answers at once without waiting for the body (e.g. 405 for a static file) cannot be judged here: skipped, give a --body-path where it reads a body. Without an expectation, held after ${DEFAULT_REQUEST_BOUND_MS / 1000} s is a SHOULD-level finding.`,
    async run(ctx) {
      const T = ctx.options.expect.body_timeout;
      const host = `${ctx.target.host}:${ctx.target.port}`;
      const head = `POST ${ctx.target.bodyPath} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${BODY_BYTES}\r\n\r\n`;
      const o = await slowRequest(ctx, head + 'x'.repeat(BODY_SENT), () => null, windowFor(T));
      try {
        ctx.record({ scenario: 'slow-body', timelines: [o.conn.timeline] });
        const answeredAt = o.conn.timeline.find((e) => e.type === 'bytes')?.t;
        const ev: Evidence = {
          ended_by_server: o.conn.endedAt !== null, how: o.conn.endedBy, answer_status: o.conn.status, s_held: secs(o.heldMs),
          s_to_answer: answeredAt !== undefined ? secs(answeredAt - o.start) : null, body_bytes_sent: BODY_SENT,
          expected_body_timeout: T === undefined ? 'not given' : showMs(T),
        };
        if (o.conn.status !== null && o.conn.status !== 408 && answeredAt !== undefined && answeredAt - o.start < 500) {
          return skip(`the server answered ${o.conn.status} at once without waiting for the body: give a --body-path where it reads a request body`, ev);
        }
        if (o.conn.status === null && o.conn.endedAt !== null && o.heldMs < 200) {
          return errorVerdict(`the server closed the connection ${o.heldMs} ms after the request head, before any body timeout could run`, 'give a --body-path where the server reads a request body', ev);
        }
        return judge(ctx, 'body_timeout', o, ev);
      } finally {
        o.conn.destroy();
      }
    },
  },
];
