// The capacity reports: the HTML report in headless Chromium (Debian's, through playwright-core,
// as test/report/browser.test.ts does for the conformance report): every chart draws, the page
// makes no request at all and logs no error, hostile target strings stay text; the markdown and
// console renderings of the same document. A screenshot goes to reports/ (git-ignored).
//
// @test weight 5
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { capacityCharts, renderCapacityHtml } from '../../harness/capacity/report-html.ts';
import { capacityLines, consoleTable, renderMarkdown } from '../../harness/capacity/report-text.ts';
import { capacityDoc } from './fixtures.ts';

interface Canvas { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
declare const document: { querySelector(selector: string): unknown; body: { dataset: Record<string, string> } };
declare const window: { __pwned?: number };

const CHROMIUM = process.env.DAWDLE_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = new URL('../../reports/', import.meta.url).pathname;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const dir = mkdtempSync(join(tmpdir(), 'dawdle-capacity-browser-'));
let ctx: BrowserContext;

test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (scripts/ci-extra.sh does)`);
  ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 120_000, viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1,
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

test.after(async () => {
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(html: string, name: string) {
  const file = join(dir, name);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const page = await ctx.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  return { page, requests, errors, url };
}

test('HTML: every chart draws, no request, no error; the finding leads', async () => {
  const doc = capacityDoc({ stale: true });
  const specs = capacityCharts(doc);
  // vs-N charts (p99, errors, resources, goodput, staleness) and one timeline per step.
  assert.is(specs.length, 5 + doc.runs.reduce((s, r) => s + r.steps.length, 0));
  const { page, requests, errors, url } = await open(renderCapacityHtml(doc), 'capacity.html');
  await page.waitForFunction(() => document.body.dataset.chartsDone !== undefined, undefined, { timeout: 30_000 });
  assert.is(await page.locator('.chart[data-rendered="true"]').count(), specs.length);
  assert.equal(errors, []);
  assert.equal(requests, [url]);
  assert.match(await page.locator('#headline').innerText(), /200 "3g" clients within the SLO/);
  assert.match(await page.locator('#sentence').innerText(), /Plan for at most 200/);
  assert.is(await page.locator('#steps tbody tr').count(), 8);
  assert.is(await page.locator('#steps tbody tr.broken').count(), 2);
  // The p99 line of the first profile (blue) is drawn on its canvas.
  const blue = await page.evaluate(() => {
    const c = (document.querySelector('#chart-p99 canvas') as Canvas);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 200 && Math.abs(d[i]! - 9) < 30 && Math.abs(d[i + 1]! - 105) < 30 && Math.abs(d[i + 2]! - 218) < 30) n++;
    return n;
  });
  assert.ok(blue > 50, `blue pixels: ${blue}`);
  await page.screenshot({ path: join(ARTIFACTS, 'capacity-chromium.png'), fullPage: true });
});

test('HTML: hostile strings from the target stay text', async () => {
  const html = renderCapacityHtml(capacityDoc({ hostile: true }));
  assert.not.match(html.split('<script type="application/json"')[0]!, /<img src=x/);
  const { page, errors } = await open(html, 'hostile.html');
  await page.waitForFunction(() => document.body.dataset.chartsDone !== undefined, undefined, { timeout: 30_000 });
  assert.is(await page.evaluate(() => window.__pwned), undefined);
  assert.is(await page.locator('img').count(), 0);
  assert.match(await page.locator('header').innerText(), /dawdle-reference<img src=x/);
  assert.equal(errors.filter((e) => !/Content Security Policy/.test(e)), []);
});

test('markdown and console', () => {
  const doc = capacityDoc({ stale: true });
  const md = renderMarkdown(doc);
  assert.match(md, /^## dawdle staleness: 200 "3g" clients/);
  assert.match(md, /\| profile \| N \| SLO \|/);
  assert.match(md, /AoI ms/);
  assert.is(md.split('\n').filter((l) => l.startsWith('| 3g') || l.startsWith('| gprs')).length, 8);
  const table = consoleTable(doc).split('\n');
  assert.is(table.length, 9);
  assert.match(table[4]!, /BROKEN/);
  assert.match(capacityLines(doc), /capacity \(3g\): 200 slow clients; knee .*gave out first: latency at 300/);
  const hostile = renderMarkdown(capacityDoc({ hostile: true }));
  assert.not.match(hostile, /<(img|script)/);
  assert.match(hostile, /&lt;script&gt;/);
});

test.run();
