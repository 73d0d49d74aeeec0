// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { startServer, type RunningServer } from '../../server-under-test/server.ts';
import { demoSites } from '../../server-under-test/demo-sites.ts';

let s: RunningServer;
test.before(async () => {
  s = await startServer({ listen: [{ host: '127.0.0.1', port: 0 }], probe: true, sites: demoSites() });
});
test.after(async () => {
  await s.close();
});

test('hello world over HTTP/1.1', async () => {
  const r = await request(`${s.addresses[0]!.url}/hello`);
  assert.is(r.statusCode, 200);
  assert.is(await r.body.text(), 'hello world\n');
});

test('probe info reports defaults and features', async () => {
  const r = await request(`${s.addresses[0]!.url}/__probe/info`);
  const info = (await r.body.json()) as { defaults: { send_window: number; send_timeout: number }; features: string[] };
  assert.equal(info.defaults, { send_window: 1048576, send_timeout: 30 });
  assert.ok(info.features.includes('send_window'));
});

test('a bad script gets 400 with the path of the error', async () => {
  const r = await request(`${s.addresses[0]!.url}/__probe/scripts/x1`, {
    method: 'PUT', body: JSON.stringify({ v: 1, ops: [{ op: 'write', bytes: -1 }] }),
  });
  assert.is(r.statusCode, 400);
  const e = (await r.body.json()) as { path: string };
  assert.is(e.path, 'ops[0].bytes');
});

test('a script runs and its journal is right', async () => {
  const base = s.addresses[0]!.url;
  const script = { v: 1, ops: [
    { op: 'write_header', status: 200 }, { op: 'write', bytes: 3 }, { op: 'wait', pos: 0, timeout: 5 },
    { op: 'stats' }, { op: 'helpers_on_nil' }, { op: 'close' } ] };
  const put = await request(`${base}/__probe/scripts/ok1`, { method: 'PUT', body: JSON.stringify(script) });
  assert.is(put.statusCode, 201);
  await put.body.dump();
  const run = await request(`${base}/__probe/run/ok1`);
  const body = Buffer.from(await run.body.arrayBuffer());
  assert.equal([...body], [0, 1, 2]);
  const j = (await (await request(`${base}/__probe/journal/ok1?wait=5`)).body.json()) as any;
  assert.ok(j.done);
  assert.is(j.end.reason, 'completed');
  assert.equal(j.entries[3].stats, { current: 3, sent: 3, cancelled: false, headers_were_sent: true });
  assert.equal(j.entries[4].helpers, { cancelled: null, headers_were_sent: true, body_bytes_sent: 'raised' });
  const again = await request(`${base}/__probe/run/ok1`);
  assert.is(again.statusCode, 409);
  await again.body.dump();
});

test.run();
