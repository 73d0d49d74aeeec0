// The /ticker demo site (server-under-test/demo-sites.ts): a reader that keeps up gets every
// update, in order, fresh; a reader that stops long enough for the socket buffers to fill makes the
// server's writes time out, and the ticker drops the updates it could not send (gaps in seq) and
// goes on with the current one instead of queueing old news.
//
// @test weight 10
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { newHistogram, summarise } from '../../harness/capacity/histogram.ts';
import { TickerReader, type StalenessCounters } from '../../harness/capacity/ticker-reader.ts';
import { demoSites } from '../../server-under-test/demo-sites.ts';
import { startServer, type RunningServer } from '../../server-under-test/server.ts';

let server: RunningServer;
let port = 0;

test.before(async () => {
  server = await startServer({ listen: [{ host: '127.0.0.1', port: 0 }], sites: demoSites() }, { onHandlerError: () => {} });
  port = server.addresses[0]!.port;
});
test.after(async () => { await server.close(); });

const counters = (): StalenessCounters => ({ ages: newHistogram(), lags: newHistogram(), received: 0, dropped: 0, aoiArea: 0, aoiTime: 0 });

/** Reads the whole ticker response, pausing reading from `pauseAt` ms for `pauseMs`. */
function read(path: string, intervalMs: number, pause?: { at: number; ms: number }): Promise<{ c: StalenessCounters; seqs: number[]; head: string }> {
  const c = counters();
  const seqs: number[] = [];
  const reader = new TickerReader(() => c, intervalMs, Date.now, (seq) => seqs.push(seq));
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let head = '';
    let inBody = false;
    s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`));
    s.on('data', (d: Buffer) => {
      let body = d;
      if (!inBody) {
        head += d.toString('latin1');
        const i = head.indexOf('\r\n\r\n');
        if (i < 0) return;
        inBody = true;
        body = Buffer.from(head.slice(i + 4), 'latin1');
        head = head.slice(0, i);
      }
      reader.push(body);
    });
    if (pause) setTimeout(() => { s.pause(); setTimeout(() => s.resume(), pause.ms); }, pause.at);
    s.on('end', () => resolve({ c, seqs, head }));
    s.on('error', reject);
    setTimeout(() => { s.destroy(); reject(new Error('ticker did not end in 20 s')); }, 20_000);
  });
}

test('a reader that keeps up: (nearly) every update, in order, fresh', async () => {
  const { c, seqs, head } = await read('/ticker?interval_ms=50&bytes=200&count=40', 50);
  assert.match(head, /^HTTP\/1\.1 200/);
  // A tick the server's own timer overran (a busy machine) is skipped by design: allow a few.
  assert.ok(c.received >= 36 && c.dropped <= 4, `received ${c.received}, dropped ${c.dropped}`);
  assert.is(seqs[0], 0);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, 'seq only grows');
  const age = summarise(c.ages);
  assert.ok(age.p50! < 50, `age p50 ${age.p50} ms`);
  // Time-average age of information: about half an interval plus the delivery delay.
  const aoi = c.aoiArea / c.aoiTime;
  assert.ok(aoi > 5 && aoi < 60, `AoI ${aoi} ms`);
});

test('a reader that stops: timed-out updates are dropped, the stream goes on with current ones', async () => {
  // 64 KiB every 10 ms = 6.5 MB/s: the kernel's buffers (~4 MB on loopback) fill within a second
  // of the pause, then writes time out (one interval each) and their ticks are skipped.
  const { c, seqs } = await read('/ticker?interval_ms=10&bytes=65536&count=400', 10, { at: 200, ms: 2500 });
  assert.ok(c.received > 20, `received ${c.received}`);
  assert.ok(c.dropped > 20, `dropped ${c.dropped} of ${c.received + c.dropped}`);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, 'seq only grows');
  // After the pause (ticks 20..270) the stream goes on: updates from well after it arrive. (Not
  // "one of the last ticks": a loaded machine drains the 4 MB backlog slowly; 367 of 399 was seen.)
  assert.ok(seqs[seqs.length - 1]! >= 320, `last seq ${seqs[seqs.length - 1]}`);
  // What waited in the kernel's buffers during the pause arrived old.
  assert.ok(summarise(c.ages).max! > 1000, `max age ${summarise(c.ages).max} ms`);
});

test.run();
