// --tls-verify / --ca against the embedded reference server (self-signed): verification against
// the system CAs refuses it (exit 2, one line naming the certificate problem); its own certificate
// given as --ca passes, and the report says which was used.
//
// @test weight 3
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { EMBEDDED_SERVER, startServerProcess, type ServerProcess } from '../../harness/conformance/server-process.ts';
import { dawdle } from '../dawdle-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'dawdle-tls-'));
const f = (name: string) => join(dir, name);


/** The certificate the server presents, as PEM (read off the wire: the server is not changed for it). */
function peerCertPem(url: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      const raw = s.getPeerCertificate(true).raw;
      s.destroy();
      resolve(`-----BEGIN CERTIFICATE-----\n${raw.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`);
    });
    s.on('error', reject);
  });
}

let ref: ServerProcess;
test.before(async () => {
  ref = await startServerProcess(EMBEDDED_SERVER);
});
test.after(async () => {
  await ref?.stop();
});

test('--tls-verify (system CAs) refuses the self-signed target: exit 2, one line', async () => {
  const r = await dawdle(['conformance', '--target', ref.https!, '--only', 'RES-01', '--tls-verify']);
  assert.is(r.code, 2, r.err);
  assert.is(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /SELF_SIGNED|self-signed certificate/);
});

test('blackbox --tls-verify: the preflight names the certificate problem, exit 2, one line', async () => {
  const r = await dawdle(['blackbox', '--target', ref.https!, '--path', '/stream?bytes=1000', '--tls-verify']);
  assert.is(r.code, 2, r.err);
  assert.is(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /SELF_SIGNED/);
});

test('--ca with the server\'s own certificate passes; the report says "verified against FILE"', async () => {
  writeFileSync(f('server.pem'), await peerCertPem(ref.https!));
  const r = await dawdle(['conformance', '--target', ref.https!, '--only', 'RES-01', '--ca', f('server.pem'), '--json', f('ca.json'), '--html', f('ca.html')]);
  assert.is(r.code, 0, r.err + r.out);
  const doc = JSON.parse(readFileSync(f('ca.json'), 'utf8')) as { options: { tls?: string }; results: Array<{ verdict: { status: string } }> };
  assert.is(doc.options.tls, `verified against ${f('server.pem')}`);
  assert.ok(doc.results.length > 0 && doc.results.every((x) => x.verdict.status === 'pass'));
  assert.match(readFileSync(f('ca.html'), 'utf8'), /<th>TLS<\/th><td>verified against [^<]*server\.pem<\/td>/);
});

test('default: the report says "not verified"', async () => {
  const r = await dawdle(['conformance', '--target', ref.https!, '--only', 'RES-01', '--json', f('plain.json')]);
  assert.is(r.code, 0, r.err + r.out);
  assert.is((JSON.parse(readFileSync(f('plain.json'), 'utf8')) as { options: { tls?: string } }).options.tls, 'not verified');
});

test('a bad --ca: exit 2, one line', async () => {
  writeFileSync(f('not-a-cert.pem'), 'hello');
  for (const [file, re] of [[f('missing.pem'), /--ca .*missing\.pem: cannot read: ENOENT/], [f('not-a-cert.pem'), /--ca .*not-a-cert\.pem: no PEM certificate/]] as const) {
    const r = await dawdle(['conformance', '--target', ref.https!, '--only', 'RES-01', '--ca', file]);
    assert.is(r.code, 2, r.err);
    assert.is(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, re);
  }
});

test.run();
