// A self-signed certificate for local HTTPS, generated on demand (once per process) with the
// `selfsigned` package. For localhost and 127.0.0.1 / ::1 only; clients must not verify it.
import { generate } from 'selfsigned';

export interface CertPair {
  cert: string;
  key: string;
}

let cached: Promise<CertPair> | null = null;

export function selfSignedCert(): Promise<CertPair> {
  cached ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  }).then((p) => ({ cert: p.cert, key: p.private }));
  return cached;
}
