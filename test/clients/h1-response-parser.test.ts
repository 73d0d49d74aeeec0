// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { H1ResponseParser, headerValue, headerValues, storedBody, type ParsedResponse } from '../../harness/clients/h1-response-parser.ts';

interface Summary {
  status: number; reason: string; headers: Array<[string, string]>; body: string; bodyBytes: number;
  completion: string; error: { offset: number; message: string } | null; trailers: Array<[string, string]>;
  interim: number[]; chunks: number; framing: string;
}

function summarise(r: ParsedResponse): Summary {
  return {
    status: r.status, reason: r.reason, headers: r.headers, body: storedBody(r).toString('latin1'),
    bodyBytes: r.bodyBytes, completion: r.completion, error: r.error, trailers: r.trailers,
    interim: r.interim.map((i) => i.status), chunks: r.chunks, framing: r.framing,
  };
}

/** Pushes every piece through one reused buffer, scribbled over after each push (as onread does). */
function parseWith(pieces: Buffer[], methods: string[], close: boolean): Summary[] {
  const p = new H1ResponseParser({ now: () => 0 });
  for (const m of methods) p.expectResponse(m);
  const shared = Buffer.alloc(Math.max(...pieces.map((b) => b.length)));
  for (const b of pieces) {
    b.copy(shared);
    p.push(shared.subarray(0, b.length));
    shared.fill(0x58);
  }
  if (close) p.end();
  return p.responses.map(summarise);
}

/** Parses `input` whole, byte by byte and split at every position; all must agree. */
function parseEverySplit(input: string, methods: string[] = ['GET'], close = false): Summary[] {
  const buf = Buffer.from(input, 'latin1');
  const whole = parseWith([buf], methods, close);
  const bytes = parseWith([...buf].map((b) => Buffer.from([b])), methods, close);
  assert.equal(bytes, whole, 'byte-by-byte differs from whole');
  for (let i = 1; i < buf.length; i++) {
    const split = parseWith([buf.subarray(0, i), buf.subarray(i)], methods, close);
    assert.equal(split, whole, `split at ${i} differs from whole`);
  }
  return whole;
}

test('content-length body, headers case-insensitive, duplicates kept', () => {
  const [r, ...rest] = parseEverySplit(
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Empty:\r\n\r\nhello',
  );
  assert.is(rest.length, 0);
  assert.is(r!.status, 200);
  assert.is(r!.reason, 'OK');
  assert.is(r!.body, 'hello');
  assert.is(r!.completion, 'complete');
  assert.equal(headerValues(r!.headers, 'SET-COOKIE'), ['a=1', 'b=2']);
  assert.is(headerValue(r!.headers, 'x-empty'), '');
  assert.is(headerValue(r!.headers, 'absent'), undefined);
});

test('chunked with extensions and trailers', () => {
  const [r] = parseEverySplit(
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value;q="a \\"b\\""\r\nhello\r\n' +
      '001 ; x\r\n,\r\n' +
      '6\r\n world\r\n' +
      '0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n',
  );
  assert.is(r!.body, 'hello, world');
  assert.is(r!.chunks, 3);
  assert.is(r!.completion, 'complete');
  assert.equal(r!.trailers, [['X-Checksum', 'abc'], ['X-Other', '1']]);
});

test('1xx interim responses are skipped, the final one is reported', () => {
  const [r] = parseEverySplit(
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' +
      'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
  );
  assert.is(r!.status, 201);
  assert.equal(r!.interim, [100, 103]);
  assert.is(r!.body, 'ok');
});

test('HEAD, 204 and 304 have no body; pipelined responses come in order', () => {
  const rs = parseEverySplit(
    'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n' +
      'HTTP/1.1 204 No Content\r\n\r\n' +
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz',
    ['HEAD', 'GET', 'GET', 'GET', 'GET'],
  );
  assert.equal(rs.map((r) => [r.status, r.body, r.completion]), [
    [200, '', 'complete'], [204, '', 'complete'], [304, '', 'complete'], [200, 'abc', 'complete'], [200, 'xyz', 'complete'],
  ]);
});

test('a body without length ends at close, complete', () => {
  const [r] = parseEverySplit('HTTP/1.0 200 OK\r\n\r\nuntil the end', ['GET'], true);
  assert.is(r!.framing, 'until-close');
  assert.is(r!.body, 'until the end');
  assert.is(r!.completion, 'complete');
});

test('early close in the middle of a chunk: truncated-by-close', () => {
  const [r] = parseEverySplit('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n01234', ['GET'], true);
  assert.is(r!.completion, 'truncated-by-close');
  assert.is(r!.bodyBytes, 5);
  assert.is(r!.error, null);
});

test('content-length longer than what arrives (connection closes): truncated-by-close', () => {
  const [r] = parseEverySplit('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', ['GET'], true);
  assert.is(r!.completion, 'truncated-by-close');
  assert.is(r!.bodyBytes, 3);
});

test('content-length shorter than what arrives: the extra bytes are a framing error at their offset', () => {
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n';
  const rs = parseEverySplit(`${head}abcdef`, ['GET'], true);
  assert.is(rs.length, 2);
  assert.is(rs[0]!.completion, 'complete');
  assert.is(rs[0]!.body, 'abc');
  assert.is(rs[1]!.completion, 'framing-error');
  assert.is(rs[1]!.error!.offset, head.length + 3);
  assert.match(rs[1]!.error!.message, /expected a status line/);
});

