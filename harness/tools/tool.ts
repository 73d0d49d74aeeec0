// What dawdle and its tests use from outside npm, as data: where each tool is found and how it is
// installed (a Debian package through apt-get, or a Go module built into the git-ignored .tools/).
// `scripts/test-setup.ts` installs what the tests need; `dawdle doctor` reports the same list.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's git-ignored tools directory: Go-built tools live here. */
export const TOOLS_DIR = fileURLToPath(new URL('../../.tools', import.meta.url));

export type Recipe =
  | { kind: 'apt'; package: string }
  | { kind: 'go'; module: string; version: string; binary: string };

export interface Tool {
  name: string;
  /** What needs it, in a few words ("renders the HTML report in the report tests"). */
  purpose: string;
  /** Absolute path of the tool when present, else null. */
  locate(): string | null;
  recipe: Recipe;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` on PATH (plus the sbin directories, which a non-root PATH may lack), or null. */
export function onPath(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (d === '') continue;
    const p = join(d, name);
    if (existsSync(p) && executable(p)) return p;
  }
  return null;
}

/** The first of `paths` that exists and is executable, or null. */
export function firstExisting(...paths: string[]): string | null {
  return paths.find((p) => existsSync(p) && executable(p)) ?? null;
}

/** A Debian package's program, found on PATH (or at a fixed path). */
export function aptTool(name: string, pkg: string, purpose: string, locate: () => string | null = () => onPath(name)): Tool {
  return { name, purpose, locate, recipe: { kind: 'apt', package: pkg } };
}

/** A Go program built with `go install module@version` into TOOLS_DIR. */
export function goTool(name: string, module: string, version: string, purpose: string, locate: () => string | null = () => firstExisting(join(TOOLS_DIR, name))): Tool {
  return {
    name, purpose, locate,
    recipe: { kind: 'go', module, version, binary: name },
  };
}

/** How to get `tool` by hand, in one command. */
export function manualInstall(tool: Tool): string {
  const r = tool.recipe;
  return r.kind === 'apt'
    ? `apt-get install -y ${r.package} (as root)`
    : `GOBIN="$PWD/.tools" GOFLAGS=-mod=mod go install ${r.module}@${r.version}`;
}
