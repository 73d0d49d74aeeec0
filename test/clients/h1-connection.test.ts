// @test quick
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H1Connection } from '../../harness/clients/h1-connection.ts';
import { headerValue, storedBody } from '../../harness/clients/h1-response-parser.ts';
import { pipelineAndWait } from '../../harness/clients/pipeline.ts';
import { eventsOf } from '../../harness/clients/timeline.ts';
import { ClientError } from '../../harness/clients/errors.ts';
import { Cleanup, readRequestHead, startServer, testCertificate } from './servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

function listen(server: http.Server): Promise<number> {
  cleanup.add({ close: () => { server.closeAllConnections(); server.close(); } });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function respond(req: http.IncomingMessage, res: http.ServerResponse): void {
  const size = Number(new URL(req.url!, 'http://x').searchParams.get('size') ?? '5');
  const chunked = req.url!.includes('chunked');
  if (!chunked) res.setHeader('content-length', size);
  res.setHeader('x-path', req.url!);
  res.write(Buffer.alloc(size, req.url!.charCodeAt(1))); // write() before end(): chunked when no length
  res.end();
}

test('GET over plain TCP: response, timeline, Host header', async () => {
  let host = '';
  const server = http.createServer((req, res) => { host = req.headers.host!; respond(req, res); });
  const port = await listen(server);
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port }));
  c.send({ method: 'GET', path: '/a?size=1000' });
  const r = await c.waitForResponse(0, 5000);
  assert.is(r.status, 200);
  assert.is(r.completion, 'complete');
  assert.is(r.bodyBytes, 1000);
  assert.is(host, `127.0.0.1:${port}`);
  const types = c.timeline.map((e) => e.type);
  for (const t of ['connect', 'request-sent', 'head', 'bytes', 'response-end'] as const) assert.ok(types.includes(t), t);
  const t0 = c.timeline[0]!.t;
  assert.ok(t0 > Date.now() - 60_000 && t0 <= Date.now() + 1, 'timeline times are Unix ms');
  c.close();
  await c.waitForClose(2000);
  assert.is(eventsOf(c.timeline, 'fin-sent')[0]!.how, 'close');
});

test('pipelined requests on one connection: responses parse in order, HEAD has no body', async () => {
  const server = http.createServer(respond);
  const port = await listen(server);
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port }));
  const rs = await pipelineAndWait(c, [
    { method: 'GET', path: '/a?size=70000' },
    { method: 'HEAD', path: '/b?size=999' },
    { method: 'GET', path: '/c?chunked&size=123456' },
    { method: 'POST', path: '/d?size=3', body: 'hello' },
  ], 5000);
  assert.equal(rs.map((r) => [r.index, r.status, r.bodyBytes, r.completion]), [
    [0, 200, 70000, 'complete'], [1, 200, 0, 'complete'], [2, 200, 123456, 'complete'], [3, 200, 3, 'complete'],
  ]);
  assert.equal(rs.map((r) => headerValue(r.headers, 'X-Path')), ['/a?size=70000', '/b?size=999', '/c?chunked&size=123456', '/d?size=3']);
  assert.is(rs[2]!.framing, 'chunked');
  assert.ok(storedBody(rs[0]!).equals(Buffer.alloc(70000, 'a'.charCodeAt(0))));
  assert.is(eventsOf(c.timeline, 'request-sent').length, 4);
  c.close();
  await c.waitForClose(2000);
});

test('TLS: handshake with a self-signed certificate, then a response', async () => {
  const server = https.createServer(await testCertificate(), respond);
  const port = await listen(server);
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port, tls: { alpn: ['http/1.1'] } }));
  c.send({ method: 'GET', path: '/t?size=1000000' });
  const r = await c.waitForResponse(0, 5000);
  assert.is(r.completion, 'complete');
  assert.is(r.bodyBytes, 1_000_000);
  const tlsEvent = eventsOf(c.timeline, 'tls-established')[0]!;
  assert.is(tlsEvent.alpn, 'http/1.1');
  assert.ok(c.tcpBytesReceived > c.bytesReceived, 'record overhead on the TCP side');
  c.close();
  await c.waitForClose(2000);
});

