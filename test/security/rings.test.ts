// Issue 15, item 11: response rings let go after clients reset must not stay resident until some
// unrelated allocation triggers a collection. 800 clients stall a 1 MiB /stream each (~900 MB of
// rings), then all reset: RSS must come back near where it was within seconds, with
// active_requests 0, descriptors back, and /__probe/info answering at once.
// @test weight 10
// @test alone
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { MB, canary, fds, info, rss, startTarget, until, type Target } from './lib.ts';

let t: Target;
test.before(async () => { t = await startTarget(); });
test.after(async () => t.stop());

test('rings of 800 reset /stream responses are freed within seconds (RSS back near baseline)', async () => {
  await canary(t.port);
  await new Promise((r) => setTimeout(r, 300));
  const base = rss(t.pid);
  const baseFds = fds(t.pid);
  const socks: net.Socket[] = [];
  await Promise.all(Array.from({ length: Number(process.env.RINGS_CLIENTS ?? 800) }, () => new Promise<void>((resolve) => {
    const s = net.connect({ port: t.port, host: '127.0.0.1' });
    s.on('error', () => resolve());
    s.once('connect', () => {
      s.pause();
      s.write('GET /stream?bytes=1048576&chunk=65536&timeout=30 HTTP/1.1\r\nHost: x\r\n\r\n');
      resolve();
    });
    socks.push(s);
  })));
  await until(() => rss(t.pid) - base > 500 * MB, 'the stalled responses fill their rings', 10_000);
  const peak = rss(t.pid) - base;
  for (const s of socks) s.resetAndDestroy();
  await until(async () => (await info(t.port)).active_requests === 0, 'active_requests back to 0', 10_000);
  await until(() => fds(t.pid) <= baseFds + 2, 'descriptors back', 10_000);
  await until(() => rss(t.pid) - base < 200 * MB, `RSS back near baseline (now +${Math.round((rss(t.pid) - base) / MB)} MB, peak +${Math.round(peak / MB)} MB)`, 8000, 250);
  assert.ok((await canary(t.port)) < 2000);
});

test.run();
