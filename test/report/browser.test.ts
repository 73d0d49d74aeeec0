// The HTML report in a real browser (Debian's chromium through playwright-core): the matrix and
// the charts render, the filters work, links lead to the evidence, the page makes no request at
// all, and hostile target text stays text. Screenshots are saved under reports/ (git-ignored) as
// test artifacts.
//
// @test weight 5
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { TOOLS } from '../../harness/tools/catalogue.ts';
import { renderHtml } from '../../harness/report/html/index.ts';
import { faultyRun, hostileRun } from './fixtures.ts';

// Browser globals used inside page.evaluate() callbacks, which run in the page (the project's
// tsconfig has no DOM library).
interface Canvas { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
declare const document: { querySelector(selector: string): unknown };
declare const window: { __pwned?: number };
declare const location: { hash: string };
declare function getComputedStyle(el: unknown): { backgroundColor: string };

const CHROMIUM = TOOLS.chromium.locate() ?? '/usr/bin/chromium';
const ARTIFACTS = new URL('../../reports/', import.meta.url).pathname;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const dir = mkdtempSync(join(tmpdir(), 'dawdle-browser-'));
let ctx: BrowserContext;

interface Opened {
  page: Page;
  requests: string[];
  /** "url: reason" of requests that failed (a blocked one still counts as a request above). */
  failed: string[];
  errors: string[];
  url: string;
}

async function open(html: string, name: string): Promise<Opened> {
  const file = join(dir, name);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const page = await ctx.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  const failed: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText ?? '?'}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  return { page, requests, failed, errors, url };
}

/** How many pixels of a chart's canvas have about this colour. */
async function pixelsOf(page: Page, selector: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(([sel, [r, g, b]]) => {
    const canvas = document.querySelector(sel) as Canvas;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3]! > 200 && Math.abs(d[i]! - r) < 30 && Math.abs(d[i + 1]! - g) < 30 && Math.abs(d[i + 2]! - b) < 30) n++;
    }
    return n;
  }, [selector, rgb] as const);
}

const visibleSections = (page: Page) => page.locator('section.check:not([hidden])').count();

