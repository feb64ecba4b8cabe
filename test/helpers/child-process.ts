import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** A compiled entry point (`dist/...`) run as its own process, output captured, killed on cleanup. */
export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when the output contains `text`; rejects on exit or timeout with the output so far. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

export function runDist(entry: string, env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', entry)], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')));
  return {
    child,
    output: () => out,
    waitForOutput(text, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const matches = (): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out));
        const timer = setInterval(() => {
          if (matches()) {
            clearInterval(timer);
            resolve();
          } else if (child.exitCode !== null || Date.now() > deadline) {
            clearInterval(timer);
            reject(new Error(`${entry}: ${child.exitCode !== null ? `exited ${child.exitCode}` : 'timed out'} before printing ${String(text)}:\n${out}`));
          }
        }, 50);
        const deadline = Date.now() + timeoutMs;
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
