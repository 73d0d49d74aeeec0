// Bursty reading: on/off periods; with a seed the random schedule repeats exactly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H1Connection } from '../../harness/clients/h1-connection.ts';
import { burstSchedule, createBursty } from '../../harness/clients/behaviours/index.ts';
import { eventsOf } from '../../harness/clients/timeline.ts';
import { Cleanup, readRequestHead, sleep, startServer, streamPattern } from './servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

test('a seeded schedule repeats; another seed gives another one', () => {
  const a = burstSchedule({ on_ms: 50, off_ms: 200, distribution: 'exponential', seed: 42 }, 100);
  const b = burstSchedule({ on_ms: 50, off_ms: 200, distribution: 'exponential', seed: 42 }, 100);
  const c = burstSchedule({ on_ms: 50, off_ms: 200, distribution: 'exponential', seed: 43 }, 100);
  assert.equal(a, b);
  assert.not.equal(a, c);
  assert.equal(a.slice(0, 4).map((p) => p.phase), ['on', 'off', 'on', 'off']);
});

test('distributions keep their mean; fixed is fixed; uniform stays within 0..2 x mean', () => {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const exp = burstSchedule({ on_ms: 100, off_ms: 100, distribution: 'exponential', seed: 1 }, 4000).map((p) => p.ms);
  assert.ok(Math.abs(mean(exp) - 100) < 10, `exponential mean ${mean(exp)}`);
  const uni = burstSchedule({ on_ms: 100, off_ms: 100, distribution: 'uniform', seed: 1 }, 4000).map((p) => p.ms);
  assert.ok(Math.abs(mean(uni) - 100) < 10, `uniform mean ${mean(uni)}`);
  assert.ok(uni.every((x) => x >= 1 && x <= 200));
  const fixed = burstSchedule({ on_ms: 30, off_ms: 70, start: 'off' }, 4);
  assert.equal(fixed, [{ phase: 'off', ms: 70 }, { phase: 'on', ms: 30 }, { phase: 'off', ms: 70 }, { phase: 'on', ms: 30 }]);
});

async function burstyConnection(seed: number) {
  const srv = cleanup.add(await startServer(async (s) => {
    await readRequestHead(s);
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 500000000\r\n\r\n');
    streamPattern(s, 500_000_000, { respectBackpressure: true });
  }));
  const behaviour = createBursty({ on_ms: 40, off_ms: 80, distribution: 'uniform', seed });
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port: srv.port, behaviour, readBufferBytes: 64 * 1024 }));
  c.send({ method: 'GET', path: '/' });
  return { c, behaviour };
}

test('live: reads only in on periods; the same seed draws the same periods on two connections', async () => {
  const one = await burstyConnection(7);
  const two = await burstyConnection(7);
  await sleep(800);
  one.c.destroy();
  two.c.destroy();
  const n = Math.min(one.behaviour.periods.length, two.behaviour.periods.length);
  assert.ok(n >= 6, `${n} periods in 800 ms`);
  assert.equal(one.behaviour.periods.slice(0, n), two.behaviour.periods.slice(0, n));
  assert.equal(one.behaviour.periods.slice(0, n), burstSchedule({ on_ms: 40, off_ms: 80, distribution: 'uniform', seed: 7 }, n));

  const tl = one.c.timeline;
  const switches = tl.filter((e) => e.type === 'pause' || e.type === 'resume');
  assert.ok(switches.length >= 4);
  switches.forEach((e, i) => { if (i > 0) assert.is.not(e.type, switches[i - 1]!.type, 'pause and resume alternate'); });
  // onread + readStop: no read between a pause and the next resume.
  let paused = false;
  let readsWhilePaused = 0;
  for (const e of tl) {
    if (e.type === 'pause') paused = true;
    else if (e.type === 'resume') paused = false;
    else if (e.type === 'bytes' && paused) readsWhilePaused++;
  }
  assert.is(readsWhilePaused, 0);
  assert.ok(eventsOf(tl, 'bytes').length > 0);
});

test.run();
