// Journal schema (protocol v1): the probe handler's own record of every io call it made.
import { z } from 'zod';
import { PROTOCOL_VERSION } from './script.ts';

const Ms = z.number().finite();
const Int = z.number().int();

export const SendStats = z.object({
  current: Int,
  sent: Int,
  cancelled: z.boolean(),
  headers_were_sent: z.boolean(),
});
export type SendStats = z.infer<typeof SendStats>;

const Unsupported = z.object({ unsupported: z.literal(true) });
/**
 * What a send_result helper answered, or "unsupported" where the target has no such helper (the
 * released HTTPNG API has none): the call's outcome is known, what the helper would decode is not.
 */
const NoHelper = z.literal('unsupported');

const base = {
  i: Int.nonnegative(),
  t0: Ms,
  t1: Ms,
  stats: SendStats.optional(),
};

export const WriteHeaderEntry = z.object({
  ...base,
  op: z.literal('write_header'),
  status: Int,
  timeout: z.number().optional(),
  result: z.union([z.null(), z.object({ cancelled: z.boolean().nullable().or(NoHelper), headers_were_sent: z.boolean().or(NoHelper) }), Unsupported]),
});
export const WriteEntry = z.object({
  ...base,
  op: z.literal('write'),
  k: Int.nonnegative(),
  bytes: Int.nonnegative(),
  timeout: z.number().optional(),
  result: z.union([z.null(), z.object({ cancelled: z.boolean().nullable().or(NoHelper), body_bytes_sent: Int.nonnegative().or(NoHelper) }), Unsupported]),
});
export const WaitEntry = z.object({
  ...base,
  op: z.literal('wait'),
  pos: Int,
  timeout: z.number().optional(),
  result: z.union([z.null(), z.object({ cancelled: z.boolean().nullable().or(NoHelper) }), Unsupported]),
});
const HelperOutcome = z.union([z.null(), z.boolean(), z.number(), z.literal('raised'), NoHelper]);
export const HelpersEntry = z.object({
  ...base,
  op: z.literal('helpers_on_nil'),
  helpers: z.object({ cancelled: HelperOutcome, headers_were_sent: HelperOutcome, body_bytes_sent: HelperOutcome }),
});
export const PlainEntry = z.object({
  ...base,
  op: z.enum(['stats', 'sleep', 'set', 'close']),
  result: Unsupported.optional(),
});

export const JournalEntry = z.union([WriteHeaderEntry, WriteEntry, WaitEntry, HelpersEntry, PlainEntry]);
export type WriteHeaderEntry = z.infer<typeof WriteHeaderEntry>;
export type WriteEntry = z.infer<typeof WriteEntry>;
export type WaitEntry = z.infer<typeof WaitEntry>;
export type HelpersEntry = z.infer<typeof HelpersEntry>;
export type PlainEntry = z.infer<typeof PlainEntry>;
export type JournalEntry = z.infer<typeof JournalEntry>;

export const EndReason = z.enum(['completed', 'cancelled', 'error']);

export const Journal = z.object({
  id: z.string(),
  v: z.literal(PROTOCOL_VERSION),
  done: z.boolean(),
  transport: z.object({ http: z.enum(['1.1', '2']), tls: z.boolean() }),
  /** Who ran it: lets the harness tie a journal to the connection it observed. */
  peer: z.object({ address: z.string(), port: Int }).optional(),
  /** Unix time in ms (fractional) of t = 0, so journal times can be laid beside client timelines. */
  origin_unix_ms: z.number().optional(),
  /** `null`: none (no window, no timeout), as in info's defaults. */
  effective: z.object({ send_window: Int.positive().nullable(), send_timeout: z.number().nonnegative().nullable() }),
  entries: z.array(JournalEntry),
  /** Rows of [t ms, current, sent]. */
  samples: z.array(z.tuple([Ms, Int, Int])),
  end: z.object({ reason: EndReason, t: Ms, error: z.string().optional() }).optional(),
});
export type Journal = z.infer<typeof Journal>;

/** A write as the wire should show it: write k, and how many of its bytes were sent. */
export interface SentWrite {
  k: number;
  bytes: number;
  /** bytes the journal says reached the TCP/IP stack: all of them when the result was nil. */
  sent: number;
}

/**
 * The writes in wire order with the byte count each contributed, derived from the journal alone
 * (PWR-01). A write whose call was unsupported, or whose body_bytes_sent the target cannot decode
 * (no send_result helpers), counts as fully sent: checks that judge partial writes need send_result.
 */
export function sentWrites(journal: Pick<Journal, 'entries'>): SentWrite[] {
  const out: SentWrite[] = [];
  for (const e of journal.entries) {
    if (e.op !== 'write') continue;
    const r = e.result;
    const sent = r === null || 'unsupported' in r || r.body_bytes_sent === 'unsupported' ? e.bytes : r.body_bytes_sent;
    out.push({ k: e.k, bytes: e.bytes, sent });
  }
  return out;
}
