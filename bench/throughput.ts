// Measurements 1 and 2: hello-world req/s (wrk) and 1 GiB streamed in 64 KiB writes to a fast
// reader (MB/s), reference server vs node:http, each server in its own process. Both warm up
// first; then the servers take turns (ref, node, ref, node, ...) and the best round counts.
import os from 'node:os';
import { spawnTs, type Child } from './lib/children.ts';
import type { LoadGenerator, WrkResult } from './lib/load-generator.ts';

export interface Server {
  name: 'reference' | 'node:http';
  child: Child;
  url: string;
}

export interface HelloResult {
  rounds: Record<Server['name'], Array<WrkResult & { load1: number }>>;
  best: Record<Server['name'], number>;
}

/** 1-minute load average: how busy the rest of the machine was. */
const load1 = (): number => Math.round(os.loadavg()[0]! * 100) / 100;

export async function hello(servers: Server[], gen: LoadGenerator, seconds: number, rounds: number, connections: number, log: (s: string) => void): Promise<HelloResult> {
  const out: HelloResult = { rounds: { reference: [], 'node:http': [] }, best: { reference: 0, 'node:http': 0 } };
  for (const s of servers) {
    log(`  warm-up ${s.name}: ${gen.name} 3 s`);
    await gen.run(`${s.url}/hello`, 3, connections);
  }
  for (let r = 0; r < rounds; r++) {
    for (const s of servers) {
      const w = { ...(await gen.run(`${s.url}/hello`, seconds, connections)), load1: load1() };
      out.rounds[s.name].push(w);
      out.best[s.name] = Math.max(out.best[s.name], w.rps);
      log(`  round ${r + 1} ${s.name.padEnd(9)}: ${w.rps.toFixed(0)} req/s (${w.requests} requests, latency avg ${w.latencyAvg}${w.errors ? `, ${w.errors} ERRORS` : ''}; load ${w.load1})`);
    }
  }
  return out;
}

export interface Transfer {
  bytes: number;
  ms: number;
  complete: boolean;
}

export interface StreamRound {
  transfers: Transfer[];
  mbps: number;
  load1: number;
}

export interface StreamResult {
  bytesPerTransfer: number;
  chunk: number;
  rounds: Record<Server['name'], StreamRound[]>;
  best: Record<Server['name'], number>;
}

/** One reader process: 1 GiB transfers back to back for ~`seconds` (at least one, at most 8). */
async function readerRound(s: Server, bytes: number, chunk: number, seconds: number, max: number): Promise<StreamRound> {
  const port = new URL(s.url).port;
  // timeout=60: a fast reader never makes a write wait that long, so the reference drops nothing.
  const path = `/stream?bytes=${bytes}&chunk=${chunk}&timeout=60`;
  const reader = spawnTs(`reader->${s.name}`, 'bench/clients/stream-reader.ts', ['--port', port, '--path', path, '--seconds', String(seconds), '--max', String(max), '--min-bytes', String(bytes)]);
  const transfers: Transfer[] = [];
  try {
    for (;;) {
      const m = await reader.next<Transfer & { done?: boolean }>(180_000);
      if (m.done) break;
      transfers.push(m);
      if (!m.complete) throw new Error(`${s.name}: stream ended after ${m.bytes} of ${bytes} bytes`);
    }
  } finally {
    await reader.stop();
  }
  const b = transfers.reduce((a, t) => a + t.bytes, 0);
  const ms = transfers.reduce((a, t) => a + t.ms, 0);
  return { transfers, mbps: b / 1e6 / (ms / 1000), load1: load1() };
}

export async function stream(servers: Server[], bytes: number, chunk: number, seconds: number, rounds: number, log: (s: string) => void): Promise<StreamResult> {
  const out: StreamResult = { bytesPerTransfer: bytes, chunk, rounds: { reference: [], 'node:http': [] }, best: { reference: 0, 'node:http': 0 } };
  for (const s of servers) {
    const w = await readerRound(s, 256 * 1024 * 1024, chunk, 0, 1);
    log(`  warm-up ${s.name}: 256 MiB at ${w.mbps.toFixed(0)} MB/s`);
  }
  for (let r = 0; r < rounds; r++) {
    for (const s of servers) {
      const w = await readerRound(s, bytes, chunk, seconds, 8);
      out.rounds[s.name].push(w);
      out.best[s.name] = Math.max(out.best[s.name], w.mbps);
      const each = w.transfers.map((t) => (t.bytes / 1e6 / (t.ms / 1000)).toFixed(0)).join(', ');
      log(`  round ${r + 1} ${s.name.padEnd(9)}: ${w.mbps.toFixed(0)} MB/s over ${w.transfers.length} x 1 GiB (each: ${each}; load ${w.load1})`);
    }
  }
  return out;
}
