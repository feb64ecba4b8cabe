/**
 * Locates the Temporal CLI (Node-only; never import from workflow code).
 * Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, <repo>/.tools/venv/bin/temporal. When none works,
 * `ensureTemporalCli()` runs `node scripts/setup-temporal.js --print-path`, which installs it.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const IS_WINDOWS = process.platform === 'win32';
const EXE = IS_WINDOWS ? '.exe' : '';
const SETUP_SCRIPT = path.join('scripts', 'setup-temporal.js');

/**
 * The repository root: the nearest ancestor holding scripts/setup-temporal.js. Works from the TS sources
 * (temporal/) and from the build (dist/temporal/), since the setup script is plain JS and is not compiled.
 */
export function findRepoRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, SETUP_SCRIPT))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find ${SETUP_SCRIPT} in any parent of ${from}`);
    dir = parent;
  }
}

function isWorkingCli(cliPath: string): boolean {
  const res = spawnSync(cliPath, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return !res.error && res.status === 0 && /^temporal version /i.test(res.stdout.trim());
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name + EXE);
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Returns the path of a working Temporal CLI, or undefined when none is installed.
 * Throws when TEMPORAL_CLI_PATH (or `explicitPath`) is set but does not work: an explicit choice is not
 * silently replaced.
 */
export function findTemporalCli(options: { env?: NodeJS.ProcessEnv; explicitPath?: string } = {}): string | undefined {
  const env = options.env ?? process.env;
  const explicit = options.explicitPath ?? env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (isWorkingCli(explicit)) return explicit;
    throw new Error(
      `TEMPORAL_CLI_PATH=${explicit} is not a working Temporal CLI (\`${explicit} --version\` failed). ` +
        'Fix the path or unset TEMPORAL_CLI_PATH to use/install the project-local CLI.',
    );
  }
  const onPath = findOnPath('temporal', env);
  if (onPath && isWorkingCli(onPath)) return onPath;
  let local: string;
  try {
    local = path.join(findRepoRoot(), '.tools', 'venv', IS_WINDOWS ? 'Scripts' : 'bin', 'temporal' + EXE);
  } catch {
    return undefined;
  }
  return fs.existsSync(local) && isWorkingCli(local) ? local : undefined;
}

/** Finds the CLI, installing it with scripts/setup-temporal.js when missing. Resolves to its path. */
export async function ensureTemporalCli(
  options: { env?: NodeJS.ProcessEnv; explicitPath?: string } = {},
): Promise<string> {
  const found = findTemporalCli(options);
  if (found) return found;
  const root = findRepoRoot();
  const script = path.join(root, SETUP_SCRIPT);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [script, '--print-path'],
      { cwd: root, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      (err, out, errOut) => {
        if (err) {
          const detail = String(errOut).trim() || err.message;
          reject(new Error(`Could not install the Temporal CLI (node ${SETUP_SCRIPT}): ${detail}`));
        } else {
          resolve(String(out));
        }
      },
    );
  });
  const cliPath = stdout.trim().split('\n').pop()?.trim();
  if (!cliPath) throw new Error(`node ${SETUP_SCRIPT} --print-path printed no path`);
  return cliPath;
}
