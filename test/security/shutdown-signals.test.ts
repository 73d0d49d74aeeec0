// Issue 15, items 9, 12 and 22 (serve's exit code): shutdown is bounded by shutdown_grace even
// with a journal long-poll pending and a probe sleep running; `dawdle serve` exits 0 after a
// graceful stop and 130 at once on a second signal; client cancellations are not logged as
// handler errors.
// @test weight 12
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { SERVER_MAIN, until } from './lib.ts';

const BIN = fileURLToPath(new URL('../../bin/dawdle.mjs', import.meta.url));

interface Child { proc: ChildProcess; out: string; err: string; exit: Promise<{ code: number | null; ms: number }>; signalAt: number }

/** Spawns `args`; resolves once a line of stdout matches `ready`, with the URL it names. */
async function spawnUntil(args: string[], ready: RegExp): Promise<Child & { port: number }> {
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const c = { proc, out: '', err: '', signalAt: 0 } as Child & { port: number };
  c.exit = new Promise((r) => proc.once('exit', (code) => r({ code, ms: performance.now() - c.signalAt })));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => { c.err += d; });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`not ready: ${c.out} ${c.err}`)), 20_000);
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      c.out += d;
      const m = ready.exec(c.out);
      if (m) {
        clearTimeout(t);
        c.port = Number(m[1]);
        resolve();
      }
    });
  });
  return c;
}

function req(port: number, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve) => {
    const r = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    r.on('error', () => resolve(0));
    r.end(body);
  });
}

test('dawdle serve: shutdown with a pending journal long-poll and a running probe sleep ends within shutdown_grace', async () => {
  const c = await spawnUntil([BIN, 'serve', '--port', '0'], /listening on http:\/\/127\.0\.0\.1:(\d+)/);
  await req(c.port, 'PUT', '/__probe/scripts/sleeper', JSON.stringify({ v: 1, ops: [{ op: 'write_header', status: 200 }, { op: 'sleep', seconds: 60 }, { op: 'close' }] }));
  await req(c.port, 'PUT', '/__probe/scripts/never', JSON.stringify({ v: 1, ops: [{ op: 'stats' }] }));
  void req(c.port, 'GET', '/__probe/run/sleeper');
  void req(c.port, 'GET', '/__probe/journal/never?wait=99');
  await new Promise((r) => setTimeout(r, 300));
  c.signalAt = performance.now();
  c.proc.kill('SIGTERM');
  const exit = await Promise.race([c.exit, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  if (exit === null) c.proc.kill('SIGKILL');
  assert.ok(exit !== null, 'the process exited within 10 s');
  assert.ok(exit!.ms < 7000, `exited ${Math.round(exit!.ms)} ms after SIGTERM (shutdown_grace 5 s)`);
  assert.is(exit!.code, 0);
});

test('dawdle serve: SIGINT stops gracefully with exit 0; a second signal exits at once with 130', async () => {
  const a = await spawnUntil([BIN, 'serve', '--port', '0'], /listening on http:\/\/127\.0\.0\.1:(\d+)/);
  a.signalAt = performance.now();
  a.proc.kill('SIGINT');
  const ea = await a.exit;
  assert.is(ea.code, 0, a.out + a.err);
  assert.match(a.out, /stopped/);

  const b = await spawnUntil([BIN, 'serve', '--port', '0'], /listening on http:\/\/127\.0\.0\.1:(\d+)/);
  b.signalAt = performance.now();
  b.proc.kill('SIGINT');
  b.proc.kill('SIGTERM');
  const eb = await b.exit;
  assert.is(eb.code, 130, b.out + b.err);
});

test('client cancellations are not handler errors: 300 /stream requests reset mid-response log nothing', async () => {
  const c = await spawnUntil(['--import', 'tsx', SERVER_MAIN, '{}'], /"http":"http:\/\/127\.0\.0\.1:(\d+)"/);
  try {
    for (let i = 0; i < 300; i++) {
      const s = net.connect({ port: c.port, host: '127.0.0.1' });
      s.on('error', () => {});
      await new Promise((r) => s.once('connect', r));
      s.write('GET /stream?bytes=10000000&chunk=65536 HTTP/1.1\r\nHost: x\r\n\r\n');
      // Half of them reset at once, half once the response has begun.
      if (i % 2 === 1) await new Promise((r) => s.once('data', r));
      s.resetAndDestroy();
    }
    await until(async () => (await req(c.port, 'GET', '/hello')) === 200, 'served', 5000);
    await new Promise((r) => setTimeout(r, 500));
    const lines = c.err.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length <= 1, `${lines.length} stderr lines, e.g. ${lines[0]}`);
  } finally {
    c.proc.kill('SIGTERM');
    await c.exit;
  }
});

test.run();
