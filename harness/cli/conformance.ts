// `dawdle conformance`: the verdict per requirement per transport against a target (or the
// embedded reference server), as console lines and a summary table, and report files (JSON,
// JUnit, HTML, markdown); with --baseline, each verdict against an earlier run, and --gate
// deciding whether any failure or only new failures fail the run. A check the harness could not
// judge (an error verdict) fails the run under either gate.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import { loadProfile, ProfileError, type LoadedProfile } from '../clients/profiles.ts';
import { SelectionError, selectChecks } from '../conformance/catalogue.ts';
import type { RunOptions } from '../conformance/check.ts';
import { TargetError } from '../conformance/probe-client.ts';
import { prepareTargets, runConformance, type PreparedTarget, type RunResult } from '../conformance/runner.ts';
import { EMBEDDED_SERVER, ServerProcessError, startServerProcess, type ServerProcess } from '../conformance/server-process.ts';
import { isTransportName, TRANSPORT_NAMES, type TransportName } from '../conformance/transports.ts';
import { GATES, type Gate } from '../report/baseline.ts';
import { resultLine } from '../report/console.ts';
import { EXIT, UserError } from './exit-codes.ts';
import { checkOutputPaths, readReportArg, withOutputOptions, type OutputArgs } from './report-files.ts';
import { finishRun, interruptible } from './run-end.ts';
import { applyTlsOptions, tlsArgs, withTlsOptions } from './tls-options.ts';
import { ProgressLine } from './progress.ts';
import { DAWDLE_VERSION } from './version.ts';
import { conformanceShaped, INNER_ENV } from './conformance-shaped.ts';
import type { BackendChoice } from '../shaping/backends.ts';

const DEFAULT_FILL = 8 * 1024 * 1024;

export function conformanceCommand(y: Argv) {
  return y.command(
    'conformance',
    'check a server against the requirement catalogue (default: the embedded reference server)',
    (a) =>
      withTlsOptions(withOutputOptions(a))
        .option('target', { type: 'string', array: true, describe: 'base URL of a server with the probe endpoints (http:// for h1 and h2c, https:// for h1tls and h2); repeatable' })
        .option('transport', { type: 'string', array: true, describe: `transports to run (${TRANSPORT_NAMES.join(', ')}); default: every one a target offers` })
        .option('only', { type: 'string', describe: 'requirement IDs to run, comma-separated, * wildcards (e.g. "WIN-*,TMO-01")' })
        .option('baseline', { type: 'string', describe: 'an earlier JSON report: mark each verdict new failure / fixed / still failing / changed / unchanged against it' })
        .option('gate', { type: 'string', choices: GATES as string[], default: 'any-fail', describe: 'what fails the run (exit 1): any failed check, or only new failures against --baseline; under both, any check that could not be judged (ERROR)' })
        .option('slow', { type: 'boolean', default: false, describe: 'add checks that need real default timeouts (CFG-02 in time, ~30 s)' })
        .option('strict', { type: 'boolean', default: false, describe: 'SHOULD-level requirements fail instead of being skipped when not met' })
        .option('profile', { type: 'string', describe: 'client profile (YAML file, or a name from profiles/) for the crowd of slow clients in ISO-01/ISO-02 (default: stalled)' })
        .option('probe-prefix', { type: 'string', default: '/__probe', describe: 'where the target mounts the probe endpoints' })
        .option('fill-bytes', { type: 'number', default: DEFAULT_FILL, describe: 'bytes written to fill a stalled client\'s path (more than its kernel buffers absorb)' })
        .option('network', { type: 'string', describe: 'run the client side behind this link: a network profile (profiles/network/: 3g, lte, satellite ...) or YAML file; the target (or embedded server) stays on the host' })
        .option('network-backend', { type: 'string', choices: ['auto', 'host', 'uml'], default: 'auto', describe: 'with --network: host (netns + tc here), uml (user-mode Linux guest with netem), auto' })
        .option('link-rtt-ms', { type: 'number', hidden: true, describe: 'set by --network for its inner run: the link\'s RTT' })
        .option('link-down-bps', { type: 'number', hidden: true, describe: 'set by --network for its inner run: the link\'s download rate (bit/s, 0: none)' })
        .option('concurrency', { type: 'number', default: 4, describe: 'checks run in parallel (timing checks always run alone)' })
        .check((argv) => {
          for (const t of (argv.transport ?? []).flatMap((x) => x.split(','))) {
            if (!isTransportName(t)) throw new Error(`--transport: unknown transport "${t}" (known: ${TRANSPORT_NAMES.join(', ')})`);
          }
          for (const u of argv.target ?? []) {
            let url: URL;
            try {
              url = new URL(u);
            } catch {
              throw new Error(`--target: "${u}" is not a URL (e.g. http://127.0.0.1:8080)`);
            }
            if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--target: "${u}" must be http:// or https://`);
          }
          if (!Number.isInteger(argv['fill-bytes']) || argv['fill-bytes'] < 65536) throw new Error('--fill-bytes must be an integer >= 65536');
          if (!Number.isInteger(argv.concurrency) || argv.concurrency < 1 || argv.concurrency > 32) throw new Error('--concurrency must be 1..32');
          if (argv.gate === 'regressions' && argv.baseline === undefined) throw new Error('--gate regressions needs --baseline (the run to compare with)');
          return true;
        }),
    async (argv) => {
      // A bad --ca is exit 2 here, before a link is made or a server started.
      const tls = applyTlsOptions(argv);
      if (argv.network !== undefined && process.env[INNER_ENV] !== '1') {
        checkOutputPaths([argv.json, argv.junit, argv.html, argv['summary-md']]);
        process.exitCode = await conformanceShaped({
          network: argv.network, backend: argv['network-backend'] as BackendChoice, targets: argv.target ?? [],
          outputs: { json: argv.json, junit: argv.junit, html: argv.html, 'summary-md': argv['summary-md'] },
          innerArgs: [
            ...(argv.transport ?? []).flatMap((t) => ['--transport', t]),
            ...(argv.only !== undefined ? ['--only', argv.only] : []),
            ...(argv.baseline !== undefined ? ['--baseline', argv.baseline] : []),
            '--gate', argv.gate, ...(argv.slow ? ['--slow'] : []), ...(argv.strict ? ['--strict'] : []),
            ...(argv.profile !== undefined ? ['--profile', argv.profile] : []),
            ...tlsArgs(argv), '--probe-prefix', argv['probe-prefix'], '--fill-bytes', String(argv['fill-bytes']), '--concurrency', String(argv.concurrency),
          ],
        });
        return;
      }
      process.exitCode = await conformance({
        tls,
        targets: argv.target ?? [],
        transports: (argv.transport ?? []).flatMap((x) => x.split(',')) as TransportName[],
        only: argv.only,
        outputs: { json: argv.json, junit: argv.junit, html: argv.html, 'summary-md': argv['summary-md'] },
        baseline: argv.baseline,
        gate: argv.gate as Gate,
        options: {
          slow: argv.slow, strict: argv.strict, fillBytes: argv['fill-bytes'],
          ...(argv['link-rtt-ms'] !== undefined
            ? { link: { rttMs: argv['link-rtt-ms'], downBytesPerSecond: argv['link-down-bps'] ? argv['link-down-bps'] / 8 : null } }
            : {}),
        },
        profile: argv.profile,
        prefix: argv['probe-prefix'],
        concurrency: argv.concurrency,
      });
      // Behind a link the crowd's sockets can take long to close over the slow link; the run is
      // over and its report written, so the inner run ends now rather than when they have.
      if (process.env[INNER_ENV] === '1') process.exit(process.exitCode);
    },
  );
}

