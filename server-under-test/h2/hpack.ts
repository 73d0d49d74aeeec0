// HPACK (RFC 7541) for the server through hpack.js (types: harness/clients/h2/hpack-js.d.ts,
// an ambient declaration the whole project shares).
//
// Responses are encoded without adding to the dynamic table (literals, static-table names,
// Huffman), so they stay valid whatever SETTINGS_HEADER_TABLE_SIZE the client sets. Requests are
// decoded with one dynamic table per connection of our advertised size (4096, the default).
import hpack from 'hpack.js';
import { E, H2Error } from './frames.ts';

export class ResponseEncoder {
  readonly #c = hpack.compressor.create({ table: { maxSize: 0 } });

  /** `fields`: flat [name, value, ...], names lower-case. */
  encode(fields: string[]): Buffer {
    const list = [];
    for (let i = 0; i < fields.length; i += 2) list.push({ name: fields[i]!, value: fields[i + 1]!, incremental: false });
    this.#c.write(list);
    const out: Buffer[] = [];
    for (let b = this.#c.read(); b !== null; b = this.#c.read()) out.push(b);
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }
}

export class RequestDecoder {
  readonly #d = hpack.decompressor.create({ table: { maxSize: 4096 } });
  #error: Error | null = null;

  constructor() {
    this.#d.on('error', (err) => { this.#error = err; });
  }

  /** One whole field block as flat [name, value, ...]; a failure is a connection error (COMPRESSION_ERROR). */
  decode(block: Buffer): string[] {
    const fields: string[] = [];
    this.#error = null;
    try {
      this.#d.write(block);
      this.#d.execute();
    } catch (err) {
      this.#error = err as Error;
    }
    for (let h = this.#d.read(); h !== null; h = this.#d.read()) fields.push(h.name, h.value);
    if (this.#error !== null) throw new H2Error(E.COMPRESSION_ERROR, 0, `HPACK: ${this.#error.message}`);
    return fields;
  }
}
