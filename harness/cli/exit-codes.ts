// Exit codes, in one place (docs/cli.md lists them).
export const EXIT = {
  ok: 0,
  /** Some requirement failed or could not be judged (conformance), or a threshold was crossed. */
  fail: 1,
  /** Usage or configuration error, target unreachable or not speaking the probe protocol. */
  usage: 2,
  /** A bug of dawdle itself (printed with its stack trace so it can be reported). */
  internal: 70,
  interrupted: 130,
} as const;

/** An error meant for the user: printed as one line, never with a stack trace. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.usage) {
    super(message);
  }
}
