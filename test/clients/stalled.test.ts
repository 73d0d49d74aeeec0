// A stalled client must really stop reading from the kernel, so the server's TCP send path fills
// and its writes back up. Measured for both plain-TCP read modes and for TLS.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type net from 'node:net';
import { H1Connection, type ReadMode } from '../../harness/clients/h1-connection.ts';
import { createReading, createStalled } from '../../harness/clients/behaviours/index.ts';
import { firstMismatch } from '../../protocol/index.ts';
import { Cleanup, readRequestHead, settle, startServer, streamPattern, type StreamStats } from './servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

const TOTAL = 12 << 20;
const MB = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

async function stalledThenReading(label: string, readMode: ReadMode, tls: boolean) {
  let server: net.Socket | null = null;
  let stats: StreamStats | null = null;
  const srv = cleanup.add(await startServer(async (s) => {
    await readRequestHead(s);
    server = s;
    s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${TOTAL}\r\n\r\n`);
    stats = streamPattern(s, TOTAL, { respectBackpressure: false });
  }, { tls }));
  let mismatch = -1;
  const c = cleanup.add(await H1Connection.open({
    host: '127.0.0.1', port: srv.port, tls, readMode, behaviour: createStalled(),
    onBody: (_r, chunk, offset) => {
      const m = firstMismatch(0, offset, chunk);
      if (m >= 0 && mismatch < 0) mismatch = offset + m;
    },
  }));
  c.send({ method: 'GET', path: '/' });
  await settle(() => (stats === null ? -1 : stats.queued - server!.writableLength), 400, 8000);
  const queued = stats!.queued;
  const unflushed = server!.writableLength;
  const absorbed = queued - unflushed;
  console.log(`  ${label}: stalled client absorbed ${MB(absorbed)} (server queued ${MB(queued)}, ` +
    `${MB(unflushed)} stuck in its socket), client delivered ${c.bytesReceived} B, TCP read ${c.tcpBytesReceived} B`);
  assert.ok(unflushed > 2e6, `server writes back up (writableLength ${unflushed})`);
  assert.ok(absorbed < 10e6, 'kernel buffers are finite');
  assert.is(c.bytesReceived, 0, 'nothing delivered while stalled');
  if (readMode === 'onread' && !tls) assert.is(c.tcpBytesReceived, 0, 'onread: not one byte read from the kernel');
  else assert.ok(c.tcpBytesReceived <= 128 * 1024, `stream: at most a stream buffer read (${c.tcpBytesReceived})`);
  assert.ok(c.paused);

  c.setBehaviour(createReading());
  const r = await c.waitForResponse(0, 20_000);
  assert.is(r.completion, 'complete', JSON.stringify(r.error));
  assert.is(r.bodyBytes, TOTAL);
  assert.is(mismatch, -1, 'pattern intact');
  const kinds = c.timeline.filter((e) => e.type === 'pause' || e.type === 'resume').map((e) => e.type);
  assert.equal(kinds, ['pause', 'resume']);
  c.close();
  await c.waitForClose(2000);
}

test('stalled (plain TCP, onread): the server send path fills, then reading drains it intact', () =>
  stalledThenReading('tcp/onread', 'onread', false));

test('stalled (plain TCP, stream): the server send path fills, then reading drains it intact', () =>
  stalledThenReading('tcp/stream', 'stream', false));

test('stalled (TLS): the server send path fills, then reading drains it intact', () =>
  stalledThenReading('tls', 'stream', true));

test('stalled after_bytes: stops after exactly N bytes on plain TCP', async () => {
  const srv = cleanup.add(await startServer(async (s) => {
    await readRequestHead(s);
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n');
    streamPattern(s, 1_000_000, { respectBackpressure: true });
  }));
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port: srv.port, behaviour: createStalled({ after_bytes: 100_000 }) }));
  c.send({ method: 'GET', path: '/' });
  await c.waitForBytes(100_000, 5000);
  await settle(() => c.bytesReceived, 200, 2000);
  assert.is(c.bytesReceived, 100_000);
  assert.is(c.tcpBytesReceived, 100_000);
  assert.is(c.responses[0]!.completion, 'in-progress');
  c.reset();
  await c.waitForClose(2000);
  assert.is(c.responses[0]!.completion, 'abandoned');
});

test('stalled after_bytes over TLS: stops soon after N bytes (record granularity)', async () => {
  const srv = cleanup.add(await startServer(async (s) => {
    await readRequestHead(s);
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 4000000\r\n\r\n');
    streamPattern(s, 4_000_000, { respectBackpressure: true });
  }, { tls: true }));
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port: srv.port, tls: true, behaviour: createStalled({ after_bytes: 100_000 }) }));
  c.send({ method: 'GET', path: '/' });
  await c.waitForBytes(100_000, 5000);
  const n = await settle(() => c.bytesReceived, 200, 2000);
  assert.ok(n >= 100_000 && n < 100_000 + 17 * 1024, `received ${n}`);
  c.reset();
  await c.waitForClose(2000);
});

test.run();
