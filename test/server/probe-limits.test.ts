// Probe limits the server enforces on itself: a run that exceeds max_run_seconds is cancelled,
// journals why, and its response really ends when the limit passes, whatever op is running (a
// stalled client's HTTP/1.1 connection is closed, an HTTP/2 stream is reset, and no request is left
// active), instead of hanging on until the op or the client goes.
//
// @test weight 21
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { request } from 'undici';
import { startServer, type RunningServer } from '../../server-under-test/server.ts';
import { ErrorCode, FrameType, RawH2 } from './raw-h2.ts';

let s: RunningServer;
let base: string;
test.before(async () => {
  s = await startServer({
    listen: [{ host: '127.0.0.1', port: 0 }], linger_timeout: 1, shutdown_grace: 1,
    probe: { prefix: '/__probe', limits: { max_run_seconds: 2 } },
  }, { onHandlerError: () => {} }); // every run here ends in error on purpose
  base = s.addresses[0]!.url;
});
test.after(async () => {
  await s.close();
});

test('a run past max_run_seconds is cancelled, journalled, and its connection closed', async () => {
  const script = { v: 1, ops: [{ op: 'write_header', status: 200 }, { op: 'repeat', times: 100, ops: [{ op: 'write', bytes: 1 << 20, timeout: 60 }] }] };
  const put = await request(`${base}/__probe/scripts/long1`, { method: 'PUT', body: JSON.stringify(script) });
  assert.is(put.statusCode, 201);
  await put.body.dump();

  // A client that sends the request and never reads: the first write blocks on a full path.
  const { port } = new URL(base);
  const sock = connect(Number(port), '127.0.0.1');
  sock.pause(); // reads nothing until told
  const t0 = performance.now();
  const closed = new Promise<number>((resolve) => sock.on('close', () => resolve(performance.now() - t0)));
  sock.on('data', () => {});
  sock.on('error', () => {});
  sock.write('GET /__probe/run/long1 HTTP/1.1\r\nhost: x\r\n\r\n');

  const j = (await (await request(`${base}/__probe/journal/long1?wait=20`)).body.json()) as { done: boolean; end: { reason: string; error?: string } };
  assert.ok(j.done);
  assert.is(j.end.reason, 'error');
  assert.match(j.end.error!, /max_run_seconds/);

  // The server ends the aborted response and closes the connection (linger_timeout, 1 s). The
  // client sees the FIN once it reads what its kernel buffered; without the end it never would.
  await new Promise((r) => setTimeout(r, 1500));
  sock.resume();
  const ms = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 20_000).unref())]);
  assert.ok(ms > 0, 'connection still open 20 s after the run was cancelled');
  const info = (await (await request(`${base}/__probe/info`)).body.json()) as { active_requests: number };
  assert.is(info.active_requests, 0);
  sock.destroy();
});

type EndedJournal = { done: boolean; end: { reason: string; t: number; error?: string }; entries: Array<{ op: string; t1: number }> };

async function put(id: string, ops: unknown[]): Promise<void> {
  const r = await request(`${base}/__probe/scripts/${id}`, { method: 'PUT', body: JSON.stringify({ v: 1, ops }) });
  assert.is(r.statusCode, 201);
  await r.body.dump();
}
async function journalOf(id: string): Promise<EndedJournal> {
  return (await (await request(`${base}/__probe/journal/${id}?wait=30`)).body.json()) as EndedJournal;
}
async function activeRequests(): Promise<number> {
  return ((await (await request(`${base}/__probe/info`)).body.json()) as { active_requests: number }).active_requests;
}
async function until(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

// max_run_seconds is 2; the sleep is 12. Bounds: 8 s, well short of 12 and well past 2.
const SLEEPY = [{ op: 'write_header', status: 200 }, { op: 'write', bytes: 10 }, { op: 'sleep', seconds: 12 }, { op: 'close' }];

test('HTTP/1.1: a sleep op ends at max_run_seconds, and the response is aborted: the connection closes', async () => {
  await put('sleepy1', SLEEPY);
  const { port } = new URL(base);
  const sock = connect(Number(port), '127.0.0.1');
  sock.on('data', () => {});
  sock.on('error', () => {});
  const t0 = performance.now();
  const closed = new Promise<number>((resolve) => sock.on('close', () => resolve(performance.now() - t0)));
  sock.write('GET /__probe/run/sleepy1 HTTP/1.1\r\nhost: x\r\n\r\n');
  const ms = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 8000).unref())]);
  assert.ok(ms > 0, 'connection still open 8 s after the request (max_run_seconds 2)');
  const j = await journalOf('sleepy1');
  assert.is(j.end.reason, 'error');
  assert.match(j.end.error!, /max_run_seconds/);
  assert.ok(j.end.t < 8000, `run ended at ${j.end.t} ms`);
  const sleep = j.entries.find((e) => e.op === 'sleep');
  assert.ok(sleep && sleep.t1 < 8000, `the sleep ended at ${sleep?.t1} ms`);
  assert.ok(await until(async () => (await activeRequests()) === 0, 5000), 'active_requests back to 0');
  sock.destroy();
});

test('HTTP/2 (h2c): at max_run_seconds the stream is reset; the connection and its other streams go on', async () => {
  await put('sleepy2', SLEEPY);
  const c = await RawH2.open(Number(new URL(base).port));
  const t0 = performance.now();
  c.send(c.headers(1, c.request('/__probe/run/sleepy2'), true));
  const code = await c.reset(1, 8000);
  assert.ok(performance.now() - t0 < 8000);
  assert.is(code, ErrorCode.INTERNAL_ERROR);
  assert.not.ok(c.frames.some((f) => f.stream === 1 && f.type === FrameType.DATA && (f.flags & 1)), 'never END_STREAM');
  c.send(c.headers(3, c.request('/__probe/info'), true));
  assert.is((await c.response(3)).status, '200');
  assert.is(c.goaway, undefined);
  assert.ok(await until(async () => (await activeRequests()) === 0, 5000), 'active_requests back to 0');
  c.close();
});

test('a run that put nothing on the response yet gets its 500 at max_run_seconds, not after its sleep', async () => {
  await put('sleepy3', [{ op: 'sleep', seconds: 12 }]);
  const t0 = performance.now();
  const r = await request(`${base}/__probe/run/sleepy3`, { headersTimeout: 20_000 });
  assert.is(r.statusCode, 500);
  await r.body.dump();
  assert.ok(performance.now() - t0 < 8000, `500 after ${performance.now() - t0} ms`);
});

test.run();
