// Shared verifiers: pure functions over a journal (the handler's view) and the client's wire
// record, so each check states only what it requires. Times come from the journal (the server's
// clock), never from the client.
import {
  firstMismatch, sentWrites, type Journal, type JournalEntry, type SendStats, type WaitEntry, type WriteEntry,
  type WriteHeaderEntry,
} from '../../protocol/index.ts';

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** "3,932,160 B" style, for evidence. */
export function fmtBytes(n: number): string {
  return `${n.toLocaleString('en-US')} B`;
}
export function fmtMs(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}
/** A send window in words: bytes, or "none" (null: the target has no window). */
export function fmtWindow(w: number | null): string {
  return w === null ? 'none' : fmtBytes(w);
}
/** A send timeout in words: seconds, or "none" (null: the target has no send timeout). */
export function fmtTimeout(t: number | null): string {
  return t === null ? 'none' : `${t} s`;
}

export function elapsedMs(e: JournalEntry): number {
  return e.t1 - e.t0;
}

/**
 * TMO-01's bound for a call with timeout `t` seconds: it returns no earlier than t and no later
 * than t + max(50 ms, 10% of t). 0.5 ms of slack below covers the journal's rounding.
 */
export function timeoutWindow(t: number): { min: number; max: number } {
  const ms = t * 1000;
  return { min: ms - 0.5, max: ms + Math.max(50, ms * 0.1) };
}

export function withinTimeout(e: JournalEntry, t: number): boolean {
  const w = timeoutWindow(t);
  const d = elapsedMs(e);
  return d >= w.min && d <= w.max;
}

export function describeTimeoutWindow(t: number): string {
  const w = timeoutWindow(t);
  return `between ${fmtMs(t * 1000)} and ${fmtMs(w.max)}`;
}

export function inFlight(s: SendStats | undefined): number {
  return s === undefined ? NaN : s.current - s.sent;
}

// ---- entry access ----

export function entry(j: Journal, i: number): JournalEntry {
  const e = j.entries[i];
  if (e === undefined) throw new JournalShapeError(`journal ${j.id} has ${j.entries.length} entries; entry ${i} is missing`);
  return e;
}

export function writeEntry(j: Journal, i: number): WriteEntry {
  const e = entry(j, i);
  if (e.op !== 'write') throw new JournalShapeError(`journal ${j.id} entry ${i} is ${e.op}, expected write`);
  return e;
}

export function waitEntry(j: Journal, i: number): WaitEntry {
  const e = entry(j, i);
  if (e.op !== 'wait') throw new JournalShapeError(`journal ${j.id} entry ${i} is ${e.op}, expected wait`);
  return e;
}

export function headerEntry(j: Journal, i: number): WriteHeaderEntry {
  const e = entry(j, i);
  if (e.op !== 'write_header') throw new JournalShapeError(`journal ${j.id} entry ${i} is ${e.op}, expected write_header`);
  return e;
}

export function statsOf(e: JournalEntry): SendStats {
  if (e.stats === undefined) throw new JournalShapeError(`entry ${e.i} (${e.op}) has no stats`);
  return e.stats;
}

/** The journal does not have the shape its script implies (a target bug or a missing feature). */
export class JournalShapeError extends Error {
  readonly code = 'ERR_JOURNAL_SHAPE';
}

/** write()'s outcome in words: "nil", "partial 40,960 of 65,536 B", "cancelled". */
export function describeWrite(e: WriteEntry): string {
  const r = e.result;
  if (r === null) return 'nil';
  if ('unsupported' in r) return 'unsupported';
  const bbs = r.body_bytes_sent === 'unsupported' ? 'unknown (no body_bytes_sent helper)' : fmtBytes(r.body_bytes_sent);
  return `${r.cancelled === true ? 'cancelled, ' : ''}body_bytes_sent ${bbs} of ${fmtBytes(e.bytes)}`;
}

export function isNil(e: WriteEntry | WaitEntry | WriteHeaderEntry): boolean {
  return e.result === null;
}

export function isCancelled(e: WriteEntry | WaitEntry | WriteHeaderEntry): boolean {
  const r = e.result;
  return r !== null && 'cancelled' in r && r.cancelled === true;
}

/** body_bytes_sent of a write; the whole write when nil, unsupported or undecodable (as sentWrites()). */
export function bodyBytesSentOf(e: WriteEntry): number {
  const r = e.result;
  return r === null || 'unsupported' in r || r.body_bytes_sent === 'unsupported' ? e.bytes : r.body_bytes_sent;
}

// ---- wire against journal (PWR-01) ----

export interface WireMatch {
  ok: boolean;
  /** Body bytes the journal says were sent, in order. */
  expectedBytes: number;
  receivedBytes: number;
  /** The first disagreement, in words, with the write it concerns. */
  problem: string | null;
  /** Index into sentWrites() of the first write that disagrees (-1 if none). */
  badWrite: number;
}

/**
 * Whether the body the client received is exactly, in order, the sent prefix of every write the
 * journal records (all of it for nil): nothing withdrawn, nothing duplicated, nothing missing.
 */
