// Standalone API process (`npm run api`): the scale-out shape — many API processes and many workers on one
// Temporal cluster. Completions never need Temporal; workflow routes answer 503 until it is reachable.
import { bootConfig } from '../config/boot';
import { ConfigError } from '../config/load-config';
import { TemporalClientManager } from '../temporal/connection';
import { startApiServer } from './server';

async function main(): Promise<void> {
  const { config, logger } = bootConfig('api');
  const address = config.temporal.address ?? `127.0.0.1:${config.temporal.devPort}`;
  const temporal = new TemporalClientManager({ address, namespace: config.temporal.namespace, logger });
  temporal.start();
  const api = await startApiServer({ config, temporal, logger });
  console.log(`Circuit Breaker API on ${api.url} (Temporal at ${address}, UI ${config.temporal.uiUrl})`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info(`${signal}: draining in-flight requests`);
    void api
      .close()
      .then(() => temporal.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err);
  process.exit(1);
});
