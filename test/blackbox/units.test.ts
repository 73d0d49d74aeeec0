// The black-box pieces that need no server: --expect parsing, and reading /proc for a connection
// and a process (this process's own listening socket and a loopback connection to it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { ExpectError, parseExpect } from '../../harness/blackbox/expect.ts';
import { expandPath, parseSize, SizeTemplateError } from '../../harness/blackbox/size-template.ts';
import { connectionView, heldBy, processStats, serverClosed, socketInodes, tcpTable } from '../../harness/blackbox/proc.ts';

test('--expect: durations in s or ms, none, several keys; unknown keys and bad values are errors', () => {
  assert.equal(parseExpect(['send_timeout=2s,header_timeout=1500ms', 'body_timeout=none']), { send_timeout: 2000, header_timeout: 1500, body_timeout: null });
  assert.equal(parseExpect(['send_timeout=0.5']), { send_timeout: 500 });
  assert.throws(() => parseExpect(['idle=2s']), (e: unknown) => e instanceof ExpectError && /unknown key "idle"/.test(e.message));
  assert.throws(() => parseExpect(['send_timeout=2 minutes']), (e: unknown) => e instanceof ExpectError && /is not a duration/.test(e.message));
  assert.throws(() => parseExpect(['send_timeout']), /not KEY=VALUE/);
  assert.throws(() => parseExpect(['send_timeout=3600s']), /longer than 600 s/);
});

test('--size and a {size} template in --path: units, the one placeholder, and every mismatch an error', () => {
  assert.is(parseSize('64MiB'), 64 * 1024 * 1024);
  assert.is(parseSize('1048576'), 1048576);
  assert.is(parseSize('1.5 KiB'), 1536);
  assert.is(parseSize('100MB'), 100_000_000);
  for (const bad of ['64 mebibytes', '-1', 'MiB', '0', '1TiB', '65GiB']) assert.throws(() => parseSize(bad), (e: unknown) => e instanceof SizeTemplateError && /^--size: /.test(e.message), bad);
  assert.is(expandPath('/gen?bytes={size}', 67108864), '/gen?bytes=67108864');
  assert.is(expandPath('/{size}/x?n={size}', 5), '/5/x?n=5');
  assert.is(expandPath('/big', undefined), '/big');
  assert.throws(() => expandPath('/big', 5), /--size needs a --path template with \{size\}/);
  assert.throws(() => expandPath('/gen?bytes={size}', undefined), /has \{size\}: give --size/);
  assert.throws(() => expandPath('/gen?bytes={bytes}', 5), /unknown placeholder \{bytes\}/);
  assert.throws(() => expandPath('/gen?bytes={size', 5), /a brace that is not part of \{size\}/);
});

test('/proc: both ends of a loopback connection, the server end closing, the socket held by this process', async () => {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => accepted.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const c = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => c.once('connect', () => r()));
  while (accepted.length === 0) await new Promise((r) => setTimeout(r, 5));
  try {
    assert.ok(tcpTable().some((r) => r.state === 'LISTEN' && r.localPort === port));
    const v = connectionView(c.localPort!, port);
    assert.is(v.client?.state, 'ESTABLISHED');
    assert.is(v.server?.state, 'ESTABLISHED');
    assert.is(serverClosed(v), false);
    assert.ok(v.server!.inode > 0);
    assert.ok(socketInodes(process.pid).has(v.server!.inode));
    assert.ok(heldBy([process.pid], v.server!.inode));
    const stats = processStats([process.pid])!;
    assert.ok(stats.rssBytes > 1_000_000 && stats.fds > 3 && stats.threads >= 1, JSON.stringify(stats));
    accepted[0]!.end();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(serverClosed(connectionView(c.localPort!, port)), 'after the server end() its side is FIN_WAIT2');
  } finally {
    c.destroy();
    for (const s of accepted) s.destroy();
    server.close();
  }
});

test.run();
