import type { Logger } from 'pino';
import type { AppConfig } from './app-config';
import { loadConfig, loadDotEnv } from './load-config';
import { createLogger } from './logger';

/**
 * What every entry point does first: `.env`, the validated configuration, the process logger (named for the
 * entry point), and the start-up warnings the configuration carries said once.
 */
export function bootConfig(name: string): { config: AppConfig; logger: Logger } {
  loadDotEnv();
  const config = loadConfig();
  const logger = createLogger(config.logLevel, name);
  for (const w of config.warnings) logger.warn(w);
  return { config, logger };
}
