// HPACK (RFC 7541) for the server through hpack.js (types: harness/clients/h2/hpack-js.d.ts,
// an ambient declaration the whole project shares).
//
// Responses are encoded here (see ResponseEncoder for why not by hpack.js); requests are decoded
// by hpack.js with one dynamic table per connection of our advertised size (4096, the default).
import hpack from 'hpack.js';
import staticTable from 'hpack.js/lib/hpack/static-table.js';
import { E, H2Error } from './frames.ts';

/**
 * Response field blocks. hpack.js's compressor is a stream whose per-call cost was most of the
 * HTTP/2 hello-world time (bench `--cpu-prof`), and responses need only its simplest part: every
 * field a literal WITHOUT indexing (RFC 7541 6.2.2; the dynamic table is never used, so the block
 * is valid whatever SETTINGS_HEADER_TABLE_SIZE the client sets), the name by its static-table index
 * when it has one (hpack.js's static table), strings without Huffman coding; a field that matches
 * a static entry exactly (`:status 200`) is one indexed byte (6.1). Encoded fields are cached.
 */
export class ResponseEncoder {
  static readonly #cache = new Map<string, Buffer>();

  /** `fields`: flat [name, value, ...], names lower-case. */
  encode(fields: string[]): Buffer {
    const parts: Buffer[] = [];
    let len = 0;
    for (let i = 0; i < fields.length; i += 2) {
      const b = ResponseEncoder.field(fields[i]!, fields[i + 1]!);
      parts.push(b);
      len += b.length;
    }
    return Buffer.concat(parts, len);
  }

  static field(name: string, value: string): Buffer {
    const key = `${name}\0${value}`;
    let b = ResponseEncoder.#cache.get(key);
    if (b !== undefined) return b;
    const full = STATIC_FULL.get(key);
    if (full !== undefined) b = Buffer.from(integer(full, 7, 0x80));
    else {
      const idx = STATIC_NAME.get(name);
      const head = idx !== undefined ? integer(idx, 4, 0x00) : [0x00, ...string(name)];
      b = Buffer.from([...head, ...string(value)]);
    }
    // Values such as dates and lengths change; keep the cache bounded.
    if (ResponseEncoder.#cache.size >= 4096) ResponseEncoder.#cache.clear();
    ResponseEncoder.#cache.set(key, b);
    return b;
  }
}

/** Static table (RFC 7541 Appendix A, from hpack.js): exact entries and first index per name. */
const STATIC_FULL = new Map<string, number>();
const STATIC_NAME = new Map<string, number>();
staticTable.table.forEach((e: { name: string; value: string }, i: number) => {
  STATIC_FULL.set(`${e.name}\0${e.value}`, i + 1);
  if (!STATIC_NAME.has(e.name)) STATIC_NAME.set(e.name, i + 1);
});

/** An HPACK integer with an N-bit prefix (5.1); `flags` are the first byte's high bits. */
function integer(v: number, n: number, flags: number): number[] {
  const max = (1 << n) - 1;
  if (v < max) return [flags | v];
  const out = [flags | max];
  v -= max;
  while (v >= 128) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** An HPACK string literal without Huffman coding (5.2); the value as bytes (latin1). */
function string(s: string): number[] {
  const bytes = Buffer.from(s, 'latin1');
  return [...integer(bytes.length, 7, 0x00), ...bytes];
}

export class RequestDecoder {
  readonly #d = hpack.decompressor.create({ table: { maxSize: 4096 } });
  #error: Error | null = null;

  constructor() {
    this.#d.on('error', (err) => { this.#error = err; });
  }

  /**
   * One whole field block as flat [name, value, ...]; a failure is a connection error
   * (COMPRESSION_ERROR). Decoding stops once the fields exceed `maxDecoded` bytes (RFC 7541 size:
   * name + value + 32 each): an "HPACK bomb" (a small block of 1-byte references to a large
   * table entry) must not be decoded whole before the size check. The table cannot follow a block
   * decoded in part, so that is a connection error (ENHANCE_YOUR_CALM).
   */
  decode(block: Buffer, maxDecoded = Infinity): string[] {
    const fields: string[] = [];
    this.#error = null;
    let size = 0;
    // hpack.js's execute() decodes the whole block at once; its loop, one field at a time.
    const d = this.#d as unknown as { _decoder: { isEmpty(): boolean }; _execute(): void };
    try {
      this.#d.write(block);
      while (!d._decoder.isEmpty()) {
        d._execute();
        for (let h = this.#d.read(); h !== null; h = this.#d.read()) {
          fields.push(h.name, h.value);
          size += h.name.length + h.value.length + 32;
        }
        if (size > maxDecoded) throw new H2Error(E.ENHANCE_YOUR_CALM, 0, `field block decodes to more than ${maxDecoded} bytes`);
      }
    } catch (err) {
      if (err instanceof H2Error) throw err;
      this.#error = err as Error;
    }
    for (let h = this.#d.read(); h !== null; h = this.#d.read()) fields.push(h.name, h.value);
    if (this.#error !== null) throw new H2Error(E.COMPRESSION_ERROR, 0, `HPACK: ${this.#error.message}`);
    return fields;
  }
}
