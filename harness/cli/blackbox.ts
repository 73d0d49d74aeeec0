// `dawdle blackbox`: the BB catalogue against any HTTP server, judged only on what a client sees
// from outside (and /proc for a local target). Same output options, baselines, gate and exit codes
// as `conformance`; a target that is not HTTP, hangs or resets everything is one exit-2 line within
// 5 s (the preflight).
import type { Argv } from 'yargs';
import { BB_CHECKS } from '../blackbox/catalogue.ts';
import { ExpectError, parseExpect, type Expectations } from '../blackbox/expect.ts';
import { BlackboxTargetError, runBlackbox } from '../blackbox/runner.ts';
import { HELD_STREAMS, MAX_HELD_STREAMS } from '../blackbox/checks/h2-held.ts';
import { expandPath, parseSize, SizeTemplateError } from '../blackbox/size-template.ts';
import { selectChecks, SelectionError } from '../conformance/catalogue.ts';
import { isTransportName, TRANSPORT_NAMES, type TransportName } from '../conformance/transports.ts';
import { GATES, type Gate } from '../report/baseline.ts';
import { resultLine } from '../report/console.ts';
import { EXIT, UserError } from './exit-codes.ts';
import { ProgressLine } from './progress.ts';
import { checkOutputPaths, readReportArg, withOutputOptions, type OutputArgs } from './report-files.ts';
import { finishRun, interruptible } from './run-end.ts';
import { refuseRemote, withAllowRemote } from './remote.ts';
import { applyTlsOptions, withTlsOptions } from './tls-options.ts';

export function blackboxCommand(y: Argv) {
  return y.command(
    'blackbox',
    'judge how any HTTP server treats slow clients from outside (no probe endpoints): the BB catalogue',
    (a) =>
      withTlsOptions(withAllowRemote(withOutputOptions(a)))
        .option('target', { type: 'string', demandOption: true, describe: 'base URL of the server (http:// for h1, https:// for h1tls); loopback unless --allow-remote' })
        .option('path', { type: 'string', default: '/', describe: 'a large response on the target (tens of MB: more than a stalled client\'s kernel buffers absorb); may hold {size}, filled from --size' })
        .option('size', { type: 'string', describe: 'the response size to ask for through a --path template with {size} (bytes, or e.g. 64MiB, 100MB)' })
        .option('body-path', { type: 'string', describe: 'where the server reads a request body (BB-REQ-02; default: --path)' })
        .option('small-path', { type: 'string', default: '/', describe: 'a small response for the fast client of BB-ISO-01' })
        .option('expect', { type: 'string', array: true, describe: 'what the server is configured to do: send_timeout=2s, header_timeout=..., body_timeout=... (or none), comma-separated' })
        .option('pid', { type: 'number', describe: 'the server\'s process (RSS, fds, threads); default: the processes holding the target\'s listening port' })
        .option('crowd', { type: 'number', default: 8, describe: 'stalled clients for BB-STL-02 (1..64)' })
        .option('streams', { type: 'number', default: HELD_STREAMS, describe: `HTTP/2 streams held at window 0 for BB-H2-03 (1..${MAX_HELD_STREAMS})` })
        .option('transport', { type: 'string', array: true, describe: 'transports to run: h1 (default) and h2c for an http:// target, h1tls (default) and h2 for https://; comma-separated or repeated' })
        .option('only', { type: 'string', describe: 'BB IDs to run, comma-separated, * wildcards (e.g. "BB-STL-*")' })
        .option('baseline', { type: 'string', describe: 'an earlier JSON report: mark each verdict new failure / fixed / still failing / changed / unchanged against it' })
        .option('gate', { type: 'string', choices: GATES as string[], default: 'any-fail', describe: 'what fails the run (exit 1): any failed check, or only new failures against --baseline; under both, any ERROR' })
        .option('strict', { type: 'boolean', default: false, describe: 'SHOULD-level findings fail instead of being skipped' })
        .check((argv) => {
          let url: URL;
          try {
            url = new URL(argv.target);
          } catch {
            throw new Error(`--target: "${argv.target}" is not a URL (e.g. http://127.0.0.1:8080)`);
          }
          if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--target: "${argv.target}" must be http:// or https://`);
          for (const t of (argv.transport ?? []).flatMap((x) => x.split(','))) {
            if (!isTransportName(t)) throw new Error(`--transport: unknown transport "${t}" (known: ${TRANSPORT_NAMES.join(', ')})`);
          }
          if (!argv.path.startsWith('/')) throw new Error('--path must start with /');
          if (!Number.isInteger(argv.crowd) || argv.crowd < 1 || argv.crowd > 64) throw new Error('--crowd must be 1..64');
          if (!Number.isInteger(argv.streams) || argv.streams < 1 || argv.streams > MAX_HELD_STREAMS) throw new Error(`--streams must be 1..${MAX_HELD_STREAMS}`);
          if (argv.pid !== undefined && (!Number.isInteger(argv.pid) || argv.pid < 1)) throw new Error('--pid must be a process id');
          if (argv.gate === 'regressions' && argv.baseline === undefined) throw new Error('--gate regressions needs --baseline (the run to compare with)');
          return true;
        }),
    async (argv) => {
      refuseRemote(new URL(argv.target), 'blackbox', argv['allow-remote']);
      const tls = applyTlsOptions(argv);
      let expect: Expectations;
      let path: string;
      let size: number | undefined;
      try {
        expect = parseExpect(argv.expect ?? []);
        size = argv.size !== undefined ? parseSize(argv.size) : undefined;
        path = expandPath(argv.path, size);
      } catch (err) {
        if (err instanceof ExpectError) throw new UserError(`--expect: ${err.message}`);
        if (err instanceof SizeTemplateError) throw new UserError(err.message);
        throw err;
      }
      process.exitCode = await blackbox({
        tls,
        target: argv.target, transports: (argv.transport ?? []).flatMap((x) => x.split(',')) as TransportName[], path, size, smallPath: argv['small-path'], bodyPath: argv['body-path'], expect, pid: argv.pid, crowd: argv.crowd, streams: argv.streams, only: argv.only,
        outputs: { json: argv.json, junit: argv.junit, html: argv.html, 'summary-md': argv['summary-md'] },
        baseline: argv.baseline, gate: argv.gate as Gate, strict: argv.strict,
      });
    },
  );
}

