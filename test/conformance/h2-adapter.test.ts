// H2ClientConnection: the HTTP/2 client simulator behind the conformance runner's ClientConnection
// seam, against node:http2 servers (h2c and TLS). Each send() is a stream of one connection; the
// connection's reading behaviour is one reader over the streams (stalled: nothing granted;
// stalled after_bytes: exactly that many bytes consumed over all streams; cancelling: GOAWAY+FIN or
// TCP RST of the connection); a stream with its own behaviour reads alone and cancels alone.
import type http2 from 'node:http2';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCancelling, createReading, createStalled } from '../../harness/clients/behaviours/index.ts';
import { ClientError } from '../../harness/clients/errors.ts';
import { wireEvents } from '../../harness/conformance/client-connection.ts';
import { H2ClientConnection } from '../../harness/conformance/h2-adapter.ts';
import { firstMismatch, makePattern } from '../../protocol/index.ts';
import { Cleanup, settle } from '../clients/servers.ts';
import { startH2, until } from '../clients/h2/h2-servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

const MB = 1 << 20;

/**
 * node:http2 answering every GET with `total(path)` bytes of write 0's pattern, in one end() (written
 * piecewise, node:http2 may end a flow-controlled stream with RST_STREAM(NO_ERROR) instead of
 * END_STREAM when a sibling is busy; the strict client calls that reset-by-peer).
 */
async function server(total: (path: string) => number, opts: { tls?: boolean } = {}) {
  const closed = new Map<string, number>();
  const srv = cleanup.add(await startH2((stream, headers) => {
    const path = headers[':path']!;
    stream.on('close', () => closed.set(path, stream.rstCode));
    const n = total(path);
    stream.respond({ ':status': 200, 'content-length': String(n) });
    stream.end(makePattern(0, n));
  }, opts));
  return { srv, closed };
}

const open = (port: number, o: Partial<Parameters<typeof H2ClientConnection.open>[0]> = {}) =>
  H2ClientConnection.open({ host: '127.0.0.1', port, tls: false, ...o }).then((c) => cleanup.add(c));

for (const tls of [false, true]) {
  test(`${tls ? 'h2' : 'h2c'}: sends are streams of one connection; responses in send order with status, content-length, body; timeline by index`, async () => {
    const sizes: Record<string, number> = { '/a': 300_000, '/b': 5, '/c': 1_000_000 };
    const { srv } = await server((p) => sizes[p]!, { tls });
    const c = await open(srv.port, { tls: tls ? { alpn: ['h2'] } : false });
    assert.equal(['/a', '/b', '/c'].map((path) => c.send({ method: 'GET', path })), [0, 1, 2]);
    await Promise.all([0, 1, 2].map((i) => c.waitForResponse(i, 10_000)));
    assert.equal(c.connection.streams.map((s) => s.id), [1, 3, 5], 'three streams, one connection');
    const r = c.responses;
    assert.equal(r.map((x) => [x.index, x.status, x.completion, x.framing, x.contentLength, x.bodyBytes]), [
      [0, 200, 'complete', 'data-frames', 300_000, 300_000], [1, 200, 'complete', 'data-frames', 5, 5], [2, 200, 'complete', 'data-frames', 1_000_000, 1_000_000],
    ]);
    for (const x of r) assert.is(firstMismatch(0, 0, Buffer.concat(x.body)), -1);
    assert.equal(r.map((x) => [x.h2!.streamId, x.h2!.endStream, x.h2!.resetCode, x.h2!.paddingBytes]), [[1, true, null, 0], [3, true, null, 0], [5, true, null, 0]]);
    assert.ok(r[2]!.h2!.dataFrames >= 1_000_000 / 16_384);
    assert.is(r[0]!.error, null);
    const t = c.timeline;
    assert.equal(wireEvents(t, 'request-sent').map((e) => e.index).sort(), [0, 1, 2]);
    assert.equal(wireEvents(t, 'head').map((e) => [e.index, e.status]).sort(), [[0, 200], [1, 200], [2, 200]]);
    assert.equal(wireEvents(t, 'response-end').map((e) => [e.index, e.completion, e.bodyBytes]).sort(), [[0, 'complete', 300_000], [1, 'complete', 5], [2, 'complete', 1_000_000]]);
    assert.equal(wireEvents(t, 'end-stream').length, 3);
    assert.ok(wireEvents(t, 'bytes').at(-1)!.total > 1_300_000, 'TCP reads are there, as on HTTP/1.1');
    assert.equal(t.filter((e) => (e.type as string) === 'window-update'), [], 'WINDOW_UPDATEs are summarised, not listed');
    for (let i = 1; i < t.length; i++) assert.ok(t[i]!.t >= t[i - 1]!.t, 'time order');
    const rec = c.record();
    assert.equal(rec.violations, []);
    assert.ok(rec.windowUpdatesSent.stream > 0 && rec.windowUpdatesSent.connection > 0);
    assert.is(rec.connectionWindow.excess, 0);
    assert.ok(rec.settings.length > 0);
  });
}

