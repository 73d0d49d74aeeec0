// The typed tc builder: qdisc options -> tc argument arrays (for execFile, never a shell string a
// user wrote). Times go out as whole microseconds, rates as bits per second, shares as percent.
import type { HtbOptions, NetemOptions, QdiscOptions, TbfOptions } from './spec.ts';

export class TcOptionError extends Error {
  override readonly name = 'TcOptionError';
}

const us = (ms: number): string => `${Math.round(ms * 1000)}us`;
const pct = (p: number): string => `${+p.toFixed(6)}%`;
const bit = (bps: number): string => `${Math.round(bps)}bit`;

function checkPct(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && v <= 100)) throw new TcOptionError(`${name}: ${v} is not a percentage from 0 to 100`);
}
function checkNonNeg(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new TcOptionError(`${name}: ${v} is not a number >= 0`);
}

/** netem's arguments after `netem`. Throws TcOptionError on options tc or the kernel would refuse. */
export function netemArgs(o: NetemOptions): string[] {
  checkNonNeg('delay', o.delayMs);
  checkNonNeg('jitter', o.jitterMs);
  checkPct('delay correlation', o.delayCorrelationPct);
  checkPct('duplicate', o.duplicatePct);
  checkPct('corrupt', o.corruptPct);
  const a: string[] = [];
  if (o.limit !== undefined) {
    if (!Number.isInteger(o.limit) || o.limit < 1) throw new TcOptionError(`limit: ${o.limit} is not a positive whole number of packets`);
    a.push('limit', String(o.limit));
  }
  const jitter = o.jitterMs ?? 0;
  if (o.delayMs !== undefined || jitter > 0) {
    a.push('delay', us(o.delayMs ?? 0));
    if (jitter > 0) {
      a.push(us(jitter));
      if (o.delayCorrelationPct !== undefined) a.push(pct(o.delayCorrelationPct));
    }
  }
  if (o.distribution !== undefined && o.distribution !== 'uniform') {
    // The kernel's jitter is uniform unless a table is loaded; tc refuses a table without jitter.
    if (jitter <= 0) throw new TcOptionError(`distribution ${o.distribution} needs a jitter`);
    a.push('distribution', o.distribution);
  }
  if (o.loss !== undefined) {
    const l = o.loss;
    if (l.model === 'random') {
      checkPct('loss', l.pct);
      checkPct('loss correlation', l.correlationPct);
      a.push('loss', 'random', pct(l.pct), ...(l.correlationPct !== undefined ? [pct(l.correlationPct)] : []));
    } else if (l.model === 'state') {
      const ps = [l.p13, l.p31, l.p32, l.p23, l.p14];
      ps.forEach((p, i) => checkPct(`loss state p${['13', '31', '32', '23', '14'][i]}`, p));
      // tc reads them positionally: a later one needs every earlier one.
      const given = trimUndefined(ps, 'loss state');
      a.push('loss', 'state', ...given.map(pct));
    } else {
      const ps = [l.p, l.r, l.oneMinusH, l.oneMinusK];
      ps.forEach((p, i) => checkPct(`loss gemodel ${['p', 'r', '1-h', '1-k'][i]}`, p));
      a.push('loss', 'gemodel', ...trimUndefined(ps, 'loss gemodel').map(pct));
    }
  }
  if (o.duplicatePct !== undefined) a.push('duplicate', pct(o.duplicatePct));
  if (o.corruptPct !== undefined) a.push('corrupt', pct(o.corruptPct));
  if (o.reorder !== undefined) {
    checkPct('reorder', o.reorder.pct);
    checkPct('reorder correlation', o.reorder.correlationPct);
    if (!(o.delayMs !== undefined && o.delayMs > 0)) throw new TcOptionError('reorder needs a delay (reordered packets are the ones sent without it)');
    a.push('reorder', pct(o.reorder.pct));
    if (o.reorder.correlationPct !== undefined) a.push(pct(o.reorder.correlationPct));
    if (o.reorder.gap !== undefined) {
      if (!Number.isInteger(o.reorder.gap) || o.reorder.gap < 1) throw new TcOptionError(`reorder gap: ${o.reorder.gap} is not a positive whole number`);
      a.push('gap', String(o.reorder.gap));
    }
  }
  if (o.rate !== undefined) {
    if (!(o.rate.bitsPerSecond > 0)) throw new TcOptionError(`rate: ${o.rate.bitsPerSecond} bit/s is not > 0`);
    a.push('rate', bit(o.rate.bitsPerSecond));
    if (o.rate.packetOverheadBytes !== undefined) {
      if (!Number.isInteger(o.rate.packetOverheadBytes)) throw new TcOptionError('rate packet overhead: expected whole bytes');
      a.push(String(o.rate.packetOverheadBytes));
    }
  }
  if (o.slot !== undefined) {
    const s = o.slot;
    checkNonNeg('slot min delay', s.minDelayMs);
    checkNonNeg('slot max delay', s.maxDelayMs);
    if (s.maxDelayMs < s.minDelayMs) throw new TcOptionError('slot: max delay is below min delay');
    a.push('slot', us(s.minDelayMs), us(s.maxDelayMs));
    if (s.packets !== undefined) a.push('packets', String(s.packets));
    if (s.bytes !== undefined) a.push('bytes', String(s.bytes));
  }
  if (a.length === 0) throw new TcOptionError('netem with nothing to do');
  return a;
}

