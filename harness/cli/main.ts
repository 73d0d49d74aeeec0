// The `dawdle` command line: thin; every command lives in its own file.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT, UserError } from './exit-codes.ts';
import type { Argv } from 'yargs';

type Adds = (y: Argv) => Argv;
/**
 * Each command's module, loaded only when that command runs: a command (and the harness modules it
 * needs) costs ~0.1-0.4 s of start-up through tsx, so `dawdle capacity ...` does not pay for
 * conformance, blackbox and shaping too. `--help`, a typo and no command at all load every one
 * (yargs lists them, or suggests the nearest name).
 */
const COMMANDS: Record<string, () => Promise<Adds>> = {
  serve: async () => (await import('./serve.ts')).serveCommand,
  conformance: async () => (await import('./conformance.ts')).conformanceCommand,
  blackbox: async () => (await import('./blackbox.ts')).blackboxCommand,
  report: async () => (await import('./report.ts')).reportCommand,
  capacity: async () => (await import('./capacity.ts')).capacityCommand,
  staleness: async () => (await import('./capacity.ts')).capacityCommand,
  shape: async () => (await import('./shape.ts')).shapeCommand,
  doctor: async () => (await import('./doctor.ts')).doctorCommand,
};

async function commandsFor(args: string[]): Promise<Adds[]> {
  const named = args[0] !== undefined ? COMMANDS[args[0]] : undefined;
  if (named) return [await named()];
  const all = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return [...new Set(all)];
}

export async function main(args: string[]): Promise<number> {
  // Output piped into `head` and the like: stop quietly when the reader goes away.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
    throw err;
  });
  let code: number = EXIT.ok;
  let y = yargs(args).scriptName('dawdle').strict().demandCommand(1, 'name a command').recommendCommands();
  for (const add of await commandsFor(args)) y = add(y);
  try {
    await y
      .fail((msg, err) => {
        // yargs reports usage problems with a message; errors thrown by a command come as `err`.
        if (err instanceof UserError || (err && !msg)) throw err;
        throw new UserError(msg ?? err?.message ?? 'bad usage');
      })
      .help()
      .version()
      .parseAsync();
    // A command that ends with a verdict sets process.exitCode (e.g. 1: a requirement failed).
    if (typeof process.exitCode === 'number') code = process.exitCode;
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`dawdle: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`dawdle: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    code = EXIT.internal;
  }
  return code;
}

process.exitCode = await main(hideBin(process.argv));
