// The report document: a run result as the JSON report stores it (schema dawdle.conformance/1),
// with where it came from and, optionally, its comparison with a baseline. Every reporter renders
// from this, whether fresh from a run or read back from a JSON file (`dawdle report`).
//
// Reading a file validates what the renderers rely on and returns the file's own object (unknown
// fields are kept, so a re-render loses nothing); a bad file is one ReportInputError line.
import { readFileSync } from 'node:fs';
import { release, type as osType } from 'node:os';
import { z } from 'zod';
import { formatPath, Info, Journal } from '../../protocol/index.ts';
import { RESULT_SCHEMA, type RunResult } from '../conformance/runner.ts';
import type { VerdictStatus } from '../conformance/verdict.ts';
import type { Comparison } from './baseline.ts';
import type { NetworkRecord } from '../shaping/describe.ts';

export const REPORT_SCHEMA = RESULT_SCHEMA;

export interface ReportEnvironment {
  dawdle: string;
  node: string;
  /** Kernel: "Linux 6.1.0-18-amd64". */
  os: string;
  command: string;
  /** The shaped link the client side ran behind (conformance --network), as read back from tc. */
  network?: NetworkRecord;
}

export interface ReportDocument extends RunResult {
  environment: ReportEnvironment;
  /** Present when the run was compared with a baseline (--baseline, or `report --diff`). */
  comparison?: Comparison;
}

export function environment(version: string, argv: readonly string[]): ReportEnvironment {
  return { dawdle: version, node: process.version, os: `${osType()} ${release()}`, command: argv.join(' ') };
}

/** A report file that cannot be used: missing, not JSON, not a dawdle report, or damaged. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}

// 'error' (could not judge) was added within /1: older reports simply have none.
const Status = z.enum(['pass', 'fail', 'skip', 'error']);
const Evidence = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const Verdict = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pass'), evidence: Evidence.optional(), note: z.string().optional() }),
  z.object({ status: z.literal('fail'), expected: z.string(), actual: z.string(), evidence: Evidence.optional() }),
  z.object({ status: z.literal('skip'), reason: z.string(), evidence: Evidence.optional() }),
  z.object({ status: z.literal('error'), reason: z.string(), hint: z.string(), evidence: Evidence.optional() }),
]);
const CheckResult = z.object({
  id: z.string().min(1),
  group: z.string().min(1),
  level: z.enum(['MUST', 'SHOULD']),
  transport: z.string().min(1),
  text: z.string(),
  method: z.string(),
  interpretations: z.array(z.string()),
  verdict: Verdict,
  scenarios: z.array(z.string()),
  startedAt: z.number(),
  durationMs: z.number(),
});
const TimelineEvent = z.looseObject({ type: z.string(), t: z.number() });
const ScenarioRecord = z.looseObject({
  scenario: z.string(),
  transport: z.string(),
  journals: z.array(Journal),
  timeline: z.array(TimelineEvent),
  bodyBytes: z.array(z.number()).optional(),
  marks: z.record(z.string(), z.number()).optional(),
});
const ComparisonEntry = z.object({
  transport: z.string(), id: z.string(),
  change: z.enum(['new-failure', 'fixed', 'still-failing', 'unchanged', 'changed']),
  before: Status.nullable(), after: Status,
});
const Document = z.object({
  schema: z.literal(REPORT_SCHEMA),
  mode: z.literal('blackbox').optional(),
  startedAt: z.string(),
  durationMs: z.number(),
  interrupted: z.boolean(),
  options: z.looseObject({}),
  targets: z.array(z.object({ transport: z.string(), url: z.string(), info: Info })),
  results: z.array(CheckResult),
  scenarios: z.record(z.string(), z.record(z.string(), ScenarioRecord)),
  environment: z.object({ dawdle: z.string(), node: z.string(), os: z.string(), command: z.string() }),
  comparison: z.object({
    against: z.object({ file: z.string(), startedAt: z.string() }),
    entries: z.array(ComparisonEntry),
    removed: z.array(z.object({ transport: z.string(), id: z.string(), before: Status })),
  }).optional(),
});

/** Validates a parsed JSON value as a report; `name` says where it came from in messages. */
export function parseReport(value: unknown, name: string): ReportDocument {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ReportInputError(`${name}: not a dawdle report (expected a JSON object)`);
  }
  const schema = (value as { schema?: unknown }).schema;
  if (schema !== REPORT_SCHEMA) {
    const found = typeof schema === 'string' ? `schema "${schema.slice(0, 80)}"` : 'no "schema" field';
    throw new ReportInputError(`${name}: not a dawdle conformance report this version reads (${found}; expected "${REPORT_SCHEMA}")`);
  }
  const r = Document.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues;
    const first = issues.slice(0, 2).map((i) => `${formatPath(i.path) || '(top)'}: ${i.message}`).join('; ');
    throw new ReportInputError(`${name}: damaged report: ${first}${issues.length > 2 ? ` (and ${issues.length - 2} more problems)` : ''}`);
  }
  return value as ReportDocument;
}

/** Reads and validates a JSON report file. Throws ReportInputError with one line. */
export function readReport(path: string): ReportDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new ReportInputError(`${path}: cannot read: ${why}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ReportInputError(`${path}: not JSON (${(err as Error).message.split('\n')[0]})`);
  }
  return parseReport(value, path);
}

/** "h1 WIN-02": a verdict's key within a run. */
export function resultKey(r: { transport: string; id: string }): string {
  return `${r.transport} ${r.id}`;
}

/** Transports in the order the run lists them. */
export function transportsOf(doc: Pick<RunResult, 'results'>): string[] {
  return [...new Set(doc.results.map((r) => r.transport))];
}

export function countStatus(results: ReadonlyArray<{ verdict: { status: string } }>): Record<VerdictStatus, number> {
  const n: Record<VerdictStatus, number> = { pass: 0, fail: 0, skip: 0, error: 0 };
  for (const r of results) n[r.verdict.status as keyof typeof n]++;
  return n;
}
