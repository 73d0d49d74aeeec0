// Probe limits the server enforces on itself: a run that exceeds max_run_seconds is cancelled,
// journals why, and its response really ends (the connection of a stalled client is closed and no
// request is left active), instead of hanging on until the client goes.
//
// @test weight 21
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { request } from 'undici';
import { startServer, type RunningServer } from '../../server-under-test/server.ts';

let s: RunningServer;
let base: string;
test.before(async () => {
  s = await startServer({
    listen: [{ host: '127.0.0.1', port: 0 }], linger_timeout: 1, shutdown_grace: 1,
    probe: { prefix: '/__probe', limits: { max_run_seconds: 1 } },
  });
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

test.run();
