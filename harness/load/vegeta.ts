// Fast clients from vegeta (github.com/tsenart/vegeta, MIT; built into .tools/ by harness/tools):
// a constant arrival rate (open model: requests leave on schedule whether or not earlier ones
// came back, so a slow server cannot slow the load down and hide its latency: no coordinated
// omission). `vegeta attack` writes its binary results to `vegeta encode -to json`, whose lines
// are parsed as they come: one result per line, nothing kept beyond what onResult keeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export type FastHttp = 'h1' | 'h2' | 'h2c';
export const FAST_HTTP: readonly FastHttp[] = ['h1', 'h2', 'h2c'];

export interface VegetaAttack {
  vegeta: string;
  url: string;
  /** Requests per second. */
  rate: number;
  durationS: number;
  http: FastHttp;
  /** Per-request timeout; a request taking longer is an error. */
  timeoutS: number;
  signal?: AbortSignal;
}

export interface FastResult {
  /** When the request was sent (Unix ms). */
  t: number;
  latencyUs: number;
  /** HTTP status, 0 when none came back. */
  code: number;
  /** vegeta's error text ('' for none). */
  error: string;
}

export interface AttackEnd {
  results: number;
  /** Lines vegeta encode wrote that were not results. */
  unparsed: number;
  exitCode: number | null;
  stderr: string;
}

/** Runs one attack; resolves when vegeta has finished (or was stopped by the signal). */
export function attack(a: VegetaAttack, onResult: (r: FastResult) => void): Promise<AttackEnd> {
  const args = ['attack', `-rate=${a.rate}/s`, `-duration=${a.durationS}s`, `-timeout=${a.timeoutS}s`, '-max-body=0', '-redirects=-1', '-format=http'];
  if (a.http === 'h1') args.push('-http2=false');
  if (a.http === 'h2') args.push('-http2=true', '-insecure');
  if (a.http === 'h2c') args.push('-h2c');
  if (a.http === 'h1' && a.url.startsWith('https:')) args.push('-insecure');
  const atk = spawn(a.vegeta, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const enc = spawn(a.vegeta, ['encode', '-to=json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  atk.stdout!.pipe(enc.stdin!);
  atk.stdin!.end(`GET ${a.url}\n\n`);
  let stderr = '';
  const keep = (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); };
  atk.stderr!.on('data', keep);
  enc.stderr!.on('data', keep);
  enc.stdin!.on('error', () => {});
  let results = 0;
  let unparsed = 0;
  const lines = createInterface({ input: enc.stdout! });
  lines.on('line', (line) => {
    const r = parseResultLine(line);
    if (r === null) {
      if (line.trim() !== '') unparsed++;
      return;
    }
    results++;
    onResult(r);
  });
  const stop = () => { atk.kill('SIGINT'); };
  a.signal?.addEventListener('abort', stop, { once: true });
  // Never outlive the attack by much: vegeta waits for requests in flight up to its timeout.
  const guard = setTimeout(() => { atk.kill('SIGKILL'); enc.kill('SIGKILL'); }, (a.durationS + a.timeoutS + 10) * 1000);
  const exited = (c: ChildProcess) => new Promise<number | null>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve(c.exitCode);
    c.once('close', (code) => resolve(code));
    c.once('error', (err) => { keep(Buffer.from(String(err.message))); resolve(127); });
  });
  return Promise.all([exited(atk), exited(enc), new Promise<void>((r) => lines.once('close', () => r()))]).then(([code]) => {
    clearTimeout(guard);
    a.signal?.removeEventListener('abort', stop);
    return { results, unparsed, exitCode: code, stderr: stderr.trim() };
  });
}

/** One line of `vegeta encode -to json`, or null when it is not a result. */
export function parseResultLine(line: string): FastResult | null {
  if (!line.startsWith('{')) return null;
  try {
    const o = JSON.parse(line) as { timestamp?: string; latency?: number; code?: number; error?: string };
    if (typeof o.timestamp !== 'string' || typeof o.latency !== 'number') return null;
    return { t: Date.parse(o.timestamp) + nanosOf(o.timestamp), latencyUs: o.latency / 1000, code: o.code ?? 0, error: o.error ?? '' };
  } catch {
    return null;
  }
}

/** Sub-millisecond part of an RFC 3339 time with nanoseconds (Date.parse keeps only ms). */
function nanosOf(ts: string): number {
  const m = /\.\d{3}(\d+)/.exec(ts);
  return m ? Number(`0.${m[1]}`) : 0;
}
