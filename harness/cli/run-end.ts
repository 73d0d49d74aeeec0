// What `conformance` and `blackbox` share around a run: Ctrl-C handling (first: finish what runs
// and write partial results; second: quit at once) and the end of a run (summary table, comparison
// with --baseline, report files, and the exit code the --gate decides).
import type { RunResult } from '../conformance/runner.ts';
import { compare, failsGate, type Gate } from '../report/baseline.ts';
import { comparisonText, summaryTable } from '../report/console.ts';
import { environment, type ReportDocument } from '../report/document.ts';
import { EXIT } from './exit-codes.ts';
import { outputsOf, writeOutputs, type OutputArgs } from './report-files.ts';
import { DAWDLE_VERSION } from './version.ts';

/** An AbortController aborted by the first SIGINT/SIGTERM; `dispose` removes the handlers. */
export function interruptible(): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write('\ninterrupted: finishing what is running and writing partial results (again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    controller,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export interface RunEnd {
  /** How TLS certificates were treated, in words (recorded as the report's options.tls). */
  tls: string;
  interactive: boolean;
  outputs: OutputArgs;
  gate: Gate;
  /** The earlier report read before the run, and the path it came from. */
  baseline?: { doc: ReportDocument; path: string };
}

/** Prints the summary (and comparison), writes the reports and returns the run's exit code. */
export function finishRun(result: RunResult, o: RunEnd): number {
  process.stdout.write(`\n${summaryTable(result, { color: o.interactive })}\n`);
  const doc: ReportDocument = { ...result, options: { ...result.options, tls: o.tls }, environment: environment(DAWDLE_VERSION, ['dawdle', ...process.argv.slice(2)]) };
  if (o.baseline) {
    doc.comparison = compare(o.baseline.doc, doc, o.baseline.path);
    process.stdout.write(`\n${comparisonText({ ...doc, comparison: doc.comparison }, { color: o.interactive })}\n`);
  }
  writeOutputs(doc, outputsOf(o.outputs));
  if (result.interrupted) return EXIT.interrupted;
  return failsGate(doc, o.gate) ? EXIT.fail : EXIT.ok;
}
