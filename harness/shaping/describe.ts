// A link, as applied, in words (console lines) and as the report's `environment.network` record.
import type { AppliedLink } from './backend.ts';
import type { AppliedQdisc } from './readback.ts';

function qdiscText(q: AppliedQdisc): string {
  const o = q.options;
  const parts: string[] = [q.kind];
  if (o.delay_ms !== undefined) parts.push(`delay ${o.delay_ms}ms${o.jitter_ms ? ` ±${o.jitter_ms}ms` : ''}`);
  if (o.rate_bps !== undefined) parts.push(`rate ${fmtRate(Number(o.rate_bps))}`);
  if (o.loss_pct !== undefined) parts.push(`loss ${o.loss_pct}%`);
  if (o.loss_model !== undefined) parts.push(`loss ${o.loss_model}`);
  if (o.duplicate_pct !== undefined) parts.push(`duplicate ${o.duplicate_pct}%`);
  if (o.corrupt_pct !== undefined) parts.push(`corrupt ${o.corrupt_pct}%`);
  if (o.reorder_pct !== undefined) parts.push(`reorder ${o.reorder_pct}%`);
  if (o.slot_min_ms !== undefined) parts.push(`slot ${o.slot_min_ms}-${o.slot_max_ms}ms`);
  if (o.limit !== undefined) parts.push(`limit ${o.limit}`);
  return parts.join(' ');
}

export function fmtRate(bps: number): string {
  return bps >= 1e6 ? `${+(bps / 1e6).toFixed(3)}Mbit/s` : bps >= 1e3 ? `${+(bps / 1e3).toFixed(3)}kbit/s` : `${bps}bit/s`;
}

/** One line per direction: what the kernel has and what it counted. */
export function appliedLines(a: AppliedLink): string[] {
  return a.directions.map((d) => {
    const root = d.qdiscs[0];
    const what = d.asked === null || !root ? 'not shaped' : qdiscText(root);
    const c = root?.counters;
    return `${d.direction === 'down' ? 'down (host -> client)' : 'up (client -> host)'} on ${d.dev} [${d.side}]: ${what}`
      + (c ? `; sent ${c.packets} packets / ${c.bytes} B, ${c.drops} dropped, backlog ${c.backlog_bytes} B` : '')
      + (d.problems.length ? `; DIFFERS: ${d.problems.join('; ')}` : '');
  });
}

/** The JSON report's environment.network: the link as read back from tc, with counters. */
export interface NetworkRecord {
  link: string;
  backend: string;
  reason: string;
  host_address: string;
  client_address: string;
  sysctls: Record<string, number[]>;
  directions: Array<{ direction: string; dev: string; side: string; qdisc: string; options: Record<string, number | string>;
    counters: AppliedQdisc['counters'] | null; problems: string[] }>;
}

export function networkRecord(a: AppliedLink): NetworkRecord {
  return {
    link: a.link, backend: a.backend, reason: a.reason, host_address: a.addresses.host, client_address: a.addresses.client,
    sysctls: { ...(a.sysctls.tcpRmem ? { tcp_rmem: a.sysctls.tcpRmem } : {}), ...(a.sysctls.tcpWmem ? { tcp_wmem: a.sysctls.tcpWmem } : {}) },
    directions: a.directions.map((d) => ({
      direction: d.direction, dev: d.dev, side: d.side,
      qdisc: d.asked === null ? 'none' : (d.qdiscs[0]?.kind ?? 'missing'),
      options: d.asked === null ? {} : (d.qdiscs[0]?.options ?? {}),
      counters: d.qdiscs[0]?.counters ?? null,
      problems: d.problems,
    })),
  };
}
