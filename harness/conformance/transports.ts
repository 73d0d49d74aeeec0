// The Transport seam: how a check reaches the target for one request. HTTP/1.1 over TCP (h1) and
// over TLS (h1tls) here; HTTP/2 transports join with the HTTP/2 issue as new entries.
import { H1Connection, type H1ConnectionOptions } from '../clients/index.ts';

export const TRANSPORT_NAMES = ['h1', 'h1tls'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

export interface Transport {
  name: TransportName;
  http: '1.1' | '2';
  tls: boolean;
  /** Base URL of the target for this transport. */
  url: string;
  /** Opens a client-simulator connection to the target. */
  open(o: Omit<H1ConnectionOptions, 'host' | 'port' | 'tls'>): Promise<H1Connection>;
}

export function isTransportName(s: string): s is TransportName {
  return (TRANSPORT_NAMES as readonly string[]).includes(s);
}

/** The transport a target URL offers: http -> h1, https -> h1tls. */
export function transportFor(url: string): Transport {
  const u = new URL(url);
  const tls = u.protocol === 'https:';
  if (!tls && u.protocol !== 'http:') throw new Error(`unsupported URL scheme ${u.protocol} (use http: or https:)`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port === '' ? (tls ? 443 : 80) : Number(u.port);
  return {
    name: tls ? 'h1tls' : 'h1',
    http: '1.1',
    tls,
    url: u.origin,
    open: (o) => H1Connection.open({ ...o, host, port, tls: tls ? { alpn: ['http/1.1'] } : false }),
  };
}
