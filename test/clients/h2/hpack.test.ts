// HPACK through hpack.js: our encoder's blocks decode, a peer's dynamic table is followed
// across blocks, and bad blocks are failures (COMPRESSION_ERROR material), never exceptions.
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import hpack from 'hpack.js';
import { HeaderDecoder, HeaderEncoder, type HeaderList } from '../../../harness/clients/h2/hpack.ts';

const REQUEST: HeaderList = [
  [':method', 'GET'], [':scheme', 'http'], [':authority', '127.0.0.1:8080'], [':path', '/a?b=c'],
  ['user-agent', 'dawdle'], ['x-latin1', 'caf\u00e9'], ['x-empty', ''],
];

test('encoded blocks decode to the same list, block after block', () => {
  const enc = new HeaderEncoder();
  const dec = new HeaderDecoder();
  for (let i = 0; i < 3; i++) {
    const r = dec.decode(enc.encode(REQUEST));
    assert.ok(r.ok);
    assert.equal(r.ok && r.headers, REQUEST);
  }
});

test('the encoder never indexes: its blocks decode with a zero-size table too', () => {
  const enc = new HeaderEncoder();
  const dec = new HeaderDecoder(0);
  enc.encode(REQUEST);
  const r = dec.decode(enc.encode(REQUEST));
  assert.ok(r.ok, JSON.stringify(r));
});

test("a peer's dynamic table is followed across blocks", () => {
  const peer = hpack.compressor.create({ table: { maxSize: 4096 } });
  const block = (h: HeaderList) => {
    peer.write(h.map(([name, value]) => ({ name, value })));
    const out: Buffer[] = [];
    for (let b = peer.read(); b !== null; b = peer.read()) out.push(b);
    return Buffer.concat(out);
  };
  const dec = new HeaderDecoder();
  const head: HeaderList = [[':status', '200'], ['x-custom', 'value-1'], ['content-type', 'text/plain']];
  const first = block(head);
  const second = block(head);
  assert.ok(second.length < first.length, 'the second block refers to the dynamic table');
  for (const b of [first, second]) {
    const r = dec.decode(b);
    assert.equal(r.ok && r.headers, head);
  }
});

test('a bad block fails (index out of range), and the decoder stays failed', () => {
  const dec = new HeaderDecoder();
  const bad = dec.decode(Buffer.from([0xff, 0x80])); // indexed field 127+0: no such entry
  assert.is(bad.ok, false);
  const next = dec.decode(new HeaderEncoder().encode(REQUEST));
  assert.is(next.ok, false);
  assert.match(!next.ok ? next.message : '', 'earlier field block failed');
});

test('a truncated block and a table size update above our limit fail', () => {
  const block = new HeaderEncoder().encode(REQUEST);
  assert.is(new HeaderDecoder().decode(block.subarray(0, block.length - 3)).ok, false);
  // 001xxxxx: dynamic table size update to 8192 with a 4096 limit.
  assert.is(new HeaderDecoder(4096).decode(Buffer.from([0x3f, 0xe1, 0x3f])).ok, false);
});

test.run();
