/**
 * Standalone worker (`npm run worker`): polls the task queue of an existing Temporal server
 * (TEMPORAL_ADDRESS, default 127.0.0.1:7233) until SIGINT/SIGTERM, then shuts down gracefully and exits 0.
 */
import { createActivities } from '../activities';
import { bootConfig } from '../config/boot';
import { openProcessRuntime } from '../runtime/process-runtime';
import { createWorkerPipelineDeps } from './pipeline-deps';
import { connectNativeWithRetry, installWorkerRuntime } from './runtime';
import { createWorker } from './worker';

async function main(): Promise<void> {
  const { config, logger } = bootConfig('worker');
  installWorkerRuntime(logger);
  const address = config.temporal.address ?? '127.0.0.1:7233';

  const abort = new AbortController();
  let signals = 0;
  let stop: () => void = () => abort.abort(new Error('interrupted before the worker started'));
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn(`${sig} again: exiting now`);
      process.exit(130);
    }
    logger.info(`${sig}: shutting down the worker (press Ctrl-C again to force)`);
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runtime = openProcessRuntime(config, logger);
  const pipelineDeps = await createWorkerPipelineDeps(config, runtime.gateway, logger);
  const connection = await connectNativeWithRetry({ address, logger, signal: abort.signal });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: createActivities({ logger, pipeline: pipelineDeps.pipeline }),
    });
    stop = () => {
      try {
        worker.shutdown();
      } catch (err) {
        logger.warn({ err }, 'worker.shutdown() failed');
      }
    };
    logger.info(
      `Worker polling task queue ${config.temporal.taskQueue} (namespace ${config.temporal.namespace}) at ${address}`,
    );
    const running = worker.run();
    if (signals > 0) stop(); // interrupted while the worker was being created
    await running;
    logger.info('Worker stopped');
  } finally {
    await connection.close();
    await pipelineDeps.close();
    await runtime.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof Error && /interrupted before the worker started/.test(err.message)) process.exit(0);
    console.error('worker:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
