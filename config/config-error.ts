import type { ZodError } from 'zod';
import { issueLines } from '../gateway/core/zod-issues';

/** The config layer's error: start-up stops with this message, which names the offending field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }

  static fromZod(source: string, err: ZodError): ConfigError {
    return new ConfigError(`${source}: invalid configuration\n${issueLines(err).join('\n')}`);
  }
}
