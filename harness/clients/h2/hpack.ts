// HPACK (RFC 7541) through hpack.js: field blocks in and out, synchronous, never throwing.
//
// The encoder never adds to the dynamic table (literals without indexing, static-table names
// and Huffman coding), so what it writes is valid whatever SETTINGS_HEADER_TABLE_SIZE the peer
// sets and needs no table size update. The decoder keeps one dynamic table per connection, as
// large as our SETTINGS_HEADER_TABLE_SIZE; hpack.js rejects a size update above it.
import hpack from 'hpack.js';
import { DEFAULT_HEADER_TABLE_SIZE } from './constants.ts';

/** Field names and values as latin1 strings (one char per byte), in wire order. */
export type HeaderList = Array<[name: string, value: string]>;

export class HeaderEncoder {
  private readonly c = hpack.compressor.create({ table: { maxSize: 0 } });

  encode(headers: HeaderList): Buffer {
    this.c.write(headers.map(([name, value]) => ({ name, value, incremental: false })));
    const out: Buffer[] = [];
    for (let b = this.c.read(); b !== null; b = this.c.read()) out.push(b);
    return Buffer.concat(out);
  }
}

export type DecodeResult = { ok: true; headers: HeaderList } | { ok: false; message: string };

export class HeaderDecoder {
  private readonly d;
  private lastError: Error | null = null;
  private broken: string | null = null;

  constructor(tableSize = DEFAULT_HEADER_TABLE_SIZE) {
    this.d = hpack.decompressor.create({ table: { maxSize: tableSize } });
    this.d.on('error', (err) => { this.lastError = err; });
  }

  /**
   * Decodes one whole field block. After a failure the decoder's table is out of step with the
   * peer's (a COMPRESSION_ERROR ends the connection): every later call fails too.
   */
  decode(block: Buffer): DecodeResult {
    if (this.broken !== null) return { ok: false, message: `an earlier field block failed: ${this.broken}` };
    const headers: HeaderList = [];
    this.lastError = null;
    try {
      this.d.write(block);
      this.d.execute(); // synchronous; failures arrive through the 'error' listener
    } catch (err) {
      this.lastError = err as Error;
    }
    for (let h = this.d.read(); h !== null; h = this.d.read()) headers.push([h.name, h.value]);
    if (this.lastError !== null) {
      this.broken = this.lastError.message;
      return { ok: false, message: this.lastError.message };
    }
    return { ok: true, headers };
  }
}
