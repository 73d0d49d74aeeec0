// What `conformance` and `report` share about report files: the output options (--json, --junit,
// --html, --summary-md), writing them (one "wrote" line each), and reading a report given on the
// command line (a bad file is a usage error: exit 2, one line).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Argv } from 'yargs';
import { readReport, ReportInputError, type ReportDocument } from '../report/document.ts';
import { outputPathProblem, type WriteOutcome } from '../report/files.ts';
import { writeReports, type ReportFormat } from '../report/reporters.ts';
import { UserError } from './exit-codes.ts';

// The HTML report last: its line (with a file:// URL to open) ends the output.
export const OUTPUT_FORMATS: readonly ReportFormat[] = ['json', 'junit', 'summary-md', 'html'];

export function withOutputOptions<T>(a: Argv<T>) {
  return a
    .option('json', { type: 'string', describe: 'write the JSON report here (everything a later `dawdle report` needs)' })
    .option('junit', { type: 'string', describe: 'write JUnit XML here (one testsuite per requirement group and transport)' })
    .option('html', { type: 'string', describe: 'write the self-contained HTML report here (matrix, evidence, timelines; opens offline)' })
    .option('summary-md', { type: 'string', describe: 'write a markdown summary here (for CI job summary pages, e.g. $GITHUB_STEP_SUMMARY)' });
}

export type OutputArgs = Partial<Record<ReportFormat, string | undefined>>;

export function outputsOf(argv: OutputArgs): Array<{ format: ReportFormat; path: string }> {
  return OUTPUT_FORMATS.filter((f) => typeof argv[f] === 'string' && argv[f] !== '').map((f) => ({ format: f, path: argv[f]! }));
}

/**
 * Before a run: every output path can be written (its directory exists or can be created, and is
 * writable), else a UserError (exit 2, one line) naming the first that cannot.
 */
export function checkOutputPaths(paths: ReadonlyArray<string | undefined>): void {
  for (const p of paths) {
    if (p === undefined || p === '') continue;
    const problem = outputPathProblem(p);
    if (problem !== null) throw new UserError(`cannot write ${p}: ${problem} (checked before the run)`);
  }
}

/**
 * Writes every requested file and says so; the HTML report's line names it as a file:// URL too.
 * A file that cannot be written does not stop the others: once they are written, a UserError
 * (exit 2, one line) names the ones that failed.
 */
export function writeOutputs(doc: ReportDocument, outputs: ReadonlyArray<{ format: ReportFormat; path: string }>): void {
  reportWrites(writeReports(doc, outputs), new Set(outputs.filter((o) => o.format === 'html').map((o) => o.path)));
}

/** One "wrote" line per written file (file:// URL for `html` ones), then the failures as one UserError. */
export function reportWrites(r: WriteOutcome, html: ReadonlySet<string> = new Set()): void {
  for (const p of r.written) {
    const extra = html.has(p) ? ` (open ${pathToFileURL(resolve(p)).href})` : '';
    process.stdout.write(`wrote ${p}${extra}\n`);
  }
  if (r.failed.length > 0) throw new UserError(r.failed.map((f) => `cannot write ${f.path}: ${f.message}`).join('; '));
}

/** A report named on the command line; `what` prefixes the message ("--baseline"). */
export function readReportArg(path: string, what?: string): ReportDocument {
  try {
    return readReport(path);
  } catch (err) {
    if (err instanceof ReportInputError) throw new UserError(what ? `${what}: ${err.message}` : err.message);
    throw err;
  }
}
