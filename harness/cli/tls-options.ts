// --tls-verify and --ca FILE, shared by the commands that connect to a target over TLS.
import type { Argv } from 'yargs';
import { describeTlsPolicy, setTlsPolicy, tlsPolicyFrom, TlsPolicyError } from '../clients/tls-policy.ts';
import { UserError } from './exit-codes.ts';

export function withTlsOptions<T>(a: Argv<T>) {
  return a
    .option('tls-verify', { type: 'boolean', default: false, describe: 'verify an https:// target\'s certificate against the system CAs (default: not verified, test servers are self-signed)' })
    .option('ca', { type: 'string', describe: 'verify an https:// target\'s certificate against this PEM bundle (implies --tls-verify)' });
}

/** Sets the harness's TLS policy from the options (a bad --ca: UserError, exit 2); returns it in words. */
export function applyTlsOptions(argv: { 'tls-verify'?: boolean; ca?: string | undefined }): string {
  try {
    setTlsPolicy(tlsPolicyFrom(argv['tls-verify'] === true, argv.ca));
  } catch (err) {
    if (err instanceof TlsPolicyError) throw new UserError(err.message);
    throw err;
  }
  return describeTlsPolicy();
}

/** The same options again, for a child dawdle run. */
export function tlsArgs(argv: { 'tls-verify'?: boolean; ca?: string | undefined }): string[] {
  return [...(argv['tls-verify'] ? ['--tls-verify'] : []), ...(argv.ca !== undefined ? ['--ca', argv.ca] : [])];
}
