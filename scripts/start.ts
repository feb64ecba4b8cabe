/**
 * All-in-one supervisor (`npm start`): a Temporal dev server (unless TEMPORAL_ADDRESS points at one), the
 * worker and the API in one process. Ctrl-C / SIGTERM stops API (drain) → worker → dev server and exits 0;
 * a second Ctrl-C forces exit. If the worker, the API or the dev server dies, everything stops, exit 1.
 */
import path from 'node:path';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { startApiServer, type ApiServer } from '../api/server';
import type { AppConfig } from '../config/app-config';
import { bootConfig } from '../config/boot';
import { TemporalClientManager } from '../temporal/connection';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { PIPELINE_SEARCH_ATTRIBUTE_TYPES } from '../pipelines/definition/search-attributes';
import { ensureTemporalCli } from '../temporal/temporal-cli';
import { openProcessRuntime, type ProcessRuntime } from '../runtime/process-runtime';
import { createWorkerPipelineDeps, type WorkerPipelineDeps } from '../workers/pipeline-deps';
import { connectNativeWithRetry, installWorkerRuntime } from '../workers/runtime';
import { createWorker } from '../workers/worker';

interface Running {
  devServer?: DevServer;
  manager?: TemporalClientManager;
  nativeConnection?: NativeConnection;
  worker?: Worker;
  workerRun?: Promise<void>;
  runtime?: ProcessRuntime;
  pipelineDeps?: WorkerPipelineDeps;
  api?: ApiServer;
}

type Outcome = { kind: 'stop'; code: number } | { kind: 'crash'; what: string; error?: unknown };

class StopRequested extends Error {}

async function main(): Promise<number> {
  const { config, logger } = bootConfig('start');
  installWorkerRuntime(logger);

  const running: Running = {};
  const abort = new AbortController();
  let requestStop: (outcome: Outcome) => void = () => undefined;
  const stopRequested = new Promise<Outcome>((resolve) => {
    requestStop = (outcome) => {
      abort.abort(new StopRequested('stop requested'));
      resolve(outcome);
    };
  });

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn(`${sig} again: forcing exit`);
      process.exit(130); // the dev server's exit hook kills it
    }
    logger.info(`${sig}: shutting down (press Ctrl-C again to force)`);
    requestStop({ kind: 'stop', code: 0 });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', (error) => requestStop({ kind: 'crash', what: 'uncaught exception', error }));
  process.on('unhandledRejection', (error) => requestStop({ kind: 'crash', what: 'unhandled rejection', error }));

  let outcome: Outcome;
  try {
    await startAll(config, logger, running, abort.signal);
    printBanner(config, running);
    const workerRun = running.workerRun ?? Promise.resolve();
    const crashes: Array<Promise<Outcome>> = [
      workerRun.then(
        (): Outcome => ({ kind: 'crash', what: 'the worker stopped unexpectedly' }),
        (error: unknown): Outcome => ({ kind: 'crash', what: 'the worker failed', error }),
      ),
    ];
    if (running.devServer) {
      crashes.push(
        running.devServer.exited.then((how): Outcome => ({ kind: 'crash', what: `the Temporal dev server ended (${how})` })),
      );
    }
    outcome = await Promise.race([stopRequested, ...crashes]);
  } catch (error) {
    outcome = abort.signal.aborted ? await stopRequested : { kind: 'crash', what: 'start-up failed', error };
  }

  if (outcome.kind === 'crash') {
    const detail = outcome.error instanceof Error ? outcome.error.message : outcome.error ? String(outcome.error) : '';
    logger.fatal({ err: outcome.error }, `${outcome.what}${detail ? `: ${detail}` : ''}; stopping everything`);
  }
  await stopAll(running, logger);
  return outcome.kind === 'stop' ? outcome.code : 1;
}

