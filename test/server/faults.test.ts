// The injected faults of the reference server (server-under-test/faults.ts): for each one, a small
// probe script run against a server with that fault and against a correct one, showing that the
// journal or the wire differs exactly where the fault says. Plus the faulty-server fixture.
//
// @test weight 28
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { H1Connection, createReading, createStalled, type ReadBehaviour } from '../../harness/clients/index.ts';
import { H2Connection } from '../../harness/clients/h2/index.ts';
import { firstMismatch } from '../../protocol/index.ts';
import { FAULT_DESCRIPTIONS, FAULT_NAMES, type FaultName } from '../../server-under-test/faults.ts';
import { ServerStartError, startServer, type RunningServer } from '../../server-under-test/server.ts';

const MB = 1_000_000;
let correct: RunningServer;
const open = new Set<H1Connection>();

test.before(async () => {
  correct = await start([]);
});
test.after.each(() => {
  for (const c of open) c.destroy();
  open.clear();
});
test.after(async () => {
  await correct.close();
});

function start(faults: FaultName[]): Promise<RunningServer> {
  return startServer(
    { listen: [{ host: '127.0.0.1', port: 0 }], probe: true, shutdown_grace: 0.5 },
    { faults, onHandlerError: () => {} },
  );
}

/** Runs `fn` against a fresh server with `fault`, and against the correct one. */
async function both<T>(fault: FaultName, fn: (s: RunningServer) => Promise<T>): Promise<{ faulty: T; ok: T }> {
  const s = await start([fault]);
  try {
    return { faulty: await fn(s), ok: await fn(correct) };
  } finally {
    await s.close();
  }
}

let nextId = 0;
/** Stores `script`; returns its id. */
async function put(s: RunningServer, script: object): Promise<string> {
  const id = `f${process.pid}-${nextId++}`;
  const r = await request(`${s.addresses[0]!.url}/__probe/scripts/${id}`, { method: 'PUT', body: JSON.stringify({ v: 1, ...script }) });
  const text = await r.body.text();
  assert.is(r.statusCode, 201, text);
  return id;
}

/** The finished journal of script `id`. */
async function journal(s: RunningServer, id: string): Promise<any> {
  const r = await request(`${s.addresses[0]!.url}/__probe/journal/${id}?wait=10`);
  const j = (await r.body.json()) as any;
  assert.ok(j.done, `journal ${id} not done`);
  return j;
}

async function connect(s: RunningServer, behaviour?: ReadBehaviour): Promise<H1Connection> {
  const a = s.addresses[0]!;
  const c = await H1Connection.open({ host: a.host, port: a.port, ...(behaviour ? { behaviour } : {}) });
  open.add(c);
  return c;
}

