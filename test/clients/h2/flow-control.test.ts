// Flow control in the simulator's hands, against node:http2 (which keeps to our windows) and a
// raw server (which does not): exact window accounting for stalled streams and connections,
// grants by hand, the connection window following its streams, throttled and batched grants,
// and H2-01 excess recorded as evidence.
//
// @test weight 5
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createReading, createStalled, createThrottled } from '../../../harness/clients/behaviours/index.ts';
import { H2Connection } from '../../../harness/clients/h2/connection.ts';
import { dataFrame, headersFrames } from '../../../harness/clients/h2/frame-serializer.ts';
import { eventsOfType } from '../../../harness/clients/h2/timeline.ts';
import { Cleanup, settle } from '../servers.ts';
import { type RawPeer, patternChecker, reachAndSettle, sendPattern, startH2, startRaw, until } from './h2-servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

const MB = 1 << 20;

async function patternServer(total: number, opts: { tls?: boolean } = {}) {
  return cleanup.add(await startH2((stream, headers) => {
    const size = Number(new URL(headers[':path']!, 'http://x').searchParams.get('size') ?? total);
    sendPattern(stream, size);
  }, opts));
}

test('a stalled stream receives exactly its initial window; a grant releases exactly that much; reading drains the rest intact', async () => {
  const srv = await patternServer(MB);
  const check = patternChecker();
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, connectionWindow: 16 * MB, onBody: check.onBody }));
  const s = c.request({ method: 'GET', path: '/' }, { behaviour: createStalled() });
  await reachAndSettle(() => s.window.received, 65_535);
  assert.is(s.window.received, 65_535, 'exactly the initial window');
  assert.is(s.bodyBytes, 65_535);
  assert.is(s.window.available, 0);
  assert.equal(eventsOfType(s.timeline, 'window-update'), [], 'a stalled reader grants nothing');
  assert.equal(eventsOfType(s.timeline, 'pause').map((e) => e.behaviour), ['stalled']);
  s.grant(10_000);
  await reachAndSettle(() => s.window.received, 75_535);
  assert.is(s.window.received, 75_535, 'the grant released exactly 10000 bytes');
  assert.equal(eventsOfType(s.timeline, 'window-update').map((e) => [e.direction, e.increment, e.window]), [['sent', 10_000, 10_000]]);
  s.setBehaviour(createReading());
  await s.waitForEnd(20_000);
  assert.is(s.completion, 'complete');
  assert.is(s.bodyBytes, MB);
  assert.is(check.mismatch(), -1, 'pattern intact');
  assert.equal(c.violations, []);
});

test('SETTINGS_INITIAL_WINDOW_SIZE is what a stalled stream gets (1000 bytes, and 1 MiB)', async () => {
  const srv = await patternServer(4 * MB);
  for (const initial of [1000, MB]) {
    const c = cleanup.add(await H2Connection.open({
      host: '127.0.0.1', port: srv.port, settings: { initialWindowSize: initial }, connectionWindow: 64 * MB,
    }));
    const s = c.request({ method: 'GET', path: '/' }, { behaviour: createStalled() });
    await reachAndSettle(() => s.window.received, initial);
    assert.is(s.window.received, initial);
    assert.equal(c.violations, []);
    c.destroy();
  }
});

test('stalled after_bytes: the stream grants back exactly what it read, so it holds initial window + N', async () => {
  const srv = await patternServer(MB);
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, connectionWindow: 16 * MB }));
  const s = c.request({ method: 'GET', path: '/' }, { behaviour: createStalled({ after_bytes: 100_000 }) });
  await reachAndSettle(() => s.window.received, 165_535);
  assert.is(s.reader.consumedBytes, 100_000);
  assert.is(s.window.received, 165_535);
  assert.is(eventsOfType(s.timeline, 'window-update').reduce((a, e) => a + e.increment, 0), 100_000);
});