test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (the test setup does: node --import tsx scripts/test-setup.ts)`);
  ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 120_000,
    viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1,
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});

test.after(async () => {
  await ctx?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the report of a faulty server: matrix, charts, filters, links; no request at all', async () => {
  const doc = faultyRun();
  const fails = doc.results.filter((r) => r.verdict.status === 'fail');
  const { page, requests, errors, url } = await open(renderHtml(doc), 'faulty.html');

  // The matrix: one row per requirement, failing cells red and counted.
  const ids = new Set(doc.results.map((r) => r.id));
  assert.is(await page.locator('#matrix tbody tr.req').count(), ids.size);
  assert.is(await page.locator('#matrix td.cell.fail').count(), fails.length);
  const red = await page.locator('#matrix td.cell.fail').first().evaluate((td) => getComputedStyle(td).backgroundColor);
  assert.is(red, 'rgb(207, 34, 46)');
  assert.match(await page.locator('.banner').innerText(), /FAIL\s+dawdle conformance/);
  await page.screenshot({ path: join(ARTIFACTS, 'report-chromium-matrix.png') });

  // A failing cell leads to its evidence; its chart renders there (lazily, once in view). CXL-01
  // on h1: the client left (FIN) and the handler's writes kept returning nil (cancel-unreported).
  const first = fails.find((r) => r.id === 'CXL-01' && r.transport === 'h1')!;
  assert.ok(first, 'CXL-01 fails on h1 in the fixture');
  const sel = `#c-${first.transport}-${first.id}`;
  await page.locator(`#matrix td.cell.fail a[href="${sel}"]`).click();
  assert.is(new URL(page.url()).hash, sel);
  await page.locator(`${sel} .chart[data-rendered="true"]`).first().waitFor({ timeout: 30_000 });
  await page.locator(sel).scrollIntoViewIfNeeded();
  const canvas = `${sel} .chart canvas`;
  assert.ok(await pixelsOf(page, canvas, [9, 105, 218]) > 50, 'the "current" series is drawn');
  assert.ok(await pixelsOf(page, canvas, [45, 164, 78]) > 50, 'call spans (nil, green) are drawn');
  assert.match(await page.locator(`${sel} table.verdict`).innerText(), /expected[\s\S]*actual/);
  await page.locator(sel).screenshot({ path: join(ARTIFACTS, 'report-chromium-check.png') });

  // Hovering the chart reads out the calls at that moment.
  const box = (await page.locator(`${sel} .chart .u-over`).first().boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height - 5);
  assert.match(await page.locator(`${sel} .readout`).first().innerText(), /^t = -?[\d.]+ ms/);

  // Filters: failures only, one transport, one group off; "show all" brings everything back.
  assert.is(await visibleSections(page), doc.results.length);
  await page.locator('button[data-preset="failures"]').click();
  assert.is(await visibleSections(page), fails.length);
  assert.is(await page.locator('section.check.st-pass:not([hidden])').count(), 0);
  assert.ok(await page.locator('#matrix td.cell.pass.dim').count() > 0, 'passing cells dimmed');
  await page.locator('input[name="transport"][value="h1tls"]').uncheck();
  assert.is(await visibleSections(page), fails.filter((r) => r.transport === 'h1').length);
  assert.ok(await page.locator('#matrix th[data-transport="h1tls"]').isHidden(), 'h1tls column hidden');
  await page.locator('input[name="group"][value="WIN"]').uncheck();
  assert.is(await visibleSections(page), fails.filter((r) => r.transport === 'h1' && r.group !== 'WIN').length);
  assert.is(await page.locator('#matrix tr.req[data-group="WIN"]:not([hidden])').count(), 0);
  assert.match(await page.locator('#shown-count').innerText(), /^\d+ of 24 verdicts shown$/);
  await page.locator('button[data-preset="all"]').click();
  assert.is(await visibleSections(page), doc.results.length);

  // A link to a verdict the filters hide shows everything again.
  await page.locator('input[name="status"][value="pass"]').uncheck();
  const passId = `c-${doc.results.find((r) => r.verdict.status === 'pass')!.transport}-${doc.results.find((r) => r.verdict.status === 'pass')!.id}`;
  assert.ok(await page.locator(`#${passId}`).isHidden());
  await page.evaluate((id) => { location.hash = id; }, passId);
  await page.locator(`#${passId}`).waitFor({ state: 'visible', timeout: 10_000 });

  assert.equal(requests, [url], `the page requested only itself: ${requests.join(', ')}`);
  assert.equal(errors, [], `no console errors (CSP, script): ${errors.join(' | ')}`);
  await page.close();
});

test('hostile strings from the target stay text in the browser', async () => {
  const { page, requests, errors, url } = await open(renderHtml(hostileRun()), 'hostile.html');
  assert.is(await page.evaluate(() => window.__pwned), undefined);
  assert.is(await page.locator('img').count(), 0);
  assert.match(await page.locator('.banner h1').innerText(), /evil <img src=x onerror="window.__pwned=1">/);
  // Charts of the h1 scenarios carry the hostile journal error in their events; they still draw.
  const sel = '#c-h1-WIN-02';
  await page.locator(sel).scrollIntoViewIfNeeded();
  await page.locator(`${sel} .chart[data-rendered="true"]`).first().waitFor({ timeout: 30_000 });
  assert.equal(requests, [url]);
  assert.equal(errors, []);
  await page.close();
});

test('sanity: the listener sees requests, and the CSP stops a script that got into the page', async () => {
  const probe = await open('<!doctype html><img src="http://127.0.0.1:9/x.png">', 'probe.html');
  assert.ok(probe.requests.includes('http://127.0.0.1:9/x.png'), probe.requests.join(', '));
  await probe.page.close();
  // As if an injection had slipped through the escaping: the policy still refuses to run it.
  const html = renderHtml(faultyRun()).replace('</body>', '<script>window.__pwned = 3</script><img src="http://127.0.0.1:9/y.png"></body>');
  const { page, failed, errors } = await open(html, 'injected.html');
  assert.is(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(failed, ['http://127.0.0.1:9/y.png: csp'], 'the policy blocks the image (failure reason "csp")');
  assert.ok(errors.some((e) => /Content Security Policy/.test(e)), errors.join(' | '));
  await page.close();
});

test.run();