/** Stores `script`, runs it on a new connection reading with `behaviour`; returns both. */
async function run(s: RunningServer, script: object, behaviour?: ReadBehaviour): Promise<{ id: string; conn: H1Connection }> {
  const id = await put(s, script);
  const conn = await connect(s, behaviour);
  conn.send({ method: 'GET', path: `/__probe/run/${id}` });
  return { id, conn };
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const HEAD = { op: 'write_header', status: 200, timeout: 2 };
/** A write that cannot fit the (default 1 MB) window and times out at once: a partial write. */
const PARTIAL = { op: 'write', bytes: 2 * MB, timeout: 0 };

test('every fault has a description', () => {
  for (const f of FAULT_NAMES) assert.ok(FAULT_DESCRIPTIONS[f].length > 10, f);
});

test('startServer rejects an unknown fault', async () => {
  try {
    await startServer({ listen: [{ host: '127.0.0.1', port: 0 }] }, { faults: ['nope' as FaultName] });
    assert.unreachable('started');
  } catch (err) {
    assert.instance(err, ServerStartError);
    assert.is((err as ServerStartError).code, 'ERR_UNKNOWN_FAULT');
  }
});

test('window-ignored: write() returns nil with far more than the window in flight', async () => {
  const { faulty, ok } = await both('window-ignored', async (s) => {
    const { id, conn } = await run(s, { io: { send_window: 65536 }, ops: [HEAD, { op: 'write', bytes: 4 * MB, timeout: 10 }, { op: 'close' }] });
    const r = await conn.waitForResponse(0, 10_000);
    const e = (await journal(s, id)).entries[1];
    return { result: e.result, inFlight: e.stats.current - e.stats.sent, body: r.bodyBytes };
  });
  assert.is(ok.result, null);
  assert.ok(ok.inFlight <= 65536, `correct: ${ok.inFlight} in flight`);
  assert.is(faulty.result, null);
  assert.ok(faulty.inFlight > 1 * MB, `faulty: ${faulty.inFlight} in flight`);
  assert.is(faulty.body, 4 * MB);
});

test('timeout-ignored: a blocked write outlives its timeout', async () => {
  const { faulty, ok } = await both('timeout-ignored', async (s) => {
    // A stalled client: the kernel takes a few MB, then the write blocks on the 64 KiB window.
    const { id } = await run(s, { io: { send_window: 65536 }, ops: [HEAD, { op: 'write', bytes: 16 * MB, timeout: 0.3 }] }, createStalled());
    const e = (await journal(s, id)).entries[1];
    return { ms: e.t1 - e.t0, result: e.result };
  });
  assert.ok(ok.ms >= 290 && ok.ms < 700, `correct: ${ok.ms} ms`);
  assert.ok(ok.result.body_bytes_sent < 16 * MB);
  assert.ok(faulty.ms >= 850, `faulty: ${faulty.ms} ms`);
  assert.is(faulty.result.cancelled, false);
});

test('bbs-off-by-one: body_bytes_sent says one more byte than the client gets', async () => {
  const { faulty, ok } = await both('bbs-off-by-one', async (s) => {
    const { id, conn } = await run(s, { ops: [HEAD, PARTIAL, { op: 'close' }] });
    const r = await conn.waitForResponse(0, 5000);
    return { bbs: (await journal(s, id)).entries[1].result.body_bytes_sent as number, body: r.bodyBytes };
  });
  assert.is(ok.bbs, ok.body);
  assert.ok(ok.bbs < 2 * MB);
  assert.is(faulty.bbs, faulty.body + 1);
});

test('tail-not-withdrawn: the client gets the tail a timed-out write withdrew once it reads again', async () => {
  const { faulty, ok } = await both('tail-not-withdrawn', async (s) => {
    // Stalled until the write (16 MB, 1 MB window) has timed out with its window full; then read.
    const { id, conn } = await run(s, { ops: [HEAD, { op: 'write', bytes: 16 * MB, timeout: 0.3 }, { op: 'close' }] }, createStalled());
    const e = (await journal(s, id)).entries[1];
    conn.setBehaviour(createReading());
    const r = await conn.waitForResponse(0, 10_000);
    let mismatch = -1;
    let at = 0;
    conn.responses[0]!.body.forEach((b) => { if (mismatch < 0 && firstMismatch(0, at, b) >= 0) mismatch = at + firstMismatch(0, at, b); at += b.length; });
    return { bbs: e.result.body_bytes_sent as number, current: e.stats.current as number, body: r.bodyBytes, mismatch };
  });
  assert.ok(ok.bbs < 16 * MB);
  assert.is(ok.body, ok.bbs);
  assert.is(ok.current, ok.bbs);
  // The journal looks like a correct server's, but up to a window more arrives (the withdrawn tail).
  assert.ok(faulty.bbs < 16 * MB);
  assert.is(faulty.current, faulty.bbs);
  assert.ok(faulty.body > faulty.bbs, `faulty: ${faulty.body} received, ${faulty.bbs} reported`);
  assert.ok(faulty.body <= faulty.bbs + 1_048_576);
  assert.is(faulty.mismatch, -1, 'the tail continues the pattern of write 0');
});

test('cancel-unreported: a client reset is never seen; writes time out instead', async () => {
  const { faulty, ok } = await both('cancel-unreported', async (s) => {
    const { id, conn } = await run(s, {
      io: { send_window: 65536 },
      ops: [HEAD, { op: 'write', bytes: 1000 }, { op: 'sleep', seconds: 0.3 },
        { op: 'repeat', times: 4, until: 'cancelled', ops: [{ op: 'write', bytes: 65536, timeout: 0.2 }] }],
    });
    await until('1000 body bytes', () => (conn.responses[0]?.bodyBytes ?? 0) >= 1000);
    conn.reset();
    const j = await journal(s, id);
    const writes = j.entries.slice(2).filter((e: any) => e.op === 'write');
    return {
      reason: j.end.reason,
      cancelledWrites: writes.filter((e: any) => e.result?.cancelled === true).length,
      timedOut: writes.filter((e: any) => e.result !== null && e.result.cancelled === false).length,
      statsCancelled: j.entries.at(-1).stats.cancelled,
    };
  });
  assert.is(ok.reason, 'cancelled');
  assert.ok(ok.cancelledWrites >= 1);
  assert.is(ok.statsCancelled, true);
  assert.is(faulty.reason, 'completed');
  assert.is(faulty.cancelledWrites, 0);
  assert.ok(faulty.timedOut >= 1, `faulty: ${faulty.timedOut} timed out`);
  assert.is(faulty.statsCancelled, false);
});

test('wait-literal: wait(-N) waits for the buffer to grow', async () => {
  const { faulty, ok } = await both('wait-literal', async (s) => {
    const { id, conn } = await run(s, {
      ops: [HEAD, { op: 'write', bytes: 1000 }, { op: 'wait', pos: 0, timeout: 2 }, { op: 'sleep', seconds: 0.2 },
        { op: 'wait', pos: -100, timeout: 0.3 }, { op: 'close' }],
    });
    await conn.waitForResponse(0, 5000);
    const j = await journal(s, id);
    const [w0, wn] = [j.entries[2], j.entries[4]];
    return { w0: { result: w0.result, inFlight: w0.stats.current - w0.stats.sent }, wn: { result: wn.result, ms: wn.t1 - wn.t0, inFlight: wn.stats.current - wn.stats.sent } };
  });
  // wait(0): until nothing is in flight (I-1); literally: at once.
  assert.equal(ok.w0, { result: null, inFlight: 0 });
  assert.equal(faulty.w0, { result: null, inFlight: 1000 });
  // wait(-100) with nothing in flight: at once (I-1); literally: until 100 bytes are in flight.
  assert.is(ok.wn.result, null);
  assert.ok(ok.wn.ms < 200, `correct: ${ok.wn.ms} ms`);
  assert.is(faulty.wn.inFlight, 0);
  assert.equal(faulty.wn.result, { cancelled: false });
  assert.ok(faulty.wn.ms >= 280, `faulty: ${faulty.wn.ms} ms`);
});

test('current-not-reduced: current keeps the withdrawn remainder; wait(0) never completes', async () => {
  const { faulty, ok } = await both('current-not-reduced', async (s) => {
    const { id, conn } = await run(s, { ops: [HEAD, PARTIAL, { op: 'wait', pos: 0, timeout: 0.3 }, { op: 'close' }] });
    const r = await conn.waitForResponse(0, 5000);
    const j = await journal(s, id);
    return { bbs: j.entries[1].result.body_bytes_sent as number, current: j.entries[1].stats.current as number, wait: j.entries[2].result, body: r.bodyBytes };
  });
  assert.is(ok.current, ok.bbs);
  assert.is(ok.wait, null);
  assert.is(faulty.current, 2 * MB);
  assert.is(faulty.body, faulty.bbs);
  assert.equal(faulty.wait, { cancelled: false });
});

test('headers-always-sent: a write_header that timed out claims its headers were sent', async () => {
  const { faulty, ok } = await both('headers-always-sent', async (s) => {
    // Response A holds the connection for 0.6 s; B, pipelined behind it, cannot get its head out.
    const a = await put(s, { ops: [HEAD, { op: 'sleep', seconds: 0.6 }, { op: 'close' }] });
    const b = await put(s, { ops: [{ op: 'stats' }, { op: 'write_header', status: 200, timeout: 0.2 }] });
    const conn = await connect(s);
    conn.send({ method: 'GET', path: `/__probe/run/${a}` });
    conn.send({ method: 'GET', path: `/__probe/run/${b}` });
    const jb = await journal(s, b);
    await conn.waitForClose(5000);
    return { before: jb.entries[0].stats.headers_were_sent, result: jb.entries[1].result, after: jb.entries[1].stats.headers_were_sent, heads: conn.responses.filter((r) => r.status !== 0).length };
  });
  assert.is(ok.before, false);
  assert.equal(ok.result, { cancelled: false, headers_were_sent: false });
  assert.is(ok.after, false);
  assert.is(ok.heads, 1);
  assert.is(faulty.before, true);
  assert.equal(faulty.result, { cancelled: false, headers_were_sent: true });
  assert.is(faulty.after, true);
  assert.is(faulty.heads, 1, 'B\'s status line never reaches the client either way');
});

test('content-length-kept: a short Content-Length response keeps the connection and desynchronises the next', async () => {
  const { faulty, ok } = await both('content-length-kept', async (s) => {
    const id = await put(s, { ops: [{ ...HEAD, headers: { 'content-length': String(3 * MB) } }, PARTIAL, { op: 'close' }] });
    const conn = await connect(s);
    conn.send({ method: 'GET', path: `/__probe/run/${id}` });
    conn.send({ method: 'GET', path: '/__probe/info' });
    const bbs = (await journal(s, id)).entries[1].result.body_bytes_sent as number;
    const r0 = () => conn.responses[0];
    await until('the connection to close or the next response to arrive', () => conn.closed || (r0()?.bodyBytes ?? 0) > bbs + 100);
    const body = Buffer.concat(r0()!.body);
    return { bbs, closed: conn.closed, completion: r0()!.completion, responses: conn.responses.length, after: body.subarray(bbs, bbs + 12).toString('latin1') };
  });
  assert.ok(ok.closed);
  assert.is(ok.completion, 'truncated-by-close');
  assert.is(ok.responses, 1);
  assert.not.ok(faulty.closed);
  assert.is(faulty.completion, 'in-progress');
  assert.is(faulty.after, 'HTTP/1.1 200', 'the next response is read as body');
});

test('sent-early: sent counts bytes accepted into the window, not committed', async () => {
  const { faulty, ok } = await both('sent-early', async (s) => {
    const { id, conn } = await run(s, { ops: [HEAD, { op: 'write', bytes: 100_000 }, { op: 'close' }] });
    await conn.waitForResponse(0, 5000);
    return (await journal(s, id)).entries[1].stats as { current: number; sent: number };
  });
  assert.is(ok.current, 100_000);
  assert.ok(ok.sent < ok.current, `correct: sent ${ok.sent}`);
  assert.is(faulty.current, 100_000);
  assert.is(faulty.sent, 100_000);
});

// ---- HTTP/2 faults ----

/** An h2c connection to `s` (prior knowledge), closed after the test. */
async function h2(s: RunningServer, opts: { initialWindowSize?: number; connectionWindow?: number } = {}): Promise<H2Connection> {
  const a = s.addresses[0]!;
  const c = await H2Connection.open({
    host: a.host, port: a.port, tls: false,
    ...(opts.initialWindowSize !== undefined ? { settings: { initialWindowSize: opts.initialWindowSize } } : {}),
    ...(opts.connectionWindow !== undefined ? { connectionWindow: opts.connectionWindow } : {}),
  });
  openH2.add(c);
  return c;
}
const openH2 = new Set<H2Connection>();
test.after.each(() => {
  for (const c of openH2) c.destroy();
  openH2.clear();
});

test('h2-stream-window-ignored: DATA goes past the stream window the client set', async () => {
  const { faulty, ok } = await both('h2-stream-window-ignored', async (s) => {
    const id = await put(s, { ops: [{ op: 'write_header', status: 200 }, { op: 'write', bytes: 200_000, timeout: 0.5 }, { op: 'close' }] });
    const c = await h2(s, { initialWindowSize: 1000, connectionWindow: 1 << 20 });
    const st = c.request({ method: 'GET', path: `/__probe/run/${id}`, authority: 'x' }, { behaviour: createStalled() });
    await journal(s, id);
    await until('bytes arrive', () => st.bodyBytes >= 1000);
    await new Promise((r) => setTimeout(r, 200));
    return { got: st.bodyBytes, h2_01: c.violations.filter((v) => v.code === 'H2-01').length + st.violations.filter((v) => v.code === 'H2-01').length };
  });
  assert.is(ok.got, 1000);
  assert.is(ok.h2_01, 0);
  assert.ok(faulty.got > 1000, `faulty server sent ${faulty.got}`);
  assert.ok(faulty.h2_01 > 0);
});

test('h2-rst-cancels-connection: resetting one stream takes its sibling down', async () => {
  const { faulty, ok } = await both('h2-rst-cancels-connection', async (s) => {
    const script = { ops: [{ op: 'write_header', status: 200 }, { op: 'write', bytes: 1_000_000, timeout: 5 }, { op: 'sleep', seconds: 0.3 }, { op: 'write', bytes: 1_000_000, timeout: 5 }, { op: 'close' }] };
    const a = await put(s, script);
    const b = await put(s, script);
    const c = await h2(s);
    const sa = c.request({ method: 'GET', path: `/__probe/run/${a}`, authority: 'x' }, { behaviour: createStalled() });
    const sb = c.request({ method: 'GET', path: `/__probe/run/${b}`, authority: 'x' }, { behaviour: createReading() });
    await sa.waitForHead(5000);
    sa.cancel();
    await sb.waitForEnd(10_000).catch(() => sb);
    await until('b over', () => sb.ended);
    return { bBytes: sb.bodyBytes, bCancelled: (await journal(s, b)).entries.some((e: any) => e.result?.cancelled === true) };
  });
  assert.equal(ok, { bBytes: 2_000_000, bCancelled: false });
  assert.ok(faulty.bBytes < 2_000_000 && faulty.bCancelled, JSON.stringify(faulty));
});

test('h2-sent-counts-unwindowed: a stream at window 0 still advances sent', async () => {
  const { faulty, ok } = await both('h2-sent-counts-unwindowed', async (s) => {
    const id = await put(s, { ops: [{ op: 'write_header', status: 200 }, { op: 'write', bytes: 2_000_000, timeout: 0.5 }, { op: 'stats' }, { op: 'close' }] });
    const c = await h2(s, { initialWindowSize: 1000 });
    c.request({ method: 'GET', path: `/__probe/run/${id}`, authority: 'x' }, { behaviour: createStalled() });
    const j = await journal(s, id);
    return j.entries.find((e: any) => e.op === 'write').result.body_bytes_sent as number;
  });
  assert.is(ok, 1000);
  assert.ok(faulty > 1000, String(faulty));
});

// ---- the fixture process ----
const FIXTURE = fileURLToPath(new URL('../fixtures/faulty-server.ts', import.meta.url));

function fixture(args: string[]): { child: ReturnType<typeof spawn>; line: Promise<string>; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const line = new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', () => reject(new Error(`exited before printing: ${err}`)));
  });
  line.catch(() => {});
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, line, exit, stderr: () => err };
}

