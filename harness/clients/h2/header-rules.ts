// Is a decoded response field block a well-formed HTTP/2 response (RFC 9113 8.1.1, 8.2, 8.3.2)?
// A malformed one is a stream error of type PROTOCOL_ERROR; the caller records and answers it.
import type { HeaderList } from './hpack.ts';

const CONNECTION_SPECIFIC = new Set(['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade']);
// 8.2.1: no 0x00-0x20, no uppercase, no 0x7f-0xff; ':' only as a pseudo-header's first char.
// eslint-disable-next-line no-control-regex
const BAD_NAME_CHAR = /[\u0000-\u0020A-Z\u007f-\uffff:]/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE_CHAR = /[\u0000\r\n]/;

function fieldProblems(name: string, value: string): string | null {
  if (name.length === 0) return 'an empty field name';
  const bare = name.startsWith(':') ? name.slice(1) : name;
  if (BAD_NAME_CHAR.test(bare)) return `field name "${name}" has a character HTTP/2 forbids (uppercase, space, control or ':')`;
  if (BAD_VALUE_CHAR.test(value)) return `field "${name}" has NUL, CR or LF in its value`;
  if (/^[ \t]|[ \t]$/.test(value)) return `field "${name}" has leading or trailing whitespace in its value`;
  if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field "${name}"`;
  if (name === 'te' && value.toLowerCase() !== 'trailers') return `te: ${value} (only "trailers" is allowed)`;
  return null;
}

export interface CheckedHead {
  /** The :status value, or null if missing or invalid. */
  status: number | null;
  /** content-length when present and valid; null otherwise. */
  contentLength: number | null;
  problems: string[];
}

/** A response head (final or 1xx): exactly one :status, first; no other pseudo-header. */
export function checkResponseHead(headers: HeaderList): CheckedHead {
  const problems: string[] = [];
  let status: number | null = null;
  let statusCount = 0;
  let regularSeen = false;
  let contentLength: number | null = null;
  for (const [name, value] of headers) {
    const p = fieldProblems(name, value);
    if (p !== null) problems.push(p);
    if (name.startsWith(':')) {
      if (regularSeen) problems.push(`pseudo-header ${name} after a regular field`);
      if (name !== ':status') {
        problems.push(`pseudo-header ${name} in a response`);
        continue;
      }
      statusCount++;
      if (/^[1-9]\d\d$/.test(value)) status = Number(value);
      else problems.push(`:status "${value}" is not a 3-digit code`);
    } else {
      regularSeen = true;
      if (name === 'content-length') {
        const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
        if (Number.isNaN(n) || (contentLength !== null && contentLength !== n)) problems.push(`content-length "${value}" is not one valid length`);
        else contentLength = n;
      }
    }
  }
  if (statusCount === 0) problems.push('no :status');
  if (statusCount > 1) problems.push(`${statusCount} :status fields`);
  return { status: statusCount === 1 ? status : null, contentLength, problems };
}

/** A trailer section: no pseudo-headers (8.1). */
export function checkTrailers(headers: HeaderList): string[] {
  const problems: string[] = [];
  for (const [name, value] of headers) {
    if (name.startsWith(':')) problems.push(`pseudo-header ${name} in trailers`);
    const p = fieldProblems(name, value);
    if (p !== null) problems.push(p);
  }
  return problems;
}