export function matchWire(j: Pick<Journal, 'entries'>, body: Buffer): WireMatch {
  const writes = sentWrites(j);
  let off = 0;
  const expectedBytes = writes.reduce((a, w) => a + w.sent, 0);
  const result = (problem: string | null, badWrite: number): WireMatch =>
    ({ ok: problem === null, expectedBytes, receivedBytes: body.length, problem, badWrite });
  for (let n = 0; n < writes.length; n++) {
    const w = writes[n]!;
    const have = Math.min(w.sent, Math.max(0, body.length - off));
    const bad = firstMismatch(w.k, 0, body.subarray(off, off + have));
    if (bad >= 0) {
      return result(`byte ${bad} of write k=${w.k} (stream offset ${off + bad}) is not that write's pattern`, n);
    }
    if (have < w.sent) {
      return result(`write k=${w.k}: the journal says ${fmtBytes(w.sent)} sent, the client received ${fmtBytes(have)} of it`, n);
    }
    off += w.sent;
  }
  if (body.length > off) {
    const last = writes.at(-1);
    return result(`the client received ${fmtBytes(body.length - off)} more than the journal says was sent${last ? ` (after write k=${last.k}; a withdrawn tail?)` : ''}`, writes.length - 1);
  }
  return result(null, -1);
}

/**
 * As matchWire, but the body may stop short (a response still arriving, or one that stopped): every
 * byte received is the right byte of the right write, nothing withdrawn or duplicated before it.
 */
export function matchWirePrefix(j: Pick<Journal, 'entries'>, body: Buffer): WireMatch {
  const m = matchWire(j, body);
  if (m.ok || body.length >= m.expectedBytes) return m;
  const writes = sentWrites(j);
  let off = 0;
  for (let n = 0; n < writes.length && off < body.length; n++) {
    const w = writes[n]!;
    const have = Math.min(w.sent, body.length - off);
    const bad = firstMismatch(w.k, 0, body.subarray(off, off + have));
    if (bad >= 0) return { ...m, problem: `byte ${bad} of write k=${w.k} (stream offset ${off + bad}) is not that write's pattern`, badWrite: n };
    off += have;
  }
  return { ...m, ok: true, problem: null, badWrite: -1 };
}

// ---- send_stats consistency (STS-01) ----

/**
 * Walks samples and entry stats in time order and checks STS-01 against the writes: `sent` never
 * decreases, `sent <= current`, and `current` equals the bytes of every returned write (all of a
 * nil one, body_bytes_sent of a partial one) except while a write call is in progress, when it may
 * hold up to that call's body on top. Returns the first violation or null.
 */
export function statsViolation(j: Journal): string | null {
  type Obs = { t: number; current: number; sent: number; what: string };
  const obs: Obs[] = [];
  for (const [t, current, sent] of j.samples) obs.push({ t, current, sent, what: `sample at ${fmtMs(t)}` });
  for (const e of j.entries) if (e.stats) obs.push({ t: e.t1, current: e.stats.current, sent: e.stats.sent, what: `stats after entry ${e.i} (${e.op})` });
  obs.sort((a, b) => a.t - b.t);
  // Writes with their cumulative current before and after.
  const writes: Array<{ t0: number; t1: number; before: number; after: number; bytes: number; i: number }> = [];
  let cum = 0;
  for (const e of j.entries) {
    if (e.op !== 'write') continue;
    const after = cum + bodyBytesSentOf(e);
    writes.push({ t0: e.t0, t1: e.t1, before: cum, after, bytes: e.bytes, i: e.i });
    cum = after;
  }
  let lastSent = -Infinity;
  for (const o of obs) {
    if (o.sent < lastSent) return `${o.what}: sent went down from ${lastSent} to ${o.sent}`;
    lastSent = o.sent;
    if (o.sent > o.current) return `${o.what}: sent ${o.sent} > current ${o.current}`;
    // Which write, if any, was in progress at o.t; else the cumulative current after the last one.
    const during = writes.find((w) => o.t > w.t0 && o.t < w.t1);
    if (during) {
      if (o.current < during.before || o.current > during.before + during.bytes) {
        return `${o.what}: current ${o.current} outside [${during.before}, ${during.before + during.bytes}] while write (entry ${during.i}) ran`;
      }
      continue;
    }
    const done = writes.filter((w) => w.t1 <= o.t);
    const expected = done.length === 0 ? 0 : done.at(-1)!.after;
    if (o.current !== expected) {
      const last = done.at(-1);
      return `${o.what}: current ${o.current}, expected ${expected}${last ? ` (bytes of every returned write; last: entry ${last.i})` : ''}`;
    }
  }
  return null;
}

/** headers_were_sent over the stats of entries in order: false* true*, never back (STS-02). */
export function headersFlagViolation(j: Journal): string | null {
  let seenTrue = -1;
  for (const e of j.entries) {
    if (!e.stats) continue;
    if (e.stats.headers_were_sent) seenTrue = seenTrue < 0 ? e.i : seenTrue;
    else if (seenTrue >= 0) return `headers_were_sent was true after entry ${seenTrue} and false again after entry ${e.i} (${e.op})`;
  }
  return null;
}