test('the connection window follows its streams: a stalled sibling fills it, its cancel frees it (H2-03, TMO-03 setting)', async () => {
  const srv = await patternServer(4 * MB);
  const check = patternChecker();
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, onBody: (st, chunk, off) => { if (st.id === 3) check.onBody(st, chunk, off); } }));
  const a = c.request({ method: 'GET', path: '/a' }, { behaviour: createStalled() });
  const b = c.request({ method: 'GET', path: '/b' });
  await until(() => a.window.received >= 65_535 && c.window.available === 0);
  await settle(() => a.window.received + b.window.received, 400, 10_000);
  assert.is(a.window.received, 65_535, 'the stalled stream holds its whole window');
  assert.is(c.window.available, 0, 'and with it the whole connection window');
  assert.ok(b.bodyBytes < 4 * MB && b.completion === 'in-progress', `the reading sibling is starved (${b.bodyBytes})`);
  a.cancel();
  await b.waitForEnd(20_000);
  assert.is(b.completion, 'complete');
  assert.is(b.bodyBytes, 4 * MB);
  assert.is(check.mismatch(), -1);
  assert.is(a.completion, 'cancelled');
  assert.is(a.resetCode, 'CANCEL');
  const released = eventsOfType(c.timeline, 'window-update').filter((e) => e.increment >= 65_535);
  assert.ok(released.length >= 1, 'the cancelled stream\'s unread bytes went back to the connection at once');
  assert.equal(c.violations, []);
});

test('a connection-level behaviour governs the connection window on its own: stalled, then grants by hand', async () => {
  const srv = await patternServer(4 * MB);
  const c = cleanup.add(await H2Connection.open({
    host: '127.0.0.1', port: srv.port, settings: { initialWindowSize: 8 * MB }, connectionBehaviour: createStalled(),
  }));
  const streams = [c.request({ method: 'GET', path: '/a' }), c.request({ method: 'GET', path: '/b' })];
  const total = () => streams.reduce((n, s) => n + s.window.received, 0);
  await reachAndSettle(total, 65_535);
  assert.is(total(), 65_535, 'both streams together: exactly the connection window');
  assert.is(c.window.received, 65_535);
  c.grant(50_000);
  await reachAndSettle(total, 115_535);
  assert.is(total(), 115_535);
  assert.equal(eventsOfType(c.timeline, 'window-update').filter((e) => e.direction === 'sent').map((e) => e.increment), [50_000]);
  assert.equal(c.violations, []);
});

test('a connection-level stalled after_bytes lets exactly 65535 + N through', async () => {
  const srv = await patternServer(4 * MB);
  const c = cleanup.add(await H2Connection.open({
    host: '127.0.0.1', port: srv.port, settings: { initialWindowSize: 8 * MB }, connectionBehaviour: createStalled({ after_bytes: 200_000 }),
  }));
  const s = c.request({ method: 'GET', path: '/' });
  await reachAndSettle(() => s.window.received, 265_535);
  assert.is(s.window.received, 265_535);
  assert.is(c.connectionBehaviour!.name, 'stalled');
});

test('a throttled stream grants at its rate (generous bounds) and still gets every byte', async () => {
  const srv = await patternServer(MB);
  const check = patternChecker();
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, onBody: check.onBody }));
  const t0 = performance.now();
  const s = c.request({ method: 'GET', path: '/' }, { behaviour: createThrottled({ bytes_per_second: 2 * MB, chunk_bytes: 16_384 }) });
  await s.waitForEnd(30_000);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`  throttled 2 MiB/s: 1 MiB in ${seconds.toFixed(2)} s`);
  assert.is(s.completion, 'complete');
  assert.is(s.bodyBytes, MB);
  assert.is(check.mismatch(), -1);
  assert.ok(seconds > 0.25, `cannot beat the rate by much (${seconds} s)`);
  assert.ok(eventsOfType(s.timeline, 'pause').length > 3, 'the token bucket paused consumption');
});

