// Rendering without a browser: the HTML is one self-contained file that escapes what the target
// said; the markdown summary escapes it too; the timeline data says what the journal and the wire
// said; JUnit output passes the JUnit schema (junit-schema.ts: xmllint as WebAssembly).
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { compare } from '../../harness/report/baseline.ts';
import { renderHtml } from '../../harness/report/html/index.ts';
import { chartOf } from '../../harness/report/html/timeline.ts';
import { extrasTable, responsesTable } from '../../harness/report/html/evidence.ts';
import { renderJunit } from '../../harness/report/junit.ts';
import { mdEscape, renderMarkdown } from '../../harness/report/markdown.ts';
import type { CheckResult } from '../../harness/conformance/runner.ts';
import { faultyRun, hostileRun, HOSTILE, runWithErrors } from './fixtures.ts';
import { junitSchemaCheck as xmllint } from './junit-schema.ts';


test('HTML: one file, no external reference, a CSP that forbids every source', () => {
  const html = renderHtml(faultyRun());
  assert.match(html, /^<!doctype html>/);
  assert.not.match(html, /<link\b/i);
  assert.not.match(html, /\s(src|href)\s*=\s*["']?(https?:|\/\/)/i, 'no element loads or links anything outside the file');
  assert.not.match(html, /@import|url\(\s*["']?(https?:|\/\/)/i);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(csp, 'CSP meta present');
  assert.match(csp![1]!, /default-src &#39;none&#39;/);
  assert.match(csp![1]!, /script-src &#39;sha256-[A-Za-z0-9+/=]+&#39; &#39;sha256-/);
  assert.match(html, /var uPlot=/, 'uPlot inlined');
  assert.match(html, /<table id="matrix"/);
  // Every failing cell links to its section, and the section exists.
  const links = [...html.matchAll(/<td class="cell fail"[^>]*><a href="#([^"]+)"/g)].map((m) => m[1]!);
  assert.is(links.length, faultyRun().results.filter((r) => r.verdict.status === 'fail').length);
  for (const id of links) assert.ok(html.includes(`id="${id}"`), `section ${id}`);
});

test('HTML: what the target said is escaped everywhere (no markup, no script, no breaking out of the data block)', () => {
  const html = renderHtml(hostileRun());
  assert.not.ok(html.includes(HOSTILE), 'the raw string never appears');
  assert.not.match(html, /<img src=x/i);
  assert.not.match(html, /<script>window\.__pwned/);
  assert.ok(html.includes('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;'), 'shown as text');
  // The JSON data block holds the journal's error text with < escaped, so it cannot end the element.
  const data = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  assert.not.match(data, /<\/?script/i);
  assert.ok(JSON.stringify(JSON.parse(data)).includes('<img src=x onerror'), 'data block still parses to the original text');
  // Scripts: exactly uPlot and the page script, nothing else.
  assert.is([...html.matchAll(/<script(?: [^>]*)?>/g)].length, 3);
});

test('HTML: an error verdict is ERROR, in its own colour, apart from the failures: matrix, banner, filter, section', () => {
  const { doc, errors } = runWithErrors();
  const html = renderHtml(doc);
  const [journal404, timedOut] = errors as [CheckResult, CheckResult];
  // Matrix: its own cell class and word, linking to its section; the failing cells are one fewer.
  const cell = new RegExp(`<td class="cell error" data-transport="h1" data-status="error" data-change="none"><a href="#c-h1-${journal404.id}" title="could not judge: ERR_JOURNAL: journal dw-x: 404 gone [^"]*the probe keeps journals until they are read\\)">ERROR</a></td>`);
  assert.match(html, cell);
  assert.is([...html.matchAll(/<td class="cell error"/g)].length, 2);
  assert.is([...html.matchAll(/<td class="cell fail"/g)].length, 13);
  assert.match(html, /<tfoot><tr><th colspan="2">fail · error · pass · skip<\/th><td data-transport="h1"><span class="n fail">\d+<\/span> <span class="n error">2<\/span>/);
  // Banner and title: the run still FAILs (failures win); errors counted apart.
  assert.match(html, /<header class="banner fail">/);
  assert.match(html, /<span class="n error">2 errors \(could not judge\)<\/span>/);
  assert.match(html, /<title>dawdle conformance: FAIL \(13 failed, 2 could not be judged\)/);
  // Filter: a status box of its own, with its count.
  assert.match(html, /<label class="f-status"><input type="checkbox" name="status" value="error" checked> <span class="badge error">ERROR<\/span> 2<\/label>/);
  // Sections: an Errors heading between the failures and the rest, with what the harness saw and the hint, escaped.
  const failures = html.indexOf('<h2 id="failures">');
  const errs = html.indexOf('<h2 id="errors">Errors: could not judge (2)</h2>');
  const others = html.indexOf('<h2 id="others">');
  assert.ok(failures < errs && errs < others, 'failures, then errors, then the rest');
  const section = html.slice(html.indexOf(`<section class="check st-error" id="c-h1-${journal404.id}"`), others);
  assert.ok(section.length > 0 && html.indexOf(`id="c-h1-${journal404.id}"`) > errs, 'the section sits under Errors');
  assert.match(section, /<h3><span class="badge error">ERROR<\/span>/);
  assert.match(section, /<table class="kv verdict error"><caption>Could not judge \(not a failure of the server\)<\/caption><tbody><tr class="saw"><th>the harness saw<\/th><td>ERR_JOURNAL: journal dw-x: 404 gone &lt;img/);
  assert.match(section, /<tr class="hint"><th>what you can do<\/th><td>the target&#39;s journal endpoint answered 404/);
  assert.ok(html.includes(`id="c-h1-${timedOut.id}"`));
  assert.not.ok(html.includes(HOSTILE), 'the raw string never appears');
  // Only errors: the banner is ERROR (purple), not PASS or FAIL.
  const onlyErrors = runWithErrors().doc;
  for (const r of onlyErrors.results) if (r.verdict.status === 'fail') r.verdict = { status: 'pass' };
  const h2 = renderHtml(onlyErrors);
  assert.match(h2, /<header class="banner error"><h1><span class="verdict">ERROR<\/span>/);
  assert.match(h2, /<title>dawdle conformance: ERROR \(2 could not be judged\)/);
});

test('HTML: the error colour is its own (not FAIL red, SKIP amber or PASS green)', () => {
  const css = readFileSync(new URL('../../harness/report/html/assets/report.css', import.meta.url), 'utf8');
  const v = (name: string) => new RegExp(`--${name}: (#[0-9a-f]{6})`).exec(css)![1]!;
  const error = v('error');
  assert.equal([v('fail'), v('skip'), v('pass')].includes(error), false, error);
  for (const rule of ['.matrix td.error { background: var(--error)', '.badge.error { background: var(--error)', 'section.check.st-error { border-left-color: var(--error)', '.banner.error {', '.n.error { color: var(--error)']) {
    assert.ok(css.includes(rule), rule);
  }
});

test('markdown: summary, failures table, escaped target text', () => {
  const md = renderMarkdown(hostileRun());
  assert.match(md, /^## dawdle conformance: ❌ FAIL/);
  assert.match(md, /\*\*14 failed, 10 passed, 0 skipped\*\*/);
  assert.match(md, /### Failures/);
  assert.not.match(md, /<img|<script/i);
  assert.not.match(md, /\[x\]\(http/);
  assert.is(mdEscape('a|b <c> [d](e) `f` *g*'), 'a\\|b &lt;c&gt; \\[d\\](e) \\`f\\` \\*g\\*');
  // Each table row keeps its column count whatever the text held.
  for (const row of md.split('\n').filter((l) => l.startsWith('| ') && l.includes('boom'))) {
    assert.is(row.split(/(?<!\\)\|/).length - 2, 4, row);
  }
});

test('markdown: errors counted and tabled apart from the failures, with what the harness saw and the hint, escaped', () => {
  const { doc, errors } = runWithErrors();
  const md = renderMarkdown(doc);
  assert.match(md, /^## dawdle conformance: ❌ FAIL/);
  assert.match(md, /\*\*13 failed, 2 errors \(could not judge\), 9 passed, 0 skipped\*\*/);
  const failures = md.indexOf('### Failures');
  const errs = md.indexOf('### Errors (could not judge)');
  assert.ok(failures > 0 && errs > failures, 'errors after failures');
  assert.not.match(md.slice(failures, errs), /ERR_JOURNAL/, 'not among the failures');
  const table = md.slice(errs).split('\n').filter((l) => l.startsWith('| '));
  assert.is(table[0], '| requirement | transport | what the harness saw | what you can do |');
  const row = table.find((l) => l.startsWith(`| ${errors[0]!.id} | h1 |`))!;
  assert.match(row, /ERR\\_JOURNAL: journal dw-x: 404 gone &lt;img/);
  assert.match(row, /the target's journal endpoint answered 404/);
  assert.is(row.split(/(?<!\\)\|/).length - 2, 4, row);
  assert.not.match(md, /<img|<script/i);
  assert.match(md, new RegExp(`\\| ${errors[0]!.id} \\| ⚠️ ERROR \\|`), 'the folded matrix says ERROR');
  // Nothing failed, something could not be judged: the heading says ERROR, not PASS.
  for (const r of doc.results) if (r.verdict.status === 'fail') r.verdict = { status: 'pass' };
  assert.match(renderMarkdown(doc), /^## dawdle conformance: ⚠️ ERROR/);
});

test('markdown and JUnit carry the comparison with a baseline', () => {
  const base = faultyRun();
  const now = faultyRun();
  const w = base.results.find((r) => r.verdict.status === 'fail')!;
  w.verdict = { status: 'pass' };
  now.comparison = compare(base, now, 'reports/baseline.json');
  const md = renderMarkdown(now);
  assert.match(md, /Compared with reports\/baseline\.json .*: 1 new failure, 0 fixed, 13 still failing, 0 changed, 10 unchanged/);
  assert.match(md, /### Changes against the baseline/);
  assert.match(md, new RegExp(`\\| ${w.id} \\| ${w.transport} \\| new failure \\| pass \\| fail \\|`));
  assert.match(renderJunit(now), /baseline: new failure \(pass -&gt; fail\)/);
  const html = renderHtml(now);
  assert.match(html, new RegExp(`<tr data-change="new-failure"><td><span class="chg new-failure">new failure</span></td><td><a href="#c-${w.transport}-${w.id}">${w.id}</a>`));
  assert.match(html, /<input type="checkbox" name="change" value="new-failure" checked>/, 'filter by change');
});

test('timeline data: journal samples and call stats, client bytes, spans with outcomes, FIN events', () => {
  const doc = faultyRun();
  const win = chartOf(doc.scenarios.h1!.window!)!;
  assert.ok(win.aligned);
  assert.equal(win.series.map((s) => s.kind), ['current', 'sent', 'flight', 'client']);
  for (const s of win.series) assert.is(s.values.length, win.xs.length);
  assert.ok(win.xs.every((x, i) => i === 0 || x > win.xs[i - 1]!), 'x strictly increasing');
  assert.is(win.window, 131072);
  // window-ignored: the 8 MiB fill write returns nil with nothing sent.
  assert.ok(win.spans.some((s) => s.outcome === 'nil' && /write k=0 8,388,608 B/.test(s.label)), JSON.stringify(win.spans.map((s) => s.label)));
  assert.ok(Math.max(...win.series.find((s) => s.kind === 'flight')!.values.map((v) => v ?? 0)) >= 8 * 1024 * 1024);

  const fin = chartOf(doc.scenarios.h1!['cancel-fin']!)!;
  assert.ok(fin.marks.some((m) => m.kind === 'fin' && m.label === 'client FIN (close)'));
  assert.ok(fin.marks.some((m) => m.kind === 'end'));
  const client = fin.series.find((s) => s.kind === 'client')!;
  assert.ok(Math.max(...client.values.map((v) => v ?? 0)) > 70_000, 'client received > 70,000 B');
  const last = Math.max(...fin.spans.map((s) => s.t1), ...fin.marks.map((m) => m.t));
  assert.is(win.xs.length > 0 && fin.xs[fin.xs.length - 1], last, 'the axis reaches the last call or event');

  // window-ignored: every write of the partial-writes scenario returned nil, none timed out.
  const partial = chartOf(doc.scenarios.h1!['partial-writes']!)!;
  assert.ok(partial.spans.filter((s) => /^write k=/.test(s.label)).every((s) => s.outcome === 'nil'));
});

test('timeline data: each outcome of a call', () => {
  const stats = { current: 0, sent: 0, cancelled: false, headers_were_sent: true };
  const c = chartOf({
    scenario: 'made-up', transport: 'h1', timeline: [],
    journals: [{
      id: 'x', v: 1, done: true, transport: { http: '1.1', tls: false }, origin_unix_ms: 1000,
      effective: { send_window: 65536, send_timeout: 30 }, samples: [[0, 0, 0], [5, 100, 50]],
      entries: [
        { i: 0, op: 'write', k: 0, bytes: 10, t0: 0, t1: 1, stats, result: null },
        { i: 1, op: 'write', k: 1, bytes: 10, t0: 1, t1: 401, timeout: 0.4, stats, result: { cancelled: false, body_bytes_sent: 4 } },
        { i: 2, op: 'write', k: 2, bytes: 10, t0: 401, t1: 402, stats, result: { cancelled: true, body_bytes_sent: 0 } },
        { i: 3, op: 'wait', pos: 100, t0: 402, t1: 902, timeout: 0.5, stats, result: { cancelled: false } },
        { i: 4, op: 'sleep', t0: 902, t1: 1000 },
      ],
      end: { reason: 'cancelled', t: 1000 },
    }],
  })!;
  assert.equal(c.spans.map((s) => s.outcome), ['nil', 'partial', 'cancelled', 'timed-out', 'other']);
  assert.is(c.spans[1]!.label, 'write k=1 10 B, timeout 0.4 s: timed out, partial: 4 B sent, after 400.0 ms');
  assert.is(c.spans[3]!.label, 'wait pos 100, timeout 0.5 s: timed out, after 500.0 ms');
  assert.equal(c.series.map((s) => s.kind), ['current', 'sent', 'flight']);
  assert.is(c.marks.at(-1)!.label, 'handler ended: cancelled');
});

test('HTML: an HTTP/2 run shows how each stream ended and its record in words (settings, windows, violations)', () => {
  const responses = [
    { index: 0, status: 200, framing: 'data-frames', bodyBytes: 65_535, completion: 'reset-by-peer', anomalies: [], error: null,
      h2: { streamId: 1, endStream: false, resetCode: 'INTERNAL_ERROR', resetBy: 'server', paddingBytes: 0 } },
    { index: 1, status: 200, framing: 'data-frames', bodyBytes: 1000, completion: 'complete', anomalies: [], error: null,
      h2: { streamId: 3, endStream: true, resetCode: null, resetBy: null, paddingBytes: 7 } },
  ];
  const t = responsesTable(responses);
  assert.match(t, /stream 1: RST_STREAM INTERNAL_ERROR from the server/);
  assert.match(t, /stream 3: END_STREAM, 7 B padding/);
  const run = faultyRun();
  const s = { ...Object.values(run.scenarios.h1!)[0]!, h2: {
    settings: [['INITIAL_WINDOW_SIZE', 1000]], connectionWindow: { initial: 65_535, granted: 70_000, received: 71_000, excess: 1000 },
    windowUpdatesSent: { stream: 3, connection: 2 }, violations: [{ code: 'H2-01', rule: 'RFC 9113 6.9.1', streamId: 1, message: `over ${HOSTILE}` }],
  } };
  const x = extrasTable(s as never);
  assert.match(x, /our SETTINGS INITIAL_WINDOW_SIZE=1000/);
  assert.match(x, /connection window: granted 70,000 B, received 71,000 B, EXCESS 1,000 B/);
  assert.match(x, /1 violation\(s\): H2-01 \(RFC 9113 6\.9\.1\) stream 1/);
  assert.not.match(x, /<img|<script/);
  const chart = chartOf({ ...s, timeline: [
    { type: 'connect', t: 1000 }, { type: 'socket-pause', t: 1001 }, { type: 'rst-stream', t: 1010, index: 1, streamId: 3, direction: 'sent', errorCode: 'CANCEL' },
    { type: 'rst-stream', t: 1020, index: 0, streamId: 1, direction: 'received', errorCode: 'INTERNAL_ERROR' }, { type: 'goaway', t: 1030, direction: 'sent', errorCode: 'NO_ERROR' },
    { type: 'socket-resume', t: 1040 },
  ] } as never)!;
  const labels = chart.marks.map((m) => `${m.kind}: ${m.label}`);
  for (const l of ['pause: client stops reading the socket', 'rst: client RST_STREAM CANCEL on response #2', 'rst: server RST_STREAM INTERNAL_ERROR on response #1',
    'fin: GOAWAY from client (NO_ERROR)', 'resume: client reads the socket again']) assert.ok(labels.includes(l), `${l} in ${labels.join(' | ')}`);
});

test('JUnit: passes the JUnit schema (xmllint); failure, skip and hostile text included', async () => {
  const doc = hostileRun();
  const fail = doc.results.find((r) => r.verdict.status === 'pass')!;
  fail.verdict = { status: 'skip', reason: `not claimed ${HOSTILE}` };
  const xml = renderJunit(doc);
  const r = await xmllint(xml);
  assert.ok(r.ok, r.out);
  assert.is([...xml.matchAll(/<testsuite /g)].length, new Set(doc.results.map((x) => `${x.group} ${x.transport}`)).size, 'one testsuite per group and transport');
  assert.is([...xml.matchAll(/<failure /g)].length, 14);
  assert.is([...xml.matchAll(/<skipped /g)].length, 1);
  assert.not.match(xml, /<error/);
  assert.not.match(xml, /<img/);
  assert.match(xml, /<testsuites name="dawdle conformance" tests="24" failures="14" errors="0" skipped="1"/);
});

test('JUnit: an error verdict is <error> (not <failure>) with what the harness saw and the hint, counted in errors=; passes the schema', async () => {
  const { doc, errors } = runWithErrors();
  const xml = renderJunit(doc);
  const r = await xmllint(xml);
  assert.ok(r.ok, r.out);
  assert.is([...xml.matchAll(/<error /g)].length, 2);
  assert.is([...xml.matchAll(/<failure /g)].length, 13);
  assert.match(xml, /<testsuites name="dawdle conformance" tests="24" failures="13" errors="2" skipped="0"/);
  const e = errors[0]!;
  const inSuite = errors.filter((x) => x.group === e.group && x.transport === e.transport).length;
  const suite = new RegExp(`<testsuite name="${e.group} \\(h1\\)" [^>]*errors="${inSuite}"`);
  assert.match(xml, suite, 'the suite holding it counts it');
  const tc = new RegExp(`<testcase name="${e.id} [^"]*" classname="dawdle\\.h1\\.${e.group}" time="[\\d.]+">\\n      <error message="could not judge: ERR_JOURNAL: journal dw-x: 404 gone &lt;img[^"]*" type="ERR_JOURNAL">could not judge: ERR_JOURNAL[^<]*\\nhint: the target&apos;s journal endpoint answered 404`);
  assert.match(xml, tc);
  assert.match(xml, /<error message="could not judge: ERR_CHECK_TIMEOUT: [^"]*" type="ERR_CHECK_TIMEOUT">/);
  assert.not.match(xml, /<img/);
});

test('the JUnit schema check is not a rubber stamp: it rejects broken documents', async () => {
  const good = renderJunit(faultyRun());
  for (const [what, bad] of [
    ['a testcase without a name', good.replace(/<testcase name="[^"]*"/, '<testcase')],
    ['a negative time', good.replace(/time="[0-9.]+"/, 'time="-1"')],
    ['an unknown element', good.replace('</testsuites>', '<bogus/></testsuites>')],
    ['skipped and failure in one case', good.replace(/<failure /, '<skipped/><failure ')],
  ] as const) {
    assert.not.ok((await xmllint(bad)).ok, what);
  }
});

test.run();
