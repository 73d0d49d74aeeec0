// What the HTML report inlines, read at render time: uPlot (script and stylesheet, from
// node_modules) and the report's own stylesheet and page script (assets/). Nothing is fetched
// by the page: everything it uses is in the file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface Assets {
  uplotJs: string;
  uplotCss: string;
  css: string;
  js: string;
}

let cache: Assets | undefined;

function own(name: string): string {
  return readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
}

export function assets(): Assets {
  if (cache) return cache;
  const a: Assets = {
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    css: own('report.css'),
    js: own('report.js'),
  };
  for (const [k, v] of Object.entries(a)) {
    // Inlined text must not be able to end its own <script>/<style> element.
    if (/<\/(script|style)/i.test(v)) throw new Error(`report asset ${k} contains a closing tag; cannot inline it`);
  }
  cache = a;
  return a;
}
