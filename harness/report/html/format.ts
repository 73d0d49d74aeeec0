// Numbers as the report prints them: the verdicts' own formats (one definition, in verifiers.ts),
// plus durations.
export { fmtBytes, fmtMs, fmtTimeout, fmtWindow } from '../../conformance/verifiers.ts';

/** "41.2 s", "3 min 12 s" */
export function fmtDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
