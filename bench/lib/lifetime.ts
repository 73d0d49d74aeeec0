// Child side of the bench's process protocol: a child prints JSON lines on stdout for the parent
// and dies with it. It exits when its stdin closes (the parent went away, however it died), on
// SIGTERM/SIGINT, or after `maxSeconds`, whichever comes first, running `cleanup` once.
export function bindLifetime(maxSeconds: number, cleanup: () => Promise<void> | void = () => {}): void {
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    const hard = setTimeout(() => process.exit(code), 5000);
    hard.unref();
    Promise.resolve()
      .then(cleanup)
      .catch((err: unknown) => process.stderr.write(`bench child cleanup failed: ${String(err)}\n`))
      .finally(() => process.exit(code));
  };
  process.stdin.on('end', () => exit(0));
  process.stdin.on('close', () => exit(0));
  process.stdin.resume();
  process.on('SIGTERM', () => exit(0));
  process.on('SIGINT', () => exit(130));
  setTimeout(() => {
    process.stderr.write(`bench child ${process.argv[1]} reached its ${maxSeconds}s lifetime; exiting\n`);
    exit(3);
  }, maxSeconds * 1000).unref();
}

/** One result line for the parent. */
export function report(obj: object): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

/** `--name value` from argv, as a number (or the default). */
export function numArg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n)) throw new Error(`--${name}: expected a number, got ${process.argv[i + 1]}`);
  return n;
}

export function strArg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : (process.argv[i + 1] ?? dflt);
}