function trimUndefined(ps: Array<number | undefined>, what: string): number[] {
  let n = ps.length;
  while (n > 0 && ps[n - 1] === undefined) n--;
  const given = ps.slice(0, n);
  if (given.some((p) => p === undefined)) throw new TcOptionError(`${what}: a later probability is given without an earlier one`);
  return given as number[];
}

export function tbfArgs(o: TbfOptions): string[] {
  if (!(o.bitsPerSecond > 0)) throw new TcOptionError(`tbf rate: ${o.bitsPerSecond} bit/s is not > 0`);
  if (!Number.isInteger(o.burstBytes) || o.burstBytes < 1600) throw new TcOptionError(`tbf burst: ${o.burstBytes} B is below one packet (1600)`);
  if (!(o.latencyMs > 0)) throw new TcOptionError('tbf latency must be > 0');
  return ['rate', bit(o.bitsPerSecond), 'burst', String(o.burstBytes), 'latency', us(o.latencyMs)];
}

/** Every tc invocation (argument arrays, without `tc` and without `-n NS`) that installs `q` as
 * the root qdisc of `dev`, replacing what was there. */
export function qdiscCommands(dev: string, q: QdiscOptions): string[][] {
  switch (q.kind) {
    case 'netem':
      return [['qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'netem', ...netemArgs(q)]];
    case 'tbf':
      return [['qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'tbf', ...tbfArgs(q)]];
    case 'htb':
      return htbCommands(dev, q);
  }
}

function htbCommands(dev: string, o: HtbOptions): string[][] {
  if (!(o.bitsPerSecond > 0)) throw new TcOptionError(`htb rate: ${o.bitsPerSecond} bit/s is not > 0`);
  const ceil = o.ceilBitsPerSecond ?? o.bitsPerSecond;
  if (ceil < o.bitsPerSecond) throw new TcOptionError('htb ceil is below its rate');
  return [
    ['qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '1'],
    ['class', 'replace', 'dev', dev, 'parent', '1:', 'classid', '1:1', 'htb', 'rate', bit(o.bitsPerSecond), 'ceil', bit(ceil)],
  ];
}

/** Packets netem must hold: everything in flight over the delay (rate x (delay + jitter)), twice,
 * in 1500-byte packets; at least tc's default 1000. Without a rate, a 1 Gbit/s sender is assumed. */
export function sizeLimit(o: { bitsPerSecond?: number; delayMs?: number; jitterMs?: number; slotMaxMs?: number }): number {
  const seconds = ((o.delayMs ?? 0) + (o.jitterMs ?? 0) + (o.slotMaxMs ?? 0)) / 1000;
  const bytes = ((o.bitsPerSecond ?? 1e9) / 8) * seconds;
  return Math.min(200_000, Math.max(1000, Math.ceil((2 * bytes) / 1500)));
}
