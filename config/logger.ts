import pino, { type Logger } from 'pino';

/** The process logger. Credentials are redacted wherever they could appear in a logged object. */
export function createLogger(level: string, name = 'circuit-breaker'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        '*.authorization',
        '*.Authorization',
        '*["api-key"]',
        '*["x-api-key"]',
        '*["x-goog-api-key"]',
        '*.apiKey',
        '*.apiKeys',
        '*.api_key',
        '*.api_keys',
        'headers.authorization',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
