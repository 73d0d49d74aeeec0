// The response byte ring (server-under-test/tx/body-ring.ts) and the body transport built on it:
// the ring's bookkeeping against a model, the Node behaviour the worker relies on (TLS consumes
// what it is given synchronously), and whole responses over plain and TLS sockets whose ring
// space is reused after commits, withdrawals and growth, and that fall back to pieces of their own
// when the window outgrows the ring.
//
// @test weight 24
import net from 'node:net';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fillPattern } from '../../protocol/index.ts';
import { startServer, type RunningServer } from '../../server-under-test/server.ts';
import { selfSignedCert } from '../../server-under-test/tls-cert.ts';
import { BodyRing, RING_MIN, RingPool } from '../../server-under-test/tx/body-ring.ts';
import { bodyBytesSent } from '../../server-under-test/tx/send-result.ts';
import type { Site } from '../../server-under-test/tx/types.ts';

// ---- BodyRing against a model ----

/** Places `n` bytes at `pos`, tagging each ring byte with its stream position; returns how many fit. */
function place(ring: BodyRing, owner: Int32Array, pos: number, n: number): number {
  let done = 0;
  while (done < n) {
    const r = ring.reserve(pos + done, n - done);
    if (r === null) break;
    for (let i = 0; i < r.len; i++) {
      assert.is(owner[r.off + i], -1, `ring byte ${r.off + i} reused while live`);
      owner[r.off + i] = pos + done + i;
    }
    done += r.len;
  }
  return done;
}

function free(owner: Int32Array, keep: (p: number) => boolean): void {
  for (let i = 0; i < owner.length; i++) if (owner[i]! >= 0 && !keep(owner[i]!)) owner[i] = -1;
}

test('ring: starts small, grows in place only as live bytes need, never past its maximum', () => {
  const ring = new BodyRing(100, 1_114_112);
  assert.is(ring.capacity, RING_MIN);
  const owner = new Int32Array(1_114_112).fill(-1);
  assert.is(place(ring, owner, 0, 10_000), 10_000);
  assert.is(ring.capacity, RING_MIN);
  ring.release(10_000);
  // Drained: it starts over at the front, so a ring that keeps draining stays small.
  assert.is(place(ring, owner.fill(-1), 10_000, RING_MIN), RING_MIN);
  assert.is(ring.capacity, RING_MIN);
  assert.is(place(ring, owner, 10_000 + RING_MIN, 1), 1);
  assert.is(ring.capacity, 2 * RING_MIN);
  assert.is(place(ring, owner, 10_001 + RING_MIN, 2_000_000), 1_114_112 - RING_MIN - 1);
  assert.is(ring.capacity, 1_114_112);
  assert.is(ring.reserve(0, 1), null);
});

test('ring: random places, releases and rollbacks never overwrite a live byte', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 12; round++) {
    const max = 16 * 1024 + rnd(100_000);
    const ring = new BodyRing(1 + rnd(50_000), max);
    const owner = new Int32Array(max).fill(-1);
    let head = 0; // stream position of the next byte
    let released = 0;
    for (let step = 0; step < 300; step++) {
      const what = rnd(10);
      if (what < 5) {
        const n = 1 + rnd(20_000);
        const got = place(ring, owner, head, n);
        // Whatever did not fit would travel in a piece of its own: it still takes stream positions.
        head += n;
        assert.ok(got === n || ring.capacity === ring.max, 'a ring below its maximum always fits what it is given');
      } else if (what < 8) {
        released = Math.min(head, released + rnd(30_000));
        ring.release(released);
        free(owner, (p) => p >= released);
      } else {
        const to = released + rnd(head - released + 1);
        ring.rollback(to);
        free(owner, (p) => p < to);
        head = to;
      }
      let live = 0;
      for (let i = 0; i < ring.capacity; i++) if (owner[i]! >= 0) live++;
      assert.is(ring.live, live, `round ${round} step ${step}: live bytes`);
      assert.ok(ring.capacity <= ring.max);
    }
  }
});

test('pool: a ring serves the next response only once both the io and the worker are done with it', () => {
  const dropped: number[] = [];
  const pool = new RingPool((id) => dropped.push(id), 3 * 65536);
  const a = pool.take(1, 100, 1_114_112);
  assert.ok(a.fresh);
  pool.txDone(a.ring.id, 1);
  const b = pool.take(2, 100, 1_114_112);
  assert.ok(b.fresh && b.ring !== a.ring, 'the worker still holds the first');
  pool.workerDone(a.ring.id, 99); // another response's word counts for nothing
  assert.is(pool.take(3, 100, 1_114_112).ring === a.ring, false);
  pool.workerDone(a.ring.id, 1);
  assert.equal(pool.idle, { rings: 1, bytes: a.ring.capacity });
  const again = pool.take(4, 100, 1_114_112);
  assert.ok(again.ring === a.ring && !again.fresh, 'reused, known to the worker by its id');
  assert.is(again.ring.live, 0);
  // Too small a maximum for what is asked: not reused.
  pool.workerDone(again.ring.id, 4);
  pool.txDone(again.ring.id, 4);
  assert.ok(pool.take(5, 100, 2_000_000).fresh);
});

