// Issue 15, items 7 and 20: the probe (on by default in `dawdle serve`) must not allocate what a
// script asks for. send_window is bounded by max_send_window (413 at PUT, shown in info), a write
// is generated piece by piece as the window takes it, stored scripts and journals are bounded in
// bytes (max_store_bytes), and a script nested too deep is a 400, not a 500 with a stack trace.
// @test weight 20
// @test alone
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import http from 'node:http';
import { MB, fds, info, rss, startTarget, until, type Target } from './lib.ts';

let t: Target;
test.before(async () => { t = await startTarget({ probe: { limits: { max_store_bytes: 4 * MB } } }); });
test.after(async () => t.stop());

function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port: t.port, method, path, agent: false, timeout: 10_000 }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (d: string) => { b += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(data);
  });
}

test('info shows the new limits', async () => {
  const i = await info(t.port);
  assert.is(i.limits.max_send_window, 16 * MB);
  assert.is(i.limits.max_store_bytes, 4 * MB);
});

test('send_window above max_send_window: 413 ERR_LIMIT_WINDOW (io and set alike)', async () => {
  const a = await request('PUT', '/__probe/scripts/w1', { v: 1, io: { send_window: 1e15 }, ops: [{ op: 'write', bytes: 1 }] });
  assert.is(a.status, 413);
  assert.match(a.body, /ERR_LIMIT_WINDOW/);
  const b = await request('PUT', '/__probe/scripts/w2', { v: 1, ops: [{ op: 'repeat', times: 2, ops: [{ op: 'set', send_window: 2 ** 40 }] }] });
  assert.is(b.status, 413);
});

test('repeat nested 1000 deep: 400 ERR_SCRIPT_INVALID naming the depth, not 500', async () => {
  let ops: unknown = [{ op: 'stats' }];
  for (let i = 0; i < 1000; i++) ops = [{ op: 'repeat', times: 1, ops }];
  const r = await request('PUT', '/__probe/scripts/deep', { v: 1, ops });
  assert.is(r.status, 400);
  assert.match(r.body, /ERR_SCRIPT_INVALID/);
  assert.match(r.body, /nested more than 32 deep/);
});

test('three 1 GiB writes at the largest window to clients that never read: RSS bounded, released after', async () => {
  const base = rss(t.pid);
  const baseFds = fds(t.pid);
  const socks: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const put = await request('PUT', `/__probe/scripts/big${i}`, {
      v: 1, io: { send_window: 16 * MB }, ops: [{ op: 'write_header', status: 200 }, { op: 'write', bytes: 2 ** 30, timeout: 3 }],
    });
    assert.is(put.status, 201, put.body);
    const s = net.connect({ port: t.port, host: '127.0.0.1' });
    s.on('error', () => {});
    s.pause(); // never reads
    s.write(`GET /__probe/run/big${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
    socks.push(s);
  }
  let peak = 0;
  const end = performance.now() + 3500;
  while (performance.now() < end) {
    peak = Math.max(peak, rss(t.pid) - base);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Each run holds at most its window (16 MiB, all in its ring); before the fix each allocated 2 GiB.
  assert.ok(peak < 150 * MB, `peak RSS growth ${Math.round(peak / MB)} MB`);
  for (const s of socks) s.destroy();
  await until(async () => (await info(t.port)).active_requests === 0, 'active_requests back to 0', 10_000);
  await until(() => fds(t.pid) <= baseFds + 2, 'descriptors back', 10_000);
  console.log(`  3 x 1 GiB writes, window 16 MiB: peak RSS +${Math.round(peak / MB)} MB, after +${Math.round((rss(t.pid) - base) / MB)} MB`);
});

test('journals are bounded in bytes in total: the oldest finished ones make room (max_store_bytes)', async () => {
  // Each run journals 5,000 ops (~1 MB as objects); ten of them do not fit in 4 MB.
  for (let i = 0; i < 10; i++) {
    const put = await request('PUT', `/__probe/scripts/j${i}`, { v: 1, ops: [{ op: 'write_header', status: 200 }, { op: 'repeat', times: 5000, ops: [{ op: 'stats' }] }, { op: 'close' }] });
    assert.is(put.status, 201, put.body);
    const run = await request('GET', `/__probe/run/j${i}`);
    assert.is(run.status, 200);
  }
  const last = await request('GET', '/__probe/journal/j9');
  assert.is(last.status, 200);
  assert.is(JSON.parse(last.body).entries.length, 5002);
  const first = await request('GET', '/__probe/journal/j0');
  assert.is(first.status, 404, 'the oldest journal was dropped');
});

test.run();
