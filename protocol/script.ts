// Probe script schema (protocol v1): what the harness asks a probe handler to do.
// One definition, imported by the reference server (to validate) and the harness (to build).
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

/** Seconds. Finite and non-negative; a very large value stands for "practically infinite". */
const Seconds = z.number().finite().nonnegative();
const ByteCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const HeaderMap = z.record(
  z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'not a valid header name'),
  z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'header values may not contain control characters'),
);

export const IoSettings = z.strictObject({
  send_window: z.number().int().positive().nullable().optional(),
  send_timeout: Seconds.nullable().optional(),
});
export type IoSettings = z.infer<typeof IoSettings>;

export const WriteHeaderOp = z.strictObject({
  op: z.literal('write_header'),
  status: z.number().int().min(200).max(599),
  headers: HeaderMap.optional(),
  timeout: Seconds.optional(),
});
export const WriteOp = z.strictObject({ op: z.literal('write'), bytes: ByteCount, timeout: Seconds.optional() });
/**
 * `pos` is passed to wait() as given, unless `relative_to` is "current": then the handler calls
 * wait(current + pos) with `current` read just before the call (e.g. pos -1000 = "until all but
 * the last 1000 bytes written so far are sent"), since a script cannot know absolute positions
 * that depend on the target's buffers. The journal records the position actually passed.
 */
export const WaitOp = z.strictObject({
  op: z.literal('wait'),
  pos: z.number().int().safe(),
  relative_to: z.literal('current').optional(),
  timeout: Seconds.optional(),
});
export const StatsOp = z.strictObject({ op: z.literal('stats') });
export const SleepOp = z.strictObject({ op: z.literal('sleep'), seconds: Seconds.max(3600) });
export const SetOp = z.strictObject({
  op: z.literal('set'),
  send_window: z.number().int().positive().nullable().optional(),
  send_timeout: Seconds.nullable().optional(),
});
export const HelpersOnNilOp = z.strictObject({ op: z.literal('helpers_on_nil') });
export const CloseOp = z.strictObject({ op: z.literal('close') });

export type WriteHeaderOp = z.infer<typeof WriteHeaderOp>;
export type WriteOp = z.infer<typeof WriteOp>;
export type WaitOp = z.infer<typeof WaitOp>;
export type SleepOp = z.infer<typeof SleepOp>;
export type SetOp = z.infer<typeof SetOp>;

export type RepeatOp = {
  op: 'repeat';
  times: number;
  until?: 'cancelled' | 'timed_out' | undefined;
  ops: Op[];
};

// Recursive through a getter, as zod 4 expects for self-referencing objects.
export const RepeatOp = z.strictObject({
  op: z.literal('repeat'),
  times: z.number().int().positive(),
  until: z.enum(['cancelled', 'timed_out']).optional(),
  get ops(): z.ZodArray<typeof Op> {
    return z.array(Op).min(1);
  },
});

export const Op = z.discriminatedUnion('op', [
  WriteHeaderOp, WriteOp, WaitOp, StatsOp, SleepOp, SetOp, HelpersOnNilOp, CloseOp, RepeatOp,
]);
export type Op = z.infer<typeof Op>;

export const Script = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  io: IoSettings.optional(),
  sample_stats_ms: z.number().int().min(0).max(10_000).optional(),
  ops: z.array(Op).min(1),
});
export type Script = z.infer<typeof Script>;

export const SCRIPT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** "ops[3].timeout" from ["ops", 3, "timeout"]. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export interface ScriptProblem {
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: ScriptProblem[] };

/** How deep `repeat` ops may nest: deeper scripts are invalid (a 400, not a stack overflow). */
export const MAX_REPEAT_DEPTH = 32;

/** The path of the first `ops` list nested deeper than MAX_REPEAT_DEPTH repeats, or null (iterative: any depth). */
function tooDeep(input: unknown): string | null {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: input, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const ops = (v as { ops?: unknown }).ops;
    if (!Array.isArray(ops)) continue;
    if (depth > MAX_REPEAT_DEPTH) return path;
    ops.forEach((op, i) => stack.push({ v: op, depth: depth + 1, path: `${path}${path ? '.' : ''}ops[${i}]` }));
  }
  return null;
}

/** Validates a parsed JSON value as a script; every problem is returned, with its path. */
export function parseScript(input: unknown): ParseResult<Script> {
  const deep = tooDeep(input);
  if (deep !== null) return { ok: false, problems: [{ path: deep, message: `repeat nested more than ${MAX_REPEAT_DEPTH} deep` }] };
  const r = Script.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
  };
}

/**
 * Walks a script as it would execute, without timing: how many ops and body bytes at most, and
 * the largest send_window a `set` op asks for (0: none).
 */
export function scriptCost(ops: readonly Op[]): { ops: number; bytes: number; window: number } {
  let n = 0;
  let bytes = 0;
  let window = 0;
  for (const op of ops) {
    if (op.op === 'repeat') {
      const inner = scriptCost(op.ops);
      n += inner.ops * op.times;
      bytes += inner.bytes * op.times;
      window = Math.max(window, inner.window);
    } else {
      n += 1;
      if (op.op === 'write') bytes += op.bytes;
      if (op.op === 'set' && typeof op.send_window === 'number') window = Math.max(window, op.send_window);
    }
  }
  return { ops: n, bytes, window };
}
