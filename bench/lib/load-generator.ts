// The HTTP load generator: wrk (Debian package `wrk`, installed through the tools registry when
// missing and we may), run as its own process. Without wrk, and only if autocannon happens to be
// installed as an npm dependency, autocannon (in the bench process, which is never the server's).
import { TOOLS } from '../../harness/tools/catalogue.ts';
import { ensureTools } from '../../harness/tools/install.ts';
import { manualInstall } from '../../harness/tools/tool.ts';
import { run } from './children.ts';

export const WRK_INSTALL_HINT = `wrk not found and not installable here: ${manualInstall(TOOLS.wrk)}`;

export interface WrkResult {
  rps: number;
  requests: number;
  seconds: number;
  latencyAvg: string;
  /** Socket errors and non-2xx responses; a run with any is suspect. */
  errors: number;
}

/** wrk is here, or was just installed. */
export async function haveWrk(log: (s: string) => void = () => {}): Promise<boolean> {
  return (await ensureTools([TOOLS.wrk], log)).missing.length === 0;
}

/** `wrk -t threads -c connections -d seconds url`, parsed. */
export async function runWrk(url: string, seconds: number, connections: number, threads = 1): Promise<WrkResult> {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', url];
  const r = await run(TOOLS.wrk.locate() ?? 'wrk', args, (seconds + 30) * 1000);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  const total = /(\d+) requests in ([\d.]+)(m?s|m)/.exec(r.stdout);
  if (r.code !== 0 || !rps || !total) throw new Error(`wrk failed (exit ${r.code}): ${r.stdout}${r.stderr}`);
  const unit = total[3];
  const secs = Number(total[2]) * (unit === 'ms' ? 0.001 : unit === 'm' ? 60 : 1);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout);
  const errors = (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  const lat = /Latency\s+(\S+)/.exec(r.stdout);
  return { rps: Number(rps[1]), requests: Number(total[1]), seconds: secs, latencyAvg: lat ? lat[1]! : '?', errors };
}

export interface LoadGenerator {
  name: string;
  run(url: string, seconds: number, connections: number): Promise<WrkResult>;
}

/** wrk if present, else an already-installed autocannon, else null. */
export async function loadGenerator(log: (s: string) => void = () => {}): Promise<LoadGenerator | null> {
  if (await haveWrk(log)) return { name: 'wrk', run: (url, s, c) => runWrk(url, s, c) };
  const name = 'autocannon';
  let ac: ((o: object) => Promise<AutocannonResult>) | null = null;
  try {
    ac = ((await import(name)) as { default: (o: object) => Promise<AutocannonResult> }).default;
  } catch {
    return null;
  }
  return {
    name: 'autocannon (wrk missing)',
    run: async (url, seconds, connections) => {
      const r = await ac!({ url, connections, duration: seconds });
      return { rps: r.requests.average, requests: r.requests.total, seconds: r.duration, latencyAvg: `${r.latency.average}ms`, errors: r.errors + r.non2xx + r.timeouts };
    },
  };
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { average: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
