// The bench's h2load output parser on real output, captured from h2load 1.52.0 (Debian 12's
// nghttp2-client) against bench/servers/node-http2.ts and node-http.ts on loopback:
//   hello-timed-warmup.txt   h2load -t1 -c64 -m10 -D 5 --warm-up-time 2 .../hello
//   hello-n1.txt             h2load -n1 -c1 .../hello
//   stream-1gib.txt          h2load -n1 -c1 .../stream?bytes=1073741824&chunk=65536&timeout=60
//   h1-only-server.txt       h2load -n10 -c1 against an HTTP/1.1-only server (exit status 0!)
//   refused.txt              h2load -n1 -c1 http://127.0.0.1:1/hello (nothing listening)
//   404.txt                  h2load -n100 -c1 .../nope
//
// @test quick
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { h2loadProblem, parseH2load } from '../../bench/lib/h2load.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/h2load/${name}`, import.meta.url), 'utf8');

test('timed run with warm-up: req/s over the main duration, elapsed includes the warm-up', () => {
  const r = parseH2load(fixture('hello-timed-warmup.txt'));
  assert.is(r.protocol, 'h2c');
  assert.is(r.rps, 40612);
  // 203060 requests in the 5 s main duration; "finished in 7.00s" counts the 2 s warm-up too.
  assert.is(r.requests.total, 203060);
  assert.is(Math.round(r.requests.succeeded / r.rps), 5);
  assert.is(r.elapsedSeconds, 7);
  assert.equal(r.requests, { total: 203060, started: 203060, done: 203060, succeeded: 203060, failed: 0, errored: 0, timeout: 0 });
  // h2load 1.52 counts warm-up responses in the status codes (203700 > 203060): not an error.
  assert.equal(r.status, { '2xx': 203700, '3xx': 0, '4xx': 0, '5xx': 0 });
  assert.equal(r.traffic, { total: 9575500, headers: 2232528, data: 3330360 });
  assert.ok(Math.abs(r.bytesPerSecond - 1.83 * 1024 * 1024) < 1);
  assert.is(r.latencyMean, '15.59ms');
  assert.is(h2loadProblem(r), null);
});

test('1 GiB stream: exact byte counts, elapsed in ms', () => {
  const r = parseH2load(fixture('stream-1gib.txt'));
  assert.is(r.elapsedSeconds, 0.51039);
  assert.is(r.rps, 1.96);
  assert.equal(r.traffic, { total: 1074331727, headers: 43, data: 1073741824 });
  assert.ok(Math.abs(r.bytesPerSecond - 1.96 * 1024 ** 3) < 1, 'GB/s is binary (GiB/s)');
  assert.is(r.requests.succeeded, 1);
  assert.is(h2loadProblem(r), null);
});

test('one hello request: KB/s, ms', () => {
  const r = parseH2load(fixture('hello-n1.txt'));
  assert.is(r.elapsedSeconds, 0.00562);
  assert.ok(Math.abs(r.bytesPerSecond - 16.68 * 1024) < 0.01);
  assert.equal(r.traffic, { total: 96, headers: 39, data: 12 });
  assert.is(r.latencyMean, '5.18ms');
  assert.is(h2loadProblem(r), null);
});

test('an HTTP/1.1-only server: h2load exits 0 and says h2c, but nothing succeeded', () => {
  const r = parseH2load(fixture('h1-only-server.txt'));
  assert.is(r.protocol, 'h2c');
  assert.is(r.rps, 0);
  assert.equal(r.requests, { total: 10, started: 1, done: 0, succeeded: 0, failed: 10, errored: 10, timeout: 0 });
  assert.match(h2loadProblem(r) ?? '', /no request succeeded .*prior knowledge/);
});

test('nothing listening: no protocol line, microseconds, 0B/s', () => {
  const r = parseH2load(fixture('refused.txt'));
  assert.is(r.protocol, null);
  assert.is(r.elapsedSeconds, 0.00025);
  assert.is(r.bytesPerSecond, 0);
  assert.match(h2loadProblem(r) ?? '', /no request succeeded .*no connection/);
});

test('404s count as failed; a run with some failures is rejected', () => {
  const r = parseH2load(fixture('404.txt'));
  assert.equal(r.status, { '2xx': 0, '3xx': 0, '4xx': 100, '5xx': 0 });
  assert.is(r.requests.failed, 100);
  assert.ok(h2loadProblem(r));
  const partly = parseH2load(fixture('hello-timed-warmup.txt').replace('203060 succeeded, 0 failed', '203059 succeeded, 1 failed'));
  assert.match(h2loadProblem(partly) ?? '', /1 failed/);
  const non2xx = parseH2load(fixture('stream-1gib.txt').replace('1 2xx, 0 3xx, 0 4xx, 0 5xx', '1 2xx, 0 3xx, 0 4xx, 2 5xx'));
  assert.match(h2loadProblem(non2xx) ?? '', /2 non-2xx/);
  assert.match(h2loadProblem(r, 'h2') ?? '', /no request succeeded/);
});

test('robust to CRLF, other units and versions that omit the optional lines', () => {
  const crlf = parseH2load(fixture('stream-1gib.txt').replace(/\n/g, '\r\n'));
  assert.is(crlf.traffic.data, 1073741824);
  const bare = parseH2load(
    'finished in 12.50s, 80000.10 req/s, 3.50MB/s\nrequests: 1000001 total, 1000001 started, 1000001 done, 1000001 succeeded, 0 failed, 0 errored, 0 timeout\n',
  );
  assert.is(bare.elapsedSeconds, 12.5);
  assert.is(bare.rps, 80000.1);
  assert.is(bare.bytesPerSecond, 3.5 * 1024 * 1024);
  assert.is(bare.protocol, null);
  assert.equal(bare.traffic, { total: 0, headers: 0, data: 0 });
  assert.is(parseH2load('finished in 1.5m, 1.00 req/s, 2.00B/s\nrequests: 1 total, 1 started, 1 done, 1 succeeded, 0 failed, 0 errored, 0 timeout').elapsedSeconds, 90);
  assert.is(parseH2load('finished in 12µs, 1.00 req/s, 2.00B/s\nrequests: 1 total, 1 started, 1 done, 1 succeeded, 0 failed, 0 errored, 0 timeout').elapsedSeconds, 12e-6);
});

test('output without a summary: a clear error, not a wrong number', () => {
  assert.throws(() => parseH2load(''), /no "finished in \.\.\." line/);
  assert.throws(() => parseH2load('starting benchmark...\nNo protocol negotiated. Exiting...\n'), /did not speak HTTP\/2/);
  assert.throws(() => parseH2load('finished in 1.00s, 1.00 req/s, 1.00B/s\n'), /no "requests: \.\.\." line/);
  assert.throws(() => parseH2load('finished in 1.00 parsecs, 1.00 req/s, 1.00B/s\nrequests: 1 total, 1 started, 1 done, 1 succeeded, 0 failed, 0 errored, 0 timeout'), /finished in/);
});

test.run();
