// Every file format a report can be written in, and writing a document to the files asked for.
import type { ReportDocument } from './document.ts';
import { writeFileAtomic } from './files.ts';
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

/** A file that could not be written (directory missing and not creatable, permissions ...). */
export class ReportWriteError extends Error {
  override readonly name = 'ReportWriteError';
}

/** Renders `doc` once per requested format and writes each file whole (temp file + rename). */
export function writeReports(doc: ReportDocument, outputs: ReadonlyArray<{ format: ReportFormat; path: string }>): void {
  for (const o of outputs) {
    const text = reporterFor(o.format).render(doc);
    try {
      writeFileAtomic(o.path, text);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ReportWriteError(`cannot write ${o.path}: ${e.code ? `${e.code} ` : ''}${e.message.replace(/^[A-Z]+: /, '')}`);
    }
  }
}