test('fixture: prints its URLs, serves the probe over HTTP and HTTPS, exits when stdin closes', async () => {
  const f = fixture(['--faults', 'window-ignored,sent-early', '--tls']);
  const urls = JSON.parse(await f.line) as { http: string; https: string };
  assert.match(urls.http, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(urls.https, /^https:\/\/127\.0\.0\.1:\d+$/);
  const r = await request(`${urls.http}/__probe/info`);
  assert.is(r.statusCode, 200);
  await r.body.dump();
  const u = new URL(urls.https);
  const c = await H1Connection.open({ host: u.hostname, port: Number(u.port), tls: true });
  open.add(c);
  c.send({ method: 'GET', path: '/__probe/info' });
  assert.is((await c.waitForResponse(0, 5000)).status, 200);
  f.child.stdin!.end();
  assert.is(await f.exit, 0);
});

test('fixture: SIGTERM stops it cleanly; no --tls means no https', async () => {
  const f = fixture(['--faults', 'cancel-unreported']);
  const urls = JSON.parse(await f.line) as Record<string, string>;
  assert.equal(Object.keys(urls), ['http']);
  f.child.kill('SIGTERM');
  assert.is(await f.exit, 0);
});

test('fixture: an unknown fault exits 2 with one line', async () => {
  const f = fixture(['--faults', 'window-ignored,no-such-fault']);
  assert.is(await f.exit, 2);
  const lines = f.stderr().trim().split('\n');
  assert.is(lines.length, 1);
  assert.match(lines[0]!, /unknown fault no-such-fault/);
});

test.run();
