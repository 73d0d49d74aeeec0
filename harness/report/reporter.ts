// The reporter seam: a file format = an object that renders a report document to text. A new
// format is a new file with one of these, added to REPORTERS (harness/report/reporters.ts).
import type { ReportDocument } from './document.ts';

export interface Reporter {
  /** Name used by the CLI's option (`--json`, `--junit`, `--html`, `--summary-md`). */
  readonly format: string;
  /** One line for --help. */
  readonly describe: string;
  render(doc: ReportDocument): string;
}
