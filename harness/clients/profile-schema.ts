// The schema of a client profile (profiles/*.yaml): a name, a description, how the client reads
// (a behaviour of the registry with its parameters) and, optionally, how the network is shaped
// (validated here; the shaping module applies it).
//
//   name: 3g
//   description: ...
//   read: { behaviour: throttled, bytes_per_second: 96000, chunk_bytes: 1400 }
//   network: 3g        # a network profile (profiles/network/3g.yaml), or its own numbers:
//   network: { rate: "750kbit", delay_ms: 100, jitter_ms: 10, loss_pct: 0 }
import { z } from 'zod';
import { BEHAVIOURS, type BehaviourName, behaviourNames, isBehaviourName } from './behaviours/index.ts';

export interface SchemaProblem { path: PropertyKey[]; message: string }

/** One zod issue as problems a person can act on (one per unknown key, plain words). */
export function describeIssue(issue: z.core.$ZodIssue): SchemaProblem[] {
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ path: [...path, k], message: 'unknown field' }));
  }
  return [{ path, message: issue.message }];
}

// tc rate units: bit/kbit/mbit/gbit/tbit are bits per second, bps/kbps/... bytes per second;
// the "i" forms (kibit, mibps ...) are powers of 1024.
const RATE_RE = /^(\d+(?:\.\d+)?)\s*([kmgt]i?)?(bit|bps)$/i;
const RATE_SCALE: Record<string, number> = {
  '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, ti: 1024 ** 4,
};

/** Bits per second of a tc rate ("750kbit" -> 750000, "1mbps" -> 8000000), or null if invalid. */
export function parseRate(rate: string): number | null {
  const m = RATE_RE.exec(rate.trim());
  if (!m) return null;
  const bits = Number(m[1]) * RATE_SCALE[(m[2] ?? '').toLowerCase()]! * (m[3]!.toLowerCase() === 'bps' ? 8 : 1);
  return bits > 0 ? bits : null;
}

const mapping = { error: (i: { input?: unknown }) => (i.input === undefined ? 'required' : 'expected a mapping (key: value pairs)') };

const nonNegativeMs = z.number({ error: 'expected a number of milliseconds >= 0' }).nonnegative({ error: 'expected a number of milliseconds >= 0' });

export const NetworkSection = z.strictObject({
  rate: z.string({ error: 'expected a rate like "750kbit", "5mbit" or "100kbps"' })
    .refine((r) => parseRate(r) !== null, { error: 'expected a rate like "750kbit", "5mbit" or "100kbps"' })
    .optional(),
  delay_ms: nonNegativeMs.optional(),
  jitter_ms: nonNegativeMs.optional(),
  loss_pct: z.number({ error: 'expected a percentage from 0 to 100' })
    .min(0, { error: 'expected a percentage from 0 to 100' })
    .max(100, { error: 'expected a percentage from 0 to 100' })
    .optional(),
}, mapping);
export type NetworkSection = z.infer<typeof NetworkSection>;

export interface ReadSection { behaviour: BehaviourName; params: Record<string, unknown> }

/** `behaviour` picks an entry of the registry; the other keys are its parameters, checked by it. */
export const ReadSection = z
  .looseObject({
    behaviour: z.string({ error: `required: one of ${behaviourNames().join(', ')}` }),
  }, mapping)
  .superRefine((value, ctx) => {
    const { behaviour, ...params } = value;
    if (!isBehaviourName(behaviour)) {
      ctx.addIssue({
        code: 'custom', path: ['behaviour'],
        message: `unknown behaviour "${behaviour}" (known: ${behaviourNames().join(', ')})`,
      });
      return;
    }
    const r = BEHAVIOURS[behaviour].params.safeParse(params);
    if (r.success) return;
    for (const issue of r.error.issues) {
      for (const p of describeIssue(issue)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    }
  })
  .transform((value): ReadSection => {
    const { behaviour, ...params } = value;
    const parsed = BEHAVIOURS[behaviour as BehaviourName].params.parse(params) as Record<string, unknown>;
    return { behaviour: behaviour as BehaviourName, params: parsed };
  });

export const Profile = z.strictObject({
  name: z.string({ error: 'required: a short name' })
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { error: 'expected lowercase letters, digits, ".", "_" or "-" (at most 64)' }),
  description: z.string({ error: 'required: one line saying what the profile stands for' })
    .min(1, { error: 'required: one line saying what the profile stands for' }),
  read: ReadSection,
  /** The link this client sits behind: a network profile's name (profiles/network/NAME.yaml), or
   * its own numbers (the same both ways). */
  network: z.union([
    z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { error: 'expected the name of a network profile (profiles/network/), e.g. 3g' }),
    NetworkSection,
  ], { error: 'expected the name of a network profile (e.g. 3g) or a mapping (rate, delay_ms, jitter_ms, loss_pct)' }).optional(),
}, { error: 'expected a mapping with name, description and read' });
export type Profile = z.output<typeof Profile>;