test('pool: keeps idle rings up to its byte limit and drops the oldest beyond', () => {
  const dropped: number[] = [];
  const pool = new RingPool((id) => dropped.push(id), 3 * 65536);
  const rings = [1, 2, 3, 4, 5].map((rid) => ({ rid, ring: pool.take(rid, 65536, 1_114_112).ring }));
  for (const { rid, ring } of rings) {
    pool.workerDone(ring.id, rid);
    pool.txDone(ring.id, rid);
  }
  assert.equal(pool.idle, { rings: 3, bytes: 3 * 65536 });
  assert.equal(dropped, [rings[0]!.ring.id, rings[1]!.ring.id]);
  assert.is(pool.busy, 0);
});

// ---- the Node behaviour the worker relies on ----

test('node: a TLS socket consumes a write synchronously when nothing is pending on it', async () => {
  const { cert, key } = await selfSignedCert();
  const server = tls.createServer({ cert, key });
  const got = new Promise<Buffer>((resolve) => {
    server.on('secureConnection', (s) => {
      const sab = new SharedArrayBuffer(3 * 65536);
      const ring = new Uint8Array(sab);
      fillPattern(0, 0, ring);
      const original = Buffer.from(ring);
      assert.is(s.writableLength, 0);
      s.write(new Uint8Array(sab, 0, 65536), () => {
        // Done: nothing pending again.
        assert.is(s.writableLength, 0);
        s.cork(); // several buffers: writev
        s.write(new Uint8Array(sab, 65536, 65536));
        s.write(new Uint8Array(sab, 131072, 65536));
        s.uncork();
        ring.fill(0xee, 65536);
        s.end();
        resolve(original);
      }); // one buffer: writeBuffer
      ring.fill(0xee, 0, 65536);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const c = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  const parts: Buffer[] = [];
  c.on('data', (d: Buffer) => parts.push(d));
  await new Promise((r) => c.on('end', r));
  c.destroy();
  server.close();
  assert.ok(Buffer.concat(parts).equals(await got), 'the bytes written, not the ones written over them afterwards');
});

// ---- whole responses through the ring ----

let s: RunningServer;

/** Each handler records what each write returned, so the test knows which bytes must arrive. */
const results = new Map<string, Array<{ off: number; len: number; bbs: number }>>();

function pattern(offset: number, n: number): Uint8Array {
  return fillPattern(7, offset, new Uint8Array(n));
}

const sites: Site[] = [
  {
    // 3 MiB in writes of assorted sizes; the window starts small, grows past what the ring was
    // made for halfway (those bytes go in pieces of their own), and shrinks again.
    path: '/grow',
    handler: async (req, io) => {
      io.sendWindow = 96 * 1024;
      const total = 3 * 1024 * 1024;
      await io.writeHeader(200, { 'content-length': String(total) });
      let off = 0;
      for (let i = 0; off < total; i++) {
        const n = Math.min(total - off, 1 + ((i * 7919) % (100 * 1024)));
        if (off > total / 2) io.sendWindow = i % 2 === 0 ? 4 * 1024 * 1024 : 200 * 1024;
        const r = await io.write(pattern(off, n), 30);
        assert.is(r, null);
        off += n;
      }
      await io.close();
    },
  },
  {
    // Writes with short timeouts against a client that reads nothing at first: some time out and
    // withdraw their tails, whose ring space later writes reuse. Then the client reads.
    path: '/withdraw',
    handler: async (req, io) => {
      const key = new URLSearchParams(req.query).get('key')!;
      const log: Array<{ off: number; len: number; bbs: number }> = [];
      results.set(key, log);
      io.sendWindow = 64 * 1024;
      await io.writeHeader(200, {});
      let off = 0;
      const t0 = Date.now();
      for (let i = 0; Date.now() - t0 < 3000 || i < 60; i++) {
        const n = 1000 + ((i * 4099) % 50_000);
        const timeout = Date.now() - t0 < 1500 ? 0.05 : 10;
        const r = await io.write(pattern(off, n), timeout);
        const bbs = r === null ? n : bodyBytesSent(r)!;
        log.push({ off, len: n, bbs });
        off += n;
      }
      await io.close();
    },
  },
  {
    // Fills the client's path (it reads nothing), queues 300,000 B more, waits for the client to
    // go away, and records the stats the handler sees then.
    path: '/queued',
    handler: async (req, io) => {
      const key = new URLSearchParams(req.query).get('key')!;
      await io.writeHeader(200, {});
      while ((await io.write(pattern(0, 65536), 0.3)) === null) { /* until the path is full */ }
      await io.write(pattern(0, 300_000), 5);
      const r = await io.wait(0, 10);
      const st = io.getSendStats();
      results.set(key, [{ off: st.current, len: st.sent, bbs: r === null ? -1 : Number(r.isCancelled) }]);
    },
  },
  {
    // n bytes (default 2 MiB) in 64 KiB writes.
    path: '/big',
    handler: async (req, io) => {
      const total = Number(new URLSearchParams(req.query).get('n') ?? 2 * 1024 * 1024);
      await io.writeHeader(200, {});
      for (let off = 0; off < total; off += 65536) {
        const r = await io.write(pattern(off, Math.min(65536, total - off)), 5);
        if (r !== null) return;
      }
      await io.close();
    },
  },
];

test.before(async () => {
  s = await startServer({ listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, tls: true }], probe: false, sites });
});
test.after(async () => {
  await s?.close();
});

/** GET `path`; reads nothing for `stallMs`, then everything; returns head and raw body bytes. */
async function fetchRaw(url: string, path: string, stallMs: number): Promise<{ head: string; body: Buffer }> {
  const u = new URL(url);
  const sock: net.Socket = u.protocol === 'https:'
    ? tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false })
    : net.connect({ host: u.hostname, port: Number(u.port) });
  sock.pause();
  sock.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
  const parts: Buffer[] = [];
  sock.on('data', (d: Buffer) => parts.push(d));
  setTimeout(() => sock.resume(), stallMs);
  await new Promise<void>((resolve, reject) => {
    sock.on('end', () => resolve());
    sock.on('error', reject);
  });
  sock.destroy();
  const all = Buffer.concat(parts);
  const at = all.indexOf('\r\n\r\n');
  return { head: all.subarray(0, at).toString('latin1'), body: all.subarray(at + 4) };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', i);
    const n = parseInt(b.subarray(i, eol).toString('latin1'), 16);
    if (n === 0) break;
    out.push(b.subarray(eol + 2, eol + 2 + n));
    i = eol + 2 + n + 2;
  }
  return Buffer.concat(out);
}

