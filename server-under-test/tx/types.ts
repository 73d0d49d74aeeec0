import type { Io } from './io.ts';

export type HeaderValue = string | number | readonly string[];
export type Headers = Record<string, HeaderValue>;

/** The request as a handler sees it (HTTPNG's `req` table). */
export interface Request {
  method: string;
  /** Path without the query string, e.g. "/a/b". */
  path: string;
  /** Query string without "?", "" when none. */
  query: string;
  version: '1.0' | '1.1' | '2';
  /** Lower-case names; repeated fields joined with ", ". */
  headers: Record<string, string>;
  /** Flat [name, value, ...] as received. */
  rawHeaders: string[];
  body: Buffer;
  peer: { address: string; port: number };
  tls: boolean;
}

/** A handler may return a whole response instead of using io (HTTPNG allows both). */
export interface ResponseTable {
  status: number;
  headers?: Headers;
  body?: string | Uint8Array;
}

export type Handler = (req: Request, io: Io) => Promise<ResponseTable | void> | ResponseTable | void;

export interface Site {
  /** Path prefix, matched on segment boundaries; "/" matches everything. */
  path: string;
  handler: Handler;
}
