// `dawdle report`: renders report files again from a JSON report (a run kept from CI, say), and
// `--diff A B` says what changed from run A to run B (printed, and rendered as B's report
// compared with A). Reads files only; a missing, non-JSON or unknown file is exit 2, one line.
import type { Argv } from 'yargs';
import { compare } from '../report/baseline.ts';
import { comparisonText, summaryTable } from '../report/console.ts';
import type { ReportDocument } from '../report/document.ts';
import { EXIT } from './exit-codes.ts';
import { outputsOf, readReportArg, withOutputOptions, writeOutputs, type OutputArgs } from './report-files.ts';

export function reportCommand(y: Argv) {
  return y.command(
    'report [files..]',
    're-render a JSON report (report RUN.json --html F), or show what changed between two (report --diff A.json B.json)',
    (a) =>
      withOutputOptions(a)
        .positional('files', { type: 'string', array: true, describe: 'the JSON report (two with --diff: the older first)' })
        .option('diff', { type: 'boolean', default: false, describe: 'compare two reports: A.json B.json; the files written are B compared with A' })
        .option('baseline', { type: 'string', describe: 'compare the report with this earlier one (like conformance --baseline)' })
        .check((argv) => {
          const files = argv.files ?? [];
          if (argv.diff) {
            if (files.length !== 2) throw new Error(`--diff takes two reports, the older first (got ${files.length})`);
            if (argv.baseline !== undefined) throw new Error('--diff and --baseline cannot be combined (the first file is the baseline)');
          } else if (files.length !== 1) {
            throw new Error(files.length === 0 ? 'name the JSON report to render (dawdle report RUN.json --html F)' : `one report at a time (got ${files.length}); two with --diff`);
          }
          return true;
        }),
    (argv) => {
      process.exitCode = report({
        files: argv.files ?? [], diff: argv.diff, baseline: argv.baseline,
        outputs: { json: argv.json, junit: argv.junit, html: argv.html, 'summary-md': argv['summary-md'] },
      });
    },
  );
}

interface ReportArgs {
  files: string[];
  diff: boolean;
  baseline: string | undefined;
  outputs: OutputArgs;
}

function report(a: ReportArgs): number {
  const style = { color: process.stdout.isTTY === true && process.env.CI !== 'true' };
  let doc: ReportDocument;
  let beforePath: string | undefined;
  let before: ReportDocument | undefined;
  if (a.diff) {
    [beforePath] = a.files;
    before = readReportArg(a.files[0]!);
    doc = readReportArg(a.files[1]!);
  } else {
    doc = readReportArg(a.files[0]!);
    if (a.baseline !== undefined) {
      beforePath = a.baseline;
      before = readReportArg(a.baseline, '--baseline');
    }
  }
  if (before && beforePath !== undefined) doc = { ...doc, comparison: compare(before, doc, beforePath) };
  if (a.diff && doc.comparison) {
    process.stdout.write(`${a.files[0]} (${before!.startedAt}) -> ${a.files[1]} (${doc.startedAt})\n`);
    process.stdout.write(`${comparisonText({ ...doc, comparison: doc.comparison }, style)}\n`);
  } else {
    process.stdout.write(`${summaryTable(doc, style)}\n`);
    if (doc.comparison) process.stdout.write(`\n${comparisonText({ ...doc, comparison: doc.comparison }, style)}\n`);
  }
  writeOutputs(doc, outputsOf(a.outputs));
  return EXIT.ok;
}
