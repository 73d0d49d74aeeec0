// The probe client reads bounded answers: a target whose /info never ends, or never answers, is
// one clear TargetError within seconds, and the harness's memory stays bounded.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BODY_LIMITS, ProbeClient, TargetError } from '../../harness/conformance/probe-client.ts';

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

test('an /info body that never ends is cut at the cap, memory stays bounded', async () => {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let streamed = 0;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const t0 = Date.now();
    const pump = () => {
      // Bounded by the test: stop after 5 s whatever happens.
      while (Date.now() - t0 < 5000 && !res.destroyed) {
        streamed += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.write('{"x":"');
    pump();
  });
  const url = await listen(server);
  const rss0 = process.memoryUsage().rss;
  const client = new ProbeClient({ url, timeoutMs: 10_000 });
  const t0 = performance.now();
  try {
    await client.info();
    assert.unreachable('info() should reject');
  } catch (err) {
    assert.instance(err, TargetError);
    const msg = (err as Error).message;
    assert.match(msg, /more than 1 MiB/);
    assert.match(msg, /\/__probe\/info/);
    assert.not.match(msg, /\n/);
  } finally {
    await client.close();
    server.closeAllConnections();
    server.close();
  }
  const took = performance.now() - t0;
  assert.ok(took < 4000, `rejected after ${took} ms`);
  const grew = process.memoryUsage().rss - rss0;
  assert.ok(grew < 200 * 1024 * 1024, `RSS grew by ${grew} bytes`);
  assert.ok(streamed >= BODY_LIMITS.info, 'the server sent more than the cap');
});

test('an /info that never answers: "no answer within N s", no stray DOMException code', async () => {
  const server = createServer(() => { /* never answers */ });
  const url = await listen(server);
  const client = new ProbeClient({ url, timeoutMs: 500 });
  try {
    await client.info();
    assert.unreachable('info() should reject');
  } catch (err) {
    assert.instance(err, TargetError);
    const msg = (err as Error).message;
    assert.match(msg, /^target unreachable: http:\/\/127\.0\.0\.1:\d+\/__probe\/info: no answer within 0\.5 s$/);
    assert.not.match(msg, /\b23\b/);
  } finally {
    await client.close();
    server.closeAllConnections();
    server.close();
  }
});

test.run();
