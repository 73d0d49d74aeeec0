// Before the first test: makes sure every outside tool the tests need is here (TEST_TOOLS in
// harness/tools/catalogue.ts), installing what is missing (Debian packages as root, Go tools into
// .tools/). Quiet when everything is present. When something cannot be had, prints one line per
// missing tool saying how to get it and exits 1, so no test runs half-equipped - except the
// OPTIONAL_TEST_TOOLS (shaping: they need root too), whose tests skip themselves with the reason.
import { OPTIONAL_TEST_TOOLS, TEST_TOOLS, TOOLS } from '../harness/tools/catalogue.ts';
import { ensureTools } from '../harness/tools/install.ts';

const say = (line: string) => process.stdout.write(`[setup] ${line}\n`);
const t0 = performance.now();
const r = await ensureTools(TEST_TOOLS.map((n) => TOOLS[n]), say);
const optional = new Set(OPTIONAL_TEST_TOOLS.map((n) => TOOLS[n]));
for (const m of r.missing.filter((x) => optional.has(x.tool))) {
  process.stderr.write(`[setup] warning: missing ${m.tool.name} (${m.tool.purpose}): ${m.why}; the tests that need it will be skipped\n`);
}
r.missing = r.missing.filter((x) => !optional.has(x.tool));
if (r.missing.length > 0) {
  for (const m of r.missing) process.stderr.write(`[setup] missing ${m.tool.name} (${m.tool.purpose}): ${m.why}\n`);
  process.stderr.write('[setup] no test was run\n');
  process.exit(1);
}
if (r.installed.length > 0) say(`installed ${r.installed.map((t) => t.name).join(', ')} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
else say(`tools present: ${r.present.map((t) => t.name).join(', ')}`);
