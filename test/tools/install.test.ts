// The outside-tools installer: what it says when a tool cannot be had (one line: why, and how to
// get it), that it installs nothing already present, and a Go build that fails with its log's tail.
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TOOLS, TEST_TOOLS } from '../../harness/tools/catalogue.ts';
import { ensureTools } from '../../harness/tools/install.ts';
import { aptTool, goTool, manualInstall, onPath } from '../../harness/tools/tool.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('every tool the tests need is in the catalogue, with a way to get it by hand', () => {
  for (const name of TEST_TOOLS) {
    const t = TOOLS[name];
    assert.ok(t, name);
    assert.match(manualInstall(t), t.recipe.kind === 'apt' ? /^apt-get install -y \S+ \(as root\)$/ : /go install \S+@v\S+$/);
  }
});

test('a tool already present is not installed again, and nothing is logged', async () => {
  const lines: string[] = [];
  const sh = aptTool('sh', 'dash', 'a shell');
  assert.ok(onPath('sh'));
  const r = await ensureTools([sh], (l) => lines.push(l));
  assert.equal(r.missing, []);
  assert.equal(r.present.map((t) => t.name), ['sh']);
  assert.equal(lines, []);
});

test('not root: an apt tool is missing with one line saying why and how to get it', () => {
  // A child process as user nobody: the real check (process.getuid), not a stand-in.
  const code = `
    import { ensureTools } from './harness/tools/install.ts';
    import { aptTool } from './harness/tools/tool.ts';
    const r = await ensureTools([aptTool('dawdle-no-such-tool', 'dawdle-no-such-package', 'a test')]);
    console.log(JSON.stringify(r.missing.map((m) => m.why)));`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: '/tmp' } });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim().split('\n').pop()!), ['not root, so apt-get cannot install it; get it with: apt-get install -y dawdle-no-such-package (as root)']);
});

test('a Go tool whose build fails is missing, with the tail of its log', async () => {
  const t = goTool('dawdle-no-such-tool', 'example.invalid/dawdle/no-such-module', 'v0.0.1', 'a test');
  const r = await ensureTools([t]);
  assert.is(r.missing.length, 1);
  assert.match(r.missing[0]!.why, /^(go install example\.invalid\/dawdle\/no-such-module@v0\.0\.1 failed \(.+; log: .+dawdle-no-such-tool\.log\)|Go is not installed)/);
});

test.run();
