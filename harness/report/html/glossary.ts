// Titles the report shows beside IDs, read from the project's docs (one source): requirement
// group titles from docs/requirements.md ("## WIN: send window") and interpretation titles from
// docs/interpretations.md ("## I-2 A timed-out write withdraws its unsent rest"). Missing docs
// only mean the report shows bare IDs.
import { readFileSync } from 'node:fs';

function headings(file: string, re: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(new URL(`../../../docs/${file}`, import.meta.url), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m) out.set(m[1]!, m[2]!.replace(/`/g, '').trim());
  }
  return out;
}

let cache: { groups: Map<string, string>; interpretations: Map<string, string> } | undefined;

export function glossary(): { groups: Map<string, string>; interpretations: Map<string, string> } {
  cache ??= {
    groups: headings('requirements.md', /^## ([A-Z0-9]+): (.+)$/),
    interpretations: headings('interpretations.md', /^## (I-\d+) (.+)$/),
  };
  return cache;
}
