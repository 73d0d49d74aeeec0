// Network profiles (profiles/network/*.yaml): a named link, each direction's numbers and where they
// come from. Validated with zod; every problem of a file is reported at once with file, field and
// line, like the client profiles:
//   profiles/network/3g.yaml: down.delay_ms: expected a number of milliseconds >= 0 (line 9)
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseRate, type NetworkSection } from '../clients/profile-schema.ts';
import { loadProfile, parseYamlWith, ProfileError, type ProfileProblem } from '../clients/profiles.ts';
import { DISTRIBUTIONS, type DirectionSpec, type LinkSpec, type NetemLoss } from './spec.ts';

export const NETWORK_PROFILE_DIR = fileURLToPath(new URL('../../profiles/network/', import.meta.url));

const ms = z.number({ error: 'expected a number of milliseconds >= 0' }).nonnegative({ error: 'expected a number of milliseconds >= 0' });
const pct = z.number({ error: 'expected a percentage from 0 to 100' })
  .min(0, { error: 'expected a percentage from 0 to 100' }).max(100, { error: 'expected a percentage from 0 to 100' });
const count = z.number({ error: 'expected a whole number >= 1' }).int({ error: 'expected a whole number >= 1' }).min(1, { error: 'expected a whole number >= 1' });
const rate = z.string({ error: 'expected a rate like "750kbit", "5mbit" or "100kbps"' })
  .refine((r) => parseRate(r) !== null, { error: 'expected a rate like "750kbit", "5mbit" or "100kbps"' });

const Loss = z.union([
  pct,
  z.strictObject({ model: z.literal('random'), pct, correlation_pct: pct.optional() }),
  z.strictObject({ model: z.literal('state'), p13: pct, p31: pct.optional(), p32: pct.optional(), p23: pct.optional(), p14: pct.optional() }),
  z.strictObject({ model: z.literal('gemodel'), p: pct, r: pct.optional(), one_minus_h: pct.optional(), one_minus_k: pct.optional() }),
], { error: 'expected a percentage, or { model: random|state|gemodel, ... }' });

export const DirectionSection = z.strictObject({
  rate: rate.optional(),
  packet_overhead_bytes: z.number().int({ error: 'expected whole bytes' }).optional(),
  delay_ms: ms.optional(),
  jitter_ms: ms.optional(),
  delay_correlation_pct: pct.optional(),
  distribution: z.enum(DISTRIBUTIONS, { error: `expected one of ${DISTRIBUTIONS.join(', ')}` }).optional(),
  loss: Loss.optional(),
  duplicate_pct: pct.optional(),
  corrupt_pct: pct.optional(),
  reorder: z.strictObject({ pct, correlation_pct: pct.optional(), gap: count.optional() }).optional(),
  slot: z.strictObject({ min_delay_ms: ms, max_delay_ms: ms, packets: count.optional(), bytes: count.optional() })
    .refine((s) => s.max_delay_ms >= s.min_delay_ms, { error: 'max_delay_ms is below min_delay_ms' }).optional(),
  limit_packets: count.optional(),
}, { error: 'expected a mapping (rate, delay_ms, jitter_ms, loss ...)' })
  .refine((d) => d.reorder === undefined || (d.delay_ms ?? 0) > 0, { error: 'reorder needs delay_ms > 0 (reordered packets are the ones sent without the delay)', path: ['reorder'] })
  .refine((d) => d.distribution === undefined || d.distribution === 'uniform' || (d.jitter_ms ?? 0) > 0, { error: 'a distribution needs jitter_ms > 0', path: ['distribution'] });
export type DirectionSection = z.infer<typeof DirectionSection>;

const mem = z.tuple([count, count, count], { error: 'expected [min, default, max] bytes' })
  .refine(([a, b, c]) => a <= b && b <= c, { error: 'expected min <= default <= max' });

export const NetworkProfile = z.strictObject({
  name: z.string({ error: 'required: a short name' })
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { error: 'expected lowercase letters, digits, ".", "_" or "-" (at most 64)' }),
  description: z.string({ error: 'required: one line saying what link this is' }).min(1, { error: 'required: one line saying what link this is' }),
  sources: z.array(z.string().min(1), { error: 'required: where every number comes from (a list)' }).min(1, { error: 'required: where every number comes from (a list)' }),
  down: DirectionSection,
  up: DirectionSection,
  sysctl: z.strictObject({ tcp_rmem: mem.optional(), tcp_wmem: mem.optional() }).optional(),
}, { error: 'expected a mapping with name, description, sources, down and up' });
export type NetworkProfile = z.infer<typeof NetworkProfile>;

export interface LoadedNetworkProfile { profile: NetworkProfile; file: string; link: LinkSpec }

function lossOf(l: DirectionSection['loss']): NetemLoss | undefined {
  if (l === undefined) return undefined;
  if (typeof l === 'number') return l > 0 ? { model: 'random', pct: l } : undefined;
  if (l.model === 'random') return { model: 'random', pct: l.pct, ...(l.correlation_pct !== undefined ? { correlationPct: l.correlation_pct } : {}) };
  if (l.model === 'state') return { model: 'state', p13: l.p13, p31: l.p31, p32: l.p32, p23: l.p23, p14: l.p14 };
  return { model: 'gemodel', p: l.p, r: l.r, oneMinusH: l.one_minus_h, oneMinusK: l.one_minus_k };
}

