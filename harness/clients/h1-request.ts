// Serialises an HTTP/1.1 request for the wire. Names and values are checked so a test cannot
// send a malformed request by accident.
import { ClientError } from './errors.ts';

export interface H1Request {
  method: string;
  /** Request target, e.g. "/__probe/run/abc?x=1". */
  path: string;
  headers?: Record<string, string> | Array<[string, string]>;
  body?: Buffer | string;
}

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;
const TARGET_RE = /^[\x21-\x7e]+$/;

/** "host:port" as a Host header value (IPv6 literals bracketed, default ports left out). */
export function hostHeader(host: string, port: number, tls: boolean): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === (tls ? 443 : 80) ? h : `${h}:${port}`;
}

export function serialiseRequest(req: H1Request, host: string): Buffer {
  if (!TOKEN_RE.test(req.method)) throw new ClientError('ERR_INVALID_REQUEST', `invalid method ${JSON.stringify(req.method)}`);
  if (!TARGET_RE.test(req.path)) throw new ClientError('ERR_INVALID_REQUEST', `invalid request target ${JSON.stringify(req.path)}`);
  const headers = Array.isArray(req.headers) ? req.headers : Object.entries(req.headers ?? {});
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
  let head = `${req.method} ${req.path} HTTP/1.1\r\n`;
  if (!has('host')) head += `Host: ${host}\r\n`;
  for (const [name, value] of headers) {
    if (!TOKEN_RE.test(name)) throw new ClientError('ERR_INVALID_REQUEST', `invalid header name ${JSON.stringify(name)}`);
    if (!VALUE_RE.test(value)) throw new ClientError('ERR_INVALID_REQUEST', `invalid value for header ${name}`);
    head += `${name}: ${value}\r\n`;
  }
  if (body !== undefined && !has('content-length') && !has('transfer-encoding')) {
    head += `Content-Length: ${body.length}\r\n`;
  }
  head += '\r\n';
  const headBuf = Buffer.from(head, 'latin1');
  return body === undefined || body.length === 0 ? headBuf : Buffer.concat([headBuf, body]);
}
