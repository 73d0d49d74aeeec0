// The Transport seam: how a check reaches the target for one request. HTTP/1.1 over TCP (h1) and
// over TLS (h1tls); HTTP/2 over TLS with ALPN h2 (h2) and over TCP with prior knowledge (h2c).
// An http:// target offers h1 and h2c (on the same port), an https:// target h1tls and h2.
import { H1Connection, type ReadBehaviour } from '../clients/index.ts';
import type { ClientConnection } from './client-connection.ts';
import { H2ClientConnection, type H2ClientOptions } from './h2-adapter.ts';

export const TRANSPORT_NAMES = ['h1', 'h1tls', 'h2', 'h2c'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** What a scenario asks of the connection it opens. */
export interface OpenOptions {
  /** How the client reads from the start (default: reading). */
  behaviour?: ReadBehaviour;
  /** Body bytes stored per response. */
  storeBodyCap?: number;
  /** HTTP/2 only: our SETTINGS and windows (ignored on HTTP/1.1). */
  h2?: H2ClientOptions;
}

export interface Transport {
  name: TransportName;
  http: '1.1' | '2';
  tls: boolean;
  /** Base URL of the target for this transport. */
  url: string;
  /** Opens a client-simulator connection to the target. */
  open(o: OpenOptions): Promise<ClientConnection>;
}

export function isTransportName(s: string): s is TransportName {
  return (TRANSPORT_NAMES as readonly string[]).includes(s);
}

export function isHttp2(name: TransportName): boolean {
  return name === 'h2' || name === 'h2c';
}

/** The URL scheme that offers a transport ("give an https:// --target"). */
export function schemeOf(name: TransportName): 'http' | 'https' {
  return name === 'h1tls' || name === 'h2' ? 'https' : 'http';
}

/** The transports a target URL offers: http -> h1 and h2c; https -> h1tls and h2. */
export function transportsFor(url: string): Transport[] {
  const u = new URL(url);
  const tls = u.protocol === 'https:';
  if (!tls && u.protocol !== 'http:') throw new Error(`unsupported URL scheme ${u.protocol} (use http: or https:)`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port === '' ? (tls ? 443 : 80) : Number(u.port);
  const h1: Transport = {
    name: tls ? 'h1tls' : 'h1',
    http: '1.1',
    tls,
    url: u.origin,
    open: ({ behaviour, storeBodyCap }) => H1Connection.open({
      host, port, tls: tls ? { alpn: ['http/1.1'] } : false,
      ...(behaviour !== undefined ? { behaviour } : {}), ...(storeBodyCap !== undefined ? { storeBodyCap } : {}),
    }),
  };
  const h2: Transport = {
    name: tls ? 'h2' : 'h2c',
    http: '2',
    tls,
    url: u.origin,
    open: ({ behaviour, storeBodyCap, h2: o }) => H2ClientConnection.open({
      host, port, tls: tls ? { alpn: ['h2'] } : false, ...o,
      ...(behaviour !== undefined ? { behaviour } : {}), ...(storeBodyCap !== undefined ? { storeBodyCap } : {}),
    }),
  };
  return [h1, h2];
}
