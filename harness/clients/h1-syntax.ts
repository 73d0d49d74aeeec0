// HTTP/1.1 syntax pieces (RFC 9110 / RFC 9112) used by the response parser: the grammar of status
// lines, header fields, chunk-size lines and framing headers. Pure functions on latin1 strings;
// each returns a value or an error message, never throws.

/** Header fields in arrival order, names as sent; duplicates kept. */
export type HeaderList = Array<[name: string, value: string]>;

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const TOKEN_RE = new RegExp(`^${TOKEN}$`);
const QUOTED = '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t \\x21-\\x7e\\x80-\\xff])*"';
const CHUNK_EXT = `(?:[ \\t]*;[ \\t]*${TOKEN}(?:[ \\t]*=[ \\t]*(?:${TOKEN}|${QUOTED}))?)*`;
const CHUNK_LINE_RE = new RegExp(`^([0-9A-Fa-f]+)(${CHUNK_EXT})$`);
// status-line = HTTP-version SP status-code SP [ reason-phrase ]; a missing final SP is tolerated.
const STATUS_LINE_RE = /^HTTP\/(\d)\.(\d) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
// field-value: no CTLs except HTAB (obs-text allowed).
const BAD_VALUE_CHAR_RE = /[\x00-\x08\x0a-\x1f\x7f]/;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; at: number };

/** Printable excerpt of a line for error messages. */
export function excerpt(line: string, max = 40): string {
  const s = line.length > max ? `${line.slice(0, max)}…` : line;
  return JSON.stringify(s);
}

export interface StatusLine { version: string; status: number; reason: string }

export function parseStatusLine(line: string): Parsed<StatusLine> {
  const m = STATUS_LINE_RE.exec(line);
  if (!m) return { ok: false, message: `expected a status line, got ${excerpt(line)}`, at: 0 };
  if (m[1] !== '1') return { ok: false, message: `unsupported HTTP version ${m[1]}.${m[2]}`, at: 5 };
  const status = Number(m[3]);
  if (status < 100 || status > 599) return { ok: false, message: `status code ${status} out of range`, at: 9 };
  return { ok: true, value: { version: `${m[1]}.${m[2]}`, status, reason: m[4] ?? '' } };
}

export function parseHeaderLine(line: string): Parsed<[string, string]> {
  if (line[0] === ' ' || line[0] === '\t') {
    return { ok: false, message: 'obsolete line folding in a header field', at: 0 };
  }
  const colon = line.indexOf(':');
  if (colon <= 0) return { ok: false, message: `expected a header field, got ${excerpt(line)}`, at: 0 };
  const name = line.slice(0, colon);
  if (!TOKEN_RE.test(name)) {
    return { ok: false, message: `invalid header field name ${excerpt(name)}`, at: 0 };
  }
  const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  const bad = BAD_VALUE_CHAR_RE.exec(value);
  if (bad) {
    return { ok: false, message: `control character in the value of ${name}`, at: line.indexOf(bad[0], colon) };
  }
  return { ok: true, value: [name, value] };
}

export interface ChunkLine { size: number; extensions: string }

export function parseChunkLine(line: string): Parsed<ChunkLine> {
  const m = CHUNK_LINE_RE.exec(line);
  if (!m) return { ok: false, message: `invalid chunk size line ${excerpt(line)}`, at: 0 };
  const hex = m[1]!.replace(/^0+(?=.)/, '');
  if (hex.length > 13) return { ok: false, message: `chunk size ${excerpt(m[1]!)} too large`, at: 0 };
  return { ok: true, value: { size: parseInt(hex, 16), extensions: m[2]! } };
}

/** Every value of header `name` (case-insensitive), in order. */
export function headerValues(headers: HeaderList, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === lower) out.push(v);
  return out;
}

/** The values of header `name` joined by ", " (RFC 9110 5.3), or undefined when absent. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  const all = headerValues(headers, name);
  return all.length === 0 ? undefined : all.join(', ');
}

/** Comma-separated list elements of every `name` header, trimmed, empty elements dropped. */
export function headerList(headers: HeaderList, name: string): string[] {
  return headerValues(headers, name)
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Content-Length from every field of that name: one agreed non-negative integer, or an error. */
export function parseContentLength(headers: HeaderList): Parsed<number | null> {
  const fields = headerValues(headers, 'content-length');
  if (fields.length === 0) return { ok: true, value: null };
  const parts = fields.flatMap((v) => v.split(',')).map((s) => s.trim());
  let n: number | null = null;
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return { ok: false, message: `invalid Content-Length ${excerpt(p)}`, at: 0 };
    const v = Number(p);
    if (!Number.isSafeInteger(v)) return { ok: false, message: `Content-Length ${p} too large`, at: 0 };
    if (n !== null && n !== v) return { ok: false, message: `conflicting Content-Length values ${excerpt(fields.join(', '))}`, at: 0 };
    n = v;
  }
  return { ok: true, value: n };
}
