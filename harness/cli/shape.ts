// `dawdle shape`: runs a command behind a shaped link (a network profile and/or flags), prints where
// the host is reachable (and exports it as DAWDLE_HOST), and exits with the command's code.
// `dawdle shape --cleanup` removes what killed runs left behind.
import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { ProfileError } from '../clients/profiles.ts';
import { ShapingError } from '../shaping/backend.ts';
import { BACKEND_CHOICES, chooseBackend, type BackendChoice } from '../shaping/backends.ts';
import { removeLeftovers } from '../shaping/cleanup.ts';
import { appliedLines, networkRecord } from '../shaping/describe.ts';
import { applyFlags, FlagError, hasLinkFlags, type LinkFlags } from '../shaping/flags.ts';
import { resolveLink } from '../shaping/network-profile.ts';
import type { LinkSpec } from '../shaping/spec.ts';
import { EXIT, UserError } from './exit-codes.ts';

const say = (line: string) => process.stderr.write(`dawdle: ${line}\n`);

export function shapeCommand(y: Argv) {
  return y.command(
    'shape',
    'run a command behind a shaped network link (client namespace or user-mode Linux guest); the host is reachable at the printed address ($DAWDLE_HOST)',
    (a) =>
      a
        .parserConfiguration({ 'populate--': true })
        .usage('$0 shape [options] -- COMMAND [ARGS...]')
        .option('profile', { type: 'string', describe: 'network profile: a name from profiles/network/ (3g, lte, satellite ...) or a YAML file; or a client profile with a network section (e.g. bursty-wifi)' })
        .option('delay', { type: 'string', describe: 'one-way delay, added on EACH direction\'s egress (RTT grows by twice this), e.g. 100ms' })
        .option('jitter', { type: 'string', describe: 'delay variation per direction, e.g. 10ms' })
        .option('distribution', { type: 'string', describe: 'jitter distribution: uniform, normal (default with --jitter), pareto, paretonormal' })
        .option('rate', { type: 'string', describe: 'rate of each direction, e.g. 750kbit, 5mbit, 100kbps' })
        .option('up-rate', { type: 'string', describe: 'rate of the upload direction (client -> host) when it differs' })
        .option('loss', { type: 'string', describe: 'random loss per direction, e.g. 1%' })
        .option('duplicate', { type: 'string', describe: 'duplicated packets per direction, e.g. 0.5%' })
        .option('corrupt', { type: 'string', describe: 'corrupted packets per direction, e.g. 0.1%' })
        .option('reorder', { type: 'string', describe: 'packets sent at once, the others delayed (needs --delay), e.g. 25%' })
        .option('gap', { type: 'number', describe: 'with --reorder: every GAP-th packet is reordered' })
        .option('tcp-rmem', { type: 'string', describe: 'client side net.ipv4.tcp_rmem "min,default,max" bytes (small receive windows)' })
        .option('tcp-wmem', { type: 'string', describe: 'client side net.ipv4.tcp_wmem "min,default,max" bytes' })
        .option('backend', { type: 'string', choices: BACKEND_CHOICES as unknown as string[], default: 'auto',
          describe: 'host: netns + tc on this kernel; uml: a user-mode Linux guest (has netem); auto: host if it has every qdisc needed' })
        .option('link', { type: 'number', describe: 'use link N (1..250) and no other: the host is then always at 198.18.N.1 (for a server listening on 0.0.0.0 before the run)' })
        .option('applied-json', { type: 'string', describe: 'write the link as applied (read back from tc, with counters) to this JSON file' })
        .option('cleanup', { type: 'boolean', default: false, describe: 'remove namespaces, links and guests that killed runs left behind (dawdle-*), then exit' })
        .example('$0 shape --profile 3g -- curl -s -o /dev/null -w "%{time_total}\\n" http://$DAWDLE_HOST:8080/hello', 'a 3G link (the shell expands $DAWDLE_HOST too early: quote it or use sh -c)')
        .example('$0 shape --delay 100ms --rate 750kbit --loss 1% -- sh -c \'curl http://$DAWDLE_HOST:8080/\'', 'RTT +200 ms, 750 kbit/s each way, 1% loss each way'),
    async (argv) => {
      if (argv.cleanup) {
        process.exitCode = await cleanup();
        return;
      }
      const cmd = ((argv as unknown as { '--'?: Array<string | number> })['--'] ?? []).map(String);
      const extra = argv._.slice(1).map(String);
      if (extra.length > 0) throw new UserError(`put the command after "--" (dawdle shape [options] -- ${extra.join(' ')})`);
      if (cmd.length === 0) throw new UserError('name a command after "--" (e.g. dawdle shape --profile 3g -- curl http://198.18.1.1:8080/)');
      if (argv.link !== undefined && !(Number.isInteger(argv.link) && argv.link >= 1 && argv.link <= 250)) throw new UserError('--link must be a whole number from 1 to 250');
      const link = await linkFrom(argv.profile, argv as LinkFlags);
      process.exitCode = await shape(link, argv.backend as BackendChoice, cmd, argv['applied-json'], argv.link);
    },
  );
}