test('bad chunk sizes are framing errors with the offset of the line', () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
  for (const bad of ['zz\r\n', '-1\r\n', ' 5\r\n', '5 x\r\n', '5;\r\n', '\r\n', '10000000000000000\r\n']) {
    const [r] = parseEverySplit(`${head}2\r\nok\r\n${bad}`);
    assert.is(r!.completion, 'framing-error', bad);
    assert.is(r!.error!.offset, head.length + 7, bad);
    assert.is(r!.bodyBytes, 2);
  }
});

test('chunk data longer than its size: no CRLF where it must be', () => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
  const [r] = parseEverySplit(`${head}3\r\nabcd\r\n0\r\n\r\n`);
  assert.is(r!.completion, 'framing-error');
  assert.is(r!.error!.offset, head.length + 6);
  assert.match(r!.error!.message, /expected CRLF after chunk data/);
});

test('strict head syntax: bare LF, obs-fold, bad names, conflicting lengths, TE in 1.0', () => {
  const bad: Array<[string, RegExp]> = [
    ['HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', /bare LF/],
    ['HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n', /folding/],
    ['HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n', /invalid header field name/],
    ['HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n', /bare CR/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', /conflicting Content-Length/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\nabc', /invalid Content-Length/],
    ['HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', /HTTP\/1.0/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', /not the final transfer coding/],
    ['HTTP/2.0 200 OK\r\n\r\n', /unsupported HTTP version/],
    ['HTTP/1.1 2000 OK\r\n\r\n', /expected a status line/],
    ['http/1.1 200 OK\r\n\r\n', /expected a status line/],
  ];
  for (const [input, message] of bad) {
    const [r] = parseEverySplit(input);
    assert.is(r!.completion, 'framing-error', input);
    assert.match(r!.error!.message, message, input);
  }
  const [same] = parseEverySplit('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc');
  assert.is(same!.completion, 'complete');
});

test('Transfer-Encoding wins over Content-Length, recorded as an anomaly', () => {
  const p = new H1ResponseParser();
  p.expectResponse('GET');
  p.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n'));
  const r = p.responses[0]!;
  assert.is(r.completion, 'complete');
  assert.is(storedBody(r).toString(), 'hi');
  assert.ok(r.anomalies.some((a) => /both Transfer-Encoding and Content-Length/.test(a)));
});

test('after a framing error the parser stops and counts what it ignores', () => {
  const p = new H1ResponseParser();
  p.expectResponse('GET');
  p.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n'));
  p.push(Buffer.from('more bytes'));
  assert.ok(p.finished);
  assert.is(p.error!.offset, 47);
  assert.is(p.ignoredBytes, 10);
  assert.is(p.responses.length, 1);
});

test('store cap keeps a prefix, counting continues', () => {
  const p = new H1ResponseParser({ storeBodyCap: 100 });
  p.expectResponse('GET');
  p.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n'));
  for (let i = 0; i < 100; i++) p.push(Buffer.alloc(100, i));
  const r = p.responses[0]!;
  assert.is(r.bodyBytes, 10_000);
  assert.is(r.storedBytes, 100);
  assert.ok(storedBody(r).equals(Buffer.alloc(100, 0)));
  assert.is(r.completion, 'complete');
});

test('limits: an endless head or chunk line is a framing error, not unbounded memory', () => {
  const p = new H1ResponseParser({ maxHeadBytes: 1024 });
  p.expectResponse('GET');
  p.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
  for (let i = 0; i < 100; i++) p.push(Buffer.from(`X-${i}: ${'v'.repeat(20)}\r\n`));
  assert.match(p.error!.message, /head longer than 1024/);
  const q = new H1ResponseParser();
  q.expectResponse('GET');
  q.push(Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'x'.repeat(5000)}`));
  assert.match(q.error!.message, /line longer than 4096/);
});

test('close between responses ends nothing; close in a head truncates; abandon marks the client', () => {
  const p = new H1ResponseParser();
  p.expectResponse('GET');
  p.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  p.end();
  assert.is(p.responses.length, 1);
  assert.is(p.responses[0]!.completion, 'complete');
  const q = new H1ResponseParser();
  q.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-'));
  q.end();
  assert.is(q.responses[0]!.completion, 'truncated-by-close');
  assert.ok(q.responses[0]!.anomalies.includes('response without an outstanding request'));
  const a = new H1ResponseParser();
  a.expectResponse('GET');
  a.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
  a.abandon();
  assert.is(a.responses[0]!.completion, 'abandoned');
});

test('101 switching protocols ends HTTP/1.1 parsing', () => {
  const p = new H1ResponseParser();
  p.expectResponse('GET');
  p.push(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00', 'latin1'));
  assert.is(p.responses[0]!.status, 101);
  assert.is(p.responses[0]!.framing, 'upgraded');
  assert.is(p.ignoredBytes, 2);
});

test('throughput: a 256 MB chunked body parses fast (prints the rate)', () => {
  const piece = Buffer.alloc(16 * 1024, 7);
  const framed = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
  const block = Buffer.concat(Array.from({ length: 4 }, () => framed));
  const p = new H1ResponseParser({ storeBodyCap: 0 });
  p.expectResponse('GET');
  p.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
  const t0 = performance.now();
  const n = (256 << 20) / (4 * piece.length);
  for (let i = 0; i < n; i++) p.push(block);
  p.push(Buffer.from('0\r\n\r\n'));
  const ms = performance.now() - t0;
  const r = p.responses[0]!;
  assert.is(r.completion, 'complete');
  assert.is(r.bodyBytes, 256 << 20);
  console.log(`  parser: 256 MB chunked (16 KiB chunks) in ${ms.toFixed(0)} ms = ${(256 / (ms / 1000)).toFixed(0)} MB/s`);
});

test.run();
