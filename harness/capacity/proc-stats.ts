// What a local server process uses, from /proc (Linux): resident memory, CPU time, open file
// descriptors (and the soft limit), threads. Sampled once a second during a capacity run; CPU is
// the difference of two samples. Null where /proc cannot tell (no such process, not Linux).
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';
import { tlsVerifyOptions } from '../clients/tls-policy.ts';

/** For /__probe/info over HTTPS: as the TLS policy says (default: not verified, test servers are self-signed). */
let agent: { a: Agent; verify: ReturnType<typeof tlsVerifyOptions> } | null = null;
function dispatcher(): Agent {
  const verify = tlsVerifyOptions();
  if (agent === null || agent.verify.rejectUnauthorized !== verify.rejectUnauthorized || agent.verify.ca !== verify.ca) agent = { a: new Agent({ connect: verify }), verify };
  return agent.a;
}

/** GET `path` of `base` (2 s at most; certificates verified as the TLS policy says). */
export function getInfo(base: string, path: string) {
  return fetch(new URL(path, base), { signal: AbortSignal.timeout(2000), dispatcher: dispatcher() });
}

export interface ProcSample {
  t: number;
  rssBytes: number;
  /** utime + stime of the whole process (all threads), ms. */
  cpuMs: number;
  fds: number;
  fdLimit: number | null;
  threads: number;
}

const CLK_TCK = 100; // USER_HZ: 100 on every Linux architecture Node runs on

export function sampleProc(pid: number): ProcSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    let fdLimit: number | null = null;
    try {
      const m = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
      fdLimit = m ? Number(m[1]) : null;
    } catch { /* not readable */ }
    return {
      t: Date.now(), rssBytes: kb('VmRSS') * 1024, cpuMs: ((utime + stime) * 1000) / CLK_TCK,
      fds: readdirSync(`/proc/${pid}/fd`).length, fdLimit, threads: kb('Threads'),
    };
  } catch {
    return null;
  }
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(a: ProcSample, b: ProcSample): number {
  const dt = b.t - a.t;
  return dt > 0 ? ((b.cpuMs - a.cpuMs) / dt) * 100 : 0;
}

/** The most of an info answer read (a body that never ends costs at most this much memory). */
export const INFO_BODY_LIMIT = 1024 * 1024;

/** `r`'s body as JSON, read up to `limit` bytes; past it the body is cancelled and this throws. */
export async function readJsonCapped(r: { body: ReadableStream<Uint8Array> | null }, limit = INFO_BODY_LIMIT): Promise<unknown> {
  if (r.body === null) throw new Error('no body');
  const reader = r.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`answer longer than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** `/__probe/info`'s memory and active requests, when the target offers them (else null). */
export async function probeInfo(base: string, prefix = '/__probe'): Promise<{ rssBytes: number | null; activeRequests: number | null } | null> {
  try {
    const r = await getInfo(base, `${prefix}/info`);
    if (!r.ok) return null;
    const o = (await readJsonCapped(r)) as { memory?: { rss_bytes?: unknown }; active_requests?: unknown };
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    return { rssBytes: num(o.memory?.rss_bytes), activeRequests: num(o.active_requests) };
  } catch {
    return null;
  }
}
