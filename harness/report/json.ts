// The JSON report (schema dawdle.conformance/1): the run result as the runner returned it, where
// it came from (`environment`) and, after --baseline, the `comparison`. Everything a later
// re-render needs: verdicts, evidence, journals, wire timelines (docs/cli.md lists the fields).
import type { ReportDocument } from './document.ts';
import type { Reporter } from './reporter.ts';

export function renderJson(doc: ReportDocument): string {
  return `${JSON.stringify(doc, null, 1)}\n`;
}

export const jsonReporter: Reporter = {
  format: 'json',
  describe: 'the full JSON report (verdicts, evidence, journals, wire timelines; re-renderable)',
  render: renderJson,
};
