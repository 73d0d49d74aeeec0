// H2Connection against real node:http2 servers: h2c with prior knowledge and TLS with ALPN h2,
// the SETTINGS exchange, responses with bodies and trailers, request bodies under the server's
// flow control, PING both ways, GOAWAY, graceful close.
import type http2 from 'node:http2';
import type net from 'node:net';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H2Connection } from '../../../harness/clients/h2/connection.ts';
import { eventsOfType } from '../../../harness/clients/h2/timeline.ts';
import { ClientError } from '../../../harness/clients/errors.ts';
import { Cleanup, testCertificate } from '../servers.ts';
import { startH2 } from './h2-servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

function respond(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const size = Number(new URL(headers[':path']!, 'http://x').searchParams.get('size') ?? '5');
  stream.respond({ ':status': 200, 'content-length': String(size), 'x-path': headers[':path']! });
  stream.end(Buffer.alloc(size, 0x61));
}

for (const tls of [false, true]) {
  const label = tls ? 'TLS (ALPN h2)' : 'h2c (prior knowledge)';
  test(`${label}: GET, SETTINGS exchanged both ways, body, timeline, graceful close`, async () => {
    let seen: http2.IncomingHttpHeaders | null = null;
    const srv = cleanup.add(await startH2((s, h) => { seen = h; respond(s, h); }, { tls }));
    const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port, tls }));
    const s = c.request({ method: 'GET', path: '/a?size=100000', headers: { 'X-Test': 'yes' } });
    await s.waitForEnd(5000);
    assert.is(s.status, 200);
    assert.is(s.completion, 'complete');
    assert.is(s.bodyBytes, 100_000);
    assert.ok(s.body.equals(Buffer.alloc(100_000, 0x61)));
    assert.equal(s.head!.headers.find(([n]) => n === 'x-path'), ['x-path', '/a?size=100000']);
    assert.is(seen![':authority'], `127.0.0.1:${srv.port}`);
    assert.is(seen![':scheme'], tls ? 'https' : 'http');
    assert.is(seen!['x-test'], 'yes');
    assert.equal(c.violations, []);
    assert.ok(c.settingsAcked, 'the server acknowledged our SETTINGS');
    const types = c.timeline.map((e) => e.type);
    for (const t of ['connect', 'preface-sent', 'settings', 'stream-opened', 'stream-closed'] as const) assert.ok(types.includes(t), t);
    if (tls) assert.is(eventsOfType(c.timeline, 'tls-established')[0]!.alpn, 'h2');
    assert.ok(eventsOfType(c.timeline, 'settings').some((e) => e.direction === 'sent' && e.ack), 'we acknowledged theirs');
    assert.equal(s.timeline.map((e) => e.type).filter((t) => t !== 'bytes' && t !== 'window-update'),
      ['headers-sent', 'head', 'end-stream', 'close']);
    assert.is(eventsOfType(s.timeline, 'bytes').at(-1)!.total, 100_000);
    c.close();
    await c.waitForClose(5000);
    const goaway = eventsOfType(c.timeline, 'goaway').find((e) => e.direction === 'sent')!;
    assert.is(goaway.errorCode, 'NO_ERROR');
    assert.ok(eventsOfType(c.timeline, 'fin-sent').length === 1);
  });
}

async function tlsServer(alpn?: string[]): Promise<number> {
  const server = tls.createServer({ ...(await testCertificate()), ...(alpn ? { ALPNProtocols: alpn } : {}) }, (s) => s.end());
  cleanup.add({ close: () => new Promise<void>((r) => server.close(() => r())) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

test('TLS: a server that does not negotiate h2 is refused with ERR_CONNECT', async () => {
  // Node answers an ALPN mismatch with a fatal alert; a server without ALPN completes the handshake.
  for (const [alpn, message] of [[['http/1.1'], /no_application_protocol/i], [undefined, /did not negotiate h2 over TLS \(ALPN: none\)/]] as const) {
    const port = await tlsServer(alpn ? [...alpn] : undefined);
    try {
      await H2Connection.open({ host: '127.0.0.1', port, tls: true, connectTimeoutMs: 3000 });
      assert.unreachable('should not connect');
    } catch (err) {
      assert.instance(err, ClientError);
      assert.is((err as ClientError).code, 'ERR_CONNECT');
      assert.match((err as Error).message, message);
    }
  }
});

test('many streams at once on one connection, each with its own response', async () => {
  const srv = cleanup.add(await startH2(respond));
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port }));
  const streams = Array.from({ length: 20 }, (_, i) => c.request({ method: 'GET', path: `/s${i}?size=${1000 * (i + 1)}` }));
  await Promise.all(streams.map((s) => s.waitForEnd(10_000)));
  assert.equal(streams.map((s) => s.id), Array.from({ length: 20 }, (_, i) => 2 * i + 1));
  assert.equal(streams.map((s) => s.bodyBytes), Array.from({ length: 20 }, (_, i) => 1000 * (i + 1)));
  assert.ok(streams.every((s) => s.completion === 'complete'));
  assert.is(c.activeStreams, 0);
  assert.is(srv.sessions.length, 1);
});