for (const which of ['plain', 'TLS'] as const) {
  const url = (): string => s.addresses[which === 'plain' ? 0 : 1]!.url;

  test(`${which}: a body through a growing ring, and past it when the window outgrows it, arrives intact`, async () => {
    const { head, body } = await fetchRaw(url(), '/grow', 300);
    assert.match(head, /^HTTP\/1\.1 200/);
    assert.is(body.length, 3 * 1024 * 1024);
    assert.ok(Buffer.from(pattern(0, body.length)).equals(body), 'body bytes');
  });

  test(`${which}: withdrawn tails leave no trace; their ring space carries later writes intact`, async () => {
    const key = `${which}-${Date.now()}`;
    const { body } = await fetchRaw(url(), `/withdraw?key=${key}`, 1800);
    const log = results.get(key)!;
    assert.ok(log.some((w) => w.bbs < w.len), 'some writes timed out and withdrew their tails');
    const expected = Buffer.concat(log.map((w) => pattern(w.off, w.bbs)));
    const got = dechunk(body);
    assert.is(got.length, expected.length);
    assert.ok(got.equals(expected), 'exactly the committed bytes of every write');
  });
}

test('bytes still queued when the client resets are not counted as sent', async () => {
  for (const u of s.addresses) {
    const key = `q-${u.port}`;
    const c: net.Socket = u.tls
      ? tls.connect({ host: u.host, port: u.port, rejectUnauthorized: false })
      : net.connect({ host: u.host, port: u.port });
    c.pause();
    c.write(`GET /queued?key=${key} HTTP/1.1\r\nhost: x\r\n\r\n`);
    c.on('error', () => {});
    await new Promise((r) => setTimeout(r, 1500));
    if (u.tls) c.destroy();
    else c.resetAndDestroy();
    const t0 = Date.now();
    while (!results.has(key) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    const [st] = results.get(key)!;
    assert.is(st!.bbs, 1, 'wait() reported the cancellation');
    assert.ok(st!.len < st!.off, `sent ${st!.len} < current ${st!.off}: the queued bytes never left`);
  }
});

test('every ring goes back to the pool: after HEAD, a client that resets mid-body, pipelined responses', async () => {
  const url = new URL(s.addresses[0]!.url);
  // HEAD: counted, never on the wire.
  const h = net.connect({ host: url.hostname, port: Number(url.port) });
  h.write('HEAD /big HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  h.resume();
  await new Promise((r) => h.on('close', r));
  // A client that reads nothing, then resets.
  for (const u of s.addresses) {
    const c: net.Socket = u.tls
      ? tls.connect({ host: u.host, port: u.port, rejectUnauthorized: false })
      : net.connect({ host: u.host, port: u.port });
    c.pause();
    c.write('GET /big?n=16000000 HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 400));
    if (u.tls) c.destroy();
    else c.resetAndDestroy();
  }
  // Pipelined.
  const p = net.connect({ host: url.hostname, port: Number(url.port) });
  p.write('GET /big?n=300000 HTTP/1.1\r\nhost: x\r\n\r\nGET /big?n=300000 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  p.resume();
  await new Promise((r) => p.on('close', r));
  const t0 = Date.now();
  while ((s.activeRequests() > 0 || s.rings().busy > 0) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
  assert.is(s.activeRequests(), 0);
  assert.is(s.rings().busy, 0, 'no ring left serving a response that is over');
  assert.ok(s.rings().idle > 0);
});

test.run();