const def = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [k]: v } as { [P in K]?: V }));

export function directionOf(d: DirectionSection): DirectionSpec {
  const loss = lossOf(d.loss);
  return {
    ...def('bitsPerSecond', d.rate !== undefined ? parseRate(d.rate)! : undefined),
    ...def('packetOverheadBytes', d.packet_overhead_bytes),
    ...def('delayMs', d.delay_ms),
    ...def('jitterMs', d.jitter_ms),
    ...def('delayCorrelationPct', d.delay_correlation_pct),
    ...def('distribution', d.distribution),
    ...def('loss', loss),
    ...def('duplicatePct', d.duplicate_pct),
    ...def('corruptPct', d.corrupt_pct),
    ...def('reorder', d.reorder ? { pct: d.reorder.pct, ...def('correlationPct', d.reorder.correlation_pct), ...def('gap', d.reorder.gap) } : undefined),
    ...def('slot', d.slot ? { minDelayMs: d.slot.min_delay_ms, maxDelayMs: d.slot.max_delay_ms, ...def('packets', d.slot.packets), ...def('bytes', d.slot.bytes) } : undefined),
    ...def('limit', d.limit_packets),
  };
}

export function linkOf(p: NetworkProfile): LinkSpec {
  return {
    name: p.name, down: directionOf(p.down), up: directionOf(p.up),
    sysctls: { ...def('tcpRmem', p.sysctl?.tcp_rmem), ...def('tcpWmem', p.sysctl?.tcp_wmem) },
  };
}

/** A client profile's own `network:` object: the same link both ways (delay is one-way). */
export function linkOfClientSection(name: string, n: NetworkSection): LinkSpec {
  const d: DirectionSpec = {
    ...def('bitsPerSecond', n.rate !== undefined ? parseRate(n.rate)! : undefined),
    ...def('delayMs', n.delay_ms),
    ...def('jitterMs', n.jitter_ms),
    ...def('loss', n.loss_pct ? { model: 'random' as const, pct: n.loss_pct } : undefined),
  };
  return { name, down: d, up: { ...d }, sysctls: {} };
}

export type ParsedNetworkProfile = { ok: true; loaded: LoadedNetworkProfile } | { ok: false; problems: ProfileProblem[] };

export function parseNetworkProfileText(text: string, file: string): ParsedNetworkProfile {
  const r = parseYamlWith(text, file, NetworkProfile);
  return r.ok ? { ok: true, loaded: { profile: r.value, file, link: linkOf(r.value) } } : r;
}

export async function loadNetworkProfile(file: string): Promise<LoadedNetworkProfile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ProfileError('ERR_PROFILE_NOT_FOUND', [{ file, path: '', message: 'no such file or directory' }]);
  }
  const r = parseNetworkProfileText(text, file);
  if (!r.ok) throw new ProfileError('ERR_PROFILE_INVALID', r.problems);
  return r.loaded;
}

/** A YAML file, or the name of a profile in profiles/network/ ("3g"). */
export async function resolveNetworkProfile(given: string): Promise<LoadedNetworkProfile> {
  const bundled = join(NETWORK_PROFILE_DIR, `${given}.yaml`);
  const file = !existsSync(given) && /^[\w.-]+$/.test(given) && existsSync(bundled) ? bundled : given;
  if (!existsSync(file) && /^[\w.-]+$/.test(given)) {
    throw new ProfileError('ERR_PROFILE_NOT_FOUND', [{ file: given, path: '', message: `no such network profile (known: ${(await networkProfileNames()).join(', ')})` }]);
  }
  return loadNetworkProfile(file);
}

export async function networkProfileNames(): Promise<string[]> {
  return (await readdir(NETWORK_PROFILE_DIR)).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

const CLIENT_PROFILE_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));

/**
 * The link `given` names: a network profile (name in profiles/network/ or a file with `down`/`up`),
 * else a client profile (name in profiles/ or a file with `read`) through its `network:` - a network
 * profile's name, or its own numbers (the same both ways). A client profile without `network` is
 * an error that says so.
 */
export async function resolveLink(given: string): Promise<LinkSpec> {
  const isName = /^[\w.-]+$/.test(given) && !existsSync(given);
  const clientFile = isName ? join(CLIENT_PROFILE_DIR, `${given}.yaml`) : given;
  const networkByName = isName && existsSync(join(NETWORK_PROFILE_DIR, `${given}.yaml`));
  const looksClient = !networkByName && existsSync(clientFile) && /^read:/m.test(await readFile(clientFile, 'utf8'));
  if (!looksClient) return (await resolveNetworkProfile(given)).link;
  const client = await loadProfile(clientFile);
  if (client.network === undefined) {
    throw new ProfileError('ERR_PROFILE_INVALID', [{ file: clientFile, path: 'network', message: 'this client profile has no network section to shape with' }]);
  }
  if (typeof client.network === 'string') return { ...(await resolveNetworkProfile(client.network)).link };
  return linkOfClientSection(client.name, client.network);
}
