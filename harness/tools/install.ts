// Installs missing tools: Debian packages with one `apt-get update` and one `apt-get install` for
// all of them (root only), Go modules with `go install` into TOOLS_DIR. Quiet: each install's own
// output goes to a log under TOOLS_DIR/logs, and only its last lines are shown when it fails.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstExisting, manualInstall, onPath, TOOLS_DIR, type Tool } from './tool.ts';

export interface Missing {
  tool: Tool;
  /** Why it could not be installed, and how to get it, in one line. */
  why: string;
}

export interface EnsureResult {
  present: Tool[];
  installed: Tool[];
  missing: Missing[];
}

const LOG_DIR = join(TOOLS_DIR, 'logs');

/** Runs `cmd`, its output appended to `log`; resolves with its exit code (127 when it cannot start). */
function run(cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  mkdirSync(LOG_DIR, { recursive: true });
  const out = createWriteStream(log, { flags: 'a' });
  out.write(`\n$ ${cmd} ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', () => { out.end(); resolve(127); });
    child.on('close', (code) => { out.end(); resolve(code ?? 1); });
  });
}

function tail(log: string, lines = 3): string {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

const isRoot = (): boolean => process.getuid?.() === 0;

async function installApt(tools: Tool[], log: (line: string) => void): Promise<Missing[]> {
  if (tools.length === 0) return [];
  const pkgs = [...new Set(tools.map((t) => (t.recipe as { package: string }).package))];
  const fail = (why: string) => tools.map((tool) => ({ tool, why: `${why}; get it with: ${manualInstall(tool)}` }));
  if (onPath('apt-get') === null) return fail('no apt-get on this machine');
  if (!isRoot()) return fail('not root, so apt-get cannot install it');
  log(`installing ${tools.map((t) => t.name).join(', ')} with apt-get (Debian packages ${pkgs.join(' ')})`);
  const logFile = join(LOG_DIR, 'apt.log');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (await run('apt-get', ['update', '-q'], logFile, env) !== 0) return fail(`apt-get update failed (${tail(logFile)}; log: ${logFile})`);
  const code = await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...pkgs], logFile, env);
  if (code !== 0) return fail(`apt-get install ${pkgs.join(' ')} failed (${tail(logFile)}; log: ${logFile})`);
  return tools.filter((t) => t.locate() === null).map((tool) => ({ tool, why: `apt-get installed ${pkgs.join(' ')} but ${tool.name} is still not found` }));
}

/** The Go toolchain: on PATH, or where the official tarball puts it. */
function goBinary(): string | null {
  return onPath('go') ?? firstExisting('/usr/local/go/bin/go');
}

async function installGo(tools: Tool[], log: (line: string) => void): Promise<Missing[]> {
  const go = goBinary();
  const missing: Missing[] = [];
  for (const tool of tools) {
    const r = tool.recipe as Extract<Tool['recipe'], { kind: 'go' }>;
    if (go === null) {
      missing.push({ tool, why: `Go is not installed, so ${tool.name} cannot be built; install Go, then: ${manualInstall(tool)}` });
      continue;
    }
    log(`building ${tool.name} with go install ${r.module}@${r.version} into .tools/`);
    const logFile = join(LOG_DIR, `${tool.name}.log`);
    const code = await run(go, ['install', `${r.module}@${r.version}`], logFile, { ...process.env, GOBIN: TOOLS_DIR, GOFLAGS: '-mod=mod' });
    if (code !== 0 || tool.locate() === null) missing.push({ tool, why: `go install ${r.module}@${r.version} failed (${tail(logFile)}; log: ${logFile})` });
  }
  return missing;
}

/**
 * Makes every tool of `tools` present if it can. `log` hears one line per install started; nothing
 * is printed for tools already present.
 */
export async function ensureTools(tools: Tool[], log: (line: string) => void = () => {}): Promise<EnsureResult> {
  const present = tools.filter((t) => t.locate() !== null);
  const absent = tools.filter((t) => t.locate() === null);
  const apt = absent.filter((t) => t.recipe.kind === 'apt');
  const go = absent.filter((t) => t.recipe.kind === 'go');
  // apt downloads while Go compiles: the two run side by side.
  const missing = (await Promise.all([installApt(apt, log), installGo(go, log)])).flat();
  const failed = new Set(missing.map((m) => m.tool));
  return { present, installed: absent.filter((t) => !failed.has(t)), missing };
}
