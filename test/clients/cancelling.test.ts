// Cancelling: FIN, RST and half-close are what the server sees.
//
// @test quick
import type net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H1Connection } from '../../harness/clients/h1-connection.ts';
import { createCancelling, type CancellingBehaviour } from '../../harness/clients/behaviours/index.ts';
import { eventsOf } from '../../harness/clients/timeline.ts';
import { Cleanup, readRequestHead, sleep, startServer, streamPattern } from './servers.ts';

const cleanup = new Cleanup();
test.after.each(() => cleanup.run());

/** A server that streams `total` bytes and records what it sees on its socket, in order. */
async function observedServer(total: number, tls = false) {
  const seen: string[] = [];
  const srv = cleanup.add(await startServer(async (s: net.Socket) => {
    s.on('end', () => seen.push('end'));
    s.on('error', (e: Error & { code?: string }) => seen.push(`error:${e.code}`));
    s.on('close', () => seen.push('close'));
    await readRequestHead(s);
    s.resume();
    s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
    streamPattern(s, total, { respectBackpressure: true, end: true });
  }, { tls }));
  return { srv, seen };
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!cond() && Date.now() - t0 < ms) await sleep(10);
}

async function run(mode: 'fin' | 'rst' | 'half-close', total: number, tls = false, trigger: { after_bytes?: number; after_ms?: number } = { after_bytes: 300_000 }) {
  const { srv, seen } = await observedServer(total, tls);
  const behaviour = createCancelling({ mode, ...trigger }) as CancellingBehaviour;
  const c = cleanup.add(await H1Connection.open({ host: '127.0.0.1', port: srv.port, tls, behaviour }));
  c.send({ method: 'GET', path: '/' });
  await c.waitForClose(10_000);
  await until(() => seen.includes('close'), 3000);
  return { c, seen, behaviour };
}

test('fin: the server sees end-of-stream (FIN) first, never an RST before it', async () => {
  const { c, seen, behaviour } = await run('fin', 1_000_000_000);
  assert.is(seen[0], 'end', seen.join(' '));
  assert.is(behaviour.fired!.by, 'bytes');
  assert.is(behaviour.fired!.bytes, 300_000);
  assert.is(eventsOf(c.timeline, 'fin-sent')[0]!.how, 'close');
  assert.is(eventsOf(c.timeline, 'rst-sent').length, 0);
  assert.is(c.responses[0]!.completion, 'abandoned');
  console.log(`  fin: server saw ${seen.join(', ')}`);
});

test('rst: the server sees ECONNRESET and no end-of-stream', async () => {
  const { c, seen } = await run('rst', 1_000_000_000);
  assert.is(seen[0], 'error:ECONNRESET', seen.join(' '));
  assert.not.ok(seen.includes('end'));
  assert.is(eventsOf(c.timeline, 'rst-sent').length, 1);
});

test('rst over TLS: the TCP socket underneath is reset', async () => {
  const { seen } = await run('rst', 1_000_000_000, true);
  assert.is(seen[0], 'error:ECONNRESET', seen.join(' '));
});

test('after_ms: fires by time when the bytes trigger is not reached', async () => {
  const t0 = performance.now();
  // The response is far too long to end by itself even if a loaded machine delays the timer by
  // seconds while loopback moves GB/s (1 GB was seen to finish first).
  const { behaviour, seen } = await run('rst', 1e13, false, { after_bytes: 1e15, after_ms: 150 });
  assert.is(behaviour.fired!.by, 'time');
  assert.ok(performance.now() - t0 >= 150);
  assert.is(seen[0], 'error:ECONNRESET');
});

test('half-close: the server sees end-of-stream, keeps writing, the client reads it all', async () => {
  const { c, seen, behaviour } = await run('half-close', 5_000_000);
  assert.is(behaviour.fired!.bytes, 300_000);
  assert.is(seen[0], 'end');
  const r = c.responses[0]!;
  assert.is(r.completion, 'complete');
  assert.is(r.bodyBytes, 5_000_000);
  assert.is(eventsOf(c.timeline, 'fin-sent')[0]!.how, 'half-close');
});

test('parameters: at least one trigger', () => {
  assert.throws(() => createCancelling({ mode: 'fin' }), /after_bytes, after_ms or both/);
});

test.run();
