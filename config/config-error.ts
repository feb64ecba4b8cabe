import type { ZodError } from 'zod';

/** The config layer's error: start-up stops with this message, which names the offending field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }

  static fromZod(source: string, err: ZodError): ConfigError {
    const lines = err.issues.map((i) => `  - ${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
    return new ConfigError(`${source}: invalid configuration\n${lines.join('\n')}`);
  }
}
