/**
 * Runs caller-controlled work (parsing definition text, evaluating a JSONata expression) in a child process bounded
 * in time and memory, so it can never stall — or crash — the process that serves the API (with `npm start` the
 * worker's activities share the API's process). A worker *thread* is not enough: V8 can abort the whole process
 * when a thread's heap limit is hit by one large allocation. A child per run (~50 ms to start), killed as soon as
 * it answered, timed out, or was cancelled.
 */
import { type Serializable, spawn } from 'node:child_process';

export interface IsolatedRunLimits {
  timeoutMs: number;
  /** Heap of the child; a run that needs more dies (reported as `memory`). */
  maxOldGenerationSizeMb: number;
  signal?: AbortSignal;
}

/** Why a run did not answer: too slow, too big, cancelled, or crashed. */
export class IsolatedRunError extends Error {
  constructor(
    readonly reason: 'timeout' | 'memory' | 'aborted' | 'crashed',
    message: string,
  ) {
    super(message);
    this.name = 'IsolatedRunError';
  }
}

/**
 * `code` is the body of an async CommonJS function of `(input, reply)`: it must call `reply(answer)` once. Modules it
 * needs come as resolved paths in `input`, so resolution never depends on the working directory.
 */
export async function runIsolated<T>(code: string, input: Serializable, limits: IsolatedRunLimits): Promise<T> {
  limits.signal?.throwIfAborted();
  const script = `process.once('message', async (input) => {
  const reply = (answer) => process.send(answer, () => process.exit(0));
  try { await (async (input, reply) => { ${code} })(input, reply); }
  catch (e) { process.send({ crashed: String(e && e.message) }, () => process.exit(1)); }
});`;
  const child = spawn(process.execPath, [`--max-old-space-size=${limits.maxOldGenerationSizeMb}`, '-e', script], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: {} });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4_096) stderr += d.toString();
  });
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      timer = setTimeout(() => reject(new IsolatedRunError('timeout', `did not finish within ${limits.timeoutMs} ms`)), limits.timeoutMs);
      onAbort = () => reject(new IsolatedRunError('aborted', 'cancelled'));
      limits.signal?.addEventListener('abort', onAbort, { once: true });
      child.once('message', (m: unknown) => {
        const crashed = (m as { crashed?: unknown } | null)?.crashed;
        if (typeof crashed === 'string') reject(new IsolatedRunError('crashed', crashed));
        else resolve(m as T);
      });
      child.once('error', (err) => reject(new IsolatedRunError('crashed', err.message)));
      child.once('exit', (code, sig) => {
        const oom = /heap out of memory|Reached heap limit/i.test(stderr);
        reject(oom ? new IsolatedRunError('memory', `needed more than ${limits.maxOldGenerationSizeMb} MB`) : new IsolatedRunError('crashed', `ended without an answer (${sig ?? code})`));
      });
      child.send(input);
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) limits.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