interface ConformanceArgs {
  /** The TLS policy in words (the report's options.tls). */
  tls: string;
  targets: string[];
  transports: TransportName[];
  only: string | undefined;
  outputs: OutputArgs;
  baseline: string | undefined;
  gate: Gate;
  options: RunOptions;
  prefix: string;
  concurrency: number;
  profile: string | undefined;
}

async function conformance(a: ConformanceArgs): Promise<number> {
  try {
    selectChecks(a.only);
  } catch (err) {
    if (err instanceof SelectionError) throw new UserError(err.message);
    throw err;
  }
  if (a.profile !== undefined) a.options = { ...a.options, crowdProfile: await readProfile(a.profile) };
  // Read before the run: a bad baseline should not cost a whole run.
  const baseline = a.baseline !== undefined ? readReportArg(a.baseline, '--baseline') : undefined;
  checkOutputPaths(Object.values(a.outputs));
  const interactive = process.stdout.isTTY === true && process.env.CI !== 'true';
  const { controller, dispose } = interruptible();

  let embedded: ServerProcess | null = null;
  let prepared: PreparedTarget[];
  try {
    let urls = a.targets;
    if (urls.length === 0) {
      try {
        embedded = await startServerProcess(EMBEDDED_SERVER);
      } catch (err) {
        if (err instanceof ServerProcessError) throw new UserError(`cannot start the embedded reference server: ${err.message}`);
        throw err;
      }
      urls = [embedded.http, ...(embedded.https ? [embedded.https] : [])];
      process.stdout.write(`embedded reference server: ${urls.join(' ')}\n`);
    }
    try {
      prepared = await prepareTargets(urls, a.prefix);
    } catch (err) {
      if (err instanceof TargetError) throw new UserError(err.message);
      throw err;
    }
    for (const probe of new Set(prepared.map((p) => p.probe))) {
      const of = prepared.filter((p) => p.probe === probe);
      const info = of[0]!.info;
      process.stdout.write(`target ${of[0]!.transport.url} (${of.map((p) => p.transport.name).join(', ')}): ${info.server}, features ${info.features.join(' ')}\n`);
      for (const w of of[0]!.warnings) process.stderr.write(`dawdle: warning: ${of[0]!.transport.url}: ${w}\n`);
    }
    const progress = new ProgressLine(interactive);
    const result: RunResult = await runConformance({
      targets: urls, ...(a.transports.length > 0 ? { transports: a.transports } : {}), only: a.only, options: a.options,
      concurrency: a.concurrency, signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'check-start') progress.update(`running ${e.transport} ${e.id}`);
        if (e.type === 'check-done') progress.print(`${resultLine(e.result, { color: interactive })}`, `[${e.done}/${e.total}]`);
      },
    }, prepared);
    progress.clear();
    for (const probe of new Set(prepared.map((p) => p.probe))) await probe.close();
    return finishRun(result, { tls: a.tls, interactive, outputs: a.outputs, gate: a.gate, ...(baseline && a.baseline !== undefined ? { baseline: { doc: baseline, path: a.baseline } } : {}) });
  } finally {
    dispose();
    if (embedded) await embedded.stop();
  }
}

/** A profile file, or the name of one in the project's profiles/ directory. */
async function readProfile(given: string): Promise<LoadedProfile> {
  const bundled = fileURLToPath(new URL(`../../profiles/${given}.yaml`, import.meta.url));
  const file = !existsSync(given) && /^[\w.-]+$/.test(given) && existsSync(bundled) ? bundled : given;
  try {
    return await loadProfile(file);
  } catch (err) {
    if (err instanceof ProfileError) throw new UserError(`--profile: ${err.message}`);
    throw err;
  }
}
