// h2load (Debian package `nghttp2-client`), the HTTP/2 load generator of `npm run bench:server`:
// found or installed through the tools registry (harness/tools: apt-get as root when missing); run
// as its own process; its text output parsed by parseH2load().
import { spawnSync } from 'node:child_process';
import { TOOLS } from '../../harness/tools/catalogue.ts';
import { ensureTools } from '../../harness/tools/install.ts';
import { run } from './children.ts';

export interface H2loadTool {
  path: string;
  version: string;
}

/** h2load, installed when missing and we may (root, apt-get). The tool, or a one-line reason why there is none. */
export async function findH2load(log: (s: string) => void): Promise<{ tool: H2loadTool } | { reason: string }> {
  const r = await ensureTools([TOOLS.h2load], log);
  if (r.missing.length > 0) return { reason: `h2load not found: ${r.missing[0]!.why}` };
  const path = TOOLS.h2load.locate()!;
  const out = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const v = /h2load\s+nghttp2\/(\S+)/.exec(out.stdout ?? '') ?? /(\d+\.\d+\.\d+)/.exec(out.stdout ?? '');
  return { tool: { path, version: v ? v[1]! : String(out.stdout).trim() } };
}

/** What one h2load run printed, parsed. */
export interface H2loadResult {
  /** "Application protocol: h2c" (null when h2load printed none, e.g. no protocol negotiated). */
  protocol: string | null;
  /**
   * "finished in", in seconds. Counted from the start: in a timed run (-D) h2load 1.52 includes
   * the --warm-up-time here, while its req/s and B/s cover the main duration only. Equal to the
   * measured time in a run by request count (-n) without warm-up.
   */
  elapsedSeconds: number;
  /** Requests per second over the measured time (main duration with -D). */
  rps: number;
  /** h2load's traffic rate, bytes per second; printed with 3 significant digits only. */
  bytesPerSecond: number;
  requests: { total: number; started: number; done: number; succeeded: number; failed: number; errored: number; timeout: number };
  status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** Exact byte counts: everything received (frames included), header block bytes, DATA payload bytes. */
  traffic: { total: number; headers: number; data: number };
  /** "time for request" mean, as printed (e.g. "1.23ms"). */
  latencyMean: string;
}

const UNIT_S: Record<string, number> = { s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, ns: 1e-9, m: 60, h: 3600 };
// h2load's util::utos_funit: binary prefixes written as K, M, G, T.
const UNIT_B: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

function duration(s: string): number {
  const m = /^([\d.]+)\s*(s|ms|us|µs|ns|m|h)$/.exec(s.trim());
  if (!m) throw new Error(`h2load output: cannot read duration "${s}"`);
  return Number(m[1]) * UNIT_S[m[2]!]!;
}

/**
 * Parses h2load's summary (nghttp2 1.4x-1.6x format). Throws, naming the missing part, when the
 * output has no "finished in" line or no request counts: h2load failed before measuring.
 */
export function parseH2load(out: string): H2loadResult {
  const text = out.replace(/\r\n?/g, '\n');
  const fin = /^finished in\s+([\d.]+\s*(?:s|ms|us|µs|ns|m|h)),\s*([\d.]+)\s*req\/s,\s*([\d.]+)\s*([KMGT]?)B\/s\s*$/m.exec(text);
  if (!fin) {
    throw new Error(`h2load output has no "finished in ..." line${/No protocol negotiated/i.test(text) ? ' (no protocol negotiated: the server did not speak HTTP/2)' : ''}`);
  }
  const req = /^requests:\s*(\d+) total,\s*(\d+) started,\s*(\d+) done,\s*(\d+) succeeded,\s*(\d+) failed,\s*(\d+) errored,\s*(\d+) timeout/m.exec(text);
  if (!req) throw new Error('h2load output has no "requests: ..." line');
  const st = /^status codes:\s*(\d+) 2xx,\s*(\d+) 3xx,\s*(\d+) 4xx,\s*(\d+) 5xx/m.exec(text);
  const tr = /^traffic:.*?\((\d+)\) total,.*?\((\d+)\) headers.*?,.*?\((\d+)\) data/m.exec(text);
  const proto = /^Application protocol:\s*(\S+)/m.exec(text);
  const lat = /^time for request:\s+(\S+)\s+(\S+)\s+(\S+)/m.exec(text);
  const n = (m: RegExpExecArray | null, i: number): number => (m ? Number(m[i]) : 0);
  return {
    protocol: proto ? proto[1]! : null,
    elapsedSeconds: duration(fin[1]!),
    rps: Number(fin[2]),
    bytesPerSecond: Number(fin[3]) * UNIT_B[fin[4]!]!,
    requests: { total: n(req, 1), started: n(req, 2), done: n(req, 3), succeeded: n(req, 4), failed: n(req, 5), errored: n(req, 6), timeout: n(req, 7) },
    status: { '2xx': n(st, 1), '3xx': n(st, 2), '4xx': n(st, 3), '5xx': n(st, 4) },
    traffic: { total: n(tr, 1), headers: n(tr, 2), data: n(tr, 3) },
    latencyMean: lat ? lat[3]! : '?',
  };
}

/**
 * Why a parsed run cannot be trusted, or null: not h2c, nothing succeeded, any request failed,
 * errored or timed out, or any non-2xx status.
 */
export function h2loadProblem(r: H2loadResult, expectProtocol = 'h2c'): string | null {
  const q = r.requests;
  if (q.succeeded === 0) {
    const why = r.protocol === null ? 'no connection' : q.done === 0 ? 'does the server speak h2c with prior knowledge?' : '';
    return `no request succeeded (${q.done} done, ${q.failed} failed, ${q.errored} errored${why ? `; ${why}` : ''})`;
  }
  if (r.protocol !== expectProtocol) return `protocol ${r.protocol ?? 'none'} (expected ${expectProtocol})`;
  if (q.failed || q.errored || q.timeout) return `${q.failed} failed, ${q.errored} errored, ${q.timeout} timed out of ${q.started} started`;
  const bad = r.status['3xx'] + r.status['4xx'] + r.status['5xx'];
  if (bad) return `${bad} non-2xx responses`;
  return null;
}

const lastLine = (s: string): string => s.trim().split('\n').filter(Boolean).pop()?.trim() ?? '';

/** Runs h2load with `args` (the URL last), bounded by `timeoutMs`; parsed, or throws one line. */
export async function runH2load(args: string[], timeoutMs: number): Promise<H2loadResult & { args: string[] }> {
  const r = await run(TOOLS.h2load.locate() ?? 'h2load', args, timeoutMs);
  let parsed: H2loadResult;
  try {
    parsed = parseH2load(r.stdout);
  } catch (err) {
    const detail = lastLine(r.stderr) || lastLine(r.stdout) || `exit ${r.code}`;
    throw new Error(`h2load ${args.join(' ')}: ${(err as Error).message}; last output: ${detail}`);
  }
  const problem = h2loadProblem(parsed);
  if (problem) throw new Error(`h2load ${args.join(' ')}: ${problem}`);
  return { ...parsed, args };
}
