// The probe handler: runs a script's io calls against a real io and journals what each returned
// and when (probe protocol v1). Times are ms on this process's monotonic clock from handler start.
import {
  patternSource, type Journal, type JournalEntry, type Op, type Script, type SendStats as WireStats,
} from '../../protocol/index.ts';
import type { Io, SendStats } from '../tx/io.ts';
import { bodyBytesSent, cancelled, headersWereSent } from '../tx/send-result.ts';
import type { Request } from '../tx/types.ts';

function wireStats(s: SendStats): WireStats {
  return { current: s.current, sent: s.sent, cancelled: s.cancelled, headers_were_sent: s.headersWereSent };
}

function helperOutcome(fn: () => unknown): null | boolean | number | 'raised' {
  try {
    const v = fn();
    return v === null || typeof v === 'boolean' || typeof v === 'number' ? v : null;
  } catch {
    return 'raised';
  }
}

export interface RunOptions {
  id: string;
  script: Script;
  req: Request;
  io: Io;
  defaults: { send_window: number; send_timeout: number };
  maxRunMs: number;
  /**
   * Called when the run passes `maxRunMs`: cancels the io and ends the response as aborted at
   * once (Io.abort()), so the client is not kept waiting for the rest of the run.
   */
  abortIo: () => void;
  /** Receives the journal as soon as it exists, so it can be served while the script runs. */
  onJournal?: (journal: Journal) => void;
}

/** Runs the script to its end; never throws: an error ends the journal with reason "error". */
export async function runScript(o: RunOptions): Promise<Journal> {
  const { io, script } = o;
  const start = performance.now();
  const now = (): number => Math.round((performance.now() - start) * 1000) / 1000;
  if (script.io?.send_window !== undefined) io.sendWindow = script.io.send_window;
  if (script.io?.send_timeout !== undefined) io.sendTimeout = script.io.send_timeout;

  const journal: Journal = {
    id: o.id,
    v: 1,
    done: false,
    transport: { http: o.req.version === '2' ? '2' : '1.1', tls: o.req.tls },
    peer: o.req.peer,
    origin_unix_ms: performance.timeOrigin + start,
    effective: {
      send_window: io.sendWindow ?? o.defaults.send_window,
      send_timeout: io.sendTimeout ?? o.defaults.send_timeout,
    },
    entries: [],
    samples: [],
  };
  o.onJournal?.(journal);

  const sample = (): void => {
    const s = io.getSendStats();
    journal.samples.push([now(), s.current, s.sent]);
  };
  const period = script.sample_stats_ms ?? 0;
  const sampler = period > 0 ? setInterval(sample, period) : null;
  if (period > 0) sample();

  // The run's deadline (max_run_seconds): the response is aborted then and there; io calls in
  // progress return (cancelled), a sleep is cut short, and no further op runs.
  let timedOut = false;
  let deadlinePassed!: () => void;
  const deadline = new Promise<void>((resolve) => { deadlinePassed = resolve; });
  const watchdog = setTimeout(() => {
    timedOut = true;
    o.abortIo();
    deadlinePassed();
  }, o.maxRunMs);

  let k = 0;
  let lastTimedOut = false;
  const exec = async (op: Exclude<Op, { op: 'repeat' }>): Promise<void> => {
    const t0 = now();
    let entry: JournalEntry;
    lastTimedOut = false;
    switch (op.op) {
      case 'write_header': {
        const r = await io.writeHeader(op.status, op.headers ?? {}, op.timeout);
        lastTimedOut = r !== null && !cancelled(r);
        entry = {
          i: 0, op: 'write_header', status: op.status, ...(op.timeout !== undefined ? { timeout: op.timeout } : {}), t0, t1: now(),
          result: r === null ? null : { cancelled: cancelled(r), headers_were_sent: headersWereSent(r) },
        };
        break;
      }
      case 'write': {
        const kk = k++;
        // Generated piece by piece as the window takes it: never the whole write at once.
        const r = await io.writeFrom(patternSource(kk, op.bytes), op.timeout);
        lastTimedOut = r !== null && !cancelled(r);
        entry = {
          i: 0, op: 'write', k: kk, bytes: op.bytes, ...(op.timeout !== undefined ? { timeout: op.timeout } : {}), t0, t1: now(),
          result: r === null ? null : { cancelled: cancelled(r), body_bytes_sent: bodyBytesSent(r) },
        };
        break;
      }
      case 'wait': {
        const pos = op.relative_to === 'current' ? io.getSendStats().current + op.pos : op.pos;
        const r = await io.wait(pos, op.timeout);
        lastTimedOut = r !== null && !cancelled(r);
        entry = {
          i: 0, op: 'wait', pos, ...(op.timeout !== undefined ? { timeout: op.timeout } : {}), t0, t1: now(),
          result: r === null ? null : { cancelled: cancelled(r) },
        };
        break;
      }
      case 'helpers_on_nil':
        entry = {
          i: 0, op: 'helpers_on_nil', t0, t1: now(),
          helpers: {
            cancelled: helperOutcome(() => cancelled(null)),
            headers_were_sent: helperOutcome(() => headersWereSent(null)),
            body_bytes_sent: helperOutcome(() => bodyBytesSent(null)),
          },
        };
        break;
      case 'sleep': {
        // Cut short by the run's deadline and by the server's shutdown (not by a client's cancellation).
        let timer: NodeJS.Timeout | undefined;
        let off = (): void => {};
        await Promise.race([
          new Promise<void>((r) => {
            timer = setTimeout(r, op.seconds * 1000);
            off = io.onShutdown(r);
          }),
          deadline,
        ]);
        clearTimeout(timer);
        off();
        entry = { i: 0, op: 'sleep', t0, t1: now() };
        break;
      }
      case 'set':
        if (op.send_window !== undefined) io.sendWindow = op.send_window;
        if (op.send_timeout !== undefined) io.sendTimeout = op.send_timeout;
        entry = { i: 0, op: 'set', t0, t1: now() };
        break;
      case 'close':
        await io.close();
        entry = { i: 0, op: 'close', t0, t1: now() };
        break;
      case 'stats':
        entry = { i: 0, op: 'stats', t0, t1: now() };
        break;
    }
    entry.i = journal.entries.length;
    entry.stats = wireStats(io.getSendStats());
    journal.entries.push(entry);
  };

  const runOps = async (ops: readonly Op[]): Promise<void> => {
    for (const op of ops) {
      if (timedOut) return;
      if (op.op !== 'repeat') {
        await exec(op);
        continue;
      }
      for (let n = 0; n < op.times && !timedOut; n++) {
        let stop = false;
        for (const inner of op.ops) {
          await runOps([inner]);
          if (op.until === 'cancelled' && io.getSendStats().cancelled) stop = true;
          if (op.until === 'timed_out' && lastTimedOut) stop = true;
          if (stop) break;
        }
        if (stop) break;
      }
    }
  };

  try {
    await runOps(script.ops);
    if (timedOut) throw new Error(`run exceeded max_run_seconds (${o.maxRunMs / 1000} s)`);
    journal.end = { reason: io.getSendStats().cancelled ? 'cancelled' : 'completed', t: now() };
  } catch (err) {
    journal.end = { reason: 'error', t: now(), error: err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err) };
  } finally {
    clearTimeout(watchdog);
    if (sampler) clearInterval(sampler);
    if (period > 0) sample();
    journal.done = true;
  }
  return journal;
}
