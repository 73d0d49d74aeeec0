// Bad arguments to the handler API raise a clear IoError before anything is sent, instead of
// failing deep inside (a fractional send window once reached a RangeError in the body transport).
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { startServer } from '../../server-under-test/server.ts';
import type { Io } from '../../server-under-test/tx/io.ts';

test('io.sendWindow that is not a positive integer: write() raises ERR_BAD_ARGUMENT, nothing is sent', async () => {
  const seen: string[] = [];
  for (const bad of [1.5, 0, -1, Number.NaN]) {
    const s = await startServer({
      listen: [{ host: '127.0.0.1', port: 0 }],
      handler: async (_req, io: Io) => {
        io.sendWindow = bad;
        try {
          await io.write('hello');
          seen.push(`${bad}: no error`);
        } catch (err) {
          seen.push(`${bad}: ${(err as { code?: string }).code}: ${(err as Error).message}`);
          io.sendWindow = null;
          await io.writeHeader(200);
          await io.write('recovered');
        }
      },
    }, { onHandlerError: () => {} });
    try {
      const r = await request(`${s.addresses[0]!.url}/`);
      assert.is(r.statusCode, 200);
      assert.is(await r.body.text(), 'recovered');
    } finally {
      await s.close();
    }
  }
  assert.is(seen.length, 4);
  for (const line of seen) assert.match(line, /ERR_BAD_ARGUMENT: send_window must be a positive integer/);
});

test('a returned table whose body is longer than its content-length: 500, and the connection stays in step', async () => {
  const s = await startServer({
    listen: [{ host: '127.0.0.1', port: 0 }],
    handler: (req) => (req.path === '/bad' ? { status: 200, headers: { 'content-length': '3' }, body: 'hello, and more' } : { status: 200, body: 'ok' }),
  }, { onHandlerError: () => {} });
  try {
    const base = s.addresses[0]!.url;
    const bad = await request(`${base}/bad`);
    assert.is(bad.statusCode, 500);
    assert.match(await bad.body.text(), /15-byte body with content-length 3/);
    const next = await request(`${base}/next`); // same keep-alive connection
    assert.is(next.statusCode, 200);
    assert.is(await next.body.text(), 'ok');
  } finally {
    await s.close();
  }
});

test.run();
