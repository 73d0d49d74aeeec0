// Step and rate arguments of `dawdle capacity`: `--slow 0..2000:250` (from..to:step, both ends
// included) or a list `0,50,100`; `--fast-rate 500/s` (also `500`, `30000/m`). Never throw.

export const MAX_STEPS = 100;
export const MAX_SLOW = 100_000;

export function parseSteps(text: string): { ok: true; steps: number[] } | { ok: false; error: string } {
  const t = text.trim();
  const bad = (why: string) => ({ ok: false as const, error: `--slow "${text}": ${why}` });
  let steps: number[];
  const range = /^(\d+)\s*\.\.\s*(\d+)\s*(?::\s*(\d+))?$/.exec(t);
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    const by = range[3] === undefined ? Math.max(1, to - from) : Number(range[3]);
    if (to < from) return bad('the range ends below where it starts');
    if (by <= 0) return bad('the step must be at least 1');
    if (Math.floor((to - from) / by) + 1 > MAX_STEPS) return bad(`more than ${MAX_STEPS} steps`);
    steps = [];
    for (let n = from; n <= to; n += by) steps.push(n);
    if (steps[steps.length - 1] !== to) steps.push(to);
  } else if (/^\d+(\s*,\s*\d+)*$/.test(t)) {
    steps = t.split(',').map((s) => Number(s.trim()));
    for (let i = 1; i < steps.length; i++) if (steps[i]! <= steps[i - 1]!) return bad('the steps must increase');
    if (steps.length > MAX_STEPS) return bad(`more than ${MAX_STEPS} steps`);
  } else {
    return bad('expected FROM..TO:STEP (e.g. 0..2000:250) or a list (e.g. 0,100,400)');
  }
  if (steps.some((n) => n > MAX_SLOW)) return bad(`at most ${MAX_SLOW} slow clients`);
  return { ok: true, steps };
}

const RATE = /^(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m|min|sec))?$/i;

/** Requests per second of a rate like `500/s`. */
export function parseRate(text: string, flag = '--fast-rate'): { ok: true; perSecond: number } | { ok: false; error: string } {
  const m = RATE.exec(text.trim());
  if (!m) return { ok: false, error: `${flag} "${text}": expected requests per second like 500/s (or 30000/m)` };
  const n = Number(m[1]);
  const per = (m[2] ?? 's').toLowerCase();
  const perSecond = per === 'm' || per === 'min' ? n / 60 : n;
  if (!(perSecond > 0)) return { ok: false, error: `${flag} "${text}": the rate must be above 0` };
  if (perSecond > 1_000_000) return { ok: false, error: `${flag} "${text}": at most 1,000,000/s` };
  return { ok: true, perSecond };
}
