// Shutdown (RunningServer.close()) and connections on the plain port whose protocol is not decided
// yet (HTTP/1.1 or h2c with prior knowledge: the worker is still reading their first bytes). Like
// an idle keep-alive connection they are ended as soon as shutdown starts, not left open until the
// worker thread is torn down, and close() waits for them (or destroys them) before it resolves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { startServer, type RunningServer } from '../../server-under-test/server.ts';

/** Resolves with the ms from `t0` to the socket's 'end' or 'close', or -1 after `ms`. */
function ended(sock: net.Socket, t0: number, ms: number): Promise<number> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(-1), ms);
    const done = (): void => {
      clearTimeout(t);
      resolve(performance.now() - t0);
    };
    if (sock.readableEnded || sock.destroyed) done();
    sock.once('end', done);
    sock.once('close', done);
  });
}

/**
 * A server with one request held by a handler that ignores cancellation (close() waits for it, up
 * to shutdown_grace) until `release()`, and that request's connection (`busy`).
 */
async function heldServer(): Promise<{ s: RunningServer; port: number; busy: net.Socket; release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const s = await startServer({
    listen: [{ host: '127.0.0.1', port: 0 }], shutdown_grace: 30,
    sites: [{ path: '/held', handler: async () => { await gate; return { status: 200, body: 'late\n' }; } }],
  });
  const port = s.addresses[0]!.port;
  const busy = await connected(port, 'GET /held HTTP/1.1\r\nhost: x\r\n\r\n');
  return { s, port, busy, release };
}

async function connected(port: number, first: string | Buffer, allowHalfOpen = false): Promise<net.Socket> {
  const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen });
  sock.on('error', () => {});
  sock.on('data', () => {});
  await new Promise((r) => sock.once('connect', r));
  if (first.length > 0) sock.write(first);
  return sock;
}

test('connections still being sniffed are ended when shutdown starts, and close() awaits them', async () => {
  const { s, port, busy, release } = await heldServer();
  const sniffed = [
    await connected(port, 'P'), // one byte: may become the h2c preface or a request line
    await connected(port, ''), // nothing yet
    await connected(port, 'PRI * HTTP/2.0\r\n'), // more of the h2c preface
    await connected(port, 'PRI', true), // a client that does not end its side when the server does
  ];
  await new Promise((r) => setTimeout(r, 300)); // accepted and sniffing

  const t0 = performance.now();
  let closed = false;
  const closing = s.close().then(() => { closed = true; });
  const times = await Promise.all(sniffed.map((sock) => ended(sock, t0, 10_000)));
  assert.ok(times.every((ms) => ms >= 0), `sniffed connections not ended 10 s into shutdown: ${times.join(', ')}`);
  assert.not.ok(closed, 'ended by shutdown itself, while close() still waits for the running handler');

  release();
  const done = await Promise.race([closing.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
  assert.ok(done, 'close() resolved');
  // Every socket is closed on the server's side once close() has resolved. The client that kept
  // its side open learns it when it writes (the server's kernel answers with RST).
  const gone = await Promise.all([...sniffed, busy].map((sock) => new Promise<boolean>((resolve) => {
    if (sock.destroyed || sock.readyState === 'closed') return resolve(true);
    const t = setTimeout(() => resolve(false), 5000);
    sock.once('close', () => { clearTimeout(t); resolve(true); });
    const poke = setInterval(() => (sock.writable ? sock.write('x') : clearInterval(poke)), 200);
    sock.once('close', () => clearInterval(poke));
  })));
  assert.equal(gone, [true, true, true, true, true]);
  for (const sock of [...sniffed, busy]) sock.destroy();
});

test('a connection sniffed when shutdown starts is not served, even if its request completes later', async () => {
  const s = await startServer({ listen: [{ host: '127.0.0.1', port: 0 }], shutdown_grace: 1, sites: [{ path: '/hello', handler: () => ({ status: 200, body: 'hello\n' }) }] });
  const port = s.addresses[0]!.port;
  const sock = await connected(port, 'GET /hel');
  const got: Buffer[] = [];
  sock.on('data', (d: Buffer) => got.push(d));
  await new Promise((r) => setTimeout(r, 300));
  const closing = s.close();
  sock.write('lo HTTP/1.1\r\nhost: x\r\n\r\n');
  const done = await Promise.race([closing.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
  assert.ok(done, 'close() resolved');
  assert.is(Buffer.concat(got).toString(), '', 'no response after shutdown began');
  sock.destroy();
});

test('an HTTP/1.1 connection holding part of a request is ended when shutdown starts (the request is never read)', async () => {
  const { s, port, busy, release } = await heldServer();
  // "G" already tells HTTP/1.1 from h2c: these are HTTP/1.1 connections in the middle of a head.
  const partial = [await connected(port, 'G'), await connected(port, 'GET /x HTTP/1.1\r\nhost')];
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  let closed = false;
  const closing = s.close().then(() => { closed = true; });
  const times = await Promise.all(partial.map((sock) => ended(sock, t0, 10_000)));
  assert.ok(times.every((ms) => ms >= 0), `partial requests' connections not ended 10 s into shutdown: ${times.join(', ')}`);
  assert.not.ok(closed);
  release();
  await closing;
  for (const sock of [...partial, busy]) sock.destroy();
});

test.run();
