// Every file format a report can be written in, and writing a document to the files asked for.
import type { ReportDocument } from './document.ts';
import { writeEachFile, type WriteOutcome } from './files.ts';
import { htmlReporter } from './html/index.ts';
import { jsonReporter } from './json.ts';
import { junitReporter } from './junit.ts';
import { markdownReporter } from './markdown.ts';
import type { Reporter } from './reporter.ts';

export const REPORTERS: readonly Reporter[] = [jsonReporter, junitReporter, htmlReporter, markdownReporter];

export type ReportFormat = 'json' | 'junit' | 'html' | 'summary-md';

export function reporterFor(format: string): Reporter {
  const r = REPORTERS.find((x) => x.format === format);
  if (r === undefined) throw new Error(`no reporter for ${format}`);
  return r;
}

/**
 * Renders `doc` once per requested format and writes each file whole (temp file + rename); a file
 * that cannot be written does not stop the others: it is in `failed`.
 */
export function writeReports(doc: ReportDocument, outputs: ReadonlyArray<{ format: ReportFormat; path: string }>): WriteOutcome {
  return writeEachFile(outputs.map((o) => ({ path: o.path, render: () => reporterFor(o.format).render(doc) })));
}
