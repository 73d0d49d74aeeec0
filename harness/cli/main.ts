// The `dawdle` command line: thin; every command lives in its own file.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT, UserError } from './exit-codes.ts';
import { capacityCommand } from './capacity.ts';
import { blackboxCommand } from './blackbox.ts';
import { conformanceCommand } from './conformance.ts';
import { reportCommand } from './report.ts';
import { serveCommand } from './serve.ts';
import { shapeCommand } from './shape.ts';
import { doctorCommand } from './doctor.ts';

export async function main(args: string[]): Promise<number> {
  // Output piped into `head` and the like: stop quietly when the reader goes away.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
    throw err;
  });
  let code: number = EXIT.ok;
  let y = yargs(args).scriptName('dawdle').strict().demandCommand(1, 'name a command').recommendCommands();
  y = serveCommand(y);
  y = conformanceCommand(y);
  y = blackboxCommand(y);
  y = reportCommand(y);
  y = capacityCommand(y);
  y = shapeCommand(y);
  y = doctorCommand(y);
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
