// Load-generating commands refuse a target off loopback unless --allow-remote is given (one line,
// exit 2, decided on the URL: no connection attempt); with it they get past that check. The target
// is 0.0.0.0: not loopback by name, yet a connection to it stays on this machine (port 1, where
// nothing listens: refused at once), so no packet ever leaves it.
//
// @test weight 2
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isLoopbackHost } from '../../harness/cli/remote.ts';
import { dawdle } from '../dawdle-cli.ts';

const REMOTE = 'http://0.0.0.0:1';


test('isLoopbackHost', () => {
  for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['198.18.0.1', 'example.com', '10.0.0.1', '[::2]', '127.example.com']) assert.not.ok(isLoopbackHost(h), h);
});

const REFUSAL = /^dawdle: --target 0\.0\.0\.0:1 is not on loopback: \w+ loads the server hard .*add --allow-remote if it is yours to load$/;

for (const cmd of ['capacity', 'staleness', 'blackbox']) {
  test(`${cmd}: a target off loopback is refused in one line, exit 2; --allow-remote gets past`, async () => {
    const refused = await dawdle([cmd, '--target', REMOTE]);
    assert.is(refused.code, 2, refused.err);
    assert.match(refused.err.trim(), REFUSAL);
    assert.ok(refused.err.includes(`: ${cmd} loads`), refused.err);
    assert.ok(refused.ms < 10_000, `took ${refused.ms} ms`);

    const allowed = await dawdle([cmd, '--target', REMOTE, '--allow-remote']);
    assert.is(allowed.code, 2, allowed.err);
    assert.not.match(allowed.err, /not on loopback/);
    assert.is(allowed.err.trim().split('\n').length, 1, allowed.err);
  });
}

test.run();
