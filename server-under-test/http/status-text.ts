import { STATUS_CODES } from 'node:http';

const cache = new Map<number, string>();
/** "200 OK" for a status code (reason phrase from Node's table; "Unknown" otherwise). */
export function statusLine(status: number): string {
  let s = cache.get(status);
  if (s === undefined) {
    s = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    cache.set(status, s);
  }
  return s;
}

let dateCache = '';
let dateAt = 0;
/** The Date header line, recomputed at most once per second. */
export function dateLine(): string {
  const now = Date.now();
  if (now - dateAt >= 1000) {
    dateAt = now - (now % 1000);
    dateCache = `date: ${new Date(dateAt).toUTCString()}\r\n`;
  }
  return dateCache;
}

/** The Date header's value (HTTP/2 has no header lines), recomputed at most once per second. */
export function dateValue(): string {
  return dateLine().slice(6, -2);
}
