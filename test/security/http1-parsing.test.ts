// Issue 15, items 8 (TE), 13, 17, 22 (HTTP/1.1 parts) and 18, 19 (HTTP/2 fields, one GOAWAY):
// request heads the reference server must refuse with a clear 400 (and close), or must not lose.
// @test weight 5
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorCode, FrameType, rawFrame } from '../../harness/clients/h2/index.ts';
import { FloodClient } from './h2raw.ts';
import { canary, closedWithin, cpuSeconds, rawConnect, startTarget, until, type Target } from './lib.ts';

let t: Target;
test.before(async () => { t = await startTarget(); });
test.after(async () => t.stop());

/** Sends `raw` on a fresh connection; what the server answered by the time it closed (or 3 s). */
async function exchange(raw: string | Buffer): Promise<string> {
  const s = await rawConnect(t.port);
  s.write(raw);
  await closedWithin(s, 3000);
  s.destroy();
  return s.text();
}

const statuses = (text: string): number[] => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

for (const [name, head] of [
  ['TE: chunked plus a second TE header (RFC 9112 6.3)', 'POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n'],
  ['two Host headers', 'GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
  ['NUL in the request target', 'GET /he\x00llo HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['0x01 in the request target', 'GET /he\x01llo HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['DEL in the request target', 'GET /he\x7fllo HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['obs-text in the request target', 'GET /h\xe9llo HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['a bad trailer line', 'POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nnot a field\r\n\r\n'],
] as const) {
  test(`${name}: 400 and the connection closes`, async () => {
    const text = await exchange(Buffer.from(head, 'latin1'));
    assert.equal(statuses(text), [400], text);
  });
}

test('absolute-form target (RFC 9112 3.2.2): served as its path', async () => {
  const text = await exchange(`GET http://127.0.0.1:${t.port}/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  assert.equal(statuses(text), [200]);
  assert.match(text, /hello world/);
});

test('a valid request followed by garbage in the same write: the valid one is answered, then 400', async () => {
  const text = await exchange('GET /hello HTTP/1.1\r\nHost: x\r\n\r\nthis is no request\r\n\r\n');
  assert.equal(statuses(text), [200, 400]);
});

test('a 60 KB head sent one byte per write costs linear time (server CPU < 0.4 s)', async () => {
  const head = Buffer.from(`GET /hello HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(60_000)}\r\nConnection: close\r\n\r\n`);
  const s = await rawConnect(t.port);
  s.setNoDelay(true);
  const cpu0 = cpuSeconds(t.pid);
  // 6,000 writes of 10 bytes, each on its own event-loop turn (what matters is how many reads
  // of a partial head the server makes: each used to copy the whole head so far).
  for (let off = 0; off < head.length; off += 10) {
    s.write(head.subarray(off, off + 10));
    await new Promise((r) => setImmediate(r));
  }
  await closedWithin(s, 5000);
  const cpu = cpuSeconds(t.pid) - cpu0;
  assert.equal(statuses(s.text()), [200]);
  assert.ok(cpu < 0.4, `server CPU ${cpu.toFixed(3)} s`);
  s.destroy();
});

for (const [name, field] of [
  ['NUL in a value', ['x-a', 'a\x00b']],
  ['CR in a value', ['x-a', 'a\rb']],
  ['LF in a value', ['x-a', 'a\nb']],
  ['a space in a name', ['x a', 'b']],
  ['upper case in a name', ['X-A', 'b']],
] as const) {
  test(`HTTP/2: ${name} is a malformed request: RST_STREAM(PROTOCOL_ERROR), the connection goes on`, async () => {
    const c = await FloodClient.open(t.port);
    await c.write(c.headersFrames(1, c.request('/hello', [[field[0], field[1]]]), true));
    await until(() => c.resets.has(1), 'RST_STREAM on stream 1', 3000);
    assert.is(c.resets.get(1), ErrorCode.PROTOCOL_ERROR);
    await c.write(c.headersFrames(3, c.request('/hello'), true));
    await until(() => c.headers.has(3), 'stream 3 answered', 3000);
    c.close();
  });
}

test('HTTP/2: after a connection error, one GOAWAY and nothing parsed after it', async () => {
  const c = await FloodClient.open(t.port);
  // CONTINUATION without HEADERS (a connection error), then more errors in the same write.
  const bad = rawFrame(FrameType.CONTINUATION, 4, 1);
  await c.write(Buffer.concat([bad, bad, rawFrame(FrameType.DATA, 0, 0), bad]));
  await until(() => c.closed, 'the connection closed', 5000);
  assert.equal(c.goaways, [ErrorCode.PROTOCOL_ERROR]);
  await canary(t.port);
});

test.run();
