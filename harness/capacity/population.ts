// The slow population of a capacity run: N clients spread over worker processes (one per core by
// default, so the harness is never the bottleneck), scaled step by step. The figures of a measured
// window come back from every worker and are merged here; ticks (once a second per worker) feed
// the step timelines.
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Profile } from '../clients/profiles.ts';
import { decodeHistogram, mergeHistograms, newHistogram, type Histogram } from './histogram.ts';
import type { FromWorker, ToWorker, WindowFigures } from './worker-protocol.ts';

const WORKER = fileURLToPath(new URL('./slow-worker.ts', import.meta.url));
const REPLY_MS = 30_000;

export interface PopulationOptions {
  host: string;
  port: number;
  tls?: boolean;
  path: string;
  profile: Profile;
  tickerIntervalMs: number | null;
  /** The server's clock minus this host's, ms (staleness of a remote target); default 0. */
  clockOffsetMs?: number;
  workers?: number;
}

export interface MergedWindow extends Omit<WindowFigures, 'staleness'> {
  staleness: null | { ages: Histogram; lags: Histogram; received: number; dropped: number; aoiArea: number; aoiTime: number };
}

export interface PopulationTick { t: number; worker: number; bytes: number; clients: number; serverClosures: number; errors: number; rssBytes: number; cpuMs: number }

class WorkerHandle {
  readonly waiting = new Map<string, Array<(m: FromWorker) => void>>();
  exited = false;
  constructor(readonly child: ChildProcess, readonly index: number, onTick: (t: PopulationTick) => void) {
    child.on('message', (m: FromWorker) => {
      if (m.type === 'tick') return onTick({ ...m, worker: index });
      const q = this.waiting.get(m.type);
      q?.shift()?.(m);
    });
    child.on('exit', () => { this.exited = true; });
  }
  request<T extends FromWorker['type']>(msg: ToWorker | null, reply: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`slow-client worker ${this.index} did not answer ${msg?.type ?? 'start'} within ${REPLY_MS / 1000} s`)), REPLY_MS);
      const q = this.waiting.get(reply) ?? [];
      q.push((m) => { clearTimeout(timer); resolve(m as Extract<FromWorker, { type: T }>); });
      this.waiting.set(reply, q);
      if (msg !== null) this.child.send(msg);
    });
  }
}

export class SlowPopulation {
  #workers: WorkerHandle[] = [];
  #n = 0;
  readonly ticks: PopulationTick[] = [];

  private constructor() {}

  static async start(o: PopulationOptions, onTick?: (t: PopulationTick) => void): Promise<SlowPopulation> {
    const p = new SlowPopulation();
    const count = Math.max(1, o.workers ?? availableParallelism());
    for (let i = 0; i < count; i++) {
      const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const h = new WorkerHandle(child, i, (t) => { p.ticks.push(t); onTick?.(t); });
      p.#workers.push(h);
    }
    await Promise.all(p.#workers.map((w) => w.request(null, 'ready')));
    const config: ToWorker = { type: 'config', host: o.host, port: o.port, tls: o.tls === true, path: o.path, profile: o.profile, tickerIntervalMs: o.tickerIntervalMs, clockOffsetMs: o.clockOffsetMs ?? 0 };
    await Promise.all(p.#workers.map((w) => w.request(config, 'ready')));
    return p;
  }

  get size(): number { return this.#n; }
  get workerCount(): number { return this.#workers.length; }
  get pids(): number[] { return this.#workers.map((w) => w.child.pid!); }

  /** Holds `n` clients in all (client i on worker i mod W). */
  async scale(n: number): Promise<void> {
    const w = this.#workers.length;
    await Promise.all(this.#workers.map((h, i) => h.request({ type: 'scale', n: Math.floor(n / w) + (i < n % w ? 1 : 0) }, 'scaled')));
    this.#n = n;
  }

  async mark(): Promise<void> {
    await Promise.all(this.#workers.map((h) => h.request({ type: 'mark' }, 'marked')));
  }

  async collect(): Promise<MergedWindow> {
    const parts = (await Promise.all(this.#workers.map((h) => h.request({ type: 'collect' }, 'collected')))).map((m) => m.figures);
    return mergeWindows(parts);
  }

  async stop(): Promise<void> {
    await Promise.all(this.#workers.map((h) => new Promise<void>((resolve) => {
      if (h.exited) return resolve();
      const kill = setTimeout(() => h.child.kill('SIGKILL'), 3000);
      h.child.once('exit', () => { clearTimeout(kill); resolve(); });
      try { h.child.send({ type: 'stop' } satisfies ToWorker); } catch { h.child.kill('SIGKILL'); }
    })));
  }
}

/** The figures of every worker as one. */
export function mergeWindows(parts: readonly WindowFigures[]): MergedWindow {
  const kinds: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.errorKinds)) kinds[k] = (kinds[k] ?? 0) + v;
  const st = parts.map((p) => p.staleness).filter((s) => s !== null);
  const sum = (f: (p: WindowFigures) => number) => parts.reduce((s, p) => s + f(p), 0);
  return {
    perClientBytes: parts.flatMap((p) => p.perClientBytes),
    bytes: sum((p) => p.bytes), connects: sum((p) => p.connects), completions: sum((p) => p.completions), clientCloses: sum((p) => p.clientCloses),
    serverClosures: sum((p) => p.serverClosures), closureLifetimesMs: parts.flatMap((p) => p.closureLifetimesMs),
    errors: sum((p) => p.errors), errorKinds: kinds,
    staleness: st.length === 0 ? null : {
      ages: st.length ? mergeHistograms(st.map((s) => decodeHistogram(s.ages))) : newHistogram(),
      lags: mergeHistograms(st.map((s) => decodeHistogram(s.lags))),
      received: st.reduce((a, s) => a + s.received, 0), dropped: st.reduce((a, s) => a + s.dropped, 0),
      aoiArea: st.reduce((a, s) => a + s.aoiArea, 0), aoiTime: st.reduce((a, s) => a + s.aoiTime, 0),
    },
  };
}
