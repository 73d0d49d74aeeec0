// Shared by test/security/*.test.ts: the reference server in its own process (server-main.ts), and
// what the tests measure of it from outside: RSS and open descriptors (/proc/PID), whether a canary
// client is still served, and active_requests from /__probe/info. Every attack in these tests is
// bounded in count and time.
import http from 'node:http';
import net from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServerProcess, type ServerProcess } from '../../harness/conformance/server-process.ts';
import type { ServerConfig } from '../../server-under-test/cfg.ts';

export const SERVER_MAIN = fileURLToPath(new URL('./server-main.ts', import.meta.url));

export interface Target extends ServerProcess {
  port: number;
  tlsPort: number;
}

export async function startTarget(cfg: Partial<ServerConfig> = {}): Promise<Target> {
  const p = await startServerProcess(SERVER_MAIN, [JSON.stringify(cfg)]);
  return { ...p, port: Number(new URL(p.http).port), tlsPort: Number(new URL(p.https!).port) };
}

/** VmRSS of a process, in bytes. */
export function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** Open file descriptors of a process. */
export function fds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100; // utime, stime in clock ticks (100/s)
}

/** GET `path` on a fresh HTTP/1.1 connection; the status and body, or an Error within `ms`. */
export function get(port: number, path = '/hello', ms = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: ms }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${ms} ms`)));
    req.on('error', reject);
  });
}

/** The canary: a normal client must still get its hello world, quickly. */
export async function canary(port: number, ms = 5000): Promise<number> {
  const t0 = performance.now();
  const r = await get(port, '/hello', ms);
  if (r.status !== 200) throw new Error(`canary got ${r.status}`);
  return performance.now() - t0;
}

export async function info(port: number): Promise<{ active_requests: number; limits: Record<string, number>; memory: { rss_bytes: number } }> {
  const r = await get(port, '/__probe/info');
  return JSON.parse(r.body);
}

/** Polls `check` until it returns true, or throws after `ms` with `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000, every = 100): Promise<void> {
  const end = performance.now() + ms;
  for (;;) {
    if (await check()) return;
    if (performance.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A raw TCP connection that swallows errors; `data` collects what the server sent. */
export async function rawConnect(port: number): Promise<net.Socket & { data: Buffer[]; text(): string }> {
  const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }) as net.Socket & { data: Buffer[]; text(): string };
  s.data = [];
  s.text = () => Buffer.concat(s.data).toString('latin1');
  s.on('data', (d: Buffer) => s.data.push(d));
  s.on('error', () => {});
  await new Promise((r, j) => { s.once('connect', r); s.once('error', j); });
  return s;
}

/** Resolves when the socket has closed or ended, with the ms it took, or -1 after `ms`. */
export function closedWithin(s: net.Socket, ms: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    if (s.destroyed || s.readableEnded) return resolve(0);
    const t = setTimeout(() => resolve(-1), ms);
    const done = (): void => { clearTimeout(t); resolve(performance.now() - t0); };
    s.once('end', done);
    s.once('close', done);
  });
}

export const MB = 1024 * 1024;
