import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { FunctionRegistry } from '../../activities/functions/function-registry';
import { loadConfig } from '../../config/load-config';
import { GatewayRuntime } from '../../gateway/routing/gateway-runtime';
import { type EventLog, InProcessEventLog } from '../../pipelines/event-log';
import { MemoryUsageLedger, type UsageLedger } from '../../pipelines/usage-ledger';
import type { PipelineDefinition, PipelineInput } from '../../pipelines/definition/types';
import { createWorker } from '../../workers/worker';

/**
 * An in-process pipeline worker on a real dev server, routing to the given provider env (fake providers over
 * HTTP): the same activities, runtime, event log, ledger and function registry a real worker builds.
 */
export interface PipelineHarness {
  client: Client;
  taskQueue: string;
  events: EventLog;
  ledger: UsageLedger;
  runtime: GatewayRuntime;
  worker: Worker;
  close(): Promise<void>;
}

export async function startPipelineHarness(opts: {
  address: string;
  namespace: string;
  providerEnv: Record<string, string>;
  taskQueue?: string;
  events?: EventLog;
  ledger?: UsageLedger;
  httpAllowlist?: string[];
}): Promise<PipelineHarness> {
  const taskQueue = opts.taskQueue ?? `pipeline-test-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const config = loadConfig({ LOG_LEVEL: 'silent', CB_DATA_DIR: '/tmp/cb-test-data', ...opts.providerEnv });
  const runtime = new GatewayRuntime(config.providers, () => config.routing);
  const events = opts.events ?? new InProcessEventLog();
  const ledger = opts.ledger ?? new MemoryUsageLedger();
  const functions = FunctionRegistry.withBuiltIns({ httpAllowlist: opts.httpAllowlist ?? [] });
  const nativeConnection = await NativeConnection.connect({ address: opts.address });
  const connection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection, namespace: opts.namespace });
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: opts.namespace,
    taskQueue,
    activities: createActivities({ pipeline: { runtime, events, ledger, functions } }),
    maxHeartbeatThrottleInterval: '1 second',
  });
  const running = worker.run();
  return {
    client,
    taskQueue,
    events,
    ledger,
    runtime,
    worker,
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await nativeConnection.close();
    },
  };
}

export function pipelineInput(definition: PipelineDefinition, initialData: PipelineInput['initialData'] = {}): PipelineInput {
  return { definition, initialData, caller: 'jest' };
}

/** A compiled definition with defaults for what a test does not care about. */
export function definition(partial: Partial<PipelineDefinition> & Pick<PipelineDefinition, 'transitions' | 'states' | 'terminal'>): PipelineDefinition {
  return { id: 'test_pipeline', version: 1, name: 'Test pipeline', agents: [], functions: [], rules: {}, initial: 'start', maxIterations: 5, ...partial };
}

/** SDK logs at ERROR only: these tests fail activities and workflows on purpose (call before the test env). */
export function quietPipelineLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this module registry
  }
}
