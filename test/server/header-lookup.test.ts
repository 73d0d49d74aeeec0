// Header lookups on HTTP/1.1 and on the TX side match field NAMES: a field whose value is
// "content-length" or "host" neither hides nor stands in for the real field; a field named like an
// Object.prototype member is an ordinary field; content-length fields that disagree make the
// request invalid (RFC 9112 6.3, RFC 9110 8.6). (HTTP/2: test/server/h2-streams.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { startServer, type RunningServer } from '../../server-under-test/server.ts';

let s: RunningServer;
let port: number;

test.before(async () => {
  s = await startServer({
    listen: [{ host: '127.0.0.1', port: 0 }], shutdown_grace: 1,
    sites: [
      {
        path: '/echo',
        handler: (req) => ({
          status: 200, headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ headers: req.headers, own: Object.keys(req.headers), body: req.body.toString() }),
        }),
      },
      // A response table whose only header has the value "content-length".
      { path: '/table', handler: () => ({ status: 200, headers: { 'x-foo': 'content-length' }, body: 'abc' }) },
    ],
  });
  port = s.addresses[0]!.port;
});
test.after(async () => {
  await s.close();
});

/** Sends `raw`, reads until the server closes or `ms` pass; everything received. */
async function exchange(raw: string, ms = 2000): Promise<string> {
  const sock = net.connect(port, '127.0.0.1');
  const got: Buffer[] = [];
  sock.on('data', (d) => got.push(d));
  sock.on('error', () => {});
  sock.write(raw);
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    sock.on('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
  sock.destroy();
  return Buffer.concat(got).toString('latin1');
}

/** The bodies of the content-length responses in `text`, in order. */
function bodies(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  for (;;) {
    const m = /^HTTP\/1\.1 \d{3} [^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(rest);
    if (!m) return out;
    const len = Number(/content-length: (\d+)/i.exec(m[1]!)?.[1] ?? '0');
    out.push(rest.slice(m[0].length, m[0].length + len));
    rest = rest.slice(m[0].length + len);
  }
}

test('HTTP/1.1: a field VALUE "content-length" does not hide the real content-length', async () => {
  const text = await exchange(
    'POST /echo HTTP/1.1\r\nhost: x\r\nx-foo: content-length\r\ncontent-length: 5\r\n\r\nhello'
    + 'GET /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
  );
  const [first, second] = bodies(text);
  assert.is((JSON.parse(first!) as { body: string }).body, 'hello');
  assert.ok(second !== undefined, `the next request on the connection is read where the body ends: ${text}`);
});

test('HTTP/1.1: a field VALUE "host" does not stand in for a missing Host', async () => {
  const text = await exchange('GET /echo HTTP/1.1\r\nx-foo: host\r\n\r\n');
  assert.match(text, /^HTTP\/1\.1 400 /);
});

test('HTTP/1.1: content-length fields that disagree are a 400; identical ones are one length', async () => {
  const bad = await exchange('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\ncontent-length: 5\r\n\r\nhello');
  assert.match(bad, /^HTTP\/1\.1 400 /);
  const bad2 = await exchange('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 5, 0\r\n\r\nhello');
  assert.match(bad2, /^HTTP\/1\.1 400 /);
  const same = await exchange('POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello');
  assert.is((JSON.parse(bodies(same)[0]!) as { body: string }).body, 'hello');
});

test('TX side: request fields named like Object.prototype members are ordinary fields', async () => {
  const text = await exchange('GET /echo HTTP/1.1\r\nhost: x\r\nconstructor: c1\r\ntostring: t1\r\n__proto__: p1\r\nconnection: close\r\n\r\n');
  const echo = JSON.parse(bodies(text)[0]!) as { headers: Record<string, string>; own: string[] };
  assert.is(echo.headers.constructor, 'c1');
  assert.is(echo.headers.tostring, 't1');
  assert.ok(echo.own.includes('__proto__'), JSON.stringify(echo.own));
});

test('TX side: a response table header VALUE "content-length" does not hide the missing length', async () => {
  const text = await exchange('GET /table HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  assert.match(text, /\r\ncontent-length: 3\r\n/i);
  assert.equal(bodies(text), ['abc']);
});

test.run();
