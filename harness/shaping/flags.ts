// `dawdle shape` flags -> a link: a network profile (or none) overridden by --delay, --rate ...
// Each value is parsed into numbers here; a bad one is a one-line error naming the flag.
import { parseRate } from '../clients/profile-schema.ts';
import type { DirectionSpec, Distribution, LinkSpec } from './spec.ts';
import { DISTRIBUTIONS } from './spec.ts';

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

/** "100ms", "1.5s", "250us", "20" (ms) -> milliseconds. */
export function parseDuration(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s)?$/.exec(v.trim());
  if (!m) throw new FlagError(`--${flag}: "${v}" is not a duration (e.g. 100ms, 1.5s, 250us)`);
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : m[2] === 'us' ? n / 1000 : n;
}

/** "1%", "0.5" -> percent. */
export function parsePercent(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(v.trim());
  if (!m || Number(m[1]) > 100) throw new FlagError(`--${flag}: "${v}" is not a percentage from 0 to 100 (e.g. 1%)`);
  return Number(m[1]);
}

export function parseRateFlag(flag: string, v: string): number {
  const r = parseRate(v);
  if (r === null) throw new FlagError(`--${flag}: "${v}" is not a rate (e.g. 750kbit, 5mbit, 100kbps)`);
  return r;
}

export function parseMem(flag: string, v: string): [number, number, number] {
  const parts = v.split(/[\s,]+/).filter(Boolean).map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 1) || !(parts[0]! <= parts[1]! && parts[1]! <= parts[2]!)) {
    throw new FlagError(`--${flag}: "${v}" is not "min,default,max" bytes (e.g. 4096,16384,65536)`);
  }
  return parts as [number, number, number];
}

export interface LinkFlags {
  delay?: string; jitter?: string; distribution?: string; rate?: string; 'up-rate'?: string; loss?: string;
  duplicate?: string; corrupt?: string; reorder?: string; gap?: number; 'tcp-rmem'?: string; 'tcp-wmem'?: string;
}

export function hasLinkFlags(f: LinkFlags): boolean {
  return Object.values(f).some((v) => v !== undefined);
}

/** `base` (a profile's link, or an empty one) with the flags applied to both directions. */
export function applyFlags(base: LinkSpec | null, f: LinkFlags): LinkSpec {
  const link: LinkSpec = base
    ? { ...base, down: { ...base.down }, up: { ...base.up }, sysctls: { ...base.sysctls } }
    : { name: 'custom', down: {}, up: {}, sysctls: {} };
  if (base && hasLinkFlags(f)) link.name = `${base.name}+flags`;
  const both = (fn: (d: DirectionSpec) => void) => { fn(link.down); fn(link.up); };
  if (f.delay !== undefined) { const v = parseDuration('delay', f.delay); both((d) => { d.delayMs = v; }); }
  if (f.jitter !== undefined) { const v = parseDuration('jitter', f.jitter); both((d) => { d.jitterMs = v; }); }
  if (f.distribution !== undefined) {
    if (!(DISTRIBUTIONS as readonly string[]).includes(f.distribution)) throw new FlagError(`--distribution: "${f.distribution}" is not one of ${DISTRIBUTIONS.join(', ')}`);
    both((d) => { d.distribution = f.distribution as Distribution; });
  }
  if (f.rate !== undefined) { const v = parseRateFlag('rate', f.rate); both((d) => { d.bitsPerSecond = v; }); }
  if (f['up-rate'] !== undefined) link.up.bitsPerSecond = parseRateFlag('up-rate', f['up-rate']);
  if (f.loss !== undefined) { const v = parsePercent('loss', f.loss); both((d) => { d.loss = { model: 'random', pct: v }; }); }
  if (f.duplicate !== undefined) { const v = parsePercent('duplicate', f.duplicate); both((d) => { d.duplicatePct = v; }); }
  if (f.corrupt !== undefined) { const v = parsePercent('corrupt', f.corrupt); both((d) => { d.corruptPct = v; }); }
  if (f.reorder !== undefined) {
    const v = parsePercent('reorder', f.reorder);
    if (f.gap !== undefined && (!Number.isInteger(f.gap) || f.gap < 1)) throw new FlagError('--gap must be a whole number >= 1');
    both((d) => { d.reorder = { pct: v, ...(f.gap !== undefined ? { gap: f.gap } : {}) }; });
  }
  for (const d of [link.down, link.up]) {
    if (d.reorder && !(d.delayMs && d.delayMs > 0)) throw new FlagError('--reorder needs --delay (reordered packets are the ones sent without it)');
    if (d.distribution && d.distribution !== 'uniform' && !d.jitterMs) throw new FlagError('--distribution needs --jitter');
  }
  if (f['tcp-rmem'] !== undefined) link.sysctls.tcpRmem = parseMem('tcp-rmem', f['tcp-rmem']);
  if (f['tcp-wmem'] !== undefined) link.sysctls.tcpWmem = parseMem('tcp-wmem', f['tcp-wmem']);
  return link;
}
