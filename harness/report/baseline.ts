// Comparing a run with an earlier one (a baseline, or the A of `report --diff A B`): what each
// verdict became, and the exit-code gate that decides on it.
import type { VerdictStatus } from '../conformance/verdict.ts';
import { resultKey, type ReportDocument } from './document.ts';

/**
 * - new-failure: fails now, did not fail before (passed, was skipped, could not be judged, or was
 *   not run)
 * - still-failing: failed before and fails now
 * - fixed: failed before, passes now
 * - unchanged: same status as before (pass, skip, or error again)
 * - changed: any other move that involves no failure now (fail -> skip, pass -> skip, skip -> pass,
 *   or not run before), and every move to or from error (could not judge) that is not a failure
 *   now: pass -> error is not a new failure, fail -> error is not fixed, error -> pass not fixed
 */
export type Change = 'new-failure' | 'fixed' | 'still-failing' | 'unchanged' | 'changed';

export const CHANGES: readonly Change[] = ['new-failure', 'fixed', 'still-failing', 'changed', 'unchanged'];

export const CHANGE_LABEL: Readonly<Record<Change, string>> = {
  'new-failure': 'new failure', fixed: 'fixed', 'still-failing': 'still failing', unchanged: 'unchanged', changed: 'changed',
};

export interface ComparisonEntry {
  transport: string;
  id: string;
  change: Change;
  /** Status in the baseline; null when the baseline did not run this check on this transport. */
  before: VerdictStatus | null;
  after: VerdictStatus;
}

export interface Comparison {
  against: { file: string; startedAt: string };
  /** One per verdict of the newer run, in its order. */
  entries: ComparisonEntry[];
  /** Verdicts of the baseline the newer run does not have. */
  removed: Array<{ transport: string; id: string; before: VerdictStatus }>;
}

export function changeOf(before: VerdictStatus | null, after: VerdictStatus): Change {
  if (after === 'fail') return before === 'fail' ? 'still-failing' : 'new-failure';
  if (before === 'fail' && after === 'pass') return 'fixed';
  if (before === after) return 'unchanged';
  return 'changed';
}

type Run = Pick<ReportDocument, 'results' | 'startedAt'>;

export function compare(before: Run, after: Run, file: string): Comparison {
  const old = new Map(before.results.map((r) => [resultKey(r), r.verdict.status] as const));
  const now = new Set(after.results.map(resultKey));
  return {
    against: { file, startedAt: before.startedAt },
    entries: after.results.map((r) => {
      const b = old.get(resultKey(r)) ?? null;
      return { transport: r.transport, id: r.id, change: changeOf(b, r.verdict.status), before: b, after: r.verdict.status };
    }),
    removed: before.results.filter((r) => !now.has(resultKey(r))).map((r) => ({ transport: r.transport, id: r.id, before: r.verdict.status })),
  };
}

export function countChanges(c: Comparison): Record<Change, number> {
  const n: Record<Change, number> = { 'new-failure': 0, fixed: 0, 'still-failing': 0, unchanged: 0, changed: 0 };
  for (const e of c.entries) n[e.change]++;
  return n;
}

/** "2 new failures, 1 fixed, 3 still failing, 0 changed, 60 unchanged" */
export function changeSummary(c: Comparison): string {
  const n = countChanges(c);
  const parts = CHANGES.map((k) => `${n[k]} ${k === 'new-failure' && n[k] !== 1 ? 'new failures' : CHANGE_LABEL[k]}`);
  if (c.removed.length > 0) parts.push(`${c.removed.length} not run now`);
  return parts.join(', ');
}

/** Lookup of a verdict's change by "transport id". */
export function changeIndex(c: Comparison | undefined): Map<string, ComparisonEntry> {
  return new Map((c?.entries ?? []).map((e) => [resultKey(e), e] as const));
}

export type Gate = 'any-fail' | 'regressions';
export const GATES: readonly Gate[] = ['any-fail', 'regressions'];

/**
 * Whether the run fails the gate: any-fail = some verdict failed; regressions = some verdict is a
 * new failure against the baseline (failures the baseline already had do not count). Under both,
 * any error fails the gate too: a verdict the harness could not reach cannot show that the server
 * passes, nor that it did not regress.
 */
export function failsGate(doc: Pick<ReportDocument, 'results' | 'comparison'>, gate: Gate): boolean {
  if (doc.results.some((r) => r.verdict.status === 'error')) return true;
  if (gate === 'any-fail') return doc.results.some((r) => r.verdict.status === 'fail');
  if (doc.comparison === undefined) throw new Error('the regressions gate needs a comparison');
  return doc.comparison.entries.some((e) => e.change === 'new-failure');
}
