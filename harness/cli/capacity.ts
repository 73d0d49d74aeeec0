// `dawdle capacity` and `dawdle staleness`: how many slow clients a server carries before its fast
// clients' SLO breaks, and how stale a slow client's stream gets. Validates everything first (bad
// input: one line, exit 2), runs (harness/capacity/run.ts), prints a line per step, the table and
// the finding, writes the reports; --require N exits 1 below N; Ctrl-C writes what was measured,
// marked partial, and exits 130.
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import { loadProfile, ProfileError, type LoadedProfile } from '../clients/profiles.ts';
import { renderCapacityHtml } from '../capacity/report-html.ts';
import { capacityLines, consoleTable, renderMarkdown, stepLine } from '../capacity/report-text.ts';
import { CAPACITY_SCHEMA, compareRuns, type CapacityDocument } from '../capacity/result.ts';
import { runCapacity } from '../capacity/run.ts';
import { parseSlo } from '../capacity/slo.ts';
import { parseRate, parseSteps } from '../capacity/steps.ts';
import { ServerProcessError, startServerProcess, type ServerProcess } from '../conformance/server-process.ts';
import { FAST_HTTP, type FastHttp } from '../load/vegeta.ts';
import { writeEachFile } from '../report/files.ts';
import { checkOutputPaths, reportWrites } from './report-files.ts';
import { isLoopbackHost, refuseRemote, withAllowRemote } from './remote.ts';
import { TOOLS } from '../tools/catalogue.ts';
import { manualInstall } from '../tools/tool.ts';
import { EXIT, UserError } from './exit-codes.ts';
import { ProgressLine } from './progress.ts';
import { DAWDLE_VERSION } from './version.ts';

const EMBEDDED = fileURLToPath(new URL('../capacity/embedded-server-main.ts', import.meta.url));
const TICKER_PATH = '/ticker?interval_ms=100&bytes=200';

function options(a: Argv, kind: 'capacity' | 'staleness') {
  return withAllowRemote(a)
    .option('target', { type: 'string', describe: 'base URL of the server (http://, or https:// where slow and fast clients use TLS); default: the embedded reference server' })
    .option('slow-profile', { type: 'string', default: '3g', describe: 'client profile(s) of the slow clients, comma-separated (names from profiles/ or YAML files)' })
    .option('slow', { type: 'string', default: '0..400:100', describe: 'steps of the slow population: FROM..TO:STEP or a list (0,100,400)' })
    .option('slow-path', { type: 'string', default: kind === 'staleness' ? TICKER_PATH : '/stream?bytes=100000000', describe: 'what each slow client asks for (and again when it ends)' })
    .option('fast-path', { type: 'string', default: '/hello', describe: 'what the fast clients ask for' })
    .option('fast-rate', { type: 'string', default: '200/s', describe: 'the fast clients\' constant arrival rate (vegeta)' })
    .option('fast-http', { type: 'string', choices: FAST_HTTP as string[], default: 'h1', describe: 'HTTP/1.1, HTTP/2 over TLS (https target) or h2c' })
    .option('slo', { type: 'string', default: 'p99<200ms,errors<0.1%', describe: 'the fast clients\' SLO: clauses like p99<200ms, max<1s, errors<0.1%' })
    .option('step-seconds', { type: 'number', default: 10, describe: 'measured seconds per step (after the warm-up)' })
    .option('warmup-seconds', { type: 'number', default: 2, describe: 'seconds per step before the measured window' })
    .option('fast-timeout', { type: 'number', default: 10, describe: 'seconds a fast request may take; longer is an error' })
    .option('require', { type: 'number', describe: 'exit 1 when the capacity is below this many slow clients (the CI gate)' })
    .option('network', { type: 'string', describe: 'network profile for the slow clients (not supported by capacity yet: its slow clients are not put behind a shaped link)' })
    .option('clock-offset-ms', { type: 'number', default: 0, describe: 'the server\'s clock minus this host\'s, ms: corrects ticker ages of a remote target (see docs/capacity.md, Clocks)' })
    .option('pid', { type: 'number', describe: 'pid of the (local) server process, for RSS, CPU, fds and threads from /proc' })
    .option('workers', { type: 'number', describe: 'slow-client worker processes (default: one per core)' })
    .option('all-steps', { type: 'boolean', default: false, describe: 'run every step, not stop after the first that breaks the SLO' })
    .option('baseline', { type: 'string', describe: 'an earlier --json capacity report to compare with' })
    .option('json', { type: 'string', describe: `write the JSON report (${CAPACITY_SCHEMA}) here` })
    .option('html', { type: 'string', describe: 'write the self-contained HTML report here' })
    .option('summary-md', { type: 'string', describe: 'write a markdown summary here (e.g. $GITHUB_STEP_SUMMARY)' });
}

