// `dawdle blackbox` as a user runs it against a separately started nginx: verdicts with evidence,
// report files, baseline and gate, and exit 2 within 5 s for a target that is not HTTP, hangs or
// resets every connection.
//
// @test alone
// @test weight 26
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { Readable, pipeline } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReport } from '../../harness/report/document.ts';
import { startNginx, type RealServer } from './real-servers.ts';
import { dawdle } from '../dawdle-cli.ts';

let nginx: RealServer;
let dir: string;


/** A TCP server on 127.0.0.1 doing `onConnection` with each socket. */
async function tcpServer(onConnection: (s: net.Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

test.before(async () => {
  nginx = await startNginx();
  dir = mkdtempSync(join(tmpdir(), 'dawdle-bb-cli-'));
});
test.after(async () => {
  await nginx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('against nginx: verdicts with evidence, the four report files, then a baseline run under --gate regressions', async () => {
  const json = join(dir, 'bb.json');
  const html = join(dir, 'bb.html');
  const r = await dawdle(['blackbox', '--target', nginx.http, '--path', '/big', '--expect', 'send_timeout=2s', '--only', 'BB-STL-01,BB-CXL-01',
    '--json', json, '--html', html, '--junit', join(dir, 'bb.xml'), '--summary-md', join(dir, 'bb.md')]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /target http:\/\/127\.0\.0\.1:\d+ \(h1\): nginx\/1\.22\.1; server processes \d+, \d+/);
  assert.match(r.out, /PASS h1\s+BB-STL-01/);
  assert.match(r.out, /2 passed, 0 failed, 0 skipped/);
  for (const f of [json, html, join(dir, 'bb.xml'), join(dir, 'bb.md')]) assert.ok(existsSync(f), f);
  const doc = readReport(json);
  const stl = doc.results.find((x) => x.id === 'BB-STL-01')!;
  assert.is(stl.verdict.status, 'pass');
  assert.is(stl.verdict.evidence!.closed_by_server, true);
  assert.ok(stl.scenarios.length > 0 && doc.scenarios.h1![stl.scenarios[0]!]!.timeline.length > 0, 'the wire timeline is kept');
  assert.match(readFileSync(html, 'utf8'), /<title>dawdle blackbox: [^<]*nginx\/1\.22\.1 \(black box\)/);
  assert.match(readFileSync(html, 'utf8'), /bb-stl-01:stalled-reader/);
  assert.match(readFileSync(join(dir, 'bb.md'), 'utf8'), /^## dawdle blackbox: /m);
  const again = await dawdle(['blackbox', '--target', nginx.http, '--path', '/big', '--only', 'BB-CXL-01', '--baseline', json, '--gate', 'regressions']);
  assert.is(again.code, 0, again.out + again.err);
  assert.match(again.out, /1 unchanged, 1 not run now/);
});

test('a wrong expectation fails the run (exit 1) with what was seen', async () => {
  const r = await dawdle(['blackbox', '--target', nginx.http, '--path', '/big', '--expect', 'send_timeout=none', '--only', 'BB-STL-01']);
  assert.is(r.code, 1, r.out + r.err);
  assert.match(r.out, /FAIL h1\s+BB-STL-01 .*expected never cut \(send_timeout=none\); actual closed \d/);
});

test('usage errors are exit 2 with one line: bad --expect, not loopback, a path that is not 200', async () => {
  for (const [args, re] of [
    [['--target', nginx.http, '--expect', 'send_timeout=soon'], /--expect: send_timeout: "soon" is not a duration/],
    [['--target', nginx.http, '--expect', 'idle=2s'], /--expect: unknown key "idle"/],
    [['--target', 'http://192.0.2.1:80'], /is not on loopback/],
    [['--target', nginx.http, '--path', '/nothing-here'], /answered 404, not 200/],
    [['--target', nginx.http, '--path', '/big', '--size', '64MiB'], /--size needs a --path template with \{size\}/],
    [['--target', nginx.http, '--path', '/gen?n={bytes}', '--size', '64MiB'], /--path: unknown placeholder \{bytes\}/],
    [['--target', nginx.http, '--path', '/gen?n={size}', '--size', 'lots'], /--size: "lots" is not a size/],
  ] as const) {
    const r = await dawdle(['blackbox', ...args]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, re);
    assert.is(r.err.trim().split('\n').length, 1, r.err);
  }
});

test('--size with a {size} template: the generator is asked for that many bytes; one that ignores the template is exit 2', async () => {
  const asked: string[] = [];
  // A generator: /gen?bytes=N answers N zero bytes (1 MiB without it), streamed with backpressure.
  const server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? 1048576);
    res.writeHead(200, { 'content-length': n });
    let left = n;
    pipeline(Readable.from((function* () { while (left > 0) { const k = Math.min(left, 65536); left -= k; yield Buffer.alloc(k); } })()), res, () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  try {
    const ok = await dawdle(['blackbox', '--target', url, '--path', '/gen?bytes={size}', '--size', '32MiB', '--only', 'BB-CXL-01']);
    assert.is(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /PASS h1\s+BB-CXL-01/);
    assert.ok(asked.includes('/gen?bytes=33554432'), asked.join(' '));
    const ignored = await dawdle(['blackbox', '--target', url, '--path', '/gen?size={size}', '--size', '32MiB']);
    assert.is(ignored.code, 2, ignored.out + ignored.err);
    assert.match(ignored.err, /answered 1048576 bytes, not the 33554432 --size asked for: check the --path template/);
    assert.is(ignored.err.trim().split('\n').length, 1, ignored.err);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('a target that is not HTTP, hangs or resets every connection: exit 2, one line, within 5 s (+ start-up, generous on a loaded machine)', async () => {
  const cases: Array<[string, (s: net.Socket) => void, RegExp]> = [
    ['not HTTP', (s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'), /not an HTTP server|not an HTTP\/1\.1 response/],
    ['hangs', () => {}, /no answer in 5 s/],
    ['resets', (s) => s.resetAndDestroy(), /closed \(or was reset\) with no answer|cannot connect/],
  ];
  for (const [what, behave, re] of cases) {
    const srv = await tcpServer(behave);
    try {
      const r = await dawdle(['blackbox', '--target', srv.url, '--path', '/big'], { timeoutMs: 30_000 });
      assert.is(r.code, 2, `${what}: ${r.out}${r.err}`);
      assert.match(r.err, re, what);
      assert.is(r.err.trim().split('\n').length, 1, r.err);
      // 5 s of preflight plus the start of node and tsx, which a loaded 2-core machine can stretch to seconds.
      assert.ok(r.ms < 15_000, `${what}: ${Math.round(r.ms)} ms`);
    } finally {
      await srv.close();
    }
  }
});

test.run();
