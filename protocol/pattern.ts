// The body pattern of probe protocol v1: byte j of the k-th write executed (k from 0) is
// (j + 37*k) mod 251. Bodies are generated on the server and recognised on the client, so every
// byte on the wire can be attributed to its write from the journal alone.

export const PATTERN_MODULUS = 251;
export const PATTERN_STRIDE = 37;

/** 1 MiB: probe writes up to this size need no buffer of their own (ISO-02 counts what they hold). */
const SPAN = 1024 * 1024;
/** BASE[i] = i mod 251, long enough that any window of SPAN bytes starting in the first cycle fits. */
const BASE = (() => {
  const b = Buffer.allocUnsafe(SPAN + PATTERN_MODULUS);
  for (let i = 0; i < b.length; i++) b[i] = i % PATTERN_MODULUS;
  return b;
})();

export function patternByte(k: number, j: number): number {
  return (j + PATTERN_STRIDE * k) % PATTERN_MODULUS;
}

function startOf(k: number, offset: number): number {
  return (offset + PATTERN_STRIDE * (k % PATTERN_MODULUS)) % PATTERN_MODULUS;
}

/** Fills `out` with bytes offset..offset+out.length of write k. */
export function fillPattern(k: number, offset: number, out: Uint8Array): Uint8Array {
  let done = 0;
  while (done < out.length) {
    const n = Math.min(SPAN, out.length - done);
    const s = startOf(k, offset + done);
    out.set(BASE.subarray(s, s + n), done);
    done += n;
  }
  return out;
}

/** A fresh buffer holding bytes offset..offset+length of write k. */
export function makePattern(k: number, length: number, offset = 0): Buffer {
  return fillPattern(k, offset, Buffer.allocUnsafe(length)) as Buffer;
}

/**
 * Bytes offset..offset+length of write k, read-only: up to 1 MiB a view of a shared constant
 * (no allocation), beyond that a fresh buffer. For callers that only read it (the probe's writes).
 */
export function patternView(k: number, length: number, offset = 0): Uint8Array {
  if (length > SPAN) return makePattern(k, length, offset);
  const s = startOf(k, offset);
  return BASE.subarray(s, s + length);
}

/**
 * Write k's body of `length` bytes as a source read in pieces (never generated whole): `read`
 * gives a read-only view of up to `n` bytes (at most 1 MiB) from `offset`, without allocating.
 */
export function patternSource(k: number, length: number): { length: number; read(offset: number, n: number): Uint8Array } {
  return { length, read: (offset, n) => patternView(k, Math.min(n, SPAN, length - offset), offset) };
}

/**
 * Index in `data` of the first byte that differs from write k's pattern starting at `offset`,
 * or -1 when all of `data` matches.
 */
export function firstMismatch(k: number, offset: number, data: Uint8Array): number {
  let done = 0;
  while (done < data.length) {
    const n = Math.min(SPAN, data.length - done);
    const s = startOf(k, offset + done);
    const expected = BASE.subarray(s, s + n);
    const actual = data.subarray(done, done + n);
    if (Buffer.compare(expected, actual) !== 0) {
      for (let i = 0; i < n; i++) if (expected[i] !== actual[i]) return done + i;
    }
    done += n;
  }
  return -1;
}
