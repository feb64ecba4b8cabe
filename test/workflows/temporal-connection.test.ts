import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { TemporalClientManager, TemporalUnavailableError } from '../../temporal/connection';
import { createWorker } from '../../workers/worker';
import { pingWorkflow } from '../../workflows';
import { createTemporalTestEnv, waitFor, type TemporalTestEnv } from '../helpers/temporal-env';

jest.setTimeout(240_000);

let env: TemporalTestEnv;
let manager: TemporalClientManager;

beforeAll(async () => {
  // A persistent server on a free port, not started yet: the manager first sees nothing there.
  env = await createTemporalTestEnv({ persistent: true, started: false });
  manager = new TemporalClientManager({ address: env.address, namespace: env.namespace, checkIntervalMs: 500 });
  manager.start();
});

afterAll(async () => {
  await manager?.close();
  await env?.dispose();
});

test('status follows the server: down → up → down → up again, and a workflow survives the restart', async () => {
  // Down: not ready, with a reason, and getClient() throws the typed error.
  await new Promise((r) => setTimeout(r, 1_500));
  expect(manager.status()).toMatchObject({ ready: false, address: env.address, namespace: 'default' });
  expect(manager.status().error).toEqual(expect.any(String));
  expect(() => manager.getClient()).toThrow(TemporalUnavailableError);
  expect(() => manager.getClient()).toThrow(`Temporal is not reachable at ${env.address}`);

  // Up.
  await env.start();
  await manager.waitUntilReady(30_000);
  expect(manager.status()).toEqual({ ready: true, address: env.address, namespace: 'default' });

  // Start a workflow while no worker polls: it waits in the server's SQLite file.
  const taskQueue = `durability-${Date.now()}`;
  const workflowId = `durability-${Date.now()}`;
  await manager.getClient().workflow.start(pingWorkflow, { taskQueue, workflowId, args: ['before-restart'] });

  // Down again.
  await env.stop();
  await waitFor(() => !manager.status().ready, 'manager to notice the server stopped');
  expect(manager.status().error).toEqual(expect.any(String));
  expect(() => manager.getClient()).toThrow(TemporalUnavailableError);

  // Up again on the same file: ready again, and the workflow started before the restart completes.
  await env.start();
  await waitFor(() => manager.status().ready, 'manager to notice the server is back');
  const connection = await NativeConnection.connect({ address: env.address });
  try {
    const worker = await createWorker({
      connection,
      namespace: env.namespace,
      taskQueue,
      activities: createActivities({ now: () => 0 }),
    });
    const result = await worker.runUntil(manager.getClient().workflow.getHandle(workflowId).result());
    expect(result).toBe('pong: before-restart @ 1970-01-01T00:00:00.000Z');
  } finally {
    await connection.close();
  }
});
