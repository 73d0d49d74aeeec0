// --path with a size template: `--path '/gen?bytes={size}' --size 64MiB` asks a server that makes
// its responses to order (a generator endpoint) for a response of that many bytes. `{size}` is
// the only placeholder and becomes the size in bytes, in decimal; --size is bytes, or a number with
// a unit: KiB, MiB, GiB (powers of 1024) or kB, MB, GB (powers of 1000).
export class SizeTemplateError extends Error {
  override readonly name = 'SizeTemplateError';
}

const UNITS: Record<string, number> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, kB: 1000, KB: 1000, MB: 1000 ** 2, GB: 1000 ** 3 };
/** The largest --size: more than any response a check reads. */
export const MAX_SIZE = 64 * 1024 ** 3;

/** Bytes from "67108864", "64MiB", "1.5 GB"; throws SizeTemplateError. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text.trim());
  if (m === null || !(m[2]! in UNITS)) throw new SizeTemplateError(`--size: "${text}" is not a size (bytes, or a number with KiB, MiB, GiB, kB, MB or GB, e.g. 64MiB)`);
  const bytes = Math.round(Number(m[1]) * UNITS[m[2]!]!);
  if (bytes < 1) throw new SizeTemplateError(`--size: "${text}" is 0 bytes`);
  if (bytes > MAX_SIZE) throw new SizeTemplateError(`--size: "${text}" is more than 64 GiB`);
  return bytes;
}

/** --path with {size} filled in; throws SizeTemplateError for a bad template or a --size without one. */
export function expandPath(path: string, size: number | undefined): string {
  const placeholders = [...path.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
  const unknown = placeholders.find((p) => p !== 'size');
  if (unknown !== undefined) throw new SizeTemplateError(`--path: unknown placeholder {${unknown}} (the only one is {size})`);
  if (/[{}]/.test(path.replace(/\{size\}/g, ''))) throw new SizeTemplateError(`--path: "${path}" has a brace that is not part of {size}`);
  if (placeholders.length === 0) {
    if (size !== undefined) throw new SizeTemplateError(`--size needs a --path template with {size} in it (e.g. --path '/gen?bytes={size}')`);
    return path;
  }
  if (size === undefined) throw new SizeTemplateError(`--path "${path}" has {size}: give --size (e.g. --size 64MiB)`);
  return path.replace(/\{size\}/g, String(size));
}
