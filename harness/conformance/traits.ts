// What a target does that is legal but not universal, found out on the wire before the checks
// that depend on it. Today one trait: whether an HTTP/1.1 connection carries a second request
// (a server may close after every response: `Connection: close`, nginx's keepalive_timeout 0).
// A check that needs a trait the target lacks is skipped with the reason, never failed.
import { createReading } from '../clients/index.ts';
import type { Transport } from './transports.ts';

export type Trait = 'persistent-connections';

export interface TraitFinding {
  has: boolean;
  /** What was seen, in words (the skip reason quotes it). */
  seen: string;
}

/** How each trait is found out, given the transport and the probe prefix. */
export const FINDERS: Record<Trait, (transport: Transport, prefix: string) => Promise<TraitFinding>> = {
  'persistent-connections': (transport, prefix) => persistentConnections(transport, prefix),
};

/** Why a check needing `trait` cannot run on a target without it (the skip reason). */
export function lacking(trait: Trait, f: TraitFinding): string {
  switch (trait) {
    case 'persistent-connections':
      return `target closes connections after each response (${f.seen}); this check needs two requests on one HTTP/1.1 connection`;
  }
}

const WAIT_MS = 5000;

/**
 * Sends two pipelined `GET {prefix}/info` on one connection: the trait holds when both are
 * answered. A first response that says `connection: close`, or a connection that ends before the
 * second answer, means the target closes after each response. HTTP/2 always multiplexes.
 */
export async function persistentConnections(transport: Transport, prefix: string): Promise<TraitFinding> {
  if (transport.http === '2') return { has: true, seen: 'HTTP/2 multiplexes requests on one connection' };
  const conn = await transport.open({ behaviour: createReading() });
  try {
    const path = `${prefix}/info`;
    conn.send({ method: 'GET', path });
    conn.send({ method: 'GET', path });
    const first = await conn.waitForResponse(0, WAIT_MS);
    const said = first.headers.find(([n]) => n.toLowerCase() === 'connection')?.[1] ?? '';
    if (/\bclose\b/i.test(said)) return { has: false, seen: `its response said "connection: ${said}"` };
    try {
      const second = await conn.waitForResponse(1, WAIT_MS);
      if (second.status !== 0) return { has: true, seen: 'two pipelined requests were both answered' };
    } catch {
      /* closed, or never answered: below */
    }
    return { has: false, seen: conn.closed ? 'the connection closed after the first response' : `a second request on the connection got no answer within ${WAIT_MS / 1000} s` };
  } finally {
    conn.destroy();
  }
}
