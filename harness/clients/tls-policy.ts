// Whether the harness verifies a TLS target's certificate. Off by default (test servers, the
// embedded reference server included, use self-signed certificates); `--tls-verify` verifies
// against the system CAs, `--ca FILE` against that bundle. One setting per harness process, set by
// the command before it connects anywhere, and read by every place that opens a TLS connection:
// the client simulators (open-socket.ts, so H1/H2 over TLS), the probe client, the ISO crowd's
// agent, black-box raw connections, capacity's /proc info reads.
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';

export type TlsPolicy =
  | { verify: false }
  | { verify: true; caFile?: undefined }
  | { verify: true; caFile: string; ca: string };

let current: TlsPolicy = { verify: false };

export class TlsPolicyError extends Error {
  override readonly name = 'TlsPolicyError';
}

/** The policy `--tls-verify` / `--ca FILE` ask for; a CA file that cannot be read or holds no certificate: TlsPolicyError. */
export function tlsPolicyFrom(verify: boolean, caFile: string | undefined): TlsPolicy {
  if (caFile === undefined || caFile === '') return verify ? { verify: true } : { verify: false };
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new TlsPolicyError(`--ca ${caFile}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const pems = ca.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new TlsPolicyError(`--ca ${caFile}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)`);
  for (const p of pems) {
    try {
      new X509Certificate(p);
    } catch {
      throw new TlsPolicyError(`--ca ${caFile}: a certificate in it cannot be parsed`);
    }
  }
  return { verify: true, caFile, ca };
}

export function setTlsPolicy(p: TlsPolicy): void {
  current = p;
}

export function tlsPolicy(): TlsPolicy {
  return current;
}

/** The options for tls.connect / an undici Agent's `connect`. */
export function tlsVerifyOptions(p: TlsPolicy = current): { rejectUnauthorized: boolean; ca?: string } {
  if (!p.verify) return { rejectUnauthorized: false };
  return p.caFile !== undefined ? { rejectUnauthorized: true, ca: p.ca } : { rejectUnauthorized: true };
}

/** For reports and console lines: "not verified", "verified (system CAs)", "verified against FILE". */
export function describeTlsPolicy(p: TlsPolicy = current): string {
  if (!p.verify) return 'not verified';
  return p.caFile !== undefined ? `verified against ${p.caFile}` : 'verified (system CAs)';
}
