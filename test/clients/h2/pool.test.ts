// The per-host pool (seed 002): one connection until every one is at its server's
// SETTINGS_MAX_CONCURRENT_STREAMS, then another; at most N, then requests wait in order; a
// connection that goes away is replaced.
import type http2 from 'node:http2';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createStalled } from '../../../harness/clients/behaviours/index.ts';
import { H2Pool } from '../../../harness/clients/h2/pool.ts';
import { ClientError } from '../../../harness/clients/errors.ts';
import { Cleanup, sleep } from '../servers.ts';
import { startH2 } from './h2-servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

/** A server that holds each response until release() and allows `max` streams per connection. */
async function holdingServer(max: number, opts: { tls?: boolean } = {}) {
  const held: http2.ServerHttp2Stream[] = [];
  const srv = cleanup.add(await startH2((stream) => { held.push(stream); }, { settings: { maxConcurrentStreams: max }, ...opts }));
  const release = (n = held.length) => {
    for (const s of held.splice(0, n)) {
      if (s.destroyed) continue;
      s.respond({ ':status': 200 });
      s.end('ok');
    }
  };
  const waitHeld = async (n: number) => {
    const t0 = Date.now();
    while (held.length < n && Date.now() - t0 < 10_000) await sleep(10);
    assert.is(held.length, n, `server holds ${n} streams`);
  };
  return { srv, held, release, waitHeld };
}

for (const tls of [false, true]) {
  test(`${tls ? 'TLS' : 'h2c'}: a new connection opens only when every existing one is at max concurrent streams (2)`, async () => {
    const { srv, release, waitHeld } = await holdingServer(2, { tls });
    const pool = cleanup.add(new H2Pool({ host: '127.0.0.1', port: srv.port, tls }));
    const first = await pool.request({ method: 'GET', path: '/1' });
    assert.is(pool.connections.length, 1);
    assert.is(pool.connections[0]!.peerSettings.maxConcurrentStreams, 2);
    const second = await pool.request({ method: 'GET', path: '/2' });
    assert.is(pool.connections.length, 1, 'the first connection still had room');
    const rest = await Promise.all([3, 4, 5].map((i) => pool.request({ method: 'GET', path: `/${i}` })));
    assert.is(pool.connections.length, 3, '2 + 2 + 1 streams');
    assert.equal(pool.connections.map((c) => c.activeStreams), [2, 2, 1]);
    assert.equal(pool.events.filter((e) => e.type === 'open').map((e) => e.type === 'open' && e.busy), [[], [2], [2, 2]]);
    await waitHeld(5);
    assert.is(srv.sessions.length, 3);
    release();
    const all = [first, second, ...rest];
    await Promise.all(all.map((s) => s.waitForEnd(10_000)));
    assert.ok(all.every((s) => s.completion === 'complete' && s.body.toString() === 'ok'));
    assert.ok(pool.connections.every((c) => c.violations.length === 0));
    await pool.close();
  });
}

test('with maxConnections reached, requests wait in order and take the first slot that frees', async () => {
  const { srv, release, waitHeld } = await holdingServer(2);
  const pool = cleanup.add(new H2Pool({ host: '127.0.0.1', port: srv.port, maxConnections: 2 }));
  const started = await Promise.all([1, 2, 3, 4].map((i) => pool.request({ method: 'GET', path: `/${i}` })));
  const order: string[] = [];
  const late = [5, 6].map((i) => pool.request({ method: 'GET', path: `/${i}` }).then((s) => { order.push(`/${i}`); return s; }));
  await waitHeld(4);
  await sleep(100);
  assert.is(pool.waiting, 2, 'two requests wait for a slot');
  assert.is(pool.connections.length, 2, 'never more than maxConnections');
  release(1);
  const fifth = await late[0]!;
  assert.equal(order, ['/5'], 'FIFO: the first waiting request got the freed slot');
  assert.is(pool.waiting, 1);
  await started[0]!.waitForEnd(5000);
  release(1);
  await late[1];
  assert.equal(order, ['/5', '/6']);
  await waitHeld(4); // /3, /4, /5, /6
  release();
  await Promise.all([...started, fifth, await late[1]!].map((s) => s.waitForEnd(10_000)));
  assert.is(pool.opened.length, 2);
});

test('a request that finds no slot in time is rejected with ERR_WAIT_TIMEOUT', async () => {
  const { srv } = await holdingServer(1);
  const pool = cleanup.add(new H2Pool({ host: '127.0.0.1', port: srv.port, maxConnections: 1 }));
  await pool.request({ method: 'GET', path: '/1' }, { behaviour: createStalled() });
  try {
    await pool.request({ method: 'GET', path: '/2' }, {}, 200);
    assert.unreachable();
  } catch (err) {
    assert.is((err as ClientError).code, 'ERR_WAIT_TIMEOUT');
  }
  assert.is(pool.waiting, 0);
});

test('a connection that received GOAWAY is retired and the next request opens a new one', async () => {
  const { srv, release, waitHeld } = await holdingServer(10);
  const pool = cleanup.add(new H2Pool({ host: '127.0.0.1', port: srv.port }));
  const a = await pool.request({ method: 'GET', path: '/a' });
  await waitHeld(1);
  srv.sessions[0]!.goaway(0, 1);
  const t0 = Date.now();
  while (pool.opened[0]!.goawayReceived === null && Date.now() - t0 < 5000) await sleep(10);
  const b = await pool.request({ method: 'GET', path: '/b' });
  assert.is(pool.opened.length, 2);
  assert.ok(pool.events.some((e) => e.type === 'retired' && e.index === 0));
  await waitHeld(2);
  release();
  await Promise.all([a, b].map((s) => s.waitForEnd(5000)));
  assert.equal([a.completion, b.completion], ['complete', 'complete']);
});

test('a pool whose server is down rejects with ERR_CONNECT', async () => {
  const { srv } = await holdingServer(1);
  const port = srv.port;
  await srv.close();
  const pool = cleanup.add(new H2Pool({ host: '127.0.0.1', port, connectTimeoutMs: 2000 }));
  try {
    await pool.request({ method: 'GET', path: '/' });
    assert.unreachable();
  } catch (err) {
    assert.is((err as ClientError).code, 'ERR_CONNECT');
  }
  assert.ok(pool.events.some((e) => e.type === 'open-failed'));
});

test.run();