test('a request body larger than the server window goes out as its WINDOW_UPDATEs allow', async () => {
  const srv = cleanup.add(await startH2((stream) => {
    let n = 0;
    stream.on('data', (d: Buffer) => { n += d.length; });
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(String(n));
    });
  }));
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port }));
  const body = Buffer.alloc(300_000, 0x62);
  const s = c.request({ method: 'POST', path: '/upload', body });
  await s.waitForEnd(10_000);
  assert.is(s.completion, 'complete');
  assert.is(s.body.toString(), '300000');
  const sent = eventsOfType(s.timeline, 'data-sent');
  assert.is(sent.reduce((a, e) => a + e.bytes, 0), 300_000);
  assert.ok(sent.at(-1)!.endStream);
  assert.ok(eventsOfType(s.timeline, 'window-update').some((e) => e.direction === 'received'), 'the server opened our send window');
});

test('trailers arrive after the body', async () => {
  const srv = cleanup.add(await startH2((stream) => {
    stream.respond({ ':status': 200 }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc' }));
    stream.end('body');
  }));
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port }));
  const s = c.request({ method: 'GET', path: '/' });
  await s.waitForEnd(5000);
  assert.is(s.completion, 'complete');
  assert.is(s.body.toString(), 'body');
  assert.equal(s.trailers, [['x-checksum', 'abc']]);
});

test('PING: the server pings us and gets its ACK; ours come back with a round trip', async () => {
  const srv = cleanup.add(await startH2(respond));
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port }));
  const rtt = await c.ping();
  assert.ok(rtt >= 0 && rtt < 5000);
  const session = srv.sessions[0]!;
  const ack = await new Promise<Buffer>((resolve, reject) => {
    session.ping(Buffer.from('dawdle!!'), (err, _ms, payload) => (err ? reject(err) : resolve(payload)));
  });
  assert.is(ack.toString(), 'dawdle!!');
  const pings = eventsOfType(c.timeline, 'ping');
  assert.ok(pings.some((p) => p.direction === 'sent' && p.ack && p.opaque === Buffer.from('dawdle!!').toString('hex')));
});

test('GOAWAY from the server: streams above its last stream id are refused, no new requests', async () => {
  const held: http2.ServerHttp2Stream[] = [];
  const srv = cleanup.add(await startH2((stream) => { held.push(stream); }));
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port }));
  const a = c.request({ method: 'GET', path: '/a' });
  const b = c.request({ method: 'GET', path: '/b' });
  const t0 = Date.now();
  while (held.length < 2 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
  srv.sessions[0]!.goaway(0, 1); // NO_ERROR, last stream 1: stream 3 was not processed
  await b.waitForEnd(5000);
  assert.is(b.completion, 'refused');
  assert.is(a.completion, 'in-progress');
  assert.throws(() => c.request({ method: 'GET', path: '/c' }), (e: ClientError) => e.code === 'ERR_NOT_WRITABLE');
  assert.ok(!c.canOpenStream);
  held[0]!.respond({ ':status': 204 });
  held[0]!.end();
  await a.waitForEnd(5000);
  assert.is(a.completion, 'complete');
  await c.waitForClose(5000); // the last stream done: the connection closes
  assert.equal(eventsOfType(b.timeline, 'goaway').map((e) => [e.lastStreamId, e.refused]), [[1, true]]);
});

test('invalid requests are refused before anything is sent', async () => {
  const srv = cleanup.add(await startH2(respond));
  const c = cleanup.add(await H2Connection.open({ host: '127.0.0.1', port: srv.port }));
  assert.throws(() => c.request({ method: 'G ET', path: '/' }), (e: ClientError) => e.code === 'ERR_INVALID_REQUEST');
  assert.throws(() => c.request({ method: 'GET', path: '/a b' }), (e: ClientError) => e.code === 'ERR_INVALID_REQUEST');
  assert.throws(() => c.request({ method: 'GET', path: '/', headers: { 'x-a': 'b\r\nc' } }), (e: ClientError) => e.code === 'ERR_INVALID_REQUEST');
  assert.is(c.streams.length, 0);
});

test.run();
