// The JSON report: the run result as the runner returned it (versioned by `schema`), plus where
// it came from. Everything a later re-render needs: verdicts, evidence, journals, timelines.
import { release, type as osType } from 'node:os';
import type { RunResult } from '../conformance/runner.ts';
import { writeFileAtomic } from './files.ts';

export interface ReportEnvironment {
  dawdle: string;
  node: string;
  os: string;
  command: string;
}

export function environment(version: string, argv: readonly string[]): ReportEnvironment {
  return { dawdle: version, node: process.version, os: `${osType()} ${release()}`, command: argv.join(' ') };
}

export function renderJson(result: RunResult, env: ReportEnvironment): string {
  return `${JSON.stringify({ ...result, environment: env }, null, 1)}\n`;
}

export function writeJson(path: string, result: RunResult, env: ReportEnvironment): void {
  writeFileAtomic(path, renderJson(result, env));
}
