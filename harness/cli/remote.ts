// Load-generating commands (capacity, staleness, blackbox: floods and crowds of slow clients) load
// only a server on this machine unless told otherwise: one option and one refusal, shared.
import type { Argv } from 'yargs';
import { UserError } from './exit-codes.ts';

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]' || hostname === '::1';
}

export function withAllowRemote<T>(a: Argv<T>) {
  return a.option('allow-remote', { type: 'boolean', default: false, describe: 'allow a target that is not on loopback (this command loads the server hard: only a server that is yours to load)' });
}

/** A UserError (exit 2, one line) for a target off loopback without --allow-remote. */
export function refuseRemote(target: URL, command: string, allowRemote: boolean): void {
  if (isLoopbackHost(target.hostname) || allowRemote) return;
  throw new UserError(`--target ${target.host} is not on loopback: ${command} loads the server hard (floods and crowds of slow clients); add --allow-remote if it is yours to load`);
}
