// The server's response field encoder (server-under-test/h2/hpack.ts) against an independent
// decoder (hpack.js's decompressor, the one the client simulator uses).
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HeaderDecoder } from '../../harness/clients/h2/hpack.ts';
import { ResponseEncoder } from '../../server-under-test/h2/hpack.ts';

function roundTrip(fields: string[]): Array<[string, string]> {
  const block = new ResponseEncoder().encode(fields);
  const r = new HeaderDecoder().decode(block);
  if (!r.ok) throw new Error(r.message);
  return r.headers;
}

function pairs(fields: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < fields.length; i += 2) out.push([fields[i]!, fields[i + 1]!]);
  return out;
}

test('static exact entries, static names, new names, empty and long values decode back exactly', () => {
  const fields = [
    ':status', '200', ':status', '404', ':status', '418', 'content-type', 'text/plain', 'date', 'Mon, 23 Nov 2026 16:00:00 GMT',
    'content-length', '12', 'x-custom', 'v', 'x-empty', '', 'www-authenticate', 'Basic', 'set-cookie', 'a=1',
    'x-long', 'y'.repeat(300), 'x'.repeat(200), 'z'.repeat(20_000),
  ];
  assert.equal(roundTrip(fields), pairs(fields));
});

test('latin1 bytes in values survive', () => {
  const fields = [':status', '200', 'x-bytes', '\u00e9\u00ff\u0080'];
  assert.equal(roundTrip(fields), pairs(fields));
});

test(':status 200 is one indexed byte; a block never touches the dynamic table', () => {
  assert.equal([...ResponseEncoder.field(':status', '200')], [0x88]);
  const block = new ResponseEncoder().encode(['content-type', 'text/plain', 'x-a', 'b']);
  // Literal without indexing: first byte 0000xxxx for every field (no 01xxxxxx incremental indexing).
  assert.is(block[0]! & 0xf0, 0x00);
  // Decoding the same block twice with one decoder gives the same fields (no table state was added).
  const d = new HeaderDecoder();
  const a = d.decode(block);
  const b = d.decode(block);
  assert.equal(a, b);
});

test.run();
