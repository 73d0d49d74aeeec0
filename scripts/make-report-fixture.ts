// Regenerates test/fixtures/report-faulty.json: a real conformance run (JSON report) against the
// reference server with injected faults, for the report tests (HTML in Chromium, JUnit schema,
// markdown) and the README's screenshot.
//
//   node --import tsx scripts/make-report-fixture.ts [out.json]
//
// window-ignored (writes never block on the send window) and cancel-unreported (cancellation is
// never reported) fail WIN, TMO, CXL and STS checks with real evidence; the selection keeps the
// run short (~15 s) and the file small (~300 KB), with passes, failures and skips side by side.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? 'test/fixtures/report-faulty.json';
const ONLY = 'CFG-01,CFG-04,WIN-01,WIN-02,WIN-03,WIN-04,TMO-01,CXL-01,CXL-03,STS-01,STS-04,WAI-01';

const server = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/faulty-server.ts', '--faults', 'window-ignored,cancel-unreported', '--tls'], {
  cwd: root, stdio: ['pipe', 'pipe', 'inherit'],
});
const line = await new Promise<string>((resolve, reject) => {
  createInterface({ input: server.stdout! }).once('line', resolve);
  server.once('exit', (code) => reject(new Error(`faulty server exited ${code}`)));
});
const urls = JSON.parse(line) as { http: string; https: string };
const run = spawn(process.execPath, ['bin/dawdle.mjs', 'conformance', '--target', urls.http, '--target', urls.https, '--only', ONLY, '--json', out], {
  cwd: root, stdio: 'inherit', env: { ...process.env, CI: 'true' },
});
const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
server.stdin!.end();
// Kept compact (the same document without the indentation) to keep the repository small.
writeFileSync(out, `${JSON.stringify(JSON.parse(readFileSync(out, 'utf8')))}\n`);
process.stdout.write(`conformance exited ${code} (1 = failures found, as intended); wrote ${out}\n`);
process.exitCode = code === 1 ? 0 : 1;