interface BlackboxArgs {
  /** The TLS policy in words (the report's options.tls). */
  tls: string;
  target: string;
  transports: TransportName[];
  path: string;
  /** --size: the Content-Length the preflight must see. */
  size: number | undefined;
  smallPath: string;
  bodyPath: string | undefined;
  expect: Expectations;
  pid: number | undefined;
  crowd: number;
  streams: number;
  only: string | undefined;
  outputs: OutputArgs;
  baseline: string | undefined;
  gate: Gate;
  strict: boolean;
}

async function blackbox(a: BlackboxArgs): Promise<number> {
  try {
    selectChecks(a.only, BB_CHECKS);
  } catch (err) {
    if (err instanceof SelectionError) throw new UserError(err.message);
    throw err;
  }
  const baseline = a.baseline !== undefined ? readReportArg(a.baseline, '--baseline') : undefined;
  checkOutputPaths(Object.values(a.outputs));
  const interactive = process.stdout.isTTY === true && process.env.CI !== 'true';
  const { controller, dispose } = interruptible();
  try {
    const progress = new ProgressLine(interactive);
    let result;
    try {
      result = await runBlackbox({
        url: a.target, ...(a.transports.length > 0 ? { transports: a.transports } : {}), path: a.path, ...(a.size !== undefined ? { size: a.size } : {}), smallPath: a.smallPath, ...(a.bodyPath !== undefined ? { bodyPath: a.bodyPath } : {}), ...(a.pid !== undefined ? { pid: a.pid } : {}),
        ...(a.only !== undefined ? { only: a.only } : {}),
        options: { expect: a.expect, strict: a.strict, crowd: a.crowd, heldStreams: a.streams }, signal: controller.signal,
        onStart: (t) => {
          process.stdout.write(`target ${t.url} (${t.transports.join(', ')}): ${t.server}; ${t.pids.length > 0 ? `server processes ${t.pids.join(', ')}` : 'not local (no /proc evidence)'}\n`);
        },
        onEvent: (e) => {
          if (e.type === 'check-start') progress.update(`running ${e.id}`);
          if (e.type === 'check-done') progress.print(resultLine(e.result, { color: interactive }), `[${e.done}/${e.total}]`);
        },
      });
    } catch (err) {
      if (err instanceof BlackboxTargetError) throw new UserError(err.message, EXIT.usage);
      throw err;
    }
    progress.clear();
    return finishRun(result, { tls: a.tls, interactive, outputs: a.outputs, gate: a.gate, ...(baseline && a.baseline !== undefined ? { baseline: { doc: baseline, path: a.baseline } } : {}) });
  } finally {
    dispose();
  }
}
