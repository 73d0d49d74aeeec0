// BB-H2: HTTP/2 flow control from outside. The client grants its initial windows and nothing more:
// the server may send that much DATA on the stream (and on the connection) and not a byte beyond.
import { createStalled } from '../../clients/index.ts';
import { errorVerdict, fail, pass, type Evidence } from '../../conformance/verdict.ts';
import type { BlackboxCheck } from '../check.ts';
import { get, held, isVerdict, openH2OrSkip, until } from '../h2-open.ts';
import { sleep } from '../observe.ts';
import { H2_HELD } from './h2-held.ts';
import { H2_RAPID_RESET } from './h2-reset.ts';
import { H2_SIBLING } from './h2-sibling.ts';

/** Our stream window: small, so a large response is held at it quickly. */
const STREAM_WINDOW = 65_535;

export const H2_CHECKS: BlackboxCheck[] = [
  {
    id: 'BB-H2-01',
    group: 'BB-H2',
    level: 'MUST',
    transports: ['h2', 'h2c'],
    text: 'The server never sends more DATA than the stream and connection windows the client granted (RFC 9113 §6.9; H2-01 from outside).',
    method: `Opens an HTTP/2 connection (h2: TLS with ALPN h2; h2c: prior knowledge) with SETTINGS_INITIAL_WINDOW_SIZE ${STREAM_WINDOW}, GETs --path and never sends a WINDOW_UPDATE. Waits until the stream has received its whole window (at most 3 s), then 500 ms more, and counts every DATA byte against what was granted, stream and connection: any byte beyond is a failure (the client's ledger records the excess as it arrives). A target that does not speak HTTP/2 on this transport is skipped with what it said.`,
    async run(ctx) {
      const c = await openH2OrSkip(ctx, createStalled({ after_bytes: 0 }), { settings: { initialWindowSize: STREAM_WINDOW } });
      if (isVerdict(c)) return c;
      try {
        const n = get(c, ctx.target.path);
        await until(ctx, c, () => held(c, n), 3000);
        await sleep(500, ctx.signal);
        const r = c.responses[n];
        const rec = c.record();
        ctx.record({ scenario: 'window-held', timelines: [c.timeline] });
        const w = r?.h2?.window;
        const ev: Evidence = {
          status: r?.status ?? 0, stream_window: w?.granted ?? null, stream_received: w?.received ?? null, stream_excess: w?.excess ?? null,
          connection_granted: rec.connectionWindow.granted, connection_received: rec.connectionWindow.received, connection_excess: rec.connectionWindow.excess,
          violations: rec.violations.length, first_violation: rec.violations[0]?.message ?? null,
        };
        if (r === undefined || w === undefined || r.status === 0) {
          return errorVerdict('no response head on the HTTP/2 stream within 3.5 s', 'check that --path answers over HTTP/2', ev);
        }
        if (r.status !== 200) return errorVerdict(`--path answered ${r.status} over HTTP/2`, 'give a --path that answers 200', ev);
        if (w.excess > 0 || rec.connectionWindow.excess > 0) {
          return fail('no DATA beyond the granted windows', `${w.excess} bytes beyond the stream window, ${rec.connectionWindow.excess} beyond the connection window`, ev);
        }
        if (w.received === 0) return errorVerdict('no DATA arrived on the stream within 3.5 s', 'give a --path with a body', ev);
        return pass(ev, w.received < w.granted ? `the server sent ${w.received} of the ${w.granted} bytes it could` : undefined);
      } finally {
        c.destroy();
      }
    },
  },
  H2_SIBLING,
  H2_HELD,
  H2_RAPID_RESET,
];