type Args = Awaited<ReturnType<ReturnType<typeof options>['parseAsync']>>;

export function capacityCommand(y: Argv) {
  return y
    .command('capacity', 'how many slow clients the server carries before its fast clients\' SLO breaks', (a) => options(a, 'capacity'), async (argv) => {
      process.exitCode = await capacity(argv as unknown as Args, 'capacity');
    })
    .command('staleness', 'how stale a slow client\'s stream gets (the /ticker site) as slow clients are added', (a) => options(a, 'staleness'), async (argv) => {
      process.exitCode = await capacity(argv as unknown as Args, 'staleness');
    });
}


async function capacity(a: Args, kind: 'capacity' | 'staleness'): Promise<number> {
  // ---- everything checked before anything runs ----
  const slo = parseSlo(a.slo);
  if (!slo.ok) throw new UserError(slo.error);
  const steps = parseSteps(a.slow);
  if (!steps.ok) throw new UserError(steps.error);
  const rate = parseRate(a['fast-rate']);
  if (!rate.ok) throw new UserError(rate.error);
  const intIn = (v: number | undefined, name: string, lo: number, hi: number) => {
    if (v !== undefined && (!Number.isInteger(v) || v < lo || v > hi)) throw new UserError(`--${name} must be an integer from ${lo} to ${hi}`);
  };
  intIn(a['step-seconds'], 'step-seconds', 1, 600);
  intIn(a['warmup-seconds'], 'warmup-seconds', 0, 120);
  intIn(a.require, 'require', 0, 1_000_000);
  intIn(a['fast-timeout'], 'fast-timeout', 1, 120);
  if (!Number.isFinite(a['clock-offset-ms']) || Math.abs(a['clock-offset-ms']) > 3_600_000) throw new UserError('--clock-offset-ms must be a number of milliseconds within an hour');
  intIn(a.workers, 'workers', 1, 64);
  intIn(a.pid, 'pid', 1, 2 ** 22);
  for (const p of [a['slow-path'], a['fast-path']]) if (!p.startsWith('/')) throw new UserError(`--slow-path/--fast-path "${p}" must start with /`);
  if (a.network !== undefined) throw new UserError('--network: capacity does not put its slow clients behind a shaped link yet (they read as their profile says, over the plain path); leave it out');
  if (kind === 'staleness' && new URL(a['slow-path'], 'http://x').pathname !== '/ticker') throw new UserError(`--slow-path "${a['slow-path']}": staleness reads the /ticker site (e.g. ${TICKER_PATH})`);
  if (a.pid !== undefined && !existsSync(`/proc/${a.pid}`)) throw new UserError(`--pid ${a.pid}: no such process`);
  let target: URL | null = null;
  if (a.target !== undefined) {
    try { target = new URL(a.target); } catch { throw new UserError(`--target "${a.target}" is not a URL (e.g. http://127.0.0.1:8080)`); }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new UserError(`--target "${a.target}" must be http:// or https://`);
    refuseRemote(target, kind, a['allow-remote']);
    if (!isLoopbackHost(target.hostname) && a.pid !== undefined) throw new UserError(`--pid reads /proc of this machine: it cannot describe the remote target ${target.host}`);
  }
  if (a['fast-http'] === 'h2' && target !== null && target.protocol !== 'https:') throw new UserError(`--fast-http h2 is HTTP/2 over TLS: give an https:// --target (or h2c for cleartext)`);
  if (a['fast-http'] === 'h2c' && target?.protocol === 'https:') throw new UserError('--fast-http h2c is HTTP/2 in cleartext: give an http:// --target (or h2 for TLS)');
  const vegeta = TOOLS.vegeta.locate();
  if (vegeta === null) throw new UserError(`vegeta is missing (the fast clients): ${manualInstall(TOOLS.vegeta)}`);
  const profiles: LoadedProfile[] = [];
  for (const name of a['slow-profile'].split(',').map((s) => s.trim()).filter(Boolean)) profiles.push(await readProfile(name));
  if (profiles.length === 0) throw new UserError('--slow-profile: name at least one profile');
  const baseline = a.baseline !== undefined ? readBaseline(a.baseline) : undefined;
  checkOutputPaths([a.json, a['summary-md'], a.html]);

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write('\ninterrupted: stopping the step and writing what was measured (again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let embedded: ServerProcess | null = null;
  try {
    if (target === null) {
      try {
        embedded = await startServerProcess(EMBEDDED);
      } catch (err) {
        if (err instanceof ServerProcessError) throw new UserError(`cannot start the embedded reference server: ${err.message}`);
        throw err;
      }
      // HTTP/2 over TLS needs the HTTPS port; everything else the plain one.
      target = new URL(a['fast-http'] === 'h2' && embedded.https ? embedded.https : embedded.http);
      process.stdout.write(`embedded reference server: ${target.origin} (pid ${embedded.pid})\n`);
    }
    await reachable(target);
    const base = target.origin;
    const pid = a.pid ?? embedded?.pid ?? null;
    process.stdout.write(`${kind}: ${profiles.map((p) => p.name).join(', ')} clients at N = ${steps.steps.join(', ')} on ${a['slow-path']}; fast ${rate.perSecond}/s on ${a['fast-path']} (${a['fast-http']}), SLO ${a.slo}; ${a['warmup-seconds']} + ${a['step-seconds']} s per step\n`);
    const progress = new ProgressLine(process.stdout.isTTY === true && process.env.CI !== 'true');
    const doc = await runCapacity({
      kind, target: base, embedded: embedded !== null, pid, profiles, steps: steps.steps, slowPath: a['slow-path'], fastPath: a['fast-path'],
      fastRate: rate.perSecond, fastHttp: a['fast-http'] as FastHttp, slo: slo.slo, stepSeconds: a['step-seconds'], warmupSeconds: a['warmup-seconds'],
      allSteps: a['all-steps'], vegeta, vegetaVersion: TOOLS.vegeta.recipe.kind === 'go' ? TOOLS.vegeta.recipe.version : '?',
      fastTimeoutS: a['fast-timeout'], clockOffsetMs: a['clock-offset-ms'], ...(a.workers !== undefined ? { workers: a.workers } : {}), signal: controller.signal, argv: ['dawdle', ...process.argv.slice(2)], dawdleVersion: DAWDLE_VERSION,
      onEvent: (e) => {
        if (e.type === 'step-second') progress.update(`${e.profile} N=${e.n}: ${e.phase} ${e.second + 1}/${e.of} s`);
        if (e.type === 'profile-start') { progress.clear(); process.stdout.write(`${e.profile}: slow clients in ${e.workers} worker processes\n`); }
        if (e.type === 'step-done') { progress.clear(); process.stdout.write(`  ${stepLine(e.step)}\n`); }
        if (e.type === 'confirming') { progress.clear(); process.stdout.write(`  ${e.profile} N=${e.n} broke the SLO: running it once more to confirm\n`); }
      },
    });
    progress.clear();
    if (baseline) doc.comparison = compareRuns(baseline.doc, doc, baseline.file);
    process.stdout.write(`\n${consoleTable(doc)}\n\n${capacityLines(doc)}\n`);
    writeOutputs(doc, a);
    if (doc.partial) return EXIT.interrupted;
    if (a.require !== undefined) {
      const got = doc.capacity.max_slow_clients;
      if (got === null || got < a.require) {
        process.stdout.write(`required capacity ${a.require} not met (measured ${got ?? 'none'})\n`);
        return EXIT.fail;
      }
      process.stdout.write(`required capacity ${a.require} met (measured ${got}${doc.capacity.all_within ? '+' : ''})\n`);
    }
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (embedded) await embedded.stop();
  }
}

function writeOutputs(doc: CapacityDocument, a: Args): void {
  const outs: Array<[string | undefined, () => string]> = [
    [a.json, () => `${JSON.stringify(doc, null, 2)}\n`],
    [a['summary-md'], () => renderMarkdown(doc)],
    [a.html, () => renderCapacityHtml(doc)],
  ];
  const files = outs.filter(([p]) => p !== undefined && p !== '').map(([path, render]) => ({ path: path!, render }));
  reportWrites(writeEachFile(files), new Set(a.html ? [a.html] : []));
}

function readBaseline(file: string): { doc: CapacityDocument; file: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`--baseline ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not JSON'}`);
  }
  if ((doc as { schema?: unknown } | null)?.schema !== CAPACITY_SCHEMA) throw new UserError(`--baseline ${file}: not a dawdle capacity report (schema ${CAPACITY_SCHEMA})`);
  return { doc: doc as CapacityDocument, file };
}

async function readProfile(given: string): Promise<LoadedProfile> {
  const bundled = fileURLToPath(new URL(`../../profiles/${given}.yaml`, import.meta.url));
  const file = !existsSync(given) && /^[\w.-]+$/.test(given) && existsSync(bundled) ? bundled : given;
  try {
    return await loadProfile(file);
  } catch (err) {
    if (err instanceof ProfileError) throw new UserError(`--slow-profile: ${err.message.split('\n').join('; ')}`);
    throw err;
  }
}

/** The target accepts TCP connections within 5 s, or exit 2. */
function reachable(u: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) });
    const fail = (why: string) => { s.destroy(); reject(new UserError(`target ${u.origin} unreachable: ${why}`)); };
    s.setTimeout(5000, () => fail('no connection within 5 s'));
    s.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    s.once('connect', () => { s.destroy(); resolve(); });
  });
}
