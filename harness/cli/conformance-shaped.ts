// `dawdle conformance --network PROFILE`: the client side of every check runs behind that link.
// The harness re-executes its own conformance run inside the shaped namespace (host backend) or
// guest (uml backend) while the target - or the embedded reference server, started here listening
// on the link's host-side address - stays on the host. The inner run writes its JSON report into
// the run's shared directory; this side adds the link as applied (read back from tc, with its
// counters) to the report's environment as `network`, and writes the files asked for.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProfileError } from '../clients/profiles.ts';
import { EMBEDDED_SERVER, ServerProcessError, startServerProcess, type ServerProcess } from '../conformance/server-process.ts';
import { ShapingError } from '../shaping/backend.ts';
import { chooseBackend, type BackendChoice } from '../shaping/backends.ts';
import { appliedLines, networkRecord } from '../shaping/describe.ts';
import { resolveLink } from '../shaping/network-profile.ts';
import type { LinkSpec } from '../shaping/spec.ts';
import { readReport, type ReportDocument } from '../report/document.ts';
import { EXIT, UserError } from './exit-codes.ts';
import { outputsOf, writeOutputs, type OutputArgs } from './report-files.ts';

const BIN = fileURLToPath(new URL('../../bin/dawdle.mjs', import.meta.url));
/** Set in the inner run's environment: it must not shape again. */
export const INNER_ENV = 'DAWDLE_CONFORMANCE_INNER';

export interface ShapedConformanceArgs {
  network: string;
  backend: BackendChoice;
  targets: string[];
  /** The inner run's own options, as command-line arguments (without targets and outputs). */
  innerArgs: string[];
  outputs: OutputArgs;
}

async function linkOf(network: string): Promise<LinkSpec> {
  try {
    return await resolveLink(network);
  } catch (err) {
    if (err instanceof ProfileError) throw new UserError(`--network: ${err.message}`);
    throw err;
  }
}

/** The link's round trip as configured: both directions' delays (and jitters, and slot waits). */
export function rttOf(link: LinkSpec): number {
  const one = (d: LinkSpec['down']) => (d.delayMs ?? 0) + (d.jitterMs ?? 0) + (d.slot?.maxDelayMs ?? 0);
  return one(link.down) + one(link.up);
}

/** Client receive buffers of a conformance run behind a link, unless its profile sets them: small,
 * so a stalled client's path fills in about a second at low rates instead of taking minutes (the
 * checks fill the path before the send window can matter). */
export const CONFORMANCE_TCP_RMEM: [number, number, number] = [4096, 65536, 262144];

/** A loopback target is reached at the link's host address instead (the server must listen there or on 0.0.0.0). */
export function retarget(url: string, host: string): string {
  const u = new URL(url);
  if (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]') u.hostname = host;
  return u.href.replace(/\/$/, '');
}

export async function conformanceShaped(a: ShapedConformanceArgs): Promise<number> {
  const profileLink = await linkOf(a.network);
  const link: LinkSpec = { ...profileLink, sysctls: { tcpRmem: CONFORMANCE_TCP_RMEM, ...profileLink.sysctls } };
  let chosen;
  try {
    chosen = await chooseBackend(a.backend, link);
  } catch (err) {
    if (err instanceof ShapingError) throw new UserError(`--network: ${err.message}`);
    throw err;
  }
  const { shaper, reason } = chosen;
  process.stdout.write(`network ${link.name}: backend ${shaper.name} (${reason})\n`);
  const shared = mkdtempSync(join(tmpdir(), 'dawdle-conformance-'));
  const innerJson = join(shared, 'inner.json');
  let embedded: ServerProcess | null = null;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const r = await shaper.run({
      link, reason, shared, signal: controller.signal,
      onReady: (addr) => process.stdout.write(`link ${addr.name}: the client side runs at ${addr.client}, the host side is ${addr.host}\n`),
      command: async (addr) => {
        let urls = a.targets.map((t) => retarget(t, addr.host));
        if (urls.length === 0) {
          try {
            embedded = await startServerProcess(EMBEDDED_SERVER, ['--host', addr.host]);
          } catch (err) {
            if (err instanceof ServerProcessError) throw new UserError(`cannot start the embedded reference server: ${err.message}`);
            throw err;
          }
          urls = [embedded.http, ...(embedded.https ? [embedded.https] : [])];
          process.stdout.write(`embedded reference server (on the host): ${urls.join(' ')}\n`);
        }
        return {
          argv: [process.execPath, BIN, 'conformance', ...urls.flatMap((u) => ['--target', u]), ...a.innerArgs,
            '--link-rtt-ms', String(rttOf(link)), '--link-down-bps', String(link.down.bitsPerSecond ?? 0), '--json', innerJson],
          env: { ...process.env, [INNER_ENV]: '1' },
          cwd: process.cwd(),
        };
      },
    });
    for (const l of appliedLines(r.applied)) process.stdout.write(`network ${l}\n`);
    if (!existsSync(innerJson)) {
      if (r.exitCode === EXIT.usage) return EXIT.usage;
      throw new UserError(`the shaped conformance run ended (exit ${r.exitCode}) without a report`);
    }
    const inner = readReport(innerJson);
    const doc: ReportDocument = {
      ...inner,
      environment: { ...inner.environment, command: ['dawdle', ...process.argv.slice(2)].join(' '), network: networkRecord(r.applied) },
    };
    writeOutputs(doc, outputsOf(a.outputs).filter((o) => o.format !== 'json' || o.path !== innerJson));
    return r.exitCode;
  } catch (err) {
    if (err instanceof ShapingError) throw new UserError(`--network: ${err.message}`);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (embedded) await (embedded as ServerProcess).stop();
    rmSync(shared, { recursive: true, force: true });
  }
}
