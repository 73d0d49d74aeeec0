// Cancelling on HTTP/2: RST_STREAM ends only its stream (siblings complete intact, CXL-06 from
// the client's side); the cancelling behaviour and the shipped profiles apply per stream
// unchanged; on the connection the same behaviour closes (GOAWAY, FIN) or resets the TCP
// connection, ending every stream.
import type http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCancelling } from '../../../harness/clients/behaviours/index.ts';
import { behaviourFromProfile, loadProfile } from '../../../harness/clients/profiles.ts';
import { H2Connection } from '../../../harness/clients/h2/connection.ts';
import { eventsOfType } from '../../../harness/clients/h2/timeline.ts';
import { Cleanup, sleep } from '../servers.ts';
import { patternChecker, reachAndSettle, sendPattern, startH2, until } from './h2-servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

const MB = 1 << 20;
const profile = (name: string) => loadProfile(fileURLToPath(new URL(`../../../profiles/${name}.yaml`, import.meta.url)));

/** node:http2 streaming `total` pattern bytes per request; records how each server stream closed. */
async function server(total: number) {
  const closed = new Map<string, number>(); // path -> rstCode (0 = NO_ERROR: ended normally)
  const streams: http2.ServerHttp2Stream[] = [];
  const srv = cleanup.add(await startH2((stream, headers) => {
    streams.push(stream);
    stream.on('close', () => closed.set(headers[':path']!, stream.rstCode));
    sendPattern(stream, total);
  }));
  return { srv, closed, streams };
}

test('RST_STREAM(CANCEL) on one stream: the server sees that stream cancelled, its siblings complete intact', async () => {
  const { srv, closed } = await server(2 * MB);
  const check = patternChecker();
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, connectionWindow: 8 * MB, onBody: (s, chunk, off) => { if (s.id !== 3) check.onBody(s, chunk, off); } }));
  const [a, b, d] = ['/a', '/b', '/d'].map((path) => c.request({ method: 'GET', path }));
  await b!.waitForBytes(100_000, 10_000);
  b!.cancel();
  await Promise.all([a!.waitForEnd(20_000), d!.waitForEnd(20_000)]);
  assert.equal([a!.completion, b!.completion, d!.completion], ['complete', 'cancelled', 'complete']);
  assert.equal([a!.bodyBytes, d!.bodyBytes], [2 * MB, 2 * MB]);
  assert.is(check.mismatch(), -1);
  assert.equal(eventsOfType(b!.timeline, 'rst-stream').map((e) => [e.direction, e.errorCode]), [['sent', 'CANCEL']]);
  await until(() => closed.size === 3);
  assert.is(closed.get('/b'), 8, 'the server saw RST_STREAM(CANCEL) on /b');
  assert.is(closed.get('/a'), 0);
  assert.is(closed.get('/d'), 0);
  assert.ok(!c.closed, 'the connection goes on');
  assert.equal(c.violations, []);
  const after = c.request({ method: 'GET', path: '/after' });
  await after.waitForEnd(20_000);
  assert.is(after.completion, 'complete');
});

test('a cancelling behaviour on a stream: RST_STREAM after exactly after_bytes consumed, nothing granted after', async () => {
  const { srv, closed } = await server(MB);
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port }));
  const s = c.request({ method: 'GET', path: '/' }, { behaviour: createCancelling({ mode: 'rst', after_bytes: 200_000 }) });
  const sibling = c.request({ method: 'GET', path: '/sibling' });
  await s.waitForEnd(10_000);
  assert.is(s.completion, 'cancelled');
  assert.is(s.reader.consumedBytes, 200_000);
  assert.is(s.window.granted, 65_535 + 200_000, 'granted exactly what was consumed');
  await sibling.waitForEnd(20_000);
  // The timeline records a WINDOW_UPDATE once it is written: by now the last one is.
  assert.is(eventsOfType(s.timeline, 'window-update').reduce((n, e) => n + e.increment, 0), 200_000);
  assert.is(sibling.completion, 'complete');
  await until(() => closed.has('/'));
  assert.is(closed.get('/'), 8);
});

test('shipped profiles apply per stream unchanged: cancel-rst resets its stream, stalled holds its window', async () => {
  const { srv } = await server(MB);
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, connectionWindow: 8 * MB }));
  const cancelRst = await profile('cancel-rst');
  const stalled = await profile('stalled');
  const x = c.request({ method: 'GET', path: '/x' }, { behaviour: behaviourFromProfile(cancelRst) });
  const y = c.request({ method: 'GET', path: '/y' }, { behaviour: behaviourFromProfile(stalled) });
  await x.waitForEnd(20_000);
  assert.is(x.completion, 'cancelled', `profile ${cancelRst.name}`);
  await reachAndSettle(() => y.window.received, 65_535);
  assert.is(y.window.received, 65_535);
  assert.is(y.completion, 'in-progress');
});

test('a cancelling behaviour on the connection, mode rst: TCP RST, every stream ends', async () => {
  const { srv } = await server(4 * MB);
  const c = cleanup.add(await H2Connection.open({
    host: '127.0.0.1', port: srv.port, connectionBehaviour: createCancelling({ mode: 'rst', after_bytes: 300_000 }),
  }));
  const streams = [c.request({ method: 'GET', path: '/a' }), c.request({ method: 'GET', path: '/b' })];
  await c.waitForClose(10_000);
  assert.ok(streams.every((s) => s.completion === 'connection-closed'), streams.map((s) => s.completion).join());
  assert.is(eventsOfType(c.timeline, 'rst-sent').length, 1);
  assert.equal(eventsOfType(c.timeline, 'goaway'), [], 'no GOAWAY before an abortive close');
  const t0 = Date.now();
  const gone = () => srv.sessions[0]!.destroyed || srv.sessions[0]!.closed;
  while (!gone() && Date.now() - t0 < 5000) await sleep(10);
  assert.ok(gone(), 'the server lost the session');
});

test('a cancelling behaviour on the connection, mode fin: GOAWAY(NO_ERROR), FIN, then the socket closes', async () => {
  const { srv } = await server(4 * MB);
  const c = cleanup.add(await H2Connection.open({
    host: '127.0.0.1', port: srv.port, closeDrainMs: 300, connectionBehaviour: createCancelling({ mode: 'fin', after_bytes: 300_000 }),
  }));
  const s = c.request({ method: 'GET', path: '/a' });
  await c.waitForClose(10_000);
  const goaway = eventsOfType(c.timeline, 'goaway').filter((e) => e.direction === 'sent');
  assert.equal(goaway.map((e) => e.errorCode), ['NO_ERROR']);
  assert.is(eventsOfType(c.timeline, 'fin-sent')[0]!.how, 'close');
  assert.ok(s.ended);
});

test.run();
