import type { Handler, Site } from './types.ts';

/** HTTPNG's `sites`: path prefixes, first match wins; a prefix matches on a segment boundary. */
export class Router {
  readonly #sites: Array<{ prefix: string; handler: Handler }>;

  constructor(sites: readonly Site[]) {
    this.#sites = sites.map((s) => ({ prefix: s.path.replace(/\/+$/, ''), handler: s.handler }));
  }

  match(path: string): Handler | null {
    for (const s of this.#sites) {
      if (s.prefix === '' || path === s.prefix || path.startsWith(`${s.prefix}/`)) return s.handler;
    }
    return null;
  }
}
