// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  firstMismatch, makePattern, patternByte, parseScript, scriptCost, sentWrites, formatPath,
} from '../protocol/index.ts';

test('pattern: byte j of write k is (j + 37k) mod 251', () => {
  for (const k of [0, 1, 7, 250, 251, 1000]) {
    const b = makePattern(k, 70_000);
    for (const j of [0, 1, 250, 251, 65_535, 65_536, 69_999]) assert.is(b[j], (j + 37 * k) % 251);
  }
  assert.is(patternByte(3, 10), (10 + 111) % 251);
});

test('pattern: offsets continue the same write', () => {
  const whole = makePattern(5, 200_000);
  const tail = makePattern(5, 100_000, 100_000);
  assert.ok(whole.subarray(100_000).equals(tail));
});

test('pattern: firstMismatch finds the first wrong byte, or -1', () => {
  const b = makePattern(2, 150_000);
  assert.is(firstMismatch(2, 0, b), -1);
  assert.is(firstMismatch(2, 1000, b.subarray(1000)), -1);
  b[123_456] ^= 1;
  assert.is(firstMismatch(2, 0, b), 123_456);
  assert.is(firstMismatch(3, 0, makePattern(2, 10)), 0);
});

test('script: the example of the protocol document is valid, its cost counted', () => {
  const r = parseScript({
    v: 1, io: { send_window: 65536, send_timeout: 2.0 }, sample_stats_ms: 10,
    ops: [
      { op: 'write_header', status: 200, headers: { 'content-type': 'application/octet-stream' }, timeout: 1.0 },
      { op: 'write', bytes: 65536, timeout: 0.5 },
      { op: 'repeat', times: 100, until: 'cancelled', ops: [{ op: 'write', bytes: 16384, timeout: 0.2 }] },
      { op: 'wait', pos: 0, timeout: 2.0 }, { op: 'stats' }, { op: 'sleep', seconds: 0.1 },
      { op: 'set', send_window: 4096, send_timeout: 0.5 }, { op: 'helpers_on_nil' }, { op: 'close' },
    ],
  });
  assert.ok(r.ok);
  if (r.ok) assert.equal(scriptCost(r.value.ops), { ops: 108, bytes: 65536 + 100 * 16384, window: 4096 });
});

test('script: every problem is reported with its path', () => {
  const r = parseScript({
    v: 1,
    ops: [
      { op: 'write', bytes: 1 },
      { op: 'repeat', times: 2, ops: [{ op: 'wait', pos: 1, timeout: -1 }] },
      { op: 'bogus' },
      { op: 'write', bytes: 1, extra: 2 },
    ],
  });
  assert.not.ok(r.ok);
  if (!r.ok) {
    const paths = r.problems.map((p) => p.path);
    assert.equal(paths, ['ops[1].ops[0].timeout', 'ops[2].op', 'ops[3]']);
  }
  assert.not.ok(parseScript({ v: 2, ops: [{ op: 'close' }] }).ok);
  assert.not.ok(parseScript('nope').ok);
  assert.is(formatPath(['ops', 3, 'timeout']), 'ops[3].timeout');
});

test('journal: sentWrites takes body_bytes_sent of partial writes and all of nil ones', () => {
  const w = sentWrites({
    entries: [
      { i: 0, op: 'write', k: 0, bytes: 10, t0: 0, t1: 1, result: null },
      { i: 1, op: 'stats', t0: 1, t1: 1 },
      { i: 2, op: 'write', k: 1, bytes: 10, t0: 1, t1: 2, result: { cancelled: false, body_bytes_sent: 4 } },
    ],
  });
  assert.equal(w, [{ k: 0, bytes: 10, sent: 10 }, { k: 1, bytes: 10, sent: 4 }]);
});

test.run();