export async function linkFrom(profile: string | undefined, flags: LinkFlags): Promise<LinkSpec> {
  let base: LinkSpec | null = null;
  if (profile !== undefined) {
    try {
      base = await resolveLink(profile);
    } catch (err) {
      if (err instanceof ProfileError) throw new UserError(`--profile: ${err.message}`);
      throw err;
    }
  }
  try {
    const only: LinkFlags = {};
    for (const k of ['delay', 'jitter', 'distribution', 'rate', 'up-rate', 'loss', 'duplicate', 'corrupt', 'reorder', 'gap', 'tcp-rmem', 'tcp-wmem'] as const) {
      if (flags[k] !== undefined) (only as Record<string, unknown>)[k] = flags[k];
    }
    if (base === null && !hasLinkFlags(only)) return { name: 'unshaped', down: {}, up: {}, sysctls: {} };
    return applyFlags(base, only);
  } catch (err) {
    if (err instanceof FlagError) throw new UserError(err.message);
    throw err;
  }
}

async function cleanup(): Promise<number> {
  if (process.getuid?.() !== 0) throw new UserError('--cleanup needs root (namespaces and links are root\'s)');
  const r = await removeLeftovers();
  for (const k of r.kept) say(`kept ${k}`);
  if (r.links.length + r.namespaces.length + r.guests.length === 0) say('nothing left behind');
  else say(`removed links: ${r.links.join(' ') || '-'}; namespaces: ${r.namespaces.join(' ') || '-'}; guest processes: ${r.guests.join(' ') || '-'}`);
  return EXIT.ok;
}

async function shape(link: LinkSpec, choice: BackendChoice, cmd: string[], appliedJson: string | undefined, linkNumber: number | undefined): Promise<number> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) say(`${sig}: stopping the command, then removing the link`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { shaper, reason } = await chooseBackend(choice, link);
    say(`backend ${shaper.name}: ${reason}`);
    const r = await shaper.run({
      link, reason, signal: controller.signal, ...(linkNumber !== undefined ? { linkNumber } : {}),
      onReady: (a) => say(`link ${a.name} (${link.name}): the host is reachable at ${a.host} (DAWDLE_HOST), the client is ${a.client}`),
      command: () => ({ argv: cmd, env: { ...process.env }, cwd: process.cwd() }),
    });
    for (const l of appliedLines(r.applied)) say(l);
    if (appliedJson !== undefined) writeFileSync(appliedJson, `${JSON.stringify(networkRecord(r.applied), null, 2)}\n`);
    return r.exitCode;
  } catch (err) {
    if (err instanceof ShapingError) throw new UserError(err.message);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`cannot run ${cmd[0]}: not found`);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