test('stalled: every stream receives exactly its initial window, nothing is granted; reading again completes them', async () => {
  const { srv } = await server(() => MB);
  const c = await open(srv.port, { behaviour: createStalled(), connectionWindow: 16 * MB, settings: { initialWindowSize: 40_000 } });
  c.send({ method: 'GET', path: '/a' });
  c.send({ method: 'GET', path: '/b' });
  assert.ok(c.paused);
  await until(() => c.responses.every((r) => r.bodyBytes >= 40_000));
  await settle(() => c.responses[0]!.bodyBytes + c.responses[1]!.bodyBytes, 300, 5000);
  assert.equal(c.responses.map((r) => r.bodyBytes), [40_000, 40_000]);
  assert.is(c.record().windowUpdatesSent.stream, 0);
  c.setBehaviour(createReading());
  assert.not.ok(c.paused);
  await Promise.all([c.waitForResponse(0, 10_000), c.waitForResponse(1, 10_000)]);
  assert.equal(c.responses.map((r) => [r.completion, r.bodyBytes]), [['complete', MB], ['complete', MB]]);
  assert.equal(c.timeline.filter((e) => e.type === 'pause' || e.type === 'resume').map((e) => e.type), ['pause', 'resume']);
});

test('stalled after_bytes is one reader over all streams: exactly N bytes consumed in total', async () => {
  const { srv } = await server(() => MB);
  const c = await open(srv.port, { behaviour: createStalled({ after_bytes: 100_000 }), connectionWindow: 16 * MB });
  c.send({ method: 'GET', path: '/a' });
  c.send({ method: 'GET', path: '/b' });
  const total = () => c.responses.reduce((a, r) => a + r.bodyBytes, 0);
  await until(() => total() >= 2 * 65_535 + 100_000);
  await settle(total, 300, 5000);
  assert.is(c.consumed, 100_000);
  assert.is(total(), 2 * 65_535 + 100_000, 'each stream got its window, plus exactly what was consumed');
  assert.ok(c.paused);
});

test('the connection reader cancelling with fin closes the connection (GOAWAY, FIN); with rst resets TCP', async () => {
  for (const mode of ['fin', 'rst'] as const) {
    const { srv } = await server(() => 4 * MB);
    const c = await open(srv.port, { behaviour: createCancelling({ mode, after_bytes: 70_000 }) });
    c.send({ method: 'GET', path: '/a' });
    c.send({ method: 'GET', path: '/b' });
    await until(() => c.closed, 5000);
    assert.ok(c.closed, mode);
    const t = c.timeline;
    assert.equal(wireEvents(t, 'rst-stream'), [], `${mode}: no stream is reset by itself`);
    if (mode === 'fin') {
      assert.ok(wireEvents(t, 'goaway').some((e) => e.direction === 'sent' && e.errorCode === 'NO_ERROR'));
      assert.equal(wireEvents(t, 'fin-sent').map((e) => e.how), ['close']);
    } else {
      assert.is(wireEvents(t, 'rst-sent').length, 1);
    }
    assert.ok(c.responses.every((r) => r.completion === 'connection-closed'), c.responses.map((r) => r.completion).join());
    await srv.close();
  }
});

test('a stream with its own behaviour reads alone: its cancel is RST_STREAM on it only, the siblings complete', async () => {
  const { srv, closed } = await server(() => 2 * MB);
  const c = await open(srv.port, { connectionWindow: 16 * MB });
  c.send({ method: 'GET', path: '/a' });
  c.send({ method: 'GET', path: '/b' }, { behaviour: createCancelling({ mode: 'rst', after_bytes: 100_000 }) });
  c.send({ method: 'GET', path: '/c' });
  await Promise.all([0, 1, 2].map((i) => c.waitForResponse(i, 20_000)));
  assert.equal(c.responses.map((r) => r.completion), ['complete', 'cancelled', 'complete']);
  assert.equal(c.responses[1]!.h2!.resetBy, 'client');
  assert.equal(wireEvents(c.timeline, 'rst-stream').map((e) => [e.index, e.direction, e.errorCode]), [[1, 'sent', 'CANCEL']]);
  await until(() => closed.size === 3);
  assert.equal([closed.get('/a'), closed.get('/b'), closed.get('/c')], [0, 8, 0]);
  assert.not.ok(c.closed);
});

test('halfClose() is not an HTTP/2 notion: ERR_NOT_SUPPORTED; reset() is a TCP RST; a request index never sent cannot be waited for', async () => {
  const { srv } = await server(() => 1000);
  const c = await open(srv.port);
  assert.throws(() => c.halfClose(), (e: unknown) => e instanceof ClientError && e.code === 'ERR_NOT_SUPPORTED');
  assert.throws(() => c.waitForResponse(3, 100), (e: unknown) => e instanceof ClientError && e.code === 'ERR_NO_RESPONSE');
  c.send({ method: 'GET', path: '/a' });
  await c.waitForHead(0, 5000);
  c.reset();
  await until(() => c.closed);
  assert.is(wireEvents(c.timeline, 'rst-sent').length, 1);
});

test('a reader behaviour half-closing is recorded as a no-op (its streams are already half-closed)', async () => {
  const { srv } = await server(() => 200_000);
  const c = await open(srv.port, { behaviour: createCancelling({ mode: 'half-close', after_bytes: 10_000 }) });
  c.send({ method: 'GET', path: '/a' });
  await c.waitForResponse(0, 5000);
  assert.is(c.responses[0]!.completion, 'complete');
  assert.is(wireEvents(c.timeline, 'half-close-noop').length, 1);
  assert.not.ok(c.closed);
});

test.run();
