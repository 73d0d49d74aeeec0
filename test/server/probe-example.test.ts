// The worked example of docs/probe-protocol.md, taken from the document itself and run through
// the probe endpoints of the reference server with the client the document describes (stalls
// 2.5 s, then reads everything): the journal is what the document's "Reading it" says, and the
// bytes on the wire are exactly what the journal says was sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request } from 'undici';
import { H1ResponseParser } from '../../harness/clients/h1-response-parser.ts';
import { matchWire } from '../../harness/conformance/verifiers.ts';
import { Journal } from '../../protocol/index.ts';
import { startServer, type RunningServer } from '../../server-under-test/server.ts';

const DOC = new URL('../../docs/probe-protocol.md', import.meta.url);

/** The JSON after "PUT /__probe/scripts/ex1" in the worked example, up to the run request. */
function exampleScript(): unknown {
  const text = readFileSync(DOC, 'utf8');
  const at = text.indexOf('## Worked example');
  assert.ok(at >= 0, 'docs/probe-protocol.md has a worked example');
  const m = /PUT \/__probe\/scripts\/ex1[^\n]*\n([\s\S]*?)\nGET \/__probe\/run\/ex1/.exec(text.slice(at));
  assert.ok(m, 'the worked example has a PUT of ex1 followed by its run');
  return JSON.parse(m![1]!);
}

let s: RunningServer;
test.before(async () => {
  s = await startServer({ listen: [{ host: '127.0.0.1', port: 0 }], probe: true });
});
test.after(async () => {
  await s.close();
});

test('the worked example of docs/probe-protocol.md runs and its journal reads as the document says', async () => {
  const base = s.addresses[0]!.url;
  const put = await request(`${base}/__probe/scripts/ex1`, { method: 'PUT', body: JSON.stringify(exampleScript()) });
  assert.is(put.statusCode, 201);
  assert.equal(await put.body.json(), { id: 'ex1' });

  const parser = new H1ResponseParser({ storeBodyCap: 64 << 20 });
  parser.expectResponse('GET');
  const sock = connect(Number(new URL(base).port), '127.0.0.1');
  sock.pause();
  sock.on('error', () => {});
  const ended = new Promise<void>((resolve) => sock.on('close', () => resolve()));
  sock.on('data', (d: Buffer) => parser.push(d));
  sock.write('GET /__probe/run/ex1 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  await new Promise((r) => setTimeout(r, 2500));
  sock.resume();
  await ended;
  parser.end();

  const j = Journal.parse(await (await request(`${base}/__probe/journal/ex1?wait=10`)).body.json());
  assert.ok(j.done);
  assert.is(j.end?.reason, 'completed');
  const e = j.entries as any[];
  assert.is(e.length, 12);
  // Entry 0: the head is committed at once; write_header returns nil.
  assert.is(e[0].op, 'write_header');
  assert.is(e[0].result, null);
  // Entry 1: the 8 MiB write fills the path, times out after ~0.5 s and withdraws the rest.
  assert.is(e[1].op, 'write');
  assert.ok(e[1].result && e[1].result.body_bytes_sent > 0 && e[1].result.body_bytes_sent < 8388608, JSON.stringify(e[1]));
  assert.ok(e[1].t1 - e[1].t0 >= 450, `write 0 took ${e[1].t1 - e[1].t0} ms`);
  assert.is(e[1].stats.current, e[1].result.body_bytes_sent);
  // Entries 2-5: four 16 KiB writes fit in the 64 KiB window and return nil.
  for (const i of [2, 3, 4, 5]) assert.is(e[i].result, null, `entry ${i}`);
  // Entry 6: the window is full; the fifth write times out with nothing sent.
  assert.equal(e[6].result, { cancelled: false, body_bytes_sent: 0 });
  assert.is(e[6].stats.current, e[1].result.body_bytes_sent + 4 * 16384);
  // Entry 7: wait(0) returns nil once nothing is in flight.
  assert.is(e[7].op, 'wait');
  assert.is(e[7].result, null);
  assert.is(e[7].stats.sent, e[7].stats.current);
  assert.equal(e[10].helpers, { cancelled: null, headers_were_sent: true, body_bytes_sent: 'raised' });

  // On the wire: exactly the sent prefix of every write, in order, then the last chunk.
  const r = parser.responses[0]!;
  assert.is(r.status, 200);
  assert.is(r.bodyBytes, e[11].stats.sent);
  const m = matchWire(j, Buffer.concat(r.body));
  assert.ok(m.ok, m.problem ?? '');
});

test.run();
