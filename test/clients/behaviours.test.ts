// The registry and the behaviours' decisions, driven by a fake control (no sockets, no timers run).
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { behaviourNames, createBehaviour } from '../../harness/clients/behaviours/index.ts';
import { ClientError } from '../../harness/clients/errors.ts';
import type { ReadBehaviour, ReadControl } from '../../harness/clients/read-behaviour.ts';

function fakeControl() {
  const calls: string[] = [];
  let received = 0;
  let paused = false;
  const ctl: ReadControl = {
    pause: () => { paused = true; calls.push('pause'); },
    resume: () => { paused = false; calls.push('resume'); },
    close: () => calls.push('close'),
    halfClose: () => calls.push('halfClose'),
    reset: () => calls.push('reset'),
    now: () => 0,
    bytesReceived: () => received,
    paused: () => paused,
  };
  const read = (b: ReadBehaviour, n: number) => { received += n; b.onBytes(n); };
  return { ctl, calls, read };
}

test('registry: names, fresh instances, typed errors', () => {
  assert.equal(behaviourNames(), ['reading', 'stalled', 'throttled', 'bursty', 'cancelling']);
  assert.is.not(createBehaviour('stalled'), createBehaviour('stalled'));
  const unknown = (() => { try { createBehaviour('sleepy'); } catch (e) { return e; } })();
  assert.ok(unknown instanceof ClientError && unknown.code === 'ERR_UNKNOWN_BEHAVIOUR');
  const bad = (() => { try { createBehaviour('throttled', { bytes_per_second: 'fast' }); } catch (e) { return e; } })();
  assert.ok(bad instanceof ClientError && bad.code === 'ERR_BEHAVIOUR_PARAMS');
  assert.match((bad as Error).message, /bytes_per_second: expected a positive number/);
});

test('stalled after_bytes: reads are cut to what is left, then it pauses', () => {
  const b = createBehaviour('stalled', { after_bytes: 1000 });
  const { ctl, calls, read } = fakeControl();
  b.attach(ctl);
  assert.equal(calls, []);
  assert.is(b.nextReadLimit!(), 1000);
  read(b, 600);
  assert.is(b.nextReadLimit!(), 400);
  read(b, 400);
  assert.equal(calls, ['pause']);
});

test('cancelling: fires once, by bytes, with the mode asked', () => {
  for (const [mode, call] of [['fin', 'close'], ['rst', 'reset'], ['half-close', 'halfClose']] as const) {
    const b = createBehaviour('cancelling', { mode, after_bytes: 100 });
    const { ctl, calls, read } = fakeControl();
    b.attach(ctl);
    read(b, 60);
    assert.is(b.nextReadLimit!(), 40);
    read(b, 40);
    read(b, 10);
    assert.equal(calls, ['resume', call]);
    b.detach();
  }
});

test('throttled: pauses when the next chunk is not affordable, keeps the read size', () => {
  const b = createBehaviour('throttled', { bytes_per_second: 1000, chunk_bytes: 100, burst_bytes: 300 });
  const { ctl, calls, read } = fakeControl();
  b.attach(ctl);
  assert.is(b.readChunkBytes, 100);
  read(b, 100);
  read(b, 100);
  assert.equal(calls, ['resume']);
  read(b, 100);
  assert.equal(calls, ['resume', 'pause']);
  b.detach(); // clears the wake-up timer, so this test ends at once
});

test.run();
