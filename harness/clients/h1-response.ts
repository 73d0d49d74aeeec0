// One HTTP/1.1 response as the client saw it (the parser's output record), and the strict rule
// that decides how its body is framed (RFC 9112 section 6.3). Data and pure functions only.
import { type HeaderList, excerpt, headerList, parseContentLength } from './h1-syntax.ts';

export type { HeaderList } from './h1-syntax.ts';
export { headerValue, headerValues } from './h1-syntax.ts';

/**
 * How a response ended. `in-progress` until it does; `abandoned` when the client itself closed
 * the connection first (so the server is not to blame for the missing rest).
 */
export type Completion = 'in-progress' | 'complete' | 'truncated-by-close' | 'framing-error' | 'abandoned';
export type BodyFraming = 'pending' | 'none' | 'content-length' | 'chunked' | 'until-close' | 'upgraded';

export interface FramingError {
  /** Offset in the connection's byte stream (0 = first byte received) where the fault was found. */
  offset: number;
  message: string;
}

export interface InterimResponse { status: number; reason: string; headers: HeaderList; at: number }

export interface ParsedResponse {
  /** 0-based position in the stream; matches the index of the request it answers. */
  index: number;
  /** Method of the request it answers, when one was outstanding. */
  method: string | undefined;
  httpVersion: string;
  /** 0 while (or when) the status line was not parsed. */
  status: number;
  reason: string;
  headers: HeaderList;
  /** 1xx responses received before the final one. */
  interim: InterimResponse[];
  headAt: number | null;
  startOffset: number;
  bodyOffset: number | null;
  framing: BodyFraming;
  contentLength: number | null;
  /** Body bytes received (after de-chunking), including those beyond the store cap. */
  bodyBytes: number;
  /** The first `storedBytes` body bytes, as received. */
  body: Buffer[];
  storedBytes: number;
  /** Chunked framing: number of data chunks, and the raw extensions of chunks that carried any. */
  chunks: number;
  chunkExtensions: Array<{ chunk: number; raw: string }>;
  trailers: HeaderList;
  /** Legal but suspicious things (e.g. both Transfer-Encoding and Content-Length). */
  anomalies: string[];
  completion: Completion;
  endAt: number | null;
  error: FramingError | null;
}

export function newResponse(index: number, method: string | undefined, startOffset: number): ParsedResponse {
  return {
    index, method, httpVersion: '', status: 0, reason: '', headers: [], interim: [], headAt: null, startOffset,
    bodyOffset: null, framing: 'pending', contentLength: null, bodyBytes: 0, body: [], storedBytes: 0, chunks: 0,
    chunkExtensions: [], trailers: [], anomalies: [], completion: 'in-progress', endAt: null, error: null,
  };
}

/**
 * How the body of final response `r` is delimited, strictly by RFC 9112 section 6.3. Sets
 * `r.contentLength` and notes anomalies; returns a message when the framing headers are invalid.
 */
export function decideFraming(r: ParsedResponse): { framing: BodyFraming } | { error: string } {
  const cl = parseContentLength(r.headers);
  const te = headerList(r.headers, 'transfer-encoding').map((s) => s.toLowerCase());
  if (r.method === 'HEAD' || r.status === 204 || r.status === 304) {
    if (r.status === 204 && (te.length > 0 || (cl.ok && cl.value !== null))) {
      r.anomalies.push('204 response with framing headers');
    }
    if (cl.ok) r.contentLength = cl.value;
    return { framing: 'none' };
  }
  if (r.method === 'CONNECT' && r.status < 300) return { framing: 'upgraded' };
  if (te.length > 0) {
    if (r.httpVersion === '1.0') return { error: 'Transfer-Encoding in an HTTP/1.0 response' };
    const chunkedAt = te.indexOf('chunked');
    if (chunkedAt >= 0 && chunkedAt !== te.length - 1) {
      return { error: `chunked is not the final transfer coding in ${excerpt(te.join(', '))}` };
    }
    if (!cl.ok || cl.value !== null) r.anomalies.push('both Transfer-Encoding and Content-Length; Transfer-Encoding used');
    return { framing: chunkedAt >= 0 ? 'chunked' : 'until-close' };
  }
  if (!cl.ok) return { error: cl.message };
  r.contentLength = cl.value;
  return { framing: cl.value === null ? 'until-close' : 'content-length' };
}

/** The stored body of a response as one Buffer (only the first `storedBytes`). */
export function storedBody(r: ParsedResponse): Buffer {
  return r.body.length === 1 ? r.body[0]! : Buffer.concat(r.body, r.storedBytes);
}