async function startAll(config: AppConfig, logger: Logger, running: Running, signal: AbortSignal): Promise<void> {
  let address = config.temporal.address;
  if (!address) {
    const cliPath = await ensureTemporalCli(config.temporal.cliPath ? { explicitPath: config.temporal.cliPath } : {});
    signal.throwIfAborted();
    logger.info(`Starting the Temporal dev server (${cliPath}) ...`);
    running.devServer = await startDevServer({
      cliPath,
      dbFilename: path.join(config.dataDir, 'temporal.db'),
      port: config.temporal.devPort,
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      searchAttributes: PIPELINE_SEARCH_ATTRIBUTE_TYPES,
    });
    address = running.devServer.address;
    signal.throwIfAborted();
  }

  running.manager = new TemporalClientManager({ address, namespace: config.temporal.namespace, logger });
  running.manager.start();

  // One gateway runtime for the whole process: agent turns and /v1/chat/completions share circuits, key pools,
  // latency statistics, per-key limits and the hot-reloaded routing config.
  running.runtime = openProcessRuntime(config, logger);
  running.pipelineDeps = await createWorkerPipelineDeps(config, running.runtime.gateway, logger);
  running.nativeConnection = await connectNativeWithRetry({ address, logger, signal });
  running.worker = await createWorker({
    connection: running.nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities({ logger, pipeline: running.pipelineDeps.pipeline }),
  });
  // Run it even if a stop came in meanwhile: a created-but-never-run worker pins its connection open.
  running.workerRun = running.worker.run();
  signal.throwIfAborted();

  running.api = await startApiServer({ config, temporal: running.manager, logger, runtime: running.runtime });
}

/** Stops in order: API (drains in-flight requests) → worker → connections → dev server. Never throws. */
async function stopAll(running: Running, logger: Logger): Promise<void> {
  const step = async (what: string, fn: () => Promise<void> | void): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      logger.warn({ err }, `stopping ${what} failed`);
    }
  };
  if (running.api) await step('the API', () => running.api!.close());
  if (running.worker) {
    const worker = running.worker;
    await step('the worker', async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.workerRun;
    });
  }
  if (running.nativeConnection) await step('the worker connection', () => running.nativeConnection!.close());
  if (running.pipelineDeps) await step('the pipeline services', () => running.pipelineDeps!.close());
  if (running.runtime) await step('the gateway runtime', () => running.runtime!.close());
  if (running.manager) await step('the Temporal client', () => running.manager!.close());
  if (running.devServer) await step('the Temporal dev server', () => running.devServer!.stop());
  logger.info('Stopped');
}

function printBanner(config: AppConfig, running: Running): void {
  const temporal = running.devServer
    ? `${running.devServer.address} (local dev server, SQLite ${path.join(config.dataDir, 'temporal.db')})`
    : `${config.temporal.address} (external)`;
  const uiUrl = running.devServer ? (running.devServer.uiUrl ?? '(headless)') : config.temporal.uiUrl;
  const providers = config.demoMode
    ? 'none configured: DEMO MODE (demo/* models answer locally; set e.g. OPENAI_API_KEY for real ones)'
    : config.providers.map((p) => p.name).join(', ');
  const lines = [
    '',
    'Circuit Breaker is running',
    `  API            ${running.api?.url ?? '?'}`,
    `  Temporal gRPC  ${temporal}`,
    `  Temporal UI    ${uiUrl}`,
    `  Namespace      ${config.temporal.namespace}   task queue ${config.temporal.taskQueue}`,
    `  Data dir       ${config.dataDir}`,
    `  Providers      ${providers}`,
    'Press Ctrl-C to stop.',
    '',
  ];
  console.log(lines.join('\n'));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Configuration errors name the bad field; a stack trace would only hide that.
    const configError = err instanceof Error && err.name === 'ConfigError';
    console.error('start:', err instanceof Error ? (configError ? err.message : (err.stack ?? err.message)) : err);
    process.exit(1);
  },
);
