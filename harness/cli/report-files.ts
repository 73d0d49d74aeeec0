// What `conformance` and `report` share about report files: the output options (--json, --junit,
// --html, --summary-md), writing them (one "wrote" line each), and reading a report given on the
// command line (a bad file is a usage error: exit 2, one line).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Argv } from 'yargs';
import { readReport, ReportInputError, type ReportDocument } from '../report/document.ts';
import { ReportWriteError, writeReports, type ReportFormat } from '../report/reporters.ts';
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

/** Writes every requested file and says so; the HTML report's line names it as a file:// URL too. */
export function writeOutputs(doc: ReportDocument, outputs: ReadonlyArray<{ format: ReportFormat; path: string }>): void {
  try {
    writeReports(doc, outputs);
  } catch (err) {
    if (err instanceof ReportWriteError) throw new UserError(err.message);
    throw err;
  }
  for (const o of outputs) {
    const extra = o.format === 'html' ? ` (open ${pathToFileURL(resolve(o.path)).href})` : '';
    process.stdout.write(`wrote ${o.path}${extra}\n`);
  }
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
