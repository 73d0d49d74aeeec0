// capacity's /__probe/info reads are bounded: a body that never ends is cut at INFO_BODY_LIMIT.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getInfo, INFO_BODY_LIMIT, probeInfo, readJsonCapped } from '../../harness/capacity/proc-stats.ts';

test('an info body that never ends: readJsonCapped throws past the limit, probeInfo is null, memory bounded', async () => {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const t0 = Date.now();
    const pump = () => {
      while (Date.now() - t0 < 3000 && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rss0 = process.memoryUsage().rss;
  try {
    const r = await getInfo(base, '/__probe/info');
    const t0 = performance.now();
    let message = '';
    try {
      await readJsonCapped(r);
    } catch (err) {
      message = (err as Error).message;
    }
    assert.is(message, `answer longer than ${INFO_BODY_LIMIT} bytes`);
    assert.ok(performance.now() - t0 < 1500, 'took too long');
    assert.is(await probeInfo(base), null);
  } finally {
    server.closeAllConnections();
    server.close();
  }
  assert.ok(sent > INFO_BODY_LIMIT);
  assert.ok(process.memoryUsage().rss - rss0 < 200 * 1024 * 1024, 'RSS grew too much');
});

test('a short info is read', async () => {
  const server = createServer((_req, res) => res.end(JSON.stringify({ memory: { rss_bytes: 5 }, active_requests: 2 })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    assert.equal(await probeInfo(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), { rssBytes: 5, activeRequests: 2 });
  } finally {
    server.close();
  }
});

test.run();
