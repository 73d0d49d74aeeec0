// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makePattern, type Journal, type JournalEntry } from '../../protocol/index.ts';
import {
  headersFlagViolation, matchWire, matchWirePrefix, statsViolation, timeoutWindow,
} from '../../harness/conformance/verifiers.ts';

const stats = (current: number, sent: number, hws = true) => ({ current, sent, cancelled: false, headers_were_sent: hws });
function write(i: number, k: number, bytes: number, sent: number | null, t0: number, t1: number, after: [number, number]): JournalEntry {
  return { i, op: 'write', k, bytes, t0, t1, result: sent === null ? null : { cancelled: false, body_bytes_sent: sent }, stats: stats(...after) };
}
function journal(entries: JournalEntry[], samples: Array<[number, number, number]> = []): Journal {
  return {
    id: 'x', v: 1, done: true, transport: { http: '1.1', tls: false }, effective: { send_window: 1000, send_timeout: 1 },
    entries, samples, end: { reason: 'completed', t: 100 },
  };
}

test('matchWire: exact prefixes of every write pass', () => {
  const j = journal([write(0, 0, 100, 40, 0, 1, [40, 40]), write(1, 1, 50, null, 1, 2, [90, 90])]);
  const body = Buffer.concat([makePattern(0, 40), makePattern(1, 50)]);
  const m = matchWire(j, body);
  assert.ok(m.ok, m.problem ?? '');
  assert.is(m.expectedBytes, 90);
});

test('matchWire: a withdrawn tail that still arrives is caught at the right write', () => {
  const j = journal([write(0, 0, 100, 40, 0, 1, [40, 40]), write(1, 1, 50, null, 1, 2, [90, 90])]);
  const body = Buffer.concat([makePattern(0, 41), makePattern(1, 50)]);
  const m = matchWire(j, body);
  assert.not.ok(m.ok);
  assert.is(m.badWrite, 1);
  assert.match(m.problem!, /write k=1/);
});

test('matchWire: missing bytes and extra bytes are both reported', () => {
  const j = journal([write(0, 0, 100, null, 0, 1, [100, 100])]);
  assert.match(matchWire(j, makePattern(0, 99)).problem!, /received 99 B of it/);
  assert.match(matchWire(j, Buffer.concat([makePattern(0, 100), Buffer.from([1])])).problem!, /1 B more/);
});

test('matchWirePrefix: a body that stops short is fine if every byte is right; a wrong byte or an excess is not', () => {
  const j = journal([write(0, 0, 100, 40, 0, 1, [40, 40]), write(1, 1, 50, null, 1, 2, [90, 90])]);
  assert.ok(matchWirePrefix(j, Buffer.concat([makePattern(0, 40), makePattern(1, 10)])).ok);
  assert.ok(matchWirePrefix(j, makePattern(0, 25)).ok);
  const bad = Buffer.concat([makePattern(0, 40), makePattern(1, 10)]);
  bad[45] ^= 0xff;
  assert.match(matchWirePrefix(j, bad).problem!, /byte 5 of write k=1 \(stream offset 45\)/);
  assert.match(matchWirePrefix(j, makePattern(0, 41)).problem!, /write k=1/, 'a withdrawn tail byte is wrong where the next write begins');
  assert.match(matchWirePrefix(j, Buffer.concat([makePattern(0, 40), makePattern(1, 51)])).problem!, /1 B more/);
});

test('statsViolation: current reduced at a partial return is fine, not reducing it is not', () => {
  const good = journal([write(0, 0, 100, 40, 0, 10, [40, 40])], [[0, 0, 0], [5, 100, 40], [11, 40, 40]]);
  assert.is(statsViolation(good), null);
  const bad = journal([write(0, 0, 100, 40, 0, 10, [100, 40])], [[0, 0, 0], [5, 100, 40], [11, 100, 40]]);
  assert.match(statsViolation(bad)!, /current 100, expected 40/);
});

test('statsViolation: sent going down or above current is reported', () => {
  const during = [write(0, 0, 10, null, 0, 5, [10, 10])];
  assert.match(statsViolation(journal(during, [[1, 10, 5], [2, 10, 4]]))!, /sent went down from 5 to 4/);
  assert.match(statsViolation(journal([], [[0, 0, 5]]))!, /sent 5 > current 0/);
});

test('headersFlagViolation: true then false is a violation', () => {
  const e = (i: number, hws: boolean): JournalEntry => ({ i, op: 'stats', t0: i, t1: i, stats: stats(0, 0, hws) });
  assert.is(headersFlagViolation(journal([e(0, false), e(1, true), e(2, true)])), null);
  assert.match(headersFlagViolation(journal([e(0, true), e(1, false)]))!, /false again after entry 1/);
});

test('timeoutWindow: TMO-01 bound is t .. t + max(50 ms, 10%)', () => {
  assert.is(timeoutWindow(0.3).max, 350);
  assert.is(timeoutWindow(1).max, 1100);
  assert.ok(timeoutWindow(1).min < 1000 && timeoutWindow(1).min > 999);
});

test.run();
