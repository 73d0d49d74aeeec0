// How the harness reads a target's /__probe/info: strict where the checks depend on it, lenient
// elsewhere. `protocol`, `features` and `defaults` must be right (else the target does not speak
// the protocol: exit 2). Anything else that is missing or malformed is dropped with one warning
// line, and unknown fields are ignored, so a target written by someone else still gets judged.
import { z } from 'zod';
import { Info, PartialLimits, type Limits } from '../../protocol/index.ts';

/** What the harness assumes of a limit the target does not report: the reference server's defaults. */
export const ASSUMED_LIMITS: Limits = {
  max_ops: 100_000, max_script_bytes: 1024 ** 3, max_run_seconds: 300, max_scripts: 1000, script_ttl_seconds: 600,
};

const Core = Info.pick({ protocol: true, features: true, defaults: true });
const Optional = {
  server: Info.shape.server,
  active_requests: Info.shape.active_requests.unwrap(),
  limits: PartialLimits,
  memory: Info.shape.memory.unwrap(),
} as const;

export type InfoReading = { ok: true; info: Info; warnings: string[] } | { ok: false; problem: string };

const where = (i: z.core.$ZodIssue) => i.path.join('.') || '(body)';

/** Reads an info body (parsed JSON). */
export function readInfo(json: unknown): InfoReading {
  const core = Core.safeParse(json);
  if (!core.success) {
    const i = core.error.issues[0]!;
    return { ok: false, problem: `${where(i)}: ${i.message}` };
  }
  const body = json as Record<string, unknown>;
  const warnings: string[] = [];
  const info: Info = { ...core.data, server: 'unknown' };
  for (const key of Object.keys(Optional) as Array<keyof typeof Optional>) {
    if (body[key] === undefined) {
      if (key === 'server' || key === 'active_requests') warnings.push(`/__probe/info has no ${key}${key === 'active_requests' ? ' (checks that count active requests are skipped)' : ''}`);
      continue;
    }
    const r = Optional[key].safeParse(body[key]);
    if (r.success) (info as Record<string, unknown>)[key] = r.data;
    else warnings.push(`/__probe/info ${key} ignored: ${r.error.issues.map((i) => `${key}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; ')}`);
  }
  if (info.limits !== undefined) {
    const missing = (Object.keys(ASSUMED_LIMITS) as Array<keyof Limits>).filter((k) => info.limits![k] === undefined);
    if (missing.length > 0) warnings.push(`/__probe/info limits lack ${missing.join(', ')}: assuming ${missing.map((k) => `${k} ${ASSUMED_LIMITS[k]}`).join(', ')}`);
  }
  return { ok: true, info, warnings };
}

/** The target's limits, with the assumed value for each one it does not report. */
export function limitsOf(info: Info): Limits {
  return { ...ASSUMED_LIMITS, ...info.limits };
}
