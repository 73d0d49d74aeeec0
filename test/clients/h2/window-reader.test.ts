// The HTTP/1.1 reading behaviours, unchanged, over an HTTP/2 window: consumption (what becomes
// WINDOW_UPDATE grants) follows each behaviour; and the window ledger behind H2-01.
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createBehaviour, createBursty, createCancelling, createReading, createStalled, createThrottled,
} from '../../../harness/clients/behaviours/index.ts';
import type { ReadBehaviour } from '../../../harness/clients/read-behaviour.ts';
import { InboundWindow } from '../../../harness/clients/h2/flow.ts';
import { WindowReader } from '../../../harness/clients/h2/window-reader.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function reader(b: ReadBehaviour) {
  const log: string[] = [];
  let consumed = 0;
  // Like a stream: closing or resetting ends it, so its reader stops.
  const r: WindowReader = new WindowReader({
    consumed: (n) => { consumed += n; },
    paused: (by) => log.push(`pause ${by}`),
    resumed: (by) => log.push(`resume ${by}`),
    close: () => { log.push('close'); r.finish(); },
    halfClose: () => log.push('half-close'),
    reset: () => { log.push('reset'); r.finish(); },
  }, b);
  return { r, log, consumed: () => consumed };
}

test('reading consumes what arrives at once; readChunkBytes splits it', async () => {
  const x = reader(createReading());
  x.r.offer(100_000);
  assert.is(x.consumed(), 100_000);
  const y = reader(createReading({ chunk_bytes: 1000 }));
  y.r.offer(2500);
  assert.is(y.consumed(), 2500);
  assert.is(y.r.unconsumed, 0);
});

test('stalled never consumes; stalled after_bytes consumes exactly that many', async () => {
  const x = reader(createStalled());
  x.r.offer(65_535);
  await sleep(20);
  assert.is(x.consumed(), 0);
  assert.is(x.r.unconsumed, 65_535);
  assert.equal(x.log, ['pause stalled']);
  const y = reader(createStalled({ after_bytes: 30_000 }));
  for (let i = 0; i < 8; i++) y.r.offer(16_384);
  await sleep(20);
  assert.is(y.consumed(), 30_000);
  assert.ok(y.r.paused);
});

test('setBehaviour: stalled, then reading consumes what waited', async () => {
  const x = reader(createStalled());
  x.r.offer(50_000);
  x.r.setBehaviour(createReading());
  await sleep(0);
  assert.is(x.consumed(), 50_000);
  assert.equal(x.log, ['pause stalled', 'resume reading']);
});

test('throttled consumes at its rate (generous bounds)', async () => {
  const start = Date.now();
  const x = reader(createThrottled({ bytes_per_second: 200_000, chunk_bytes: 4000 }));
  x.r.offer(80_000); // 0.4 s worth
  assert.ok(x.consumed() <= 8000, `a burst at most at first (${x.consumed()})`);
  await sleep(100);
  // Never ahead of the rate (plus the burst and the 50 ms of lateness it may credit per wake-up).
  const bound = (ms: number) => 200 * (ms + 50) + 8000;
  assert.ok(x.consumed() <= bound(Date.now() - start), `no faster than the rate (${x.consumed()})`);
  const t0 = Date.now();
  while (x.consumed() < 80_000 && Date.now() - t0 < 10_000) await sleep(20);
  assert.is(x.consumed(), 80_000);
  assert.ok(x.log.includes('pause throttled') && x.log.includes('resume throttled'));
});

test('bursty alternates pause and resume on its schedule', async () => {
  const x = reader(createBursty({ on_ms: 20, off_ms: 20 }));
  x.r.offer(1000);
  const t0 = Date.now();
  while (x.log.filter((l) => l.startsWith('pause')).length < 2 && Date.now() - t0 < 5000) await sleep(10);
  assert.ok(x.log.filter((l) => l.startsWith('pause')).length >= 2, x.log.join(', '));
  assert.ok(x.log.includes('resume bursty'));
  x.r.finish();
});

test('cancelling after_bytes: consumes exactly that many, then resets (or closes) its host', async () => {
  const x = reader(createCancelling({ mode: 'rst', after_bytes: 40_000 }));
  for (let i = 0; i < 4; i++) x.r.offer(16_384);
  await sleep(0);
  assert.is(x.consumed(), 40_000);
  assert.equal(x.log, ['reset']);
  const y = reader(createBehaviour('cancelling', { mode: 'fin', after_ms: 10 }));
  await sleep(60);
  assert.equal(y.log, ['close']);
  y.r.finish();
});

test('finish: nothing more is taken; discard returns what waited', () => {
  const x = reader(createStalled());
  x.r.offer(1234);
  assert.is(x.r.discard(), 1234);
  x.r.finish();
  assert.is(x.r.offer(10), false);
});

test('InboundWindow: allowance, excess beyond it (H2-01), grants due at a threshold', () => {
  const w = new InboundWindow(65_535);
  assert.is(w.receive(60_000), 0);
  assert.is(w.receive(10_000), 4465, 'beyond the window');
  assert.is(w.excess, 4465);
  assert.is(w.available, -4465);
  w.consume(5000);
  assert.is(w.due(10_000), 0, 'below the threshold');
  w.consume(5000);
  assert.is(w.due(10_000), 10_000);
  w.sent(10_000, 10_000);
  assert.is(w.granted, 75_535);
  assert.is(w.pending, 0);
  assert.is(w.headroom, 2 ** 31 - 1 - 5535);
});

test.run();
