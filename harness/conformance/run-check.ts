// One check's run, bounded: its own AbortController (linked to the run's signal), its time limit,
// and what its outcome means. A verdict the check returns stands; a check that throws or runs past
// its time limit could not be judged (an error verdict, never a failure: the harness's trouble is
// not the server's), unless what it threw is a FailureFound (what was seen already decides against
// the server); a check cut short by an interrupted run is skipped. A check that is stopped is
// aborted first and then awaited (boundedly), so it cannot overlap whatever runs next.
import { setMaxListeners } from 'node:events';
import { explainError } from './error-hints.ts';
import { errorVerdict, fail, FailureFound, skip, type Verdict } from './verdict.ts';

/** The reason a check's signal aborts when the check runs past its time limit. */
export class CheckTimeoutError extends Error {
  override readonly name = 'CheckTimeoutError';
  readonly code = 'ERR_CHECK_TIMEOUT';
  constructor(readonly checkId: string, readonly transport: string, readonly limitMs: number) {
    super(`${checkId} on ${transport} did not finish within ${limitMs / 1000} s (its time limit) and was aborted`);
  }
}

export interface CheckLimits {
  /** The run's signal: when it aborts, the check is aborted too and skipped ("interrupted"). */
  runSignal: AbortSignal;
  /** The check's time limit. */
  limitMs: number;
  /** Once aborted, how long to wait for the check to settle before moving on anyway. */
  settleMs: number;
}

/**
 * Runs `run` with a signal of its own (aborted on the run's signal or at the time limit) and turns
 * its outcome into a verdict; see the top of this file.
 */
export async function runBounded(id: string, transport: string, run: (signal: AbortSignal) => Promise<Verdict>, o: CheckLimits): Promise<Verdict> {
  const controller = new AbortController();
  // Every wait of the check (requests, polls, sleeps) listens on it, several at once.
  setMaxListeners(64, controller.signal);
  const link = () => controller.abort(o.runSignal.reason);
  o.runSignal.addEventListener('abort', link, { once: true });
  if (o.runSignal.aborted) link();
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = Promise.resolve()
      .then(() => run(controller.signal))
      .then((verdict) => ({ verdict }), (err: unknown) => ({ err }));
    const stopped = new Promise<'stopped'>((resolve) => {
      if (controller.signal.aborted) return resolve('stopped');
      controller.signal.addEventListener('abort', () => resolve('stopped'), { once: true });
      timer = setTimeout(() => controller.abort(new CheckTimeoutError(id, transport, o.limitMs)), o.limitMs);
    });
    const first = await Promise.race([outcome, stopped]);
    if (first !== 'stopped') {
      if ('verdict' in first) return first.verdict;
      if (first.err instanceof FailureFound) return fail(first.err.expected, first.err.actual, first.err.evidence);
      const e = explainError(first.err, { checkId: id, transport });
      return errorVerdict(e.reason, e.hint, { error_code: e.code });
    }
    const t0 = performance.now();
    const settled = await within(outcome, o.settleMs);
    const waited = Math.round(performance.now() - t0);
    const reason: unknown = controller.signal.reason;
    if (!(reason instanceof CheckTimeoutError)) return skip('interrupted while running');
    const e = explainError(reason, { checkId: id, transport });
    const aftermath = settled ? '' : `; it did not stop within ${o.settleMs / 1000} s of being aborted and was left running`;
    return errorVerdict(`${e.reason}${aftermath}`, e.hint, { error_code: e.code, time_limit_s: o.limitMs / 1000, stopped_after_abort_ms: settled ? waited : null });
  } finally {
    clearTimeout(timer);
    o.runSignal.removeEventListener('abort', link);
  }
}

/** Whether `p` settles within `ms` (without keeping the process alive for the rest). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => { t = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([p.then(() => true as const), late]);
  } finally {
    clearTimeout(t);
  }
}
