// A reading stream keeps up with a fast local node:http2 server. Correctness is asserted (every
// byte, in order, the probe pattern, no violation); the rate is printed, and only a very
// generous floor is checked (the machine is small and shared).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H2Connection, type H2ConnectionOptions } from '../../../harness/clients/h2/connection.ts';
import { eventsOfType } from '../../../harness/clients/h2/timeline.ts';
import { Cleanup, PATTERN_BLOCK } from '../servers.ts';
import { patternChecker, sendPattern, startH2 } from './h2-servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

const MB = 1 << 20;
const FLOOR_MB_S = 2;

async function readAll(label: string, total: number, opts: { tls: boolean; streams?: number; client?: Partial<H2ConnectionOptions> }) {
  const srv = cleanup.add(await startH2((stream) => sendPattern(stream, total), { tls: opts.tls }));
  const check = patternChecker();
  const c = cleanup.add(await H2Connection.open({
    host: '127.0.0.1', port: srv.port, tls: opts.tls, storeBodyCap: 0, onBody: check.onBody, ...opts.client,
  }));
  const n = opts.streams ?? 1;
  const t0 = performance.now();
  const streams = Array.from({ length: n }, (_, i) => c.request({ method: 'GET', path: `/${i}` }));
  await Promise.all(streams.map((s) => s.waitForEnd(120_000)));
  const s = (performance.now() - t0) / 1000;
  const bytes = total * n;
  const rate = bytes / MB / s;
  const grants = eventsOfType(c.timeline, 'window-update').filter((e) => e.direction === 'sent').length;
  console.log(`  ${label}: ${(bytes / MB).toFixed(0)} MiB in ${s.toFixed(2)} s = ${rate.toFixed(0)} MiB/s (${grants} connection WINDOW_UPDATEs)`);
  for (const st of streams) {
    assert.is(st.completion, 'complete');
    assert.is(st.bodyBytes, total);
  }
  assert.is(check.mismatch(), -1, 'pattern intact');
  assert.equal(c.violations, []);
  assert.ok(rate > FLOOR_MB_S, `at least ${FLOOR_MB_S} MiB/s (${rate.toFixed(1)})`);
}

const BIG = PATTERN_BLOCK.length * 256; // ~63 MiB, whole pattern blocks

test('h2c, default 64 KiB windows, grants as consumed: ~63 MiB intact', () => readAll('h2c default windows', BIG, { tls: false }));
test('h2c, 1 MiB stream windows, 16 MiB connection window: ~63 MiB intact', () =>
  readAll('h2c large windows', BIG, { tls: false, client: { settings: { initialWindowSize: MB }, connectionWindow: 16 * MB } }));
test('h2c, 4 streams at once sharing the connection: 4 x ~16 MiB intact', () =>
  readAll('h2c 4 streams', BIG / 4, { tls: false, streams: 4, client: { settings: { initialWindowSize: MB }, connectionWindow: 16 * MB } }));
test('TLS, 1 MiB stream windows: ~16 MiB intact', () =>
  readAll('tls', BIG / 4, { tls: true, client: { settings: { initialWindowSize: MB }, connectionWindow: 16 * MB } }));

test.run();