test('grantThreshold: grants go out in bursts of at least that many bytes', async () => {
  const srv = await patternServer(MB);
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, grantThreshold: 32_768, connectionGrantThreshold: 32_768 }));
  const s = c.request({ method: 'GET', path: '/' });
  await s.waitForEnd(20_000);
  assert.is(s.bodyBytes, MB);
  const incs = eventsOfType(s.timeline, 'window-update').map((e) => e.increment);
  assert.ok(incs.length > 0 && incs.every((n) => n >= 32_768), incs.join(','));
  const connIncs = eventsOfType(c.timeline, 'window-update').filter((e) => e.direction === 'sent').map((e) => e.increment);
  assert.ok(connIncs.every((n) => n >= 32_768), connIncs.join(','));
});

// ---- H2-01 against a server that ignores our windows ----

async function respondWith(peer: RawPeer, frames: (id: number, peer: RawPeer) => Buffer[]): Promise<void> {
  const h = await peer.waitFor((f) => f.type === 'HEADERS');
  for (const b of frames(h.streamId, peer)) peer.socket.write(b);
}

const head = (peer: RawPeer, id: number, endStream = false) =>
  headersFrames(id, peer.encoder.encode([[':status', '200']]), { endStream });

test('H2-01: DATA beyond the stream window is recorded with its excess; the stream goes on (record mode)', async () => {
  const srv = cleanup.add(await startRaw((peer) => respondWith(peer, (id) => [
    head(peer, id),
    dataFrame(id, Buffer.alloc(800)),
    dataFrame(id, Buffer.alloc(2200), { endStream: true }), // 3000 bytes into a 1000-byte window
  ])));
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, settings: { initialWindowSize: 1000 } }));
  const s = c.request({ method: 'GET', path: '/' }, { behaviour: createStalled() });
  await s.waitForEnd(5000);
  assert.is(s.completion, 'complete');
  assert.is(s.bodyBytes, 3000);
  assert.is(c.violations.length, 1);
  const v = c.violations[0]!;
  assert.is(v.code, 'H2-01');
  assert.is(v.action, 'recorded');
  assert.equal(v.excess, { bytes: 2000, scope: 'stream', window: 200 });
  assert.is(s.window.excess, 2000);
  assert.equal(s.violations, [v], 'the stream keeps its own evidence');
  assert.is(eventsOfType(s.timeline, 'violation').length, 1);
});

test('H2-01: DATA beyond the connection window is recorded at the connection level', async () => {
  const srv = cleanup.add(await startRaw((peer) => respondWith(peer, (id) => [
    head(peer, id),
    ...Array.from({ length: 5 }, (_, i) => dataFrame(id, Buffer.alloc(14_000), { endStream: i === 4 })), // 70000 > 65535
  ])));
  const c = cleanup.add(await H2Connection.open({
    host: '127.0.0.1', port: srv.port, settings: { initialWindowSize: MB }, connectionBehaviour: createStalled(),
  }));
  const s = c.request({ method: 'GET', path: '/' });
  await s.waitForEnd(5000);
  assert.equal(c.violations.map((v) => [v.code, v.excess]), [['H2-01', { bytes: 4465, scope: 'connection', window: 9535 }]]);
  assert.is(c.window.excess, 4465);
  assert.is(s.window.excess, 0);
});

test('H2-01 with onWindowExceeded "stream-error": RST_STREAM(FLOW_CONTROL_ERROR) goes to the server', async () => {
  let peerRef: RawPeer | null = null;
  const srv = cleanup.add(await startRaw((peer) => {
    peerRef = peer;
    return respondWith(peer, (id) => [head(peer, id), dataFrame(id, Buffer.alloc(2000))]);
  }));
  const c = cleanup.add(await H2Connection.open({
    host: '127.0.0.1', port: srv.port, settings: { initialWindowSize: 1000 }, onWindowExceeded: 'stream-error',
  }));
  const s = c.request({ method: 'GET', path: '/' });
  await s.waitForEnd(5000);
  assert.is(s.completion, 'stream-error');
  assert.is(s.resetCode, 'FLOW_CONTROL_ERROR');
  const rst = await peerRef!.waitFor((f) => f.type === 'RST_STREAM');
  assert.ok(rst.type === 'RST_STREAM' && rst.errorCode === 3 && rst.streamId === s.id);
  assert.is(c.violations[0]!.action, 'stream-error');
});

test.run();
