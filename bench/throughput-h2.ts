// Measurements 4 and 5, HTTP/2 over cleartext (h2c, prior knowledge): hello-world req/s and a
// 1 GiB stream in MB/s, reference server vs node:http2, both measured by h2load (nghttp2's C
// client, its own process; it discards what it receives). Each server runs in its own process;
// the reference is the same process that serves HTTP/1.1 (it tells h2c from HTTP/1.1 by the
// preface). Like measurements 1 and 2: a warm-up per server, then the servers take turns
// (ref, node, ref, node, ...) and the best round counts.
//
// A server that fails (e.g. does not speak h2c) is recorded with a one-line reason and left out
// of the later rounds; the other one is still measured.
import os from 'node:os';
import type { Child } from './lib/children.ts';
import { runH2load, type H2loadResult } from './lib/h2load.ts';

export type H2Name = 'reference' | 'node:http2';

export interface H2Server {
  name: H2Name;
  child: Child;
  url: string;
}

export interface H2HelloParams {
  clients: number;
  streams: number;
  seconds: number;
  warmup: number;
}

/** h2load's arguments for one measured hello-world run. */
export const h2HelloArgs = (p: H2HelloParams, url: string): string[] => [
  '-t1', `-c${p.clients}`, `-m${p.streams}`, '-w30', '-W30', `--warm-up-time=${p.warmup}s`, `-D${p.seconds}s`, `${url}/hello`,
];

/** h2load's arguments for one streamed transfer: one connection, one request. */
export const h2StreamArgs = (url: string, path: string): string[] => ['-t1', '-c1', '-n1', '-m1', '-w30', '-W30', `${url}${path}`];

type H2Run = Pick<H2loadResult, 'rps' | 'requests' | 'latencyMean' | 'elapsedSeconds'> & { load1: number };

export interface H2HelloResult {
  params: H2HelloParams;
  args: string[];
  rounds: Record<H2Name, H2Run[]>;
  best: Record<H2Name, number>;
  errors: Partial<Record<H2Name, string>>;
}

const load1 = (): number => Math.round(os.loadavg()[0]! * 100) / 100;
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/**
 * A warm-up per server, then `rounds` turns (ref, node, ref, node, ...); each round's value goes
 * into `out.rounds`, the best into `out.best`. A server that fails is recorded in `out.errors`
 * with a one-line reason and left out of the later rounds.
 */
async function inTurns<R>(
  servers: H2Server[],
  rounds: number,
  out: { rounds: Record<H2Name, R[]>; best: Record<H2Name, number>; errors: Partial<Record<H2Name, string>> },
  log: (s: string) => void,
  warmUp: (s: H2Server) => Promise<string>,
  measure: (s: H2Server) => Promise<{ run: R; value: number; line: string }>,
): Promise<void> {
  for (const s of servers) {
    try {
      log(`  warm-up ${s.name}: ${await warmUp(s)}`);
    } catch (err) {
      out.errors[s.name] = message(err);
      log(`  warm-up ${s.name}: FAILED: ${out.errors[s.name]}`);
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const s of servers) {
      if (out.errors[s.name]) continue;
      try {
        const m = await measure(s);
        out.rounds[s.name].push(m.run);
        out.best[s.name] = Math.max(out.best[s.name], m.value);
        log(`  round ${r + 1} ${s.name.padEnd(10)}: ${m.line}`);
      } catch (err) {
        out.errors[s.name] = message(err);
        log(`  round ${r + 1} ${s.name.padEnd(10)}: FAILED: ${out.errors[s.name]}`);
      }
    }
  }
}

export async function helloH2(servers: H2Server[], p: H2HelloParams, rounds: number, log: (s: string) => void): Promise<H2HelloResult> {
  const out: H2HelloResult = {
    params: p,
    args: h2HelloArgs(p, 'URL'),
    rounds: { reference: [], 'node:http2': [] },
    best: { reference: 0, 'node:http2': 0 },
    errors: {},
  };
  const bound = (secs: number): number => (secs + 60) * 1000;
  await inTurns(servers, rounds, out, log,
    async (s) => {
      const w = await runH2load(h2HelloArgs({ ...p, seconds: 3, warmup: 1 }, s.url), bound(4));
      return `h2load 1 + 3 s, ${w.rps.toFixed(0)} req/s`;
    },
    async (s) => {
      const h = await runH2load(h2HelloArgs(p, s.url), bound(p.seconds + p.warmup));
      const w: H2Run = { rps: h.rps, requests: h.requests, latencyMean: h.latencyMean, elapsedSeconds: h.elapsedSeconds, load1: load1() };
      return { run: w, value: w.rps, line: `${w.rps.toFixed(0)} req/s (${w.requests.succeeded} requests, latency avg ${w.latencyMean}; load ${w.load1})` };
    });
  return out;
}

export interface H2Transfer {
  /** Wire bytes h2load received (frame headers, HEADERS, SETTINGS... included). */
  bytes: number;
  /** DATA payload bytes. */
  data: number;
  /** h2load's "finished in": connection setup to last byte. */
  ms: number;
}

export interface H2StreamRound {
  transfers: H2Transfer[];
  mbps: number;
  load1: number;
}

export interface H2StreamResult {
  bytesPerTransfer: number;
  chunk: number;
  args: string[];
  rounds: Record<H2Name, H2StreamRound[]>;
  best: Record<H2Name, number>;
  errors: Partial<Record<H2Name, string>>;
}

/** Transfers of `bytes` back to back, one h2load process each, for ~`seconds` (at least one, at most `max`). */
async function streamRound(s: H2Server, bytes: number, chunk: number, seconds: number, max: number): Promise<H2StreamRound> {
  // timeout=60: a fast reader never makes a write wait that long, so the reference drops nothing.
  const path = `/stream?bytes=${bytes}&chunk=${chunk}&timeout=60`;
  const transfers: H2Transfer[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; i < max && (i === 0 || performance.now() < end); i++) {
    const r = await runH2load(h2StreamArgs(s.url, path), 180_000);
    if (r.traffic.data !== bytes) throw new Error(`${s.name}: stream carried ${r.traffic.data} of ${bytes} bytes`);
    transfers.push({ bytes: r.traffic.total, data: r.traffic.data, ms: r.elapsedSeconds * 1000 });
  }
  const b = transfers.reduce((a, t) => a + t.bytes, 0);
  const ms = transfers.reduce((a, t) => a + t.ms, 0);
  return { transfers, mbps: b / 1e6 / (ms / 1000), load1: load1() };
}

export async function streamH2(servers: H2Server[], bytes: number, chunk: number, seconds: number, rounds: number, log: (s: string) => void): Promise<H2StreamResult> {
  const out: H2StreamResult = {
    bytesPerTransfer: bytes,
    chunk,
    args: h2StreamArgs('URL', `/stream?bytes=${bytes}&chunk=${chunk}&timeout=60`),
    rounds: { reference: [], 'node:http2': [] },
    best: { reference: 0, 'node:http2': 0 },
    errors: {},
  };
  await inTurns(servers, rounds, out, log,
    async (s) => `256 MiB at ${(await streamRound(s, 256 * 1024 * 1024, chunk, 0, 1)).mbps.toFixed(0)} MB/s`,
    async (s) => {
      const w = await streamRound(s, bytes, chunk, seconds, 8);
      const each = w.transfers.map((t) => (t.bytes / 1e6 / (t.ms / 1000)).toFixed(0)).join(', ');
      return { run: w, value: w.mbps, line: `${w.mbps.toFixed(0)} MB/s over ${w.transfers.length} x 1 GiB (each: ${each}; load ${w.load1})` };
    });
  return out;
}