test('broken framing is evidence: content-length too long, then the server closes', async () => {
  const srv = cleanup.add(await startServer(async (s) => {
    await readRequestHead(s);
    s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
  }));
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port: srv.port }));
  c.send({ method: 'GET', path: '/' });
  const r = await c.waitForResponse(0, 5000);
  assert.is(r.completion, 'truncated-by-close');
  assert.is(r.bodyBytes, 9);
  await c.waitForClose(2000);
  assert.ok(eventsOf(c.timeline, 'fin-received').length === 1);
});

test('broken framing is evidence: a bad chunk size gives the offset', async () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
  const srv = cleanup.add(await startServer(async (s) => {
    await readRequestHead(s);
    s.write(`${head}4\r\nabcd\r\nZZ\r\n`);
  }));
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port: srv.port }));
  c.send({ method: 'GET', path: '/' });
  const r = await c.waitForResponse(0, 5000);
  assert.is(r.completion, 'framing-error');
  assert.is(r.error!.offset, head.length + 9);
  assert.is(c.framingError!.offset, head.length + 9);
  const next = await c.waitForResponse(1, 5000).catch((e: unknown) => e);
  assert.ok(next instanceof ClientError && next.code === 'ERR_NO_RESPONSE', String(next));
  c.destroy();
  await c.waitForClose(2000);
});

test('half-close: the client shuts down its sending side and keeps reading', async () => {
  const seen: string[] = [];
  const srv = cleanup.add(await startServer(async (s) => {
    await readRequestHead(s);
    s.on('end', () => {
      seen.push('end');
      s.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n'), Buffer.alloc(3_000_000, 1)]));
    });
    s.resume();
  }));
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port: srv.port }));
  c.send({ method: 'GET', path: '/' });
  c.halfClose();
  const r = await c.waitForResponse(0, 5000);
  assert.equal(seen, ['end']);
  assert.is(r.completion, 'complete');
  assert.is(r.bodyBytes, 3_000_000);
  assert.is(eventsOf(c.timeline, 'fin-sent')[0]!.how, 'half-close');
  assert.throws(() => c.send({ method: 'GET', path: '/' }), (e: unknown) => e instanceof ClientError && e.code === 'ERR_NOT_WRITABLE');
  await c.waitForClose(2000);
});

test('waits time out with a typed error and clear their timers; closing rejects the rest', async () => {
  const srv = cleanup.add(await startServer(() => { /* never answers */ }));
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port: srv.port }));
  c.send({ method: 'GET', path: '/' });
  const err = await c.waitForResponse(0, 50).catch((e: unknown) => e);
  assert.ok(err instanceof ClientError && err.code === 'ERR_WAIT_TIMEOUT');
  const pending = c.waitForBytes(1, 60_000).catch((e: unknown) => e);
  c.reset();
  const closed = await pending;
  assert.ok(closed instanceof ClientError && closed.code === 'ERR_CONNECTION_CLOSED');
  await c.waitForClose(1000);
});

test('connecting to a closed port fails with ERR_CONNECT', async () => {
  const srv = await startServer(() => {});
  const port = srv.port;
  await srv.close();
  const err = await H1Connection.open({ host: '127.0.0.1', port }).catch((e: unknown) => e);
  assert.ok(err instanceof ClientError && err.code === 'ERR_CONNECT', String(err));
});

test('a TLS handshake that fails is ERR_CONNECT', async () => {
  const srv = cleanup.add(await startServer((s) => { s.end('HTTP/1.1 400 Not TLS\r\n\r\n'); }));
  const err = await H1Connection.open({ host: '127.0.0.1', port: srv.port, tls: true }).catch((e: unknown) => e);
  assert.ok(err instanceof ClientError && err.code === 'ERR_CONNECT', String(err));
});

test('invalid requests are refused before anything is written', async () => {
  const srv = cleanup.add(await startServer(() => {}));
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port: srv.port }));
  assert.throws(() => c.send({ method: 'GET', path: '/a b' }), (e: unknown) => e instanceof ClientError && e.code === 'ERR_INVALID_REQUEST');
  assert.throws(() => c.send({ method: 'GET', path: '/', headers: { 'x-a': 'a\r\nb: c' } }), /invalid value/);
  assert.is(c.requestsSent, 0);
  c.destroy();
  await c.waitForClose(1000);
});

test.run();
