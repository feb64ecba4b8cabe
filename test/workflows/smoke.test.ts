import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { startDevServer } from '../../temporal/dev-server';
import { ensureTemporalCli } from '../../temporal/temporal-cli';
import { createWorker } from '../../workers/worker';
import { pingWorkflow } from '../../workflows';
import { createTemporalTestEnv, type TemporalTestEnv } from '../helpers/temporal-env';

jest.setTimeout(180_000);

let env: TemporalTestEnv;
let nativeConnection: NativeConnection;
let connection: Connection;

beforeAll(async () => {
  env = await createTemporalTestEnv();
  nativeConnection = await NativeConnection.connect({ address: env.address });
  connection = await Connection.connect({ address: env.address });
});

afterAll(async () => {
  await connection?.close();
  await nativeConnection?.close();
  await env?.dispose();
});

test('pingWorkflow runs its activity on a real worker and returns the pong', async () => {
  const taskQueue = `smoke-${Date.now()}`;
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: env.namespace,
    taskQueue,
    activities: createActivities({ now: () => Date.UTC(2026, 0, 2, 3, 4, 5) }),
  });
  const client = new Client({ connection, namespace: env.namespace });
  const result = await worker.runUntil(
    client.workflow.execute(pingWorkflow, { taskQueue, workflowId: `smoke-${Date.now()}`, args: ['jest'] }),
  );
  expect(result).toBe('pong: jest @ 2026-01-02T03:04:05.000Z');
});

test('startDevServer fails fast when its port is taken', async () => {
  const started = Date.now();
  await expect(
    startDevServer({ cliPath: await ensureTemporalCli(), port: env.port, headless: true }),
  ).rejects.toThrow(`gRPC port 127.0.0.1:${env.port} is already in use by another process`);
  expect(Date.now() - started).toBeLessThan(5_000);
});
