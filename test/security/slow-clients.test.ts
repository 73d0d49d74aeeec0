// Issue 15, items 4, 5 and 22 (idle h2c): connections that send too little must not hold the
// server's descriptors or slots. Short timeouts (header_timeout 1 s, idle_timeout 3 s) keep it fast.
// @test weight 15
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import tls from 'node:tls';
import { ErrorCode, FrameType } from '../../harness/clients/h2/index.ts';
import { FloodClient } from './h2raw.ts';
import { canary, closedWithin, fds, rawConnect, startTarget, until, type Target } from './lib.ts';

let t: Target;
let baseFds = 0;

test.before(async () => {
  t = await startTarget({ header_timeout: 1, idle_timeout: 3 });
  await canary(t.port);
  await new Promise((r) => setTimeout(r, 200));
  baseFds = fds(t.pid);
});
test.after(async () => t.stop());

test('TLS port: connects that FIN before the handshake, or send nothing, are closed within header_timeout (no descriptor kept)', async () => {
  const socks = [];
  for (let i = 0; i < 100; i++) {
    const s = await rawConnect(t.tlsPort);
    if (i % 2 === 0) s.end(); // half-close before any handshake
    socks.push(s);
  }
  await until(() => fds(t.pid) >= baseFds + 50, 'the server holds the connections at first', 5000, 20);
  const gone = await Promise.all(socks.map((s) => closedWithin(s, 5000)));
  assert.ok(gone.every((ms) => ms >= 0), `${gone.filter((ms) => ms < 0).length} of 100 still open after 5 s`);
  await until(() => fds(t.pid) <= baseFds + 2, `descriptors back near ${baseFds} (now ${fds(t.pid)})`, 5000);
  for (const s of socks) s.destroy();
  // The TLS port still serves.
  const c = tls.connect({ port: t.tlsPort, host: '127.0.0.1', rejectUnauthorized: false });
  await new Promise((r, j) => { c.once('secureConnect', r); c.once('error', j); });
  c.destroy();
});

test('plain port: a connect that sends nothing is closed after idle_timeout; one that FINs at once', async () => {
  const s = await rawConnect(t.port);
  const ms = await closedWithin(s, 6000);
  assert.ok(ms >= 0 && ms < 4500, `closed after ${Math.round(ms)} ms`);
  s.destroy();
  const f = await rawConnect(t.port);
  f.end();
  const fin = await closedWithin(f, 2000);
  assert.ok(fin >= 0 && fin < 1000, `half-closed one closed after ${Math.round(fin)} ms`);
  f.destroy();
});

test('slowloris: header_timeout is a deadline for the whole head, not restarted by each byte (408)', async () => {
  const s = await rawConnect(t.port);
  const head = 'GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ';
  let i = 0;
  const t0 = performance.now();
  const drip = setInterval(() => { if (!s.destroyed) s.write(head[i++ % head.length]!); }, 200);
  const ms = await closedWithin(s, 6000);
  clearInterval(drip);
  assert.ok(ms >= 0, 'connection closed');
  assert.ok(performance.now() - t0 < 3000, `took ${Math.round(performance.now() - t0)} ms with a byte every 200 ms`);
  assert.match(s.text(), /^HTTP\/1\.1 408 /);
  s.destroy();
});

test('HTTP/2: HEADERS without END_STREAM and no body: 408 after idle_timeout, the connection serves on', async () => {
  const c = await FloodClient.open(t.port);
  await c.write(c.headersFrames(1, c.request('/hello', [['content-length', '10']]), false));
  // PINGs keep the connection busy; the stalled request times out all the same.
  const ping = setInterval(() => void c.write(Buffer.from([0, 0, 8, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), 300);
  await until(() => c.headers.has(1) && c.resets.has(1), 'a response (408) on stream 1, then RST_STREAM', 8000);
  clearInterval(ping);
  assert.is(c.goaways.length, 0);
  // The status (literal, static name :status) is 408; RST_STREAM(NO_ERROR) comes after the response, not before.
  assert.ok(c.heads.get(1)!.includes(Buffer.from('408')), 'status 408');
  assert.is(c.resets.get(1), ErrorCode.NO_ERROR);
  assert.ok(c.order.indexOf(`${FrameType.HEADERS}:1`) < c.order.indexOf(`${FrameType.RST_STREAM}:1`), `order: ${c.order.join(' ')}`);
  await c.write(c.headersFrames(3, c.request('/hello'), true));
  await until(() => c.headers.has(3), 'stream 3 answered', 3000);
  c.close();
});

test('idle h2c closes at idle_timeout (GOAWAY NO_ERROR), not at header_timeout', async () => {
  const c = await FloodClient.open(t.port);
  await new Promise((r) => setTimeout(r, 1800)); // past header_timeout (1 s)
  assert.is(c.goaways.length, 0, 'no GOAWAY at header_timeout');
  assert.is(await c.waitGoaway(4000), ErrorCode.NO_ERROR);
  c.close();
});

test('max_connections is enforced: past it new connections are closed at once, and served again after', async () => {
  const t2 = await startTarget({ max_connections: 5 });
  try {
    const held = [];
    for (let i = 0; i < 5; i++) held.push(await rawConnect(t2.port));
    const extra = await rawConnect(t2.port);
    assert.ok((await closedWithin(extra, 2000)) >= 0, 'the 6th connection is closed');
    for (const s of held) s.destroy();
    await until(async () => { try { await canary(t2.port); return true; } catch { return false; } }, 'served again once they are gone', 5000);
  } finally {
    await t2.stop();
  }
});

test('max_connections_per_ip: past it new connections from that address are closed at once', async () => {
  const t2 = await startTarget({ max_connections_per_ip: 5 });
  try {
    const held = [];
    for (let i = 0; i < 5; i++) held.push(await rawConnect(t2.port));
    const extra = await rawConnect(t2.port);
    assert.ok((await closedWithin(extra, 2000)) >= 0, 'the 6th connection is closed');
    for (const s of held) s.destroy();
    await until(async () => { try { await canary(t2.port); return true; } catch { return false; } }, 'served again once they are gone', 5000);
  } finally {
    await t2.stop();
  }
});

test.run();
